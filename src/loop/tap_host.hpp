// loop/tap_host.hpp — one iface::Interface (the host stack) on a Linux TAP
// device, driven in real time by an epoll loop: the real-world counterpart of
// sim::Host, with the same driving rules.
//
// run() waits (epoll) on the TAP descriptor, a signalfd for SIGINT/SIGTERM
// and a timeout computed from the earliest of: the stack's poll_at(), the
// applications' wake_at() requests and the run-time limit. Every frame read
// goes to Interface::receive with RealClock's Instant; after every receive and
// every wake-up the activity loop runs (runtime/activity.hpp: applications
// look at their sockets, then the stack sends what they queued), and the
// loop computes its next timeout. No periodic tick: an idle stack sleeps until a frame or a deadline.
//
// The host is the stack's FrameSink: frames go straight to the TAP device
// (write(); a full kernel queue drops the frame and counts it). An optional
// PcapWriter records every frame sent and received, stamped with the time
// since the host was created.
//
// Signals: while run() runs, SIGINT and SIGTERM are blocked and read from a
// signalfd, so ^C ends run() cleanly (StopReason::signal) and the caller can
// print its counters; the previous signal mask is restored afterwards.
//
//   auto tap = dev::TapDevice::open("tap0");                 // checked
//   loop::TapHost host(std::move(*tap), {.mac = mac, .seed = seed});
//   host.stack().add_address(host.nic(), prefix);            // checked
//   app::UdpEchoServer echo(host, 7);                       // app/udp_apps.hpp
//   auto why = host.run(std::chrono::seconds{10});          // or until ^C
//   host.stack().print_counters(std::cout);
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "dev/pcap_file.hpp"
#include "dev/tap_linux.hpp"
#include "iface/interface.hpp"
#include "loop/impairment.hpp"
#include "loop/real_clock.hpp"
#include "runtime/stack_host.hpp"
#include "wire/mac_address.hpp"

namespace wirestack::loop {

struct TapHostConfig {
  MacAddress mac;              // the stack's own MAC (not the kernel side's)
  std::uint16_t mtu = 1500;    // the stack's MTU; >= 68
  std::uint64_t seed = 1;      // the stack's Rng (ephemeral ports, IP ident)
  iface::InterfaceConfig stack{};
  bool handle_signals = true;  // SIGINT/SIGTERM end run()
  // A bad wire between the device and the stack (loop/impairment.hpp), for
  // kernels without netem: `impair_in` on frames from the device to the
  // stack (what netem on the kernel side's qdisc would do), `impair_out` on
  // frames from the stack to the device. Inactive by default. The capture
  // (capture_to) then records what crossed the bad wire on the stack's side
  // going in and on the device's side going out: frames the wire dropped
  // appear in neither. Delays are kept to the millisecond (epoll's timeout):
  // a sub-millisecond delay or jitter rounds up.
  ImpairmentSpec impair_in{};
  ImpairmentSpec impair_out{};
};

enum class StopReason : std::uint8_t {
  stopped,     // stop() was called (an application finished)
  signal,      // SIGINT or SIGTERM
  time_limit,  // the limit given to run()
};

// What went in and out of the device.
struct TapCounters {
  std::uint64_t frames_in = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t frames_out = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t tx_full = 0;    // dropped: the kernel's queue was full
  // Offload mode (dev::TapDevice::offload()): frames that were several TCP
  // segments the kernel did not cut (its TSO/GRO), and frames whose partial
  // checksum we filled in.
  std::uint64_t coalesced_in = 0;
  std::uint64_t checksums_filled = 0;
  // Offload mode: TCP segments of several MSS we handed the device to cut
  // (TSO), and frames whose TCP checksum it completed.
  std::uint64_t tso_out = 0;
  std::uint64_t checksums_offloaded = 0;
  std::uint64_t tx_errors = 0;  // write() failed (first_tx_error says why)
  std::uint64_t wakeups = 0;    // epoll_wait returns
  std::string first_tx_error;
};

class TapHost final : private iface::FrameSink, public runtime::StackHost {
 public:
  // The NIC is added at once and comes up (gratuitous ARP for its addresses)
  // when run() starts.
  TapHost(dev::TapDevice tap, TapHostConfig config);
  ~TapHost() override = default;
  TapHost(const TapHost&) = delete;
  TapHost& operator=(const TapHost&) = delete;

  iface::NicId nic() const { return nic_; }
  const dev::TapDevice& device() const { return tap_; }
  const TapCounters& counters() const { return counters_; }
  // The wire impairment of each direction; nullptr where its spec is inactive.
  const Impairment* impairment_in() const { return impair_in_ ? &*impair_in_ : nullptr; }
  const Impairment* impairment_out() const { return impair_out_ ? &*impair_out_ : nullptr; }
  // The real time since this host was created, as of this turn of the loop:
  // read once per turn (and per frame), never going back, so that every
  // time the stack is given, by the loop or by an application, is in order.
  Instant now() const override { return now_; }
  std::chrono::system_clock::time_point wall_clock() const override;

  // Records every frame to `writer` (borrowed; nullptr stops recording).
  void capture_to(dev::PcapWriter* writer) { pcap_ = writer; }

  // The activity loop's wake-up rule (runtime/activity.hpp): run() sleeps
  // no later than the earliest standing request.
  void wake_at(Instant t) override { (void)activity_.request_wake(t); }
  runtime::TimerId schedule_at(Instant at, std::function<void()> fn) override { return timers_.add(at, std::move(fn)); }
  void cancel(runtime::TimerId id) override { timers_.cancel(id); }

  // Runs the stack's due work and the hooks now (after using stack() from
  // outside a hook).
  void kick() override;

  // Calls `on_ready` (and then the hooks) whenever `fd` has something to
  // read, level-triggered, while run() runs: for a tool's standard input.
  // A descriptor epoll cannot watch (a regular file) counts as always
  // readable. One watch per descriptor; unwatch_fd() ends it (safe from the
  // callback or a hook).
  void watch_fd(int fd, std::function<void()> on_ready);
  void unwatch_fd(int fd);
  // Ends run() at its next turn (safe from a hook).
  void stop() { stop_ = true; }

  // Runs until stop(), a signal, or `limit` has passed. An error when epoll,
  // the signalfd or reading the device fails (the device was deleted, ...).
  Result<StopReason, std::string> run(std::optional<Duration> limit = std::nullopt);

 private:
  void transmit(iface::NicId nic, Bytes frame) override;
  void transmit_offloaded(iface::NicId nic, Bytes frame, const iface::TxOffload& tx) override;
  // What transmit() does without an impairment: the frame to the device.
  void write_frame(Bytes frame, Instant now);
  // A write's outcome in the counters (error, queue full, or one frame
  // out); true when the frame left.
  bool count_write(const Result<bool, std::string>& r, Bytes frame);
  // Delivers a frame read from the device to the stack.
  // checksummed: the device completed or verified the transport checksum.
  void deliver_frame(Bytes frame, Instant now, bool run_activity_now = true, bool checksummed = false);
  // Lets through the impaired frames that are due, both ways.
  void release_impaired(Instant now);
  void after_activity(Instant now);
  // Reads every waiting frame (at most a batch) into the stack.
  Result<void, std::string> drain_device();
  // Milliseconds for epoll_wait until the earliest deadline; -1: none.
  int timeout_ms(Instant now, std::optional<Instant> limit_at) const;

  // Reads the clock for a new turn (or frame): now_ moves forward only.
  Instant tick() {
    now_ = std::max(now_, clock_.now());
    return now_;
  }

  RealClock clock_;
  Instant now_{};
  dev::TapDevice tap_;
  TapHostConfig config_;
  iface::NicId nic_ = 0;
  dev::PcapWriter* pcap_ = nullptr;
  std::optional<Impairment> impair_in_;
  std::optional<Impairment> impair_out_;
  runtime::TimerQueue timers_;
  std::vector<std::byte> rx_buf_;
  std::vector<std::byte> capture_buf_;  // an offloaded frame with its checksum, for the pcap
  struct Watch {
    std::function<void()> on_ready;
    bool registered = false;  // in the epoll set
    bool always = false;      // epoll refused it (a regular file): always readable
  };
  std::map<int, Watch> watches_;
  std::vector<int> unwatched_;  // to remove from the epoll set
  // Brings the epoll set in line with watches_.
  Result<void, std::string> sync_watches(int epoll_fd);
  bool stop_ = false;
  TapCounters counters_;
};

}  // namespace wirestack::loop
