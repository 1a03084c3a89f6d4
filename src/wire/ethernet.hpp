// wire/ethernet.hpp — Ethernet II frames, with an optional IEEE 802.1Q tag.
//
//   0      6      12        14
//   | dst  | src  | type    | payload ...            (untagged)
//   | dst  | src  | 0x8100  | TCI | type | payload   (802.1Q: TCI = PCP:3 DEI:1 VID:12)
//
// The view does not include the preamble or the frame check sequence: devices
// (and the simulator's links, which do carry an FCS) strip it. Frames shorter
// than the 60-byte minimum are accepted; emitting pads nothing: the device
// pads when it must.
//
// This file is the model for every protocol in wire/: a templated view over
// bytes (read-only or writable), a Repr holding the meaning with parse() and
// emit(), and operator<< for a tcpdump-like line.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <span>
#include <type_traits>

#include "base/bytes.hpp"
#include "wire/error.hpp"
#include "wire/mac_address.hpp"

namespace wirestack {

// Open enum: values we do not name are carried as they are.
enum class EtherType : std::uint16_t {
  ipv4 = 0x0800,
  arp = 0x0806,
  vlan = 0x8100,
  ipv6 = 0x86dd,
};

std::ostream& operator<<(std::ostream& os, EtherType t);

namespace eth_field {
inline constexpr Field kDst{0, 6};
inline constexpr Field kSrc{6, 12};
inline constexpr Field kEtherType{12, 14};
inline constexpr Field kVlanTci{14, 16};          // only when tagged
inline constexpr Field kVlanInnerType{16, 18};  // only when tagged
}  // namespace eth_field

inline constexpr std::size_t kEthernetHeaderLen = 14;
inline constexpr std::size_t kEthernetVlanHeaderLen = 18;
inline constexpr std::size_t kEthernetMinFrameLen = 60;  // without the FCS
inline constexpr std::size_t kEthernetFcsLen = 4;

template <class Byte>
class BasicEthernetFrame {
 public:
  // Unchecked: for emitting into a buffer of at least header_len() bytes.
  explicit constexpr BasicEthernetFrame(std::span<Byte> buf) : buf_(buf) {}

  // Checked: on success all accessors stay inside `buf`.
  static WireResult<BasicEthernetFrame> checked(std::span<Byte> buf) {
    BasicEthernetFrame f(buf);
    if (buf.size() < kEthernetHeaderLen) return Unexpected{WireError::truncated};
    if (f.has_vlan() && buf.size() < kEthernetVlanHeaderLen) return Unexpected{WireError::truncated};
    return f;
  }

  MacAddress dst() const { return MacAddress::from_bytes(buf_.subspan(eth_field::kDst.begin)); }
  MacAddress src() const { return MacAddress::from_bytes(buf_.subspan(eth_field::kSrc.begin)); }
  bool has_vlan() const { return load_be16(buf_, eth_field::kEtherType.begin) == static_cast<std::uint16_t>(EtherType::vlan); }
  std::uint16_t vlan_tci() const { return load_be16(buf_, eth_field::kVlanTci.begin); }  // has_vlan() only
  // The type of the payload, after the tag if there is one.
  EtherType ethertype() const {
    return EtherType{load_be16(buf_, has_vlan() ? eth_field::kVlanInnerType.begin : eth_field::kEtherType.begin)};
  }
  std::size_t header_len() const { return has_vlan() ? kEthernetVlanHeaderLen : kEthernetHeaderLen; }
  std::span<Byte> payload() const { return buf_.subspan(header_len()); }
  std::span<Byte> bytes() const { return buf_; }

  void set_dst(const MacAddress& m) requires(!std::is_const_v<Byte>) { put(eth_field::kDst.begin, m); }
  void set_src(const MacAddress& m) requires(!std::is_const_v<Byte>) { put(eth_field::kSrc.begin, m); }
  // Writes an untagged type field.
  void set_ethertype(EtherType t) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, eth_field::kEtherType.begin, static_cast<std::uint16_t>(t));
  }
  // Writes a tag and the inner type; the buffer must hold 18 header bytes.
  void set_vlan(std::uint16_t tci, EtherType inner) requires(!std::is_const_v<Byte>) {
    store_be16(buf_, eth_field::kEtherType.begin, static_cast<std::uint16_t>(EtherType::vlan));
    store_be16(buf_, eth_field::kVlanTci.begin, tci);
    store_be16(buf_, eth_field::kVlanInnerType.begin, static_cast<std::uint16_t>(inner));
  }

 private:
  void put(std::size_t at, const MacAddress& m) { m.write(buf_.subspan(at)); }
  std::span<Byte> buf_;
};

using EthernetFrame = BasicEthernetFrame<const std::byte>;
using EthernetFrameMut = BasicEthernetFrame<std::byte>;

struct VlanTag {
  std::uint8_t pcp = 0;   // priority code point, 0..7
  bool dei = false;       // drop eligible
  std::uint16_t vid = 0;  // VLAN id, 0..4095

  constexpr std::uint16_t tci() const {
    return static_cast<std::uint16_t>((pcp & 0x7) << 13 | (dei ? 1 : 0) << 12 | (vid & 0x0fff));
  }
  static constexpr VlanTag from_tci(std::uint16_t tci) {
    return VlanTag{.pcp = static_cast<std::uint8_t>(tci >> 13), .dei = ((tci >> 12) & 1) != 0,
                   .vid = static_cast<std::uint16_t>(tci & 0x0fff)};
  }
  friend constexpr bool operator==(const VlanTag&, const VlanTag&) = default;
};

struct EthernetRepr {
  MacAddress src;
  MacAddress dst;
  EtherType ethertype = EtherType::ipv4;  // of the payload (inside the tag, if any)
  std::optional<VlanTag> vlan;

  static WireResult<EthernetRepr> parse(EthernetFrame f);
  std::size_t header_len() const { return vlan ? kEthernetVlanHeaderLen : kEthernetHeaderLen; }
  // Writes the header; precondition: out.bytes().size() >= header_len().
  void emit(EthernetFrameMut out) const;

  friend bool operator==(const EthernetRepr&, const EthernetRepr&) = default;
};

// "aa:..:01 > ff:..:ff, vlan 10 p 0, ethertype ARP"
std::ostream& operator<<(std::ostream& os, const EthernetRepr& r);

}  // namespace wirestack
