// sim/event_queue_test.cpp — ordering, cancellation and the clock of EventQueue.
#include "sim/event_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/rng.hpp"

namespace wirestack::sim {
namespace {

using namespace std::chrono_literals;

TEST(Action, SmallCallablesAreStoredInPlace) {
  int hits = 0;
  Action a = [&hits] { ++hits; };
  EXPECT_TRUE(a.is_inline());
  Action b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT: moved-from is empty by contract
  b();
  EXPECT_EQ(hits, 1);
}

TEST(Action, LargeAndMoveOnlyCallablesWork) {
  std::array<std::uint64_t, 16> big{};
  big[15] = 7;
  std::uint64_t seen = 0;
  Action a = [big, &seen] { seen = big[15]; };
  EXPECT_FALSE(a.is_inline());
  Action b;
  b = std::move(a);
  b();
  EXPECT_EQ(seen, 7u);

  auto owned = std::make_unique<int>(42);
  int got = 0;
  Action c = [p = std::move(owned), &got] { got = *p; };
  EXPECT_TRUE(c.is_inline());
  c();
  EXPECT_EQ(got, 42);
}

TEST(EventQueue, RunsByTimeThenInsertionOrder) {
  EventQueue q;
  std::string order;
  q.schedule_at(at(30ns), [&] { order += 'd'; });
  q.schedule_at(at(10ns), [&] { order += 'a'; });
  q.schedule_at(at(20ns), [&] { order += 'b'; });
  q.schedule_at(at(20ns), [&] { order += 'c'; });  // same time: after 'b'
  EXPECT_EQ(q.pending(), 4u);
  EXPECT_EQ(q.run_until_idle(), 4u);
  EXPECT_EQ(order, "abcd");
  EXPECT_EQ(q.now(), at(30ns));
  EXPECT_EQ(q.events_run(), 4u);
  EXPECT_TRUE(q.idle());
}

TEST(EventQueue, SameTimeIsFifo) {
  EventQueue q;
  std::vector<int> order;
  for (int i = 0; i < 100; ++i) q.schedule_at(at(5us), [&order, i] { order.push_back(i); });
  q.run_until_idle();
  ASSERT_EQ(order.size(), 100u);
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
}

TEST(EventQueue, CancelBeforeRunSkipsTheEvent) {
  EventQueue q;
  std::string order;
  q.schedule_at(at(1ms), [&] { order += 'a'; });
  const EventId b = q.schedule_at(at(2ms), [&] { order += 'b'; });
  q.schedule_at(at(3ms), [&] { order += 'c'; });
  EXPECT_TRUE(q.is_pending(b));
  EXPECT_TRUE(q.cancel(b));
  EXPECT_FALSE(q.is_pending(b));
  EXPECT_FALSE(q.cancel(b));  // twice: no-op
  EXPECT_EQ(q.pending(), 2u);
  EXPECT_EQ(q.run_until_idle(), 2u);
  EXPECT_EQ(order, "ac");
}

TEST(EventQueue, CancelAfterRunIsANoOp) {
  EventQueue q;
  int a_runs = 0;
  int late_runs = 0;
  const EventId a = q.schedule_at(at(1ms), [&] { ++a_runs; });
  q.run_until(at(1ms));
  EXPECT_EQ(a_runs, 1);
  // a's slot is reused by the next event; the old id must not cancel it.
  const EventId late = q.schedule_at(at(2ms), [&] { ++late_runs; });
  EXPECT_EQ(late.slot, a.slot);
  EXPECT_FALSE(q.cancel(a));
  EXPECT_FALSE(q.cancel(EventId{}));
  q.run_until_idle();
  EXPECT_EQ(late_runs, 1);
}

TEST(EventQueue, ActionCancellingItselfOrAnotherAtTheSameTime) {
  EventQueue q;
  std::string order;
  EventId self;
  EventId other;
  self = q.schedule_at(at(1ms), [&] {
    order += 'a';
    EXPECT_FALSE(q.cancel(self));  // running already: no-op
    EXPECT_TRUE(q.cancel(other));
  });
  other = q.schedule_at(at(1ms), [&] { order += 'b'; });
  q.run_until_idle();
  EXPECT_EQ(order, "a");
}

TEST(EventQueue, ActionsScheduleMoreEvents) {
  EventQueue q;
  std::vector<std::pair<std::int64_t, char>> trace;
  q.schedule_at(at(10ns), [&] {
    trace.emplace_back(to_nanos(q.now()), 'a');
    q.schedule_in(0ns, [&] { trace.emplace_back(to_nanos(q.now()), 'c'); });  // same time, after 'b'
    q.schedule_in(5ns, [&] { trace.emplace_back(to_nanos(q.now()), 'd'); });
  });
  q.schedule_at(at(10ns), [&] { trace.emplace_back(to_nanos(q.now()), 'b'); });
  q.run_until_idle();
  const std::vector<std::pair<std::int64_t, char>> want{{10, 'a'}, {10, 'b'}, {10, 'c'}, {15, 'd'}};
  EXPECT_EQ(trace, want);
}

TEST(EventQueue, RunUntilAdvancesNowToTheLimit) {
  EventQueue q;
  int runs = 0;
  q.schedule_at(at(1ms), [&] { ++runs; });
  q.schedule_at(at(5ms), [&] { ++runs; });
  EXPECT_EQ(q.run_until(at(3ms)), 1u);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(q.now(), at(3ms));
  EXPECT_EQ(q.next_time(), at(5ms));
  EXPECT_EQ(q.run_until(at(5ms)), 1u);  // inclusive
  EXPECT_EQ(q.now(), at(5ms));
  EXPECT_EQ(q.run_until(at(1s)), 0u);  // idle: time still moves
  EXPECT_EQ(q.now(), at(1s));
  EXPECT_EQ(q.next_time(), std::nullopt);
  // schedule_in counts from the new now().
  q.schedule_in(2ms, [&] { ++runs; });
  EXPECT_EQ(q.next_time(), at(1002ms));
}

TEST(EventQueue, StepRunsOneEvent) {
  EventQueue q;
  int runs = 0;
  EXPECT_FALSE(q.step());
  q.schedule_at(at(1us), [&] { ++runs; });
  q.schedule_at(at(2us), [&] { ++runs; });
  EXPECT_TRUE(q.step());
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(q.now(), at(1us));
  EXPECT_EQ(q.pending(), 1u);
}

TEST(EventQueue, RunUntilIdleStopsAtItsGuards) {
  EventQueue q;
  // A self-perpetuating event: never idle on its own.
  std::function<void()> tick = [&] { q.schedule_in(1ms, tick); };
  q.schedule_at(at(0ms), tick);
  EXPECT_EQ(q.run_until_idle(10), 10u);
  EXPECT_EQ(q.now(), at(9ms));
  EXPECT_FALSE(q.idle());
  EXPECT_EQ(q.run_until_idle(EventQueue::kNoLimit, at(20ms)), 11u);  // 10ms .. 20ms
  EXPECT_EQ(q.now(), at(20ms));
  EXPECT_EQ(q.events_run(), 21u);
}

TEST(EventQueue, CancelledEventsDoNotAccumulate) {
  EventQueue q;
  // A timer re-armed a million times (as an RTO is on every ACK) with one
  // far-away event pending: storage stays bounded by the live events.
  EventId timer = q.schedule_at(at(1s), [] {});
  for (int i = 0; i < 1'000'000; ++i) {
    q.cancel(timer);
    timer = q.schedule_in(1s, [] {});
  }
  EXPECT_EQ(q.pending(), 1u);
  EXPECT_LE(q.footprint().heap_entries, 130u);  // compacted at 64 stale + more than half
  EXPECT_LE(q.footprint().slots, 2u);
  EXPECT_EQ(q.run_until_idle(), 1u);
  EXPECT_EQ(q.events_scheduled(), 1'000'001u);
  EXPECT_EQ(q.footprint().heap_entries, 0u);
}

using EventQueueDeathTest = ::testing::Test;

// A callable with a prefetch() member is asked for its cache lines while
// the event before it runs (sim::Link's arrivals name their frame), inline
// or on the heap; the order of the run does not change.
TEST(EventQueue, TheNextEventsActionIsAskedToPrefetchWhileTheCurrentOneRuns) {
  struct Hinted {
    int* prefetched;
    std::vector<int>* ran;
    int id;
    std::array<char, 64> big{};  // too large to be stored in place
    void operator()() const { ran->push_back(id); }
    void prefetch() const noexcept { ++*prefetched; }
  };
  EventQueue q;
  int prefetched = 0;
  std::vector<int> ran;
  q.schedule_at(at(1ms), [&] { ran.push_back(1); EXPECT_EQ(prefetched, 1); });
  Action big = Hinted{&prefetched, &ran, 2};
  EXPECT_FALSE(big.is_inline());
  q.schedule_at(at(2ms), std::move(big));
  q.schedule_at(at(3ms), [&] { ran.push_back(3); });
  EXPECT_TRUE(q.step());  // runs 1; event 2 is next: asked before 1 ran
  EXPECT_EQ(prefetched, 1);
  q.run_until_idle();
  EXPECT_EQ(prefetched, 1);  // 3 has no prefetch()
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
}

TEST(EventQueueDeathTest, SchedulingIntoThePastAborts) {
  EventQueue q;
  q.run_until(at(10ms));
  EXPECT_DEATH(q.schedule_at(at(9ms), [] {}), "cannot schedule into the past");
  EXPECT_DEATH(q.schedule_in(-1ns, [] {}), "invariant broken");
}

// 1e5 events with random times (many ties) and random cancellations, some
// scheduled from inside actions, against a reference: a stable sort of
// (time, scheduling order) of the events not cancelled.
TEST(EventQueue, MatchesAStableSortReference) {
  constexpr int kEvents = 100'000;
  Rng rng(20240501);
  EventQueue q;
  struct Record {
    std::int64_t when;
    int index;  // scheduling order
    bool cancelled = false;
  };
  std::vector<Record> records;
  std::vector<EventId> ids;
  std::vector<int> ran;
  records.reserve(kEvents);

  // Each action may schedule a child in its future, so the reference also
  // covers scheduling while running.
  std::function<void(int)> body;
  auto add = [&](std::int64_t when) {
    const int index = static_cast<int>(records.size());
    records.push_back({when, index});
    ids.push_back(q.schedule_at(at(Duration{when}), [&body, index] { body(index); }));
  };
  body = [&](int index) {
    EXPECT_EQ(to_nanos(q.now()), records[static_cast<std::size_t>(index)].when);
    ran.push_back(index);
    if (records.size() < kEvents && rng.chance(0.3)) add(to_nanos(q.now()) + static_cast<std::int64_t>(rng.below(50)));
  };

  while (records.size() < kEvents / 2) add(static_cast<std::int64_t>(rng.below(1000)));
  for (std::size_t i = 0; i < ids.size(); i += 1 + rng.below(10)) {
    ASSERT_TRUE(q.cancel(ids[i]));
    records[i].cancelled = true;
  }
  // Run in slices so that top-ups interleave with running events.
  for (std::int64_t t = 0; !q.idle(); t += 100) {
    q.run_until(at(Duration{t}));
    while (records.size() < kEvents && rng.chance(0.5)) add(t + static_cast<std::int64_t>(rng.below(1000)));
  }
  while (records.size() < kEvents) add(to_nanos(q.now()) + static_cast<std::int64_t>(rng.below(1000)));
  q.run_until_idle();

  std::vector<Record> want;
  for (const auto& r : records)
    if (!r.cancelled) want.push_back(r);
  std::stable_sort(want.begin(), want.end(), [](const Record& a, const Record& b) { return a.when < b.when; });
  ASSERT_EQ(ran.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) ASSERT_EQ(ran[i], want[i].index) << "at position " << i;
  EXPECT_EQ(q.events_run(), want.size());
  EXPECT_EQ(records.size(), static_cast<std::size_t>(kEvents));
}

}  // namespace
}  // namespace wirestack::sim
