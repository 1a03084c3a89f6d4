// tcp/rate_sample.cpp — delivery rate estimation
// (draft-cheng-iccrg-delivery-rate-estimation-02); see rate_sample.hpp.
// The draft's pseudocode is quoted at the lines that implement it.
#include "tcp/rate_sample.hpp"

#include <algorithm>
#include <chrono>

#include "base/assert.hpp"

namespace wirestack::tcp {

namespace {

// b - a on the wrapping microsecond clock, as a Duration (0 if "negative").
Duration elapsed(std::uint32_t from_us, std::uint32_t to_us) {
  const auto d = static_cast<std::int32_t>(to_us - from_us);
  return std::chrono::microseconds{std::max<std::int32_t>(d, 0)};
}

// Linux tcp_skb_sent_after(): sent later, or at the same time but ending
// further in sequence space.
bool sent_after(const RateEstimator::Record& p, std::uint32_t t_us, SeqNum end) {
  const auto d = static_cast<std::int32_t>(p.sent_us - t_us);
  return d > 0 || (d == 0 && SeqNum(p.end) > end);
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const RateSample& rs) {
  os << "rate=" << rs.delivery_rate << "B/s delivered=" << rs.delivered << " interval="
     << std::chrono::duration_cast<std::chrono::microseconds>(rs.interval).count() << "us";
  if (rs.rtt) os << " rtt=" << std::chrono::duration_cast<std::chrono::microseconds>(*rs.rtt).count() << "us";
  if (rs.is_app_limited) os << " app_limited";
  if (rs.is_retransmission) os << " retransmission";
  return os;
}

RateEstimator::RateEstimator(std::uint64_t delivered, std::size_t max_records)
    : max_records_(std::max<std::size_t>(max_records, 1)), delivered_(delivered) {
  mark_app_limited(0);
}

void RateEstimator::mark_app_limited(std::uint64_t pipe) {
  // 3.4: "C.app_limited = (C.delivered + C.pipe) ? : 1"
  const std::uint64_t bubble = delivered_ + pipe;
  app_limited_ = bubble != 0 ? bubble : 1;
}

std::uint64_t RateEstimator::delivered_at(const Record& r) const {
  // P.delivered in full: C.delivered has grown since by less than 2^32 (the
  // bytes in flight and SACKed while the segment was out).
  return delivered_ - static_cast<std::uint32_t>(static_cast<std::uint32_t>(delivered_) - r.delivered);
}

RateEstimator::Record RateEstimator::stamp_record(SeqNum end, Instant now) const {
  // 3.2 SendPacket(P): "P.first_sent_time = C.first_sent_time;
  // P.delivered_time = C.delivered_time; P.delivered = C.delivered;
  // P.is_app_limited = (C.app_limited != 0)".
  return Record{.end = end.value(),
                .delivered = static_cast<std::uint32_t>(delivered_),
                .sent_us = micros_stamp(now),
                .delivered_us = delivered_us_,
                .first_sent_us = first_sent_us_,
                .flags = static_cast<std::uint8_t>(app_limited_ != 0 ? kAppLimited : 0)};
}

std::size_t RateEstimator::find(SeqNum s) const {
  const auto it = std::partition_point(recs_.begin() + static_cast<std::ptrdiff_t>(first_), recs_.end(),
                                       [&](const Record& r) { return SeqNum(r.end) <= s; });
  return static_cast<std::size_t>(it - recs_.begin());
}

void RateEstimator::split_at(SeqNum s) {
  if (!any_ || !(head_ < s && s < tail_)) return;
  const std::size_t i = find(s);
  if (begin_of(i) == s) return;
  Record front = recs_[i];
  front.end = s.value();
  recs_.insert(recs_.begin() + static_cast<std::ptrdiff_t>(i), front);
}

void RateEstimator::on_send(SeqNum begin, SeqNum end, bool nothing_in_flight, Instant now) {
  if (!(begin < end)) return;
  // 3.2: "if (SND.NXT == SND.UNA) /* no packets in flight yet? */
  // C.first_sent_time = C.delivered_time = Now()" (Linux: !tp->packets_out;
  // after a go-back-N timeout SND.NXT == SND.UNA with data still out).
  if (nothing_in_flight || !any_) {
    first_sent_us_ = delivered_us_ = micros_stamp(now);
  }
  if (!any_ || (records() == 0 && begin >= tail_)) {
    recs_.clear();
    first_ = 0;
    head_ = tail_ = begin;
    any_ = true;
  }
  // The part below tail_ went before: a retransmission; records in it take
  // this transmission's state (Linux tcp_rate_skb_sent() on every
  // transmission), except those already SACKed, which stay counted.
  if (begin < tail_) {
    const SeqNum from = max(begin, head_);
    const SeqNum to = min(end, tail_);
    if (from < to) {
      split_at(from);
      split_at(to);
      for (std::size_t i = find(from); i < recs_.size() && SeqNum(recs_[i].end) <= to; ++i) {
        if ((recs_[i].flags & kDelivered) != 0) continue;
        recs_[i] = stamp_record(SeqNum(recs_[i].end), now);
        recs_[i].flags |= kRetransmitted;
      }
    }
  }
  if (end <= tail_) return;
  // New data (from tail_: a gap, which the connection never leaves, is
  // covered by this transmission).
  if (records() >= max_records_ && (recs_.back().flags & kDelivered) == 0) {
    const std::uint8_t keep = recs_.back().flags & kRetransmitted;
    recs_.back() = stamp_record(end, now);
    recs_.back().flags |= keep;
  } else {
    recs_.push_back(stamp_record(end, now));
  }
  tail_ = end;
}

void RateEstimator::deliver(std::size_t i, std::uint32_t bytes, Instant now) {
  const Record& p = recs_[i];
  // 3.3 UpdateRateSample(P): "C.delivered += P.data_length;
  // C.delivered_time = Now()".
  delivered_ += bytes;
  delivered_us_ = micros_stamp(now);
  rs_acked_sacked_ += bytes;
  // "/* Update info using the newest packet: */ if (!rs.has_data or
  // IsNewestPacket(P))" — newest by send time, then by sequence (Linux
  // tcp_skb_sent_after(P.sent, C.first_sent_time, P.end_seq, rs.last_end_seq)).
  if (!rs_has_data_ || sent_after(p, first_sent_us_, SeqNum(rs_ref_.end))) {
    rs_has_data_ = true;
    rs_ref_ = p;
    // "C.first_sent_time = P.sent_time"
    first_sent_us_ = p.sent_us;
  }
}

void RateEstimator::pop_front() {
  ++first_;
  if (first_ == recs_.size()) {
    recs_.clear();
    first_ = 0;
  } else if (first_ >= 64 && 2 * first_ >= recs_.size()) {
    recs_.erase(recs_.begin(), recs_.begin() + static_cast<std::ptrdiff_t>(first_));
    first_ = 0;
  }
}

void RateEstimator::on_cumulative_ack(SeqNum ack, Instant now) {
  if (!any_ || !(head_ < ack)) return;
  const SeqNum to = min(ack, tail_);
  while (records() > 0 && SeqNum(recs_[first_].end) <= to) {
    const std::uint32_t bytes = distance(head_, SeqNum(recs_[first_].end));
    // "Mark the packet as delivered once it's SACKed to avoid being used
    // again when it's cumulatively acked": a SACKed record counts once.
    if ((recs_[first_].flags & kDelivered) == 0) deliver(first_, bytes, now);
    head_ = SeqNum(recs_[first_].end);
    pop_front();
  }
  if (records() > 0 && head_ < to) {
    // Part of a segment (the peer acknowledged inside it): those bytes are
    // delivered now, the rest keeps its record.
    if ((recs_[first_].flags & kDelivered) == 0) deliver(first_, distance(head_, to), now);
    head_ = to;
  }
  if (records() == 0) head_ = tail_ = max(tail_, ack);
}

void RateEstimator::on_sack(SeqNum left, SeqNum right, Instant now) {
  if (!any_) return;
  const SeqNum from = max(left, head_);
  const SeqNum to = min(right, tail_);
  if (!(from < to)) return;
  split_at(from);
  split_at(to);
  for (std::size_t i = find(from); i < recs_.size() && SeqNum(recs_[i].end) <= to; ++i) {
    if ((recs_[i].flags & kDelivered) != 0) continue;
    deliver(i, distance(begin_of(i), SeqNum(recs_[i].end)), now);
    recs_[i].flags |= kDelivered;
  }
}

std::optional<RateSample> RateEstimator::generate(Instant now, std::optional<Duration> min_rtt,
                                                  std::uint32_t prior_in_flight) {
  // 3.3 GenerateRateSample(): "/* Clear app-limited field if bubble is ACKed
  // and gone. */ if (C.app_limited and C.delivered > C.app_limited)
  // C.app_limited = 0".
  if (app_limited_ != 0 && delivered_ > app_limited_) app_limited_ = 0;
  // "if (rs.prior_time == 0) return false /* nothing delivered on this ACK */"
  if (!rs_has_data_) return std::nullopt;
  const Record p = rs_ref_;
  rs_has_data_ = false;
  RateSample rs;
  rs.acked_sacked = rs_acked_sacked_;
  rs_acked_sacked_ = 0;
  rs.prior_in_flight = prior_in_flight;
  rs.prior_delivered = delivered_at(p);
  rs.is_app_limited = (p.flags & kAppLimited) != 0;
  rs.is_retransmission = (p.flags & kRetransmitted) != 0;
  if (!rs.is_retransmission) rs.rtt = elapsed(p.sent_us, micros_stamp(now));
  // "rs.send_elapsed = P.sent_time - P.first_sent_time;
  //  rs.ack_elapsed = C.delivered_time - P.delivered_time"
  rs.send_elapsed = elapsed(p.first_sent_us, p.sent_us);
  rs.ack_elapsed = elapsed(p.delivered_us, delivered_us_);
  // "/* Use the longer of the send_elapsed and ack_elapsed */
  //  rs.interval = max(rs.send_elapsed, rs.ack_elapsed)
  //  rs.delivered = C.delivered - rs.prior_delivered"
  rs.interval = std::max(rs.send_elapsed, rs.ack_elapsed);
  rs.delivered = delivered_ - rs.prior_delivered;
  // "/* Normally we expect interval >= MinRTT. Note that rate may still be
  //  over-estimated when a spuriously retransmitted skb was first (s)acked
  //  because "interval" is under-estimated (up to an RTT). However,
  //  continuously measuring the delivery rate during loss recovery is
  //  crucial for connections suffer heavy or prolonged losses. */
  //  if (rs.interval < MinRTT) rs.interval = -1; return false".
  std::optional<Duration> floor = min_rtt;
  if (rs.rtt && (!floor || *rs.rtt < *floor)) floor = rs.rtt;
  if (floor && rs.interval < *floor) {
    rs.interval = Duration::zero();
    return rs;
  }
  // "if (rs.interval != 0) rs.delivery_rate = rs.delivered / rs.interval"
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(rs.interval).count();
  if (us > 0) {
    rs.delivery_rate = rs.delivered * 1'000'000 / static_cast<std::uint64_t>(us);
  } else {
    rs.interval = Duration::zero();
  }
  return rs;
}

}  // namespace wirestack::tcp
