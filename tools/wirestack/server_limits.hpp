// tools/wirestack/server_limits.hpp — the options that set the servers'
// app::Limits (timeouts, connection caps, size bounds), shared by
// `wirestack tap` and `wirestack serve`, and the summary lines that say what
// the limits shed.
//
//   LimitOptions lim;
//   add_limit_options(cmd, lim);               // --request-timeout, --max-per-address, ...
//   app::HttpServerConfig cfg{.stream = {.limits = lim.limits()}};
//   print_server_summary(std::cout, "http", web.connections());
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string_view>

#include "app/stream_server.hpp"

namespace wirestack::cli {

struct LimitOptions {
  // Seconds for the timeouts (0: none), counts and bytes for the rest;
  // app::Limits{}'s defaults.
  double request_timeout = to_seconds(app::Limits{}.request_timeout);
  double idle_timeout = to_seconds(app::Limits{}.idle_timeout);
  double send_timeout = to_seconds(app::Limits{}.send_timeout);
  std::size_t max_connections = app::Limits{}.max_connections;
  std::size_t max_per_address = app::Limits{}.max_per_address;
  std::size_t max_header_bytes = app::Limits{}.max_header_bytes;
  std::size_t max_body_bytes = app::Limits{}.max_body_bytes;
  std::size_t max_output_bytes = app::Limits{}.max_output_bytes;
  app::Limits limits() const;
};
void add_limit_options(CLI::App* cmd, LimitOptions& opt);

// "NAME_connections accepted A active N peak_active P resets R" and
// "NAME_shed request_timeouts T idle_timeouts I ...": the "layer name value"
// form of the stack's counters, so that scripts read both the same way.
void print_server_summary(std::ostream& os, std::string_view name, const app::StreamServerStats& s);

}  // namespace wirestack::cli
