// tools/wirestack/serve.hpp — `wirestack serve`: the servers on kernel sockets.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "server_limits.hpp"

namespace wirestack::cli {

struct ServeOptions {
  std::optional<std::string> http;
  std::optional<int> json;
  std::optional<int> tcp_echo;
  std::optional<double> seconds;
  std::optional<std::string> congestion;  // the kernel's TCP_CONGESTION for our sockets
  LimitOptions limits;                    // of every server
};
CLI::App* add_serve_command(CLI::App& app, ServeOptions& opt);
int run_serve(const ServeOptions& opt);

}  // namespace wirestack::cli
