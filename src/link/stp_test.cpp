#include "link/stp.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <sstream>

namespace wirestack::link {
namespace {

using namespace std::chrono_literals;

Instant at(Duration d) { return Instant{} + d; }

// Bridges joined by point-to-point cables that deliver BPDUs at once. A
// cable can be cut (carrier lost at both ends) or made silent (BPDUs lost,
// carrier kept: only the message age timer can notice).
class Lan {
 public:
  struct Cable {
    std::size_t a;
    StpPort pa;
    std::size_t b;
    StpPort pb;
    bool up = true;
    bool silent = false;
  };

  std::size_t add(std::uint32_t serial, std::size_t ports, StpConfig cfg = {}) {
    bridges_.push_back(std::make_unique<SpanningTree>(MacAddress::from_parts(0x025742, serial), ports, cfg, now_));
    return bridges_.size() - 1;
  }
  std::size_t cable(std::size_t a, StpPort pa, std::size_t b, StpPort pb) {
    cables_.push_back(Cable{a, pa, b, pb});
    bridges_[a]->enable_port(pa, now_);
    bridges_[b]->enable_port(pb, now_);
    deliver();
    return cables_.size() - 1;
  }
  void cut(std::size_t c) {
    cables_[c].up = false;
    bridges_[cables_[c].a]->disable_port(cables_[c].pa, now_);
    bridges_[cables_[c].b]->disable_port(cables_[c].pb, now_);
    deliver();
  }
  void silence(std::size_t c) { cables_[c].silent = true; }

  SpanningTree& operator[](std::size_t i) { return *bridges_[i]; }
  Instant now() const { return now_; }

  // Runs every timer up to `until`, delivering what each step sends.
  void run_until(Instant until) {
    for (;;) {
      Instant next = Instant::max();
      for (auto& b : bridges_) next = std::min(next, b->poll_at());
      if (next > until) break;
      now_ = next;
      for (auto& b : bridges_) b->poll(now_);
      deliver();
    }
    now_ = until;
  }
  std::vector<std::pair<std::size_t, BpduRepr>> sent;  // every BPDU, by sending bridge

 private:
  void deliver() {
    for (bool any = true; any;) {
      any = false;
      for (std::size_t i = 0; i < bridges_.size(); ++i) {
        for (const StpTransmit& t : bridges_[i]->take_transmits()) {
          any = true;
          sent.emplace_back(i, t.bpdu);
          for (const Cable& c : cables_) {
            if (!c.up || c.silent) continue;
            if (c.a == i && c.pa == t.port) bridges_[c.b]->receive(c.pb, t.bpdu, now_);
            if (c.b == i && c.pb == t.port) bridges_[c.a]->receive(c.pa, t.bpdu, now_);
          }
        }
      }
    }
  }
  Instant now_{};
  std::deque<std::unique_ptr<SpanningTree>> bridges_;
  std::vector<Cable> cables_;
};

// b0 (lowest id) - b1 - b2 - b0: a triangle.
struct Triangle : ::testing::Test {
  Lan lan;
  std::size_t b0 = lan.add(1, 2), b1 = lan.add(2, 2), b2 = lan.add(3, 2);
  std::size_t c01 = lan.cable(b0, 0, b1, 0);
  std::size_t c12 = lan.cable(b1, 1, b2, 0);
  std::size_t c20 = lan.cable(b2, 1, b0, 1);
};

TEST_F(Triangle, ElectsTheLowestBridgeIdAsRoot) {
  // Enabling a port sends nothing (802.1D 8.8.1): the first hellos, at
  // hello_time, settle the election.
  lan.run_until(at(1s));
  EXPECT_TRUE(lan[b2].is_root());
  lan.run_until(at(2s));
  for (std::size_t b : {b0, b1, b2}) {
    EXPECT_EQ(lan[b].root(), lan[b0].bridge_id()) << "bridge " << b;
  }
  EXPECT_TRUE(lan[b0].is_root());
  EXPECT_FALSE(lan[b1].is_root());
  EXPECT_EQ(lan[b1].root_path_cost(), 19u);
  EXPECT_EQ(lan[b2].root_path_cost(), 19u);
}

TEST_F(Triangle, GivesRolesAndBlocksOnePortOfTheLoop) {
  lan.run_until(at(31s));
  EXPECT_EQ(lan[b0].role(0), PortRole::designated);
  EXPECT_EQ(lan[b0].role(1), PortRole::designated);
  EXPECT_EQ(lan[b1].role(0), PortRole::root);
  EXPECT_EQ(lan[b2].role(1), PortRole::root);
  // On the b1-b2 segment both offer cost 19: the lower bridge id (b1) is designated.
  EXPECT_EQ(lan[b1].role(1), PortRole::designated);
  EXPECT_EQ(lan[b2].role(0), PortRole::alternate);
  EXPECT_EQ(lan[b2].state(0), PortState::blocking);
  for (auto [b, p] : {std::pair{b0, 0}, {b0, 1}, {b1, 0}, {b1, 1}, {b2, 1}}) {
    EXPECT_EQ(lan[b].state(static_cast<StpPort>(p)), PortState::forwarding) << "bridge " << b << " port " << p;
  }
}

TEST_F(Triangle, PortsListenAndLearnForOneForwardDelayEach) {
  lan.run_until(at(14s));
  EXPECT_EQ(lan[b0].state(0), PortState::listening);
  EXPECT_FALSE(lan[b0].learning(0));
  lan.run_until(at(15s));
  EXPECT_EQ(lan[b0].state(0), PortState::learning);
  EXPECT_TRUE(lan[b0].learning(0));
  EXPECT_FALSE(lan[b0].forwarding(0));
  lan.run_until(at(30s) - 1ns);
  EXPECT_FALSE(lan[b0].forwarding(0));
  lan.run_until(at(30s));
  EXPECT_TRUE(lan[b0].forwarding(0));
  std::vector<PortChange> changes = lan[b0].take_changes();
  ASSERT_EQ(changes.size(), 6u);  // per port: disabled -> listening, -> learning, -> forwarding
  EXPECT_EQ(changes[0].from, PortState::disabled);
  EXPECT_EQ(changes[0].to, PortState::listening);
  EXPECT_EQ(changes[0].at, at(0s));
  std::ostringstream os;
  os << changes[changes.size() - 2];
  EXPECT_EQ(changes.back().at, at(30s));
  EXPECT_NE(os.str().find("learning -> forwarding (designated port)"), std::string::npos) << os.str();
}

TEST_F(Triangle, RootSendsHelloEveryHelloTimeOnItsDesignatedPorts) {
  lan.run_until(at(10s));
  lan.sent.clear();
  lan.run_until(at(20s));
  std::size_t from_root = 0;
  for (const auto& [b, bpdu] : lan.sent) {
    if (b == b0) {
      ++from_root;
      EXPECT_EQ(bpdu.type, BpduType::config);
      EXPECT_EQ(bpdu.message_age, Duration::zero());
      EXPECT_EQ(bpdu.hello_time, 2s);
    }
  }
  EXPECT_EQ(from_root, 10u);  // 5 hellos x 2 ports
}

TEST_F(Triangle, ForwardingPortsMakeTopologyChangeThatTheRootAnnounces) {
  lan.run_until(at(31s));
  // b1's and b2's designated ports went forwarding: they sent TCNs to the
  // root, which acknowledged them and set TC in its BPDUs.
  bool tcn = false, tca = false, tc = false;
  for (const auto& [b, bpdu] : lan.sent) {
    tcn = tcn || (b != b0 && bpdu.type == BpduType::tcn);
    tca = tca || (b == b0 && bpdu.topology_change_ack);
    tc = tc || (b == b0 && bpdu.topology_change);
  }
  EXPECT_TRUE(tcn);
  EXPECT_TRUE(tca);
  EXPECT_TRUE(tc);
  EXPECT_TRUE(lan[b0].topology_change());
  lan.run_until(at(32s));  // the next hello carries TC to every bridge
  EXPECT_TRUE(lan[b2].topology_change());
  EXPECT_GT(lan[b1].counters().tcn_sent, 0u);
  // The root keeps TC for max_age + forward_delay (35 s), then clears it.
  lan.run_until(at(70s));
  EXPECT_FALSE(lan[b0].topology_change());
  EXPECT_FALSE(lan[b2].topology_change());
}

TEST_F(Triangle, CarrierLossReconvergesThroughTheAlternatePort) {
  lan.run_until(at(40s));
  lan[b2].take_changes();
  lan.cut(c20);  // b2's root port dies
  EXPECT_EQ(lan[b2].state(1), PortState::disabled);
  EXPECT_EQ(lan[b2].root_port(), StpPort{0});
  EXPECT_EQ(lan[b2].state(0), PortState::listening);
  EXPECT_EQ(lan[b2].root_path_cost(), 38u);
  lan.run_until(at(70s));
  EXPECT_EQ(lan[b2].state(0), PortState::forwarding);
  const auto changes = lan[b2].take_changes();
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[1].to, PortState::listening);
  EXPECT_EQ(changes[1].role, PortRole::root);
  EXPECT_EQ(changes[3].at, at(70s));
  EXPECT_EQ(lan[b0].root_port(), std::nullopt);
}

TEST_F(Triangle, SilentFailureIsNoticedWhenTheMessageAgeRunsOut) {
  lan.run_until(at(40s));
  lan.silence(c20);  // no BPDU crosses any more, carriers stay up
  lan.run_until(at(50s));
  EXPECT_EQ(lan[b2].root_port(), StpPort{1});  // still believes the old path
  lan.run_until(at(62s));
  // At most max_age (20 s) after the last BPDU, the information aged out:
  // b2 took the path through b1 and offers itself as designated on c20.
  EXPECT_EQ(lan[b2].root_port(), StpPort{0});
  EXPECT_EQ(lan[b2].role(1), PortRole::designated);
  lan.run_until(at(100s));
  EXPECT_TRUE(lan[b2].forwarding(0));
}

TEST(SpanningTree, PriorityDecidesTheRoot) {
  Lan lan;
  const std::size_t a = lan.add(1, 1);
  const std::size_t b = lan.add(2, 1, StpConfig{.priority = 0x1000});
  lan.cable(a, 0, b, 0);
  lan.run_until(at(2s));
  EXPECT_TRUE(lan[b].is_root());
  EXPECT_EQ(lan[a].root(), lan[b].bridge_id());
  EXPECT_EQ(lan[a].root_port(), StpPort{0});
}

TEST(SpanningTree, PathCostChoosesTheRootPort) {
  // Two cables between root r and bridge x: the cheaper one is the root port
  // even though its port id is higher.
  Lan lan;
  const std::size_t r = lan.add(1, 2);
  const std::size_t x = lan.add(2, 2);
  lan[x].set_path_cost(0, 100);
  lan[x].set_path_cost(1, 4);
  lan.cable(r, 0, x, 0);
  lan.cable(r, 1, x, 1);
  lan.run_until(at(31s));
  EXPECT_EQ(lan[x].root_port(), StpPort{1});
  EXPECT_EQ(lan[x].root_path_cost(), 4u);
  EXPECT_EQ(lan[x].role(0), PortRole::alternate);
  EXPECT_EQ(lan[x].state(0), PortState::blocking);
}

TEST(SpanningTree, EqualCostsTieOnTheSendersPortId) {
  Lan lan;
  const std::size_t r = lan.add(1, 2);
  const std::size_t x = lan.add(2, 2);
  lan.cable(r, 1, x, 0);  // x port 0 hears r's port 2 (id 0x8002)
  lan.cable(r, 0, x, 1);  // x port 1 hears r's port 1 (id 0x8001): better
  lan.run_until(at(31s));
  EXPECT_EQ(lan[x].root_port(), StpPort{1});
  EXPECT_EQ(lan[x].state(0), PortState::blocking);
}

TEST(SpanningTree, HoldTimeDefersASecondConfigOnAPort) {
  const Instant t0 = at(0s);
  SpanningTree s(MacAddress::from_parts(0x025742, 9), 1, {}, t0);
  s.enable_port(0, t0);
  s.poll(at(2s));  // hello
  ASSERT_EQ(s.take_transmits().size(), 1u);
  // A worse BPDU on our designated port asks for a reply, but the hold timer runs.
  BpduRepr worse;
  worse.root = BridgeId{0xf000, MacAddress::from_parts(0x025742, 99)};
  worse.bridge = worse.root;
  worse.max_age = 20s;
  s.receive(0, worse, at(2s) + 100ms);
  EXPECT_TRUE(s.take_transmits().empty());
  EXPECT_EQ(s.poll_at(), at(3s));
  s.poll(at(3s));
  EXPECT_EQ(s.take_transmits().size(), 1u);  // the pending reply, at the end of the hold time
}

TEST(SpanningTree, IgnoresBpdusOnDisabledPortsAndAgedOutOnes) {
  SpanningTree s(MacAddress::from_parts(0x025742, 9), 2, {}, at(0s));
  s.enable_port(0, at(0s));
  BpduRepr better;
  better.root = BridgeId{0x1000, MacAddress::from_parts(0x025742, 1)};
  better.bridge = better.root;
  better.max_age = 20s;
  s.receive(1, better, at(1s));  // port 1 is disabled
  better.message_age = 20s;
  s.receive(0, better, at(1s));  // as old as max_age
  EXPECT_TRUE(s.is_root());
  EXPECT_EQ(s.counters().ignored, 2u);
  better.message_age = 1s;
  s.receive(0, better, at(1s));
  EXPECT_FALSE(s.is_root());
  // It ages out 19 s later: the bridge is root again and says so.
  s.poll(at(20s) - 1ns);
  EXPECT_FALSE(s.is_root());
  s.poll(at(20s));
  EXPECT_TRUE(s.is_root());
}

TEST(SpanningTree, DefaultPathCostsFollowTheStandardTable) {
  EXPECT_EQ(default_path_cost(10'000'000), 100u);
  EXPECT_EQ(default_path_cost(100'000'000), 19u);
  EXPECT_EQ(default_path_cost(1'000'000'000), 4u);
  EXPECT_EQ(default_path_cost(10'000'000'000), 2u);
  EXPECT_EQ(default_path_cost(0), 2u);
  EXPECT_EQ(default_path_cost(1'000'000), 250u);
}

}  // namespace
}  // namespace wirestack::link
