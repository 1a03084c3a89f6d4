// wire/ip_protocol.cpp — the IPv6 pseudo-header of transport_sum().
#include "wire/ip_protocol.hpp"

namespace wirestack::detail {

std::uint32_t pseudo_header_v6(const IpPair& ips, IpProtocol protocol, std::size_t length) {
  std::uint32_t pseudo = std::uint32_t{static_cast<std::uint8_t>(protocol)} + static_cast<std::uint16_t>(length);
  for (std::size_t i = 0; i < 16; i += 2) {
    pseudo += load_be16(ips.src.bytes(), i);
    pseudo += load_be16(ips.dst.bytes(), i);
  }
  return pseudo;
}

std::uint16_t transport_sum_v6(Bytes segment, const IpPair& ips, IpProtocol protocol) {
  return checksum::sum(segment, pseudo_header_v6(ips, protocol, segment.size()));
}

}  // namespace wirestack::detail
