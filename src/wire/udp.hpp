// wire/udp.hpp — UDP datagrams (RFC 768) over IPv4.
//
//   0        2        4        6        8
//   | src    | dst    | length | cksum  | payload ...
//
// `length` counts header and payload. The view's payload is sized by it: bytes
// after `length` (link-layer padding the IP layer did not trim) are not part of
// the datagram. The checksum covers the IPv4 pseudo-header (src, dst, zero,
// protocol 17, UDP length), the header and the payload; a checksum field of 0
// means "not computed", which RFC 768 allows over IPv4, so a computed 0 is sent
// as 0xffff (RFC 768: "all ones").
//
//   auto p = UdpPacket::checked(ip_payload);
//   if (!p) return Unexpected{p.error()};
//   auto repr = UdpRepr::parse(*p, IpPair{.src = ip.src, .dst = ip.dst});
//   if (!repr) return Unexpected{repr.error()};
//   deliver(*repr, p->payload());
//
// Emitting: size the buffer header_len() + payload.size(), then
//   UdpRepr{.src_port = 40000, .dst_port = 7}.emit(UdpPacketMut(buf), ips, payload);
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <type_traits>

#include "base/bytes.hpp"
#include "wire/error.hpp"
#include "wire/ip_protocol.hpp"

namespace wirestack {

namespace udp_field {
inline constexpr Field kSrcPort{0, 2};
inline constexpr Field kDstPort{2, 4};
inline constexpr Field kLength{4, 6};
inline constexpr Field kChecksum{6, 8};
}  // namespace udp_field

inline constexpr std::size_t kUdpHeaderLen = udp_field::kChecksum.end;
inline constexpr std::size_t kUdpMaxPayloadLen = 0xffff - kUdpHeaderLen;  // the length field's limit

// Byte = const std::byte (read-only view) or std::byte (writable view).
template <class Byte>
class BasicUdpPacket {
 public:
  // Unchecked: for emitting into a buffer of at least 8 bytes we sized
  // ourselves. payload() relies on the length field: set it first.
  explicit constexpr BasicUdpPacket(std::span<Byte> buf) : buf_(buf) {}

  // Checked: on success every accessor stays inside `buf`. Use on all input.
  static WireResult<BasicUdpPacket> checked(std::span<Byte> buf) {
    BasicUdpPacket p(buf);
    if (auto err = p.check_len()) return Unexpected{*err};
    return p;
  }

  // truncated: fewer than 8 bytes. bad_length: the length field is below the
  // header or beyond the buffer.
  std::optional<WireError> check_len() const {
    if (buf_.size() < kUdpHeaderLen) return WireError::truncated;
    const std::size_t len = length();
    if (len < kUdpHeaderLen || len > buf_.size()) return WireError::bad_length;
    return std::nullopt;
  }

  std::uint16_t src_port() const { return load_be16(buf_, udp_field::kSrcPort.begin); }
  std::uint16_t dst_port() const { return load_be16(buf_, udp_field::kDstPort.begin); }
  std::uint16_t length() const { return load_be16(buf_, udp_field::kLength.begin); }
  std::uint16_t checksum() const { return load_be16(buf_, udp_field::kChecksum.begin); }
  // The header and payload, as the length field says (excludes trailing bytes).
  std::span<Byte> datagram() const { return buf_.first(length()); }
  std::span<Byte> payload() const { return buf_.subspan(kUdpHeaderLen, length() - kUdpHeaderLen); }
  // The whole buffer the view was made over.
  std::span<Byte> bytes() const { return buf_; }

  void set_src_port(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, udp_field::kSrcPort.begin, v);
  }
  void set_dst_port(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, udp_field::kDstPort.begin, v);
  }
  void set_length(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, udp_field::kLength.begin, v);
  }
  void set_checksum(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, udp_field::kChecksum.begin, v);
  }

 private:
  std::span<Byte> buf_;
};

using UdpPacket = BasicUdpPacket<const std::byte>;
using UdpPacketMut = BasicUdpPacket<std::byte>;

// One's-complement sum of `datagram` (header and payload, checksum field
// included) and its IPv4 pseudo-header, not inverted: a datagram whose
// checksum is right sums to 0xffff. Precondition: datagram.size() <= 0xffff.
std::uint16_t udp_sum(Bytes datagram, const IpPair& ips);

struct UdpRepr {
  std::uint16_t src_port = 0;  // 0: "no reply expected" (RFC 768), allowed
  std::uint16_t dst_port = 0;

  // bad_field: destination port 0. bad_checksum: the checksum field is not 0
  // and does not match (checked when mode.verify_rx).
  static WireResult<UdpRepr> parse(UdpPacket p, const IpPair& ips, ChecksumMode mode = {});
  static constexpr std::size_t header_len() { return kUdpHeaderLen; }
  // Writes header and payload, filling length and (if mode.fill_tx, else 0)
  // the checksum. Preconditions: out.bytes().size() == header_len() +
  // payload.size() and payload.size() <= kUdpMaxPayloadLen. The payload may
  // already be in place (payload.data() == out.bytes().data() + 8): it is not
  // copied then.
  void emit(UdpPacketMut out, const IpPair& ips, Bytes payload, ChecksumMode mode = {}) const;

  friend bool operator==(const UdpRepr&, const UdpRepr&) = default;
};

// "40000 > 7: UDP" (the Repr does not know the payload length).
std::ostream& operator<<(std::ostream& os, const UdpRepr& r);

namespace detail {
std::ostream& print_udp(std::ostream& os, UdpPacket p);
}  // namespace detail

// tcpdump's line without addresses: "40000 > 7: UDP, length 4". Precondition:
// the view came from checked() (or was fully emitted).
template <class Byte>
std::ostream& operator<<(std::ostream& os, const BasicUdpPacket<Byte>& p) {
  return detail::print_udp(os, UdpPacket(p.bytes()));
}

}  // namespace wirestack
