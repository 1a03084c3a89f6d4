// tools/wirestack/ping.hpp — `wirestack ping`: ping(8) from the stack on a
// TAP device. Exit status 0 when replies came, 1 otherwise.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "tap.hpp"

namespace wirestack::cli {

struct PingOptions {
  StackOptions stack;
  std::string dest;
  int count = 0;  // 0: until ^C
  double interval = 1.0;
  double linger = 4.0;  // > the ~3 s ARP takes to give up
  int size = 56;
};

CLI::App* add_ping_command(CLI::App& app, PingOptions& opt);
int run_ping(const PingOptions& opt);

}  // namespace wirestack::cli
