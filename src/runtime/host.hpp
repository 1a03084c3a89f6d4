// runtime/host.hpp — what an application sees of the machine it runs on:
// the stack, the time, and a way to be called when something happened.
//
// Two drivers implement it: sim::Host (a simulated machine in virtual time)
// and loop::TapHost (a Linux TAP device in real time). An application written
// against runtime::Host runs unchanged on both: it registers a hook, and in
// the hook it looks at its sockets (readiness, accept, recv, send), exactly
// as an epoll loop would after epoll_wait returns.
//
//   class Echo {
//    public:
//     explicit Echo(runtime::Host& h) : host_(h) { hook_ = h.on_activity([this] { serve(); }); }
//     ~Echo() { host_.remove_activity(hook_); }
//     ...
//   };
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

#include "base/time.hpp"
#include "iface/counters.hpp"
#include "runtime/tcp_sockets.hpp"
#include "runtime/timers.hpp"
#include "tcp/socket_table.hpp"

namespace wirestack::runtime {

class Host {
 public:
  virtual ~Host() = default;

  // The TCP sockets: our stack's, or the kernel's.
  virtual TcpSockets& tcp() = 0;
  // Every counter of the stack underneath (layer, name, value), for status
  // pages; the kernel backend has only its own few.
  virtual void for_each_counter(const iface::CounterVisitor& visit) const = 0;
  // Virtual time in the simulator, the monotonic clock on a real device.
  virtual Instant now() const = 0;
  // The calendar time (HTTP Date, the JSON `time` method): the system clock
  // on a real device; a fixed epoch plus virtual time in the simulator, so
  // runs stay reproducible.
  virtual std::chrono::system_clock::time_point wall_clock() const = 0;

  // Called after every frame received and every wake-up, in registration
  // order. Safe to register and remove from inside a hook. The token removes it.
  virtual std::size_t on_activity(std::function<void()> hook) = 0;
  virtual void remove_activity(std::size_t token) = 0;
  // Runs the stack's due work and the hooks now (after using stack() from
  // outside a hook: what was queued leaves at once).
  virtual void kick() = 0;
  // The hooks run again at `t` at the latest. A request lasts one round: a
  // hook that still wants a later wake-up asks again each time it runs.
  virtual void wake_at(Instant t) = 0;
  // Timers: `fn` runs at `at` (never before; at once if `at` has passed),
  // and the hooks run after it as after any activity, so what it queued
  // leaves at once. cancel() of a timer that ran, or was cancelled, is a
  // no-op. Virtual time in the simulator, the monotonic clock on a device.
  virtual TimerId schedule_at(Instant at, std::function<void()> fn) = 0;
  virtual void cancel(TimerId id) = 0;
  TimerId schedule_in(Duration d, std::function<void()> fn) { return schedule_at(now() + d, std::move(fn)); }
  // The TCP sockets whose readiness may have changed since the previous
  // round of hooks (tcp::SocketTable::take_changed(), taken once per round
  // and shown to every hook): a server with many connections looks at these
  // instead of all of them. Valid inside a hook.
  virtual const std::vector<tcp::SocketHandle>& tcp_changed() const = 0;
};

}  // namespace wirestack::runtime
