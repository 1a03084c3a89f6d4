// examples/udp_frame.cpp — build an Ethernet/IPv4/UDP frame from Reprs, then
// take it apart again. Shown in the README; built and run by ctest.
#include <iostream>
#include <vector>

#include "wire/dissect.hpp"

using namespace wirestack;

int main() {
  const auto payload = as_bytes("hello, wire");
  const EthernetRepr eth{.src = *MacAddress::parse("02:00:00:00:00:01"),
                         .dst = *MacAddress::parse("02:00:00:00:00:02"),
                         .ethertype = EtherType::ipv4};
  const UdpRepr udp{.src_port = 40000, .dst_port = 7};
  const Ipv4Repr ip{.src = *Ipv4Address::parse("10.0.0.1"),
                    .dst = *Ipv4Address::parse("10.0.0.2"),
                    .protocol = IpProtocol::udp,
                    .payload_len = static_cast<std::uint16_t>(udp.header_len() + payload.size())};

  // Sizes first, one buffer, then each layer into its own subspan.
  std::vector<std::byte> frame(eth.header_len() + ip.total_len());
  EthernetFrameMut e(frame);
  eth.emit(e);
  Ipv4PacketMut i(e.payload());
  ip.emit(i);
  udp.emit(UdpPacketMut(i.payload()), {ip.src, ip.dst}, payload);

  const Dissection d = dissect(frame);
  for (const auto& layer : d.layers) std::cout << to_string(layer.layer) << ": " << layer.text << "\n";
  return d.ok() && d.udp == udp ? 0 : 1;
}
