// ip/neighbor_cache.hpp — the IPv6 neighbour cache of one interface (RFC 4861
// 7.2 and 7.3): address resolution with a bounded queue of waiting packets,
// and neighbour unreachability detection. The IPv6 counterpart of
// link/ArpCache, with the same sans-IO shape: it never sends a packet and
// never reads a clock or a random source. Every call takes `Instant now`
// (non-decreasing), and the cache says what to transmit:
//
//   resolve_or_queue()  the egress path: a MAC now (REACHABLE, STALE, DELAY,
//                       PROBE), or the packet waits (INCOMPLETE), or it is
//                       dropped (queue or table full);
//   poll(now)           the Neighbor Solicitations that are due (multicast to
//                       the solicited-node group while INCOMPLETE, unicast to
//                       the cached MAC in PROBE), and the entries that failed:
//                       their queued packets come back so the caller can send
//                       ICMPv6 Destination Unreachable code 3 (address
//                       unreachable, RFC 4861 7.2.2, RFC 4443 3.1);
//   poll_at()           when poll() next has something to do;
//   on_advert()         a received, valid (wire/ndisc.hpp check_nd) NA: the
//                       rules of RFC 4861 7.2.5;
//   on_hint()           the link-layer address carried by an NS, RS, RA or
//                       Redirect (RFC 4861 7.2.3, 6.2.6, 6.3.4, 8.3: the
//                       "unsolicited" rows of the 7.3.3 table);
//   confirm_reachable() upper-layer advice (RFC 4861 7.3.1: a TCP ACK for
//                       new data proves forward progress).
//
// States (RFC 4861 7.3.2) and the times of 7.3.3 and 10 (constants):
//   INCOMPLETE  NS multicast at once, then every RetransTimer (1 s), at most
//               MAX_MULTICAST_SOLICIT (3); RetransTimer after the last one
//               the entry is deleted and its packets come back as failed;
//   REACHABLE   until ReachableTime after the last confirmation. ReachableTime
//               is BaseReachableTime (30 s) times a factor in [0.5, 1.5]
//               that the caller draws (RFC 4861 6.3.2) and passes in;
//               at expiry the entry becomes STALE (lazily: no poll needed);
//   STALE       MAC usable, unverified; sending a packet moves it to
//   DELAY       for DELAY_FIRST_PROBE_TIME (5 s), then
//   PROBE       NS unicast at once and every RetransTimer, at most
//               MAX_UNICAST_SOLICIT (3); RetransTimer after the last one the
//               entry is deleted (reported in poll().unreachable);
//   PERMANENT   a static entry (add_static()): never changed by ND.
// A confirmation (solicited NA or confirm_reachable()) moves any non-
// INCOMPLETE entry to REACHABLE. The IsRouter flag is kept per entry; an NA
// that clears it is reported (`router_lost`: RFC 4861 7.2.5 wants the router
// removed from the Default Router List).
//
// Bounds, as ArpCache: max_queued_per_address packets wait per address (the
// newest over the limit is dropped; RFC 4861 7.2.2 allows either), at most
// max_queued_total in the cache, at most max_entries entries. A new entry
// evicts, in order: the STALE entry unused longest, then the REACHABLE entry
// closest to expiry (ties: the lowest address); INCOMPLETE, DELAY, PROBE and
// PERMANENT entries are never evicted (Linux's neigh_forced_gc() likewise
// spares entries being resolved or verified), and if nothing can go the new
// entry is refused (table_full).
//
// Determinism: entries live in a std::map ordered by address, so every list
// returned is in address order; queued packets keep their arrival order.
//
//   ip::NeighborCache nc({}, /*reachable_factor=*/0.5 + rng.uniform());
//   auto r = nc.resolve_or_queue(next_hop, std::move(packet), now);
//   if (r.status == ip::NdResolveStatus::resolved) send_ipv6(r.mac, packet);
//   auto p = nc.poll(now);                             // at nc.poll_at()
//   for (auto& s : p.solicits)                         // NS with our SLLA option
//     send_ns(s.target, s.unicast ? s.mac : ipv6_multicast_mac(s.target.solicited_node()));
//   for (auto& f : p.failed) send_icmpv6_address_unreachable(f.packet);
//   auto in = nc.on_advert(na.target, na.router, na.solicited, na.override, opts.target_ll, now);
//   for (auto& q : in.released) send_ipv6(q.mac, q.packet);
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "wire/ipv6_address.hpp"
#include "wire/mac_address.hpp"

namespace wirestack::ip {

// RFC 4861 10 "Node constants" (and the host variables' defaults).
inline constexpr std::uint32_t kMaxMulticastSolicit = 3;
inline constexpr std::uint32_t kMaxUnicastSolicit = 3;
inline constexpr Duration kDelayFirstProbeTime = std::chrono::seconds{5};
inline constexpr Duration kRetransTimer = std::chrono::seconds{1};
inline constexpr Duration kBaseReachableTime = std::chrono::seconds{30};
inline constexpr double kMinRandomFactor = 0.5;
inline constexpr double kMaxRandomFactor = 1.5;

// ReachableTime = base * factor, factor clamped to [0.5, 1.5] (RFC 4861 6.3.2:
// "a uniformly distributed random value between MIN_RANDOM_FACTOR and
// MAX_RANDOM_FACTOR times BaseReachableTime"). The caller draws the factor.
Duration randomized_reachable_time(Duration base, double factor);

struct NeighborCacheConfig {
  Duration base_reachable_time = kBaseReachableTime;  // RA "Reachable Time" may change it
  Duration retrans_timer = kRetransTimer;             // RA "Retrans Timer" may change it
  Duration delay_first_probe_time = kDelayFirstProbeTime;
  std::uint32_t max_multicast_solicit = kMaxMulticastSolicit;  // >= 1
  std::uint32_t max_unicast_solicit = kMaxUnicastSolicit;      // >= 1
  // 64 packets hold the fragments of a 64 KiB datagram at MTU 1280.
  std::size_t max_queued_per_address = 64;
  std::size_t max_queued_total = 512;
  std::size_t max_entries = 512;  // >= 1
};

enum class NeighborState : std::uint8_t { incomplete, reachable, stale, delay, probe, permanent };
std::ostream& operator<<(std::ostream& os, NeighborState s);  // "INCOMPLETE", "REACHABLE", ...

struct NeighborEntryInfo {
  Ipv6Address ip;
  NeighborState state = NeighborState::incomplete;
  MacAddress mac{};                   // zero while INCOMPLETE
  bool is_router = false;
  std::uint32_t solicits_sent = 0;    // INCOMPLETE (multicast) or PROBE (unicast)
  std::size_t queued = 0;             // INCOMPLETE
  friend bool operator==(const NeighborEntryInfo&, const NeighborEntryInfo&) = default;
};
// "fe80::2 lladdr 02:00:00:00:00:02 router REACHABLE", "2001:db8::3 INCOMPLETE solicits 2 queued 1"
std::ostream& operator<<(std::ostream& os, const NeighborEntryInfo& e);

// A queued packet whose resolution failed (or was flushed): its source is
// owed an ICMPv6 address unreachable (RFC 4861 7.2.2).
struct FailedPacket6 {
  Ipv6Address next_hop;
  ByteVec packet;
  friend bool operator==(const FailedPacket6&, const FailedPacket6&) = default;
};

// A queued packet whose next hop is now resolved: send it to `mac`.
struct ReadyPacket6 {
  Ipv6Address next_hop;
  MacAddress mac;
  ByteVec packet;
  friend bool operator==(const ReadyPacket6&, const ReadyPacket6&) = default;
};

// A Neighbor Solicitation to send for `target`: multicast (INCOMPLETE: to
// target.solicited_node(), RFC 4861 7.2.2) or unicast to `mac` (PROBE,
// RFC 4861 7.3.3). Either carries our Source Link-Layer Address option.
struct Solicit {
  Ipv6Address target;
  MacAddress mac{};  // unicast only; zero for multicast
  bool unicast = false;
  bool multicast() const { return !unicast; }
  friend bool operator==(const Solicit&, const Solicit&) = default;
};

enum class NdResolveStatus : std::uint8_t {
  resolved,    // `mac` is valid: send now (the packet was not kept)
  queued,      // the packet waits for the answer
  queue_full,  // dropped: the address's queue or the cache's is full
  table_full,  // dropped: no room for a new entry
};
std::ostream& operator<<(std::ostream& os, NdResolveStatus s);

struct [[nodiscard]] NdResolveResult {
  NdResolveStatus status = NdResolveStatus::queued;
  MacAddress mac{};
  // A solicitation is due now (a new INCOMPLETE entry): poll() at once.
  // Also set when a STALE entry moved to DELAY, whose deadline is new.
  bool poll_due = false;
};

struct [[nodiscard]] NeighborPollResult {
  std::vector<Solicit> solicits;          // address order
  std::vector<FailedPacket6> failed;      // address order, then queue order
  std::vector<Ipv6Address> unreachable;   // entries deleted (INCOMPLETE or PROBE ran out)
};

// What an NA or a hint did to the cache.
enum class NeighborVerdict : std::uint8_t {
  no_entry,      // NA for an address we hold no entry for: ignored (7.2.5)
  created,       // hint: new STALE entry
  resolved,      // INCOMPLETE completed (REACHABLE or STALE); queue released
  updated,       // MAC and/or state changed
  unchanged,     // nothing changed (besides perhaps IsRouter)
  ignored,       // NA without TLLA for INCOMPLETE; O=0 NA with another MAC for a non-REACHABLE entry
  static_entry,  // PERMANENT entries are not changed by ND
  table_full,    // hint: no room for the new entry
};
std::ostream& operator<<(std::ostream& os, NeighborVerdict v);

struct [[nodiscard]] NeighborInput {
  NeighborVerdict verdict = NeighborVerdict::unchanged;
  std::vector<ReadyPacket6> released;  // packets that waited, arrival order
  bool router_lost = false;            // IsRouter went from true to false (7.2.5)
};

// Which message carried a link-layer address hint (RFC 4861 7.3.3's table).
enum class NdHintSource : std::uint8_t {
  neighbor_solicit,  // NS source + SLLA (7.2.3); IsRouter unchanged
  router_solicit,    // RS source + SLLA (6.2.6); IsRouter = false
  router_advert,     // RA source + SLLA (6.3.4); IsRouter = true
  redirect_router,   // Redirect target + TLLA, target != destination (8.3): IsRouter = true
  redirect_host,     // Redirect target + TLLA, target == destination (the target is on-link)
};

struct NeighborCounters {
  std::uint64_t multicast_solicits = 0;  // emitted by poll()
  std::uint64_t unicast_solicits = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t queued = 0;
  std::uint64_t released = 0;
  std::uint64_t queue_drops = 0;
  std::uint64_t table_full_drops = 0;
  std::uint64_t resolution_failures = 0;  // INCOMPLETE ran out of solicits
  std::uint64_t probe_failures = 0;       // PROBE ran out of solicits
  std::uint64_t failed_packets = 0;       // returned as FailedPacket6
  std::uint64_t evictions = 0;
  std::uint64_t adverts_ignored = 0;      // NA verdicts no_entry and ignored
  friend bool operator==(const NeighborCounters&, const NeighborCounters&) = default;
};

class NeighborCache {
 public:
  // `reachable_factor` in [0.5, 1.5] (clamped): see randomized_reachable_time().
  explicit NeighborCache(NeighborCacheConfig config = {}, double reachable_factor = 1.0);

  const NeighborCacheConfig& config() const { return config_; }
  const NeighborCounters& counters() const { return counters_; }
  std::size_t size() const { return entries_.size(); }
  Duration reachable_time() const { return reachable_time_; }

  // RFC 4861 6.3.4: an RA's nonzero Reachable Time sets BaseReachableTime
  // and ReachableTime is recomputed with a new factor (the caller's draw);
  // RFC 4861 6.3.2 also asks for a new draw "at least every few hours".
  // Entries already REACHABLE keep their deadline.
  void set_base_reachable_time(Duration base, double reachable_factor);
  void set_retrans_timer(Duration retrans);  // an RA's nonzero Retrans Timer

  // The egress path. Precondition: next_hop.is_unicast(). `packet` is moved
  // from only when queued. Sending to a STALE entry moves it to DELAY (7.3.3).
  NdResolveResult resolve_or_queue(const Ipv6Address& next_hop, ByteVec&& packet, Instant now);
  // The hit half, for a packet built in place: the MAC (counted as a hit,
  // with the STALE -> DELAY move) or nullopt, counting nothing.
  std::optional<MacAddress> resolved(const Ipv6Address& next_hop, Instant now);

  // Current state of `ip` at `now` (REACHABLE past its time reads STALE).
  std::optional<NeighborState> state(const Ipv6Address& ip, Instant now);
  bool is_router(const Ipv6Address& ip) const;

  NeighborPollResult poll(Instant now);
  std::optional<Instant> poll_at() const;

  // A valid NA (check_nd passed) for `na_target`, with its flags and its
  // Target Link-Layer Address option if any (RFC 4861 7.2.5).
  NeighborInput on_advert(const Ipv6Address& target, bool router, bool solicited, bool override,
                          std::optional<MacAddress> target_ll, Instant now);
  // A link-layer address learnt from an NS/RS/RA/Redirect (7.3.3), or none
  // (`lla` nullopt: only the IsRouter rule of RS/RA applies, 6.2.6, 6.3.4).
  NeighborInput on_hint(const Ipv6Address& ip, std::optional<MacAddress> lla, NdHintSource source, Instant now);
  // Upper-layer reachability confirmation (7.3.1): a non-INCOMPLETE entry
  // becomes REACHABLE. Returns whether an entry was confirmed.
  bool confirm_reachable(const Ipv6Address& ip, Instant now);

  // A permanent entry; packets waiting on an INCOMPLETE one are returned.
  // False if the table is full of entries that cannot be evicted.
  bool add_static(const Ipv6Address& ip, MacAddress mac, Instant now, std::vector<ReadyPacket6>* released = nullptr);
  // Removes every non-permanent entry; waiting packets come back as failed.
  [[nodiscard]] std::vector<FailedPacket6> flush();

  std::vector<NeighborEntryInfo> entries(Instant now);

 private:
  struct Entry {
    NeighborState state = NeighborState::incomplete;
    MacAddress mac{};
    bool is_router = false;
    Instant reachable_until{};      // REACHABLE
    Instant next_at{};              // INCOMPLETE/PROBE: next solicit or failure; DELAY: -> PROBE
    Instant last_used{};            // for eviction of STALE entries
    std::uint32_t solicits_sent = 0;
    std::vector<ByteVec> queue;     // INCOMPLETE
  };
  using Map = std::map<Ipv6Address, Entry>;

  void advance(Instant now);
  void age(Entry& e, Instant now) const;  // REACHABLE past its time -> STALE
  bool make_room(Instant now);
  Map::iterator create(const Ipv6Address& ip, Instant now);
  void set_reachable(Entry& e, Instant now);
  void release(Map::iterator it, std::vector<ReadyPacket6>& out);
  void drop_queue(Map::iterator it, std::vector<FailedPacket6>& out);

  NeighborCacheConfig config_;
  Duration reachable_time_;
  Map entries_;
  std::size_t queued_total_ = 0;
  Instant last_now_ = Instant::min();
  NeighborCounters counters_;
};

}  // namespace wirestack::ip
