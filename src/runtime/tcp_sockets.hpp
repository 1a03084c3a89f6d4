// runtime/tcp_sockets.hpp — the TCP socket calls an application makes,
// whichever stack is underneath: ours (tcp::SocketTable, in the simulator or
// on a TAP device) or the Linux kernel's (loop::KernelHost, over epoll).
//
// Non-blocking and poll-style, errors as values; the vocabulary (handles,
// endpoints, Errc, State) is tcp/'s. A kernel backend maps errno onto the
// same Errc values, so "connection refused" reads the same on both.
//
//   runtime::TcpSockets& tcp = host.tcp();
//   auto s = tcp.open();
//   if (auto r = tcp.connect(s, {addr, 80}, host.now()); !r) fail(r.error().message);
//   ... in the host's activity hook:
//   if (tcp.readiness(s) & tcp::ready::kReadable) { auto n = tcp.recv(s, buf); ... }
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "tcp/socket_table.hpp"

namespace wirestack::runtime {

class TcpSockets {
 public:
  virtual ~TcpSockets() = default;
  virtual tcp::SocketHandle open() = 0;
  virtual Result<IpEndpoint, tcp::SocketError> bind(tcp::SocketHandle h, IpEndpoint local) = 0;
  virtual Result<void, tcp::SocketError> listen(tcp::SocketHandle h, std::uint32_t backlog) = 0;
  virtual Result<tcp::SocketHandle, tcp::SocketError> accept(tcp::SocketHandle listener) = 0;
  virtual Result<void, tcp::SocketError> connect(tcp::SocketHandle h, IpEndpoint remote, Instant now) = 0;
  virtual Result<std::size_t, tcp::SocketError> send(tcp::SocketHandle h, Bytes data) = 0;
  virtual Result<std::size_t, tcp::SocketError> recv(tcp::SocketHandle h, MutBytes out) = 0;
  virtual Result<void, tcp::SocketError> shutdown_send(tcp::SocketHandle h) = 0;
  virtual Result<void, tcp::SocketError> close(tcp::SocketHandle h) = 0;
  virtual Result<void, tcp::SocketError> abort(tcp::SocketHandle h) = 0;
  // Fixed buffer sizes (SO_RCVBUF / SO_SNDBUF; 0 leaves a side as it is):
  // autotuning stops for that side. The kernel doubles what it is given
  // (its bookkeeping) and caps it at net.core.rmem_max / wmem_max.
  virtual Result<void, tcp::SocketError> set_buffer_sizes(tcp::SocketHandle h, tcp::BufferSizes sizes) = 0;
  // TCP_NODELAY: a short segment leaves at once instead of waiting for the
  // ACK of the one before it (Nagle, RFC 9293 3.7.4). For a protocol whose
  // short replies follow each other unprompted (FTP's 150, then 226), which
  // Nagle would hold for the peer's delayed ACK.
  virtual Result<void, tcp::SocketError> set_nodelay(tcp::SocketHandle h, bool on) = 0;
  virtual std::optional<tcp::Errc> take_error(tcp::SocketHandle h) = 0;
  virtual std::uint8_t readiness(tcp::SocketHandle h) const = 0;  // tcp::ready bits
  // LISTEN, SYN-SENT while connecting, ESTABLISHED once connected; ours reports every state.
  virtual std::optional<tcp::State> state(tcp::SocketHandle h) const = 0;
  virtual std::optional<IpEndpoint> remote_endpoint(tcp::SocketHandle h) const = 0;
  // The address and port this socket is bound to (getsockname): a server's
  // accepted connection says which of the host's addresses the peer used.
  virtual std::optional<IpEndpoint> local_endpoint(tcp::SocketHandle h) const = 0;
  // Everything sent has been acknowledged by the peer, our FIN included if
  // shutdown_send() was called (a bulk sender's "done").
  virtual bool all_acknowledged(tcp::SocketHandle h) const = 0;
  // Our stack's connection, for observation (cwnd, srtt, retransmissions);
  // nullptr on the kernel's sockets.
  virtual const tcp::Connection* connection(tcp::SocketHandle /*h*/) const { return nullptr; }
};

// Our stack's sockets behind the interface.
class StackTcpSockets final : public TcpSockets {
 public:
  explicit StackTcpSockets(tcp::SocketTable& table) : t_(table) {}
  tcp::SocketHandle open() override { return t_.open(); }
  Result<IpEndpoint, tcp::SocketError> bind(tcp::SocketHandle h, IpEndpoint local) override {
    return t_.bind(h, local);
  }
  Result<void, tcp::SocketError> listen(tcp::SocketHandle h, std::uint32_t backlog) override {
    return t_.listen(h, backlog);
  }
  Result<tcp::SocketHandle, tcp::SocketError> accept(tcp::SocketHandle l) override { return t_.accept(l); }
  Result<void, tcp::SocketError> connect(tcp::SocketHandle h, IpEndpoint remote, Instant now) override {
    return t_.connect(h, remote, now);
  }
  Result<std::size_t, tcp::SocketError> send(tcp::SocketHandle h, Bytes data) override { return t_.send(h, data); }
  Result<std::size_t, tcp::SocketError> recv(tcp::SocketHandle h, MutBytes out) override { return t_.recv(h, out); }
  Result<void, tcp::SocketError> shutdown_send(tcp::SocketHandle h) override { return t_.shutdown_send(h); }
  Result<void, tcp::SocketError> close(tcp::SocketHandle h) override { return t_.close(h); }
  Result<void, tcp::SocketError> abort(tcp::SocketHandle h) override { return t_.abort(h); }
  Result<void, tcp::SocketError> set_buffer_sizes(tcp::SocketHandle h, tcp::BufferSizes sizes) override {
    return t_.set_buffer_sizes(h, sizes);
  }
  Result<void, tcp::SocketError> set_nodelay(tcp::SocketHandle h, bool on) override {
    tcp::Connection* c = t_.connection(h);
    if (c == nullptr) return Unexpected{tcp::SocketError{tcp::Errc::invalid_handle, "set_nodelay: not a connection"}};
    c->set_nagle(!on);
    return {};
  }
  std::optional<tcp::Errc> take_error(tcp::SocketHandle h) override { return t_.take_error(h); }
  std::uint8_t readiness(tcp::SocketHandle h) const override { return t_.readiness(h); }
  std::optional<tcp::State> state(tcp::SocketHandle h) const override { return t_.state(h); }
  std::optional<IpEndpoint> remote_endpoint(tcp::SocketHandle h) const override {
    return t_.remote_endpoint(h);
  }
  std::optional<IpEndpoint> local_endpoint(tcp::SocketHandle h) const override { return t_.local_endpoint(h); }
  bool all_acknowledged(tcp::SocketHandle h) const override {
    const tcp::Connection* c = t_.connection(h);
    if (c == nullptr) return false;
    const bool data = c->send_queue() == 0 && c->snd_una() == c->snd_nxt();
    const tcp::State s = c->state();
    const bool fin_sent = s == tcp::State::fin_wait_1 || s == tcp::State::fin_wait_2 || s == tcp::State::closing ||
                          s == tcp::State::time_wait || s == tcp::State::last_ack;
    return data && (!fin_sent || s == tcp::State::fin_wait_2 || s == tcp::State::time_wait);
  }
  const tcp::Connection* connection(tcp::SocketHandle h) const override { return t_.connection(h); }

 private:
  tcp::SocketTable& t_;
};

}  // namespace wirestack::runtime
