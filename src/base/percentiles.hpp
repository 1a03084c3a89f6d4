// base/percentiles.hpp — latency percentiles for the summaries and the report (nearest-rank
// method: the p-th percentile of n sorted samples is sample ceil(p/100 * n)).
//
//   auto p = percentiles({3ms, 1ms, 2ms});   // p.p50 == 2ms, p.max == 3ms
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "base/time.hpp"

namespace wirestack {

struct Percentiles {
  Duration p50{};
  Duration p90{};
  Duration p99{};
  Duration max{};
};

// Precondition: `samples` is not empty.
inline Percentiles percentiles(std::vector<Duration> samples) {
  std::sort(samples.begin(), samples.end());
  const auto rank = [&](double p) {
    const auto k = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(samples.size())));
    return samples[std::clamp<std::size_t>(k, 1, samples.size()) - 1];
  };
  return Percentiles{rank(50), rank(90), rank(99), samples.back()};
}

}  // namespace wirestack
