// `wirestack run [TOPOLOGY.toml | SCENARIO]`: loads a topology (a file, or a
// built-in scenario from scenarios/), runs it in virtual time, narrates every
// frame on every link layer by layer, and ends with the applications'
// results, every node's counters and one pcap per link. The work is done by
// scenario::run (src/scenario/runner.hpp); this file is the command line.
#include "run.hpp"
#include "checks.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "report/html.hpp"
#include "report/recorder.hpp"
#include "scenario/builtin.hpp"
#include "scenario/runner.hpp"


namespace wirestack::cli {

void add_run_command(CLI::App& app, RunOptions& opt) {
  auto* cmd = app.add_subcommand("run", "run a simulated network (a TOML topology or a built-in scenario) in virtual time");
  cmd->add_option("scenario", opt.scenario, "TOPOLOGY.toml, or a built-in scenario (see `wirestack scenarios`)")
      ->capture_default_str();
  cmd->add_option("--out", opt.out, "directory for one pcap per link (in OUT/NAME/)")->capture_default_str();
  cmd->add_option("--seed", opt.seed, "random seed: same seed, same run, byte for byte (default: the file's, else 1)")
      ->check(checks::whole_number());
  // The bound of a topology file's times (src/scenario/README.md).
  cmd->add_option("--until", opt.until, "simulated seconds to run, at most 1e9 (default: the file's, else 10)")
      ->check(checks::seconds(1e9));
  cmd->add_flag("--quiet", opt.quiet, "summaries only, no per-frame narrative");
}

void add_scenarios_command(CLI::App& app) { app.add_subcommand("scenarios", "list the built-in scenarios"); }

int run_scenarios() {
  for (const auto& s : scenario::builtin_scenarios()) {
    auto topo = scenario::load_builtin(s.name);
    std::printf("%-9s %s\n", std::string(s.name).c_str(), topo ? topo->summary.c_str() : topo.error().c_str());
  }
  return 0;
}

namespace {

// The HTML report: records the run from the inside, writes the page when it ends.
class ReportWriter final : public scenario::RunObserver {
 public:
  ReportWriter(sim::World& w, std::string path, report::ReportOptions opt)
      : rec_(w), path_(std::move(path)), opt_(std::move(opt)) {}
  void on_frame(const sim::WorldLink& l, int side, Instant t, Bytes f) override { rec_.on_frame(l, side, t, f); }
  void on_end(scenario::Network&) override {
    rec_.stop();
    if (auto r = report::write_html(rec_, path_, opt_); !r) std::cerr << "wirestack run: " << r.error() << "\n";
  }

 private:
  report::Recorder rec_;
  std::string path_;
  report::ReportOptions opt_;
};

bool looks_like_file(const std::string& s) {
  return s.find('/') != std::string::npos || s.ends_with(".toml") || std::filesystem::exists(s);
}

}  // namespace

int run_run(const RunOptions& opt) {
  auto topo = looks_like_file(opt.scenario) ? scenario::load_topology_file(opt.scenario)
                                            : scenario::load_builtin(opt.scenario);
  if (!topo) {
    std::cerr << "wirestack run: " << topo.error() << "\n";
    return 2;
  }
  const std::string name =
      topo->name.empty() ? std::filesystem::path(opt.scenario).stem().string() : topo->name;
  scenario::RunConfig cfg;
  cfg.seed = opt.seed.value_or(topo->seed.value_or(1));
  cfg.until = opt.until.value_or(topo->until);
  cfg.capture_dir = opt.out + "/" + name;
  cfg.narrate = !opt.quiet;
  std::error_code ec;
  std::filesystem::remove_all(cfg.capture_dir, ec);
  cfg.observer = [&](sim::World& w) -> std::unique_ptr<scenario::RunObserver> {
    return std::make_unique<ReportWriter>(w, cfg.capture_dir + "/report.html",
                                          report::ReportOptions{.title = "wirestack run " + name, .seed = cfg.seed});
  };

  // Progress on a terminal: simulated time reached and events per second.
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  const auto wall_start = std::chrono::steady_clock::now();
  auto last_print = wall_start;
  if (tty) {
    cfg.progress = [&](Instant reached, std::uint64_t events) {
      const auto now = std::chrono::steady_clock::now();
      if (now - last_print < std::chrono::milliseconds{250}) return;
      last_print = now;
      const double wall = std::chrono::duration<double>(now - wall_start).count();
      std::fprintf(stderr, "\r  simulated %.2f s of %.2f s, %llu events, %.2f M events/s   ",
                   to_seconds(reached.time_since_epoch()), cfg.until, static_cast<unsigned long long>(events),
                   wall > 0 ? static_cast<double>(events) / wall / 1e6 : 0.0);
    };
  }
  auto r = scenario::run(*topo, cfg, std::cout);
  if (tty && std::chrono::steady_clock::now() - wall_start >= std::chrono::milliseconds{250}) {
    std::fprintf(stderr, "\r%78s\r", "");
  }
  if (!r) {
    std::cerr << "wirestack run: " << r.error().message << "\n";
    // A mistake in the file is a usage error (2), like one the loader finds;
    // captures that cannot be written are a failed run (1).
    if (r.error().kind == scenario::RunError::Kind::output) return 1;
    std::filesystem::remove_all(cfg.capture_dir, ec);  // nothing half-made is left
    return 2;
  }
  std::cout << "report (open in a browser): " << cfg.capture_dir << "/report.html\n";
  return r->passed ? 0 : 1;
}

}  // namespace wirestack::cli
