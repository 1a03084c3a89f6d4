// app/stream_server.hpp — a TCP server that accepts whoever comes and serves
// many connections at once, on any runtime::Host (the simulator or a TAP
// device). The protocol lives in a Session: bytes in, bytes out, no sockets;
// the server does the rest:
//
//   * accepting (up to max_connections at once; beyond that new connections
//     wait in the listener's backlog);
//   * reading only while the connection's pending output is below
//     max_output_bytes: a client that sends requests but never reads the
//     answers makes its TCP window close, not the server's memory grow
//     (backpressure);
//   * an idle timeout: a connection with no bytes in or out for idle_timeout
//     is handed to Session::on_idle() (HTTP answers 408 when a request was
//     half received) and closed;
//   * graceful shutdown: stop accepting, let each session finish what it is
//     doing (Session::on_drain), close connections once their output is sent;
//   * a misbehaving client (reset, garbage) only ever affects its own session.
//
// Events come from runtime::Host::tcp_changed(), so one hook serves 10,000
// connections without looking at each of them on every frame.
//
//   struct Echo final : app::Session {
//     void on_data(Bytes in, app::SessionIo& io) override { io.write(in); }
//   };
//   app::StreamServer server(host, 7, [] { return std::make_unique<Echo>(); });
//   if (!server.listening()) fail(server.listening().error().message);
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "runtime/host.hpp"
#include "tcp/socket_table.hpp"

namespace wirestack::app {

// What a session may do with its connection.
class SessionIo {
 public:
  virtual ~SessionIo() = default;
  virtual void write(Bytes data) = 0;
  void write(std::string_view s) { write(as_bytes(s)); }
  // Close once everything written so far has been sent (FIN after the data).
  virtual void close() = 0;
  virtual Instant now() const = 0;
  virtual std::chrono::system_clock::time_point wall_clock() const = 0;
  virtual IpEndpoint peer() const = 0;
  // The host's address and port the peer connected to.
  virtual IpEndpoint local() const = 0;
  // Output written but not yet taken by TCP.
  virtual std::size_t pending_output() const = 0;
  // pending_output() has reached the server's max_output_bytes: a session
  // holding more requests (pipelining) stops answering until on_writable().
  virtual bool output_full() const = 0;
};

class Session {
 public:
  virtual ~Session() = default;
  // Bytes arrived (any segmentation).
  virtual void on_data(Bytes data, SessionIo& io) = 0;
  // The output drained below the bound again: go on with input already
  // received (requests held back while output_full()). Default: nothing.
  virtual void on_writable(SessionIo& /*io*/) {}
  // The peer closed its sending side. Default: close ours too.
  virtual void on_eof(SessionIo& io) { io.close(); }
  // No bytes either way for the idle timeout. Default: close.
  virtual void on_idle(SessionIo& io) { io.close(); }
  // The server is shutting down: finish the current exchange, then close
  // (HTTP: answer the request in progress with Connection: close). Default:
  // close now (after pending output).
  virtual void on_drain(SessionIo& io) { io.close(); }
};

struct StreamServerConfig {
  std::uint32_t backlog = 1024;
  std::size_t max_connections = 16384;
  std::size_t max_output_bytes = 256 * 1024;  // per connection, before reading stops
  Duration idle_timeout = std::chrono::seconds{30};
};

struct StreamServerStats {
  std::uint64_t accepted = 0;
  std::uint64_t closed = 0;        // by us or the peer
  std::uint64_t idle_timeouts = 0;
  std::uint64_t resets = 0;        // connections that failed (reset, timed out)
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::size_t active = 0;
  std::size_t peak_active = 0;
};

class StreamServer {
 public:
  using Factory = std::function<std::unique_ptr<Session>()>;

  StreamServer(runtime::Host& host, std::uint16_t port, Factory factory, StreamServerConfig config = {});
  ~StreamServer();
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  const Result<IpEndpoint, tcp::SocketError>& listening() const { return bound_; }
  const StreamServerStats& stats() const { return stats_; }
  // Graceful shutdown (see the file comment); done() once every connection closed.
  void shutdown();
  bool done() const { return draining_ && conns_.empty(); }

 private:
  struct Conn;
  void on_activity();
  void accept_all();
  void service(Conn& c);  // read, hand to the session, write, close
  void flush(Conn& c);
  void finish(std::uint32_t key);

  runtime::Host& host_;
  StreamServerConfig config_;
  Factory factory_;
  tcp::SocketHandle listener_;
  Result<IpEndpoint, tcp::SocketError> bound_;
  std::unordered_map<std::uint32_t, std::unique_ptr<Conn>> conns_;  // by socket slot
  std::optional<Instant> next_idle_check_;
  StreamServerStats stats_;
  std::size_t hook_ = 0;
  bool draining_ = false;
};

}  // namespace wirestack::app
