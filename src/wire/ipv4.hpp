// wire/ipv4.hpp — IPv4 datagrams (RFC 791), plus the forwarding step that
// decrements TTL with an incremental checksum update (RFC 1812 5.3.1, RFC 1624).
//
//    0       1       2               4               6               8
//   |ver|ihl| dscp|e| total length   | identification | R D M offset |
//   | ttl   | proto | header checksum| source address                 |
//   | destination address            | options (0..40 bytes, ihl*4-20)|
//   | payload (total length - ihl*4) ...                 | padding   ...
//
// Contract (see wire/error.hpp). Ipv4Packet::checked() guarantees, in this
// order: 20 bytes (`truncated`), version 4 (`bad_version`), 5 <= IHL and IHL*4
// <= buffer (`bad_header_len`), IHL*4 <= total length <= buffer
// (`bad_length`). The payload is sized by the total length, never by the
// buffer: bytes after it (Ethernet padding of short frames) are ignored.
// Ipv4Repr::parse() then verifies the header checksum (`bad_checksum`) and
// the option TLVs (`bad_option_length`). Options are kept as raw bytes in a
// fixed 40-byte buffer, so parsing never allocates.
//
//   auto ip = Ipv4Packet::checked(eth.payload());
//   if (!ip) return drop(ip.error());
//   auto repr = Ipv4Repr::parse(*ip);
//   if (!repr) return drop(repr.error());
//   deliver(*repr, ip->payload());
//
//   // Emitting: header first, then the payload into out.payload().
//   Ipv4Repr r{.src = a, .dst = b, .protocol = IpProtocol::udp, .payload_len = n};
//   std::vector<std::byte> buf(r.total_len());
//   Ipv4PacketMut out(buf);
//   r.emit(out);
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <type_traits>

#include "base/bytes.hpp"
#include "wire/checksum.hpp"
#include "wire/error.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/ipv4_address.hpp"

namespace wirestack {

namespace ipv4_field {
inline constexpr Field kVersionIhl{0, 1};
inline constexpr Field kDscpEcn{1, 2};
inline constexpr Field kTotalLen{2, 4};
inline constexpr Field kIdent{4, 6};
inline constexpr Field kFlagsFragOffset{6, 8};
inline constexpr Field kTtl{8, 9};
inline constexpr Field kProtocol{9, 10};
inline constexpr Field kChecksum{10, 12};
inline constexpr Field kSrc{12, 16};
inline constexpr Field kDst{16, 20};
}  // namespace ipv4_field

inline constexpr std::size_t kIpv4MinHeaderLen = ipv4_field::kDst.end;  // 20
inline constexpr std::size_t kIpv4MaxHeaderLen = 60;                    // IHL 15
inline constexpr std::size_t kIpv4MaxOptionsLen = kIpv4MaxHeaderLen - kIpv4MinHeaderLen;
inline constexpr std::size_t kIpv4MaxTotalLen = 0xffff;
inline constexpr std::uint16_t kIpv4FlagReserved = 0x8000;  // RFC 791 "must be zero"
inline constexpr std::uint16_t kIpv4FlagDontFragment = 0x4000;
inline constexpr std::uint16_t kIpv4FlagMoreFragments = 0x2000;
inline constexpr std::uint16_t kIpv4FragOffsetMask = 0x1fff;  // in 8-byte units

template <class Byte>
class BasicIpv4Packet {
 public:
  // Unchecked: for emitting into a buffer of at least the header length (the
  // payload accessors also need the total length). Set the version/IHL and
  // total length before reading options() or payload().
  explicit constexpr BasicIpv4Packet(std::span<Byte> buf) : buf_(buf) {}

  // Checked: on success every accessor stays inside `buf`.
  static WireResult<BasicIpv4Packet> checked(std::span<Byte> buf) {
    BasicIpv4Packet p(buf);
    if (auto err = p.check_len()) return Unexpected{*err};
    return p;
  }

  std::optional<WireError> check_len() const {
    if (buf_.size() < kIpv4MinHeaderLen) return WireError::truncated;
    if (version() != 4) return WireError::bad_version;
    const std::size_t hlen = header_len();
    if (hlen < kIpv4MinHeaderLen || hlen > buf_.size()) return WireError::bad_header_len;
    const std::size_t tlen = total_len();
    if (tlen < hlen || tlen > buf_.size()) return WireError::bad_length;
    return std::nullopt;
  }

  std::uint8_t version() const { return static_cast<std::uint8_t>(load_u8(buf_, ipv4_field::kVersionIhl.begin) >> 4); }
  std::uint8_t ihl() const { return static_cast<std::uint8_t>(load_u8(buf_, ipv4_field::kVersionIhl.begin) & 0x0f); }
  // In bytes.
  std::size_t header_len() const { return std::size_t{ihl()} * 4; }
  std::uint8_t dscp_ecn() const { return load_u8(buf_, ipv4_field::kDscpEcn.begin); }  // the old TOS byte
  std::uint8_t dscp() const { return static_cast<std::uint8_t>(dscp_ecn() >> 2); }     // RFC 2474
  std::uint8_t ecn() const { return static_cast<std::uint8_t>(dscp_ecn() & 0x03); }    // RFC 3168
  std::uint16_t total_len() const { return load_be16(buf_, ipv4_field::kTotalLen.begin); }
  std::uint16_t ident() const { return load_be16(buf_, ipv4_field::kIdent.begin); }
  bool reserved_flag() const { return (flags_frag() & kIpv4FlagReserved) != 0; }
  bool dont_fragment() const { return (flags_frag() & kIpv4FlagDontFragment) != 0; }
  bool more_fragments() const { return (flags_frag() & kIpv4FlagMoreFragments) != 0; }
  // Fragment offset as on the wire, in 8-byte units ...
  std::uint16_t frag_offset() const { return static_cast<std::uint16_t>(flags_frag() & kIpv4FragOffsetMask); }
  // ... and in bytes (at most 8191 * 8 = 65528).
  std::uint16_t frag_offset_bytes() const { return static_cast<std::uint16_t>(frag_offset() * 8); }
  std::uint8_t ttl() const { return load_u8(buf_, ipv4_field::kTtl.begin); }
  IpProtocol protocol() const { return IpProtocol{load_u8(buf_, ipv4_field::kProtocol.begin)}; }
  std::uint16_t checksum() const { return load_be16(buf_, ipv4_field::kChecksum.begin); }
  Ipv4Address src() const { return Ipv4Address::from_bytes(buf_.subspan(ipv4_field::kSrc.begin)); }
  Ipv4Address dst() const { return Ipv4Address::from_bytes(buf_.subspan(ipv4_field::kDst.begin)); }

  std::span<Byte> header() const { return buf_.first(header_len()); }
  std::span<Byte> options() const { return buf_.subspan(kIpv4MinHeaderLen, header_len() - kIpv4MinHeaderLen); }
  // Sized by the total length: padding after it is not payload.
  std::span<Byte> payload() const { return buf_.subspan(header_len(), std::size_t{total_len()} - header_len()); }
  std::span<Byte> bytes() const { return buf_; }

  // RFC 791: the one's-complement sum of the header, checksum included, is 0xffff.
  bool verify_checksum() const { return checksum::sum(header()) == 0xffff; }

  void set_version(std::uint8_t v) requires(!std::is_const_v<Byte>) {
    store_u8(buf_, ipv4_field::kVersionIhl.begin, static_cast<std::uint8_t>((v & 0x0f) << 4 | ihl()));
  }
  // `bytes` is a multiple of 4 in [20, 60].
  void set_header_len(std::size_t bytes) requires(!std::is_const_v<Byte>) {
    store_u8(buf_, ipv4_field::kVersionIhl.begin, static_cast<std::uint8_t>(version() << 4 | ((bytes / 4) & 0x0f)));
  }
  void set_dscp_ecn(std::uint8_t v) requires(!std::is_const_v<Byte>) { store_u8(buf_, ipv4_field::kDscpEcn.begin, v); }
  void set_dscp(std::uint8_t v) requires(!std::is_const_v<Byte>) {
    set_dscp_ecn(static_cast<std::uint8_t>((v & 0x3f) << 2 | ecn()));
  }
  void set_ecn(std::uint8_t v) requires(!std::is_const_v<Byte>) {
    set_dscp_ecn(static_cast<std::uint8_t>(dscp() << 2 | (v & 0x03)));
  }
  void set_total_len(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, ipv4_field::kTotalLen.begin, v);
  }
  void set_ident(std::uint16_t v) requires(!std::is_const_v<Byte>) { store_be16(buf_, ipv4_field::kIdent.begin, v); }
  void set_reserved_flag(bool on) requires(!std::is_const_v<Byte>) { set_flag(kIpv4FlagReserved, on); }
  void set_dont_fragment(bool on) requires(!std::is_const_v<Byte>) { set_flag(kIpv4FlagDontFragment, on); }
  void set_more_fragments(bool on) requires(!std::is_const_v<Byte>) { set_flag(kIpv4FlagMoreFragments, on); }
  // In 8-byte units; keeps the flags.
  void set_frag_offset(std::uint16_t units) requires(!std::is_const_v<Byte>) {
    set_flags_frag(static_cast<std::uint16_t>((flags_frag() & ~kIpv4FragOffsetMask) | (units & kIpv4FragOffsetMask)));
  }
  // In bytes; precondition: a multiple of 8.
  void set_frag_offset_bytes(std::uint16_t bytes) requires(!std::is_const_v<Byte>) {
    set_frag_offset(static_cast<std::uint16_t>(bytes / 8));
  }
  void set_ttl(std::uint8_t v) requires(!std::is_const_v<Byte>) { store_u8(buf_, ipv4_field::kTtl.begin, v); }
  void set_protocol(IpProtocol p) requires(!std::is_const_v<Byte>) {
    store_u8(buf_, ipv4_field::kProtocol.begin, static_cast<std::uint8_t>(p));
  }
  void set_checksum(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, ipv4_field::kChecksum.begin, v);
  }
  void set_src(const Ipv4Address& a) requires(!std::is_const_v<Byte>) {
    store_be32(buf_, ipv4_field::kSrc.begin, a.to_u32());
  }
  void set_dst(const Ipv4Address& a) requires(!std::is_const_v<Byte>) {
    store_be32(buf_, ipv4_field::kDst.begin, a.to_u32());
  }
  // Computes the header checksum over header_len() bytes and stores it.
  void fill_checksum() requires(!std::is_const_v<Byte>) {
    set_checksum(0);
    set_checksum(checksum::compute(header()));
  }

 private:
  std::uint16_t flags_frag() const { return load_be16(buf_, ipv4_field::kFlagsFragOffset.begin); }
  void set_flags_frag(std::uint16_t v) { store_be16(buf_, ipv4_field::kFlagsFragOffset.begin, v); }
  void set_flag(std::uint16_t flag, bool on) {
    const auto v = flags_frag();
    set_flags_frag(static_cast<std::uint16_t>(on ? (v | flag) : (v & ~flag)));
  }
  std::span<Byte> buf_;
};

using Ipv4Packet = BasicIpv4Packet<const std::byte>;
using Ipv4PacketMut = BasicIpv4Packet<std::byte>;

// IPv4 options as raw bytes (RFC 791 3.1), at most 40, stored inline so a
// Repr never allocates. Parsed options include their EOL/NOP padding.
class Ipv4Options {
 public:
  static constexpr std::size_t kCapacity = kIpv4MaxOptionsLen;

  constexpr Ipv4Options() = default;
  // More than 40 bytes is `bad_option_length`. The bytes are not interpreted.
  static WireResult<Ipv4Options> from_bytes(Bytes b) {
    if (b.size() > kCapacity) return Unexpected{WireError::bad_option_length};
    Ipv4Options o;
    std::ranges::copy(b, o.buf_.begin());
    o.len_ = static_cast<std::uint8_t>(b.size());
    return o;
  }

  Bytes bytes() const { return Bytes(buf_.data(), len_); }
  constexpr std::size_t size() const { return len_; }
  constexpr bool empty() const { return len_ == 0; }
  // Length on the wire: emit pads with zero bytes (End of Option List) to a
  // multiple of 4. Parse keeps the padding, so only padded options round-trip.
  constexpr std::size_t padded_len() const { return (std::size_t{len_} + 3) & ~std::size_t{3}; }

  // Compares the option bytes only (never the unused capacity).
  friend bool operator==(const Ipv4Options& a, const Ipv4Options& b) {
    return std::ranges::equal(a.bytes(), b.bytes());
  }

 private:
  std::array<std::byte, kCapacity> buf_{};
  std::uint8_t len_ = 0;
};

struct Ipv4Repr {
  Ipv4Address src{};
  Ipv4Address dst{};
  IpProtocol protocol{};
  std::uint8_t ttl = 64;
  std::uint8_t dscp = 0;  // 0..63
  std::uint8_t ecn = 0;   // 0..3
  std::uint16_t ident = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint16_t frag_offset = 0;  // bytes, a multiple of 8
  Ipv4Options options{};
  std::uint16_t payload_len = 0;  // total length - header length

  // Verifies the header checksum (unless mode.verify_rx is off) and the
  // option TLVs. The reserved flag is ignored (and emitted as zero).
  static WireResult<Ipv4Repr> parse(Ipv4Packet p, ChecksumMode mode = {});
  // The header quoted inside an ICMP error (RFC 792: header + 8 bytes). It is
  // the offending datagram's header as it was, so its total length describes
  // the original datagram, not the quote, and its checksum may have been
  // broken by a NAT: neither is checked against the bytes at hand. Errors:
  // `truncated` (< 20 bytes), `bad_version`, `bad_header_len` (IHL < 5 or
  // more than the quote), `bad_length` (total length < IHL*4).
  static WireResult<Ipv4Repr> parse_quoted(Bytes quoted);

  std::size_t header_len() const { return kIpv4MinHeaderLen + options.padded_len(); }
  std::size_t total_len() const { return header_len() + payload_len; }
  // A fragment of a larger datagram (not the only one): RFC 791 reassembly applies.
  bool is_fragment() const { return more_fragments || frag_offset != 0; }

  // Writes the header (total length = header_len() + payload_len), then the
  // checksum if mode.fill_tx. The payload is the caller's: write it into
  // out.payload() (before or after). Preconditions: out.bytes().size() >=
  // header_len(); total_len() <= 65535; frag_offset a multiple of 8; dscp <
  // 64; ecn < 4.
  void emit(Ipv4PacketMut out, ChecksumMode mode = {}) const;

  friend bool operator==(const Ipv4Repr&, const Ipv4Repr&) = default;
};

// "IP 10.0.0.1 > 10.0.0.2: ttl 64, id 1234, DF, proto UDP (17), length 40"
// (plus "tos 0xb8", "MF", "offset 1480", "options 4 bytes" when they apply).
std::ostream& operator<<(std::ostream& os, const Ipv4Repr& r);

// The router's forwarding step (RFC 1812 5.3.1): TTL - 1, with the header
// checksum patched by RFC 1624 eqn. 3 instead of recomputed over the header.
// Precondition: p.ttl() > 0 (a router that sees TTL <= 1 sends ICMP time
// exceeded instead of forwarding). Returns the new TTL.
std::uint8_t decrement_ttl(Ipv4PacketMut p);

}  // namespace wirestack
