// wire/ecn.hpp — the two-bit ECN field of the IPv4 and IPv6 headers (RFC
// 3168 5): the low bits of the IPv4 TOS byte and of the IPv6 traffic class.
#pragma once

#include <cstdint>
#include <string_view>

namespace wirestack::ecn {

inline constexpr std::uint8_t kNotEct = 0;  // not ECN-capable transport
inline constexpr std::uint8_t kEct1 = 1;    // ECN-capable (RFC 8311: L4S)
inline constexpr std::uint8_t kEct0 = 2;    // ECN-capable (what RFC 3168 senders use)
inline constexpr std::uint8_t kCe = 3;      // congestion experienced

// As tcpdump names them: "", "ECT(1)", "ECT(0)", "CE".
constexpr std::string_view name(std::uint8_t field) {
  switch (field & 3) {
    case kEct1: return "ECT(1)";
    case kEct0: return "ECT(0)";
    case kCe: return "CE";
    default: return "";
  }
}

}  // namespace wirestack::ecn
