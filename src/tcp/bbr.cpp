// tcp/bbr.cpp — BBR version 1: the path model (BtlBw, RTprop), its four
// modes, and the window and pacing rate it sets. See congestion.hpp for the
// algorithm in brief; the steps follow draft-cardwell-iccrg-bbr-congestion-
// control-00 and Linux's tcp_bbr.c (bbr_update_model(), then the pacing
// rate and the window), which the comments name where they differ.
#include <algorithm>
#include <chrono>

#include "tcp/congestion.hpp"
#include "tcp/rate_sample.hpp"

namespace wirestack::tcp {

static_assert(sizeof(Bbr) <= sizeof(Cubic), "BBR's state must not grow the congestion variant (docs/TCP.md)");
static_assert(sizeof(Bbr) <= sizeof(NewReno) + 16, "its model is on the heap (Bbr::Model): NewReno connections do not pay for it");

namespace {

// Microsecond stamps that wrap every 71 minutes (as the rate sampler's).
std::uint32_t stamp(Instant t) {
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}
// Microseconds from `from` to `to`, `to` not earlier (exact up to 71 minutes).
std::uint32_t since(std::uint32_t from, std::uint32_t to) { return to - from; }
// Whether `a` is later than `b` (within 35 minutes of each other).
bool after(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) > 0; }

std::uint32_t saturate32(std::uint64_t v) { return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, UINT32_MAX)); }

// Bytes in flight once this ACK's deliveries have left the pipe.
std::uint64_t in_flight_after(const RateSample& rs) {
  return rs.prior_in_flight > rs.acked_sacked ? rs.prior_in_flight - rs.acked_sacked : 0;
}

}  // namespace

const char* to_string(Bbr::Mode m) {
  switch (m) {
    case Bbr::Mode::startup:
      return "STARTUP";
    case Bbr::Mode::drain:
      return "DRAIN";
    case Bbr::Mode::probe_bw:
      return "PROBE_BW";
    case Bbr::Mode::probe_rtt:
      return "PROBE_RTT";
  }
  return "unknown";
}

std::uint64_t Bbr::btl_bw() const { return m_->bw[0]; }

std::optional<Duration> Bbr::rt_prop() const {
  if (m_->rt_prop_us == UINT32_MAX) return std::nullopt;
  return std::chrono::microseconds(m_->rt_prop_us);
}

double Bbr::pacing_gain() const {
  switch (mode_) {
    case Mode::startup:
      return kHighGain;
    case Mode::drain:
      return kDrainGain;
    case Mode::probe_bw:
      return kPacingGains[cycle_index_];
    case Mode::probe_rtt:
      break;
  }
  return 1.0;
}

double Bbr::cwnd_gain() const {
  switch (mode_) {
    case Mode::startup:
    case Mode::drain:
      return kHighGain;  // DRAIN empties the queue by pacing, not by the window
    case Mode::probe_bw:
      return kCwndGain;
    case Mode::probe_rtt:
      break;
  }
  return 1.0;
}

std::uint64_t Bbr::bdp(double gain) const {
  // Linux bbr_bdp(): "If we've never had a valid RTT sample, cap cwnd at the
  // initial default" (no bandwidth yet either: the same answer).
  if (m_->rt_prop_us == UINT32_MAX || btl_bw() == 0) return initial_window(smss_);
  const double bytes = static_cast<double>(btl_bw()) * m_->rt_prop_us / 1e6;
  return static_cast<std::uint64_t>(gain * bytes + 0.5);
}

std::uint64_t Bbr::pacing_rate(std::optional<Duration> srtt) const {
  if (btl_bw() == 0) {
    // bbr_init_pacing_rate_from_rtt(): high_gain * cwnd / SRTT, 1 ms without one.
    const double seconds = srtt && *srtt > Duration::zero() ? std::chrono::duration<double>(*srtt).count() : 1e-3;
    return static_cast<std::uint64_t>(kHighGain * cwnd_ / seconds);
  }
  // bbr_rate_bytes_per_sec(): 1 % under the model's rate.
  return static_cast<std::uint64_t>(pacing_gain() * static_cast<double>(btl_bw()) * 0.99);
}

void Bbr::on_rate_sample(const RateSample& rs, Instant now) {
  const std::uint32_t us = stamp(now);
  // bbr_update_model()
  update_round(rs);
  update_bw(rs);
  update_cycle_phase(rs, us);
  check_full_pipe(rs);
  check_drain(rs, us);
  update_rt_prop(rs, us);
  // bbr_set_cwnd() (the pacing rate is computed when asked: pacing_rate())
  set_cwnd_from_model(rs);
}

void Bbr::update_round(const RateSample& rs) {
  // bbr_update_bw(): a round trip ends when a segment sent after the round
  // began is delivered; only valid samples count (as in Linux).
  set_flag(kRoundStart, false);
  if (!rs.valid()) return;
  if (rs.prior_delivered >= m_->next_round_delivered) {
    m_->next_round_delivered = rs.prior_delivered + rs.delivered;
    ++m_->round_count;
    set_flag(kRoundStart, true);
    set_flag(kConservation, false);
  }
}

void Bbr::update_bw(const RateSample& rs) {
  if (!rs.valid()) return;
  // Application-limited samples understate the path: they count only when
  // they raise the estimate.
  const std::uint32_t bw = saturate32(rs.delivery_rate);
  if (rs.is_app_limited && bw < btl_bw()) return;
  // minmax_running_max(): the best, second best and third best of the
  // window, each newer than the one before, so that when the best ages out
  // the next is at hand. Rounds are 16-bit, compared by difference.
  const auto round = static_cast<std::uint16_t>(m_->round_count);
  const auto age = [&](std::uint16_t r) { return static_cast<std::uint16_t>(round - r); };
  if (bw >= m_->bw[0] || age(m_->bw_round[2]) > kBwRounds) {
    m_->bw.fill(bw);
    m_->bw_round.fill(round);
    return;
  }
  if (bw >= m_->bw[1]) {
    m_->bw[1] = m_->bw[2] = bw;
    m_->bw_round[1] = m_->bw_round[2] = round;
  } else if (bw >= m_->bw[2]) {
    m_->bw[2] = bw;
    m_->bw_round[2] = round;
  }
  const std::uint16_t dt = age(m_->bw_round[0]);
  const auto shift = [&] {
    m_->bw[0] = m_->bw[1];
    m_->bw_round[0] = m_->bw_round[1];
    m_->bw[1] = m_->bw[2];
    m_->bw_round[1] = m_->bw_round[2];
    m_->bw[2] = bw;
    m_->bw_round[2] = round;
  };
  if (dt > kBwRounds) {
    shift();
    if (age(m_->bw_round[0]) > kBwRounds) shift();
  } else if (m_->bw_round[1] == m_->bw_round[0] && dt > kBwRounds / 4) {
    m_->bw[1] = m_->bw[2] = bw;
    m_->bw_round[1] = m_->bw_round[2] = round;
  } else if (m_->bw_round[2] == m_->bw_round[1] && dt > kBwRounds / 2) {
    m_->bw[2] = bw;
    m_->bw_round[2] = round;
  }
}

void Bbr::enter_probe_bw(std::uint32_t us) {
  mode_ = Mode::probe_bw;
  // Linux starts at a random phase other than the 0.75 one; here the round
  // count chooses (1..7), then the phase advances once, as in Linux.
  cycle_index_ = static_cast<std::uint8_t>(kPacingGains.size() - 1 - m_->round_count % 7);
  cycle_index_ = static_cast<std::uint8_t>((cycle_index_ + 1) % kPacingGains.size());
  m_->cycle_stamp = us;
}

void Bbr::update_cycle_phase(const RateSample& rs, std::uint32_t us) {
  if (mode_ != Mode::probe_bw) return;
  // bbr_is_next_cycle_phase(): each phase lasts at least RTprop; the probe
  // (1.25) also until it has put 1.25 BDP in flight or met loss; the drain
  // (0.75) no longer than until the flight is down to one BDP.
  const bool full_length = m_->rt_prop_us != UINT32_MAX && since(m_->cycle_stamp, us) > m_->rt_prop_us;
  const double gain = kPacingGains[cycle_index_];
  bool next = full_length;
  if (gain > 1.0) {
    next = full_length && (in_recovery_ || rs.prior_in_flight >= bdp(gain));
  } else if (gain < 1.0) {
    next = full_length || rs.prior_in_flight <= bdp(1.0);
  }
  if (!next) return;
  cycle_index_ = static_cast<std::uint8_t>((cycle_index_ + 1) % kPacingGains.size());
  m_->cycle_stamp = us;
}

void Bbr::check_full_pipe(const RateSample& rs) {
  // bbr_check_full_bw_reached(): once a round, unless application-limited:
  // has BtlBw grown by 25 % since the last growth? Three rounds without: full.
  if (full_bw_reached() || !flag(kRoundStart) || rs.is_app_limited) return;
  if (btl_bw() >= std::uint64_t{m_->full_bw} * 5 / 4) {
    m_->full_bw = saturate32(btl_bw());
    full_bw_count_ = 0;
    return;
  }
  if (++full_bw_count_ >= kFullBwRounds) set_flag(kFullBw, true);
}

void Bbr::check_drain(const RateSample& rs, std::uint32_t us) {
  if (mode_ == Mode::startup && full_bw_reached()) mode_ = Mode::drain;
  if (mode_ == Mode::drain && in_flight_after(rs) <= bdp(1.0)) enter_probe_bw(us);
}

void Bbr::update_rt_prop(const RateSample& rs, std::uint32_t us) {
  // bbr_update_min_rtt(): RTprop is the least RTT of the last 10 s; when it
  // has not been seen again for 10 s, PROBE_RTT drains the queue to see it.
  const bool expired = m_->rt_prop_us != UINT32_MAX && since(m_->rt_prop_stamp, us) > kMinRttWindowUs;
  if (rs.rtt) {
    const auto rtt_us = saturate32(static_cast<std::uint64_t>(
        std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::microseconds>(*rs.rtt).count())));
    if (rtt_us < m_->rt_prop_us || expired) {
      m_->rt_prop_us = rtt_us;
      m_->rt_prop_stamp = us;
    }
  }
  if (expired && mode_ != Mode::probe_rtt) {
    mode_ = Mode::probe_rtt;
    m_->prior_cwnd = in_recovery_ ? std::max(m_->prior_cwnd, cwnd_) : cwnd_;  // bbr_save_cwnd()
    set_flag(kProbeRttDoneSet, false);
  }
  if (mode_ != Mode::probe_rtt) return;
  if (!flag(kProbeRttDoneSet) && in_flight_after(rs) <= std::uint64_t{kMinCwndSegments} * smss_) {
    // The flight is down to 4 segments: hold it 200 ms and a round trip.
    m_->probe_rtt_done = us + static_cast<std::uint32_t>(kProbeRttUs);
    set_flag(kProbeRttDoneSet, true);
    set_flag(kProbeRttRoundDone, false);
    m_->next_round_delivered = rs.prior_delivered + rs.delivered;
  } else if (flag(kProbeRttDoneSet)) {
    if (flag(kRoundStart)) set_flag(kProbeRttRoundDone, true);
    if (flag(kProbeRttRoundDone) && after(us, m_->probe_rtt_done)) exit_probe_rtt(us);
  }
}

void Bbr::exit_probe_rtt(std::uint32_t us) {
  m_->rt_prop_stamp = us;
  set_cwnd(std::max(cwnd_, m_->prior_cwnd));
  if (full_bw_reached()) {
    enter_probe_bw(us);
  } else {
    mode_ = Mode::startup;
  }
}

void Bbr::set_cwnd_from_model(const RateSample& rs) {
  const std::uint32_t acked = rs.acked_sacked;
  const std::uint64_t min_cwnd = std::uint64_t{kMinCwndSegments} * smss_;
  std::uint64_t cwnd = cwnd_;
  if (acked > 0) {
    if (flag(kConservation)) {
      // The first round trip of fast recovery: send one for each delivered.
      cwnd = std::max(cwnd, in_flight_after(rs) + acked);
    } else {
      // Toward the model's window: twice the BDP in PROBE_BW, plus room for
      // three segments in the pacer's and the receiver's batching. Before the
      // pipe is full the window only grows (it may lag the model).
      const std::uint64_t target = bdp(cwnd_gain()) + 3 * std::uint64_t{smss_};
      if (full_bw_reached()) {
        cwnd = std::min(cwnd + acked, target);
      } else if (cwnd < target || rs.prior_delivered + rs.delivered < initial_window(smss_)) {
        cwnd += acked;
      }
      cwnd = std::max(cwnd, min_cwnd);
    }
  }
  if (mode_ == Mode::probe_rtt) cwnd = std::min(cwnd, min_cwnd);
  set_cwnd(cwnd);
}

void Bbr::enter_recovery(std::uint32_t flight_size, Instant /*now*/) {
  // bbr_set_cwnd_to_recover_or_restore(): remember the window, then one
  // round trip of packet conservation; the window is FlightSize until the
  // connection says what is still in the pipe (set_recovery_cwnd()).
  m_->prior_cwnd = in_recovery_ ? std::max(m_->prior_cwnd, cwnd_) : cwnd_;
  in_recovery_ = true;
  set_flag(kConservation, true);
  set_cwnd(std::max<std::uint64_t>(flight_size, smss_));
}

void Bbr::set_recovery_cwnd(std::uint64_t bytes) {
  // During packet conservation the connection's per-ACK figure (pipe plus
  // what PRR lets out: with no ssthresh to reduce to, about what the ACK
  // delivered) is the window; after it, the model's.
  if (in_recovery_ && flag(kConservation)) set_cwnd(std::max<std::uint64_t>(bytes, smss_));
}

void Bbr::on_recovery_exit(std::uint32_t /*flight_size*/) {
  in_recovery_ = false;
  set_flag(kConservation, false);
  set_cwnd(std::max(cwnd_, m_->prior_cwnd));
}

void Bbr::on_rto(std::uint32_t /*flight_size*/, Instant /*now*/, Timeout /*kind*/) {
  // Linux: tcp_enter_loss() leaves one segment's window; BBR grows it back
  // by what each ACK delivers toward the model, and undo() restores it when
  // the timeout proves spurious.
  m_->prior_cwnd = in_recovery_ ? std::max(m_->prior_cwnd, cwnd_) : cwnd_;
  in_recovery_ = false;
  set_flag(kConservation, false);
  m_->full_bw = 0;
  full_bw_count_ = 0;
  set_cwnd(smss_);
}

}  // namespace wirestack::tcp
