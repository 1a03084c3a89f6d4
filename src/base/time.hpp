// base/time.hpp — Instant and Duration for the stack.
//
// StackClock has no now(): protocol code cannot read time, it is *given* an
// Instant by whoever drives it (the simulator's virtual clock or the real-time
// event loop). That rule is what makes simulated runs reproducible and every
// timer testable. Resolution is one nanosecond; an int64 covers 292 years.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <ratio>

namespace wirestack {

struct StackClock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::duration<rep, period>;
  using time_point = std::chrono::time_point<StackClock>;
  static constexpr bool is_steady = true;
};

using Duration = StackClock::duration;
using Instant = StackClock::time_point;

// Instant from a count since the clock's origin, e.g. at(std::chrono::milliseconds{5}).
constexpr Instant at(Duration since_origin) { return Instant{since_origin}; }

constexpr std::int64_t to_nanos(Instant t) { return t.time_since_epoch().count(); }
constexpr double to_seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// "59.000s": milliseconds, for logs and tables (no <format> in g++ 12, and
// no stream flags touched).
inline void print_seconds(std::ostream& os, Duration d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms < 0) {
    os << '-';
    ms = -ms;
  }
  const auto frac = ms % 1000;
  os << ms / 1000 << '.' << (frac < 100 ? "0" : "") << (frac < 10 ? "0" : "") << frac << 's';
}

}  // namespace wirestack
