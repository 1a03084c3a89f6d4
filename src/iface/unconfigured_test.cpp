// iface/unconfigured_test.cpp — what a DHCP exchange needs of the stack: a
// host with no address sends a limited broadcast from 0.0.0.0 (UDP 68 -> 67)
// and receives the broadcast answer; a router answers out of the NIC that
// holds the source it asks for; an address and its routes can be taken away.
#include <gtest/gtest.h>

#include <string>

#include "iface/interface.hpp"
#include "iface/test_net.hpp"

namespace wirestack::iface {
namespace {

using namespace std::chrono_literals;
using testing::mac;
using testing::prefix;

InterfaceConfig privileged() {
  InterfaceConfig c;
  c.udp.allow_privileged_ports = true;
  return c;
}

// C (no address, 02:..:0c) --- S (10.0.1.1/24)
struct Unconfigured {
  testing::TestNet net;
  Interface& c;
  Interface& s;
  Unconfigured() : c(net.add("C", privileged())), s(net.add("S", privileged())) {
    const NicId nc = c.add_nic(mac(0x0c));
    const NicId ns = s.add_nic(mac(0x01));
    WIRESTACK_ASSERT(s.add_address(ns, prefix("10.0.1.1/24")));
    net.wire(0, nc, 1, ns);
    c.nic_up(nc, net.now());
    s.nic_up(ns, net.now());
    net.run_for(10ms);
    net.take_trace();
  }
};

std::string text(const ByteVec& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

TEST(InterfaceUnconfigured, SendsFromZeroToTheLimitedBroadcastAndHearsTheBroadcastAnswer) {
  Unconfigured u;
  const auto client = u.c.udp().open();
  ASSERT_TRUE(u.c.udp_bind(client, {Ipv4Address::any(), 68}));
  const auto server = u.s.udp().open();
  ASSERT_TRUE(u.s.udp_bind(server, {Ipv4Address::any(), 67}));

  ASSERT_TRUE(u.c.udp_send_to(client, {Ipv4Address::broadcast(), 67}, as_bytes("discover"), u.net.now()));
  EXPECT_FALSE(u.c.udp().take_error(client));
  u.net.run_for(5ms);
  auto got = u.s.udp().recv_from(server);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->from, (IpEndpoint{Ipv4Address::any(), 68}));
  EXPECT_EQ(got->to, (IpEndpoint{Ipv4Address::broadcast(), 67}));
  EXPECT_EQ(text(got->payload), "discover");
  const auto trace = u.net.take_trace();
  ASSERT_EQ(trace.size(), 1u);  // no ARP: a broadcast
  EXPECT_NE(trace[0].find("IP 0.0.0.0 > 255.255.255.255"), std::string::npos) << trace[0];

  ASSERT_TRUE(u.s.udp_send_to(server, {Ipv4Address::broadcast(), 68}, as_bytes("offer"), u.net.now()));
  u.net.run_for(5ms);
  auto offer = u.c.udp().recv_from(client);
  ASSERT_TRUE(offer);
  EXPECT_EQ(offer->from, (IpEndpoint{Ipv4Address(10, 0, 1, 1), 67}));
  EXPECT_EQ(text(offer->payload), "offer");
}

TEST(InterfaceUnconfigured, ZeroSourceIsOnlyForTheLimitedBroadcast) {
  Unconfigured u;
  const auto s = u.c.udp().open();
  ASSERT_TRUE(u.c.udp_send_to(s, {Ipv4Address(10, 0, 1, 1), 67}, as_bytes("x"), u.net.now()));
  EXPECT_EQ(u.c.udp().take_error(s), udp::Errc::net_unreachable);
  u.net.run_for(5ms);
  EXPECT_TRUE(u.net.take_trace().empty());
}

TEST(InterfaceUnconfigured, AHostWithAnAddressNeverSendsFromZero) {
  Unconfigured u;
  const auto s = u.s.udp().open();
  ASSERT_TRUE(u.s.udp_send_to(s, {Ipv4Address::broadcast(), 68}, as_bytes("x"), u.net.now()));
  u.net.run_for(5ms);
  const auto trace = u.net.take_trace();
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_NE(trace[0].find("IP 10.0.1.1 > 255.255.255.255"), std::string::npos) << trace[0];
}

TEST(InterfaceUnconfigured, ARoutersBroadcastLeavesByTheNicOfItsSource) {
  testing::Routed n;
  const auto s = n.r.udp().open();
  ASSERT_TRUE(n.r.udp_bind(s, {testing::kRb, 5000}));
  ASSERT_TRUE(n.r.udp_send_to(s, {Ipv4Address::broadcast(), 68}, as_bytes("x"), n.net.now()));
  n.net.run_for(5ms);
  auto trace = n.net.take_trace();
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_NE(trace[0].find("R.1 IP 10.0.2.1 > 255.255.255.255"), std::string::npos) << trace[0];
}

TEST(InterfaceUnconfigured, RemovingTheAddressTakesItsRoutesAndBackToZero) {
  Unconfigured u;
  ASSERT_TRUE(u.c.add_address(0, prefix("10.0.1.100/24")));
  ASSERT_TRUE(u.c.routes().set_default(Ipv4Address(10, 0, 1, 1), 0));
  ASSERT_TRUE(u.c.routes().add({.destination = prefix("192.168.9.0/24"), .gateway = Ipv4Address(10, 9, 9, 9), .iface = 0}));
  EXPECT_EQ(u.c.routes().size(), 3u);
  EXPECT_FALSE(u.c.remove_address(0, prefix("10.0.1.101/24")));
  EXPECT_TRUE(u.c.remove_address(0, prefix("10.0.1.100/24")));
  EXPECT_TRUE(u.c.addresses(0).empty());
  // The connected route and the default through 10.0.1.1 are gone; a route via another subnet stays.
  ASSERT_EQ(u.c.routes().size(), 1u);
  EXPECT_EQ(u.c.routes().routes()[0].gateway, Ipv4Address(10, 9, 9, 9));
  u.net.run_for(5ms);  // the gratuitous ARP of the address added
  u.net.take_trace();
  const auto s = u.c.udp().open();
  ASSERT_TRUE(u.c.udp_send_to(s, {Ipv4Address::broadcast(), 67}, as_bytes("x"), u.net.now()));
  u.net.run_for(5ms);
  const auto trace = u.net.take_trace();
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_NE(trace[0].find("IP 0.0.0.0 > 255.255.255.255"), std::string::npos) << trace[0];
}

}  // namespace
}  // namespace wirestack::iface
