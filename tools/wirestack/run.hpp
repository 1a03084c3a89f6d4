// tools/wirestack/run.hpp — the `run` subcommand: a simulated network.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace wirestack::cli {

struct RunOptions {
  std::string scenario = "campus";
  std::string out = "out";
  std::uint64_t seed = 1;
  double until = 10.0;  // simulated seconds
  bool quiet = false;
};

void add_run_command(CLI::App& app, RunOptions& opt);
void add_scenarios_command(CLI::App& app);
int run_run(const RunOptions& opt);
int run_scenarios();

}  // namespace wirestack::cli
