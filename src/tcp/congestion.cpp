// tcp/congestion.cpp — shared window mechanics, NewReno, the factory; CUBIC's
// growth and decrease are in cubic.cpp. See congestion.hpp.
#include "tcp/congestion.hpp"

#include <algorithm>
#include <utility>

#include "base/assert.hpp"

namespace wirestack::tcp {

namespace {

// Every alternative of the variant has a name, and no two share one: a new
// alternative without its kAlgorithmNames entry does not compile.
template <std::size_t... I>
constexpr bool every_alternative_named(std::index_sequence<I...>) {
  const auto named = [](Algorithm a) {
    int n = 0;
    for (const auto& [algorithm, name] : kAlgorithmNames) n += algorithm == a ? 1 : 0;
    return n == 1;
  };
  return (named(std::variant_alternative_t<I, CongestionControl::Variant>::algorithm()) && ...);
}
static_assert(std::variant_size_v<CongestionControl::Variant> == kAlgorithmNames.size());
static_assert(every_alternative_named(std::make_index_sequence<std::variant_size_v<CongestionControl::Variant>>{}));

}  // namespace

const char* to_string(Algorithm a) {
  for (const auto& [algorithm, name] : kAlgorithmNames) {
    if (algorithm == a) return name.data();  // the literals are NUL-terminated
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, Algorithm a) { return os << to_string(a); }

std::string known_algorithms() {
  std::string list;
  for (const auto& [algorithm, name] : kAlgorithmNames) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  return list;
}

Result<Algorithm, std::string> parse_algorithm(std::string_view text) {
  for (const auto& [algorithm, name] : kAlgorithmNames) {
    if (name == text) return algorithm;
  }
  return Unexpected{"unknown congestion control '" + std::string(text) + "' (known: " + known_algorithms() + ")"};
}

namespace detail {

WindowCore::WindowCore(std::uint32_t smss) : smss_(smss), cwnd_(initial_window(smss)) {
  WIRESTACK_ASSERT(smss > 0);
  WIRESTACK_ASSERT(smss <= kMaxCwnd / 16);
}

std::uint64_t WindowCore::default_rate(std::optional<Duration> srtt) const {
  if (!srtt || *srtt <= Duration::zero()) return 0;
  // Linux tcp_update_pacing_rate(): "set sk_pacing_rate to 200 % of current
  // rate (mss * cwnd / srtt)" ... "In Slow Start [1], set sk_pacing_rate to
  // 200 % the current rate. In Congestion Avoidance phase, set it to 120 % the
  // current rate. [1] : Normal Slow Start condition is (tp->snd_cwnd <
  // tp->snd_ssthresh). If snd_cwnd >= (tp->snd_ssthresh / 2), we are
  // approaching end of slow start and should slow down." (Linux multiplies by
  // max(cwnd, packets_out); we have cwnd only.)
  const std::uint64_t percent = cwnd_ < ssthresh_ / 2 ? 200 : 120;
  const auto ns = static_cast<std::uint64_t>(srtt->count());
  // cwnd < 2^30 and percent <= 200: the product fits in 64 bits with room.
  const std::uint64_t rate = std::uint64_t{cwnd_} * percent * 10'000'000 / ns;  // * 1e9 / 100
  return std::max<std::uint64_t>(rate, 1);
}

void WindowCore::set_cwnd(std::uint64_t bytes) {
  cwnd_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(bytes, kMaxCwnd));
}

void WindowCore::slow_start(std::uint32_t bytes_acked) {
  // RFC 5681 3.1: "During slow start, a TCP increments cwnd by at most SMSS
  // bytes for each ACK received that cumulatively acknowledges new data";
  // RFC 3465 2.2: cwnd += min(bytes_acked, L), L = 2*SMSS; 2.3: L = 1*SMSS in
  // the slow start that follows a retransmission timeout.
  const std::uint32_t limit = after_rto_ ? smss_ : 2 * smss_;
  // RFC 9406 4.2: in conservative slow start, "cwnd = cwnd + (min(N, L *
  // SMSS) / CSS_GROWTH_DIVISOR)", CSS_GROWTH_DIVISOR = 4.
  const std::uint32_t step = std::min(bytes_acked, limit) / (css_ ? 4u : 1u);
  const std::uint64_t grown = std::uint64_t{cwnd_} + step;
  set_cwnd(std::min<std::uint64_t>(grown, ssthresh_));
  if (!in_slow_start()) after_rto_ = false;
}

void WindowCore::start_recovery() {
  css_ = false;  // RFC 9406 4.2: a loss in CSS ends it (ssthresh is set)
  // RFC 5681 3.2 step 3 / RFC 6582 3.2 step 2: "cwnd = ssthresh + 3*SMSS".
  set_cwnd(std::uint64_t{ssthresh_} + 3 * std::uint64_t{smss_});
  in_recovery_ = true;
  ca_bytes_acked_ = 0;
  after_rto_ = false;
}

void WindowCore::on_dup_ack() {
  // RFC 5681 3.2 step 4: "For each additional duplicate ACK received (after
  // the third), cwnd MUST be incremented by SMSS."
  if (!in_recovery_) return;
  set_cwnd(std::uint64_t{cwnd_} + smss_);
}

void WindowCore::on_partial_ack(std::uint32_t bytes_acked) {
  // RFC 6582 3.2 step 5, partial ACK: "deflate the congestion window by the
  // amount of new data acknowledged by the Cumulative Acknowledgment field.
  // If the partial ACK acknowledges at least one SMSS of new data, then add
  // back SMSS bytes to the congestion window."
  if (!in_recovery_) return;
  std::uint64_t w = cwnd_ > bytes_acked ? cwnd_ - bytes_acked : 0;
  if (bytes_acked >= smss_) w += smss_;
  set_cwnd(std::max<std::uint64_t>(w, smss_));
}

void WindowCore::on_recovery_exit(std::uint32_t flight_size) {
  // RFC 6582 3.2 step 5, full ACK: "Set cwnd to either (1) min (ssthresh,
  // max(FlightSize, SMSS) + SMSS) or (2) ssthresh"; (1) avoids a burst.
  if (!in_recovery_) return;
  const std::uint64_t deflated = std::uint64_t{std::max(flight_size, smss_)} + smss_;
  set_cwnd(std::min<std::uint64_t>(ssthresh_, deflated));
  in_recovery_ = false;
  ca_bytes_acked_ = 0;
}

void WindowCore::collapse_after_rto() {
  // RFC 5681 3.1: "upon a timeout cwnd MUST be set to no more than the loss
  // window, LW, which equals 1 full-sized segment".
  set_cwnd(smss_);
  in_recovery_ = false;
  css_ = false;
  ca_bytes_acked_ = 0;
  after_rto_ = true;
}

}  // namespace detail

namespace {
// RFC 5681 eqn 4: ssthresh = max (FlightSize / 2, 2*SMSS).
std::uint32_t half_flight(std::uint32_t flight_size, std::uint32_t smss) {
  return std::max(flight_size / 2, 2 * smss);
}
}  // namespace

void NewReno::on_ack(std::uint32_t bytes_acked, Instant /*now*/, Duration /*rtt*/) {
  if (in_recovery_ || bytes_acked == 0) return;
  if (in_slow_start()) {
    slow_start(bytes_acked);
    return;
  }
  // RFC 5681 3.1 / RFC 3465 2.1 congestion avoidance by byte counting: "When
  // bytes_acked becomes greater than or equal to the value of the congestion
  // window, bytes_acked is reduced by the value of cwnd [and] cwnd is
  // incremented by a full-sized segment (SMSS)."
  std::uint64_t counted = std::uint64_t{ca_bytes_acked_} + bytes_acked;
  if (counted >= cwnd_) {
    counted -= cwnd_;
    set_cwnd(std::uint64_t{cwnd_} + smss_);
    counted = std::min<std::uint64_t>(counted, cwnd_ - 1);  // at most one SMSS per ACK
  }
  ca_bytes_acked_ = static_cast<std::uint32_t>(counted);
}

void NewReno::enter_recovery(std::uint32_t flight_size, Instant /*now*/) {
  ssthresh_ = half_flight(flight_size, smss_);
  start_recovery();
}

void NewReno::on_rto(std::uint32_t flight_size, Instant /*now*/, Timeout kind) {
  // RFC 5681 3.1: eqn 4 on a timeout, but "the value of ssthresh is held
  // constant" when the segment had already been retransmitted by the timer.
  if (kind == Timeout::first) ssthresh_ = half_flight(flight_size, smss_);
  collapse_after_rto();
}

std::ostream& operator<<(std::ostream& os, const CongestionControl& cc) {
  os << cc.algorithm() << " cwnd=" << cc.cwnd() << " ssthresh=";
  if (cc.ssthresh() == kInfiniteSsthresh) {
    os << "inf";
  } else {
    os << cc.ssthresh();
  }
  if (cc.in_recovery()) os << " recovery";
  if (const Bbr* b = cc.bbr()) os << " " << to_string(b->mode()) << " btlbw=" << b->btl_bw() << "B/s";
  return os;
}

CongestionControl make_congestion(Algorithm algorithm, std::uint32_t smss, CongestionOptions options) {
  const auto made = [&](auto a) {
    a.set_default_pacing(options.pacing);
    return CongestionControl(std::move(a));
  };
  switch (algorithm) {
    case Algorithm::newreno:
      return made(NewReno(smss));
    case Algorithm::cubic:
      return made(Cubic(smss));
    case Algorithm::bbr:
      return made(Bbr(smss));
  }
  WIRESTACK_ASSERT(false && "make_congestion: an Algorithm outside kAlgorithmNames");
  return made(NewReno(smss));
}

bool wants_rate_samples(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::newreno: return NewReno::wants_rate_samples();
    case Algorithm::cubic: return Cubic::wants_rate_samples();
    case Algorithm::bbr: return Bbr::wants_rate_samples();
  }
  return false;
}

}  // namespace wirestack::tcp
