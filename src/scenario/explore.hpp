// scenario/explore.hpp — the seed explorer behind `wirestack fuzz-sim`:
// deterministic simulation testing in the manner of FoundationDB's and
// TigerBeetle's. Each seed becomes a random network (one to three LANs of
// one or two switches in a chain of routers, hosts on them), random
// impairments (loss, reordering by jitter, duplication, bit errors, small
// MTUs, a link outage, a host crash and restart, a SYN flood) and random
// traffic (bulk transfers into hashing sinks, HTTP and JSON-RPC clients,
// pings, UDP echo), written as an ordinary topology file. The run is then
// checked:
//   - integrity: every transfer that finished arrived intact (the sink's
//     hash of what it received equals the sender's);
//   - liveness: every reliable exchange (bulk transfer, HTTP, JSON-RPC)
//     whose hosts never crashed and whose path never went down completes;
//   - the stack's own invariants (WIRESTACK_ASSERT aborts the process; the
//     sanitizer build adds memory and undefined-behaviour checks).
// A failing seed replays exactly: same seed, same file, same bytes.
//
//   ExploreCase c = make_case(42);
//   std::cout << c.toml;                       // the network, as a file `wirestack run` takes
//   ExploreVerdict v = run_case(c, nullptr);   // or &std::cout for the narrative
//   if (!v.ok) for (auto& p : v.problems) std::cerr << p << "\n";
#pragma once

#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <vector>

namespace wirestack::scenario {

struct ExploreCase {
  std::uint64_t seed = 0;
  std::string toml;                  // the topology file
  std::set<std::string> must_finish;  // labels of the exchanges liveness applies to
  std::string outline;               // one line: what the seed built
};

struct ExploreVerdict {
  bool ok = true;
  std::vector<std::string> problems;  // one line each
  std::uint64_t events = 0;
  std::uint64_t frames = 0;
};

// The case of one seed: the same seed always gives the same file.
ExploreCase make_case(std::uint64_t seed);
// Loads and runs the case, then checks it. `narrative`: where the frame-by-
// frame narrative and the summaries go (nullptr: nowhere).
ExploreVerdict run_case(const ExploreCase& c, std::ostream* narrative);

}  // namespace wirestack::scenario
