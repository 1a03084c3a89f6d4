// runtime/timers_test.cpp — TimerQueue: order, ties, cancel, timers that add
// timers, next().
#include "runtime/timers.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace wirestack::runtime {
namespace {

using namespace std::chrono_literals;

TEST(TimerQueue, RunsDueTimersInTimeThenSchedulingOrder) {
  TimerQueue q;
  std::vector<int> ran;
  q.add(at(20ms), [&] { ran.push_back(3); });
  q.add(at(10ms), [&] { ran.push_back(1); });
  q.add(at(10ms), [&] { ran.push_back(2); });  // a tie: after the first scheduled
  EXPECT_EQ(q.next(), at(10ms));
  EXPECT_EQ(q.run_due(at(9ms)), 0u);
  EXPECT_EQ(q.run_due(at(10ms)), 2u);
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  EXPECT_EQ(q.next(), at(20ms));
  EXPECT_EQ(q.run_due(at(25ms)), 1u);
  EXPECT_EQ(q.next(), std::nullopt);
  EXPECT_EQ(q.size(), 0u);
}

TEST(TimerQueue, CancelledTimersNeverRunAndDoNotWakeAnyone) {
  TimerQueue q;
  int ran = 0;
  const TimerId a = q.add(at(5ms), [&] { ran += 100; });
  q.add(at(8ms), [&] { ran += 1; });
  EXPECT_TRUE(q.cancel(a));
  EXPECT_FALSE(q.cancel(a));
  EXPECT_FALSE(q.cancel(TimerId{}));
  EXPECT_EQ(q.next(), at(8ms));  // the cancelled one is not a wake-up
  q.run_due(at(10ms));
  EXPECT_EQ(ran, 1);
}

TEST(TimerQueue, ATimerMayAddAndCancelTimers) {
  TimerQueue q;
  std::vector<int> ran;
  TimerId later{};
  later = q.add(at(30ms), [&] { ran.push_back(99); });
  q.add(at(10ms), [&] {
    ran.push_back(1);
    q.add(at(10ms), [&] { ran.push_back(2); });  // due now: runs in the same call
    q.cancel(later);
  });
  EXPECT_EQ(q.run_due(at(40ms)), 2u);
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace wirestack::runtime
