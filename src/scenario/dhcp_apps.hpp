// scenario/dhcp_apps.hpp — DHCP in topology files: the `dhcp_server`
// application (its registry entry is in scenario/apps.cpp) and the clients
// of cards whose address is "dhcp" (started by Network::wire_up).
//
//   [[app]]
//   type = "dhcp_server"
//   host = "r"
//   pool = "10.0.1.100-10.0.1.150"  # inside the network of one of the host's cards
//   lease = "3600s"                  # default
//   router = "10.0.1.1"              # option 3; default: none
//   dns = "10.0.2.53"                # option 6; default: none
//
//   [[link]]
//   from = "a"
//   from_address = "dhcp"            # a host's card: address, gateway and DNS server from DHCP
//   to = "lan"
#pragma once

#include <any>
#include <memory>

#include "scenario/app_registry.hpp"

namespace wirestack::scenario {

std::any parse_dhcp_server(const AppFields& f);
std::unique_ptr<NetworkApp> make_dhcp_server(Network& net, const AppSpec& spec, sim::Host& host);
// UDP 67, the server's port (for the two-servers-on-one-port check).
std::vector<ListenPort> dhcp_server_ports(const std::any& settings);

}  // namespace wirestack::scenario
