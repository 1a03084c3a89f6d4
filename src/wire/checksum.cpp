#include "wire/checksum.hpp"

#include <bit>
#include <cstring>

#include "base/assert.hpp"

namespace wirestack::checksum {

namespace {

// Eight 32-bit lanes: four 64-bit words, each split into its two 32-bit
// halves, are added into eight 64-bit accumulators. Adding 32-bit values
// into 64 bits needs no end-around carry for the first 2^32 additions
// (128 GiB), so the lanes are independent: the compiler keeps them in vector
// registers (GCC's vector extension: SSE2 everywhere on x86-64, AVX2 in the
// clone below), and the sum runs at the speed of the loads, not of a carry
// chain. The one's-complement sum is the same whatever the grouping (RFC 1071
// 2.B), so lanes are folded together at the end.
using U64x4 = std::uint64_t __attribute__((vector_size(32)));

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define WIRESTACK_CHECKSUM_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define WIRESTACK_CHECKSUM_CLONES
#endif

WIRESTACK_CHECKSUM_CLONES
std::uint64_t sum_words(const std::byte* p, std::size_t blocks) {
  U64x4 lo0{}, hi0{}, lo1{}, hi1{};
  const U64x4 mask = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
  for (std::size_t i = 0; i < blocks; ++i, p += 64) {
    U64x4 a, b;
    std::memcpy(&a, p, 32);
    std::memcpy(&b, p + 32, 32);
    lo0 += a & mask;
    hi0 += a >> 32;
    lo1 += b & mask;
    hi1 += b >> 32;
  }
  const U64x4 t = lo0 + hi0 + lo1 + hi1;  // each lane < 2^36 per 2^32 blocks: no overflow
  std::uint64_t acc = 0;
  for (int i = 0; i < 4; ++i) {
    // Fold each lane to 32 bits before adding, so the four fit in 64.
    acc += (t[i] & 0xffffffff) + (t[i] >> 32);
  }
  return acc;
}

// sum_words() that also stores each block at `out`: the data is read once
// for both (a segment's payload going from the send ring into its frame).
WIRESTACK_CHECKSUM_CLONES
std::uint64_t copy_sum_words(std::byte* out, const std::byte* p, std::size_t blocks) {
  U64x4 lo0{}, hi0{}, lo1{}, hi1{};
  const U64x4 mask = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu};
  for (std::size_t i = 0; i < blocks; ++i, p += 64, out += 64) {
    U64x4 a, b;
    std::memcpy(&a, p, 32);
    std::memcpy(&b, p + 32, 32);
    std::memcpy(out, &a, 32);
    std::memcpy(out + 32, &b, 32);
    lo0 += a & mask;
    hi0 += a >> 32;
    lo1 += b & mask;
    hi1 += b >> 32;
  }
  const U64x4 t = lo0 + hi0 + lo1 + hi1;
  std::uint64_t acc = 0;
  for (int i = 0; i < 4; ++i) acc += (t[i] & 0xffffffff) + (t[i] >> 32);
  return acc;
}

// Folds a sum of native-order words to 16 bits in network order, plus `initial`.
inline std::uint16_t finish(std::uint64_t acc, std::uint32_t initial) {
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

// The last n < 8 bytes of a span, as an addend of the same kind as the
// 8-byte words before them: 4, 2 and 1 bytes read with fixed-size loads, a
// lone last byte padded with a zero after it (RFC 1071). A variable-length
// memcpy into a zeroed word was a byte loop followed by a wide load of
// what it stored, a store-forwarding stall that cost more than summing a
// whole 20-byte IPv4 header.
inline std::uint64_t tail_sum(const std::byte* p, std::size_t n) {
  std::uint64_t acc = 0;
  if (n & 4) {
    std::uint32_t x;
    std::memcpy(&x, p, 4);
    acc += x;
    p += 4;
  }
  if (n & 2) {
    std::uint16_t x;
    std::memcpy(&x, p, 2);
    acc += x;
    p += 2;
  }
  if (n & 1) {
    // The byte comes first in its 16-bit word: in native order that is the
    // low byte on a little-endian host, the high one on a big-endian one.
    const auto b = std::to_integer<std::uint64_t>(*p);
    acc += std::endian::native == std::endian::little ? b : b << 8;
  }
  return acc;
}

}  // namespace

// The one's-complement sum is independent of byte order as long as we fold
// consistently (RFC 1071 2.B), so we add native words and swap the 16-bit
// result once at the end on little-endian hosts.
std::uint16_t sum(Bytes data, std::uint32_t initial) {
  const std::byte* p = data.data();
  std::size_t n = data.size();
  // acc collects values below 2^40 or so: never near overflow.
  std::uint64_t acc = 0;
  if (n >= 64) {
    const std::size_t blocks = n / 64;
    acc = sum_words(p, blocks);
    p += blocks * 64;
    n -= blocks * 64;
  }
  // What is left (and all of a header): 8 bytes at a time, as two 32-bit
  // halves so that nothing carries out of 64 bits.
  while (n >= 8) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    acc += (x & 0xffffffff) + (x >> 32);
    p += 8;
    n -= 8;
  }
  acc += tail_sum(p, n);
  return finish(acc, initial);
}

std::uint16_t copy_and_sum(MutBytes out, Bytes data, std::uint32_t initial) {
  WIRESTACK_ASSERT(out.size() >= data.size());
  const std::byte* p = data.data();
  std::byte* o = out.data();
  std::size_t n = data.size();
  std::uint64_t acc = 0;
  if (n >= 64) {
    const std::size_t blocks = n / 64;
    acc = copy_sum_words(o, p, blocks);
    p += blocks * 64;
    o += blocks * 64;
    n -= blocks * 64;
  }
  while (n >= 8) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    std::memcpy(o, &x, 8);
    acc += (x & 0xffffffff) + (x >> 32);
    p += 8;
    o += 8;
    n -= 8;
  }
  if (n != 0) std::memcpy(o, p, n);
  acc += tail_sum(p, n);
  return finish(acc, initial);
}

}  // namespace wirestack::checksum
