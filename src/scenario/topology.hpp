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

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "base/time.hpp"
#include "sim/link.hpp"
#include "tcp/congestion.hpp"

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
  std::optional<std::string> gateway;     // hosts and routers
  std::vector<RouteSpec> routes;
  bool syn_cookies = true;                // TCP SYN cookies when the SYN queue overflows
  std::optional<std::uint32_t> syn_backlog;
  std::optional<tcp::Algorithm> congestion;  // TCP congestion control; unset: the stack's (newreno)
  SourcePos pos;
};

// One end of a cable: a host's or router's new card (with its address), or a
// switch port (a number, or the next free one).
struct LinkEnd {
  std::string node;
  std::optional<std::string> address;  // hosts and routers: "10.0.1.10/24"
  std::uint16_t mtu = 1500;
  std::optional<std::size_t> port;     // switches
  SourcePos pos;
};

struct LinkSpec {
  std::string name;  // for faults; default "FROM-TO"
  LinkEnd from;
  LinkEnd to;
  sim::LinkDirection cable;  // both directions
  SourcePos pos;
};

enum class AppKind : std::uint8_t {
  ping,
  traceroute,
  udp_echo_server,
  udp_client,
  tcp_echo_server,
  tcp_sink,
  tcp_bulk,
  http_server,
  http_client,
  rpc_server,
  rpc_client,
  syn_flood,
};
std::string_view to_string(AppKind k);

// What the application's summary must show for the run to pass.
enum class Expect : std::uint8_t { success, failure, refused };

struct AppSpec {
  AppKind kind = AppKind::ping;
  std::string host;
  std::string label;                // the summary's name; empty: "KIND on HOST"
  Duration start{};                 // `at`
  Expect expect = Expect::success;
  // Destinations: ping/traceroute/syn_flood "10.0.2.20" (syn_flood with ":port"),
  // udp/tcp/rpc clients "10.0.2.20:9000", http_client a URL.
  std::string to;
  std::uint16_t port = 0;           // servers
  int count = 1;                    // ping probes, UDP datagrams, clients started (http/rpc/tcp_bulk)
  Duration interval = std::chrono::seconds{1};  // between pings / datagrams / client starts
  std::size_t size = 56;            // ping payload bytes
  std::uint8_t max_hops = 16;       // traceroute
  std::string payload = "hello";    // udp_client
  std::uint64_t bytes = 1 << 20;    // tcp_bulk
  std::string path = "/";           // http_client (from the URL)
  std::string method = "time";      // rpc_client
  std::string params;               // rpc_client: JSON text, empty for none
  std::vector<std::pair<std::string, std::string>> files;  // http_server: path -> content
  double rate = 500;                // syn_flood: SYNs per second
  Duration duration = std::chrono::seconds{10};  // syn_flood
  std::string spoof = "198.18.0.0/15";           // syn_flood source addresses
  std::uint32_t backlog = 128;      // servers
  SourcePos pos;
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

// Parses and checks a topology. `file` names the source in messages.
Result<Topology, std::string> load_topology(std::string_view text, std::string file);
// Reads `path` and loads it.
Result<Topology, std::string> load_topology_file(const std::string& path);

// "100Mbit/s", "10 Mbps", "1Gbit/s", "64kbit/s" -> bits per second.
Result<std::uint64_t, std::string> parse_bandwidth(std::string_view text);
// "5us", "2 ms", "1.5s", "0" -> a duration.
Result<Duration, std::string> parse_time_text(std::string_view text);

}  // namespace wirestack::scenario
