// app/request_load.hpp — many short connections, as a load generator makes
// them: RequestLoad opens `count` connections, at most `parallel` at once,
// and on each sends a fixed request and reads the response until the server
// closes (HTTP/1.0 style: the server keeps the TIME-WAIT, so the client's
// ports come free at once); FixedResponder answers every request of
// `request_size` bytes with a fixed response and closes. Both look only at
// the sockets the host says changed (Host::tcp_changed()), so a round costs
// what happened in it, not the number of open connections. `wirestack bench
// tcp-connect` runs them on two simulated hosts.
//
//   app::FixedResponder server(b, 5001, {.request_size = 16, .response = std::string(16, 'p')});
//   app::RequestLoad load(a, {b_ip, 5001}, {.count = 100'000, .parallel = 64, .request = std::string(16, 'q'),
//                                           .response_size = 16});
//   ... run until load.finished()
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/tcp_apps.hpp"
#include "runtime/host.hpp"

namespace wirestack::app {

struct FixedResponderConfig {
  std::size_t request_size = 16;
  std::string response = std::string(16, 'p');
  std::uint32_t backlog = 4096;
};

class FixedResponder {
 public:
  FixedResponder(runtime::Host& host, std::uint16_t port, FixedResponderConfig config = {});
  ~FixedResponder();
  FixedResponder(const FixedResponder&) = delete;
  FixedResponder& operator=(const FixedResponder&) = delete;
  const Result<IpEndpoint, tcp::SocketError>& bound() const { return listen_.bound; }
  std::uint64_t answered() const { return answered_; }

 private:
  struct Conn {
    tcp::SocketHandle h{};
    bool live = false;
    std::size_t got = 0;
  };
  void on_activity();
  void serve(tcp::SocketHandle h);

  runtime::Host& host_;
  FixedResponderConfig config_;
  Listener listen_;
  std::vector<Conn> conns_;  // by the handle's slot index
  std::uint64_t answered_ = 0;
  std::size_t hook_ = 0;
};

struct RequestLoadConfig {
  std::uint64_t count = 1000;  // connections in all
  std::uint32_t parallel = 1;  // at most this many at once
  std::string request = std::string(16, 'q');
  std::size_t response_size = 16;  // a cycle succeeds when exactly this much came before the close
};

class RequestLoad {
 public:
  RequestLoad(runtime::Host& host, IpEndpoint server, RequestLoadConfig config);
  ~RequestLoad();
  RequestLoad(const RequestLoad&) = delete;
  RequestLoad& operator=(const RequestLoad&) = delete;

  std::uint64_t started() const { return started_; }
  std::uint64_t completed() const { return completed_; }
  std::uint64_t failed() const { return failed_; }
  bool finished() const { return completed_ + failed_ >= config_.count; }

 private:
  struct Conn {
    tcp::SocketHandle h{};
    bool live = false;
    bool sent = false;
    std::size_t got = 0;
  };
  void start_one();
  void on_activity();

  runtime::Host& host_;
  IpEndpoint server_;
  RequestLoadConfig config_;
  std::vector<Conn> conns_;  // by the handle's slot index
  std::uint64_t started_ = 0;
  std::uint64_t completed_ = 0;
  std::uint64_t failed_ = 0;
  std::size_t hook_ = 0;
};

}  // namespace wirestack::app
