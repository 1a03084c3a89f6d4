// scenario/runner.cpp — one run of a topology.
#include "scenario/runner.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "scenario/tcp_tally.hpp"

namespace wirestack::scenario {
namespace {

// Every link the capture names must exist; the error lists the real ones.
Result<void, std::string> check_capture_links(const sim::World& w, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    const bool found = std::any_of(w.links().begin(), w.links().end(), [&](const auto& l) { return l.name() == name; });
    if (found) continue;
    constexpr std::size_t kListed = 20;
    std::string known;
    std::size_t n = 0;
    for (const auto& l : w.links()) {
      if (n == kListed) {
        known += ", ... (" + std::to_string(w.links().size() - kListed) + " more)";
        break;
      }
      known += (n++ == 0 ? "" : ", ") + l.name();
    }
    return Unexpected{"no link named '" + name + "' to capture; the links are: " + known};
  }
  return {};
}

}  // namespace

Result<RunResult, RunError> run(const Topology& topo, const RunConfig& config, std::ostream& out) {
  Narrator narrator;
  TcpTally tally;  // the summary's TCP figures, narrated or not
  RunResult result;
  const auto stamp = [](Instant t) {
    char head[32];
    std::snprintf(head, sizeof head, "%12.6f  ", to_seconds(t.time_since_epoch()));
    return std::string(head);
  };
  // Held back until the network is built: a file that does not build
  // prints its one error line and nothing else.
  std::ostringstream early;
  std::ostream* sink = &early;
  early << "scenario " << (topo.name.empty() ? topo.file : topo.name) << " (seed " << config.seed << ")"
        << (topo.summary.empty() ? "" : ": " + topo.summary) << "\n\n";
  const auto output_error = [](std::string e) { return Unexpected{RunError{RunError::Kind::output, std::move(e)}}; };
  // Captures and the narrative start before the first node exists: its
  // gratuitous ARP is the first frame. The observer dies before the network.
  std::unique_ptr<Network> owner = Network::create(topo, config.seed);
  Network& net = *owner;
  std::unique_ptr<RunObserver> observer;
  struct Release {
    std::unique_ptr<RunObserver>& o;
    ~Release() { o.reset(); }
  } release{observer};
  sim::World& w = net.world();
  if (config.observer) observer = config.observer(w);
  if (!config.capture_dir.empty()) {
    if (auto r = w.capture_to(config.capture_dir, config.capture); !r) return output_error(r.error());
  }
  w.set_tracer([&](const sim::WorldLink& l, int side, Instant t, Bytes frame) {
    ++result.frames;
    if (observer) observer->on_frame(l, side, t, frame);
    tally.on_frame(reinterpret_cast<std::uintptr_t>(&l), frame);
    // Described only for someone who reads it: a quiet run of a million
    // clients pays a hash lookup per frame (the tally), not a sentence.
    if (!config.narrate && config.listeners.empty()) return;
    const auto& from = l.end(side);
    const auto& to = l.end(1 - side);
    FrameEvent ev = narrator.on_frame(l.name(), from.node, to.node, t, frame);
    ev.world_link = &l;
    ev.from_side = side;
    if (config.narrate) *sink << stamp(t) << from.node << " -> " << to.node << "  " << ev.text << "\n";
    for (const auto& listener : config.listeners) listener(ev);
  });
  net.set_note_sink([&](Instant t, const std::string& text) {
    if (config.narrate) *sink << stamp(t) << "---- " << text << " ----\n";
  });
  if (auto r = net.wire_up(); !r) return Unexpected{RunError{RunError::Kind::topology, r.error()}};
  if (auto r = check_capture_links(w, config.capture.links); !r) return Unexpected{RunError{RunError::Kind::topology, r.error()}};
  out << early.str();
  sink = &out;
  const Instant limit = at(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(config.until)));
  // In steps when someone watches (at most about a thousand, so that a long
  // idle run does not loop on empty steps). The run is the same either way:
  // a step ends at a time, not at an event, and a storm (which stops the
  // switches forwarding) does not end the run before the limit.
  const Duration whole = limit.time_since_epoch();
  const Duration step = config.progress ? std::max({config.progress_step, whole / 1000, Duration{1}}) : whole;
  result.summary.reached = w.now();
  while (w.now() < limit) {
    const auto part = w.run_until(std::min(limit, w.now() + step));
    result.summary.events += part.events;
    result.summary.reached = part.reached;
    result.summary.storm = result.summary.storm || part.storm;
    if (config.progress) config.progress(RunProgress{part.reached, result.summary.events, result.frames});
  }
  if (observer) observer->on_end(net);
  out << "\n== results after " << to_seconds(result.summary.reached.time_since_epoch()) << " simulated seconds, "
      << result.summary.events << " events, " << result.frames << " frames";
  out << ", " << tally.handshakes() << " TCP handshakes, " << tally.closes() << " FINs, " << tally.retransmissions()
      << " retransmitted segments seen on links";
  out << " ==\n";
  result.passed = net.report(out);
  result.outcomes = net.outcomes();
  result.retransmissions = tally.retransmissions();
  out << "\n== counters ==\n";
  w.print_counters(out);
  if (!config.capture_dir.empty()) {
    out << "\ncaptures (" << w.capture_files() << " of " << w.links().size()
        << " links, open with Wireshark or `wirestack decode`): " << config.capture_dir << "/\n";
    if (w.capture_limited()) {
      out << "captures stopped at " << w.capture_bytes() << " bytes: the next frame would have passed the limit of "
          << config.capture.limit_bytes << " bytes\n";
    }
    if (w.capture_error()) return output_error(*w.capture_error());
  }
  return result;
}

}  // namespace wirestack::scenario
