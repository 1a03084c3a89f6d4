#include "dns_cmd.hpp"

#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "app/dns_lookup.hpp"
#include "checks.hpp"

namespace wirestack::cli {

Result<DnsServe, std::string> load_dns_option(const std::string& spec) {
  const auto colon = spec.find(':');
  if (colon == std::string::npos) return Unexpected{"--dns " + spec + ": expected PORT:ZONEFILE"};
  const auto port = checks::read_port(std::string_view(spec).substr(0, colon));
  if (!port) return Unexpected{"--dns " + spec + ": the port must be 1..65535"};
  DnsServe out;
  out.port = *port;
  out.file = spec.substr(colon + 1);
  std::ifstream in(out.file);
  if (!in) return Unexpected{"--dns: cannot read " + out.file};
  std::ostringstream text;
  text << in.rdbuf();
  auto zone = dns::load_zone(text.str(), out.file);
  if (!zone) return Unexpected{"--dns: " + zone.error()};
  out.zone = std::move(*zone);
  return out;
}

CLI::App* add_resolve_command(CLI::App& app, ResolveOptions& opt) {
  auto* cmd = app.add_subcommand("resolve", "look a name up with our stub resolver, from the stack on a TAP device");
  add_stack_options(cmd, opt.stack);
  cmd->add_option("name", opt.name, "the name to look up")->required();
  cmd->add_option("--server", opt.server,
                  "the DNS server, ADDR or ADDR:PORT (port 53 by default); with --dhcp, the lease's by default");
  cmd->add_option("-t,--type", opt.type, "record type: A, AAAA, CNAME, PTR, NS, SOA, TXT (default A)");
  cmd->add_option("--timeout", opt.timeout, "seconds to wait for the first try (doubled after each)")
      ->check(CLI::Range(0.01, 60.0));
  cmd->add_option("--tries", opt.attempts, "UDP tries before giving up")->check(CLI::Range(1, 10));
  cmd->add_flag("--noedns", opt.no_edns, "no EDNS0 OPT record: answers over 512 bytes come back truncated (TCP then)");
  return cmd;
}

int run_resolve(const ResolveOptions& opt) {
  if (opt.server.empty() && !opt.stack.dhcp) {
    std::cerr << "wirestack resolve: --server is needed (or --dhcp, to ask the DNS server of the lease)\n";
    return 2;
  }
  auto server = IpEndpoint::parse(opt.server);
  if (!server && !opt.server.empty()) {
    auto addr = IpAddress::parse(opt.server);
    if (!addr) {
      std::cerr << "wirestack resolve: --server " << opt.server << ": expected ADDR or ADDR:PORT\n";
      return 2;
    }
    server = IpEndpoint{*addr, dns::kPort};
  }
  const auto type = dns::type_from_string(opt.type);
  if (!type) {
    std::cerr << "wirestack resolve: unknown type '" << opt.type << "'\n";
    return 2;
  }
  if (auto n = dns::Name::parse(opt.name); !n) {
    std::cerr << "wirestack resolve: " << n.error() << "\n";
    return 2;
  }
  auto stack = make_tap_stack(opt.stack, /*allow_privileged_ports=*/false);
  if (!stack) {
    std::cerr << "wirestack resolve: " << stack.error() << "\n";
    return 2;
  }
  if (opt.server.empty()) {
    const auto from_lease = stack->dhcp->dns_server();
    if (!from_lease) {
      std::cerr << "wirestack resolve: the DHCP lease names no DNS server (option 6): give --server\n";
      return 1;
    }
    server = IpEndpoint{IpAddress(*from_lease), dns::kPort};
  }
  if (server->addr.is_v6()) {
    if (auto r = await_ipv6_addresses(*stack, "resolve"); !r) {
      std::cerr << "wirestack resolve: " << r.error() << "\n";
      return r.error().status;
    }
  }
  loop::TapHost& host = *stack->host;
  std::random_device seed;  // RFC 5452: query ids nobody can guess
  app::DnsLookupConfig config{
      .lookup = {.timeout = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(opt.timeout)),
                 .attempts = opt.attempts,
                 .edns_size = static_cast<std::uint16_t>(opt.no_edns ? 0 : dns::kEdnsSize)},
      .seed = (std::uint64_t{seed()} << 32) | seed()};
  app::DnsLookup look(host, *server, opt.name, *type, config, [&host](const app::DnsLookup&) { host.stop(); });
  auto why = host.run(std::chrono::seconds{120});
  if (!why) {
    std::cerr << "wirestack resolve: " << why.error() << "\n";
    return 2;
  }
  release_dhcp(*stack);
  if (stack->pcap) stack->pcap->flush();
  if (!look.done()) {
    std::cerr << "wirestack resolve: no result\n";
    return 1;
  }
  if (!look.result()) {
    std::cerr << "wirestack resolve: " << look.result().error().message << "\n";
    return 1;
  }
  const dns::LookupResult& r = *look.result();
  std::cout << ";; status " << to_string(r.rcode) << ", " << r.queries << " quer" << (r.queries == 1 ? "y" : "ies")
            << (r.used_tcp ? ", answer over TCP" : "") << ", " << look.ignored() << " responses ignored, in "
            << std::chrono::duration<double, std::milli>(*look.latency()).count() << " ms\n";
  for (const auto& rec : r.chain) std::cout << rec << "\n";
  for (const auto& rec : r.answers) std::cout << rec << "\n";
  return r.rcode == dns::Rcode::noerror && !r.answers.empty() ? 0 : 3;
}

}  // namespace wirestack::cli
