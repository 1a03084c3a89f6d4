// sim/stp_switch_test.cpp — a Switch with spanning tree: what each port
// state lets through (listening: nothing; learning: learned, not forwarded;
// forwarding: both), its BPDUs on the wire, and a lost carrier disabling
// the port at once.
#include <gtest/gtest.h>

#include "app/ping.hpp"
#include "sim/world.hpp"
#include "wire/stp.hpp"

namespace wirestack::sim {
namespace {

using namespace std::chrono_literals;

Instant at(Duration d) { return Instant{} + d; }

struct OneBridge : ::testing::Test {
  World w{1};
  Switch& sw = w.add_switch("sw", 2, SwitchConfig{.stp = link::StpConfig{.max_age = 6s, .forward_delay = 4s}});
  Host& a = w.add_host("a");
  Host& b = w.add_host("b");
  std::vector<BpduRepr> bpdus;
  void SetUp() override {
    w.set_tracer([this](const WorldLink&, int, Instant, Bytes frame) {
      if (auto bpdu = parse_bpdu_frame(frame)) bpdus.push_back(*bpdu);
    });
    ASSERT_TRUE(w.connect(a, sw, 0, "10.0.0.1/24"));
    ASSERT_TRUE(w.connect(b, sw, 1, "10.0.0.2/24"));
  }
};

TEST_F(OneBridge, ListeningDropsLearningLearnsForwardingForwards) {
  // Both hosts announced themselves at 0 s on listening ports: dropped, not learned.
  w.run_until(at(1s));
  EXPECT_EQ(sw.stp()->state(0), link::PortState::listening);
  EXPECT_EQ(sw.counters(0).dropped_blocked, 1u);
  EXPECT_EQ(sw.table().size(), 0u);
  EXPECT_EQ(b.stack().counters().arp.rx, 0u);
  // Learning (4 s to 8 s): a's ARP request is learned, still not forwarded.
  app::Ping early(a, *Ipv4Address::parse("10.0.0.2"), {.count = 1, .start = 4s});  // at 5 s
  w.run_until(at(6s));
  EXPECT_EQ(sw.stp()->state(0), link::PortState::learning);
  EXPECT_EQ(sw.table().size(), 1u);
  EXPECT_EQ(sw.counters(0).dropped_blocked, 2u);
  EXPECT_EQ(b.stack().counters().arp.rx, 0u);
  // Forwarding from 8 s: a ping goes through.
  app::Ping late(a, *Ipv4Address::parse("10.0.0.2"), {.count = 2, .start = 3s});  // at 9 s
  w.run_until(at(12s));
  EXPECT_EQ(sw.stp()->state(1), link::PortState::forwarding);
  EXPECT_EQ(late.result().received, 2);
  EXPECT_FALSE(w.storms().storm_detected());
}

TEST_F(OneBridge, SendsConfigurationBpdusAsRootFromEachPort) {
  w.run_until(at(10s));
  ASSERT_GE(bpdus.size(), 8u);  // a hello every 2 s on each of the two ports
  for (const BpduRepr& bpdu : bpdus) {
    EXPECT_EQ(bpdu.type, BpduType::config);
    EXPECT_EQ(bpdu.root, sw.stp()->bridge_id());
    EXPECT_EQ(bpdu.root.mac, MacAddress::from_parts(kSimBridgeOui, 1 << 12));
    EXPECT_EQ(bpdu.forward_delay, 4s);
  }
  EXPECT_EQ(sw.counters(0).bpdu_tx + sw.counters(1).bpdu_tx, bpdus.size());
  // The hosts do not speak STP: the BPDUs reach them and are dropped there.
  EXPECT_EQ(sw.counters(0).bpdu_rx, 0u);
}

TEST_F(OneBridge, ALostCarrierDisablesThePortAtOnce) {
  w.run_until(at(10s));
  a.link_of(0)->set_up(false);
  EXPECT_EQ(sw.stp()->state(0), link::PortState::disabled);
  a.link_of(0)->set_up(true);
  EXPECT_EQ(sw.stp()->state(0), link::PortState::listening);
  w.run_until(at(18s) + 1ms);
  EXPECT_EQ(sw.stp()->state(0), link::PortState::forwarding);
}

}  // namespace
}  // namespace wirestack::sim
