// iface/offload.hpp — what a NIC with TCP segmentation offload does, done in
// software: for an offloaded frame that cannot go to the device whole (it
// waits for ARP, or the sink has no offloads), and for tests that check what
// the device would put on the wire.
//
//   cut_offloaded(frame, kEthernetHeaderLen, tx.gso_size, [&](Bytes piece) { send(piece); });
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "base/bytes.hpp"

namespace wirestack::iface {

// `packet` holds `l3_offset` bytes of link header (copied to every piece)
// and then one IPv4 datagram carrying a TCP segment whose checksum field
// holds only the pseudo-header's sum (for the whole segment). Calls `out`
// with each piece, in order: with gso_size > 0, the payload cut into
// segments of at most gso_size bytes, each with the headers copied, the
// sequence number, IP total length and identification advanced, FIN and PSH
// on the last piece only, CWR on the first only (cut_piece_flags); with
// gso_size == 0, the packet as it is. Every
// piece has its IPv4 and TCP checksums complete. A piece is valid during the
// call. Returns false (nothing sent) when the packet is not such a datagram.
bool cut_offloaded(Bytes packet, std::size_t l3_offset, std::uint16_t gso_size,
                   const std::function<void(Bytes piece)>& out);

// The TCP flags (header byte 13) of one piece of a cut segment, as a TSO
// device and Linux's tcp_gso_segment set them: FIN and PSH on the last piece
// only, CWR on the first only (RFC 3168 6.1.2: one CWR per reduction; a CWR
// on a later piece would end the receiver's ECN-Echo of a CE mark that came
// on an earlier one). Software GSO (Interface::send_segment) cuts the same way.
constexpr std::uint8_t cut_piece_flags(std::uint8_t flags, bool first, bool last) {
  constexpr std::uint8_t kFin = 0x01;
  constexpr std::uint8_t kPsh = 0x08;
  constexpr std::uint8_t kCwr = 0x80;
  if (!last) flags = static_cast<std::uint8_t>(flags & ~(kFin | kPsh));
  if (!first) flags = static_cast<std::uint8_t>(flags & ~kCwr);
  return flags;
}

}  // namespace wirestack::iface
