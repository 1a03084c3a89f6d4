// scenario/network.hpp — a Topology made real: a sim::World with its nodes,
// cables, addresses and routes, the applications started at their times, the
// faults scheduled, and after the run one summary line (or a few) per
// application saying whether it did what the file expected.
//
//   auto net = scenario::Network::build(topo, seed);    // errors name the file position
//   if (!net) ...;
//   (*net)->world().run_until(at(10s));
//   bool ok = (*net)->report(std::cout);
//
// Faults: a link goes down / up at its time (Link::schedule_state). A host
// "crash" takes every link of its cards down and wipes its stack
// (sim::Host::crash: every connection, socket, ARP entry and fragment is
// forgotten, and nothing is sent); "restart" brings the cables back, boots
// the stack (gratuitous ARP) and starts the host's servers again with no
// connection. A peer learns of the crash the way it would on a real network:
// silence, retransmissions, then a RST to its first segment after the
// restart. Clients on a crashed host find their sockets gone and report it;
// a server's summary shows each life ("[until the crash at ...]",
// "[since the restart at ...]").
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "scenario/topology.hpp"
#include "sim/world.hpp"

namespace wirestack::scenario {

// One application's outcome after the run.
struct AppOutcome {
  std::string label;
  std::string text;  // one or more lines, each ending with '\n'
  bool passed = false;
  // False when data arrived wrong: a finished transfer whose bytes no
  // receiver saw (its hash at the sink differs). Whatever the file expects.
  bool intact = true;
};

// The clients of one request/response application (http_client,
// rpc_client), one by one: for the report's charts over time.
struct ClientRun {
  struct Request {
    Instant start{};
    std::optional<Duration> latency;  // connect to last byte; set when answered
  };
  std::string label;  // as in outcomes()
  std::string host;
  IpEndpoint server;
  bool passed = false;  // did what the file expects
  std::vector<Request> requests;
};

class NetworkApp;  // one application of the file (scenario/network_app.hpp)
}  // namespace wirestack::scenario
namespace wirestack::app {
class DhcpClient;
}  // namespace wirestack::app
namespace wirestack::scenario {

// Why clients waited: what was dropped or sent again in the run, from every
// host's and link's counters. Printed under the clients' latency
// percentiles (and shown by the report), so that a long tail names its
// cause: SYNs dropped while the client's ARP resolved come again a second
// later, and so do SYNs a full SYN queue dropped.
struct DelayCauses {
  using PerHost = std::vector<std::pair<std::string, std::uint64_t>>;  // most first, then by name
  PerHost resolution_drops;  // datagrams dropped while their next hop's ARP/ND resolved
  PerHost listen_drops;      // SYNs or handshake ACKs dropped: SYN or accept queue full
  std::uint64_t retransmitted_segments = 0;  // TCP segments seen twice on links
  std::uint64_t link_queue_drops = 0;        // frames dropped by a full link queue (or CoDel)
  std::uint64_t link_losses = 0;             // frames lost to a link's loss rate
  std::uint64_t link_bit_errors = 0;         // frames corrupted (the FCS dropped them)
  bool none() const;
};
// "where the waiting came from: 37 datagrams dropped while ARP/ND resolved
// (c0 37), 0 SYNs dropped by full listen queues, 12 retransmitted segments,
// 0 frames dropped on links"
std::ostream& operator<<(std::ostream& os, const DelayCauses& c);

class Network {
 public:
  using App = NetworkApp;

  static Result<std::unique_ptr<Network>, std::string> build(const Topology& topo, std::uint64_t seed);
  // The same in two steps: an empty world first (to set a tracer or
  // captures that must see the first gratuitous ARP), then the nodes, cables
  // and applications. Errors name the file position.
  static std::unique_ptr<Network> create(const Topology& topo, std::uint64_t seed);
  Result<void, std::string> wire_up();
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  sim::World& world() { return world_; }
  const Topology& topology() const { return topo_; }
  // Told about faults when they happen (the narrative shows them between frames).
  void set_note_sink(std::function<void(Instant, const std::string&)> sink) { note_ = std::move(sink); }

  std::vector<AppOutcome> outcomes() const;
  std::vector<ClientRun> client_runs() const;
  // Every outcome, then a storm report if one happened; true when every
  // application did what its `expect` said.
  // With request clients, the delay causes follow their totals.
  bool report(std::ostream& os, const DelayCauses& causes) const;
  // The run's delay causes now; the retransmissions come from whoever
  // watched the links (runner.cpp's TcpTally).
  DelayCauses delay_causes(std::uint64_t retransmitted_segments) const;
  // Some application's clients send requests and time the answers.
  bool has_request_clients() const;

  // For the applications: what a TCP sink received, to compare hashes.
  struct SinkRecord {
    std::uint64_t bytes;
    std::uint64_t hash;
    bool eof;
  };
  std::vector<SinkRecord> sink_records() const;
  void note(const std::string& text);
  // The DNS server a host's DHCP lease named, if it has one.
  std::optional<IpAddress> dhcp_dns(const std::string& host) const;

 private:
  Network(const Topology& topo, std::uint64_t seed);

  Topology topo_;
  sim::World world_;
  std::vector<std::unique_ptr<App>> apps_;
  std::vector<sim::Link*> links_;  // by topo_.links index
  std::function<void(Instant, const std::string&)> note_;
  // The clients of the cards whose address is "dhcp" (after world_: they go first).
  std::vector<std::unique_ptr<app::DhcpClient>> dhcp_;
  std::map<std::string, IpAddress> dhcp_dns_;
  void start_dhcp(sim::Host& h, iface::NicId nic);
};

}  // namespace wirestack::scenario
