// iface/arp_wait_test.cpp — TCP waits for the next hop's ARP reply in its
// send ring instead of in the ARP queue: the first datagram to an unresolved
// neighbour waits in the queue (it starts the resolution), the connections'
// next segments wait as data (Interface::has_room_for says no while the
// next hop is being resolved) and leave the moment the reply arrives. So a
// burst of connections to a new neighbour loses nothing to the ARP queue's
// bound, and nothing waits for a retransmission timer (the spike scenario's
// clients used to lose dozens of SYNs each and resend them a second later).
#include <gtest/gtest.h>

#include <vector>

#include "iface/test_net.hpp"

namespace wirestack::iface::testing {
namespace {

using namespace std::chrono_literals;

TEST(ArpWait, AHundredConnectionsToANewNeighbourWaitForTheReplyNotTheQueue) {
  Pair p;
  auto& ta = p.a.tcp();
  auto& tb = p.b.tcp();
  const auto srv = tb.open();
  ASSERT_TRUE(tb.bind(srv, {IpAddress::any(IpFamily::v4), 8080}));
  ASSERT_TRUE(tb.listen(srv, 256));
  // However many connections: only the first SYN is queued (below).
  constexpr int kConnections = 100;
  std::vector<tcp::SocketHandle> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(ta.open());
    ASSERT_TRUE(ta.connect(clients.back(), {IpAddress(ip(2)), 8080}, p.net.now()));
  }
  p.net.run_for(50ms);

  int established = 0;
  for (const auto h : clients) established += ta.state(h) == tcp::State::established ? 1 : 0;
  EXPECT_EQ(established, kConnections);
  EXPECT_EQ(p.a.counters().ipv4.arp_queue_drops, 0u);
  EXPECT_EQ(p.a.arp_counters().queued, 1u);  // the first SYN, which started the resolution
  EXPECT_EQ(p.a.counters().arp.tx_requests, 1u);
  EXPECT_GE(ta.counters().tx_stalls, static_cast<std::uint64_t>(kConnections - 1));
  // Every SYN left by 12 ms: the request at 10 ms, the reply at 11 ms, the
  // waiting SYNs at once after it (1 ms of wire each way).
  int syns = 0;
  for (const std::string& line : p.net.trace()) {
    if (line.find("A.0") == std::string::npos || line.find("[S]") == std::string::npos) continue;
    ++syns;
    EXPECT_EQ(line.rfind("12.000ms", 0), 0u) << line;
  }
  EXPECT_EQ(syns, kConnections);
}

}  // namespace
}  // namespace wirestack::iface::testing
