// iface/interface_router6.cpp — an IPv6 router (InterfaceConfig::forwarding):
// forwarding between NICs (RFC 8200 3, RFC 4443, RFC 4291 2.5.6) and Router
// Advertisements of the prefixes given to advertise6() (RFC 4861 6.2).
//
// Forwarding: a packet for none of our addresses, arriving as a unicast
// frame, leaves by the route to its destination (an on-link prefix of one of
// our NICs, or a default router) with its hop limit decremented. Never
// forwarded (counted in ipv6 scope_drops): a link-local source or
// destination (RFC 4291 2.5.6 "Routers must not forward any packets with
// Link-Local source or destination addresses"), an unspecified source.
// Hop limit 0 or 1: ICMPv6 Time Exceeded code 0 (RFC 4443 3.3). No route:
// Destination Unreachable code 0. Larger than the next link's MTU: Packet
// Too Big with that MTU (RFC 8200 5: routers never fragment; RFC 4443 3.2).
// A packet sent back out of the NIC it came in on draws a Redirect to its
// source (interface_redirect6.cpp). Not done: Hop-by-Hop options processing.
//
// Router Advertisements (RFC 4861 6.2.4): once a NIC's link-local address is
// assigned, an unsolicited RA at once, then after intervals drawn uniformly
// from [MinRtrAdvInterval, MaxRtrAdvInterval], the first
// MAX_INITIAL_RTR_ADVERTISEMENTS (3) followed at most
// MAX_INITIAL_RTR_ADVERT_INTERVAL (16 s) later (radvd's init_racount). A Router Solicitation is
// answered (6.2.6) by a multicast RA after a random delay of up to
// MAX_RA_DELAY_TIME (0.5 s), and never sooner than MIN_DELAY_BETWEEN_RAS
// (3 s) after the last one. Every draw comes from the interface's own
// seeded stream: a simulated run is a function of its seed.
#include <algorithm>
#include <chrono>

#include "iface/interface.hpp"
#include "wire/ndisc.hpp"

namespace wirestack::iface {

namespace {

using namespace std::chrono_literals;

constexpr Ipv6Address kAllNodes(0xff02, 0, 0, 0, 0, 0, 0, 1);
constexpr std::uint32_t kMaxInitialRtrAdvertisements = 3;
constexpr Duration kMaxInitialRtrAdvertInterval = 16s;
constexpr Duration kMaxRaDelayTime = 500ms;
constexpr Duration kMinDelayBetweenRas = 3s;

}  // namespace

Result<void, std::string> Interface::advertise6(NicId nic, Ipv6Prefix prefix) {
  Nic& n = nic_ref(nic);
  const Ipv6Address net = prefix.network();
  if (prefix.len() != 64) {
    return Unexpected{"advertise " + prefix.to_string() + ": SLAAC needs a /64 (RFC 4862 5.5.3 d, Ethernet's 64-bit interface identifiers)"};
  }
  if (net.is_link_local() || net.is_multicast() || net.is_unspecified() || net.is_loopback()) {
    return Unexpected{"advertise " + prefix.to_string() + ": not a global unicast prefix"};
  }
  const Ipv6Prefix p(net, 64);
  if (std::find(n.advertise6.begin(), n.advertise6.end(), p) != n.advertise6.end()) {
    return Unexpected{"advertise " + prefix.to_string() + ": already advertised on this NIC"};
  }
  n.advertise6.push_back(p);
  if (n.up && usable6(n, n.ll)) schedule_ra(nic, last_now_);
  return {};
}

void Interface::schedule_ra(NicId nic, Instant now) {
  Nic& n = nic_ref(nic);
  if (!n.next_ra_at || now < *n.next_ra_at) n.next_ra_at = now;
}

void Interface::send_ra(NicId nic, Instant now) {
  Nic& n = nic_ref(nic);
  n.next_ra_at.reset();
  if (!config_.forwarding || n.advertise6.empty() || !n.up || !usable6(n, n.ll)) return;
  const Ipv6AutoConfig& c = config_.ipv6;
  NdOptions opts;
  opts.source_ll = n.mac;
  if (c.adv_link_mtu != 0) opts.mtu = c.adv_link_mtu;  // 6.2.1: only when configured
  for (const Ipv6Prefix& p : n.advertise6) {
    (void)opts.add_prefix(NdPrefixInfo{.prefix_len = 64,
                                       .on_link = true,
                                       .autonomous = true,
                                       .valid_lifetime = c.adv_valid_lifetime,
                                       .preferred_lifetime = c.adv_preferred_lifetime,
                                       .prefix = p.network()});
  }
  ByteVec options(opts.buffer_len());
  opts.emit(options);
  const Icmpv6Repr ra{.message = NdRouterAdvert{.cur_hop_limit = config_.default_ttl,
                                                .router_lifetime = c.adv_default_lifetime,
                                                .options = options}};
  send_nd(nic, ipv6_multicast_mac(kAllNodes), n.ll, kAllNodes, ra);
  ++counters_.icmpv6.ra_tx;
  ++n.ra_sent;
  n.last_ra_at = now;
  // RFC 4861 6.2.4: the next one after a uniform draw in [Min, Max].
  const Duration span = c.max_rtr_adv_interval - c.min_rtr_adv_interval;
  Duration interval = c.min_rtr_adv_interval + random_delay(span);
  if (n.ra_sent <= kMaxInitialRtrAdvertisements && interval > kMaxInitialRtrAdvertInterval) {
    interval = kMaxInitialRtrAdvertInterval;
  }
  n.next_ra_at = now + interval;
}

void Interface::receive_rs(NicId nic, const Ipv6Repr& ip, const NdOptions& opts, Instant now) {
  Nic& n = nic_ref(nic);
  if (!config_.forwarding || n.advertise6.empty()) {
    ++counters_.icmpv6.nd_ignored;  // hosts ignore RS (6.2.6), so do routers that advertise nothing here
    return;
  }
  if (!ip.src.is_unspecified() && opts.source_ll) {
    auto in = n.nd.on_hint(ip.src, opts.source_ll, ip::NdHintSource::router_solicit, now);
    release_nd(nic, in.released);
  }
  // RFC 4861 6.2.6: a multicast RA after a random delay, rate-limited.
  Instant at = now + random_delay(kMaxRaDelayTime);
  if (n.last_ra_at && at < *n.last_ra_at + kMinDelayBetweenRas) at = *n.last_ra_at + kMinDelayBetweenRas;
  if (!n.next_ra_at || at < *n.next_ra_at) n.next_ra_at = at;
}

void Interface::forward6(NicId nic, Ipv6Packet packet, bool link_multicast, Instant now) {
  const Ipv6Address src = packet.src();
  const Ipv6Address dst = packet.dst();
  if (src.is_link_local() || dst.is_link_local() || src.is_unspecified()) {
    ++counters_.ipv6.scope_drops;  // RFC 4291 2.5.6
    return;
  }
  if (link_multicast) {
    ++counters_.ipv6.not_for_us;  // a unicast packet in a multicast frame is not ours to route (Linux too)
    return;
  }
  const Bytes whole = packet.packet();
  // RFC 8200 3 / RFC 4443 3.3: hop limit exhausted in transit.
  if (packet.hop_limit() <= 1) {
    ++counters_.ipv6.hop_limit_exceeded;
    send_icmpv6_error(whole,
                      Icmpv6Repr{.message = Icmpv6TimeExceeded{.code = Icmpv6TimeExceededCode::hop_limit,
                                                               .invoking = icmpv6_quote(whole)}},
                      false, now);
    return;
  }
  const auto eg = select_egress6(dst, src);
  if (!eg) {
    ++counters_.ipv6.no_route;
    send_icmpv6_error(whole,
                      Icmpv6Repr{.message = Icmpv6DstUnreachable{.code = Icmpv6UnreachableCode::no_route,
                                                                  .invoking = icmpv6_quote(whole)}},
                      false, now);
    return;
  }
  const std::uint16_t mtu = nic_ref(eg->nic).mtu;
  if (whole.size() > mtu) {
    ++counters_.ipv6.forward_too_big;  // RFC 8200 5: routers do not fragment
    send_icmpv6_error(whole,
                      Icmpv6Repr{.message = Icmpv6PacketTooBig{.param = mtu, .invoking = icmpv6_quote(whole)}},
                      false, now);
    return;
  }
  maybe_send_redirect(nic, whole, *eg, now);  // interface_redirect6.cpp (RFC 4861 8.2)
  ByteVec copy(whole.begin(), whole.end());
  Ipv6PacketMut(copy).set_hop_limit(static_cast<std::uint8_t>(packet.hop_limit() - 1));
  if (output6_packet(*eg, std::move(copy), now)) ++counters_.ipv6.forwarded;
}

}  // namespace wirestack::iface
