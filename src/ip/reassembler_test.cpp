// ip/reassembler_test.cpp — RFC 791 / RFC 815 reassembly: any arrival
// order, duplicates, overlaps (drop the datagram), inconsistent and oversize
// datagrams, the timeout at its exact instant with the "fragment 0 seen"
// flag and quote, the memory and count bounds, interleaved datagrams, and a
// fragmenter -> reassembler round trip over many sizes and MTUs.
#include "ip/reassembler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "base/rng.hpp"
#include "ip/fragmenter.hpp"

namespace wirestack::ip {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

const Instant kT0 = at(seconds{100});

Ipv4Repr udp_header(std::size_t payload_len, std::uint16_t ident = 0x1234) {
  return Ipv4Repr{.src = Ipv4Address(10, 0, 1, 2),
                  .dst = Ipv4Address(10, 0, 2, 3),
                  .protocol = IpProtocol::udp,
                  .ttl = 61,
                  .ident = ident,
                  .payload_len = static_cast<std::uint16_t>(payload_len)};
}

ByteVec pattern(std::size_t n, unsigned seed = 0) {
  ByteVec v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 13 + seed + i / 256) & 0xff);
  return v;
}

ByteVec emit_datagram(const Ipv4Repr& h, Bytes payload) {
  ByteVec out(h.total_len());
  Ipv4PacketMut p(out);
  h.emit(p);
  std::ranges::copy(payload, p.payload().begin());
  return out;
}

// A hand-made fragment: `len` bytes of `data` from `offset`.
ByteVec frag(const Ipv4Repr& whole, Bytes data, std::size_t offset, std::size_t len, bool more) {
  Ipv4Repr h = whole;
  h.frag_offset = static_cast<std::uint16_t>(offset);
  h.more_fragments = more;
  h.payload_len = static_cast<std::uint16_t>(len);
  return emit_datagram(h, data.subspan(offset, len));
}

std::vector<ByteVec> cut(const Ipv4Repr& h, Bytes payload, std::size_t mtu) {
  auto frags = fragment(h, payload, mtu);
  EXPECT_TRUE(frags.has_value());
  return frags.value_or(std::vector<ByteVec>{});
}

bool is_pending(const ReassemblyResult& r) { return std::holds_alternative<ReassemblyPending>(r); }

std::optional<ReassemblyDrop> drop_of(const ReassemblyResult& r) {
  if (const auto* d = std::get_if<ReassemblyDrop>(&r)) return *d;
  return std::nullopt;
}

// Feeds fragments in the given order; expects the last one to complete the
// datagram and returns it.
std::optional<Reassembled> feed(Reassembler& r, const std::vector<ByteVec>& frags, Instant now = kT0) {
  for (std::size_t i = 0; i < frags.size(); ++i) {
    auto res = r.accept_datagram(frags[i], now);
    if (i + 1 < frags.size()) {
      EXPECT_TRUE(is_pending(res)) << "fragment " << i;
    } else if (auto* done = std::get_if<Reassembled>(&res)) {
      return std::move(*done);
    }
  }
  ADD_FAILURE() << "not reassembled";
  return std::nullopt;
}

TEST(Reassembler, InOrder) {
  const Ipv4Repr h = udp_header(4000);
  const ByteVec payload = pattern(4000);
  Reassembler r;
  const auto done = feed(r, cut(h, payload, 1500));
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->datagram, emit_datagram(h, payload));
  EXPECT_EQ(done->header, h);
  EXPECT_TRUE(std::ranges::equal(done->payload(), payload));
  EXPECT_EQ(r.stats().fragments_received, 3u);
  EXPECT_EQ(r.stats().reassembled, 1u);
  EXPECT_EQ(r.in_progress(), 0u);
  EXPECT_EQ(r.memory_used(), 0u);
  EXPECT_EQ(r.poll_at(), std::nullopt);
}

TEST(Reassembler, ClearForgetsWhatWasWaiting) {
  const Ipv4Repr h = udp_header(4000);
  const auto pieces = cut(h, pattern(4000), 1500);
  Reassembler r;
  EXPECT_TRUE(is_pending(r.accept_datagram(pieces[0], kT0)));
  EXPECT_TRUE(is_pending(r.accept_datagram(pieces[1], kT0)));
  ASSERT_EQ(r.in_progress(), 1u);
  r.clear();
  EXPECT_EQ(r.in_progress(), 0u);
  EXPECT_EQ(r.memory_used(), 0u);
  EXPECT_EQ(r.poll_at(), std::nullopt);
  EXPECT_TRUE(is_pending(r.accept_datagram(pieces[2], kT0)));  // the rest alone makes nothing
}

TEST(Reassembler, ReverseOrder) {
  const Ipv4Repr h = udp_header(5000);
  const ByteVec payload = pattern(5000);
  auto frags = cut(h, payload, 576);
  std::ranges::reverse(frags);
  Reassembler r;
  const auto done = feed(r, frags);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->datagram, emit_datagram(h, payload));
}

TEST(Reassembler, RandomOrderManySizes) {
  Rng rng(7);
  Reassembler r;
  std::uint64_t fragmented = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t size = 1 + rng.below(20000);
    const std::size_t mtu = kMinIpv4Mtu + rng.below(1500);
    const auto ident = static_cast<std::uint16_t>(trial);
    const Ipv4Repr h = udp_header(size, ident);
    const ByteVec payload = pattern(size, static_cast<unsigned>(trial));
    auto frags = cut(h, payload, mtu);
    if (frags.size() > 1) ++fragmented;
    // Fisher-Yates with the seeded generator.
    for (std::size_t i = frags.size(); i > 1; --i) std::swap(frags[i - 1], frags[rng.below(i)]);
    const auto now = kT0 + milliseconds{trial};
    std::optional<Reassembled> done;
    for (std::size_t i = 0; i < frags.size(); ++i) {
      auto res = r.accept_datagram(frags[i], now);
      if (auto* d = std::get_if<Reassembled>(&res)) {
        EXPECT_EQ(i + 1, frags.size()) << "completed early";
        done = std::move(*d);
      }
    }
    ASSERT_TRUE(done.has_value()) << "size " << size << " mtu " << mtu;
    ASSERT_EQ(done->datagram, emit_datagram(h, payload)) << "size " << size << " mtu " << mtu;
  }
  EXPECT_EQ(r.stats().reassembled, fragmented);  // the others fitted: no reassembly
  EXPECT_GT(fragmented, 250u);
  EXPECT_EQ(r.in_progress(), 0u);
  EXPECT_EQ(r.memory_used(), 0u);
}

TEST(Reassembler, ExactDuplicateIsIgnored) {
  const Ipv4Repr h = udp_header(3000);
  const ByteVec payload = pattern(3000);
  const auto frags = cut(h, payload, 1500);  // 1480 + 1480 + 40
  Reassembler r;
  EXPECT_TRUE(is_pending(r.accept_datagram(frags[0], kT0)));
  EXPECT_EQ(drop_of(r.accept_datagram(frags[0], kT0)), ReassemblyDrop::duplicate);
  EXPECT_TRUE(is_pending(r.accept_datagram(frags[2], kT0)));
  EXPECT_EQ(drop_of(r.accept_datagram(frags[2], kT0)), ReassemblyDrop::duplicate);  // a last fragment too
  const auto done = r.accept_datagram(frags[1], kT0);
  ASSERT_TRUE(std::holds_alternative<Reassembled>(done));
  EXPECT_EQ(std::get<Reassembled>(done).datagram, emit_datagram(h, payload));
  EXPECT_EQ(r.stats().duplicates_ignored, 2u);
  EXPECT_EQ(r.stats().overlaps_dropped, 0u);
  // A duplicate after completion starts a new datagram (it cannot know).
  EXPECT_TRUE(is_pending(r.accept_datagram(frags[1], kT0)));
}

TEST(Reassembler, OverlapDropsTheWholeDatagram) {
  const Ipv4Repr h = udp_header(64);
  const ByteVec data = pattern(64);
  Reassembler r;
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(h, data, 0, 16, true), kT0)));
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(h, data, 32, 16, true), kT0)));
  EXPECT_GT(r.memory_used(), 0u);
  // [8, 24) overlaps [0, 16).
  EXPECT_EQ(drop_of(r.accept_datagram(frag(h, data, 8, 16, true), kT0)), ReassemblyDrop::overlap);
  EXPECT_EQ(r.stats().overlaps_dropped, 1u);
  EXPECT_EQ(r.memory_used(), 0u);  // everything held was freed
  // The rest of the datagram is discarded, even pieces that would fit.
  EXPECT_EQ(drop_of(r.accept_datagram(frag(h, data, 16, 16, true), kT0)), ReassemblyDrop::poisoned);
  EXPECT_EQ(drop_of(r.accept_datagram(frag(h, data, 48, 16, false), kT0)), ReassemblyDrop::poisoned);
  EXPECT_EQ(r.stats().poisoned_drops, 2u);
  EXPECT_EQ(r.stats().reassembled, 0u);
  // Until its deadline, which passes silently (it was counted as an overlap).
  EXPECT_EQ(r.poll_at(), kT0 + seconds{30});
  EXPECT_TRUE(r.poll(kT0 + seconds{30}).empty());
  EXPECT_EQ(r.stats().timeouts, 0u);
  EXPECT_EQ(r.in_progress(), 0u);
  // Then the same key may reassemble again.
  const auto later = kT0 + seconds{31};
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(h, data, 0, 32, true), later)));
  EXPECT_TRUE(std::holds_alternative<Reassembled>(r.accept_datagram(frag(h, data, 32, 32, false), later)));
}

TEST(Reassembler, SameOffsetDifferentBytesIsAnOverlap) {
  const Ipv4Repr h = udp_header(32);
  const ByteVec data = pattern(32);
  const ByteVec other = pattern(32, 99);
  Reassembler r;
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(h, data, 0, 16, true), kT0)));
  EXPECT_EQ(drop_of(r.accept_datagram(frag(h, other, 0, 16, true), kT0)), ReassemblyDrop::overlap);
  // A fragment covering held data exactly plus more is an overlap too.
  Reassembler r2;
  EXPECT_TRUE(is_pending(r2.accept_datagram(frag(h, data, 8, 8, true), kT0)));
  EXPECT_EQ(drop_of(r2.accept_datagram(frag(h, data, 0, 24, true), kT0)), ReassemblyDrop::overlap);
}

TEST(Reassembler, InconsistentEndsDropTheDatagram) {
  const Ipv4Repr h = udp_header(64);
  const ByteVec data = pattern(64);
  {  // Two last fragments ending in different places.
    Reassembler r;
    EXPECT_TRUE(is_pending(r.accept_datagram(frag(h, data, 48, 16, false), kT0)));
    EXPECT_EQ(drop_of(r.accept_datagram(frag(h, data, 40, 8, false), kT0)), ReassemblyDrop::inconsistent);
    EXPECT_EQ(r.stats().inconsistent_drops, 1u);
  }
  {  // Data beyond the known end.
    Reassembler r;
    EXPECT_TRUE(is_pending(r.accept_datagram(frag(h, data, 32, 8, false), kT0)));
    EXPECT_EQ(drop_of(r.accept_datagram(frag(h, data, 40, 8, true), kT0)), ReassemblyDrop::inconsistent);
  }
  {  // A last fragment ending before data already held.
    Reassembler r;
    EXPECT_TRUE(is_pending(r.accept_datagram(frag(h, data, 48, 8, true), kT0)));
    EXPECT_EQ(drop_of(r.accept_datagram(frag(h, data, 16, 8, false), kT0)), ReassemblyDrop::inconsistent);
    EXPECT_EQ(drop_of(r.accept_datagram(frag(h, data, 0, 16, true), kT0)), ReassemblyDrop::poisoned);
  }
}

TEST(Reassembler, EmptyLastFragmentClosesTheDatagram) {
  // Legal if odd: all data in MF fragments, then a last fragment with none.
  const Ipv4Repr h = udp_header(32);
  const ByteVec data = pattern(32);
  Reassembler r;
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(h, data, 0, 32, true), kT0)));
  const auto done = r.accept_datagram(frag(h, data, 32, 0, false), kT0);
  ASSERT_TRUE(std::holds_alternative<Reassembled>(done));
  EXPECT_EQ(std::get<Reassembled>(done).datagram, emit_datagram(h, data));
  // Arriving first, and twice.
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(h, data, 32, 0, false), kT0)));
  EXPECT_EQ(drop_of(r.accept_datagram(frag(h, data, 32, 0, false), kT0)), ReassemblyDrop::duplicate);
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(h, data, 16, 16, true), kT0)));
  EXPECT_TRUE(std::holds_alternative<Reassembled>(r.accept_datagram(frag(h, data, 0, 16, true), kT0)));
  // One that disagrees with the known end.
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(h, data, 32, 0, false), kT0)));
  EXPECT_EQ(drop_of(r.accept_datagram(frag(h, data, 24, 0, false), kT0)), ReassemblyDrop::inconsistent);
}

TEST(Reassembler, MalformedFragmentsAreDroppedAlone) {
  const Ipv4Repr h = udp_header(64);
  const ByteVec data = pattern(64);
  Reassembler r;
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(h, data, 0, 16, true), kT0)));
  // RFC 791: a fragment with MF carries a multiple of 8 bytes, at least 8.
  EXPECT_EQ(drop_of(r.accept_datagram(frag(h, data, 16, 12, true), kT0)), ReassemblyDrop::malformed);
  EXPECT_EQ(drop_of(r.accept_datagram(frag(h, data, 16, 0, true), kT0)), ReassemblyDrop::malformed);
  EXPECT_EQ(drop_of(r.accept_datagram(bytes_of(0x45, 0x00), kT0)), ReassemblyDrop::malformed);
  ByteVec bad_sum = frag(h, data, 16, 48, false);
  bad_sum[10] ^= std::byte{0x40};
  EXPECT_EQ(drop_of(r.accept_datagram(bad_sum, kT0)), ReassemblyDrop::malformed);
  EXPECT_EQ(r.stats().malformed_drops, 4u);
  // The datagram itself is unharmed.
  const auto done = r.accept_datagram(frag(h, data, 16, 48, false), kT0);
  ASSERT_TRUE(std::holds_alternative<Reassembled>(done));
  EXPECT_EQ(std::get<Reassembled>(done).datagram, emit_datagram(h, data));
}

TEST(Reassembler, NonFragmentPassesThrough) {
  const Ipv4Repr h = udp_header(100);
  const ByteVec data = pattern(100);
  Reassembler r;
  const auto res = r.accept(h, data, kT0);
  ASSERT_TRUE(std::holds_alternative<Reassembled>(res));
  EXPECT_EQ(std::get<Reassembled>(res).datagram, emit_datagram(h, data));
  EXPECT_EQ(r.stats(), ReassemblerStats{});
}

TEST(Reassembler, OversizeDatagramIsDropped) {
  // Ping of death: a last fragment at offset 65528 with 16 bytes.
  const ByteVec data = pattern(65535 + 16);
  const Ipv4Repr h = udp_header(0);
  Reassembler r;
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(h, data, 0, 1480, true), kT0)));
  EXPECT_EQ(drop_of(r.accept_datagram(frag(h, data, 65528, 16, false), kT0)), ReassemblyDrop::oversize);
  EXPECT_EQ(r.stats().oversize_drops, 1u);
  EXPECT_EQ(drop_of(r.accept_datagram(frag(h, data, 1480, 1480, true), kT0)), ReassemblyDrop::poisoned);

  // 65500 bytes of data fit a 20-byte header but not a 60-byte one: caught
  // when fragment 0 (with 40 bytes of options) arrives.
  Ipv4Repr with_options = udp_header(0, 0x4321);
  with_options.options = *Ipv4Options::from_bytes(ByteVec(40, std::byte{1}));  // 40 NOPs
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(with_options, data, 65000, 500, false), kT0)));
  EXPECT_EQ(drop_of(r.accept_datagram(frag(with_options, data, 0, 1480, true), kT0)), ReassemblyDrop::oversize);
  EXPECT_EQ(r.stats().oversize_drops, 2u);
  // Exactly 65535 is fine.
  Reassembler ok;
  const Ipv4Repr max = udp_header(65515, 0x5555);
  const auto done = feed(ok, cut(max, Bytes(data).first(65515), 1500));
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->datagram.size(), 65535u);
}

TEST(Reassembler, TimeoutAtTheExactInstantWithFragmentZero) {
  const Ipv4Repr h = udp_header(3000);
  const ByteVec payload = pattern(3000);
  const auto frags = cut(h, payload, 1500);
  Reassembler r;
  EXPECT_EQ(r.poll_at(), std::nullopt);
  EXPECT_TRUE(is_pending(r.accept_datagram(frags[0], kT0)));
  EXPECT_TRUE(is_pending(r.accept_datagram(frags[2], kT0 + seconds{20})));  // does not extend it
  const Instant deadline = kT0 + seconds{30};
  EXPECT_EQ(r.poll_at(), deadline);
  EXPECT_TRUE(r.poll(deadline - nanoseconds{1}).empty());
  EXPECT_EQ(r.in_progress(), 1u);
  const auto expired = r.poll(deadline);
  ASSERT_EQ(expired.size(), 1u);
  const ReassemblyTimeout& t = expired[0];
  EXPECT_EQ(t.key, (FragmentKey{.src = h.src, .dst = h.dst, .protocol = h.protocol, .ident = h.ident}));
  EXPECT_EQ(t.deadline, deadline);
  EXPECT_TRUE(t.first_fragment_received);
  // The quote: fragment 0's header as sent, then its first 8 data bytes.
  EXPECT_TRUE(std::ranges::equal(t.quote, Bytes(frags[0]).first(20 + 8)));
  const auto quoted = Ipv4Repr::parse_quoted(t.quote);
  ASSERT_TRUE(quoted.has_value());
  EXPECT_TRUE(quoted->more_fragments);
  EXPECT_EQ(r.stats().timeouts, 1u);
  EXPECT_EQ(r.in_progress(), 0u);
  EXPECT_EQ(r.memory_used(), 0u);
  EXPECT_EQ(r.poll_at(), std::nullopt);
  EXPECT_TRUE(r.poll(deadline + seconds{100}).empty());
  // The last fragment after the timeout starts over and does not complete.
  EXPECT_TRUE(is_pending(r.accept_datagram(frags[1], deadline)));
}

TEST(Reassembler, TimeoutWithoutFragmentZeroHasNoQuote) {
  const Ipv4Repr h = udp_header(3000);
  const auto frags = cut(h, pattern(3000), 1500);
  Reassembler r(ReassemblerConfig{.timeout = seconds{15}});
  EXPECT_TRUE(is_pending(r.accept_datagram(frags[1], kT0)));
  EXPECT_TRUE(is_pending(r.accept_datagram(frags[2], kT0)));
  const auto expired = r.poll(kT0 + seconds{15});
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_FALSE(expired[0].first_fragment_received);
  EXPECT_TRUE(expired[0].quote.empty());
}

TEST(Reassembler, AcceptExpiresDueDatagramsAndPollReportsThem) {
  const Ipv4Repr a = udp_header(3000, 1);
  const Ipv4Repr b = udp_header(3000, 2);
  const auto fa = cut(a, pattern(3000), 1500);
  const auto fb = cut(b, pattern(3000), 1500);
  Reassembler r;
  EXPECT_TRUE(is_pending(r.accept_datagram(fa[0], kT0)));
  EXPECT_TRUE(is_pending(r.accept_datagram(fb[0], kT0 + seconds{1})));
  EXPECT_EQ(r.poll_at(), kT0 + seconds{30});  // the earliest of the two
  // A fragment of `a` at its deadline: `a` has expired, so it starts over.
  EXPECT_TRUE(is_pending(r.accept_datagram(fa[1], kT0 + seconds{30})));
  EXPECT_EQ(r.poll_at(), kT0 + seconds{30});  // the report waits for poll()
  const auto expired = r.poll(kT0 + seconds{30});
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].key.ident, 1);
  EXPECT_EQ(r.poll_at(), kT0 + seconds{31});  // b
  const auto both = r.poll(kT0 + seconds{60});
  ASSERT_EQ(both.size(), 2u);  // b, then the new a, in deadline order
  EXPECT_EQ(both[0].key.ident, 2);
  EXPECT_EQ(both[1].key.ident, 1);
  EXPECT_FALSE(both[1].first_fragment_received);
}

TEST(Reassembler, InterleavedDatagramsWithDifferentIdents) {
  Reassembler r;
  std::vector<std::vector<ByteVec>> all;
  std::vector<ByteVec> expected;
  for (std::uint16_t id = 0; id < 4; ++id) {
    const Ipv4Repr h = udp_header(2000 + id * 700u, id);
    const ByteVec payload = pattern(h.payload_len, id);
    all.push_back(cut(h, payload, 576));
    expected.push_back(emit_datagram(h, payload));
  }
  // Same ident, another protocol: a different datagram.
  Ipv4Repr icmp = udp_header(1000, 0);
  icmp.protocol = IpProtocol::icmp;
  all.push_back(cut(icmp, pattern(1000, 42), 576));
  expected.push_back(emit_datagram(icmp, pattern(1000, 42)));

  std::vector<ByteVec> done(all.size());
  for (std::size_t round = 0; round < 10; ++round) {
    for (std::size_t d = 0; d < all.size(); ++d) {
      if (round >= all[d].size()) continue;
      auto res = r.accept_datagram(all[d][round], kT0);
      if (auto* ok = std::get_if<Reassembled>(&res)) done[d] = ok->datagram;
    }
  }
  EXPECT_EQ(done, expected);
  EXPECT_EQ(r.stats().reassembled, all.size());
}

TEST(Reassembler, MemoryBoundDropsTheOldestDatagram) {
  // 1000 data bytes per fragment, no overhead: room for exactly three.
  Reassembler r(ReassemblerConfig{.memory_limit = 3000, .per_fragment_overhead = 0});
  const ByteVec data = pattern(4000);
  auto first_half = [&](std::uint16_t id) { return frag(udp_header(0, id), data, 1000, 1000, true); };
  EXPECT_TRUE(is_pending(r.accept_datagram(first_half(1), kT0)));
  EXPECT_TRUE(is_pending(r.accept_datagram(first_half(2), kT0 + seconds{1})));
  EXPECT_TRUE(is_pending(r.accept_datagram(first_half(3), kT0 + seconds{2})));
  EXPECT_EQ(r.memory_used(), 3000u);
  EXPECT_EQ(r.stats().memory_drops, 0u);
  EXPECT_TRUE(is_pending(r.accept_datagram(first_half(4), kT0 + seconds{3})));
  EXPECT_EQ(r.stats().memory_drops, 1u);
  EXPECT_EQ(r.memory_used(), 3000u);
  EXPECT_EQ(r.in_progress(), 3u);
  // Datagram 1 went: its deadline is no longer the earliest.
  EXPECT_EQ(r.poll_at(), kT0 + seconds{31});
  // Fragment 0 of datagram 2 costs 1000 + 20 (its header is kept): the
  // oldest others, 3 and then 4, make room; 2 itself is never evicted.
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(udp_header(0, 2), data, 0, 1000, true), kT0 + seconds{4})));
  EXPECT_EQ(r.stats().memory_drops, 3u);
  EXPECT_EQ(r.memory_used(), 2020u);
  EXPECT_EQ(r.in_progress(), 1u);
  // A fragment bigger than the whole budget drops its own datagram.
  EXPECT_EQ(drop_of(r.accept_datagram(frag(udp_header(0, 9), data, 0, 3992, true), kT0 + seconds{5})),
            ReassemblyDrop::memory);
  EXPECT_EQ(r.stats().memory_drops, 5u);  // 2 evicted, then 9 itself
  EXPECT_EQ(r.memory_used(), 0u);
  EXPECT_EQ(r.in_progress(), 0u);
}

TEST(Reassembler, DatagramCountBoundDropsTheOldest) {
  Reassembler r(ReassemblerConfig{.max_datagrams = 2});
  const ByteVec data = pattern(64);
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(udp_header(0, 1), data, 0, 8, true), kT0)));
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(udp_header(0, 2), data, 0, 8, true), kT0)));
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(udp_header(0, 3), data, 0, 8, true), kT0)));
  EXPECT_EQ(r.in_progress(), 2u);
  EXPECT_EQ(r.stats().memory_drops, 1u);
  // 1 is gone: its last fragment does not complete anything.
  EXPECT_TRUE(is_pending(r.accept_datagram(frag(udp_header(0, 1), data, 8, 8, false), kT0)));
  EXPECT_EQ(r.stats().memory_drops, 2u);  // and it pushed out 2
  // 3 is still there.
  EXPECT_TRUE(std::holds_alternative<Reassembled>(
      r.accept_datagram(frag(udp_header(0, 3), data, 8, 8, false), kT0)));
}

TEST(Reassembler, RoundTripThroughTheFragmenter) {
  for (const std::size_t mtu : {std::size_t{68}, std::size_t{576}, std::size_t{1500}}) {
    Reassembler r;
    for (std::size_t size = 0; size <= 3000; ++size) {
      const Ipv4Repr h = udp_header(size, static_cast<std::uint16_t>(size));
      const ByteVec payload = pattern(size, static_cast<unsigned>(mtu));
      const ByteVec original = emit_datagram(h, payload);
      const auto frags = cut(h, payload, mtu);
      std::optional<Reassembled> done;
      for (const auto& f : frags) {
        auto res = r.accept_datagram(f, kT0);
        if (auto* d = std::get_if<Reassembled>(&res)) done = std::move(*d);
      }
      ASSERT_TRUE(done.has_value()) << "size " << size << " mtu " << mtu;
      ASSERT_EQ(done->datagram, original) << "size " << size << " mtu " << mtu;
    }
    EXPECT_EQ(r.in_progress(), 0u);
    EXPECT_EQ(r.stats().duplicates_ignored + r.stats().overlaps_dropped + r.stats().malformed_drops, 0u);
  }
}

TEST(Reassembler, RoundTripKeepsTheFirstFragmentsOptions) {
  // Record Route (not copied), NOP, Stream ID (copied): later fragments
  // carry only the Stream ID, the reassembled header all of them.
  const auto opts = Ipv4Options::from_bytes(
      bytes_of(0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x04, 0x12, 0x34));
  ASSERT_TRUE(opts.has_value());
  Ipv4Repr h = udp_header(1000);
  h.options = *opts;
  const ByteVec payload = pattern(1000);
  auto frags = cut(h, payload, 100);
  std::ranges::reverse(frags);
  Reassembler r;
  const auto done = feed(r, frags);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->datagram, emit_datagram(h, payload));
  EXPECT_EQ(done->header.options, *opts);
}

TEST(Reassembler, RefragmentedFragmentsReassemble) {
  // A router cut a 4000-byte datagram for 1500, another cut each piece for 576.
  const Ipv4Repr h = udp_header(4000);
  const ByteVec payload = pattern(4000);
  std::vector<ByteVec> pieces;
  for (const auto& f : cut(h, payload, 1500)) {
    auto again = fragment_datagram(f, 576);
    ASSERT_TRUE(again.has_value());
    pieces.insert(pieces.end(), again->begin(), again->end());
  }
  Rng rng(3);
  for (std::size_t i = pieces.size(); i > 1; --i) std::swap(pieces[i - 1], pieces[rng.below(i)]);
  Reassembler r;
  const auto done = feed(r, pieces);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->datagram, emit_datagram(h, payload));
}

TEST(Reassembler, DropReasonsPrint) {
  std::ostringstream os;
  os << ReassemblyDrop::overlap << "; " << FragmentKey{.src = Ipv4Address(10, 0, 0, 1),
                                                       .dst = Ipv4Address(10, 0, 0, 2),
                                                       .protocol = IpProtocol::udp,
                                                       .ident = 7};
  EXPECT_EQ(os.str(), "overlapping fragment; 10.0.0.1 > 10.0.0.2 proto 17 id 7");
}

}  // namespace
}  // namespace wirestack::ip
