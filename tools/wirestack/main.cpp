// tools/wirestack/main.cpp — the `wirestack` command line. Each subcommand
// lives in its own file and registers itself here.
//
// Exit status: 0 success; 1 the work failed (a run that did not meet its
// file's expectations, a refused connection, malformed frames in `decode`);
// 2 a usage or configuration mistake (unknown command, bad option, a topology
// file that does not build, a file or device named that does not exist),
// found before any work is done.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

#include "bench_cmd.hpp"
#include "client.hpp"
#include "decode.hpp"
#include "dns_cmd.hpp"
#include "ftp_cmd.hpp"
#include "fuzz_sim.hpp"
#include "ping.hpp"
#include "run.hpp"
#include "serve.hpp"
#include "tap.hpp"
#include "version.hpp"

namespace {

constexpr int kUsageError = 2;

// "run, scenarios, ...": the commands, in the order they were registered.
std::string command_list(CLI::App& app) {
  std::string out;
  for (const CLI::App* cmd : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (!out.empty()) out += ", ";
    out += cmd->get_name();
  }
  return out;
}

// The first argument names the command; CLI11 alone would only say "A
// subcommand is required". Returns false (after one line on stderr) when it
// names none.
bool check_command(CLI::App& app, int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "wirestack: a command is needed: " << command_list(app) << " (wirestack --help)\n";
    return false;
  }
  const std::string first = argv[1];
  if (first == "-h" || first == "--help" || first == "--version") return true;
  if (first.starts_with("-")) {
    std::cerr << "wirestack: unknown option '" << first << "'; a command comes first: " << command_list(app)
              << " (wirestack --help)\n";
    return false;
  }
  for (const CLI::App* cmd : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (cmd->check_name(first)) return true;
  }
  std::cerr << "wirestack: unknown command '" << first << "'; the commands are: " << command_list(app)
            << " (wirestack --help)\n";
  return false;
}

// A big simulation touches its memory all over: a million clients make a
// 1.2 GB heap whose live objects (the connections in flight, the server's
// TIME-WAIT ones, the events, the tables) are spread over all of it, and
// with 4 KiB pages nearly every cache miss is a TLB miss too. glibc's malloc
// backs its heap with transparent huge pages when its glibc.malloc.hugetlb
// tunable says so, which it reads only from the environment at startup: so
// `run` executes itself again once with it set (a million clients: about
// 10 % less CPU; same output, only the memory's pages differ).
// WIRESTACK_NO_HUGE_PAGES=1 keeps the ordinary pages. Nothing happens when
// the tunable is set already, or when the exec fails.
void use_huge_pages(int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) != "run" || std::getenv("WIRESTACK_NO_HUGE_PAGES") != nullptr) return;
  const char* set = std::getenv("GLIBC_TUNABLES");
  std::string tunables = set != nullptr ? set : "";
  if (tunables.find("glibc.malloc.hugetlb") != std::string::npos) return;
  tunables += (tunables.empty() ? "" : ":") + std::string("glibc.malloc.hugetlb=1");
  if (::setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
}

}  // namespace

int main(int argc, char** argv) {
  use_huge_pages(argc, argv);
  CLI::App app{"wirestack: a TCP/IP stack in user space, from the wire up"};
  app.require_subcommand(1);
  app.set_version_flag("--version", wirestack::cli::version_text());

  wirestack::cli::DecodeOptions decode;
  wirestack::cli::add_decode_command(app, decode);
  wirestack::cli::RunOptions run;
  wirestack::cli::add_run_command(app, run);
  wirestack::cli::add_scenarios_command(app);
  wirestack::cli::FuzzSimOptions fuzz_sim;
  wirestack::cli::add_fuzz_sim_command(app, fuzz_sim);
  wirestack::cli::TapOptions tap;
  wirestack::cli::add_tap_command(app, tap);
  wirestack::cli::PingOptions ping;
  wirestack::cli::add_ping_command(app, ping);
  wirestack::cli::ResolveOptions resolve;
  wirestack::cli::add_resolve_command(app, resolve);
  wirestack::cli::FtpOptions ftp;
  wirestack::cli::add_ftp_command(app, ftp);
  wirestack::cli::BenchOptions bench;
  wirestack::cli::add_bench_command(app, bench);
  wirestack::cli::NcOptions nc;
  wirestack::cli::add_nc_command(app, nc);
  wirestack::cli::ServeOptions serve;
  wirestack::cli::add_serve_command(app, serve);
  wirestack::cli::GetOptions get;
  wirestack::cli::add_get_command(app, get);
  wirestack::cli::CallOptions call;
  wirestack::cli::add_call_command(app, call);

  if (!check_command(app, argc, argv)) return kUsageError;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version end here too, with status 0.
    if (e.get_exit_code() == 0) return app.exit(e);
    // A wrong option: one line naming the command, status 2.
    for (const CLI::App* cmd : app.get_subcommands([](const CLI::App*) { return true; })) {
      if (cmd->parsed()) {
        std::cerr << "wirestack " << cmd->get_name() << ": " << e.what() << "\n";
        return kUsageError;
      }
    }
    std::cerr << "wirestack: " << e.what() << "\n";
    return kUsageError;
  }
  if (app.got_subcommand("decode")) return wirestack::cli::run_decode(decode);
  if (app.got_subcommand("run")) return wirestack::cli::run_run(run);
  if (app.got_subcommand("scenarios")) return wirestack::cli::run_scenarios();
  if (app.got_subcommand("fuzz-sim")) return wirestack::cli::run_fuzz_sim(fuzz_sim);
  if (app.got_subcommand("tap")) return wirestack::cli::run_tap(tap);
  if (app.got_subcommand("ping")) return wirestack::cli::run_ping(ping);
  if (app.got_subcommand("resolve")) return wirestack::cli::run_resolve(resolve);
  if (app.got_subcommand("ftp")) return wirestack::cli::run_ftp(ftp);
  if (app.got_subcommand("nc")) return wirestack::cli::run_nc(nc);
  if (app.got_subcommand("get")) return wirestack::cli::run_get(get);
  if (app.got_subcommand("serve")) return wirestack::cli::run_serve(serve);
  if (app.got_subcommand("call")) return wirestack::cli::run_call(call);
  if (app.got_subcommand("bench")) return wirestack::cli::run_bench(bench);
  return 0;
}
