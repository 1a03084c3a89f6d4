#include "tcp/seq.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <sstream>

namespace wirestack::tcp {
namespace {

constexpr SeqNum kNearWrap{0xffff'fff0u};

// Compile-time checks: the type is constexpr throughout and tiny.
static_assert(sizeof(SeqNum) == 4);
static_assert(SeqNum{5} + 3 == SeqNum{8});
static_assert(kNearWrap + 0x20 == SeqNum{0x10});
static_assert(SeqNum{0x10} - 0x20 == kNearWrap);
static_assert(kNearWrap < kNearWrap + 0x20);
static_assert(SeqNum{0x10} - kNearWrap == 0x20);
static_assert(distance(kNearWrap, SeqNum{0x10}) == 0x20u);

TEST(SeqNum, ArithmeticWrapsModulo2To32) {
  EXPECT_EQ((SeqNum{0xffff'ffffu} + 1).value(), 0u);
  EXPECT_EQ((SeqNum{0} - 1).value(), 0xffff'ffffu);
  EXPECT_EQ((SeqNum{0} + -1).value(), 0xffff'ffffu);
  EXPECT_EQ((SeqNum{3} - -2).value(), 5u);
  const std::size_t len = 100;  // offsets of any integer type
  EXPECT_EQ((kNearWrap + len).value(), 0x54u);
  SeqNum s = kNearWrap;
  s += 0x10u;
  EXPECT_EQ(s.value(), 0u);
  s -= 1;
  EXPECT_EQ(s.value(), 0xffff'ffffu);
}

TEST(SeqNum, ComparesAcrossTheWrapPoint) {
  const SeqNum before = kNearWrap;
  const SeqNum after = kNearWrap + 0x20;  // 0x10, numerically smaller
  EXPECT_LT(after.value(), before.value());
  EXPECT_TRUE(before < after);
  EXPECT_TRUE(before <= after);
  EXPECT_TRUE(after > before);
  EXPECT_TRUE(after >= before);
  EXPECT_FALSE(after < before);
  EXPECT_TRUE(before != after);
  EXPECT_TRUE(before <= before && before >= before);
}

TEST(SeqNum, OrderHoldsUpToHalfTheSpace) {
  const SeqNum a{123};
  EXPECT_TRUE(a < a + 0x7fff'ffff);
  EXPECT_TRUE(a > a - 0x7fff'ffff);
  // Exactly 2^31 apart: RFC 1982 leaves it undefined; ours says "less" both ways.
  const SeqNum b = a + 0x8000'0000u;
  EXPECT_TRUE(a < b);
  EXPECT_TRUE(b < a);
}

TEST(SeqNum, SignedAndUnsignedDistances) {
  const SeqNum a = kNearWrap;
  const SeqNum b = a + 100;
  EXPECT_EQ(b - a, 100);
  EXPECT_EQ(a - b, -100);
  EXPECT_EQ(distance(a, b), 100u);
  EXPECT_EQ(distance(b, a), 0xffff'ffffu - 99u);
}

TEST(SeqNum, MaxAndMinAreSeqwise) {
  const SeqNum before = kNearWrap;
  const SeqNum after = kNearWrap + 0x20;
  EXPECT_EQ(max(before, after), after);
  EXPECT_EQ(max(after, before), after);
  EXPECT_EQ(min(before, after), before);
  EXPECT_EQ(min(after, before), before);
  EXPECT_EQ(std::max(before, after), after);  // std:: uses the same order
}

TEST(SeqNum, InWindowHalfOpenAcrossWrap) {
  const SeqNum start = kNearWrap;  // window [0xfffffff0, 0x10)
  EXPECT_TRUE(in_window(start, start, 0x20));
  EXPECT_TRUE(in_window(SeqNum{0xffff'ffffu}, start, 0x20));
  EXPECT_TRUE(in_window(SeqNum{0}, start, 0x20));
  EXPECT_TRUE(in_window(SeqNum{0xf}, start, 0x20));
  EXPECT_FALSE(in_window(SeqNum{0x10}, start, 0x20));  // one past the end
  EXPECT_FALSE(in_window(start - 1, start, 0x20));     // one before
  EXPECT_FALSE(in_window(start, start, 0));            // empty window
  EXPECT_TRUE(in_window(start - 2, start, 0xffff'ffffu));  // the largest window
  EXPECT_FALSE(in_window(start - 1, start, 0xffff'ffffu));
}

// RFC 9293 3.10.7.4: the four cases.
TEST(SeqNum, SegmentAcceptabilityFourCases) {
  const SeqNum nxt = kNearWrap + 8;  // 0xfffffff8
  // len 0, wnd 0: only SEG.SEQ = RCV.NXT.
  EXPECT_TRUE(segment_acceptable(nxt, 0, nxt, 0));
  EXPECT_FALSE(segment_acceptable(nxt + 1, 0, nxt, 0));
  // len 0, wnd > 0: RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND.
  EXPECT_TRUE(segment_acceptable(nxt + 15, 0, nxt, 16));
  EXPECT_FALSE(segment_acceptable(nxt + 16, 0, nxt, 16));
  EXPECT_FALSE(segment_acceptable(nxt - 1, 0, nxt, 16));
  // len > 0, wnd 0: never.
  EXPECT_FALSE(segment_acceptable(nxt, 1, nxt, 0));
  // len > 0, wnd > 0: first or last byte inside.
  EXPECT_TRUE(segment_acceptable(nxt - 10, 11, nxt, 16));   // last byte = nxt
  EXPECT_FALSE(segment_acceptable(nxt - 10, 10, nxt, 16));  // all old
  EXPECT_TRUE(segment_acceptable(nxt + 15, 100, nxt, 16));  // starts inside
  EXPECT_FALSE(segment_acceptable(nxt + 16, 100, nxt, 16)); // starts after
}

TEST(SeqNum, Prints) {
  std::ostringstream os;
  os << SeqNum{4294967295u};
  EXPECT_EQ(os.str(), "4294967295");
}

}  // namespace
}  // namespace wirestack::tcp
