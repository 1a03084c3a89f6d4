// sim/switch_test.cpp — learning, forwarding, flooding, aging, counters and
// timing of sim::Switch, with hosts on links that record what reaches them.
#include "sim/switch.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "wire/ethernet.hpp"

namespace wirestack::sim {
namespace {

using namespace std::chrono_literals;

MacAddress mac(std::uint32_t n) { return MacAddress::from_parts(0x020000, n); }
const MacAddress kMulticast = MacAddress::from_parts(0x01005e, 0x000001);  // 224.0.0.1

// An Ethernet frame of `len` bytes; byte 14 carries `tag` to tell frames apart.
ByteVec frame(MacAddress dst, MacAddress src, std::uint8_t tag = 0, std::size_t len = 60) {
  ByteVec f(len, std::byte{0});
  EthernetRepr{.src = src, .dst = dst, .ethertype = EtherType::ipv4, .vlan = std::nullopt}.emit(EthernetFrameMut(f));
  if (len > kEthernetHeaderLen) f[kEthernetHeaderLen] = std::byte{tag};
  return f;
}

struct Arrival {
  int host;
  std::int64_t at_ns;
  ByteVec bytes;
  friend bool operator==(const Arrival&, const Arrival&) = default;
};

// A station on side 0 of a link: records what arrives (also in a log shared
// by all hosts, to check the order of deliveries) and sends when told.
class TestHost final : public FramePort {
 public:
  TestHost(EventQueue& q, int id, std::vector<Arrival>* log) : q_(q), id_(id), log_(log) {}
  void on_frame(Bytes f) override {
    got.push_back(ByteVec(f.begin(), f.end()));
    if (log_ != nullptr) log_->push_back(Arrival{id_, to_nanos(q_.now()), got.back()});
  }
  void plug(Link& link) {
    link_ = &link;
    link.attach(0, this);
  }
  bool send(Bytes f) { return link_->send(0, f); }
  // Sends a copy of `f` at `when`.
  void send_at(Instant when, ByteVec f) {
    q_.schedule_at(when, [this, f = std::move(f)] { EXPECT_TRUE(send(f)); });
  }
  std::vector<ByteVec> got;

 private:
  EventQueue& q_;
  int id_;
  std::vector<Arrival>* log_;
  Link* link_ = nullptr;
};

// Infinitely fast links with 1 us of propagation: a frame a host sends at t
// reaches the switch at t + 1us, leaves it at t + 1us + forwarding_delay and
// reaches the other host at t + 2us + forwarding_delay.
constexpr LinkDirection kFastLink{.bits_per_second = 0, .delay = 1us};

// One switch, host i on port i through link i (host side 0, switch side 1).
struct Lan {
  explicit Lan(std::size_t n, SwitchConfig config = {}, LinkDirection dir = kFastLink)
      : sw(q, "sw1", n, config) {
    for (std::size_t i = 0; i < n; ++i) {
      links.push_back(std::make_unique<Link>(q, Rng(i + 1), dir));
      hosts.push_back(std::make_unique<TestHost>(q, static_cast<int>(i), &log));
      hosts[i]->plug(*links[i]);
      sw.connect(static_cast<PortId>(i), *links[i], 1);
    }
  }
  TestHost& host(std::size_t i) { return *hosts[i]; }
  EventQueue q;
  std::vector<Arrival> log;
  Switch sw;
  std::vector<std::unique_ptr<Link>> links;
  std::vector<std::unique_ptr<TestHost>> hosts;
};

std::vector<int> hosts_of(const std::vector<Arrival>& log) {
  std::vector<int> ids;
  for (const Arrival& a : log) ids.push_back(a.host);
  return ids;
}

TEST(Switch, LearnsAndForwardsKnownUnicastToOnePortOnly) {
  Lan lan(4);
  // Host 1 -> host 0, unknown yet: flooded. It teaches the switch mac(1) on port 1.
  lan.host(1).send_at(at(0us), frame(mac(0), mac(1), 1));
  // Host 0 -> host 1, now known: port 1 only.
  lan.host(0).send_at(at(100us), frame(mac(1), mac(0), 2));
  lan.q.run_until_idle();

  const ByteVec reply = frame(mac(1), mac(0), 2);
  ASSERT_EQ(lan.log.size(), 4u);
  EXPECT_EQ(hosts_of(lan.log), (std::vector<int>{0, 2, 3, 1}));
  EXPECT_EQ(lan.log[3], (Arrival{1, 107'000, reply}));
  EXPECT_EQ(lan.host(2).got.size(), 1u);
  EXPECT_EQ(lan.host(3).got.size(), 1u);
  EXPECT_EQ(lan.sw.counters(1).flooded, 1u);
  EXPECT_EQ(lan.sw.counters(0).forwarded, 1u);
  EXPECT_EQ(lan.sw.table().counters().learned, 2u);
}

TEST(Switch, FloodsBroadcastMulticastAndUnknownUnicastToAllButIngressInPortOrder) {
  Lan lan(4);
  lan.host(2).send_at(at(0us), frame(MacAddress::broadcast(), mac(2), 1));
  lan.host(2).send_at(at(10us), frame(kMulticast, mac(2), 2));
  lan.host(2).send_at(at(20us), frame(mac(99), mac(2), 3));  // nobody has sent from mac(99)
  lan.host(0).send_at(at(30us), frame(MacAddress::broadcast(), mac(0), 4));
  lan.q.run_until_idle();

  EXPECT_EQ(hosts_of(lan.log), (std::vector<int>{0, 1, 3, 0, 1, 3, 0, 1, 3, 1, 2, 3}));
  const std::vector<std::int64_t> times{7'000, 7'000, 7'000, 17'000, 17'000, 17'000,
                                        27'000, 27'000, 27'000, 37'000, 37'000, 37'000};
  for (std::size_t i = 0; i < times.size(); ++i) EXPECT_EQ(lan.log[i].at_ns, times[i]) << i;
  EXPECT_EQ(lan.log[3].bytes, frame(kMulticast, mac(2), 2));
  EXPECT_EQ(lan.sw.counters(2).flooded, 3u);
  EXPECT_EQ(lan.sw.counters(0).flooded, 1u);
  EXPECT_EQ(lan.sw.counters(2).tx_frames, 1u);
  EXPECT_EQ(lan.sw.counters(1).tx_frames, 4u);
}

TEST(Switch, FloodSkipsUnconnectedPorts) {
  EventQueue q;
  std::vector<Arrival> log;
  Switch sw(q, "sw1", 5);
  Link l1(q, Rng(1), kFastLink);
  Link l3(q, Rng(2), kFastLink);
  TestHost a(q, 1, &log);
  TestHost b(q, 3, &log);
  a.plug(l1);
  b.plug(l3);
  sw.connect(1, l1, 1);
  sw.connect(3, l3, 1);
  EXPECT_FALSE(sw.is_connected(0));
  EXPECT_TRUE(sw.is_connected(3));
  a.send_at(at(0us), frame(MacAddress::broadcast(), mac(1)));
  q.run_until_idle();
  EXPECT_EQ(hosts_of(log), (std::vector<int>{3}));
  EXPECT_EQ(sw.totals().tx_frames, 1u);
  EXPECT_EQ(sw.totals().tx_dropped, 0u);
}

TEST(Switch, FiltersWhenTheDestinationIsOnTheIngressPort) {
  Lan lan(3);
  lan.host(0).send_at(at(0us), frame(MacAddress::broadcast(), mac(0), 1));  // mac(0) lives on port 0
  // Another station on port 0's segment (say, behind a hub) talks to mac(0):
  // mac(0) already heard it there, the switch must not send it anywhere.
  lan.host(0).send_at(at(100us), frame(mac(0), mac(5), 2));
  lan.q.run_until_idle();

  EXPECT_EQ(hosts_of(lan.log), (std::vector<int>{1, 2}));
  EXPECT_EQ(lan.sw.counters(0).filtered, 1u);
  EXPECT_EQ(lan.sw.counters(0).flooded, 1u);
  EXPECT_EQ(lan.sw.counters(0).rx_frames, 2u);
  EXPECT_EQ(lan.sw.totals().tx_frames, 2u);
}

TEST(Switch, AKnownStationIsFloodedAgainOnceItsEntryAges) {
  SwitchConfig config;
  config.table.aging_time = 1ms;
  Lan lan(3, config);
  lan.host(1).send_at(at(0us), frame(MacAddress::broadcast(), mac(1), 1));  // learned at 1 us
  // Reaches the switch at 1000 us: 999 us after mac(1) was seen, still known.
  lan.host(0).send_at(at(999us), frame(mac(1), mac(0), 2));
  // Reaches it at 1001 us = last seen + aging_time exactly: expired, flooded.
  lan.host(0).send_at(at(1000us), frame(mac(1), mac(0), 3));
  lan.q.run_until_idle();

  // Host 0 and 2 get the broadcast; then host 1 alone; then hosts 1 and 2.
  EXPECT_EQ(hosts_of(lan.log), (std::vector<int>{0, 2, 1, 1, 2}));
  EXPECT_EQ(lan.log[2].at_ns, 1'006'000);
  EXPECT_EQ(lan.log[3].at_ns, 1'007'000);
  EXPECT_EQ(lan.sw.counters(0).forwarded, 1u);
  EXPECT_EQ(lan.sw.counters(0).flooded, 1u);
}

TEST(Switch, StationMoveRedirectsUnicast) {
  Lan lan(3);
  lan.host(1).send_at(at(0us), frame(MacAddress::broadcast(), mac(7), 1));   // mac(7) on port 1
  lan.host(0).send_at(at(100us), frame(mac(7), mac(0), 2));                 // -> port 1
  lan.host(2).send_at(at(200us), frame(MacAddress::broadcast(), mac(7), 3));  // mac(7) moved to port 2
  lan.host(0).send_at(at(300us), frame(mac(7), mac(0), 4));                 // -> port 2
  lan.q.run_until_idle();

  EXPECT_EQ(hosts_of(lan.log), (std::vector<int>{0, 2, 1, 0, 1, 2}));
  EXPECT_EQ(lan.log.back().bytes, frame(mac(7), mac(0), 4));
  EXPECT_EQ(lan.sw.table().counters().moves, 1u);
  const auto entries = lan.sw.table().entries(lan.q.now());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].mac, mac(7));
  EXPECT_EQ(entries[1].port, 2);
}

TEST(Switch, PortDownFlushesThatPortsStationsOnly) {
  Lan lan(4);
  for (std::uint32_t i = 0; i < 4; ++i) lan.host(i).send_at(at(i * 10us), frame(MacAddress::broadcast(), mac(i)));
  lan.q.run_until(at(100us));
  EXPECT_EQ(lan.sw.table().entries(lan.q.now()).size(), 4u);

  EXPECT_EQ(lan.sw.port_down(2), 1u);
  const auto entries = lan.sw.table().entries(lan.q.now());
  ASSERT_EQ(entries.size(), 3u);
  for (const auto& e : entries) EXPECT_NE(e.port, 2);
  EXPECT_EQ(lan.sw.port_down(2), 0u);

  // mac(2) is unknown now: a frame to it is flooded.
  lan.log.clear();
  lan.host(0).send_at(at(200us), frame(mac(2), mac(0)));
  lan.q.run_until_idle();
  EXPECT_EQ(hosts_of(lan.log), (std::vector<int>{1, 2, 3}));
}

TEST(Switch, PerPortCountersAreExact) {
  Lan lan(3);
  lan.host(0).send_at(at(0us), frame(MacAddress::broadcast(), mac(0), 1, 60));  // flooded to 1, 2
  lan.host(1).send_at(at(10us), frame(mac(0), mac(1), 2, 100));                 // forwarded to 0
  lan.host(1).send_at(at(20us), frame(mac(1), mac(1), 3, 80));                  // filtered on 1
  lan.host(2).send_at(at(30us), ByteVec(13, std::byte{0xff}));                  // malformed
  lan.q.run_until_idle();

  EXPECT_EQ(lan.sw.counters(0), (SwitchPortCounters{.rx_frames = 1, .rx_bytes = 60, .flooded = 1,
                                                     .tx_frames = 1, .tx_bytes = 100}));
  EXPECT_EQ(lan.sw.counters(1), (SwitchPortCounters{.rx_frames = 2, .rx_bytes = 180, .forwarded = 1,
                                                     .filtered = 1, .tx_frames = 1, .tx_bytes = 60}));
  EXPECT_EQ(lan.sw.counters(2), (SwitchPortCounters{.rx_frames = 1, .rx_bytes = 13, .dropped_malformed = 1,
                                                     .tx_frames = 1, .tx_bytes = 60}));
  EXPECT_EQ(lan.sw.totals(), (SwitchPortCounters{.rx_frames = 4, .rx_bytes = 253, .forwarded = 1, .flooded = 1,
                                                 .filtered = 1, .dropped_malformed = 1, .tx_frames = 3,
                                                 .tx_bytes = 220}));
  EXPECT_EQ(lan.sw.pending(), 0u);
}

TEST(Switch, TxDroppedWhenTheLinkQueueIsFull) {
  // Port 1's link: 1 Mb/s and no queue, so a second frame while the first is
  // being serialized is refused by Link::send.
  EventQueue q;
  Switch sw(q, "sw1", 2);
  Link in(q, Rng(1), kFastLink);
  Link out(q, Rng(2), LinkDirection{.bits_per_second = 1'000'000, .delay = 1us, .queue_limit_bytes = 0});
  TestHost a(q, 0, nullptr);
  TestHost b(q, 1, nullptr);
  a.plug(in);
  b.plug(out);
  sw.connect(0, in, 1);
  sw.connect(1, out, 1);
  a.send_at(at(0us), frame(mac(1), mac(0), 1));
  a.send_at(at(1us), frame(mac(1), mac(0), 2));
  q.run_until_idle();

  EXPECT_EQ(sw.counters(0).flooded, 2u);
  EXPECT_EQ(sw.counters(1).tx_frames, 1u);
  EXPECT_EQ(sw.counters(1).tx_dropped, 1u);
  EXPECT_EQ(out.counters(1).dropped_queue, 1u);
  ASSERT_EQ(b.got.size(), 1u);
  EXPECT_EQ(b.got[0], frame(mac(1), mac(0), 1));
}

TEST(Switch, ForwardingDelayIsExact) {
  for (const Duration delay : {Duration{5us}, Duration::zero(), Duration{123ns}}) {
    Lan lan(2, SwitchConfig{.forwarding_delay = delay});
    lan.host(0).send_at(at(0us), frame(mac(1), mac(0)));
    lan.q.run_until(at(1us));
    EXPECT_EQ(lan.sw.pending(), delay == Duration::zero() ? 0u : 1u);
    lan.q.run_until_idle();
    ASSERT_EQ(lan.log.size(), 1u);
    EXPECT_EQ(lan.log[0].at_ns, (2us + delay).count());
  }
}

TEST(Switch, ForwardingDelayAddsToSerializationAndPropagation) {
  // 10 Mb/s: a 60-byte frame is 8 + 60 + 4 = 72 bytes on the wire, 57.6 us,
  // plus 1 us of propagation, on each of the two links, plus 5 us in the switch.
  Lan lan(2, SwitchConfig{}, LinkDirection{.bits_per_second = 10'000'000, .delay = 1us});
  lan.host(0).send_at(at(0us), frame(mac(1), mac(0)));
  lan.q.run_until_idle();
  ASSERT_EQ(lan.log.size(), 1u);
  EXPECT_EQ(lan.log[0].at_ns, 58'600 + 5'000 + 58'600);
}

TEST(Switch, TwoSwitchesInALineLearnWhereEveryoneIs) {
  // A - [0] sw1 [1] --- [0] sw2 [1] - B
  EventQueue q;
  std::vector<Arrival> log;
  Switch sw1(q, "sw1", 2);
  Switch sw2(q, "sw2", 2);
  Link la(q, Rng(1), kFastLink);
  Link trunk(q, Rng(2), kFastLink);
  Link lb(q, Rng(3), kFastLink);
  TestHost a(q, 0, &log);
  TestHost b(q, 1, &log);
  a.plug(la);
  b.plug(lb);
  sw1.connect(0, la, 1);
  sw1.connect(1, trunk, 0);
  sw2.connect(0, trunk, 1);
  sw2.connect(1, lb, 1);

  a.send_at(at(0us), frame(mac(1), mac(0), 1));    // unknown everywhere: flooded twice
  b.send_at(at(100us), frame(mac(0), mac(1), 2));  // known everywhere: forwarded twice
  a.send_at(at(200us), frame(mac(1), mac(0), 3));  // now known both ways
  q.run_until(at(1s));

  EXPECT_EQ(log, (std::vector<Arrival>{{1, 13'000, frame(mac(1), mac(0), 1)},
                                       {0, 113'000, frame(mac(0), mac(1), 2)},
                                       {1, 213'000, frame(mac(1), mac(0), 3)}}));
  EXPECT_EQ(sw1.counters(0).flooded, 1u);
  EXPECT_EQ(sw1.counters(0).forwarded, 1u);
  EXPECT_EQ(sw2.counters(0).flooded, 1u);
  EXPECT_EQ(sw2.counters(0).forwarded, 1u);
  EXPECT_EQ(sw2.counters(1).forwarded, 1u);
  std::ostringstream t1, t2;
  sw1.print_table(t1);
  sw2.print_table(t2);
  EXPECT_EQ(t1.str(),
            "sw1 MAC table, 2 entries:\n"
            "  02:00:00:00:00:00 port 0 age 0.999s\n"
            "  02:00:00:00:00:01 port 1 age 0.999s\n");
  EXPECT_EQ(t2.str(),
            "sw2 MAC table, 2 entries:\n"
            "  02:00:00:00:00:00 port 0 age 0.999s\n"
            "  02:00:00:00:00:01 port 1 age 0.999s\n");
}

TEST(Switch, PrintsCountersPerPort) {
  Lan lan(2);
  lan.host(0).send_at(at(0us), frame(MacAddress::broadcast(), mac(0)));
  lan.q.run_until_idle();
  std::ostringstream os;
  lan.sw.print_counters(os);
  EXPECT_EQ(os.str(),
            "sw1 port 0: rx 1 (60 B) forwarded 0 flooded 1 filtered 0 malformed 0 storm 0 tx 0 (0 B) tx_dropped 0\n"
            "sw1 port 1: rx 0 (0 B) forwarded 0 flooded 0 filtered 0 malformed 0 storm 0 tx 1 (60 B) tx_dropped 0\n");
}

TEST(Switch, ReconnectingAPortDetachesItsOldLink) {
  EventQueue q;
  Switch sw(q, "sw1", 2);
  Link old_link(q, Rng(1), kFastLink);
  Link new_link(q, Rng(2), kFastLink);
  TestHost a(q, 0, nullptr);
  TestHost b(q, 1, nullptr);
  a.plug(old_link);
  b.plug(new_link);
  sw.connect(0, old_link, 1);
  sw.connect(0, new_link, 1);
  a.send_at(at(0us), frame(MacAddress::broadcast(), mac(0)));
  q.run_until_idle();
  EXPECT_EQ(old_link.counters(0).dropped_down, 1u);  // nobody attached on the switch side any more
  EXPECT_EQ(sw.totals().rx_frames, 0u);
}

TEST(Switch, DestroyingASwitchCancelsItsPendingForwards) {
  EventQueue q;
  Link l0(q, Rng(1), kFastLink);
  Link l1(q, Rng(2), kFastLink);
  TestHost a(q, 0, nullptr);
  TestHost b(q, 1, nullptr);
  a.plug(l0);
  b.plug(l1);
  {
    Switch sw(q, "sw1", 2);
    sw.connect(0, l0, 1);
    sw.connect(1, l1, 1);
    a.send_at(at(0us), frame(mac(1), mac(0)));
    q.run_until(at(2us));
    EXPECT_EQ(sw.pending(), 1u);
    l0.attach(1, nullptr);
    l1.attach(1, nullptr);
  }
  q.run_until_idle();
  EXPECT_TRUE(b.got.empty());
}

TEST(Switch, SameInputsGiveTheSameTrace) {
  auto run = [] {
    Lan lan(5, SwitchConfig{}, LinkDirection{.bits_per_second = 100'000'000, .delay = 1us, .jitter = 3us});
    for (std::uint32_t i = 0; i < 200; ++i) {
      const std::uint32_t from = i % 5;
      const std::uint32_t to = (i * 7 + 3) % 6;  // 5: nobody
      lan.host(from).send_at(at(i * 2us), frame(to == 5 ? MacAddress::broadcast() : mac(to), mac(from),
                                                static_cast<std::uint8_t>(i)));
    }
    lan.q.run_until_idle();
    return lan.log;
  };
  const auto first = run();
  EXPECT_GT(first.size(), 200u);
  EXPECT_EQ(first, run());
}

}  // namespace
}  // namespace wirestack::sim
