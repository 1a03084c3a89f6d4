// link/arp_cache.hpp — the ARP cache of one interface: IPv4 next hop -> MAC,
// with resolution, retries, a bounded queue of waiting datagrams and the
// RFC 826 reception algorithm. A sans-IO state machine: it never sends a frame
// and never reads a clock. Every call that depends on time takes `Instant now`
// (non-decreasing from call to call), and the cache says what to transmit:
//
//   resolve_or_queue()  the IP layer's egress path: a MAC now, or the datagram
//                       waits in the cache (bounded), or it is dropped;
//   poll(now)           the ARP requests that are due (the first one as soon as
//                       a resolution starts, retries at back-off deadlines) and
//                       the datagrams whose resolution failed;
//   poll_at()           when poll() next has something to do;
//   on_arp()            a received ARP packet: learning, the reply to send,
//                       datagrams released by a completed resolution.
//
// Timing of one resolution (defaults: retry_interval 1 s, backoff_factor 2,
// max_retries 3): requests go out at t, t+1 s, t+3 s, t+7 s (1 + max_retries
// requests, each wait double the one before, capped at max_retry_interval) and
// the resolution fails at t+15 s, one more wait after the last request. A
// failed entry is removed: its queued datagrams come back from poll() as
// FailedPacket so the IP layer can send ICMP host unreachable (RFC 1122
// 2.3.2.2: "the link layer SHOULD ... notify the IP layer" of a failure); the
// next datagram to that address starts a fresh resolution. The waits are at
// least one second, so the RFC 1122 2.3.2.1 rule "no more than one ARP request
// per second per destination" holds with the defaults.
//
// Entries (RFC 1122 2.3.2.1, Linux's neighbour table as the model):
//   incomplete  resolution in progress, datagrams queued (Linux INCOMPLETE);
//   reachable   MAC known until expires_at = last update + reachable_time.
//               At exactly expires_at the entry is a miss. Only ARP packets
//               (the merge rule below) refresh it: a lookup hit does not,
//               so an address in use is re-resolved every reachable_time;
//   permanent   a static entry: never expires, never changed by ARP.
// Expired entries are removed lazily, by whichever call next touches them (or
// by poll()), and counted in entries_expired; poll_at() does not report
// expiry, only deadlines that produce work.
//
// Bounds: at most max_queued_bytes_per_address bytes (each datagram plus
// kQueuedOverhead) and max_queued_per_address datagrams wait per address
// (Linux unres_qlen_bytes; a datagram over the limit is the one dropped, counted in
// queue_drops; Linux drops the oldest instead), at most max_queued_total in
// the whole cache, and at most max_entries entries. A new entry first purges
// expired ones, then evicts the reachable entry closest to expiry (ties: the
// lowest IP); incomplete and permanent entries are never evicted, and if
// nothing can go the new entry is refused (table_full).
//
// Reception (RFC 826 "Packet Reception", quoted in arp_cache.cpp): if the
// sender's IP is in the table (incomplete entries included) its MAC is
// updated whether or not the packet is for us (merge); if we are the target
// and there was no entry, one is added; a request for us gets a reply. A
// gratuitous ARP (sender IP == target IP) therefore updates an existing entry
// and adds none. Before the algorithm, as Linux's arp_process() and RFC 5227
// do, packets are screened: an opcode other than request/reply, a sender MAC
// that is zero or group, or a sender IP that is broadcast/multicast/loopback
// are ignored, and so is a packet whose sender MAC is ours (our own, looped
// back); a sender IP equal to ours is an address conflict (counted, nothing
// learned, no reply); a sender IP of 0.0.0.0 is a probe (RFC 5227 2.1.1):
// nothing is learned, but a probe for our address is answered.
//
// Determinism: entries live in a std::map ordered by IP, so every list the
// cache returns (requests, failures, entries()) is in IP order, and queued
// datagrams keep their arrival order.
//
//   link::ArpCache arp;
//   auto r = arp.resolve_or_queue(next_hop, std::move(datagram), now);
//   if (r.status == link::ResolveStatus::resolved) send_ipv4(r.mac, ...);
//   for (Ipv4Address t : arp.poll(now).requests) send_arp(ArpRepr::request(my_mac, my_ip, t));
//   auto in = arp.on_arp(repr, my_ip, my_mac, now);
//   if (in.reply) send_arp(*in.reply);  // to in.reply->target_hardware
//   for (auto& p : in.released) send_ipv4(p.mac, p.datagram);
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "wire/arp.hpp"
#include "wire/ipv4_address.hpp"
#include "wire/mac_address.hpp"

namespace wirestack::link {

struct ArpCacheConfig {
  Duration reachable_time = std::chrono::seconds{60};      // lifetime of a learned entry
  Duration retry_interval = std::chrono::seconds{1};       // wait after the first request
  std::uint32_t max_retries = 3;                           // requests after the first one
  std::uint32_t backoff_factor = 2;                        // each wait = previous * factor (>= 1)
  Duration max_retry_interval = std::chrono::seconds{30};  // cap on one wait
  // Linux bounds the queue per neighbour by bytes (unres_qlen_bytes,
  // 212,992, counting each packet's buffer): here each datagram counts its
  // size plus kQueuedOverhead. That holds ~140 full-sized datagrams (the 45
  // fragments of the largest IPv4 datagram among them) or ~640 SYNs: a
  // router that many clients reach at once through one next hop being
  // resolved forwards their SYNs instead of dropping all but the first 64
  // (a star of 100 senders lost 36 SYNs, and the flows their first second).
  std::size_t max_queued_bytes_per_address = 212992;
  std::size_t max_queued_per_address = 1024;               // datagrams, as well
  std::size_t max_queued_total = 4096;                     // datagrams over all addresses
  static constexpr std::size_t kQueuedOverhead = 256;     // bytes charged per datagram
  std::size_t max_entries = 512;                           // >= 1
};

enum class ArpState : std::uint8_t { incomplete, reachable, permanent };
std::ostream& operator<<(std::ostream& os, ArpState s);  // "INCOMPLETE", "REACHABLE", "PERMANENT"

// A snapshot of one entry, for printing.
struct ArpEntryInfo {
  Ipv4Address ip;
  ArpState state = ArpState::incomplete;
  MacAddress mac{};                 // zero while incomplete
  Duration expires_in{};            // reachable only
  std::uint32_t requests_sent = 0;  // incomplete only
  std::size_t queued = 0;           // incomplete only
  friend bool operator==(const ArpEntryInfo&, const ArpEntryInfo&) = default;
};
// "10.0.0.2 lladdr 02:00:00:00:00:02 REACHABLE expires 59.000s"
// "10.0.0.3 INCOMPLETE requests 2 queued 1"
// "10.0.0.9 lladdr 02:00:00:00:00:09 PERMANENT"
std::ostream& operator<<(std::ostream& os, const ArpEntryInfo& e);

// A datagram whose resolution failed (or was flushed): the IP layer owes its
// source an ICMP host unreachable (RFC 1122 2.3.2.2, RFC 1812 4.3.3.1).
struct FailedPacket {
  Ipv4Address next_hop;
  ByteVec datagram;
  friend bool operator==(const FailedPacket&, const FailedPacket&) = default;
};

// A queued datagram whose next hop is now resolved: send it to `mac`.
struct ReadyPacket {
  Ipv4Address next_hop;
  MacAddress mac;
  ByteVec datagram;
  friend bool operator==(const ReadyPacket&, const ReadyPacket&) = default;
};

enum class ResolveStatus : std::uint8_t {
  resolved,    // `mac` is valid: send now; the datagram was not kept
  queued,      // the datagram waits in the cache for the reply
  queue_full,  // dropped: the address's queue or the global queue is full
  table_full,  // dropped: no room for a new entry (all incomplete/permanent)
};
std::ostream& operator<<(std::ostream& os, ResolveStatus s);

struct [[nodiscard]] ResolveResult {
  ResolveStatus status = ResolveStatus::queued;
  MacAddress mac{};  // resolved only
  // This call started a resolution (queued or queue_full): an ARP request is
  // due now and poll_at() == now. The request itself comes from poll(now);
  // do not send one because of this flag, just do not sleep before polling.
  bool request_due = false;
};

struct [[nodiscard]] ArpPollResult {
  std::vector<Ipv4Address> requests;  // "who-has target" to broadcast now, IP order
  std::vector<FailedPacket> failed;   // resolution failed: IP order, then queue order
};

// What on_arp() did with a packet.
enum class ArpVerdict : std::uint8_t {
  added,          // we are the target and the sender was new: entry added
  updated,        // merge: the sender's reachable entry got the packet's MAC
  resolved,       // merge: the sender's incomplete entry completed
  not_learned,    // sender unknown and we are not the target: nothing stored
  static_entry,   // sender has a permanent entry: left unchanged
  table_full,     // we are the target but no room for the entry
  probe,          // sender IP 0.0.0.0 (RFC 5227 probe): nothing learned
  conflict,       // sender IP is ours, from another MAC: counted, ignored
  looped_back,    // our own packet (sender MAC is ours): ignored
  bad_sender,     // zero/group sender MAC or non-unicast sender IP: ignored
  bad_operation,  // neither request nor reply: ignored
};
std::ostream& operator<<(std::ostream& os, ArpVerdict v);

struct [[nodiscard]] ArpInputResult {
  ArpVerdict verdict = ArpVerdict::not_learned;
  // Set for a request whose target is our IP (probes included): send this
  // ArpRepr::reply_to(request, my_mac), unicast to reply->target_hardware.
  std::optional<ArpRepr> reply;
  // Datagrams that waited for the sender's MAC, in arrival order: send now.
  std::vector<ReadyPacket> released;
};

struct ArpCounters {
  std::uint64_t requests_sent = 0;        // emitted by poll()
  std::uint64_t requests_received = 0;    // requests that passed screening
  std::uint64_t replies_received = 0;     // replies that passed screening
  std::uint64_t requests_answered = 0;    // replies handed to the caller
  std::uint64_t hits = 0;                 // lookup/resolve found a MAC
  std::uint64_t misses = 0;               // lookup/resolve found none
  std::uint64_t queued = 0;               // datagrams accepted into a queue
  std::uint64_t released = 0;             // queued datagrams released as ReadyPacket
  std::uint64_t queue_drops = 0;          // ResolveStatus::queue_full
  std::uint64_t table_full_drops = 0;     // ResolveStatus::table_full
  std::uint64_t resolution_failures = 0;  // entries that ran out of retries
  std::uint64_t failed_packets = 0;       // datagrams returned as FailedPacket (failure or flush)
  std::uint64_t entries_expired = 0;      // reachable entries removed at expiry
  std::uint64_t evictions = 0;            // reachable entries removed to make room
  std::uint64_t conflicts = 0;            // ARP from another host claiming our IP
  std::uint64_t probes = 0;               // ARP with sender IP 0.0.0.0
  std::uint64_t ignored = 0;              // bad_sender + bad_operation + looped_back
  friend bool operator==(const ArpCounters&, const ArpCounters&) = default;
};

enum class StaticEntryError : std::uint8_t {
  invalid_address,  // the IP is not unicast
  table_full,       // no room (all entries incomplete or permanent)
};
std::ostream& operator<<(std::ostream& os, StaticEntryError e);

class ArpCache {
 public:
  explicit ArpCache(ArpCacheConfig config = {});

  const ArpCacheConfig& config() const { return config_; }
  const ArpCounters& counters() const { return counters_; }
  // Stored entries, possibly including expired ones not yet removed.
  std::size_t size() const { return entries_.size(); }

  // The MAC of a reachable or permanent entry; expired and incomplete entries
  // are misses. Counts hits/misses; does not refresh the entry.
  std::optional<MacAddress> lookup(Ipv4Address ip, Instant now);

  // The egress path. Precondition: next_hop.is_unicast() (broadcast and
  // multicast destinations are mapped by the IP layer, not resolved).
  // `datagram` is moved from only when it is queued: on a hit the caller
  // still owns it and sends it (no copy on the fast path).
  ResolveResult resolve_or_queue(Ipv4Address next_hop, ByteVec&& datagram, Instant now);
  // The hit half of resolve_or_queue(), for a datagram built in place in a
  // frame buffer: the MAC (a hit, counted) or nullopt, counting nothing: the
  // caller then copies the datagram out and calls resolve_or_queue(), which
  // counts the miss.
  std::optional<MacAddress> resolved(Ipv4Address next_hop, Instant now);
  // A resolved entry's MAC and the instant it expires, counting nothing: for
  // a caller that caches the answer until then or until generation()
  // changes, and calls count_hit() for each use.
  struct Hit {
    MacAddress mac;
    Instant until;
  };
  std::optional<Hit> resolved_until(Ipv4Address next_hop, Instant now);
  // Changes whenever a resolved entry changes or goes (a new MAC, a refresh,
  // an expiry, an eviction, a flush).
  std::uint64_t generation() const { return generation_; }
  // A hit answered from such a cache (resolved() counts its own).
  void count_hit() { ++counters_.hits; }

  // Whether a resolution of `ip` is in progress (datagrams to it would wait
  // in the queue), and whether any is.
  bool resolving(Ipv4Address ip) const;
  bool resolving_any() const;

  // Due work at `now`: ARP requests to send and failed resolutions.
  ArpPollResult poll(Instant now);
  // The earliest deadline of a pending resolution, or nullopt if none.
  std::optional<Instant> poll_at() const;

  // A received ARP packet on this interface, whose address is my_ip (may be
  // 0.0.0.0 while unconfigured: then nothing targets us) and MAC my_mac.
  ArpInputResult on_arp(const ArpRepr& arp, Ipv4Address my_ip, MacAddress my_mac, Instant now);

  // Adds or replaces a permanent entry (`ip neigh replace ... nud permanent`).
  // Datagrams waiting on an incomplete entry for `ip` are returned, to send.
  // `now` is used only to purge expired entries when the table is full.
  Result<std::vector<ReadyPacket>, StaticEntryError> add_static(Ipv4Address ip, MacAddress mac, Instant now);

  // Removes every non-permanent entry (`ip neigh flush`, e.g. on link down).
  // Datagrams that were waiting come back as failed, IP order then queue order.
  [[nodiscard]] std::vector<FailedPacket> flush();

  // Live entries (not expired at `now`) in IP order, for printing.
  std::vector<ArpEntryInfo> entries(Instant now) const;

 private:
  struct Entry {
    ArpState state = ArpState::incomplete;
    MacAddress mac{};
    Instant expires_at{};             // reachable
    Instant next_at{};                // incomplete: next request, or failure once all are sent
    std::uint32_t requests_sent = 0;  // incomplete
    std::vector<ByteVec> queue;       // incomplete, arrival order
    std::size_t queued_bytes = 0;     // of queue, each datagram + kQueuedOverhead
  };
  using Map = std::map<Ipv4Address, Entry>;

  void advance(Instant now);
  Map::iterator find_live(Ipv4Address ip, Instant now);
  bool make_room(Instant now);
  void purge_expired(Instant now);
  Duration wait_after(std::uint32_t requests_sent) const;
  std::vector<ReadyPacket> complete(Map::iterator it, MacAddress mac, Instant now);

  ArpCacheConfig config_;
  Map entries_;
  std::size_t queued_total_ = 0;
  Instant last_now_ = Instant::min();
  std::uint64_t generation_ = 0;
  ArpCounters counters_;
};

}  // namespace wirestack::link
