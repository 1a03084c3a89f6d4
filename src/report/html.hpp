// report/html.hpp — a recorded run as one self-contained HTML page.
//
// The page has no scripts and fetches nothing (inline CSS, inline SVG, hover
// titles for details), so it opens from a file on a machine with no network.
// It holds, in this order:
//  * the topology: hosts, routers and switches by shape, links labelled with
//    rate, delay and impairments; a table of what crossed each link;
//  * a ladder diagram of one TCP connection: the client's and the server's
//    time lines, one arrow per segment with its flags, relative seq/ack,
//    length, and when it left and arrived; retransmissions in red, segments
//    the network lost end in a cross; long connections show their first and
//    last `ladder_edge` segments;
//  * for each connection sampled: cwnd (and ssthresh), smoothed RTT and
//    throughput over virtual time;
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

#include "base/result.hpp"
#include "report/recorder.hpp"

namespace wirestack::report {

// A TCP connection by its two ends: who sent the SYN, who answered it.
struct FlowKey {
  IpEndpoint client, server;
  friend bool operator==(const FlowKey&, const FlowKey&) = default;
};

struct ReportOptions {
  std::string title = "wirestack run";
  std::uint64_t seed = 0;
  // The ladder's connection; default: the first whose handshake completed.
  std::optional<FlowKey> connection;
  // Above 2 * ladder_edge segments, the ladder shows the first and the last
  // ladder_edge ones and says how many it left out.
  std::size_t ladder_edge = 60;
  // Connections charted, those that moved the most bytes first.
  std::size_t max_charts = 8;
};

// The page as a string. Precondition: recorder.stopped().
std::string render_html(const Recorder& recorder, const ReportOptions& options = {});
// render_html() written to `path` (its directory must exist). Refuses a
// recorder still running: its topology and counters are taken at stop().
Result<void, std::string> write_html(const Recorder& recorder, const std::string& path,
                                     const ReportOptions& options = {});

}  // namespace wirestack::report
