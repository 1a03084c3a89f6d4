// storage/assembler_test.cpp — out-of-order range bookkeeping: in order,
// reverse order, overlaps, duplicates, adjacent merges, a gap that joins
// several ranges, the range limit (and its offset-0 spare), SACK block order
// per RFC 2018 section 4, stamp renumbering, memory, printing, and a seeded
// randomized comparison with a std::vector<bool> of received bytes.
#include "storage/assembler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "base/rng.hpp"
#include "storage/ring_buffer.hpp"

namespace wirestack::storage {
namespace {

template <class T>
std::string str(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

std::vector<AssemblerRange> list(const Assembler& a) { return {a.ranges().begin(), a.ranges().end()}; }
std::vector<AssemblerRange> list(const SackBlocks& s) { return {s.begin(), s.end()}; }
constexpr AssemblerRange r(std::uint32_t begin, std::uint32_t end) { return {.offset = begin, .size = end - begin}; }

void must_add(Assembler& a, std::size_t offset, std::size_t size) {
  const auto res = a.add(offset, size);
  ASSERT_TRUE(res.has_value()) << "add(" << offset << ", " << size << "): " << res.error();
}

TEST(Assembler, IsSmallAndAllocatesOnlyForOutOfOrderData) {
  static_assert(sizeof(Assembler) == 16);  // one pointer, four 16-bit counters
  Assembler a;
  EXPECT_TRUE(a.is_empty());
  EXPECT_EQ(a.allocated_bytes(), 0u);
  EXPECT_EQ(a.max_ranges(), Assembler::kDefaultMaxRanges);
  EXPECT_EQ(a.pop_front(), 0u);
  EXPECT_TRUE(a.sack_blocks().empty());
  EXPECT_EQ(str(a), "(empty)");
  must_add(a, 10, 5);
  EXPECT_EQ(a.allocated_bytes(), 4u * 10);  // the first table: 4 entries
  EXPECT_FALSE(a.shrink());
  EXPECT_EQ(a.pop_front(), 0u);
  must_add(a, 0, 10);
  EXPECT_EQ(a.pop_front(), 15u);
  EXPECT_TRUE(a.is_empty());
  EXPECT_TRUE(a.shrink());
  EXPECT_EQ(a.allocated_bytes(), 0u);
  EXPECT_FALSE(a.shrink());
}

TEST(Assembler, InOrderSegmentsPopImmediately) {
  Assembler a;
  for (int k = 0; k < 5; ++k) {
    must_add(a, 0, 100);
    EXPECT_EQ(a.pop_front(), 100u);
    EXPECT_TRUE(a.is_empty());
  }
}

TEST(Assembler, ReverseOrderMergesIntoOneRange) {
  Assembler a;
  for (std::uint32_t k = 5; k >= 1; --k) {  // segments 5, 4, 3, 2, 1 of 10 bytes each
    must_add(a, k * 10, 10);
    EXPECT_EQ(a.pop_front(), 0u);
  }
  EXPECT_EQ(list(a), (std::vector{r(10, 60)}));
  must_add(a, 0, 10);
  EXPECT_EQ(a.pop_front(), 60u);
  EXPECT_TRUE(a.is_empty());
}

TEST(Assembler, OverlappingSegmentsKeepTheUnion) {
  Assembler a;
  must_add(a, 10, 10);  // [10,20)
  must_add(a, 15, 10);  // [15,25) overlaps the end
  must_add(a, 5, 7);    // [5,12) overlaps the start
  EXPECT_EQ(list(a), (std::vector{r(5, 25)}));
  must_add(a, 0, 100);  // covers everything
  EXPECT_EQ(list(a), (std::vector{r(0, 100)}));
  EXPECT_EQ(a.pop_front(), 100u);
}

TEST(Assembler, DuplicatesChangeNothingButAreReportedByContains) {
  Assembler a;
  must_add(a, 10, 10);
  EXPECT_TRUE(a.contains(10, 10));
  EXPECT_TRUE(a.contains(12, 3));
  EXPECT_TRUE(a.contains(0, 0));
  EXPECT_FALSE(a.contains(9, 2));
  EXPECT_FALSE(a.contains(19, 2));
  EXPECT_FALSE(a.contains(30, 1));
  must_add(a, 10, 10);
  must_add(a, 12, 3);
  EXPECT_EQ(list(a), (std::vector{r(10, 20)}));
  EXPECT_EQ(a.total_bytes(), 10u);
}

TEST(Assembler, AdjacentRangesMerge) {
  Assembler a;
  must_add(a, 10, 10);  // [10,20)
  must_add(a, 20, 5);   // touches the end
  must_add(a, 5, 5);    // touches the start
  EXPECT_EQ(list(a), (std::vector{r(5, 25)}));
  must_add(a, 26, 4);   // one byte apart: separate
  EXPECT_EQ(list(a), (std::vector{r(5, 25), r(26, 30)}));
}

TEST(Assembler, FillingAGapJoinsSeveralRanges) {
  Assembler a;
  must_add(a, 10, 5);  // [10,15)
  must_add(a, 20, 5);  // [20,25)
  must_add(a, 30, 5);  // [30,35)
  must_add(a, 40, 5);  // [40,45)
  EXPECT_EQ(a.range_count(), 4u);
  must_add(a, 12, 20);  // [12,32): joins the first three
  EXPECT_EQ(list(a), (std::vector{r(10, 35), r(40, 45)}));
  must_add(a, 0, 10);  // in order, touching [10,35)
  EXPECT_EQ(list(a), (std::vector{r(0, 35), r(40, 45)}));
  EXPECT_EQ(a.pop_front(), 35u);
  EXPECT_EQ(list(a), (std::vector{r(5, 10)}));  // shifted down by 35
  EXPECT_EQ(a.pop_front(), 0u);
}

TEST(Assembler, RefusesANewRangeBeyondTheLimit) {
  Assembler a(3);
  EXPECT_EQ(a.max_ranges(), 3u);
  must_add(a, 10, 1);
  must_add(a, 20, 1);
  must_add(a, 30, 1);
  const auto refused = a.add(40, 1);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error(), AssemblerError::too_many_ranges);
  const auto between = a.add(15, 1);  // disjoint too
  ASSERT_FALSE(between.has_value());
  EXPECT_EQ(list(a), (std::vector{r(10, 11), r(20, 21), r(30, 31)}));  // unchanged
  EXPECT_EQ(a.allocated_bytes(), 4u * 10);  // max_ranges + 1 spare

  must_add(a, 31, 5);   // extends a range: accepted
  must_add(a, 11, 9);   // bridges [10,11) and [20,21): accepted, frees a slot
  EXPECT_EQ(list(a), (std::vector{r(10, 21), r(30, 36)}));
  must_add(a, 40, 1);  // now there is room
  EXPECT_EQ(a.range_count(), 3u);
}

TEST(Assembler, InOrderDataIsNeverRefused) {
  Assembler a(2);
  must_add(a, 10, 5);
  must_add(a, 20, 5);
  EXPECT_FALSE(a.add(30, 5).has_value());
  // A retransmission from RCV.NXT shorter than the hole still gets in (the
  // spare slot), else a full table could stall the connection.
  must_add(a, 0, 4);
  EXPECT_EQ(a.range_count(), 3u);
  EXPECT_EQ(a.pop_front(), 4u);
  EXPECT_EQ(list(a), (std::vector{r(6, 11), r(16, 21)}));
  must_add(a, 0, 6);  // fills the hole: merges
  EXPECT_EQ(a.pop_front(), 11u);
  EXPECT_EQ(list(a), (std::vector{r(5, 10)}));
}

TEST(Assembler, MaxRangesIsClamped) {
  EXPECT_EQ(Assembler(0).max_ranges(), 1u);
  EXPECT_EQ(Assembler(1u << 20).max_ranges(), Assembler::kMaxMaxRanges);
}

TEST(Assembler, RefusesEndsBeyond32Bits) {
  Assembler a;
  constexpr std::size_t kMax = std::numeric_limits<std::uint32_t>::max();
  const auto res = a.add(kMax, 1);
  ASSERT_FALSE(res.has_value());
  EXPECT_EQ(res.error(), AssemblerError::out_of_range);
  EXPECT_EQ(str(res.error()), "out_of_range");
  must_add(a, kMax - 1, 1);
  EXPECT_FALSE(a.contains(kMax, 1));
  EXPECT_TRUE(a.contains(kMax - 1, 1));
  must_add(a, 7, 0);  // empty: nothing recorded
  EXPECT_EQ(a.range_count(), 1u);
}

// RFC 2018 section 4: the first block holds the segment that triggered this
// ACK; the others repeat the most recently reported blocks.
TEST(Assembler, SackBlocksMostRecentlyChangedFirst) {
  Assembler a;
  must_add(a, 10, 10);  // [10,20)
  must_add(a, 30, 10);  // [30,40)
  must_add(a, 50, 10);  // [50,60)
  must_add(a, 70, 10);  // [70,80)
  must_add(a, 90, 10);  // [90,100)
  EXPECT_EQ(list(a.sack_blocks()), (std::vector{r(90, 100), r(70, 80), r(50, 60), r(30, 40)}));
  EXPECT_EQ(list(a.sack_blocks(3)), (std::vector{r(90, 100), r(70, 80), r(50, 60)}));  // with timestamps
  EXPECT_EQ(list(a.sack_blocks(9)).size(), 4u);  // never more than 4
  EXPECT_TRUE(a.sack_blocks(0).empty());

  must_add(a, 35, 2);  // a duplicate inside [30,40) moves it to the front
  EXPECT_EQ(list(a.sack_blocks()), (std::vector{r(30, 40), r(90, 100), r(70, 80), r(50, 60)}));
  must_add(a, 20, 10);  // joins [10,20) and [30,40)
  EXPECT_EQ(list(a.sack_blocks()), (std::vector{r(10, 40), r(90, 100), r(70, 80), r(50, 60)}));
  must_add(a, 60, 2);  // extends [50,60)
  EXPECT_EQ(list(a.sack_blocks()), (std::vector{r(50, 62), r(10, 40), r(90, 100), r(70, 80)}));

  // The segment that advances RCV.NXT is acknowledged cumulatively; the
  // blocks are what is left, shifted, in the same recency order.
  must_add(a, 0, 10);
  EXPECT_EQ(list(a.sack_blocks()), (std::vector{r(50, 62), r(90, 100), r(70, 80)}));  // [0,40) not SACKed
  EXPECT_EQ(a.pop_front(), 40u);
  EXPECT_EQ(list(a.sack_blocks()), (std::vector{r(10, 22), r(50, 60), r(30, 40)}));
}

TEST(Assembler, RecencySurvivesStampRenumbering) {
  // 16-bit stamps are renumbered before they wrap; order must be unchanged.
  Assembler a(4);
  for (std::uint32_t k = 0; k < 4; ++k) must_add(a, 10 + 10 * k, 5);
  for (std::uint32_t i = 0; i < 200000; ++i) {
    const std::uint32_t k = (i * 7 + i / 3) % 4;
    must_add(a, 10 + 10 * k, 1);  // re-covers range k
    const SackBlocks s = a.sack_blocks();
    ASSERT_EQ(s.size(), 4u);
    ASSERT_EQ(s[0], r(10 + 10 * k, 15 + 10 * k)) << "i=" << i;
  }
  // A fixed recent sequence gives a fixed order.
  for (std::uint32_t k : {2u, 0u, 3u, 1u}) must_add(a, 10 + 10 * k, 1);
  EXPECT_EQ(list(a.sack_blocks()), (std::vector{r(20, 25), r(40, 45), r(10, 15), r(30, 35)}));
}

TEST(Assembler, TableGrowsGeometrically) {
  Assembler a(100);
  for (std::uint32_t k = 1; k <= 4; ++k) must_add(a, 10 * k, 1);
  EXPECT_EQ(a.allocated_bytes(), 4u * 10);
  must_add(a, 50, 1);
  EXPECT_EQ(a.allocated_bytes(), 8u * 10);
  for (std::uint32_t k = 6; k <= 100; ++k) must_add(a, 10 * k, 1);
  // 128 capped at max_ranges + 1 = 101 entries of 10 bytes, in one block of
  // 8-byte slots: 101 ranges + 26 slots of stamps (4 per slot) = 1016 bytes.
  EXPECT_EQ(a.allocated_bytes(), (101u + 26u) * 8);
  EXPECT_FALSE(a.add(2000, 1).has_value());
  EXPECT_EQ(a.range_count(), 100u);
}

TEST(Assembler, MovesAndPrints) {
  Assembler a;
  must_add(a, 10, 10);
  must_add(a, 30, 5);
  Assembler b = std::move(a);
  EXPECT_EQ(str(b), "[10,20) [30,35)");
  EXPECT_TRUE(a.is_empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(a.allocated_bytes(), 0u);
  must_add(a, 5, 1);
  EXPECT_EQ(str(a), "[5,6)");
  a = std::move(b);
  EXPECT_EQ(str(a), "[10,20) [30,35)");
  b = std::move(a);
  EXPECT_EQ(str(r(1, 2)), "[1,2)");
  EXPECT_EQ(str(AssemblerError::too_many_ranges), "too_many_ranges");
}

// The intended use with a RingBuffer: segments of a stream arrive shuffled;
// the application reads the stream back in order.
TEST(Assembler, DrivesARingBufferReceiveSide) {
  Rng rng(7);
  constexpr std::size_t kTotal = 20000;
  ByteVec stream(kTotal);
  for (auto& b : stream) b = static_cast<std::byte>(rng.next_u32());
  std::vector<std::pair<std::size_t, std::size_t>> segs;  // (start, len)
  for (std::size_t at = 0; at < kTotal;) {
    const std::size_t len = std::min<std::size_t>(1 + rng.below(300), kTotal - at);
    segs.emplace_back(at, len);
    at += len;
  }
  RingBuffer rx(4096);
  Assembler ooo(8);
  ByteVec got;
  std::size_t rcv_nxt = 0;
  std::size_t dropped = 0;
  while (rcv_nxt < kTotal) {
    // The peer sends everything unacknowledged that fits the window, shuffled.
    std::vector<std::pair<std::size_t, std::size_t>> flight;
    for (auto [s, l] : segs)
      if (s + l > rcv_nxt && s < rcv_nxt + rx.free()) flight.emplace_back(s, l);
    for (std::size_t k = flight.size(); k > 1; --k) std::swap(flight[k - 1], flight[rng.below(k)]);
    for (auto [s, l] : flight) {
      if (rng.chance(0.2)) continue;  // lost
      if (s + l <= rcv_nxt) continue;  // received meanwhile: a pure duplicate
      std::size_t start = std::max(s, rcv_nxt);  // trim what was already received
      std::size_t len = s + l - start;
      const std::size_t off = start - rcv_nxt;
      if (off >= rx.free()) continue;
      len = std::min(len, rx.free() - off);
      if (!ooo.add(off, len)) {
        ++dropped;
        continue;
      }
      ASSERT_EQ(rx.write_at(off, Bytes(stream).subspan(start, len)), len);
      const std::size_t ready = ooo.pop_front();
      rx.commit(ready);
      rcv_nxt += ready;
    }
    ByteVec buf(1 + rng.below(5000));
    const std::size_t n = rx.read(buf);
    got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
  }
  ByteVec rest(rx.size());
  ASSERT_EQ(rx.read(rest), rest.size());
  got.insert(got.end(), rest.begin(), rest.end());
  ASSERT_EQ(got.size(), stream.size());
  EXPECT_TRUE(got == stream) << "first difference at "
                             << std::mismatch(got.begin(), got.end(), stream.begin()).first - got.begin();
  EXPECT_GT(dropped, 0u);  // the 8-range limit was exercised
  EXPECT_TRUE(ooo.is_empty());
  EXPECT_TRUE(rx.shrink());
  EXPECT_TRUE(ooo.shrink());
}

// Random segments over a window, checked after each against the received
// bytes as a vector<bool>.
class AssemblerRandom : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(AssemblerRandom, MatchesAVectorOfBoolModel) {
  Rng rng(GetParam());
  constexpr std::size_t kWindow = 2000;
  const std::size_t max_ranges = 1 + rng.below(12);
  Assembler a(max_ranges);
  std::vector<bool> received;  // stream bytes, absolute
  std::size_t rcv_nxt = 0;
  std::size_t refused = 0;

  for (int step = 0; step < 12000; ++step) {
    const std::size_t start = rcv_nxt + rng.below(rng.chance(0.5) ? 200 : kWindow);
    const std::size_t len = 1 + rng.below(rng.chance(0.1) ? 600 : 60);
    const std::size_t off = start - rcv_nxt;
    if (received.size() < start + len) received.resize(start + len);

    const std::vector<AssemblerRange> before = list(a);
    const auto res = a.add(off, len);
    if (!res) {
      ASSERT_EQ(res.error(), AssemblerError::too_many_ranges);
      ASSERT_EQ(list(a), before);  // refused: nothing changed
      ASSERT_NE(off, 0u);
      ++refused;
    } else {
      std::fill(received.begin() + static_cast<std::ptrdiff_t>(start),
                received.begin() + static_cast<std::ptrdiff_t>(start + len), true);
      // RFC 2018: the first SACK block contains the segment just received
      // (unless it is at offset 0, acknowledged cumulatively).
      const SackBlocks s = a.sack_blocks();
      if (off != 0 && !a.contains(0, 1)) {
        ASSERT_FALSE(s.empty());
        ASSERT_LE(s[0].offset, off);
        ASSERT_GE(s[0].end(), off + len);
      }
    }
    ASSERT_TRUE(a.contains(off, len) || !res);

    const std::size_t ready = a.pop_front();
    for (std::size_t k = rcv_nxt; k < rcv_nxt + ready; ++k) ASSERT_TRUE(received[k]);
    rcv_nxt += ready;
    ASSERT_TRUE(rcv_nxt >= received.size() || !received[rcv_nxt]) << "step " << step;

    ASSERT_LE(a.range_count(), max_ranges);
    // SACK blocks: distinct ranges of the assembler, at most 4.
    const std::vector<AssemblerRange> now = list(a);
    const SackBlocks blocks = a.sack_blocks();
    ASSERT_EQ(blocks.size(), std::min<std::size_t>(4, now.size()));
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      ASSERT_NE(std::find(now.begin(), now.end(), blocks[i]), now.end());
      for (std::size_t j = 0; j < i; ++j) ASSERT_NE(blocks[i], blocks[j]);
    }
    // contains() agrees with the model on a random probe.
    const std::size_t p = rng.below(kWindow);
    const std::size_t pl = 1 + rng.below(40);
    bool all = true;
    for (std::size_t k = rcv_nxt + p; k < rcv_nxt + p + pl; ++k) all = all && k < received.size() && received[k];
    ASSERT_EQ(a.contains(p, pl), all);

    // Every 4th step (the scan is slow under sanitizers): the ranges are
    // exactly the runs of received bytes beyond rcv_nxt.
    if (step % 4 != 0) continue;
    std::vector<AssemblerRange> want;
    for (std::size_t k = rcv_nxt; k < received.size();) {
      if (!received[k]) {
        ++k;
        continue;
      }
      const std::size_t b = k;
      while (k < received.size() && received[k]) ++k;
      want.push_back(r(static_cast<std::uint32_t>(b - rcv_nxt), static_cast<std::uint32_t>(k - rcv_nxt)));
    }
    ASSERT_EQ(list(a), want) << "step " << step;
  }
  EXPECT_GT(rcv_nxt, 0u);
  if (max_ranges < 6) {
    EXPECT_GT(refused, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, AssemblerRandom, ::testing::Values(1, 2, 42, 1234567));

}  // namespace
}  // namespace wirestack::storage
