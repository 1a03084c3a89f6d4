// loop/kernel_host.hpp — a runtime::Host whose sockets are the Linux kernel's
// own (socket(2), non-blocking, epoll): the third world an application runs
// in, unchanged. A server tested deterministically in the simulator, with
// loss and faults, is deployed on the kernel's TCP by constructing it on a
// KernelHost instead.
//
// The event loop is TapHost's: run() waits in epoll (every socket, level-
// triggered, plus a signalfd for SIGINT/SIGTERM) until a socket is ready or
// an application's wake_at() is due, then runs the hooks; tcp_changed() holds
// the sockets epoll reported. Handles are {fd, serial}: a closed socket's
// handle is refused even if the kernel reuses its descriptor number.
//
//   loop::KernelHost host;
//   app::HttpServer web(host, 8080);        // the same class as on TAP / in the simulator
//   host.run(std::chrono::seconds{10});
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.hpp"
#include "loop/real_clock.hpp"
#include "loop/tap_host.hpp"
#include "runtime/host.hpp"
#include "runtime/tcp_sockets.hpp"

namespace wirestack::loop {

class KernelHost;

class KernelTcpSockets final : public runtime::TcpSockets {
 public:
  explicit KernelTcpSockets(KernelHost& host) : host_(host) {}
  ~KernelTcpSockets() override;
  KernelTcpSockets(const KernelTcpSockets&) = delete;
  KernelTcpSockets& operator=(const KernelTcpSockets&) = delete;

  tcp::SocketHandle open() override;
  Result<IpEndpoint, tcp::SocketError> bind(tcp::SocketHandle h, IpEndpoint local) override;
  Result<void, tcp::SocketError> listen(tcp::SocketHandle h, std::uint32_t backlog) override;
  Result<tcp::SocketHandle, tcp::SocketError> accept(tcp::SocketHandle listener) override;
  Result<void, tcp::SocketError> connect(tcp::SocketHandle h, IpEndpoint remote, Instant now) override;
  Result<std::size_t, tcp::SocketError> send(tcp::SocketHandle h, Bytes data) override;
  Result<std::size_t, tcp::SocketError> recv(tcp::SocketHandle h, MutBytes out) override;
  Result<void, tcp::SocketError> shutdown_send(tcp::SocketHandle h) override;
  Result<void, tcp::SocketError> close(tcp::SocketHandle h) override;
  Result<void, tcp::SocketError> abort(tcp::SocketHandle h) override;
  std::optional<tcp::Errc> take_error(tcp::SocketHandle h) override;
  std::uint8_t readiness(tcp::SocketHandle h) const override;
  std::optional<tcp::State> state(tcp::SocketHandle h) const override;
  std::optional<IpEndpoint> remote_endpoint(tcp::SocketHandle h) const override;
  std::optional<IpEndpoint> local_endpoint(tcp::SocketHandle h) const override;
  bool all_acknowledged(tcp::SocketHandle h) const override;

  std::size_t open_count() const { return socks_.size(); }

 private:
  friend class KernelHost;
  struct Sock {
    std::uint32_t serial = 0;
    bool listening = false;
    bool connecting = false;  // connect() in progress
    bool connected = false;
    bool shut = false;
    std::optional<tcp::Errc> error;
  };
  Sock* find(tcp::SocketHandle h);
  const Sock* find(tcp::SocketHandle h) const;
  // Finishes a connect() once the socket is writable (SO_ERROR).
  void settle(int fd, Sock& s) const;

  KernelHost& host_;
  std::unordered_map<int, Sock> socks_;
  std::uint32_t next_serial_ = 1;
};

struct KernelHostCounters {
  std::uint64_t wakeups = 0;
  std::uint64_t sockets_opened = 0;
  std::uint64_t accepted = 0;
};

class KernelHost final : public runtime::Host {
 public:
  explicit KernelHost(bool handle_signals = true);
  ~KernelHost() override;
  KernelHost(const KernelHost&) = delete;
  KernelHost& operator=(const KernelHost&) = delete;

  runtime::TcpSockets& tcp() override { return tcp_; }
  Instant now() const override { return clock_.now(); }
  std::chrono::system_clock::time_point wall_clock() const override { return std::chrono::system_clock::now(); }
  void for_each_counter(const iface::CounterVisitor& visit) const override;
  std::size_t on_activity(std::function<void()> hook) override;
  void remove_activity(std::size_t token) override;
  void kick() override;
  void wake_at(Instant t) override;
  runtime::TimerId schedule_at(Instant at, std::function<void()> fn) override { return timers_.add(at, std::move(fn)); }
  void cancel(runtime::TimerId id) override { timers_.cancel(id); }
  const std::vector<tcp::SocketHandle>& tcp_changed() const override { return changed_; }

  // TCP_CONGESTION for every socket listened or connected on from now on
  // (accepted connections inherit their listener's). The name is Linux's
  // ("reno", "cubic", "bbr", ...); it is tried at once on a throwaway socket,
  // so a name the kernel lacks, or one this user may not set, is an error
  // here that lists what the kernel offers.
  Result<void, std::string> set_tcp_congestion(std::string name);
  const std::optional<std::string>& tcp_congestion() const { return congestion_; }

  void stop() { stop_ = true; }
  Result<StopReason, std::string> run(std::optional<Duration> limit = std::nullopt);

 private:
  friend class KernelTcpSockets;
  void after_activity();
  void watch(int fd);  // add to the epoll set
  void unwatch(int fd);

  RealClock clock_;
  KernelTcpSockets tcp_{*this};
  int epoll_ = -1;
  bool handle_signals_;
  std::deque<std::function<void()>> hooks_;
  std::vector<std::size_t> removed_;
  std::vector<tcp::SocketHandle> changed_;
  std::vector<tcp::SocketHandle> pending_changed_;  // from epoll, for the next round
  std::optional<Instant> app_wake_;
  runtime::TimerQueue timers_;
  bool in_activity_ = false;
  bool again_ = false;
  bool stop_ = false;
  KernelHostCounters counters_;
  std::optional<std::string> congestion_;
};

}  // namespace wirestack::loop
