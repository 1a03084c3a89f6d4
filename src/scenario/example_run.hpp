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

// The loader's error for a topology text (as file t.toml), or "(loaded)".
inline std::string error_of(const std::string& text) {
  auto t = load_topology(text, "t.toml");
  return t ? "(loaded)" : t.error();
}

// Hosts a (10.0.0.1/24) and b (10.0.0.2/24) on switch sw: a base for
// topologies that add an application and check what the loader says.
inline const std::string kTwoHosts = R"([[host]]
name = "a"
[[host]]
name = "b"
[[switch]]
name = "sw"
[[link]]
from = "a"
from_address = "10.0.0.1/24"
to = "sw"
[[link]]
from = "b"
from_address = "10.0.0.2/24"
to = "sw"
)";

}  // namespace wirestack::scenario::testing
