// tcp/cubic.cpp — CUBIC (RFC 9438) growth and decrease; see congestion.hpp.
#include <algorithm>
#include <cmath>

#include "tcp/congestion.hpp"

namespace wirestack::tcp {

double Cubic::cwnd_segments() const { return static_cast<double>(cwnd_) / smss_; }

Cubic::Epoch& Cubic::epoch() {
  return epoch_ ? *epoch_ : epoch_.emplace();
}

double Cubic::w_cubic(double t_seconds) const {
  // RFC 9438 4.2 eqn 1: W_cubic(t) = C * (t - K)^3 + W_max.
  const double d = t_seconds - k();
  return kC * d * d * d + w_max();
}

void Cubic::start_epoch(Instant now) {
  Epoch& e = epoch();
  e.start = now;
  has_epoch_ = true;
  e.cwnd_epoch = cwnd_segments();
  // RFC 9438 4.3: "W_est is set equal to cwnd_epoch at the start of the
  // congestion avoidance stage."
  e.w_est = e.cwnd_epoch;
  e.pending_bytes = 0;
  if (after_rto_epoch_ || e.w_max <= 0) {
    // RFC 9438 4.8: "During the first congestion avoidance stage after a
    // timeout, CUBIC increases its cwnd using Figure 1, where t is the elapsed
    // time since the beginning of the current congestion avoidance stage, K is
    // set to 0, and W_max is set to the cwnd at the beginning of the current
    // congestion avoidance stage." (Also our choice when no congestion event
    // has set W_max yet.)
    e.w_max = e.cwnd_epoch;
    e.k = 0;
    after_rto_epoch_ = false;
  } else {
    // RFC 9438 4.2 eqn 2: K = cubic_root((W_max - cwnd_epoch) / C). Negative
    // when cwnd_epoch > W_max; W_cubic(0) = cwnd_epoch holds either way.
    e.k = std::cbrt((e.w_max - e.cwnd_epoch) / kC);
  }
}

void Cubic::on_ack(std::uint32_t bytes_acked, Instant now, Duration rtt) {
  if (in_recovery_ || bytes_acked == 0) return;
  if (in_slow_start()) {
    // RFC 9438 4.10: slow start as in RFC 5681 while cwnd < ssthresh.
    slow_start(bytes_acked);
    return;
  }
  if (!has_epoch_) start_epoch(now);
  Epoch& e = *epoch_;
  const double t = std::max(0.0, to_seconds(now - e.start));
  const double cwnd = cwnd_segments();
  const double segments_acked = static_cast<double>(bytes_acked) / smss_;

  // RFC 9438 4.3: "W_est = W_est + alpha_cubic * segments_acked / cwnd";
  // "Once W_est has grown to reach the cwnd at the time of most recently
  // setting ssthresh -- that is, W_est >= cwnd_prior -- the sender SHOULD set
  // alpha_cubic to 1".
  const double alpha = e.w_est >= e.cwnd_prior ? 1.0 : kAlpha;
  e.w_est += alpha * segments_acked / cwnd;

  double grow_bytes = 0;
  if (w_cubic(t) < e.w_est) {
    // RFC 9438 4.3: "If W_cubic(t) is less than W_est, then CUBIC is in the
    // Reno-friendly region and cwnd SHOULD be set to W_est".
    grow_bytes = e.w_est * smss_ - static_cast<double>(cwnd_);
  } else {
    // RFC 9438 4.4 (concave, cwnd < W_max) and 4.5 (convex, cwnd >= W_max):
    // target = W_cubic(t + RTT) bounded to [cwnd, 1.5 * cwnd], and "cwnd
    // MUST be incremented by (target - cwnd) / cwnd for each received ACK"
    // (per acknowledged SMSS here: byte counting).
    const double target = std::clamp(w_cubic(t + to_seconds(std::max(rtt, Duration::zero()))),
                                     cwnd, 1.5 * cwnd);
    grow_bytes = (target - cwnd) / cwnd * static_cast<double>(bytes_acked);
  }
  if (grow_bytes <= 0) return;
  e.pending_bytes += grow_bytes;
  const double whole = std::floor(e.pending_bytes);
  e.pending_bytes -= whole;
  const double limit = static_cast<double>(kMaxCwnd);
  set_cwnd(std::uint64_t{cwnd_} + static_cast<std::uint64_t>(std::min(whole, limit)));
}

void Cubic::multiplicative_decrease(std::uint32_t flight_size) {
  const double cwnd = cwnd_segments();
  Epoch& e = epoch();
  // RFC 9438 4.7 fast convergence: "if (cwnd < W_max AND fast convergence
  // enabled) { W_max = cwnd * (1 + beta_cubic) / 2 } else { W_max = cwnd }"
  e.w_max = (fast_convergence_ && cwnd < e.w_max) ? cwnd * (1.0 + kBeta) / 2.0 : cwnd;
  // RFC 9438 4.6: "cwnd_prior = cwnd", "ssthresh = flight_size * beta_cubic",
  // "ssthresh = max(ssthresh, 2)" (segments).
  e.cwnd_prior = cwnd;
  const double reduced = std::round(static_cast<double>(flight_size) * kBeta);
  ssthresh_ = std::max(static_cast<std::uint32_t>(reduced), 2 * smss_);
  has_epoch_ = false;
  e.pending_bytes = 0;
}

void Cubic::enter_recovery(std::uint32_t flight_size, Instant /*now*/) {
  multiplicative_decrease(flight_size);
  start_recovery();
}

void Cubic::on_rto(std::uint32_t flight_size, Instant /*now*/, Timeout kind) {
  // RFC 9438 4.8: "In the case of a timeout, CUBIC follows Reno to reduce
  // cwnd [RFC5681] but sets ssthresh using beta_cubic".
  if (kind == Timeout::first) multiplicative_decrease(flight_size);
  has_epoch_ = false;
  after_rto_epoch_ = true;
  collapse_after_rto();
}

}  // namespace wirestack::tcp
