// wire/ip_protocol.hpp — IP protocol numbers (IANA) and the address pair a
// transport checksum covers.
#pragma once

#include <cstdint>
#include <ostream>

#include "base/bytes.hpp"
#include "wire/checksum.hpp"
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

// One's-complement sum of a UDP/TCP/... `segment` (checksum field included)
// and its IPv4 pseudo-header: source, destination, zero, protocol, length
// (RFC 768, RFC 9293 3.1). Not inverted: a correct segment sums to 0xffff.
// Precondition: segment.size() <= 0xffff.
inline std::uint16_t transport_sum(Bytes segment, const Ipv4Pair& ips, IpProtocol protocol) {
  const std::uint32_t pseudo =
      checksum::pseudo_header_v4(ips.src.to_u32(), ips.dst.to_u32(), static_cast<std::uint8_t>(protocol),
                                 static_cast<std::uint16_t>(segment.size()));
  return checksum::sum(segment, pseudo);
}

}  // namespace wirestack
