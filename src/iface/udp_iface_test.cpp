// iface/udp_iface_test.cpp — UDP sockets through two Interfaces back to back
// (TestNet, 1 ms per hop): echo, port unreachable surfacing as connection
// refused on a connected socket, broadcast rules, queues and counters.
//
// Addresses: A = 10.0.0.1 / 02:00:00:00:00:01, B = 10.0.0.2 / 02:00:00:00:00:02.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "iface/interface.hpp"
#include "iface/test_net.hpp"

namespace wirestack::iface {
namespace {

using namespace std::chrono_literals;
using testing::ip;
using testing::Pair;
using Trace = std::vector<std::string>;

std::string text(const ByteVec& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

InterfaceConfig server_config() {
  InterfaceConfig c;
  c.udp.allow_privileged_ports = true;
  return c;
}

TEST(InterfaceUdp, EchoRoundTrip) {
  Pair p({}, server_config());
  const auto server = p.b.udp().open();
  ASSERT_TRUE(p.b.udp().bind(server, {Ipv4Address::any(), 7}));
  const auto client = p.a.udp().open();
  ASSERT_TRUE(p.a.udp().connect(client, {ip(2), 7}));
  const std::uint16_t client_port = p.a.udp().local_endpoint(client)->port;
  const Instant t0 = p.net.now();
  ASSERT_TRUE(p.a.udp_send(client, as_bytes("hello"), t0));
  p.net.run_for(3ms);

  auto got = p.b.udp().recv_from(server);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->from, (IpEndpoint{ip(1), client_port}));
  EXPECT_EQ(got->to, (IpEndpoint{ip(2), 7}));
  EXPECT_EQ(text(got->payload), "hello");
  EXPECT_EQ(got->at, t0 + 3ms);  // ARP request, reply, datagram
  EXPECT_EQ(got->ttl, 64);
  ASSERT_TRUE(p.b.udp_send_to(server, got->from, got->payload, p.net.now()));
  p.net.run_for(10ms);

  auto echo = p.a.udp().recv_from(client);
  ASSERT_TRUE(echo);
  EXPECT_EQ(text(echo->payload), "hello");
  EXPECT_EQ(echo->from, (IpEndpoint{ip(2), 7}));
  EXPECT_EQ(echo->at, t0 + 4ms);
  const Trace trace = p.net.take_trace();
  ASSERT_EQ(trace.size(), 4u);
  EXPECT_EQ(trace[2], "12.000ms A.0 IP 10.0.0.1 > 10.0.0.2: ttl 64, id 4038, proto UDP (17), length 33 | " +
                          std::to_string(client_port) + " > 7: UDP, length 5");
  EXPECT_EQ(p.a.counters().udp.tx, 1u);
  EXPECT_EQ(p.a.counters().udp.rx, 1u);
  EXPECT_EQ(p.b.counters().udp.rx, 1u);
  EXPECT_EQ(p.b.counters().udp.tx, 1u);
}

TEST(InterfaceUdp, PaddedShortFramesAreTrimmed) {
  Pair p;
  p.net.pad_short_frames = true;  // ARP (42 bytes) and this datagram (14 + 20 + 8 + 2) get padding
  const auto server = p.b.udp().open();
  ASSERT_TRUE(p.b.udp().bind(server, {Ipv4Address::any(), 5000}));
  const auto s = p.a.udp().open();
  ASSERT_TRUE(p.a.udp_send_to(s, {ip(2), 5000}, as_bytes("hi"), p.net.now()));
  p.net.run_for(10ms);
  auto got = p.b.udp().recv_from(server);
  ASSERT_TRUE(got);
  EXPECT_EQ(text(got->payload), "hi");
  ASSERT_TRUE(p.b.send_ping(ip(1), 1, 1, 0, p.net.now()));
  p.net.run_for(10ms);
  ASSERT_EQ(p.b.take_ping_replies().size(), 1u);
  EXPECT_EQ(p.a.counters().ipv4.malformed + p.b.counters().ipv4.malformed, 0u);
}

TEST(InterfaceUdp, ClosedPortRefusesConnectedSocket) {
  Pair p;
  const auto client = p.a.udp().open();
  ASSERT_TRUE(p.a.udp().connect(client, {ip(2), 9}));
  const std::uint16_t port = p.a.udp().local_endpoint(client)->port;
  ASSERT_TRUE(p.a.udp_send(client, as_bytes("anyone?"), p.net.now()));
  p.net.run_for(10ms);

  const Trace trace = p.net.take_trace();
  ASSERT_EQ(trace.size(), 4u);
  EXPECT_EQ(trace[3],
            "13.000ms B.0 IP 10.0.0.2 > 10.0.0.1: ttl 64, id 9897, proto ICMP (1), length 56 | ICMP 10.0.0.2 udp port "
            "9 unreachable, length 36");
  EXPECT_EQ(p.a.udp().recv_from(client).error().code, udp::Errc::would_block);
  auto r = p.a.udp_send(client, as_bytes("again?"), p.net.now());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, udp::Errc::connection_refused);
  const auto errors = p.a.take_icmp_errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], (IcmpError{.from = ip(2),
                                  .type = Icmpv4Type::dst_unreachable,
                                  .code = 3,
                                  .orig_total_len = 20 + 8 + 7,  // "anyone?"
                                  .orig_src = ip(1),
                                  .orig_dst = ip(2),
                                  .orig_protocol = IpProtocol::udp,
                                  .orig_ident = 4038,
                                  .src_port = port,
                                  .dst_port = 9,
                                  .at = at(14ms)}));
  std::ostringstream os;
  os << errors[0];
  EXPECT_EQ(os.str(), "From 10.0.0.2: port unreachable, for UDP 10.0.0.1:" + std::to_string(port) + " > 10.0.0.2:9");
  EXPECT_EQ(p.b.counters().udp.no_port, 1u);
  EXPECT_EQ(p.b.counters().icmp.tx_by_type[3], 1u);
  EXPECT_EQ(p.a.counters().icmp.rx_by_type[3], 1u);
}

TEST(InterfaceUdp, UnconnectedSocketIgnoresRemoteErrors) {
  Pair p;
  const auto s = p.a.udp().open();
  ASSERT_TRUE(p.a.udp_send_to(s, {ip(2), 9}, as_bytes("x"), p.net.now()));
  p.net.run_for(10ms);
  EXPECT_EQ(p.a.udp().take_error(s), std::nullopt);
  EXPECT_EQ(p.a.take_icmp_errors().size(), 1u);  // still visible to diagnostics
}

TEST(InterfaceUdp, NoPortUnreachableForBroadcast) {
  Pair p;
  const auto s = p.a.udp().open();
  ASSERT_TRUE(p.a.udp_send_to(s, {Ipv4Address{10, 0, 0, 255}, 9}, as_bytes("x"), p.net.now()));
  ASSERT_TRUE(p.a.udp_send_to(s, {Ipv4Address::broadcast(), 9}, as_bytes("y"), p.net.now()));
  p.net.run_for(10ms);
  const Trace trace = p.net.take_trace();
  ASSERT_EQ(trace.size(), 2u);  // no ARP, no ICMP back
  EXPECT_EQ(p.b.counters().udp.no_port, 2u);
  EXPECT_EQ(p.b.counters().icmp.tx, 0u);
  EXPECT_EQ(p.b.counters().icmp.errors_suppressed, 2u);
}

TEST(InterfaceUdp, BroadcastReachesWildcardSocket) {
  Pair p;
  const auto server = p.b.udp().open();
  ASSERT_TRUE(p.b.udp().bind(server, {Ipv4Address::any(), 5000}));
  const auto s = p.a.udp().open();
  ASSERT_TRUE(p.a.udp_send_to(s, {Ipv4Address::broadcast(), 5000}, as_bytes("hi all"), p.net.now()));
  p.net.run_for(10ms);
  auto got = p.b.udp().recv_from(server);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->to, (IpEndpoint{Ipv4Address::broadcast(), 5000}));
}

TEST(InterfaceUdp, QueuedDatagramsGoOutOnPoll) {
  Pair p;
  const auto s = p.a.udp().open();
  ASSERT_TRUE(p.a.udp().send_to(s, {ip(2), 9}, as_bytes("later")));
  EXPECT_EQ(p.a.poll_at(), Instant{});  // due at once
  p.net.run_for(10ms);
  EXPECT_EQ(p.a.counters().udp.tx, 1u);
  EXPECT_EQ(p.b.counters().udp.no_port, 1u);
  EXPECT_EQ(p.a.poll_at(), std::nullopt);
}

TEST(InterfaceUdp, ReceiveQueueOverflowIsCounted) {
  InterfaceConfig small;
  small.udp.recv_queue_datagrams = 1;
  Pair p({}, small);
  const auto server = p.b.udp().open();
  ASSERT_TRUE(p.b.udp().bind(server, {ip(2), 5000}));
  const auto s = p.a.udp().open();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(p.a.udp_send_to(s, {ip(2), 5000}, as_bytes("x"), p.net.now()));
  p.net.run_for(10ms);
  EXPECT_EQ(p.b.counters().udp.rx, 1u);
  EXPECT_EQ(p.b.counters().udp.rcvbuf_drops, 2u);
  EXPECT_EQ(p.b.udp().counters().rcvbuf_drops, 2u);
}

TEST(InterfaceUdp, BadChecksumIsDropped) {
  Pair p;
  const auto server = p.b.udp().open();
  ASSERT_TRUE(p.b.udp().bind(server, {Ipv4Address::any(), 5000}));
  const auto s = p.a.udp().open();
  ASSERT_TRUE(p.a.udp_send_to(s, {ip(2), 5000}, as_bytes("ok"), p.net.now()));
  p.net.run_for(10ms);
  EXPECT_EQ(p.b.counters().udp.rx, 1u);
  // A hand-made frame with a wrong UDP checksum (IP header checksum right).
  auto frame = from_hex(
      "020000000002 020000000001 0800 4500001d00010000 4011 66cd 0a000001 0a000002 "
      "c350 1388 0009 dead 41");
  p.b.receive(0, frame, p.net.now());
  EXPECT_EQ(p.b.counters().udp.rx_malformed, 1u);
  EXPECT_EQ(p.b.counters().udp.rx, 1u);
}

TEST(InterfaceUdp, BindChecksTheAddressIsOurs) {
  Pair p;
  const auto s = p.a.udp().open();
  auto r = p.a.udp_bind(s, {ip(9), 5000});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, udp::Errc::address_not_available);
  EXPECT_EQ(r.error().message,
            "bind 10.0.0.9:5000: this host has no such address; bind to one of its addresses or 0.0.0.0");
  EXPECT_EQ(*p.a.udp_bind(s, {ip(1), 5000}), (IpEndpoint{ip(1), 5000}));
  EXPECT_EQ(p.a.udp_bind(p.a.udp().open(), {Ipv4Address::any(), 5000}).error().code, udp::Errc::address_in_use);
}

TEST(InterfaceUdp, NoRouteIsReportedOnTheSocket) {
  Pair p;
  const auto s = p.a.udp().open();
  ASSERT_TRUE(p.a.udp_send_to(s, {Ipv4Address{192, 168, 0, 1}, 9}, as_bytes("x"), p.net.now()));
  EXPECT_EQ(p.a.udp().take_error(s), udp::Errc::net_unreachable);
  EXPECT_EQ(p.a.counters().udp.tx_errors, 1u);
}

}  // namespace
}  // namespace wirestack::iface
