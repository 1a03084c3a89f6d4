// loop/apps.hpp — small applications for a TapHost: a UDP echo server and
// ping(8). They use only the stack's API and TapHost's hooks, as sim/apps.hpp
// does on a simulated host (which loop/ may not include: same row).
//
//   loop::UdpEchoServer echo(host, 7);
//   if (!echo.bound()) fail(echo.bound().error().message);
//
//   loop::Pinger ping(host, dst, {.count = 3}, std::cout);  // prints as ping(8)
//   host.run();                                          // ping stops it when done
//   ping.print_summary(std::cout);
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <vector>

#include "iface/interface.hpp"
#include "loop/tap_host.hpp"
#include "udp/udp_socket.hpp"
#include "wire/ipv4_address.hpp"

namespace wirestack::loop {

// Answers every datagram to `port` (any local address) with the same bytes.
class UdpEchoServer {
 public:
  UdpEchoServer(TapHost& host, std::uint16_t port);
  ~UdpEchoServer();
  UdpEchoServer(const UdpEchoServer&) = delete;
  UdpEchoServer& operator=(const UdpEchoServer&) = delete;
  const Result<IpEndpoint, udp::Error>& bound() const { return bound_; }
  std::uint64_t echoed() const { return echoed_; }

 private:
  TapHost& host_;
  udp::SocketHandle socket_;
  Result<IpEndpoint, udp::Error> bound_;
  std::uint64_t echoed_ = 0;
  std::size_t hook_ = 0;
};

struct PingerConfig {
  int count = 0;  // 0: until stopped (^C)
  Duration interval = std::chrono::seconds{1};
  std::size_t payload_len = 56;  // 64-byte ICMP messages, as ping(8)
  std::uint16_t ident = 0;
  // After the last request: how long to wait for its reply.
  Duration linger = std::chrono::seconds{2};
};

// ping(8) over the stack: one echo request per interval, a line per reply or
// error on `out` ("64 bytes from 10.77.0.1: icmp_seq=1 ttl=64 time=0.123 ms",
// "From 10.77.0.2 icmp_seq=1 Destination Host Unreachable"). Stops the host
// when `count` requests were sent and answered, or the linger ran out.
class Pinger {
 public:
  Pinger(TapHost& host, Ipv4Address dst, PingerConfig config, std::ostream& out);
  ~Pinger();
  Pinger(const Pinger&) = delete;
  Pinger& operator=(const Pinger&) = delete;

  int sent() const { return sent_; }
  int received() const { return received_; }
  int errors() const { return errors_; }
  int duplicates() const { return duplicates_; }
  const std::vector<Duration>& rtts() const { return rtts_; }
  // "--- DST ping statistics ---", then ping(8)'s two summary lines.
  void print_summary(std::ostream& os) const;

 private:
  void on_activity();

  TapHost& host_;
  Ipv4Address dst_;
  PingerConfig config_;
  std::ostream& out_;
  std::size_t hook_ = 0;
  std::optional<Instant> started_;
  Instant next_send_{};
  Instant last_sent_{};
  int sent_ = 0;
  int received_ = 0;
  int errors_ = 0;
  int duplicates_ = 0;
  std::vector<Instant> sent_at_;
  std::vector<bool> answered_;
  std::vector<Duration> rtts_;
};

}  // namespace wirestack::loop
