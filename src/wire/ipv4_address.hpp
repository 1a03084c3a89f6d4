// wire/ipv4_address.hpp — IPv4 addresses and prefixes (RFC 791, RFC 4632).
//
// Text form is strict dotted decimal: four decimal numbers 0..255 separated by
// dots, no leading zeros (01.2.3.4 is rejected: inet_aton would read it as
// octal), no shorthand forms (1.2.3), no spaces. Every rejection says why.
#pragma once

#include <compare>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"

namespace wirestack {

class Ipv4Address {
 public:
  static constexpr std::size_t kSize = 4;

  constexpr Ipv4Address() = default;
  constexpr explicit Ipv4Address(std::uint32_t host_order) : v_(host_order) {}
  constexpr Ipv4Address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d)
      : v_(std::uint32_t{a} << 24 | std::uint32_t{b} << 16 | std::uint32_t{c} << 8 | d) {}
  // Reads four bytes in network order; the caller guarantees `b.size() >= 4`.
  static constexpr Ipv4Address from_bytes(Bytes b) { return Ipv4Address{load_be32(b, 0)}; }

  static Result<Ipv4Address, std::string> parse(std::string_view text);

  static constexpr Ipv4Address any() { return Ipv4Address{0u}; }
  static constexpr Ipv4Address broadcast() { return Ipv4Address{0xffffffffu}; }

  constexpr std::uint32_t to_u32() const { return v_; }
  void write(MutBytes out) const { store_be32(out, 0, v_); }  // out.size() >= 4

  constexpr bool is_unspecified() const { return v_ == 0; }
  constexpr bool is_broadcast() const { return v_ == 0xffffffffu; }
  constexpr bool is_multicast() const { return (v_ >> 28) == 0xe; }   // 224.0.0.0/4
  constexpr bool is_loopback() const { return (v_ >> 24) == 127; }    // 127.0.0.0/8
  constexpr bool is_link_local() const { return (v_ >> 16) == 0xa9fe; }  // 169.254.0.0/16
  constexpr bool is_unicast() const { return !is_unspecified() && !is_broadcast() && !is_multicast(); }

  std::string to_string() const;

  friend constexpr auto operator<=>(const Ipv4Address&, const Ipv4Address&) = default;

 private:
  std::uint32_t v_ = 0;
};

inline std::ostream& operator<<(std::ostream& os, const Ipv4Address& a) { return os << a.to_string(); }

// An address with a prefix length: 10.0.1.7/24 names host 10.0.1.7 on network
// 10.0.1.0/24. The address is kept as given (an interface address); network()
// clears the host bits.
class Ipv4Prefix {
 public:
  constexpr Ipv4Prefix() = default;
  // Precondition: len <= 32 (use parse() for untrusted input).
  constexpr Ipv4Prefix(Ipv4Address address, std::uint8_t len) : addr_(address), len_(len) {}

  // "10.0.1.7/24". The prefix length is required: an address alone is refused
  // with "missing '/PREFIX'", since a guessed netmask silently breaks routing.
  static Result<Ipv4Prefix, std::string> parse(std::string_view text);

  constexpr Ipv4Address address() const { return addr_; }
  constexpr std::uint8_t len() const { return len_; }
  constexpr std::uint32_t mask() const { return len_ == 0 ? 0 : ~std::uint32_t{0} << (32 - len_); }
  constexpr Ipv4Address netmask() const { return Ipv4Address{mask()}; }
  constexpr Ipv4Address network() const { return Ipv4Address{addr_.to_u32() & mask()}; }
  // Directed broadcast: all host bits set.
  constexpr Ipv4Address broadcast() const { return Ipv4Address{addr_.to_u32() | ~mask()}; }
  constexpr bool contains(Ipv4Address a) const { return (a.to_u32() & mask()) == (addr_.to_u32() & mask()); }
  constexpr bool contains(const Ipv4Prefix& p) const { return p.len_ >= len_ && contains(p.addr_); }
  // Usable host addresses: 2^(32-len) - 2, except /31 (2, RFC 3021) and /32 (1).
  constexpr std::uint64_t host_count() const {
    if (len_ >= 31) return len_ == 31 ? 2 : 1;
    return (std::uint64_t{1} << (32 - len_)) - 2;
  }

  std::string to_string() const;

  friend constexpr bool operator==(const Ipv4Prefix&, const Ipv4Prefix&) = default;

 private:
  Ipv4Address addr_;
  std::uint8_t len_ = 0;
};

inline std::ostream& operator<<(std::ostream& os, const Ipv4Prefix& p) { return os << p.to_string(); }

}  // namespace wirestack
