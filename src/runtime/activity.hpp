// runtime/activity.hpp — the one activity loop of every runtime::Host: the
// simulator's, the TAP device's and the kernel-socket host's. An application
// registers a hook; after every frame, timer and wake-up its host runs a
// *round*: the world collects what happened (echo replies, ICMP errors, the
// TCP sockets whose readiness changed), every hook runs in registration
// order, and the world sends what the hooks queued. Rounds repeat while one
// delivers something to this very host (a datagram to our own address must
// be seen now), at most kMaxRounds times; a host still busy after that gives
// the rest of the world a turn and comes back at once.
//
// The wake-up rule, the same in every world: wake_at(t) makes the hooks run
// at `t` at the latest. A request stands until its time comes, and requests
// combine to the earliest; a hook that wants a later wake-up after that asks
// again. Hooks also run for any other activity, so they must look at their
// sockets and clocks rather than assume why they were called. A watcher
// (watch()) is the other way in: it belongs to one TCP socket and runs only
// in the rounds where that socket changed, as an epoll registration does;
// ten thousand requests in flight then cost a round what the sockets that
// changed cost, not ten thousand calls.
//
//   ActivityLoop loop;
//   loop.add([&] { app.serve(); });
//   bool busy = loop.run(world);           // world: an ActivityLoop::World
//   if (loop.request_wake(t)) rearm_timer(t);
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "base/time.hpp"
#include "runtime/icmp.hpp"
#include "tcp/socket_table.hpp"

namespace wirestack::runtime {

class ActivityLoop {
 public:
  static constexpr int kMaxRounds = 16;

  // What a world does around the hooks of a round.
  class World {
   public:
    virtual ~World() = default;
    // Before the hooks: put this round's events into `loop` (echo_replies,
    // icmp_errors, tcp_changed).
    virtual void collect(ActivityLoop& loop) = 0;
    // After the hooks: send what they queued. True when that delivered
    // something to this host, so the hooks must look again.
    virtual bool flush() = 0;
  };

  // Registers a hook; the token removes it. Safe from inside a hook (removal
  // then waits until the round is over; a hook added in a round runs in it).
  std::size_t add(std::function<void()> hook);
  void remove(std::size_t token);

  // Registers a watcher of one TCP socket: `fn` runs in every round where
  // `h` is among tcp_changed (before the hooks), and in no other. An
  // application with many sockets of its own (a client making thousands of
  // requests) is then called for the sockets that changed, not for every
  // socket at every round. One watcher per socket: watching again replaces
  // it. Safe from inside a hook or watcher (its own included: an unwatched
  // watcher is not called again, and is destroyed after the round).
  void watch(tcp::SocketHandle h, std::function<void()> fn);
  void unwatch(tcp::SocketHandle h);
  std::size_t watchers() const { return watchers_.size(); }

  // Runs rounds until one changes nothing. Called from inside a hook (an
  // application kicking its host), it only notes that another round is due.
  // True when still busy after kMaxRounds: the caller gives the rest of the
  // world a turn and runs the loop again at once.
  bool run(World& world);
  bool running() const { return running_; }

  // The wake-up rule (see the file comment). request_wake() is true when `t`
  // is now the earliest standing request: the world arms its timer for it.
  bool request_wake(Instant t);
  std::optional<Instant> wake() const { return wake_; }
  // The world's timer fired, or it noticed the time has come: the request
  // due at `now` is consumed. True when there was one.
  bool take_due(Instant now);

  // This round's events, valid inside a hook. An application takes what is
  // addressed to it (erases it); what nobody took is dropped after the round.
  std::vector<EchoReply> echo_replies;
  std::vector<IcmpReport> icmp_errors;
  std::vector<tcp::SocketHandle> tcp_changed;

 private:
  static std::uint64_t key(tcp::SocketHandle h) { return std::uint64_t{h.generation} << 32 | h.index; }
  void run_watchers();

  std::deque<std::function<void()>> hooks_;  // a deque: running hooks stay where they are
  struct Watcher {
    std::function<void()> fn;
    bool dead = false;  // unwatched during a run: erased after it (it may be the one running)
  };
  std::unordered_map<std::uint64_t, Watcher> watchers_;  // node-based: a running one stays put
  std::vector<std::uint64_t> dead_;                              // keys unwatched during a run
  std::vector<std::pair<std::uint64_t, std::function<void()>>> replaced_;  // watch() of a watched socket, during a run
  std::vector<std::size_t> removed_;         // tokens removed while hooks ran
  std::optional<Instant> wake_;
  bool running_ = false;
  bool again_ = false;
};

}  // namespace wirestack::runtime
