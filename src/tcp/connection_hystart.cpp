// tcp/connection_hystart.cpp — HyStart++ (RFC 9406): the initial slow start
// ends when the round trip starts to grow, the sign of a queue building at
// the bottleneck, instead of when that queue overflows.
//
// Classic slow start doubles cwnd every round trip until a loss: by then the
// window is up to twice what the path holds, a whole window of segments is
// lost at once, and flows sharing a drop-tail queue lose very different
// amounts, so they leave slow start with very different windows (ten CUBIC
// flows over a 1 Gbit/s bottleneck with a 4 MiB queue: Jain's index 0.77
// after 10 s). HyStart++ watches the minimum RTT of each round (a round ends
// when SND.UNA passes the SND.NXT it started at): once a round's minimum is
// above the last round's by max(4 ms, min(last / 8, 16 ms)), growth slows to
// a quarter (conservative slow start, CSS) for up to five rounds; if the RTT
// falls back below the baseline it was a false alarm and slow start resumes,
// else congestion avoidance starts with ssthresh = cwnd. Only the initial
// slow start (ssthresh still infinite), as RFC 9406 4.1 recommends; a loss
// ends it (the loss sets ssthresh). The state lives in the send side's heap
// block (no cost to an idle connection). RTT samples are the connection's
// (timestamps: whole milliseconds, which the 4 ms floor absorbs).
#include <algorithm>
#include <chrono>

#include "tcp/connection.hpp"

namespace wirestack::tcp {

namespace {
constexpr std::uint32_t kMinRttThreshUs = 4000;   // MIN_RTT_THRESH
constexpr std::uint32_t kMaxRttThreshUs = 16000;  // MAX_RTT_THRESH
constexpr std::uint32_t kMinRttDivisor = 8;       // MIN_RTT_DIVISOR
constexpr std::uint8_t kRttSamples = 8;           // N_RTT_SAMPLE
constexpr std::uint8_t kCssRounds = 5;            // CSS_ROUNDS
}  // namespace

void Connection::hystart_on_ack(SeqNum ack, std::optional<Duration> rtt, Instant /*now*/) {
  if (!send_side_) return;
  SendSide::HyStart& h = send_side_->hystart;
  using H = SendSide::HyStart;
  if (h.done) return;
  if (cc_.ssthresh() != kInfiniteSsthresh || cc_.in_recovery() || rto_recovery_) {
    // Slow start has ended some other way (a loss): HyStart++ is over.
    h.done = true;
    cc_.set_conservative(false);
    return;
  }
  // A new round: "lastRoundMinRTT = currentRoundMinRTT; currentRoundMinRTT =
  // infinity; rttSampleCount = 0", windowEnd = SND.NXT.
  if (!h.started || !(ack < h.window_end)) {
    if (h.started && h.in_css && ++h.css_rounds >= kCssRounds) {
      // 4.2: "If CSS_ROUNDS rounds are complete, enter congestion avoidance
      // by setting the ssthresh to the current cwnd."
      cc_.end_slow_start();
      h.done = true;
      return;
    }
    h.started = true;
    h.window_end = snd_nxt_;
    h.last_round_min_us = h.current_round_min_us;
    h.current_round_min_us = H::kNone;
    h.samples = 0;
  }
  if (rtt) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(*rtt).count();
    const auto sample = static_cast<std::uint32_t>(std::clamp<std::int64_t>(us, 0, H::kNone - 1));
    h.current_round_min_us = std::min(h.current_round_min_us, sample);
    if (h.samples < 0xff) ++h.samples;
  }
  if (h.samples < kRttSamples || h.current_round_min_us == H::kNone || h.last_round_min_us == H::kNone) return;
  if (!h.in_css) {
    const std::uint32_t thresh =
        std::max(kMinRttThreshUs, std::min(h.last_round_min_us / kMinRttDivisor, kMaxRttThreshUs));
    if (std::uint64_t{h.current_round_min_us} >= std::uint64_t{h.last_round_min_us} + thresh) {
      h.css_baseline_us = h.current_round_min_us;
      h.in_css = true;
      h.css_rounds = 0;
      cc_.set_conservative(true);
    }
  } else if (h.current_round_min_us < h.css_baseline_us) {
    // 4.2: "the RTT increase was spurious": back to slow start.
    h.css_baseline_us = H::kNone;
    h.in_css = false;
    cc_.set_conservative(false);
  }
}

}  // namespace wirestack::tcp
