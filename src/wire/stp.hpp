// wire/stp.hpp — Bridge Protocol Data Units of the IEEE 802.1D Spanning Tree
// Protocol, in their IEEE 802.3 / LLC envelope.
//
// A BPDU is not Ethernet II: the type field holds the length of what follows
// (< 0x0600), then an LLC header (DSAP 0x42, SSAP 0x42, control 0x03, UI),
// then the BPDU (802.1D-2004 clause 9.3):
//
//   0        2    3    4     5           13     17           25     27    29    31     33     35
//   | proto  | ver| type| flags| root id  | cost | bridge id  | port | age | max | hello| fwd  |
//
// proto 0x0000; version 0 (STP) or 2 (RSTP); type 0x00 Configuration (35
// bytes), 0x80 Topology Change Notification (4 bytes), 0x02 RST (36: one more
// byte, the version-1 length, 0). A bridge id is a 16-bit priority then the
// bridge's MAC; a port id a 4-bit priority then a 12-bit port number. Times
// are in 1/256 s. Frames go to the Bridge Group Address 01:80:c2:00:00:00,
// which bridges never forward, and are padded to the 60-byte minimum.
//
//   auto frame = bpdu_frame(port_mac, BpduRepr::config(...));   // whole frame
//   if (auto b = parse_bpdu_frame(bytes)) stp.receive(port, *b, now);
//
// Contract: BpduPacket::checked() guarantees the 4-byte common part and, for
// a Configuration or RST BPDU, the 35 bytes its accessors read. Bytes past
// the BPDU (padding) are ignored. BpduRepr::parse() rejects a protocol id
// other than 0 and an unknown BPDU type (`unsupported`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <type_traits>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "wire/error.hpp"
#include "wire/mac_address.hpp"

namespace wirestack {

// 802.1D 7.12.3: the Bridge Group Address.
inline constexpr MacAddress kBridgeGroupAddress =
    MacAddress(std::array<std::byte, 6>{std::byte{0x01}, std::byte{0x80}, std::byte{0xc2}, std::byte{0}, std::byte{0},
                                        std::byte{0}});
inline constexpr std::uint8_t kLlcSapStp = 0x42;
inline constexpr std::uint8_t kLlcControlUi = 0x03;
inline constexpr std::size_t kLlcHeaderLen = 3;

enum class BpduType : std::uint8_t { config = 0x00, rst = 0x02, tcn = 0x80 };

namespace bpdu_field {
inline constexpr Field kProtocol{0, 2};
inline constexpr Field kVersion{2, 3};
inline constexpr Field kType{3, 4};
inline constexpr Field kFlags{4, 5};
inline constexpr Field kRoot{5, 13};
inline constexpr Field kCost{13, 17};
inline constexpr Field kBridge{17, 25};
inline constexpr Field kPort{25, 27};
inline constexpr Field kMessageAge{27, 29};
inline constexpr Field kMaxAge{29, 31};
inline constexpr Field kHello{31, 33};
inline constexpr Field kForwardDelay{33, 35};
}  // namespace bpdu_field

inline constexpr std::size_t kBpduTcnLen = 4;
inline constexpr std::size_t kBpduConfigLen = 35;
inline constexpr std::uint8_t kBpduFlagTc = 0x01;   // topology change
inline constexpr std::uint8_t kBpduFlagTca = 0x80;  // topology change acknowledgment

// A bridge identifier: lower is better (root election, 802.1D 9.2.5).
struct BridgeId {
  std::uint16_t priority = 0x8000;
  MacAddress mac{};
  constexpr std::uint64_t value() const {
    return std::uint64_t{priority} << 48 | std::uint64_t{mac.oui()} << 24 | mac.serial();
  }
  static constexpr BridgeId from_value(std::uint64_t v) {
    return BridgeId{static_cast<std::uint16_t>(v >> 48),
                    MacAddress::from_parts(static_cast<std::uint32_t>(v >> 24) & 0xffffff,
                                           static_cast<std::uint32_t>(v) & 0xffffff)};
  }
  friend constexpr bool operator==(const BridgeId& a, const BridgeId& b) { return a.value() == b.value(); }
  friend constexpr auto operator<=>(const BridgeId& a, const BridgeId& b) { return a.value() <=> b.value(); }
};
// "8000.02:57:42:00:01:00", as tcpdump writes it.
std::ostream& operator<<(std::ostream& os, const BridgeId& b);

template <class Byte>
class BasicBpduPacket {
 public:
  explicit constexpr BasicBpduPacket(std::span<Byte> buf) : buf_(buf) {}

  static WireResult<BasicBpduPacket> checked(std::span<Byte> buf) {
    if (buf.size() < kBpduTcnLen) return Unexpected{WireError::truncated};
    BasicBpduPacket p(buf);
    if (p.type() != BpduType::tcn && buf.size() < kBpduConfigLen) return Unexpected{WireError::truncated};
    return p;
  }

  std::uint16_t protocol() const { return load_be16(buf_, bpdu_field::kProtocol.begin); }
  std::uint8_t version() const { return load_u8(buf_, bpdu_field::kVersion.begin); }
  BpduType type() const { return BpduType{load_u8(buf_, bpdu_field::kType.begin)}; }
  // Configuration and RST BPDUs only (checked() made sure they are there).
  std::uint8_t flags() const { return load_u8(buf_, bpdu_field::kFlags.begin); }
  std::uint64_t root() const { return load_be64(bpdu_field::kRoot.begin); }
  std::uint32_t cost() const { return load_be32(buf_, bpdu_field::kCost.begin); }
  std::uint64_t bridge() const { return load_be64(bpdu_field::kBridge.begin); }
  std::uint16_t port() const { return load_be16(buf_, bpdu_field::kPort.begin); }
  std::uint16_t message_age() const { return load_be16(buf_, bpdu_field::kMessageAge.begin); }
  std::uint16_t max_age() const { return load_be16(buf_, bpdu_field::kMaxAge.begin); }
  std::uint16_t hello() const { return load_be16(buf_, bpdu_field::kHello.begin); }
  std::uint16_t forward_delay() const { return load_be16(buf_, bpdu_field::kForwardDelay.begin); }
  std::span<Byte> bytes() const { return buf_; }

 private:
  std::uint64_t load_be64(std::size_t at) const {
    return std::uint64_t{load_be32(buf_, at)} << 32 | load_be32(buf_, at + 4);
  }
  std::span<Byte> buf_;
};

using BpduPacket = BasicBpduPacket<const std::byte>;

struct BpduRepr {
  BpduType type = BpduType::config;
  std::uint8_t version = 0;
  // Configuration BPDUs (all zero in a TCN):
  bool topology_change = false;
  bool topology_change_ack = false;
  BridgeId root{};
  std::uint32_t root_path_cost = 0;
  BridgeId bridge{};
  std::uint16_t port_id = 0;
  // Times, carried in 1/256 s (emit rounds down to that).
  Duration message_age{};
  Duration max_age{};
  Duration hello_time{};
  Duration forward_delay{};

  static WireResult<BpduRepr> parse(BpduPacket p);
  std::size_t buffer_len() const { return type == BpduType::tcn ? kBpduTcnLen : kBpduConfigLen + (type == BpduType::rst); }
  // Writes the BPDU; precondition: out.size() >= buffer_len().
  void emit(MutBytes out) const;

  static constexpr BpduRepr tcn() { return BpduRepr{.type = BpduType::tcn}; }

  friend bool operator==(const BpduRepr&, const BpduRepr&) = default;
};

// "STP 802.1d, Config, Flags [TC], bridge-id 8000.02:..:00.8002, root-id
// 1000.02:..:00, root-pathcost 19, message-age 0.00s, max-age 20.00s,
// hello-time 2.00s, forwarding-delay 15.00s"; "STP 802.1d, Topology Change".
std::ostream& operator<<(std::ostream& os, const BpduRepr& r);

// The LLC payload of an 802.3 frame: the BPDU, or an error (not LLC for STP:
// `unsupported`; short: `truncated`).
WireResult<BpduRepr> parse_llc_bpdu(Bytes llc);
// A whole frame from `src` to the Bridge Group Address, padded to 60 bytes.
ByteVec bpdu_frame(MacAddress src, const BpduRepr& bpdu);
// A frame's BPDU if it is an 802.3/LLC frame carrying one, whatever its destination.
WireResult<BpduRepr> parse_bpdu_frame(Bytes frame);

}  // namespace wirestack
