#include "base/assert.hpp"
#include "wire/ipv4.hpp"

#include <cstdlib>
#include <iomanip>
#include <string_view>

#include "wire/ecn.hpp"

namespace wirestack {

namespace {

// RFC 791 3.1: "Case 1: A single octet of option-type. Case 2: An option-type
// octet, an option-length octet, and the actual option-data octets. The
// option-length octet counts the option-type octet and the option-length
// octet as well as the option-data octets." Type 0 (End of Option List) ends
// the list and whatever follows it is padding; type 1 (No Operation) is one
// octet. Unknown types are fine (RFC 1122 3.2.1.8: ignore them), lengths that
// run off the options area are not.
bool options_well_formed(Bytes opts) {
  std::size_t i = 0;
  while (i < opts.size()) {
    const std::uint8_t type = load_u8(opts, i);
    if (type == 0) return true;
    if (type == 1) {
      ++i;
      continue;
    }
    if (opts.size() - i < 2) return false;  // no room for the length octet
    const std::size_t len = load_u8(opts, i + 1);
    if (len < 2 || len > opts.size() - i) return false;
    i += len;
  }
  return true;
}

// Precondition: p's version, IHL and buffer hold a whole header with total
// length >= header length (checked() or parse_quoted() saw to it).
Ipv4Repr header_repr(Ipv4Packet p) {
  Ipv4Options options;  // most datagrams have none: no copy
  if (const Bytes area = p.options(); !area.empty()) {
    auto parsed = Ipv4Options::from_bytes(area);  // IHL <= 15: never more than 40 bytes
    WIRESTACK_ASSERT(parsed.has_value());
    options = *parsed;
  }
  return Ipv4Repr{.src = p.src(),
                  .dst = p.dst(),
                  .protocol = p.protocol(),
                  .ttl = p.ttl(),
                  .dscp = p.dscp(),
                  .ecn = p.ecn(),
                  .ident = p.ident(),
                  .dont_fragment = p.dont_fragment(),
                  .more_fragments = p.more_fragments(),
                  .frag_offset = p.frag_offset_bytes(),
                  .options = options,
                  .payload_len = static_cast<std::uint16_t>(p.total_len() - p.header_len())};
}

std::string_view protocol_name(IpProtocol p) {
  switch (static_cast<unsigned>(p)) {  // tcpdump's names
    case 1: return "ICMP";
    case 2: return "IGMP";
    case 6: return "TCP";
    case 17: return "UDP";
    case 41: return "IPv6";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    case 58: return "ICMPv6";
    case 89: return "OSPF";
    case 132: return "SCTP";
    default: return "unknown";
  }
}

}  // namespace

WireResult<Ipv4Repr> Ipv4Repr::parse(Ipv4Packet p, ChecksumMode mode) {
  // RFC 1812 5.2.2: "the router MUST verify the IP header checksum" (and
  // RFC 1122 3.2.1.2 for hosts: "silently discard every datagram that has a
  // bad checksum").
  if (mode.verify_rx && !p.verify_checksum()) return Unexpected{WireError::bad_checksum};
  if (!options_well_formed(p.options())) return Unexpected{WireError::bad_option_length};
  return header_repr(p);
}

WireResult<Ipv4Repr> Ipv4Repr::parse_quoted(Bytes quoted) {
  const Ipv4Packet p(quoted);
  if (quoted.size() < kIpv4MinHeaderLen) return Unexpected{WireError::truncated};
  if (p.version() != 4) return Unexpected{WireError::bad_version};
  if (p.header_len() < kIpv4MinHeaderLen || p.header_len() > quoted.size()) {
    return Unexpected{WireError::bad_header_len};
  }
  if (p.total_len() < p.header_len()) return Unexpected{WireError::bad_length};
  return header_repr(p);
}

void Ipv4Repr::emit(Ipv4PacketMut out, ChecksumMode mode) const {
  WIRESTACK_ASSERT(out.bytes().size() >= header_len());
  WIRESTACK_ASSERT(total_len() <= kIpv4MaxTotalLen);
  WIRESTACK_ASSERT(frag_offset % 8 == 0);
  WIRESTACK_ASSERT(dscp < 64 && ecn < 4);
  out.set_version(4);
  out.set_header_len(header_len());
  out.set_dscp_ecn(static_cast<std::uint8_t>(dscp << 2 | ecn));
  out.set_total_len(static_cast<std::uint16_t>(total_len()));
  out.set_ident(ident);
  // The four setters below cover all 16 bits of the flags/offset word.
  out.set_reserved_flag(false);
  out.set_dont_fragment(dont_fragment);
  out.set_more_fragments(more_fragments);
  out.set_frag_offset_bytes(frag_offset);
  out.set_ttl(ttl);
  out.set_protocol(protocol);
  out.set_checksum(0);
  out.set_src(src);
  out.set_dst(dst);
  // RFC 791 3.1: "The internet header padding is used to ensure that the
  // internet header ends on a 32 bit boundary. The padding is zero."
  const auto opts = out.options();
  const auto tail = std::ranges::copy(options.bytes(), opts.begin()).out;
  std::fill(tail, opts.end(), std::byte{0});
  if (mode.fill_tx) out.fill_checksum();
}

std::ostream& operator<<(std::ostream& os, const Ipv4Repr& r) {
  os << "IP " << r.src << " > " << r.dst << ": ";
  const unsigned tos = static_cast<unsigned>(r.dscp) << 2 | r.ecn;
  if (tos != 0) {
    const auto flags = os.flags();
    os << "tos 0x" << std::hex << tos;
    os.flags(flags);
    if (r.ecn != 0) os << ' ' << ecn::name(r.ecn);  // RFC 3168, as tcpdump shows it
    os << ", ";
  }
  os << "ttl " << static_cast<unsigned>(r.ttl) << ", id " << r.ident;
  if (r.dont_fragment) os << ", DF";
  if (r.more_fragments) os << ", MF";
  if (r.frag_offset != 0) os << ", offset " << r.frag_offset;
  if (!r.options.empty()) os << ", options " << r.options.size() << " bytes";
  return os << ", proto " << protocol_name(r.protocol) << " (" << static_cast<unsigned>(r.protocol) << "), length "
            << r.total_len();
}

std::uint8_t decrement_ttl(Ipv4PacketMut p) {
  const std::uint8_t ttl = p.ttl();
  WIRESTACK_ASSERT(ttl > 0);
  const auto new_ttl = static_cast<std::uint8_t>(ttl - 1);
  // TTL is the high byte of the 16-bit word it shares with the protocol.
  // An incremental update also carries an existing checksum error along,
  // where a full recompute would make a corrupted header look valid.
  const auto proto = static_cast<std::uint16_t>(p.protocol());
  const auto old_word = static_cast<std::uint16_t>(ttl << 8 | proto);
  const auto new_word = static_cast<std::uint16_t>(new_ttl << 8 | proto);
  p.set_checksum(checksum::update16(p.checksum(), old_word, new_word));
  p.set_ttl(new_ttl);
  return new_ttl;
}

}  // namespace wirestack
