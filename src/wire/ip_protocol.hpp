// wire/ip_protocol.hpp — IP protocol numbers (IANA) and the address pair a
// transport checksum covers.
#pragma once

#include <cstdint>
#include <ostream>

#include "wire/ipv4_address.hpp"

namespace wirestack {

// Open enum: unknown protocol numbers are carried as they are.
enum class IpProtocol : std::uint8_t {
  icmp = 1,
  tcp = 6,
  udp = 17,
  icmpv6 = 58,
};

inline std::ostream& operator<<(std::ostream& os, IpProtocol p) {
  switch (p) {
    case IpProtocol::icmp: return os << "ICMP";
    case IpProtocol::tcp: return os << "TCP";
    case IpProtocol::udp: return os << "UDP";
    case IpProtocol::icmpv6: return os << "ICMPv6";
    default: return os << "proto " << static_cast<unsigned>(p);
  }
}

// Source and destination of the IPv4 datagram carrying a UDP or TCP segment:
// the parts of the pseudo-header (RFC 768, RFC 9293 3.1) that are not the
// segment's own.
struct Ipv4Pair {
  Ipv4Address src;
  Ipv4Address dst;
  friend constexpr bool operator==(const Ipv4Pair&, const Ipv4Pair&) = default;
};

}  // namespace wirestack
