// tools/wirestack/tap.hpp — the stack on a real Linux TAP device:
// `wirestack tap` (a host answering ARP, ping and UDP echo until ^C),
// `wirestack nc` (standard input into a TCP connection), and the options and set-up that
// `wirestack ping` (ping.hpp) shares.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "app/dhcp.hpp"
#include "base/result.hpp"
#include "loop/tap_host.hpp"
#include "server_limits.hpp"
#include "wire/ip_address.hpp"
#include "wire/ipv4_address.hpp"
#include "wire/ipv6_address.hpp"

namespace wirestack::cli {

// What every TAP subcommand needs to put a stack on a device.
struct StackOptions {
  std::string command;  // the subcommand these options belong to ("tap"), for messages
  std::string dev;
  std::vector<std::string> ip;       // ADDR/PREFIX, at most one of each family
  bool dhcp = false;                 // the IPv4 address, gateway and DNS server from a DHCP server
  double dhcp_timeout = 10;          // seconds to wait for a lease before giving up
  std::vector<std::string> gateway;  // at most one of each family
  std::optional<std::string> mac;  // default: a random locally administered one
  int mtu = 1500;
  std::optional<std::string> pcap;
  std::optional<std::string> impair;      // loop::ImpairmentSpec text, both ways
  std::optional<std::string> impair_in;   // device -> stack only
  std::optional<std::string> impair_out;  // stack -> device only
  std::optional<std::string> congestion;  // TCP congestion control (`tap --congestion`); unset: newreno
  bool no_offload = false;                // plain frames: no virtio header, checksums and TSO/GRO
};
void add_stack_options(CLI::App* cmd, StackOptions& opt);

// Why there is no stack: one line for a person, and the exit status that
// says what kind of trouble it is: 2 an option is wrong or names what does
// not exist (a device, a directory), 1 the device exists but cannot be opened.
struct StackError {
  StackError(std::string text, int exit_status = 2) : message(std::move(text)), status(exit_status) {}  // NOLINT
  std::string message;
  int status;
};
inline std::ostream& operator<<(std::ostream& os, const StackError& e) { return os << e.message; }

// A host on the device, configured (addresses, default routes), capture
// open, not yet running. It always has an IPv6 link-local address (fe80::/64
// and the modified EUI-64 of its MAC, as every simulated card), and runs
// DAD (RFC 4862) on it and on an IPv6 --ip once the device is up.
//
// With --dhcp, make_tap_stack() runs the stack until a DHCP server on the
// link has leased it an address (at most --dhcp-timeout) and configures it:
// the address, the default route through the lease's first router, and the
// DNS server (TapDhcp::dns_server()). The client stays in the stack: while
// the host runs it renews the lease (RFC 2131 4.4.5), and applies what
// happens, printing one line per event ("wirestack tap: DHCP: renewed ...").
struct TapDhcp {
  std::string command;  // "tap", for its lines
  std::unique_ptr<app::DhcpClient> client;
  std::optional<dhcp::Lease> lease;  // the current one; empty while there is none
  bool releasing = false;            // release_dhcp() runs: keep the address until the RELEASE leaves
  std::optional<Ipv4Address> dns_server() const {
    if (!lease || lease->dns_servers.empty()) return std::nullopt;
    return lease->dns_servers.front();
  }
};
struct TapStack {
  std::unique_ptr<loop::TapHost> host;
  std::unique_ptr<dev::PcapWriter> pcap;
  std::optional<Ipv4Prefix> v4;
  std::optional<Ipv6Prefix> v6;
  std::unique_ptr<TapDhcp> dhcp;  // with --dhcp only
};
Result<TapStack, StackError> make_tap_stack(const StackOptions& opt, bool allow_privileged_ports);
// With --dhcp: gives the lease back (a RELEASE to the server, RFC 2131
// 4.4.6) and runs the stack until it has left (its next hop resolved by
// ARP; at most 2 s). Does nothing without a lease.
void release_dhcp(TapStack& stack);

// "10.77.0.2/24, 2001:db8::2/64, link-local fe80::..."; a leased address
// says so: "10.77.0.57/24 (DHCP from 10.77.0.1, gateway 10.77.0.1, DNS 10.77.0.1), ..."
std::string describe_addresses(const TapStack& stack);
// What autoconfiguration did since the last call, one line each on `out`
// ("wirestack CMD: 2001:db8::2 passed DAD: assigned"); false if an address
// was found a duplicate (not used).
bool report_address_events(loop::TapHost& host, const char* cmd, std::ostream& out);
// For a client about to talk IPv6: runs the stack until DAD has passed on
// every IPv6 address (about a second), printing what it found; an error
// when one is a duplicate or the run was interrupted.
Result<void, StackError> await_ipv6_addresses(TapStack& stack, const char* cmd);
// A destination address for the clients: IPv4 or IPv6, and an IPv6 one may
// name its zone as ping(8) does (fe80::1%tap0), which must be --dev.
Result<IpAddress, std::string> parse_destination(const std::string& text, const std::string& dev);

struct TapOptions {
  StackOptions stack;
  std::optional<int> udp_echo;
  std::optional<int> tcp_echo;
  std::optional<int> tcp_discard;
  std::optional<std::string> http;
  std::optional<int> json;
  std::optional<std::string> dns;  // PORT:ZONEFILE
  std::optional<std::string> ftp;  // PORT[:DIR]
  std::optional<std::string> dhcp_server;  // FIRST-LAST: a pool in the IPv4 --ip's network
  double dhcp_lease = 3600;                // seconds, the --dhcp-server's leases
  std::vector<std::string> ftp_users;  // USER:PASSWORD
  bool ftp_no_anonymous = false;
  bool ftp_read_only = false;
  std::optional<double> seconds;
  LimitOptions limits;  // of the --http and --json servers
};
CLI::App* add_tap_command(CLI::App& app, TapOptions& opt);
int run_tap(const TapOptions& opt);

struct NcOptions {
  StackOptions stack;
  std::string host;
  int port = 0;
  std::optional<std::string> urgent;  // sent as urgent data after standard input, before the FIN
};
CLI::App* add_nc_command(CLI::App& app, NcOptions& opt);
int run_nc(const NcOptions& opt);

}  // namespace wirestack::cli
