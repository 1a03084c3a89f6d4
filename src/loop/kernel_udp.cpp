// loop/kernel_udp.cpp — the kernel host's UDP sockets and ICMP echo (see
// kernel_host.hpp): the same calls as on our stack, on the kernel's sockets.
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>
#include <variant>
#include <vector>

#include "loop/kernel_host.hpp"
#include "loop/kernel_sockaddr.hpp"
#include "wire/icmpv4.hpp"
#include "wire/ipv4.hpp"

namespace wirestack::loop {

// ---- UDP -----------------------------------------------------------------------------

KernelUdpSockets::~KernelUdpSockets() {
  for (const auto& [fd, sock] : socks_) ::close(fd);
}

int KernelUdpSockets::fd_of(udp::SocketHandle h) const {
  auto it = socks_.find(static_cast<int>(h.index));
  if (it == socks_.end() || it->second.serial != h.generation) return -1;
  return it->first;
}

udp::SocketHandle KernelUdpSockets::open() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return udp::SocketHandle{};  // {0, 0}: every call on it says "stale handle"
  const std::uint32_t serial = next_serial_++;
  socks_[fd] = Sock{.serial = serial};
  host_.watch(fd);
  ++host_.counters_.sockets_opened;
  return udp::SocketHandle{static_cast<std::uint32_t>(fd), serial};
}

bool KernelUdpSockets::close(udp::SocketHandle h) {
  const int fd = fd_of(h);
  if (fd < 0) return false;
  host_.unwatch(fd);
  ::close(fd);
  socks_.erase(fd);
  return true;
}

Result<IpEndpoint, udp::Error> KernelUdpSockets::bind(udp::SocketHandle h, IpEndpoint local) {
  const int fd = fd_of(h);
  if (fd < 0) return Unexpected{stale("bind")};
  if (auto e = ipv4_only("bind", local)) return Unexpected{*e};
  sockaddr_in a = to_sockaddr(local);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) return Unexpected{error("bind", errno)};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return from_sockaddr(a);
}

Result<void, udp::Error> KernelUdpSockets::connect(udp::SocketHandle h, IpEndpoint remote) {
  const int fd = fd_of(h);
  if (fd < 0) return Unexpected{stale("connect")};
  if (auto e = ipv4_only("connect", remote)) return Unexpected{*e};
  sockaddr_in a = to_sockaddr(remote);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) return Unexpected{error("connect", errno)};
  return {};
}

Result<void, udp::Error> KernelUdpSockets::send_to(udp::SocketHandle h, IpEndpoint dst, Bytes payload) {
  const int fd = fd_of(h);
  if (fd < 0) return Unexpected{stale("send")};
  if (auto e = ipv4_only("send", dst)) return Unexpected{*e};
  sockaddr_in a = to_sockaddr(dst);
  if (::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    return Unexpected{error("send", errno)};
  }
  return {};
}

Result<void, udp::Error> KernelUdpSockets::send(udp::SocketHandle h, Bytes payload) {
  const int fd = fd_of(h);
  if (fd < 0) return Unexpected{stale("send")};
  if (::send(fd, payload.data(), payload.size(), 0) < 0) return Unexpected{error("send", errno)};
  return {};
}

Result<udp::Datagram, udp::Error> KernelUdpSockets::recv_from(udp::SocketHandle h) {
  const int fd = fd_of(h);
  if (fd < 0) return Unexpected{stale("recv")};
  std::array<std::byte, 65536> buf;  // the largest datagram
  sockaddr_in from{};
  socklen_t len = sizeof from;
  const ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
  if (n < 0) {
    const int e = errno;
    if (e != EAGAIN && e != EWOULDBLOCK) {
      socks_[fd].error = errc_of(e);  // for take_error(), as on our stack
      return Unexpected{udp::Error{udp::Errc::would_block, transport::kRecvWouldBlock}};
    }
    return Unexpected{error("recv", e)};
  }
  udp::Datagram d;
  d.from = from_sockaddr(from);
  if (auto local = local_endpoint(h)) d.to = *local;
  d.payload.assign(buf.begin(), buf.begin() + n);
  d.at = host_.now();
  return d;
}

std::optional<udp::Errc> KernelUdpSockets::take_error(udp::SocketHandle h) {
  const int fd = fd_of(h);
  if (fd < 0) return std::nullopt;
  if (auto kept = std::exchange(socks_[fd].error, std::nullopt)) return kept;
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);  // reading it clears it
  if (err != 0) return errc_of(err);
  return std::nullopt;
}

std::optional<IpEndpoint> KernelUdpSockets::local_endpoint(udp::SocketHandle h) const {
  const int fd = fd_of(h);
  if (fd < 0) return std::nullopt;
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0) return std::nullopt;
  return from_sockaddr(a);
}

// ---- ICMP echo -------------------------------------------------------------------------

Result<void, transport::SocketError> KernelHost::send_echo(const IpAddress& dst, std::uint16_t ident,
                                                           std::uint16_t seq, std::size_t payload_len,
                                                           runtime::EchoOptions options) {
  if (auto e = ipv4_only("ping", IpEndpoint{dst, 0})) return Unexpected{*e};
  if (icmp_ < 0) {
    icmp_ = ::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (icmp_ < 0) {
      const int e = errno;
      return Unexpected{transport::SocketError{
          e == EPERM ? transport::Errc::permission_denied : errc_of(e),
          std::string("ping: a raw ICMP socket: ") + std::strerror(e) +
              (e == EPERM ? " (ICMP echo on the kernel host needs CAP_NET_RAW: run as root)" : "")}};
    }
    epoll_event ev{};
    ev.events = EPOLLIN;  // level-triggered: drain_icmp() reads what is there
    ev.data.u64 = static_cast<std::uint64_t>(icmp_);
    (void)::epoll_ctl(epoll_, EPOLL_CTL_ADD, icmp_, &ev);
  }
  const int ttl = options.ttl.value_or(64);
  (void)::setsockopt(icmp_, IPPROTO_IP, IP_TTL, &ttl, sizeof ttl);
  const int pmtu = options.dont_fragment ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
  (void)::setsockopt(icmp_, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);

  std::vector<std::byte> data(payload_len);
  for (std::size_t i = 0; i < payload_len; ++i) data[i] = static_cast<std::byte>(i);  // as our stack's pattern
  const Icmpv4Repr repr{.message = Icmpv4EchoRequest{.ident = ident, .seq_no = seq, .data = data}};
  std::vector<std::byte> msg(repr.buffer_len());
  repr.emit(Icmpv4PacketMut(msg));
  sockaddr_in a = to_sockaddr(IpEndpoint{dst, 0});
  if (::sendto(icmp_, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    return Unexpected{error("ping", errno)};
  }
  return {};
}

void KernelHost::drain_icmp() {
  std::array<std::byte, 65536> buf;
  for (int i = 0; i < 256; ++i) {  // a bounded batch; level-triggered epoll brings us back
    const ssize_t n = ::recv(icmp_, buf.data(), buf.size(), 0);
    if (n <= 0) return;
    const Instant at = clock_.now();
    // A raw IPv4 socket reads the whole datagram, header first.
    auto ip = Ipv4Packet::checked(Bytes(buf).first(static_cast<std::size_t>(n)));
    if (!ip) continue;
    auto ip_repr = Ipv4Repr::parse(*ip);
    auto icmp = Icmpv4Packet::checked(ip->payload());
    if (!ip_repr || !icmp) continue;
    auto repr = Icmpv4Repr::parse(*icmp);
    if (!repr) continue;
    if (const auto* reply = std::get_if<Icmpv4EchoReply>(&repr->message)) {
      pending_replies_.push_back(runtime::EchoReply{.from = ip_repr->src,
                                                    .ident = reply->ident,
                                                    .seq = reply->seq_no,
                                                    .ttl = ip_repr->ttl,
                                                    .payload_len = reply->data.size(),
                                                    .at = at});
      continue;
    }
    const Icmpv4Quote* quote = nullptr;
    if (const auto* u = std::get_if<Icmpv4DstUnreachable>(&repr->message)) quote = &u->quote;
    if (const auto* t = std::get_if<Icmpv4TimeExceeded>(&repr->message)) quote = &t->quote;
    if (quote == nullptr) continue;
    runtime::IcmpReport report{.from = ip_repr->src,
                               .reason = {},
                               .type = static_cast<std::uint8_t>(repr->type()),
                               .code = repr->code(),
                               .orig_dst = quote->header.dst,
                               .orig_protocol = quote->header.protocol,
                               .at = at};
    if (const auto* u = std::get_if<Icmpv4DstUnreachable>(&repr->message)) report.next_hop_mtu = u->next_hop_mtu;
    report.reason = runtime::icmpv4_reason(repr->type(), repr->code());
    if (quote->data.size() >= 8) {
      // TCP/UDP: the ports; an echo request: its ident and sequence number.
      const bool echo = quote->header.protocol == IpProtocol::icmp;
      report.src_port = load_be16(quote->data, echo ? 4 : 0);
      report.dst_port = load_be16(quote->data, echo ? 6 : 2);
    }
    pending_errors_.push_back(report);
  }
}

}  // namespace wirestack::loop
