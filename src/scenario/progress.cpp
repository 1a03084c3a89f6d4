// scenario/progress.cpp — the progress line of a long run.
#include "scenario/progress.hpp"

#include <cstdio>

namespace wirestack::scenario {

std::optional<std::string> ProgressMeter::update(const RunProgress& p, double wall_seconds) {
  const double since = wall_seconds - last_wall_;
  if (since < options_.every) return std::nullopt;
  const double rate = since > 0 ? static_cast<double>(p.events - last_events_) / since : 0.0;
  last_wall_ = wall_seconds;
  last_events_ = p.events;
  printed_ = true;
  char line[160];
  std::snprintf(line, sizeof line, "%sprogress: simulated %.2f s of %.2f s, %.2f M events/s, %llu events, %llu frames%s",
                options_.terminal ? "\r" : "", to_seconds(p.reached.time_since_epoch()), options_.until, rate / 1e6,
                static_cast<unsigned long long>(p.events), static_cast<unsigned long long>(p.frames),
                options_.terminal ? "   " : "\n");
  return std::string(line);
}

std::string ProgressMeter::finish() const {
  if (!options_.terminal || !printed_) return {};
  return "\r" + std::string(90, ' ') + "\r";
}

}  // namespace wirestack::scenario
