// `wirestack resolve --dev IFNAME --ip ADDR/PREFIX --server ADDR[:PORT] NAME
// [-t TYPE]`: our stub resolver from the stack on a TAP device, the answer
// printed as dig prints records; and the `--dns PORT:ZONEFILE` option of
// `wirestack tap` (an authoritative server, app::DnsServer).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "dns/zone.hpp"
#include "tap.hpp"

namespace wirestack::cli {

struct ResolveOptions {
  StackOptions stack;
  std::string name;
  std::string server;
  std::string type = "A";
  double timeout = 1.0;
  int attempts = 3;
  bool no_edns = false;
};

CLI::App* add_resolve_command(CLI::App& app, ResolveOptions& opt);
int run_resolve(const ResolveOptions& opt);

// "PORT:ZONEFILE" read and loaded; errors name the file and line.
struct DnsServe {
  std::uint16_t port = 53;
  dns::Zone zone;
  std::string file;
};
Result<DnsServe, std::string> load_dns_option(const std::string& spec);

}  // namespace wirestack::cli
