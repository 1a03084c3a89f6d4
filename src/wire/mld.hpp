// wire/mld.hpp — Multicast Listener Discovery as a host speaks it: MLDv2
// Reports (RFC 3810 5.2) and the Queries it answers (RFC 2710 3, RFC 3810
// 5.1). ICMPv6 carries both as Icmpv6Other (types 130 and 143); these
// helpers read and write their bodies.
//
// A Report is sent to ff02::16 (all MLDv2-capable routers) with hop limit 1
// and a Hop-by-Hop header holding a Router Alert (RFC 2711, value 0: MLD),
// from the link-local address or, before there is one, from :: (RFC 3810
// 5.2.13). mldv2_report_packet() builds that whole IPv6 packet as Linux does
// (tests/capture6_test.cpp compares it with Linux's bytes): the Hop-by-Hop
// header is Router Alert then PadN, 8 bytes.
//
// Records carry no sources (a host's solicited-node groups are joined in
// EXCLUDE mode with an empty source list, RFC 3810 6.1: "any-source").
//
//   const MldRecord joined[] = {{MldRecordType::change_to_exclude, group}};
//   ByteVec packet = mldv2_report_packet(src, joined);  // then Ethernet to 33:33:00:00:00:16
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.hpp"
#include "base/time.hpp"
#include "wire/checksum.hpp"
#include "wire/error.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ipv6_address.hpp"

namespace wirestack {

inline constexpr Ipv6Address kMldv2Routers(0xff02, 0, 0, 0, 0, 0, 0, 0x16);  // ff02::16
inline constexpr std::uint8_t kMldQueryType = 130;
inline constexpr std::uint8_t kMldv2ReportType = 143;

// RFC 3810 5.2.12.
enum class MldRecordType : std::uint8_t {
  mode_is_include = 1,
  mode_is_exclude = 2,    // current state: listening to every source
  change_to_include = 3,  // a state change: left the group
  change_to_exclude = 4,  // a state change: joined the group
};

struct MldRecord {
  MldRecordType type = MldRecordType::mode_is_exclude;
  Ipv6Address group;
  friend bool operator==(const MldRecord&, const MldRecord&) = default;
};

// The ICMPv6 message of a Report (type 143) whose body is written into
// `storage` (which it borrows): the records, no sources, no aux data.
Icmpv6Repr mldv2_report(std::span<const MldRecord> records, ByteVec& storage);
// The whole IPv6 packet: header, Hop-by-Hop (Router Alert), the Report.
ByteVec mldv2_report_packet(const Ipv6Address& src, std::span<const MldRecord> records, ChecksumMode mode = {});
// A Report's records (type 143); their sources are skipped. Errors:
// truncated (a record or its sources running past the message).
WireResult<std::vector<MldRecord>> parse_mldv2_report(const Icmpv6Other& m);

// A Query (type 130) of either version: the group asked about (:: for a
// General Query) and how long a listener may wait before answering.
struct MldQuery {
  Ipv6Address group;
  Duration max_response{};
  bool v2 = false;  // 28 bytes or more (RFC 3810 8.1); a v1 Query is 24
  friend bool operator==(const MldQuery&, const MldQuery&) = default;
};
// Errors: truncated (shorter than 24 bytes), bad_length (a length that is
// neither v1's 24 nor at least v2's 28, RFC 3810 8.1: ignored).
WireResult<MldQuery> parse_mld_query(const Icmpv6Other& m);

}  // namespace wirestack
