// report/html.hpp — a recorded run as one self-contained HTML page.
//
// The page has no scripts and fetches nothing (inline CSS, inline SVG, hover
// titles for details), so it opens from a file on a machine with no network.
// It holds, in this order, with a table of contents at the top:
//  * the outcome: whether every application did what was expected, the
//    clients' success rates and latency percentiles, the SYN flood's servers
//    side by side (SYN cookies off and on), the broadcast storm's message;
//  * the SYN flood over time, when a server's SYN queue overflowed: SYNs per
//    second, SYN-queue depth, cookies sent and validated (or SYNs dropped),
//    the legitimate clients answered, one line per server or client group;
//  * the servers' load over time: established connections, accept-queue
//    depth, the clients' response latency (p50, p90, max by start time);
//  * the topology: hosts, routers and switches by shape, links labelled with
//    rate, delay and impairments; a table of what crossed each link;
//  * for each connection sampled: cwnd (and ssthresh), smoothed RTT and
//    throughput over virtual time;
//  * a ladder diagram of one TCP connection: the client's and the server's
//    time lines, one arrow per segment with its flags, relative seq/ack,
//    length, and when it left and arrived; retransmissions in red, segments
//    the network lost end in a cross; a long ladder shows its first and last
//    segments and those around each loss, with "N segments hidden" between,
//    and an index of the losses that links to each;
//  * every node's nonzero counters, per layer.
// The same recording gives the same bytes: no wall clock, no hash order.
//
//   rec.stop();
//   if (auto r = report::write_html(rec, dir + "/report.html", {.title = "campus", .seed = 1}); !r)
//     std::cerr << r.error() << "\n";
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "report/recorder.hpp"

namespace wirestack::report {

// A TCP connection by its two ends: who sent the SYN, who answered it.
struct FlowKey {
  IpEndpoint client, server;
  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

// How the run ended, as the program that ran it saw it (the report cannot
// see applications: they belong to the caller). Optional: without it the
// page says nothing of the applications.
struct AppResult {
  std::string label;
  std::string text;  // the summary lines, as printed after the run
  bool passed = true;  // did what was expected
};
// The clients of one request/response application, one by one.
struct ClientGroup {
  struct Request {
    Instant start{};
    std::optional<Duration> latency;  // connect to last byte; set when answered
  };
  std::string label;
  std::string host;  // where the clients ran
  IpEndpoint server;
  bool passed = true;
  std::vector<Request> requests;
};
struct RunOutcome {
  std::vector<AppResult> apps;
  std::vector<ClientGroup> clients;
  // Under the clients' table: what was dropped or sent again in the run
  // ("where the waiting came from: ..."), as the summary prints it.
  std::string delay_causes;
};

struct ReportOptions {
  std::string title = "wirestack run";
  std::uint64_t seed = 0;
  // The ladder's connection; default: the first whose handshake completed.
  std::optional<FlowKey> connection;
  // Above 2 * ladder_edge segments, the ladder shows the first and the last
  // ladder_edge ones, and ladder_around segments on each side of every loss
  // and retransmission (at most ladder_losses of them), and says how many it
  // hid at each gap.
  std::size_t ladder_edge = 12;
  std::size_t ladder_around = 2;
  std::size_t ladder_losses = 100;
  // Connections charted, those that moved the most bytes first.
  std::size_t max_charts = 8;
  std::optional<RunOutcome> outcome;
};

// The page as a string. Precondition: recorder.stopped().
std::string render_html(const Recorder& recorder, const ReportOptions& options = {});
// render_html() written to `path` (its directory must exist). Refuses a
// recorder still running: its topology and counters are taken at stop().
Result<void, std::string> write_html(const Recorder& recorder, const std::string& path,
                                     const ReportOptions& options = {});

}  // namespace wirestack::report
