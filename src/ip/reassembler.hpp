// ip/reassembler.hpp — puts IPv4 fragments back together (RFC 791 3.2
// "Reassembly", RFC 815 hole descriptors, RFC 1122 3.3.2), with a timeout,
// a memory bound and no tolerance for overlaps.
//
// Fragments belong together when they share (source, destination, protocol,
// identification) (RFC 791). The reassembled datagram gets the first
// fragment's header with MF = 0, offset 0, the new total length and a fresh
// checksum; its data are the fragments' data in offset order.
//
// Rules, and what each drop is counted as (ReassemblerStats):
//  * Timeout: a datagram has `timeout` (default 30 s, as Linux's
//    ipfrag_time; RFC 1122 3.3.2 recommends 60-120 s, RFC 791 a 15 s lower
//    bound) from its *first* fragment; later fragments do not extend it.
//    The deadline is inclusive: at now == deadline it has expired. poll(now)
//    reports each expiry (`timeouts`) with whether fragment 0 arrived and,
//    if it did, its header + first 8 data bytes to quote in ICMP time exceeded
//    code 1: RFC 1122 3.3.2 sends that message only "if fragment zero has been
//    received". poll_at() is the earliest deadline.
//  * Overlap: a fragment whose data overlap data already held drops the whole
//    datagram (`overlaps_dropped`), in the spirit of RFC 5722 (the IPv6 rule,
//    against teardrop-style attacks and ambiguous reassembly). An exact
//    duplicate (same offset, length, MF and bytes; links duplicate frames) is
//    ignored and the datagram kept (`duplicates_ignored`), as RFC 8200 4.5
//    allows. After an overlap, later fragments of that datagram are discarded
//    (`poisoned_drops`) until its deadline, so the rest cannot start a new,
//    bogus reassembly.
//  * Inconsistent ends: a second last fragment (MF = 0) with a different
//    end, a last fragment ending before data already held, or data past the
//    known end drops the datagram (`inconsistent_drops`), poisoned as above.
//  * Oversize: a datagram that would be longer than 65535 bytes (ping of
//    death) is dropped (`oversize_drops`), poisoned as above.
//  * Malformed fragment: MF set with a payload that is empty or not a
//    multiple of 8 (RFC 791), or bytes that do not parse: that fragment alone
//    is dropped (`malformed_drops`).
//  * Memory: bytes held (payload + the first header + `per_fragment_overhead`
//    per fragment, an estimate of bookkeeping) are capped by `memory_limit`
//    (default 4 MiB, Linux's ipfrag_high_thresh) and datagrams in progress
//    (poisoned ones included) by `max_datagrams`. When a fragment would pass
//    a bound, the *oldest* other datagrams are dropped until it fits
//    (`memory_drops`, one per live datagram dropped); if it still does not
//    fit, its own datagram is dropped. Oldest-first favours datagrams that
//    are still arriving over ones that have likely lost a fragment. (Linux
//    since 4.17 instead refuses new fragments while over the threshold.)
// A datagram that is not a fragment (MF = 0 and offset 0) is returned as it
// is, with no state and no counter.
//
// Sans-IO and deterministic: time is the `now` argument, all state is in
// ordered maps, and dropped datagrams produce no output besides counters.
//
//   Reassembler frags;                                   // default config
//   auto r = frags.accept(repr, ip->payload(), now);
//   if (auto* done = std::get_if<Reassembled>(&r)) deliver(done->header, done->payload());
//   ...
//   for (const auto& t : frags.poll(now))                // at frags.poll_at()
//     if (t.first_fragment_received) send_time_exceeded_reassembly(t.quote);
#pragma once

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "ip/fragment_data.hpp"
#include "wire/error.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv4_address.hpp"

namespace wirestack::ip {

struct ReassemblerConfig {
  Duration timeout = std::chrono::seconds{30};
  std::size_t memory_limit = std::size_t{4} << 20;  // bytes, across all datagrams
  std::size_t max_datagrams = 1024;                  // in progress at once; >= 1
  std::size_t per_fragment_overhead = 64;            // bytes charged per fragment besides its data
};

// RFC 791: the fragments of one datagram share these four fields.
struct FragmentKey {
  Ipv4Address src{};
  Ipv4Address dst{};
  IpProtocol protocol{};
  std::uint16_t ident = 0;

  friend auto operator<=>(const FragmentKey&, const FragmentKey&) = default;
};

std::ostream& operator<<(std::ostream& os, const FragmentKey& k);

struct ReassemblerStats {
  std::uint64_t fragments_received = 0;  // fragments given to accept() (that parsed)
  std::uint64_t reassembled = 0;         // datagrams completed
  std::uint64_t timeouts = 0;            // incomplete datagrams expired
  std::uint64_t overlaps_dropped = 0;    // datagrams dropped: overlapping fragment
  std::uint64_t duplicates_ignored = 0;  // exact duplicate fragments ignored
  std::uint64_t inconsistent_drops = 0;  // datagrams dropped: contradictory ends
  std::uint64_t oversize_drops = 0;      // datagrams dropped: longer than 65535 bytes
  std::uint64_t memory_drops = 0;        // datagrams dropped by the memory or count bound
  std::uint64_t malformed_drops = 0;     // fragments dropped: bad length, or unparsable
  std::uint64_t poisoned_drops = 0;      // fragments of a datagram dropped earlier

  friend bool operator==(const ReassemblerStats&, const ReassemblerStats&) = default;
};

// accept() kept the fragment; the datagram is not complete yet.
struct ReassemblyPending {
  friend bool operator==(const ReassemblyPending&, const ReassemblyPending&) = default;
};

// A whole datagram: `datagram` is header + data, ready to parse or deliver.
struct Reassembled {
  Ipv4Repr header;  // as emitted into datagram: MF 0, offset 0, payload_len the total
  ByteVec datagram;

  Bytes payload() const { return Bytes(datagram).subspan(header.header_len()); }
};

// Why accept() dropped a fragment (see the file comment for each rule).
enum class ReassemblyDrop : std::uint8_t {
  duplicate,     // exact copy of a fragment held: ignored, datagram kept
  overlap,       // whole datagram dropped
  inconsistent,  // whole datagram dropped
  oversize,      // whole datagram dropped
  malformed,     // this fragment dropped
  memory,        // its datagram dropped (or never started)
  poisoned,      // its datagram was dropped earlier
};

std::string_view to_string(ReassemblyDrop d);
std::ostream& operator<<(std::ostream& os, ReassemblyDrop d);

using ReassemblyResult = std::variant<ReassemblyPending, Reassembled, ReassemblyDrop>;

// An incomplete datagram whose time ran out.
struct ReassemblyTimeout {
  FragmentKey key;
  Instant deadline;  // when it expired (<= the now given to poll())
  bool first_fragment_received = false;
  // If fragment 0 arrived: its header as received (re-emitted from its
  // Repr) plus its first 8 data bytes (fewer if it had fewer), what RFC 792
  // says an ICMP error quotes. Empty otherwise.
  ByteVec quote;
};

class Reassembler {
 public:
  explicit Reassembler(ReassemblerConfig config = {});

  // One received fragment: its parsed header and its data (`payload.size()
  // == header.payload_len`, as Ipv4Packet::payload() gives). Datagrams whose
  // deadline is <= now are expired first (their reports wait for poll()).
  // The returned Reassembled owns its bytes; nothing borrows `payload`.
  ReassemblyResult accept(const Ipv4Repr& header, Bytes payload, Instant now);

  // The same from bytes: checked and parsed (mode.verify_rx) first; a parse
  // error is `malformed`.
  ReassemblyResult accept_datagram(Bytes datagram, Instant now, ChecksumMode mode = {});

  // Expires every datagram whose deadline is <= now and returns the reports,
  // in deadline order (ties: first created first). Poisoned datagrams expire
  // silently.
  std::vector<ReassemblyTimeout> poll(Instant now);
  // Forgets every datagram being reassembled, without reports (a host that
  // crashed). The statistics stay.
  void clear();

  // When poll() next has something to do: the earliest deadline of any
  // datagram held, poisoned ones included (possibly already past, if
  // accept() expired datagrams whose reports poll() has not returned yet);
  // nullopt when nothing is held.
  std::optional<Instant> poll_at() const;

  const ReassemblerStats& stats() const { return stats_; }
  const ReassemblerConfig& config() const { return config_; }
  std::size_t memory_used() const { return memory_used_; }
  // Datagrams held, poisoned ones included.
  std::size_t in_progress() const { return entries_.size(); }

 private:
  using AgeKey = std::pair<Instant, std::uint64_t>;  // (deadline, creation sequence)
  struct Entry {
    AgeKey age;
    bool poisoned = false;
    std::optional<Ipv4Repr> first;  // header of fragment 0
    FragmentData data;
    std::size_t charged = 0;  // bytes counted in memory_used_
  };
  using EntryMap = std::map<FragmentKey, Entry>;

  void expire(Instant now);
  EntryMap::iterator create(const FragmentKey& key, Instant now);
  void erase(EntryMap::iterator it);
  void poison(EntryMap::iterator it);
  // Drops the oldest datagram other than `keep`; false if there is none.
  bool evict_oldest(const FragmentKey& keep);
  ReassemblyResult store(EntryMap::iterator it, const Ipv4Repr& header, Bytes payload);
  Reassembled assemble(const Entry& e) const;

  ReassemblerConfig config_;
  ReassemblerStats stats_;
  EntryMap entries_;
  std::map<AgeKey, FragmentKey> by_age_;  // deadline order == creation order
  std::vector<ReassemblyTimeout> expired_;  // reports waiting for poll()
  std::uint64_t next_seq_ = 0;
  std::size_t memory_used_ = 0;
};

}  // namespace wirestack::ip
