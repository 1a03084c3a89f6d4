// tools/wirestack/bench_cmd.hpp — `wirestack bench tcp-bulk | tcp-connect |
// tcp-idle`: whole-process benchmarks of the TCP stack, two stacks in one
// process joined by a simulated lossless cable, timed with the wall clock
// (the tool is not sans-IO; the stack still only sees virtual time). Each
// prints its figures as readable lines and, last, one line of JSON.
//
//   wirestack bench tcp-bulk --bytes 1073741824 --mtu 1500
//   wirestack bench tcp-connect --count 100000
//   wirestack bench tcp-idle --connections 100000
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>

namespace wirestack::cli {

struct BenchOptions {
  std::uint64_t bytes = 1ULL << 30;     // tcp-bulk
  std::uint16_t mtu = 1500;             // tcp-bulk
  std::uint32_t buffer = 1U << 20;      // tcp-bulk: send and receive buffer of each side
  std::uint64_t count = 100'000;        // tcp-connect: cycles
  std::uint32_t parallel = 64;          // tcp-connect: cycles in flight at once
  std::uint64_t connections = 100'000;  // tcp-idle
  CLI::App* bulk = nullptr;
  CLI::App* connect = nullptr;
  CLI::App* idle = nullptr;
};

void add_bench_command(CLI::App& app, BenchOptions& opt);
int run_bench(const BenchOptions& opt);

}  // namespace wirestack::cli
