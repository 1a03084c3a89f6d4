#include "runtime/stack_host.hpp"

#include <algorithm>
#include <sstream>

namespace wirestack::runtime {

namespace {

transport::SocketError echo_error(iface::SendError e) {
  using transport::Errc;
  std::ostringstream text;
  text << e;
  Errc code = Errc::net_unreachable;
  switch (e) {
    case iface::SendError::no_route:
    case iface::SendError::nic_down: code = Errc::net_unreachable; break;
    case iface::SendError::no_source_address: code = Errc::address_not_available; break;
    case iface::SendError::too_big: code = Errc::message_too_long; break;
    case iface::SendError::arp_queue_full: code = Errc::would_block; break;
  }
  return {code, text.str()};
}

}  // namespace

EchoReply to_echo_reply(const iface::PingReply& r) {
  return EchoReply{.from = r.from, .ident = r.ident, .seq = r.seq, .ttl = r.ttl, .payload_len = r.payload_len, .at = r.at};
}

IcmpReport to_icmp_report(const iface::IcmpError& e) {
  return IcmpReport{.from = e.from,
                    .reason = icmpv4_reason(e.type, e.code),
                    .type = static_cast<std::uint8_t>(e.type),
                    .code = e.code,
                    .next_hop_mtu = e.next_hop_mtu,
                    .orig_dst = e.orig_dst,
                    .orig_protocol = e.orig_protocol,
                    .src_port = e.src_port,
                    .dst_port = e.dst_port,
                    .local = e.local,
                    .at = e.at};
}

IcmpReport to_icmp_report(const iface::Icmp6Error& e) {
  const bool too_big = e.type == Icmpv6Type::packet_too_big;
  return IcmpReport{.from = e.from,
                    .reason = transport::icmpv6_reason(static_cast<std::uint8_t>(e.type), e.code),
                    .type = static_cast<std::uint8_t>(e.type),
                    .code = e.code,
                    .next_hop_mtu = too_big ? static_cast<std::uint16_t>(std::min<std::uint32_t>(e.param, 65535)) : std::uint16_t{0},
                    .orig_dst = e.orig_dst,
                    .orig_protocol = e.orig_protocol,
                    .src_port = e.src_port,
                    .dst_port = e.dst_port,
                    .local = e.local,
                    .at = e.at};
}

StackHost::StackHost(iface::FrameSink& sink, Rng rng, const iface::InterfaceConfig& config)
    : rng_(rng), stack_(sink, rng_, config) {}

Result<void, transport::SocketError> StackHost::send_echo(const IpAddress& dst, std::uint16_t ident, std::uint16_t seq,
                                                          std::size_t payload_len, EchoOptions options) {
  if (!dst.is_v4()) {
    // ICMPv6 echo (RFC 4443 4.1); IPv6 routers never fragment, so there
    // is no DF to set (RFC 8200 5).
    auto r = stack_.send_ping6(dst.v6(), ident, seq, payload_len, now(), options.ttl);
    if (!r) return Unexpected{echo_error(r.error())};
    return {};
  }
  auto r = stack_.send_ping(dst.v4(), ident, seq, payload_len, now(),
                            iface::PingOptions{.ttl = options.ttl, .dont_fragment = options.dont_fragment});
  if (!r) return Unexpected{echo_error(r.error())};
  return {};
}

void StackHost::collect(ActivityLoop& loop) {
  for (const auto& r : stack_.take_ping_replies()) loop.echo_replies.push_back(to_echo_reply(r));
  for (const auto& r : stack_.take_ping6_replies()) {
    loop.echo_replies.push_back(EchoReply{
        .from = r.from, .ident = r.ident, .seq = r.seq, .ttl = r.hop_limit, .payload_len = r.payload_len, .at = r.at});
  }
  for (const auto& e : stack_.take_icmp_errors()) loop.icmp_errors.push_back(to_icmp_report(e));
  for (const auto& e : stack_.take_icmp6_errors()) loop.icmp_errors.push_back(to_icmp_report(e));
  delivered_before_ = stack_.counters().ipv4.delivered;
  stack_.tcp().take_changed(loop.tcp_changed);
}

bool StackHost::flush() {
  stack_.poll(round_now_);  // what the hooks queued (UDP datagrams, TCP data) leaves now
  return stack_.counters().ipv4.delivered != delivered_before_;
}

// ---- UDP --------------------------------------------------------------------------

udp::SocketHandle StackUdpSockets::open() { return stack_.udp().open(); }
bool StackUdpSockets::close(udp::SocketHandle h) { return stack_.udp().close(h); }
Result<IpEndpoint, udp::Error> StackUdpSockets::bind(udp::SocketHandle h, IpEndpoint local) {
  return stack_.udp_bind(h, local);
}
Result<void, udp::Error> StackUdpSockets::connect(udp::SocketHandle h, IpEndpoint remote) {
  return stack_.udp().connect(h, remote);
}
Result<void, udp::Error> StackUdpSockets::send_to(udp::SocketHandle h, IpEndpoint dst, Bytes payload) {
  return stack_.udp().send_to(h, dst, payload);
}
Result<void, udp::Error> StackUdpSockets::send(udp::SocketHandle h, Bytes payload) {
  return stack_.udp().send(h, payload);
}
Result<udp::Datagram, udp::Error> StackUdpSockets::recv_from(udp::SocketHandle h) { return stack_.udp().recv_from(h); }
std::optional<udp::Errc> StackUdpSockets::take_error(udp::SocketHandle h) { return stack_.udp().take_error(h); }
std::optional<IpEndpoint> StackUdpSockets::local_endpoint(udp::SocketHandle h) const {
  return stack_.udp().local_endpoint(h);
}

}  // namespace wirestack::runtime
