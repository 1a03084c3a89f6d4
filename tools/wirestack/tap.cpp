// `wirestack tap --dev IFNAME --ip ADDR/PREFIX ...`: runs the stack on a TAP
// device until ^C / SIGTERM / --seconds, then prints its counters.
#include "tap.hpp"
#include "checks.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <net/if.h>
#include <sstream>
#include <random>
#include <tuple>
#include <vector>

#include "app/http_server.hpp"
#include "app/dns_server.hpp"
#include "app/ftp_files.hpp"
#include "app/ftp_server.hpp"
#include "app/rpc_server.hpp"
#include "dns_cmd.hpp"
#include "ftp_cmd.hpp"
#include "app/ping.hpp"
#include "app/udp_apps.hpp"
#include "app/tcp_apps.hpp"
#include "tcp/congestion.hpp"

namespace wirestack::cli {

namespace {

// The TAP device `name` must exist already (made with `ip tuntap add`): the
// kernel would create a new, unconfigured one for a name it does not know.
Result<void, std::string> check_device_exists(const std::string& name) {
  if (auto r = dev::TapDevice::check_name(name); !r) return Unexpected{r.error()};
  if (::if_nametoindex(name.c_str()) != 0) return {};
  return Unexpected{"--dev " + name + ": no such network device; create it first (as root, once): " +
                    "ip tuntap add mode tap name " + name + " user $USER && ip link set " + name + " up"};
}

// The --ip and --gateway options, checked: one address of each family.
struct Addresses {
  std::optional<Ipv4Prefix> v4;
  std::optional<Ipv6Prefix> v6;
  std::optional<Ipv4Address> gateway4;
  std::optional<Ipv6Address> gateway6;
};

Result<Addresses, std::string> parse_addresses(const StackOptions& opt) {
  Addresses a;
  if (opt.ip.empty() && !opt.dhcp) {
    return Unexpected{std::string("--ip: an address is needed (ADDR/PREFIX, IPv4 or IPv6), or --dhcp to lease one")};
  }
  for (const std::string& text : opt.ip) {
    if (text.find(':') == std::string::npos) {
      auto prefix = Ipv4Prefix::parse(text);
      if (!prefix) return Unexpected{"--ip: " + prefix.error()};
      if (!prefix->address().is_unicast() || prefix->address() == prefix->network() ||
          (prefix->len() < 31 && prefix->address() == prefix->broadcast())) {
        return Unexpected{"--ip: " + text + " is not a host address"};
      }
      if (opt.dhcp) return Unexpected{"--ip " + text + ": --dhcp leases the IPv4 address (--ip may add an IPv6 one)"};
      if (a.v4) return Unexpected{"--ip " + text + ": IPv4 has " + a.v4->to_string() + " already (one address of each family)"};
      a.v4 = *prefix;
      continue;
    }
    auto prefix = Ipv6Prefix::parse(text);
    if (!prefix) return Unexpected{"--ip: " + prefix.error()};
    const Ipv6Address addr = prefix->address();
    if (!addr.is_unicast() || addr.is_loopback() || addr.is_ipv4_mapped()) {
      return Unexpected{"--ip: " + text + " is not a unicast IPv6 address"};
    }
    if (addr.is_link_local()) {
      return Unexpected{"--ip: " + text + " is link-local; the stack forms its own from its MAC (fe80::/64 and the modified EUI-64)"};
    }
    if (a.v6) return Unexpected{"--ip " + text + ": IPv6 has " + a.v6->to_string() + " already (one address of each family)"};
    a.v6 = *prefix;
  }
  for (const std::string& text : opt.gateway) {
    if (text.find(':') == std::string::npos) {
      auto g = Ipv4Address::parse(text);
      if (!g) return Unexpected{"--gateway: " + g.error()};
      if (opt.dhcp) return Unexpected{"--gateway " + text + ": --dhcp takes the IPv4 gateway from the lease"};
      if (!a.v4) return Unexpected{"--gateway " + text + ": no IPv4 --ip to reach it from"};
      if (!a.v4->contains(*g)) return Unexpected{"--gateway: " + g->to_string() + " is not inside " + a.v4->to_string()};
      if (a.gateway4) return Unexpected{"--gateway " + text + ": IPv4 has " + a.gateway4->to_string() + " already"};
      a.gateway4 = *g;
      continue;
    }
    auto g = Ipv6Address::parse(text);
    if (!g) return Unexpected{"--gateway: " + g.error()};
    if (!g->is_link_local() && !(a.v6 && a.v6->contains(*g))) {
      return Unexpected{"--gateway: " + g->to_string() + " is neither link-local nor inside an IPv6 --ip"};
    }
    if (a.gateway6) return Unexpected{"--gateway " + text + ": IPv6 has " + a.gateway6->to_string() + " already"};
    a.gateway6 = *g;
  }
  return a;
}

// "120 s"; an infinite lease (0xffffffff, which dhcp::Client holds as a
// century) is "ever".
std::string seconds_text(Duration d) {
  if (d >= std::chrono::hours{24 * 365 * 50}) return "ever";
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

// "10.77.0.57/24 from 10.77.0.1 for 120 s (renewal in 60 s), gateway 10.77.0.1, DNS 10.77.0.1"
std::string lease_text(const dhcp::Lease& l) {
  std::ostringstream os;
  os << l.address << " from " << l.server << " for " << seconds_text(l.lease) << " (renewal in "
     << seconds_text(l.t1) << ")";
  if (!l.routers.empty()) os << ", gateway " << l.routers.front();
  if (!l.dns_servers.empty()) os << ", DNS " << l.dns_servers.front();
  return os.str();
}

// What the client did, for "no lease": "3 DISCOVER sent, no OFFER", ...
std::string exchange_text(const app::DhcpClient& c) {
  std::map<dhcp::MessageType, int> n;
  for (dhcp::MessageType t : c.exchanged()) ++n[t];
  std::ostringstream os;
  os << n[dhcp::MessageType::discover] << " DISCOVER";
  if (n[dhcp::MessageType::request] > 0) os << " and " << n[dhcp::MessageType::request] << " REQUEST";
  os << " sent; ";
  if (n[dhcp::MessageType::offer] == 0) {
    os << "no OFFER came";
  } else {
    os << n[dhcp::MessageType::offer] << " OFFER, " << n[dhcp::MessageType::ack] << " ACK, "
       << n[dhcp::MessageType::nak] << " NAK came";
  }
  if (c.malformed() > 0) os << "; " << c.malformed() << " malformed datagrams on port 68 dropped";
  return os.str();
}

// --dhcp: a client on the stack whose events configure it, run until the
// first lease (or the time limit).
Result<void, StackError> obtain_lease(TapStack& stack, const StackOptions& opt, std::uint64_t seed) {
  loop::TapHost& host = *stack.host;
  auto owned = std::make_unique<TapDhcp>();
  TapDhcp* const state = owned.get();
  state->command = opt.command;
  const iface::NicId nic = host.nic();
  auto apply = [state, &host, nic](const dhcp::ClientEvent& e) {
    iface::Interface& ip = host.stack();
    const std::string who = "wirestack " + state->command + ": DHCP: ";
    switch (e.kind) {
      case dhcp::ClientEvent::Kind::lost:
        if (state->releasing) return;  // release_dhcp() takes the address away once the RELEASE left
        (void)ip.remove_address(nic, e.lease.address);  // and the default route through the gateway
        state->lease.reset();
        std::cout << who << "lease of " << e.lease.address << " ended: address removed, asking again" << std::endl;
        return;
      case dhcp::ClientEvent::Kind::bound: {
        std::string trouble;
        if (auto r = ip.add_address(nic, e.lease.address); !r) trouble += " (" + r.error() + ")";
        if (!e.lease.routers.empty()) {
          if (auto r = ip.routes().set_default(e.lease.routers.front(), nic); !r) {
            trouble += " (gateway not used: " + r.error() + ")";
          }
        }
        state->lease = e.lease;
        std::cout << who << "bound to " << lease_text(e.lease) << trouble << std::endl;
        return;
      }
      case dhcp::ClientEvent::Kind::renewed:
        state->lease = e.lease;
        std::cout << who << "renewed " << e.lease.address << " for " << seconds_text(e.lease.lease)
                  << std::endl;
        return;
    }
  };
  state->client = std::make_unique<app::DhcpClient>(host, dhcp::ClientConfig{.mac = host.stack().mac(nic)},
                                                    seed ^ 0x9e3779b97f4a7c15ULL, std::move(apply));
  if (!state->client->bound()) {
    return Unexpected{StackError{"--dhcp: cannot use UDP port 68: " + state->client->bound().error().message, 1}};
  }
  const auto hook = host.on_activity([&] {
    if (state->lease) host.stop();
  });
  const auto limit = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(opt.dhcp_timeout));
  auto why = host.run(limit);
  host.remove_activity(hook);
  if (!why) return Unexpected{StackError{why.error(), 1}};
  if (*why == loop::StopReason::signal) return Unexpected{StackError{"interrupted", 130}};
  if (!state->lease) {
    std::ostringstream os;
    os << "--dhcp: no lease within " << opt.dhcp_timeout << " s on " << host.device().name() << " ("
       << exchange_text(*state->client) << "); is a DHCP server serving that link?";
    return Unexpected{StackError{os.str(), 1}};
  }
  stack.v4 = state->lease->address;
  stack.dhcp = std::move(owned);
  return {};
}

// --dhcp-server FIRST-LAST: a pool in the network of the stack's IPv4
// address, which is the server's; the IPv4 gateway as router, the stack as
// DNS server when it serves DNS on port 53.
Result<std::pair<Ipv4Address, Ipv4Address>, std::string> parse_pool(const std::string& spec) {
  const std::string what = "--dhcp-server " + spec + ": ";
  const auto dash = spec.find('-');
  if (dash == std::string::npos) return Unexpected{what + "expected FIRST-LAST, such as 10.77.0.100-10.77.0.150"};
  auto first = Ipv4Address::parse(spec.substr(0, dash));
  if (!first) return Unexpected{what + first.error()};
  auto last = Ipv4Address::parse(spec.substr(dash + 1));
  if (!last) return Unexpected{what + last.error()};
  return std::pair{*first, *last};
}

Result<dhcp::ServerConfig, std::string> dhcp_server_config(const std::string& spec, double lease_seconds,
                                                           const TapStack& stack, bool serves_dns) {
  const std::string what = "--dhcp-server " + spec + ": ";
  auto pool = parse_pool(spec);
  if (!pool) return Unexpected{pool.error()};
  if (!stack.v4) return Unexpected{what + "the server needs an IPv4 --ip (its address, on the pool's network)"};
  dhcp::ServerConfig c{.server = *stack.v4, .pool_first = pool->first, .pool_last = pool->second};
  c.lease = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(lease_seconds));
  const loop::TapHost& host = *stack.host;
  for (const ip::Route& r : host.stack().routes().routes()) {
    if (r.is_default() && r.gateway && c.routers.empty()) c.routers = {*r.gateway};
  }
  if (serves_dns) c.dns_servers = {stack.v4->address()};
  if (auto v = dhcp::validate(c); !v) return Unexpected{what + v.error()};
  return c;
}

std::uint64_t random_seed() {
  std::random_device rd;  // tools may read the world; the stack is given the seed
  return (std::uint64_t{rd()} << 32) ^ rd();
}

}  // namespace

void add_stack_options(CLI::App* cmd, StackOptions& opt) {
  cmd->add_option("--dev", opt.dev, "TAP device to attach to (it must exist: ip tuntap add mode tap name IFNAME user $USER)")->required();
  opt.command = cmd->get_name();
  cmd->add_option("--ip", opt.ip,
                  "the stack's address with its prefix, e.g. 10.77.0.2/24 or 2001:db8::2/64; twice for both "
                  "families (an IPv6 link-local address is always there); needed unless --dhcp")
      ->allow_extra_args(false)  // one address per --ip: what follows is the command's own arguments
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  auto* dhcp = cmd->add_flag("--dhcp", opt.dhcp,
                "lease the IPv4 address, the default gateway and the DNS server from a DHCP server on the link "
                "(instead of an IPv4 --ip); the lease is renewed while the stack runs and released at the end");
  cmd->add_option("--dhcp-timeout", opt.dhcp_timeout, "seconds --dhcp waits for a lease before giving up (default 10)")
      ->check(checks::seconds(3600))
      ->needs(dhcp);
  cmd->add_option("--gateway", opt.gateway,
                  "default gateway: IPv4 inside --ip's network, IPv6 link-local or inside the IPv6 --ip; once per family")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--mac", opt.mac, "the stack's MAC (default: random, locally administered)");
  cmd->add_option("--mtu", opt.mtu, "the stack's MTU")->check(CLI::Range(68, 65535));
  cmd->add_option("--pcap", opt.pcap, "capture every frame sent and received to this pcap file");
  auto* both = cmd->add_option("--impair", opt.impair,
                               "a bad wire between the device and the stack, each way on its own, as netem's: "
                               "loss=P%,delay=D,jitter=D,reorder=P%,duplicate=P%,limit=N (e.g. loss=5%,delay=10ms)");
  cmd->add_option("--impair-in", opt.impair_in, "as --impair, on frames from the device to the stack only")
      ->excludes(both);
  cmd->add_option("--impair-out", opt.impair_out, "as --impair, on frames from the stack to the device only")
      ->excludes(both);
  cmd->add_flag("--no-offload", opt.no_offload,
                "frames of at most the MTU with every checksum computed by the kernel (by default the device "
                "takes the kernel's TCP segments of up to 64 KiB and its partial checksums, as a virtio NIC does)");
}

Result<TapStack, StackError> make_tap_stack(const StackOptions& opt, bool allow_privileged_ports) {
  // Everything that can be checked without the device first.
  auto addrs = parse_addresses(opt);
  if (!addrs) return Unexpected{addrs.error()};
  const std::uint64_t seed = random_seed();
  MacAddress mac = MacAddress::from_parts(0x027700u | static_cast<std::uint32_t>(seed >> 56),
                                          static_cast<std::uint32_t>(seed >> 32) & 0xffffffu);
  if (opt.mac) {
    auto m = MacAddress::parse(*opt.mac);
    if (!m) return Unexpected{"--mac: " + m.error()};
    if (!m->is_unicast() || m->is_zero()) return Unexpected{"--mac: " + *opt.mac + " is not a unicast address"};
    mac = *m;
  }
  std::optional<tcp::Algorithm> congestion;
  if (opt.congestion) {
    auto a = tcp::parse_algorithm(*opt.congestion);
    if (!a) return Unexpected{"--congestion: " + a.error()};
    congestion = *a;
  }
  loop::ImpairmentSpec impair_in;
  loop::ImpairmentSpec impair_out;
  for (const auto& [name, text, into] :
       {std::tuple{"--impair", &opt.impair, std::vector{&impair_in, &impair_out}},
        std::tuple{"--impair-in", &opt.impair_in, std::vector{&impair_in}},
        std::tuple{"--impair-out", &opt.impair_out, std::vector{&impair_out}}}) {
    if (!*text) continue;
    auto spec = loop::ImpairmentSpec::parse(**text);
    if (!spec) return Unexpected{std::string(name) + ": " + spec.error()};
    for (auto* target : into) *target = *spec;
  }
  // Opening /dev/net/tun with a name that is not there would create a new,
  // unconfigured device: a typo would end in "host unreachable" once ARP
  // gives up. Say what would create it instead.
  if (auto r = check_device_exists(opt.dev); !r) return Unexpected{r.error()};
  std::unique_ptr<dev::PcapWriter> pcap;
  if (opt.pcap) {
    auto w = dev::PcapWriter::create(*opt.pcap);
    if (!w) return Unexpected{w.error()};
    pcap = std::make_unique<dev::PcapWriter>(std::move(*w));
  }
  // Offloads on unless turned off or the wire is impaired: an impaired wire
  // loses, delays and reorders frames as a real one does, MTU-sized, not
  // 64 KiB runs of segments the kernel left uncut.
  const bool impaired = impair_in.active() || impair_out.active();
  auto tap = dev::TapDevice::open(opt.dev, dev::TapOptions{.offload = !opt.no_offload && !impaired});
  if (!tap) return Unexpected{StackError{tap.error(), 1}};

  loop::TapHostConfig config{.mac = mac, .mtu = static_cast<std::uint16_t>(opt.mtu), .seed = seed};
  config.impair_in = impair_in;
  config.impair_out = impair_out;
  config.stack.udp.allow_privileged_ports = allow_privileged_ports || opt.dhcp;  // the client's port 68
  config.stack.tcp.allow_privileged_ports = allow_privileged_ports;
  // Room for a LAN's bandwidth-delay product and then some (Linux starts
  // at 128 KiB and grows to 6 MiB).
  config.stack.tcp.connection.recv_buffer = 512 * 1024;
  config.stack.tcp.connection.send_buffer = 512 * 1024;
  if (congestion) config.stack.tcp.connection.congestion = *congestion;
  // Resolution gives up as Linux's does (mcast_solicit 3, retrans_time 1 s):
  // three requests a second apart, so a missing host is reported in ~3 s.
  config.stack.arp.retry_interval = std::chrono::seconds{1};
  config.stack.arp.backoff_factor = 1;
  config.stack.arp.max_retries = 2;
  // IPv6 as Linux does it on a link: DAD on every address (the link-local
  // one included), router solicitations, SLAAC from advertisements, MLDv2
  // reports of the solicited-node groups (a snooping bridge forwards NS to us).
  config.stack.ipv6.enabled = true;
  config.stack.ipv6.mld = true;
  // A resolution that needed a second request makes the first packets a
  // second late: say so (on stderr, as it happens), and say when a
  // neighbour had to ask for us twice.
  config.stack.resolution_events = true;
  auto host = std::make_unique<loop::TapHost>(std::move(*tap), config);
  loop::TapHost* h = host.get();
  (void)host->on_activity([h, who = "wirestack " + opt.command + ": "] {
    for (const iface::ResolutionEvent& e : h->stack().take_resolution_events()) {
      // A first request answered at once is the normal case: nothing to say.
      if (e.kind == iface::ResolutionEventKind::resolved && e.requests <= 1) continue;
      std::cerr << who << e << std::endl;
    }
  });
  iface::Interface& stack = host->stack();
  if (addrs->v4) {
    if (auto r = stack.add_address(host->nic(), *addrs->v4); !r) return Unexpected{"--ip: " + r.error()};
  }
  if (addrs->v6) {
    if (auto r = stack.add_address6(host->nic(), *addrs->v6); !r) return Unexpected{"--ip: " + r.error()};
  }
  if (addrs->gateway4) {
    if (auto r = stack.routes().set_default(*addrs->gateway4, host->nic()); !r) {
      return Unexpected{"--gateway: " + r.error()};
    }
  }
  if (addrs->gateway6) {
    if (auto r = stack.set_default_router6(host->nic(), *addrs->gateway6); !r) {
      return Unexpected{"--gateway: " + r.error()};
    }
  }
  if (pcap) host->capture_to(pcap.get());
  TapStack out{.host = std::move(host), .pcap = std::move(pcap), .v4 = addrs->v4, .v6 = addrs->v6};
  if (opt.dhcp) {
    if (auto r = obtain_lease(out, opt, seed); !r) return Unexpected{r.error()};
  }
  return out;
}

void release_dhcp(TapStack& stack) {
  if (!stack.dhcp || !stack.dhcp->lease) return;
  loop::TapHost& host = *stack.host;
  stack.dhcp->releasing = true;  // the address stays until the RELEASE is out
  const Ipv4Address address = stack.dhcp->lease->address.address();
  const bool sent = stack.dhcp->client->release();
  const link::ArpCache& arp = host.stack().arp(host.nic());
  if (sent && arp.resolving_any()) {
    const auto hook = host.on_activity([&] {
      if (!arp.resolving_any()) host.stop();
    });
    (void)host.run(std::chrono::seconds{2});
    host.remove_activity(hook);
  }
  (void)host.stack().remove_address(host.nic(), stack.dhcp->lease->address);
  std::cout << "wirestack " << stack.dhcp->command << ": DHCP: " << (sent ? "released " : "could not release ")
            << address << std::endl;
  stack.dhcp->lease.reset();
}

std::string describe_addresses(const TapStack& stack) {
  std::string out;
  if (stack.dhcp) {
    out += stack.dhcp->lease ? "DHCP " + lease_text(*stack.dhcp->lease) + ", " : std::string("DHCP: no lease, ");
  } else if (stack.v4) {
    out += stack.v4->to_string() + ", ";
  }
  if (stack.v6) out += stack.v6->to_string() + ", ";
  return out + "link-local " + stack.host->stack().link_local(stack.host->nic()).to_string();
}

bool report_address_events(loop::TapHost& host, const char* cmd, std::ostream& out) {
  bool ok = true;
  for (const iface::AddressEvent& e : host.stack().take_address_events()) {
    if (e.kind == iface::AddressEventKind::tentative) continue;  // every address starts so
    out << "wirestack " << cmd << ": " << e << std::endl;
    ok = ok && e.kind != iface::AddressEventKind::duplicate;
  }
  return ok;
}

Result<void, StackError> await_ipv6_addresses(TapStack& stack, const char* cmd) {
  loop::TapHost& host = *stack.host;
  bool duplicate = false;
  const auto hook = host.on_activity([&] {
    if (!report_address_events(host, cmd, std::cerr)) duplicate = true;
    if (duplicate || host.stack().tentative6(host.nic()).empty()) host.stop();
  });
  // DAD takes RetransTimer (1 s) after a random delay of at most 1 s.
  auto why = host.run(std::chrono::seconds{5});
  host.remove_activity(hook);
  if (!why) return Unexpected{StackError{why.error(), 1}};
  if (*why == loop::StopReason::signal) return Unexpected{StackError{"interrupted", 130}};
  if (duplicate) return Unexpected{StackError{"an address of ours is in use on the link (see above): not used", 1}};
  if (!host.stack().tentative6(host.nic()).empty()) {
    return Unexpected{StackError{"duplicate address detection did not finish within 5 s", 1}};
  }
  return {};
}

Result<IpAddress, std::string> parse_destination(const std::string& text, const std::string& dev) {
  std::string addr = text;
  if (const auto pct = text.find('%'); pct != std::string::npos) {
    const std::string zone = text.substr(pct + 1);
    addr = text.substr(0, pct);
    if (zone != dev) return Unexpected{text + ": the zone must be the device the stack is on (%" + dev + ")"};
    auto a6 = Ipv6Address::parse(addr);
    if (!a6 || !a6->is_link_local()) return Unexpected{text + ": a zone (%" + zone + ") only follows a link-local IPv6 address"};
  }
  auto a = IpAddress::parse(addr);
  if (!a) return Unexpected{text + ": " + a.error()};
  return *a;
}

CLI::App* add_tap_command(CLI::App& app, TapOptions& opt) {
  auto* cmd = app.add_subcommand("tap", "run the stack on a Linux TAP device: ARP, ping, TCP/UDP services (until ^C)");
  add_stack_options(cmd, opt.stack);
  cmd->add_option("--udp-echo", opt.udp_echo, "echo UDP datagrams on this port")->check(CLI::Range(1, 65535));
  cmd->add_option("--tcp-echo", opt.tcp_echo, "TCP echo (RFC 862) on this port")->check(CLI::Range(1, 65535));
  cmd->add_option("--tcp-discard", opt.tcp_discard, "TCP discard (RFC 863) on this port")->check(CLI::Range(1, 65535));
  cmd->add_option("--http", opt.http, "HTTP/1.1 server on PORT, serving DIR (default: a live counters page)");
  cmd->add_option("--json,--rpc", opt.json, "JSON-RPC service (docs/PROTOCOL.md: time, echo) on PORT")
      ->check(CLI::Range(1, 65535));
  cmd->add_option("--dns", opt.dns, "authoritative DNS server (UDP and TCP) on PORT for ZONEFILE (hosts(5) or RFC 1035 master file): PORT:ZONEFILE");
  cmd->add_option("--ftp", opt.ftp, "FTP server on PORT serving DIR (default: the current directory): PORT[:DIR]");
  cmd->add_option("--ftp-user", opt.ftp_users, "an FTP user of --ftp, USER:PASSWORD (repeatable)");
  cmd->add_flag("--ftp-no-anonymous", opt.ftp_no_anonymous, "--ftp refuses anonymous logins");
  cmd->add_flag("--ftp-read-only", opt.ftp_read_only, "--ftp refuses uploads (STOR)");
  auto* dhcp_server = cmd->add_option(
      "--dhcp-server", opt.dhcp_server,
      "DHCP server (UDP 67) leasing FIRST-LAST, addresses in the IPv4 --ip's network; it names the IPv4 --gateway as "
      "router and, with --dns on port 53, the stack as DNS server: FIRST-LAST");
  cmd->add_option("--dhcp-lease", opt.dhcp_lease, "seconds of the --dhcp-server's leases (default 3600)")
      ->check(checks::seconds(4294967294.0))
      ->needs(dhcp_server);
  cmd->add_option("--congestion", opt.stack.congestion,
                  "TCP congestion control of the stack's connections: " + tcp::known_algorithms() + " (default newreno)");
  cmd->add_option("--seconds", opt.seconds, "stop after this many seconds")->check(checks::seconds(1e9));
  add_limit_options(cmd, opt.limits);
  return cmd;
}

int run_tap(const TapOptions& opt) {
  if (opt.tcp_echo && opt.tcp_discard && *opt.tcp_echo == *opt.tcp_discard) {
    std::cerr << "wirestack tap: --tcp-echo and --tcp-discard both want port " << *opt.tcp_echo << "\n";
    return 2;
  }
  std::optional<std::uint16_t> http_port;
  std::optional<std::string> http_root;
  if (opt.http) {
    const std::string& spec = *opt.http;
    const auto colon = spec.find(':');
    const auto port = checks::read_port(std::string_view(spec).substr(0, colon));
    if (!port) {
      std::cerr << "wirestack tap: --http " << spec << ": expected PORT or PORT:DIR with a port in 1..65535\n";
      return 2;
    }
    http_port = *port;
    if (colon != std::string::npos) {
      http_root = spec.substr(colon + 1);
      std::error_code ec;
      if (!std::filesystem::is_directory(*http_root, ec)) {
        std::cerr << "wirestack tap: --http " << spec << ": " << *http_root << " is not a directory\n";
        return 2;
      }
    }
  }
  std::optional<DnsServe> dns_zone;
  if (opt.dns) {
    auto z = load_dns_option(*opt.dns);
    if (!z) {
      std::cerr << "wirestack tap: " << z.error() << "\n";
      return 2;
    }
    dns_zone = std::move(*z);
  }
  std::optional<FtpServe> ftp_serve;
  if (opt.ftp) {
    auto f = parse_ftp_option(*opt.ftp, opt.ftp_users, opt.ftp_no_anonymous, opt.ftp_read_only);
    if (!f) {
      std::cerr << "wirestack tap: " << f.error() << "\n";
      return 2;
    }
    ftp_serve = std::move(*f);
  }
  if (opt.dhcp_server && opt.stack.dhcp) {
    std::cerr << "wirestack tap: --dhcp-server needs an IPv4 --ip of its own, not --dhcp\n";
    return 2;
  }
  if (opt.dhcp_server) {  // the text now, the pool against the address once the stack has it
    if (auto pool = parse_pool(*opt.dhcp_server); !pool) {
      std::cerr << "wirestack tap: " << pool.error() << "\n";
      return 2;
    }
  }
  auto stack = make_tap_stack(opt.stack, /*allow_privileged_ports=*/true);
  if (!stack) {
    std::cerr << "wirestack tap: " << stack.error() << "\n";
    return stack.error().status;
  }
  loop::TapHost& host = *stack->host;
  std::optional<app::DhcpServer> dhcp_server;
  if (opt.dhcp_server) {
    auto config = dhcp_server_config(*opt.dhcp_server, opt.dhcp_lease, *stack, dns_zone && dns_zone->port == 53);
    if (!config) {
      std::cerr << "wirestack tap: " << config.error() << "\n";
      return 2;
    }
    dhcp_server.emplace(host, std::move(*config));
    if (!dhcp_server->bound()) {
      std::cerr << "wirestack tap: --dhcp-server: " << dhcp_server->bound().error() << "\n";
      return 1;
    }
  }
  std::optional<app::UdpEchoServer> echo;
  if (opt.udp_echo) {
    echo.emplace(host, static_cast<std::uint16_t>(*opt.udp_echo));
    if (!echo->bound()) {
      std::cerr << "wirestack tap: --udp-echo: " << echo->bound().error() << "\n";
      return 1;
    }
  }
  std::optional<app::TcpEchoServer> tcp_echo;
  if (opt.tcp_echo) {
    tcp_echo.emplace(host, static_cast<std::uint16_t>(*opt.tcp_echo), 1024);
    if (!tcp_echo->bound()) {
      std::cerr << "wirestack tap: --tcp-echo: " << tcp_echo->bound().error() << "\n";
      return 1;
    }
  }
  std::optional<app::TcpSinkServer> tcp_discard;
  if (opt.tcp_discard) {
    tcp_discard.emplace(host, static_cast<std::uint16_t>(*opt.tcp_discard), 1024, /*keep_records=*/1000);
    if (!tcp_discard->bound()) {
      std::cerr << "wirestack tap: --tcp-discard: " << tcp_discard->bound().error() << "\n";
      return 1;
    }
  }
  std::optional<app::HttpServer> web;
  if (http_port) {
    web.emplace(host, *http_port, app::HttpServerConfig{.root = http_root, .stream = {.limits = opt.limits.limits()}});
    if (!web->listening()) {
      std::cerr << "wirestack tap: --http: " << web->listening().error() << "\n";
      return 1;
    }
  }
  std::optional<app::RpcServer> rpc;
  if (opt.json) {
    rpc.emplace(host, static_cast<std::uint16_t>(*opt.json), app::RpcServerConfig{.stream = {.limits = opt.limits.limits()}});
    if (!rpc->listening()) {
      std::cerr << "wirestack tap: --json: " << rpc->listening().error() << "\n";
      return 1;
    }
  }
  std::optional<app::DnsServer> dns_server;
  if (dns_zone) {
    dns_server.emplace(host, dns_zone->port, std::move(dns_zone->zone));
    if (!dns_server->bound() || !dns_server->listening()) {
      std::cerr << "wirestack tap: --dns: "
                << (dns_server->bound() ? dns_server->listening().error() : dns_server->bound().error()) << "\n";
      return 1;
    }
  }
  std::optional<app::DirectoryStore> ftp_files;
  std::optional<app::FtpServer> ftp_server;
  if (ftp_serve) {
    ftp_files.emplace(ftp_serve->dir);
    ftp_server.emplace(host, ftp_serve->port, *ftp_files, ftp_serve->config);
    if (!ftp_server->listening()) {
      std::cerr << "wirestack tap: --ftp: " << ftp_server->listening().error() << "\n";
      return 1;
    }
  }
  // Say at once when frames cannot leave (the kernel side is down, ...),
  // not only in the counters at the end.
  host.on_activity([&host, warned = false]() mutable {
    (void)report_address_events(host, "tap", std::cout);  // DAD's verdicts, as they come
    if (!warned && host.counters().tx_errors > 0) {
      warned = true;
      std::cerr << "wirestack tap: warning: " << host.counters().first_tx_error << std::endl;
    }
  });
  std::cout << "wirestack tap: " << host.device().name() << ": " << describe_addresses(*stack) << " at "
            << host.stack().mac(host.nic()) << ", mtu " << host.stack().mtu(host.nic());
  if (opt.udp_echo) std::cout << ", udp echo on port " << *opt.udp_echo;
  if (opt.tcp_echo) std::cout << ", tcp echo on port " << *opt.tcp_echo;
  if (opt.tcp_discard) std::cout << ", tcp discard on port " << *opt.tcp_discard;
  if (opt.json) std::cout << ", json-rpc on port " << *opt.json;
  if (dns_server) {
    std::cout << ", dns on port " << dns_zone->port << " serving " << dns_zone->file << " ("
              << dns_server->zone().record_count() << " records)";
  }
  if (ftp_serve) std::cout << ", ftp on port " << ftp_serve->port << " serving " << ftp_files->root().string();
  if (dhcp_server) {
    const dhcp::ServerConfig& c = dhcp_server->server().config();
    std::cout << ", dhcp server leasing " << c.pool_first << "-" << c.pool_last << " for " << seconds_text(c.lease);
  }
  if (http_port) std::cout << ", http on port " << *http_port << (http_root ? " serving " + *http_root : std::string());
  if (opt.stack.congestion) std::cout << ", tcp congestion control " << *opt.stack.congestion;
  if (const auto* w = host.impairment_in()) std::cout << ", wire to the stack impaired: " << w->spec().to_string();
  if (const auto* w = host.impairment_out()) std::cout << ", wire from the stack impaired: " << w->spec().to_string();
  std::cout << "; ^C to stop" << std::endl;

  std::optional<Duration> limit;
  if (opt.seconds) limit = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(*opt.seconds));
  auto why = host.run(limit);
  if (!why) {
    std::cerr << "wirestack tap: " << why.error() << "\n";
    return 1;
  }
  release_dhcp(*stack);
  std::cout << "wirestack tap: stopped ("
            << (*why == loop::StopReason::signal ? "signal" : *why == loop::StopReason::time_limit ? "time limit" : "done")
            << ")\n";
  const loop::TapCounters& c = host.counters();
  std::cout << "tap frames_in " << c.frames_in << " bytes_in " << c.bytes_in << " frames_out " << c.frames_out
            << " bytes_out " << c.bytes_out << " tx_full " << c.tx_full << " tx_errors " << c.tx_errors << "\n";
  if (host.device().offload()) {
    std::cout << "tap offload coalesced_in " << c.coalesced_in << " checksums_filled " << c.checksums_filled
              << " tso_out " << c.tso_out << " checksums_offloaded " << c.checksums_offloaded << "\n";
  }
  for (const auto& [name, wire] : {std::pair{"in", host.impairment_in()}, std::pair{"out", host.impairment_out()}}) {
    if (wire == nullptr) continue;
    const loop::ImpairmentCounters& w = wire->counters();
    std::cout << "impair " << name << " frames " << w.frames << " dropped_loss " << w.dropped_loss << " dropped_limit "
              << w.dropped_limit << " duplicated " << w.duplicated << " reordered " << w.reordered << " released "
              << w.released << "\n";
  }
  if (echo) std::cout << "udp_echo port " << *opt.udp_echo << " echoed " << echo->echoed() << "\n";
  if (tcp_echo) {
    std::cout << "tcp_echo port " << *opt.tcp_echo << " connections " << tcp_echo->accepted() << " bytes "
              << tcp_echo->bytes_echoed() << "\n";
  }
  if (rpc) {
    std::cout << "json port " << *opt.json << " connections " << rpc->connections().accepted << "\n";
    print_server_summary(std::cout, "json", rpc->connections());
  }
  if (web) {
    std::cout << "http port " << *http_port << " requests " << web->stats().requests << " connections "
              << web->connections().accepted << "\n";
    print_server_summary(std::cout, "http", web->connections());
  }
  if (dns_server) {
    const dns::AnswerStats& d = dns_server->stats();
    std::cout << "dns port " << dns_zone->port << " queries " << d.queries << " udp " << dns_server->udp_queries()
              << " tcp " << dns_server->tcp_queries() << " answered " << d.answered << " nodata " << d.nodata
              << " nxdomain " << d.nxdomain << " refused " << d.refused << " formerr " << d.formerr << " notimp "
              << d.notimp << " badvers " << d.badvers << " dropped " << d.dropped << " truncated " << d.truncated
              << " tcp_connections " << dns_server->tcp_connections() << "\n";
  }
  if (ftp_server) {
    const app::FtpServerStats s = ftp_server->stats();
    std::cout << "ftp port " << ftp_serve->port << " connections " << s.accepted << " refused " << s.refused
              << " commands " << s.sessions.commands << " errors " << s.sessions.errors << " files_sent "
              << s.sessions.files_sent << " files_received " << s.sessions.files_received << " listings "
              << s.sessions.listings << " data_connections " << s.data_connections << " data_failures "
              << s.data_failures << " strangers " << s.strangers << " idle_timeouts " << s.idle_timeouts << "\n";
  }
  if (dhcp_server) {
    const dhcp::ServerStats& st = dhcp_server->server().stats();
    std::cout << "dhcp_server discovers " << st.discovers << " offers " << st.offers << " requests " << st.requests
              << " acks " << st.acks << " naks " << st.naks << " releases " << st.releases << " declines "
              << st.declines << " informs " << st.informs << " pool_exhausted " << st.pool_exhausted << " ignored "
              << st.ignored << " malformed " << dhcp_server->malformed() << "\n";
    for (const auto& b : dhcp_server->server().bindings(host.now())) {
      if (b.state == dhcp::Server::SlotState::bound) std::cout << "dhcp_server lease " << b.address << " " << b.client << "\n";
    }
  }
  if (stack->dhcp) {
    const app::DhcpClient& d = *stack->dhcp->client;
    std::cout << "dhcp sent " << d.client().sent() << " malformed " << d.malformed() << " ignored "
              << d.client().ignored() << " send_errors " << d.send_errors() << "\n";
  }
  if (tcp_discard) {
    std::cout << "tcp_discard port " << *opt.tcp_discard << " connections " << tcp_discard->accepted() << " bytes "
              << tcp_discard->total_bytes() << "\n";
  }
  host.stack().print_counters(std::cout);
  if (c.tx_errors > 0) std::cerr << "wirestack tap: " << c.tx_errors << " frames not sent: " << c.first_tx_error << "\n";
  if (stack->pcap) {
    stack->pcap->flush();
    if (stack->pcap->failed()) {
      std::cerr << "wirestack tap: writing " << stack->pcap->path() << " failed\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace wirestack::cli
