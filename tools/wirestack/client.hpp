// tools/wirestack/client.hpp — `wirestack get` (HTTP) and `wirestack call`
// (JSON-RPC) over the stack on a TAP device.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "tap.hpp"

namespace wirestack::cli {

struct GetOptions {
  StackOptions stack;
  std::string url;
  double timeout = 30;
};
CLI::App* add_get_command(CLI::App& app, GetOptions& opt);
int run_get(const GetOptions& opt);

struct CallOptions {
  StackOptions stack;
  std::string host;
  int port = 0;
  std::string method;
  std::optional<std::string> params;
  double timeout = 30;
};
CLI::App* add_call_command(CLI::App& app, CallOptions& opt);
int run_call(const CallOptions& opt);

}  // namespace wirestack::cli
