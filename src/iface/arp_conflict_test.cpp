// iface/arp_conflict_test.cpp — RFC 5227 2.4 address conflict detection: an
// ARP packet from another MAC claiming one of our addresses is counted,
// reported, and answered with one defending announcement per 10 s.
#include <gtest/gtest.h>

#include <sstream>

#include "iface/test_net.hpp"

namespace wirestack::iface {
namespace {

using namespace std::chrono_literals;
using Trace = std::vector<std::string>;
using testing::ip;
using testing::mac;
using testing::prefix;

struct TwoClaimants : ::testing::Test {
  testing::TestNet net;
  Interface& a = net.add("A");
  Interface& b = net.add("B");
  NicId na = a.add_nic(mac(1));
  NicId nb = b.add_nic(mac(2));
  void SetUp() override {
    net.wire(0, na, 1, nb);
    ASSERT_TRUE(a.add_address(na, prefix("10.0.0.1/24")));
    ASSERT_TRUE(b.add_address(nb, prefix("10.0.0.1/24")));  // the same address: a mistake
    a.nic_up(na, net.now());
    net.run_for(5ms);
    (void)net.take_trace();
  }
};

TEST_F(TwoClaimants, BothSeeTheConflictAndEachDefendsOnce) {
  b.nic_up(nb, net.now());  // B announces 10.0.0.1: A sees its address claimed
  net.run_for(5ms);
  EXPECT_EQ(net.take_trace(), (Trace{
                                  "5.000ms B.0 ARP, Request who-has 10.0.0.1 tell 10.0.0.1",
                                  "6.000ms A.0 ARP, Request who-has 10.0.0.1 tell 10.0.0.1",  // A defends
                                  "7.000ms B.0 ARP, Request who-has 10.0.0.1 tell 10.0.0.1",  // so does B
                              }));
  // A saw B twice (B's announcement, B's defence) but defended only once.
  EXPECT_EQ(a.counters().arp.conflicts, 2u);
  EXPECT_EQ(b.counters().arp.conflicts, 1u);
  const auto events = a.take_arp_conflicts();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], (ArpConflict{na, ip(1), mac(2), true, Instant{} + 6ms}));
  EXPECT_FALSE(events[1].defended);
  std::ostringstream os;
  os << events[0];
  EXPECT_EQ(os.str(), "10.0.0.1 is also used by 02:00:00:00:00:02 (ARP conflict on nic 0): defended with an announcement");
  EXPECT_FALSE(a.has_arp_conflicts());
  // The claimant's address never entered the cache.
  EXPECT_EQ(a.arp(na).size(), 0u);
}

TEST_F(TwoClaimants, DefendsAgainOnlyAfterTenQuietSeconds) {
  b.nic_up(nb, net.now());
  net.run_for(5ms);
  const std::uint64_t announced = a.counters().arp.tx_gratuitous;
  // B's ARP request for another host carries 10.0.0.1 as its sender: a
  // conflict for A each time, defended only after 10 s without one.
  net.run_for(5s);
  ASSERT_TRUE(b.send_ping(ip(5), 1, 1, 8, net.now()));
  net.run_for(5ms);
  EXPECT_EQ(a.counters().arp.conflicts, 3u);
  EXPECT_EQ(a.counters().arp.tx_gratuitous, announced);
  net.run_for(11s);  // B's ARP retries are conflicts too; let them end
  const std::uint64_t conflicts = a.counters().arp.conflicts;
  const std::uint64_t gratuitous = a.counters().arp.tx_gratuitous;
  net.run_for(11s);
  ASSERT_TRUE(b.send_ping(ip(6), 1, 2, 8, net.now()));
  net.run_for(5ms);
  // A defends; B, quiet for long enough too, defends back; A lets that one go.
  EXPECT_EQ(a.counters().arp.conflicts, conflicts + 2);
  EXPECT_EQ(a.counters().arp.tx_gratuitous, gratuitous + 1);
  const auto events = a.take_arp_conflicts();
  ASSERT_GE(events.size(), 2u);
  EXPECT_TRUE(events[events.size() - 2].defended);
  EXPECT_FALSE(events.back().defended);
}

}  // namespace
}  // namespace wirestack::iface
