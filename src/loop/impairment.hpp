// loop/impairment.hpp — a bad wire between the TAP device and the stack, for
// machines whose kernel has no netem qdisc: loss, delay with jitter,
// reordering and duplication applied to real frames, one direction each.
//
// The model follows netem's (tc-netem(8), netem_enqueue()), so that a test
// written for netem reads the same with it:
//   1. duplicate: with this probability the frame is sent twice (counted
//      `duplicated`).
//   2. loss: with this probability the frame is dropped (`dropped_loss`);
//      when it was to be duplicated, the loss only cancels the extra copy,
//      and the copy then draws its own loss, as netem's clone does on its way
//      through the queue again. Each copy meets the delay on its own.
//   3. limit: at most this many frames wait; one more is dropped
//      (`dropped_limit`), as netem's queue limit.
//   4. delay: every frame waits `delay` plus a uniform draw in
//      [-jitter, +jitter] (never below zero), except that with probability
//      `reorder` a frame goes at once (`reordered`): it overtakes the delayed
//      ones, as netem's `reorder` does. Frames due at the same instant leave
//      in the order they came.
//
// Sans-IO like the stack: the owner passes time in and takes frames out.
//
//   auto spec = ImpairmentSpec::parse("loss=5%,delay=10ms,reorder=25%,duplicate=1%");
//   Impairment wire(*spec, Rng(seed));
//   wire.push(frame, now);                          // a frame enters the wire
//   wire.release(now, [&](Bytes f) { deliver(f); });  // what is due leaves
//   next_deadline = wire.next_release();            // when to look again
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"

namespace wirestack::loop {

struct ImpairmentSpec {
  double loss = 0;       // probability in [0, 1]
  double duplicate = 0;  // probability in [0, 1]
  double reorder = 0;    // probability in [0, 1] that a frame skips the delay
  Duration delay{};
  Duration jitter{};
  std::size_t limit = 1000;  // frames waiting at most (netem's default)

  // True when the spec changes anything.
  bool active() const;
  // "loss=5%,delay=10ms,..." with only the items that are set.
  std::string to_string() const;

  // Comma-separated KEY=VALUE items: loss, duplicate and reorder take a
  // percentage ("5%", "0.5%") in 0..100; delay and jitter a duration with a
  // unit ("10ms", "250us", "1s"); limit a frame count >= 1. An error names
  // the item and says what was expected.
  static Result<ImpairmentSpec, std::string> parse(std::string_view text);
};

struct ImpairmentCounters {
  std::uint64_t frames = 0;  // pushed
  std::uint64_t duplicated = 0;
  std::uint64_t dropped_loss = 0;
  std::uint64_t dropped_limit = 0;
  std::uint64_t reordered = 0;  // sent without the delay
  std::uint64_t released = 0;   // delivered, copies included
};

class Impairment {
 public:
  Impairment(ImpairmentSpec spec, Rng rng) : spec_(spec), rng_(rng) {}

  // A frame enters the wire at `now` (copied).
  void push(Bytes frame, Instant now);
  // Calls `deliver` for every frame due at `now`, in the order they are due.
  void release(Instant now, const std::function<void(Bytes)>& deliver);
  // When the next waiting frame is due; nullopt when none waits.
  std::optional<Instant> next_release() const;
  std::size_t waiting() const { return queue_.size(); }

  const ImpairmentSpec& spec() const { return spec_; }
  const ImpairmentCounters& counters() const { return counters_; }

 private:
  struct Waiting {
    Instant due;
    std::uint64_t order;  // arrival order: ties leave first-in first-out
    std::vector<std::byte> frame;
  };
  struct Later {
    bool operator()(const Waiting& a, const Waiting& b) const {
      return a.due != b.due ? a.due > b.due : a.order > b.order;
    }
  };
  void enqueue(Bytes frame, Instant now);

  ImpairmentSpec spec_;
  Rng rng_;
  std::vector<Waiting> queue_;  // a min-heap on (due, order) through Later
  std::uint64_t next_order_ = 0;
  ImpairmentCounters counters_;
};

}  // namespace wirestack::loop
