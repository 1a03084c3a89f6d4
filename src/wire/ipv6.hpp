// wire/ipv6.hpp — the IPv6 fixed header (RFC 8200 3) and the Fragment
// header (RFC 8200 4.5); the extension-header chain walker is in
// wire/ipv6_ext.hpp.
//
//    0       1       2               4               6       7       8
//   |ver| traffic class | flow label (20 bits)       | payload length | next hdr | hop limit |
//   | source address (16 bytes) ...                  destination address (16 bytes) ...
//   | payload (payload length bytes: extension headers, then the upper layer) ...
//
// Contract (see wire/error.hpp). Ipv6Packet::checked() guarantees, in this
// order: 40 bytes (`truncated`), version 6 (`bad_version`), 40 + payload
// length <= buffer (`bad_length`). The payload is sized by the payload length
// field, never by the buffer: bytes after it (Ethernet padding) are ignored.
// Jumbograms (payload length 0 with a Jumbo Payload option, RFC 2675) are not
// supported: a payload length of 0 is an empty payload. Ipv6Repr::parse()
// adds no check of its own (IPv6 has no header checksum, RFC 8200 3); which
// addresses are acceptable (no multicast source, no IPv4-mapped addresses,
// RFC 4291 2.7, RFC 4942 2.2) is the interface's decision.
//
//   auto ip = Ipv6Packet::checked(eth.payload());
//   if (!ip) return drop(ip.error());
//   auto repr = Ipv6Repr::parse(*ip);
//   auto chain = walk_ipv6_chain(*ip);          // wire/ipv6_ext.hpp
//
//   // Emitting: header first, then the payload into out.payload().
//   Ipv6Repr r{.src = a, .dst = b, .next_header = IpProtocol::udp, .payload_len = n};
//   std::vector<std::byte> buf(r.total_len());
//   r.emit(Ipv6PacketMut(buf));
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <string_view>
#include <type_traits>

#include "base/bytes.hpp"
#include "wire/error.hpp"
#include "wire/ip_address.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv6_address.hpp"

namespace wirestack {

namespace ipv6_field {
inline constexpr Field kVersionClassFlow{0, 4};
inline constexpr Field kPayloadLen{4, 6};
inline constexpr Field kNextHeader{6, 7};
inline constexpr Field kHopLimit{7, 8};
inline constexpr Field kSrc{8, 24};
inline constexpr Field kDst{24, 40};
}  // namespace ipv6_field

inline constexpr std::size_t kIpv6HeaderLen = ipv6_field::kDst.end;  // 40
inline constexpr std::size_t kIpv6MaxPayloadLen = 0xffff;
// RFC 8200 5: "IPv6 requires that every link in the Internet have an MTU of
// 1280 octets or greater."
inline constexpr std::size_t kIpv6MinMtu = 1280;

// Next Header values of the extension headers (IANA, RFC 8200 4.1) and "No
// Next Header" (RFC 8200 4.7). IpProtocol is open: these are its values.
namespace ipv6_next {
inline constexpr IpProtocol kHopByHop{0};
inline constexpr IpProtocol kRouting{43};
inline constexpr IpProtocol kFragment{44};
inline constexpr IpProtocol kEsp{50};
inline constexpr IpProtocol kAuth{51};
inline constexpr IpProtocol kNoNext{59};
inline constexpr IpProtocol kDestOptions{60};
}  // namespace ipv6_next

// tcpdump's names of IPv6 next-header values ("UDP", "Fragment", ...).
std::string_view ipv6_next_header_name(IpProtocol p);

template <class Byte>
class BasicIpv6Packet {
 public:
  // Unchecked: for emitting into a buffer of at least 40 bytes (payload()
  // also needs the payload length set and the buffer that long).
  explicit constexpr BasicIpv6Packet(std::span<Byte> buf) : buf_(buf) {}

  // Checked: on success every accessor stays inside `buf`.
  static WireResult<BasicIpv6Packet> checked(std::span<Byte> buf) {
    BasicIpv6Packet p(buf);
    if (buf.size() < kIpv6HeaderLen) return Unexpected{WireError::truncated};
    if (p.version() != 6) return Unexpected{WireError::bad_version};
    if (kIpv6HeaderLen + p.payload_len() > buf.size()) return Unexpected{WireError::bad_length};
    return p;
  }

  std::uint8_t version() const { return static_cast<std::uint8_t>(load_u8(buf_, 0) >> 4); }
  std::uint8_t traffic_class() const { return static_cast<std::uint8_t>(word0() >> 20); }
  std::uint8_t dscp() const { return static_cast<std::uint8_t>(traffic_class() >> 2); }  // RFC 2474
  std::uint8_t ecn() const { return static_cast<std::uint8_t>(traffic_class() & 0x03); }  // RFC 3168
  std::uint32_t flow_label() const { return word0() & 0xfffff; }                         // RFC 6437
  std::uint16_t payload_len() const { return load_be16(buf_, ipv6_field::kPayloadLen.begin); }
  IpProtocol next_header() const { return IpProtocol{load_u8(buf_, ipv6_field::kNextHeader.begin)}; }
  std::uint8_t hop_limit() const { return load_u8(buf_, ipv6_field::kHopLimit.begin); }
  Ipv6Address src() const { return Ipv6Address::from_bytes(buf_.subspan(ipv6_field::kSrc.begin)); }
  Ipv6Address dst() const { return Ipv6Address::from_bytes(buf_.subspan(ipv6_field::kDst.begin)); }

  std::span<Byte> header() const { return buf_.first(kIpv6HeaderLen); }
  // Sized by the payload length: padding after it is not payload.
  std::span<Byte> payload() const { return buf_.subspan(kIpv6HeaderLen, payload_len()); }
  // Header + payload: the packet without link padding.
  std::span<Byte> packet() const { return buf_.first(kIpv6HeaderLen + payload_len()); }
  std::span<Byte> bytes() const { return buf_; }

  void set_version(std::uint8_t v) requires(!std::is_const_v<Byte>) {
    set_word0((word0() & 0x0fffffffu) | std::uint32_t{v & 0x0fu} << 28);
  }
  void set_traffic_class(std::uint8_t tc) requires(!std::is_const_v<Byte>) {
    set_word0((word0() & 0xf00fffffu) | std::uint32_t{tc} << 20);
  }
  void set_flow_label(std::uint32_t label) requires(!std::is_const_v<Byte>) {
    set_word0((word0() & 0xfff00000u) | (label & 0xfffffu));
  }
  void set_payload_len(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, ipv6_field::kPayloadLen.begin, v);
  }
  void set_next_header(IpProtocol p) requires(!std::is_const_v<Byte>) {
    store_u8(buf_, ipv6_field::kNextHeader.begin, static_cast<std::uint8_t>(p));
  }
  void set_hop_limit(std::uint8_t v) requires(!std::is_const_v<Byte>) {
    store_u8(buf_, ipv6_field::kHopLimit.begin, v);
  }
  void set_src(const Ipv6Address& a) requires(!std::is_const_v<Byte>) { a.write(buf_.subspan(ipv6_field::kSrc.begin)); }
  void set_dst(const Ipv6Address& a) requires(!std::is_const_v<Byte>) { a.write(buf_.subspan(ipv6_field::kDst.begin)); }

 private:
  std::uint32_t word0() const { return load_be32(buf_, 0); }
  void set_word0(std::uint32_t v) { store_be32(buf_, 0, v); }
  std::span<Byte> buf_;
};

using Ipv6Packet = BasicIpv6Packet<const std::byte>;
using Ipv6PacketMut = BasicIpv6Packet<std::byte>;

struct Ipv6Repr {
  Ipv6Address src{};
  Ipv6Address dst{};
  IpProtocol next_header{};  // the first header after the fixed one (maybe an extension header)
  std::uint8_t hop_limit = 64;
  std::uint8_t traffic_class = 0;  // DSCP << 2 | ECN
  std::uint32_t flow_label = 0;    // 20 bits
  std::uint16_t payload_len = 0;   // everything after the 40-byte header

  static Ipv6Repr parse(Ipv6Packet p);
  // The header quoted inside an ICMPv6 error (RFC 4443 2.4(c)): its payload
  // length describes the original packet, not the quote, so it is not checked
  // against the bytes at hand. Errors: `truncated` (< 40 bytes), `bad_version`.
  static WireResult<Ipv6Repr> parse_quoted(Bytes quoted);

  static constexpr std::size_t header_len() { return kIpv6HeaderLen; }
  std::size_t total_len() const { return kIpv6HeaderLen + payload_len; }
  IpPair ips() const { return IpPair{src, dst}; }

  // Writes the 40-byte header. Precondition: out.bytes().size() >= 40,
  // flow_label < 2^20. The payload is the caller's (out.payload()).
  void emit(Ipv6PacketMut out) const;

  friend bool operator==(const Ipv6Repr&, const Ipv6Repr&) = default;
};

// "IP6 2001:db8::1 > 2001:db8::2: hlim 64, next-header UDP (17), payload length 20"
// (plus "class 0xb8", "flowlabel 0x12345" when nonzero).
std::ostream& operator<<(std::ostream& os, const Ipv6Repr& r);

// The Fragment header (RFC 8200 4.5), 8 bytes:
//   | next header | reserved | fragment offset (13 bits) | res (2) | M |
//   | identification (32 bits) |
namespace ipv6_frag_field {
inline constexpr Field kNextHeader{0, 1};
inline constexpr Field kReserved{1, 2};
inline constexpr Field kOffsetFlags{2, 4};
inline constexpr Field kIdent{4, 8};
}  // namespace ipv6_frag_field

inline constexpr std::size_t kIpv6FragmentHeaderLen = 8;

struct Ipv6FragmentHeader {
  IpProtocol next_header{};
  std::uint16_t offset = 0;  // bytes, a multiple of 8 (at most 65528)
  bool more_fragments = false;
  std::uint32_t ident = 0;

  // `truncated` if fewer than 8 bytes. The reserved bits are ignored on
  // receipt (RFC 8200 4.5: "Initialized to zero for transmission; ignored on
  // reception").
  static WireResult<Ipv6FragmentHeader> parse(Bytes b);
  // Writes 8 bytes, reserved fields zero. Precondition: out.size() >= 8,
  // offset a multiple of 8.
  void emit(MutBytes out) const;
  // RFC 6946: offset 0 and M = 0, a "fragment" that is a whole packet.
  bool atomic() const { return offset == 0 && !more_fragments; }

  friend bool operator==(const Ipv6FragmentHeader&, const Ipv6FragmentHeader&) = default;
};

// "frag (0x12345678:1448|1232)" as tcpdump prints it: ident:offset|length.
std::ostream& operator<<(std::ostream& os, const Ipv6FragmentHeader& f);

// Emits a Hop-by-Hop or Destination Options header (RFC 8200 4.2, 4.3,
// 4.6): next header, length, the option TLVs `options` as given, then Pad1 or
// PadN to a multiple of 8 bytes. Returns the bytes written. Precondition:
// out.size() >= options_header_len(options.size()); options.size() <= 2046.
std::size_t options_header_len(std::size_t options_len);
std::size_t emit_options_header(IpProtocol next_header, Bytes options, MutBytes out);

// The IPv6 pseudo-header sum (RFC 8200 8.1: source, destination, 32-bit
// upper-layer length, three zero bytes, next header) for `protocol` and a
// segment of `length` bytes, to pass as `initial` to checksum::sum(). Unlike
// transport_sum() on an IpPair it does not look at the address family, so an
// IPv4-mapped address in a real IPv6 header is summed as the bytes it is.
std::uint32_t ipv6_pseudo_header_sum(const Ipv6Address& src, const Ipv6Address& dst, IpProtocol protocol,
                                     std::uint32_t length);

}  // namespace wirestack
