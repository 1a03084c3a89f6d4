// link/mac_table_test.cpp — the learning switch's filtering database with
// explicit times: learning, aging at the exact instant, station moves, the
// forwarding decision (to port, flood, filter), flush_port, capacity, printing.
//
// Stations are 02:00:00:00:00:0N; ports are small numbers.
#include "link/mac_table.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace wirestack::link {
namespace {

using namespace std::chrono_literals;

constexpr MacAddress station(std::uint32_t n) { return MacAddress::from_parts(0x020000, n); }
constexpr Instant t(Duration d) { return at(d); }

template <class T>
std::string str(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

TEST(MacTable, LearnsAndLooksUp) {
  MacTable fdb;
  EXPECT_EQ(fdb.lookup(station(1), t(0s)), std::nullopt);
  EXPECT_EQ(fdb.learn(station(1), 3, t(1s)), LearnResult::learned);
  EXPECT_EQ(fdb.learn(station(1), 3, t(2s)), LearnResult::refreshed);
  EXPECT_EQ(fdb.lookup(station(1), t(2s)), PortId{3});
  EXPECT_EQ(fdb.lookup(station(2), t(2s)), std::nullopt);
  EXPECT_EQ(fdb.counters(), (MacTableCounters{.learned = 1, .hits = 1, .misses = 2}));
}

TEST(MacTable, AgesOutAtExactlyAgingTimeAfterTheLastFrame) {
  MacTable fdb;  // 300 s
  fdb.learn(station(1), 1, t(0s));
  fdb.learn(station(1), 1, t(100s));  // refresh
  EXPECT_EQ(fdb.decide(station(1), 2, t(400s) - 1ns), ForwardDecision::to(1));
  EXPECT_EQ(fdb.lookup(station(1), t(400s) - 1ns), PortId{1});
  EXPECT_EQ(fdb.decide(station(1), 2, t(400s)), ForwardDecision::flood());
  EXPECT_TRUE(fdb.entries(t(400s)).empty());
  EXPECT_EQ(fdb.lookup(station(1), t(400s)), std::nullopt);
  EXPECT_EQ(fdb.counters().aged_out, 1u);
  EXPECT_EQ(fdb.size(), 0u);
}

TEST(MacTable, ConfiguredAgingAndPurge) {
  MacTable fdb({.aging_time = 10s});
  fdb.learn(station(1), 1, t(0s));
  fdb.learn(station(2), 2, t(5s));
  EXPECT_EQ(fdb.purge_expired(t(10s)), 1u);
  EXPECT_EQ(fdb.size(), 1u);
  EXPECT_EQ(fdb.purge_expired(t(15s)), 1u);
  EXPECT_EQ(fdb.counters().aged_out, 2u);
}

TEST(MacTable, ExpiredStationIsLearnedAfresh) {
  MacTable fdb({.aging_time = 10s});
  fdb.learn(station(1), 1, t(0s));
  EXPECT_EQ(fdb.learn(station(1), 4, t(10s)), LearnResult::learned);  // not a move: the old entry was dead
  EXPECT_EQ(fdb.counters().moves, 0u);
  EXPECT_EQ(fdb.counters().aged_out, 1u);
  EXPECT_EQ(fdb.lookup(station(1), t(10s)), PortId{4});
}

TEST(MacTable, StationMoveUpdatesThePortAndIsCounted) {
  MacTable fdb;
  fdb.learn(station(1), 1, t(0s));
  EXPECT_EQ(fdb.learn(station(1), 2, t(1s)), LearnResult::moved);
  EXPECT_EQ(fdb.lookup(station(1), t(1s)), PortId{2});
  EXPECT_EQ(fdb.decide(station(1), 1, t(1s)), ForwardDecision::to(2));
  EXPECT_EQ(fdb.counters().moves, 1u);
  EXPECT_EQ(fdb.counters().learned, 1u);
  EXPECT_EQ(fdb.entries(t(3s)), (std::vector<MacEntry>{{.mac = station(1), .port = 2, .age = 2s}}));
}

TEST(MacTable, GroupAndZeroSourcesAreNotLearned) {
  MacTable fdb;
  EXPECT_EQ(fdb.learn(MacAddress::broadcast(), 1, t(0s)), LearnResult::ignored);
  EXPECT_EQ(fdb.learn(MacAddress::from_parts(0x01005e, 0x000001), 1, t(0s)), LearnResult::ignored);
  EXPECT_EQ(fdb.learn(MacAddress{}, 1, t(0s)), LearnResult::ignored);
  EXPECT_EQ(fdb.size(), 0u);
  EXPECT_EQ(fdb.counters().ignored_sources, 3u);
}

TEST(MacTable, FloodsBroadcastMulticastAndUnknownUnicast) {
  MacTable fdb;
  fdb.learn(station(1), 1, t(0s));
  EXPECT_EQ(fdb.decide(MacAddress::broadcast(), 1, t(0s)), ForwardDecision::flood());
  EXPECT_EQ(fdb.decide(MacAddress::from_parts(0x01005e, 0x000001), 2, t(0s)), ForwardDecision::flood());  // IPv4 mcast
  EXPECT_EQ(fdb.decide(MacAddress::from_parts(0x333300, 0x000001), 2, t(0s)), ForwardDecision::flood());  // IPv6 mcast
  EXPECT_EQ(fdb.decide(station(9), 2, t(0s)), ForwardDecision::flood());
  EXPECT_EQ(fdb.decide(station(1), 2, t(0s)), ForwardDecision::to(1));
  // decide() is pure: no counters, no entries changed.
  EXPECT_EQ(fdb.counters(), (MacTableCounters{.learned = 1}));
}

TEST(MacTable, FiltersAFrameForAStationOnTheIngressPort) {
  MacTable fdb;
  fdb.learn(station(1), 5, t(0s));
  fdb.learn(station(2), 5, t(0s));  // two stations behind one port (a hub, another switch)
  EXPECT_EQ(fdb.decide(station(2), 5, t(1s)), ForwardDecision::filter());
  EXPECT_EQ(fdb.decide(station(2), 6, t(1s)), ForwardDecision::to(5));
}

TEST(MacTable, FlushPortForgetsOnlyThatPort) {
  MacTable fdb;
  fdb.learn(station(1), 1, t(0s));
  fdb.learn(station(2), 2, t(0s));
  fdb.learn(station(3), 2, t(0s));
  EXPECT_EQ(fdb.flush_port(2), 2u);
  EXPECT_EQ(fdb.flush_port(2), 0u);
  EXPECT_EQ(fdb.decide(station(2), 1, t(1s)), ForwardDecision::flood());
  EXPECT_EQ(fdb.decide(station(1), 3, t(1s)), ForwardDecision::to(1));
  fdb.flush();
  EXPECT_EQ(fdb.size(), 0u);
  EXPECT_EQ(fdb.counters().flushed, 3u);
}

TEST(MacTable, FullTableRefusesNewStationsButKeepsServingKnownOnes) {
  MacTable fdb({.aging_time = 10s, .capacity = 2});
  EXPECT_EQ(fdb.learn(station(1), 1, t(0s)), LearnResult::learned);
  EXPECT_EQ(fdb.learn(station(2), 2, t(1s)), LearnResult::learned);
  EXPECT_EQ(fdb.learn(station(3), 3, t(2s)), LearnResult::refused);
  EXPECT_EQ(fdb.learn(station(4), 3, t(3s)), LearnResult::refused);
  EXPECT_EQ(fdb.counters().learn_refused, 2u);
  EXPECT_EQ(fdb.decide(station(3), 1, t(3s)), ForwardDecision::flood());  // unlearned: flooded
  // Known stations still refresh and move while full.
  EXPECT_EQ(fdb.learn(station(1), 1, t(4s)), LearnResult::refreshed);
  EXPECT_EQ(fdb.learn(station(2), 3, t(5s)), LearnResult::moved);
  // Station 1 last seen at 4 s expires at 14 s: then there is room.
  EXPECT_EQ(fdb.learn(station(3), 3, t(14s) - 1ns), LearnResult::refused);
  EXPECT_EQ(fdb.learn(station(3), 3, t(14s)), LearnResult::learned);
  EXPECT_EQ(fdb.counters().aged_out, 1u);
  EXPECT_EQ(fdb.lookup(station(1), t(14s)), std::nullopt);
  EXPECT_EQ(fdb.lookup(station(3), t(14s)), PortId{3});
}

TEST(MacTable, EntriesAreSortedByMacAndPrint) {
  MacTable fdb;
  for (std::uint32_t n : {0x30u, 0x04u, 0xffu, 0x10u}) fdb.learn(station(n), static_cast<PortId>(n % 7), t(1s));
  fdb.learn(station(0x04), 1, t(1500ms));
  std::string text;
  for (const MacEntry& e : fdb.entries(t(2500ms))) text += str(e) + "\n";
  EXPECT_EQ(text,
            "02:00:00:00:00:04 port 1 age 1.000s\n"
            "02:00:00:00:00:10 port 2 age 1.500s\n"
            "02:00:00:00:00:30 port 6 age 1.500s\n"
            "02:00:00:00:00:ff port 3 age 1.500s\n");
  EXPECT_EQ(str(ForwardDecision::to(3)), "port 3");
  EXPECT_EQ(str(ForwardDecision::flood()), "flood");
  EXPECT_EQ(str(ForwardDecision::filter()), "filter");
  EXPECT_EQ(str(LearnResult::moved), "moved");
}

}  // namespace
}  // namespace wirestack::link
