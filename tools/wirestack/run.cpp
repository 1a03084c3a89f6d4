// `wirestack run [TOPOLOGY.toml | SCENARIO]`: loads a topology (a file, or a
// built-in scenario from scenarios/), runs it in virtual time, narrates every
// frame on every link layer by layer, and ends with the applications'
// results, every node's counters and one pcap per link. The work is done by
// scenario::run (src/scenario/runner.hpp); this file is the command line.
#include "run.hpp"
#include "checks.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <vector>
#include <unistd.h>

#include "report/html.hpp"
#include "report/recorder.hpp"
#include "scenario/builtin.hpp"
#include "scenario/progress.hpp"
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
  cmd->add_flag("--quiet", opt.quiet, "summaries only: no per-frame narrative, no progress lines");
  cmd->add_option("--host", opt.hosts,
                  "narrate only the frames on this node's links or from/to its IPv4 addresses (NAME[,NAME...])")
      ->delimiter(',');
  cmd->add_option("--link", opt.links, "narrate only the frames on this link (names as the counters print them, or the file's)")
      ->delimiter(',');
  std::string protos;
  for (const auto& p : scenario::narrative_protocols()) protos += (protos.empty() ? "" : ", ") + p;
  cmd->add_option("--proto", opt.protos, "narrate only these protocols: " + protos)
      ->delimiter(',')
      ->check(CLI::IsMember(scenario::narrative_protocols()));
  cmd->add_option("--capture", opt.capture,
                  "which links get a pcap: all, none, LINK[,LINK...] (names as in the counters, e.g. a-eth0--sw1-port0), "
                  "or auto: all when there are at most " + std::to_string(kAutoCaptureLinks) + " links, else none")
      ->capture_default_str();
  cmd->add_option("--snaplen", opt.snaplen, "bytes kept of each frame in the pcaps (the record keeps the full length)")
      ->check(CLI::Range(1, 262144))
      ->capture_default_str();
  cmd->add_option("--capture-limit", opt.capture_limit,
                  "bytes the pcaps may take in all; reaching it stops every capture with one warning (0: no limit)")
      ->check(checks::whole_number())
      ->capture_default_str();
  cmd->add_option("--progress-every", opt.progress_every,
                  "wall seconds between progress lines on stderr (0: after every step of simulated time)")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
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
  void on_end(scenario::Network& net, const scenario::DelayCauses& causes) override {
    rec_.stop();
    // The applications' results, which the report cannot see for itself.
    report::RunOutcome outcome;
    for (auto& o : net.outcomes()) outcome.apps.push_back({std::move(o.label), std::move(o.text), o.passed});
    for (auto& c : net.client_runs()) {
      report::ClientGroup g{std::move(c.label), std::move(c.host), c.server, c.passed, {}};
      g.requests.reserve(c.requests.size());
      for (const auto& r : c.requests) g.requests.push_back({r.start, r.latency});
      outcome.clients.push_back(std::move(g));
    }
    if (net.has_request_clients()) {
      std::ostringstream os;
      os << causes;
      outcome.delay_causes = os.str();
    }
    opt_.outcome = std::move(outcome);
    if (auto r = report::write_html(rec_, path_, opt_); !r) std::cerr << "wirestack run: " << r.error() << "\n";
  }

 private:
  report::Recorder rec_;
  std::string path_;
  report::ReportOptions opt_;
};

// --capture's links: empty for every link; nullopt for none.
std::optional<std::vector<std::string>> capture_links(const std::string& spec, std::size_t links) {
  if (spec == "none" || (spec == "auto" && links > kAutoCaptureLinks)) return std::nullopt;
  if (spec == "all" || spec == "auto") return std::vector<std::string>{};
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t comma = std::min(spec.find(',', start), spec.size());
    if (comma > start) names.push_back(spec.substr(start, comma - start));
    start = comma + 1;
  }
  return names;
}

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
  const std::string dir = opt.out + "/" + name;  // pcaps and the report
  cfg.narrate = !opt.quiet;
  cfg.filter = {.hosts = opt.hosts, .links = opt.links, .protos = opt.protos};
  const auto links = capture_links(opt.capture, topo->links.size());
  if (!links && opt.capture == "auto") {
    std::cerr << "wirestack run: " << topo->links.size() << " links, more than " << kAutoCaptureLinks
              << ": no pcaps (--capture all, or --capture LINK,LINK... to write them)\n";
  }
  if (links) {
    cfg.capture_dir = dir;
    cfg.capture.links = *links;
  }
  cfg.capture.snaplen = opt.snaplen;
  cfg.capture.limit_bytes = opt.capture_limit;
  cfg.capture.on_limit = [](std::uint64_t limit) {
    std::cerr << "wirestack run: warning: the pcaps reached the limit of " << limit
              << " bytes (--capture-limit); every capture stops here, the run goes on\n";
  };
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::cerr << "wirestack run: cannot create '" << dir << "': " << ec.message() << "\n";
    return 1;
  }
  cfg.observer = [&](sim::World& w) -> std::unique_ptr<scenario::RunObserver> {
    return std::make_unique<ReportWriter>(w, dir + "/report.html",
                                          report::ReportOptions{.title = "wirestack run " + name, .seed = cfg.seed});
  };

  // Progress on stderr (a line rewritten in place on a terminal, else a line
  // each) every few wall seconds. The wall clock is read here only: nothing
  // of it reaches the run or its outputs.
  const auto wall_start = std::chrono::steady_clock::now();
  scenario::ProgressMeter meter({.until = cfg.until, .every = opt.progress_every, .terminal = ::isatty(STDERR_FILENO) == 1});
  if (!opt.quiet) {
    cfg.progress = [&](const scenario::RunProgress& p) {
      const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
      if (auto line = meter.update(p, wall)) std::fputs(line->c_str(), stderr);
    };
  }
  auto r = scenario::run(*topo, cfg, std::cout);
  std::fputs(meter.finish().c_str(), stderr);
  if (!r) {
    std::cerr << "wirestack run: " << r.error().message << "\n";
    // A mistake in the file is a usage error (2), like one the loader finds;
    // captures that cannot be written are a failed run (1).
    if (r.error().kind == scenario::RunError::Kind::output) return 1;
    std::filesystem::remove_all(dir, ec);  // nothing half-made is left
    return 2;
  }
  std::cout << "report (open in a browser): " << dir << "/report.html\n";
  return r->passed ? 0 : 1;
}

}  // namespace wirestack::cli
