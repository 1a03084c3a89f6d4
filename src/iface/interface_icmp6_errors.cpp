// iface/interface_icmp6_errors.cpp — ICMPv6 errors about packets this host
// sent (RFC 4443 2.4(b), 3): handed to TCP and UDP through the same error
// vocabulary as ICMPv4's (transport/error.hpp), and Packet Too Big as path
// MTU discovery for IPv6 (RFC 8201): the MTU to the quoted destination is
// lowered (never below the IPv6 minimum, 1280: RFC 8200 5 no longer has a
// node fragment for a smaller one), for config().pmtu_expires; a TCP
// connection's segment size is lowered only when the quote names data it
// has in flight (RFC 5927 4.1, as Linux's tcp_v6_err), so that a forged
// error cannot shrink every connection.
#include <algorithm>
#include <optional>
#include <variant>

#include "iface/interface.hpp"
#include "transport/error.hpp"

namespace wirestack::iface {

namespace {

constexpr std::uint32_t kIpv6MinMtu = 1280;  // RFC 8200 5
constexpr std::size_t kTcpMinHeaderLen = 20;

std::optional<transport::IcmpReason> reason_of(const Icmpv6Repr& msg, Bytes& invoking, std::uint32_t& param) {
  using R = transport::IcmpReason;
  if (const auto* u = std::get_if<Icmpv6DstUnreachable>(&msg.message)) {
    invoking = u->invoking;
    switch (u->code) {
      case Icmpv6UnreachableCode::no_route: return R::net_unreachable;
      case Icmpv6UnreachableCode::port: return R::port_unreachable;
      case Icmpv6UnreachableCode::admin_prohibited:
      case Icmpv6UnreachableCode::source_policy:
      case Icmpv6UnreachableCode::reject_route: return R::admin_prohibited;
      default: return R::host_unreachable;  // address, beyond scope, unknown codes
    }
  }
  if (const auto* p = std::get_if<Icmpv6PacketTooBig>(&msg.message)) {
    invoking = p->invoking;
    param = p->param;
    return R::packet_too_big;
  }
  if (const auto* t = std::get_if<Icmpv6TimeExceeded>(&msg.message)) {
    invoking = t->invoking;
    return R::time_exceeded;
  }
  if (const auto* pp = std::get_if<Icmpv6ParameterProblem>(&msg.message)) {
    invoking = pp->invoking;
    return pp->code == Icmpv6ParamProblemCode::unrecognized_next_header ? R::protocol_unreachable
                                                                        : R::parameter_problem;
  }
  return std::nullopt;
}

}  // namespace

void Interface::handle_icmpv6_error(const Icmpv6Repr& msg, Instant now) {
  Bytes invoking;
  std::uint32_t param = 0;
  const auto reason = reason_of(msg, invoking, param);
  if (!reason) return;
  auto inv = parse_invoking(invoking);
  if (!inv || !is_local_address(inv->header.src)) return;  // not about a packet of ours
  const Ipv6Address dst = inv->header.dst;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t tcp_seq = 0;
  if (inv->upper.size() >= 4 && (inv->protocol == IpProtocol::tcp || inv->protocol == IpProtocol::udp)) {
    src_port = load_be16(inv->upper, 0);
    dst_port = load_be16(inv->upper, 2);
    if (inv->upper.size() >= 8) tcp_seq = load_be32(inv->upper, 4);
  }
  const IpEndpoint local{inv->header.src, src_port};
  const IpEndpoint remote{dst, dst_port};
  if (*reason == transport::IcmpReason::packet_too_big) {
    if (!config_.pmtu_discovery) return;
    const auto mtu = static_cast<std::uint16_t>(std::clamp<std::uint32_t>(param, kIpv6MinMtu, 65535));
    const PathMtu entry{.mtu = mtu, .no_df = false, .expires = now + config_.pmtu_expires};
    if (inv->protocol == IpProtocol::tcp) {
      if (inv->upper.size() < 8) return;
      const auto path_mss = static_cast<std::uint16_t>(mtu - ip_header_len(IpFamily::v6) - kTcpMinHeaderLen);
      if (tcp_.on_path_mtu(local, remote, path_mss, tcp_seq, now)) {
        remember_path_mtu6(dst, entry, now);
        ++counters_.ipv6.pmtu_reductions;
      }
      return;
    }
    remember_path_mtu6(dst, entry, now);  // what we send next to it is fragmented to fit
    return;
  }
  if (inv->protocol == IpProtocol::tcp && inv->upper.size() >= 4) {
    if (auto err = transport::error_for(transport::Protocol::tcp, *reason)) {
      tcp_.on_icmp_error(local, remote, *err, /*local_failure=*/false);
    }
  } else if (inv->protocol == IpProtocol::udp && inv->upper.size() >= 4) {
    if (auto err = transport::error_for(transport::Protocol::udp, *reason)) {
      udp_.on_icmp_error(local, remote, *err, /*remote_error=*/true);
    }
  }
}

void Interface::remember_path_mtu6(const Ipv6Address& dst, PathMtu entry, Instant now) {
  if (const auto it = pmtu6_.find(dst); it != pmtu6_.end()) {
    if (it->second.mtu <= entry.mtu && it->second.expires > now) return;  // only ever lowered while valid
    it->second = entry;
    return;
  }
  if (pmtu6_.size() >= config_.max_pmtu_entries) {
    std::erase_if(pmtu6_, [&](const auto& kv) { return kv.second.expires <= now; });
    if (pmtu6_.size() >= config_.max_pmtu_entries) pmtu6_.erase(pmtu6_.begin());
  }
  pmtu6_.emplace(dst, entry);
}

std::uint16_t Interface::path_mtu6(NicId nic, const Ipv6Address& dst) const {
  const std::uint16_t link = nic_ref(nic).mtu;
  if (pmtu6_.empty()) return link;
  const auto it = pmtu6_.find(dst);
  // RFC 8201 4: an expired report is forgotten, the larger MTU tried again.
  if (it == pmtu6_.end() || it->second.expires <= last_now_) return link;
  return std::min(link, it->second.mtu);
}

}  // namespace wirestack::iface
