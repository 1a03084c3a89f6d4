// scenario/builtin_lookup.cpp — finding and loading the embedded scenarios.
#include "scenario/builtin.hpp"

namespace wirestack::scenario {

const BuiltinScenario* find_builtin(std::string_view name) {
  for (const auto& s : builtin_scenarios()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Result<Topology, std::string> load_builtin(std::string_view name) {
  const BuiltinScenario* s = find_builtin(name);
  if (s == nullptr) return Unexpected{"no scenario named '" + std::string(name) + "'; `wirestack scenarios` lists them"};
  return load_topology(s->toml, std::string(name) + ".toml");
}

}  // namespace wirestack::scenario
