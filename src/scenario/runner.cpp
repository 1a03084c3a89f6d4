// scenario/runner.cpp — one run of a topology.
#include "scenario/runner.hpp"

#include <cstdio>
#include <sstream>

namespace wirestack::scenario {

Result<RunResult, RunError> run(const Topology& topo, const RunConfig& config, std::ostream& out) {
  Narrator narrator;
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
    if (auto r = w.capture_to(config.capture_dir); !r) return output_error(r.error());
  }
  w.set_tracer([&](const sim::WorldLink& l, int side, Instant t, Bytes frame) {
    ++result.frames;
    if (observer) observer->on_frame(l, side, t, frame);
    // Described even when quiet: the summary's TCP tally comes from here.
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
  out << early.str();
  sink = &out;
  const Instant limit = at(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(config.until)));
  if (config.progress) {
    while (w.now() < limit) {
      const Instant next = std::min(limit, w.now() + config.progress_step);
      const auto part = w.run_until(next);
      result.summary.events += part.events;
      result.summary.reached = part.reached;
      config.progress(part.reached, result.summary.events);
      if (part.storm) {
        result.summary.storm = true;
        break;
      }
      if (part.reached < next) break;  // nothing left to do before the limit
    }
  } else {
    result.summary = w.run_until(limit);
  }
  if (observer) observer->on_end(net);
  out << "\n== results after " << to_seconds(result.summary.reached.time_since_epoch()) << " simulated seconds, "
      << result.summary.events << " events, " << result.frames << " frames";
  out << ", " << narrator.handshakes() << " TCP handshakes, " << narrator.closes() << " FINs, "
                    << narrator.retransmissions() << " retransmitted segments seen on links";
  out << " ==\n";
  result.passed = net.report(out);
  result.outcomes = net.outcomes();
  result.retransmissions = narrator.retransmissions();
  out << "\n== counters ==\n";
  w.print_counters(out);
  if (!config.capture_dir.empty()) {
    out << "\ncaptures (one pcap per link, open with Wireshark or `wirestack decode`): " << config.capture_dir << "/\n";
    if (w.capture_error()) return output_error(*w.capture_error());
  }
  return result;
}

}  // namespace wirestack::scenario
