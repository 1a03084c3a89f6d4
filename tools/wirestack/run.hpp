// tools/wirestack/run.hpp — the `run` subcommand: a simulated network from a
// TOML topology file or a built-in scenario (scenario/), and `scenarios`.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace wirestack::cli {

struct RunOptions {
  std::string scenario = "campus";   // a built-in name or a .toml file
  std::string out = "out";
  std::optional<std::uint64_t> seed;  // default: the file's [scenario] seed, else 1
  std::optional<double> until;        // simulated seconds; default: the file's, else 10
  bool quiet = false;
  // Narrate only these (see scenario::NarrativeFilter); names separated by commas or repeated options.
  std::vector<std::string> hosts;
  std::vector<std::string> links;
  std::vector<std::string> protos;
  // "auto" (every link if there are at most kAutoCaptureLinks, else none),
  // "all", "none", or link names separated by commas.
  std::string capture = "auto";
  std::uint32_t snaplen = 262144;
  std::uint64_t capture_limit = std::uint64_t{1} << 30;  // bytes in all; 0: no limit
  double progress_every = 2.0;                            // wall seconds between progress lines
};

// Above this many links, `--capture auto` writes no pcap unless asked.
inline constexpr std::size_t kAutoCaptureLinks = 64;

void add_run_command(CLI::App& app, RunOptions& opt);
void add_scenarios_command(CLI::App& app);
int run_run(const RunOptions& opt);
int run_scenarios();

}  // namespace wirestack::cli
