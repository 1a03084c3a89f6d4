// tcp/rtt.hpp — round-trip time estimation and the retransmission timeout
// (RFC 6298), Karn's rule, and RTT samples from timestamps (RFC 7323).
//
// RttEstimator holds SRTT, RTTVAR and the RTO; it never reads a clock: the
// connection measures a sample and hands it in.
//   * Before any sample, RTO = initial_rto (RFC 6298 2.1: 1 s).
//   * First sample R (2.2): SRTT = R, RTTVAR = R/2.
//   * Later samples R' (2.3): RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R'| (with the
//     old SRTT), then SRTT = 7/8 SRTT + 1/8 R'.
//   * RTO = SRTT + max(G, 4 * RTTVAR), G the clock granularity (default 1 ms),
//     clamped to [min_rto, max_rto]. RFC 6298 2.4 asks for a 1 s minimum; we
//     default to 200 ms as Linux (TCP_RTO_MIN) does, configurable. 2.5 allows
//     a maximum of at least 60 s; default 120 s as Linux (TCP_RTO_MAX).
//   * backoff() (5.5, "back off the timer") doubles the RTO, capped at
//     max_rto, and counts. A new sample ends the back-off (that sample can only
//     come from a segment that was not retransmitted: Karn's algorithm, which
//     keeps the backed-off RTO until then).
// All arithmetic is in integer nanoseconds (Duration); the 1/8 and 1/4
// weights truncate toward zero by at most 1 ns per step.
//
// Karn's rule (RFC 6298 3): "RTT samples MUST NOT be made using segments that
// were retransmitted". Two ways to honour it:
//   * the caller decides and calls on_sample() only for unambiguous ACKs, or
//   * RttTimer times one segment at a time (RFC 6298 "one RTT measurement at
//     a time", as BSD's t_rtttime / t_rtseq): start() on each new
//     transmission (it starts only when idle), on_ack() returns the sample
//     when the ACK covers the timed segment, on_retransmit() discards the
//     measurement.
//
// Timestamps (RFC 7323 4): with the option on, every ACK that advances
// SND.UNA and carries TSecr gives a sample: now - (time TSecr was sent). That
// is unambiguous even after retransmissions (TSecr echoes the TSval of the
// segment that triggered the ACK), so Karn's rule does not apply.
// RFC 7323 4.2: use it "only if the segment advances the left edge of the send
// window". Since such samples arrive many times per RTT, Appendix G suggests
// dividing alpha and beta by ExpectedSamples = ceil(FlightSize / (2 * SMSS)):
// on_timestamp_sample(rtt, expected_samples) does that. rtt_from_timestamps()
// turns a TSval clock (ticks of `tick`) into a Duration.
//
//   RttEstimator est;                       // RTO 1 s
//   RttTimer timer;
//   timer.start(seq + len, now);            // on sending new data
//   if (auto r = timer.on_ack(ack, now)) est.on_sample(*r);
//   rto_deadline_ = now + est.rto();
//   // on expiry: timer.on_retransmit(); est.backoff(); resend...
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>

#include "base/time.hpp"
#include "tcp/seq.hpp"

namespace wirestack::tcp {

struct RttConfig {
  Duration initial_rto = std::chrono::seconds{1};        // RFC 6298 2.1
  Duration min_rto = std::chrono::milliseconds{200};     // Linux; RFC 6298 2.4 says 1 s
  Duration max_rto = std::chrono::seconds{120};          // RFC 6298 2.5: >= 60 s
  Duration granularity = std::chrono::milliseconds{1};   // G in RFC 6298 2.3
};

class RttEstimator {
 public:
  // Precondition: 0 < min_rto <= max_rto, granularity >= 0.
  explicit RttEstimator(RttConfig config = {});

  // A valid RTT measurement (RFC 6298 2.2 / 2.3). Ends any back-off.
  // Negative samples (a caller bug or a bogus TSecr) are ignored.
  void on_sample(Duration rtt);

  // RFC 7323 Appendix G: a timestamp sample with alpha and beta divided by
  // expected_samples (ceil(FlightSize / (2 * SMSS)); 0 is taken as 1).
  // With expected_samples == 1 this is on_sample().
  void on_timestamp_sample(Duration rtt, std::uint32_t expected_samples);

  // RFC 6298 5.5: the retransmission timer expired. Doubles rto(), up to
  // max_rto; backoff_count() counts calls since the last sample.
  void backoff();

  // Ends the back-off without a sample (for callers that follow Linux and
  // reset it when new data is acknowledged).
  void reset_backoff() { backoffs_ = 0; }

  // RFC 6298 5.7: "If the timer expires awaiting the ACK of a SYN segment and
  // the TCP implementation is using an RTO less than 3 seconds, the RTO MUST
  // be re-initialized to 3 seconds when data transmission begins". Call when
  // the handshake completes after a SYN (or SYN-ACK) was retransmitted.
  void on_handshake_after_syn_timeout();

  // The retransmission timeout to arm now (backed off, clamped).
  Duration rto() const;
  // The RTO before back-off.
  Duration base_rto() const { return rto_; }
  // No value before the first sample.
  std::optional<Duration> srtt() const { return has_sample_ ? std::optional<Duration>(srtt_) : std::nullopt; }
  std::optional<Duration> rttvar() const;
  bool has_sample() const { return has_sample_; }
  std::uint32_t backoff_count() const { return backoffs_; }

  // The path's minimum RTT (MinRTT), for the delivery rate sample's filter
  // (tcp/rate_sample.hpp). Fed by note_min_rtt() with RTTs measured from a
  // segment's own send time (microsecond-exact; SRTT's timestamp samples are
  // whole milliseconds), not by on_sample(). Over the connection's life, not
  // windowed (Linux keeps a 5-minute window: tcp_min_rtt_wlen). Kept in whole
  // microseconds in this class's tail padding (no size cost).
  void note_min_rtt(Duration rtt);
  std::optional<Duration> min_rtt() const;
  RttConfig config() const;

  friend std::ostream& operator<<(std::ostream& os, const RttEstimator& e);

 private:
  void update(Duration rtt, std::int64_t expected_samples);
  void recompute_rto();

  Duration min_rto() const { return std::chrono::microseconds{min_rto_us_}; }
  Duration max_rto() const { return std::chrono::microseconds{max_rto_us_}; }

  // The configuration in microseconds (it lives in every control block:
  // 16 bytes instead of RttConfig's 32; rounded up to whole microseconds,
  // limits up to 71 minutes).
  std::uint32_t initial_rto_us_;
  std::uint32_t min_rto_us_;
  std::uint32_t max_rto_us_;
  std::uint32_t granularity_us_;
  Duration srtt_{0};
  Duration rttvar_{0};
  Duration rto_{0};
  std::uint8_t backoffs_ = 0;  // saturates at 255 (the RTO reached max_rto long before)
  bool has_sample_ = false;
  std::uint32_t min_rtt_us_ = kNoMinRtt;  // note_min_rtt()
  static constexpr std::uint32_t kNoMinRtt = 0xffffffff;
};

// Times one segment at a time and applies Karn's rule.
class RttTimer {
 public:
  // Starts timing the segment that ends just before `end_seq` (SEG.SEQ +
  // SEG.LEN), sent at `now`, unless a measurement is already running (then
  // does nothing and returns false). Call on every transmission of new data;
  // never for a retransmission.
  bool start(SeqNum end_seq, Instant now);

  // An ACK arrived. When it covers the timed segment (ack >= end_seq), the
  // measurement ends and its sample is returned.
  std::optional<Duration> on_ack(SeqNum ack, Instant now);

  // Something was retransmitted: the running measurement is ambiguous
  // (Karn) and is dropped.
  void on_retransmit() { running_ = false; }

  bool running() const { return running_; }

 private:
  Instant sent_at_{};
  SeqNum end_seq_{};
  bool running_ = false;
};

// RTT from RFC 7323 timestamps: the peer echoes in TSecr a TSval we sent;
// our TSval clock ticks every `tick` (e.g. 1 ms). Returns nullopt when TSecr
// is "in the future" of `tsval_now` (modulo 2^32: a bogus echo).
constexpr std::optional<Duration> rtt_from_timestamps(std::uint32_t tsval_now, std::uint32_t tsecr,
                                                      Duration tick) {
  const auto diff = static_cast<std::int32_t>(tsval_now - tsecr);
  if (diff < 0) return std::nullopt;
  return tick * diff;
}

}  // namespace wirestack::tcp
