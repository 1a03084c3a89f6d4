// app/dual_stack_test.cpp — the servers that bind a port themselves (TCP
// echo, TCP discard, UDP echo) answer on both families: a dual-stack host's
// clients reach them at its IPv6 address as at its IPv4 one (`wirestack tap
// --ip ... --ip 2001:db8::2/64 --tcp-echo 7 --udp-echo 7777` serves nc -6);
// and an ICMPv6 port unreachable reaches a UDP client as "connection refused".
#include <gtest/gtest.h>

#include "app/tcp_apps.hpp"
#include "app/udp_apps.hpp"
#include "sim/world.hpp"

namespace wirestack::app {
namespace {

using namespace std::chrono_literals;

// Two hosts on one cable, each with an IPv4 and an IPv6 address.
struct DualStack {
  DualStack() : w(5) {
    client = &w.add_host("client");
    server = &w.add_host("server");
    auto nics = w.connect(*client, "10.0.0.1/24", *server, "10.0.0.2/24");
    EXPECT_TRUE(nics);
    EXPECT_TRUE(client->stack().add_address6(nics->first, *Ipv6Prefix::parse("2001:db8::1/64")));
    EXPECT_TRUE(server->stack().add_address6(nics->second, *Ipv6Prefix::parse("2001:db8::2/64")));
  }
  sim::World w;
  sim::Host* client = nullptr;
  sim::Host* server = nullptr;
};

const IpAddress kServer4 = Ipv4Address(10, 0, 0, 2);
const IpAddress kServer6 = *Ipv6Address::parse("2001:db8::2");

TEST(DualStack, TcpEchoAndDiscardAnswerOnBothFamilies) {
  DualStack n;
  TcpEchoServer echo(*n.server, 7007);
  TcpSinkServer discard(*n.server, 9009);
  ASSERT_TRUE(echo.bound());
  ASSERT_TRUE(discard.bound());
  TcpRequestClient e4(*n.client, {kServer4, 7007}, {.request = "over IPv4"});
  TcpRequestClient e6(*n.client, {kServer6, 7007}, {.request = "over IPv6"});
  TcpRequestClient d6(*n.client, {kServer6, 9009}, {.request = "into the sink"});
  n.w.run_until(n.w.now() + 5s);
  EXPECT_EQ(e4.response(), "over IPv4");
  EXPECT_EQ(e6.response(), "over IPv6");
  EXPECT_EQ(echo.accepted(), 2u);
  EXPECT_TRUE(d6.done());
  EXPECT_EQ(discard.accepted(), 1u);
  EXPECT_EQ(discard.total_bytes(), 13u);
}

TEST(DualStack, UdpEchoAnswersOnBothFamilies) {
  DualStack n;
  UdpEchoServer echo(*n.server, 7777);
  ASSERT_TRUE(echo.bound());
  UdpClient c4(*n.client, {kServer4, 7777}, {.count = 1, .payload = "four"});
  UdpClient c6(*n.client, {kServer6, 7777}, {.count = 2, .payload = "six"});
  n.w.run_until(n.w.now() + 3s);
  EXPECT_EQ(c4.received(), std::vector<std::string>{"four"});
  EXPECT_EQ(c6.received(), (std::vector<std::string>{"six", "six"}));
  EXPECT_TRUE(c6.errors().empty());
  EXPECT_EQ(echo.echoed(), 3u);
}

// ICMPv6 errors reach the socket as ICMPv4's do: a datagram to a closed
// IPv6 port comes back as Destination Unreachable (port), which a
// connected UDP socket reports as "connection refused".
TEST(DualStack, AClosedIpv6PortIsConnectionRefused) {
  DualStack n;
  UdpClient c6(*n.client, {kServer6, 7778}, {.count = 1, .payload = "anyone?"});
  n.w.run_until(n.w.now() + 2s);
  EXPECT_TRUE(c6.received().empty());
  EXPECT_EQ(c6.errors(), std::vector<udp::Errc>{udp::Errc::connection_refused});
  EXPECT_EQ(n.server->stack().counters().udp.no_port, 1u);
}

}  // namespace
}  // namespace wirestack::app
