// storage/deadline_tree_test.cpp — the min-tree of deadlines against a plain
// vector scanned in full, under random sets and resizes.
#include "storage/deadline_tree.hpp"

#include <gtest/gtest.h>

#include <random>

namespace wirestack::storage {
namespace {

using namespace std::chrono_literals;

TEST(DeadlineTree, EarliestAndFirstDue) {
  DeadlineTree t;
  EXPECT_EQ(t.earliest(), std::nullopt);
  EXPECT_EQ(t.first_due(0, at(1s)), 0u);  // size() of an empty tree
  t.resize(3);
  EXPECT_EQ(t.earliest(), std::nullopt);
  t.set(2, at(5s));
  EXPECT_EQ(t.earliest(), at(5s));
  EXPECT_EQ(t.first_due(0, at(6s)), 2u);
  EXPECT_EQ(t.first_due(0, at(4s)), 3u);
  t.set(0, at(7s));
  EXPECT_EQ(t.earliest(), at(5s));
  t.set(2, at(9s));  // later: the earliest moves to another slot
  EXPECT_EQ(t.earliest(), at(7s));
  t.set(1, at(1s));  // earlier
  EXPECT_EQ(t.earliest(), at(1s));
  EXPECT_EQ(t.first_due(0, at(7s)), 0u);
  EXPECT_EQ(t.first_due(1, at(7s)), 1u);
  EXPECT_EQ(t.first_due(2, at(7s)), 3u);
  t.set(1, std::nullopt);
  EXPECT_EQ(t.earliest(), at(7s));
  EXPECT_EQ(t.at(1), std::nullopt);
  EXPECT_EQ(t.at(0), at(7s));
}

TEST(DeadlineTree, ResizeKeepsDeadlines) {
  DeadlineTree t;
  t.resize(1);
  t.set(0, at(3s));
  t.resize(5);  // past a power of two
  EXPECT_EQ(t.at(0), at(3s));
  EXPECT_EQ(t.at(4), std::nullopt);
  t.set(4, at(2s));
  EXPECT_EQ(t.earliest(), at(2s));
  EXPECT_EQ(t.first_due(1, at(2s)), 4u);
  t.resize(2);
  EXPECT_EQ(t.earliest(), at(3s));
}

// Against a vector scanned in full: the earliest and every first_due.
TEST(DeadlineTree, MatchesAFullScan) {
  std::mt19937 gen(7);
  DeadlineTree t;
  std::vector<std::optional<Instant>> model;
  for (int step = 0; step < 20000; ++step) {
    if (step % 997 == 0) {
      const std::size_t n = gen() % 130;
      t.resize(n);
      model.resize(n);
    }
    if (!model.empty()) {
      const std::size_t i = gen() % model.size();
      std::optional<Instant> v;
      if (gen() % 4 != 0) v = at(std::chrono::milliseconds(gen() % 1000));
      t.set(i, v);
      model[i] = v;
    }
    std::optional<Instant> earliest;
    for (const auto& v : model) {
      if (v && (!earliest || *v < *earliest)) earliest = v;
    }
    ASSERT_EQ(t.earliest(), earliest) << "step " << step;
    const Instant now = at(std::chrono::milliseconds(gen() % 1000));
    const std::size_t from = model.empty() ? 0 : gen() % (model.size() + 1);
    std::size_t want = model.size();
    for (std::size_t i = from; i < model.size(); ++i) {
      if (model[i] && *model[i] <= now) {
        want = i;
        break;
      }
    }
    ASSERT_EQ(t.first_due(from, now), want) << "step " << step;
  }
}

}  // namespace
}  // namespace wirestack::storage
