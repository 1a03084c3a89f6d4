// app/udp_apps.hpp — a UDP echo server and a UDP client on any
// runtime::Host (simulated, TAP, kernel sockets): the scenario runner,
// `wirestack tap --udp-echo` and the tests use these.
//
//   app::UdpEchoServer echo(host, 7);
//   if (!echo.bound()) fail(echo.bound().error().message);
//   app::UdpClient client(other, {server_ip, 7}, {.count = 3});
//   ... client.received() holds the three echoes
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/host.hpp"

namespace wirestack::app {

// Answers every datagram to `port` (any local address) with the same bytes.
// A UDP socket bound to `port` of every IPv6 address of `host` (beside an
// IPv4 one on that port), or nothing where the host has no IPv6.
std::optional<udp::SocketHandle> bind_udp_v6(runtime::Host& host, std::uint16_t port);

// Echoes every datagram to `port` (IPv4, and IPv6 where the host has it).
class UdpEchoServer {
 public:
  UdpEchoServer(runtime::Host& host, std::uint16_t port);
  ~UdpEchoServer();
  UdpEchoServer(const UdpEchoServer&) = delete;
  UdpEchoServer& operator=(const UdpEchoServer&) = delete;
  const Result<IpEndpoint, udp::Error>& bound() const { return bound_; }
  std::uint64_t echoed() const { return echoed_; }

 private:
  runtime::Host& host_;
  udp::SocketHandle socket_;
  Result<IpEndpoint, udp::Error> bound_;
  std::optional<udp::SocketHandle> socket6_;
  std::uint64_t echoed_ = 0;
  std::size_t hook_ = 0;
};

// Sends `count` datagrams to `dst` from a connected socket, one per
// interval, and collects what comes back and the socket's errors
// (connection refused, from an ICMP port unreachable).
class UdpClient {
 public:
  struct Config {
    int count = 1;
    Duration interval = std::chrono::milliseconds{100};
    std::string payload = "hello";
  };
  UdpClient(runtime::Host& host, IpEndpoint dst, Config config);
  ~UdpClient();
  UdpClient(const UdpClient&) = delete;
  UdpClient& operator=(const UdpClient&) = delete;
  int sent() const { return sent_; }
  const std::vector<std::string>& received() const { return received_; }
  const std::vector<udp::Errc>& errors() const { return errors_; }

 private:
  void send_next();

  runtime::Host& host_;
  IpEndpoint dst_;
  Config config_;
  udp::SocketHandle socket_;
  int sent_ = 0;
  std::vector<std::string> received_;
  std::vector<udp::Errc> errors_;
  runtime::TimerId next_{};
  std::size_t hook_ = 0;
};

}  // namespace wirestack::app
