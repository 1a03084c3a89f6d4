#include "base/assert.hpp"
#include "wire/arp.hpp"

#include <cstdlib>

namespace wirestack {

std::ostream& operator<<(std::ostream& os, ArpOperation op) {
  switch (op) {
    case ArpOperation::request: return os << "Request";
    case ArpOperation::reply: return os << "Reply";
    default: return os << "op " << static_cast<unsigned>(op);
  }
}

WireResult<ArpRepr> ArpRepr::parse(ArpPacket p) {
  // RFC 826 packet reception: "?Do I have the hardware type in ar$hrd? Yes:
  // [optionally check the hardware length ar$hln] ?Do I speak the protocol in
  // ar$pro? Yes: [optionally check the protocol length ar$pln]". We speak
  // Ethernet and IPv4 only, and do check both lengths: the fixed offsets of
  // the view are only right for 6 and 4.
  if (p.hardware_type() != kArpHardwareEthernet || p.protocol_type() != kArpProtocolIpv4) {
    return Unexpected{WireError::unsupported};
  }
  if (p.hardware_len() != MacAddress::kSize || p.protocol_len() != Ipv4Address::kSize) {
    return Unexpected{WireError::bad_field};
  }
  return ArpRepr{.operation = p.operation(),
                 .source_hardware = p.source_hardware(),
                 .source_protocol = p.source_protocol(),
                 .target_hardware = p.target_hardware(),
                 .target_protocol = p.target_protocol()};
}

void ArpRepr::emit(ArpPacketMut out) const {
  WIRESTACK_ASSERT(out.bytes().size() >= kArpPacketLen);
  out.set_hardware_type(kArpHardwareEthernet);
  out.set_protocol_type(kArpProtocolIpv4);
  out.set_hardware_len(static_cast<std::uint8_t>(MacAddress::kSize));
  out.set_protocol_len(static_cast<std::uint8_t>(Ipv4Address::kSize));
  out.set_operation(operation);
  out.set_source_hardware(source_hardware);
  out.set_source_protocol(source_protocol);
  out.set_target_hardware(target_hardware);
  out.set_target_protocol(target_protocol);
}

std::ostream& operator<<(std::ostream& os, const ArpRepr& r) {
  os << "ARP, " << r.operation;
  switch (r.operation) {
    case ArpOperation::request:
      // tcpdump shows the target hardware address only when a request carries one.
      os << " who-has " << r.target_protocol;
      if (!r.target_hardware.is_zero()) os << " (" << r.target_hardware << ")";
      return os << " tell " << r.source_protocol;
    case ArpOperation::reply: return os << ' ' << r.source_protocol << " is-at " << r.source_hardware;
    default:
      return os << ", sender " << r.source_protocol << " (" << r.source_hardware << "), target " << r.target_protocol
                << " (" << r.target_hardware << ")";
  }
}

}  // namespace wirestack
