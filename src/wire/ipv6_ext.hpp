// wire/ipv6_ext.hpp — the IPv6 extension-header chain walker (RFC 8200
// 4.1-4.7, RFC 5095, RFC 7112, RFC 6946, RFC 8504 5.3), mirroring Linux's
// ipv6_rcv() -> ip6_parse_tlv() / ipv6_rthdr_rcv() / ipv6_frag_rcv().
//
// walk_ipv6_chain() reads the headers after the fixed header, in order, as
// the packet's destination does, and answers what to do with the packet:
//  * Ipv6Deliver: hand the bytes from `offset` (counted from the start of the
//    IPv6 header) to upper-layer protocol `protocol`. If a Fragment header was
//    seen, `fragment` holds it: a real fragment (not atomic()) goes to the
//    reassembler (ip/reassembler6.hpp) instead; an atomic fragment (offset 0,
//    M = 0) is a whole packet and is processed in isolation (RFC 6946 4).
//    For a fragment whose offset is not 0 the walk stops at the Fragment
//    header: what follows is the middle of someone else's data.
//    The walker does not know which upper layers the host implements: if
//    `protocol` is not one, RFC 8200 4 asks for Parameter Problem code 1
//    pointing at `next_header_pointer`.
//  * Ipv6Drop: discard silently, for the named reason (count it).
//  * Ipv6ParamProblem: discard and answer ICMPv6 Parameter Problem (RFC 4443
//    3.4) with `code` and `pointer` (offset of the offending byte from the
//    start of the IPv6 header) — subject to RFC 4443 2.4(e) (no errors about
//    multicast destinations but for code 2, see icmpv6_error_allowed()) and
//    to rate limiting, both the interface's business.
//
// The rules, each at the branch that implements it in ipv6_ext.cpp:
//  * Hop-by-Hop Options must come first (RFC 8200 4.3, 4.1): anywhere else is
//    Parameter Problem code 1 at the Next Header byte that names it.
//  * Options (Hop-by-Hop, Destination, RFC 8200 4.2): Pad1/PadN skipped;
//    more than 7 consecutive padding bytes, or PadN with nonzero data, drop
//    (RFC 4942 2.1.9.5, Linux ip6_parse_tlv()); an option running past its
//    header drops; an unrecognised option acts on its two high bits: 00 skip,
//    01 discard, 10 discard + Parameter Problem code 2 at the option type,
//    11 the same unless the destination is multicast (then discard only).
//    Router Alert (RFC 2711) is recognised in Hop-by-Hop.
//  * Routing (RFC 8200 4.4, RFC 5095 3): no routing type is implemented;
//    with Segments Left 0 the header is ignored, otherwise Parameter Problem
//    code 0 pointing at the Routing Type (type 0 included: RFC 5095).
//  * Fragment (RFC 8200 4.5): a fragment with M = 1 whose fragmentable part
//    is not a multiple of 8 bytes is Parameter Problem code 0 at the Payload
//    Length; one whose offset + length would make a packet longer than 65535
//    bytes is code 0 at the Fragment Offset. The first fragment (offset 0,
//    M = 1) must hold the whole header chain up to and including the upper
//    layer's header (RFC 7112 5, RFC 8200 4.5): otherwise Parameter Problem
//    code 3, pointer 0. Only one Fragment header is accepted.
//  * No Next Header (59, RFC 8200 4.7): nothing to deliver: drop.
//  * An extension header that runs past the payload: drop (`truncated`).
//  * Bounds against abuse: at most `max_headers` extension headers, the
//    chain at most `max_chain_len` bytes, at most `max_options` non-padding
//    options per options header (Linux's max_{hbh,dst}_opts_number, 8).
//    Loops are impossible: every step moves forward by at least 8 bytes.
//
//   auto ip = Ipv6Packet::checked(bytes);
//   auto chain = walk_ipv6_chain(*ip);
//   if (auto* d = std::get_if<Ipv6Deliver>(&chain)) {
//     if (d->fragment && !d->fragment->header.atomic()) return reassemble(*ip, *d->fragment);
//     deliver(d->protocol, ip->packet().subspan(d->offset));
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>
#include <variant>

#include "wire/ipv6.hpp"

namespace wirestack {

struct Ipv6ChainLimits {
  std::size_t max_headers = 8;      // extension headers per packet
  std::size_t max_chain_len = 1024;  // bytes of extension headers per packet
  std::size_t max_options = 8;      // non-padding options per options header
  // A router forwarding the packet: process Hop-by-Hop only (RFC 8200 4)
  // and deliver what follows it, whatever it is.
  bool hop_by_hop_only = false;
};

// Why a packet was dropped (silently, or with a Parameter Problem).
enum class Ipv6ChainDrop : std::uint8_t {
  truncated,              // an extension header runs past the payload
  too_many_headers,       // more than max_headers
  chain_too_long,         // more than max_chain_len bytes
  too_many_options,       // more than max_options in one header
  padding_too_long,       // more than 7 consecutive padding bytes
  nonzero_padding,        // PadN data not zero
  bad_option_length,      // option runs past its header
  unknown_option,         // action bits 01 (or 11 with a multicast destination): silent
  unknown_option_icmp,    // action bits 10/11: Parameter Problem code 2
  hop_by_hop_not_first,   // Parameter Problem code 1
  routing_unsupported,    // segments left != 0 (type 0 included): code 0
  fragment_not_multiple_of_8,  // code 0, pointer 4
  fragment_too_long,      // offset + length > 65535: code 0, pointer at the offset
  incomplete_first_fragment,   // RFC 7112: code 3, pointer 0
  repeated_fragment_header,    // a second Fragment header
  no_next_header,         // 59: nothing follows (not an error)
};

std::string_view to_string(Ipv6ChainDrop d);
std::ostream& operator<<(std::ostream& os, Ipv6ChainDrop d);

// RFC 4443 3.4 Parameter Problem codes.
enum class Icmpv6ParamProblemCode : std::uint8_t {
  erroneous_header = 0,
  unrecognized_next_header = 1,
  unrecognized_option = 2,
  incomplete_chain = 3,  // RFC 7112
};

struct Ipv6FragmentInfo {
  Ipv6FragmentHeader header{};
  std::size_t header_offset = 0;       // where the Fragment header starts
  std::size_t next_header_field = 0;   // offset of the byte that names it (6 for the fixed header)

  // Unfragmentable part: [0, header_offset); fragment data: from
  // header_offset + 8 to the end of the payload.
  std::size_t data_offset() const { return header_offset + kIpv6FragmentHeaderLen; }

  friend bool operator==(const Ipv6FragmentInfo&, const Ipv6FragmentInfo&) = default;
};

struct Ipv6Deliver {
  IpProtocol protocol{};                 // upper layer (or, for a fragment, the fragment header's next header)
  std::size_t offset = 0;                // where its bytes start, from the start of the IPv6 header
  std::size_t next_header_pointer = 6;   // offset of the Next Header byte that names `protocol`
  std::size_t header_count = 0;          // extension headers walked
  std::optional<Ipv6FragmentInfo> fragment;

  friend bool operator==(const Ipv6Deliver&, const Ipv6Deliver&) = default;
};

struct Ipv6Drop {
  Ipv6ChainDrop reason{};
  friend bool operator==(const Ipv6Drop&, const Ipv6Drop&) = default;
};

struct Ipv6ParamProblem {
  Ipv6ChainDrop reason{};
  Icmpv6ParamProblemCode code{};
  std::uint32_t pointer = 0;  // from the start of the IPv6 header
  friend bool operator==(const Ipv6ParamProblem&, const Ipv6ParamProblem&) = default;
};

using Ipv6ChainResult = std::variant<Ipv6Deliver, Ipv6Drop, Ipv6ParamProblem>;

// Walks `p`'s extension headers (p from Ipv6Packet::checked()). Never reads
// past p.packet(); never allocates.
Ipv6ChainResult walk_ipv6_chain(Ipv6Packet p, const Ipv6ChainLimits& limits = {});

// The Unfragmentable Part's length (RFC 8200 4.5): the fixed header, then
// Hop-by-Hop, and everything up to and including the last Routing header
// (Destination Options before it are for the routers on its list). A
// fragmenter inserts the Fragment header there. Stops at the first header
// that is not Hop-by-Hop, Routing or Destination Options, or that runs past
// the packet.
std::size_t ipv6_unfragmentable_len(Ipv6Packet p);

// Minimum header length of the upper layers the walker knows (TCP 20, UDP 8,
// ICMPv6 4); 0 for others. RFC 7112 asks for the whole upper-layer header in
// the first fragment; Linux's ipv6frag_thdr_truncated() checks these.
std::size_t ipv6_upper_header_min_len(IpProtocol p);

}  // namespace wirestack
