// scenario/progress.hpp — the progress line of a long run: simulated time
// reached, events per wall second, frames, every few seconds of wall time.
//
// The meter is handed the wall time, it reads no clock: the caller (the
// command line) owns the only non-deterministic input, and nothing the
// meter does reaches the simulation or its outputs.
//
//   ProgressMeter meter({.until = 10, .every = 2.0, .terminal = false});
//   if (auto line = meter.update(progress, wall_seconds)) std::fputs(line->c_str(), stderr);
#pragma once

#include <optional>
#include <string>

#include "scenario/runner.hpp"

namespace wirestack::scenario {

struct ProgressOptions {
  double until = 10;      // simulated seconds the run goes to
  double every = 2.0;     // wall seconds between lines; 0: every update
  bool terminal = false;  // one line rewritten in place ("\r"), else one line each
};

class ProgressMeter {
 public:
  explicit ProgressMeter(ProgressOptions options) : options_(options) {}

  // The text to print now (with its "\r" or "\n"), or nothing if the last
  // line is less than `every` wall seconds old. Events per second are over
  // the wall time since the previous line.
  std::optional<std::string> update(const RunProgress& p, double wall_seconds);
  // What ends the output: on a terminal, blanks the line if one was drawn.
  std::string finish() const;

 private:
  ProgressOptions options_;
  bool printed_ = false;
  double last_wall_ = 0;
  std::uint64_t last_events_ = 0;
};

}  // namespace wirestack::scenario
