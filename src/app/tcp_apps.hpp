// app/tcp_apps.hpp — TCP applications for any runtime::Host (simulated, TAP
// or kernel sockets): an echo server, a sink that hashes what it receives, a
// bulk sender, and a client that sends a message and reads the answer. They
// use only the host's socket API (runtime::TcpSockets), as a real program
// would, and run from the host's activity hooks.
//
// Bulk data is a deterministic pseudo-random stream (TcpStream): the sender
// and the receiver each hash the bytes they saw (XXH64), so a test
// compares hashes, not megabytes.
//
//   app::TcpSinkServer sink(server, 5001);
//   app::TcpBulkClient bulk(client, {server_ip, 5001}, {.bytes = 10 << 20});
//   world.run_until(at(60s));
//   bulk.result().finished && sink.connections()[0].hash == bulk.result().hash
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#define XXH_STATIC_LINKING_ONLY  // XXH64_state_t by value
#include <xxhash.h>

#include "base/rng.hpp"
#include "runtime/host.hpp"
#include "tcp/socket_table.hpp"

namespace wirestack::app {

// XXH64 over a byte stream fed in pieces (the value does not depend on
// where the pieces are cut). It runs at memory speed: a sink checks every
// byte of a multi-gigabit transfer without becoming its bottleneck (FNV-1a,
// a byte at a time, held TAP receive to 5.5 Gbit/s). The state lives here,
// 88 bytes, no allocation.
class StreamHash {
 public:
  StreamHash() { XXH64_reset(&state_, 0); }
  void update(Bytes data) { XXH64_update(&state_, data.data(), data.size()); }
  std::uint64_t value() const { return XXH64_digest(&state_); }

 private:
  XXH64_state_t state_{};
};

// The bytes of a pseudo-random stream, produced in order in pieces.
class TcpStream {
 public:
  explicit TcpStream(std::uint64_t seed) : rng_(seed) {}
  // Fills `out` with the next bytes of the stream.
  void next(MutBytes out);

 private:
  Rng rng_;
  std::uint64_t word_ = 0;
  int left_ = 0;  // bytes of word_ not yet used
};

// A socket listening on `port` of every IPv4 address of `host`: its handle,
// and the endpoint it is bound to or why binding or listening failed; and
// beside it one on the same port of every IPv6 address, where the host
// speaks IPv6 (not the kernel-socket host, which is IPv4 only).
struct Listener {
  tcp::SocketHandle handle;
  Result<IpEndpoint, tcp::SocketError> bound;
  std::optional<tcp::SocketHandle> handle6;
  bool owns(tcp::SocketHandle h) const { return h == handle || (handle6 && h == *handle6); }
};
Listener listen_on(runtime::Host& host, std::uint16_t port, std::uint32_t backlog);
// The IPv6 listener on `port` (that of an IPv4 listener already bound), or
// nothing where the host has no IPv6.
std::optional<tcp::SocketHandle> listen_v6(runtime::Host& host, std::uint16_t port, std::uint32_t backlog);
// The next connection waiting on either of `l`'s sockets.
std::optional<tcp::SocketHandle> accept_next(runtime::TcpSockets& tcp, const Listener& l);
void close_listener(runtime::TcpSockets& tcp, const Listener& l);

// Accepts every connection on `port` and sends back what it receives; closes
// its side when the peer has closed and everything was echoed.
class TcpEchoServer {
 public:
  TcpEchoServer(runtime::Host& host, std::uint16_t port, std::uint32_t backlog = 128);
  ~TcpEchoServer();
  TcpEchoServer(const TcpEchoServer&) = delete;
  TcpEchoServer& operator=(const TcpEchoServer&) = delete;
  const Result<IpEndpoint, tcp::SocketError>& bound() const { return listen_.bound; }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t bytes_echoed() const { return echoed_; }
  std::size_t active() const { return conns_.size(); }

 private:
  struct Conn {
    tcp::SocketHandle h;
    std::vector<std::byte> pending;  // received, not yet taken by send()
    bool eof = false;
  };
  void on_activity();

  runtime::Host& host_;
  Listener listen_;
  std::vector<Conn> conns_;
  std::uint64_t accepted_ = 0;
  std::uint64_t echoed_ = 0;
  std::size_t hook_ = 0;
};

// Accepts every connection on `port`, reads everything, and records per
// connection what arrived and when (for throughput and integrity checks).
class TcpSinkServer {
 public:
  struct Record {
    IpEndpoint peer;
    std::uint64_t bytes = 0;
    std::uint64_t hash = 0;
    Instant accepted_at{};
    std::optional<Instant> first_byte_at;
    std::optional<Instant> last_byte_at;
    bool eof = false;                   // the peer closed cleanly
    std::optional<tcp::Errc> error;     // reset, ...
  };
  // `keep_records`: how many per-connection records to keep at most; the
  // oldest finished ones are dropped beyond it (the totals stay exact), so a
  // long-running discard server does not grow without bound.
  TcpSinkServer(runtime::Host& host, std::uint16_t port, std::uint32_t backlog = 128,
                std::size_t keep_records = std::numeric_limits<std::size_t>::max());
  ~TcpSinkServer();
  TcpSinkServer(const TcpSinkServer&) = delete;
  TcpSinkServer& operator=(const TcpSinkServer&) = delete;
  const Result<IpEndpoint, tcp::SocketError>& bound() const { return listen_.bound; }
  // The records kept, oldest first: all of them unless keep_records was set;
  // then every live connection's and the newest finished ones.
  const std::deque<Record>& connections() const { return records_; }
  // Over every connection ever accepted, kept or not.
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t total_bytes() const { return total_bytes_; }
  tcp::SocketHandle listener() const { return listen_.handle; }

 private:
  struct Conn {
    tcp::SocketHandle h;
    std::size_t record = 0;  // its Record: records_[record]
    StreamHash hash;
    bool done = false;
  };
  void on_activity();
  void read(Conn& c, Instant now);
  static std::uint64_t key(tcp::SocketHandle h) { return std::uint64_t{h.generation} << 32 | h.index; }

  runtime::Host& host_;
  Listener listen_;
  std::size_t keep_records_;
  std::vector<Conn> conns_;
  // Where each connection is in conns_, by handle: a round reads the
  // connections whose socket changed (Host::tcp_changed), not all of them
  // (a hundred senders: a hundred recv() calls per frame, most of them
  // "no data", were a third of the run).
  std::unordered_map<std::uint64_t, std::size_t> index_;
  std::vector<std::size_t> ready_;  // this round's, indices into conns_
  std::deque<Record> records_;
  std::uint64_t accepted_ = 0;
  std::uint64_t total_bytes_ = 0;
  std::size_t hook_ = 0;
};

struct TcpBulkConfig {
  std::uint64_t bytes = 1 << 20;       // to send; 0: connect and close
  std::uint64_t seed = 1;              // of the TcpStream
  Duration start = Duration::zero();   // after construction
  std::uint16_t local_port = 0;        // 0: ephemeral
  bool close_when_done = true;         // FIN after the last byte
};

struct TcpBulkResult {
  bool connected = false;               // reached ESTABLISHED
  bool finished = false;                // every byte and the FIN acknowledged
  std::optional<tcp::Errc> error;       // refused, reset, timed out, ...
  std::uint64_t bytes_sent = 0;         // taken by send()
  std::uint64_t hash = 0;               // of the bytes sent (StreamHash)
  Instant started_at{};
  std::optional<Instant> connected_at;
  std::optional<Instant> finished_at;
  std::uint32_t retransmits = 0;        // as the connection counted them
  // bytes / (finished_at - connected_at), bits per second; 0 if unfinished.
  double goodput_bps() const;
};

// Connects to `dst`, sends `bytes` of the stream, closes, and waits until the
// peer has acknowledged everything (FIN-WAIT-2 or later).
class TcpBulkClient {
 public:
  TcpBulkClient(runtime::Host& host, IpEndpoint dst, TcpBulkConfig config);
  ~TcpBulkClient();
  TcpBulkClient(const TcpBulkClient&) = delete;
  TcpBulkClient& operator=(const TcpBulkClient&) = delete;
  // With the hash of every byte sent so far (taken now, if not yet).
  const TcpBulkResult& result() const;
  // result() without bringing its hash up to date (it is that of the last
  // result() call): for a progress line that does not print it.
  const TcpBulkResult& status() const { return result_; }
  bool done() const { return result_.finished || result_.error.has_value(); }
  tcp::SocketHandle socket() const { return socket_; }
  // cwnd and friends while the connection lives (nullptr before / after).
  const tcp::Connection* connection() const;

 private:
  void start();
  void on_activity();

  runtime::Host& host_;
  IpEndpoint dst_;
  TcpBulkConfig config_;
  TcpStream stream_;
  // The hash of what was sent is taken when result() is asked for, from a
  // second copy of the stream (the bytes are a function of the seed): a
  // transfer nobody asks about, as a benchmark's endless one, does not pay
  // for it; one asked about at the end pays it once, as before, and the
  // value is the same.
  mutable TcpStream hash_stream_;
  mutable StreamHash hash_;
  mutable std::uint64_t hashed_ = 0;  // bytes of the stream hash_ has seen
  std::vector<std::byte> chunk_;  // generated, not yet taken by send()
  std::size_t chunk_off_ = 0;
  tcp::SocketHandle socket_;
  mutable TcpBulkResult result_;  // its hash brought up to date by result()
  Instant start_at_{};
  std::size_t hook_ = 0;
  bool started_ = false;
  bool shut_ = false;
};

// Connects, sends `request`, reads the answer, then closes: the one
// request/response client under the HTTP and JSON-RPC clients (app/
// http_client.hpp, app/rpc_client.hpp) and the echo tests. The answer ends
// when `complete` says so, or after `expect` bytes, or when the peer closes.
class TcpRequestClient {
 public:
  struct Config {
    std::string request = "hello";
    std::size_t expect = 0;  // 0: read until the peer closes; else stop after this many bytes
    // When set: called with each piece of the answer as it arrives; true
    // when the pieces so far make a whole answer (the client then closes
    // without waiting for the peer's FIN).
    // The request's sending side stays open (a keep-alive protocol's peer
    // may not answer a half-closed connection); without it, the client
    // shuts down its side once the request is sent (HTTP/1.0 style).
    std::function<bool(std::string_view piece)> complete;
    Duration start = Duration::zero();
    // Zero: no limit. Else the exchange fails with timed_out if not done
    // this long after it started.
    Duration timeout = Duration::zero();
    // Called once, when done() becomes true.
    std::function<void()> on_done;
  };
  TcpRequestClient(runtime::Host& host, IpEndpoint dst, Config config);
  ~TcpRequestClient();
  TcpRequestClient(const TcpRequestClient&) = delete;
  TcpRequestClient& operator=(const TcpRequestClient&) = delete;
  const std::string& response() const { return response_; }
  bool done() const { return done_; }
  std::optional<tcp::Errc> error() const { return error_; }
  std::optional<Duration> latency() const { return latency_; }  // connect() to the last byte

 private:
  void start();
  void on_activity();
  void finish(std::optional<tcp::Errc> error);

  runtime::Host& host_;
  IpEndpoint dst_;
  Config config_;
  tcp::SocketHandle socket_;
  std::string response_;
  std::size_t sent_ = 0;
  Instant started_at_{};
  std::optional<Duration> latency_;
  std::optional<tcp::Errc> error_;
  Instant start_at_{};
  runtime::TimerId timeout_{};
  runtime::TimerId start_timer_{};
  bool started_ = false;
  bool shut_ = false;
  bool done_ = false;
};

}  // namespace wirestack::app
