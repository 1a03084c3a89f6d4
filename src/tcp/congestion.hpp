// tcp/congestion.hpp — congestion control: NewReno (RFC 5681 + RFC 6582),
// CUBIC (RFC 9438) and BBR (version 1) behind one small, non-virtual interface.
//
// CongestionControl holds a std::variant<NewReno, Cubic, Bbr> and forwards each
// call with std::visit: no heap, no vtable pointer, the state lives inside the
// connection's control block, and a third algorithm is one more alternative
// (docs/TCP.md "Adding a congestion control algorithm": an Algorithm value and
// its name in kAlgorithmNames, the class, a case in make_congestion()).
// The algorithms share their window mechanics (detail::WindowCore: slow start,
// fast-recovery inflation and deflation, the RTO collapse) and differ where the
// RFCs do: the growth in congestion avoidance and the multiplicative decrease.
//
// All windows are in bytes (uint32, capped at kMaxCwnd). Nothing here reads a
// clock; CUBIC measures its epoch with the `now` passed in.
//
// What the connection calls, and when (the connection owns the loss-detection
// state: duplicate-ACK counting, the `recover` point, FlightSize):
//   on_ack(bytes_acked, now, srtt)   an ACK advanced SND.UNA outside fast
//                                    recovery. Slow start while cwnd < ssthresh,
//                                    with Appropriate Byte Counting (RFC 3465,
//                                    L = 2*SMSS; 1*SMSS after an RTO), else
//                                    congestion avoidance. Only call it while
//                                    the sender is cwnd-limited (RFC 7661 /
//                                    RFC 9438 4.2 "application-limited").
//   enter_recovery(flight, now)      the third duplicate ACK (RFC 5681 3.2
//                                    step 2, RFC 6582 3.2 step 2): ssthresh is
//                                    cut, cwnd = ssthresh + 3*SMSS.
//   enter_sack_recovery(flight, now) RFC 6675 5 (4.2): the same ssthresh cut,
//                                    but cwnd = ssthresh (no inflation: the
//                                    SACK sender counts `pipe` instead).
//   set_recovery_cwnd(bytes)         RFC 6937 PRR, per ACK in SACK recovery:
//                                    the connection sets cwnd = pipe + sndcnt
//                                    (Linux tcp_cwnd_reduction).
//   undo(prior_cwnd, prior_ssthresh) the last reduction was spurious (RFC
//                                    3708 D-SACK, RFC 3522 timestamps):
//                                    cwnd and ssthresh back, recovery over.
//   on_dup_ack()                     each further duplicate ACK in recovery:
//                                    cwnd += SMSS (RFC 5681 3.2 step 4).
//   on_partial_ack(bytes_acked)      RFC 6582 3.2 step 5, partial ACK: deflate
//                                    by the amount acked, add back SMSS if that
//                                    was at least SMSS. The caller retransmits.
//   on_recovery_exit(flight)         full ACK (covers `recover`): cwnd =
//                                    min(ssthresh, max(FlightSize, SMSS) + SMSS),
//                                    RFC 6582 3.2 step 5 option (1).
//   on_rto(flight, now, kind)        the retransmission timer expired: ssthresh
//                                    cut (only on the first timeout of a segment,
//                                    RFC 5681 3.1 "held constant" on repeats),
//                                    cwnd = 1*SMSS (the loss window).
//   on_rate_sample(rs, now)          after every ACK that delivered data (ACKed
//                                    or SACKed), once the calls above are done:
//                                    the delivery rate sample of
//                                    draft-cheng-iccrg-delivery-rate-estimation
//                                    (tcp/rate_sample.hpp). NewReno and CUBIC
//                                    ignore it (WindowCore's no-op); a model-
//                                    based algorithm (BBR) is driven by it.
//                                    Only called when wants_rate_samples().
// And what the connection asks:
//   wants_rate_samples()             whether on_rate_sample() is of any use:
//                                    a static constexpr bool per algorithm.
//                                    When false (NewReno, CUBIC) the
//                                    connection keeps no per-segment records
//                                    and computes no samples (unless its
//                                    ConnectionConfig::rate_samples asks);
//   cwnd()                           how much may be in flight;
//   pacing_rate(srtt)                bytes per second the sender spaces its data
//                                    segments at, 0 = no pacing (the sender
//                                    honours it: Connection::poll_at()). NewReno
//                                    and CUBIC return 0 unless made with
//                                    CongestionOptions::pacing, then Linux's
//                                    default (tcp_update_pacing_rate): 2 * cwnd /
//                                    SRTT while cwnd < ssthresh / 2, else 1.2 *
//                                    cwnd / SRTT.
// ssthresh starts "arbitrarily high" (kInfiniteSsthresh); cwnd starts at the
// RFC 6928 initial window min(10*SMSS, max(2*SMSS, 14600)).
//
//   auto cc = make_congestion(Algorithm::cubic, 1460);
//   cc.on_ack(acked, now, *rtt.srtt());
//   if (dupacks == 3) cc.enter_recovery(flight_size, now);
//   bool can_send = flight_size + smss <= cc.cwnd();
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/result.hpp"
#include "base/time.hpp"

namespace wirestack::tcp {

struct RateSample;  // tcp/rate_sample.hpp

enum class Algorithm : std::uint8_t { newreno, cubic, bbr };
// Every algorithm with its name (as in topology files, `--congestion` and
// Linux's TCP_CONGESTION where they agree), in the order error messages list them.
inline constexpr std::array<std::pair<Algorithm, std::string_view>, 3> kAlgorithmNames{{
    {Algorithm::newreno, "newreno"},
    {Algorithm::cubic, "cubic"},
    {Algorithm::bbr, "bbr"},
}};
// "newreno", "cubic", "bbr"; "unknown" for a value outside the enumeration.
const char* to_string(Algorithm a);
std::ostream& operator<<(std::ostream& os, Algorithm a);
// The algorithm named `name` (exactly, lower case). Unknown names are an
// error value that lists the known ones:
//   "unknown congestion control 'vegas' (known: newreno, cubic, bbr)"
Result<Algorithm, std::string> parse_algorithm(std::string_view name);
// "newreno, cubic, bbr"
std::string known_algorithms();

// How make_congestion() sets an algorithm up beyond its SMSS.
struct CongestionOptions {
  // NewReno / CUBIC: ask the sender to pace at Linux's default rate (see
  // pacing_rate() above). Off by default: no pacing, as before.
  bool pacing = false;
};

// Whether this is the first expiry of the retransmission timer for the oldest
// outstanding segment, or a repeat (RFC 5681 3.1, below eqn 4).
enum class Timeout : std::uint8_t { first, repeated };

inline constexpr std::uint32_t kInfiniteSsthresh = std::numeric_limits<std::uint32_t>::max();
inline constexpr std::uint32_t kMaxCwnd = 1u << 30;  // the largest scaled window, RFC 7323 2.3
inline constexpr std::uint32_t kDefaultSmss = 536;   // RFC 9293 3.7.1 (IPv4, no MSS option)

// RFC 6928 2: IW = min (10*MSS, max (2*MSS, 14600)).
constexpr std::uint32_t initial_window(std::uint32_t smss) {
  const std::uint32_t floor = 2 * smss > 14600 ? 2 * smss : 14600;
  return 10 * smss < floor ? 10 * smss : floor;
}

namespace detail {

// A value on the heap that is copied with its owner (a unique_ptr that
// clones): CUBIC's and BBR's state, kept out of the congestion variant so
// that it is only as large as the window core, while the algorithms stay
// values.
template <class T>
class Boxed {
 public:
  Boxed() = default;
  Boxed(const Boxed& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  Boxed& operator=(const Boxed& o) {
    if (this != &o) p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    return *this;
  }
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(Boxed&&) noexcept = default;
  ~Boxed() = default;
  T& emplace() {
    p_ = std::make_unique<T>();
    return *p_;
  }
  explicit operator bool() const { return p_ != nullptr; }
  T& operator*() const { return *p_; }
  T* operator->() const { return p_.get(); }

 private:
  std::unique_ptr<T> p_;
};


// Window state and the mechanics NewReno and CUBIC share.
class WindowCore {
 public:
  // Precondition: smss > 0.
  explicit WindowCore(std::uint32_t smss);

  std::uint32_t cwnd() const { return cwnd_; }
  std::uint32_t ssthresh() const { return ssthresh_; }
  std::uint32_t smss() const { return smss_; }
  void set_smss(std::uint32_t smss) { smss_ = smss > 0 ? smss : 1; }
  bool in_slow_start() const { return cwnd_ < ssthresh_; }
  bool in_recovery() const { return in_recovery_; }
  // HyStart++ (RFC 9406, driven by the connection: connection_hystart.cpp).
  // Conservative slow start: growth divided by CSS_GROWTH_DIVISOR (4).
  void set_conservative(bool on) { css_ = on; }
  bool conservative() const { return css_; }
  // "enter congestion avoidance by setting the ssthresh to the current cwnd".
  void end_slow_start() {
    ssthresh_ = cwnd_;
    css_ = false;
  }

  // Loss-based algorithms take nothing from the delivery rate sample, and
  // say so: the connection then spends nothing on taking one.
  static constexpr bool wants_rate_samples() { return false; }
  void on_rate_sample(const RateSample& /*rs*/, Instant /*now*/) {}
  // Bytes per second, 0 = no pacing; Linux's default rate when enabled
  // (asked for every data segment: the usual answer without a call).
  std::uint64_t pacing_rate(std::optional<Duration> srtt) const { return default_pacing_ ? default_rate(srtt) : 0; }
  void set_default_pacing(bool on) { default_pacing_ = on; }

  void on_dup_ack();
  void on_partial_ack(std::uint32_t bytes_acked);
  // RFC 6675 5 (4.2): "cwnd = ssthresh" (after enter_recovery set ssthresh).
  void deflate_to_ssthresh() { set_cwnd(ssthresh_); }
  // RFC 6937 PRR (driven by the connection, which knows pipe and what each
  // ACK delivered: connection_recovery.cpp): cwnd = pipe + sndcnt, in fast
  // recovery only (Linux tcp_cwnd_reduction sets tp->snd_cwnd the same way).
  void set_recovery_cwnd(std::uint64_t bytes) {
    if (in_recovery_) set_cwnd(bytes);
  }
  // RFC 3708 / RFC 3522 / RFC 5682 response (Linux tcp_undo_cwnd_reduction):
  // the reduction was spurious: cwnd and ssthresh back to at least what they
  // were before it, recovery over.
  void undo(std::uint32_t prior_cwnd, std::uint32_t prior_ssthresh) {
    set_cwnd(std::max(cwnd_, prior_cwnd));
    if (prior_ssthresh > ssthresh_) ssthresh_ = prior_ssthresh;
    in_recovery_ = false;
    after_rto_ = false;
  }
  void on_recovery_exit(std::uint32_t flight_size);
  // After a reduction that is not a recovery (an ECN-Echo): out of recovery.
  void end_reduction() { in_recovery_ = false; }
  // RFC 5562 3.2: the SYN-ACK was marked CE: the initial window is one
  // segment (ssthresh stays: slow start from there).
  void one_segment_initial_window() { set_cwnd(smss_); }

 protected:
  // RFC 5681 3.1 slow start with RFC 3465 byte counting; cwnd stops at ssthresh.
  void slow_start(std::uint32_t bytes_acked);
  // After the algorithm set ssthresh_: cwnd = ssthresh + 3*SMSS, in recovery.
  void start_recovery();
  // After the algorithm set ssthresh_ (or kept it): cwnd = 1*SMSS.
  void collapse_after_rto();
  void set_cwnd(std::uint64_t bytes);
  std::uint64_t default_rate(std::optional<Duration> srtt) const;  // pacing_rate() when enabled

  std::uint32_t smss_;
  std::uint32_t cwnd_;
  std::uint32_t ssthresh_ = kInfiniteSsthresh;
  std::uint32_t ca_bytes_acked_ = 0;  // RFC 3465 congestion-avoidance counter
  bool in_recovery_ = false;
  bool after_rto_ = false;  // slow start after an RTO: ABC limit L = 1*SMSS
  // pacing_rate() is Linux's default instead of 0 (in the tail padding: a
  // derived class's first members follow it, sizeof(Cubic) stays 80).
  bool default_pacing_ = false;
  bool css_ = false;  // HyStart++ conservative slow start (set_conservative)
};

}  // namespace detail

// RFC 5681 + RFC 6582. Congestion avoidance adds SMSS each time a cwnd's worth
// of bytes has been acknowledged (RFC 5681 3.1 / RFC 3465 byte counting);
// loss sets ssthresh = max(FlightSize / 2, 2*SMSS) (RFC 5681 eqn 4).
class NewReno : public detail::WindowCore {
 public:
  explicit NewReno(std::uint32_t smss) : WindowCore(smss) {}
  static constexpr Algorithm algorithm() { return Algorithm::newreno; }

  void on_ack(std::uint32_t bytes_acked, Instant now, Duration rtt);
  void enter_recovery(std::uint32_t flight_size, Instant now);
  void on_rto(std::uint32_t flight_size, Instant now, Timeout kind);
};

// RFC 9438. Window growth in congestion avoidance (in segments, t in seconds
// since the start of the congestion-avoidance epoch, i.e. the first ACK that
// finds cwnd >= ssthresh after a congestion event):
//   W_cubic(t) = C * (t - K)^3 + W_max,  K = cbrt((W_max - cwnd_epoch) / C)  (4.2)
//   target = clamp(W_cubic(t + RTT), cwnd, 1.5 * cwnd); per ACK
//   cwnd += (target - cwnd) / cwnd per acknowledged segment              (4.4, 4.5)
//   W_est += alpha_cubic * segments_acked / cwnd, alpha_cubic =
//   3 * (1 - beta) / (1 + beta) until W_est >= cwnd_prior, then 1; if
//   W_cubic(t) < W_est, cwnd = W_est (the Reno-friendly region)            (4.3)
// Multiplicative decrease (4.6): ssthresh = max(FlightSize * beta, 2*SMSS),
// W_max = cwnd, or cwnd * (1 + beta) / 2 with fast convergence (4.7) when the
// loss came below the previous W_max. After an RTO (4.8) the next epoch starts
// with K = 0 and W_max = cwnd_epoch. C = 0.4, beta = 0.7.
// HyStart++ (4.10) is the connection's (connection_hystart.cpp), and so is
// spurious-loss undo (undo() restores cwnd and ssthresh, not W_max, as Linux).
// ECN (RFC 3168): CongestionControl::on_ecn(), the multiplicative decrease alone.
class Cubic : public detail::WindowCore {
 public:
  static constexpr double kC = 0.4;
  static constexpr double kBeta = 0.7;
  static constexpr double kAlpha = 3.0 * (1.0 - kBeta) / (1.0 + kBeta);  // RFC 9438 4.3

  explicit Cubic(std::uint32_t smss, bool fast_convergence = true)
      : WindowCore(smss), fast_convergence_(fast_convergence) {}
  static constexpr Algorithm algorithm() { return Algorithm::cubic; }

  void on_ack(std::uint32_t bytes_acked, Instant now, Duration rtt);
  void enter_recovery(std::uint32_t flight_size, Instant now);
  void on_rto(std::uint32_t flight_size, Instant now, Timeout kind);

  // Inspection (for tests and tracing); windows in segments of SMSS.
  double w_max() const { return epoch_ ? epoch_->w_max : 0; }
  double k() const { return epoch_ ? epoch_->k : 0; }  // seconds
  double w_est() const { return epoch_ ? epoch_->w_est : 0; }
  double cwnd_epoch() const { return epoch_ ? epoch_->cwnd_epoch : 0; }
  std::optional<Instant> epoch_start() const {
    return has_epoch_ ? std::optional<Instant>(epoch_->start) : std::nullopt;
  }
  // RFC 9438 eqn 1 for the current epoch: C * (t - K)^3 + W_max.
  double w_cubic(double t_seconds) const;

 private:
  void multiplicative_decrease(std::uint32_t flight_size);
  void start_epoch(Instant now);
  double cwnd_segments() const;

  // The epoch's state, on the heap from the first congestion event or the
  // first congestion avoidance (a connection that never leaves slow start,
  // a short request/response, holds none): sizeof(Cubic) 32, not 80.
  struct Epoch {
    Instant start{};
    double w_max = 0;          // segments; 0: no congestion event yet
    double cwnd_prior = 0;     // segments, cwnd before the last reduction
    double cwnd_epoch = 0;     // segments, cwnd when the epoch started
    double w_est = 0;          // segments, the Reno-friendly estimate
    double k = 0;              // seconds
    double pending_bytes = 0;  // fractional growth not yet in cwnd_
  };
  Epoch& epoch();  // made on first use

  // The flags first: they share the base's tail padding.
  bool fast_convergence_;
  bool after_rto_epoch_ = false;  // the next epoch starts with K = 0 (4.8)
  bool has_epoch_ = false;        // epoch_->start is set
  detail::Boxed<Epoch> epoch_;
};

// BBR, version 1 (draft-cardwell-iccrg-bbr-congestion-control-00, the
// algorithm of Linux's net/ipv4/tcp_bbr.c): a model of the path instead of a
// reaction to loss. Two estimates, from the delivery rate samples
// (tcp/rate_sample.hpp) the connection hands over after every ACK:
//   BtlBw   the bottleneck bandwidth: the largest delivery rate of the last
//           10 round trips (a windowed max; application-limited samples
//           count only when they raise it);
//   RTprop  the round-trip propagation time: the smallest RTT of the last
//           10 s.
// The sender paces at pacing_gain * BtlBw and keeps at most
// cwnd_gain * BtlBw * RTprop (+ 3 segments) in flight. Its modes:
//   STARTUP    gain 2/ln2 (2.885): doubles the rate each round trip until
//              BtlBw stops growing (less than 25 % for 3 rounds: "full pipe");
//   DRAIN      pacing gain 1/2.885 until what is in flight is one BDP: the
//              queue STARTUP built is emptied;
//   PROBE_BW   pacing gains 1.25, 0.75, 1, 1, 1, 1, 1, 1, one RTprop each:
//              probe for more bandwidth, drain what the probe queued, cruise;
//              cwnd gain 2;
//   PROBE_RTT  every 10 s without a new RTprop: at most 4 segments in flight
//              for 200 ms and a round trip, so the queue empties and the real
//              RTprop can be seen.
// Loss is not a congestion signal to BBR: in fast recovery the window is
// held at what is in flight plus what the ACK delivered for one round trip
// (packet conservation), then it is back where the model puts it; after an
// RTO it starts from one segment. ECN marks are ignored (as BBR v1 does).
// The cycle's starting phase, random in Linux, is taken from the round count
// here (the core draws no random numbers): deterministic, as everything in
// the simulator.
// Size: 80 bytes, as CUBIC (the variant does not grow): the bandwidth filter
// and stamps are 32-bit (rates up to 4 GB/s, saturating; stamps are
// microseconds that wrap every 71 minutes, compared by difference).
class Bbr : public detail::WindowCore {
 public:
  enum class Mode : std::uint8_t { startup, drain, probe_bw, probe_rtt };
  static constexpr double kHighGain = 2.885;  // 2/ln(2): STARTUP doubles the rate per round
  static constexpr double kDrainGain = 1.0 / kHighGain;
  static constexpr double kCwndGain = 2.0;  // PROBE_BW: room for delayed and aggregated ACKs
  static constexpr std::array<double, 8> kPacingGains{1.25, 0.75, 1, 1, 1, 1, 1, 1};
  static constexpr std::uint8_t kBwRounds = 10;         // BtlBw filter window, round trips
  static constexpr std::int64_t kMinRttWindowUs = 10'000'000;  // RTprop filter window, 10 s
  static constexpr std::int64_t kProbeRttUs = 200'000;  // PROBE_RTT lasts at least 200 ms
  static constexpr std::uint32_t kMinCwndSegments = 4;
  static constexpr std::uint8_t kFullBwRounds = 3;  // rounds without 25 % growth: full pipe

  explicit Bbr(std::uint32_t smss) : WindowCore(smss) { m_.emplace(); }
  static constexpr Algorithm algorithm() { return Algorithm::bbr; }

  // The model is fed by rate samples; the rest of the interface is loss.
  static constexpr bool wants_rate_samples() { return true; }
  void on_rate_sample(const RateSample& rs, Instant now);
  // pacing_gain * BtlBw, 1 % under it (Linux's margin for the pacer's own
  // inaccuracies); before any sample 2.885 * cwnd / SRTT (1 ms without one).
  std::uint64_t pacing_rate(std::optional<Duration> srtt) const;
  bool in_slow_start() const { return mode_ == Mode::startup; }

  // The window follows the model, set on each rate sample; what the loss-
  // based algorithms do per ACK and in recovery does not apply.
  void on_ack(std::uint32_t /*bytes_acked*/, Instant /*now*/, Duration /*rtt*/) {}
  void enter_recovery(std::uint32_t flight_size, Instant now);
  void deflate_to_ssthresh() {}
  void set_recovery_cwnd(std::uint64_t bytes);
  void on_dup_ack() {}
  void on_partial_ack(std::uint32_t /*bytes_acked*/) {}
  void on_recovery_exit(std::uint32_t flight_size);
  void on_rto(std::uint32_t flight_size, Instant now, Timeout kind);
  // HyStart++ is for slow start; BBR's STARTUP has its own exit.
  void set_conservative(bool /*on*/) {}
  bool conservative() const { return false; }
  void end_slow_start() {}

  // Inspection (tests, tracing).
  Mode mode() const { return mode_; }
  std::uint64_t btl_bw() const;  // bytes per second, 0 before a sample
  std::optional<Duration> rt_prop() const;
  double pacing_gain() const;
  double cwnd_gain() const;
  bool full_bw_reached() const { return (flags_ & kFullBw) != 0; }
  std::uint8_t cycle_index() const { return cycle_index_; }
  std::uint32_t round_count() const { return m_->round_count; }
  // gain * BtlBw * RTprop, bytes; the initial window while either is unknown.
  std::uint64_t bdp(double gain) const;

 private:
  static constexpr std::uint8_t kFullBw = 1, kRoundStart = 2, kConservation = 4, kProbeRttRoundDone = 8,
                                kProbeRttDoneSet = 16;
  void update_round(const RateSample& rs);
  void update_bw(const RateSample& rs);
  void update_cycle_phase(const RateSample& rs, std::uint32_t us);
  void check_full_pipe(const RateSample& rs);
  void check_drain(const RateSample& rs, std::uint32_t us);
  void update_rt_prop(const RateSample& rs, std::uint32_t us);
  void set_cwnd_from_model(const RateSample& rs);
  void enter_probe_bw(std::uint32_t us);
  void exit_probe_rtt(std::uint32_t us);
  bool flag(std::uint8_t f) const { return (flags_ & f) != 0; }
  void set_flag(std::uint8_t f, bool on) { flags_ = on ? flags_ | f : flags_ & ~f; }

  Mode mode_ = Mode::startup;  // these four in the base's tail padding
  std::uint8_t cycle_index_ = 0;
  std::uint8_t flags_ = 0;
  std::uint8_t full_bw_count_ = 0;
  // The model, on the heap (one block, made with the connection): every
  // connection holds a congestion variant as large as its largest
  // alternative, and NewReno's needs none of this.
  struct Model {
    // BtlBw: the best three samples of the last kBwRounds rounds (Kathleen
    // Nichols' windowed min/max, lib/win_minmax.c): value, round it was taken.
    std::array<std::uint32_t, 3> bw{};
    std::array<std::uint16_t, 3> bw_round{};
    std::uint32_t round_count = 0;
    std::uint32_t full_bw = 0;             // BtlBw when STARTUP last grew by 25 %
    std::uint32_t rt_prop_us = UINT32_MAX;  // unknown until the first RTT sample
    std::uint32_t rt_prop_stamp = 0;       // microsecond stamps (wrapping)
    std::uint32_t cycle_stamp = 0;
    std::uint32_t probe_rtt_done = 0;
    std::uint32_t prior_cwnd = 0;  // before recovery or PROBE_RTT: restored after
    std::uint64_t next_round_delivered = 0;
  };
  detail::Boxed<Model> m_;
};
// "STARTUP", "DRAIN", "PROBE_BW", "PROBE_RTT"
const char* to_string(Bbr::Mode m);

// The algorithm an alternative of a variant of algorithms is: each
// alternative's static algorithm(), whatever the number of alternatives.
template <class... Algorithms>
constexpr Algorithm algorithm_of(const std::variant<Algorithms...>& v) {
  return std::visit([](const auto& a) { return std::remove_cvref_t<decltype(a)>::algorithm(); }, v);
}

// The connection's handle on its congestion controller.
class CongestionControl {
 public:
  using Variant = std::variant<NewReno, Cubic, Bbr>;

  // NewReno with RFC 9293 3.7.1's default SMSS of 536 bytes: a placeholder
  // for a control block that learns its SMSS in the handshake and then
  // assigns make_congestion(algorithm, smss).
  CongestionControl() : impl_(NewReno(kDefaultSmss)) {}
  // Any alternative of Variant.
  template <class A>
    requires std::is_constructible_v<Variant, A>
  explicit CongestionControl(A a) : impl_(std::move(a)) {}

  Algorithm algorithm() const { return algorithm_of(impl_); }
  std::uint32_t cwnd() const { return std::visit([](const auto& a) { return a.cwnd(); }, impl_); }
  std::uint32_t ssthresh() const { return std::visit([](const auto& a) { return a.ssthresh(); }, impl_); }
  std::uint32_t smss() const { return std::visit([](const auto& a) { return a.smss(); }, impl_); }
  // The path took a smaller segment size (path MTU discovery): increments
  // follow it; cwnd (bytes) is kept, as Linux keeps its packet count.
  void set_smss(std::uint32_t smss) {
    std::visit([&](auto& a) { a.set_smss(smss); }, impl_);
  }
  bool in_slow_start() const { return std::visit([](const auto& a) { return a.in_slow_start(); }, impl_); }
  bool in_recovery() const { return std::visit([](const auto& a) { return a.in_recovery(); }, impl_); }
  // Bytes per second the sender paces its data segments at; 0: no pacing.
  // `srtt` is the connection's smoothed RTT (nullopt before a sample), for
  // algorithms that derive the rate from cwnd.
  std::uint64_t pacing_rate(std::optional<Duration> srtt) const {
    return std::visit([&](const auto& a) { return a.pacing_rate(srtt); }, impl_);
  }

  void set_conservative(bool on) {
    std::visit([&](auto& a) { a.set_conservative(on); }, impl_);
  }
  bool conservative() const {
    return std::visit([](const auto& a) { return a.conservative(); }, impl_);
  }
  void end_slow_start() {
    std::visit([](auto& a) { a.end_slow_start(); }, impl_);
  }
  void on_ack(std::uint32_t bytes_acked, Instant now, Duration rtt) {
    std::visit([&](auto& a) { a.on_ack(bytes_acked, now, rtt); }, impl_);
  }
  void enter_recovery(std::uint32_t flight_size, Instant now) {
    std::visit([&](auto& a) { a.enter_recovery(flight_size, now); }, impl_);
  }
  // RFC 6675 5 (4.2): ssthresh as for enter_recovery(), then cwnd = ssthresh.
  void enter_sack_recovery(std::uint32_t flight_size, Instant now) {
    std::visit(
        [&](auto& a) {
          a.enter_recovery(flight_size, now);
          a.deflate_to_ssthresh();
        },
        impl_);
  }
  // RFC 3168 6.1.2: an ECN-Echo (congestion without loss): ssthresh cut as
  // for enter_recovery(), cwnd = ssthresh, nothing to retransmit, so no
  // recovery state (the connection keeps it to once per round trip).
  // BBR v1 takes no signal from ECN (Linux's tcp_bbr neither).
  void on_ecn(std::uint32_t flight_size, Instant now) {
    std::visit(
        [&](auto& a) {
          if constexpr (!std::is_same_v<std::remove_cvref_t<decltype(a)>, Bbr>) {
            a.enter_recovery(flight_size, now);
            a.deflate_to_ssthresh();
            a.end_reduction();
          }
        },
        impl_);
  }
  // RFC 5562 3.2: a CE-marked SYN-ACK: cwnd = 1 SMSS before any data.
  void one_segment_initial_window() {
    std::visit([](auto& a) { a.one_segment_initial_window(); }, impl_);
  }
  // RFC 6937 PRR: cwnd = pipe + sndcnt while in recovery (else nothing).
  void set_recovery_cwnd(std::uint64_t bytes) {
    std::visit([&](auto& a) { a.set_recovery_cwnd(bytes); }, impl_);
  }
  // A spurious reduction taken back (D-SACK, timestamps, F-RTO): cwnd and
  // ssthresh at least what they were before it, out of recovery.
  void undo(std::uint32_t prior_cwnd, std::uint32_t prior_ssthresh) {
    std::visit([&](auto& a) { a.undo(prior_cwnd, prior_ssthresh); }, impl_);
  }
  void on_dup_ack() {
    std::visit([](auto& a) { a.on_dup_ack(); }, impl_);
  }
  void on_partial_ack(std::uint32_t bytes_acked) {
    std::visit([&](auto& a) { a.on_partial_ack(bytes_acked); }, impl_);
  }
  void on_recovery_exit(std::uint32_t flight_size) {
    std::visit([&](auto& a) { a.on_recovery_exit(flight_size); }, impl_);
  }
  void on_rto(std::uint32_t flight_size, Instant now, Timeout kind) {
    std::visit([&](auto& a) { a.on_rto(flight_size, now, kind); }, impl_);
  }
  // Whether the algorithm uses on_rate_sample() (see the list at the top).
  bool wants_rate_samples() const {
    return std::visit([](const auto& a) { return a.wants_rate_samples(); }, impl_);
  }
  // After an ACK that delivered data (see the list at the top).
  void on_rate_sample(const RateSample& rs, Instant now) {
    std::visit([&](auto& a) { a.on_rate_sample(rs, now); }, impl_);
  }

  // The concrete algorithm, or nullptr.
  const NewReno* newreno() const { return std::get_if<NewReno>(&impl_); }
  const Cubic* cubic() const { return std::get_if<Cubic>(&impl_); }
  const Bbr* bbr() const { return std::get_if<Bbr>(&impl_); }
  const Variant& variant() const { return impl_; }

  // "cubic cwnd=14600 ssthresh=inf" (+ " recovery" while in fast recovery).
  friend std::ostream& operator<<(std::ostream& os, const CongestionControl& cc);

 private:
  Variant impl_;
};

// Precondition: smss > 0, `algorithm` one of kAlgorithmNames.
CongestionControl make_congestion(Algorithm algorithm, std::uint32_t smss, CongestionOptions options = {});
// CongestionControl::wants_rate_samples() of `algorithm`, without making one
// (BBR's model is a heap block).
bool wants_rate_samples(Algorithm algorithm);

}  // namespace wirestack::tcp
