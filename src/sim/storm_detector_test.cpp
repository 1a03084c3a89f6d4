// sim/storm_detector_test.cpp — the two storm rules on scripted inputs, then
// real loops (which must be caught, quickly and with few events) and heavy
// loop-free traffic (which must not be).
#include "sim/storm_detector.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/link.hpp"
#include "sim/switch.hpp"
#include "wire/arp.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4_address.hpp"

namespace wirestack::sim {
namespace {

using namespace std::chrono_literals;

MacAddress mac(std::uint32_t n) { return MacAddress::from_parts(0x020000, n); }

// A 60-byte frame; bytes 14..17 carry `tag` to tell frames apart.
ByteVec frame(MacAddress dst, MacAddress src, std::uint32_t tag = 0) {
  ByteVec f(60, std::byte{0});
  EthernetRepr{.src = src, .dst = dst, .ethertype = EtherType::ipv4, .vlan = std::nullopt}.emit(EthernetFrameMut(f));
  store_be32(f, kEthernetHeaderLen, tag);
  return f;
}

// "Who has 10.0.0.<target>? Tell 10.0.0.<n>", broadcast from mac(n): 42 bytes.
ByteVec arp_request(std::uint32_t n, std::uint8_t target) {
  ByteVec f(kEthernetHeaderLen + kArpPacketLen, std::byte{0});
  EthernetRepr{.src = mac(n), .dst = MacAddress::broadcast(), .ethertype = EtherType::arp, .vlan = std::nullopt}
      .emit(EthernetFrameMut(f));
  ArpRepr::request(mac(n), Ipv4Address(10, 0, 0, static_cast<std::uint8_t>(n)), Ipv4Address(10, 0, 0, target))
      .emit(ArpPacketMut(MutBytes(f).subspan(kEthernetHeaderLen)));
  return f;
}

// ---------------------------------------------------------------------------
// The rules, fed by hand with explicit times.

TEST(StormDetector, AFrameRevisitingASwitchFiresOnThePassAfterTheLimit) {
  StormDetector d;
  const std::size_t sw1 = d.add_switch("sw1");
  const ByteVec f = arp_request(1, 2);
  d.on_host_frame(at(0us), f);
  for (int i = 1; i <= 16; ++i) d.on_forward(at(i * 10us), sw1, f, true);
  EXPECT_FALSE(d.storm_detected());
  d.on_forward(at(170us), sw1, f, true);
  ASSERT_TRUE(d.storm_detected());

  const StormReport& r = *d.report();
  EXPECT_EQ(r.rule, StormReport::Rule::revisits);
  EXPECT_EQ(r.when, at(170us));
  EXPECT_EQ(r.switch_name, "sw1");
  EXPECT_EQ(r.frames_in_window, 17u);
  EXPECT_EQ(r.host_frames_in_window, 1u);
  EXPECT_EQ(r.same_frame_repeats, 17u);
  EXPECT_EQ(r.same_frame_host_sends, 1u);
  EXPECT_EQ(r.frame, "02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP");
  EXPECT_EQ(r.explanation,
            "broadcast storm: switch sw1 flooded 17 frames in 10 ms while hosts sent 1; the same frame "
            "(02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP) passed sw1 17 times in 1 s while hosts "
            "sent it once: the topology has a loop (a spanning tree would cut it: stp = true on its switches)");
}

TEST(StormDetector, HostsSendingTheSameBytesRaiseTheirAllowance) {
  StormDetector d;
  const std::size_t sw1 = d.add_switch("sw1");
  const ByteVec f = frame(mac(9), mac(1));
  for (int i = 0; i < 3; ++i) d.on_host_frame(at(i * 1us), f);
  for (int i = 0; i < 48; ++i) d.on_forward(at(10us + i * 1us), sw1, f, true);  // 16 x 3
  EXPECT_FALSE(d.storm_detected());
  d.on_forward(at(100us), sw1, f, true);
  ASSERT_TRUE(d.storm_detected());
  EXPECT_EQ(d.report()->same_frame_repeats, 49u);
  EXPECT_EQ(d.report()->same_frame_host_sends, 3u);
}

TEST(StormDetector, RevisitsSlideOutOfTheRepeatWindow) {
  // 16 passes per second never fire; one more within the same second does.
  const ByteVec f = arp_request(1, 2);
  StormDetector quiet;
  const std::size_t a = quiet.add_switch("sw1");
  for (int i = 0; i < 100; ++i) quiet.on_forward(at(i * 62'500us), a, f, true);  // 16 per (t - 1 s, t]
  EXPECT_FALSE(quiet.storm_detected());

  StormDetector loud;
  const std::size_t b = loud.add_switch("sw1");
  for (int i = 0; i < 16; ++i) loud.on_forward(at(i * 62'499us), b, f, true);
  EXPECT_FALSE(loud.storm_detected());
  loud.on_forward(at(16 * 62'499us), b, f, true);  // 999.984 ms after the first
  EXPECT_TRUE(loud.storm_detected());
}

TEST(StormDetector, SwitchesCountRevisitsSeparately) {
  StormDetector d;
  const std::size_t sw1 = d.add_switch("sw1");
  const std::size_t sw2 = d.add_switch("sw2");
  const ByteVec f = arp_request(1, 2);
  for (int i = 0; i < 16; ++i) {
    d.on_forward(at(i * 2us), sw1, f, true);
    d.on_forward(at(i * 2us + 1us), sw2, f, true);
  }
  EXPECT_FALSE(d.storm_detected());
  EXPECT_EQ(d.switch_count(), 2u);
}

TEST(StormDetector, FloodRateAboveTheMinimumFires) {
  StormDetector d;
  const std::size_t sw = d.add_switch("core");
  // 1000 different flooded frames in 10 ms are still fine, the 1001st is not.
  for (std::uint32_t i = 0; i < 1000; ++i) d.on_forward(at(i * 9us), sw, frame(mac(100 + i), mac(1), i), true);
  EXPECT_FALSE(d.storm_detected());
  d.on_forward(at(9000us), sw, frame(mac(5000), mac(1), 1000), true);
  ASSERT_TRUE(d.storm_detected());
  const StormReport& r = *d.report();
  EXPECT_EQ(r.rule, StormReport::Rule::flood_rate);
  EXPECT_EQ(r.switch_name, "core");
  EXPECT_EQ(r.frames_in_window, 1001u);
  EXPECT_EQ(r.host_frames_in_window, 0u);
  EXPECT_EQ(r.same_frame_repeats, 1u);
  EXPECT_EQ(r.explanation,
            "broadcast storm: switch core flooded 1001 frames in 10 ms while hosts sent 0; the same frame "
            "(02:00:00:00:00:01 > 02:00:00:00:13:88, ethertype IPv4) passed core 1 times in 1 s while hosts "
            "sent it 0 times: the topology has a loop (a spanning tree would cut it: stp = true on its switches)");
}

TEST(StormDetector, FloodRateAllowanceGrowsWithHostTraffic) {
  StormDetector d;
  const std::size_t sw = d.add_switch("sw1");
  for (std::uint32_t i = 0; i < 30; ++i) d.on_host_frame(at(i * 1us), frame(mac(2), mac(1), 1'000'000 + i));
  // max(1000, 50 x 30) = 1500.
  for (std::uint32_t i = 0; i < 1500; ++i) d.on_forward(at(100us + i * 5us), sw, frame(mac(3), mac(1), i), true);
  EXPECT_FALSE(d.storm_detected());
  d.on_forward(at(7600us), sw, frame(mac(3), mac(1), 1500), true);
  ASSERT_TRUE(d.storm_detected());
  EXPECT_EQ(d.report()->frames_in_window, 1501u);
  EXPECT_EQ(d.report()->host_frames_in_window, 30u);
}

TEST(StormDetector, AHostBurstFloodedLaterBehindQueuesIsNoStorm) {
  // A tree of switches with 5,000 hosts: every host announces itself in the
  // same microsecond; the access switch floods those frames over 25 ms as
  // they arrive through the core's queues (the false alarm of issue 15).
  StormDetector d;
  const std::size_t sw = d.add_switch("acc1");
  for (std::uint32_t i = 0; i < 5000; ++i) d.on_host_frame(at(0us), arp_request(i, 1));
  for (std::uint32_t i = 0; i < 5000; ++i) d.on_forward(at(1ms + i * 5us), sw, arp_request(i, 1), true);
  EXPECT_FALSE(d.storm_detected());
  // Once the burst is a second old, the same flood rate with no host sending is a storm.
  for (std::uint32_t i = 0; i < 1001; ++i) d.on_forward(at(1100ms + i * 5us), sw, frame(mac(3), mac(1), i), true);
  ASSERT_TRUE(d.storm_detected());
  EXPECT_EQ(d.report()->rule, StormReport::Rule::flood_rate);
}

TEST(StormDetector, FloodRateWindowSlides) {
  // 100 flooded frames per ms forever: exactly 1000 in any (t - 10 ms, t].
  StormDetector d;
  const std::size_t sw = d.add_switch("sw1");
  for (std::uint32_t i = 0; i < 5000; ++i) d.on_forward(at(i * 10us), sw, frame(mac(3), mac(1), i), true);
  EXPECT_FALSE(d.storm_detected());
  d.on_forward(at(4999 * 10us), sw, frame(mac(3), mac(1), 5000), true);  // a second one at the same instant
  EXPECT_TRUE(d.storm_detected());
}

TEST(StormDetector, KnownUnicastIsNeverAStorm) {
  StormDetector d;
  const std::size_t sw = d.add_switch("sw1");
  const ByteVec f = frame(mac(2), mac(1));
  for (int i = 0; i < 100'000; ++i) d.on_forward(at(i * 10ns), sw, f, false);
  EXPECT_FALSE(d.storm_detected());
  EXPECT_EQ(d.counters(), (StormDetector::Counters{.host_frames = 0, .forwarded = 100'000, .flooded = 0}));
}

TEST(StormDetector, FiresOnceAndRunsTheHookOnce) {
  StormDetector d(StormConfig{.repeat_limit = 2});
  const std::size_t sw = d.add_switch("sw1");
  std::vector<std::string> reports;
  d.on_storm([&](const StormReport& r) { reports.push_back(r.switch_name); });
  const ByteVec f = arp_request(1, 2);
  for (int i = 0; i < 10; ++i) d.on_forward(at(i * 1us), sw, f, true);
  EXPECT_EQ(reports, std::vector<std::string>{"sw1"});
  EXPECT_EQ(d.report()->when, at(2us));
  EXPECT_EQ(d.report()->same_frame_repeats, 3u);
  EXPECT_EQ(d.counters().flooded, 10u);
}

TEST(StormDetector, FrameHashSeesEveryByte) {
  ByteVec f = arp_request(1, 2);
  const std::uint64_t h = StormDetector::frame_hash(f);
  EXPECT_EQ(h, StormDetector::frame_hash(arp_request(1, 2)));
  for (std::size_t i = 0; i < f.size(); ++i) {
    ByteVec g = f;
    g[i] ^= std::byte{0x01};
    EXPECT_NE(StormDetector::frame_hash(g), h) << i;
  }
  f.push_back(std::byte{0});
  EXPECT_NE(StormDetector::frame_hash(f), h);  // a trailing zero counts
}

// ---------------------------------------------------------------------------
// Topologies. Hosts report what they send to the detector, as the world does.

class Host final : public FramePort {
 public:
  Host(EventQueue& q, StormDetector& storms, Link& link) : q_(q), storms_(storms), link_(link) {
    link.attach(0, this);
  }
  void on_frame(Bytes) override { ++received; }
  void send(Bytes f) {
    storms_.on_host_frame(q_.now(), f);
    link_.send(0, f);  // a full queue is the link's to count
  }
  void send_at(Instant when, ByteVec f) {
    q_.schedule_at(when, [this, f = std::move(f)] { send(f); });
  }
  std::uint64_t received = 0;

 private:
  EventQueue& q_;
  StormDetector& storms_;
  Link& link_;
};

// 100 Mb/s, 1 us: a 42-byte ARP request (60 padded) is 72 bytes on the wire,
// 5.76 us, so switch to switch is 5 + 5.76 + 1 = 11.76 us.
constexpr LinkDirection kEthernet{.bits_per_second = 100'000'000, .delay = 1us};

struct World {
  EventQueue q;
  StormDetector storms;
  std::vector<std::unique_ptr<Switch>> switches;
  std::vector<std::unique_ptr<Link>> links;
  std::vector<std::unique_ptr<Host>> hosts;

  // Members die in reverse: hosts and links before the switches their ports point at.
  explicit World(StormConfig config = {}) : storms(config) {}
  Switch& add_switch(std::string name, std::size_t ports) {
    switches.push_back(std::make_unique<Switch>(q, std::move(name), ports));
    switches.back()->set_storm_detector(&storms);
    return *switches.back();
  }
  Link& add_link(LinkDirection dir = kEthernet) {
    links.push_back(std::make_unique<Link>(q, Rng(links.size() + 1), dir));
    return *links.back();
  }
  void join(Switch& a, PortId pa, Switch& b, PortId pb, LinkDirection dir = kEthernet) {
    Link& l = add_link(dir);
    a.connect(pa, l, 0);
    b.connect(pb, l, 1);
  }
  Host& add_host(Switch& sw, PortId p, LinkDirection dir = kEthernet) {
    Link& l = add_link(dir);
    hosts.push_back(std::make_unique<Host>(q, storms, l));
    sw.connect(p, l, 1);
    return *hosts.back();
  }
  // Runs until idle; a storm must end in a halt, not in the guard.
  void run() {
    q.run_until_idle(1'000'000, at(10s));
    EXPECT_TRUE(q.idle()) << "stopped by the guard at " << to_nanos(q.now()) << " ns";
  }
};

TEST(StormTopology, TwoSwitchesWithTwoParallelLinksAreCaughtAndDrain) {
  // A - [0] sw1 [1] === [0] sw2 [2] - B
  //            [2] === [1]
  World w;
  Switch& sw1 = w.add_switch("sw1", 3);
  Switch& sw2 = w.add_switch("sw2", 3);
  Host& a = w.add_host(sw1, 0);
  w.join(sw1, 1, sw2, 0);
  w.join(sw1, 2, sw2, 1);
  Host& b = w.add_host(sw2, 2);
  a.send_at(at(0us), arp_request(1, 2));
  w.run();

  // Two copies circle in opposite directions; each lap (2 x 11.76 us) passes
  // each switch twice. sw1 saw the request at 6.76 us, then twice per lap:
  // its 17th pass is at 6.76 + 8 x 23.52 = 194.92 us.
  ASSERT_TRUE(w.storms.storm_detected());
  const StormReport& r = *w.storms.report();
  EXPECT_EQ(r.rule, StormReport::Rule::revisits);
  EXPECT_EQ(r.when, at(194'920ns));
  EXPECT_LT(r.when, at(50ms));
  EXPECT_EQ(r.switch_name, "sw1");
  EXPECT_EQ(r.frames_in_window, 17u);
  EXPECT_EQ(r.host_frames_in_window, 1u);
  EXPECT_EQ(r.same_frame_repeats, 17u);
  EXPECT_EQ(r.same_frame_host_sends, 1u);
  EXPECT_EQ(r.explanation,
            "broadcast storm: switch sw1 flooded 17 frames in 10 ms while hosts sent 1; the same frame "
            "(02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ethertype ARP) passed sw1 17 times in 1 s while hosts "
            "sent it once: the topology has a loop (a spanning tree would cut it: stp = true on its switches)");
  EXPECT_TRUE(sw1.halted());
  EXPECT_TRUE(sw2.halted());
  // It drains at once: the copies still on the wires are dropped on arrival.
  EXPECT_LT(w.q.events_run(), 150u);
  EXPECT_LT(w.q.now(), at(250us));
  EXPECT_GE(b.received, 8u);  // B got the same request over and over
  EXPECT_GT(sw1.totals().dropped_storm + sw2.totals().dropped_storm, 0u);
  // The loop made A's address flap between sw2's two trunk ports.
  EXPECT_GT(sw2.table().counters().moves, 0u);
}

TEST(StormTopology, APortLoopedBackToItsOwnSwitchIsCaught) {
  // A - [0] sw1 [1] --- [2] sw1 (one cable between two of its own ports)
  World w;
  Switch& sw1 = w.add_switch("sw1", 3);
  Host& a = w.add_host(sw1, 0);
  w.join(sw1, 1, sw1, 2);
  a.send_at(at(0us), arp_request(1, 2));
  w.run();

  ASSERT_TRUE(w.storms.storm_detected());
  const StormReport& r = *w.storms.report();
  // Passes at 6.76 us, then two per 11.76 us lap: the 17th at 6.76 + 8 x 11.76.
  EXPECT_EQ(r.when, at(100'840ns));
  EXPECT_EQ(r.switch_name, "sw1");
  EXPECT_EQ(r.same_frame_repeats, 17u);
  EXPECT_LT(w.q.events_run(), 200u);
}

TEST(StormTopology, ThreeParallelLinksMultiplyFramesAndAreCaughtEarly) {
  // Each copy arriving on one of three trunks leaves on the two others: the
  // number of copies doubles every hop, the classic exponential storm.
  World w;
  Switch& sw1 = w.add_switch("sw1", 4);
  Switch& sw2 = w.add_switch("sw2", 4);
  Host& a = w.add_host(sw1, 0);
  w.add_host(sw2, 0);
  for (PortId p = 1; p <= 3; ++p) w.join(sw1, p, sw2, p);
  a.send_at(at(0us), arp_request(1, 2));
  w.run();

  ASSERT_TRUE(w.storms.storm_detected());
  EXPECT_LT(w.storms.report()->when, at(100us));
  EXPECT_LT(w.q.events_run(), 200u);
}

TEST(StormTopology, ASlowLoopIsCaughtByRevisitsAlone) {
  // 1 ms cables: the frame comes back only every 2 ms, far below any flood
  // rate, but it keeps coming back.
  World w;
  Switch& sw1 = w.add_switch("sw1", 3);
  Switch& sw2 = w.add_switch("sw2", 3);
  Host& a = w.add_host(sw1, 0);
  const LinkDirection slow{.bits_per_second = 100'000'000, .delay = 1ms};
  w.join(sw1, 1, sw2, 0, slow);
  w.join(sw1, 2, sw2, 1, slow);
  a.send_at(at(0us), arp_request(1, 2));
  w.run();

  ASSERT_TRUE(w.storms.storm_detected());
  EXPECT_EQ(w.storms.report()->rule, StormReport::Rule::revisits);
  EXPECT_LT(w.storms.report()->when, at(50ms));
  EXPECT_LT(w.q.events_run(), 200u);
}

TEST(StormTopology, HeavyIdenticalUnicastThroughTwoSwitchesIsNoStorm) {
  // A - sw1 - sw2 - B, A sends the same 60 bytes to B 100k times a second for
  // 100 ms. First B never speaks (every frame is unknown unicast, flooded at
  // both switches), then B answers once and the rest is known unicast.
  for (const bool b_speaks : {false, true}) {
    World w;
    Switch& sw1 = w.add_switch("sw1", 2);
    Switch& sw2 = w.add_switch("sw2", 2);
    Host& a = w.add_host(sw1, 0);
    w.join(sw1, 1, sw2, 0);
    Host& b = w.add_host(sw2, 1);
    if (b_speaks) b.send_at(at(0us), frame(mac(1), mac(2), 7));
    const ByteVec f = frame(mac(2), mac(1));
    for (int i = 0; i < 10'000; ++i) a.send_at(at(100us + i * 10us), f);
    w.run();

    EXPECT_FALSE(w.storms.storm_detected()) << w.storms.report()->explanation;
    EXPECT_EQ(b.received, 10'000u);
    EXPECT_EQ(sw1.counters(0).flooded, b_speaks ? 0u : 10'000u);
    EXPECT_EQ(w.storms.counters().host_frames, b_speaks ? 10'001u : 10'000u);
  }
}

TEST(StormTopology, ArpFromFiftyHostsAtOnceIsNoStorm) {
  // Two switches of 26 ports, 25 hosts each; every host sends an ARP request
  // at t = 0 and repeats the same bytes every 1 ms, five times.
  World w;
  Switch& sw1 = w.add_switch("sw1", 26);
  Switch& sw2 = w.add_switch("sw2", 26);
  w.join(sw1, 25, sw2, 25, LinkDirection{.bits_per_second = 1'000'000'000, .delay = 1us});
  std::vector<Host*> hosts;
  for (PortId p = 0; p < 25; ++p) hosts.push_back(&w.add_host(sw1, p));
  for (PortId p = 0; p < 25; ++p) hosts.push_back(&w.add_host(sw2, p));
  for (std::uint32_t h = 0; h < 50; ++h) {
    for (int k = 0; k < 5; ++k) hosts[h]->send_at(at(k * 1ms), arp_request(h + 1, static_cast<std::uint8_t>(200)));
  }
  w.run();

  EXPECT_FALSE(w.storms.storm_detected()) << w.storms.report()->explanation;
  for (const Host* h : hosts) EXPECT_EQ(h->received, 49u * 5u);
  EXPECT_EQ(sw1.totals().flooded, 250u);
  EXPECT_EQ(sw2.totals().flooded, 250u);
}

TEST(StormTopology, WithoutHostReportsAFastIdenticalFloodLooksLikeALoop) {
  // The contract: the world must report host frames. Without them the same
  // 100k frames/s of unknown unicast exceed the bare allowance of 16 revisits.
  EventQueue q;
  StormDetector storms;
  Switch sw(q, "sw1", 2);
  sw.set_storm_detector(&storms);
  Link la(q, Rng(1), kEthernet);
  Link lb(q, Rng(2), kEthernet);
  sw.connect(0, la, 1);
  sw.connect(1, lb, 1);
  const ByteVec f = frame(mac(2), mac(1));
  for (int i = 0; i < 100; ++i) q.schedule_at(at(i * 10us), [&] { la.send(0, f); });
  q.run_until_idle();
  ASSERT_TRUE(storms.storm_detected());
  EXPECT_EQ(storms.report()->same_frame_repeats, 17u);
  EXPECT_EQ(storms.report()->same_frame_host_sends, 0u);
}

}  // namespace
}  // namespace wirestack::sim
