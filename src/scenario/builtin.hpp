// scenario/builtin.hpp — the scenarios `wirestack run NAME` knows without a
// file: the texts of scenarios/*.toml, embedded at build time (the build
// runs tools/embed_scenarios.cmake whenever a scenario file changes; a test
// checks the texts equal the files).
//
//   for (const auto& s : builtin_scenarios()) ...      // s.name, s.toml
//   auto topo = load_builtin("campus");                 // "campus.toml" in messages
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "scenario/topology.hpp"

namespace wirestack::scenario {

struct BuiltinScenario {
  std::string_view name;
  std::string_view toml;
};

// In `wirestack scenarios` order; the first is the default.
const std::vector<BuiltinScenario>& builtin_scenarios();
const BuiltinScenario* find_builtin(std::string_view name);
// Loads a built-in scenario; its messages name "NAME.toml".
Result<Topology, std::string> load_builtin(std::string_view name);

}  // namespace wirestack::scenario
