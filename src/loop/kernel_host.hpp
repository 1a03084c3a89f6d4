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
#include "runtime/udp_sockets.hpp"

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
  Result<void, tcp::SocketError> set_buffer_sizes(tcp::SocketHandle h, tcp::BufferSizes sizes) override;
  Result<void, tcp::SocketError> set_nodelay(tcp::SocketHandle h, bool on) override;
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

// UDP on the kernel's sockets (AF_INET, non-blocking), in kernel_udp.cpp.
class KernelUdpSockets final : public runtime::UdpSockets {
 public:
  explicit KernelUdpSockets(KernelHost& host) : host_(host) {}
  ~KernelUdpSockets() override;
  KernelUdpSockets(const KernelUdpSockets&) = delete;
  KernelUdpSockets& operator=(const KernelUdpSockets&) = delete;

  udp::SocketHandle open() override;
  bool close(udp::SocketHandle h) override;
  Result<IpEndpoint, udp::Error> bind(udp::SocketHandle h, IpEndpoint local) override;
  Result<void, udp::Error> connect(udp::SocketHandle h, IpEndpoint remote) override;
  Result<void, udp::Error> send_to(udp::SocketHandle h, IpEndpoint dst, Bytes payload) override;
  Result<void, udp::Error> send(udp::SocketHandle h, Bytes payload) override;
  Result<udp::Datagram, udp::Error> recv_from(udp::SocketHandle h) override;
  std::optional<udp::Errc> take_error(udp::SocketHandle h) override;
  std::optional<IpEndpoint> local_endpoint(udp::SocketHandle h) const override;

  std::size_t open_count() const { return socks_.size(); }

 private:
  // A handle is {fd, serial}; a closed socket's handle is refused even if
  // the kernel reuses its descriptor number.
  int fd_of(udp::SocketHandle h) const;

  struct Sock {
    std::uint32_t serial = 0;
    // An error recv() took from the kernel, kept for take_error() as our
    // stack keeps it (recv there never reports the network's errors).
    std::optional<udp::Errc> error;
  };
  KernelHost& host_;
  std::unordered_map<int, Sock> socks_;  // by descriptor
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
  runtime::UdpSockets& udp() override { return udp_; }
  // ICMP echo through a raw socket (kernel_udp.cpp): needs CAP_NET_RAW
  // (root); without it, an error that says so.
  Result<void, transport::SocketError> send_echo(const IpAddress& dst, std::uint16_t ident, std::uint16_t seq,
                                                 std::size_t payload_len, runtime::EchoOptions options = {}) override;
  Instant now() const override { return clock_.now(); }
  std::chrono::system_clock::time_point wall_clock() const override { return std::chrono::system_clock::now(); }
  void for_each_counter(const iface::CounterVisitor& visit) const override;
  void kick() override;
  void wake_at(Instant t) override { (void)activity_.request_wake(t); }
  runtime::TimerId schedule_at(Instant at, std::function<void()> fn) override { return timers_.add(at, std::move(fn)); }
  void cancel(runtime::TimerId id) override { timers_.cancel(id); }

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
  friend class KernelUdpSockets;
  // The activity loop's world: the sockets epoll reported, and the echo
  // replies and ICMP errors the raw socket read, before the hooks; nothing
  // to flush after them (the kernel sends at once).
  class World final : public runtime::ActivityLoop::World {
   public:
    explicit World(KernelHost& h) : host_(h) {}
    void collect(runtime::ActivityLoop& loop) override;
    bool flush() override { return false; }

   private:
    KernelHost& host_;
  };
  void after_activity();
  // Reads what the raw ICMP socket holds into pending_replies_ / pending_errors_.
  void drain_icmp();
  void watch(int fd);  // add to the epoll set
  void unwatch(int fd);

  RealClock clock_;
  KernelTcpSockets tcp_{*this};
  KernelUdpSockets udp_{*this};
  World world_{*this};
  int epoll_ = -1;
  int icmp_ = -1;  // the raw ICMP socket, opened by the first send_echo()
  bool handle_signals_;
  std::vector<tcp::SocketHandle> pending_changed_;  // from epoll, for the next round
  std::vector<runtime::EchoReply> pending_replies_;
  std::vector<runtime::IcmpReport> pending_errors_;
  runtime::TimerQueue timers_;
  bool stop_ = false;
  KernelHostCounters counters_;
  std::optional<std::string> congestion_;
};

}  // namespace wirestack::loop
