// tools/wirestack/fuzz_sim.hpp — `wirestack fuzz-sim`: the seed explorer
// (scenario/explore.hpp) on the command line.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>

namespace wirestack::cli {

struct FuzzSimOptions {
  std::uint64_t seeds = 100;
  std::uint64_t from = 1;
  bool narrate = false;  // the frame-by-frame narrative of each run
  bool print = false;    // print each seed's topology file instead of running it
  bool verbose = false;  // a line per seed, passed or not
};

void add_fuzz_sim_command(CLI::App& app, FuzzSimOptions& opt);
int run_fuzz_sim(const FuzzSimOptions& opt);

}  // namespace wirestack::cli
