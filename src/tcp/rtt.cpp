// tcp/rtt.cpp — RFC 6298 estimator and Karn's-rule timer; see rtt.hpp.
#include "tcp/rtt.hpp"

#include <algorithm>
#include <limits>

#include "base/assert.hpp"

namespace wirestack::tcp {

namespace {
// Whole microseconds, rounded up (a 1 ns minimum RTO stays a minimum above zero).
std::uint32_t micros32(Duration d) {
  const auto us = std::chrono::ceil<std::chrono::microseconds>(d).count();
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(us, 0, std::numeric_limits<std::uint32_t>::max()));
}
}  // namespace

RttEstimator::RttEstimator(RttConfig config)
    : initial_rto_us_(micros32(config.initial_rto)),
      min_rto_us_(micros32(config.min_rto)),
      max_rto_us_(micros32(config.max_rto)),
      granularity_us_(micros32(config.granularity)) {
  WIRESTACK_ASSERT(min_rto_us_ > 0);
  WIRESTACK_ASSERT(min_rto_us_ <= max_rto_us_);
  // RFC 6298 2.1: "Until a round-trip time (RTT) measurement has been made
  // ... the sender SHOULD set RTO <- 1 second".
  rto_ = std::clamp<Duration>(std::chrono::microseconds{initial_rto_us_}, min_rto(), max_rto());
}

RttConfig RttEstimator::config() const {
  return RttConfig{.initial_rto = std::chrono::microseconds{initial_rto_us_},
                   .min_rto = min_rto(),
                   .max_rto = max_rto(),
                   .granularity = std::chrono::microseconds{granularity_us_}};
}

void RttEstimator::on_sample(Duration rtt) { update(rtt, 1); }

void RttEstimator::note_min_rtt(Duration rtt) {
  if (rtt < Duration::zero()) return;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(rtt).count();
  const auto clamped = static_cast<std::uint32_t>(std::min<std::int64_t>(us, kNoMinRtt - 1));
  min_rtt_us_ = std::min(min_rtt_us_, clamped);
}

std::optional<Duration> RttEstimator::min_rtt() const {
  if (min_rtt_us_ == kNoMinRtt) return std::nullopt;
  return std::chrono::microseconds{min_rtt_us_};
}

void RttEstimator::on_timestamp_sample(Duration rtt, std::uint32_t expected_samples) {
  update(rtt, std::max<std::int64_t>(expected_samples, 1));
}

void RttEstimator::update(Duration rtt, std::int64_t expected_samples) {
  if (rtt < Duration::zero()) return;
  if (!has_sample_) {
    // RFC 6298 2.2: "When the first RTT measurement R is made, the host MUST set
    //   SRTT <- R, RTTVAR <- R/2".
    srtt_ = rtt;
    rttvar_ = rtt / 2;
    has_sample_ = true;
  } else {
    // RFC 6298 2.3: "RTTVAR <- (1 - beta) * RTTVAR + beta * |SRTT - R'|
    //                SRTT <- (1 - alpha) * SRTT + alpha * R'"
    // with alpha = 1/8, beta = 1/4, RTTVAR updated first (it uses the old SRTT).
    // RFC 7323 Appendix G divides alpha and beta by ExpectedSamples.
    const Duration err = srtt_ > rtt ? srtt_ - rtt : rtt - srtt_;
    rttvar_ += (err - rttvar_) / (4 * expected_samples);
    srtt_ += (rtt - srtt_) / (8 * expected_samples);
  }
  backoffs_ = 0;  // Karn: a valid sample ends the back-off (RFC 6298 5.7 note, section 3)
  recompute_rto();
}

void RttEstimator::recompute_rto() {
  // RFC 6298 2.3: "RTO <- SRTT + max (G, K*RTTVAR) where K = 4", then 2.4/2.5 bounds.
  const Duration rto = srtt_ + std::max<Duration>(std::chrono::microseconds{granularity_us_}, 4 * rttvar_);
  rto_ = std::clamp(rto, min_rto(), max_rto());
}

void RttEstimator::backoff() {
  // RFC 6298 5.5: "The host MUST set RTO <- RTO * 2 ("back off the timer").
  // The maximum value discussed in (2.5) above may be used".
  if (backoffs_ < std::numeric_limits<std::uint8_t>::max()) ++backoffs_;
}

void RttEstimator::on_handshake_after_syn_timeout() {
  backoffs_ = 0;
  const Duration three_s = std::chrono::seconds{3};
  if (rto_ < three_s) rto_ = std::min(three_s, max_rto());
}

Duration RttEstimator::rto() const {
  Duration rto = rto_;
  for (std::uint32_t i = 0; i < backoffs_ && rto < max_rto(); ++i) rto *= 2;
  return std::min(rto, max_rto());
}

std::optional<Duration> RttEstimator::rttvar() const {
  if (!has_sample_) return std::nullopt;
  return rttvar_;
}

std::ostream& operator<<(std::ostream& os, const RttEstimator& e) {
  const auto us = [](Duration d) {
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  };
  if (e.has_sample_) {
    os << "srtt=" << us(e.srtt_) << "us rttvar=" << us(e.rttvar_) << "us ";
  } else {
    os << "srtt=- rttvar=- ";
  }
  return os << "rto=" << us(e.rto()) << "us backoff=" << static_cast<unsigned>(e.backoffs_);
}

bool RttTimer::start(SeqNum end_seq, Instant now) {
  if (running_) return false;
  end_seq_ = end_seq;
  sent_at_ = now;
  running_ = true;
  return true;
}

std::optional<Duration> RttTimer::on_ack(SeqNum ack, Instant now) {
  if (!running_ || ack < end_seq_) return std::nullopt;
  running_ = false;
  return now - sent_at_;
}

}  // namespace wirestack::tcp
