// scenario/checks.hpp — what the loader refuses in a file whose every value
// is well formed but whose network cannot work as written. Each message
// names the position (FILE:LINE:COLUMN) of the value to fix and, for a
// clash, where the other half of it is:
//   * one IPv4 or IPv6 address given to two cards (hosts would answer each
//     other's ARP and steal each other's traffic), or a card's address that
//     is its subnet's network or broadcast address;
//   * a cable between two hosts or routers whose ends are in different
//     subnets (nothing could cross it without a route);
//   * a gateway or a route's `via` that is on none of the node's networks,
//     or is the node's own address;
//   * two servers listening on one port (and protocol) of one host.
//
//   Topology topo = ...;                     // parsed by the loader
//   if (auto c = check_topology(topo); !c) return Unexpected{c.error()};
#pragma once

#include <string>

#include "base/result.hpp"
#include "scenario/topology.hpp"

namespace wirestack::scenario {

Result<void, std::string> check_topology(const Topology& topo);

}  // namespace wirestack::scenario
