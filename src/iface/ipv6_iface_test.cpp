// iface/ipv6_iface_test.cpp — IPv6 in the interface (interface_ipv6.cpp):
// link-local addresses, Neighbor Discovery (NS answered with NA, the cache
// learning from both), ICMPv6 echo, martians, Parameter Problem, and TCP,
// UDP and fragmentation between two interfaces on one wire.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "iface/test_net.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ipv6.hpp"

namespace wirestack::iface::testing {
namespace {

using namespace std::chrono_literals;

Ipv6Address v6(const char* text) { return *Ipv6Address::parse(text); }
Ipv6Prefix prefix6(const char* text) { return *Ipv6Prefix::parse(text); }

// A (2001:db8::1) and B (2001:db8::2) on one wire, up, with their IPv4
// addresses too (Pair).
struct Pair6 : Pair {
  Pair6() {
    WIRESTACK_ASSERT(a.add_address6(0, prefix6("2001:db8::1/64")));
    WIRESTACK_ASSERT(b.add_address6(0, prefix6("2001:db8::2/64")));
  }
};

// An Ethernet frame from A's MAC to `dst_mac` holding an IPv6 packet.
ByteVec frame6(MacAddress dst_mac, const Ipv6Repr& ip, Bytes payload) {
  const EthernetRepr eth{.src = mac(1), .dst = dst_mac, .ethertype = EtherType::ipv6};
  ByteVec f(kEthernetHeaderLen + ip.total_len());
  eth.emit(EthernetFrameMut(f));
  ip.emit(Ipv6PacketMut(MutBytes(f).subspan(kEthernetHeaderLen)));
  std::copy(payload.begin(), payload.end(), f.begin() + static_cast<std::ptrdiff_t>(kEthernetHeaderLen + 40));
  return f;
}

TEST(Ipv6Iface, EachNicHasALinkLocalAddressFromItsMac) {
  Pair6 p;
  // 02:00:00:00:00:01 -> interface ID 0000:00ff:fe00:0001 (U/L bit inverted).
  EXPECT_EQ(p.a.link_local(0), v6("fe80::ff:fe00:1"));
  ASSERT_EQ(p.a.addresses6(0).size(), 2u);
  EXPECT_EQ(p.a.addresses6(0)[1], prefix6("2001:db8::1/64"));
  EXPECT_TRUE(p.a.is_local_address(v6("2001:db8::1")));
  EXPECT_TRUE(p.a.is_local_address(IpAddress(v6("fe80::ff:fe00:1"))));
  EXPECT_FALSE(p.a.is_local_address(v6("2001:db8::2")));
  // Refused: a second copy, link-local, multicast, IPv4-mapped.
  EXPECT_FALSE(p.a.add_address6(0, prefix6("2001:db8::1/64")));
  EXPECT_FALSE(p.a.add_address6(0, prefix6("fe80::1/64")));
  EXPECT_FALSE(p.a.add_address6(0, prefix6("ff02::1/64")));
  EXPECT_FALSE(p.a.add_address6(0, prefix6("::ffff:10.0.0.1/128")));
}

TEST(Ipv6Iface, PingResolvesTheNeighbourThenGetsAReply) {
  Pair6 p;
  ASSERT_TRUE(p.a.send_ping6(v6("2001:db8::2"), 7, 1, 8, p.net.now()));
  p.net.run_for(100ms);
  const auto trace = p.net.take_trace();
  ASSERT_EQ(trace.size(), 4u);
  // The NS to B's solicited-node group, the NA back, then the echo.
  EXPECT_NE(trace[0].find("neighbor solicitation"), std::string::npos) << trace[0];
  EXPECT_NE(trace[0].find("ff02::1:ff00:2"), std::string::npos) << trace[0];
  EXPECT_NE(trace[1].find("neighbor advertisement"), std::string::npos) << trace[1];
  EXPECT_NE(trace[2].find("echo request"), std::string::npos) << trace[2];
  EXPECT_NE(trace[3].find("echo reply"), std::string::npos) << trace[3];
  const auto replies = p.a.take_ping6_replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].from, v6("2001:db8::2"));
  EXPECT_EQ(replies[0].ident, 7);
  EXPECT_EQ(replies[0].seq, 1);
  EXPECT_EQ(replies[0].payload_len, 8u);
  EXPECT_EQ(replies[0].hop_limit, 64);
  EXPECT_EQ(p.a.counters().icmpv6.ns_tx, 1u);
  EXPECT_EQ(p.b.counters().icmpv6.na_tx, 1u);
  // Both learnt: A from the NA, B from the NS's source link-layer option.
  EXPECT_EQ(p.a.neighbors(0).state(v6("2001:db8::2"), p.net.now()), ip::NeighborState::reachable);
  EXPECT_EQ(p.b.neighbors(0).state(v6("2001:db8::1"), p.net.now()), ip::NeighborState::delay);  // STALE, then used
  // A second ping needs no solicitation.
  ASSERT_TRUE(p.a.send_ping6(v6("2001:db8::2"), 7, 2, 8, p.net.now()));
  p.net.run_for(100ms);
  EXPECT_EQ(p.net.take_trace().size(), 2u);
  EXPECT_EQ(p.a.take_ping6_replies().size(), 1u);
}

TEST(Ipv6Iface, PingToALinkLocalAddress) {
  Pair6 p;
  ASSERT_TRUE(p.a.send_ping6(p.b.link_local(0), 9, 1, 0, p.net.now()));
  p.net.run_for(100ms);
  const auto replies = p.a.take_ping6_replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].from, p.b.link_local(0));
}

TEST(Ipv6Iface, NoAnswerWhenTheNeighbourIsSilent) {
  Pair6 p;
  p.net.drop = [](std::size_t from, NicId, Bytes) { return from == 1; };  // B's frames are lost
  ASSERT_TRUE(p.a.send_ping6(v6("2001:db8::2"), 7, 1, 8, p.net.now()));
  p.net.run_for(5s);
  EXPECT_EQ(p.a.counters().icmpv6.ns_tx, 3u);  // MAX_MULTICAST_SOLICIT
  EXPECT_EQ(p.a.counters().ipv6.nd_failures, 1u);
  EXPECT_TRUE(p.a.take_ping6_replies().empty());
  EXPECT_EQ(p.a.poll_at(), std::nullopt);
}

TEST(Ipv6Iface, OffLinkDestinationsHaveNoRouteYet) {
  Pair6 p;
  EXPECT_FALSE(p.a.send_ping6(v6("2001:db8:1::2"), 7, 1, 8, p.net.now()));
  EXPECT_EQ(p.a.counters().ipv6.no_route, 1u);
}

TEST(Ipv6Iface, MartianSourcesAreDroppedAndCounted) {
  Pair6 p;
  const ByteVec udp(8);
  for (const char* src : {"::ffff:10.0.0.1", "ff02::1", "::1", "2001:db8::2"}) {
    const Ipv6Repr ip{.src = v6(src), .dst = v6("2001:db8::2"), .next_header = IpProtocol::udp, .payload_len = 8};
    p.b.receive(0, frame6(mac(2), ip, udp), p.net.now());
  }
  EXPECT_EQ(p.b.counters().ipv6.martians, 4u);
  EXPECT_EQ(p.b.counters().ipv6.rx, 0u);
  p.net.run_for(10ms);
  EXPECT_TRUE(p.net.trace().empty());
}

TEST(Ipv6Iface, FramesToOtherGroupsAndAddressesAreNotOurs) {
  Pair6 p;
  const ByteVec udp(8);
  // To the solicited-node MAC of an address B does not have.
  const Ipv6Repr other{.src = v6("2001:db8::1"),
                       .dst = v6("2001:db8::3"),
                       .next_header = IpProtocol::udp,
                       .payload_len = 8};
  p.b.receive(0, frame6(ipv6_multicast_mac(v6("2001:db8::3").solicited_node()), other, udp), p.net.now());
  EXPECT_EQ(p.b.counters().eth.rx_not_for_us, 1u);
  // To B's MAC but another IPv6 address: no forwarding.
  p.b.receive(0, frame6(mac(2), other, udp), p.net.now());
  EXPECT_EQ(p.b.counters().ipv6.not_for_us, 1u);
}

TEST(Ipv6Iface, UnknownNextHeaderGetsParameterProblemCode1) {
  Pair6 p;
  // Warm up the neighbour entries so the error leaves at once.
  ASSERT_TRUE(p.a.send_ping6(v6("2001:db8::2"), 7, 1, 0, p.net.now()));
  p.net.run_for(100ms);
  p.net.take_trace();
  const ByteVec data(8);
  const Ipv6Repr ip{.src = v6("2001:db8::1"),
                    .dst = v6("2001:db8::2"),
                    .next_header = IpProtocol{253},  // RFC 3692 experimentation
                    .payload_len = 8};
  p.b.receive(0, frame6(mac(2), ip, data), p.net.now());
  EXPECT_EQ(p.b.counters().ipv6.unknown_protocol, 1u);
  p.net.run_for(10ms);
  const auto trace = p.net.take_trace();
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_NE(trace[0].find("parameter problem"), std::string::npos) << trace[0];
  EXPECT_EQ(p.b.counters().icmpv6.tx_by_type[4], 1u);
  // Not about a multicast destination (RFC 4443 2.4(e.3)).
  const Ipv6Repr to_all{.src = v6("2001:db8::1"),
                        .dst = v6("ff02::1"),
                        .next_header = IpProtocol{253},
                        .payload_len = 8};
  p.b.receive(0, frame6(ipv6_multicast_mac(v6("ff02::1")), to_all, data), p.net.now());
  EXPECT_EQ(p.b.counters().ipv6.unknown_protocol, 2u);
  EXPECT_EQ(p.b.counters().icmpv6.errors_suppressed, 1u);
}

TEST(Ipv6Iface, NeighborSolicitationWithWrongHopLimitIsInvalid) {
  Pair6 p;
  // An NS for B's address built as A would, but with hop limit 64: off-link.
  const Ipv6Address target = v6("2001:db8::2");
  const Icmpv6Repr ns{.message = NdNeighborSolicit{.target = target}};
  const Ipv6Address src = v6("2001:db8::1");
  const Ipv6Address dst = target.solicited_node();
  ByteVec msg(ns.buffer_len());
  ns.emit(Icmpv6PacketMut(msg), src, dst);
  const Ipv6Repr ip{.src = src,
                    .dst = dst,
                    .next_header = IpProtocol::icmpv6,
                    .hop_limit = 64,
                    .payload_len = static_cast<std::uint16_t>(msg.size())};
  p.b.receive(0, frame6(ipv6_multicast_mac(dst), ip, msg), p.net.now());
  EXPECT_EQ(p.b.counters().icmpv6.nd_invalid, 1u);
  EXPECT_EQ(p.b.counters().icmpv6.na_tx, 0u);
}

// RFC 4443 2.4(f): ICMPv6 errors are rate limited (the bucket ICMPv4's
// errors use, 50 at once by default): 60 datagrams to a closed port draw
// 50 port unreachables; the other 10 are counted.
TEST(Ipv6Iface, ErrorsAreRateLimited) {
  Pair6 p;
  auto& ua = p.a.udp();
  const auto sa = ua.open();
  ASSERT_TRUE(p.a.udp_bind(sa, {IpAddress::any(IpFamily::v6), 5000}));
  const ByteVec data = pattern(10);
  ASSERT_TRUE(p.a.udp_send_to(sa, {IpAddress(v6("2001:db8::2")), 9009}, data, p.net.now()));
  p.net.run_for(100ms);  // neighbours resolved, one error
  ASSERT_EQ(p.b.counters().icmpv6.tx_by_type[1], 1u);
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(p.a.udp_send_to(sa, {IpAddress(v6("2001:db8::2")), 9009}, data, p.net.now()));
  }
  p.net.run_for(1ms);  // within a millisecond the bucket refills by one at most
  EXPECT_EQ(p.b.counters().udp.no_port, 61u);
  EXPECT_LE(p.b.counters().icmpv6.tx_by_type[1], 51u);
  EXPECT_GE(p.b.counters().icmpv6.rate_limited, 10u);
  EXPECT_EQ(p.b.counters().icmpv6.tx_by_type[1] + p.b.counters().icmpv6.rate_limited, 61u);
}

TEST(Ipv6Iface, UdpEchoAndALargeDatagramInFragments) {
  Pair6 p;
  auto& ua = p.a.udp();
  auto& ub = p.b.udp();
  const auto sa = ua.open();
  const auto sb = ub.open();
  ASSERT_TRUE(p.a.udp_bind(sa, {IpAddress::any(IpFamily::v6), 5000}));
  auto bound = p.b.udp_bind(sb, {IpAddress::any(IpFamily::v6), 7007});
  ASSERT_TRUE(bound) << bound.error().message;
  const ByteVec big = pattern(3000);  // three fragments at MTU 1500
  ASSERT_TRUE(p.a.udp_send_to(sa, {IpAddress(v6("2001:db8::2")), 7007}, big, p.net.now()));
  p.net.run_for(100ms);
  auto got = ub.recv_from(sb);
  ASSERT_TRUE(got) << ::testing::PrintToString(p.net.trace()) << p.a.counters() << "\n--\n" << p.b.counters();
  EXPECT_TRUE(std::ranges::equal(got->payload, big));
  EXPECT_EQ(got->from, (IpEndpoint{IpAddress(v6("2001:db8::1")), 5000}));
  EXPECT_EQ(p.a.counters().ipv6.fragments_tx, 3u);
  EXPECT_EQ(p.b.counters().ipv6.reassembled, 1u);
  // Echo it back.
  ASSERT_TRUE(p.b.udp_send_to(sb, got->from, got->payload, p.net.now()));
  p.net.run_for(100ms);
  auto back = ua.recv_from(sa);
  ASSERT_TRUE(back);
  EXPECT_TRUE(std::ranges::equal(back->payload, big));
  // No socket: port unreachable.
  ASSERT_TRUE(p.a.udp_send_to(sa, {IpAddress(v6("2001:db8::2")), 9009}, Bytes(big).first(10), p.net.now()));
  p.net.run_for(100ms);
  EXPECT_EQ(p.b.counters().udp.no_port, 1u);
  EXPECT_EQ(p.b.counters().icmpv6.tx_by_type[1], 1u);
}

TEST(Ipv6Iface, TcpMovesAMebibyteOverIpv6) {
  Pair6 p;
  auto& tf = p.a.tcp();
  auto& tt = p.b.tcp();
  const auto srv = tt.open();
  ASSERT_TRUE(tt.bind(srv, {IpAddress::any(IpFamily::v6), 8080}));
  ASSERT_TRUE(tt.listen(srv, 8));
  const auto cli = tf.open();
  ASSERT_TRUE(tf.connect(cli, {IpAddress(v6("2001:db8::2")), 8080}, p.net.now()));
  const ByteVec data = pattern(1 << 20);
  std::optional<tcp::SocketHandle> conn;
  ByteVec got;
  std::size_t sent = 0;
  ByteVec buf(64 * 1024);
  for (int round = 0; round < 20'000 && got.size() < data.size(); ++round) {
    if (sent < data.size()) {
      if (auto n = tf.send(cli, Bytes(data).subspan(sent))) sent += *n;
    }
    p.net.run_for(200us);
    if (!conn) {
      if (auto c = tt.accept(srv)) conn = *c;
    }
    while (conn) {
      auto n = tt.recv(*conn, buf);
      if (!n || *n == 0) break;
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*n));
    }
  }
  EXPECT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
  EXPECT_EQ(p.a.counters().tcp.tx_errors, 0u);
  EXPECT_EQ(p.b.counters().tcp.rx_malformed, 0u);
  EXPECT_EQ(p.a.counters().ipv6.fragments_tx, 0u);  // the MSS fits the 1500-byte MTU with 40 bytes of header
  // The connection's endpoints are IPv6.
  ASSERT_TRUE(conn);
  EXPECT_EQ(tt.remote_endpoint(*conn)->addr, IpAddress(v6("2001:db8::1")));
}

// As arp_wait_test.cpp for IPv6: the first SYN waits in the ND queue and
// starts the resolution; the other connections wait in their send rings
// (has_room_for) and leave when the NA arrives, none dropped by the queue.
TEST(Ipv6Iface, AHundredConnectionsWaitForTheAdvertNotTheQueue) {
  Pair6 p;
  auto& ta = p.a.tcp();
  auto& tb = p.b.tcp();
  const auto srv = tb.open();
  ASSERT_TRUE(tb.bind(srv, {IpAddress::any(IpFamily::v6), 8080}));
  ASSERT_TRUE(tb.listen(srv, 256));
  constexpr int kConnections = 100;
  ASSERT_LT(p.a.neighbors(0).config().max_queued_per_address, static_cast<std::size_t>(kConnections));
  std::vector<tcp::SocketHandle> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(ta.open());
    ASSERT_TRUE(ta.connect(clients.back(), {IpAddress(v6("2001:db8::2")), 8080}, p.net.now()));
  }
  p.net.run_for(50ms);
  int established = 0;
  for (const auto h : clients) established += ta.state(h) == tcp::State::established ? 1 : 0;
  EXPECT_EQ(established, kConnections);
  EXPECT_EQ(p.a.counters().ipv6.nd_queue_drops, 0u);
  EXPECT_EQ(p.a.neighbors(0).counters().queued, 1u);
  EXPECT_EQ(p.a.counters().icmpv6.ns_tx, 1u);
}

TEST(Ipv6Iface, RoutingHeaderWithSegmentsLeftGetsParameterProblemCode0) {
  Pair6 p;
  // Routing header (43): next UDP, length 0, type 4, segments left 1.
  const ByteVec rh = {std::byte{17}, std::byte{0}, std::byte{4}, std::byte{1},
                      std::byte{0},  std::byte{0}, std::byte{0}, std::byte{0}};
  const Ipv6Repr ip{.src = v6("2001:db8::1"),
                    .dst = v6("2001:db8::2"),
                    .next_header = IpProtocol{43},
                    .payload_len = static_cast<std::uint16_t>(rh.size())};
  p.b.receive(0, frame6(mac(2), ip, rh), p.net.now());
  EXPECT_EQ(p.b.counters().ipv6.chain_drops, 1u);
  p.net.run_for(100ms);  // B resolves A, then sends the error
  EXPECT_EQ(p.b.counters().icmpv6.tx_by_type[4], 1u);
  bool seen = false;
  for (const std::string& line : p.net.trace()) seen = seen || line.find("parameter problem") != std::string::npos;
  EXPECT_TRUE(seen) << ::testing::PrintToString(p.net.trace());
}

TEST(Ipv6Iface, AFirstFragmentAloneTimesOutWithTimeExceededCode1) {
  Pair6 p;
  // Fragment header: next UDP, offset 0, M = 1, ident 0x1234; then 16 bytes
  // (the UDP header and 8 bytes of data).
  ByteVec payload = {std::byte{17}, std::byte{0}, std::byte{0}, std::byte{1},
                     std::byte{0},  std::byte{0}, std::byte{0x12}, std::byte{0x34}};
  payload.resize(payload.size() + 16);
  const Ipv6Repr ip{.src = v6("2001:db8::1"),
                    .dst = v6("2001:db8::2"),
                    .next_header = IpProtocol{44},
                    .payload_len = static_cast<std::uint16_t>(payload.size())};
  p.b.receive(0, frame6(mac(2), ip, payload), p.net.now());
  EXPECT_EQ(p.b.counters().ipv6.fragments_rx, 1u);
  p.net.run_for(59s);
  EXPECT_EQ(p.b.counters().ipv6.reassembly_timeouts, 0u);
  p.net.run_for(2s);
  EXPECT_EQ(p.b.counters().ipv6.reassembly_timeouts, 1u);
  EXPECT_EQ(p.b.counters().icmpv6.tx_by_type[3], 1u);  // Time Exceeded
}

}  // namespace
}  // namespace wirestack::iface::testing
