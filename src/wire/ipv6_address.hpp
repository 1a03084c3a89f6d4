// wire/ipv6_address.hpp — IPv6 addresses and prefixes (RFC 4291, RFC 5952).
//
// Parsing accepts every text form of RFC 4291 2.2: eight groups of 1..4 hex
// digits in either case ("2001:DB8:0:0:8:800:200C:417A"), one "::" standing for
// one or more zero groups ("2001:db8::417a", "::1", "::"), and a dotted-quad
// IPv4 address in the last 32 bits ("::ffff:192.0.2.1", "::13.1.68.3"). Zone
// ids ("fe80::1%eth0") are not addresses and are refused. Every rejection says
// why: "more than one '::'", "group '12345' has more than 4 hex digits", ...
//
// to_string() prints the RFC 5952 canonical form, so equal addresses always
// print the same text: lowercase, no leading zeros, "::" for the longest run
// of two or more zero groups (the first such run on a tie; a single zero group
// stays "0"), and IPv4-mapped addresses as "::ffff:a.b.c.d" (RFC 5952 5).
//
//   auto a = Ipv6Address::parse("2001:0DB8:0000:0000:0000:0000:0000:0001");
//   a->to_string();  // "2001:db8::1"
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "wire/ipv4_address.hpp"
#include "wire/mac_address.hpp"

namespace wirestack {

class Ipv6Address {
 public:
  static constexpr std::size_t kSize = 16;
  static constexpr std::size_t kGroups = 8;

  constexpr Ipv6Address() = default;
  constexpr explicit Ipv6Address(std::array<std::byte, kSize> b) : b_(b) {}
  // Eight 16-bit groups, most significant first: Ipv6Address(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1).
  constexpr Ipv6Address(std::uint16_t g0, std::uint16_t g1, std::uint16_t g2, std::uint16_t g3, std::uint16_t g4,
                        std::uint16_t g5, std::uint16_t g6, std::uint16_t g7) {
    const std::uint16_t g[kGroups] = {g0, g1, g2, g3, g4, g5, g6, g7};
    for (std::size_t i = 0; i < kGroups; ++i) set_group(i, g[i]);
  }
  // Reads sixteen bytes in network order; the caller guarantees `b.size() >= 16`.
  static constexpr Ipv6Address from_bytes(Bytes b) {
    Ipv6Address a;
    for (std::size_t i = 0; i < kSize; ++i) a.b_[i] = b[i];
    return a;
  }
  // ::ffff:a.b.c.d (RFC 4291 2.5.5.2).
  static constexpr Ipv6Address ipv4_mapped(Ipv4Address v4) {
    Ipv6Address a(0, 0, 0, 0, 0, 0xffff, 0, 0);
    a.set_group(6, static_cast<std::uint16_t>(v4.to_u32() >> 16));
    a.set_group(7, static_cast<std::uint16_t>(v4.to_u32() & 0xffff));
    return a;
  }

  static Result<Ipv6Address, std::string> parse(std::string_view text);

  static constexpr Ipv6Address unspecified() { return Ipv6Address{}; }                // ::
  static constexpr Ipv6Address loopback() { return Ipv6Address(0, 0, 0, 0, 0, 0, 0, 1); }  // ::1

  constexpr const std::array<std::byte, kSize>& bytes() const { return b_; }
  // Group i (0..7) of the text form.
  constexpr std::uint16_t group(std::size_t i) const { return load_be16(b_, 2 * i); }
  void write(MutBytes out) const {  // out.size() >= 16
    for (std::size_t i = 0; i < kSize; ++i) out[i] = b_[i];
  }

  constexpr bool is_unspecified() const { return *this == unspecified(); }
  constexpr bool is_loopback() const { return *this == loopback(); }
  constexpr bool is_multicast() const { return b_[0] == std::byte{0xff}; }  // ff00::/8
  constexpr bool is_link_local() const {                                      // fe80::/10
    return b_[0] == std::byte{0xfe} && (std::to_integer<unsigned>(b_[1]) & 0xc0) == 0x80;
  }
  constexpr bool is_unicast() const { return !is_unspecified() && !is_multicast(); }
  constexpr bool is_ipv4_mapped() const {  // ::ffff:0:0/96
    for (std::size_t i = 0; i < 5; ++i) {
      if (group(i) != 0) return false;
    }
    return group(5) == 0xffff;
  }
  // The last 32 bits as an IPv4 address (meaningful when is_ipv4_mapped()).
  constexpr Ipv4Address low_ipv4() const { return Ipv4Address{load_be32(b_, 12)}; }

  // Solicited-node multicast address ff02::1:ffXX:XXXX for this unicast
  // address (RFC 4291 2.7.1): where NDP sends neighbor solicitations.
  constexpr Ipv6Address solicited_node() const {
    Ipv6Address m(0xff02, 0, 0, 0, 0, 1, 0xff00, 0);
    for (std::size_t i = 13; i < kSize; ++i) m.b_[i] = b_[i];
    return m;
  }

  std::string to_string() const;  // RFC 5952 canonical text

  friend constexpr auto operator<=>(const Ipv6Address&, const Ipv6Address&) = default;

 private:
  constexpr void set_group(std::size_t i, std::uint16_t v) { store_be16(b_, 2 * i, v); }

  std::array<std::byte, kSize> b_{};
};

inline std::ostream& operator<<(std::ostream& os, const Ipv6Address& a) { return os << a.to_string(); }

// The Ethernet destination of an IPv6 multicast packet (RFC 2464 7): 33:33
// followed by the group's last four bytes, e.g. ff02::1:ff00:1 ->
// 33:33:ff:00:00:01 (its solicited-node group's MAC for fe80::1).
constexpr MacAddress ipv6_multicast_mac(const Ipv6Address& group) {
  std::array<std::byte, MacAddress::kSize> m{std::byte{0x33}, std::byte{0x33}};
  for (std::size_t i = 0; i < 4; ++i) m[2 + i] = group.bytes()[12 + i];
  return MacAddress{m};
}

// An address with a prefix length: 2001:db8::7/64 names host 2001:db8::7 on
// network 2001:db8::/64. The address is kept as given; network() clears the
// host bits.
class Ipv6Prefix {
 public:
  constexpr Ipv6Prefix() = default;
  // Precondition: len <= 128 (use parse() for untrusted input).
  constexpr Ipv6Prefix(Ipv6Address address, std::uint8_t len) : addr_(address), len_(len) {}

  // "2001:db8::/32". The prefix length is required, as for Ipv4Prefix.
  static Result<Ipv6Prefix, std::string> parse(std::string_view text);

  constexpr Ipv6Address address() const { return addr_; }
  constexpr std::uint8_t len() const { return len_; }
  constexpr Ipv6Address network() const {
    std::array<std::byte, Ipv6Address::kSize> b = addr_.bytes();
    for (std::size_t i = 0; i < Ipv6Address::kSize; ++i) b[i] &= mask_byte(i);
    return Ipv6Address{b};
  }
  constexpr bool contains(const Ipv6Address& a) const {
    for (std::size_t i = 0; i < Ipv6Address::kSize; ++i) {
      if ((a.bytes()[i] & mask_byte(i)) != (addr_.bytes()[i] & mask_byte(i))) return false;
    }
    return true;
  }
  constexpr bool contains(const Ipv6Prefix& p) const { return p.len_ >= len_ && contains(p.addr_); }

  std::string to_string() const;  // canonical address + "/" + length

  friend constexpr bool operator==(const Ipv6Prefix&, const Ipv6Prefix&) = default;

 private:
  // The mask's byte i: 0xff while fully inside the prefix, then the partial
  // byte, then 0x00.
  constexpr std::byte mask_byte(std::size_t i) const {
    const std::size_t bits = len_;
    if (bits >= 8 * (i + 1)) return std::byte{0xff};
    if (bits <= 8 * i) return std::byte{0x00};
    return static_cast<std::byte>(0xff << (8 - (bits - 8 * i)));
  }

  Ipv6Address addr_;
  std::uint8_t len_ = 0;
};

inline std::ostream& operator<<(std::ostream& os, const Ipv6Prefix& p) { return os << p.to_string(); }

}  // namespace wirestack
