// ip/neighbor_cache.cpp — see neighbor_cache.hpp for the contract. The rules
// quoted are RFC 4861's; Linux's counterpart is net/core/neighbour.c
// (neigh_update(), neigh_timer_handler()) with net/ipv6/ndisc.c.
#include "ip/neighbor_cache.hpp"

#include <algorithm>
#include <utility>

#include "base/assert.hpp"

namespace wirestack::ip {

Duration randomized_reachable_time(Duration base, double factor) {
  factor = std::clamp(factor, kMinRandomFactor, kMaxRandomFactor);
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double, Duration::period>(
      static_cast<double>(base.count()) * factor));
}

std::ostream& operator<<(std::ostream& os, NeighborState s) {
  switch (s) {
    case NeighborState::incomplete: return os << "INCOMPLETE";
    case NeighborState::reachable: return os << "REACHABLE";
    case NeighborState::stale: return os << "STALE";
    case NeighborState::delay: return os << "DELAY";
    case NeighborState::probe: return os << "PROBE";
    case NeighborState::permanent: return os << "PERMANENT";
  }
  return os << "NeighborState(" << static_cast<unsigned>(s) << ')';
}

std::ostream& operator<<(std::ostream& os, const NeighborEntryInfo& e) {
  os << e.ip;
  if (e.state != NeighborState::incomplete) os << " lladdr " << e.mac;
  if (e.is_router) os << " router";
  os << ' ' << e.state;
  if (e.state == NeighborState::incomplete) {
    os << " solicits " << e.solicits_sent << " queued " << e.queued;
  } else if (e.state == NeighborState::probe) {
    os << " solicits " << e.solicits_sent;
  }
  return os;
}

std::ostream& operator<<(std::ostream& os, NdResolveStatus s) {
  switch (s) {
    case NdResolveStatus::resolved: return os << "resolved";
    case NdResolveStatus::queued: return os << "queued";
    case NdResolveStatus::queue_full: return os << "queue_full";
    case NdResolveStatus::table_full: return os << "table_full";
  }
  return os << "NdResolveStatus(" << static_cast<unsigned>(s) << ')';
}

std::ostream& operator<<(std::ostream& os, NeighborVerdict v) {
  switch (v) {
    case NeighborVerdict::no_entry: return os << "no_entry";
    case NeighborVerdict::created: return os << "created";
    case NeighborVerdict::resolved: return os << "resolved";
    case NeighborVerdict::updated: return os << "updated";
    case NeighborVerdict::unchanged: return os << "unchanged";
    case NeighborVerdict::ignored: return os << "ignored";
    case NeighborVerdict::static_entry: return os << "static_entry";
    case NeighborVerdict::table_full: return os << "table_full";
  }
  return os << "NeighborVerdict(" << static_cast<unsigned>(v) << ')';
}

NeighborCache::NeighborCache(NeighborCacheConfig config, double reachable_factor)
    : config_(config), reachable_time_(randomized_reachable_time(config.base_reachable_time, reachable_factor)) {
  WIRESTACK_ASSERT(config_.max_entries >= 1);
  WIRESTACK_ASSERT(config_.max_multicast_solicit >= 1);
  WIRESTACK_ASSERT(config_.max_unicast_solicit >= 1);
  WIRESTACK_ASSERT(config_.retrans_timer > Duration::zero());
  WIRESTACK_ASSERT(config_.base_reachable_time > Duration::zero());
}

void NeighborCache::set_base_reachable_time(Duration base, double reachable_factor) {
  if (base <= Duration::zero()) return;
  config_.base_reachable_time = base;
  reachable_time_ = randomized_reachable_time(base, reachable_factor);
}

void NeighborCache::set_retrans_timer(Duration retrans) {
  if (retrans > Duration::zero()) config_.retrans_timer = retrans;
}

void NeighborCache::advance(Instant now) {
  WIRESTACK_ASSERT(now >= last_now_);
  last_now_ = now;
}

// RFC 4861 7.3.3: "When ReachableTime milliseconds have passed since receipt
// of the last reachability confirmation for a neighbor, the Neighbor Cache
// entry's state changes from REACHABLE to STALE." Done lazily: nothing is
// sent at that moment, so poll_at() need not wake for it.
void NeighborCache::age(Entry& e, Instant now) const {
  if (e.state == NeighborState::reachable && now >= e.reachable_until) {
    e.state = NeighborState::stale;
    e.last_used = std::max(e.last_used, e.reachable_until);
  }
}

void NeighborCache::set_reachable(Entry& e, Instant now) {
  e.state = NeighborState::reachable;
  e.reachable_until = now + reachable_time_;
  e.solicits_sent = 0;
}

// Room for one more entry: the STALE entry unused longest goes first, then the
// REACHABLE entry closest to expiry; entries being resolved or probed, and
// permanent ones, stay.
bool NeighborCache::make_room(Instant now) {
  if (entries_.size() < config_.max_entries) return true;
  auto victim = entries_.end();
  auto victim_rank = [](const Entry& e) { return e.state == NeighborState::stale ? 0 : 1; };
  auto victim_time = [](const Entry& e) { return e.state == NeighborState::stale ? e.last_used : e.reachable_until; };
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    Entry& e = it->second;
    age(e, now);
    if (e.state != NeighborState::stale && e.state != NeighborState::reachable) continue;
    if (victim == entries_.end() || victim_rank(e) < victim_rank(victim->second) ||
        (victim_rank(e) == victim_rank(victim->second) && victim_time(e) < victim_time(victim->second))) {
      victim = it;
    }
  }
  if (victim == entries_.end()) return false;
  entries_.erase(victim);
  ++counters_.evictions;
  return true;
}

NeighborCache::Map::iterator NeighborCache::create(const Ipv6Address& ip, Instant now) {
  if (!make_room(now)) return entries_.end();
  return entries_.emplace(ip, Entry{.last_used = now}).first;
}

void NeighborCache::release(Map::iterator it, std::vector<ReadyPacket6>& out) {
  Entry& e = it->second;
  for (ByteVec& p : e.queue) out.push_back(ReadyPacket6{.next_hop = it->first, .mac = e.mac, .packet = std::move(p)});
  counters_.released += e.queue.size();
  WIRESTACK_ASSERT(queued_total_ >= e.queue.size());
  queued_total_ -= e.queue.size();
  e.queue.clear();
}

void NeighborCache::drop_queue(Map::iterator it, std::vector<FailedPacket6>& out) {
  Entry& e = it->second;
  for (ByteVec& p : e.queue) out.push_back(FailedPacket6{.next_hop = it->first, .packet = std::move(p)});
  counters_.failed_packets += e.queue.size();
  WIRESTACK_ASSERT(queued_total_ >= e.queue.size());
  queued_total_ -= e.queue.size();
  e.queue.clear();
}

std::optional<MacAddress> NeighborCache::resolved(const Ipv6Address& next_hop, Instant now) {
  advance(now);
  auto it = entries_.find(next_hop);
  if (it == entries_.end() || it->second.state == NeighborState::incomplete) return std::nullopt;
  Entry& e = it->second;
  age(e, now);
  // RFC 4861 7.3.3: "The first time a node sends a packet to a neighbor whose
  // entry is STALE, the sender changes the state to DELAY and sets a timer to
  // expire in DELAY_FIRST_PROBE_TIME seconds."
  if (e.state == NeighborState::stale) {
    e.state = NeighborState::delay;
    e.next_at = now + config_.delay_first_probe_time;
  }
  e.last_used = now;
  ++counters_.hits;
  return e.mac;
}

NdResolveResult NeighborCache::resolve_or_queue(const Ipv6Address& next_hop, ByteVec&& packet, Instant now) {
  WIRESTACK_ASSERT(next_hop.is_unicast());
  advance(now);
  auto it = entries_.find(next_hop);
  if (it != entries_.end() && it->second.state != NeighborState::incomplete) {
    age(it->second, now);
    const bool was_stale = it->second.state == NeighborState::stale;
    const std::optional<MacAddress> mac = resolved(next_hop, now);
    return NdResolveResult{.status = NdResolveStatus::resolved, .mac = *mac, .poll_due = was_stale};
  }
  ++counters_.misses;
  bool started = false;
  if (it == entries_.end()) {
    // RFC 4861 7.2.2: "the sender creates a new entry ... sets its state to
    // INCOMPLETE, initiates Address Resolution, and then queues the data
    // packet pending completion". The first NS is due now (poll emits it).
    it = create(next_hop, now);
    if (it == entries_.end()) {
      ++counters_.table_full_drops;
      return NdResolveResult{.status = NdResolveStatus::table_full};
    }
    it->second.next_at = now;
    started = true;
  }
  Entry& e = it->second;
  if (e.queue.size() >= config_.max_queued_per_address || queued_total_ >= config_.max_queued_total) {
    ++counters_.queue_drops;
    return NdResolveResult{.status = NdResolveStatus::queue_full, .poll_due = started};
  }
  e.queue.push_back(std::move(packet));
  ++queued_total_;
  ++counters_.queued;
  return NdResolveResult{.status = NdResolveStatus::queued, .poll_due = started};
}

std::optional<NeighborState> NeighborCache::state(const Ipv6Address& ip, Instant now) {
  advance(now);
  auto it = entries_.find(ip);
  if (it == entries_.end()) return std::nullopt;
  age(it->second, now);
  return it->second.state;
}

bool NeighborCache::is_router(const Ipv6Address& ip) const {
  auto it = entries_.find(ip);
  return it != entries_.end() && it->second.is_router;
}

NeighborPollResult NeighborCache::poll(Instant now) {
  advance(now);
  NeighborPollResult out;
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    age(e, now);
    const bool due = (e.state == NeighborState::incomplete || e.state == NeighborState::delay ||
                      e.state == NeighborState::probe) &&
                     now >= e.next_at;
    if (!due) {
      ++it;
      continue;
    }
    if (e.state == NeighborState::delay) {
      // 7.3.3: "If the entry is still in the DELAY state when the timer
      // expires, the entry's state changes to PROBE." The first probe goes now.
      e.state = NeighborState::probe;
      e.solicits_sent = 0;
    }
    const bool incomplete = e.state == NeighborState::incomplete;
    const std::uint32_t limit = incomplete ? config_.max_multicast_solicit : config_.max_unicast_solicit;
    if (e.solicits_sent < limit) {
      // 7.2.2 (multicast, RetransTimer apart) and 7.3.3 (PROBE: "sending
      // unicast Neighbor Solicitation probes every RetransTimer").
      out.solicits.push_back(Solicit{.target = it->first, .mac = incomplete ? MacAddress{} : e.mac,
                                     .unicast = !incomplete});
      ++(incomplete ? counters_.multicast_solicits : counters_.unicast_solicits);
      ++e.solicits_sent;
      e.next_at = now + config_.retrans_timer;
      ++it;
      continue;
    }
    // 7.2.2: "If no Neighbor Advertisement is received after
    // MAX_MULTICAST_SOLICIT solicitations, address resolution has failed. The
    // sender MUST return ICMP destination unreachable indications with code 3
    // (Address Unreachable) for each packet queued awaiting address
    // resolution." 7.3.3: after MAX_UNICAST_SOLICIT probes "the entry SHOULD
    // be deleted".
    if (incomplete) {
      ++counters_.resolution_failures;
      drop_queue(it, out.failed);
    } else {
      ++counters_.probe_failures;
    }
    out.unreachable.push_back(it->first);
    it = entries_.erase(it);
  }
  return out;
}

std::optional<Instant> NeighborCache::poll_at() const {
  if (entries_.empty()) return std::nullopt;  // an IPv4-only card: asked after every event
  std::optional<Instant> best;
  for (const auto& [ip, e] : entries_) {
    if (e.state != NeighborState::incomplete && e.state != NeighborState::delay && e.state != NeighborState::probe) {
      continue;
    }
    if (!best || e.next_at < *best) best = e.next_at;
  }
  return best;
}

// RFC 4861 7.2.5, receipt of a Neighbor Advertisement.
NeighborInput NeighborCache::on_advert(const Ipv6Address& target, bool router, bool solicited, bool override,
                                       std::optional<MacAddress> target_ll, Instant now) {
  advance(now);
  NeighborInput in;
  auto it = entries_.find(target);
  // "If no entry exists, the advertisement SHOULD be silently discarded."
  if (it == entries_.end()) {
    in.verdict = NeighborVerdict::no_entry;
    ++counters_.adverts_ignored;
    return in;
  }
  Entry& e = it->second;
  age(e, now);
  if (e.state == NeighborState::permanent) {
    in.verdict = NeighborVerdict::static_entry;
    return in;
  }
  if (e.state == NeighborState::incomplete) {
    // "If the link layer has addresses and no Target Link-Layer Address
    // option is included, the receiving node SHOULD silently discard the
    // received advertisement. Otherwise, the receiving node performs the
    // following steps: It records the link-layer address in the Neighbor
    // Cache entry. If the advertisement's Solicited flag is set, the state of
    // the entry is set to REACHABLE; otherwise, it is set to STALE. It sets
    // the IsRouter flag ... based on the Router flag ... It sends any packets
    // queued for the neighbor awaiting address resolution."
    if (!target_ll) {
      in.verdict = NeighborVerdict::ignored;
      ++counters_.adverts_ignored;
      return in;
    }
    e.mac = *target_ll;
    e.is_router = router;
    if (solicited) {
      set_reachable(e, now);
    } else {
      e.state = NeighborState::stale;
      e.solicits_sent = 0;
      e.last_used = now;
    }
    release(it, in.released);
    in.verdict = NeighborVerdict::resolved;
    return in;
  }
  const bool different = target_ll && *target_ll != e.mac;
  // "I. If the Override flag is clear and the supplied link-layer address
  // differs from that in the cache, then one of two actions takes place:
  // a. If the state of the entry is REACHABLE, set it to STALE, but do not
  // update the entry in any other way. b. Otherwise, the received
  // advertisement should be ignored and MUST NOT update the cache."
  if (!override && different) {
    if (e.state == NeighborState::reachable) {
      e.state = NeighborState::stale;
      e.last_used = now;
      in.verdict = NeighborVerdict::updated;
    } else {
      in.verdict = NeighborVerdict::ignored;
      ++counters_.adverts_ignored;
    }
    return in;
  }
  // "II. If the Override flag is set, or the supplied link-layer address is
  // the same as that in the cache, or no Target Link-Layer Address option was
  // supplied, the received advertisement MUST update the Neighbor Cache entry
  // as follows: - The link-layer address in the Target Link-Layer Address
  // option MUST be inserted in the cache (if one is supplied and differs from
  // the already recorded address). - If the Solicited flag is set, the state
  // of the entry MUST be set to REACHABLE. If the Solicited flag is zero and
  // the link-layer address was updated with a different address, the state
  // MUST be set to STALE. Otherwise, the entry's state remains unchanged. -
  // The IsRouter flag in the cache entry MUST be set based on the Router
  // flag in the received advertisement. In those cases where the IsRouter
  // flag changes from TRUE to FALSE as a result of this update, the node
  // MUST remove that router from the Default Router List"
  const NeighborState before = e.state;
  if (different) e.mac = *target_ll;
  if (solicited) {
    set_reachable(e, now);
  } else if (different) {
    e.state = NeighborState::stale;
    e.solicits_sent = 0;
    e.last_used = now;
  }
  in.router_lost = e.is_router && !router;
  e.is_router = router;
  in.verdict = (different || e.state != before || solicited) ? NeighborVerdict::updated : NeighborVerdict::unchanged;
  return in;
}

// RFC 4861 7.3.3: "a Neighbor Solicitation, Router Solicitation, Router
// Advertisement or Redirect ... containing a link-layer address": no entry ->
// create one in STALE; INCOMPLETE -> record the address, STALE, send the
// queued packets; otherwise a different address is recorded and the entry
// goes STALE, the same address changes nothing.
NeighborInput NeighborCache::on_hint(const Ipv6Address& ip, std::optional<MacAddress> lla, NdHintSource source,
                                     Instant now) {
  advance(now);
  NeighborInput in;
  std::optional<bool> router;  // the IsRouter value this message imposes, if any
  switch (source) {
    case NdHintSource::neighbor_solicit: break;
    case NdHintSource::redirect_host: break;
    case NdHintSource::router_solicit: router = false; break;   // 6.2.6: "MUST be set to FALSE"
    case NdHintSource::router_advert: router = true; break;     // 6.3.4: "MUST be set to TRUE"
    case NdHintSource::redirect_router: router = true; break;   // 8.3: "MUST set IsRouter to TRUE"
  }
  auto it = entries_.find(ip);
  if (it != entries_.end() && it->second.state == NeighborState::permanent) {
    in.verdict = NeighborVerdict::static_entry;
    return in;
  }
  if (!lla) {
    // No address: only the IsRouter rule (6.2.6 "whether or not a Source
    // Link-Layer Address option is provided"; 6.3.4 "If no Source Link-Layer
    // Address is included, but a corresponding Neighbor Cache entry exists,
    // its IsRouter flag MUST be set to TRUE").
    if (it != entries_.end() && router) {
      in.router_lost = it->second.is_router && !*router;
      it->second.is_router = *router;
    }
    in.verdict = it == entries_.end() ? NeighborVerdict::no_entry : NeighborVerdict::unchanged;
    return in;
  }
  if (it == entries_.end()) {
    it = create(ip, now);
    if (it == entries_.end()) {
      in.verdict = NeighborVerdict::table_full;
      return in;
    }
    Entry& e = it->second;
    e.state = NeighborState::stale;
    e.mac = *lla;
    e.is_router = router.value_or(false);
    in.verdict = NeighborVerdict::created;
    return in;
  }
  Entry& e = it->second;
  age(e, now);
  if (router) {
    in.router_lost = e.is_router && !*router;
    e.is_router = *router;
  }
  if (e.state == NeighborState::incomplete) {
    e.mac = *lla;
    e.state = NeighborState::stale;
    e.solicits_sent = 0;
    e.last_used = now;
    release(it, in.released);
    in.verdict = NeighborVerdict::resolved;
    return in;
  }
  if (*lla != e.mac) {
    e.mac = *lla;
    e.state = NeighborState::stale;
    e.solicits_sent = 0;
    e.last_used = now;
    in.verdict = NeighborVerdict::updated;
    return in;
  }
  in.verdict = NeighborVerdict::unchanged;
  return in;
}

bool NeighborCache::confirm_reachable(const Ipv6Address& ip, Instant now) {
  advance(now);
  auto it = entries_.find(ip);
  if (it == entries_.end()) return false;
  Entry& e = it->second;
  if (e.state == NeighborState::incomplete || e.state == NeighborState::permanent) return false;
  set_reachable(e, now);
  return true;
}

bool NeighborCache::add_static(const Ipv6Address& ip, MacAddress mac, Instant now,
                               std::vector<ReadyPacket6>* released) {
  advance(now);
  auto it = entries_.find(ip);
  if (it == entries_.end()) {
    it = create(ip, now);
    if (it == entries_.end()) return false;
  }
  Entry& e = it->second;
  e.mac = mac;
  if (e.state == NeighborState::incomplete) {
    std::vector<ReadyPacket6> out;
    release(it, out);
    if (released != nullptr) *released = std::move(out);
  }
  e.state = NeighborState::permanent;
  e.solicits_sent = 0;
  return true;
}

std::vector<FailedPacket6> NeighborCache::flush() {
  std::vector<FailedPacket6> out;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.state == NeighborState::permanent) {
      ++it;
      continue;
    }
    drop_queue(it, out);
    it = entries_.erase(it);
  }
  return out;
}

std::vector<NeighborEntryInfo> NeighborCache::entries(Instant now) {
  advance(now);
  std::vector<NeighborEntryInfo> out;
  out.reserve(entries_.size());
  for (auto& [ip, e] : entries_) {
    age(e, now);
    out.push_back(NeighborEntryInfo{.ip = ip,
                                    .state = e.state,
                                    .mac = e.mac,
                                    .is_router = e.is_router,
                                    .solicits_sent = e.solicits_sent,
                                    .queued = e.queue.size()});
  }
  return out;
}

}  // namespace wirestack::ip
