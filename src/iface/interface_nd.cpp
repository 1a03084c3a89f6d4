// iface/interface_nd.cpp — IPv6 Neighbor Discovery in the interface beyond
// address resolution: Duplicate Address Detection (RFC 4862 5.4, through
// ip::Dad), router discovery on hosts (RFC 4861 6.3: Router Solicitations
// when the link-local address is assigned, Router Advertisements checked and
// acted on), SLAAC (RFC 4862 5.5, addresses from ip::Slaac's RFC 7217 stable
// identifiers) and the Default Router List. Only with
// InterfaceConfig::ipv6.enabled; without it addresses are used at once.
//
// An address's life (config().ipv6.enabled):
//   add_address6 / nic_up / an RA's prefix  -> tentative6: only its
//       solicited-node group is joined; packets to it are dropped, NS for it
//       are not answered (5.4.3); a DAD probe goes out after a random delay
//       (the NIC's first addresses) or at once: NS from ::, to the group,
//       with a Nonce option (RFC 7527), hop limit 255;
//   RetransTimer later, no answer -> addresses6 (assigned, AddressEvent
//       assigned); the link-local one lets a host solicit routers;
//   an NS from :: for it (another node's DAD) or an NA for it -> a
//       duplicate: counted (icmpv6 dad_duplicates), reported
//       (AddressEvent duplicate), never used; SLAAC tries the next
//       stable identifier (RFC 7217 6).
//
// The receive_nd() dispatcher and NS/NA answering live here too, so that
// interface_ipv6.cpp stays the packet path.
#include <algorithm>
#include <ostream>
#include <utility>
#include <variant>

#include "iface/interface.hpp"
#include "wire/ndisc.hpp"

namespace wirestack::iface {

namespace {

constexpr Ipv6Address kAllNodes(0xff02, 0, 0, 0, 0, 0, 0, 1);
constexpr Ipv6Address kAllRouters(0xff02, 0, 0, 0, 0, 0, 0, 2);
constexpr std::size_t kMaxAddressEvents = 1024;
constexpr std::uint32_t kIpv6MinLinkMtu = 1280;  // RFC 8200 5

bool has(const std::vector<Ipv6Prefix>& list, const Ipv6Address& a) {
  return std::any_of(list.begin(), list.end(), [&](const Ipv6Prefix& p) { return p.address() == a; });
}

// Whether SLAAC formed `a` (tentative or not), and its prefix length.
std::optional<std::uint8_t> slaac_formed(const std::optional<ip::Slaac>& slaac, const Ipv6Address& a, Instant now) {
  if (!slaac) return std::nullopt;
  for (const ip::SlaacAddressInfo& info : slaac->addresses(now)) {
    if (info.address == a && !a.is_link_local()) return info.prefix_len;
  }
  return std::nullopt;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, AddressEventKind k) {
  switch (k) {
    case AddressEventKind::tentative: return os << "tentative";
    case AddressEventKind::assigned: return os << "assigned";
    case AddressEventKind::duplicate: return os << "duplicate";
    case AddressEventKind::removed: return os << "removed";
    case AddressEventKind::router_added: return os << "router added";
    case AddressEventKind::router_expired: return os << "router expired";
  }
  return os << "event " << static_cast<unsigned>(k);
}

std::ostream& operator<<(std::ostream& os, const AddressEvent& e) {
  switch (e.kind) {
    case AddressEventKind::tentative:
      return os << e.address << " is tentative" << (e.slaac ? " (SLAAC)" : "") << ": DAD asks the link whether anyone has it";
    case AddressEventKind::assigned:
      return os << e.address << " passed DAD: assigned" << (e.slaac ? " (SLAAC)" : "");
    case AddressEventKind::duplicate:
      return os << e.address << " is a duplicate (DAD failed: another node on the link has it): not used";
    case AddressEventKind::removed: return os << e.address << ": valid lifetime over, removed";
    case AddressEventKind::router_added: return os << "default router " << e.address << " (from its advertisement)";
    case AddressEventKind::router_expired: return os << "default router " << e.address << " expired";
  }
  return os;
}

bool Interface::usable6(const Nic& n, const Ipv6Address& a) const { return has(n.addresses6, a); }

std::vector<Ipv6Address> Interface::default_routers6(NicId nic) const {
  std::vector<Ipv6Address> out;
  for (const Nic::Router& r : nic_ref(nic).routers6) out.push_back(r.addr);
  return out;
}

Result<void, std::string> Interface::set_default_router6(NicId nic, Ipv6Address router) {
  if (!router.is_unicast() || router.is_loopback() || router.is_ipv4_mapped()) {
    return Unexpected{"default router " + router.to_string() + ": not a unicast IPv6 address"};
  }
  if (is_local_address(router) || router == nic_ref(nic).ll) {
    return Unexpected{"default router " + router.to_string() + ": that is this host's own address"};
  }
  nic_ref(nic).static_router6 = router;
  ++nic_gen_;
  return {};
}

std::vector<AddressEvent> Interface::take_address_events() {
  std::vector<AddressEvent> out(address_events_.begin(), address_events_.end());
  address_events_.clear();
  return out;
}

void Interface::push_event(NicId nic, AddressEventKind kind, const Ipv6Address& a, bool slaac, Instant now) {
  if (address_events_.size() >= kMaxAddressEvents) address_events_.pop_front();
  address_events_.push_back(AddressEvent{.nic = nic, .kind = kind, .address = a, .slaac = slaac, .at = now});
}

Duration Interface::random_delay(Duration max) {
  if (max <= Duration::zero()) return Duration::zero();
  return Duration{static_cast<Duration::rep>(nd_rng_.below(static_cast<std::uint64_t>(max.count()) + 1))};
}

// ---- Receiving ND ----------------------------------------------------------------

void Interface::receive_nd(NicId nic, const Ipv6Repr& ip, const Icmpv6Repr& msg, Instant now) {
  auto opts = check_nd(ip, msg);
  if (!opts) {
    ++counters_.icmpv6.nd_invalid;
    if (opts.error() == NdDrop::hop_limit) ++counters_.icmpv6.nd_bad_hop_limit;
    if (opts.error() == NdDrop::source_not_link_local) ++counters_.icmpv6.ra_bad_source;
    return;
  }
  if (const auto* ns = std::get_if<NdNeighborSolicit>(&msg.message)) return receive_ns(nic, ip, *ns, *opts, now);
  if (const auto* na = std::get_if<NdNeighborAdvert>(&msg.message)) return receive_na(nic, *na, *opts, now);
  if (const auto* ra = std::get_if<NdRouterAdvert>(&msg.message)) return receive_ra(nic, ip, *ra, *opts, now);
  if (std::holds_alternative<NdRouterSolicit>(msg.message)) return receive_rs(nic, ip, *opts, now);
  if (const auto* r = std::get_if<NdRedirect>(&msg.message)) return receive_redirect(nic, ip, *r, *opts, now);
  ++counters_.icmpv6.nd_ignored;
}

void Interface::receive_ns(NicId nic, const Ipv6Repr& ip, const NdNeighborSolicit& ns, const NdOptions& opts,
                           Instant now) {
  Nic& n = nic_ref(nic);
  switch (n.dad.on_solicit(ip.src, ns.target, opts.nonce)) {
    case ip::DadVerdict::duplicate:  // 5.4.3: another node is probing for our tentative address
      dad_failed(nic, ns.target, now);
      return;
    case ip::DadVerdict::address_resolution:  // 5.4.3: a tentative address is not answered for
    case ip::DadVerdict::looped_back:
      ++counters_.icmpv6.nd_ignored;
      return;
    case ip::DadVerdict::not_tentative: break;
  }
  if (!has(n.addresses6, ns.target)) {
    ++counters_.icmpv6.nd_ignored;  // RFC 4861 7.2.3: "silently discard"
    return;
  }
  // RFC 4861 7.2.3: the sender's link-layer address (if any) updates the cache.
  if (!ip.src.is_unspecified() && opts.source_ll) {
    auto in = n.nd.on_hint(ip.src, opts.source_ll, ip::NdHintSource::neighbor_solicit, now);
    if (in.verdict == ip::NeighborVerdict::resolved) note_resolved(nic, ip.src, *opts.source_ll, now);
    release_nd(nic, in.released);
  }
  // RFC 4861 7.2.4: solicited NA to the source, with our link-layer
  // address; from :: (DAD) it goes to all-nodes with S clear.
  const bool dad = ip.src.is_unspecified();
  NdOptions na_opts;
  na_opts.target_ll = n.mac;
  ByteVec options(na_opts.buffer_len());
  na_opts.emit(options);
  const Icmpv6Repr na{.message = NdNeighborAdvert{.router = config_.forwarding,
                                                  .solicited = !dad,
                                                  .override = true,
                                                  .target = ns.target,
                                                  .options = options}};
  const Ipv6Address to = dad ? kAllNodes : ip.src;
  std::optional<MacAddress> to_mac;
  if (dad) {
    to_mac = ipv6_multicast_mac(kAllNodes);
  } else if (opts.source_ll) {
    to_mac = opts.source_ll;
  } else {
    to_mac = n.nd.resolved(ip.src, now);  // a unicast NS without SLLA: our cache's entry
  }
  if (!to_mac) {
    ++counters_.icmpv6.nd_ignored;  // nobody to answer to without resolving first
    return;
  }
  send_nd(nic, *to_mac, ns.target, to, na);
  ++counters_.icmpv6.na_tx;
  // A unicast NS checks a STALE entry's reachability: only a multicast one
  // (address resolution) asked again means our answer was lost.
  if (!dad && ip.dst.is_multicast()) note_answered(nic, ip.src, ns.target, now);
}

void Interface::receive_na(NicId nic, const NdNeighborAdvert& na, const NdOptions& opts, Instant now) {
  Nic& n = nic_ref(nic);
  if (n.dad.on_advert(na.target) == ip::DadVerdict::duplicate) {  // 5.4.4
    dad_failed(nic, na.target, now);
    return;
  }
  if (has(n.addresses6, na.target)) {
    ++counters_.icmpv6.nd_ignored;  // someone claims an assigned address of ours (5.4.4: log, keep it)
    return;
  }
  auto in = n.nd.on_advert(na.target, na.router, na.solicited, na.override, opts.target_ll, now);
  if (in.verdict == ip::NeighborVerdict::resolved && opts.target_ll) {
    note_resolved(nic, na.target, *opts.target_ll, now);
  }
  release_nd(nic, in.released);
}

void Interface::receive_ra(NicId nic, const Ipv6Repr& ip, const NdRouterAdvert& ra, const NdOptions& opts,
                           Instant now) {
  Nic& n = nic_ref(nic);
  if (!autoconf() || config_.forwarding || !config_.ipv6.accept_ra) {
    ++counters_.icmpv6.nd_ignored;  // a router, or a host told not to listen (Linux accept_ra)
    return;
  }
  ++counters_.icmpv6.ra_rx;
  n.next_rs_at.reset();  // RFC 4861 6.3.7: an RA ends the solicitations
  if (opts.source_ll) {
    auto in = n.nd.on_hint(ip.src, opts.source_ll, ip::NdHintSource::router_advert, now);
    if (in.verdict == ip::NeighborVerdict::resolved) note_resolved(nic, ip.src, *opts.source_ll, now);
    release_nd(nic, in.released);
  }
  // RFC 4861 6.3.4: "If the received Cur Hop Limit value is non-zero, the
  // host SHOULD set its CurHopLimit variable to the received value"; the
  // MTU option "SHOULD" become the link's MTU if it is at least the IPv6
  // minimum (1280) and no more than the link's own (for IPv6 only, as
  // Linux's mtu6). Out of range: ignored and counted.
  if (ra.cur_hop_limit != 0) n.ra_hop_limit = ra.cur_hop_limit;
  if (opts.mtu) {
    if (*opts.mtu >= kIpv6MinLinkMtu && *opts.mtu <= n.mtu) {
      n.ra_mtu = *opts.mtu == n.mtu ? std::uint16_t{0} : static_cast<std::uint16_t>(*opts.mtu);
    } else {
      ++counters_.icmpv6.ra_bad_mtu;
    }
  }
  // RFC 4861 6.3.4: the Default Router List.
  auto it = std::find_if(n.routers6.begin(), n.routers6.end(), [&](const Nic::Router& r) { return r.addr == ip.src; });
  if (ra.router_lifetime == 0) {
    if (it != n.routers6.end()) {
      n.routers6.erase(it);
      push_event(nic, AddressEventKind::router_expired, ip.src, false, now);
    }
  } else {
    const Instant expires = now + std::chrono::seconds{ra.router_lifetime};
    if (it != n.routers6.end()) {
      it->expires = expires;
    } else if (n.routers6.size() < config_.ipv6.max_default_routers) {
      n.routers6.push_back(Nic::Router{.addr = ip.src, .expires = expires});
      push_event(nic, AddressEventKind::router_added, ip.src, false, now);
    }
  }
  for (std::size_t i = 0; i < opts.prefix_count; ++i) {
    const NdPrefixInfo& p = opts.prefixes[i];
    if (p.prefix.is_link_local() || p.prefix.is_multicast() || p.prefix_len > 128) continue;  // 6.3.4
    if (p.on_link) {
      const Ipv6Prefix pre(p.prefix, p.prefix_len);
      auto o = std::find_if(n.onlink6.begin(), n.onlink6.end(), [&](const Nic::OnLink& e) { return e.prefix == pre; });
      if (p.valid_lifetime == 0) {
        if (o != n.onlink6.end()) n.onlink6.erase(o);
      } else if (o != n.onlink6.end()) {
        o->expires = ip::lifetime_deadline(now, p.valid_lifetime);
      } else if (n.onlink6.size() < 16) {
        n.onlink6.push_back(Nic::OnLink{.prefix = pre, .expires = ip::lifetime_deadline(now, p.valid_lifetime)});
      }
    }
    if (p.autonomous && config_.ipv6.slaac && n.slaac) {
      const ip::PrefixResult r = n.slaac->on_prefix(p, now);  // RFC 4862 5.5.3
      if (r.tentative) {
        ++counters_.icmpv6.slaac_addresses;
        const Ipv6Prefix address(*r.tentative, p.prefix_len);
        n.tentative6.push_back(address);
        start_dad(nic, address, Duration::zero(), now);
      }
    }
  }
  mld_sync(nic, now);  // the groups of new SLAAC addresses
}

// ---- DAD ----------------------------------------------------------------------------

void Interface::start_dad(NicId nic, Ipv6Prefix address, Duration delay, Instant now) {
  Nic& n = nic_ref(nic);
  if (!has(n.tentative6, address.address())) n.tentative6.push_back(address);
  ip::DadNonce nonce{};
  for (auto& b : nonce) b = static_cast<std::byte>(nd_rng_.next_u32() >> 24);
  if (!n.dad.start(address.address(), delay, nonce, now)) return;  // already probing (or too many at once)
  push_event(nic, AddressEventKind::tentative, address.address(),
             slaac_formed(n.slaac, address.address(), now).has_value(), now);
}

void Interface::dad_failed(NicId nic, const Ipv6Address& a, Instant now) {
  Nic& n = nic_ref(nic);
  ++counters_.icmpv6.dad_duplicates;
  std::erase_if(n.tentative6, [&](const Ipv6Prefix& p) { return p.address() == a; });
  const auto len = slaac_formed(n.slaac, a, now);
  const bool slaac = len.has_value();
  push_event(nic, AddressEventKind::duplicate, a, slaac, now);
  // RFC 4862 5.4.5: never used. A duplicate link-local address leaves the
  // NIC without one (no router discovery); RFC 7217 6: SLAAC tries the next
  // identifier after a random delay.
  if (slaac) {
    if (auto next = n.slaac->on_dad_failed(a)) {
      ++counters_.icmpv6.slaac_addresses;
      start_dad(nic, Ipv6Prefix(*next, *len), random_delay(ip::kIdgenDelay), now);
    }
  }
  mld_sync(nic, now);  // its group left (and the next identifier's joined)
}

void Interface::assign6(NicId nic, const Ipv6Address& a, Instant now) {
  Nic& n = nic_ref(nic);
  auto it = std::find_if(n.tentative6.begin(), n.tentative6.end(), [&](const Ipv6Prefix& p) { return p.address() == a; });
  if (it == n.tentative6.end()) return;
  const Ipv6Prefix address = *it;
  n.tentative6.erase(it);
  ++counters_.icmpv6.dad_succeeded;
  const bool slaac = slaac_formed(n.slaac, a, now).has_value();
  if (slaac) (void)n.slaac->on_dad_succeeded(a);
  if (a == n.ll) {
    n.addresses6.insert(n.addresses6.begin(), address);
    // RFC 4861 6.3.7: a host solicits routers once it has a source address.
    if (!config_.forwarding && config_.ipv6.accept_ra && config_.ipv6.max_rtr_solicitations > 0) {
      n.rs_sent = 0;
      n.next_rs_at = now;
    }
    if (!n.advertise6.empty()) schedule_ra(nic, now);
    mld_report_all(nic, now);  // from the link-local address now, as Linux does
  } else {
    n.addresses6.push_back(address);
  }
  push_event(nic, AddressEventKind::assigned, a, slaac, now);
}

void Interface::remove6(NicId nic, const Ipv6Address& a) {
  Nic& n = nic_ref(nic);
  std::erase_if(n.addresses6, [&](const Ipv6Prefix& p) { return p.address() == a; });
  std::erase_if(n.tentative6, [&](const Ipv6Prefix& p) { return p.address() == a; });
  (void)n.dad.cancel(a);
}

void Interface::nic_up6(NicId nic, Instant now) {
  last_now_ = now;
  Nic& n = nic_ref(nic);
  if (!autoconf()) {
    if (!n.advertise6.empty()) schedule_ra(nic, now);
    return;
  }
  // RFC 4862 5.4.2: the first probes of an interface after a random delay
  // in [0, MAX_RTR_SOLICITATION_DELAY] (many nodes start at once).
  const std::vector<Ipv6Prefix> pending = n.tentative6;
  for (const Ipv6Prefix& p : pending) start_dad(nic, p, random_delay(ip::kMaxRtrSolicitationDelay), now);
  mld_sync(nic, now);  // the solicited-node groups, joined before the probes (RFC 4862 5.4.2)
}

void Interface::nic_down6(NicId nic) {
  Nic& n = nic_ref(nic);
  n.routers6.clear();
  n.ra_hop_limit = 0;
  n.ra_mtu = 0;
  n.mld_reported.clear();  // reported again when the NIC comes back
  n.mld_resend.clear();
  n.mld_resend_at.reset();
  n.mld_answer_at.reset();
  std::erase_if(redirects6_, [&](const auto& kv) { return kv.second.nic == nic; });
  n.onlink6.clear();
  n.next_rs_at.reset();
  n.rs_sent = 0;
  n.next_ra_at.reset();
  n.last_ra_at.reset();
  n.ra_sent = 0;
  if (!autoconf()) return;
  // Every address is probed again when the NIC comes back (Linux does so
  // on link up): assigned ones go back to tentative, the link-local first.
  for (const Ipv6Prefix& p : n.tentative6) (void)n.dad.cancel(p.address());
  std::vector<Ipv6Prefix> all = std::move(n.addresses6);
  n.addresses6.clear();
  for (const Ipv6Prefix& p : n.tentative6) {
    if (!has(all, p.address())) all.push_back(p);
  }
  n.tentative6 = std::move(all);
  if (!has(n.tentative6, n.ll)) n.tentative6.insert(n.tentative6.begin(), Ipv6Prefix(n.ll, 64));
}

void Interface::send_rs(NicId nic, Instant now) {
  (void)now;
  const Nic& n = nic_ref(nic);
  // RFC 4861 6.3.7: from the link-local address with our link-layer address
  // (from :: without it, 4.1).
  const Ipv6Address src = usable6(n, n.ll) ? n.ll : Ipv6Address::unspecified();
  NdOptions opts;
  if (!src.is_unspecified()) opts.source_ll = n.mac;
  ByteVec options(opts.buffer_len());
  opts.emit(options);
  send_nd(nic, ipv6_multicast_mac(kAllRouters), src, kAllRouters, Icmpv6Repr{.message = NdRouterSolicit{.options = options}});
  ++counters_.icmpv6.rs_tx;
}

// ---- Timers -------------------------------------------------------------------------

std::optional<Instant> Interface::autoconf_poll_at(const Nic& n) const {
  std::optional<Instant> at;
  const auto consider = [&at](std::optional<Instant> t) {
    if (t && *t != Instant::max() && (!at || *t < *at)) at = t;
  };
  consider(n.dad.poll_at());
  if (n.slaac) consider(n.slaac->poll_at());
  for (const Nic::Router& r : n.routers6) consider(r.expires);
  for (const Nic::OnLink& o : n.onlink6) consider(o.expires);
  consider(n.next_rs_at);
  consider(n.next_ra_at);
  consider(n.mld_resend_at);
  consider(n.mld_answer_at);
  return at;
}

void Interface::poll_autoconf(NicId nic, Instant now) {
  last_now_ = now;
  Nic& n = nic_ref(nic);
  if (const auto due = n.dad.poll_at(); due && *due <= now) {
    const ip::DadPollResult r = n.dad.poll(now);
    for (const ip::DadSolicit& s : r.solicits) {
      // RFC 4862 5.4.2: from ::, to the target's solicited-node group, no
      // source link-layer option, a Nonce (RFC 7527).
      NdOptions opts;
      opts.nonce = Bytes(s.nonce);
      ByteVec options(opts.buffer_len());
      opts.emit(options);
      const Ipv6Address group = s.target.solicited_node();
      if (n.up) {
        send_nd(nic, ipv6_multicast_mac(group), Ipv6Address::unspecified(), group,
                Icmpv6Repr{.message = NdNeighborSolicit{.target = s.target, .options = options}});
        ++counters_.icmpv6.dad_ns_tx;
      }
    }
    for (const Ipv6Address& a : r.unique) assign6(nic, a, now);
  }
  if (n.slaac) {
    if (const auto due = n.slaac->poll_at(); due && *due <= now) {
      const ip::SlaacPollResult r = n.slaac->poll(now);
      for (const Ipv6Address& a : r.removed) {
        remove6(nic, a);
        push_event(nic, AddressEventKind::removed, a, true, now);
      }
      if (!r.removed.empty()) mld_sync(nic, now);
    }
  }
  for (auto it = n.routers6.begin(); it != n.routers6.end();) {
    if (it->expires > now) {
      ++it;
      continue;
    }
    push_event(nic, AddressEventKind::router_expired, it->addr, false, now);
    it = n.routers6.erase(it);
  }
  std::erase_if(n.onlink6, [&](const Nic::OnLink& o) { return o.expires <= now; });
  if (n.next_rs_at && *n.next_rs_at <= now) {
    if (n.up) send_rs(nic, now);
    ++n.rs_sent;
    if (n.rs_sent < config_.ipv6.max_rtr_solicitations) {
      n.next_rs_at = now + config_.ipv6.rtr_solicitation_interval;
    } else {
      n.next_rs_at.reset();
    }
  }
  if (n.next_ra_at && *n.next_ra_at <= now) send_ra(nic, now);
  poll_mld(nic, now);
}

}  // namespace wirestack::iface
