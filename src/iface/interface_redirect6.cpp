// iface/interface_redirect6.cpp — ICMPv6 Redirect (RFC 4861 8): a router
// tells a host of a better first hop on the same link; the host uses it.
//
// Routers (forwarding on, config().ipv6.send_redirects) send one when they
// forward a packet back out of the NIC it came in on, from a source on that
// link (RFC 4861 8.2): the target is the destination itself when it is on
// the link, else the next router's link-local address (a next hop known only
// by a global address is not redirected to, as the RFC requires a link-local
// target). The Redirect goes from the router's link-local address with hop
// limit 255, carries the target's link-layer address when the router knows
// it and as much of the packet as fits in 1280 bytes (Redirected Header),
// and takes a token from the ICMP error bucket. The packet is forwarded too.
//
// Hosts (forwarding off, config().ipv6.accept_redirects) act on a Redirect
// that passed check_nd() (hop limit 255, a link-local source, code 0, a
// unicast destination, a link-local target or one equal to the destination:
// RFC 4861 8.1) only when its source is the current first hop for its
// destination, on the NIC it arrived on (8.1: "The IP source address of the
// Redirect is the same as the current first-hop router for the specified
// ICMP Destination Address"); other ones are counted (icmpv6
// redirects_invalid) and change nothing. An accepted Redirect makes the
// target the next hop for that destination (a host route, as Linux's
// redirect exception), for config().ipv6.redirect_lifetime, at most
// max_redirects destinations; its Target Link-Layer Address updates the
// neighbour cache (8.3: IsRouter set when the target is not the destination).
#include <algorithm>

#include "iface/interface.hpp"
#include "wire/ndisc.hpp"

namespace wirestack::iface {

namespace {

constexpr std::size_t kIpv6MinMtu = 1280;  // RFC 8200 5: what a Redirect may fill (RFC 4861 4.6.3)
constexpr std::uint8_t kNdHopLimit = 255;

}  // namespace

std::optional<Interface::Egress6> Interface::redirected_egress6(const Ipv6Address& dst) const {
  if (redirects6_.empty()) return std::nullopt;
  const auto it = redirects6_.find(dst);
  if (it == redirects6_.end() || it->second.expires <= last_now_ || !nics_[it->second.nic].up) return std::nullopt;
  return Egress6{.nic = it->second.nic, .next_hop = it->second.next_hop};
}

std::vector<std::pair<Ipv6Address, Ipv6Address>> Interface::redirects6() const {
  std::vector<std::pair<Ipv6Address, Ipv6Address>> out;
  for (const auto& [dst, r] : redirects6_) {
    if (r.expires > last_now_) out.emplace_back(dst, r.next_hop);
  }
  return out;
}

void Interface::receive_redirect(NicId nic, const Ipv6Repr& ip, const NdRedirect& r, const NdOptions& opts,
                                 Instant now) {
  if (config_.forwarding || !config_.ipv6.accept_redirects) {
    ++counters_.icmpv6.nd_ignored;  // routers do not take redirects (RFC 4861 8.3: hosts)
    return;
  }
  // 8.1: only the router we would send the destination's packets to may
  // redirect them (a forged Redirect from elsewhere on the link is refused).
  const auto first_hop = select_egress6(r.destination, Ipv6Address::unspecified());
  if (!first_hop || first_hop->nic != nic || first_hop->next_hop != ip.src || first_hop->next_hop == r.destination) {
    ++counters_.icmpv6.redirects_invalid;
    return;
  }
  ++counters_.icmpv6.redirects_rx;
  if (redirects6_.size() >= config_.ipv6.max_redirects && !redirects6_.contains(r.destination)) {
    std::erase_if(redirects6_, [&](const auto& kv) { return kv.second.expires <= now; });
    if (redirects6_.size() >= config_.ipv6.max_redirects) redirects6_.erase(redirects6_.begin());
  }
  redirects6_[r.destination] =
      Redirect6{.nic = nic, .next_hop = r.target, .expires = now + config_.ipv6.redirect_lifetime};
  if (opts.target_ll) {
    const auto source = r.target == r.destination ? ip::NdHintSource::redirect_host : ip::NdHintSource::redirect_router;
    auto in = nic_ref(nic).nd.on_hint(r.target, opts.target_ll, source, now);
    release_nd(nic, in.released);
  }
}

void Interface::maybe_send_redirect(NicId nic, Bytes packet, const Egress6& eg, Instant now) {
  if (!config_.ipv6.send_redirects || eg.nic != nic) return;
  Nic& n = nic_ref(nic);
  const Ipv6Address src = Ipv6Packet(packet).src();
  const Ipv6Address dst = Ipv6Packet(packet).dst();
  // 8.2: "the Source Address field of the packet identifies a neighbor":
  // an address in one of the link's prefixes.
  const bool neighbour =
      std::any_of(n.addresses6.begin(), n.addresses6.end(),
                  [&](const Ipv6Prefix& p) { return !p.address().is_link_local() && p.contains(src); }) ||
      std::any_of(n.onlink6.begin(), n.onlink6.end(), [&](const Nic::OnLink& o) { return o.prefix.contains(src); });
  if (!neighbour || !usable6(n, n.ll)) return;
  // The better first hop: the destination itself, or a router known by its
  // link-local address (4.5: "the target MUST be the link-local address").
  const Ipv6Address target = eg.next_hop;
  if (target != dst && !target.is_link_local()) return;
  if (!icmp_tokens_.take(now)) {
    ++counters_.icmpv6.rate_limited;
    return;
  }
  NdOptions opts;
  opts.target_ll = n.nd.resolved(target, now);
  const std::size_t fixed = kIpv6HeaderLen + 40 /* Redirect */ + (opts.target_ll ? 8 : 0) + 8 /* RH header */;
  const std::size_t room = (kIpv6MinMtu - fixed) & ~std::size_t{7};
  opts.redirected = packet.first(std::min(packet.size(), room));
  ByteVec options(opts.buffer_len());
  opts.emit(options);
  const Icmpv6Repr msg{.message = NdRedirect{.target = target, .destination = dst, .options = options}};
  const Ipv6Repr header{.src = n.ll,
                        .dst = src,
                        .next_header = IpProtocol::icmpv6,
                        .hop_limit = kNdHopLimit,
                        .payload_len = static_cast<std::uint16_t>(msg.buffer_len())};
  ByteVec out(header.total_len());
  header.emit(Ipv6PacketMut(out));
  msg.emit(Icmpv6PacketMut(MutBytes(out).subspan(kIpv6HeaderLen)), n.ll, src, config_.checksum);
  if (output6_packet(Egress6{.nic = nic, .next_hop = src, .src = n.ll}, std::move(out), now)) {
    ++counters_.icmpv6.tx;
    ++counters_.icmpv6.tx_by_type[static_cast<std::uint8_t>(Icmpv6Type::redirect)];
    ++counters_.icmpv6.redirects_tx;
  }
}

}  // namespace wirestack::iface
