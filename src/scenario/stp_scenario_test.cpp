// scenario/stp_scenario_test.cpp — the spanning tree in whole runs: the
// storm's loop with `stp = true` converges (BPDUs on the wire, one port
// blocked, pings answered, no storm), reconverges after a cable fails (the
// narrative names the port), and the topology keys are checked.
#include <gtest/gtest.h>

#include <sstream>

#include "scenario/builtin.hpp"
#include "scenario/network.hpp"
#include "scenario/runner.hpp"

namespace wirestack::scenario {
namespace {

using namespace std::chrono_literals;

TEST(StormStp, ConvergesBlocksOnePortAndReconvergesAfterTheFailure) {
  auto t = load_builtin("storm-stp");
  ASSERT_TRUE(t) << t.error();
  std::size_t bpdus = 0;
  RunConfig cfg{.seed = 1, .until = t->until, .narrate = true};
  cfg.listeners.push_back([&](const FrameEvent& e) { bpdus += e.dissection->bpdu.has_value() ? 1 : 0; });
  std::ostringstream os;
  auto r = run(*t, cfg, os);
  ASSERT_TRUE(r) << r.error();
  const std::string text = os.str();
  EXPECT_TRUE(r->passed) << text.substr(text.find("== results"));
  EXPECT_FALSE(r->summary.storm);
  EXPECT_GT(bpdus, 20u);
  EXPECT_NE(text.find("sw1 -> sw2  STP      root 1000.02:57:42:00:10:00 cost 0, from bridge 1000.02:57:42:00:10:00 "
                      "port id 0x8003"),
            std::string::npos);
  EXPECT_NE(text.find("sw2 -> sw1  STP      topology change notification"), std::string::npos);
  // The loop is cut at sw2's port 2; after the cable of port 1 fails at 20 s
  // that port becomes the root port and forwards 2 x forward_delay later.
  EXPECT_NE(text.find("---- stp: sw2 port 2: listening -> blocking (alternate port, cutting the loop) ----"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("20.000000  ---- stp: sw2 port 1: forwarding -> disabled ----"), std::string::npos) << text;
  EXPECT_NE(text.find("20.000000  ---- stp: sw2 port 2: blocking -> listening (root port) ----"), std::string::npos);
  EXPECT_NE(text.find("28.000000  ---- stp: sw2 port 2: learning -> forwarding (root port) ----"), std::string::npos);
  EXPECT_NE(text.find("ping across the tree:  3 packets transmitted, 3 received"), std::string::npos);
  EXPECT_NE(text.find("ping after the tree reconverged:  3 packets transmitted, 3 received"), std::string::npos);
  EXPECT_NE(text.find("sw2: spanning tree root 1000.02:57:42:00:10:00 at cost 19 through port 2: port 0 forwarding, "
                      "port 1 disabled, port 2 forwarding (root)\n"),
            std::string::npos);
}

TEST(StormStp, WithoutTheTreeTheSameLoopStorms) {
  auto t = load_builtin("storm-stp");
  ASSERT_TRUE(t) << t.error();
  for (auto& n : t->nodes) n.stp.reset();
  auto net = Network::build(*t, 1);
  ASSERT_TRUE(net) << net.error();
  const auto s = (*net)->world().run_until(Instant{} + 15s);
  EXPECT_TRUE(s.storm);
}

TEST(StormStp, SwitchesWithTheTreeSendBpdusAndBlockThePortClosingTheLoop) {
  auto t = load_builtin("storm-stp");
  ASSERT_TRUE(t) << t.error();
  auto net = Network::build(*t, 1);
  ASSERT_TRUE(net) << net.error();
  sim::World& w = (*net)->world();
  w.run_until(Instant{} + 15s);
  const sim::Switch& sw1 = *w.find_switch("sw1");
  const sim::Switch& sw2 = *w.find_switch("sw2");
  ASSERT_NE(sw1.stp(), nullptr);
  EXPECT_TRUE(sw1.stp()->is_root());
  EXPECT_EQ(sw2.stp()->root_port(), link::StpPort{1});
  EXPECT_EQ(sw2.stp()->state(2), link::PortState::blocking);
  EXPECT_EQ(sw2.stp()->state(1), link::PortState::forwarding);
  EXPECT_GT(sw2.counters(2).bpdu_rx, 0u);
  EXPECT_GT(sw1.counters(2).bpdu_tx, 0u);
  // A blocked port only listens: BPDUs in, nothing out (it sent one while
  // it still thought itself designated, before sw1's first hello).
  const auto before = sw2.counters(2);
  w.run_until(Instant{} + 19s);
  EXPECT_EQ(sw2.counters(2).bpdu_tx, before.bpdu_tx);
  EXPECT_EQ(sw2.counters(2).tx_frames, before.tx_frames);
  EXPECT_GT(sw2.counters(2).bpdu_rx, before.bpdu_rx);
  EXPECT_GT(sw2.counters(2).dropped_blocked, 0u);  // the ARP broadcast sw1 flooded into it
  EXPECT_FALSE(w.storms().storm_detected());
}

// Four switches in a ring, three hosts on each, every host pinging one on
// another switch at once: with the tree, every broadcast crosses each switch
// once, every ping is answered and the storm detector stays quiet; without
// it, the same ring storms.
std::string ring(bool stp) {
  std::ostringstream t;
  t << "[scenario]\nuntil = \"20s\"\n";
  for (int s = 0; s < 4; ++s) {
    t << "[[switch]]\nname = \"s" << s << "\"\nports = 6\n";
    if (stp) t << "stp = true\nforward_delay = 4\nmax_age = 6\n";
  }
  for (int h = 0; h < 12; ++h) {
    t << "[[host]]\nname = \"h" << h << "\"\n";
    t << "[[link]]\nfrom = \"h" << h << "\"\nfrom_address = \"10.0.0." << h + 1 << "/24\"\nto = \"s" << h / 3 << "\"\n";
    t << "[[app]]\ntype = \"ping\"\nhost = \"h" << h << "\"\nto = \"10.0.0." << (h + 4) % 12 + 1
      << "\"\ncount = 2\nat = \"10s\"\n";
  }
  for (int s = 0; s < 4; ++s) t << "[[link]]\nfrom = \"s" << s << "\"\nto = \"s" << (s + 1) % 4 << "\"\n";
  return t.str();
}

TEST(StpRing, ConvergedTreeCarriesEveryPingWithoutAStorm) {
  auto t = load_topology(ring(true), "ring.toml");
  ASSERT_TRUE(t) << t.error();
  std::ostringstream os;
  auto r = run(*t, RunConfig{.seed = 1, .until = t->until, .narrate = false}, os);
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(r->passed) << os.str();
  EXPECT_FALSE(r->summary.storm);
  // Exactly one port in the ring is blocked.
  EXPECT_EQ(os.str().find("(alternate)"), os.str().rfind("(alternate)")) << os.str();
  EXPECT_NE(os.str().find("(alternate)"), std::string::npos) << os.str();

  auto loop = load_topology(ring(false), "ring.toml");
  ASSERT_TRUE(loop) << loop.error();
  auto net = Network::build(*loop, 1);
  ASSERT_TRUE(net) << net.error();
  EXPECT_TRUE((*net)->world().run_until(Instant{} + 20s).storm);
}

Result<Topology, std::string> with_switch(const std::string& keys, const std::string& link_keys = "") {
  return load_topology("[[host]]\nname = \"a\"\n[[switch]]\nname = \"sw\"\n" + keys +
                           "\n[[link]]\nfrom = \"a\"\nfrom_address = \"10.0.0.1/24\"\nto = \"sw\"\n" + link_keys + "\n",
                       "t.toml");
}

TEST(StpKeys, AreReadAndChecked) {
  auto ok = with_switch("stp = true\npriority = 8192\nhello_time = 1\nforward_delay = \"10s\"\nmax_age = 12",
                        "stp_cost = 7");
  ASSERT_TRUE(ok) << ok.error();
  const NodeSpec& sw = *ok->node("sw");
  ASSERT_TRUE(sw.stp.has_value());
  EXPECT_EQ(sw.stp->priority, 8192);
  EXPECT_EQ(sw.stp->hello_time, 1s);
  EXPECT_EQ(sw.stp->forward_delay, 10s);
  EXPECT_EQ(sw.stp->max_age, 12s);
  EXPECT_EQ(ok->links[0].stp_cost, 7u);
  EXPECT_FALSE(with_switch("")->node("sw")->stp.has_value());

  EXPECT_EQ(with_switch("priority = 4096").error(), "t.toml:5:12: switch: 'priority' is a spanning tree setting: add 'stp = true'");
  EXPECT_EQ(with_switch("stp = true\npriority = 100").error(),
            "t.toml:6:12: switch: 'priority' = 100 must be a multiple of 4096 (802.1D)");
  EXPECT_EQ(with_switch("stp = true\nforward_delay = \"2s\"").error(),
            "t.toml:6:17: switch: 'forward_delay' must be a whole number of seconds, 4..30 (802.1D)");
  EXPECT_EQ(with_switch("stp = true\nforward_delay = 4").error(),
            "t.toml:6:17: switch: 802.1D needs 2 x (forward_delay - 1s) >= max_age >= 2 x (hello_time + 1s); here "
            "forward_delay 4s, max_age 20s, hello_time 2s");
  EXPECT_EQ(with_switch("", "stp_cost = 4").error(),
            "t.toml:10:12: link: 'stp_cost' is the spanning tree's cost of a switch port: neither end is a switch "
            "with 'stp = true'");
  EXPECT_EQ(with_switch("stp = true", "stp_cost = 0").error(),
            "t.toml:10:12: link: 'stp_cost' = 0 is out of range (1..200000000)");
}

}  // namespace
}  // namespace wirestack::scenario
