// ip/route_table_test.cpp — longest-prefix match, metrics and insertion
// order, connected and default routes, removal, refusals, printing, and a
// seeded random table checked against a brute-force reference.
#include "ip/route_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "base/rng.hpp"

namespace wirestack::ip {
namespace {

Ipv4Prefix prefix(std::string_view text) {
  auto p = Ipv4Prefix::parse(text);
  EXPECT_TRUE(p.has_value()) << text;
  return p.value_or(Ipv4Prefix{});
}

Route via(std::string_view dest, Ipv4Address gw, InterfaceId iface, std::uint32_t metric = 0) {
  return Route{.destination = prefix(dest), .gateway = gw, .iface = iface, .metric = metric};
}

Route on_link(std::string_view dest, InterfaceId iface, std::uint32_t metric = 0) {
  return Route{.destination = prefix(dest), .gateway = std::nullopt, .iface = iface, .metric = metric};
}

void must_add(RouteTable& t, const Route& r) {
  const auto added = t.add(r);
  ASSERT_TRUE(added.has_value()) << added.error();
}

constexpr Ipv4Address kGw1{10, 0, 1, 1};
constexpr Ipv4Address kGw2{10, 0, 2, 1};

TEST(RouteTable, EmptyTableHasNoRoute) {
  const RouteTable t;
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.lookup(Ipv4Address(10, 0, 0, 1)), std::nullopt);
}

TEST(RouteTable, NoMatchingRouteIsNullopt) {
  RouteTable t;
  must_add(t, on_link("10.0.1.0/24", 0));
  EXPECT_EQ(t.lookup(Ipv4Address(10, 0, 2, 1)), std::nullopt);
  EXPECT_EQ(t.lookup(Ipv4Address(11, 0, 1, 1)), std::nullopt);
}

TEST(RouteTable, LongestPrefixWinsAmongOverlappingRoutes) {
  RouteTable t;
  must_add(t, via("10.0.0.0/8", kGw1, 1));
  must_add(t, via("10.1.0.0/16", kGw2, 2));
  must_add(t, on_link("10.1.2.0/24", 3));
  must_add(t, via("10.1.2.128/25", kGw1, 4));
  auto iface_of = [&](Ipv4Address a) { return t.lookup(a)->route.iface; };
  EXPECT_EQ(iface_of(Ipv4Address(10, 9, 9, 9)), 1);
  EXPECT_EQ(iface_of(Ipv4Address(10, 1, 9, 9)), 2);
  EXPECT_EQ(iface_of(Ipv4Address(10, 1, 2, 5)), 3);
  EXPECT_EQ(iface_of(Ipv4Address(10, 1, 2, 127)), 3);
  EXPECT_EQ(iface_of(Ipv4Address(10, 1, 2, 128)), 4);
  EXPECT_EQ(iface_of(Ipv4Address(10, 1, 2, 255)), 4);
  // Insertion order does not matter for prefix length.
  RouteTable reversed;
  for (const Route& r : std::vector{via("10.1.2.128/25", kGw1, 4), on_link("10.1.2.0/24", 3),
                                    via("10.1.0.0/16", kGw2, 2), via("10.0.0.0/8", kGw1, 1)}) {
    must_add(reversed, r);
  }
  for (auto a : {Ipv4Address(10, 9, 9, 9), Ipv4Address(10, 1, 9, 9), Ipv4Address(10, 1, 2, 5),
                 Ipv4Address(10, 1, 2, 200)}) {
    EXPECT_EQ(reversed.lookup(a), t.lookup(a)) << a;
  }
}

TEST(RouteTable, NextHopIsGatewayOrTheDestinationOnLink) {
  RouteTable t;
  ASSERT_TRUE(t.add_connected(0, prefix("10.0.1.7/24")).has_value());
  must_add(t, via("192.168.0.0/16", Ipv4Address(10, 0, 1, 254), 0));
  const auto local = t.lookup(Ipv4Address(10, 0, 1, 42));
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(local->next_hop, Ipv4Address(10, 0, 1, 42));
  EXPECT_TRUE(local->route.is_connected());
  EXPECT_EQ(local->route.destination, prefix("10.0.1.0/24"));  // host bits cleared
  const auto remote = t.lookup(Ipv4Address(192, 168, 3, 4));
  ASSERT_TRUE(remote.has_value());
  EXPECT_EQ(remote->next_hop, Ipv4Address(10, 0, 1, 254));
}

TEST(RouteTable, DefaultRouteCatchesEverythingElse) {
  RouteTable t;
  ASSERT_TRUE(t.add_connected(0, prefix("10.0.1.7/24")).has_value());
  ASSERT_TRUE(t.set_default(kGw1, 0).has_value());
  EXPECT_EQ(t.lookup(Ipv4Address(8, 8, 8, 8))->next_hop, kGw1);
  EXPECT_EQ(t.lookup(Ipv4Address(255, 255, 255, 255))->next_hop, kGw1);
  EXPECT_EQ(t.lookup(Ipv4Address(0, 0, 0, 0))->next_hop, kGw1);
  EXPECT_TRUE(t.lookup(Ipv4Address(8, 8, 8, 8))->route.is_default());
  EXPECT_EQ(t.lookup(Ipv4Address(10, 0, 1, 9))->next_hop, Ipv4Address(10, 0, 1, 9));
  // set_default replaces the old default.
  ASSERT_TRUE(t.set_default(kGw2, 1, 5).has_value());
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.lookup(Ipv4Address(8, 8, 8, 8))->route, via("0.0.0.0/0", kGw2, 1, 5));
}

TEST(RouteTable, SlashZeroMatchesEveryAddressWhateverItsHostBits) {
  RouteTable t;
  must_add(t, on_link("1.2.3.4/0", 7));  // normalised to 0.0.0.0/0
  EXPECT_EQ(t.routes().front().destination, prefix("0.0.0.0/0"));
  EXPECT_EQ(t.lookup(Ipv4Address(200, 1, 1, 1))->route.iface, 7);
  EXPECT_EQ(t.lookup(Ipv4Address(200, 1, 1, 1))->next_hop, Ipv4Address(200, 1, 1, 1));
}

TEST(RouteTable, HostRoutesMatchOnlyTheirAddress) {
  RouteTable t;
  must_add(t, via("10.0.0.0/8", kGw1, 1));
  must_add(t, via("10.0.0.5/32", kGw2, 2));
  must_add(t, on_link("10.0.0.6/32", 3));
  EXPECT_EQ(t.lookup(Ipv4Address(10, 0, 0, 5))->route.iface, 2);
  EXPECT_EQ(t.lookup(Ipv4Address(10, 0, 0, 6))->route.iface, 3);
  EXPECT_EQ(t.lookup(Ipv4Address(10, 0, 0, 6))->next_hop, Ipv4Address(10, 0, 0, 6));
  EXPECT_EQ(t.lookup(Ipv4Address(10, 0, 0, 4))->route.iface, 1);
  EXPECT_EQ(t.lookup(Ipv4Address(10, 0, 0, 7))->route.iface, 1);
}

TEST(RouteTable, EqualPrefixesPreferLowerMetricThenTheOlderRoute) {
  RouteTable t;
  must_add(t, via("10.2.0.0/16", kGw1, 1, 200));
  must_add(t, via("10.2.0.0/16", kGw2, 2, 100));
  EXPECT_EQ(t.lookup(Ipv4Address(10, 2, 0, 1))->route.iface, 2);  // metric 100 beats 200
  must_add(t, via("10.2.0.0/16", Ipv4Address(10, 0, 3, 1), 3, 100));
  EXPECT_EQ(t.lookup(Ipv4Address(10, 2, 0, 1))->route.iface, 2);  // same metric: the older one
  ASSERT_TRUE(t.remove(via("10.2.0.0/16", kGw2, 2, 100)).has_value());
  EXPECT_EQ(t.lookup(Ipv4Address(10, 2, 0, 1))->route.iface, 3);
  ASSERT_TRUE(t.remove(via("10.2.0.0/16", Ipv4Address(10, 0, 3, 1), 3, 100)).has_value());
  EXPECT_EQ(t.lookup(Ipv4Address(10, 2, 0, 1))->route.iface, 1);
  // A lower metric never beats a longer prefix.
  must_add(t, via("10.0.0.0/8", kGw2, 9, 0));
  EXPECT_EQ(t.lookup(Ipv4Address(10, 2, 0, 1))->route.iface, 1);
}

TEST(RouteTable, DuplicateRouteIsRefusedWithAReason) {
  RouteTable t;
  must_add(t, via("10.2.0.0/16", kGw1, 1, 10));
  const auto again = t.add(via("10.2.7.7/16", kGw1, 1, 10));  // same route once normalised
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error(), "route 10.2.0.0/16 via 10.0.1.1 dev 1 metric 10 already exists");
  EXPECT_EQ(t.size(), 1u);
  // Differing in metric, gateway or interface is another route.
  must_add(t, via("10.2.0.0/16", kGw1, 1, 11));
  must_add(t, via("10.2.0.0/16", kGw2, 1, 10));
  must_add(t, via("10.2.0.0/16", kGw1, 2, 10));
  EXPECT_EQ(t.size(), 4u);
  ASSERT_TRUE(t.add_connected(4, prefix("10.9.0.1/24")).has_value());
  const auto connected_again = t.add_connected(4, prefix("10.9.0.2/24"));
  ASSERT_FALSE(connected_again.has_value());
  EXPECT_EQ(connected_again.error(), "route 10.9.0.0/24 dev 4 scope link already exists");
}

TEST(RouteTable, GatewayMustBeUnicast) {
  RouteTable t;
  const auto multicast = t.add(via("10.0.0.0/8", Ipv4Address(224, 0, 0, 1), 0));
  ASSERT_FALSE(multicast.has_value());
  EXPECT_EQ(multicast.error(), "route 10.0.0.0/8 via 224.0.0.1 dev 0: gateway 224.0.0.1 is not a unicast address");
  EXPECT_FALSE(t.add(via("10.0.0.0/8", Ipv4Address::any(), 0)).has_value());
  EXPECT_FALSE(t.set_default(Ipv4Address::broadcast(), 0).has_value());
  EXPECT_TRUE(t.empty());
  // A failed set_default leaves the old default in place.
  ASSERT_TRUE(t.set_default(kGw1, 0).has_value());
  EXPECT_FALSE(t.set_default(Ipv4Address::any(), 0).has_value());
  EXPECT_EQ(t.lookup(Ipv4Address(1, 1, 1, 1))->next_hop, kGw1);
}

TEST(RouteTable, RemoveTakesOutExactlyThatRoute) {
  RouteTable t;
  must_add(t, via("10.0.0.0/8", kGw1, 1));
  must_add(t, via("10.1.0.0/16", kGw2, 2));
  ASSERT_TRUE(t.remove(via("10.1.255.255/16", kGw2, 2)).has_value());  // normalised as in add()
  EXPECT_EQ(t.lookup(Ipv4Address(10, 1, 0, 1))->route.iface, 1);
  EXPECT_EQ(t.size(), 1u);
  const auto missing = t.remove(via("10.1.0.0/16", kGw2, 2));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error(), "no route 10.1.0.0/16 via 10.0.2.1 dev 2");
  EXPECT_FALSE(t.remove(via("10.0.0.0/8", kGw1, 1, 5)).has_value());  // metric differs
  ASSERT_TRUE(t.remove(via("10.0.0.0/8", kGw1, 1)).has_value());
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.lookup(Ipv4Address(10, 1, 0, 1)), std::nullopt);
}

TEST(RouteTable, RemoveByDestinationAndByInterface) {
  RouteTable t;
  ASSERT_TRUE(t.add_connected(0, prefix("10.0.1.1/24")).has_value());
  ASSERT_TRUE(t.add_connected(1, prefix("10.0.2.1/24")).has_value());
  must_add(t, via("172.16.0.0/12", Ipv4Address(10, 0, 1, 254), 0, 1));
  must_add(t, via("172.16.0.0/12", Ipv4Address(10, 0, 2, 254), 1, 2));
  ASSERT_TRUE(t.set_default(Ipv4Address(10, 0, 2, 254), 1).has_value());
  EXPECT_EQ(t.remove_interface(1), 3u);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.lookup(Ipv4Address(8, 8, 8, 8)), std::nullopt);
  EXPECT_EQ(t.lookup(Ipv4Address(172, 20, 0, 1))->route.iface, 0);
  EXPECT_EQ(t.remove_destination(prefix("172.16.99.0/12")), 1u);
  EXPECT_EQ(t.lookup(Ipv4Address(172, 20, 0, 1)), std::nullopt);
  EXPECT_EQ(t.remove_destination(prefix("172.16.0.0/12")), 0u);
  t.clear();
  EXPECT_TRUE(t.empty());
  EXPECT_EQ(t.lookup(Ipv4Address(10, 0, 1, 5)), std::nullopt);
}

TEST(RouteTable, PrintsSortedLikeIpRoute) {
  RouteTable t;
  must_add(t, via("10.2.0.0/16", Ipv4Address(10, 0, 1, 254), 0, 100));
  ASSERT_TRUE(t.add_connected(1, prefix("10.0.2.1/24")).has_value());
  must_add(t, via("10.2.0.9/32", Ipv4Address(10, 0, 2, 254), 1));
  ASSERT_TRUE(t.add_connected(0, prefix("10.0.1.1/24")).has_value());
  ASSERT_TRUE(t.set_default(Ipv4Address(10, 0, 1, 1), 0).has_value());
  EXPECT_EQ(t.to_string(),
            "default via 10.0.1.1 dev 0\n"
            "10.0.1.0/24 dev 0 scope link\n"
            "10.0.2.0/24 dev 1 scope link\n"
            "10.2.0.0/16 via 10.0.1.254 dev 0 metric 100\n"
            "10.2.0.9 via 10.0.2.254 dev 1\n");
  EXPECT_EQ(t.to_string([](InterfaceId i) { return "eth" + std::to_string(i); }),
            "default via 10.0.1.1 dev eth0\n"
            "10.0.1.0/24 dev eth0 scope link\n"
            "10.0.2.0/24 dev eth1 scope link\n"
            "10.2.0.0/16 via 10.0.1.254 dev eth0 metric 100\n"
            "10.2.0.9 via 10.0.2.254 dev eth1\n");
  std::ostringstream os;
  os << t;
  EXPECT_EQ(os.str(), t.to_string());
}

// The reference: every route that contains dst, best by (longest prefix,
// lowest metric, oldest).
std::optional<RouteMatch> brute_force(const std::vector<Route>& in_order, Ipv4Address dst) {
  const Route* best = nullptr;
  for (const Route& r : in_order) {
    if (!r.destination.contains(dst)) continue;
    if (best == nullptr || r.destination.len() > best->destination.len() ||
        (r.destination.len() == best->destination.len() && r.metric < best->metric)) {
      best = &r;
    }
  }
  if (best == nullptr) return std::nullopt;
  return RouteMatch{.route = *best, .next_hop = best->gateway.value_or(dst)};
}

TEST(RouteTable, RandomTablesAgreeWithBruteForce) {
  Rng rng(20240611);
  int refused = 0;
  for (int round = 0; round < 20; ++round) {
    RouteTable t;
    std::vector<Route> reference;  // insertion order
    // Addresses drawn near a few bases so prefixes overlap a lot.
    const std::array<std::uint32_t, 3> bases{0x0a000000u, 0x0a010000u, 0xc0a80000u};
    auto random_address = [&] {
      const std::uint32_t base = bases[rng.below(bases.size())];
      return Ipv4Address(base | static_cast<std::uint32_t>(rng.below(1u << 17)));
    };
    const int routes = 50 + static_cast<int>(rng.below(400));
    for (int i = 0; i < routes; ++i) {
      const auto len = static_cast<std::uint8_t>(rng.chance(0.05) ? rng.below(8) : 8 + rng.below(25));
      // (The arguments of one call are evaluated in an unspecified order:
      // draw each random number in its own statement.)
      const Ipv4Address addr = random_address();
      const bool connected = rng.chance(0.3);
      const auto gw = Ipv4Address(0x0a000001u + static_cast<std::uint32_t>(rng.below(3)));
      const auto iface = static_cast<InterfaceId>(rng.below(4));
      const auto metric = static_cast<std::uint32_t>(rng.below(3));
      Route r{.destination = Ipv4Prefix(addr, len),
              .gateway = connected ? std::nullopt : std::optional(gw),
              .iface = iface,
              .metric = metric};
      r.destination = Ipv4Prefix(r.destination.network(), len);
      const bool duplicate = std::ranges::find(reference, r) != reference.end();
      EXPECT_EQ(t.add(r).has_value(), !duplicate);
      if (!duplicate) reference.push_back(r);
      // Now and then add a route again: refused, the table unchanged.
      if (!reference.empty() && rng.chance(0.05)) {
        const Route& again = reference[rng.below(reference.size())];
        EXPECT_FALSE(t.add(again).has_value());
        ++refused;
      }
      // Now and then remove a random route.
      if (!reference.empty() && rng.chance(0.1)) {
        const auto victim = reference.begin() + static_cast<std::ptrdiff_t>(rng.below(reference.size()));
        ASSERT_TRUE(t.remove(*victim).has_value());
        reference.erase(victim);
      }
    }
    ASSERT_EQ(t.size(), reference.size());
    for (int q = 0; q < 2000; ++q) {
      const Ipv4Address dst = rng.chance(0.9) ? random_address() : Ipv4Address(rng.next_u32());
      ASSERT_EQ(t.lookup(dst), brute_force(reference, dst)) << "round " << round << " dst " << dst;
    }
    // Listing is sorted and complete.
    auto listed = t.routes();
    ASSERT_EQ(listed.size(), reference.size());
    EXPECT_TRUE(std::ranges::is_sorted(listed, [](const Route& a, const Route& b) {
      return std::pair(a.destination.network(), a.destination.len()) <
             std::pair(b.destination.network(), b.destination.len());
    }));
    for (const Route& r : reference) EXPECT_NE(std::ranges::find(listed, r), listed.end());
  }
  EXPECT_GT(refused, 20);
}

}  // namespace
}  // namespace wirestack::ip
