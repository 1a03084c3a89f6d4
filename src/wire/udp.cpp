#include "base/assert.hpp"
#include "wire/udp.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "wire/checksum.hpp"

namespace wirestack {
std::uint16_t udp_sum(Bytes datagram, const IpPair& ips) {
  return transport_sum(datagram, ips, IpProtocol::udp);
}

WireResult<UdpRepr> UdpRepr::parse(UdpPacket p, const IpPair& ips, ChecksumMode mode) {
  // Port 0 is reserved (IANA); nothing can listen on it. Source port 0 is
  // RFC 768's "no reply expected" and is allowed.
  if (p.dst_port() == 0) return Unexpected{WireError::bad_field};
  // RFC 768: "An all zero transmitted checksum value means that the
  // transmitter generated no checksum". RFC 1122 4.1.3.4: if one is present,
  // a datagram with a wrong checksum MUST be discarded.
  // Over IPv6 the checksum is mandatory (RFC 8200 8.1): "IPv6 receivers
  // MUST discard UDP packets containing a zero checksum".
  if (p.checksum() == 0 && ips.src.is_v6()) return Unexpected{WireError::bad_checksum};
  if (mode.verify_rx && p.checksum() != 0 && udp_sum(p.datagram(), ips) != 0xffff) {
    return Unexpected{WireError::bad_checksum};
  }
  return UdpRepr{.src_port = p.src_port(), .dst_port = p.dst_port()};
}

void UdpRepr::emit(UdpPacketMut out, const IpPair& ips, Bytes payload, ChecksumMode mode) const {
  WIRESTACK_ASSERT((payload.size() <= kUdpMaxPayloadLen) && "UdpRepr::emit: payload.size() <= kUdpMaxPayloadLen");
  WIRESTACK_ASSERT((out.bytes().size() == header_len() + payload.size()) && "UdpRepr::emit: out.bytes().size() == header_len() + payload.size()");
  out.set_src_port(src_port);
  out.set_dst_port(dst_port);
  out.set_length(static_cast<std::uint16_t>(header_len() + payload.size()));
  out.set_checksum(0);
  const MutBytes dst = out.payload();
  if (payload.data() != dst.data()) std::ranges::copy(payload, dst.begin());
  if (mode.fill_tx) {
    const auto c = static_cast<std::uint16_t>(~udp_sum(out.datagram(), ips));
    // RFC 768: "If the computed checksum is zero, it is transmitted as all
    // ones" (0 on the wire would mean "no checksum").
    out.set_checksum(c == 0 ? 0xffff : c);
  }
}

// std::to_string: the caller's stream state (std::hex, a width) cannot change
// the numbers.
std::ostream& operator<<(std::ostream& os, const UdpRepr& r) {
  return os << std::to_string(r.src_port) + " > " + std::to_string(r.dst_port) + ": UDP";
}

namespace detail {
std::ostream& print_udp(std::ostream& os, UdpPacket p) {
  return os << std::to_string(p.src_port()) + " > " + std::to_string(p.dst_port()) + ": UDP, length " +
                   std::to_string(p.payload().size());
}
}  // namespace detail

}  // namespace wirestack
