// scenario/dns_apps.hpp — the `dns_server` application of topology files
// (its registry entry is in scenario/apps.cpp):
//
//   [[app]]
//   type = "dns_server"
//   host = "ns"
//   port = 53                       # default
//   zone = """
//   $ORIGIN campus.
//   @    SOA ns admin 1 3600 600 86400 60
//   web  A   10.0.2.20
//   """                              # or hosts(5) lines: "10.0.2.20 web.campus"
//
// Hosts name their server with `dns = "10.0.2.53"`; their applications'
// targets may then be names (NetworkApp::resolve_then, defined here).
#pragma once

#include <any>
#include <memory>

#include "scenario/app_registry.hpp"

namespace wirestack::scenario {

std::any parse_dns_server(const AppFields& f);
std::unique_ptr<NetworkApp> make_dns_server(Network& net, const AppSpec& spec, sim::Host& host);
// UDP and TCP on its port.
std::vector<ListenPort> dns_server_ports(const std::any& settings);

}  // namespace wirestack::scenario
