// link/arp_cache.cpp — see arp_cache.hpp for the contract.
#include "link/arp_cache.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

#include "base/assert.hpp"

namespace wirestack::link {

std::ostream& operator<<(std::ostream& os, ArpState s) {
  switch (s) {
    case ArpState::incomplete: return os << "INCOMPLETE";
    case ArpState::reachable: return os << "REACHABLE";
    case ArpState::permanent: return os << "PERMANENT";
  }
  return os << "ArpState(" << static_cast<unsigned>(s) << ')';
}

std::ostream& operator<<(std::ostream& os, const ArpEntryInfo& e) {
  os << e.ip;
  if (e.state != ArpState::incomplete) os << " lladdr " << e.mac;
  os << ' ' << e.state;
  if (e.state == ArpState::reachable) {
    os << " expires ";
    print_seconds(os, e.expires_in);
  } else if (e.state == ArpState::incomplete) {
    os << " requests " << e.requests_sent << " queued " << e.queued;
  }
  return os;
}

std::ostream& operator<<(std::ostream& os, ResolveStatus s) {
  switch (s) {
    case ResolveStatus::resolved: return os << "resolved";
    case ResolveStatus::queued: return os << "queued";
    case ResolveStatus::queue_full: return os << "queue_full";
    case ResolveStatus::table_full: return os << "table_full";
  }
  return os << "ResolveStatus(" << static_cast<unsigned>(s) << ')';
}

std::ostream& operator<<(std::ostream& os, ArpVerdict v) {
  switch (v) {
    case ArpVerdict::added: return os << "added";
    case ArpVerdict::updated: return os << "updated";
    case ArpVerdict::resolved: return os << "resolved";
    case ArpVerdict::not_learned: return os << "not_learned";
    case ArpVerdict::static_entry: return os << "static_entry";
    case ArpVerdict::table_full: return os << "table_full";
    case ArpVerdict::probe: return os << "probe";
    case ArpVerdict::conflict: return os << "conflict";
    case ArpVerdict::looped_back: return os << "looped_back";
    case ArpVerdict::bad_sender: return os << "bad_sender";
    case ArpVerdict::bad_operation: return os << "bad_operation";
  }
  return os << "ArpVerdict(" << static_cast<unsigned>(v) << ')';
}

std::ostream& operator<<(std::ostream& os, StaticEntryError e) {
  switch (e) {
    case StaticEntryError::invalid_address: return os << "invalid_address";
    case StaticEntryError::table_full: return os << "table_full";
  }
  return os << "StaticEntryError(" << static_cast<unsigned>(e) << ')';
}

ArpCache::ArpCache(ArpCacheConfig config) : config_(config) {
  WIRESTACK_ASSERT(config_.max_entries >= 1);
  WIRESTACK_ASSERT(config_.backoff_factor >= 1);
  WIRESTACK_ASSERT(config_.retry_interval > Duration::zero());
  WIRESTACK_ASSERT(config_.max_retry_interval >= config_.retry_interval);
  WIRESTACK_ASSERT(config_.reachable_time > Duration::zero());
}

// Time never runs backwards for one cache: a driver that does so has a bug.
void ArpCache::advance(Instant now) {
  WIRESTACK_ASSERT(now >= last_now_);
  last_now_ = now;
}

// The entry for `ip` unless it is missing or expired; an expired entry is
// removed here, so that "expired" and "absent" are the same thing to every
// caller whatever the order of calls.
ArpCache::Map::iterator ArpCache::find_live(Ipv4Address ip, Instant now) {
  auto it = entries_.find(ip);
  if (it != entries_.end() && it->second.state == ArpState::reachable && now >= it->second.expires_at) {
    entries_.erase(it);
    ++generation_;
    ++counters_.entries_expired;
    return entries_.end();
  }
  return it;
}

void ArpCache::purge_expired(Instant now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.state == ArpState::reachable && now >= it->second.expires_at) {
      it = entries_.erase(it);
      ++generation_;
      ++counters_.entries_expired;
    } else {
      ++it;
    }
  }
}

// Room for one more entry: purge expired entries, then evict the reachable
// entry closest to expiry (the least recently confirmed; ties go to the
// lowest IP, the first in map order). Linux's neigh_forced_gc() likewise
// never removes entries in use (incomplete) or permanent ones.
bool ArpCache::make_room(Instant now) {
  if (entries_.size() < config_.max_entries) return true;
  purge_expired(now);
  if (entries_.size() < config_.max_entries) return true;
  auto victim = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->second.state != ArpState::reachable) continue;
    if (victim == entries_.end() || it->second.expires_at < victim->second.expires_at) victim = it;
  }
  if (victim == entries_.end()) return false;
  entries_.erase(victim);
  ++generation_;
  ++counters_.evictions;
  return true;
}

// The wait after the `requests_sent`-th request (1-based):
// retry_interval * backoff_factor^(requests_sent - 1), capped.
Duration ArpCache::wait_after(std::uint32_t requests_sent) const {
  const Duration cap = config_.max_retry_interval;
  const Duration::rep factor = config_.backoff_factor;
  Duration wait = config_.retry_interval;
  for (std::uint32_t i = 1; i < requests_sent; ++i) {
    if (wait > cap / factor) return cap;  // wait * factor > cap, and may overflow
    wait *= factor;
  }
  return std::min(wait, cap);
}

// Gives `it` the MAC and a fresh lifetime; an incomplete entry hands back the
// datagrams that waited for it.
std::vector<ReadyPacket> ArpCache::complete(Map::iterator it, MacAddress mac, Instant now) {
  Entry& e = it->second;
  WIRESTACK_ASSERT(e.state != ArpState::permanent);
  std::vector<ReadyPacket> out;
  out.reserve(e.queue.size());
  for (ByteVec& d : e.queue) out.push_back(ReadyPacket{.next_hop = it->first, .mac = mac, .datagram = std::move(d)});
  WIRESTACK_ASSERT(queued_total_ >= e.queue.size());
  queued_total_ -= e.queue.size();
  counters_.released += out.size();
  e = Entry{.state = ArpState::reachable, .mac = mac, .expires_at = now + config_.reachable_time};
  ++generation_;
  return out;
}

std::optional<MacAddress> ArpCache::lookup(Ipv4Address ip, Instant now) {
  advance(now);
  auto it = find_live(ip, now);
  if (it == entries_.end() || it->second.state == ArpState::incomplete) {
    ++counters_.misses;
    return std::nullopt;
  }
  ++counters_.hits;
  return it->second.mac;
}

std::optional<MacAddress> ArpCache::resolved(Ipv4Address next_hop, Instant now) {
  advance(now);
  auto it = find_live(next_hop, now);
  if (it == entries_.end() || it->second.state == ArpState::incomplete) return std::nullopt;
  ++counters_.hits;
  return it->second.mac;
}

std::optional<ArpCache::Hit> ArpCache::resolved_until(Ipv4Address next_hop, Instant now) {
  advance(now);
  auto it = find_live(next_hop, now);
  if (it == entries_.end() || it->second.state == ArpState::incomplete) return std::nullopt;
  const Instant until = it->second.state == ArpState::permanent ? Instant::max() : it->second.expires_at;
  return Hit{.mac = it->second.mac, .until = until};
}

bool ArpCache::resolving(Ipv4Address ip) const {
  const auto it = entries_.find(ip);
  return it != entries_.end() && it->second.state == ArpState::incomplete;
}

bool ArpCache::resolving_any() const {
  for (const auto& [ip, e] : entries_) {
    if (e.state == ArpState::incomplete) return true;
  }
  return false;
}

ResolveResult ArpCache::resolve_or_queue(Ipv4Address next_hop, ByteVec&& datagram, Instant now) {
  WIRESTACK_ASSERT(next_hop.is_unicast());
  advance(now);
  auto it = find_live(next_hop, now);
  if (it != entries_.end() && it->second.state != ArpState::incomplete) {
    ++counters_.hits;
    return ResolveResult{.status = ResolveStatus::resolved, .mac = it->second.mac};
  }
  ++counters_.misses;
  bool started = false;
  if (it == entries_.end()) {
    if (!make_room(now)) {
      ++counters_.table_full_drops;
      return ResolveResult{.status = ResolveStatus::table_full};
    }
    // The first request is due at once (poll emits it); RFC 1122 2.3.2.2:
    // "SHOULD save (rather than discard) at least one (the latest) packet".
    it = entries_.emplace(next_hop, Entry{.state = ArpState::incomplete, .next_at = now}).first;
    started = true;
  }
  Entry& e = it->second;
  const std::size_t charge = datagram.size() + ArpCacheConfig::kQueuedOverhead;
  if (e.queue.size() >= config_.max_queued_per_address || queued_total_ >= config_.max_queued_total ||
      e.queued_bytes + charge > config_.max_queued_bytes_per_address) {
    ++counters_.queue_drops;
    return ResolveResult{.status = ResolveStatus::queue_full, .request_due = started};
  }
  e.queue.push_back(std::move(datagram));
  e.queued_bytes += charge;
  ++queued_total_;
  ++counters_.queued;
  return ResolveResult{.status = ResolveStatus::queued, .request_due = started};
}

ArpPollResult ArpCache::poll(Instant now) {
  advance(now);
  ArpPollResult out;
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    if (e.state == ArpState::reachable && now >= e.expires_at) {
      it = entries_.erase(it);
      ++generation_;
      ++counters_.entries_expired;
      continue;
    }
    if (e.state != ArpState::incomplete || now < e.next_at) {
      ++it;
      continue;
    }
    if (e.requests_sent > config_.max_retries) {
      // Out of retries and the last wait is over: the address is unreachable.
      for (ByteVec& d : e.queue) out.failed.push_back(FailedPacket{.next_hop = it->first, .datagram = std::move(d)});
      WIRESTACK_ASSERT(queued_total_ >= e.queue.size());
      queued_total_ -= e.queue.size();
      counters_.failed_packets += e.queue.size();
      ++counters_.resolution_failures;
      it = entries_.erase(it);
      ++generation_;
      continue;
    }
    out.requests.push_back(it->first);
    ++e.requests_sent;
    ++counters_.requests_sent;
    e.next_at = now + wait_after(e.requests_sent);
    ++it;
  }
  return out;
}

std::optional<Instant> ArpCache::poll_at() const {
  std::optional<Instant> next;
  for (const auto& [ip, e] : entries_) {
    if (e.state == ArpState::incomplete && (!next || e.next_at < *next)) next = e.next_at;
  }
  return next;
}

ArpInputResult ArpCache::on_arp(const ArpRepr& arp, Ipv4Address my_ip, MacAddress my_mac, Instant now) {
  advance(now);
  ArpInputResult out;
  const bool is_request = arp.operation == ArpOperation::request;
  const bool is_reply = arp.operation == ArpOperation::reply;
  const bool for_me = !my_ip.is_unspecified() && arp.target_protocol == my_ip;

  // Screening (Linux arp_process(), RFC 5227) before RFC 826's algorithm.
  // RFC 826 only looks at the opcode at the end; like Linux we drop other
  // opcodes (RARP, InARP) so they never touch the table.
  if (!is_request && !is_reply) {
    ++counters_.ignored;
    out.verdict = ArpVerdict::bad_operation;
    return out;
  }
  if (arp.source_hardware.is_multicast() || arp.source_hardware.is_zero()) {
    ++counters_.ignored;
    out.verdict = ArpVerdict::bad_sender;
    return out;
  }
  if (arp.source_hardware == my_mac) {  // our own packet, echoed back to us
    ++counters_.ignored;
    out.verdict = ArpVerdict::looped_back;
    return out;
  }
  if (!my_ip.is_unspecified() && arp.source_protocol == my_ip) {
    // RFC 5227 2.4: another host uses our address. Never learn it (that
    // would send our own traffic away) and never answer it.
    ++counters_.conflicts;
    out.verdict = ArpVerdict::conflict;
    return out;
  }
  if (arp.source_protocol.is_unspecified()) {
    // RFC 5227 2.1.1 probe: the sender does not own an address yet, so there
    // is nothing to learn; the owner of the probed address answers it.
    ++counters_.probes;
    out.verdict = ArpVerdict::probe;
    if (for_me && is_request) {
      out.reply = ArpRepr::reply_to(arp, my_mac);
      ++counters_.requests_answered;
    }
    return out;
  }
  if (!arp.source_protocol.is_unicast() || arp.source_protocol.is_loopback()) {
    ++counters_.ignored;
    out.verdict = ArpVerdict::bad_sender;
    return out;
  }
  ++(is_request ? counters_.requests_received : counters_.replies_received);

  // RFC 826: "Merge_flag := false. If the pair <protocol type, sender
  // protocol address> is already in my translation table, update the sender
  // hardware address field of the entry with the new information in the
  // packet and set Merge_flag to true."
  bool merge_flag = false;
  out.verdict = ArpVerdict::not_learned;
  if (auto it = find_live(arp.source_protocol, now); it != entries_.end()) {
    merge_flag = true;
    switch (it->second.state) {
      case ArpState::permanent:  // administrative entries are not ARP's to change
        out.verdict = ArpVerdict::static_entry;
        break;
      case ArpState::incomplete:
      case ArpState::reachable:  // (a reachable entry has no queue: nothing is released)
        out.verdict = it->second.state == ArpState::incomplete ? ArpVerdict::resolved : ArpVerdict::updated;
        out.released = complete(it, arp.source_hardware, now);
        break;
    }
  }

  // RFC 826: "?Am I the target protocol address? Yes: If Merge_flag is
  // false, add the triplet <protocol type, sender protocol address, sender
  // hardware address> to the translation table."
  if (!for_me) return out;
  if (!merge_flag) {
    if (make_room(now)) {
      entries_.emplace(arp.source_protocol, Entry{.state = ArpState::reachable,
                                                  .mac = arp.source_hardware,
                                                  .expires_at = now + config_.reachable_time});
      out.verdict = ArpVerdict::added;
    } else {
      out.verdict = ArpVerdict::table_full;
    }
  }
  // RFC 826: "?Is the opcode ares_op$REQUEST? (NOW look at the opcode!!)
  // Yes: Swap hardware and protocol fields, putting the local hardware and
  // protocol addresses in the sender fields. Set the ar$op field to
  // ares_op$REPLY. Send the packet to the (new) target hardware address".
  if (is_request) {
    out.reply = ArpRepr::reply_to(arp, my_mac);
    ++counters_.requests_answered;
  }
  return out;
}

Result<std::vector<ReadyPacket>, StaticEntryError> ArpCache::add_static(Ipv4Address ip, MacAddress mac,
                                                                      Instant now) {
  if (!ip.is_unicast()) return Unexpected{StaticEntryError::invalid_address};
  advance(now);
  std::vector<ReadyPacket> released;
  auto it = entries_.find(ip);
  if (it == entries_.end()) {
    if (!make_room(now)) return Unexpected{StaticEntryError::table_full};
    it = entries_.emplace(ip, Entry{}).first;
  } else if (it->second.state == ArpState::incomplete) {
    released = complete(it, mac, now);
  }
  it->second = Entry{.state = ArpState::permanent, .mac = mac};
  ++generation_;
  return released;
}

std::vector<FailedPacket> ArpCache::flush() {
  std::vector<FailedPacket> failed;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.state == ArpState::permanent) {
      ++it;
      continue;
    }
    for (ByteVec& d : it->second.queue) failed.push_back(FailedPacket{.next_hop = it->first, .datagram = std::move(d)});
    it = entries_.erase(it);
    ++generation_;
  }
  counters_.failed_packets += failed.size();
  queued_total_ = 0;
  return failed;
}

std::vector<ArpEntryInfo> ArpCache::entries(Instant now) const {
  std::vector<ArpEntryInfo> out;
  out.reserve(entries_.size());
  for (const auto& [ip, e] : entries_) {
    if (e.state == ArpState::reachable && now >= e.expires_at) continue;
    ArpEntryInfo info{.ip = ip, .state = e.state, .mac = e.mac};
    if (e.state == ArpState::reachable) info.expires_in = e.expires_at - now;
    if (e.state == ArpState::incomplete) {
      info.requests_sent = e.requests_sent;
      info.queued = e.queue.size();
    }
    out.push_back(info);
  }
  return out;
}

}  // namespace wirestack::link
