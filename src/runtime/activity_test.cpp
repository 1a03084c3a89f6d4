// runtime/activity_test.cpp — the activity loop every host shares: rounds,
// hooks added and removed from inside hooks, rounds repeated while the world
// delivers to itself (bounded), the round's events, and the wake-up rule.
#include "runtime/activity.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace wirestack::runtime {
namespace {

using namespace std::chrono_literals;

// A world that records its steps and delivers to itself `loops` more times.
struct FakeWorld final : ActivityLoop::World {
  std::vector<std::string>* log = nullptr;
  int loops = 0;
  int flushes = 0;
  std::vector<EchoReply> replies;  // handed over at the next collect()
  void collect(ActivityLoop& loop) override {
    log->push_back("collect");
    for (auto& r : replies) loop.echo_replies.push_back(r);
    replies.clear();
  }
  bool flush() override {
    log->push_back("flush");
    ++flushes;
    return loops-- > 0;
  }
};

// A world whose collect() reports the given sockets as changed, once.
struct ChangingWorld final : ActivityLoop::World {
  std::vector<tcp::SocketHandle> changed;
  void collect(ActivityLoop& loop) override {
    loop.tcp_changed = changed;
    changed.clear();
  }
  bool flush() override { return false; }
};

constexpr tcp::SocketHandle sock(std::uint32_t i) { return tcp::SocketHandle{.index = i, .generation = 1}; }

TEST(ActivityLoop, AWatcherRunsOnlyInRoundsWhereItsSocketChangedBeforeTheHooks) {
  ChangingWorld world;
  ActivityLoop loop;
  std::vector<std::string> log;
  loop.watch(sock(1), [&] { log.push_back("w1"); });
  loop.watch(sock(2), [&] { log.push_back("w2"); });
  loop.add([&] { log.push_back("hook"); });
  EXPECT_FALSE(loop.run(world));  // nothing changed: the hook only
  world.changed = {sock(2)};
  EXPECT_FALSE(loop.run(world));
  world.changed = {sock(1), sock(3), sock(2)};  // 3 has no watcher
  EXPECT_FALSE(loop.run(world));
  world.changed = {tcp::SocketHandle{.index = 1, .generation = 2}};  // slot 1 reused: another socket
  EXPECT_FALSE(loop.run(world));
  EXPECT_EQ(log, (std::vector<std::string>{"hook", "w2", "hook", "w1", "w2", "hook", "hook"}));
  EXPECT_EQ(loop.watchers(), 2u);
}

TEST(ActivityLoop, AWatcherMayUnwatchOrReplaceItselfAndOthersFromInside) {
  ChangingWorld world;
  ActivityLoop loop;
  std::vector<std::string> log;
  // w1 removes itself and w2 in its first run; the captured string proves
  // the running function outlived the unwatch (ASan would see it otherwise).
  loop.watch(sock(1), [&, name = std::string("w1-with-a-long-capture-off-the-small-buffer")] {
    log.push_back(name);
    loop.unwatch(sock(1));
    loop.unwatch(sock(2));
    log.push_back(name);
  });
  loop.watch(sock(2), [&] { log.push_back("w2"); });
  loop.watch(sock(3), [&] {
    log.push_back("w3");
    loop.watch(sock(3), [&] { log.push_back("w3'"); });  // takes effect after the run
  });
  world.changed = {sock(1), sock(2), sock(3)};
  EXPECT_FALSE(loop.run(world));
  world.changed = {sock(1), sock(2), sock(3)};
  EXPECT_FALSE(loop.run(world));
  const std::string w1 = "w1-with-a-long-capture-off-the-small-buffer";
  EXPECT_EQ(log, (std::vector<std::string>{w1, w1, "w3", "w3'"}));
  EXPECT_EQ(loop.watchers(), 1u);
}

TEST(ActivityLoop, ARoundCollectsRunsTheHooksInOrderThenFlushes) {
  std::vector<std::string> log;
  FakeWorld world;
  world.log = &log;
  ActivityLoop loop;
  loop.add([&] { log.push_back("a"); });
  loop.add([&] { log.push_back("b"); });
  EXPECT_FALSE(loop.run(world));
  EXPECT_EQ(log, (std::vector<std::string>{"collect", "a", "b", "flush"}));
}

TEST(ActivityLoop, RoundsRepeatWhileTheWorldDeliversToItselfAtMostSixteen) {
  std::vector<std::string> log;
  FakeWorld world;
  world.log = &log;
  ActivityLoop loop;
  int runs = 0;
  loop.add([&] { ++runs; });
  world.loops = 2;
  EXPECT_FALSE(loop.run(world));
  EXPECT_EQ(runs, 3);
  world.loops = 1000;  // two applications answering each other for ever
  runs = 0;
  EXPECT_TRUE(loop.run(world));  // still busy: the host gives the world a turn
  EXPECT_EQ(runs, ActivityLoop::kMaxRounds);
}

TEST(ActivityLoop, AKickFromAHookIsAnotherRoundNotARecursion) {
  std::vector<std::string> log;
  FakeWorld world;
  world.log = &log;
  ActivityLoop loop;
  int depth = 0;
  int max_depth = 0;
  int runs = 0;
  loop.add([&] {
    ++depth;
    max_depth = std::max(max_depth, depth);
    if (runs++ == 0) {
      EXPECT_FALSE(loop.run(world));  // the hook kicks its host
    }
    --depth;
  });
  EXPECT_FALSE(loop.run(world));
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(max_depth, 1);
}

TEST(ActivityLoop, HooksAddedAndRemovedInsideAHook) {
  std::vector<std::string> log;
  FakeWorld world;
  world.log = &log;
  ActivityLoop loop;
  std::vector<std::string> seen;
  std::size_t self = 0;
  self = loop.add([&] {
    seen.push_back("once");
    loop.remove(self);  // removing itself while running is safe
    loop.add([&] { seen.push_back("late"); });
  });
  loop.run(world);
  loop.run(world);
  EXPECT_EQ(seen, (std::vector<std::string>{"once", "late", "late"}));
}

TEST(ActivityLoop, UnclaimedEventsLastOneRound) {
  std::vector<std::string> log;
  FakeWorld world;
  world.log = &log;
  world.replies.push_back(EchoReply{.ident = 7, .seq = 1});
  world.replies.push_back(EchoReply{.ident = 9, .seq = 1});
  ActivityLoop loop;
  std::vector<std::uint16_t> taken;
  std::size_t seen_by_second = 0;
  loop.add([&] {  // takes what is addressed to ident 7
    auto& r = loop.echo_replies;
    for (auto it = r.begin(); it != r.end();) {
      if (it->ident == 7) {
        taken.push_back(it->seq);
        it = r.erase(it);
      } else {
        ++it;
      }
    }
  });
  loop.add([&] { seen_by_second += loop.echo_replies.size(); });
  loop.run(world);
  EXPECT_EQ(taken, (std::vector<std::uint16_t>{1}));
  EXPECT_EQ(seen_by_second, 1u);  // the other one, not the taken one
  loop.run(world);
  EXPECT_EQ(seen_by_second, 1u);  // dropped after its round
}

TEST(ActivityLoop, AWakeRequestStandsUntilItsTimeAndTheEarliestWins) {
  ActivityLoop loop;
  const Instant t0{};
  EXPECT_FALSE(loop.wake());
  EXPECT_TRUE(loop.request_wake(t0 + 50ms));
  EXPECT_FALSE(loop.request_wake(t0 + 80ms));  // a later one: the earlier stands
  EXPECT_TRUE(loop.request_wake(t0 + 20ms));   // an earlier one replaces it
  EXPECT_EQ(loop.wake(), t0 + 20ms);
  EXPECT_FALSE(loop.take_due(t0 + 10ms));  // not yet: the request stands
  EXPECT_EQ(loop.wake(), t0 + 20ms);
  EXPECT_TRUE(loop.take_due(t0 + 25ms));
  EXPECT_FALSE(loop.wake());
  EXPECT_FALSE(loop.take_due(t0 + 30ms));
}

}  // namespace
}  // namespace wirestack::runtime
