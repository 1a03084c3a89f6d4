// loop/real_clock.hpp — the one place real time enters the stack.
//
// RealClock reads std::chrono::steady_clock (monotonic: never jumps with the
// wall clock) and gives an Instant counted from the clock's construction, so a
// run starts at Instant{} exactly as a simulated one does and captures are
// stamped with the time since start. Protocol code never sees this class: the
// event loop reads it and passes the Instant down (docs/ARCHITECTURE.md).
//
//   loop::RealClock clock;
//   stack.poll(clock.now());
#pragma once

#include <chrono>

#include "base/time.hpp"

namespace wirestack::loop {

class RealClock {
 public:
  RealClock() : origin_(std::chrono::steady_clock::now()) {}
  Instant now() const {
    return Instant{std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - origin_)};
  }

 private:
  std::chrono::steady_clock::time_point origin_;
};

}  // namespace wirestack::loop
