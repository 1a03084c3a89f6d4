// tools/wirestack/main.cpp — the `wirestack` command line. Each subcommand
// lives in its own file and registers itself here.
#include <CLI/CLI.hpp>
#include <iostream>

#include "decode.hpp"

int main(int argc, char** argv) {
  CLI::App app{"wirestack: a TCP/IP stack in user space, from the wire up"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "wirestack 0.1.0");

  wirestack::cli::DecodeOptions decode;
  wirestack::cli::add_decode_command(app, decode);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (app.got_subcommand("decode")) return wirestack::cli::run_decode(decode);
  return 0;
}
