// iface/egress_cache_test.cpp — the remembered egress of TCP segments
// (Interface::cached_egress) never outlives what it was made from: a
// segment sent after a route change, a new MAC, an expired ARP entry or a
// NIC going down is sent as the route table, the ARP cache and the NIC say
// now, exactly as without the cache.
//
// Each test opens a connection to an address that answers nothing, so the
// SYN is retransmitted (1 s, then 2 s later, ...) through the same egress,
// changes one input between two retransmissions, and reads the destination
// MAC of the next SYN on the wire.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "iface/test_net.hpp"
#include "wire/ethernet.hpp"

namespace wirestack::iface::testing {
namespace {

using namespace std::chrono_literals;

constexpr Ipv4Address kFar{10, 9, 9, 9};  // off-link: only a gateway reaches it

// The destination MACs of A's TCP SYNs among `frames`.
std::vector<MacAddress> syn_macs(const std::vector<ByteVec>& frames) {
  std::vector<MacAddress> out;
  for (const ByteVec& f : frames) {
    const std::string s = summary(f);
    if (s.find("[S]") == std::string::npos || s.find("10.0.0.1 > 10.9.9.9") == std::string::npos) continue;
    out.push_back(EthernetFrame(Bytes(f)).dst());
  }
  return out;
}

struct SynRetries {
  Pair p;
  tcp::SocketHandle client;
  explicit SynRetries(InterfaceConfig config_a = {}) : p(config_a) {
    // A reaches 10.9.9.9 through B (10.0.0.2); B does not forward it.
    EXPECT_TRUE(p.a.routes().set_default(ip(2), 0));
    client = p.a.tcp().open();
    EXPECT_TRUE(p.a.tcp().connect(client, {IpAddress(kFar), 80}, p.net.now()));
    p.net.run_for(500ms);  // the first SYN, after B's ARP reply
  }
  std::vector<MacAddress> macs() const { return syn_macs(p.net.frames()); }
};

TEST(EgressCache, ARouteChangeTakesEffectAtTheNextSegment) {
  SynRetries s;
  ASSERT_EQ(s.macs(), std::vector<MacAddress>{mac(2)});
  s.p.net.run_for(1s);  // the first retransmission: the same egress, remembered
  ASSERT_EQ(s.macs(), (std::vector<MacAddress>{mac(2), mac(2)}));
  // Now through 10.0.0.3, whose MAC is a static entry.
  ASSERT_TRUE(s.p.a.arp(0).add_static(ip(3), mac(3), s.p.net.now()));
  ASSERT_TRUE(s.p.a.routes().set_default(ip(3), 0));
  s.p.net.run_for(2s);
  EXPECT_EQ(s.macs(), (std::vector<MacAddress>{mac(2), mac(2), mac(3)}));
}

TEST(EgressCache, ANewMacForTheNextHopTakesEffectAtTheNextSegment) {
  SynRetries s;
  s.p.net.run_for(1s);
  ASSERT_EQ(s.macs(), (std::vector<MacAddress>{mac(2), mac(2)}));
  ASSERT_TRUE(s.p.a.arp(0).add_static(ip(2), mac(0x22), s.p.net.now()));  // B's card replaced
  s.p.net.run_for(2s);
  EXPECT_EQ(s.macs(), (std::vector<MacAddress>{mac(2), mac(2), mac(0x22)}));
}

TEST(EgressCache, AnExpiredArpEntryIsResolvedAgainNotUsedFromTheCache) {
  InterfaceConfig config;
  config.arp.reachable_time = 2s;  // B's entry, made at 10 ms, expires at 2.01 s
  SynRetries s(config);
  s.p.net.run_for(1s);  // the retransmission at 1.01 s: a hit
  const auto requests = s.p.a.counters().arp.tx_requests;
  s.p.net.run_for(2s);  // the retransmission at 3.01 s finds the entry expired
  EXPECT_EQ(s.p.a.counters().arp.tx_requests, requests + 1);
  EXPECT_EQ(s.macs().size(), 3u);  // and leaves after the reply
  EXPECT_GE(s.p.a.arp_counters().entries_expired, 1u);
}

TEST(EgressCache, ANicThatWentDownSendsNothing) {
  SynRetries s;
  s.p.net.run_for(1s);
  ASSERT_EQ(s.macs().size(), 2u);
  const auto down_before = s.p.a.counters().eth.tx_nic_down;
  s.p.a.nic_down(0, s.p.net.now());
  s.p.net.run_for(2s);
  EXPECT_EQ(s.macs().size(), 2u);
  EXPECT_GT(s.p.a.counters().eth.tx_nic_down + s.p.a.counters().tcp.tx_errors, down_before);
}

TEST(EgressCache, ArpHitsAreCountedAsWithoutTheCache) {
  SynRetries s;
  const auto hits = s.p.a.arp_counters().hits;
  s.p.net.run_for(3s);  // two retransmissions, both through the remembered egress
  EXPECT_EQ(s.p.a.arp_counters().hits, hits + 2);
}

}  // namespace
}  // namespace wirestack::iface::testing
