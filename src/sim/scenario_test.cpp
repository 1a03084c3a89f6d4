// sim/scenario_test.cpp — the scenario tests of issue [2/6]: two LANs of
// three hosts joined by a router; loss and bit errors; fragmentation of a UDP
// datagram across a smaller MTU. Every check is an outcome (replies, errors,
// counters, what the captures hold), not only that the run finished.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

#include "dev/pcap_file.hpp"
#include "app/ping.hpp"
#include "app/udp_apps.hpp"
#include "sim/world.hpp"
#include "wire/dissect.hpp"

namespace wirestack::sim {
using namespace app;  // the applications (src/app/) these tests run
namespace {

using namespace std::chrono_literals;

Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

// LAN 1: sw1 with h1..h3 (10.0.1.11-13) and the router (10.0.1.1).
// LAN 2: sw2 with h4..h6 (10.0.2.14-16) and the router (10.0.2.1).
struct TwoLans {
  explicit TwoLans(std::uint64_t seed, const std::string& capture_dir = {}) : w(seed) {
    if (!capture_dir.empty()) {
      std::filesystem::remove_all(capture_dir);
      EXPECT_TRUE(w.capture_to(capture_dir));
    }
    auto& sw1 = w.add_switch("sw1", 8);
    auto& sw2 = w.add_switch("sw2", 8);
    r = &w.add_router("r");
    EXPECT_TRUE(w.connect(*r, sw1, 0, "10.0.1.1/24"));
    EXPECT_TRUE(w.connect(*r, sw2, 0, "10.0.2.1/24"));
    for (int i = 1; i <= 6; ++i) {
      Host& h = w.add_host("h" + std::to_string(i));
      const bool lan1 = i <= 3;
      const std::string addr = (lan1 ? "10.0.1." : "10.0.2.") + std::to_string(10 + i) + "/24";
      EXPECT_TRUE(w.connect(h, lan1 ? sw1 : sw2, static_cast<PortId>(i), addr));
      EXPECT_TRUE(w.set_gateway(h, lan1 ? "10.0.1.1" : "10.0.2.1"));
      hosts.push_back(&h);
    }
  }
  World w;
  Host* r = nullptr;
  std::vector<Host*> hosts;  // h1..h6
};

// Every frame of every capture in `dir`, dissected: protocol counts per file.
std::map<std::string, std::map<std::string, int>> summarize(const std::string& dir, int& malformed) {
  std::map<std::string, std::map<std::string, int>> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    auto recs = dev::read_pcap(e.path().string());
    EXPECT_TRUE(recs) << e.path();
    if (!recs) continue;
    for (const auto& r : *recs) {
      const Dissection d = dissect(r.frame);
      if (!d.ok()) ++malformed;
      for (const auto& l : d.layers) ++out[e.path().filename().string()][l.protocol];
    }
  }
  return out;
}

TEST(Scenario, TwoLansOfThreeHostsJoinedByARouter) {
  const std::string dir = ::testing::TempDir() + "/wirestack-two-lans";
  TwoLans n(1, dir);
  Host& h1 = *n.hosts[0];
  Host& h2 = *n.hosts[1];
  Host& h5 = *n.hosts[4];
  app::Ping ping(h1, ip("10.0.2.15"), {.count = 3});
  UdpEchoServer echo(h5, 9000);
  UdpClient udp(h2, {ip("10.0.2.15"), 9000}, {.count = 3, .interval = 200ms, .payload = "across"});
  app::Traceroute trace(*n.hosts[2], ip("10.0.2.16"));
  app::Ping ttl1(h1, ip("10.0.2.14"), {.count = 1, .ident = 0x0101, .ttl = 1, .start = 5s});
  app::Ping nobody(h1, ip("10.0.2.99"), {.count = 1, .ident = 0x0202, .start = 5s});
  UdpClient closed(h2, {ip("10.0.2.14"), 9999}, {.count = 1});
  n.w.run_until(at(30s));

  EXPECT_EQ(ping.result().received, 3) << ping.result();
  EXPECT_EQ(udp.received(), (std::vector<std::string>{"across", "across", "across"}));
  ASSERT_TRUE(trace.done());
  ASSERT_EQ(trace.hops().size(), 2u);
  EXPECT_EQ(trace.hops()[0].from, ip("10.0.1.1"));  // the router hop
  EXPECT_EQ(trace.hops()[1].from, ip("10.0.2.16"));
  // TTL expiry: time exceeded from the router.
  ASSERT_EQ(ttl1.result().errors.size(), 1u);
  EXPECT_EQ(ttl1.result().errors[0].reason, transport::IcmpReason::time_exceeded);
  EXPECT_EQ(ttl1.result().errors[0].from, ip("10.0.1.1"));
  // An unreachable host behind the router: the router's ARP gives up and
  // sends host unreachable back to the source.
  ASSERT_EQ(nobody.result().errors.size(), 1u);
  EXPECT_EQ(nobody.result().errors[0].reason, transport::IcmpReason::host_unreachable);
  EXPECT_EQ(nobody.result().errors[0].code, 1);
  // Like Linux (icmp_errors_use_inbound_ifaddr = 0), the error's source is the
  // address of the router interface it leaves by: back towards h1.
  EXPECT_EQ(nobody.result().errors[0].from, ip("10.0.1.1"));
  // A closed port: port unreachable, surfaced as connection refused.
  ASSERT_EQ(closed.errors().size(), 1u);
  EXPECT_EQ(closed.errors()[0], udp::Errc::connection_refused);

  // The captures show ARP on both LANs and no malformed frame.
  int malformed = 0;
  const auto files = summarize(dir, malformed);
  EXPECT_EQ(malformed, 0);
  EXPECT_EQ(files.size(), 8u);  // one per cable
  EXPECT_GT(files.at("h1-eth0--sw1-port1.pcapng").at("ARP"), 0);
  EXPECT_GT(files.at("h5-eth0--sw2-port5.pcapng").at("ARP"), 0);
  EXPECT_GT(files.at("r-eth1--sw2-port0.pcapng").at("ICMP"), 0);
  EXPECT_GT(files.at("r-eth1--sw2-port0.pcapng").at("UDP"), 0);
}

TEST(Scenario, PingLossStaysWithinTheBoundsOfTheConfiguredRate) {
  World w(2024);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  const double p = 0.1;  // per frame, each direction
  ASSERT_TRUE(w.connect(a, "10.0.0.1/30", b, "10.0.0.2/30", LinkDirection{.delay = 1ms, .loss = p}));
  // Warm ARP first so that every ping is one request and one reply.
  app::Ping warm(a, ip("10.0.0.2"), {.count = 5, .interval = 100ms, .ident = 1});
  w.run_until(at(1s));
  ASSERT_GT(warm.result().received, 0);
  const int n = 2000;
  app::Ping ping(a, ip("10.0.0.2"), {.count = n, .interval = 5ms, .ident = 2});
  w.run_until(at(20s));
  // A ping is lost when the request or the reply is: 1 - (1 - p)^2 = 19%.
  const double expected = 1 - (1 - p) * (1 - p);
  const double measured = 1.0 - static_cast<double>(ping.result().received) / n;
  const double sigma = std::sqrt(expected * (1 - expected) / n);  // ~0.9%
  EXPECT_NEAR(measured, expected, 4 * sigma) << ping.result();
  EXPECT_GT(w.links().front().link->counters(0).dropped_loss, 0u);
}

TEST(Scenario, CorruptedFramesAreNeverDelivered) {
  World w(99);
  auto& sw = w.add_switch("sw", 4);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  const LinkDirection noisy{.bit_error_rate = 5e-5};
  ASSERT_TRUE(w.connect(a, sw, 0, "10.0.0.1/24", noisy));
  ASSERT_TRUE(w.connect(b, sw, 1, "10.0.0.2/24", noisy));
  UdpEchoServer echo(b, 9000);
  UdpClient client(a, {ip("10.0.0.2"), 9000}, {.count = 300, .interval = 5ms, .payload = std::string(1000, 'z')});
  w.run_until(at(5s));
  std::uint64_t fcs = 0;
  for (const auto& l : w.links()) fcs += l.link->counters(0).dropped_fcs + l.link->counters(1).dropped_fcs;
  EXPECT_GT(fcs, 30u);  // ~40% of 1000-byte frames carry a flipped bit
  // Whatever arrived is intact: no host or switch saw a malformed frame, and
  // every echoed datagram is byte for byte what was sent.
  EXPECT_EQ(a.stack().counters().ipv4.malformed + b.stack().counters().ipv4.malformed, 0u);
  EXPECT_EQ(sw.totals().dropped_malformed, 0u);
  EXPECT_GT(client.received().size(), 0u);
  for (const auto& r : client.received()) EXPECT_EQ(r, std::string(1000, 'z'));
}

TEST(Scenario, UdpDatagramLargerThanTheMtuCrossesTheRouterWhole) {
  World w(5);
  auto& sw1 = w.add_switch("sw1", 4);
  auto& sw2 = w.add_switch("sw2", 4);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  auto& r = w.add_router("r");
  ASSERT_TRUE(w.connect(a, sw1, 0, "10.0.1.10/24"));
  ASSERT_TRUE(w.connect(r, sw1, 1, "10.0.1.1/24"));
  ASSERT_TRUE(w.connect(r, sw2, 1, "10.0.2.1/24", {}, NicOptions{.mtu = 576}));
  ASSERT_TRUE(w.connect(b, sw2, 0, "10.0.2.20/24", {}, NicOptions{.mtu = 576}));
  ASSERT_TRUE(w.set_gateway(a, "10.0.1.1"));
  ASSERT_TRUE(w.set_gateway(b, "10.0.2.1"));
  std::string big(4000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  UdpEchoServer echo(b, 9000);
  UdpClient client(a, {ip("10.0.2.20"), 9000}, {.count = 2, .interval = 100ms, .payload = big});
  w.run_until(at(2s));
  ASSERT_EQ(client.received().size(), 2u);
  EXPECT_EQ(client.received()[0], big);
  EXPECT_GE(r.stack().counters().ipv4.fragments_tx, 2u * 3u);  // a's 1500-byte fragments cut again for 576
  EXPECT_EQ(b.stack().reassembler().stats().reassembled, 2u);
}

TEST(Scenario, RunUntilIdleEndsWhenNothingIsLeft) {
  World w(3);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  ASSERT_TRUE(w.connect(a, "10.0.0.1/30", b, "10.0.0.2/30"));
  app::Ping ping(a, ip("10.0.0.2"), {.count = 2});
  const RunSummary s = w.run_until_idle(at(3600s));
  EXPECT_EQ(ping.result().received, 2);
  EXPECT_LT(s.reached, at(3600s));  // idle long before the guard
  EXPECT_FALSE(s.storm);
}

}  // namespace
}  // namespace wirestack::sim
