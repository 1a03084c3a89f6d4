#include "storage/fifo.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <vector>

#include "base/rng.hpp"

namespace wirestack::storage {
namespace {

TEST(Fifo, KeepsOrderAcrossWrapAndGrowth) {
  Fifo<int> q;
  EXPECT_TRUE(q.empty());
  for (int i = 0; i < 5; ++i) q.push_back(i);
  q.pop_front();
  q.pop_front();
  for (int i = 5; i < 30; ++i) q.push_back(i);  // wraps, then grows from a wrapped state
  ASSERT_EQ(q.size(), 28u);
  std::vector<int> seen(q.begin(), q.end());
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<int>(i) + 2);
  EXPECT_EQ(q.front(), 2);
  EXPECT_EQ(q[27], 29);
}

TEST(Fifo, MatchesADequeUnderRandomUse) {
  Fifo<std::uint64_t> q;
  std::deque<std::uint64_t> ref;
  Rng rng(7);
  for (int step = 0; step < 100'000; ++step) {
    if (!ref.empty() && rng.chance(0.5)) {
      ASSERT_EQ(q.front(), ref.front());
      q.pop_front();
      ref.pop_front();
    } else {
      const std::uint64_t v = rng.next_u64();
      q.push_back(v);
      ref.push_back(v);
    }
    ASSERT_EQ(q.size(), ref.size());
  }
  EXPECT_TRUE(std::equal(q.begin(), q.end(), ref.begin(), ref.end()));
}

TEST(Fifo, SteadyStateReusesTheArray) {
  Fifo<int> q;
  for (int i = 0; i < 100; ++i) q.push_back(i);
  const std::size_t cap = q.capacity();
  EXPECT_EQ(cap, 128u);
  for (int i = 0; i < 100'000; ++i) {  // a queue of constant length moving through the ring
    q.pop_front();
    q.push_back(i);
  }
  EXPECT_EQ(q.capacity(), cap);
  q.clear();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.capacity(), cap);
}

TEST(Fifo, PopReleasesWhatTheElementHolds) {
  Fifo<std::shared_ptr<int>> q;
  auto p = std::make_shared<int>(1);
  q.push_back(p);
  EXPECT_EQ(p.use_count(), 2);
  q.pop_front();
  EXPECT_EQ(p.use_count(), 1);
}

}  // namespace
}  // namespace wirestack::storage
