#include "wire/stp.hpp"

#include <iomanip>

#include "wire/ethernet.hpp"

namespace wirestack {

namespace {

// 1/256 s units, as the BPDU carries them.
Duration from_ticks(std::uint16_t t) { return Duration{static_cast<Duration::rep>(t) * 1'000'000'000 / 256}; }
std::uint16_t to_ticks(Duration d) {
  const auto t = d.count() * 256 / 1'000'000'000;
  return static_cast<std::uint16_t>(t < 0 ? 0 : t > 0xffff ? 0xffff : t);
}

void store_be64(MutBytes b, std::size_t at, std::uint64_t v) {
  store_be32(b, at, static_cast<std::uint32_t>(v >> 32));
  store_be32(b, at + 4, static_cast<std::uint32_t>(v));
}

void seconds(std::ostream& os, Duration d) {
  os << std::fixed << std::setprecision(2) << to_seconds(d) << "s" << std::defaultfloat;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const BridgeId& b) {
  const auto flags = os.flags();
  const auto fill = os.fill();
  os << std::hex << std::setw(4) << std::setfill('0') << b.priority;
  os.flags(flags);
  os.fill(fill);
  return os << "." << b.mac;
}

WireResult<BpduRepr> BpduRepr::parse(BpduPacket p) {
  if (p.protocol() != 0) return Unexpected{WireError::unsupported};
  BpduRepr r;
  r.type = p.type();
  r.version = p.version();
  if (r.type == BpduType::tcn) return r;
  if (r.type != BpduType::config && r.type != BpduType::rst) return Unexpected{WireError::unsupported};
  r.topology_change = (p.flags() & kBpduFlagTc) != 0;
  r.topology_change_ack = (p.flags() & kBpduFlagTca) != 0;
  r.root = BridgeId::from_value(p.root());
  r.root_path_cost = p.cost();
  r.bridge = BridgeId::from_value(p.bridge());
  r.port_id = p.port();
  r.message_age = from_ticks(p.message_age());
  r.max_age = from_ticks(p.max_age());
  r.hello_time = from_ticks(p.hello());
  r.forward_delay = from_ticks(p.forward_delay());
  return r;
}

void BpduRepr::emit(MutBytes out) const {
  store_be16(out, bpdu_field::kProtocol.begin, 0);
  store_u8(out, bpdu_field::kVersion.begin, version);
  store_u8(out, bpdu_field::kType.begin, static_cast<std::uint8_t>(type));
  if (type == BpduType::tcn) return;
  store_u8(out, bpdu_field::kFlags.begin,
           static_cast<std::uint8_t>((topology_change ? kBpduFlagTc : 0) | (topology_change_ack ? kBpduFlagTca : 0)));
  store_be64(out, bpdu_field::kRoot.begin, root.value());
  store_be32(out, bpdu_field::kCost.begin, root_path_cost);
  store_be64(out, bpdu_field::kBridge.begin, bridge.value());
  store_be16(out, bpdu_field::kPort.begin, port_id);
  store_be16(out, bpdu_field::kMessageAge.begin, to_ticks(message_age));
  store_be16(out, bpdu_field::kMaxAge.begin, to_ticks(max_age));
  store_be16(out, bpdu_field::kHello.begin, to_ticks(hello_time));
  store_be16(out, bpdu_field::kForwardDelay.begin, to_ticks(forward_delay));
  if (type == BpduType::rst) store_u8(out, kBpduConfigLen, 0);  // version 1 length
}

std::ostream& operator<<(std::ostream& os, const BpduRepr& r) {
  os << "STP " << (r.version >= 2 ? "802.1w" : "802.1d") << ", ";
  if (r.type == BpduType::tcn) return os << "Topology Change";
  os << (r.type == BpduType::rst ? "Rapid STP" : "Config") << ", Flags [";
  if (!r.topology_change && !r.topology_change_ack) os << "none";
  if (r.topology_change) os << "TC";
  if (r.topology_change_ack) os << (r.topology_change ? ", " : "") << "TC ack";
  os << "], bridge-id " << r.bridge << "." << std::hex << std::setw(4) << std::setfill('0') << r.port_id << std::dec
     << std::setfill(' ') << ", root-id " << r.root << ", root-pathcost " << r.root_path_cost << ", message-age ";
  seconds(os, r.message_age);
  os << ", max-age ";
  seconds(os, r.max_age);
  os << ", hello-time ";
  seconds(os, r.hello_time);
  os << ", forwarding-delay ";
  seconds(os, r.forward_delay);
  return os;
}

WireResult<BpduRepr> parse_llc_bpdu(Bytes llc) {
  if (llc.size() < kLlcHeaderLen) return Unexpected{WireError::truncated};
  if (load_u8(llc, 0) != kLlcSapStp || load_u8(llc, 1) != kLlcSapStp || load_u8(llc, 2) != kLlcControlUi) {
    return Unexpected{WireError::unsupported};
  }
  auto p = BpduPacket::checked(llc.subspan(kLlcHeaderLen));
  if (!p) return Unexpected{p.error()};
  return BpduRepr::parse(*p);
}

ByteVec bpdu_frame(MacAddress src, const BpduRepr& bpdu) {
  const std::size_t len = kLlcHeaderLen + bpdu.buffer_len();
  ByteVec frame(std::max(kEthernetMinFrameLen, kEthernetHeaderLen + len));
  EthernetFrameMut eth(frame);
  eth.set_dst(kBridgeGroupAddress);
  eth.set_src(src);
  store_be16(frame, eth_field::kEtherType.begin, static_cast<std::uint16_t>(len));  // 802.3 length
  store_u8(frame, kEthernetHeaderLen, kLlcSapStp);
  store_u8(frame, kEthernetHeaderLen + 1, kLlcSapStp);
  store_u8(frame, kEthernetHeaderLen + 2, kLlcControlUi);
  bpdu.emit(MutBytes(frame).subspan(kEthernetHeaderLen + kLlcHeaderLen));
  return frame;
}

WireResult<BpduRepr> parse_bpdu_frame(Bytes frame) {
  auto eth = EthernetFrame::checked(frame);
  if (!eth) return Unexpected{eth.error()};
  const auto len = static_cast<std::uint16_t>(eth->ethertype());
  if (eth->has_vlan() || len >= 0x0600) return Unexpected{WireError::unsupported};
  const Bytes payload = eth->payload();
  if (len > payload.size()) return Unexpected{WireError::bad_length};
  return parse_llc_bpdu(payload.first(len));
}

}  // namespace wirestack
