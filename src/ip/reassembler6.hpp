// ip/reassembler6.hpp — puts IPv6 fragments back together (RFC 8200 4.5),
// dropping overlaps (RFC 5722), handling atomic fragments alone (RFC 6946),
// with a 60 s timeout and a memory bound.
//
// Input is what walk_ipv6_chain() (wire/ipv6_ext.hpp) returned for a packet
// with a Fragment header: the checked packet and its Ipv6FragmentInfo. The
// walker has already answered the per-fragment errors with a Parameter
// Problem (M = 1 with a length not a multiple of 8, pointer 4; offset +
// length past 65535, pointer at the offset; a first fragment without the
// whole header chain, code 3, RFC 7112), so those never reach accept() from
// the interface; if they do (accept_packet() on raw bytes) they are counted
// and dropped here too.
//
// Fragments belong together when they share (source, destination,
// identification) (RFC 8200 4.5). The reassembled packet is fragment 0's
// Unfragmentable Part, its last Next Header taken from fragment 0's Fragment
// header, its Payload Length recomputed, then the fragments' data in offset
// order; the Fragment header is gone, so the result can go through the
// walker again as a whole packet.
//
// Rules, and what each drop is counted as (Reassembler6Stats):
//  * Timeout: 60 s from the first-arriving fragment (RFC 8200 4.5: "within
//    60 seconds of the reception of the first-arriving fragment"), inclusive
//    deadline. poll(now) reports each expiry; if fragment 0 arrived it
//    carries the quote for ICMPv6 Time Exceeded code 1 (fragment 0 as
//    received, at most 1232 bytes, RFC 4443 2.4(c)): "If the first fragment
//    ... has been received, an ICMP Time Exceeded -- Fragment Reassembly Time
//    Exceeded message should be sent to the source of that fragment."
//  * Overlap (RFC 5722 4): the whole datagram is dropped silently, and later
//    fragments of it until its deadline (`overlaps_dropped`,
//    `poisoned_drops`). An exact duplicate is ignored (`duplicates_ignored`).
//  * Inconsistent ends, as for IPv4 (`inconsistent_drops`, poisoned). The
//    bookkeeping of fragments and holes is ip/fragment_data.hpp, shared.
//  * Oversize: a reassembled Payload Length over 65535 (`oversize_drops`,
//    poisoned). The walker answers it with Parameter Problem code 0.
//  * Malformed: M = 1 with an empty payload or one not a multiple of 8, or
//    bytes that do not walk (`malformed_drops`); a first fragment without the
//    whole chain (`incomplete_chain_drops`).
//  * Atomic fragments (offset 0, M = 0) are returned at once without their
//    Fragment header and never meet other fragments with the same key
//    (RFC 6946 4) (`atomic`).
//  * Memory: as ip/reassembler.hpp (4 MiB, 1024 datagrams, oldest evicted).
//
// Sans-IO and deterministic, like Reassembler.
//
//   Reassembler6 frags;
//   auto chain = walk_ipv6_chain(*ip);
//   if (auto* d = std::get_if<Ipv6Deliver>(&chain); d && d->fragment) {
//     auto r = frags.accept(*ip, *d->fragment, now);
//     if (auto* done = std::get_if<Reassembled6>(&r)) input_again(done->packet);
//   }
//   for (const auto& t : frags.poll(now))                 // at frags.poll_at()
//     if (t.first_fragment_received) send_time_exceeded(t.key.src, code 1, t.quote);
#pragma once

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string_view>
#include <variant>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "ip/fragment_data.hpp"
#include "ip/reassembler.hpp"
#include "wire/ipv6.hpp"
#include "wire/ipv6_ext.hpp"

namespace wirestack::ip {

struct Reassembler6Config {
  Duration timeout = std::chrono::seconds{60};  // RFC 8200 4.5
  std::size_t memory_limit = std::size_t{4} << 20;
  std::size_t max_datagrams = 1024;
  std::size_t per_fragment_overhead = 64;
};

// RFC 8200 4.5: "Fragment Identification, Source Address, Destination Address".
struct Fragment6Key {
  Ipv6Address src{};
  Ipv6Address dst{};
  std::uint32_t ident = 0;

  friend auto operator<=>(const Fragment6Key&, const Fragment6Key&) = default;
};

std::ostream& operator<<(std::ostream& os, const Fragment6Key& k);

struct Reassembler6Stats {
  std::uint64_t fragments_received = 0;
  std::uint64_t reassembled = 0;
  std::uint64_t atomic = 0;  // atomic fragments passed through (RFC 6946)
  std::uint64_t timeouts = 0;
  std::uint64_t overlaps_dropped = 0;
  std::uint64_t duplicates_ignored = 0;
  std::uint64_t inconsistent_drops = 0;
  std::uint64_t oversize_drops = 0;
  std::uint64_t memory_drops = 0;
  std::uint64_t malformed_drops = 0;
  std::uint64_t incomplete_chain_drops = 0;
  std::uint64_t poisoned_drops = 0;

  friend bool operator==(const Reassembler6Stats&, const Reassembler6Stats&) = default;
};

// A whole packet: IPv6 header, Unfragmentable Part, then the data.
struct Reassembled6 {
  ByteVec packet;
  Ipv6Packet view() const { return Ipv6Packet(packet); }
};

enum class Reassembly6Drop : std::uint8_t {
  duplicate,
  overlap,
  inconsistent,
  oversize,
  malformed,
  incomplete_chain,
  memory,
  poisoned,
};

std::string_view to_string(Reassembly6Drop d);
std::ostream& operator<<(std::ostream& os, Reassembly6Drop d);

using Reassembly6Result = std::variant<ReassemblyPending, Reassembled6, Reassembly6Drop>;

struct Reassembly6Timeout {
  Fragment6Key key;
  Instant deadline;
  bool first_fragment_received = false;
  ByteVec quote;  // fragment 0 as received (at most 1232 bytes); empty otherwise
};

class Reassembler6 {
 public:
  explicit Reassembler6(Reassembler6Config config = {});

  // One fragment: the checked packet and its Fragment header as the walker
  // found it. Precondition: `frag` describes `packet` (data_offset() <=
  // packet.packet().size()). The result owns its bytes.
  Reassembly6Result accept(Ipv6Packet packet, const Ipv6FragmentInfo& frag, Instant now);

  // The same from bytes: checked and walked first. A packet without a
  // Fragment header comes back whole; one that does not walk is `malformed`
  // (`incomplete_chain` for RFC 7112's case).
  Reassembly6Result accept_packet(Bytes packet, Instant now, const Ipv6ChainLimits& limits = {});

  std::vector<Reassembly6Timeout> poll(Instant now);
  void clear();
  std::optional<Instant> poll_at() const;

  const Reassembler6Stats& stats() const { return stats_; }
  const Reassembler6Config& config() const { return config_; }
  std::size_t memory_used() const { return memory_used_; }
  std::size_t in_progress() const { return entries_.size(); }

 private:
  using AgeKey = std::pair<Instant, std::uint64_t>;  // (deadline, creation sequence)
  struct Entry {
    AgeKey age;
    bool poisoned = false;
    bool have_first = false;
    ByteVec unfragmentable;  // fragment 0's, Next Header restored; empty until it arrives
    ByteVec quote;           // fragment 0 as received, for Time Exceeded
    FragmentData data;
    std::size_t charged = 0;
  };
  using EntryMap = std::map<Fragment6Key, Entry>;

  void expire(Instant now);
  EntryMap::iterator create(const Fragment6Key& key, Instant now);
  void erase(EntryMap::iterator it);
  void poison(EntryMap::iterator it);
  bool evict_oldest(const Fragment6Key& keep);
  Reassembly6Result store(EntryMap::iterator it, Ipv6Packet packet, const Ipv6FragmentInfo& frag);

  Reassembler6Config config_;
  Reassembler6Stats stats_;
  EntryMap entries_;
  std::map<AgeKey, Fragment6Key> by_age_;
  std::vector<Reassembly6Timeout> expired_;
  std::uint64_t next_seq_ = 0;
  std::size_t memory_used_ = 0;
};

// The Unfragmentable Part of `packet` up to `frag`'s header, with the Next
// Header byte that named the Fragment header set to the fragment's own Next
// Header, followed by `data`, Payload Length fixed: the packet as if it had
// never had a Fragment header. Precondition: the result fits 65535 bytes of
// payload.
ByteVec without_fragment_header(Ipv6Packet packet, const Ipv6FragmentInfo& frag, Bytes data);

}  // namespace wirestack::ip
