// base/rng.hpp — a small, fast, seedable random source (xoshiro256**).
//
// Every random decision of the stack and the simulator (initial sequence
// numbers, ephemeral ports, link loss, jitter) draws from an Rng that was
// given a seed, never from std::random_device: the same seed gives the same
// run. derive(k) makes an independent stream for sub-component k (a link
// direction, a host), so adding a host does not shift the numbers every other
// component sees.
//
//   Rng world(seed);
//   Rng a_to_b = world.derive(2 * link_id);
//   if (a_to_b.chance(0.01)) drop();
#pragma once

#include <cstdint>

namespace wirestack {

__extension__ using Uint128 = unsigned __int128;  // g++/clang builtin; __extension__ keeps -Wpedantic quiet

class Rng {
 public:
  explicit constexpr Rng(std::uint64_t seed) : seed_(seed) {
    std::uint64_t x = seed;
    for (auto& w : s_) w = splitmix64(x);
  }

  // Uniform over all 64-bit values.
  constexpr std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  constexpr std::uint32_t next_u32() { return static_cast<std::uint32_t>(next_u64() >> 32); }

  // Uniform in [0, n); n > 0. Lemire's multiply-shift, with rejection so
  // every value is equally likely.
  constexpr std::uint64_t below(std::uint64_t n) {
    Uint128 m = static_cast<Uint128>(next_u64()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<Uint128>(next_u64()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // Uniform in [0, 1) with 53 bits.
  constexpr double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // True with probability p (p <= 0: never, p >= 1: always).
  constexpr bool chance(double p) { return p > 0 && (p >= 1 || uniform() < p); }

  // An independent stream for sub-component `stream`, a pure function of
  // this Rng's seed and `stream` (not of how much it has been used).
  constexpr Rng derive(std::uint64_t stream) const {
    std::uint64_t x = seed_ ^ (0x9e3779b97f4a7c15ULL * (stream + 1));
    return Rng(splitmix64(x));
  }

  constexpr std::uint64_t seed() const { return seed_; }

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static constexpr std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  std::uint64_t seed_;
  std::uint64_t s_[4]{};
};

}  // namespace wirestack
