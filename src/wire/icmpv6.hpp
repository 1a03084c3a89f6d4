// wire/icmpv6.hpp — ICMP for IPv6 (RFC 4443) and the Neighbor Discovery
// messages (RFC 4861 4.1-4.5); ND options and ND validation are in
// wire/ndisc.hpp.
//
//   0      1      2          4                        8
//   | type | code | checksum | message body ...
//                            | ident    | seq no      | data ...   echo request / reply (128/129)
//                            | unused (or MTU, pointer)| invoking packet ...  errors (1-4)
//                            | RS: reserved | RA: hop limit, flags, lifetime, reachable, retrans
//                            | NS/NA: flags, target | Redirect: target, destination | ND options ...
//
// ICMPv6 has no length field: give the view exactly the upper-layer bytes
// (what walk_ipv6_chain() delivers). The checksum covers the IPv6
// pseudo-header (RFC 4443 2.3, RFC 8200 8.1), so parse() and emit() take
// the source and destination addresses.
//
// Contract (see wire/error.hpp). Icmpv6Packet::checked() guarantees 8
// bytes (`truncated`; Linux's icmpv6_rcv() pulls the same). Icmpv6Repr::parse()
// verifies the checksum (`bad_checksum`), for errors that the invoking packet
// starts with an IPv6 header (Ipv6Repr::parse_quoted(): `truncated`,
// `bad_version`), and for ND messages that the fixed part is there
// (`truncated`: RFC 4861 6.1/7.1/8.1 "ICMP length is N or more octets").
// Code, hop limit and option checks of ND are check_nd()'s (wire/ndisc.hpp),
// which returns a reason to count. Echo with a nonzero code and unknown
// types are carried as Icmpv6Other. Reserved fields are ignored on receipt
// and emitted as zero.
//
// Lifetime: every `Bytes` in a Repr points into the parsed buffer.
//
//   auto icmp = Icmpv6Packet::checked(upper);
//   if (!icmp) return drop(icmp.error());
//   auto repr = Icmpv6Repr::parse(*icmp, ip.src, ip.dst);
//   if (!repr) return drop(repr.error());
//   if (const auto* echo = std::get_if<Icmpv6EchoRequest>(&repr->message)) {
//     const Icmpv6Repr reply{.message = echo_reply_to(*echo)};
//     reply.emit(Icmpv6PacketMut(tx.first(reply.buffer_len())), ip.dst, ip.src);
//   }
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <type_traits>
#include <variant>

#include "base/bytes.hpp"
#include "wire/checksum.hpp"
#include "wire/error.hpp"
#include "wire/ipv6.hpp"
#include "wire/ipv6_ext.hpp"

namespace wirestack {

// Open enum: other types are carried as Icmpv6Other.
enum class Icmpv6Type : std::uint8_t {
  dst_unreachable = 1,
  packet_too_big = 2,
  time_exceeded = 3,
  param_problem = 4,
  echo_request = 128,
  echo_reply = 129,
  router_solicit = 133,
  router_advert = 134,
  neighbor_solicit = 135,
  neighbor_advert = 136,
  redirect = 137,
};

std::ostream& operator<<(std::ostream& os, Icmpv6Type t);

// RFC 4443 3.1. Open enum.
enum class Icmpv6UnreachableCode : std::uint8_t {
  no_route = 0,
  admin_prohibited = 1,
  beyond_scope = 2,
  address = 3,
  port = 4,
  source_policy = 5,
  reject_route = 6,
};

// RFC 4443 3.3. Open enum.
enum class Icmpv6TimeExceededCode : std::uint8_t {
  hop_limit = 0,   // in transit
  reassembly = 1,  // fragment reassembly time exceeded
};

namespace icmpv6_field {
inline constexpr Field kType{0, 1};
inline constexpr Field kCode{1, 2};
inline constexpr Field kChecksum{2, 4};
inline constexpr Field kRest{4, 8};  // ident/seq, MTU, pointer, ND fields
}  // namespace icmpv6_field

inline constexpr std::size_t kIcmpv6HeaderLen = 8;
// RFC 4443 2.4(c): an error carries "as much of invoking packet as possible
// without the ICMPv6 packet exceeding the minimum IPv6 MTU": 1280 - 40 - 8.
inline constexpr std::size_t kIcmpv6MaxInvokingLen = kIpv6MinMtu - kIpv6HeaderLen - kIcmpv6HeaderLen;

// The first bytes of `invoking` (a whole IPv6 packet) an error quotes.
inline Bytes icmpv6_quote(Bytes invoking) { return invoking.first(std::min(invoking.size(), kIcmpv6MaxInvokingLen)); }

template <class Byte>
class BasicIcmpv6Packet {
 public:
  // Unchecked: for emitting into a buffer of exactly the message's length.
  explicit constexpr BasicIcmpv6Packet(std::span<Byte> buf) : buf_(buf) {}

  static WireResult<BasicIcmpv6Packet> checked(std::span<Byte> buf) {
    if (buf.size() < kIcmpv6HeaderLen) return Unexpected{WireError::truncated};
    return BasicIcmpv6Packet(buf);
  }

  Icmpv6Type msg_type() const { return Icmpv6Type{load_u8(buf_, icmpv6_field::kType.begin)}; }
  std::uint8_t msg_code() const { return load_u8(buf_, icmpv6_field::kCode.begin); }
  std::uint16_t checksum() const { return load_be16(buf_, icmpv6_field::kChecksum.begin); }
  std::uint32_t rest() const { return load_be32(buf_, icmpv6_field::kRest.begin); }
  // After the 8-byte header: echo data, the invoking packet, or ND fields.
  std::span<Byte> body() const { return buf_.subspan(kIcmpv6HeaderLen); }
  std::span<Byte> bytes() const { return buf_; }

  // RFC 4443 2.3: the sum over the pseudo-header (next header 58) and the message.
  bool verify_checksum(const Ipv6Address& src, const Ipv6Address& dst) const {
    return checksum::sum(buf_, pseudo(src, dst)) == 0xffff;
  }

  void set_msg_type(Icmpv6Type t) requires(!std::is_const_v<Byte>) {
    store_u8(buf_, icmpv6_field::kType.begin, static_cast<std::uint8_t>(t));
  }
  void set_msg_code(std::uint8_t c) requires(!std::is_const_v<Byte>) { store_u8(buf_, icmpv6_field::kCode.begin, c); }
  void set_checksum(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, icmpv6_field::kChecksum.begin, v);
  }
  void set_rest(std::uint32_t v) requires(!std::is_const_v<Byte>) { store_be32(buf_, icmpv6_field::kRest.begin, v); }
  void fill_checksum(const Ipv6Address& src, const Ipv6Address& dst) requires(!std::is_const_v<Byte>) {
    set_checksum(0);
    set_checksum(checksum::compute(buf_, pseudo(src, dst)));
  }

 private:
  std::uint32_t pseudo(const Ipv6Address& src, const Ipv6Address& dst) const {
    return ipv6_pseudo_header_sum(src, dst, IpProtocol::icmpv6, static_cast<std::uint32_t>(buf_.size()));
  }
  std::span<Byte> buf_;
};

using Icmpv6Packet = BasicIcmpv6Packet<const std::byte>;
using Icmpv6PacketMut = BasicIcmpv6Packet<std::byte>;

template <Icmpv6Type T>
struct Icmpv6Echo {
  std::uint16_t ident = 0;
  std::uint16_t seq_no = 0;
  Bytes data{};

  friend bool operator==(const Icmpv6Echo& a, const Icmpv6Echo& b) {
    return a.ident == b.ident && a.seq_no == b.seq_no && std::ranges::equal(a.data, b.data);
  }
};
using Icmpv6EchoRequest = Icmpv6Echo<Icmpv6Type::echo_request>;
using Icmpv6EchoReply = Icmpv6Echo<Icmpv6Type::echo_reply>;

// RFC 4443 4.2: "The data received in the ICMPv6 Echo Request message MUST
// be returned entirely and unmodified in the ICMPv6 Echo Reply message."
constexpr Icmpv6EchoReply echo_reply_to(const Icmpv6EchoRequest& req) {
  return Icmpv6EchoReply{.ident = req.ident, .seq_no = req.seq_no, .data = req.data};
}

// The error messages (RFC 4443 3.1-3.4). `invoking` is the quoted packet,
// at most kIcmpv6MaxInvokingLen bytes when we build one (icmpv6_quote()).
template <Icmpv6Type T, class Code>
struct Icmpv6Error {
  Code code{};
  // Packet Too Big: the MTU; Parameter Problem: the pointer; unused (zero)
  // for the other two, but carried so that parse/emit round-trip exactly.
  std::uint32_t param = 0;
  Bytes invoking{};

  friend bool operator==(const Icmpv6Error& a, const Icmpv6Error& b) {
    return a.code == b.code && a.param == b.param && std::ranges::equal(a.invoking, b.invoking);
  }
};
using Icmpv6DstUnreachable = Icmpv6Error<Icmpv6Type::dst_unreachable, Icmpv6UnreachableCode>;
using Icmpv6PacketTooBig = Icmpv6Error<Icmpv6Type::packet_too_big, std::uint8_t>;  // param: MTU
using Icmpv6TimeExceeded = Icmpv6Error<Icmpv6Type::time_exceeded, Icmpv6TimeExceededCode>;
using Icmpv6ParameterProblem = Icmpv6Error<Icmpv6Type::param_problem, Icmpv6ParamProblemCode>;  // param: pointer

// RFC 4861 4.1.
struct NdRouterSolicit {
  std::uint8_t code = 0;  // must be 0 (check_nd())
  Bytes options{};        // NdOptions::parse()
  friend bool operator==(const NdRouterSolicit& a, const NdRouterSolicit& b) {
    return a.code == b.code && std::ranges::equal(a.options, b.options);
  }
};

// RFC 4861 4.2.
struct NdRouterAdvert {
  std::uint8_t code = 0;
  std::uint8_t cur_hop_limit = 0;  // 0: unspecified
  bool managed = false;            // M: addresses by DHCPv6
  bool other = false;              // O: other configuration by DHCPv6
  std::uint8_t other_flags = 0;    // the low 6 bits (H, Prf (RFC 4191), ...), carried raw
  std::uint16_t router_lifetime = 0;  // seconds; 0: not a default router
  std::uint32_t reachable_time = 0;   // milliseconds; 0: unspecified
  std::uint32_t retrans_timer = 0;    // milliseconds; 0: unspecified
  Bytes options{};
  friend bool operator==(const NdRouterAdvert& a, const NdRouterAdvert& b) {
    return a.code == b.code && a.cur_hop_limit == b.cur_hop_limit && a.managed == b.managed && a.other == b.other &&
           a.other_flags == b.other_flags && a.router_lifetime == b.router_lifetime &&
           a.reachable_time == b.reachable_time && a.retrans_timer == b.retrans_timer &&
           std::ranges::equal(a.options, b.options);
  }
};

// RFC 4861 4.3.
struct NdNeighborSolicit {
  std::uint8_t code = 0;
  Ipv6Address target{};
  Bytes options{};
  friend bool operator==(const NdNeighborSolicit& a, const NdNeighborSolicit& b) {
    return a.code == b.code && a.target == b.target && std::ranges::equal(a.options, b.options);
  }
};

// RFC 4861 4.4.
struct NdNeighborAdvert {
  std::uint8_t code = 0;
  bool router = false;     // R
  bool solicited = false;  // S
  bool override = false;   // O
  Ipv6Address target{};
  Bytes options{};
  friend bool operator==(const NdNeighborAdvert& a, const NdNeighborAdvert& b) {
    return a.code == b.code && a.router == b.router && a.solicited == b.solicited && a.override == b.override &&
           a.target == b.target && std::ranges::equal(a.options, b.options);
  }
};

// RFC 4861 4.5.
struct NdRedirect {
  std::uint8_t code = 0;
  Ipv6Address target{};       // the better first hop
  Ipv6Address destination{};  // the destination redirected
  Bytes options{};
  friend bool operator==(const NdRedirect& a, const NdRedirect& b) {
    return a.code == b.code && a.target == b.target && a.destination == b.destination &&
           std::ranges::equal(a.options, b.options);
  }
};

// Anything else (and echo with a nonzero code), carried raw.
struct Icmpv6Other {
  Icmpv6Type type{};
  std::uint8_t code = 0;
  std::uint32_t rest = 0;
  Bytes data{};
  friend bool operator==(const Icmpv6Other& a, const Icmpv6Other& b) {
    return a.type == b.type && a.code == b.code && a.rest == b.rest && std::ranges::equal(a.data, b.data);
  }
};

using Icmpv6Message =
    std::variant<Icmpv6EchoRequest, Icmpv6EchoReply, Icmpv6DstUnreachable, Icmpv6PacketTooBig, Icmpv6TimeExceeded,
                 Icmpv6ParameterProblem, NdRouterSolicit, NdRouterAdvert, NdNeighborSolicit, NdNeighborAdvert,
                 NdRedirect, Icmpv6Other>;

struct Icmpv6Repr {
  Icmpv6Message message{};

  static WireResult<Icmpv6Repr> parse(Icmpv6Packet p, const Ipv6Address& src, const Ipv6Address& dst,
                                      ChecksumMode mode = {});
  std::size_t buffer_len() const;
  Icmpv6Type type() const;
  std::uint8_t code() const;
  // RFC 4443 2.1: types 0-127 are errors.
  bool is_error() const { return static_cast<std::uint8_t>(type()) < 128; }
  bool is_nd() const;  // RS, RA, NS, NA, Redirect

  // Writes the whole message, then the checksum over the pseudo-header of
  // (src, dst) if mode.fill_tx. Precondition: out.bytes().size() ==
  // buffer_len(). Echo data may alias `out` at the same offset.
  void emit(Icmpv6PacketMut out, const Ipv6Address& src, const Ipv6Address& dst, ChecksumMode mode = {}) const;

  friend bool operator==(const Icmpv6Repr&, const Icmpv6Repr&) = default;
};

// tcpdump's wording: "ICMP6, echo request, id 4660, seq 1, length 12",
// "ICMP6, neighbor solicitation, who has fe80::2, length 32", ...
std::ostream& operator<<(std::ostream& os, const Icmpv6Repr& r);

// What an ICMPv6 error says about the packet it quotes: the quoted header,
// and the upper layer found by following the quoted extension headers as far
// as the quote goes (for handing the error to TCP or UDP, RFC 4443 2.4(b)).
// `upper` is empty if the quote ends inside the chain or quotes a later
// fragment (protocol then is the last Next Header read).
struct Icmpv6Invoking {
  Ipv6Repr header{};
  IpProtocol protocol{};
  Bytes upper{};
};
// Errors: those of Ipv6Repr::parse_quoted().
WireResult<Icmpv6Invoking> parse_invoking(Bytes invoking);

// RFC 4443 2.4(e): whether an error of (type, code) may be sent about a
// packet with header `invoking`. `invoking_icmp` is the ICMPv6 type of the
// invoking packet if it is ICMPv6; `link_multicast` whether it arrived as a
// link-layer multicast or broadcast. Not about errors (e.1) or redirects
// (e.2); not about multicast destinations or link multicast (e.3-e.5) except
// Packet Too Big and Parameter Problem code 2; not about a source that does
// not name one node (e.6: unspecified or multicast). Rate limiting (2.4(f))
// is the sender's.
bool icmpv6_error_allowed(Icmpv6Type type, std::uint8_t code, const Ipv6Repr& invoking,
                          std::optional<Icmpv6Type> invoking_icmp, bool link_multicast);

}  // namespace wirestack
