// storage/ring_buffer_test.cpp — the byte FIFO: lazy allocation, growth,
// shrink, capacity 0 and lowered capacities, partial writes, wraparound,
// peek across the wrap, zero-copy spans, out-of-order write_at/commit, and a
// seeded randomized comparison with a std::deque<std::byte> model.
#include "storage/ring_buffer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <sstream>
#include <string>
#include <vector>

#include "base/rng.hpp"

namespace wirestack::storage {
namespace {

// Bytes 0, 1, 2, ... (mod 256) starting at `from`.
ByteVec seq(std::size_t n, std::size_t from = 0) {
  ByteVec v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((from + i) & 0xff);
  return v;
}

ByteVec read_all(RingBuffer& rb) {
  ByteVec out(rb.size());
  EXPECT_EQ(rb.read(out), out.size());
  return out;
}

ByteVec join(SpanPair s) {
  ByteVec v(s.first.begin(), s.first.end());
  v.insert(v.end(), s.second.begin(), s.second.end());
  return v;
}

TEST(RingBuffer, IsSmallAndAllocatesNothingUntilTheFirstWrite) {
  static_assert(sizeof(RingBuffer) == 16);  // a pointer and two counts; the rest is in the block
  RingBuffer rb(64 * 1024);
  EXPECT_EQ(rb.allocated_bytes(), 0u);
  EXPECT_EQ(rb.size(), 0u);
  EXPECT_EQ(rb.capacity(), 64u * 1024);
  EXPECT_EQ(rb.free(), 64u * 1024);
  EXPECT_TRUE(rb.empty());

  // Reads, peeks, discards and spans of an empty buffer allocate nothing.
  ByteVec out(10);
  EXPECT_EQ(rb.read(out), 0u);
  EXPECT_EQ(rb.peek(0, out), 0u);
  rb.discard(0);
  EXPECT_TRUE(rb.readable_spans().empty());
  EXPECT_EQ(rb.write(Bytes{}), 0u);
  EXPECT_FALSE(rb.shrink());
  EXPECT_EQ(rb.allocated_bytes(), 0u);

  EXPECT_EQ(rb.heap_bytes(), 0u);

  EXPECT_EQ(rb.write(seq(1)), 1u);
  EXPECT_EQ(rb.allocated_bytes(), RingBuffer::kMinAllocation);
  EXPECT_EQ(rb.heap_bytes(), RingBuffer::kMinAllocation + 16);  // the block's header: head, pending
}

TEST(RingBuffer, CapacityZeroTakesNothing) {
  RingBuffer rb;
  EXPECT_EQ(rb.capacity(), 0u);
  EXPECT_EQ(rb.free(), 0u);
  EXPECT_EQ(rb.write(seq(5)), 0u);
  EXPECT_EQ(rb.write_at(0, seq(5)), 0u);
  EXPECT_EQ(rb.allocated_bytes(), 0u);
  EXPECT_TRUE(rb.empty());
}

TEST(RingBuffer, FirstAllocationIsCappedByCapacity) {
  RingBuffer rb(10);
  EXPECT_EQ(rb.write(seq(3)), 3u);
  EXPECT_EQ(rb.allocated_bytes(), 10u);
}

TEST(RingBuffer, PartialWriteWhenFull) {
  RingBuffer rb(10);
  EXPECT_EQ(rb.write(seq(7)), 7u);
  EXPECT_EQ(rb.free(), 3u);
  EXPECT_EQ(rb.write(seq(5, 7)), 3u);  // only 7, 8, 9 fit
  EXPECT_EQ(rb.free(), 0u);
  EXPECT_EQ(rb.write(seq(1)), 0u);
  EXPECT_EQ(read_all(rb), seq(10));
  EXPECT_EQ(rb.free(), 10u);
}

TEST(RingBuffer, WrapsAround) {
  RingBuffer rb(10);
  EXPECT_EQ(rb.write(seq(8)), 8u);
  ByteVec five(5);
  EXPECT_EQ(rb.read(five), 5u);
  EXPECT_EQ(five, seq(5));
  EXPECT_EQ(rb.write(seq(6, 8)), 6u);  // 8..13: two at the end, four at the front
  EXPECT_EQ(rb.size(), 9u);
  EXPECT_EQ(rb.allocated_bytes(), 10u);

  const SpanPair spans = rb.readable_spans();
  EXPECT_EQ(spans.first.size(), 5u);  // 5..9 at indexes 5..9
  EXPECT_EQ(spans.second.size(), 4u);  // 10..13 at indexes 0..3
  EXPECT_EQ(join(spans), seq(9, 5));
  EXPECT_EQ(read_all(rb), seq(9, 5));
}

TEST(RingBuffer, PeekAtOffsetsAcrossTheWrapDoesNotConsume) {
  RingBuffer rb(16);
  EXPECT_EQ(rb.write(seq(12)), 12u);
  rb.discard(10);                       // head at 10; bytes 10, 11
  EXPECT_EQ(rb.write(seq(12, 12)), 12u);  // 12..23, wrapping after 15
  ASSERT_EQ(rb.size(), 14u);
  for (std::size_t off = 0; off <= rb.size(); ++off) {
    for (std::size_t len = 0; len <= 16; ++len) {
      ByteVec out(len, std::byte{0xa5});
      const std::size_t want = std::min(len, rb.size() - off);
      ASSERT_EQ(rb.peek(off, out), want) << off << "+" << len;
      EXPECT_EQ(ByteVec(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(want)), seq(want, 10 + off));
      EXPECT_TRUE(std::all_of(out.begin() + static_cast<std::ptrdiff_t>(want), out.end(),
                              [](std::byte b) { return b == std::byte{0xa5}; }));
      EXPECT_EQ(join(rb.peek_spans(off, len)), seq(want, 10 + off));
    }
  }
  ByteVec out(4);
  EXPECT_EQ(rb.peek(14, out), 0u);
  EXPECT_EQ(rb.peek(100, out), 0u);
  EXPECT_EQ(rb.size(), 14u);  // nothing consumed
  EXPECT_EQ(read_all(rb), seq(14, 10));
}

TEST(RingBuffer, GrowsGeometricallyUpToTheCapacity) {
  RingBuffer rb(1000);
  EXPECT_EQ(rb.write(seq(100)), 100u);
  EXPECT_EQ(rb.allocated_bytes(), 256u);
  EXPECT_EQ(rb.write(seq(200, 100)), 200u);
  EXPECT_EQ(rb.allocated_bytes(), 512u);
  EXPECT_EQ(rb.write(seq(300, 300)), 300u);
  EXPECT_EQ(rb.allocated_bytes(), 1000u);  // 1024 capped
  EXPECT_EQ(rb.write(seq(500, 600)), 400u);
  EXPECT_EQ(rb.allocated_bytes(), 1000u);
  EXPECT_EQ(read_all(rb), seq(1000));
}

// TCP's send buffer follows cwnd: its capacity rises a little at each ACK
// and the application fills it at once. Each rise must not move the whole
// buffer to a block just as large as the new capacity.
TEST(RingBuffer, ACapacityRaisedInSmallStepsGrowsTheAllocationGeometrically) {
  RingBuffer rb(1000);
  EXPECT_EQ(rb.write(seq(1000)), 1000u);
  EXPECT_EQ(rb.allocated_bytes(), 1000u);
  std::size_t moves = 0;
  std::size_t written = 1000;
  for (std::size_t cap = 1010; cap <= 11000; cap += 10) {
    rb.set_capacity(cap);
    const std::size_t before = rb.allocated_bytes();
    ASSERT_EQ(rb.write(seq(10, written)), 10u);
    written += 10;
    if (rb.allocated_bytes() != before) ++moves;
    ASSERT_LE(rb.allocated_bytes(), cap + cap / 2);
  }
  EXPECT_LE(moves, 7u);  // 1000 x 1.5^6 = 11,390; one move per step before
  EXPECT_EQ(read_all(rb), seq(11000));
}

TEST(RingBuffer, OneLargeWriteAllocatesWhatItNeeds) {
  RingBuffer rb(100000);
  EXPECT_EQ(rb.write(seq(5000)), 5000u);
  EXPECT_EQ(rb.allocated_bytes(), 5000u);
  EXPECT_EQ(rb.write(seq(1, 5000)), 1u);
  EXPECT_EQ(rb.allocated_bytes(), 10000u);
}

TEST(RingBuffer, GrowthKeepsWrappedContentsInOrder) {
  RingBuffer rb(4096);
  EXPECT_EQ(rb.write(seq(200)), 200u);
  rb.discard(150);                           // head at 150 of 256
  EXPECT_EQ(rb.write(seq(150, 200)), 150u);  // wraps: 50 + 150 = 200 of 256
  ASSERT_FALSE(rb.readable_spans().second.empty());
  EXPECT_EQ(rb.write(seq(100, 350)), 100u);  // 300 > 256: grows to 512
  EXPECT_EQ(rb.allocated_bytes(), 512u);
  EXPECT_TRUE(rb.readable_spans().second.empty());  // moved to the front
  EXPECT_EQ(read_all(rb), seq(300, 150));
}

TEST(RingBuffer, ShrinkReleasesMemoryOnlyWhenEmpty) {
  RingBuffer rb(4096);
  EXPECT_EQ(rb.write(seq(300)), 300u);
  EXPECT_FALSE(rb.shrink());
  EXPECT_EQ(rb.allocated_bytes(), 300u);
  rb.discard(300);
  EXPECT_TRUE(rb.shrink());
  EXPECT_EQ(rb.allocated_bytes(), 0u);
  EXPECT_EQ(rb.capacity(), 4096u);
  EXPECT_FALSE(rb.shrink());
  EXPECT_EQ(rb.write(seq(10, 7)), 10u);  // allocates again
  EXPECT_EQ(rb.allocated_bytes(), 256u);
  EXPECT_EQ(read_all(rb), seq(10, 7));
}

TEST(RingBuffer, EmptiedBufferRestartsAtTheFront) {
  RingBuffer rb(10);
  EXPECT_EQ(rb.write(seq(8)), 8u);
  rb.discard(8);
  EXPECT_EQ(rb.write(seq(6)), 6u);  // would wrap if the head had stayed at 8
  EXPECT_TRUE(rb.readable_spans().second.empty());
  EXPECT_EQ(rb.readable_spans().first.size(), 6u);
}

TEST(RingBuffer, DiscardIsHowAckedBytesLeave) {
  RingBuffer tx(100);
  EXPECT_EQ(tx.write(seq(60)), 60u);
  tx.discard(25);  // SND.UNA advanced by 25
  EXPECT_EQ(tx.size(), 35u);
  EXPECT_EQ(tx.free(), 65u);
  ByteVec seg(10);
  EXPECT_EQ(tx.peek(5, seg), 10u);  // retransmit from SND.UNA + 5
  EXPECT_EQ(seg, seq(10, 30));
}

TEST(RingBuffer, SetCapacityLowerThanSizeKeepsTheBytes) {
  RingBuffer rb(100);
  EXPECT_EQ(rb.write(seq(80)), 80u);
  rb.set_capacity(50);
  EXPECT_EQ(rb.capacity(), 50u);
  EXPECT_EQ(rb.size(), 80u);
  EXPECT_EQ(rb.free(), 0u);
  EXPECT_EQ(rb.write(seq(1)), 0u);
  rb.discard(40);
  EXPECT_EQ(rb.free(), 10u);
  EXPECT_EQ(rb.write(seq(20, 80)), 10u);
  EXPECT_EQ(read_all(rb), seq(50, 40));
  rb.set_capacity(1000);
  EXPECT_EQ(rb.write(seq(600)), 600u);  // grows past the first allocation
  EXPECT_EQ(read_all(rb), seq(600));
}

TEST(RingBuffer, CapacityIsClamped) {
  RingBuffer rb(std::size_t{1} << 40);
  EXPECT_EQ(rb.capacity(), RingBuffer::kMaxCapacity);
  EXPECT_EQ(rb.allocated_bytes(), 0u);
}

TEST(RingBuffer, WriteAtPlacesOutOfOrderDataThatCommitMakesReadable) {
  RingBuffer rx(100);
  EXPECT_EQ(rx.write(seq(5)), 5u);  // bytes 0..4 in order
  // Bytes 10..14 arrive before 5..9: offset 5 beyond size().
  EXPECT_EQ(rx.write_at(5, seq(5, 10)), 5u);
  EXPECT_EQ(rx.size(), 5u);
  EXPECT_EQ(rx.pending(), 10u);
  EXPECT_EQ(rx.free(), 95u);  // the window still counts the held bytes as free
  EXPECT_FALSE(rx.shrink());
  // The hole is filled; the assembler says 15 - 5 = 10 bytes are contiguous.
  EXPECT_EQ(rx.write_at(0, seq(5, 5)), 5u);
  rx.commit(10);
  EXPECT_EQ(rx.pending(), 0u);
  EXPECT_EQ(read_all(rx), seq(15));
  EXPECT_TRUE(rx.shrink());
}

TEST(RingBuffer, WriteAtIsClampedToTheFreeSpace) {
  RingBuffer rx(20);
  EXPECT_EQ(rx.write(seq(5)), 5u);
  EXPECT_EQ(rx.write_at(10, seq(10)), 5u);  // positions 15..19
  EXPECT_EQ(rx.write_at(15, seq(1)), 0u);
  EXPECT_EQ(rx.write_at(100, seq(1)), 0u);
  EXPECT_EQ(rx.pending(), 15u);
}

TEST(RingBuffer, GrowthKeepsPendingDataAndEmptyHeadStaysPut) {
  RingBuffer rx(100000);
  EXPECT_EQ(rx.write(seq(200)), 200u);
  rx.discard(200);  // empty, but no pending data: head back at 0
  EXPECT_EQ(rx.write_at(100, seq(50, 100)), 50u);  // bytes 100..149 beyond a hole
  ByteVec out(10);
  EXPECT_EQ(rx.read(out), 0u);
  EXPECT_EQ(rx.write_at(1000, seq(24, 1000)), 24u);  // forces growth past 256
  EXPECT_GE(rx.allocated_bytes(), 1024u);
  EXPECT_EQ(rx.pending(), 1024u);
  EXPECT_EQ(rx.write_at(0, seq(100)), 100u);
  rx.commit(150);
  EXPECT_EQ(read_all(rx), seq(150));
  EXPECT_EQ(rx.pending(), 1024u - 150);
  EXPECT_EQ(rx.write_at(0, seq(850, 150)), 850u);
  rx.commit(874);
  EXPECT_EQ(read_all(rx), seq(874, 150));
}

TEST(RingBuffer, WriteAfterWriteAtShortensPending) {
  RingBuffer rx(50);
  EXPECT_EQ(rx.write_at(3, seq(2, 3)), 2u);  // pending 5
  EXPECT_EQ(rx.write(seq(3)), 3u);            // in order: 0..2
  EXPECT_EQ(rx.pending(), 2u);
  rx.commit(2);
  EXPECT_EQ(read_all(rx), seq(5));
}

TEST(RingBuffer, ClearDropsEverythingButKeepsTheAllocation) {
  RingBuffer rb(100);
  EXPECT_EQ(rb.write(seq(30)), 30u);
  EXPECT_EQ(rb.write_at(10, seq(5)), 5u);
  rb.clear();
  EXPECT_TRUE(rb.empty());
  EXPECT_EQ(rb.pending(), 0u);
  EXPECT_EQ(rb.allocated_bytes(), 100u);
  EXPECT_TRUE(rb.shrink());
}

TEST(RingBuffer, MovesAndPrints) {
  RingBuffer a(100);
  EXPECT_EQ(a.write(seq(10)), 10u);
  RingBuffer b = std::move(a);
  EXPECT_EQ(b.size(), 10u);
  EXPECT_EQ(a.size(), 0u);  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(a.capacity(), 0u);
  EXPECT_EQ(a.allocated_bytes(), 0u);
  EXPECT_EQ(a.write(seq(3)), 0u);
  RingBuffer c(5);
  EXPECT_EQ(c.write(seq(5, 50)), 5u);
  c = std::move(b);
  EXPECT_EQ(c.size(), 10u);
  b = std::move(c);
  std::ostringstream os;
  os << b;
  EXPECT_EQ(os.str(), "RingBuffer{size=10 capacity=100 allocated=100 pending=0}");
  EXPECT_EQ(read_all(b), seq(10));
}

// A seeded random mix of every operation, checked after each step against a
// deque of readable bytes plus a model of the pending region.
class RingBufferRandom : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(RingBufferRandom, MatchesADequeModel) {
  Rng rng(GetParam());
  std::size_t capacity = 1 + rng.below(3000);
  RingBuffer rb(capacity);
  std::deque<std::byte> model;
  std::vector<std::byte> pend;   // pending region, from size()
  std::vector<bool> pend_set;    // which of its bytes were written
  std::size_t max_capacity = capacity;  // the allocation never exceeds it
  auto fresh = [&](std::size_t n) {
    ByteVec v(n);
    for (auto& b : v) b = static_cast<std::byte>(rng.next_u32() & 0xff);
    return v;
  };
  auto free_model = [&] { return capacity > model.size() ? capacity - model.size() : 0; };

  for (int step = 0; step < 20000; ++step) {
    switch (rng.below(10)) {
      case 0:
      case 1: {  // write
        const ByteVec data = fresh(rng.below(700));
        const std::size_t want = std::min(data.size(), free_model());
        ASSERT_EQ(rb.write(data), want);
        model.insert(model.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(want));
        const std::size_t cut = std::min(want, pend.size());
        pend.erase(pend.begin(), pend.begin() + static_cast<std::ptrdiff_t>(cut));
        pend_set.erase(pend_set.begin(), pend_set.begin() + static_cast<std::ptrdiff_t>(cut));
        break;
      }
      case 2:
      case 3: {  // read
        ByteVec out(rng.below(900));
        const std::size_t want = std::min(out.size(), model.size());
        ASSERT_EQ(rb.read(out), want);
        ASSERT_TRUE(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(want), model.begin()));
        model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(want));
        break;
      }
      case 4: {  // peek at an offset
        const std::size_t off = rng.below(model.size() + 10);
        ByteVec out(rng.below(600));
        const std::size_t want = off >= model.size() ? 0 : std::min(out.size(), model.size() - off);
        ASSERT_EQ(rb.peek(off, out), want);
        ASSERT_TRUE(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(want),
                               model.begin() + static_cast<std::ptrdiff_t>(std::min(off, model.size()))));
        break;
      }
      case 5: {  // discard
        const std::size_t n = rng.below(model.size() + 1);
        rb.discard(n);
        model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(n));
        break;
      }
      case 6: {  // write_at beyond size()
        const std::size_t off = rng.below(free_model() + 5);
        const ByteVec data = fresh(rng.below(400));
        const std::size_t fm = free_model();
        const std::size_t want = off >= fm ? 0 : std::min(data.size(), fm - off);
        ASSERT_EQ(rb.write_at(off, data), want);
        if (want > 0 && pend.size() < off + want) {
          pend.resize(off + want);
          pend_set.resize(off + want);
        }
        for (std::size_t k = 0; k < want; ++k) {
          pend[off + k] = data[k];
          pend_set[off + k] = true;
        }
        break;
      }
      case 7: {  // commit the contiguous written prefix of the pending region
        ASSERT_EQ(rb.pending(), pend.size());
        std::size_t n = 0;
        while (n < pend.size() && pend_set[n]) ++n;
        n = rng.below(n + 1);
        rb.commit(n);
        model.insert(model.end(), pend.begin(), pend.begin() + static_cast<std::ptrdiff_t>(n));
        pend.erase(pend.begin(), pend.begin() + static_cast<std::ptrdiff_t>(n));
        pend_set.erase(pend_set.begin(), pend_set.begin() + static_cast<std::ptrdiff_t>(n));
        break;
      }
      case 8: {  // spans
        const SpanPair s = rb.readable_spans();
        ASSERT_EQ(s.size(), model.size());
        ASSERT_TRUE(std::equal(s.first.begin(), s.first.end(), model.begin()));
        ASSERT_TRUE(std::equal(s.second.begin(), s.second.end(),
                               model.begin() + static_cast<std::ptrdiff_t>(s.first.size())));
        break;
      }
      default: {  // rarely: shrink, clear, change capacity
        const auto what = rng.below(20);
        if (what == 0) {
          const bool idle = model.empty() && pend.empty() && rb.allocated_bytes() > 0;
          ASSERT_EQ(rb.shrink(), idle);
          if (idle) {
            ASSERT_EQ(rb.allocated_bytes(), 0u);
          }
        } else if (what == 1) {
          rb.clear();
          model.clear();
          pend.clear();
          pend_set.clear();
        } else if (what == 2) {
          capacity = rng.below(3000);
          rb.set_capacity(capacity);
          max_capacity = std::max(max_capacity, capacity);
        }
        break;
      }
    }
    ASSERT_EQ(rb.size(), model.size()) << "step " << step;
    ASSERT_EQ(rb.free(), free_model());
    ASSERT_EQ(rb.pending(), pend.size());
    // Growth is by at least half, which may pass a capacity raised in a
    // small step, by less than half of it.
    ASSERT_LE(rb.allocated_bytes(), max_capacity + max_capacity / 2);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, RingBufferRandom, ::testing::Values(1, 2, 3, 42, 1234567));

}  // namespace
}  // namespace wirestack::storage

namespace wirestack::storage {
namespace {

// slice() of a pair of spans: inside the first, inside the second, across.
TEST(SpanPairSlice, TakesTheBytesFromAnOffsetAcrossBothSpans) {
  const std::array<std::byte, 5> a{std::byte{0}, std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  const std::array<std::byte, 3> b{std::byte{5}, std::byte{6}, std::byte{7}};
  const SpanPair p{.first = Bytes(a), .second = Bytes(b)};
  const auto flat = [](const SpanPair& s) {
    std::vector<int> v;
    for (std::byte x : s.first) v.push_back(std::to_integer<int>(x));
    for (std::byte x : s.second) v.push_back(std::to_integer<int>(x));
    return v;
  };
  EXPECT_EQ(flat(slice(p, 1, 3)), (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(slice(p, 1, 3).second.empty());
  EXPECT_EQ(flat(slice(p, 3, 4)), (std::vector<int>{3, 4, 5, 6}));
  EXPECT_EQ(flat(slice(p, 6, 2)), (std::vector<int>{6, 7}));
  EXPECT_EQ(flat(slice(p, 0, 8)), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_TRUE(slice(p, 8, 0).empty());
}

}  // namespace
}  // namespace wirestack::storage
