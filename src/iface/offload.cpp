// iface/offload.cpp — see offload.hpp.
#include "iface/offload.hpp"

#include <algorithm>

#include "wire/checksum.hpp"

namespace wirestack::iface {

bool cut_offloaded(Bytes packet, std::size_t l3_offset, std::uint16_t gso_size,
                   const std::function<void(Bytes piece)>& out) {
  if (packet.size() < l3_offset + 20) return false;
  const Bytes ip = packet.subspan(l3_offset);
  const std::size_t ihl = (std::to_integer<std::size_t>(ip[0]) & 0x0f) * 4;
  if ((std::to_integer<unsigned>(ip[0]) >> 4) != 4 || ihl < 20 || std::to_integer<unsigned>(ip[9]) != 6) return false;
  const std::size_t total = load_be16(ip, 2);
  if (total > ip.size() || total < ihl + 20) return false;
  const std::size_t thl = (std::to_integer<std::size_t>(ip[ihl + 12]) >> 4) * 4;
  if (thl < 20 || ihl + thl > total) return false;
  const std::size_t headers = ihl + thl;
  const std::size_t payload = total - headers;
  const std::size_t unit = gso_size == 0 ? std::max<std::size_t>(payload, 1) : gso_size;
  const std::uint32_t src = load_be32(ip, 12);
  const std::uint32_t dst = load_be32(ip, 16);
  const std::uint32_t seq = load_be32(ip, ihl + 4);
  const std::uint16_t ident = load_be16(ip, 4);
  const auto flags = std::to_integer<std::uint8_t>(ip[ihl + 13]);

  ByteVec piece;
  std::size_t k = 0;
  for (std::size_t at = 0; k == 0 || at < payload; at += unit, ++k) {
    const std::size_t n = std::min(unit, payload - at);
    const bool last = at + n >= payload;
    piece.assign(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(l3_offset + headers));
    piece.insert(piece.end(), ip.begin() + static_cast<std::ptrdiff_t>(headers + at),
                 ip.begin() + static_cast<std::ptrdiff_t>(headers + at + n));
    const MutBytes d = MutBytes(piece).subspan(l3_offset);
    store_be16(d, 2, static_cast<std::uint16_t>(headers + n));
    store_be16(d, 4, static_cast<std::uint16_t>(ident + k));
    store_be16(d, 10, 0);
    store_be16(d, 10, checksum::compute(Bytes(d).first(ihl)));
    store_be32(d, ihl + 4, seq + static_cast<std::uint32_t>(at));
    d[ihl + 13] = std::byte{cut_piece_flags(flags, k == 0, last)};
    store_be16(d, ihl + 16, 0);
    const auto pseudo = checksum::pseudo_header_v4(src, dst, 6, static_cast<std::uint16_t>(thl + n));
    store_be16(d, ihl + 16, checksum::compute(Bytes(d).subspan(ihl), pseudo));
    out(piece);
  }
  return true;
}

}  // namespace wirestack::iface
