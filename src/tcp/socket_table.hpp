// tcp/socket_table.hpp — the TCP sockets of one host: listeners with their
// SYN and accept queues, SYN cookies when the SYN queue overflows, the
// connections (tcp/connection.hpp) demultiplexed by 4-tuple, the answer to
// segments nobody owns, and the timers of all of them. Sans-IO, like the
// connection: time comes in as `Instant now`, segments leave through the
// IpLayer the owner gives (iface::Interface in the stack).
//
// Sockets are named by a SocketHandle (slot + generation: a handle of a
// closed socket is refused, never aliased to a new one). The application
// side reads like BSD sockets, non-blocking, with errors as values:
//
//   tcp::SocketTable& tcp = host.tcp();
//   auto srv = tcp.open();
//   tcp.bind(srv, {IpAddress::any(IpFamily::v4), 8080});   // checked
//   tcp.listen(srv, 128);
//   ...after activity:
//   while (auto c = tcp.accept(srv)) { echo.push_back(*c); }
//   std::array<std::uint8_t, 4096> buf;
//   if (auto n = tcp.recv(c, buf); n && *n > 0) tcp.send(c, Bytes(buf.data(), *n));
//   tcp.close(c);   // graceful: the connection lingers (FIN, TIME-WAIT) without its handle
//
// The network side is for the interface: on_segment() for every TCP segment
// addressed to us (checksum verified), on_icmp_error() for ICMP errors about
// our segments, poll(now) when poll_at() is due. API calls do not send at
// once: they mark the connection, and the next poll() (poll_at() returns a
// past instant meanwhile) sends what is due, so an application that calls
// send() five times in a row produces full segments, not five small ones.
//
// Listen (RFC 9293 3.10.7.2): a SYN creates a connection in SYN-RECEIVED (the
// SYN queue, bounded by min(backlog, syn_backlog)); the handshake's ACK moves
// it to the accept queue (bounded by the backlog); accept() hands it out.
// While the SYN queue is full, SYN cookies (tcp/syn_cookie.hpp) answer
// instead, statelessly, and the returning ACK rebuilds the connection
// (counters: cookies sent / validated / rejected). With cookies off the SYN
// is dropped (syn_queue_drops): the seed's SYN flood. A SYN is also dropped
// while the accept queue is full (accept_queue_drops), as Linux does, since
// the connection could not be handed out; so is a handshake's ACK that
// finds it full (cookies may have filled it meanwhile): the child stays in
// SYN-RECEIVED and its SYN-ACK retransmission brings the ACK again.
//
// Segments that match no connection and no listener get a RST (RFC 9293
// 3.10.7.1), at most `rst_rate` per second (a token bucket; Linux has no such
// default, but a stack answering every scan or flood at line rate helps the
// attacker). A SYN that matches a connection in TIME-WAIT with a sequence
// number beyond its RCV.NXT ends the TIME-WAIT and opens a new connection
// (RFC 9293 3.10.7.4 note, RFC 1122 4.2.2.13), so busy clients can reuse ports.
//
// A connection whose handle the application closed (close()) is an orphan:
// it finishes its close (FIN, LAST-ACK, TIME-WAIT) and frees its slot when it
// reaches CLOSED; an orphan still in FIN-WAIT-2 after `orphan_fin_timeout` is
// dropped (Linux tcp_fin_timeout), so a peer that never closes cannot pin it.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <array>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/bytes.hpp"
#include "base/token_bucket.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "storage/fifo.hpp"
#include "storage/ring_buffer.hpp"
#include "storage/slot_index.hpp"
#include "tcp/connection.hpp"
#include "tcp/isn.hpp"
#include "tcp/syn_cookie.hpp"
#include "transport/error.hpp"
#include "transport/handle.hpp"
#include "transport/port_allocator.hpp"
#include "wire/ip_address.hpp"
#include "wire/tcp.hpp"

namespace wirestack::tcp {

using SocketHandle = transport::Handle<transport::TcpTag>;
using transport::Errc;
using transport::SocketError;
using transport::to_string;

// What the socket table needs from the IP layer below it, for either family.
class IpLayer {
 public:
  struct Path {
    IpAddress src;                  // the source address for this destination
    std::uint16_t mtu = 1500;       // the egress MTU
    std::uint16_t header_len = 20;  // the network header in front of TCP (IPv4 20, IPv6 40)
    // The egress device cuts TCP segments of several MSS itself (TSO): a
    // connection may send up to 64 KiB of new data as one segment.
    bool tso = false;
  };
  virtual ~IpLayer() = default;
  // Sends one segment: `header` then `payload` (two spans, valid during the
  // call) from src to dst (one family). Failures (no route, ARP queue full)
  // are the IP layer's to count; TCP retransmits. gso_size > 0 (only on a
  // path with tso): the payload is several segments of that many bytes (the
  // last may be shorter), each to carry a copy of `header`. `ecn`: the IP
  // header's ECN field (RFC 3168: 2 = ECT(0), 0 = Not-ECT).
  virtual void send_segment(const IpAddress& src, const IpAddress& dst, const TcpRepr& header,
                            storage::SpanPair payload, std::uint16_t gso_size, std::uint8_t ecn, Instant now) = 0;
  // The route to dst (nullopt: no route, no source address, or a family
  // this host does not carry).
  virtual std::optional<Path> path_to(const IpAddress& dst) const = 0;
  virtual bool is_local_address(const IpAddress& a) const = 0;
  // Whether a segment to dst can leave now. false: the device it leaves by
  // said it is full, or its next hop is being resolved (ARP); TCP stops
  // pulling segments from connections to dst until SocketTable::on_room()
  // (backpressure: a connection's data waits in its send ring instead of
  // being dropped by a full device queue or copied into the ARP queue).
  virtual bool has_room_for(const IpAddress& dst) const {
    (void)dst;
    return true;
  }
  // Bytes of frames to dst the device takes now (SIZE_MAX: no limit): on a
  // path with tso cut in software, a segment of several MSS is no larger.
  virtual std::size_t burst_room(const IpAddress& dst) const {
    (void)dst;
    return SIZE_MAX;
  }
};

// A socket's fixed buffer sizes (SocketTable::set_buffer_sizes); 0: autotuned.
struct BufferSizes {
  std::uint32_t recv = 0;
  std::uint32_t send = 0;
  friend bool operator==(const BufferSizes&, const BufferSizes&) = default;
};

struct SocketTableConfig {
  ConnectionConfig connection{};            // for every new connection (its MSS: see mss_from_path)
  // The MSS we advertise is the egress MTU less the IP and TCP headers (RFC
  // 9293 3.7.1, RFC 1122 4.2.2.6; IPv4 40, IPv6 60), so a 9000-byte MTU gets
  // 8960 over IPv4; off: connection.mss, clamped to it.
  bool mss_from_path = true;
  transport::PortRange ephemeral{};         // RFC 6056 ports for connect() and bind(port 0)
  bool allow_privileged_ports = false;      // bind to 1..1023
  std::uint32_t max_backlog = 4096;         // Linux somaxconn
  std::uint32_t syn_backlog = 1024;         // SYN queue bound per listener (Linux tcp_max_syn_backlog)
  bool syn_cookies = true;                  // Linux tcp_syncookies = 1: when the SYN queue is full
  SynCookieConfig cookies{};
  std::uint32_t rst_rate = 1000;            // RSTs for unknown segments per second (0: unlimited)
  std::uint32_t rst_burst = 100;
  Duration orphan_fin_timeout = std::chrono::seconds{60};  // Linux tcp_fin_timeout
};

struct TcpCounters {
  std::uint64_t segments_in = 0;        // handed to on_segment
  std::uint64_t segments_out = 0;       // handed to the IP layer
  std::uint64_t no_socket = 0;          // matched no connection or listener
  std::uint64_t rst_out = 0;            // RSTs for segments that matched nothing
  std::uint64_t rst_rate_limited = 0;   // RSTs not sent: over rst_rate
  std::uint64_t listen_syns = 0;        // SYNs that reached a listener
  std::uint64_t syn_queue_drops = 0;    // SYN queue full, cookies off
  std::uint64_t accept_queue_drops = 0; // accept queue full (SYN dropped, or handshake ACK dropped)
  std::uint64_t listen_bad_segments = 0;  // RST/other segments to a listener, dropped (ACKs get a RST)
  // Of those: data or FIN that failed the cookie check while cookies were
  // out, dropped without a RST (the peer resends from ISN + 1, which checks).
  std::uint64_t cookie_late_segment_drops = 0;
  std::uint64_t active_opens = 0;       // connect()
  std::uint64_t passive_opens = 0;      // connections created by a listener (SYN queue or cookie)
  std::uint64_t established = 0;        // reached ESTABLISHED
  std::uint64_t accepted = 0;           // handed out by accept()
  std::uint64_t failed = 0;             // ended with an error (refused, reset, timed out, ICMP)
  std::uint64_t time_wait_reused = 0;   // TIME-WAIT ended by a new SYN
  std::uint64_t orphans_dropped = 0;    // orphans past orphan_fin_timeout
  std::uint64_t retransmits = 0;        // of connections that have ended
  std::uint64_t urgent_in = 0;          // segments whose urgent pointer told of new urgent data
  std::uint64_t tx_stalls = 0;          // a connection stopped sending: device full or next hop resolving (IpLayer::has_room_for)
  std::uint64_t undo_dsack = 0;         // window reductions undone: every retransmission D-SACKed (RFC 3708)
  std::uint64_t undo_timestamps = 0;    // ... the ACK echoed a TSval from before the retransmission (RFC 3522)
  std::uint64_t undo_frto = 0;          // ... a timeout, whose next ACK covered data never retransmitted (RFC 5682)
  std::uint64_t ce_received = 0;        // segments that arrived marked CE, on ECN connections (RFC 3168)
  std::uint64_t ece_received = 0;       // ACKs with ECN-Echo
  std::uint64_t ecn_reductions = 0;     // cwnd reductions for ECN-Echo (once per round trip)
  SynCookieCounters cookies{};
  friend bool operator==(const TcpCounters&, const TcpCounters&) = default;
};
// Every counter as (name, value), in declaration order ("cookies_sent", ...).
void for_each_counter(const TcpCounters& c, const std::function<void(std::string_view, std::uint64_t)>& visit);

// poll(2)-style readiness, as bits.
namespace ready {
inline constexpr std::uint8_t kReadable = 1;  // data, EOF or an error to read; a listener: a connection to accept
inline constexpr std::uint8_t kWritable = 2;  // send() takes at least one byte
inline constexpr std::uint8_t kError = 4;     // the connection failed (take_error)
inline constexpr std::uint8_t kHangup = 8;    // closed both ways, or the peer's FIN was read past
}  // namespace ready

class SocketTable final : private Connection::StateObserver {
 public:
  // Keys (ISN, cookies, ephemeral ports) are drawn from `rng` once: a
  // simulation passes its seeded Rng, a real host an Rng seeded from the
  // kernel's random source. `ip` is borrowed and must outlive the table.
  SocketTable(IpLayer& ip, Rng& rng, SocketTableConfig config = {});
  SocketTable(const SocketTable&) = delete;
  SocketTable& operator=(const SocketTable&) = delete;

  const SocketTableConfig& config() const { return config_; }
  SocketTableConfig& mutable_config() { return config_; }  // for new sockets from now on
  const TcpCounters& counters() const { return counters_; }
  std::size_t open_count() const { return live_; }        // slots in use (orphans included)
  std::size_t connection_count() const { return demux_.size(); }

  // ---- Application side ----
  SocketHandle open();
  // local.addr unspecified (0.0.0.0 or ::): any of our addresses of that
  // family; local.port 0: an ephemeral port.
  Result<IpEndpoint, SocketError> bind(SocketHandle h, IpEndpoint local);
  // Binds an ephemeral port first if unbound. backlog is capped at max_backlog (0 -> 1).
  Result<void, SocketError> listen(SocketHandle h, std::uint32_t backlog);
  // The oldest established connection of a listener; would_block if none.
  Result<SocketHandle, SocketError> accept(SocketHandle listener);
  // Fixes a socket's buffer sizes, as SO_RCVBUF / SO_SNDBUF do on Linux:
  // autotuning (ConnectionConfig::recv_buffer_max) stops for each side given
  // (0 leaves that side as it is). On a connection it applies at once; on a
  // fresh or bound socket, to the connection connect() makes; on a listener,
  // to every connection it accepts from now on (socket_options.cpp).
  Result<void, SocketError> set_buffer_sizes(SocketHandle h, BufferSizes sizes);
  // Active open; completes later (state() / ready::kWritable, or an error).
  Result<void, SocketError> connect(SocketHandle h, IpEndpoint remote, Instant now);
  // Bytes taken (a partial write when the buffer fills); would_block if none.
  Result<std::size_t, SocketError> send(SocketHandle h, Bytes data);
  // As send(), the bytes taken urgent (Connection::send_urgent; BSD's
  // MSG_OOB, but the bytes stay in line as RFC 6093 advises).
  Result<std::size_t, SocketError> send_urgent(SocketHandle h, Bytes data);
  // Of the bytes still to read, how many are urgent (Connection::
  // urgent_pending: nullopt when none), and how many times the peer's
  // urgent pointer advanced so far (each advance also marks the socket
  // readable-changed, the asynchronous signal of RFC 9293 MUST-32).
  struct Urgent {
    std::optional<std::uint32_t> pending;
    std::uint8_t signals = 0;  // modulo 256: compare with the last value seen
  };
  Result<Urgent, SocketError> urgent(SocketHandle h) const;
  // Bytes read; 0 means end of stream (the peer shut down its side);
  // would_block when nothing is there yet; the connection's error if it failed.
  Result<std::size_t, SocketError> recv(SocketHandle h, MutBytes out);
  // Half-close: FIN after the queued data; receiving goes on.
  Result<void, SocketError> shutdown_send(SocketHandle h);
  // Releases the handle. A connection closes gracefully (or with a RST if
  // received data was left unread) as an orphan; a listener resets the
  // connections nobody accepted.
  Result<void, SocketError> close(SocketHandle h);
  // Releases the handle and resets the connection.
  Result<void, SocketError> abort(SocketHandle h);
  // Forgets every socket at once and sends nothing: what a host that
  // crashed loses. Handles go stale (the application sees "no such socket"),
  // peers learn of it only when they next send (a RST for a connection
  // nobody knows). Counters stay.
  void forget_all();
  // The pending error (SO_ERROR), cleared; nullopt if none.
  std::optional<Errc> take_error(SocketHandle h);
  std::uint8_t readiness(SocketHandle h) const;

  bool is_open(SocketHandle h) const;
  bool is_listener(SocketHandle h) const;
  std::optional<State> state(SocketHandle h) const;  // LISTEN for listeners, CLOSED for unconnected sockets
  std::optional<IpEndpoint> local_endpoint(SocketHandle h) const;
  std::optional<IpEndpoint> remote_endpoint(SocketHandle h) const;
  std::size_t accept_queue_len(SocketHandle listener) const;
  std::size_t syn_queue_len(SocketHandle listener) const;
  // The listeners' queues summed (a report samples them: O(listeners)).
  struct ListenQueues {
    std::size_t listeners = 0, syn_queue = 0, accept_queue = 0, backlog = 0;
  };
  ListenQueues listen_queues() const;
  // How many connections are in `s` now (CLOSED ones are not counted): a
  // gauge kept by the state changes, so reading it walks nothing.
  std::size_t connections_in(State s) const { return in_state_[static_cast<std::size_t>(s)]; }
  // The connection behind a handle: options (set_nagle, keep-alive, ...) and
  // observation (cwnd, srtt, ...). Call poll() after changing options.
  Connection* connection(SocketHandle h);
  const Connection* connection(SocketHandle h) const;

  // Sockets whose readiness may have changed since the last call (an event
  // loop looks at these instead of every socket). Each at most once.
  // Into `out` (cleared first; its capacity reused, so a caller that keeps
  // the vector allocates nothing per round).
  void take_changed(std::vector<SocketHandle>& out);

  // Every state change of every connection: (local, remote, from, to).
  using Tracer = std::function<void(const IpEndpoint& local, const IpEndpoint& remote, State from, State to)>;
  void set_tracer(Tracer t) { tracer_ = std::move(t); }

  // ---- IP layer side ----
  // `ip_ecn`: the ECN field of the IP header (RFC 3168).
  void on_segment(const IpAddress& src, const IpAddress& dst, const TcpRepr& seg, Bytes payload, Instant now,
                  std::uint8_t ip_ecn = 0);
  // An ICMP error about a segment we sent from local to remote. In SYN-SENT
  // it ends the connect (Linux does: RFC 1122 4.2.3.9 allows it); later it
  // is kept as a soft error that a time-out reports instead of "timed out".
  // `local_failure`: found inside this host (ARP), not received.
  void on_icmp_error(const IpEndpoint& local, const IpEndpoint& remote, Errc error, bool local_failure);
  // ICMP "fragmentation needed" (packet too big) for the connection local ->
  // remote, quoting its segment at `quoted_seq`: Connection::on_path_mtu.
  // true when the connection's segment size went down.
  bool on_path_mtu(const IpEndpoint& local, const IpEndpoint& remote, std::uint16_t path_mss,
                   std::uint32_t quoted_seq, Instant now);
  // A device that was full has room again: the connections it stopped send
  // at the next poll(), one after another while the device takes them.
  void on_room();
  void poll(Instant now);
  std::optional<Instant> poll_at() const;

  // Heap bytes held by connection buffers (for the idle-connection benchmark).
  std::size_t buffer_bytes() const;
  // Every live connection (orphans and unaccepted ones included) with its
  // endpoints, in slot order: for reports that sample cwnd, RTT and progress.
  void for_each_connection(
      const std::function<void(const IpEndpoint& local, const IpEndpoint& remote, const Connection&)>& visit) const;

 private:
  struct Listener {
    std::uint32_t backlog = 1;
    std::uint32_t syn_count = 0;        // children in SYN-RECEIVED
    std::deque<std::uint32_t> accept_q;  // established children, oldest first
    std::optional<Instant> last_cookie;  // when a cookie was last sent (check ACKs only then)
  };
  enum class Kind : std::uint8_t { fresh, bound, listener, connection };
  // A deadline or none in 8 bytes (Instant::max() for none; no deadline is
  // ever that far).
  class Deadline {
   public:
    explicit operator bool() const { return t_ != Instant::max(); }
    Instant operator*() const { return t_; }
    std::optional<Instant> get() const { return *this ? std::optional<Instant>(t_) : std::nullopt; }
    void set(std::optional<Instant> t) { t_ = t.value_or(Instant::max()); }
    void reset() { t_ = Instant::max(); }

   private:
    Instant t_ = Instant::max();
  };
  // A socket: its bookkeeping and, by kind, a listener or a connection in
  // one union (a tagged union by hand: std::variant's index would cost 8
  // bytes of padding beside the connection).
  struct Sock {
    // User-provided, so clang sees it as default-constructible inside
    // SocketTable (the member initializers below are not parsed yet there).
    Sock() {}  // NOLINT(modernize-use-equals-default)
    ~Sock() { clear_body(); }
    Sock(const Sock&) = delete;
    Sock& operator=(const Sock&) = delete;
    Sock(Sock&&) = delete;
    Sock& operator=(Sock&&) = delete;

    Connection* conn() { return body == Body::connection ? &conn_ : nullptr; }
    const Connection* conn() const { return body == Body::connection ? &conn_ : nullptr; }
    Listener* listener() { return body == Body::listener ? &listener_ : nullptr; }
    const Listener* listener() const { return body == Body::listener ? &listener_ : nullptr; }
    Connection& emplace_connection(Connection&& c) {
      clear_body();
      new (&conn_) Connection(std::move(c));
      body = Body::connection;
      return conn_;
    }
    Listener& emplace_listener() {
      clear_body();
      new (&listener_) Listener();
      body = Body::listener;
      return listener_;
    }

    IpEndpoint local{};
    IpEndpoint remote{};          // a connection's peer
    std::uint32_t parent = 0;     // a child's listener slot (while !accepted)
    std::uint32_t parent_gen = 0;
    Kind kind = Kind::fresh;
    std::optional<Errc> error;    // pending for take_error()
    std::optional<Errc> soft_error;  // ICMP, reported if the connection times out
    bool orphan : 1 = false;      // the application closed its handle
    bool dirty : 1 = false;       // in dirty_: flush on the next poll
    bool changed : 1 = false;     // in changed_
    bool bound_port : 1 = false;  // holds an entry in bound_ (bind / listen / connect)
    bool accepted : 1 = true;     // a listener's child: handed out (or never a child)
    bool queued : 1 = false;      // a child in its listener's accept queue
    bool stalled : 1 = false;     // in stalled_: its device was full

   private:
    enum class Body : std::uint8_t { none, listener, connection };
    Body body = Body::none;       // beside the flags: the union starts after orphan_deadline

   public:
    Deadline orphan_deadline;

   private:
    void clear_body() {
      if (body == Body::connection) conn_.~Connection();
      if (body == Body::listener) listener_.~Listener();
      body = Body::none;
    }
    union {
      Listener listener_;
      Connection conn_;
    };
  };
  // A slot: the generation of its handles and, while it is used, a socket.
  // By hand rather than std::optional<Sock>, so that the generation and the
  // flag share one word.
  class Slot {
   public:
    Slot() {}  // NOLINT(modernize-use-equals-default)
    ~Slot() { reset(); }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot(Slot&&) = delete;
    Slot& operator=(Slot&&) = delete;
    explicit operator bool() const { return live_; }
    Sock& operator*() { return sock_; }
    const Sock& operator*() const { return sock_; }
    Sock* operator->() { return &sock_; }
    const Sock* operator->() const { return &sock_; }
    void emplace() {
      reset();
      new (&sock_) Sock();
      live_ = true;
    }
    void reset() {
      if (live_) sock_.~Sock();
      live_ = false;
    }

    // The slot's entry in timers_ (flush(): at or before the time its
    // socket wants): it outlives the socket, so a new one in the slot takes
    // it over instead of queueing another.
    Deadline deadline;
    std::uint32_t generation = 1;

   private:
    bool live_ = false;
    union {
      Sock sock_;
    };
  };
  // The slots, in chunks that never move (a connection's address is kept
  // while others come and go): 1, 2, 4, ... 32 slots, then 64 each. Each slot
  // costs its own size on the heap: std::deque gave a slot larger than its
  // 512-byte node a node (a malloc chunk, with its header and rounding) and a
  // map entry of its own; geometric chunks up to 64 keep a table of one
  // socket (a simulated client) at one slot.
  class Slots {
   public:
    std::size_t size() const { return size_; }
    Slot& operator[](std::size_t i) {
      const auto [chunk, offset] = locate(i);
      return chunks_[chunk][offset];
    }
    const Slot& operator[](std::size_t i) const {
      const auto [chunk, offset] = locate(i);
      return chunks_[chunk][offset];
    }
    void emplace_back() {  // a slot more, not live
      if (size_ == capacity_) {
        const std::size_t n = size_ < kSmall ? size_ + 1 : kChunk;  // 1, 2, 4, ... 32, 64, 64, ...
        chunks_.push_back(std::make_unique<Slot[]>(n));
        capacity_ += n;
      }
      ++size_;
    }

   private:
    static constexpr std::size_t kSmall = 63;  // slots in the chunks of 1 .. 32
    static constexpr std::size_t kChunk = 64;
    static std::pair<std::size_t, std::size_t> locate(std::size_t i) {
      if (i < kSmall) {
        const std::size_t k = std::bit_width(i + 1) - 1;  // chunk k holds 2^k slots from 2^k - 1 on
        return {k, i + 1 - (std::size_t{1} << k)};
      }
      return {6 + (i - kSmall) / kChunk, (i - kSmall) % kChunk};
    }
    std::vector<std::unique_ptr<Slot[]>> chunks_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
  };
  struct TimerEntry {
    Instant at;
    std::uint32_t slot;
    friend bool operator>(const TimerEntry& a, const TimerEntry& b) { return a.at > b.at; }
  };

  // The 4-tuple index (demux_): keys live in the sockets' local and remote.
  static inline std::uint64_t tuple_hash(const IpEndpoint& local, const IpEndpoint& remote);  // socket_table.cpp
  std::optional<std::uint32_t> find_connection(const IpEndpoint& local, const IpEndpoint& remote) const;
  void demux_add(std::uint32_t slot);     // after local and remote are set
  void demux_remove(std::uint32_t slot);  // if it is there
  Sock* find(SocketHandle h);
  const Sock* find(SocketHandle h) const;
  SocketHandle handle_of(std::uint32_t slot) const { return SocketHandle{slot, slots_[slot].generation}; }
  std::uint32_t allocate();
  void release(std::uint32_t slot);
  Connection* conn_at(std::uint32_t slot);

  bool port_taken(const IpEndpoint& local) const;
  Result<IpEndpoint, SocketError> bind_ephemeral(std::uint32_t slot, const IpAddress& local,
                                                 std::optional<IpEndpoint> remote);
  void add_bound(std::uint32_t slot, const IpEndpoint& local);
  void remove_bound(std::uint32_t slot);
  std::optional<std::uint32_t> find_listener(const IpAddress& dst, std::uint16_t port) const;
  // MSS from the path; the buffer sizes set on `slot` (the connecting socket,
  // or a child's listener) if any.
  ConnectionConfig config_for(const IpAddress& remote, std::uint32_t slot) const;
  static void apply(const BufferSizes& sizes, ConnectionConfig& c);
  // The settings block for connections made from `c` (settings_): one per
  // distinct config, shared by all of them. Valid until the next call.
  const Connection::SharedSettings& shared_settings(const ConnectionConfig& c);
  std::uint16_t mss_for(const IpLayer::Path& path) const;

  // Input paths.
  void listen_input(std::uint32_t lslot, const IpAddress& src, const IpAddress& dst, const TcpRepr& seg, Bytes payload,
                    Instant now);
  void send_cookie_syn_ack(std::uint32_t lslot, const IpAddress& src, const IpAddress& dst, const TcpRepr& syn, Listener& l,
                           Instant now);
  // Whether `l` sent a cookie recently enough for one to come back.
  bool cookies_recent(const Listener& l, Instant now) const;
  bool try_cookie(std::uint32_t lslot, const IpAddress& src, const IpAddress& dst, const TcpRepr& ack, Bytes payload,
                  Instant now);
  std::uint32_t add_child(std::uint32_t lslot, const IpEndpoint& local, const IpEndpoint& remote, Connection c);
  void send_reset(const IpAddress& src, const IpAddress& dst, const TcpRepr& seg, std::size_t payload_len, Instant now);

  // After input, an API call or a timer: send what is due, follow state
  // changes (child established, closed), reschedule.
  Result<std::size_t, SocketError> send_bytes(SocketHandle h, Bytes data, bool urgent);
  void flush(std::uint32_t slot, Instant now);
  void mark_dirty(std::uint32_t slot);
  void stall(std::uint32_t slot);  // into stalled_ (its device is full)
  void wake_next_stalled();        // the first live connection of stalled_ is flushed next
  void mark_changed(std::uint32_t slot);
  void on_state(std::uint32_t slot, State from, State to) override;  // Connection::StateObserver
  void on_event(std::uint32_t slot, Connection::Event e) override;    // ... counted in counters_
  void connection_closed(std::uint32_t slot);
  void close_listener(std::uint32_t slot);
  SocketError error_for(Errc code, std::string_view what) const;

  IpLayer& ip_;
  SocketTableConfig config_;
  IsnGenerator isn_;
  SynCookies cookies_;
  transport::PortAllocator ports_;
  Slots slots_;  // growing never moves a connection
  std::vector<std::uint32_t> free_;
  std::size_t live_ = 0;
  storage::SlotIndex demux_;  // connections by 4-tuple
  // Bound sockets and listeners by port (few: connections do not hold an
  // entry); each entry's address is its socket's `local`.
  std::unordered_multimap<std::uint16_t, std::uint32_t> bound_;
  // A binary min-heap, as std::priority_queue<TimerEntry, vector, greater>
  // (the same operations, so the same order among equal instants), that
  // gives its memory back when it has emptied: a burst of handshakes leaves
  // one stale entry per connection, popped later, and the vector's capacity
  // would otherwise stay with the idle connections.
  class TimerHeap {
   public:
    bool empty() const { return v_.empty(); }
    const TimerEntry& top() const { return v_.front(); }
    void push(TimerEntry e) {
      v_.push_back(e);
      std::push_heap(v_.begin(), v_.end(), std::greater<>{});
    }
    void pop() {
      std::pop_heap(v_.begin(), v_.end(), std::greater<>{});
      v_.pop_back();
      if (v_.capacity() > 1024 && v_.size() < v_.capacity() / 4) v_.shrink_to_fit();
    }

   private:
    std::vector<TimerEntry> v_;
  };
  TimerHeap timers_;
  std::vector<std::uint32_t> dirty_;
  std::vector<std::uint32_t> dirty_batch_;  // poll()'s working copy of dirty_
  storage::Fifo<std::uint32_t> stalled_;    // connections waiting for on_room(), in stall order
  std::vector<std::uint32_t> changed_;
  // set_buffer_sizes() on sockets that are not (yet) a connection: few,
  // so a side table rather than a field in every socket.
  std::unordered_map<std::uint32_t, BufferSizes> buffer_sizes_;
  // Settings blocks by config (the path's MSS and TSO and a socket's buffer
  // sizes make configs differ): few, searched in order. Past
  // kSharedSettingsKept, those no connection holds are dropped.
  std::vector<Connection::SharedSettings> settings_;
  static constexpr std::size_t kSharedSettingsKept = 8;
  TokenBucket rst_tokens_;
  Tracer tracer_;
  TcpCounters counters_;
  std::array<std::uint32_t, static_cast<std::size_t>(State::time_wait) + 1> in_state_{};  // connections_in(), by State
};

}  // namespace wirestack::tcp
