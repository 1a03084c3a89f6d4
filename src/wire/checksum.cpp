#include "wire/checksum.hpp"

#include <bit>
#include <cstring>

namespace wirestack::checksum {

// The one's-complement sum is independent of byte order as long as we fold
// consistently (RFC 1071 2.B), so we add native 64-bit words and swap the
// 16-bit result once at the end on little-endian hosts.
std::uint16_t sum(Bytes data, std::uint32_t initial) {
  const std::byte* p = data.data();
  std::size_t n = data.size();
  std::uint64_t acc = 0;
  // Four independent accumulators of 32-bit halves would vectorise; adding
  // 64-bit words with an end-around carry is simpler and already memory-bound.
  while (n >= 32) {
    std::uint64_t w[4];
    std::memcpy(w, p, 32);
    for (std::uint64_t x : w) {
      acc += x;
      acc += (acc < x);  // end-around carry
    }
    p += 32;
    n -= 32;
  }
  while (n >= 8) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    acc += x;
    acc += (acc < x);
    p += 8;
    n -= 8;
  }
  std::uint64_t tail = 0;
  if (n != 0) std::memcpy(&tail, p, n);  // zero-padded: covers the odd byte (p may be null when n == 0)
  acc += tail;
  acc += (acc < tail);
  // Fold 64 -> 16 bits.
  acc = (acc & 0xffffffff) + (acc >> 32);
  acc = (acc & 0xffffffff) + (acc >> 32);
  acc = (acc & 0xffff) + (acc >> 16);
  acc = (acc & 0xffff) + (acc >> 16);
  acc = (acc & 0xffff) + (acc >> 16);
  auto s = static_cast<std::uint16_t>(acc);
  if constexpr (std::endian::native == std::endian::little) {
    s = static_cast<std::uint16_t>(s << 8 | s >> 8);
  }
  std::uint64_t total = std::uint64_t{s} + initial;  // 64 bits: any uint32 `initial` folds exactly
  while (total >> 16) total = (total & 0xffff) + (total >> 16);
  return static_cast<std::uint16_t>(total);
}

}  // namespace wirestack::checksum
