// sim/ipv6_scenario_test.cpp — IPv6 end to end in the simulator: two hosts
// cabled back to back, each with a static 2001:db8::/64 address (and its
// link-local one); a ping resolved by Neighbor Discovery, a 1 MiB TCP
// transfer and a UDP echo, all over IPv6.
#include <gtest/gtest.h>

#include <optional>

#include "sim/world.hpp"

namespace wirestack::sim {
namespace {

using namespace std::chrono_literals;

Ipv6Address v6(const char* text) { return *Ipv6Address::parse(text); }

struct Pair6 {
  explicit Pair6(std::uint64_t seed) : w(seed) {
    a = &w.add_host("a");
    b = &w.add_host("b");
    auto nics = w.connect(*a, "10.0.0.1/24", *b, "10.0.0.2/24");
    EXPECT_TRUE(nics);
    EXPECT_TRUE(a->stack().add_address6(nics->first, *Ipv6Prefix::parse("2001:db8::1/64")));
    EXPECT_TRUE(b->stack().add_address6(nics->second, *Ipv6Prefix::parse("2001:db8::2/64")));
  }
  World w;
  Host* a = nullptr;
  Host* b = nullptr;
};

ByteVec pattern(std::size_t n) {
  ByteVec data(n);
  for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<std::byte>((i * 2654435761u) >> 13);
  return data;
}

TEST(Ipv6Scenario, PingOverNeighborDiscovery) {
  Pair6 n(11);
  // Replies reach applications through the host's activity loop.
  std::vector<runtime::EchoReply> replies;
  n.a->on_activity([&] {
    auto& got = n.a->echo_replies();
    replies.insert(replies.end(), got.begin(), got.end());
    got.clear();
  });
  for (std::uint16_t seq = 1; seq <= 3; ++seq) {
    ASSERT_TRUE(n.a->send_echo(IpAddress(v6("2001:db8::2")), 42, seq, 56));
    n.a->kick();
    n.w.run_until(n.w.now() + 1s);
  }
  ASSERT_EQ(replies.size(), 3u);
  for (std::size_t i = 0; i < replies.size(); ++i) {
    EXPECT_EQ(replies[i].from, IpAddress(v6("2001:db8::2")));
    EXPECT_EQ(replies[i].seq, i + 1);
    EXPECT_EQ(replies[i].payload_len, 56u);
  }
  EXPECT_EQ(n.a->stack().counters().icmpv6.ns_tx, 1u);  // one resolution, then the cache
  EXPECT_GE(n.b->stack().counters().icmpv6.na_tx, 1u);
}

TEST(Ipv6Scenario, AMebibyteOverTcpArrivesWhole) {
  Pair6 n(12);
  auto& ta = n.a->stack().tcp();
  auto& tb = n.b->stack().tcp();
  const auto srv = tb.open();
  ASSERT_TRUE(tb.bind(srv, {IpAddress::any(IpFamily::v6), 5001}));
  ASSERT_TRUE(tb.listen(srv, 8));
  const auto cli = ta.open();
  ASSERT_TRUE(ta.connect(cli, {IpAddress(v6("2001:db8::2")), 5001}, n.w.now()));
  n.a->kick();
  const ByteVec data = pattern(1 << 20);
  std::optional<tcp::SocketHandle> conn;
  ByteVec got;
  std::size_t sent = 0;
  ByteVec buf(64 * 1024);
  for (int round = 0; round < 100'000 && got.size() < data.size(); ++round) {
    if (sent < data.size()) {
      if (auto k = ta.send(cli, Bytes(data).subspan(sent))) sent += *k;
      n.a->kick();
    }
    n.w.run_until(n.w.now() + 1ms);
    if (!conn) {
      if (auto c = tb.accept(srv)) conn = *c;
    }
    while (conn) {
      auto k = tb.recv(*conn, buf);
      if (!k || *k == 0) break;
      got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(*k));
    }
    if (conn) n.b->kick();  // the window the reads opened
  }
  ASSERT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
  ASSERT_TRUE(conn);
  EXPECT_EQ(tb.remote_endpoint(*conn)->addr, IpAddress(v6("2001:db8::1")));
  EXPECT_EQ(n.a->stack().counters().tcp.tx_errors, 0u);
  EXPECT_EQ(n.b->stack().counters().tcp.rx_malformed, 0u);
  EXPECT_GT(n.b->stack().counters().ipv6.delivered, 700u);  // ~1 MiB / 1440-byte segments
}

TEST(Ipv6Scenario, UdpEcho) {
  Pair6 n(13);
  auto& ua = n.a->stack().udp();
  auto& ub = n.b->stack().udp();
  const auto sa = ua.open();
  const auto sb = ub.open();
  ASSERT_TRUE(n.a->stack().udp_bind(sa, {IpAddress::any(IpFamily::v6), 40000}));
  ASSERT_TRUE(n.b->stack().udp_bind(sb, {IpAddress::any(IpFamily::v6), 7007}));
  const ByteVec msg = pattern(1200);
  ASSERT_TRUE(n.a->stack().udp_send_to(sa, {IpAddress(v6("2001:db8::2")), 7007}, msg, n.w.now()));
  n.a->kick();
  n.w.run_until(n.w.now() + 100ms);
  auto req = ub.recv_from(sb);
  ASSERT_TRUE(req);
  ASSERT_TRUE(n.b->stack().udp_send_to(sb, req->from, req->payload, n.w.now()));
  n.b->kick();
  n.w.run_until(n.w.now() + 100ms);
  auto reply = ua.recv_from(sa);
  ASSERT_TRUE(reply);
  EXPECT_TRUE(reply->payload == msg);
  EXPECT_EQ(reply->from, (IpEndpoint{IpAddress(v6("2001:db8::2")), 7007}));
}

}  // namespace
}  // namespace wirestack::sim
