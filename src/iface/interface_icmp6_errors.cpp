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

// The quoted packet and the parameter (MTU, pointer) of an error message;
// false for any other message.
bool error_parts(const Icmpv6Repr& msg, Bytes& invoking, std::uint32_t& param) {
  return std::visit(
      [&]<class M>(const M& m) {
        if constexpr (requires { m.invoking; }) {
          invoking = m.invoking;
          param = m.param;
          return true;
        } else {
          return false;
        }
      },
      msg.message);
}

}  // namespace

void Interface::handle_icmpv6_error(const Ipv6Address& from, const Icmpv6Repr& msg, Instant now) {
  Bytes invoking;
  std::uint32_t param = 0;
  if (!error_parts(msg, invoking, param)) return;
  auto inv = parse_invoking(invoking);
  if (!inv || !is_local_address(inv->header.src)) return;  // not about a packet of ours
  Icmp6Error e{.from = from,
               .type = msg.type(),
               .code = msg.code(),
               .param = param,
               .orig_src = inv->header.src,
               .orig_dst = inv->header.dst,
               .orig_protocol = inv->protocol,
               .at = now};
  std::uint32_t tcp_seq = 0;
  bool has_seq = false;
  if (inv->upper.size() >= 4 && (inv->protocol == IpProtocol::tcp || inv->protocol == IpProtocol::udp)) {
    e.src_port = load_be16(inv->upper, 0);
    e.dst_port = load_be16(inv->upper, 2);
    if (inv->upper.size() >= 8) {
      tcp_seq = load_be32(inv->upper, 4);
      has_seq = true;
    }
  } else if (inv->protocol == IpProtocol::icmpv6 && inv->upper.size() >= 8) {
    // Our echo request (traceroute's probes, ping's): its ident and sequence.
    if (Icmpv6Type{load_u8(inv->upper, 0)} == Icmpv6Type::echo_request) {
      e.src_port = load_be16(inv->upper, 4);
      e.dst_port = load_be16(inv->upper, 6);
    }
  }
  deliver_icmp6_error(e, tcp_seq, has_seq, now);
}

void Interface::deliver_icmp6_error(const Icmp6Error& e, std::uint32_t tcp_seq, bool has_seq, Instant now) {
  if (icmp6_errors_.size() >= config_.max_icmp_errors) {
    icmp6_errors_.pop_front();
    ++counters_.icmpv6.queue_drops;
  }
  icmp6_errors_.push_back(e);
  const auto reason = transport::icmpv6_reason(static_cast<std::uint8_t>(e.type), e.code);
  if (!reason) return;
  const IpEndpoint local{e.orig_src, e.src_port};
  const IpEndpoint remote{e.orig_dst, e.dst_port};
  if (*reason == transport::IcmpReason::packet_too_big) {
    if (!config_.pmtu_discovery || e.local) return;
    const auto mtu = static_cast<std::uint16_t>(std::clamp<std::uint32_t>(e.param, kIpv6MinMtu, 65535));
    const PathMtu entry{.mtu = mtu, .no_df = false, .expires = now + config_.pmtu_expires};
    if (e.orig_protocol == IpProtocol::tcp) {
      if (!has_seq) return;
      const auto path_mss = static_cast<std::uint16_t>(mtu - ip_header_len(IpFamily::v6) - kTcpMinHeaderLen);
      if (tcp_.on_path_mtu(local, remote, path_mss, tcp_seq, now)) {
        remember_path_mtu6(e.orig_dst, entry, now);
        ++counters_.ipv6.pmtu_reductions;
      }
      return;
    }
    remember_path_mtu6(e.orig_dst, entry, now);  // what we send next to it is fragmented to fit
    return;
  }
  if (e.src_port == 0 && e.dst_port == 0) return;
  if (e.orig_protocol == IpProtocol::tcp) {
    if (auto err = transport::error_for(transport::Protocol::tcp, *reason)) {
      tcp_.on_icmp_error(local, remote, *err, /*local_failure=*/e.local);
    }
  } else if (e.orig_protocol == IpProtocol::udp) {
    if (auto err = transport::error_for(transport::Protocol::udp, *reason)) {
      udp_.on_icmp_error(local, remote, *err, /*remote_error=*/!e.local);
    }
  }
}

void Interface::nd_failed(const ip::FailedPacket6& f, Instant now) {
  auto inv = parse_invoking(f.packet);
  if (!inv) return;
  if (!is_local_address(inv->header.src)) {
    // RFC 4861 7.2.2: "the sender SHOULD ... send an ICMP destination
    // unreachable indication with code 3 (Address Unreachable)".
    if (config_.forwarding) {
      send_icmpv6_error(f.packet,
                        Icmpv6Repr{.message = Icmpv6DstUnreachable{.code = Icmpv6UnreachableCode::address,
                                                                    .invoking = icmpv6_quote(f.packet)}},
                        false, now);
    }
    return;
  }
  Icmp6Error e{.from = inv->header.src,
               .type = Icmpv6Type::dst_unreachable,
               .code = static_cast<std::uint8_t>(Icmpv6UnreachableCode::address),
               .orig_src = inv->header.src,
               .orig_dst = inv->header.dst,
               .orig_protocol = inv->protocol,
               .local = true,
               .at = now};
  if (inv->upper.size() >= 4 && (inv->protocol == IpProtocol::tcp || inv->protocol == IpProtocol::udp)) {
    e.src_port = load_be16(inv->upper, 0);
    e.dst_port = load_be16(inv->upper, 2);
  } else if (inv->protocol == IpProtocol::icmpv6) {
    // Our echo replies and errors have nobody waiting for them: no report.
    if (inv->upper.size() < 8 || Icmpv6Type{load_u8(inv->upper, 0)} != Icmpv6Type::echo_request) return;
    e.src_port = load_be16(inv->upper, 4);
    e.dst_port = load_be16(inv->upper, 6);
  }
  deliver_icmp6_error(e, 0, false, now);
}

std::vector<Icmp6Error> Interface::take_icmp6_errors() {
  std::vector<Icmp6Error> out(icmp6_errors_.begin(), icmp6_errors_.end());
  icmp6_errors_.clear();
  return out;
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
  const Nic& n = nic_ref(nic);
  const std::uint16_t link = n.ra_mtu != 0 ? n.ra_mtu : n.mtu;  // an RA's MTU option (RFC 4861 6.3.4)
  if (pmtu6_.empty()) return link;
  const auto it = pmtu6_.find(dst);
  // RFC 8201 4: an expired report is forgotten, the larger MTU tried again.
  if (it == pmtu6_.end() || it->second.expires <= last_now_) return link;
  return std::min(link, it->second.mtu);
}

}  // namespace wirestack::iface
