#include "base/rng.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>

namespace wirestack {
namespace {

TEST(Rng, SameSeedSameSequence) {
  Rng a(42), b(42);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_u64(), b.next_u64());
}

TEST(Rng, DifferentSeedsDiffer) {
  Rng a(1), b(2);
  int same = 0;
  for (int i = 0; i < 100; ++i) same += a.next_u64() == b.next_u64();
  EXPECT_EQ(same, 0);
}

TEST(Rng, DeriveDependsOnSeedAndStreamOnly) {
  Rng a(7);
  const Rng d1 = a.derive(3);
  for (int i = 0; i < 10; ++i) (void)a.next_u64();
  Rng d2 = a.derive(3);
  Rng d1c = d1;
  EXPECT_EQ(d1c.next_u64(), d2.next_u64());
  Rng other = a.derive(4);
  EXPECT_NE(a.derive(3).next_u64(), other.next_u64());
}

TEST(Rng, BelowIsInRangeAndCoversIt) {
  Rng r(9);
  std::array<int, 6> counts{};
  for (int i = 0; i < 60000; ++i) {
    const auto v = r.below(6);
    ASSERT_LT(v, 6u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);
}

TEST(Rng, ChanceMatchesProbability) {
  Rng r(11);
  int hits = 0;
  for (int i = 0; i < 100000; ++i) hits += r.chance(0.1);
  EXPECT_NEAR(hits, 10000, 400);
  EXPECT_FALSE(Rng(1).chance(0.0));
  EXPECT_TRUE(Rng(1).chance(1.0));
}

TEST(Rng, UniformIsInUnitInterval) {
  Rng r(13);
  for (int i = 0; i < 10000; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

}  // namespace
}  // namespace wirestack
