// tools/wirestack/decode.hpp — the `decode` subcommand.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace wirestack::cli {

struct DecodeOptions {
  std::string file;
  bool hex = false;
  bool quiet = false;
  std::optional<std::size_t> count;
};

void add_decode_command(CLI::App& app, DecodeOptions& opt);
int run_decode(const DecodeOptions& opt);

}  // namespace wirestack::cli
