// wire/ip_protocol.hpp — IP protocol numbers (IANA) and the transport
// checksum over a pseudo-header of either family.
#pragma once

#include <cstdint>
#include <ostream>

#include "base/bytes.hpp"
#include "wire/checksum.hpp"
#include "wire/ip_address.hpp"

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

namespace detail {
// transport_sum() for IPv6 addresses (ip_protocol.cpp).
std::uint16_t transport_sum_v6(Bytes segment, const IpPair& ips, IpProtocol protocol);
// The IPv6 pseudo-header's partial sum for a segment of `length` bytes.
std::uint32_t pseudo_header_v6(const IpPair& ips, IpProtocol protocol, std::size_t length);
}  // namespace detail

// One's-complement sum of a UDP/TCP/... `segment` (checksum field included)
// and its pseudo-header (not inverted: a correct segment sums to 0xffff).
// IPv4 (RFC 768, RFC 9293 3.1): source, destination, zero, protocol, 16-bit
// length. IPv6 (RFC 8200 8.1): source, destination, 32-bit upper-layer
// length, three zero bytes, next header. Both sum to the same 16-bit words
// but the addresses, since the length's high half is zero.
// Precondition: segment.size() <= 0xffff; both addresses of one family.
// Twice per segment (emit and parse): the IPv4 case inline, IPv6's out of line.
// The pseudo-header's partial sum for a segment of `length` bytes (either
// family), to pass as `initial` to checksum::sum() of the segment's bytes.
inline std::uint32_t pseudo_header_sum(const IpPair& ips, IpProtocol protocol, std::size_t length) {
  if (!ips.src.is_v4()) return detail::pseudo_header_v6(ips, protocol, length);
  return checksum::pseudo_header_v4(ips.src.v4().to_u32(), ips.dst.v4().to_u32(), static_cast<std::uint8_t>(protocol),
                                    static_cast<std::uint16_t>(length));
}

inline std::uint16_t transport_sum(Bytes segment, const IpPair& ips, IpProtocol protocol) {
  if (!ips.src.is_v4()) return detail::transport_sum_v6(segment, ips, protocol);
  return checksum::sum(segment, checksum::pseudo_header_v4(ips.src.v4().to_u32(), ips.dst.v4().to_u32(),
                                                           static_cast<std::uint8_t>(protocol),
                                                           static_cast<std::uint16_t>(segment.size())));
}

}  // namespace wirestack
