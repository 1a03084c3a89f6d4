// `wirestack fuzz-sim --seeds N [--from S]`: for each seed a random network,
// random faults and random traffic (scenario/explore.hpp), run and checked
// for integrity, liveness and the stack's invariants. A failing seed prints
// its problems and the command that replays it; the exit status is 1 when
// any seed failed.
#include "fuzz_sim.hpp"
#include "checks.hpp"

#include <chrono>
#include <cstdio>
#include <iostream>

#include "scenario/explore.hpp"

namespace wirestack::cli {

void add_fuzz_sim_command(CLI::App& app, FuzzSimOptions& opt) {
  auto* cmd = app.add_subcommand("fuzz-sim",
                                 "explore seeds: random networks, faults and traffic, checked for integrity and "
                                 "liveness; exit 1 when a seed fails");
  cmd->add_option("--seeds", opt.seeds, "how many seeds")->capture_default_str()->check(CLI::Range(1, 100'000'000));
  cmd->add_option("--from", opt.from, "the first seed")->capture_default_str()->check(checks::whole_number());
  cmd->add_flag("--narrate", opt.narrate, "print every frame of each run (for replaying one seed)");
  cmd->add_flag("--print", opt.print, "print each seed's topology file instead of running it");
  cmd->add_flag("-v,--verbose", opt.verbose, "a line for every seed, not only the failing ones");
}

int run_fuzz_sim(const FuzzSimOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t failed = 0;
  std::uint64_t events = 0;
  for (std::uint64_t i = 0; i < opt.seeds; ++i) {
    const std::uint64_t seed = opt.from + i;
    const scenario::ExploreCase c = scenario::make_case(seed);
    if (opt.print) {
      std::cout << c.toml;
      continue;
    }
    const scenario::ExploreVerdict v = scenario::run_case(c, opt.narrate ? &std::cout : nullptr);
    events += v.events;
    if (v.ok) {
      if (opt.verbose) std::cout << "seed " << seed << " ok: " << c.outline << "; " << v.frames << " frames\n";
      continue;
    }
    ++failed;
    std::cout << "seed " << seed << " FAILED: " << c.outline << "\n";
    for (const auto& p : v.problems) std::cout << "  " << p << "\n";
    std::cout << "  replay: wirestack fuzz-sim --from " << seed << " --seeds 1 --narrate\n"
              << "  or:     wirestack fuzz-sim --from " << seed << " --seeds 1 --print > fuzz-" << seed
              << ".toml && wirestack run fuzz-" << seed << ".toml\n"
              << std::flush;
  }
  if (opt.print) return 0;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("fuzz-sim: %llu seeds from %llu, %llu failed, %llu events in %.1f s\n",
              static_cast<unsigned long long>(opt.seeds), static_cast<unsigned long long>(opt.from),
              static_cast<unsigned long long>(failed), static_cast<unsigned long long>(events), wall);
  return failed == 0 ? 0 : 1;
}

}  // namespace wirestack::cli
