// loop/kernel_host.cpp — see kernel_host.hpp.
#include "loop/kernel_host.hpp"
#include "loop/kernel_sockaddr.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>

namespace wirestack::loop {

namespace {

// Linux's TCP states (include/net/tcp_states.h) as ours.
std::optional<tcp::State> kernel_state(int fd) {
  tcp_info info{};
  socklen_t len = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0) return std::nullopt;
  switch (info.tcpi_state) {
    case 1: return tcp::State::established;
    case 2: return tcp::State::syn_sent;
    case 3: return tcp::State::syn_received;
    case 4: return tcp::State::fin_wait_1;
    case 5: return tcp::State::fin_wait_2;
    case 6: return tcp::State::time_wait;
    case 7: return tcp::State::closed;
    case 8: return tcp::State::close_wait;
    case 9: return tcp::State::last_ack;
    case 10: return tcp::State::listen;
    case 11: return tcp::State::closing;
    default: return std::nullopt;
  }
}

constexpr std::uint64_t kSignalTag = ~std::uint64_t{0};

// A line of /proc/sys/net/ipv4/..., for messages ("?" when unreadable).
std::string sysctl_line(const char* name) {
  std::ifstream in(std::string("/proc/sys/net/ipv4/") + name);
  std::string line;
  if (!in || !std::getline(in, line) || line.empty()) return "?";
  return line;
}

// TCP_CONGESTION on fd: "" or what went wrong, for a person.
std::string set_congestion(int fd, const std::string& name) {
  if (::setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name.data(), static_cast<socklen_t>(name.size())) == 0) return {};
  const int e = errno;
  switch (e) {
    case ENOENT:
      return "the kernel has no TCP congestion control '" + name + "' (available: " +
             sysctl_line("tcp_available_congestion_control") + ")";
    case EPERM:
      return "the kernel does not let this user set TCP congestion control '" + name + "' (allowed: " +
             sysctl_line("tcp_allowed_congestion_control") + "; root may set any available one)";
    default:
      return "setsockopt TCP_CONGESTION '" + name + "': " + std::strerror(e);
  }
}

}  // namespace

// ---- Sockets ---------------------------------------------------------------------

KernelTcpSockets::~KernelTcpSockets() {
  for (auto& [fd, s] : socks_) ::close(fd);
}

KernelTcpSockets::Sock* KernelTcpSockets::find(tcp::SocketHandle h) {
  auto it = socks_.find(static_cast<int>(h.index));
  if (it == socks_.end() || it->second.serial != h.generation) return nullptr;
  return &it->second;
}

const KernelTcpSockets::Sock* KernelTcpSockets::find(tcp::SocketHandle h) const {
  return const_cast<KernelTcpSockets*>(this)->find(h);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

tcp::SocketHandle KernelTcpSockets::open() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return tcp::SocketHandle{};  // {0, 0}: every call on it says "stale handle"
  const int one = 1;
  (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // a restarted server binds again at once
  Sock& s = socks_[fd];
  s = Sock{.serial = next_serial_++};
  host_.watch(fd);
  ++host_.counters_.sockets_opened;
  return tcp::SocketHandle{static_cast<std::uint32_t>(fd), s.serial};
}

Result<IpEndpoint, tcp::SocketError> KernelTcpSockets::bind(tcp::SocketHandle h, IpEndpoint local) {
  if (find(h) == nullptr) return Unexpected{stale("bind")};
  if (auto e = ipv4_only("bind", local)) return Unexpected{*e};
  const int fd = static_cast<int>(h.index);
  sockaddr_in a = to_sockaddr(local);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) return Unexpected{error("bind", errno)};
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return from_sockaddr(a);
}

Result<void, tcp::SocketError> KernelTcpSockets::listen(tcp::SocketHandle h, std::uint32_t backlog) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{stale("listen")};
  if (host_.congestion_) {
    if (auto e = set_congestion(static_cast<int>(h.index), *host_.congestion_); !e.empty()) {
      return Unexpected{tcp::SocketError{tcp::Errc::invalid_argument, "listen: " + e}};
    }
  }
  if (::listen(static_cast<int>(h.index), static_cast<int>(std::min<std::uint32_t>(backlog, 65535))) < 0) {
    return Unexpected{error("listen", errno)};
  }
  s->listening = true;
  return {};
}

Result<tcp::SocketHandle, tcp::SocketError> KernelTcpSockets::accept(tcp::SocketHandle l) {
  if (find(l) == nullptr) return Unexpected{stale("accept")};
  const int fd = ::accept4(static_cast<int>(l.index), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return Unexpected{error("accept", errno)};
  Sock& s = socks_[fd];
  s = Sock{.serial = next_serial_++, .connected = true};
  host_.watch(fd);
  ++host_.counters_.accepted;
  return tcp::SocketHandle{static_cast<std::uint32_t>(fd), s.serial};
}

Result<void, tcp::SocketError> KernelTcpSockets::connect(tcp::SocketHandle h, IpEndpoint remote, Instant) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{stale("connect")};
  if (auto e = ipv4_only("connect", remote)) return Unexpected{*e};
  if (host_.congestion_) {
    if (auto e = set_congestion(static_cast<int>(h.index), *host_.congestion_); !e.empty()) {
      return Unexpected{tcp::SocketError{tcp::Errc::invalid_argument, "connect: " + e}};
    }
  }
  sockaddr_in a = to_sockaddr(remote);
  if (::connect(static_cast<int>(h.index), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    if (errno != EINPROGRESS) return Unexpected{error("connect", errno)};
    s->connecting = true;
    return {};
  }
  s->connected = true;
  return {};
}

void KernelTcpSockets::settle(int fd, Sock& s) const {
  if (!s.connecting) return;
  pollfd p{.fd = fd, .events = POLLOUT, .revents = 0};
  if (::poll(&p, 1, 0) <= 0) return;  // still in progress
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  s.connecting = false;
  if (err != 0) {
    s.error = errc_of(err);
  } else {
    s.connected = true;
  }
}

Result<std::size_t, tcp::SocketError> KernelTcpSockets::send(tcp::SocketHandle h, Bytes data) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{stale("send")};
  settle(static_cast<int>(h.index), *s);
  if (s->error) return Unexpected{tcp::SocketError{*s->error, std::string("send: ") + std::string(tcp::to_string(*s->error))}};
  const ssize_t n = ::send(static_cast<int>(h.index), data.data(), data.size(), MSG_NOSIGNAL);
  if (n < 0) return Unexpected{error("send", errno)};
  return static_cast<std::size_t>(n);
}

Result<std::size_t, tcp::SocketError> KernelTcpSockets::recv(tcp::SocketHandle h, MutBytes out) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{stale("recv")};
  settle(static_cast<int>(h.index), *s);
  if (s->error) return Unexpected{tcp::SocketError{*s->error, std::string("recv: ") + std::string(tcp::to_string(*s->error))}};
  const ssize_t n = ::recv(static_cast<int>(h.index), out.data(), out.size(), 0);
  if (n < 0) {
    if (errno == ENOTCONN && s->connecting) return Unexpected{error("recv", EAGAIN)};
    return Unexpected{error("recv", errno)};
  }
  return static_cast<std::size_t>(n);
}

Result<void, tcp::SocketError> KernelTcpSockets::shutdown_send(tcp::SocketHandle h) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{stale("shutdown")};
  if (::shutdown(static_cast<int>(h.index), SHUT_WR) < 0) return Unexpected{error("shutdown", errno)};
  s->shut = true;
  return {};
}

Result<void, tcp::SocketError> KernelTcpSockets::close(tcp::SocketHandle h) {
  if (find(h) == nullptr) return Unexpected{stale("close")};
  const int fd = static_cast<int>(h.index);
  host_.unwatch(fd);
  ::close(fd);  // the kernel finishes the close (FIN, TIME-WAIT) on its own
  socks_.erase(fd);
  return {};
}

Result<void, tcp::SocketError> KernelTcpSockets::abort(tcp::SocketHandle h) {
  if (find(h) == nullptr) return Unexpected{stale("abort")};
  const linger l{.l_onoff = 1, .l_linger = 0};  // close() sends a RST
  (void)::setsockopt(static_cast<int>(h.index), SOL_SOCKET, SO_LINGER, &l, sizeof l);
  return close(h);
}

Result<void, tcp::SocketError> KernelTcpSockets::set_buffer_sizes(tcp::SocketHandle h, tcp::BufferSizes sizes) {
  if (find(h) == nullptr) return Unexpected{stale("set_buffer_sizes")};
  const int fd = static_cast<int>(h.index);
  // Setting either locks it against the kernel's autotuning, as ours does.
  for (const auto& [opt, v] : {std::pair{SO_RCVBUF, sizes.recv}, std::pair{SO_SNDBUF, sizes.send}}) {
    if (v == 0) continue;
    const int bytes = static_cast<int>(std::min<std::uint32_t>(v, 1u << 30));
    if (::setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes) < 0) return Unexpected{error("set_buffer_sizes", errno)};
  }
  return {};
}

Result<void, tcp::SocketError> KernelTcpSockets::set_nodelay(tcp::SocketHandle h, bool on) {
  if (find(h) == nullptr) return Unexpected{stale("set_nodelay")};
  const int v = on ? 1 : 0;
  if (::setsockopt(static_cast<int>(h.index), IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) < 0) {
    return Unexpected{error("set_nodelay", errno)};
  }
  return {};
}

std::optional<tcp::Errc> KernelTcpSockets::take_error(tcp::SocketHandle h) {
  Sock* s = find(h);
  if (s == nullptr) return std::nullopt;
  const int fd = static_cast<int>(h.index);
  settle(fd, *s);
  if (s->error) {
    auto e = s->error;
    s->error.reset();
    return e;
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return errc_of(err);
  return std::nullopt;
}

std::uint8_t KernelTcpSockets::readiness(tcp::SocketHandle h) const {
  const Sock* s = find(h);
  if (s == nullptr) return 0;
  const int fd = static_cast<int>(h.index);
  settle(fd, const_cast<Sock&>(*s));  // NOLINT(cppcoreguidelines-pro-type-const-cast): a cache of the kernel's view
  pollfd p{.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP, .revents = 0};
  if (::poll(&p, 1, 0) < 0) return 0;
  std::uint8_t r = 0;
  if (p.revents & POLLIN) r |= tcp::ready::kReadable;
  if ((p.revents & POLLOUT) && s->connected && !s->shut) r |= tcp::ready::kWritable;
  if ((p.revents & POLLERR) || s->error) r |= tcp::ready::kError | tcp::ready::kReadable;
  if (p.revents & (POLLHUP | POLLRDHUP)) r |= tcp::ready::kHangup;
  return r;
}

std::optional<tcp::State> KernelTcpSockets::state(tcp::SocketHandle h) const {
  const Sock* s = find(h);
  if (s == nullptr) return std::nullopt;
  const int fd = static_cast<int>(h.index);
  settle(fd, const_cast<Sock&>(*s));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  if (s->error) return tcp::State::closed;
  const auto st = kernel_state(fd);
  // Once both sides closed, Linux hands the TIME-WAIT to a separate mini
  // socket and reports the full one as CLOSE; data may still wait to be
  // read. Say what a stack that kept it would: TIME-WAIT.
  if (st == tcp::State::closed && s->connected) return tcp::State::time_wait;
  return st;
}

namespace {
// getsockname or getpeername of a socket, as an endpoint.
std::optional<IpEndpoint> name_of(int fd, int (*call)(int, sockaddr*, socklen_t*)) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (call(fd, reinterpret_cast<sockaddr*>(&a), &len) < 0) return std::nullopt;
  return from_sockaddr(a);
}
}  // namespace

std::optional<IpEndpoint> KernelTcpSockets::local_endpoint(tcp::SocketHandle h) const {
  if (find(h) == nullptr) return std::nullopt;
  return name_of(static_cast<int>(h.index), ::getsockname);
}

std::optional<IpEndpoint> KernelTcpSockets::remote_endpoint(tcp::SocketHandle h) const {
  if (find(h) == nullptr) return std::nullopt;
  return name_of(static_cast<int>(h.index), ::getpeername);
}

bool KernelTcpSockets::all_acknowledged(tcp::SocketHandle h) const {
  const Sock* s = find(h);
  if (s == nullptr) return false;
  const int fd = static_cast<int>(h.index);
  int unacked = 0;  // SIOCOUTQ: bytes not yet acknowledged (sent or not)
  if (::ioctl(fd, SIOCOUTQ, &unacked) < 0 || unacked != 0) return false;
  if (!s->shut) return true;
  const auto st = kernel_state(fd);
  return st == tcp::State::fin_wait_2 || st == tcp::State::time_wait || st == tcp::State::closed;
}

// ---- The host --------------------------------------------------------------------

KernelHost::KernelHost(bool handle_signals)
    : epoll_(::epoll_create1(EPOLL_CLOEXEC)), handle_signals_(handle_signals) {}

KernelHost::~KernelHost() {
  if (icmp_ >= 0) ::close(icmp_);
  if (epoll_ >= 0) ::close(epoll_);
}

void KernelHost::watch(int fd) {
  epoll_event ev{};
  // Edge-triggered: a connected socket is writable nearly all the time, and
  // level-triggered EPOLLOUT would wake the loop without end.
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = static_cast<std::uint64_t>(fd);
  (void)::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
}

void KernelHost::unwatch(int fd) { (void)::epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr); }

void KernelHost::for_each_counter(const iface::CounterVisitor& visit) const {
  visit("kernel_host", "wakeups", counters_.wakeups);
  visit("kernel_host", "sockets_opened", counters_.sockets_opened);
  visit("kernel_host", "accepted", counters_.accepted);
  visit("kernel_host", "open", tcp_.open_count());
  visit("kernel_host", "udp_open", udp_.open_count());
}

void KernelHost::kick() { after_activity(); }

void KernelHost::World::collect(runtime::ActivityLoop& loop) {
  loop.tcp_changed.swap(host_.pending_changed_);
  host_.pending_changed_.clear();
  for (auto& r : host_.pending_replies_) loop.echo_replies.push_back(r);
  for (auto& e : host_.pending_errors_) loop.icmp_errors.push_back(e);
  host_.pending_replies_.clear();
  host_.pending_errors_.clear();
}

void KernelHost::after_activity() {
  // Still busy (applications answering each other): another round at the next turn.
  if (activity_.run(world_)) wake_at(clock_.now());
}

Result<void, std::string> KernelHost::set_tcp_congestion(std::string name) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unexpected{std::string("socket: ") + std::strerror(errno)};
  const std::string e = set_congestion(fd, name);
  ::close(fd);
  if (!e.empty()) return Unexpected{e};
  congestion_ = std::move(name);
  return {};
}

Result<StopReason, std::string> KernelHost::run(std::optional<Duration> limit) {
  if (epoll_ < 0) return Unexpected{std::string("epoll_create1: ") + std::strerror(errno)};
  stop_ = false;
  sigset_t set{};
  sigset_t old{};
  int sig = -1;
  if (handle_signals_) {
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &set, &old);
    sig = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kSignalTag;
    (void)::epoll_ctl(epoll_, EPOLL_CTL_ADD, sig, &ev);
  }
  auto restore = [&] {
    if (sig >= 0) {
      (void)::epoll_ctl(epoll_, EPOLL_CTL_DEL, sig, nullptr);
      ::close(sig);
    }
    if (handle_signals_) ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  };
  const Instant start = clock_.now();
  const std::optional<Instant> limit_at = limit ? std::optional<Instant>(start + *limit) : std::nullopt;
  after_activity();
  std::array<epoll_event, 256> events{};
  while (!stop_) {
    const Instant now = clock_.now();
    if (limit_at && now >= *limit_at) {
      restore();
      return StopReason::time_limit;
    }
    if (timers_.run_due(now) > 0) {
      after_activity();
      if (stop_) break;
    }
    std::optional<Instant> next = activity_.wake();
    for (const auto& t : {limit_at, timers_.next()}) {
      if (t) next = next ? std::min(*next, *t) : *t;
    }
    int timeout = -1;
    if (next) {
      timeout = *next <= now ? 0
                             : static_cast<int>(std::min<std::int64_t>(
                                   std::chrono::ceil<std::chrono::milliseconds>(*next - now).count(), 60'000));
    }
    const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout);
    ++counters_.wakeups;
    if (n < 0) {
      if (errno == EINTR) continue;
      restore();
      return Unexpected{std::string("epoll_wait: ") + std::strerror(errno)};
    }
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = events[static_cast<std::size_t>(i)].data.u64;
      if (tag == kSignalTag) {
        // Consume it: unblocking a pending SIGTERM in restore() would kill us.
        signalfd_siginfo info{};
        while (::read(sig, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        }
        restore();
        return StopReason::signal;
      }
      const int fd = static_cast<int>(tag);
      if (fd == icmp_) {
        drain_icmp();
        continue;
      }
      auto it = tcp_.socks_.find(fd);
      if (it != tcp_.socks_.end()) pending_changed_.push_back(tcp::SocketHandle{static_cast<std::uint32_t>(fd), it->second.serial});
    }
    (void)activity_.take_due(clock_.now());
    after_activity();
  }
  restore();
  return StopReason::stopped;
}

}  // namespace wirestack::loop
