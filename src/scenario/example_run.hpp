// scenario/example_run.hpp — test-only: an example topology file under
// examples/ read, loaded and run narrated (seed 1, to the file's `until`),
// for the scenario tests of the protocols each example shows.
#pragma once

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "scenario/runner.hpp"

namespace wirestack::scenario::testing {

// The text of examples/FILE.
inline std::string read_example(const std::string& file) {
  std::ifstream in(std::string(WIRESTACK_SOURCE_DIR) + "/examples/" + file, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

struct NarratedRun {
  std::optional<RunResult> result;  // nullopt: it did not load or run (`error` says why)
  std::string error;
  std::string text;  // what the run printed
};

// Loads `toml` (named `file` in errors) and runs it narrated.
inline NarratedRun run_narrated(const std::string& toml, const std::string& file) {
  NarratedRun out;
  auto t = load_topology(toml, file);
  if (!t) {
    out.error = t.error();
    return out;
  }
  std::ostringstream os;
  auto r = run(*t, RunConfig{.seed = 1, .until = t->until, .narrate = true}, os);
  out.text = os.str();
  if (!r) {
    out.error = r.error().message;
    return out;
  }
  out.result = std::move(*r);
  return out;
}

}  // namespace wirestack::scenario::testing
