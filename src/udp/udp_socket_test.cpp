// udp/udp_socket_test.cpp — SocketTable without an interface: bind rules,
// ephemeral ports (RFC 6056 algorithm 3, seeded), connect filtering, the
// send queue, receive queue bounds, pending errors, stale handles.
//
// Addresses: we are 10.0.0.1; peers 10.0.0.N.
#include "udp/udp_socket.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

namespace wirestack::udp {
namespace {

constexpr Ipv4Address ip(std::uint8_t n) { return Ipv4Address{10, 0, 0, n}; }
constexpr IpEndpoint ep(std::uint8_t n, std::uint16_t port) { return IpEndpoint{ip(n), port}; }
constexpr IpEndpoint any(std::uint16_t port) { return IpEndpoint{Ipv4Address::any(), port}; }

std::string text(Bytes b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

TEST(UdpSocketTable, BindAndAddressInUse) {
  Rng rng(1);
  SocketTable t(rng, SocketTableConfig{.allow_privileged_ports = true});
  const auto a = t.open();
  const auto b = t.open();
  ASSERT_TRUE(t.bind(a, ep(1, 7)));
  auto r = t.bind(b, ep(1, 7));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::address_in_use);
  EXPECT_EQ(r.error().message,
            "bind 10.0.0.1:7: address in use (another socket holds port 7); pick another port or close that socket");
  // 0.0.0.0 conflicts with a specific address on the same port ...
  EXPECT_EQ(t.bind(b, any(7)).error().code, Errc::address_in_use);
  // ... but another address does not.
  ASSERT_TRUE(t.bind(b, ep(2, 7)));
  EXPECT_EQ(t.bind(b, ep(2, 8)).error().code, Errc::already_bound);
  // After close the port is free again.
  EXPECT_TRUE(t.close(a));
  const auto c = t.open();
  EXPECT_TRUE(t.bind(c, any(9)));
  EXPECT_TRUE(t.bind(t.open(), ep(1, 7)));
}

TEST(UdpSocketTable, PrivilegedPortsNeedPermission) {
  Rng rng(1);
  SocketTable t(rng);
  auto r = t.bind(t.open(), any(53));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::permission_denied);
  EXPECT_TRUE(t.bind(t.open(), any(1024)));
}

TEST(UdpSocketTable, StaleHandleIsRefused) {
  Rng rng(1);
  SocketTable t(rng);
  const auto a = t.open();
  ASSERT_TRUE(t.close(a));
  EXPECT_FALSE(t.close(a));
  const auto b = t.open();  // reuses the slot with a new generation
  EXPECT_EQ(b.index, a.index);
  EXPECT_NE(b.generation, a.generation);
  EXPECT_EQ(t.bind(a, any(5000)).error().code, Errc::invalid_handle);
  EXPECT_EQ(t.send_to(a, ep(2, 9), {}).error().code, Errc::invalid_handle);
  EXPECT_TRUE(t.bind(b, any(5000)));
  EXPECT_EQ(t.open_count(), 1u);
}

TEST(UdpSocketTable, CloseAllLeavesEveryHandleStaleAndEveryPortFree) {
  Rng rng(1);
  SocketTable t(rng);
  const auto a = t.open();
  const auto b = t.open();
  ASSERT_TRUE(t.bind(a, any(5000)));
  ASSERT_TRUE(t.send_to(b, ep(2, 9), as_bytes("queued")));
  t.close_all();
  EXPECT_EQ(t.open_count(), 0u);
  EXPECT_FALSE(t.has_tx());  // what was queued is gone, unsent
  EXPECT_EQ(t.bind(a, any(5001)).error().code, Errc::invalid_handle);
  EXPECT_EQ(t.send_to(b, ep(2, 9), {}).error().code, Errc::invalid_handle);
  EXPECT_TRUE(t.bind(t.open(), any(5000)));  // the port is free again
}

TEST(UdpSocketTable, EphemeralPortsAreSeededHashedAndInRange) {
  auto ports = [](std::uint64_t seed) {
    Rng rng(seed);
    SocketTable t(rng);
    std::vector<std::uint16_t> out;
    for (int i = 0; i < 5; ++i) out.push_back(t.bind(t.open(), any(0))->port);
    return out;
  };
  const auto a = ports(42);
  EXPECT_EQ(a, ports(42));  // same seed, same ports
  EXPECT_NE(a, ports(43));
  for (auto p : a) EXPECT_GE(p, 49152);
  // Algorithm 3 with the same (local, remote): consecutive ports after the hashed offset.
  EXPECT_EQ(a[1], a[0] == 65535 ? 49152 : a[0] + 1);
}

TEST(UdpSocketTable, EphemeralRangeExhausted) {
  Rng rng(7);
  SocketTable t(rng, SocketTableConfig{.ephemeral = {.first = 60000, .last = 60002}});
  std::set<std::uint16_t> got;
  for (int i = 0; i < 3; ++i) got.insert(t.bind(t.open(), any(0))->port);
  EXPECT_EQ(got, (std::set<std::uint16_t>{60000, 60001, 60002}));
  auto r = t.bind(t.open(), any(0));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::no_ephemeral_port);
}

TEST(UdpSocketTable, SendQueuesAndAutobinds) {
  Rng rng(3);
  SocketTable t(rng);
  const auto s = t.open();
  ASSERT_TRUE(t.send_to(s, ep(2, 9), as_bytes("hi")));
  ASSERT_TRUE(t.local_endpoint(s));
  EXPECT_GE(t.local_endpoint(s)->port, 49152);
  EXPECT_TRUE(t.has_tx());
  auto out = t.take_tx();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].socket, s);
  EXPECT_EQ(out[0].src, *t.local_endpoint(s));
  EXPECT_EQ(out[0].dst, ep(2, 9));
  EXPECT_EQ(text(out[0].payload), "hi");
  EXPECT_FALSE(t.has_tx());
  EXPECT_EQ(t.counters().datagrams_out, 1u);
  EXPECT_EQ(t.send(s, as_bytes("x")).error().code, Errc::not_connected);
  EXPECT_EQ(t.send_to(s, ep(2, 0), as_bytes("x")).error().code, Errc::invalid_argument);
  ByteVec big(max_udp_payload(IpFamily::v4) + 1);
  EXPECT_EQ(t.send_to(s, ep(2, 9), big).error().code, Errc::message_too_long);
}

TEST(UdpSocketTable, DeliverPicksBestMatchAndConnectFilters) {
  Rng rng(3);
  SocketTable t(rng);
  const auto wild = t.open();
  ASSERT_TRUE(t.bind(wild, any(5000)));
  const auto conn = t.open();
  ASSERT_TRUE(t.bind(conn, ep(1, 5001)));
  ASSERT_TRUE(t.connect(conn, ep(2, 9)));

  EXPECT_EQ(t.deliver(ep(3, 9), ep(1, 5000), as_bytes("a"), 64, at(Duration{5})), DeliverStatus::delivered);
  EXPECT_EQ(t.deliver(ep(2, 9), ep(1, 5001), as_bytes("b"), 63, at(Duration{6})), DeliverStatus::delivered);
  // The connected socket does not take datagrams from another peer.
  EXPECT_EQ(t.deliver(ep(3, 9), ep(1, 5001), as_bytes("c"), 64, at(Duration{7})), DeliverStatus::no_socket);
  EXPECT_EQ(t.deliver(ep(3, 9), ep(1, 5002), as_bytes("d"), 64, at(Duration{7})), DeliverStatus::no_socket);

  auto d = t.recv_from(wild);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->from, ep(3, 9));
  EXPECT_EQ(d->to, ep(1, 5000));
  EXPECT_EQ(text(d->payload), "a");
  EXPECT_EQ(d->at, at(Duration{5}));
  EXPECT_EQ(t.recv_from(wild).error().code, Errc::would_block);
  auto e = t.recv_from(conn);
  ASSERT_TRUE(e);
  EXPECT_EQ(text(e->payload), "b");
  EXPECT_EQ(e->ttl, 63);
}

TEST(UdpSocketTable, BroadcastGoesToWildcardAndBroadcastBoundSockets) {
  Rng rng(3);
  SocketTable t(rng);
  const auto a = t.open();
  ASSERT_TRUE(t.bind(a, any(5000)));
  // Without SO_REUSEADDR a second socket cannot share the wildcard's port.
  EXPECT_EQ(t.bind(t.open(), IpEndpoint{Ipv4Address::broadcast(), 5000}).error().code, Errc::address_in_use);
  const auto c = t.open();
  ASSERT_TRUE(t.bind(c, ep(1, 5001)));
  const IpEndpoint bcast{Ipv4Address::broadcast(), 5000};
  EXPECT_EQ(t.deliver(ep(2, 9), bcast, as_bytes("x"), 64, {}, true), DeliverStatus::delivered);
  EXPECT_EQ(t.recv_queue_len(a), 1u);
  EXPECT_EQ(t.deliver(ep(2, 9), IpEndpoint{Ipv4Address::broadcast(), 5001}, as_bytes("x"), 64, {}, true),
            DeliverStatus::no_socket);  // bound to 10.0.0.1 only
}

TEST(UdpSocketTable, ReceiveQueueIsBounded) {
  Rng rng(3);
  SocketTable t(rng, SocketTableConfig{.recv_queue_datagrams = 2});
  const auto s = t.open();
  ASSERT_TRUE(t.bind(s, any(5000)));
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(t.deliver(ep(2, 9), ep(1, 5000), as_bytes("x"), 64, {}), DeliverStatus::delivered);
  }
  EXPECT_EQ(t.deliver(ep(2, 9), ep(1, 5000), as_bytes("x"), 64, {}), DeliverStatus::queue_full);
  EXPECT_EQ(t.counters().rcvbuf_drops, 1u);
  EXPECT_EQ(t.counters().datagrams_in, 2u);
  EXPECT_EQ(t.recv_queue_len(s), 2u);
}

TEST(UdpSocketTable, PortUnreachableRefusesConnectedSocketOnly) {
  Rng rng(3);
  SocketTable t(rng);
  const auto conn = t.open();
  ASSERT_TRUE(t.connect(conn, ep(2, 9)));
  const auto loose = t.open();
  ASSERT_TRUE(t.bind(loose, any(6000)));
  const IpEndpoint local = *t.local_endpoint(conn);

  EXPECT_TRUE(t.on_icmp_error(IpEndpoint{ip(1), local.port}, ep(2, 9), Errc::connection_refused, true));
  EXPECT_FALSE(t.on_icmp_error(ep(1, 6000), ep(2, 9), Errc::connection_refused, true));
  // recv_from drains datagrams only; the error waits for send or take_error.
  EXPECT_EQ(t.recv_from(conn).error().code, Errc::would_block);
  auto r = t.send(conn, as_bytes("x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::connection_refused);
  EXPECT_EQ(r.error().message,
            "connection refused: the peer answered with ICMP port unreachable (nothing listens on that port)");
  // Reported once.
  EXPECT_EQ(t.take_error(conn), std::nullopt);
  // A local failure reaches an unconnected socket too.
  EXPECT_TRUE(t.on_icmp_error(ep(1, 6000), ep(2, 9), Errc::host_unreachable, false));
  EXPECT_EQ(t.take_error(loose), Errc::host_unreachable);
  EXPECT_EQ(t.take_error(loose), std::nullopt);
  // send() surfaces it as well.
  t.report_error(conn, Errc::net_unreachable);
  EXPECT_EQ(t.send(conn, as_bytes("x")).error().code, Errc::net_unreachable);
  EXPECT_TRUE(t.send(conn, as_bytes("x")));
}

TEST(UdpSocketTable, Printing) {
  std::ostringstream os;
  os << ep(1, 7) << ' ' << SocketHandle{3, 1} << ' ' << Errc::connection_refused;
  EXPECT_EQ(os.str(), "10.0.0.1:7 udp#3.1 connection refused");
}

// ---- Either family -----------------------------------------------------------

const IpAddress kV6a = *IpAddress::parse("2001:db8::1");
const IpAddress kV6b = *IpAddress::parse("2001:db8::2");

TEST(UdpSocketTable, Ipv6DatagramsGoOutAndComeIn) {
  Rng rng(1);
  SocketTable t(rng);
  const auto s = t.open();
  ASSERT_TRUE(t.bind(s, {IpAddress::any(IpFamily::v6), 5353}));
  ASSERT_TRUE(t.deliver({kV6b, 4000}, {kV6a, 5353}, as_bytes("over v6"), 64, at(std::chrono::seconds{1})) ==
              DeliverStatus::delivered);
  auto d = t.recv_from(s);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->from, (IpEndpoint{kV6b, 4000}));
  EXPECT_EQ(text(d->payload), "over v6");
  // An IPv4 datagram to the same port finds no IPv6 socket.
  EXPECT_EQ(t.deliver(ep(2, 4000), ep(1, 5353), as_bytes("v4"), 64, at(std::chrono::seconds{1})),
            DeliverStatus::no_socket);
  ASSERT_TRUE(t.send_to(s, {kV6b, 4000}, as_bytes("back")));
  auto out = t.take_tx();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dst, (IpEndpoint{kV6b, 4000}));
  EXPECT_TRUE(out[0].src.addr.is_v6());
}

TEST(UdpSocketTable, TheFamiliesAreSeparatePortSpaces) {
  Rng rng(1);
  SocketTable t(rng);
  ASSERT_TRUE(t.bind(t.open(), any(5000)));
  EXPECT_TRUE(t.bind(t.open(), {IpAddress::any(IpFamily::v6), 5000}));
  EXPECT_EQ(t.bind(t.open(), {kV6a, 5000}).error().code, Errc::address_in_use);
}

TEST(UdpSocketTable, AutobindTakesTheDestinationsFamilyAndMismatchesAreRefused) {
  Rng rng(1);
  SocketTable t(rng);
  const auto s = t.open();
  ASSERT_TRUE(t.send_to(s, {kV6b, 53}, as_bytes("q")));
  EXPECT_TRUE(t.local_endpoint(s)->addr.is_v6());
  EXPECT_TRUE(t.local_endpoint(s)->addr.is_unspecified());
  auto r = t.send_to(s, ep(2, 53), as_bytes("q"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::address_family);
  EXPECT_NE(r.error().message.find("other IP family"), std::string::npos) << r.error().message;
  EXPECT_EQ(t.connect(s, ep(2, 53)).error().code, Errc::address_family);
}

TEST(UdpSocketTable, TheLargestDatagramFollowsTheFamily) {
  Rng rng(1);
  SocketTable t(rng);
  const auto v4 = t.open();
  const auto v6 = t.open();
  const std::vector<std::byte> big(65527);
  EXPECT_EQ(max_udp_payload(IpFamily::v4), 65507u);
  EXPECT_EQ(max_udp_payload(IpFamily::v6), 65527u);
  auto r = t.send_to(v4, ep(2, 9), Bytes(big).first(65508));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::message_too_long);
  EXPECT_NE(r.error().message.find("(65507)"), std::string::npos) << r.error().message;
  EXPECT_TRUE(t.send_to(v4, ep(2, 9), Bytes(big).first(65507)));
  EXPECT_TRUE(t.send_to(v6, {kV6b, 9}, big));
  EXPECT_EQ(t.send_to(v6, {kV6b, 9}, std::vector<std::byte>(65528)).error().code, Errc::message_too_long);
}

TEST(UdpSocketTable, AnEmptyEphemeralRangeIsAnErrorNotACrash) {
  Rng rng(1);
  SocketTable t(rng, SocketTableConfig{.ephemeral = {.first = 0, .last = 100}});
  auto r = t.bind(t.open(), any(0));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::no_ephemeral_port);
  EXPECT_NE(r.error().message.find("starts at port 0"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace wirestack::udp
