// wire/arp.hpp — ARP (RFC 826) for Ethernet hardware and IPv4 protocol
// addresses, the only combination the stack resolves.
//
//   0       2       4    5    6       8            14     18           24     28
//   | htype | ptype | hl | pl | oper  | sha (6)    | spa  | tha (6)    | tpa  |
//
// htype 1 (Ethernet), ptype 0x0800 (IPv4), hlen 6, plen 4: 28 bytes. In an
// Ethernet frame the packet is usually followed by padding up to the 60-byte
// minimum frame; the view ignores bytes past offset 28.
//
// Contract (see wire/error.hpp): ArpPacket::checked() guarantees the 28 bytes
// the fixed-offset accessors read; ArpRepr::parse() rejects other hardware or
// protocol types (`unsupported`) and Ethernet/IPv4 packets whose address
// lengths are not 6 and 4 (`bad_field`).
//
//   auto pkt = ArpPacket::checked(eth.payload());
//   if (!pkt) return drop(pkt.error());
//   auto arp = ArpRepr::parse(*pkt);
//   if (arp && arp->operation == ArpOperation::request && arp->target_protocol == my_ip) {
//     ArpRepr::reply_to(*arp, my_mac).emit(ArpPacketMut(tx));
//   }
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <type_traits>

#include "base/bytes.hpp"
#include "wire/error.hpp"
#include "wire/ipv4_address.hpp"
#include "wire/mac_address.hpp"

namespace wirestack {

// Open enum: other operation codes (RARP 3/4, InARP 8/9, ...) are carried as they are.
enum class ArpOperation : std::uint16_t {
  request = 1,
  reply = 2,
};

std::ostream& operator<<(std::ostream& os, ArpOperation op);

namespace arp_field {
inline constexpr Field kHardwareType{0, 2};
inline constexpr Field kProtocolType{2, 4};
inline constexpr Field kHardwareLen{4, 5};
inline constexpr Field kProtocolLen{5, 6};
inline constexpr Field kOperation{6, 8};
inline constexpr Field kSourceHardware{8, 14};
inline constexpr Field kSourceProtocol{14, 18};
inline constexpr Field kTargetHardware{18, 24};
inline constexpr Field kTargetProtocol{24, 28};
}  // namespace arp_field

inline constexpr std::size_t kArpPacketLen = arp_field::kTargetProtocol.end;  // 28
inline constexpr std::uint16_t kArpHardwareEthernet = 1;
inline constexpr std::uint16_t kArpProtocolIpv4 = 0x0800;

template <class Byte>
class BasicArpPacket {
 public:
  // Unchecked: for emitting into a buffer of at least kArpPacketLen bytes.
  explicit constexpr BasicArpPacket(std::span<Byte> buf) : buf_(buf) {}

  // Checked: on success every accessor stays inside `buf`.
  static WireResult<BasicArpPacket> checked(std::span<Byte> buf) {
    if (buf.size() < kArpPacketLen) return Unexpected{WireError::truncated};
    return BasicArpPacket(buf);
  }

  std::uint16_t hardware_type() const { return load_be16(buf_, arp_field::kHardwareType.begin); }
  std::uint16_t protocol_type() const { return load_be16(buf_, arp_field::kProtocolType.begin); }
  std::uint8_t hardware_len() const { return load_u8(buf_, arp_field::kHardwareLen.begin); }
  std::uint8_t protocol_len() const { return load_u8(buf_, arp_field::kProtocolLen.begin); }
  ArpOperation operation() const { return ArpOperation{load_be16(buf_, arp_field::kOperation.begin)}; }
  MacAddress source_hardware() const { return MacAddress::from_bytes(buf_.subspan(arp_field::kSourceHardware.begin)); }
  Ipv4Address source_protocol() const {
    return Ipv4Address::from_bytes(buf_.subspan(arp_field::kSourceProtocol.begin));
  }
  MacAddress target_hardware() const { return MacAddress::from_bytes(buf_.subspan(arp_field::kTargetHardware.begin)); }
  Ipv4Address target_protocol() const {
    return Ipv4Address::from_bytes(buf_.subspan(arp_field::kTargetProtocol.begin));
  }
  // The whole buffer given to the view, padding included.
  std::span<Byte> bytes() const { return buf_; }

  void set_hardware_type(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, arp_field::kHardwareType.begin, v);
  }
  void set_protocol_type(std::uint16_t v) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, arp_field::kProtocolType.begin, v);
  }
  void set_hardware_len(std::uint8_t v) requires(!std::is_const_v<Byte>) {
    store_u8(buf_, arp_field::kHardwareLen.begin, v);
  }
  void set_protocol_len(std::uint8_t v) requires(!std::is_const_v<Byte>) {
    store_u8(buf_, arp_field::kProtocolLen.begin, v);
  }
  void set_operation(ArpOperation op) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, arp_field::kOperation.begin, static_cast<std::uint16_t>(op));
  }
  void set_source_hardware(const MacAddress& m) requires(!std::is_const_v<Byte>) {
    put_mac(arp_field::kSourceHardware.begin, m);
  }
  void set_source_protocol(const Ipv4Address& a) requires(!std::is_const_v<Byte>) {
    store_be32(buf_, arp_field::kSourceProtocol.begin, a.to_u32());
  }
  void set_target_hardware(const MacAddress& m) requires(!std::is_const_v<Byte>) {
    put_mac(arp_field::kTargetHardware.begin, m);
  }
  void set_target_protocol(const Ipv4Address& a) requires(!std::is_const_v<Byte>) {
    store_be32(buf_, arp_field::kTargetProtocol.begin, a.to_u32());
  }

 private:
  void put_mac(std::size_t at, const MacAddress& m) { m.write(buf_.subspan(at)); }
  std::span<Byte> buf_;
};

using ArpPacket = BasicArpPacket<const std::byte>;
using ArpPacketMut = BasicArpPacket<std::byte>;

struct ArpRepr {
  ArpOperation operation = ArpOperation::request;
  MacAddress source_hardware{};
  Ipv4Address source_protocol{};
  MacAddress target_hardware{};  // zero in a request (Linux sends zero; RFC 826 leaves it open)
  Ipv4Address target_protocol{};

  static WireResult<ArpRepr> parse(ArpPacket p);
  static constexpr std::size_t header_len() { return kArpPacketLen; }
  // Writes the 28 bytes; precondition: out.bytes().size() >= kArpPacketLen.
  // Bytes past 28 (Ethernet padding) are left alone.
  void emit(ArpPacketMut out) const;

  // "Who has `target`? Tell `my_ip`", from `my_mac`.
  static constexpr ArpRepr request(MacAddress my_mac, Ipv4Address my_ip, Ipv4Address target) {
    return ArpRepr{.operation = ArpOperation::request,
                   .source_hardware = my_mac,
                   .source_protocol = my_ip,
                   .target_hardware = MacAddress{},
                   .target_protocol = target};
  }
  // RFC 826 "swap the hardware and protocol fields, put the local hardware
  // and protocol addresses in the sender fields, set ar$op to ares_op$REPLY":
  // `my_mac` answers for req.target_protocol.
  static constexpr ArpRepr reply_to(const ArpRepr& req, MacAddress my_mac) {
    return ArpRepr{.operation = ArpOperation::reply,
                   .source_hardware = my_mac,
                   .source_protocol = req.target_protocol,
                   .target_hardware = req.source_hardware,
                   .target_protocol = req.source_protocol};
  }
  // Gratuitous ARP (RFC 5227 announcement): sender and target address equal.
  constexpr bool is_gratuitous() const { return source_protocol == target_protocol; }

  friend constexpr bool operator==(const ArpRepr&, const ArpRepr&) = default;
};

// "ARP, Request who-has 10.0.0.2 tell 10.0.0.1"
// "ARP, Reply 10.0.0.2 is-at 02:00:00:00:00:02"
std::ostream& operator<<(std::ostream& os, const ArpRepr& r);

}  // namespace wirestack
