// tcp/rate_sample.hpp — delivery rate estimation: how fast the network
// delivered the most recent flight of data, per ACK, following
// draft-cheng-iccrg-delivery-rate-estimation-02 (the algorithm of Linux's
// net/ipv4/tcp_rate.c, which BBR is built on). Sans-IO: every call is given
// the time.
//
// The draft's state, in bytes where it counts packets (a TCP sender's pipe
// and cwnd are in bytes here):
//   C.delivered        bytes delivered so far (cumulatively ACKed or SACKed,
//                      each once); 64 bits, monotonic over the connection's life
//   C.delivered_time   when C.delivered last grew
//   C.first_sent_time  the send time of the newest segment delivered so far:
//                      the start of the current "send phase"
//   C.app_limited      0, or the value C.delivered must pass for the
//                      application-limited bubble to be over (3.4)
// and per transmitted segment P (3.1.2), a Record: what C was when it left
// (delivered, delivered_time, first_sent_time, app-limited or not), its send
// time, and whether it was retransmitted or already SACKed.
//
// On every ACK the connection calls on_cumulative_ack() and on_sack() for what
// the ACK delivered (3.3 UpdateRateSample() for each newly delivered segment:
// the newest of them, by send time, is the sample's reference P), then
// generate() (3.3 GenerateRateSample()): the RateSample, whose rate is
//   delivered / max(send_elapsed, ack_elapsed)
//   delivered    = C.delivered - P.delivered            (bytes over the interval)
//   send_elapsed = P.sent_time - P.first_sent_time      (the send phase)
//   ack_elapsed  = C.delivered_time - P.delivered_time  (the ACK phase)
// The longer phase bounds the rate from above: ACK compression shortens the
// ACK phase, a burst of sends the send phase. A sample whose interval is
// shorter than the path's minimum RTT is not reliable ("rs.interval <
// MinRTT") and is marked invalid (interval and rate 0), as Linux does.
//
// Records are compact (24 bytes, times as 32-bit microsecond stamps that wrap
// every 71 minutes: intervals up to 35 minutes are exact, as in Linux's
// tcp_mstamp arithmetic) and contiguous in sequence space: a record starts
// where the previous one ends, so it stores its end only. A retransmission
// of part of a record splits it. At most `max_records` are kept: beyond that
// (only with many tiny segments in flight) a new transmission extends the
// last record instead of adding one, which makes that record's send time the
// latest transmission's.
//
// Not here (yet): bytes newly marked lost per ACK (BBRv2 wants them), SACK
// reneging (a sample after the peer reneged may overestimate the rate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <vector>

#include "base/time.hpp"
#include "tcp/seq.hpp"

namespace wirestack::tcp {

// What one ACK tells about the delivery rate (the draft's rs, 3.1.3).
struct RateSample {
  std::uint64_t prior_delivered = 0;  // C.delivered when the reference segment was sent (P.delivered)
  std::uint64_t delivered = 0;        // bytes delivered over `interval`: C.delivered - prior_delivered
  std::uint64_t delivery_rate = 0;    // bytes per second: delivered / interval; 0 when !valid()
  Duration interval{};                // max(send_elapsed, ack_elapsed); zero when not reliable
  Duration send_elapsed{};            // P.sent_time - P.first_sent_time
  Duration ack_elapsed{};             // C.delivered_time - P.delivered_time
  std::optional<Duration> rtt;        // now - P.sent_time; none when P was retransmitted (Karn)
  std::uint32_t acked_sacked = 0;     // bytes this ACK delivered (ACKed or SACKed)
  std::uint32_t prior_in_flight = 0;  // bytes in flight (RFC 6675 pipe) before this ACK
  bool is_app_limited = false;        // P left during an application-limited phase (3.4)
  bool is_retransmission = false;     // P had been retransmitted

  // A rate a model may use: the interval was at least the minimum RTT.
  bool valid() const { return interval > Duration::zero(); }
};
// "rate=1250000B/s delivered=12500 interval=10ms app_limited"
std::ostream& operator<<(std::ostream& os, const RateSample& rs);

class RateEstimator {
 public:
  // `delivered`: C.delivered carried over from before (the connection keeps
  // it while no estimator exists); `max_records`: the bound above (>= 1).
  // C.app_limited starts set: an estimator is made when data starts flowing
  // after nothing was in flight and nothing queued, which is an
  // application-limited phase by definition (Linux starts every connection
  // app-limited too: tp->app_limited = ~0U).
  explicit RateEstimator(std::uint64_t delivered = 0, std::size_t max_records = 4096);

  // 3.2 "Transmitting or retransmitting a data packet": [begin, end) left at
  // `now`. `nothing_in_flight`: nothing was outstanding before it (SND.UNA ==
  // SND.MAX); then "C.first_sent_time = C.delivered_time = Now()". The part
  // below the highest sequence number recorded so far is a retransmission:
  // its records are split to fit and refreshed; the rest is appended.
  void on_send(SeqNum begin, SeqNum end, bool nothing_in_flight, Instant now);

  // 3.3, what one ACK delivered: everything below `ack`, and each SACK
  // block [left, right). Bytes already counted (SACKed before) are not
  // counted again. Then generate().
  void on_cumulative_ack(SeqNum ack, Instant now);
  void on_sack(SeqNum left, SeqNum right, Instant now);

  // 3.3 GenerateRateSample() for the ACK just processed: nullopt when it
  // delivered nothing. `min_rtt` is the path's minimum RTT (nullopt: not
  // known; this sample's own RTT counts too), `prior_in_flight` is copied
  // into the sample.
  std::optional<RateSample> generate(Instant now, std::optional<Duration> min_rtt, std::uint32_t prior_in_flight);

  // 3.4: "C.app_limited = (C.delivered + C.pipe) ? : 1" — the caller has
  // checked the conditions (less than one SMSS to send, pipe < cwnd, no lost
  // data awaiting retransmission).
  void mark_app_limited(std::uint64_t pipe);
  bool app_limited() const { return app_limited_ != 0; }

  std::uint64_t delivered() const { return delivered_; }
  std::size_t records() const { return recs_.size() - first_; }
  // Heap bytes of the record table (the estimator itself is the caller's).
  std::size_t allocated_bytes() const { return recs_.capacity() * sizeof(Record); }

  struct Record {
    std::uint32_t end;            // SeqNum value; the record starts at the previous one's end
    std::uint32_t delivered;      // P.delivered, low 32 bits (see delivered_at())
    std::uint32_t sent_us;        // P.sent_time
    std::uint32_t delivered_us;   // P.delivered_time
    std::uint32_t first_sent_us;  // P.first_sent_time
    std::uint8_t flags;           // kAppLimited | kRetransmitted | kDelivered
  };
  static constexpr std::uint8_t kAppLimited = 1;
  static constexpr std::uint8_t kRetransmitted = 2;
  static constexpr std::uint8_t kDelivered = 4;  // SACKed: counted already (the draft's P.delivered_time = 0)

 private:
  // The record holding sequence number s (head_ <= s < tail_).
  std::size_t find(SeqNum s) const;
  SeqNum begin_of(std::size_t i) const { return i == first_ ? head_ : SeqNum(recs_[i - 1].end); }
  // Makes s a record boundary (when head_ < s < tail_).
  void split_at(SeqNum s);
  Record stamp_record(SeqNum end, Instant now) const;
  // UpdateRateSample(P) for `bytes` of record i.
  void deliver(std::size_t i, std::uint32_t bytes, Instant now);
  std::uint64_t delivered_at(const Record& r) const;
  void pop_front();

  std::vector<Record> recs_;
  std::size_t first_ = 0;  // recs_[first_] is the oldest live record
  std::size_t max_records_;
  SeqNum head_{};          // where recs_[first_] starts
  SeqNum tail_{};          // where the last record ends
  bool any_ = false;       // records have been made (head_/tail_ are set)

  std::uint64_t delivered_;          // C.delivered
  std::uint64_t app_limited_ = 0;    // C.app_limited
  std::uint32_t delivered_us_ = 0;   // C.delivered_time
  std::uint32_t first_sent_us_ = 0;  // C.first_sent_time

  // The sample being built for the current ACK (rs).
  bool rs_has_data_ = false;
  Record rs_ref_{};                 // the newest delivered record's copy
  std::uint32_t rs_acked_sacked_ = 0;
};

// The estimator's clock: microseconds, wrapping modulo 2^32.
constexpr std::uint32_t micros_stamp(Instant t) {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(t.time_since_epoch().count() / 1000));
}

}  // namespace wirestack::tcp
