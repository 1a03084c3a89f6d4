// wire/mac_address.hpp — 48-bit IEEE 802 MAC addresses.
//
// Written as six hex pairs, aa:bb:cc:dd:ee:ff. The first three bytes are the
// vendor (OUI), the last three the serial number the vendor assigned. The
// low bit of the first byte marks a group (multicast) address; the next bit
// marks a locally administered address (one not burned in by a vendor), which
// is what the simulator hands out.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace wirestack {

class MacAddress {
 public:
  static constexpr std::size_t kSize = 6;

  constexpr MacAddress() = default;
  constexpr explicit MacAddress(std::array<std::byte, kSize> b) : b_(b) {}
  // Reads six bytes; the caller guarantees `b.size() >= 6`.
  static constexpr MacAddress from_bytes(Bytes b) {
    MacAddress m;
    for (std::size_t i = 0; i < kSize; ++i) m.b_[i] = b[i];
    return m;
  }
  // 24-bit vendor prefix + 24-bit serial.
  static constexpr MacAddress from_parts(std::uint32_t oui, std::uint32_t serial) {
    MacAddress m;
    for (std::size_t i = 0; i < 3; ++i) {
      m.b_[i] = static_cast<std::byte>(oui >> (8 * (2 - i)));
      m.b_[3 + i] = static_cast<std::byte>(serial >> (8 * (2 - i)));
    }
    return m;
  }
  static constexpr MacAddress broadcast() {
    MacAddress m;
    m.b_.fill(std::byte{0xff});
    return m;
  }

  // Accepts exactly "aa:bb:cc:dd:ee:ff" (or '-' separators), either case.
  // The error says what is wrong: "expected 6 groups", "'zz' is not hex", ...
  static Result<MacAddress, std::string> parse(std::string_view text);

  constexpr const std::array<std::byte, kSize>& bytes() const { return b_; }
  // Writes the six bytes; the caller guarantees `out.size() >= 6`.
  constexpr void write(MutBytes out) const {
    for (std::size_t i = 0; i < kSize; ++i) out[i] = b_[i];
  }
  constexpr std::uint32_t oui() const { return load(0); }
  constexpr std::uint32_t serial() const { return load(3); }

  constexpr bool is_broadcast() const { return *this == broadcast(); }
  constexpr bool is_multicast() const { return (std::to_integer<unsigned>(b_[0]) & 0x01) != 0; }  // includes broadcast
  constexpr bool is_unicast() const { return !is_multicast(); }
  constexpr bool is_locally_administered() const { return (std::to_integer<unsigned>(b_[0]) & 0x02) != 0; }
  constexpr bool is_zero() const { return *this == MacAddress{}; }

  std::string to_string() const;  // "aa:bb:cc:dd:ee:ff"

  friend constexpr auto operator<=>(const MacAddress&, const MacAddress&) = default;

 private:
  constexpr std::uint32_t load(std::size_t at) const {
    return std::to_integer<std::uint32_t>(b_[at]) << 16 | std::to_integer<std::uint32_t>(b_[at + 1]) << 8 |
           std::to_integer<std::uint32_t>(b_[at + 2]);
  }
  std::array<std::byte, kSize> b_{};
};

inline std::ostream& operator<<(std::ostream& os, const MacAddress& m) { return os << m.to_string(); }

}  // namespace wirestack
