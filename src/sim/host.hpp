// sim/host.hpp — a simulated machine: one iface::Interface (the stack) with
// network cards plugged into Links, woken by the EventQueue exactly when its
// stack asks to be (poll_at), never on a fixed tick.
//
// A router is a Host whose stack forwards (World::add_router). Applications
// (sim/apps.hpp) call the stack through the Host and then kick() it, so that
// whatever they queued is sent and the next wake-up is rescheduled.
//
//   Host& a = world.add_host("a");
//   a.stack().send_ping(dst, 7, 1, 56, world.now());
//   a.kick();
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/rng.hpp"
#include "iface/interface.hpp"
#include "runtime/host.hpp"
#include "sim/event_queue.hpp"
#include "sim/frame_port.hpp"
#include "sim/link.hpp"

namespace wirestack::sim {

class StormDetector;

class Host final : public runtime::Host, private iface::FrameSink {
 public:
  // `storms` (optional) is told about every frame the host sends, so a flood
  // of frames a host really sent is never mistaken for a loop.
  Host(EventQueue& queue, Rng rng, std::string name, iface::InterfaceConfig config, StormDetector* storms);
  ~Host() override;
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  const std::string& name() const { return name_; }
  iface::Interface& stack() { return stack_; }
  runtime::TcpSockets& tcp() override { return tcp_; }
  void for_each_counter(const iface::CounterVisitor& visit) const override { stack_.for_each_counter(visit); }
  const iface::Interface& stack() const { return stack_; }
  Instant now() const override { return queue_.now(); }
  // 2026-01-01 00:00:00 UTC plus the virtual time.
  std::chrono::system_clock::time_point wall_clock() const override;
  const std::vector<tcp::SocketHandle>& tcp_changed() const override { return tcp_changed_; }
  void wake_at(Instant t) override;
  // Timers are events in the world's queue: virtual time, (time, order) as every event.
  runtime::TimerId schedule_at(Instant at, std::function<void()> fn) override;
  void cancel(runtime::TimerId id) override;

  // A new network card plugged into `link` at `side`; it comes up at once
  // (gratuitous ARP for addresses added later goes out when they are added).
  iface::NicId add_nic(MacAddress mac, Link& link, int side, std::uint16_t mtu = 1500);
  Link* link_of(iface::NicId nic) const { return nics_.at(nic).link; }

  // The machine crashes: its stack loses every socket, cache and queue and
  // sends nothing (iface::Interface::crash); frames to it are dropped until
  // restart(), which boots it again: its NICs come up with a gratuitous ARP,
  // with no socket open. Applications on it find their handles stale (the
  // scenario layer starts its servers again).
  void crash();
  void restart();
  bool crashed() const { return crashed_; }

  // Runs the stack's due work now and reschedules the next wake-up. Call
  // after using stack() from outside a Host callback.
  void kick() override;

  // Called after every frame received and every wake-up: applications look
  // at their sockets and queues here. Runs in registration order. The token
  // removes the hook (an application that ends before its host).
  std::size_t on_activity(std::function<void()> hook) override {
    hooks_.push_back(std::move(hook));  // a deque: running hooks stay where they are
    return hooks_.size() - 1;
  }
  // Safe from inside a hook (even the hook itself): removal waits until the
  // hooks have run.
  void remove_activity(std::size_t token) override;

  EventQueue& queue() { return queue_; }

  // Echo replies and ICMP errors, taken from the stack after each activity
  // and kept here until an application takes them (several apps may share a
  // host: each takes what is addressed to it). What no application claimed
  // is dropped after the hooks have run: nothing piles up.
  std::vector<iface::PingReply>& ping_replies() { return replies_; }
  std::vector<iface::IcmpError>& icmp_errors() { return errors_; }

  std::uint64_t wakeups() const { return wakeups_; }

  // A fresh ICMP echo identifier for an application on this host, so that
  // two pings never take each other's replies (ping(8) uses its pid).
  std::uint16_t next_ping_ident() { return static_cast<std::uint16_t>(0x7000 + ping_idents_++); }

 private:
  struct Nic final : FramePort {
    Host* host = nullptr;
    iface::NicId id = 0;
    Link* link = nullptr;
    int side = 0;
    void on_frame(Bytes frame) override;
  };

  void transmit(iface::NicId nic, Bytes frame) override;
  void after_activity();
  void reschedule();

  EventQueue& queue_;
  Rng rng_;
  std::string name_;
  StormDetector* storms_;
  iface::Interface stack_;
  runtime::StackTcpSockets tcp_{stack_.tcp()};
  std::deque<Nic> nics_;  // stable addresses: links hold pointers to them
  std::deque<std::function<void()>> hooks_;
  std::vector<std::size_t> removed_;  // tokens removed while hooks ran
  bool again_ = false;                // activity happened while the hooks ran
  std::vector<iface::PingReply> replies_;
  std::vector<iface::IcmpError> errors_;
  EventId wake_{};
  std::vector<tcp::SocketHandle> tcp_changed_;
  EventId app_wake_{};   // wake_at()
  std::unordered_map<std::uint64_t, EventId> timers_;  // schedule_at(), until they run
  std::uint64_t last_timer_ = 0;
  Instant app_wake_at_{};
  Instant wake_at_{};
  bool in_activity_ = false;
  bool crashed_ = false;
  std::uint64_t wakeups_ = 0;
  std::uint16_t ping_idents_ = 0;
};

}  // namespace wirestack::sim
