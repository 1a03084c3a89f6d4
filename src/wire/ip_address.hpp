// wire/ip_address.hpp — addresses of either IP family, for everything above
// the IP layer: an IpAddress (IPv4 or IPv6), an IpEndpoint (address + port)
// and an IpPair (the two addresses a transport checksum covers).
//
// Transport, runtime and application code name only these types; IPv4 and
// IPv6 specifics stay in ip/ and in the interface's per-family input and
// output. An IpAddress is 16 bytes: an IPv6 address as it is, an IPv4 address
// in its IPv4-mapped form ::ffff:a.b.c.d (RFC 4291 2.5.5.2), the same
// representation Linux's dual-stack sockets use. One representation makes a
// 4-tuple of either family one fixed-size key to compare and hash. The price:
// a real IPv6 packet carrying a mapped address cannot be told from IPv4, so
// IPv6 input must drop such packets, as RFC 4942 2.2 and Linux do.
//
// A default-constructed IpAddress is IPv4's 0.0.0.0 ("any", as a bind
// address), so `IpEndpoint{}` keeps meaning 0.0.0.0:0.
//
//   IpAddress a = Ipv4Address(10, 0, 0, 1);          // implicit, either family
//   auto b = IpAddress::parse("2001:db8::1");        // Result, the reason if not
//   if (a.is_v4()) send_ipv4(a.v4());
//   IpEndpoint e{a, 80};                             // prints 10.0.0.1:80, [2001:db8::1]:80
//   checksum over IpPair{src, dst}                   // transport_sum(): either family
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "wire/ipv4_address.hpp"
#include "wire/ipv6_address.hpp"

namespace wirestack {

enum class IpFamily : std::uint8_t { v4, v6 };
std::ostream& operator<<(std::ostream& os, IpFamily f);

class IpAddress {
 public:
  constexpr IpAddress() : IpAddress(Ipv4Address::any()) {}
  constexpr IpAddress(Ipv4Address v4)  // NOLINT(google-explicit-constructor): either family, like a variant
      : b_(Ipv6Address::ipv4_mapped(v4).bytes()) {}
  constexpr IpAddress(const Ipv6Address& v6)  // NOLINT(google-explicit-constructor)
      : b_(v6.bytes()) {}

  // Dotted decimal or IPv6 text (Ipv4Address::parse, Ipv6Address::parse);
  // an error says why neither reading works.
  static Result<IpAddress, std::string> parse(std::string_view text);
  // The unspecified address of a family: 0.0.0.0 or ::.
  static constexpr IpAddress any(IpFamily f) {
    return f == IpFamily::v4 ? IpAddress(Ipv4Address::any()) : IpAddress(Ipv6Address::unspecified());
  }

  constexpr IpFamily family() const { return mapped() ? IpFamily::v4 : IpFamily::v6; }
  constexpr bool is_v4() const { return mapped(); }
  constexpr bool is_v6() const { return !mapped(); }
  // Precondition: is_v4() / is_v6().
  constexpr Ipv4Address v4() const { return Ipv4Address{load_be32(b_, 12)}; }
  constexpr Ipv6Address v6() const { return Ipv6Address{b_}; }
  // The 16 bytes (IPv4-mapped for IPv4): for hashing.
  constexpr const std::array<std::byte, 16>& bytes() const { return b_; }

  constexpr bool is_unspecified() const { return is_v4() ? v4().is_unspecified() : v6().is_unspecified(); }
  constexpr bool is_loopback() const { return is_v4() ? v4().is_loopback() : v6().is_loopback(); }
  constexpr bool is_multicast() const { return is_v4() ? v4().is_multicast() : v6().is_multicast(); }
  constexpr bool is_broadcast() const { return is_v4() && v4().is_broadcast(); }  // IPv6 has none
  constexpr bool is_unicast() const { return is_v4() ? v4().is_unicast() : v6().is_unicast(); }

  std::string to_string() const;
  // The address as its own family writes it (4 or 16 bytes, network order)
  // into `out` (at least wire_size() bytes); returns the bytes written. For
  // hash inputs that must not change for IPv4 now that IPv6 exists.
  std::size_t wire_size() const { return is_v4() ? Ipv4Address::kSize : Ipv6Address::kSize; }
  std::size_t write_wire(MutBytes out) const {
    if (is_v4()) {
      v4().write(out);
    } else {
      v6().write(out);
    }
    return wire_size();
  }

  friend constexpr auto operator<=>(const IpAddress&, const IpAddress&) = default;
  // Two 8-byte compares, not sixteen byte ones: the demultiplexer compares
  // addresses on every segment.
  friend constexpr bool operator==(const IpAddress& a, const IpAddress& b) {
    if (std::is_constant_evaluated()) return a.b_ == b.b_;
    return a.word(0) == b.word(0) && a.word(8) == b.word(8);
  }

 private:
  // The 8 bytes at `at` as an integer in memory order (for comparisons only).
  std::uint64_t word(std::size_t at) const {
    std::uint64_t w;
    std::memcpy(&w, b_.data() + at, sizeof w);
    return w;
  }
  constexpr bool mapped() const {
    if (!std::is_constant_evaluated()) {
      // ::ffff:0:0/96: eight zero bytes, two more, then 0xffff.
      std::uint32_t mid;
      std::memcpy(&mid, b_.data() + 8, sizeof mid);
      return word(0) == 0 && mid == kMappedMid;
    }
    for (std::size_t i = 0; i < 10; ++i) {
      if (b_[i] != std::byte{0}) return false;
    }
    return b_[10] == std::byte{0xff} && b_[11] == std::byte{0xff};
  }
  // Bytes 8..11 of a mapped address (00 00 ff ff) read as a native integer.
  static constexpr std::uint32_t kMappedMid =
      std::endian::native == std::endian::little ? 0xffff0000u : 0x0000ffffu;

  std::array<std::byte, 16> b_;
};

inline std::ostream& operator<<(std::ostream& os, const IpAddress& a) { return os << a.to_string(); }

// The bytes of a network header in front of a transport header: what MSS and
// the largest datagram subtract (RFC 9293 3.7.1, RFC 8200 without extensions).
constexpr std::uint16_t ip_header_len(IpFamily f) { return f == IpFamily::v4 ? 20 : 40; }

// An address and a port: 10.0.0.1:80, [2001:db8::1]:80. The address
// unspecified: any of ours (as a bind address).
struct IpEndpoint {
  IpAddress addr{};
  std::uint16_t port = 0;

  // "10.0.0.1:80", "[2001:db8::1]:80"; the port is required (0..65535).
  static Result<IpEndpoint, std::string> parse(std::string_view text);
  std::string to_string() const;

  friend constexpr auto operator<=>(const IpEndpoint&, const IpEndpoint&) = default;
};
std::ostream& operator<<(std::ostream& os, const IpEndpoint& e);

// An address with a prefix length, of either family: 10.0.1.7/24,
// 2001:db8::7/64 (Ipv4Prefix / Ipv6Prefix give the arithmetic).
class IpPrefix {
 public:
  constexpr IpPrefix() = default;
  constexpr IpPrefix(const Ipv4Prefix& p) : addr_(p.address()), len_(p.len()) {}  // NOLINT(google-explicit-constructor)
  constexpr IpPrefix(const Ipv6Prefix& p) : addr_(p.address()), len_(p.len()) {}  // NOLINT(google-explicit-constructor)

  // Either family's text; the length is required, as for Ipv4Prefix.
  static Result<IpPrefix, std::string> parse(std::string_view text);

  constexpr const IpAddress& address() const { return addr_; }
  constexpr std::uint8_t len() const { return len_; }
  constexpr IpFamily family() const { return addr_.family(); }
  std::string to_string() const { return addr_.to_string() + "/" + std::to_string(len_); }

  friend constexpr bool operator==(const IpPrefix&, const IpPrefix&) = default;

 private:
  IpAddress addr_{};
  std::uint8_t len_ = 0;
};
inline std::ostream& operator<<(std::ostream& os, const IpPrefix& p) { return os << p.to_string(); }

// Source and destination of the datagram carrying a UDP or TCP segment: the
// parts of the pseudo-header (RFC 768, RFC 9293 3.1, RFC 8200 8.1) that are
// not the segment's own. Both of one family.
struct IpPair {
  IpAddress src;
  IpAddress dst;
  friend constexpr bool operator==(const IpPair&, const IpPair&) = default;
};

}  // namespace wirestack
