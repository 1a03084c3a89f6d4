// base/bytes.hpp — byte spans and network-order (big-endian) field access.
//
// Wire code never casts bytes to structs: it reads and writes fields at fixed
// offsets with these helpers. Callers check lengths first; the helpers index
// the span directly (and std::span's operator[] is checked in debug builds).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wirestack {

using Bytes = std::span<const std::byte>;
using MutBytes = std::span<std::byte>;
using ByteVec = std::vector<std::byte>;

// Half-open byte range [begin, end) of a header field.
struct Field {
  std::size_t begin;
  std::size_t end;
  constexpr std::size_t size() const { return end - begin; }
};

constexpr std::uint8_t load_u8(Bytes b, std::size_t at) { return std::to_integer<std::uint8_t>(b[at]); }

constexpr std::uint16_t load_be16(Bytes b, std::size_t at) {
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(b[at]) << 8 | std::to_integer<unsigned>(b[at + 1]));
}

constexpr std::uint32_t load_be32(Bytes b, std::size_t at) {
  return std::uint32_t{load_be16(b, at)} << 16 | load_be16(b, at + 2);
}

constexpr void store_u8(MutBytes b, std::size_t at, std::uint8_t v) { b[at] = static_cast<std::byte>(v); }

constexpr void store_be16(MutBytes b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::byte>(v >> 8);
  b[at + 1] = static_cast<std::byte>(v & 0xff);
}

constexpr void store_be32(MutBytes b, std::size_t at, std::uint32_t v) {
  store_be16(b, at, static_cast<std::uint16_t>(v >> 16));
  store_be16(b, at + 2, static_cast<std::uint16_t>(v & 0xffff));
}

// Test and fixture helper: bytes_of(0x45, 0x00, 'p') -> std::array<std::byte, 3>.
template <class... Ts>
constexpr std::array<std::byte, sizeof...(Ts)> bytes_of(Ts... vs) {
  return {static_cast<std::byte>(vs)...};
}

inline Bytes as_bytes(std::string_view s) { return std::as_bytes(std::span<const char>(s.data(), s.size())); }

// "45 00 00 54" style dump, for messages and test failures.
std::string to_hex(Bytes b, std::string_view sep = " ");

// Parses hex digits, ignoring spaces, colons and newlines. Returns an empty
// vector on an odd digit count or a non-hex character.
ByteVec from_hex(std::string_view hex);

}  // namespace wirestack
