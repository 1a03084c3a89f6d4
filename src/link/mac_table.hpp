// link/mac_table.hpp — a learning switch's filtering database (IEEE 802.1D
// 7.8 "The Learning Process", 7.9 "The Filtering Database") and its
// forwarding decision (7.7.1). A sans-IO state machine: time is an argument.
//
// Per received frame the switch calls
//   table.learn(frame.src, ingress, now);          // 7.8: remember where src lives
//   auto d = table.decide(frame.dst, ingress, now);  // 7.7.1: where dst goes
// and d says: to_port P (known unicast), flood (broadcast, multicast, or
// unknown unicast: every port but the ingress one), or filter (the destination
// lives on the ingress port: the frame is not sent back where it came from).
//
// Contract:
// * Group (multicast/broadcast) and all-zero source addresses are never
//   learned (802.1D 7.8: only individual addresses; Linux br_fdb_update()
//   checks is_valid_ether_addr()). They are counted in ignored_sources.
// * Aging (7.9.2): an entry expires aging_time after the last frame from that
//   station (default 300 s, the 802.1D recommended value). At exactly
//   last_seen + aging_time it is a miss. Expired entries are removed lazily:
//   by lookup(), by learn() when the table is full, or by purge_expired();
//   decide() and entries() are const and simply skip them.
// * Station move: a known source seen on another port moves there (counted).
// * Capacity (default 8192): when the table is full, expired entries are
//   purged and, if it is still full, the new address is NOT learned (counted
//   in learn_refused); existing stations keep their entries and frames to the
//   unlearned one are flooded (correct, only less efficient). This is what
//   hardware switches and Linux's fdb_max_learned do; evicting instead would
//   let a MAC flood churn every real station out of the table.
// * flush_port() forgets a port's stations (link down, 802.1D 17.11 topology
//   change); flush() forgets all.
// * Determinism: storage is a hash map, but nothing that leaves the class
//   depends on its order: entries() sorts by MAC.
//
//   link::MacTable fdb;
//   fdb.learn(src, 1, now);
//   if (auto d = fdb.decide(dst, 1, now); d.action == link::ForwardAction::to_port) send(d.port, frame);
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <unordered_map>
#include <vector>

#include "base/time.hpp"
#include "wire/mac_address.hpp"

namespace wirestack::link {

// A switch port number, as the switch numbers them.
using PortId = std::uint16_t;

struct MacTableConfig {
  Duration aging_time = std::chrono::seconds{300};
  std::size_t capacity = 8192;
};

enum class LearnResult : std::uint8_t {
  learned,    // new station
  refreshed,  // known station, same port: age reset
  moved,      // known station, new port (station move)
  ignored,    // group or zero source address
  refused,    // table full: not learned
};
std::ostream& operator<<(std::ostream& os, LearnResult r);

enum class ForwardAction : std::uint8_t {
  to_port,  // known unicast: send on `port` only
  flood,    // broadcast, multicast or unknown unicast: every port but the ingress one
  filter,   // the destination is on the ingress port: discard
};

struct ForwardDecision {
  ForwardAction action = ForwardAction::flood;
  PortId port = 0;  // to_port only

  static constexpr ForwardDecision to(PortId p) { return {ForwardAction::to_port, p}; }
  static constexpr ForwardDecision flood() { return {ForwardAction::flood, 0}; }
  static constexpr ForwardDecision filter() { return {ForwardAction::filter, 0}; }
  friend constexpr bool operator==(const ForwardDecision&, const ForwardDecision&) = default;
};
std::ostream& operator<<(std::ostream& os, const ForwardDecision& d);  // "port 3", "flood", "filter"

// One entry, for printing.
struct MacEntry {
  MacAddress mac;
  PortId port = 0;
  Duration age{};  // since the last frame from `mac`
  friend bool operator==(const MacEntry&, const MacEntry&) = default;
};
std::ostream& operator<<(std::ostream& os, const MacEntry& e);  // "02:00:00:00:00:01 port 2 age 1.500s"

struct MacTableCounters {
  std::uint64_t learned = 0;          // new entries
  std::uint64_t moves = 0;            // station moves
  std::uint64_t learn_refused = 0;    // table full
  std::uint64_t ignored_sources = 0;  // group or zero source
  std::uint64_t aged_out = 0;         // entries removed at expiry
  std::uint64_t flushed = 0;          // entries removed by flush_port()/flush()
  std::uint64_t hits = 0;             // lookup() found a port
  std::uint64_t misses = 0;           // lookup() found none
  friend bool operator==(const MacTableCounters&, const MacTableCounters&) = default;
};

class MacTable {
 public:
  explicit MacTable(MacTableConfig config = {});

  const MacTableConfig& config() const { return config_; }
  const MacTableCounters& counters() const { return counters_; }
  // Stored entries, possibly including expired ones not yet removed.
  std::size_t size() const { return table_.size(); }

  LearnResult learn(MacAddress src, PortId port, Instant now);

  // The port of a live entry for `dst` (an expired one is removed). Counts hits/misses.
  std::optional<PortId> lookup(MacAddress dst, Instant now);

  // The forwarding decision for a frame to `dst` that arrived on `ingress`.
  // Pure: changes nothing, counts nothing (the switch counts per port).
  ForwardDecision decide(MacAddress dst, PortId ingress, Instant now) const;

  // Removes the entries on `port`; returns how many.
  std::size_t flush_port(PortId port);
  void flush();
  // Removes expired entries; returns how many.
  std::size_t purge_expired(Instant now);

  // Live entries, sorted by MAC address.
  std::vector<MacEntry> entries(Instant now) const;

 private:
  struct Entry {
    MacAddress mac;
    PortId port = 0;
    Instant last_seen{};
  };
  // A MAC as a 48-bit integer: cheap to hash, ordered like the bytes.
  static constexpr std::uint64_t key(MacAddress m) { return std::uint64_t{m.oui()} << 24 | m.serial(); }
  bool expired(const Entry& e, Instant now) const { return now >= e.last_seen + config_.aging_time; }

  MacTableConfig config_;
  std::unordered_map<std::uint64_t, Entry> table_;
  // No entry expires before this (a lower bound, refreshed by each full
  // purge), so a full table under a flood of new sources is not rescanned on
  // every frame.
  Instant earliest_expiry_ = Instant::min();
  MacTableCounters counters_;
};

}  // namespace wirestack::link
