// scenario/runner.hpp — one run of a topology, as `wirestack run` does it:
// build the network, capture every link, narrate every frame (unless quiet),
// run in virtual time, then the applications' results, the counters of every
// node per layer, and where the captures are.
//
//   scenario::RunConfig cfg{.seed = 1, .until = 10, .capture_dir = "out/campus"};
//   cfg.listeners.push_back([](const scenario::FrameEvent& e) { ... });  // e.g. a report
//   auto r = scenario::run(topo, cfg, std::cout);
//   r->passed  // every application did what the file expects
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <map>
#include <vector>

#include "base/result.hpp"
#include "scenario/narrator.hpp"
#include "scenario/network.hpp"
#include "scenario/topology.hpp"
#include "tcp/state.hpp"

namespace wirestack::scenario {

// Something that watches a whole run from the inside (the HTML report's
// recorder): made on the empty World before the first node exists (so it
// sees the first frame), handed every frame, told when the run is over
// (before the summaries), and destroyed before the World.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void on_frame(const sim::WorldLink& /*link*/, int /*from_side*/, Instant /*at*/, Bytes /*frame*/) {}
  virtual void on_end(Network& /*net*/, const DelayCauses& /*causes*/) {}
};

// How far a run has come (for a progress line).
struct RunProgress {
  Instant reached;
  std::uint64_t events = 0;
  std::uint64_t frames = 0;
};

// Which part of a run the narrative tells (`wirestack run --host --link
// --proto`): each list that is not empty must match. A frame matches a host
// when it travels on one of the host's links or comes from or goes to one of
// its IPv4 addresses; a link by its name (as the counters print it, or the
// name the topology gives it); a protocol by its name: arp, stp, ndp, ip (or
// ipv4), ipv6, icmp, udp, tcp, or an application's: dns, dhcp, http, json,
// ftp. The summaries, counters and captures are the whole run's.
struct NarrativeFilter {
  std::vector<std::string> hosts;
  std::vector<std::string> links;
  std::vector<std::string> protos;
  bool empty() const { return hosts.empty() && links.empty() && protos.empty(); }
};
// The protocol names NarrativeFilter::protos takes.
const std::vector<std::string>& narrative_protocols();

// How a TCP connection ended, exactly: its last state, when the run ended
// (from the sockets' state changes, not sampled).
struct ConnectionEnd {
  std::string host;
  IpEndpoint local;
  IpEndpoint remote;
  tcp::State state = tcp::State::closed;
  tcp::State before = tcp::State::closed;  // the state before it
  Instant at{};                            // when it entered `state`
};

struct RunConfig {
  std::uint64_t seed = 1;
  double until = 10;              // simulated seconds
  std::string capture_dir;        // one pcap per link; empty: none
  // Which links, how much of each frame, at most how many bytes in all. A
  // name that is no link of the network is a topology error, which lists
  // the links.
  sim::CaptureOptions capture;
  bool narrate = true;            // one line per frame
  NarrativeFilter filter;         // which frames the narrative tells (all when empty)
  // Every frame, described (for a report, a test). Called in time order.
  std::vector<EventListener> listeners;
  // Optional: makes an observer for this run (see RunObserver).
  std::function<std::unique_ptr<RunObserver>(sim::World&)> observer;
  // Called every `progress_step` of simulated time with how far the run has
  // come (a progress line). Whether it is set changes nothing in the run.
  std::function<void(const RunProgress&)> progress;
  Duration progress_step = std::chrono::milliseconds{100};
};

struct RunResult {
  bool passed = false;
  sim::RunSummary summary;
  std::uint64_t frames = 0;
  std::uint64_t retransmissions = 0;
  std::vector<AppOutcome> outcomes;
  // The TCP connections the hosts had, from the sockets' state changes:
  // how many (a reused 4-tuple counts again), how many ended in each state
  // (every one, exactly), and the first kConnectionsListed of them in detail,
  // in the order they were first seen. Nothing is kept per connection beyond
  // those: a run of a million clients pays a counter per state change.
  static constexpr std::size_t kConnectionsListed = 12;
  std::size_t connection_count = 0;
  std::map<tcp::State, std::size_t> end_states;
  std::vector<ConnectionEnd> connections;
};

// Why there is no result: the file's network cannot be built (a mistake in
// the file, named with its position: a gateway or route off every network, an
// address that is not a host's, ...), or the captures cannot be written.
struct RunError {
  enum class Kind { topology, output };
  Kind kind = Kind::topology;
  std::string message;
};
inline std::ostream& operator<<(std::ostream& os, const RunError& e) { return os << e.message; }

// A topology error comes before anything is written to `out`.
Result<RunResult, RunError> run(const Topology& topo, const RunConfig& config, std::ostream& out);

}  // namespace wirestack::scenario
