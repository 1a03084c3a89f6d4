// base/token_bucket.hpp — a token bucket in virtual or real time: at most
// `burst` events at once and `rate` per second on average. Used to limit
// RSTs for strangers and ICMP errors (RFC 1812 4.3.2.8, RFC 4443 2.4(f)).
// Sans-IO: the time is passed in.
//
//   TokenBucket rsts(/*rate=*/1000, /*burst=*/100);
//   if (rsts.take(now)) send_rst(); else ++rate_limited;
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

#include "base/time.hpp"

namespace wirestack {

class TokenBucket {
 public:
  // rate 0: no limit (take() always succeeds). Starts full.
  TokenBucket(std::uint32_t rate, std::uint32_t burst) : rate_(rate), burst_(burst), tokens_(burst) {}

  // One token, if there is one; refills first for the time since the last call.
  bool take(Instant now) {
    if (rate_ == 0) return true;
    // Time that runs backwards (it never should) refills nothing.
    if (!refilled_at_ || now > *refilled_at_) {
      if (refilled_at_) tokens_ = std::min<double>(burst_, tokens_ + to_seconds(now - *refilled_at_) * rate_);
      refilled_at_ = now;
    }
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }
  // Full again, as after construction (a host that restarts).
  void reset() {
    tokens_ = burst_;
    refilled_at_.reset();
  }

  std::uint32_t rate() const { return rate_; }
  std::uint32_t burst() const { return burst_; }

 private:
  std::uint32_t rate_;
  std::uint32_t burst_;
  double tokens_;
  std::optional<Instant> refilled_at_;
};

}  // namespace wirestack
