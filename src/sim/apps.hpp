// sim/apps.hpp — small applications for simulated hosts: ping, traceroute
// and a UDP echo server/client. They use only the host's stack API (the same
// calls a real tool makes on a TAP-backed stack) and the event queue for
// their schedule.
//
//   PingApp ping(host_a, dst, {.count = 3, .interval = 1s});
//   world.run_until(at(5s));
//   ping.result().received  // 3, with ping.result().rtts
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <sstream>
#include <ostream>
#include <string>
#include <vector>

#include "iface/interface.hpp"
#include "sim/host.hpp"

namespace wirestack::sim {

// ---- ping -------------------------------------------------------------------

struct PingConfig {
  int count = 3;
  Duration interval = std::chrono::seconds{1};
  std::size_t payload_len = 56;  // ping(8)'s default: 64-byte ICMP messages
  std::uint16_t ident = 0;       // 0: a fresh one from Host::next_ping_ident()
  std::optional<std::uint8_t> ttl;
  Duration start = Duration::zero();  // after construction
};

struct PingResult {
  int sent = 0;
  int received = 0;
  int duplicates = 0;  // replies for a sequence number already answered (ping's "+N duplicates")
  std::vector<Duration> rtts;             // one per reply, in arrival order
  std::vector<iface::PingReply> replies;
  std::vector<iface::IcmpError> errors;   // unreachable, time exceeded
  std::vector<std::string> send_errors;   // no route, ...
  Duration min_rtt() const;
  Duration max_rtt() const;
  Duration avg_rtt() const;
};
// ping(8)'s summary: "3 packets transmitted, 3 received, 0% packet loss, rtt min/avg/max = ..."
std::ostream& operator<<(std::ostream& os, const PingResult& r);

class PingApp {
 public:
  PingApp(Host& host, Ipv4Address dst, PingConfig config = {});
  ~PingApp();
  PingApp(const PingApp&) = delete;
  PingApp& operator=(const PingApp&) = delete;
  const PingResult& result() const { return result_; }
  bool done() const;

 private:
  void send_next();
  void collect();

  Host& host_;
  Ipv4Address dst_;
  PingConfig config_;
  PingResult result_;
  std::vector<Instant> sent_at_;  // by sequence number - 1
  std::vector<bool> answered_;    // by sequence number - 1
  EventId next_{};
  std::size_t hook_ = 0;
};

// ---- traceroute (ICMP echo probes with increasing TTL, like traceroute -I) ---

struct TracerouteConfig {
  std::uint8_t max_hops = 16;
  Duration probe_timeout = std::chrono::seconds{2};
  std::uint16_t ident = 0x7472;  // "tr"
};

struct TracerouteHop {
  std::uint8_t ttl = 0;
  std::optional<Ipv4Address> from;  // nullopt: no answer ("*")
  std::optional<Duration> rtt;
  bool reached = false;  // the destination answered
  std::string note;      // "!H", "!N" for unreachable answers
};
// traceroute(8)'s lines: " 1  10.0.1.1  1.234 ms"
std::ostream& operator<<(std::ostream& os, const std::vector<TracerouteHop>& hops);

class TracerouteApp {
 public:
  TracerouteApp(Host& host, Ipv4Address dst, TracerouteConfig config = {});
  ~TracerouteApp();
  TracerouteApp(const TracerouteApp&) = delete;
  TracerouteApp& operator=(const TracerouteApp&) = delete;
  const std::vector<TracerouteHop>& hops() const { return hops_; }
  bool done() const { return done_; }

 private:
  void probe();
  void collect();
  void finish_hop();

  Host& host_;
  Ipv4Address dst_;
  TracerouteConfig config_;
  std::vector<TracerouteHop> hops_;
  Instant sent_at_{};
  EventId timeout_{};
  EventId next_{};
  std::size_t hook_ = 0;
  bool waiting_ = false;
  bool done_ = false;
};

// ---- UDP echo -----------------------------------------------------------------

// Answers every datagram on `port` with the same bytes.
class UdpEchoServer {
 public:
  UdpEchoServer(Host& host, std::uint16_t port);
  ~UdpEchoServer();
  UdpEchoServer(const UdpEchoServer&) = delete;
  UdpEchoServer& operator=(const UdpEchoServer&) = delete;
  std::uint64_t echoed() const { return echoed_; }
  const Result<IpEndpoint, udp::Error>& bound() const { return bound_; }

 private:
  Host& host_;
  udp::SocketHandle socket_;
  Result<IpEndpoint, udp::Error> bound_;
  std::uint64_t echoed_ = 0;
  std::size_t hook_ = 0;
};

// Sends `count` datagrams to `dst` from a connected socket and collects what
// comes back, and the socket's errors (connection refused).
class UdpClient {
 public:
  struct Config {
    int count = 1;
    Duration interval = std::chrono::milliseconds{100};
    std::string payload = "hello";
  };
  UdpClient(Host& host, IpEndpoint dst, Config config);
  ~UdpClient();
  UdpClient(const UdpClient&) = delete;
  UdpClient& operator=(const UdpClient&) = delete;
  int sent() const { return sent_; }
  const std::vector<std::string>& received() const { return received_; }
  const std::vector<udp::Errc>& errors() const { return errors_; }

 private:
  void send_next();

  Host& host_;
  IpEndpoint dst_;
  Config config_;
  udp::SocketHandle socket_;
  int sent_ = 0;
  std::vector<std::string> received_;
  std::vector<udp::Errc> errors_;
  EventId next_{};
  std::size_t hook_ = 0;
};

}  // namespace wirestack::sim
