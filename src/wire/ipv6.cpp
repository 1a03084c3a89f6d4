#include "wire/ipv6.hpp"

#include <algorithm>

#include "base/assert.hpp"
#include "wire/ecn.hpp"

namespace wirestack {

std::string_view ipv6_next_header_name(IpProtocol p) {
  switch (static_cast<unsigned>(p)) {  // tcpdump's names (print-ip6.c, ipproto.c)
    case 0: return "Options";
    case 1: return "ICMP";
    case 4: return "IPIP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 41: return "IPv6";
    case 43: return "Routing";
    case 44: return "Fragment";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    case 58: return "ICMPv6";
    case 59: return "NONE";
    case 60: return "DSTOPT";
    case 132: return "SCTP";
    case 135: return "Mobility";
    default: return "unknown";
  }
}

Ipv6Repr Ipv6Repr::parse(Ipv6Packet p) {
  return Ipv6Repr{.src = p.src(),
                  .dst = p.dst(),
                  .next_header = p.next_header(),
                  .hop_limit = p.hop_limit(),
                  .traffic_class = p.traffic_class(),
                  .flow_label = p.flow_label(),
                  .payload_len = p.payload_len()};
}

WireResult<Ipv6Repr> Ipv6Repr::parse_quoted(Bytes quoted) {
  if (quoted.size() < kIpv6HeaderLen) return Unexpected{WireError::truncated};
  const Ipv6Packet p(quoted);
  if (p.version() != 6) return Unexpected{WireError::bad_version};
  return parse(p);
}

void Ipv6Repr::emit(Ipv6PacketMut out) const {
  WIRESTACK_ASSERT(out.bytes().size() >= kIpv6HeaderLen);
  WIRESTACK_ASSERT(flow_label <= 0xfffff);
  // RFC 8200 3: version 6, then traffic class and flow label in one word.
  store_be32(out.bytes(), 0, std::uint32_t{6} << 28 | std::uint32_t{traffic_class} << 20 | flow_label);
  out.set_payload_len(payload_len);
  out.set_next_header(next_header);
  out.set_hop_limit(hop_limit);
  out.set_src(src);
  out.set_dst(dst);
}

std::ostream& operator<<(std::ostream& os, const Ipv6Repr& r) {
  os << "IP6 " << r.src << " > " << r.dst << ": ";
  const auto flags = os.flags();
  if (r.traffic_class != 0) {
    os << "class 0x" << std::hex << unsigned{r.traffic_class} << std::dec;
    if ((r.traffic_class & 3) != 0) os << ' ' << ecn::name(r.traffic_class);  // RFC 3168
    os << ", ";
  }
  if (r.flow_label != 0) os << "flowlabel 0x" << std::hex << r.flow_label << ", ";
  os.flags(flags);
  return os << "hlim " << unsigned{r.hop_limit} << ", next-header " << ipv6_next_header_name(r.next_header) << " ("
            << static_cast<unsigned>(r.next_header) << "), payload length " << r.payload_len;
}

WireResult<Ipv6FragmentHeader> Ipv6FragmentHeader::parse(Bytes b) {
  if (b.size() < kIpv6FragmentHeaderLen) return Unexpected{WireError::truncated};
  const std::uint16_t word = load_be16(b, ipv6_frag_field::kOffsetFlags.begin);
  return Ipv6FragmentHeader{.next_header = IpProtocol{load_u8(b, ipv6_frag_field::kNextHeader.begin)},
                            .offset = static_cast<std::uint16_t>(word & 0xfff8),  // 13 bits x 8: already bytes
                            .more_fragments = (word & 0x0001) != 0,
                            .ident = load_be32(b, ipv6_frag_field::kIdent.begin)};
}

void Ipv6FragmentHeader::emit(MutBytes out) const {
  WIRESTACK_ASSERT(out.size() >= kIpv6FragmentHeaderLen);
  WIRESTACK_ASSERT(offset % 8 == 0);
  store_u8(out, ipv6_frag_field::kNextHeader.begin, static_cast<std::uint8_t>(next_header));
  store_u8(out, ipv6_frag_field::kReserved.begin, 0);
  store_be16(out, ipv6_frag_field::kOffsetFlags.begin, static_cast<std::uint16_t>(offset | (more_fragments ? 1 : 0)));
  store_be32(out, ipv6_frag_field::kIdent.begin, ident);
}

std::ostream& operator<<(std::ostream& os, const Ipv6FragmentHeader& f) {
  const auto flags = os.flags();
  os << "frag (0x" << std::hex << f.ident;
  os.flags(flags);
  os << ":" << f.offset;
  if (f.more_fragments) os << ", more";
  return os << ")";
}

std::size_t options_header_len(std::size_t options_len) { return (2 + options_len + 7) / 8 * 8; }

std::size_t emit_options_header(IpProtocol next_header, Bytes options, MutBytes out) {
  const std::size_t len = options_header_len(options.size());
  WIRESTACK_ASSERT(out.size() >= len && len <= 8 * 256);
  store_u8(out, 0, static_cast<std::uint8_t>(next_header));
  // RFC 8200 4.3: "Length of the Hop-by-Hop Options header in 8-octet units,
  // not including the first 8 octets."
  store_u8(out, 1, static_cast<std::uint8_t>(len / 8 - 1));
  std::ranges::copy(options, out.begin() + 2);
  // RFC 8200 4.2: Pad1 for one octet of padding, PadN (type 1, length N-2,
  // N-2 zero octets) for two or more.
  const std::size_t pad_at = 2 + options.size();
  const std::size_t pad = len - pad_at;
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(pad_at), out.begin() + static_cast<std::ptrdiff_t>(len),
            std::byte{0});
  if (pad >= 2) {
    store_u8(out, pad_at, 1);
    store_u8(out, pad_at + 1, static_cast<std::uint8_t>(pad - 2));
  }
  return len;
}

std::uint32_t ipv6_pseudo_header_sum(const Ipv6Address& src, const Ipv6Address& dst, IpProtocol protocol,
                                     std::uint32_t length) {
  std::uint32_t sum = (length >> 16) + (length & 0xffff) + static_cast<std::uint8_t>(protocol);
  for (std::size_t i = 0; i < Ipv6Address::kSize; i += 2) {
    sum += load_be16(src.bytes(), i);
    sum += load_be16(dst.bytes(), i);
  }
  return sum;
}

}  // namespace wirestack
