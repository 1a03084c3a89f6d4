// wire/mld_test.cpp — MLDv2 Reports built and read back, Queries of both
// versions (the Maximum Response Code's exponential form), and refusals.
// tests/capture6_test.cpp compares a built Report with Linux's bytes.
#include "wire/mld.hpp"

#include <gtest/gtest.h>

#include "wire/ipv6.hpp"
#include "wire/ipv6_ext.hpp"

namespace wirestack {
namespace {

using namespace std::chrono_literals;

Ipv6Address v6(const char* t) { return *Ipv6Address::parse(t); }

TEST(Mld, AReportPacketCarriesARouterAlertAndItsRecords) {
  const MldRecord records[] = {{MldRecordType::change_to_exclude, v6("ff02::1:ff00:1")},
                               {MldRecordType::change_to_include, v6("ff02::1:ff00:2")}};
  const ByteVec packet = mldv2_report_packet(v6("fe80::1"), records);
  auto ip = Ipv6Packet::checked(packet);
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->hop_limit(), 1);
  EXPECT_EQ(ip->dst(), v6("ff02::16"));
  EXPECT_EQ(ip->next_header(), IpProtocol{0});
  // The walk (as a receiver does it) accepts the Hop-by-Hop Router Alert.
  const auto chain = walk_ipv6_chain(*ip);
  const auto* d = std::get_if<Ipv6Deliver>(&chain);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->protocol, IpProtocol::icmpv6);
  EXPECT_EQ(d->offset, kIpv6HeaderLen + 8);
  auto icmp = Icmpv6Packet::checked(Bytes(packet).subspan(d->offset));
  ASSERT_TRUE(icmp);
  auto msg = Icmpv6Repr::parse(*icmp, ip->src(), ip->dst());  // the checksum verified
  ASSERT_TRUE(msg);
  const auto* other = std::get_if<Icmpv6Other>(&msg->message);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(static_cast<unsigned>(other->type), 143u);
  const auto back = parse_mldv2_report(*other);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, std::vector<MldRecord>(std::begin(records), std::end(records)));
}

TEST(Mld, ReportRecordsWithSourcesAreSkippedAndTruncationRefused) {
  ByteVec body(20 + 16 + 20);
  body[0] = std::byte{1};  // MODE_IS_INCLUDE, 1 source
  body[3] = std::byte{1};
  std::ranges::copy(v6("ff05::2").bytes(), body.begin() + 4);
  body[36] = std::byte{2};
  std::ranges::copy(v6("ff05::3").bytes(), body.begin() + 40);
  Icmpv6Other m{.type = Icmpv6Type{143}, .rest = 2, .data = body};
  const auto r = parse_mldv2_report(m);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].group, v6("ff05::3"));
  m.rest = 3;  // a third record that is not there
  EXPECT_EQ(parse_mldv2_report(m).error(), WireError::truncated);
  m.data = Bytes(body).first(30);
  m.rest = 1;  // its source runs past the end
  EXPECT_EQ(parse_mldv2_report(m).error(), WireError::truncated);
}

TEST(Mld, QueriesOfBothVersions) {
  ByteVec v1(16);
  std::ranges::copy(v6("ff02::1:ff00:1").bytes(), v1.begin());
  const auto q1 = parse_mld_query(Icmpv6Other{.type = Icmpv6Type{130}, .rest = 10000u << 16, .data = v1});
  ASSERT_TRUE(q1);
  EXPECT_FALSE(q1->v2);
  EXPECT_EQ(q1->group, v6("ff02::1:ff00:1"));
  EXPECT_EQ(q1->max_response, 10s);
  const ByteVec v2(20);  // a General Query (::)
  // 0x8000 | exp 1 | mant 0x234: (0x1234) << 4 = 74560 ms (RFC 3810 5.1.3).
  const auto q2 = parse_mld_query(Icmpv6Other{.type = Icmpv6Type{130}, .rest = 0x9234u << 16, .data = v2});
  ASSERT_TRUE(q2);
  EXPECT_TRUE(q2->v2);
  EXPECT_TRUE(q2->group.is_unspecified());
  EXPECT_EQ(q2->max_response, 74560ms);
  const ByteVec odd(18);  // neither 24 nor >= 28 bytes
  EXPECT_EQ(parse_mld_query(Icmpv6Other{.type = Icmpv6Type{130}, .data = odd}).error(), WireError::bad_length);
  EXPECT_EQ(parse_mld_query(Icmpv6Other{.type = Icmpv6Type{130}, .data = Bytes(v1).first(8)}).error(),
            WireError::truncated);
}

}  // namespace
}  // namespace wirestack
