// link/mac_table.cpp — see mac_table.hpp for the contract.
#include "link/mac_table.hpp"

#include <algorithm>

#include "base/assert.hpp"

namespace wirestack::link {

std::ostream& operator<<(std::ostream& os, LearnResult r) {
  switch (r) {
    case LearnResult::learned: return os << "learned";
    case LearnResult::refreshed: return os << "refreshed";
    case LearnResult::moved: return os << "moved";
    case LearnResult::ignored: return os << "ignored";
    case LearnResult::refused: return os << "refused";
  }
  return os << "LearnResult(" << static_cast<unsigned>(r) << ')';
}

std::ostream& operator<<(std::ostream& os, const ForwardDecision& d) {
  switch (d.action) {
    case ForwardAction::to_port: return os << "port " << d.port;
    case ForwardAction::flood: return os << "flood";
    case ForwardAction::filter: return os << "filter";
  }
  return os << "ForwardAction(" << static_cast<unsigned>(d.action) << ')';
}

std::ostream& operator<<(std::ostream& os, const MacEntry& e) {
  os << e.mac << " port " << e.port << " age ";
  print_seconds(os, e.age);
  return os;
}

MacTable::MacTable(MacTableConfig config) : config_(config) {
  WIRESTACK_ASSERT(config_.aging_time > Duration::zero());
}

LearnResult MacTable::learn(MacAddress src, PortId port, Instant now) {
  // 802.1D 7.8: only individual (unicast) source addresses are learned.
  if (src.is_multicast() || src.is_zero()) {
    ++counters_.ignored_sources;
    return LearnResult::ignored;
  }
  const std::uint64_t k = key(src);
  if (auto it = table_.find(k); it != table_.end()) {
    Entry& e = it->second;
    WIRESTACK_ASSERT(now >= e.last_seen);  // time runs forward
    if (expired(e, now)) {
      // Expired but not yet removed: it ages out now and is learned afresh
      // (in place, so this never needs room).
      ++counters_.aged_out;
      ++counters_.learned;
      e = Entry{.mac = src, .port = port, .last_seen = now};
      return LearnResult::learned;
    }
    e.last_seen = now;
    if (e.port == port) return LearnResult::refreshed;
    e.port = port;
    ++counters_.moves;
    return LearnResult::moved;
  }
  if (table_.size() >= config_.capacity) {
    if (now >= earliest_expiry_) purge_expired(now);
    if (table_.size() >= config_.capacity) {
      ++counters_.learn_refused;
      return LearnResult::refused;
    }
  }
  table_.emplace(k, Entry{.mac = src, .port = port, .last_seen = now});
  ++counters_.learned;
  return LearnResult::learned;
}

std::optional<PortId> MacTable::lookup(MacAddress dst, Instant now) {
  auto it = table_.find(key(dst));
  if (it != table_.end() && expired(it->second, now)) {
    table_.erase(it);
    ++counters_.aged_out;
    it = table_.end();
  }
  if (it == table_.end()) {
    ++counters_.misses;
    return std::nullopt;
  }
  ++counters_.hits;
  return it->second.port;
}

ForwardDecision MacTable::decide(MacAddress dst, PortId ingress, Instant now) const {
  // 802.1D 7.7.1: group addresses (broadcast included) go to every port
  // but the one they came from.
  if (dst.is_multicast()) return ForwardDecision::flood();
  auto it = table_.find(key(dst));
  if (it == table_.end() || expired(it->second, now)) return ForwardDecision::flood();  // unknown unicast
  // A station on the ingress port already received the frame on that segment.
  if (it->second.port == ingress) return ForwardDecision::filter();
  return ForwardDecision::to(it->second.port);
}

std::size_t MacTable::flush_port(PortId port) {
  const std::size_t n = std::erase_if(table_, [port](const auto& kv) { return kv.second.port == port; });
  counters_.flushed += n;
  return n;
}

void MacTable::flush() {
  counters_.flushed += table_.size();
  table_.clear();
}

std::size_t MacTable::purge_expired(Instant now) {
  // The hash order of this walk reaches no output: only counts and a minimum.
  std::size_t n = 0;
  Instant earliest = Instant::max();
  for (auto it = table_.begin(); it != table_.end();) {
    if (expired(it->second, now)) {
      it = table_.erase(it);
      ++n;
    } else {
      earliest = std::min(earliest, it->second.last_seen + config_.aging_time);
      ++it;
    }
  }
  // Entries learned later expire at or after `now + aging_time`, so the
  // minimum stays a lower bound; with no entries left there is none.
  earliest_expiry_ = table_.empty() ? Instant::min() : earliest;
  counters_.aged_out += n;
  return n;
}

std::vector<MacEntry> MacTable::entries(Instant now) const {
  std::vector<MacEntry> out;
  out.reserve(table_.size());
  for (const auto& [k, e] : table_) {
    if (!expired(e, now)) out.push_back(MacEntry{.mac = e.mac, .port = e.port, .age = now - e.last_seen});
  }
  std::sort(out.begin(), out.end(), [](const MacEntry& a, const MacEntry& b) { return a.mac < b.mac; });
  return out;
}

}  // namespace wirestack::link
