// base/hash.hpp — the one integer mixer of the project's hash tables.
#pragma once

#include <cstdint>

namespace wirestack {

// splitmix64's finalizer: a bijection on 64 bits whose every output bit
// depends on every input bit (for open-addressing indexes keyed by hashes).
constexpr std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace wirestack
