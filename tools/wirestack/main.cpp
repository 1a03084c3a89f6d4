// tools/wirestack/main.cpp — the `wirestack` command line. Each subcommand
// lives in its own file and registers itself here.
#include <CLI/CLI.hpp>
#include <iostream>

#include "bench_cmd.hpp"
#include "client.hpp"
#include "decode.hpp"
#include "fuzz_sim.hpp"
#include "ping.hpp"
#include "run.hpp"
#include "serve.hpp"
#include "tap.hpp"

int main(int argc, char** argv) {
  CLI::App app{"wirestack: a TCP/IP stack in user space, from the wire up"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "wirestack 0.1.0");

  wirestack::cli::DecodeOptions decode;
  wirestack::cli::add_decode_command(app, decode);
  wirestack::cli::RunOptions run;
  wirestack::cli::add_run_command(app, run);
  wirestack::cli::add_scenarios_command(app);
  wirestack::cli::FuzzSimOptions fuzz_sim;
  wirestack::cli::add_fuzz_sim_command(app, fuzz_sim);
  wirestack::cli::TapOptions tap;
  CLI::App* tap_cmd = wirestack::cli::add_tap_command(app, tap);
  wirestack::cli::PingOptions ping;
  CLI::App* ping_cmd = wirestack::cli::add_ping_command(app, ping);
  wirestack::cli::BenchOptions bench;
  wirestack::cli::add_bench_command(app, bench);
  wirestack::cli::NcOptions nc;
  CLI::App* nc_cmd = wirestack::cli::add_nc_command(app, nc);
  wirestack::cli::ServeOptions serve;
  CLI::App* serve_cmd = wirestack::cli::add_serve_command(app, serve);
  wirestack::cli::GetOptions get;
  CLI::App* get_cmd = wirestack::cli::add_get_command(app, get);
  wirestack::cli::CallOptions call;
  CLI::App* call_cmd = wirestack::cli::add_call_command(app, call);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // The real-wire commands promise one line for a wrong option.
    for (CLI::App* cmd : {tap_cmd, ping_cmd, nc_cmd, get_cmd, call_cmd, serve_cmd}) {
      if (e.get_exit_code() != 0 && cmd->parsed()) {
        std::cerr << "wirestack " << cmd->get_name() << ": " << e.what() << "\n";
        return e.get_exit_code();
      }
    }
    return app.exit(e);
  }
  if (app.got_subcommand("decode")) return wirestack::cli::run_decode(decode);
  if (app.got_subcommand("run")) return wirestack::cli::run_run(run);
  if (app.got_subcommand("scenarios")) return wirestack::cli::run_scenarios();
  if (app.got_subcommand("fuzz-sim")) return wirestack::cli::run_fuzz_sim(fuzz_sim);
  if (app.got_subcommand("tap")) return wirestack::cli::run_tap(tap);
  if (app.got_subcommand("ping")) return wirestack::cli::run_ping(ping);
  if (app.got_subcommand("nc")) return wirestack::cli::run_nc(nc);
  if (app.got_subcommand("get")) return wirestack::cli::run_get(get);
  if (app.got_subcommand("serve")) return wirestack::cli::run_serve(serve);
  if (app.got_subcommand("call")) return wirestack::cli::run_call(call);
  if (app.got_subcommand("bench")) return wirestack::cli::run_bench(bench);
  return 0;
}
