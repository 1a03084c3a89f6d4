// Topology files (the TOML loader, its checks and the network it builds):
// any bytes, loaded as `wirestack run fuzz.toml` loads a file, end either in
// a Topology or in one error "fuzz.toml:LINE:COLUMN: what" (LINE, COLUMN >= 1),
// never in a crash, a sanitizer report or an exception. A Topology that loads
// is then built into its simulated network (scenario::Network, as
// `wirestack run` builds it: building errors must name FILE:LINE:COLUMN too),
// run for at most kRunFor of virtual time and kMaxEvents events, and its
// summary written (to memory). No captures, no files, no wall clock.
//
// Bounds on the run, so that one input stays fast: a network whose
// applications would start more than kMaxClients clients or probes in all
// (the `count` of each app; count goes up to 1,000,000 by design) is loaded
// and checked but not built; everything else is built and run.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "scenario/network.hpp"
#include "scenario/topology.hpp"

using namespace wirestack;

namespace {

constexpr std::string_view kFile = "fuzz.toml";
constexpr Duration kRunFor = std::chrono::milliseconds{50};
constexpr std::uint64_t kMaxEvents = 300;
constexpr std::int64_t kMaxClients = 64;

// "1" ... : a positive decimal integer without leading zeros; advances `s`.
bool positive_number(std::string_view& s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == 0 || s[0] == '0') return false;
  s.remove_prefix(i);
  return true;
}

// "fuzz.toml:LINE:COLUMN: what"
bool located_error(std::string_view e) {
  if (!e.starts_with(kFile)) return false;
  e.remove_prefix(kFile.size());
  if (!e.starts_with(':')) return false;
  e.remove_prefix(1);
  if (!positive_number(e) || !e.starts_with(':')) return false;
  e.remove_prefix(1);
  if (!positive_number(e) || !e.starts_with(": ")) return false;
  e.remove_prefix(2);
  return !e.empty();
}

void check_error(const std::string& e) {
  if (!located_error(e)) std::fprintf(stderr, "not a FILE:LINE:COLUMN error: [%s]\n", e.c_str());
  FUZZ_CHECK(located_error(e));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto topo = scenario::load_topology(text, std::string(kFile));
  if (!topo) {
    check_error(topo.error());
    return 0;
  }
  FUZZ_CHECK(topo->file == kFile);
  FUZZ_CHECK(!topo->nodes.empty());
  std::int64_t clients = 0;
  for (const auto& a : topo->apps) clients += static_cast<std::int64_t>(scenario::instances(a));
  if (clients > kMaxClients) return 0;

  auto net = scenario::Network::build(*topo, topo->seed.value_or(1));
  if (!net) {
    check_error(net.error());
    return 0;
  }
  sim::World& w = (*net)->world();
  w.queue().run_until_idle(kMaxEvents, at(kRunFor));
  std::ostringstream summary;
  (void)(*net)->report(summary, (*net)->delay_causes(0));
  FUZZ_CHECK((*net)->outcomes().size() == topo->apps.size());
  return 0;
}
