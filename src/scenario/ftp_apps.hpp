// scenario/ftp_apps.hpp — the `ftp_server` and `ftp_client` applications of
// topology files (their registry entries are in scenario/apps.cpp):
//
//   [[app]]
//   type = "ftp_server"
//   host = "files"
//   port = 21                          # default
//   user = "alice:secret"              # optional; anonymous logins are always allowed
//   files = { "/pub/readme.txt" = "hello\n" }   # the root: a table of files
//
//   [[app]]
//   type = "ftp_client"
//   host = "a"
//   url = "ftp://10.0.2.21/pub/readme.txt"   # a URL ending in "/" lists the directory
//   op = "get"                         # get (default), put or list
//   bytes = 100000                     # put: the size of the file sent
//   mode = "passive"                   # or "active" (PORT/EPRT)
//
// The client's summary names both connections and their ports, and the
// narrative marks the data connection's SYN (scenario/narrator.cpp).
#pragma once

#include <any>
#include <memory>

#include "scenario/app_registry.hpp"

namespace wirestack::scenario {

std::any parse_ftp_server(const AppFields& f);
std::unique_ptr<NetworkApp> make_ftp_server(Network& net, const AppSpec& spec, sim::Host& host);
// TCP on its control port (passive data ports are ephemeral: taken at run time).
std::vector<ListenPort> ftp_server_ports(const std::any& settings);
std::any parse_ftp_client(const AppFields& f);
std::unique_ptr<NetworkApp> make_ftp_client(Network& net, const AppSpec& spec, sim::Host& host);

}  // namespace wirestack::scenario
