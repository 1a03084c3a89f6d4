#include "wire/mld.hpp"

#include <chrono>

#include "wire/ipv6.hpp"

namespace wirestack {

namespace {

constexpr std::size_t kRecordLen = 20;     // type, aux len, number of sources, group (RFC 3810 5.2.4-5.2.8)
constexpr std::size_t kV1QueryBody = 16;   // the group (RFC 2710 3.6)
constexpr std::size_t kV2QueryBody = 20;   // group, S/QRV, QQIC, number of sources (RFC 3810 5.1)
constexpr std::uint8_t kRouterAlert = 5;   // RFC 2711
constexpr std::uint8_t kHopLimit = 1;      // RFC 3810 5: link-scope only

}  // namespace

Icmpv6Repr mldv2_report(std::span<const MldRecord> records, ByteVec& storage) {
  storage.assign(records.size() * kRecordLen, std::byte{0});
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::size_t at = i * kRecordLen;
    store_u8(storage, at, static_cast<std::uint8_t>(records[i].type));
    // aux data length 0, number of sources 0 (the bytes are zero already)
    std::ranges::copy(records[i].group.bytes(), storage.begin() + static_cast<std::ptrdiff_t>(at + 4));
  }
  return Icmpv6Repr{.message = Icmpv6Other{.type = Icmpv6Type{kMldv2ReportType},
                                           .code = 0,
                                           .rest = static_cast<std::uint32_t>(records.size() & 0xffff),
                                           .data = storage}};
}

ByteVec mldv2_report_packet(const Ipv6Address& src, std::span<const MldRecord> records, ChecksumMode mode) {
  ByteVec body;
  const Icmpv6Repr msg = mldv2_report(records, body);
  // RFC 3810 5: "sent with ... the IPv6 Router Alert option [RFC2711] in a
  // Hop-by-Hop Options header"; value 0: a Multicast Listener Discovery message.
  const std::byte alert[] = {std::byte{kRouterAlert}, std::byte{2}, std::byte{0}, std::byte{0}};
  const std::size_t hbh = options_header_len(sizeof alert);
  const std::size_t icmp_len = msg.buffer_len();
  const Ipv6Repr ip{.src = src,
                    .dst = kMldv2Routers,
                    .next_header = IpProtocol{0},  // Hop-by-Hop Options
                    .hop_limit = kHopLimit,
                    .payload_len = static_cast<std::uint16_t>(hbh + icmp_len)};
  ByteVec out(ip.total_len());
  ip.emit(Ipv6PacketMut(out));
  (void)emit_options_header(IpProtocol::icmpv6, Bytes(alert), MutBytes(out).subspan(kIpv6HeaderLen, hbh));
  msg.emit(Icmpv6PacketMut(MutBytes(out).subspan(kIpv6HeaderLen + hbh)), src, kMldv2Routers, mode);
  return out;
}

WireResult<std::vector<MldRecord>> parse_mldv2_report(const Icmpv6Other& m) {
  if (static_cast<std::uint8_t>(m.type) != kMldv2ReportType) return Unexpected{WireError::unsupported};
  const std::size_t count = m.rest & 0xffff;
  std::vector<MldRecord> out;
  std::size_t at = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (m.data.size() < at + kRecordLen) return Unexpected{WireError::truncated};
    const std::size_t aux_words = load_u8(m.data, at + 1);
    const std::size_t sources = load_be16(m.data, at + 2);
    out.push_back(MldRecord{.type = MldRecordType{load_u8(m.data, at)},
                            .group = Ipv6Address::from_bytes(m.data.subspan(at + 4))});
    at += kRecordLen + sources * Ipv6Address::kSize + aux_words * 4;
    if (at > m.data.size()) return Unexpected{WireError::truncated};
  }
  return out;
}

WireResult<MldQuery> parse_mld_query(const Icmpv6Other& m) {
  if (static_cast<std::uint8_t>(m.type) != kMldQueryType) return Unexpected{WireError::unsupported};
  if (m.data.size() < kV1QueryBody) return Unexpected{WireError::truncated};
  // RFC 3810 8.1: 24 bytes is MLDv1, 28 or more MLDv2, anything else ignored.
  if (m.data.size() != kV1QueryBody && m.data.size() < kV2QueryBody) return Unexpected{WireError::bad_length};
  const bool v2 = m.data.size() >= kV2QueryBody;
  const auto code = static_cast<std::uint16_t>(m.rest >> 16);
  std::uint32_t ms = code;
  if (v2 && code >= 0x8000) {
    // RFC 3810 5.1.3: |1|exp|mant| -> (mant | 0x1000) << (exp + 3).
    ms = (static_cast<std::uint32_t>(code & 0x0fff) | 0x1000) << (((code >> 12) & 7) + 3);
  }
  return MldQuery{.group = Ipv6Address::from_bytes(m.data.first(Ipv6Address::kSize)),
                  .max_response = std::chrono::duration_cast<Duration>(std::chrono::milliseconds{ms}),
                  .v2 = v2};
}

}  // namespace wirestack
