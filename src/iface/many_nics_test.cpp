// iface/many_nics_test.cpp — what a router with many cards keeps instead of
// asking every card after each event or datagram. The NICs' timers, per NIC
// in a min-tree (Interface::nic_due_): a change on any card that moves its
// deadline (earlier or later) is seen by the next poll_at(), and poll()
// serves the cards that are due, in order. The addresses (an index rebuilt
// when they change): ours and the directed broadcasts of any card. A router
// with eight cards, no peers, the frames it receives built by hand.
#include <gtest/gtest.h>

#include <utility>

#include "iface/test_net.hpp"
#include "wire/arp.hpp"
#include "wire/ethernet.hpp"
#include "wire/icmpv4.hpp"
#include "wire/ipv4.hpp"

namespace wirestack::iface {
namespace {

using namespace std::chrono_literals;
using testing::mac;
using testing::prefix;

constexpr std::size_t kCards = 8;

Ipv4Address peer(std::size_t card) { return Ipv4Address{10, 0, static_cast<std::uint8_t>(card), 9}; }

struct EightCards : ::testing::Test {
  testing::QueueSink sink;
  Rng rng{5};
  Interface r{sink, rng, testing::router_config()};
  Instant t0 = at(1s);
  void SetUp() override {
    for (std::size_t i = 0; i < kCards; ++i) {
      const NicId n = r.add_nic(mac(0x10 + static_cast<std::uint32_t>(i)));
      ASSERT_TRUE(r.add_address(n, Ipv4Prefix(Ipv4Address{10, 0, static_cast<std::uint8_t>(i), 1}, 24)));
      r.nic_up(n, t0);
    }
    r.poll(t0);
    sink.frames.clear();
  }
  // What asking every card would say: the model the cache must agree with.
  std::optional<Instant> asked_of_every_card() const {
    std::optional<Instant> at;
    for (NicId n = 0; n < kCards; ++n) {
      const auto t = std::as_const(r).arp(n).poll_at();
      if (t && (!at || *t < *at)) at = t;
    }
    return at;
  }
  // The ARP requests that left, by card.
  std::vector<NicId> requests_sent() {
    std::vector<NicId> out;
    for (const auto& f : sink.frames) out.push_back(f.nic);
    sink.frames.clear();
    return out;
  }
  void answer(NicId card, Instant now) {
    ByteVec f(kEthernetHeaderLen + kArpPacketLen);
    const MacAddress from = mac(0x900 + card);
    EthernetRepr{.src = from, .dst = r.mac(card), .ethertype = EtherType::arp}.emit(EthernetFrameMut(f));
    ArpRepr{.operation = ArpOperation::reply,
            .source_hardware = from,
            .source_protocol = peer(card),
            .target_hardware = r.mac(card),
            .target_protocol = Ipv4Address{10, 0, static_cast<std::uint8_t>(card), 1}}
        .emit(ArpPacketMut(std::span(f).subspan(kEthernetHeaderLen)));
    r.receive(card, f, now);
  }
  // An echo request from `src` to `dst`, arriving on card 0.
  void echo(Ipv4Address src, Ipv4Address dst) {
    const std::array<std::byte, 8> data{};
    const Icmpv4Repr icmp{.message = Icmpv4EchoRequest{.ident = 1, .seq_no = 1, .data = data}};
    const Ipv4Repr ip{.src = src, .dst = dst, .protocol = IpProtocol::icmp, .ttl = 64,
                      .payload_len = static_cast<std::uint16_t>(icmp.buffer_len())};
    ByteVec f(kEthernetHeaderLen + ip.total_len());
    EthernetFrameMut e(f);
    EthernetRepr{.src = mac(0x900), .dst = r.mac(0), .ethertype = EtherType::ipv4}.emit(e);
    Ipv4PacketMut p(e.payload());
    ip.emit(p);
    icmp.emit(Icmpv4PacketMut(p.payload()));
    r.receive(0, f, t0);
  }
};

TEST_F(EightCards, EveryChangeMovesTheDeadline) {
  ASSERT_EQ(r.poll_at(), std::nullopt);
  // A resolution on card 5: its first retry 1 s later.
  const Instant t1 = t0 + 10ms;
  ASSERT_TRUE(r.send_ping(peer(5), 1, 1, 8, t1));
  EXPECT_EQ(requests_sent(), (std::vector<NicId>{5}));
  EXPECT_EQ(r.poll_at(), t1 + 1s);
  // One on card 2, later: the earliest stays card 5's.
  ASSERT_TRUE(r.send_ping(peer(2), 1, 2, 8, t1 + 300ms));
  EXPECT_EQ(requests_sent(), (std::vector<NicId>{2}));
  EXPECT_EQ(r.poll_at(), t1 + 1s);
  EXPECT_EQ(r.poll_at(), asked_of_every_card());
  // Card 5 retries and backs off to 2 s: the earliest moves to card 2.
  r.poll(t1 + 1s);
  EXPECT_EQ(requests_sent(), (std::vector<NicId>{5}));
  EXPECT_EQ(r.poll_at(), t1 + 1300ms);
  r.poll(t1 + 1300ms);
  EXPECT_EQ(requests_sent(), (std::vector<NicId>{2}));
  EXPECT_EQ(r.poll_at(), t1 + 3s);  // card 5's second retry; card 2's is at 3.3 s
  // A resolution on card 7 moves the earliest deadline earlier.
  ASSERT_TRUE(r.send_ping(peer(7), 1, 3, 8, t1 + 1500ms));
  EXPECT_EQ(requests_sent(), (std::vector<NicId>{7}));
  EXPECT_EQ(r.poll_at(), t1 + 2500ms);
  EXPECT_EQ(r.poll_at(), asked_of_every_card());
  // Card 7's answer ends its resolution: the earliest moves later again.
  answer(7, t1 + 1600ms);
  EXPECT_EQ(r.poll_at(), t1 + 3s);
  EXPECT_EQ(r.poll_at(), asked_of_every_card());
  // Through the public cache: flushing card 5 leaves card 2's.
  EXPECT_EQ(r.arp(5).flush().size(), 1u);  // the ping that waited
  EXPECT_EQ(r.poll_at(), t1 + 3300ms);
  EXPECT_EQ(r.poll_at(), asked_of_every_card());
}

TEST_F(EightCards, PollServesEveryDueCardInOrder) {
  // Three cards due at the same instant, one not yet.
  ASSERT_TRUE(r.send_ping(peer(6), 1, 1, 8, t0));
  ASSERT_TRUE(r.send_ping(peer(1), 1, 2, 8, t0));
  ASSERT_TRUE(r.send_ping(peer(3), 1, 3, 8, t0));
  ASSERT_TRUE(r.send_ping(peer(0), 1, 4, 8, t0 + 1ms));
  EXPECT_EQ(requests_sent(), (std::vector<NicId>{6, 1, 3, 0}));
  EXPECT_EQ(r.poll_at(), t0 + 1s);
  r.poll(t0 + 1s);
  EXPECT_EQ(requests_sent(), (std::vector<NicId>{1, 3, 6}));
  EXPECT_EQ(r.poll_at(), t0 + 1001ms);
  r.poll(t0 + 1001ms);
  EXPECT_EQ(requests_sent(), (std::vector<NicId>{0}));
  EXPECT_EQ(r.poll_at(), t0 + 3s);
  EXPECT_EQ(r.poll_at(), asked_of_every_card());
}

// A card added after the others had deadlines: the tree grows past a power
// of two and keeps them.
TEST_F(EightCards, ACardAddedLaterKeepsTheOthersDeadlines) {
  ASSERT_TRUE(r.send_ping(peer(4), 1, 1, 8, t0));
  const NicId n = r.add_nic(mac(0x30));
  ASSERT_TRUE(r.add_address(n, prefix("10.0.8.1/24")));
  r.nic_up(n, t0);
  r.poll(t0);
  EXPECT_EQ(r.poll_at(), t0 + 1s);
  ASSERT_TRUE(r.send_ping(peer(8), 1, 2, 8, t0 + 1ms));
  r.poll(t0 + 1s);
  EXPECT_EQ(r.poll_at(), t0 + 1001ms);
  r.poll(t0 + 1001ms);
  sink.frames.clear();
  EXPECT_EQ(r.poll_at(), t0 + 3s);
}

TEST_F(EightCards, AddressesAddedAndRemovedAreSeen) {
  const Ipv4Address mine{10, 0, 6, 1};
  const Ipv4Address moved{10, 0, 60, 1};
  EXPECT_TRUE(r.is_local_address(mine));
  EXPECT_FALSE(r.is_local_address(moved));
  // A directed broadcast of card 6's network, or our own address, is no source.
  echo(Ipv4Address{10, 0, 6, 255}, Ipv4Address{10, 0, 0, 1});
  echo(mine, Ipv4Address{10, 0, 0, 1});
  EXPECT_EQ(r.counters().ipv4.martians, 2u);
  ASSERT_TRUE(r.remove_address(6, Ipv4Prefix(mine, 24)));
  ASSERT_TRUE(r.add_address(6, Ipv4Prefix(moved, 24)));
  EXPECT_FALSE(r.is_local_address(mine));
  EXPECT_TRUE(r.is_local_address(moved));
  echo(Ipv4Address{10, 0, 6, 255}, Ipv4Address{10, 0, 0, 1});  // an ordinary address now
  EXPECT_EQ(r.counters().ipv4.martians, 2u);
  echo(Ipv4Address{10, 0, 60, 255}, Ipv4Address{10, 0, 0, 1});
  echo(mine, Ipv4Address{10, 0, 0, 1});  // no longer ours: no martian
  EXPECT_EQ(r.counters().ipv4.martians, 3u);
}

}  // namespace
}  // namespace wirestack::iface
