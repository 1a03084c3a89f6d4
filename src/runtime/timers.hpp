// runtime/timers.hpp — an application's timers on a host that has no event
// queue of its own (the TAP and kernel-socket hosts; the simulator uses its
// EventQueue): callbacks due at an Instant, cancellable by id, run in (time,
// order of scheduling) order. Sans-IO: the driver asks next() for its sleep
// and calls run_due(now) when it wakes.
//
//   TimerQueue timers;
//   auto id = timers.add(now + 100ms, [&] { retry(); });
//   timers.cancel(id);                 // a no-op once it ran
//   sleep_until(timers.next());  timers.run_due(clock.now());
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/time.hpp"

namespace wirestack::runtime {

// Names a scheduled timer; 0 is never a timer.
struct TimerId {
  std::uint64_t value = 0;
  friend constexpr bool operator==(const TimerId&, const TimerId&) = default;
};

class TimerQueue {
 public:
  TimerId add(Instant at, std::function<void()> fn) {
    const TimerId id{++last_};
    live_.emplace(id.value, std::move(fn));
    heap_.push(Entry{at, id.value});
    return id;
  }
  // False when the timer already ran, was cancelled, or never existed.
  bool cancel(TimerId id) { return live_.erase(id.value) > 0; }
  std::size_t size() const { return live_.size(); }

  // When the earliest live timer is due.
  std::optional<Instant> next() const {
    drop_cancelled();
    if (heap_.empty()) return std::nullopt;
    return heap_.top().at;
  }
  // Runs every timer due at `now`, earliest first (ties: scheduling order);
  // a callback may add or cancel timers. Returns how many ran.
  std::size_t run_due(Instant now) {
    std::size_t ran = 0;
    for (;;) {
      drop_cancelled();
      if (heap_.empty() || heap_.top().at > now) return ran;
      const Entry e = heap_.top();
      heap_.pop();
      auto it = live_.find(e.id);
      std::function<void()> fn = std::move(it->second);
      live_.erase(it);
      fn();
      ++ran;
    }
  }

 private:
  struct Entry {
    Instant at;
    std::uint64_t id;
    // A min-heap on (at, id): ids grow, so equal times run in scheduling order.
    friend bool operator>(const Entry& a, const Entry& b) { return a.at != b.at ? a.at > b.at : a.id > b.id; }
  };
  void drop_cancelled() const {
    while (!heap_.empty() && live_.count(heap_.top().id) == 0) heap_.pop();
  }

  // Mutable: dropping cancelled entries from the top changes no observable state.
  mutable std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  std::unordered_map<std::uint64_t, std::function<void()>> live_;
  std::uint64_t last_ = 0;
};

}  // namespace wirestack::runtime
