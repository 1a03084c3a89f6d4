// tools/wirestack/main.cpp — the `wirestack` command line. Each subcommand
// lives in its own file and registers itself here.
#include <CLI/CLI.hpp>
#include <iostream>

#include "decode.hpp"
#include "run.hpp"

int main(int argc, char** argv) {
  CLI::App app{"wirestack: a TCP/IP stack in user space, from the wire up"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "wirestack 0.1.0");

  wirestack::cli::DecodeOptions decode;
  wirestack::cli::add_decode_command(app, decode);
  wirestack::cli::RunOptions run;
  wirestack::cli::add_run_command(app, run);
  wirestack::cli::add_scenarios_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (app.got_subcommand("decode")) return wirestack::cli::run_decode(decode);
  if (app.got_subcommand("run")) return wirestack::cli::run_run(run);
  if (app.got_subcommand("scenarios")) return wirestack::cli::run_scenarios();
  return 0;
}
