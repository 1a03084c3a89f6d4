// app/ping.hpp — ping(8) and traceroute(8) (ICMP echo probes with a rising
// TTL, like `traceroute -I`) on any runtime::Host: the simulator's, the TAP
// device's, the kernel's (raw socket, root). One implementation; the
// scenario runner, `wirestack ping` and the tests are adapters over it.
//
//   app::Ping ping(host, dst, {.count = 3});
//   world.run_until(at(5s));                 // or host.run() on a device
//   ping.result().received                   // 3, with ping.result().rtts
//
//   app::Ping ping(host, dst, {.count = 0, .lines = &std::cout,
//                              .on_done = [&] { host.stop(); }});  // as ping(8) prints
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "runtime/host.hpp"

namespace wirestack::app {

// ---- ping -------------------------------------------------------------------

struct PingConfig {
  int count = 3;  // requests to send; 0: until the application is destroyed
  Duration interval = std::chrono::seconds{1};
  std::size_t payload_len = 56;  // ping(8)'s default: 64-byte ICMP messages
  std::uint16_t ident = 0;       // 0: a fresh one from Host::next_echo_ident()
  std::optional<std::uint8_t> ttl;
  Duration start = Duration::zero();  // after construction
  // After the last request: how long to wait for its answer before done().
  Duration linger = std::chrono::seconds{2};
  // Where ping(8)'s line for every reply and error goes ("64 bytes from
  // 10.0.0.2: icmp_seq=1 ttl=64 time=0.123 ms"); nullptr: nowhere.
  std::ostream* lines = nullptr;
  // Called once, when done() becomes true.
  std::function<void()> on_done;
};

struct PingResult {
  int sent = 0;
  int received = 0;
  int duplicates = 0;  // replies for a sequence number already answered (ping's "+N duplicates")
  std::vector<Duration> rtts;                  // one per first reply, in arrival order
  std::vector<runtime::EchoReply> replies;     // the first reply to each request
  std::vector<runtime::IcmpReport> errors;     // unreachable, time exceeded
  std::vector<std::string> send_errors;        // "icmp_seq=1: no route to host"
  Duration min_rtt() const;
  Duration max_rtt() const;
  Duration avg_rtt() const;
  Duration mdev_rtt() const;  // the standard deviation, as ping(8)'s mdev
};
// The summary on one line: "3 packets transmitted, 3 received, 0% packet
// loss, rtt min/avg/max = 1.000 ms / 1.000 ms / 1.000 ms"
std::ostream& operator<<(std::ostream& os, const PingResult& r);

class Ping {
 public:
  Ping(runtime::Host& host, IpAddress dst, PingConfig config = {});
  ~Ping();
  Ping(const Ping&) = delete;
  Ping& operator=(const Ping&) = delete;

  const PingResult& result() const { return result_; }
  // Every request sent, and each answered (a reply or an error) or the
  // linger after the last one over.
  bool done() const;
  // ping(8)'s closing lines: "--- DST ping statistics ---", the counts with
  // the time from the first request to the last, and min/avg/max/mdev.
  void print_summary(std::ostream& os) const;

 private:
  void send_next();
  void collect();
  void check_done();

  runtime::Host& host_;
  IpAddress dst_;
  PingConfig config_;
  PingResult result_;
  std::vector<Instant> sent_at_;  // by sequence number - 1
  std::vector<bool> answered_;    // by sequence number - 1
  runtime::TimerId next_{};
  runtime::TimerId linger_{};
  std::size_t hook_ = 0;
  bool done_called_ = false;
};

// ---- traceroute ----------------------------------------------------------------

struct TracerouteConfig {
  std::uint8_t max_hops = 16;
  Duration probe_timeout = std::chrono::seconds{2};
  std::uint16_t ident = 0x7472;  // "tr"
  std::function<void()> on_done;
};

struct TracerouteHop {
  std::uint8_t ttl = 0;
  std::optional<IpAddress> from;  // nullopt: no answer ("*")
  std::optional<Duration> rtt;
  bool reached = false;  // the destination answered, or said it never will
  std::string note;      // "!H", "!N", ... for unreachable answers
};
// traceroute(8)'s lines: " 1  10.0.1.1  1.234 ms"
std::ostream& operator<<(std::ostream& os, const std::vector<TracerouteHop>& hops);

class Traceroute {
 public:
  Traceroute(runtime::Host& host, IpAddress dst, TracerouteConfig config = {});
  ~Traceroute();
  Traceroute(const Traceroute&) = delete;
  Traceroute& operator=(const Traceroute&) = delete;
  const std::vector<TracerouteHop>& hops() const { return hops_; }
  bool done() const { return done_; }

 private:
  void probe();
  void collect();
  void finish_hop();
  void finish();

  runtime::Host& host_;
  IpAddress dst_;
  TracerouteConfig config_;
  std::vector<TracerouteHop> hops_;
  Instant sent_at_{};
  runtime::TimerId timeout_{};
  runtime::TimerId next_{};
  std::size_t hook_ = 0;
  bool waiting_ = false;
  bool done_ = false;
};

}  // namespace wirestack::app
