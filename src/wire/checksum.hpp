// wire/checksum.hpp — the Internet checksum (RFC 1071) and its incremental
// update (RFC 1624).
//
// sum() returns the 16-bit one's-complement sum of the bytes (not inverted):
// a packet whose checksum field is correct sums to 0xffff. The final checksum
// to store is ~sum(...). Odd lengths are padded with a zero byte (RFC 1071
// 4.1). The loop adds 64-bit words, so it runs at many GB/s: it touches every
// byte we send.
#pragma once

#include <cstdint>

#include "base/bytes.hpp"

namespace wirestack::checksum {

// One's-complement sum of `data`, folded to 16 bits, starting from `initial`
// (a partial sum from an earlier call, e.g. of a pseudo-header). Because a
// partial sum is only valid at even offsets, every span but the last must have
// an even length.
std::uint16_t sum(Bytes data, std::uint32_t initial = 0);

// Copies `data` to the front of `out` (out.size() >= data.size()) and
// returns sum(data, initial), reading the bytes once for both. A span that
// starts at an odd offset of the summed whole contributes byteswap16() of
// its sum (RFC 1071 2.B), as for sum().
std::uint16_t copy_and_sum(MutBytes out, Bytes data, std::uint32_t initial = 0);

// ~sum(data): the value to store in a checksum field.
inline std::uint16_t compute(Bytes data, std::uint32_t initial = 0) {
  return static_cast<std::uint16_t>(~sum(data, initial));
}

// One's-complement addition of two 16-bit values.
constexpr std::uint16_t add(std::uint16_t a, std::uint16_t b) {
  std::uint32_t s = std::uint32_t{a} + b;
  return static_cast<std::uint16_t>((s & 0xffff) + (s >> 16));
}

// RFC 1624 eqn. 3: the new checksum field HC' when a 16-bit word of the
// covered data changes from m to m_new:  HC' = ~(~HC + ~m + m').
constexpr std::uint16_t update16(std::uint16_t old_checksum, std::uint16_t m, std::uint16_t m_new) {
  std::uint16_t s = add(static_cast<std::uint16_t>(~old_checksum), static_cast<std::uint16_t>(~m));
  s = add(s, m_new);
  return static_cast<std::uint16_t>(~s);
}

// The same for a 32-bit field (an IPv4 address, a TCP sequence number).
constexpr std::uint16_t update32(std::uint16_t old_checksum, std::uint32_t m, std::uint32_t m_new) {
  std::uint16_t c = update16(old_checksum, static_cast<std::uint16_t>(m >> 16), static_cast<std::uint16_t>(m_new >> 16));
  return update16(c, static_cast<std::uint16_t>(m & 0xffff), static_cast<std::uint16_t>(m_new & 0xffff));
}

// Partial sum of the IPv4 pseudo-header (RFC 768, RFC 9293 3.1) for a
// transport segment of `length` bytes: feed it as `initial` to sum().
constexpr std::uint32_t pseudo_header_v4(std::uint32_t src, std::uint32_t dst, std::uint8_t protocol,
                                         std::uint16_t length) {
  return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + protocol + length;
}

}  // namespace wirestack::checksum
