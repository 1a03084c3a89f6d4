#include "wire/ethernet.hpp"

#include <iomanip>

namespace wirestack {

std::ostream& operator<<(std::ostream& os, EtherType t) {
  switch (t) {
    case EtherType::ipv4: return os << "IPv4";
    case EtherType::arp: return os << "ARP";
    case EtherType::vlan: return os << "802.1Q";
    case EtherType::ipv6: return os << "IPv6";
    default: break;
  }
  const auto flags = os.flags();
  const auto fill = os.fill();
  os << "0x" << std::hex << std::setw(4) << std::setfill('0') << static_cast<unsigned>(t);
  os.flags(flags);
  os.fill(fill);
  return os;
}

WireResult<EthernetRepr> EthernetRepr::parse(EthernetFrame f) {
  EthernetRepr r{.src = f.src(), .dst = f.dst(), .ethertype = f.ethertype(), .vlan = std::nullopt};
  if (f.has_vlan()) r.vlan = VlanTag::from_tci(f.vlan_tci());
  // IEEE 802.3 length field (< 0x0600) means an LLC frame, not Ethernet II.
  if (static_cast<std::uint16_t>(r.ethertype) < 0x0600) return Unexpected{WireError::unsupported};
  return r;
}

void EthernetRepr::emit(EthernetFrameMut out) const {
  out.set_dst(dst);
  out.set_src(src);
  if (vlan) {
    out.set_vlan(vlan->tci(), ethertype);
  } else {
    out.set_ethertype(ethertype);
  }
}

std::ostream& operator<<(std::ostream& os, const EthernetRepr& r) {
  os << r.src << " > " << r.dst;
  if (r.vlan) os << ", vlan " << r.vlan->vid << " p " << static_cast<unsigned>(r.vlan->pcp);
  return os << ", ethertype " << r.ethertype;
}

}  // namespace wirestack
