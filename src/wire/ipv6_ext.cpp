#include "wire/ipv6_ext.hpp"

namespace wirestack {

namespace {

constexpr std::uint8_t kOptPad1 = 0;
constexpr std::uint8_t kOptPadN = 1;
constexpr std::uint8_t kOptRouterAlert = 5;  // RFC 2711, Hop-by-Hop only
// RFC 8200 4.2 / RFC 4942 2.1.9.5: padding exists to align to 8 bytes, so
// more than 7 consecutive padding bytes is abuse (Linux ip6_parse_tlv()).
constexpr std::size_t kMaxPadding = 7;

bool is_extension(IpProtocol p) {
  return p == ipv6_next::kHopByHop || p == ipv6_next::kRouting || p == ipv6_next::kFragment ||
         p == ipv6_next::kDestOptions;
}

// One Hop-by-Hop or Destination Options header at [begin, end) of `pkt`.
// nullopt: every option is fine, go on.
std::optional<Ipv6ChainResult> walk_options(Bytes pkt, std::size_t begin, std::size_t end, bool hop_by_hop,
                                            bool dst_multicast, const Ipv6ChainLimits& limits) {
  std::size_t i = begin + 2;  // after Next Header and Hdr Ext Len
  std::size_t padding = 0;
  std::size_t options = 0;
  while (i < end) {
    const std::uint8_t type = load_u8(pkt, i);
    // RFC 8200 4.2: "Pad1 ... has no length and value fields."
    if (type == kOptPad1) {
      if (++padding > kMaxPadding) return Ipv6Drop{Ipv6ChainDrop::padding_too_long};
      ++i;
      continue;
    }
    if (end - i < 2) return Ipv6Drop{Ipv6ChainDrop::bad_option_length};
    const std::size_t len = load_u8(pkt, i + 1);
    if (len > end - i - 2) return Ipv6Drop{Ipv6ChainDrop::bad_option_length};
    if (type == kOptPadN) {
      padding += 2 + len;
      if (padding > kMaxPadding) return Ipv6Drop{Ipv6ChainDrop::padding_too_long};
      // RFC 4942 2.1.9.5 recommends checking that PadN carries only zeros
      // (Linux does): otherwise it is a covert channel.
      for (std::size_t k = i + 2; k < i + 2 + len; ++k) {
        if (load_u8(pkt, k) != 0) return Ipv6Drop{Ipv6ChainDrop::nonzero_padding};
      }
      i += 2 + len;
      continue;
    }
    padding = 0;
    // RFC 8504 5.3: a host may bound the number of options it processes.
    if (++options > limits.max_options) return Ipv6Drop{Ipv6ChainDrop::too_many_options};
    if (hop_by_hop && type == kOptRouterAlert) {
      // RFC 2711 2.1: "Opt Data Len = 2".
      if (len != 2) return Ipv6Drop{Ipv6ChainDrop::bad_option_length};
      i += 2 + len;
      continue;
    }
    // RFC 8200 4.2: "The Option Type identifiers are internally encoded
    // such that their highest-order 2 bits specify the action that must be
    // taken if the processing IPv6 node does not recognize the Option Type."
    switch (type >> 6) {
      case 0:  // "00 - skip over this option and continue processing the header."
        break;
      case 1:  // "01 - discard the packet."
        return Ipv6Drop{Ipv6ChainDrop::unknown_option};
      case 2:  // "10 - discard the packet and, regardless of whether or not the packet's Destination
               // Address was a multicast address, send an ICMP Parameter Problem, Code 2, message"
        return Ipv6ParamProblem{Ipv6ChainDrop::unknown_option_icmp, Icmpv6ParamProblemCode::unrecognized_option,
                                static_cast<std::uint32_t>(i)};
      default:  // "11 - ... only if the packet's Destination Address was not a multicast address."
        if (dst_multicast) return Ipv6Drop{Ipv6ChainDrop::unknown_option};
        return Ipv6ParamProblem{Ipv6ChainDrop::unknown_option_icmp, Icmpv6ParamProblemCode::unrecognized_option,
                                static_cast<std::uint32_t>(i)};
    }
    i += 2 + len;
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Ipv6ChainDrop d) {
  switch (d) {
    case Ipv6ChainDrop::truncated: return "extension header truncated";
    case Ipv6ChainDrop::too_many_headers: return "too many extension headers";
    case Ipv6ChainDrop::chain_too_long: return "extension header chain too long";
    case Ipv6ChainDrop::too_many_options: return "too many options";
    case Ipv6ChainDrop::padding_too_long: return "more than 7 padding bytes";
    case Ipv6ChainDrop::nonzero_padding: return "PadN with nonzero data";
    case Ipv6ChainDrop::bad_option_length: return "bad option length";
    case Ipv6ChainDrop::unknown_option: return "unrecognized option (discard)";
    case Ipv6ChainDrop::unknown_option_icmp: return "unrecognized option";
    case Ipv6ChainDrop::hop_by_hop_not_first: return "hop-by-hop header not first";
    case Ipv6ChainDrop::routing_unsupported: return "unsupported routing header";
    case Ipv6ChainDrop::fragment_not_multiple_of_8: return "fragment length not a multiple of 8";
    case Ipv6ChainDrop::fragment_too_long: return "fragment past 65535 bytes";
    case Ipv6ChainDrop::incomplete_first_fragment: return "first fragment without the whole header chain";
    case Ipv6ChainDrop::repeated_fragment_header: return "second fragment header";
    case Ipv6ChainDrop::no_next_header: return "no next header";
  }
  return "unknown";
}

std::ostream& operator<<(std::ostream& os, Ipv6ChainDrop d) { return os << to_string(d); }

std::size_t ipv6_upper_header_min_len(IpProtocol p) {
  switch (p) {
    case IpProtocol::tcp: return 20;
    case IpProtocol::udp: return 8;
    case IpProtocol::icmpv6: return 4;
    default: return 0;
  }
}

Ipv6ChainResult walk_ipv6_chain(Ipv6Packet p, const Ipv6ChainLimits& limits) {
  const Bytes pkt = p.packet();
  const bool dst_multicast = p.dst().is_multicast();
  IpProtocol next = p.next_header();
  std::size_t next_ptr = ipv6_field::kNextHeader.begin;
  std::size_t off = kIpv6HeaderLen;
  std::size_t count = 0;
  std::optional<Ipv6FragmentInfo> frag;

  // RFC 7112 5 / RFC 8200 4.5: "If the first fragment does not include all
  // headers through an Upper-Layer header, then that fragment should be
  // discarded and an ICMP Parameter Problem, Code 3, message should be sent
  // to the source of the fragment, with the Pointer field set to zero."
  // An unfragmented packet that ends inside its chain is merely truncated.
  const auto cut_short = [&]() -> Ipv6ChainResult {
    if (frag && frag->header.offset == 0 && frag->header.more_fragments) {
      return Ipv6ParamProblem{Ipv6ChainDrop::incomplete_first_fragment, Icmpv6ParamProblemCode::incomplete_chain, 0};
    }
    return Ipv6Drop{Ipv6ChainDrop::truncated};
  };

  // Each pass consumes one header of at least 8 bytes: the loop ends.
  for (;;) {
    // RFC 8200 4.7: "The value 59 in the Next Header field ... indicates that
    // there is nothing following that header."
    if (next == ipv6_next::kNoNext) return Ipv6Drop{Ipv6ChainDrop::no_next_header};
    // RFC 8200 4.1: "The Hop-by-Hop Options header, when present, must
    // immediately follow the IPv6 header"; RFC 8200 4: an unrecognised Next
    // Header value is Parameter Problem code 1 at that value (Linux
    // ip6_input_finish() treats a late Hop-by-Hop the same).
    if (next == ipv6_next::kHopByHop && off != kIpv6HeaderLen) {
      return Ipv6ParamProblem{Ipv6ChainDrop::hop_by_hop_not_first, Icmpv6ParamProblemCode::unrecognized_next_header,
                              static_cast<std::uint32_t>(next_ptr)};
    }
    if (!is_extension(next) || (limits.hop_by_hop_only && next != ipv6_next::kHopByHop)) {
      if (frag && frag->header.offset == 0 && frag->header.more_fragments &&
          pkt.size() - off < ipv6_upper_header_min_len(next)) {
        return cut_short();  // the upper layer's header must be in the first fragment too
      }
      return Ipv6Deliver{
          .protocol = next, .offset = off, .next_header_pointer = next_ptr, .header_count = count, .fragment = frag};
    }
    if (++count > limits.max_headers) return Ipv6Drop{Ipv6ChainDrop::too_many_headers};
    if (pkt.size() - off < 8) return cut_short();  // every extension header is at least 8 bytes
    const std::size_t len =
        next == ipv6_next::kFragment ? kIpv6FragmentHeaderLen : (std::size_t{load_u8(pkt, off + 1)} + 1) * 8;
    if (len > pkt.size() - off) return cut_short();
    if (off + len - kIpv6HeaderLen > limits.max_chain_len) return Ipv6Drop{Ipv6ChainDrop::chain_too_long};

    if (next == ipv6_next::kHopByHop || next == ipv6_next::kDestOptions) {
      if (auto r = walk_options(pkt, off, off + len, next == ipv6_next::kHopByHop, dst_multicast, limits)) return *r;
    } else if (next == ipv6_next::kRouting) {
      // RFC 8200 4.4: "If Segments Left is zero, the node must ignore the
      // Routing header and proceed to process the next header in the
      // packet"; "If Segments Left is non-zero, the node must discard the
      // packet and send an ICMP Parameter Problem, Code 0, message to the
      // packet's Source Address, pointing to the unrecognized Routing Type."
      // We implement no routing type. RFC 5095 3: a type 0 header is to be
      // treated exactly as an unrecognised type.
      if (load_u8(pkt, off + 3) != 0) {
        return Ipv6ParamProblem{Ipv6ChainDrop::routing_unsupported, Icmpv6ParamProblemCode::erroneous_header,
                                static_cast<std::uint32_t>(off + 2)};
      }
    } else {  // Fragment
      if (frag) return Ipv6Drop{Ipv6ChainDrop::repeated_fragment_header};
      const auto header = Ipv6FragmentHeader::parse(pkt.subspan(off));  // 8 bytes are there
      if (!header) return Ipv6Drop{Ipv6ChainDrop::truncated};
      frag = Ipv6FragmentInfo{.header = *header, .header_offset = off, .next_header_field = next_ptr};
      const std::size_t data_len = pkt.size() - off - kIpv6FragmentHeaderLen;
      // RFC 8200 4.5: "If the length of a fragment, as derived from the
      // fragment packet's Payload Length field, is not a multiple of 8
      // octets and the M flag of that fragment is 1, then that fragment must
      // be discarded and an ICMP Parameter Problem, Code 0, message should be
      // sent to the source of the fragment, with the Pointer field set to the
      // Payload Length field of the fragment packet."
      if (header->more_fragments && data_len % 8 != 0) {
        return Ipv6ParamProblem{Ipv6ChainDrop::fragment_not_multiple_of_8, Icmpv6ParamProblemCode::erroneous_header,
                                static_cast<std::uint32_t>(ipv6_field::kPayloadLen.begin)};
      }
      // "If the length and offset of a fragment are such that the Payload
      // Length of the packet reassembled from that fragment would exceed
      // 65,535 octets, then that fragment must be discarded and an ICMP
      // Parameter Problem, Code 0, message should be sent to the source of
      // the fragment, with the Pointer field set to the Fragment Offset field
      // of the fragment packet."
      if (off - kIpv6HeaderLen + header->offset + data_len > kIpv6MaxPayloadLen) {
        return Ipv6ParamProblem{Ipv6ChainDrop::fragment_too_long, Icmpv6ParamProblemCode::erroneous_header,
                                static_cast<std::uint32_t>(off + ipv6_frag_field::kOffsetFlags.begin)};
      }
      if (header->offset != 0) {
        // A later fragment: the rest is data; reassembly decides.
        return Ipv6Deliver{.protocol = header->next_header,
                           .offset = off + kIpv6FragmentHeaderLen,
                           .next_header_pointer = off,
                           .header_count = count,
                           .fragment = frag};
      }
      // Offset 0: an atomic fragment (RFC 6946 4, "processed in isolation")
      // or a first fragment, whose chain must go on to the upper layer.
    }
    next = IpProtocol{load_u8(pkt, off)};  // every extension header starts with Next Header
    next_ptr = off;
    off += len;
  }
}

std::size_t ipv6_unfragmentable_len(Ipv6Packet p) {
  const Bytes pkt = p.packet();
  IpProtocol next = p.next_header();
  std::size_t off = kIpv6HeaderLen;
  std::size_t unfragmentable = kIpv6HeaderLen;
  while ((next == ipv6_next::kHopByHop || next == ipv6_next::kRouting || next == ipv6_next::kDestOptions) &&
         pkt.size() - off >= 8) {
    const std::size_t len = (std::size_t{load_u8(pkt, off + 1)} + 1) * 8;
    if (len > pkt.size() - off) break;
    // RFC 8200 4.5: "The Unfragmentable Part consists of the IPv6 header
    // plus any extension headers that must be processed by nodes en route
    // to the destination, that is, all headers up to and including the
    // Routing header if present, else the Hop-by-Hop Options header if
    // present, else no extension headers."
    if (next != ipv6_next::kDestOptions) unfragmentable = off + len;
    next = IpProtocol{load_u8(pkt, off)};
    off += len;
  }
  return unfragmentable;
}

}  // namespace wirestack
