// wire/icmpv4.hpp — ICMP for IPv4 (RFC 792), with the next-hop MTU of
// "fragmentation needed" (RFC 1191).
//
//   0      1      2          4                       8
//   | type | code | checksum | rest of header        | data ...
//                            | ident    | seq no     |  echo request / reply
//                            | unused   | next-hop MTU| destination unreachable
//                            | unused                |  time exceeded
//
// ICMP has no length field: the message is the whole IPv4 payload, so give
// the view exactly Ipv4Packet::payload(). The checksum covers the whole
// message (odd lengths padded with a zero byte, RFC 1071).
//
// Contract (see wire/error.hpp). Icmpv4Packet::checked() guarantees the
// 8-byte header (`truncated`). Icmpv4Repr::parse() verifies the checksum
// (`bad_checksum`) and, for destination unreachable and time exceeded, the
// quoted IPv4 header with Ipv4Repr::parse_quoted() (its `truncated`,
// `bad_version`, `bad_header_len`, `bad_length`).
//
// Lifetime: every `Bytes data` in a Repr (echo data, quoted bytes, other
// messages' data) points into the buffer that was parsed: zero-copy, valid
// only while that buffer is. Copy what you keep.
//
//   auto icmp = Icmpv4Packet::checked(ip->payload());
//   if (!icmp) return drop(icmp.error());
//   auto repr = Icmpv4Repr::parse(*icmp);
//   if (!repr) return drop(repr.error());
//   if (const auto* echo = std::get_if<Icmpv4EchoRequest>(&repr->message)) {
//     const Icmpv4Repr reply{.message = echo_reply_to(*echo)};
//     reply.emit(Icmpv4PacketMut(tx.first(reply.buffer_len())));
//   }
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <type_traits>
#include <variant>

#include "base/bytes.hpp"
#include "wire/checksum.hpp"
#include "wire/error.hpp"
#include "wire/ipv4.hpp"

namespace wirestack {

// Open enum: other types are carried as they are (see Icmpv4Other).
enum class Icmpv4Type : std::uint8_t {
  echo_reply = 0,
  dst_unreachable = 3,
  source_quench = 4,
  redirect = 5,
  echo_request = 8,
  router_advert = 9,
  router_solicit = 10,
  time_exceeded = 11,
  param_problem = 12,
  timestamp = 13,
  timestamp_reply = 14,
};

std::ostream& operator<<(std::ostream& os, Icmpv4Type t);

// Destination unreachable codes (RFC 792, RFC 1122 3.2.2.1, RFC 1812 5.2.7.1). Open enum.
enum class Icmpv4UnreachableCode : std::uint8_t {
  net = 0,
  host = 1,
  protocol = 2,
  port = 3,
  frag_needed = 4,  // and DF set; carries the next-hop MTU (RFC 1191)
  source_route_failed = 5,
  net_unknown = 6,
  host_unknown = 7,
  source_host_isolated = 8,
  net_prohibited = 9,
  host_prohibited = 10,
  net_tos = 11,
  host_tos = 12,
  admin_prohibited = 13,  // RFC 1812: communication administratively prohibited
  host_precedence_violation = 14,
  precedence_cutoff = 15,
};

// Time exceeded codes (RFC 792). Open enum.
enum class Icmpv4TimeExceededCode : std::uint8_t {
  ttl_exceeded = 0,  // in transit
  reassembly = 1,    // fragment reassembly time exceeded
};

namespace icmpv4_field {
inline constexpr Field kType{0, 1};
inline constexpr Field kCode{1, 2};
inline constexpr Field kChecksum{2, 4};
inline constexpr Field kRestOfHeader{4, 8};
inline constexpr Field kEchoIdent{4, 6};
inline constexpr Field kEchoSeqNo{6, 8};
inline constexpr Field kNextHopMtu{6, 8};
}  // namespace icmpv4_field

inline constexpr std::size_t kIcmpv4HeaderLen = icmpv4_field::kRestOfHeader.end;  // 8
// RFC 792: errors quote "the internet header plus the first 64 bits of the
// original datagram's data". RFC 1812 4.3.2.3 lets routers quote more (as much
// as fits in 576 bytes), and Linux does.
inline constexpr std::size_t kIcmpv4QuoteDataLen = 8;

template <class Byte>
class BasicIcmpv4Packet {
 public:
  // Unchecked: for emitting into a buffer of exactly the message's length.
  explicit constexpr BasicIcmpv4Packet(std::span<Byte> buf) : buf_(buf) {}

  // Checked: on success every accessor stays inside `buf`.
  static WireResult<BasicIcmpv4Packet> checked(std::span<Byte> buf) {
    if (buf.size() < kIcmpv4HeaderLen) return Unexpected{WireError::truncated};
    return BasicIcmpv4Packet(buf);
  }

  Icmpv4Type msg_type() const { return Icmpv4Type{load_u8(buf_, icmpv4_field::kType.begin)}; }
  std::uint8_t msg_code() const { return load_u8(buf_, icmpv4_field::kCode.begin); }
  std::uint16_t checksum() const { return load_be16(buf_, icmpv4_field::kChecksum.begin); }
  std::uint32_t rest_of_header() const { return load_be32(buf_, icmpv4_field::kRestOfHeader.begin); }
  std::uint16_t echo_ident() const { return load_be16(buf_, icmpv4_field::kEchoIdent.begin); }
  std::uint16_t echo_seq_no() const { return load_be16(buf_, icmpv4_field::kEchoSeqNo.begin); }
  std::uint16_t next_hop_mtu() const { return load_be16(buf_, icmpv4_field::kNextHopMtu.begin); }
  // Everything after the 8-byte header: echo data, or the quoted datagram.
  std::span<Byte> data() const { return buf_.subspan(kIcmpv4HeaderLen); }
  std::span<Byte> bytes() const { return buf_; }

  bool verify_checksum() const { return checksum::sum(buf_) == 0xffff; }

  void set_msg_type(Icmpv4Type t) requires(!std::is_const_v<Byte>) {
    store_u8(buf_, icmpv4_field::kType.begin, static_cast<std::uint8_t>(t));
  }
  void set_msg_code(std::uint8_t c) requires(!std::is_const_v<Byte>) { store_u8(buf_, icmpv4_field::kCode.begin, c); }
  void set_checksum(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, icmpv4_field::kChecksum.begin, v);
  }
  void set_rest_of_header(std::uint32_t v) requires(!std::is_const_v<Byte>) {
    store_be32(buf_, icmpv4_field::kRestOfHeader.begin, v);
  }
  void set_echo_ident(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, icmpv4_field::kEchoIdent.begin, v);
  }
  void set_echo_seq_no(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, icmpv4_field::kEchoSeqNo.begin, v);
  }
  void set_next_hop_mtu(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, icmpv4_field::kNextHopMtu.begin, v);
  }
  // Computes the checksum over the whole buffer and stores it.
  void fill_checksum() requires(!std::is_const_v<Byte>) {
    set_checksum(0);
    set_checksum(checksum::compute(buf_));
  }

 private:
  std::span<Byte> buf_;
};

using Icmpv4Packet = BasicIcmpv4Packet<const std::byte>;
using Icmpv4PacketMut = BasicIcmpv4Packet<std::byte>;

// Echo request (T = echo_request) or reply (T = echo_reply), RFC 792.
template <Icmpv4Type T>
struct Icmpv4Echo {
  std::uint16_t ident = 0;
  std::uint16_t seq_no = 0;
  Bytes data{};  // borrowed (see the file comment)

  friend bool operator==(const Icmpv4Echo& a, const Icmpv4Echo& b) {
    return a.ident == b.ident && a.seq_no == b.seq_no && std::ranges::equal(a.data, b.data);
  }
};
using Icmpv4EchoRequest = Icmpv4Echo<Icmpv4Type::echo_request>;
using Icmpv4EchoReply = Icmpv4Echo<Icmpv4Type::echo_reply>;

// RFC 792: "The data received in the echo message must be returned in the echo reply message."
constexpr Icmpv4EchoReply echo_reply_to(const Icmpv4EchoRequest& req) {
  return Icmpv4EchoReply{.ident = req.ident, .seq_no = req.seq_no, .data = req.data};
}

// The offending datagram an ICMP error quotes.
struct Icmpv4Quote {
  Ipv4Repr header{};  // its payload_len is the original datagram's, not the quote's
  // The quoted first bytes of its payload; borrowed. parse() keeps everything
  // after the quoted header (8 bytes from many routers, as much as fits in a
  // 576-byte datagram from Linux, RFC 4884 extensions if any), so that
  // emitting the parsed Repr reproduces the message.
  Bytes data{};

  // Quotes `offending` (a checked packet): its header and the first
  // `max_data` bytes of its payload. RFC 792 asks for 8; a router that follows
  // RFC 1812 4.3.2.3 passes 576 - 20 - 8 - header length.
  static Icmpv4Quote of(Ipv4Packet offending, std::size_t max_data = kIcmpv4QuoteDataLen);

  std::size_t len() const { return header.header_len() + data.size(); }

  friend bool operator==(const Icmpv4Quote& a, const Icmpv4Quote& b) {
    return a.header == b.header && std::ranges::equal(a.data, b.data);
  }
};

struct Icmpv4DstUnreachable {
  Icmpv4UnreachableCode code = Icmpv4UnreachableCode::port;
  // RFC 1191, for frag_needed. Other codes leave these bytes unused (zero);
  // they are carried as they are so that parse/emit round-trip exactly.
  std::uint16_t next_hop_mtu = 0;
  Icmpv4Quote quote{};

  friend bool operator==(const Icmpv4DstUnreachable&, const Icmpv4DstUnreachable&) = default;
};

struct Icmpv4TimeExceeded {
  Icmpv4TimeExceededCode code = Icmpv4TimeExceededCode::ttl_exceeded;
  Icmpv4Quote quote{};

  friend bool operator==(const Icmpv4TimeExceeded&, const Icmpv4TimeExceeded&) = default;
};

// Any other message (redirect, parameter problem, timestamp, echo with a
// nonzero code, ...), carried raw.
struct Icmpv4Other {
  Icmpv4Type type{};
  std::uint8_t code = 0;
  std::uint32_t rest_of_header = 0;
  Bytes data{};  // borrowed

  friend bool operator==(const Icmpv4Other& a, const Icmpv4Other& b) {
    return a.type == b.type && a.code == b.code && a.rest_of_header == b.rest_of_header &&
           std::ranges::equal(a.data, b.data);
  }
};

using Icmpv4Message =
    std::variant<Icmpv4EchoRequest, Icmpv4EchoReply, Icmpv4DstUnreachable, Icmpv4TimeExceeded, Icmpv4Other>;

struct Icmpv4Repr {
  Icmpv4Message message{};

  static WireResult<Icmpv4Repr> parse(Icmpv4Packet p, ChecksumMode mode = {});
  static constexpr std::size_t header_len() { return kIcmpv4HeaderLen; }
  // The whole message: header, then echo data or the quote.
  std::size_t buffer_len() const;
  Icmpv4Type type() const;
  std::uint8_t code() const;
  // RFC 1122 3.2.2: the messages that report an error about another
  // datagram (never sent in response to one of these).
  bool is_error() const;

  // Writes the whole message, then the checksum if mode.fill_tx. The quoted
  // header of an error gets a freshly computed header checksum. Precondition:
  // out.bytes().size() == buffer_len(). Echo data may alias `out` at the same
  // offset (turning a request into a reply in place).
  void emit(Icmpv4PacketMut out, ChecksumMode mode = {}) const;

  friend bool operator==(const Icmpv4Repr&, const Icmpv4Repr&) = default;
};

// tcpdump's lines: "ICMP echo request, id 7, seq 1, length 64",
// "ICMP 10.0.0.2 udp port 9 unreachable, length 36",
// "ICMP 10.0.0.2 unreachable - need to frag (mtu 1400), length 36",
// "ICMP time exceeded in-transit, length 36".
std::ostream& operator<<(std::ostream& os, const Icmpv4Repr& r);

}  // namespace wirestack
