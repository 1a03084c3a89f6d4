// runtime/host.hpp — what an application sees of the machine it runs on:
// the stack, the time, and a way to be called when something happened.
//
// Three drivers implement it: sim::Host (a simulated machine in virtual
// time), loop::TapHost (our stack on a Linux TAP device in real time) and
// loop::KernelHost (the Linux kernel's own sockets); the first two share
// runtime::StackHost, all three the activity loop of runtime/activity.hpp.
// An application written against runtime::Host (src/app/) runs unchanged on
// each: it registers a hook, and in
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
#include "runtime/activity.hpp"
#include "runtime/icmp.hpp"
#include "runtime/tcp_sockets.hpp"
#include "runtime/timers.hpp"
#include "runtime/udp_sockets.hpp"
#include "transport/error.hpp"
#include "tcp/socket_table.hpp"

namespace wirestack::runtime {

class Host {
 public:
  virtual ~Host() = default;

  // The TCP sockets: our stack's, or the kernel's.
  virtual TcpSockets& tcp() = 0;
  // The UDP sockets: our stack's, or the kernel's.
  virtual UdpSockets& udp() = 0;
  // Sends an ICMP echo request (`payload_len` pattern bytes) to `dst`; the
  // replies and the errors it draws arrive in echo_replies() and
  // icmp_errors(). An error when it cannot leave at all (no route, ...).
  virtual Result<void, transport::SocketError> send_echo(const IpAddress& dst, std::uint16_t ident, std::uint16_t seq,
                                                         std::size_t payload_len, EchoOptions options = {}) = 0;
  // A fresh echo identifier for an application on this host, so that two
  // pings never take each other's replies (ping(8) uses its pid).
  std::uint16_t next_echo_ident() { return static_cast<std::uint16_t>(0x7000 + echo_idents_++); }
  // Every counter of the stack underneath (layer, name, value), for status
  // pages; the kernel backend has only its own few.
  virtual void for_each_counter(const iface::CounterVisitor& visit) const = 0;
  // Virtual time in the simulator, the monotonic clock on a real device.
  virtual Instant now() const = 0;
  // The calendar time (HTTP Date, the JSON `time` method): the system clock
  // on a real device; a fixed epoch plus virtual time in the simulator, so
  // runs stay reproducible.
  virtual std::chrono::system_clock::time_point wall_clock() const = 0;

  // The activity loop (runtime/activity.hpp, one for every world): `hook`
  // runs after every frame received, timer and wake-up, in registration
  // order. Safe to register and remove from inside a hook. The token removes it.
  std::size_t on_activity(std::function<void()> hook) { return activity_.add(std::move(hook)); }
  void remove_activity(std::size_t token) { activity_.remove(token); }
  // A watcher of one TCP socket (activity.hpp): `fn` runs in the rounds
  // where `h` is among tcp_changed(), and only then; what an application
  // with a socket per request registers instead of a hook, so that the
  // cost of a round follows the sockets that changed, not those that exist.
  void watch(tcp::SocketHandle h, std::function<void()> fn) { activity_.watch(h, std::move(fn)); }
  void unwatch(tcp::SocketHandle h) { activity_.unwatch(h); }
  // Runs the stack's due work and the hooks now (after using the sockets
  // from outside a hook: what was queued leaves at once).
  virtual void kick() = 0;
  // The hooks run again at `t` at the latest. The request stands until its
  // time comes; requests combine to the earliest (activity.hpp).
  virtual void wake_at(Instant t) = 0;
  // Timers: `fn` runs at `at` (never before; at once if `at` has passed),
  // and the hooks run after it as after any activity, so what it queued
  // leaves at once. cancel() of a timer that ran, or was cancelled, is a
  // no-op. Virtual time in the simulator, the monotonic clock on a device.
  virtual TimerId schedule_at(Instant at, std::function<void()> fn) = 0;
  virtual void cancel(TimerId id) = 0;
  TimerId schedule_in(Duration d, std::function<void()> fn) { return schedule_at(now() + d, std::move(fn)); }

  // This round's events, valid inside a hook: the TCP sockets whose
  // readiness may have changed since the previous round (a server with many
  // connections looks at these instead of all of them), the echo replies
  // and the ICMP errors that arrived. An application takes the replies and
  // errors addressed to it (erases them); the rest are dropped after the round.
  const std::vector<tcp::SocketHandle>& tcp_changed() const { return activity_.tcp_changed; }
  std::vector<EchoReply>& echo_replies() { return activity_.echo_replies; }
  std::vector<IcmpReport>& icmp_errors() { return activity_.icmp_errors; }

 protected:
  ActivityLoop activity_;

 private:
  std::uint16_t echo_idents_ = 0;
};

}  // namespace wirestack::runtime
