// scenario/topology.hpp — a simulated network described in a TOML file:
// nodes, cables, addresses, routes, the applications each host runs and
// faults over time. load_topology() checks everything it can before the
// network exists, and every error names the file, the line and the column of
// the offending value and what was expected:
//
//   campus.toml:14:9: link: unknown node 'sw3' (declared: a, b, r, sw1, sw2)
//
//   auto topo = scenario::load_topology(text, "campus.toml");
//   if (!topo) { std::cerr << topo.error() << "\n"; return 2; }
//   scenario::Network net(*topo, seed);   // scenario/network.hpp builds and runs it
//
// The format is documented in src/scenario/README.md; the built-in scenarios
// (scenario/builtin.hpp) are written in it.
#pragma once

#include <any>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "base/time.hpp"
#include "link/stp.hpp"
#include "scenario/app_registry.hpp"
#include "sim/link.hpp"
#include "tcp/congestion.hpp"
#include "tcp/connection.hpp"

namespace wirestack::scenario {

// Where a value stands in its file (1-based), for messages after loading too.
struct SourcePos {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};
// "file:line:column: what"
std::string located(const SourcePos& pos, std::string_view what);

enum class NodeKind : std::uint8_t { host, router, switch_ };

struct RouteSpec {
  std::string to;   // "10.0.3.0/24" (checked)
  std::string via;  // "10.0.1.2" (checked)
  SourcePos pos;
};

struct NodeSpec {
  std::string name;
  NodeKind kind = NodeKind::host;
  std::size_t ports = 8;                  // switches
  std::optional<link::StpConfig> stp;     // switches: `stp = true`, with priority and times
  std::optional<std::string> gateway;     // hosts and routers
  SourcePos gateway_pos;
  std::optional<std::string> dns;         // the DNS server applications ask for names (hosts and routers)
  std::vector<RouteSpec> routes;
  bool syn_cookies = true;                // TCP SYN cookies when the SYN queue overflows
  std::optional<std::uint32_t> syn_backlog;
  std::optional<tcp::Algorithm> congestion;  // TCP congestion control; unset: the stack's (newreno)
  std::optional<tcp::EcnMode> ecn;           // TCP ECN (RFC 3168); unset: the stack's (passive)
  // TCP buffers (rcvbuf / sndbuf keys): where each ring's limit starts and
  // how far autotuning may raise it (equal: fixed); unset: the stack's
  // (64 KiB growing to 6 MiB / 4 MiB).
  struct Buffer {
    std::uint32_t start = 0;
    std::uint32_t max = 0;
  };
  std::optional<Buffer> rcvbuf;
  std::optional<Buffer> sndbuf;
  SourcePos pos;
};

// One end of a cable: a host's or router's new card (with its address), or a
// switch port (a number, or the next free one).
struct LinkEnd {
  std::string node;
  std::optional<std::string> address;  // hosts and routers: "10.0.1.10/24" (its IPv4 address, if any)
  SourcePos address_pos;
  std::vector<std::string> addresses6;  // static IPv6 addresses: "2001:db8:1::10/64"
  std::vector<SourcePos> addresses6_pos;
  bool slaac = false;                   // hosts: `ipv6 = "slaac"`, global addresses from RAs
  bool dhcp = false;                    // hosts: `address = "dhcp"`, IPv4 address, gateway and DNS from DHCP
  std::vector<std::string> advertise;   // routers: /64 prefixes sent in Router Advertisements
  bool has_ipv6() const { return !addresses6.empty() || slaac || !advertise.empty(); }
  std::uint16_t mtu = 1500;
  std::optional<std::size_t> port;     // switches
  SourcePos pos;
};

struct LinkSpec {
  std::string name;  // for faults; default "FROM-TO"
  LinkEnd from;
  LinkEnd to;
  sim::LinkDirection cable;  // both directions
  std::optional<std::uint32_t> stp_cost;  // spanning tree path cost of its switch ends
  SourcePos pos;
};

// What the application's summary must show for the run to pass.
enum class Expect : std::uint8_t { success, failure, refused };

// One `[[app]]`: the keys every application has, and its own settings as
// its registry entry parsed them (scenario/app_registry.hpp).
struct AppSpec {
  const AppType* type = nullptr;  // never null in a loaded topology
  std::string host;
  std::string label;                // the summary's name; empty: "TYPE on HOST"
  Duration start{};                 // `at`
  Expect expect = Expect::success;
  std::any settings;                // the type's own struct (scenario/apps.cpp)
  SourcePos pos;
  std::string_view type_name() const { return type != nullptr ? type->name : "?"; }
  // The settings as their type: a bug (std::bad_any_cast) if `T` is not
  // what this type's parser made.
  template <class T>
  const T& settings_as() const {
    return std::any_cast<const T&>(settings);
  }
};

enum class FaultKind : std::uint8_t { link_down, link_up, crash, restart };

struct FaultSpec {
  FaultKind kind = FaultKind::link_down;
  std::string target;  // link name or host name
  Duration at{};
  SourcePos pos;
};

struct Topology {
  std::string file;
  std::string name;
  std::string summary;
  double until = 10;                   // simulated seconds unless --until
  std::optional<std::uint64_t> seed;   // unless --seed
  bool expect_storm = false;           // the run passes only if a broadcast storm is detected
  std::vector<NodeSpec> nodes;         // in file order: hosts, routers, switches
  std::vector<LinkSpec> links;
  std::vector<AppSpec> apps;
  std::vector<FaultSpec> faults;
  const NodeSpec* node(std::string_view name) const;
};

// Parses and checks a topology. `file` names the source in messages. Beyond
// each value's own syntax and range it refuses what cannot work as a
// network (scenario/checks.cpp): an address given twice, a cable whose ends
// are in different subnets, a gateway or route via off-link or equal to the
// host's own address, two servers on one port of a host.
Result<Topology, std::string> load_topology(std::string_view text, std::string file);
// Reads `path` and loads it.
Result<Topology, std::string> load_topology_file(const std::string& path);

// "100Mbit/s", "10 Mbps", "1Gbit/s", "64kbit/s" -> bits per second.
Result<std::uint64_t, std::string> parse_bandwidth(std::string_view text);
// "5us", "2 ms", "1.5s", "0" -> a duration.
Result<Duration, std::string> parse_time_text(std::string_view text);

}  // namespace wirestack::scenario
