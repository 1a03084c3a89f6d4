// ip/route_table.hpp — the IPv4 routing table: longest-prefix match
// (RFC 1812 5.2.4.3, RFC 4632), connected routes and a default gateway.
//
// A Route sends datagrams for `destination` out of interface `iface`, either
// straight to the destination (a connected, on-link route: no gateway) or to
// `gateway`. lookup(dst) picks, among the routes whose destination contains
// dst:
//   1. the longest prefix (RFC 1812 5.2.4.3 "Basic Match" + "Longest Match");
//   2. then the lowest metric (RFC 1812 "Weak TOS"/"Best Metric", simplified);
//   3. then the route added first. No ECMP: one answer, always the same.
// The next hop is the gateway, or dst itself for a connected route: that is
// the address the caller resolves with ARP.
//
// Data structure: one hash map per prefix length (33 of them), keyed by the
// network address, plus a bitmask of the lengths in use. A lookup probes at
// most one bucket per length in use, longest first: O(lengths in use), not
// O(routes), and it never iterates a hash map, so answers do not depend on
// hash order. Listing (routes(), printing) sorts.
//
// Errors are API misuse (a route the caller asked for) and come back as a
// Result with a message meant for a human (a CLI or topology file prints it).
//
//   RouteTable t;
//   if (auto r = t.add_connected(0, *Ipv4Prefix::parse("10.0.1.7/24")); !r) fail(r.error());
//   if (auto r = t.set_default(Ipv4Address(10, 0, 1, 1), 0); !r) fail(r.error());
//   if (auto m = t.lookup(dst)) arp_resolve(m->route.iface, m->next_hop);
//   else send_icmp_net_unreachable();
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "wire/ipv4_address.hpp"

namespace wirestack::ip {

// Names an interface of this host or router: a small integer the owner of the
// interfaces hands out (0, 1, 2, ...). The route table does not check that it
// exists.
using InterfaceId = std::uint16_t;

struct Route {
  // Stored with the host bits cleared (add() applies network()), so a route
  // added as 10.0.1.7/24 reads back as 10.0.1.0/24.
  Ipv4Prefix destination{};
  // nullopt: connected (on-link), the destination itself is the next hop.
  std::optional<Ipv4Address> gateway{};
  InterfaceId iface = 0;
  std::uint32_t metric = 0;  // lower is preferred among equal prefix lengths

  bool is_connected() const { return !gateway.has_value(); }
  bool is_default() const { return destination.len() == 0; }

  friend bool operator==(const Route&, const Route&) = default;
};

// `ip route` style: "default via 10.0.0.1 dev 1", "10.0.1.0/24 dev 0 scope
// link", "10.0.2.9 via 10.0.1.254 dev 0 metric 100" (host routes without
// "/32", metric only when not 0).
std::ostream& operator<<(std::ostream& os, const Route& r);

struct RouteMatch {
  Route route;
  Ipv4Address next_hop;  // route.gateway, or the looked-up destination if connected

  friend bool operator==(const RouteMatch&, const RouteMatch&) = default;
};

class RouteTable {
 public:
  // Turns an interface id into the name printed after "dev"; empty: the number.
  using InterfaceNamer = std::function<std::string(InterfaceId)>;

  // Adds `route` (destination normalised to its network). Refused, with the
  // reason, when the gateway is not a unicast address, or when the same route
  // (destination, gateway, interface and metric) is already in the table.
  // Several routes to one destination that differ in gateway, interface or
  // metric may coexist: lookup() prefers the lowest metric, then the oldest.
  Result<void, std::string> add(const Route& route);

  // The connected route an interface address implies: 10.0.1.7/24 on `iface`
  // gives "10.0.1.0/24 dev iface scope link".
  Result<void, std::string> add_connected(InterfaceId iface, Ipv4Prefix address, std::uint32_t metric = 0);

  // Replaces every default route (0.0.0.0/0) with "default via gateway dev
  // iface". On error the table is unchanged.
  Result<void, std::string> set_default(Ipv4Address gateway, InterfaceId iface, std::uint32_t metric = 0);

  // Removes exactly this route (destination normalised as in add()); an
  // error says it was not there.
  Result<void, std::string> remove(const Route& route);
  // Removes every route to `destination` (normalised); returns how many.
  std::size_t remove_destination(Ipv4Prefix destination);
  // Removes every route out of `iface` (the interface went down); returns how many.
  std::size_t remove_interface(InterfaceId iface);
  void clear();

  // The best route to `dst`, or nullopt if none matches (the caller sends
  // ICMP destination unreachable, code net).
  std::optional<RouteMatch> lookup(Ipv4Address dst) const;

  // Every route, sorted by destination address, then prefix length, metric
  // and insertion order (so the default route comes first, as in `ip route`).
  std::vector<Route> routes() const;
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Changes with every change of the table: a cached lookup() made at one
  // generation holds while it stays the same.
  std::uint64_t generation() const { return generation_; }

  // One line per route, in routes() order, each ending with '\n'.
  std::string to_string(const InterfaceNamer& name = nullptr) const;

 private:
  struct Entry {
    Route route;
    std::uint64_t seq;  // insertion order, the last tie-breaker
  };
  // The routes to one destination, kept sorted by (metric, seq): front() wins.
  using Bucket = std::vector<Entry>;

  static constexpr std::size_t kLengths = 33;  // /0 ... /32

  std::size_t remove_if(const std::function<bool(const Route&)>& pred);

  std::array<std::unordered_map<std::uint32_t, Bucket>, kLengths> by_len_{};
  std::uint64_t lengths_in_use_ = 0;  // bit n set: by_len_[n] is not empty
  std::uint64_t next_seq_ = 0;
  std::size_t size_ = 0;
  std::uint64_t generation_ = 0;
};

std::ostream& operator<<(std::ostream& os, const RouteTable& t);

}  // namespace wirestack::ip
