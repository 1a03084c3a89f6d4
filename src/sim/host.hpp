// sim/host.hpp — a simulated machine: one iface::Interface (the stack) with
// network cards plugged into Links, woken by the EventQueue exactly when its
// stack asks to be (poll_at), never on a fixed tick.
//
// A router is a Host whose stack forwards (World::add_router). Applications
// (src/app/) see it as a runtime::Host; what they queue from outside a hook
// leaves when they kick() it, which also reschedules the next wake-up.
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
#include "runtime/stack_host.hpp"
#include "sim/event_queue.hpp"
#include "sim/frame_port.hpp"
#include "sim/link.hpp"

namespace wirestack::sim {

// The simulator's calendar: virtual time 0 is 2026-01-01 00:00:00 UTC
// (1767225600 s after the Unix epoch), for hosts' wall clock and for the
// timestamps in captures alike. A fixed origin keeps runs reproducible.
inline constexpr std::int64_t kCalendarOriginSeconds = 1767225600;

class StormDetector;

class Host final : private iface::FrameSink, public runtime::StackHost {
 public:
  // `storms` (optional) is told about every frame the host sends, so a flood
  // of frames a host really sent is never mistaken for a loop.
  Host(EventQueue& queue, Rng rng, std::string name, iface::InterfaceConfig config, StormDetector* storms);
  ~Host() override;
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  const std::string& name() const { return name_; }
  Instant now() const override { return queue_.now(); }
  // 2026-01-01 00:00:00 UTC plus the virtual time.
  std::chrono::system_clock::time_point wall_clock() const override;
  // An event in the world's queue at `t` (or earlier, if an earlier request stands).
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

  EventQueue& queue() { return queue_; }

  std::uint64_t wakeups() const { return wakeups_; }

 private:
  struct Nic final : FramePort {
    Host* host = nullptr;
    iface::NicId id = 0;
    Link* link = nullptr;
    int side = 0;
    void on_frame(Bytes frame) override;
    void on_frame_checksummed(Bytes frame) override;
    void end_of_batch() override;
    void on_room() override;
  };

  void transmit(iface::NicId nic, Bytes frame) override;
  void transmit_owned(iface::NicId nic, ByteVec& frame, std::size_t len) override;
  void transmit_forwarded(iface::NicId nic, ByteVec& frame, std::size_t len, bool checksummed) override;
  void send_owned(iface::NicId nic, ByteVec& frame, std::size_t len, bool checksummed);
  // The card's transmit queue (its side of the link) has room for a frame.
  bool has_room(iface::NicId nic) override;
  std::size_t room(iface::NicId nic) override;
  void after_activity();
  void reschedule();

  EventQueue& queue_;
  std::string name_;
  StormDetector* storms_;
  std::deque<Nic> nics_;  // stable addresses: links hold pointers to them
  EventId wake_{};        // the stack's poll_at(), or another round at once
  EventId app_wake_{};    // the activity loop's standing wake request
  std::unordered_map<std::uint64_t, EventId> timers_;  // schedule_at(), until they run
  std::uint64_t last_timer_ = 0;
  Instant wake_at_{};
  bool crashed_ = false;
  std::uint64_t wakeups_ = 0;
};

}  // namespace wirestack::sim
