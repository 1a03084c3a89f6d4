// wire/dissect.hpp — a frame taken apart layer by layer, for people.
//
// dissect() parses an Ethernet frame as far down as it can (Ethernet, then
// a spanning tree BPDU (802.3/LLC), ARP, IPv4 or IPv6 with its extension headers, then ICMPv4, ICMPv6 with its
// Neighbor Discovery options, UDP or TCP) with every check of wire/ switched on,
// and keeps both the parsed Reprs (for tests and tools) and one text line per
// layer (for `wirestack decode` and the simulator's narrative). A check that
// fails does not stop the dissection where the bytes still make sense: a bad
// checksum is reported and the layer is still shown, so a user sees *what* was
// wrong with *which* packet.
//
//   Dissection d = dissect(frame);
//   for (const auto& l : d.layers) std::cout << l.layer << ' ' << l.text << '\n';
//   if (!d.ok()) ...  // d.problems names each failed check and its layer
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "wire/arp.hpp"
#include "wire/error.hpp"
#include "wire/ethernet.hpp"
#include "wire/icmpv4.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/ndisc.hpp"
#include "wire/stp.hpp"
#include "wire/tcp.hpp"
#include "wire/udp.hpp"

namespace wirestack {

// The five-layer model of the seed: physical, link, network, transport,
// application. A capture starts at the link layer.
enum class ModelLayer : std::uint8_t { link, network, transport, application };
std::string_view to_string(ModelLayer l);

struct DissectedLayer {
  ModelLayer layer;
  std::string protocol;  // "Ethernet", "STP", "ARP", "IPv4", "IPv6", "HopOpts", "DstOpts", "Routing", "Fragment", "ICMP", "ICMPv6", "UDP", "TCP", "data"
  std::string text;      // tcpdump-like summary of this header
};

struct DissectProblem {
  std::string protocol;  // the layer whose check failed
  WireError error;
  std::string detail;    // e.g. "header says 0x1234, computed 0x4321"
};

struct Dissection {
  std::optional<EthernetRepr> ethernet;
  std::optional<ArpRepr> arp;
  std::optional<BpduRepr> bpdu;     // an IEEE 802.3/LLC frame carrying a spanning tree BPDU
  std::optional<Ipv4Repr> ipv4;
  std::optional<Icmpv4Repr> icmpv4;  // borrows from the frame
  std::optional<Ipv6Repr> ipv6;
  std::vector<IpProtocol> ipv6_extensions;         // the extension headers shown, in order
  std::optional<Ipv6FragmentHeader> ipv6_fragment;
  std::optional<Icmpv6Repr> icmpv6;  // borrows from the frame
  std::optional<NdOptions> nd_options;  // of an ND message; borrows from the frame
  std::optional<UdpRepr> udp;
  std::optional<TcpRepr> tcp;
  std::size_t payload_len = 0;       // application bytes after the transport header
  std::uint16_t ipv4_checksum = 0;   // as on the wire (for cross-checks)
  std::uint16_t l4_checksum = 0;     // ICMP/ICMPv6/UDP/TCP checksum field as on the wire
  bool l4_checksum_verified = false; // false for fragments, whose sum covers other frames

  std::vector<DissectedLayer> layers;
  std::vector<DissectProblem> problems;

  bool ok() const { return problems.empty(); }
};

Dissection dissect(Bytes frame);

}  // namespace wirestack
