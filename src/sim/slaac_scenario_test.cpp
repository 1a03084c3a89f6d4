// sim/slaac_scenario_test.cpp — IPv6 autoconfiguration end to end in the
// simulator: hosts take global addresses by SLAAC from a router's
// advertisements and ping each other across it; a host that comes up with
// an address another host already holds finds it a duplicate by DAD and
// never uses it. Every run is a function of its seed.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "app/ping.hpp"
#include "sim/switch.hpp"
#include "sim/world.hpp"

namespace wirestack::sim {
namespace {

using namespace std::chrono_literals;

Ipv6Address v6(const char* text) { return *Ipv6Address::parse(text); }
Ipv6Prefix prefix6(const char* text) { return *Ipv6Prefix::parse(text); }

iface::InterfaceConfig v6_config() {
  iface::InterfaceConfig c;
  c.ipv6.enabled = true;
  return c;
}

Ipv6Address global_of(Host& h) {
  for (const Ipv6Prefix& p : h.stack().addresses6(0)) {
    if (!p.address().is_link_local()) return p.address();
  }
  return {};
}

// a --- r --- b: r advertises 2001:db8:1::/64 to a and 2001:db8:2::/64 to b.
struct Campus6 {
  explicit Campus6(std::uint64_t seed) : w(seed) {
    a = &w.add_host("a", v6_config());
    r = &w.add_router("r", v6_config());
    b = &w.add_host("b", v6_config());
    auto ar = w.connect(*a, "", *r, "10.0.1.1/24");
    auto rb = w.connect(*r, "10.0.2.1/24", *b, "");
    EXPECT_TRUE(ar && rb);
    auto& rs = r->stack();
    EXPECT_TRUE(rs.add_address6(ar->second, prefix6("2001:db8:1::1/64")));
    EXPECT_TRUE(rs.add_address6(rb->first, prefix6("2001:db8:2::1/64")));
    EXPECT_TRUE(rs.advertise6(ar->second, prefix6("2001:db8:1::/64")));
    EXPECT_TRUE(rs.advertise6(rb->first, prefix6("2001:db8:2::/64")));
    r->kick();
  }
  World w;
  Host* a = nullptr;
  Host* r = nullptr;
  Host* b = nullptr;
};

std::string addresses_after(std::uint64_t seed) {
  Campus6 n(seed);
  n.w.run_until(Instant{} + 10s);
  std::ostringstream os;
  os << global_of(*n.a) << ' ' << global_of(*n.b);
  return os.str();
}

TEST(SlaacScenario, HostsGetAddressesBySlaacAndPingThroughTheRouter) {
  Campus6 n(21);
  n.w.run_until(Instant{} + 10s);
  const Ipv6Address a = global_of(*n.a);
  const Ipv6Address b = global_of(*n.b);
  ASSERT_TRUE(prefix6("2001:db8:1::/64").contains(a)) << a;
  ASSERT_TRUE(prefix6("2001:db8:2::/64").contains(b)) << b;
  EXPECT_EQ(n.a->stack().counters().icmpv6.dad_succeeded, 2u);  // link-local, then SLAAC
  EXPECT_EQ(n.a->stack().default_routers6(0).size(), 1u);
  std::vector<runtime::EchoReply> replies;
  n.a->on_activity([&] {
    auto& got = n.a->echo_replies();
    replies.insert(replies.end(), got.begin(), got.end());
    got.clear();
  });
  for (std::uint16_t seq = 1; seq <= 3; ++seq) {
    ASSERT_TRUE(n.a->send_echo(IpAddress(b), 42, seq, 56));
    n.a->kick();
    n.w.run_until(n.w.now() + 1s);
  }
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].from, IpAddress(b));
  EXPECT_EQ(replies[0].ttl, 63);
  EXPECT_EQ(n.r->stack().counters().ipv6.forwarded, 6u);
  // The same seed gives the same addresses and the same timing; RFC 7217's
  // identifiers come from each host's secret, so another seed changes them.
  EXPECT_EQ(addresses_after(21), addresses_after(21));
  EXPECT_NE(addresses_after(21), addresses_after(22));
}

// ICMPv6 errors reach ping and traceroute as ICMPv4's do: the router's Time
// Exceeded names the first hop, the destination's echo reply the second.
TEST(SlaacScenario, TracerouteAndPingErrorsOverIpv6) {
  Campus6 n(21);
  n.w.run_until(Instant{} + 10s);
  const IpAddress b(global_of(*n.b));
  app::Traceroute trace(*n.a, b);
  app::Ping expiring(*n.a, b, {.count = 1, .ttl = 1, .start = 1s});
  // Nobody has this address on a's link: ND gives up (RFC 4861 7.2.2).
  app::Ping nobody(*n.a, IpAddress(v6("2001:db8:1::99")), {.count = 1, .start = 2s, .linger = 5s});
  n.w.run_until(Instant{} + 20s);
  ASSERT_TRUE(trace.done());
  ASSERT_EQ(trace.hops().size(), 2u) << trace.hops();
  EXPECT_EQ(trace.hops()[0].from, IpAddress(v6("2001:db8:1::1"))) << trace.hops();  // r, on a's side
  EXPECT_FALSE(trace.hops()[0].reached);
  EXPECT_EQ(trace.hops()[1].from, b);
  EXPECT_TRUE(trace.hops()[1].reached);

  ASSERT_EQ(expiring.result().errors.size(), 1u);
  const runtime::IcmpReport& te = expiring.result().errors[0];
  EXPECT_EQ(te.reason, transport::IcmpReason::time_exceeded);
  EXPECT_EQ(te.type, 3);
  EXPECT_EQ(te.from, IpAddress(v6("2001:db8:1::1")));
  EXPECT_STREQ(runtime::describe(te), "Time exceeded: Hop limit");

  ASSERT_EQ(nobody.result().errors.size(), 1u);
  const runtime::IcmpReport& au = nobody.result().errors[0];
  EXPECT_TRUE(au.local);
  EXPECT_EQ(au.from, IpAddress(global_of(*n.a)));
  EXPECT_STREQ(runtime::describe(au), "Destination unreachable: Address unreachable");
  EXPECT_GE(n.a->stack().counters().ipv6.nd_failures, 1u);
}

TEST(SlaacScenario, TheSecondHostWithTheSameAddressFailsDad) {
  World w(5);
  Switch& sw = w.add_switch("sw", 4);
  Host& first = w.add_host("first", v6_config());
  Host& second = w.add_host("second", v6_config());
  auto n1 = w.connect(first, sw, 0, "10.0.0.1/24");
  ASSERT_TRUE(n1);
  ASSERT_TRUE(first.stack().add_address6(*n1, prefix6("2001:db8::5/64")));
  first.kick();
  w.run_until(Instant{} + 5s);
  ASSERT_TRUE(first.stack().is_local_address(v6("2001:db8::5")));
  // The second one comes up later, configured with the same address.
  auto n2 = w.connect(second, sw, 1, "10.0.0.2/24");
  ASSERT_TRUE(n2);
  ASSERT_TRUE(second.stack().add_address6(*n2, prefix6("2001:db8::5/64")));
  second.kick();
  w.run_until(Instant{} + 10s);
  EXPECT_FALSE(second.stack().is_local_address(v6("2001:db8::5")));
  EXPECT_TRUE(first.stack().is_local_address(v6("2001:db8::5")));
  EXPECT_EQ(second.stack().counters().icmpv6.dad_duplicates, 1u);
  EXPECT_EQ(first.stack().counters().icmpv6.dad_duplicates, 0u);
  bool reported = false;
  for (const auto& e : second.stack().take_address_events()) {
    reported = reported || (e.kind == iface::AddressEventKind::duplicate && e.address == v6("2001:db8::5"));
  }
  EXPECT_TRUE(reported);
  // Its link-local address passed, and so did the first host's.
  EXPECT_TRUE(second.stack().is_local_address(second.stack().link_local(*n2)));
}

}  // namespace
}  // namespace wirestack::sim
