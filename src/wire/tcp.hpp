// wire/tcp.hpp — TCP segment headers (RFC 9293 3.1) over IPv4.
//
//   0      2      4        8        12               14     16      18     20
//   | src  | dst  | seq    | ack    | off:4 rsv:4 flags:8 | win  | cksum | urg | options | data
//
// The data offset counts 32-bit words of header (5..15), so options take
// 0..40 bytes (wire/tcp_options.hpp). Of the four reserved bits the lowest is
// the former ECN nonce (NS, RFC 3540, historic; AccECN's AE): readable through
// TcpFlags, kept as received, never interpreted here.
//
// A TCP view spans exactly one segment: the IP layer hands it the IP payload,
// so the payload runs to the end of the buffer. The checksum covers the IPv4
// pseudo-header (src, dst, zero, protocol 6, TCP length), header and payload.
//
// TcpRepr holds the header's meaning; the payload stays in the view
// (packet.payload()) and emit() takes it as an argument. (smoltcp's TcpRepr
// borrows the payload; ours does not, so it is a plain value with a defaulted
// ==, cheap to keep in tests and queues and never dangling.) Sequence numbers are plain uint32 here; wrap-aware
// arithmetic belongs to tcp/.
//
//   auto p = TcpPacket::checked(ip_payload);
//   if (!p) return Unexpected{p.error()};
//   auto seg = TcpRepr::parse(*p, IpPair{.src = ip.src, .dst = ip.dst});
//   if (!seg) return Unexpected{seg.error()};
//   socket.process(*seg, p->payload());
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <type_traits>

#include "base/bytes.hpp"
#include "wire/error.hpp"
#include "wire/ip_protocol.hpp"
#include "wire/tcp_options.hpp"

namespace wirestack {

namespace tcp_field {
inline constexpr Field kSrcPort{0, 2};
inline constexpr Field kDstPort{2, 4};
inline constexpr Field kSeqNumber{4, 8};
inline constexpr Field kAckNumber{8, 12};
inline constexpr Field kOffsetAndFlags{12, 14};  // data offset:4, reserved:4, flags:8
inline constexpr Field kWindow{14, 16};
inline constexpr Field kChecksum{16, 18};
inline constexpr Field kUrgentPointer{18, 20};
}  // namespace tcp_field

inline constexpr std::size_t kTcpHeaderLen = tcp_field::kUrgentPointer.end;  // without options
inline constexpr std::size_t kTcpMaxHeaderLen = kTcpHeaderLen + kTcpMaxOptionsLen;

// The 12 bits after the data offset: 4 reserved bits (the lowest one NS/AE)
// and the 8 flags. Unknown reserved bits are kept, so parse/emit round-trip.
class TcpFlags {
 public:
  static constexpr std::uint16_t kFin = 0x001;
  static constexpr std::uint16_t kSyn = 0x002;
  static constexpr std::uint16_t kRst = 0x004;
  static constexpr std::uint16_t kPsh = 0x008;
  static constexpr std::uint16_t kAck = 0x010;
  static constexpr std::uint16_t kUrg = 0x020;
  static constexpr std::uint16_t kEce = 0x040;  // RFC 3168
  static constexpr std::uint16_t kCwr = 0x080;  // RFC 3168
  static constexpr std::uint16_t kNs = 0x100;   // RFC 3540 (historic), AccECN "AE"
  static constexpr std::uint16_t kReservedMask = 0xf00;
  static constexpr std::uint16_t kMask = 0xfff;

  constexpr TcpFlags() = default;
  // e.g. TcpFlags{TcpFlags::kSyn | TcpFlags::kAck}. Bits above 0xfff are dropped.
  constexpr explicit TcpFlags(std::uint16_t bits) : bits_(static_cast<std::uint16_t>(bits & kMask)) {}

  constexpr std::uint16_t bits() const { return bits_; }
  constexpr bool has(std::uint16_t mask) const { return (bits_ & mask) == mask; }
  constexpr bool fin() const { return has(kFin); }
  constexpr bool syn() const { return has(kSyn); }
  constexpr bool rst() const { return has(kRst); }
  constexpr bool psh() const { return has(kPsh); }
  constexpr bool ack() const { return has(kAck); }
  constexpr bool urg() const { return has(kUrg); }
  constexpr bool ece() const { return has(kEce); }
  constexpr bool cwr() const { return has(kCwr); }
  constexpr bool ns() const { return has(kNs); }
  // The four reserved bits, NS included, as a number 0..15.
  constexpr std::uint8_t reserved() const { return static_cast<std::uint8_t>(bits_ >> 8); }

  constexpr TcpFlags& set(std::uint16_t mask, bool on) {
    bits_ = static_cast<std::uint16_t>((on ? bits_ | mask : bits_ & ~mask) & kMask);
    return *this;
  }
  constexpr TcpFlags& set_fin(bool on) { return set(kFin, on); }
  constexpr TcpFlags& set_syn(bool on) { return set(kSyn, on); }
  constexpr TcpFlags& set_rst(bool on) { return set(kRst, on); }
  constexpr TcpFlags& set_psh(bool on) { return set(kPsh, on); }
  constexpr TcpFlags& set_ack(bool on) { return set(kAck, on); }
  constexpr TcpFlags& set_urg(bool on) { return set(kUrg, on); }
  constexpr TcpFlags& set_ece(bool on) { return set(kEce, on); }
  constexpr TcpFlags& set_cwr(bool on) { return set(kCwr, on); }
  constexpr TcpFlags& set_ns(bool on) { return set(kNs, on); }

  friend constexpr TcpFlags operator|(TcpFlags a, TcpFlags b) {
    return TcpFlags{static_cast<std::uint16_t>(a.bits_ | b.bits_)};
  }
  friend constexpr bool operator==(TcpFlags, TcpFlags) = default;

 private:
  std::uint16_t bits_ = 0;
};

// tcpdump's flag letters in its order: "[S]", "[S.]", "[P.]", "[FP.UEW]",
// "[none]" (F S R P . U E W, and e for NS/AE).
std::ostream& operator<<(std::ostream& os, TcpFlags f);

// Byte = const std::byte (read-only view) or std::byte (writable view).
template <class Byte>
class BasicTcpPacket {
 public:
  // Unchecked: for emitting into a buffer we sized ourselves. options() and
  // payload() rely on the data offset: set it first.
  explicit constexpr BasicTcpPacket(std::span<Byte> buf) : buf_(buf) {}

  // Checked: on success every accessor stays inside `buf`. Use on all input.
  static WireResult<BasicTcpPacket> checked(std::span<Byte> buf) {
    BasicTcpPacket p(buf);
    if (auto err = p.check_len()) return Unexpected{*err};
    return p;
  }

  // truncated: fewer than 20 bytes. bad_header_len: data offset below 5, or a
  // header longer than the buffer.
  std::optional<WireError> check_len() const {
    if (buf_.size() < kTcpHeaderLen) return WireError::truncated;
    const std::size_t hl = header_len();
    if (hl < kTcpHeaderLen || hl > buf_.size()) return WireError::bad_header_len;
    return std::nullopt;
  }

  std::uint16_t src_port() const { return load_be16(buf_, tcp_field::kSrcPort.begin); }
  std::uint16_t dst_port() const { return load_be16(buf_, tcp_field::kDstPort.begin); }
  std::uint32_t seq_number() const { return load_be32(buf_, tcp_field::kSeqNumber.begin); }
  std::uint32_t ack_number() const { return load_be32(buf_, tcp_field::kAckNumber.begin); }
  // In 32-bit words, 5..15 on a valid segment.
  std::uint8_t data_offset() const { return static_cast<std::uint8_t>(offset_and_flags() >> 12); }
  std::size_t header_len() const { return std::size_t{data_offset()} * 4; }
  TcpFlags flags() const { return TcpFlags{offset_and_flags()}; }
  bool fin() const { return flags().fin(); }
  bool syn() const { return flags().syn(); }
  bool rst() const { return flags().rst(); }
  bool psh() const { return flags().psh(); }
  bool ack() const { return flags().ack(); }
  bool urg() const { return flags().urg(); }
  bool ece() const { return flags().ece(); }
  bool cwr() const { return flags().cwr(); }
  bool ns() const { return flags().ns(); }
  std::uint8_t reserved() const { return flags().reserved(); }
  std::uint16_t window() const { return load_be16(buf_, tcp_field::kWindow.begin); }
  std::uint16_t checksum() const { return load_be16(buf_, tcp_field::kChecksum.begin); }
  std::uint16_t urgent_pointer() const { return load_be16(buf_, tcp_field::kUrgentPointer.begin); }
  std::span<Byte> options() const { return buf_.subspan(kTcpHeaderLen, header_len() - kTcpHeaderLen); }
  std::span<Byte> payload() const { return buf_.subspan(header_len()); }
  // The whole segment: header and payload.
  std::span<Byte> bytes() const { return buf_; }

  void set_src_port(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, tcp_field::kSrcPort.begin, v);
  }
  void set_dst_port(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, tcp_field::kDstPort.begin, v);
  }
  void set_seq_number(std::uint32_t v) requires(!std::is_const_v<Byte>) {
    store_be32(buf_, tcp_field::kSeqNumber.begin, v);
  }
  void set_ack_number(std::uint32_t v) requires(!std::is_const_v<Byte>) {
    store_be32(buf_, tcp_field::kAckNumber.begin, v);
  }
  // Precondition: words <= 15. Keeps the flags.
  void set_data_offset(std::uint8_t words) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, tcp_field::kOffsetAndFlags.begin,
               static_cast<std::uint16_t>((words & 0xf) << 12 | (offset_and_flags() & TcpFlags::kMask)));
  }
  // Writes the reserved bits and the flags; keeps the data offset.
  void set_flags(TcpFlags f) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, tcp_field::kOffsetAndFlags.begin,
               static_cast<std::uint16_t>((offset_and_flags() & ~TcpFlags::kMask) | f.bits()));
  }
  void set_window(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, tcp_field::kWindow.begin, v);
  }
  void set_checksum(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, tcp_field::kChecksum.begin, v);
  }
  void set_urgent_pointer(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, tcp_field::kUrgentPointer.begin, v);
  }

 private:
  std::uint16_t offset_and_flags() const { return load_be16(buf_, tcp_field::kOffsetAndFlags.begin); }
  std::span<Byte> buf_;
};

using TcpPacket = BasicTcpPacket<const std::byte>;
using TcpPacketMut = BasicTcpPacket<std::byte>;

// One's-complement sum of `segment` (header and payload, checksum field
// included) and its IPv4 pseudo-header, not inverted: a segment whose checksum
// is right sums to 0xffff. Precondition: segment.size() <= 0xffff.
std::uint16_t tcp_sum(Bytes segment, const IpPair& ips);

struct TcpRepr {
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;  // as on the wire, meaningful when flags.ack()
  TcpFlags flags{};
  std::uint16_t window = 0;  // unscaled, as on the wire
  std::uint16_t urgent = 0;  // as on the wire, meaningful when flags.urg()
  TcpOptions options{};

  // bad_length: a segment over 65535 bytes (no IPv4 datagram carries one).
  // bad_field: source or destination port 0. bad_checksum: checked when
  // mode.verify_rx. bad_option_length: from TcpOptions::parse.
  static WireResult<TcpRepr> parse(TcpPacket p, const IpPair& ips, ChecksumMode mode = {});
  // 20 + options.emitted_len(); a multiple of 4.
  std::size_t header_len() const { return kTcpHeaderLen + options.emitted_len(); }
  // Writes header, options and payload, and the checksum if mode.fill_tx (0
  // otherwise, for offload). Preconditions: header_len() <= 60;
  // out.bytes().size() == header_len() + payload.size() <= 65535. The payload
  // may already be in place (payload.data() == out.bytes().data() +
  // header_len()): it is not copied then.
  void emit(TcpPacketMut out, const IpPair& ips, Bytes payload, ChecksumMode mode = {}) const;
  // emit() for a segment whose payload is already in place and whose sum is
  // known (checksum::copy_and_sum() as it was copied there): the checksum
  // covers the pseudo-header and the header, and adds `payload_sum`.
  void emit_summed(TcpPacketMut out, const IpPair& ips, std::uint16_t payload_sum) const;

  friend bool operator==(const TcpRepr&, const TcpRepr&) = default;

 private:
  // The header and options into `out` (checksum field zero).
  void emit_header(TcpPacketMut out) const;
};

// "40000 > 80: Flags [S], seq 123, win 64240, options [mss 1460,sackOK,TS val 1
// ecr 0,nop,wscale 7]": tcpdump -S without addresses and, as the Repr does not
// know its payload, without "length"; seq is always printed.
std::ostream& operator<<(std::ostream& os, const TcpRepr& r);

namespace detail {
std::ostream& print_tcp(std::ostream& os, TcpPacket p);
}  // namespace detail

// tcpdump -S's line without addresses, options in wire order:
// "40000 > 80: Flags [P.], seq 1000:1003, ack 2000, win 502, options
// [nop,nop,TS val 7 ecr 8], length 3". Precondition: the view came from
// checked() (or was fully emitted).
template <class Byte>
std::ostream& operator<<(std::ostream& os, const BasicTcpPacket<Byte>& p) {
  return detail::print_tcp(os, TcpPacket(p.bytes()));
}

}  // namespace wirestack
