// app/stream_server.hpp — a TCP server that accepts whoever comes and serves
// many connections at once, on any runtime::Host (the simulator, a TAP device
// or the kernel's sockets). The protocol lives in a Session: bytes in, bytes
// out, no sockets; the server does the rest, and holds every client to the
// same Limits (one implementation for HTTP, JSON-RPC and whatever comes):
//
//   * accepting: beyond max_connections open, or max_per_address open from
//     one client address, a new connection is reset at once (counted in
//     ShedStats); the connections already open are not affected;
//   * a request timeout: a request must arrive whole within request_timeout,
//     counted from the accept for a connection's first request (a client that
//     connects and says nothing is closed too) and from its first byte for
//     the next ones (keep-alive), however slowly its bytes trickle in
//     (slowloris). The session says goodbye (Session::on_timeout: HTTP
//     answers 408 when a request was half received) and the server closes;
//   * an idle timeout between requests (keep-alive): no byte in or out for
//     idle_timeout, then the same goodbye;
//   * reading only while the connection's pending output is below
//     max_output_bytes: a client that sends requests but never reads the
//     answers makes its TCP window close, not the server's memory grow
//     (backpressure); and a send timeout: output that TCP has not taken
//     4 KiB of for send_timeout (the client stopped reading, or takes a
//     byte now and then) gets the connection reset;
//   * message size bounds (max_header_bytes, max_body_bytes) that the
//     sessions apply (HTTP 431/413, JSON-RPC's oversized-frame error) and
//     report with SessionIo::shed(), so one set of counters says what was shed;
//   * a lingering close: a connection closed with a request half read sends
//     its FIN and discards what still comes for linger_timeout, so that the
//     answer (413, 408 ...) is read before a RST could destroy it;
//   * graceful shutdown: stop accepting, let each session finish what it is
//     doing (Session::on_drain), close connections once their output is sent;
//   * a misbehaving client (reset, garbage) only ever affects its own session.
//
// Every deadline is a host timer (one per connection, moved lazily: activity
// only records the time, the timer re-checks when it fires), so in the
// simulator a half request is closed at exactly accept + request_timeout.
// Events come from runtime::Host::tcp_changed(), so one hook serves 10,000
// connections without looking at each of them on every frame.
//
// Memory per connection is bounded by the limits: the request being parsed
// (max_header_bytes + max_body_bytes, plus one read of 16 KiB), the output
// (max_output_bytes, plus the one answer that crossed it), and TCP's buffers.
//
//   struct Echo final : app::Session {
//     void on_data(Bytes in, app::SessionIo& io) override { io.write(in); }
//   };
//   app::StreamServer server(host, 7, [] { return std::make_unique<Echo>(); },
//                            {.limits = {.request_timeout = 5s, .max_per_address = 64}});
//   if (!server.listening()) fail(server.listening().error().message);
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
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
  // A whole request was taken out of the input: the request timeout starts
  // again for the next one.
  virtual void message_complete() = 0;
  // The session refused a message over a size limit (counted in ShedStats).
  enum class Oversized { header, body };
  virtual void shed(Oversized what) = 0;
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
  // Part of a request has been received, not yet the whole of it (the
  // request timeout runs while so). Default: never (a byte stream without
  // messages, such as echo: only the idle timeout applies once it spoke).
  virtual bool partial() const { return false; }
  // The request or idle timeout struck: say goodbye if the protocol has a
  // word for it (HTTP: 408 for a request half received); the server closes
  // the connection after it either way. Default: nothing.
  virtual void on_timeout(SessionIo& /*io*/) {}
  // The server is shutting down: finish the current exchange, then close
  // (HTTP: answer the request in progress with Connection: close). Default:
  // close now (after pending output).
  virtual void on_drain(SessionIo& io) { io.close(); }
};

// What one client, and all of them together, may hold of the server. The
// defaults are for a small public server: generous to a real client on a
// slow link, and bounded against one that is not.
struct Limits {
  // A request (HTTP head and body, one JSON-RPC message) must arrive whole
  // within this (Apache's RequestReadTimeout header=20-40, nginx's
  // client_header_timeout 60 s): 30 s covers a request lost four times on a
  // lossy path (TCP resends it after 1, 2, 4 and 8 s of back-off, from an
  // initial RTO of 1 s; 10 s did not, and the seed explorer found a client
  // closed on before its third copy arrived) and still 35 KB/s for a 1 MiB
  // body. 0: none.
  Duration request_timeout = std::chrono::seconds{30};
  // A connection between requests with no byte in or out (keep-alive; nginx
  // keepalive_timeout 75 s, Apache 5 s).
  Duration idle_timeout = std::chrono::seconds{30};
  // Output that TCP has not taken 4 KiB of (nor all of it) for this long:
  // the client has stopped reading, or reads a few bytes at a time; its
  // connection is reset.
  Duration send_timeout = std::chrono::seconds{10};
  // Connections open at once, in all and from one client address; beyond
  // them a new connection is reset at once. One address may hold 1/16 of
  // the slots: it takes 16 to fill the server, while a load generator or a
  // NAT of many users still gets its 1,000 connections.
  std::size_t max_connections = 16384;
  std::size_t max_per_address = 1024;
  // Sizes the sessions enforce: an HTTP request head (field lines; the
  // request line has its own 8 KiB), answered 431; a body or JSON-RPC
  // message, answered 413 / -32000 and closed.
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_body_bytes = 1024 * 1024;
  // Output buffered per connection before the server stops reading from it.
  std::size_t max_output_bytes = 256 * 1024;
  // A connection closed with a request half read (413, 431, 408, garbage)
  // sends its FIN and then reads and discards for up to this long before it
  // closes, so that the client reads the answer before any RST (nginx's
  // lingering_timeout is 5 s). 0: close at once.
  Duration linger_timeout = std::chrono::seconds{2};
};

struct StreamServerConfig {
  std::uint32_t backlog = 1024;
  Limits limits{};
};

// What the limits shed, by reason.
struct ShedStats {
  std::uint64_t request_timeouts = 0;  // a request not whole within request_timeout
  std::uint64_t idle_timeouts = 0;     // idle between requests for idle_timeout
  std::uint64_t slow_readers = 0;      // output not taken for send_timeout: reset
  std::uint64_t over_max_connections = 0;  // refused (reset at accept): max_connections open
  std::uint64_t over_per_address = 0;      // refused: max_per_address open from that address
  std::uint64_t oversized_header = 0;  // HTTP 431 (and 414)
  std::uint64_t oversized_body = 0;    // HTTP 413, JSON-RPC message over max_body_bytes
  std::uint64_t total() const {
    return request_timeouts + idle_timeouts + slow_readers + over_max_connections + over_per_address +
           oversized_header + oversized_body;
  }
  // "name value" pairs in a fixed order, for status pages and summaries.
  template <typename F>
  void for_each(F&& f) const {
    f("request_timeouts", request_timeouts);
    f("idle_timeouts", idle_timeouts);
    f("slow_readers", slow_readers);
    f("over_max_connections", over_max_connections);
    f("over_per_address", over_per_address);
    f("oversized_header", oversized_header);
    f("oversized_body", oversized_body);
  }
};

struct StreamServerStats {
  std::uint64_t accepted = 0;      // refused ones included
  std::uint64_t closed = 0;        // by us or the peer
  std::uint64_t resets = 0;        // connections that failed (reset, timed out)
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::size_t active = 0;
  std::size_t peak_active = 0;
  ShedStats shed;
};

class StreamServer {
 public:
  using Factory = std::function<std::unique_ptr<Session>()>;

  StreamServer(runtime::Host& host, std::uint16_t port, Factory factory, StreamServerConfig config = {});
  ~StreamServer();
  StreamServer(const StreamServer&) = delete;
  StreamServer& operator=(const StreamServer&) = delete;

  // The IPv4 listener (the server also listens on IPv6 where it can).
  const Result<IpEndpoint, tcp::SocketError>& listening() const { return bound_; }
  const StreamServerStats& stats() const { return stats_; }
  const Limits& limits() const { return config_.limits; }
  // Connections open from `addr` now.
  std::size_t open_from(const IpAddress& addr) const;
  // Graceful shutdown (see the file comment); done() once every connection closed.
  void shutdown();
  bool done() const { return draining_ && conns_.empty(); }

 private:
  struct Conn;
  void on_activity();
  void accept_all();
  void accept_from(tcp::SocketHandle listener);
  void service(Conn& c);  // read, hand to the session, write, close
  void flush(Conn& c);
  void linger(Conn& c);  // read and discard until the client's FIN or linger_until
  void finish(std::uint32_t key);
  // The connection's next deadline (request, idle or send timeout).
  Instant deadline(const Conn& c) const;
  void arm(Conn& c);  // a timer at deadline(c), unless one is set no later
  void on_deadline(std::uint32_t key, tcp::SocketHandle h);

  runtime::Host& host_;
  StreamServerConfig config_;
  Factory factory_;
  tcp::SocketHandle listener_;
  Result<IpEndpoint, tcp::SocketError> bound_;
  // [::]:port beside 0.0.0.0:port (the families are separate port spaces);
  // absent where the host cannot listen on IPv6.
  std::optional<tcp::SocketHandle> listener6_;
  std::unordered_map<std::uint32_t, std::unique_ptr<Conn>> conns_;  // by socket slot
  std::map<IpAddress, std::size_t> per_address_;                   // open connections by peer address
  StreamServerStats stats_;
  std::size_t hook_ = 0;
  bool draining_ = false;
};

}  // namespace wirestack::app
