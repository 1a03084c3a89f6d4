// tcp/pacing.hpp — the sender's pacing clock: data segments spaced at a rate
// the congestion controller asks for (CongestionControl::pacing_rate()), in
// virtual time. Sans-IO: the connection asks holds(now) before sending a data
// segment and reports it with on_sent(); poll_at() reports next() as the
// instant the next one may leave, so a simulated run stays a pure function
// of its inputs.
//
// The model is Linux's "earliest departure time" (tcp_update_skb_after_send,
// with fq): a segment of L bytes sent at rate R moves the departure time of
// the next one L / R later, counted from its own departure time or from now,
// whichever is later, so an idle sender earns no credit for a burst. Unlike
// Linux (whose fq qdisc does not pace the first ten segments) every data
// segment is paced, retransmissions included; pure ACKs never are.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "base/time.hpp"

namespace wirestack::tcp {

class Pacer {
 public:
  // The earliest departure of the next data segment; Instant::min(): at once.
  Instant next() const { return next_; }
  bool holds(Instant now) const { return now < next_; }

  // A data segment of `bytes` (its sequence space) left at `now`; `rate` is
  // the pacing rate in bytes per second, 0 for none (the clock is cleared).
  void on_sent(std::uint32_t bytes, std::uint64_t rate, Instant now) {
    if (rate == 0) {
      next_ = Instant::min();
      return;
    }
    // bytes < 2^32, so bytes * 1e9 < 2^62: no overflow.
    const auto ns = std::uint64_t{std::max<std::uint32_t>(bytes, 1)} * 1'000'000'000u / rate;
    next_ = std::max(next_, now) + Duration{static_cast<Duration::rep>(ns)};
  }

 private:
  Instant next_ = Instant::min();
};

}  // namespace wirestack::tcp
