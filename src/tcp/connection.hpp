// tcp/connection.hpp — one TCP connection's state machine (RFC 9293), sans-IO.
//
// A Connection is a transmission control block: sequence variables, the send
// and receive buffers (storage::RingBuffer, allocated on first use), the
// out-of-order assembler, the RTT estimator (RFC 6298) and the congestion
// controller (tcp/congestion.hpp). It never reads a clock and owns no timer:
// every call that needs time takes `Instant now`, and poll_at() says when the
// connection next wants poll_output() to run (retransmission, persist, delayed
// ACK, TIME-WAIT). It speaks in Reprs: segments in are a TcpRepr plus payload,
// segments out are a Segment; the interface wraps them in IPv4.
//
// Lifecycle:
//   * connect(...)     active open: SYN-SENT; the SYN leaves on poll_output().
//   * accept_syn(...)  passive open, called by a listener for an acceptable
//                      SYN: SYN-RECEIVED; the SYN-ACK leaves on poll_output().
//   * on_segment(...)  input (RFC 9293 3.10.7 SEGMENT ARRIVES for every state
//                      but CLOSED and LISTEN, which belong to the listener).
//   * poll_output(now) returns the next segment due now, or nullopt; call it
//                      until nullopt after every input, API call or deadline.
//   * state() == closed at the end: the owner removes the connection.
//
//   auto c = Connection::connect(cfg, local, remote, iss, now);
//   while (auto seg = c.poll_output(now)) send_ipv4(*seg);
//   c.on_segment(repr, payload, now);        // for each segment of this 4-tuple
//   if (auto t = c.poll_at()) wake_at(*t);   // Instant::min(): right away
//
// Options (RFC 7323, RFC 2018): MSS always in SYNs; window scale, SACK-permitted
// and timestamps in SYNs when configured, used only when both SYNs carried
// them. Timestamps run on a 1 ms clock (TSval = now in ms), echo TS.Recent,
// reject old segments (PAWS) and give RTT samples. SACK: our ACKs carry SACK
// blocks for out-of-order data; received blocks fill a scoreboard that drives
// RFC 6675 loss recovery (IsLost, pipe, NextSeg, RecoveryPoint, the scoreboard
// kept across an RTO) with RFC 8985's RACK rule (in sequence form, lost
// retransmissions included) and tail loss probe; without SACK, RFC 6582
// NewReno (see docs/TCP.md). Keep-alive is off by default. docs/TCP.md maps every
// RFC 9293 requirement to the test that covers it.
//
// Congestion control (tcp/congestion.hpp) sees, besides losses, a delivery
// rate sample after every ACK that delivers data
// (draft-cheng-iccrg-delivery-rate-estimation, tcp/rate_sample.hpp), and the
// sender honours the pacing rate it asks for (tcp/pacing.hpp): a data segment
// waits for its departure time, which poll_at() reports. Both live in a heap
// block made with the first data segment and freed when nothing is queued or
// in flight (connection_rate.cpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <utility>
#include <vector>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/time.hpp"
#include "storage/assembler.hpp"
#include "storage/ring_buffer.hpp"
#include "tcp/congestion.hpp"
#include "tcp/observer_ref.hpp"
#include "tcp/pacing.hpp"
#include "tcp/rate_sample.hpp"
#include "tcp/rtt.hpp"
#include "tcp/seq.hpp"
#include "tcp/state.hpp"
#include "wire/ip_address.hpp"
#include "wire/tcp.hpp"

namespace wirestack::tcp {

// One outgoing segment: the header's meaning and its payload (copied out of
// the send buffer). Source/destination addresses are the connection's.
struct Segment {
  TcpRepr tcp{};
  ByteVec payload{};
  std::uint8_t ecn = 0;  // the IP header's ECN field (RFC 3168): 0 Not-ECT, 2 ECT(0)
};

// ECN (RFC 3168, docs/TCP.md "ECN") as Linux's net.ipv4.tcp_ecn 0, 1, 2: off;
// on (ask in our SYNs, accept); passive (accept when the peer asks, never ask).
enum class EcnMode : std::uint8_t { off = 0, on = 1, passive = 2 };

// Why a connection ended abnormally (what the application sees).
enum class Error : std::uint8_t {
  refused,    // RST in answer to our SYN (ECONNREFUSED)
  reset,      // RST on a synchronized connection (ECONNRESET)
  timed_out,  // retransmissions exhausted (ETIMEDOUT)
};
std::string_view to_string(Error e);
std::ostream& operator<<(std::ostream& os, Error e);

enum class SendError : std::uint8_t {
  closed,       // the send side is shut down, or the connection is closed
  would_block,  // the send buffer is full
};
std::ostream& operator<<(std::ostream& os, SendError e);

// How many disjoint ranges a buffer of `bytes` may need tracked (the receive
// side's out-of-order ranges, the send side's SACKed ones): one per 2 KiB,
// enough for every other segment of a full window to be missing (slow
// start's overshoot does that) when segments carry at least 1 KiB, and at
// least `least`; with smaller segments the extra holes are dropped and
// resent, as before. The tables grow
// only as ranges appear, 10 bytes each: the bound is on memory, in proportion
// to the buffer it describes (4 MiB: 2048 ranges, 20 KiB at most).
constexpr std::size_t ranges_for_buffer(std::uint32_t bytes, std::size_t least) {
  const std::size_t by_size = bytes / 2048;
  return by_size < least ? least : by_size > 16384 ? 16384 : by_size;
}

// The largest payload of one TSO segment (ConnectionConfig::tso): an IPv4
// datagram of at most 65,535 bytes with the longest IP and TCP headers (60
// each).
inline constexpr std::uint32_t kTsoMaxPayload = 65535 - 60 - 60;

struct ConnectionConfig {
  std::uint16_t mss = 1460;                // ours, advertised in the SYN
  std::uint32_t recv_buffer = 64 * 1024;   // bytes: the receive ring's first limit
  std::uint32_t send_buffer = 64 * 1024;   // bytes: the send ring's first limit
  // Buffer autotuning (Linux tcp_moderate_rcvbuf / tcp_rcv_space_adjust and
  // tcp_sndbuf_expand; docs/TCP.md "Buffer autotuning"): the receive ring's
  // limit grows to what the reader took in the last round trip, doubled, plus
  // room for a sender still in slow start; the send ring's to twice the
  // congestion window; up to these ceilings (Linux's tcp_rmem[2] and
  // tcp_wmem[2] defaults). A ceiling at or below the starting size fixes the
  // buffer, as an application's SO_RCVBUF / SO_SNDBUF does on Linux. Rings
  // are still allocated lazily: a limit is not memory.
  std::uint32_t recv_buffer_max = 6 * 1024 * 1024;
  std::uint32_t send_buffer_max = 4 * 1024 * 1024;
  std::uint8_t window_scale = 7;           // our shift (RFC 7323); 0 = do not offer
  bool timestamps = true;                  // RFC 7323
  bool sack = true;                        // RFC 2018 (receiver side)
  bool nagle = true;                       // RFC 9293 3.7.4
  bool delayed_ack = true;                 // RFC 9293 3.8.6.3, RFC 5681 4.2
  // HyStart++ (RFC 9406): the initial slow start ends when the round trip
  // grows (a queue is building), before the queue overflows.
  bool hystart = true;
  EcnMode ecn = EcnMode::passive;          // RFC 3168 (EcnMode)
  // RFC 5562 (experimental; RFC 8311 3 lifts RFC 3168's ban for it): a
  // passive side that agrees to ECN sends its first SYN-ACK ECT(0); a CE mark
  // on it, echoed by the peer's ACK, gets a Not-ECT SYN-ACK again and an
  // initial window of one segment. Off by default, as in Linux (which makes
  // ECT SYN-ACKs only for congestion controls that need ECN, like DCTCP).
  bool ecn_syn_ack = false;
  Duration delayed_ack_timeout = std::chrono::milliseconds{200};
  RttConfig rtt{};                         // initial/min/max RTO
  std::uint8_t max_retries = 15;           // data (Linux tcp_retries2)
  std::uint8_t max_syn_retries = 6;        // SYN / SYN-ACK (Linux tcp_syn_retries)
  Duration time_wait = std::chrono::seconds{60};  // 2 * MSL
  // RFC 5961 7: at most one challenge ACK per interval (0: no limit); 500 ms
  // as Linux's per-socket limit (net.ipv4.tcp_invalid_ratelimit).
  Duration challenge_ack_interval = std::chrono::milliseconds{500};
  Algorithm congestion = Algorithm::newreno;
  // NewReno / CUBIC: pace data at Linux's default rate (congestion.hpp
  // pacing_rate(); off: no pacing, as before). The sender honours whatever
  // rate the algorithm asks for either way.
  bool pacing = false;
  // Take delivery rate samples (delivered(), last_rate_sample(), min_rtt())
  // even when the congestion algorithm has no use for them
  // (CongestionControl::wants_rate_samples(): NewReno and CUBIC do not).
  // Off: an algorithm that ignores them costs nothing per segment for them.
  bool rate_samples = false;
  // The path's device takes TCP segments of several MSS and cuts them itself
  // (TSO; the socket table sets it from IpLayer::Path::tso): new data in
  // order, not paced, goes out in segments of up to 64 KiB, multiples of the
  // full-sized payload. Retransmissions and probes stay one MSS.
  bool tso = false;
  // Keep-alive (RFC 9293 3.8.4, RFC 1122 4.2.3.6): off by default (MUST-24);
  // after keepalive_idle without traffic, up to keepalive_probes probes
  // keepalive_interval apart, then Error::timed_out. Millisecond resolution.
  bool keepalive = false;
  Duration keepalive_idle = std::chrono::hours{2};  // MUST-27: at least two hours by default
  Duration keepalive_interval = std::chrono::seconds{75};
  std::uint8_t keepalive_probes = 9;
};

class Connection {
 public:
  // What a connection keeps of its ConnectionConfig (the buffer sizes live
  // in the RingBuffers, the RTO limits in the RttEstimator): 32 bytes, not
  // 120, and not in the connection: connections made from equal configs
  // share one block (SharedSettings). Durations in microseconds (clamped to
  // 2^32 - 1 us, about 71 min), keep-alive times in milliseconds.
  struct Settings {
    explicit Settings(const ConnectionConfig& c);
    Duration delayed_ack_timeout() const { return std::chrono::microseconds{delayed_ack_us}; }
    Duration time_wait() const { return std::chrono::microseconds{time_wait_us}; }
    Duration challenge_ack_interval() const { return std::chrono::microseconds{challenge_ack_us}; }
    std::uint32_t delayed_ack_us;
    std::uint32_t time_wait_us;
    std::uint32_t challenge_ack_us;
    std::uint32_t keepalive_idle_ms;
    std::uint32_t keepalive_interval_ms;
    // Autotuning ceilings in 4 KiB units (1 GiB at most, TCP's largest
    // window): above the ring's limit, autotuning is on (ConnectionConfig).
    static constexpr std::uint32_t kBufferUnit = 4096;
    std::uint32_t recv_buffer_max() const { return std::uint32_t{recv_max_units} * kBufferUnit; }
    std::uint32_t send_buffer_max() const { return std::uint32_t{send_max_units} * kBufferUnit; }
    std::uint16_t recv_max_units;
    std::uint16_t send_max_units;
    std::uint16_t mss;
    std::uint8_t window_scale;
    std::uint8_t max_retries;
    std::uint8_t max_syn_retries;
    std::uint8_t keepalive_probes;  // 0: keep-alive off
    Algorithm congestion : 5;
    EcnMode ecn : 2;  // shares congestion's byte
    bool ecn_syn_ack : 1;  // ... and so does this
    bool timestamps : 1;
    bool sack : 1;
    bool nagle : 1;
    bool delayed_ack : 1;
    bool pacing : 1;
    bool rate_samples : 1;  // ConnectionConfig::rate_samples, or the algorithm wants them
    bool tso : 1;
    bool hystart : 1;
    friend bool operator==(const Settings&, const Settings&) = default;
  };
  // A reference-counted, immutable Settings block: connections made from
  // equal configs share one (a socket table keeps one per distinct config
  // and hands it to every connection it makes), so an idle connection holds
  // a pointer, not the 32 bytes. A change to one connection's settings
  // (set_nagle(), set_max_retries(), set_keepalive(), fixed buffer sizes)
  // copies its block first, if shared (copy on write). The count is not
  // atomic: the connections sharing a block live on one thread, as their
  // socket table does.
  class SharedSettings {
   public:
    explicit SharedSettings(const ConnectionConfig& c) : b_(new Block{Settings(c), 1}) {}
    SharedSettings(const SharedSettings& o) noexcept : b_(o.b_) { ++b_->refs; }
    SharedSettings(SharedSettings&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
    SharedSettings& operator=(const SharedSettings& o) noexcept {
      SharedSettings(o).swap(*this);
      return *this;
    }
    SharedSettings& operator=(SharedSettings&& o) noexcept {
      SharedSettings(std::move(o)).swap(*this);
      return *this;
    }
    ~SharedSettings() {
      if (b_ != nullptr && --b_->refs == 0) delete b_;  // NOLINT(cppcoreguidelines-owning-memory)
    }
    void swap(SharedSettings& o) noexcept { std::swap(b_, o.b_); }
    const Settings& operator*() const { return b_->s; }
    const Settings* operator->() const { return &b_->s; }
    // This connection's own copy, to change.
    Settings& mutate() {
      if (b_->refs > 1) *this = SharedSettings(b_->s);
      return b_->s;
    }
    std::uint32_t use_count() const { return b_ != nullptr ? b_->refs : 0; }
    static constexpr std::size_t kBlockBytes = sizeof(Settings) + sizeof(std::uint32_t);  // heap per block

   private:
    struct Block {
      Settings s;
      std::uint32_t refs;
    };
    explicit SharedSettings(const Settings& s) : b_(new Block{s, 1}) {}
    Block* b_;
  };
  using StateHook = std::function<void(State from, State to)>;
  // Who hears of every state change: the socket table (one object for all
  // its connections, each told apart by the tag it gave: its slot), or a
  // StateHook's adapter. Not owned by the connection (a hook's adapter is:
  // see ObserverRef).
  // Events a connection reports besides state changes (the socket table
  // counts them: TcpCounters).
  enum class Event : std::uint8_t {
    undo_dsack,       // RFC 3708: every retransmission of an episode was D-SACKed
    undo_timestamps,  // RFC 3522 (Eifel): the ACK echoed a TSval from before the retransmission
    undo_frto,        // RFC 5682 (F-RTO): after a timeout, data never retransmitted was acknowledged
    ecn_ce,           // RFC 3168: a segment arrived marked CE (congestion experienced)
    ecn_ece,          // an ACK carried ECN-Echo
    ecn_reduction,    // ... and cwnd was reduced for it (once per round trip)
  };
  class StateObserver {
   public:
    virtual void on_state(std::uint32_t tag, State from, State to) = 0;
    virtual void on_event(std::uint32_t /*tag*/, Event /*e*/) {}
    virtual ~StateObserver() = default;
  };

  // Active open (RFC 9293 3.10.1 OPEN, active): SYN-SENT with ISS `iss`.
  //
  // Each factory takes, optionally, the SharedSettings block made from the
  // same config (`shared`, a socket table's: the connection then shares it);
  // without one, the connection makes its own.
  static Connection connect(const ConnectionConfig& cfg, const IpEndpoint& local, const IpEndpoint& remote, std::uint32_t iss,
                            Instant now, const SharedSettings* shared = nullptr);
  // Passive open for a SYN a listener accepted (RFC 9293 3.10.7.2, LISTEN,
  // "third, check for a SYN"): SYN-RECEIVED. Precondition: syn.flags.syn(),
  // !rst, !ack. Text in the SYN is not kept (the peer sends it again).
  static Connection accept_syn(const ConnectionConfig& cfg, const IpEndpoint& local, const IpEndpoint& remote, const TcpRepr& syn,
                               std::uint32_t iss, Instant now, const SharedSettings* shared = nullptr);

  // For a SYN cookie (tcp/syn_cookie.hpp) that validated: `syn` is the SYN
  // rebuilt from the cookie (SEQ = ACK's SEQ - 1, the decoded MSS, window
  // scale, SACK-permitted, timestamps) and `iss` the cookie itself; the
  // SYN-ACK counts as sent. Feed the ACK to on_segment() next: ESTABLISHED.
  static Connection from_cookie(const ConnectionConfig& cfg, const IpEndpoint& local, const IpEndpoint& remote, const TcpRepr& syn,
                                std::uint32_t iss, Instant now, const SharedSettings* shared = nullptr);

  // RFC 9293 3.10.7.1: the answer to a segment that matches no connection
  // (nullopt for an incoming RST). For the listener / interface.
  static std::optional<TcpRepr> reset_for(const TcpRepr& seg, std::size_t payload_len);

  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;

  State state() const { return state_; }
  // The ports; the addresses are the socket table's (a control block needs
  // none of them to run, and 32 bytes less per connection).
  std::uint16_t local_port() const { return local_port_; }
  std::uint16_t remote_port() const { return remote_port_; }
  std::optional<Error> error() const {
    return error_code_ == 0 ? std::nullopt : std::optional<Error>(static_cast<Error>(error_code_ - 1));
  }
  // The socket table's way: a pointer and a tag (no heap block).
  void set_state_observer(StateObserver* observer, std::uint32_t tag) { hook_.borrow(observer, tag); }
  // For tests and tools: a std::function, on the heap (its adapter owned by
  // the connection).
  void set_state_hook(StateHook hook);

  // --- Application side (RFC 9293 3.10.2 - 3.10.5) ---
  // Queues up to free space; partial writes return what was taken.
  Result<std::size_t, SendError> send(Bytes data);
  // As send(), and the bytes taken are urgent (RFC 9293 3.8.5, MUST-30/31):
  // the urgent pointer moves to the octet after them, and every segment
  // below it carries URG with SEG.UP = SND.UP - SEG.SEQ (65,535 at most,
  // so urgent data may be of any length) until the peer acknowledges it.
  // The bytes stay in line: the peer reads them in order (RFC 6093).
  Result<std::size_t, SendError> send_urgent(Bytes data);
  // Reads in-order bytes; 0 when none (see eof()).
  std::size_t recv(MutBytes out);
  // FIN after the queued data; the receive side stays open (half-close).
  void shutdown_send();
  // RFC 9293 CLOSE: as shutdown_send() once synchronized; in SYN-SENT the
  // connection is simply deleted; with unread received data, abort() (RST).
  void close();
  // RFC 9293 ABORT: RST (in synchronized states and SYN-RECEIVED), CLOSED.
  void abort();

  // Per-connection settings the application may change at any time:
  // Nagle (MUST-17), the data retransmission limit R2 (MUST-21), keep-alive
  // (MUST-24; probes 0 turns it off).
  void set_nagle(bool on) {
    if (cfg_->nagle != on) cfg_.mutate().nagle = on;
  }
  void set_max_retries(std::uint8_t n) {
    if (cfg_->max_retries != n) cfg_.mutate().max_retries = n;
  }
  // (As after every API call, run poll_output(now) next: it arms the timer.)
  void set_keepalive(bool on);

  bool can_send() const;           // send() would take at least one byte
  bool can_recv() const { return rx_.size() > 0; }
  bool eof() const { return fin_received_ && rx_.size() == 0; }  // peer's FIN read past
  // Urgent data from the peer (RFC 9293 3.10.7.4 sixth step, MUST-32/33):
  // how many of the bytes still to be read, from the next one recv() gives,
  // are urgent (up to the octet before the peer's urgent pointer, which may
  // be ahead of what has arrived); nullopt when none is pending. The data
  // itself stays in line: recv() returns it in order, nothing is taken out.
  std::optional<std::uint32_t> urgent_pending() const;
  // Times the peer's urgent pointer advanced (the asynchronous signal of
  // MUST-32: an application compares it with the count it saw last).
  // (Modulo 256: a change, not a total; the socket table counts them.)
  std::uint8_t urgent_signals() const { return urgent_signals_; }
  std::size_t recv_queue() const { return rx_.size(); }
  std::size_t send_queue() const { return tx_.size(); }

  // --- Network side ---
  // `ip_ecn`: the ECN field of the IP header it came in (RFC 3168; 3 = CE).
  void on_segment(const TcpRepr& seg, Bytes payload, Instant now, std::uint8_t ip_ecn = 0);
  // Path MTU discovery (RFC 1191, RFC 9293 3.7.2): an ICMP "fragmentation
  // needed" quoting our segment at `quoted_seq` says the path takes segments
  // of at most `path_mss` bytes (its MTU less the IP and TCP headers). When
  // the quote is of data in flight (RFC 5927 4.1: not a forged or stale
  // ICMP) and the size is smaller, SMSS shrinks to it (less our options) and
  // everything in flight is sent again from SND.UNA in the new size, without
  // reducing cwnd (the segments were too big, not a sign of congestion;
  // Linux tcp_simple_retransmit). true when SMSS changed.
  bool on_path_mtu(std::uint16_t path_mss, SeqNum quoted_seq, Instant now);
  std::optional<Segment> poll_output(Instant now);
  // Zero-copy variant of poll_output(): the header, and the payload as up to
  // two spans into the send buffer, valid until the next non-const call.
  // Returns false when nothing is due. For emitting straight into a frame.
  // With `wake`, a false return also sets *wake to what poll_at() returns
  // now, without planning a second time (the socket table polls until false,
  // then asks when to come back: once per segment received).
  bool poll_output_view(Instant now, TcpRepr& header, storage::SpanPair& payload,
                        std::optional<Instant>* wake = nullptr);
  // On a path with TSO: segments of several MSS carry at most `bytes` of
  // payload from now on, what the device takes at once (IpLayer::burst_room):
  // whole MSS, at least one.
  void limit_tso(std::uint32_t bytes) {
    const std::uint32_t mss = std::max<std::uint16_t>(snd_mss_, 1);
    tso_segs_ = bytes >= kTsoMaxPayload ? 0 : static_cast<std::uint8_t>(std::clamp<std::uint32_t>(bytes / mss, 1, 255));
  }
  bool uses_tso() const { return cfg_->tso; }
  // The next instant poll_output() has work: Instant::min() when right away.
  std::optional<Instant> poll_at() const;
  // The IP ECN field for the segment poll_output_view() gave last (Segment::ecn
  // for poll_output()): ECT(0) on new data once ECN is negotiated, else 0.
  std::uint8_t ip_ecn() const { return ect_out_ ? 2 : 0; }  // ecn::kEct0 : kNotEct

  // --- Observation ---
  std::uint32_t cwnd() const { return cc_.cwnd(); }
  std::uint32_t ssthresh() const { return cc_.ssthresh(); }
  // In fast recovery (RFC 6675 / RFC 6582; with SACK cwnd follows PRR there).
  bool in_recovery() const { return cc_.in_recovery(); }
  std::optional<Duration> srtt() const { return rtt_.srtt(); }
  Duration rto() const { return rtt_.rto(); }
  std::uint16_t send_mss() const { return snd_mss_; }
  std::uint32_t send_window() const { return snd_wnd_; }  // peer's, scaled
  std::uint32_t recv_window() const;                       // ours, bytes
  bool timestamps_enabled() const { return ts_ok_; }
  bool sack_enabled() const { return sack_ok_; }
  std::uint8_t send_wscale() const { return snd_wscale_; }
  std::uint8_t recv_wscale() const { return rcv_wscale_; }
  std::uint32_t retransmits() const { return retransmits_; }
  // An ACK is owed right away (every second full-sized segment, out-of-order
  // or duplicate data, a FIN, a challenge): the socket table sends it
  // without waiting for the end of the batch of frames being received.
  bool ack_due() const { return ack_now_; }
  // Bytes above SND.UNA the peer has SACKed (the RFC 6675 scoreboard).
  std::uint32_t sacked_bytes() const;
  // Delivery rate estimation (tcp/rate_sample.hpp): bytes delivered so far,
  // ACKed or SACKed, each once (the FIN counts one, as in SND.UNA).
  std::uint64_t delivered() const { return send_side_ ? send_side_->rate.delivered() : delivered_; }
  // The rate sample of the latest ACK that delivered data, while the send
  // side is active (nullopt once nothing is queued or in flight).
  std::optional<RateSample> last_rate_sample() const {
    return send_side_ ? send_side_->last : std::optional<RateSample>{};
  }
  // The smallest RTT measured from a segment's send time (MinRTT).
  std::optional<Duration> min_rtt() const { return rtt_.min_rtt(); }
  // Bytes per second data segments are spaced at; 0: no pacing.
  std::uint64_t pacing_rate() const { return cc_.pacing_rate(rtt_.srtt()); }
  SeqNum snd_una() const { return snd_una_; }
  SeqNum snd_nxt() const { return snd_nxt_; }
  SeqNum rcv_nxt() const { return rcv_nxt_; }
  // The rings' current limits (autotuning raises them: ConnectionConfig).
  std::size_t recv_buffer() const { return rx_.capacity(); }
  std::size_t send_buffer() const { return tx_.capacity(); }
  // The receiver's RTT estimate that paces the receive buffer's autotuning
  // (Linux rcv_rtt_est); nullopt before the first sample.
  std::optional<Duration> receiver_rtt() const;
  // Fix both buffers (an application's SO_RCVBUF / SO_SNDBUF): autotuning
  // stops for the side given. A receive buffer set below what is queued keeps
  // the bytes (RingBuffer::set_capacity); the window is never shrunk (RFC
  // 9293 3.8.6.2.2): the edge already announced stays acceptable.
  void set_recv_buffer(std::uint32_t bytes);
  void set_send_buffer(std::uint32_t bytes);
  // Heap bytes held by the buffers and the assembler.
  std::size_t allocated_bytes() const;

 private:
  // loss_probe: RFC 8985 7 tail loss probe (PTO), armed in place of the
  // retransmission timer; when it fires the RTO is armed again.
  enum class Timer : std::uint8_t { none, retransmit, persist, time_wait, keepalive, loss_probe };
  // A retransmission made during loss recovery that is still in flight
  // (RFC 6675 HighRxt, kept per range so that a lost retransmission can be
  // sent again): [begin, end), and SND.MAX when it left. Data at or above
  // `fence` was first sent after it; once some of that is SACKed while this
  // range is not, the retransmission is taken as lost (RFC 8985's rule "a
  // segment is lost when one sent after it is delivered", by sequence).
  struct Retransmission {
    SeqNum begin, end, fence;
    std::uint32_t stamp;  // transmission order among retransmissions
  };
  // RFC 6675 sender state, on the heap while the peer has SACKed something
  // or a recovery is running (an idle connection holds none of it).
  struct Scoreboard {
    static constexpr std::size_t kMinRanges = 512;
    static constexpr std::size_t kMaxRetransmissions = 4096;
    explicit Scoreboard(std::size_t max_ranges) : sacked{max_ranges} {}
    storage::Assembler sacked;              // SACKed ranges, offsets from SND.UNA
    std::vector<Retransmission> rtx;        // in flight; see Retransmission
    SeqNum rescue{};                        // RFC 6675 RescueRxt
    // RFC 8985 6 (RACK) in sequence form: original transmissions leave in
    // sequence order, so an unSACKed octet below a delivered one was sent
    // before it. Such octets are lost once the reordering window (SRTT / 4)
    // has passed: at reo_at, everything unSACKed below reo_mark is lost
    // (rack_lost); delivered_ is the highest such mark seen so far.
    SeqNum rack_lost{};
    SeqNum reo_mark{};
    SeqNum delivered{};
    Instant reo_at{};
    std::uint32_t next_stamp = 0;
    // RFC 6937 Proportional Rate Reduction (PRR-SSRB, as Linux's
    // tcp_cwnd_reduction), per fast recovery: bytes delivered (ACKed or
    // SACKed) and sent since it began, and FlightSize when it began.
    std::uint32_t prr_delivered = 0;
    std::uint32_t prr_out = 0;
    std::uint32_t recover_fs = 0;
    // Undo of a spurious reduction (RFC 3708 with D-SACKs, RFC 3522 with
    // timestamps; Linux undo_marker / undo_retrans / retrans_stamp): from
    // the start of a fast recovery or an RTO (undo_set) until undone, or a
    // new episode, or SND.UNA passes undo_until after the episode ended.
    SeqNum undo_marker{};             // SND.UNA when the episode began
    SeqNum undo_until{};              // SND.MAX when it ended (undo_ended)
    std::uint32_t undo_cwnd = 0;      // cwnd and ssthresh before the reduction
    std::uint32_t undo_ssthresh = 0;
    std::uint32_t undo_retrans = 0;   // bytes retransmitted since, not yet D-SACKed
    std::uint32_t retrans_stamp = 0;  // TSval of the episode's first retransmission (retrans_stamped)
    // RFC 5682 F-RTO (2.1, and 3.1's SACK-enhanced form with Linux's
    // FLAG_ORIG_SACK_ACKED rule): after the first timeout (frto), the end of
    // what was retransmitted since. The first ACK that advances SND.UNA
    // decides, or, when it acknowledges the retransmission alone, step 2b:
    // up to two new segments (frto_new) beyond cwnd, and the ACK after
    // them decides (frto_step3; frto_high is then SND.UNA at step 2b).
    SeqNum frto_high{};
    bool frto = false;
    bool frto_step3 = false;
    std::uint8_t frto_new = 0;
    void end_frto() {
      frto = false;
      frto_step3 = false;
      frto_new = 0;
    }
    std::uint8_t undo_acks = 0;       // ACKs since it ended
    bool undo_set = false;
    bool undo_ended = false;
    bool retrans_stamped = false;
    bool reo_pending = false;
    bool rescue_set = false;
  };
  // Receive-buffer autotuning (connection_buffers.cpp), on the heap once a
  // connection has received more than its first measurement's worth of data
  // (a request/response connection never makes one) until its receive ring
  // is given back. Linux's rcvq_space and rcv_rtt_est.
  struct RecvTuning {
    SeqNum space_seq;           // next_read() when this measurement began
    Instant space_time;         // ... and when
    std::uint32_t space = 0;    // bytes the reader took in the last measured round trip
    std::uint32_t rtt_us8 = 0;  // the receiver's RTT estimate, x8 (0: none yet)
    SeqNum rtt_seq;             // without timestamps: a sample ends when RCV.NXT passes this
    Instant rtt_time = Instant::min();  // ... started then (min: none running)
  };
  struct Plan;  // what poll_output() sends next (connection_output.cpp)
  // The send side's delivery rate estimator and pacing clock
  // (connection_rate.cpp), on the heap from the first data segment until
  // nothing is queued or in flight: an idle connection holds none of it.
  struct SendSide {
    SendSide(std::uint64_t delivered, std::size_t max_records) : rate(delivered, max_records) {}
    RateEstimator rate;
    Pacer pacer;
    std::optional<RateSample> last;     // the latest sample (last_rate_sample())
    std::uint32_t prior_in_flight = 0;  // pipe when the ACK being processed arrived
    // HyStart++ (RFC 9406, connection_hystart.cpp): the round's window end
    // and the minimum RTTs of this round and the last, in microseconds.
    struct HyStart {
      static constexpr std::uint32_t kNone = 0xffffffff;
      SeqNum window_end{};
      std::uint32_t last_round_min_us = kNone;
      std::uint32_t current_round_min_us = kNone;
      std::uint32_t css_baseline_us = kNone;
      std::uint8_t samples = 0;     // rttSampleCount (saturating)
      std::uint8_t css_rounds = 0;  // rounds spent in CSS
      bool started = false;         // window_end is set
      bool in_css = false;
      bool done = false;            // slow start has ended: nothing more to do
    } hystart;
  };
  // An Instant or none, in 8 bytes (std::optional<Instant> takes 16).
  class MaybeInstant {
   public:
    explicit operator bool() const { return t_ != Instant::max(); }
    Instant operator*() const { return t_; }
    MaybeInstant& operator=(Instant t) {
      t_ = t;
      return *this;
    }
    void reset() { t_ = Instant::max(); }

   private:
    Instant t_ = Instant::max();
  };

  Connection(const ConnectionConfig& cfg, const IpEndpoint& local, const IpEndpoint& remote, std::uint32_t iss,
             const SharedSettings* shared);

  // connection.cpp
  void set_state(State to);
  void enter_closed(std::optional<Error> err);
  void enter_time_wait(Instant now);
  void negotiate(const TcpOptions& peer_syn);
  std::uint32_t ts_now(Instant now) const;
  // RCV.WND: from RCV.NXT to the right edge we announced (rcv_adv_), within
  // the buffer's free space.
  std::uint32_t rcv_wnd() const;
  // A segment announced window `field` (unscaled in a SYN): move rcv_adv_ right.
  void note_window_sent(std::uint16_t field, bool syn);

  // connection_input.cpp
  void on_syn_sent(const TcpRepr& seg, Instant now);
  void check_rst(const TcpRepr& seg, Instant now);
  bool process_ack(const TcpRepr& seg, std::size_t payload_len, Instant now);
  void ack_advanced(SeqNum ack, const TcpRepr& seg, bool dsack, Instant now);
  void arm_loss_probe(Instant now);
  // connection_recovery.cpp: duplicate ACKs, the SACK scoreboard, RACK.
  void on_dup_ack(Instant now);
  void record_sacks(const TcpRepr& seg);
  void shift_sacked(std::uint32_t acked);
  void update_retransmissions(Instant now);
  void run_reordering_timer(Instant now);
  void enter_sack_recovery(Instant now);
  // RFC 6937: an ACK in SACK fast recovery delivered `delivered` bytes;
  // cwnd = pipe + sndcnt.
  void prr_on_ack(std::uint32_t delivered, bool una_advanced);
  // Undo (RFC 3708, RFC 3522): start an episode before a reduction, count
  // a segment's D-SACK blocks, check an ACK's TSecr, take a reduction back.
  void undo_begin();
  void undo_on_dsack(const TcpRepr& seg, SeqNum ack);
  bool undo_by_timestamps(const TcpRepr& seg) const;
  void undo_reduction(Event why);
  // RFC 5682 2.1 step 3a: after step 2b's new data, a duplicate ACK: the
  // timeout was genuine, conventional recovery goes on.
  void frto_loss_was_real();
  void undo_episode_ended() {  // the recovery is over: the undo waits a little longer
    if (sb_ && sb_->undo_set && !sb_->undo_ended) {
      sb_->undo_ended = true;
      sb_->undo_until = snd_max_;
      sb_->undo_acks = 0;
    }
  }
  Scoreboard& scoreboard();
  void drop_scoreboard();
  // connection_input.cpp, again
  void update_window(const TcpRepr& seg);
  void window_reopened_after_probe();  // update_window()'s rare case, out of its way
  void process_text(const TcpRepr& seg, Bytes payload, Instant now);
  void process_fin(Instant now);
  void challenge_ack(Instant now);
  // RFC 2883: [left, right) arrived again; the next ACK reports it as its
  // first SACK block (once). With SACK only.
  void note_duplicate(SeqNum left, SeqNum right);
  void schedule_ack(Instant now, bool immediate);

  // connection_rate.cpp: rate samples, app-limited marks, pacing.
  void on_data_sent(SeqNum seq, SeqNum end, Instant now);  // before SND.NXT / SND.MAX move
  void rate_begin_ack();
  void rate_end_ack(const TcpRepr& seg, Instant now);
  void rate_sample(const TcpRepr& seg, Instant now);  // rate_end_ack()'s sample, when taken
  void check_app_limited();
  bool pacing_holds(Instant now) const;
  std::optional<Instant> pacing_release() const;
  void drop_send_side();

  // connection_hystart.cpp: HyStart++ (RFC 9406), after an ACK advanced in slow start.
  void hystart_on_ack(SeqNum ack, std::optional<Duration> rtt, Instant now);

  // connection_buffers.cpp: buffer autotuning.
  void tune_receive(const TcpRepr& seg, std::size_t len, Instant now);  // after in-order data arrived
  void tune_send();                                    // after an ACK moved SND.UNA
  void set_recv_capacity(std::uint32_t bytes);

  // connection_ecn.cpp (RFC 3168): the SYNs' negotiation, a segment in (CE
  // seen, CWR, ECE), a segment out (ECE / CWR flags, ECT) after build().
  void ecn_negotiate(const TcpRepr& syn);
  void ecn_input(const TcpRepr& seg, bool has_data, std::uint8_t ip_ecn, Instant now);
  // RFC 5562, SYN-RECEIVED: true when `seg` (acceptable, with ACK) echoes a
  // CE mark on our ECT SYN-ACK: it is answered with the SYN-ACK again.
  bool ecn_synack_marked(const TcpRepr& seg);
  void ecn_established();  // SYN-RECEIVED -> ESTABLISHED: the window after a marked SYN-ACK
  void ecn_output(TcpRepr& out, bool new_data, bool syn_again);

  // connection_output.cpp
  std::optional<Plan> plan() const;
  // Timers run, then plan() with pacing applied: what poll_output() sends.
  // `held`: nothing, because pacing holds a data segment (and no ACK is owed).
  std::optional<Plan> next_plan(Instant now, bool& held);
  // poll_at() once plan() is known: `planned`, a segment is due; `release`,
  // the departure time pacing holds it for (Instant::min() without one).
  std::optional<Instant> wake_at(bool planned, std::optional<Instant> release) const;
  // RFC 6675 (connection_output.cpp): offsets from SND.UNA.
  bool sack_recovery() const { return sack_ok_ && (cc_.in_recovery() || rto_recovery_); }
  std::uint32_t lost_end() const;  // IsLost() holds for every unSACKed octet below
  std::uint32_t pipe() const;
  std::optional<Plan> next_retransmission(int rule) const;  // NextSeg rules (1), (3), (4)
  std::optional<Plan> hole_piece(std::uint32_t from, std::uint32_t limit, std::uint32_t hole_end) const;
  std::optional<Plan> loss_probe() const;
  const Retransmission* covering(SeqNum s) const;
  TcpRepr build(const Plan& p, Instant now);  // all side effects; payload = tx_[offset, +len)
  TcpRepr build_marked(const Plan& p, Instant now);  // build(), then ecn_output()
  // RFC 9293 3.7.1 (MUST-16) / RFC 6691: the payload a segment with ACK may
  // carry now, snd_mss_ (peer MSS less the timestamps option) less the SACK
  // option header() would add now (sack_option_len()). Every sizing decision
  // of plan() uses it: segment lengths, Nagle, cwnd - pipe, NextSeg(), TLP.
  std::uint32_t seg_mss() const {
    // plan() asks several times per segment: the common case (no block to
    // report) without a call.
    if (!sack_ok_ || (!dsack_pending_ && ooo_.is_empty())) return snd_mss_;
    return snd_mss_ - sack_option_len();
  }
  std::uint32_t sack_option_len() const;  // NOP,NOP,SACK: 4 + 8 per block, or 0
  TcpRepr header(SeqNum seq, TcpFlags flags, Instant now) const;
  std::uint16_t window_field(bool syn) const;
  SeqNum next_read() const;  // the sequence number of the next octet recv() returns

  // connection_timers.cpp
  void run_timers(Instant now);
  void on_retransmit_timeout(Instant now);
  void arm_timers(Instant now);

  SharedSettings cfg_;  // shared with the connections made from the same config
  std::uint16_t local_port_;
  std::uint16_t remote_port_;

  // RFC 9293 3.3.1 send sequence variables (SND.MAX: the highest sent, which
  // SND.NXT falls back from on a retransmission timeout).
  SeqNum iss_, snd_una_, snd_nxt_, snd_max_, snd_wl1_, snd_wl2_;
  std::uint32_t snd_wnd_ = 0;      // scaled
  std::uint32_t max_snd_wnd_ = 0;  // largest window the peer offered (SWS, RFC 5961 5.2)
  // Receive sequence variables. rcv_adv_ is the right edge of the window we
  // announced (RCV.NXT + RCV.WND as the peer knows it, the highest so far: a
  // window is not shrunk, RFC 9293 3.8.6.2.2): what the acceptability test
  // and the trimming of text use (rcv_wnd()), not the buffer's free space.
  SeqNum irs_, rcv_nxt_, last_ack_sent_, rcv_adv_;
  std::uint32_t ts_recent_ = 0;    // RFC 7323 TS.Recent
  std::uint32_t ts_last_rtx_ = 0;  // our TSval when we last retransmitted (ts_rtx_seen_)
  std::uint32_t bytes_since_ack_ = 0;
  SeqNum recover_;                 // RFC 6582 "recover", RFC 6675 RecoveryPoint
  SeqNum tlp_end_;                 // RFC 8985 TLP.end_seq (tlp_out_)
  SeqNum rcv_fin_seq_;             // a FIN that arrived ahead of data (rcv_fin_pending_)
  SeqNum snd_sml_;                 // end of the last short segment sent (Nagle, Minshall's variant)
  SeqNum dsack_left_, dsack_right_;  // RFC 2883: a duplicate to report first in the next ACK (dsack_pending_)
  SeqNum snd_up_, rcv_up_;         // RFC 9293 SND.UP / RCV.UP (snd_urgent_ / rcv_urgent_)
  SeqNum ecn_high_;                // SND.MAX at the last ECN reduction: one per round trip
  std::uint32_t retransmits_ = 0;  // segments sent again (all causes)
  // Small fields sit in the padding of the members before them (the
  // [[no_unique_address]] ones lend theirs): sizeof(Connection) is pinned
  // by ConnectionTest.ControlBlockIsSmallAndBuffersAreLazy.
  std::uint16_t snd_mss_ = 536;    // SMSS: peer MSS - TS option (>= 64; seg_mss() for a segment)
  std::uint16_t rcv_mss_ = 536;    // what a full segment from the peer carries
  std::uint8_t tso_segs_ = 0;      // limit_tso(): at most this many MSS in a TSO segment; 0: no limit
  // RFC 5562 (ConnectionConfig::ecn_syn_ack), in the padding before tx_: the
  // SYN-ACK in flight is our first, sent ECT(0); the peer echoed a CE mark on
  // it (the window starts at one segment).
  bool synack_ect_ : 1 = false;
  bool synack_ce_ : 1 = false;

  storage::RingBuffer tx_;  // from SND.UNA (after the SYN) on
  storage::RingBuffer rx_;  // in-order bytes not yet read; out-of-order ones beyond
  storage::Assembler ooo_;
  std::unique_ptr<Scoreboard> sb_;  // RFC 6675 scoreboard, allocated on the first SACK
  [[no_unique_address]] RttEstimator rtt_;
  [[no_unique_address]] RttTimer rtt_timer_;
  State state_ = State::closed;
  Timer timer_ = Timer::none;
  std::uint8_t retries_ = 0;       // consecutive timeouts of the same segment
  [[no_unique_address]] CongestionControl cc_;
  std::uint8_t dupacks_ = 0;
  std::uint8_t snd_wscale_ = 0;
  std::uint8_t rcv_wscale_ = 0;
  std::uint8_t urgent_signals_ = 0;  // wraps: compared for a change, one segment at a time
  std::uint32_t rst_seq_ = 0;      // <SEQ=rst_seq_><CTL=RST> is due (rst_pending_)

  Instant timer_at_{};  // meaningful while timer_ != Timer::none
  MaybeInstant delack_at_;
  // When an emptied receive (or send) ring is given back (rx_release_pending_
  // starts it at the next poll): a reader that keeps up empties the ring
  // after every segment, a sender's is emptied by every ACK of its whole
  // flight, and freeing it each time cost an allocation per segment.
  MaybeInstant rx_release_at_;
  // The state observer: borrowed (the socket table) or owned (a hook's
  // adapter, deleted with the connection); moves with it.
  [[no_unique_address]] ObserverRef<StateObserver, State, Event> hook_;
  std::uint8_t keepalives_sent_ = 0;
  std::uint8_t keepalive_probes_cfg_ = 9;  // the probe count set_keepalive(true) restores
  // Quick-ACK mode (Linux tcp_incr_quickack): this many in-order segments are
  // still ACKed one by one, not every second one: at the start (slow start
  // grows per ACK) and after a loss was repaired (the ACK clock is weak then).
  std::uint8_t quickacks_ = 0;
  std::unique_ptr<SendSide> send_side_;  // rate samples and pacing while sending (SendSide)
  std::unique_ptr<RecvTuning> rcv_tune_;  // receive-buffer autotuning while receiving (RecvTuning)

  std::uint8_t error_code_ : 2 = 0;  // error(): 0 none, else Error + 1
  bool challenge_sent_ : 1 = false;  // last_challenge_ms_ is set
  bool rst_pending_ : 1 = false;  // a RST (abort, or the answer to an unacceptable ACK)
  bool ts_ok_ : 1 = false;
  bool sack_ok_ : 1 = false;
  bool ws_ok_ : 1 = false;
  bool fin_queued_ : 1 = false;    // the application shut down the send side
  bool fin_received_ : 1 = false;
  bool rcv_fin_pending_ : 1 = false;
  bool recv_closed_ : 1 = false;   // close() (not shutdown_send()): new data gets a RST
  bool fin_acked_ : 1 = false;     // our FIN has been acknowledged
  bool ack_now_ : 1 = false;       // an ACK is owed right away
  bool fast_rtx_ : 1 = false;      // retransmit SND.UNA's segment now
  bool rto_recovery_ : 1 = false;  // SACK: after an RTO, resending the unSACKed data below recover_
  bool tlp_probe_ : 1 = false;     // RFC 8985 7.3: send a loss probe now
  bool tlp_out_ : 1 = false;       // a loss probe is unacknowledged (TLP.end_seq is set)
  bool tlp_rtx_ : 1 = false;       // ... and it was a retransmission
  bool force_probe_ : 1 = false;   // send one byte into a zero window
  bool zwp_out_ : 1 = false;       // a zero-window probe is unacknowledged (beyond the peer's window)
  bool passive_ : 1 = false;       // created by accept_syn
  bool syn_retransmitted_ : 1 = false;
  bool ts_rtx_seen_ : 1 = false;
  bool keepalive_probe_ : 1 = false;  // send a keep-alive probe now
  bool dsack_pending_ : 1 = false;    // dsack_left_/right_ go in the next ACK
  bool rx_release_pending_ : 1 = false;  // recv() or an ACK emptied a ring: arm rx_release_at_
  bool snd_urgent_ : 1 = false;    // snd_up_ is set and not yet acknowledged
  bool rcv_urgent_ : 1 = false;    // rcv_up_ is set and not yet read past
  bool ecn_ok_ : 1 = false;        // RFC 3168: both SYNs agreed on ECN
  bool ece_pending_ : 1 = false;   // CE arrived: ECE on our ACKs until a CWR
  bool cwr_pending_ : 1 = false;   // cwnd reduced: CWR on the next new data
  bool ect_out_ : 1 = false;       // ip_ecn() of the segment polled last
  std::uint32_t last_challenge_ms_ = 0;  // ts_now() of the last challenge ACK (challenge_sent_)
  std::uint64_t delivered_ = 0;  // C.delivered while there is no SendSide (delivered())
  static constexpr std::uint8_t kMaxQuickacks = 16;  // Linux TCP_MAX_QUICKACKS
  // An empty receive ring is freed this long after it emptied (if it stayed
  // empty): idle connections hold no buffer, busy ones do not churn the heap.
  static constexpr Duration kRxReleaseDelay = std::chrono::milliseconds{200};
};

// Asked on every segment in and out: inline.
inline std::uint32_t Connection::recv_window() const { return static_cast<std::uint32_t>(rx_.free()); }

inline std::uint32_t Connection::rcv_wnd() const {
  // RFC 9293 3.10.7.4 tests a segment against RCV.WND, the window the peer
  // was told, not against the buffer: with a buffer above 64 KiB and no
  // window scaling, or with the bytes a scaled window rounds away, the buffer
  // is larger than what we announced.
  const std::uint32_t announced = rcv_nxt_ < rcv_adv_ ? distance(rcv_nxt_, rcv_adv_) : 0;
  return std::min(announced, recv_window());
}

inline void Connection::note_window_sent(std::uint16_t field, bool syn) {
  // RFC 7323 2.2: a SYN's window is not scaled. The edge only moves right
  // (RFC 9293 3.8.6.2.2: a receiver must not shrink the window; a scaled
  // window rounded down may announce an edge a little left of an earlier one,
  // which stays valid).
  const SeqNum edge = rcv_nxt_ + (std::uint32_t{field} << (syn ? 0 : rcv_wscale_));
  if (rcv_adv_ < edge) rcv_adv_ = edge;
}

// Asked for every data segment (next_plan(), poll_at()): inline. Without a
// send side there is no pacing clock (connection_rate.cpp).
inline bool Connection::pacing_holds(Instant now) const {
  return send_side_ && send_side_->pacer.holds(now) && pacing_rate() > 0;
}

inline std::optional<Instant> Connection::pacing_release() const {
  if (!send_side_ || send_side_->pacer.next() == Instant::min() || pacing_rate() == 0) return std::nullopt;
  return send_side_->pacer.next();
}

// For traces and test failures: "ESTABLISHED una=1001 nxt=1001 max=1001
// wnd=4000 rcv.nxt=5001 rcv.wnd=8192 newreno cwnd=14600 ssthresh=inf rto=200ms".
std::ostream& operator<<(std::ostream& os, const Connection& c);

}  // namespace wirestack::tcp
