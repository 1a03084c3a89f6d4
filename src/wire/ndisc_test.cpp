// wire/ndisc_test.cpp — ND options (RFC 4861 4.6) and check_nd(), the
// validity checks of RFC 4861 6.1.1, 6.1.2, 7.1.1, 7.1.2 and 8.1, one test
// per rule, on bytes.
#include "wire/ndisc.hpp"

#include <gtest/gtest.h>

namespace wirestack {
namespace {

Ipv6Address A(const char* text) { return *Ipv6Address::parse(text); }
const MacAddress kMac1 = *MacAddress::parse("02:00:00:00:00:01");
const MacAddress kMac2 = *MacAddress::parse("02:00:00:00:00:02");

// The options of scapy's router advertisement (icmpv6_test.cpp kRa): SLLA,
// MTU 1500, prefix 2001:db8:1::/64 L A valid 86400 preferred 14400.
const ByteVec kRaOptions = from_hex(
    "010102000000000105010000000005dc030440c000015180000038400000000020010db8000100000000000000000000");

ByteVec emit(const Icmpv6Repr& r, const Ipv6Address& src, const Ipv6Address& dst) {
  ByteVec out(r.buffer_len());
  r.emit(Icmpv6PacketMut(out), src, dst);
  return out;
}

Ipv6Repr ip(const char* src, const char* dst, std::uint8_t hop_limit = 255) {
  return Ipv6Repr{.src = A(src), .dst = A(dst), .next_header = IpProtocol::icmpv6, .hop_limit = hop_limit};
}

const ByteVec kSll = from_hex("0101020000000001");

TEST(NdOptions, Rfc4861_4_6_ParsesLinkLayerMtuAndPrefix) {
  auto o = NdOptions::parse(kRaOptions);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->source_ll, kMac1);
  EXPECT_FALSE(o->target_ll);
  EXPECT_EQ(o->mtu, 1500u);
  ASSERT_EQ(o->prefix_count, 1u);
  const NdPrefixInfo& p = o->prefixes[0];
  EXPECT_EQ(p.prefix, A("2001:db8:1::"));
  EXPECT_EQ(p.prefix_len, 64);
  EXPECT_TRUE(p.on_link);
  EXPECT_TRUE(p.autonomous);
  EXPECT_EQ(p.valid_lifetime, 86400u);
  EXPECT_EQ(p.preferred_lifetime, 14400u);
  // emit() writes the same bytes (its order is the capture's).
  ByteVec out(o->buffer_len(), std::byte{0xa5});
  o->emit(out);
  EXPECT_EQ(out, kRaOptions);
}

TEST(NdOptions, Rfc4861_4_6_OptionWithLengthZeroIsMalformed) {
  EXPECT_EQ(NdOptions::parse(from_hex("0100020000000001")).error(), WireError::bad_option_length);
  // ... even an unknown one after a good one.
  EXPECT_EQ(NdOptions::parse(from_hex("0101020000000001" "2000")).error(), WireError::bad_option_length);
}

TEST(NdOptions, Rfc4861_4_6_OptionRunningPastTheMessageIsMalformed) {
  EXPECT_EQ(NdOptions::parse(from_hex("01020200000000010000")).error(), WireError::bad_option_length);
  EXPECT_EQ(NdOptions::parse(from_hex("01")).error(), WireError::bad_option_length);
}

TEST(NdOptions, Rfc4861_4_6_UnknownOptionsAreSkipped) {
  auto o = NdOptions::parse(from_hex("2001000000000000" "0101020000000001"));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->unknown, 1u);
  EXPECT_EQ(o->source_ll, kMac1);
}

TEST(NdOptions, Rfc2464_8_LinkLayerAddressMustBeEthernetSized) {
  EXPECT_EQ(NdOptions::parse(from_hex("01020200000000010000000000000000")).error(), WireError::bad_option_length);
}

TEST(NdOptions, Rfc4861_4_6_2_PrefixOptionMustBe32Bytes) {
  EXPECT_EQ(NdOptions::parse(from_hex("0301400000000000")).error(), WireError::bad_option_length);
}

TEST(NdOptions, Rfc4861_4_6_4_MtuOptionMustBe8Bytes) {
  EXPECT_EQ(NdOptions::parse(from_hex("05020000000005780000000000000000")).error(),
            WireError::bad_option_length);
}

TEST(NdOptions, DuplicateSingleOptionsKeepTheFirstLikeLinux) {
  auto o = NdOptions::parse(from_hex("0101020000000001" "0101020000000002"));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->source_ll, kMac1);
  EXPECT_EQ(o->duplicates, 1u);
}

TEST(NdOptions, PrefixesBeyondTheBoundAreCounted) {
  ByteVec many;
  for (int i = 0; i < 10; ++i) {
    const ByteVec one = from_hex("030440c000015180000038400000000020010db8000100000000000000000000");
    many.insert(many.end(), one.begin(), one.end());
  }
  auto o = NdOptions::parse(many);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->prefix_count, NdOptions::kMaxPrefixes);
  EXPECT_EQ(o->prefixes_ignored, 2u);
}

TEST(NdOptions, Rfc3971_5_3_2_NonceAndRedirectedHeaderRoundTrip) {
  const ByteVec nonce = from_hex("0102030405 06");
  const ByteVec quoted = from_hex("6000000000000000");
  NdOptions o;
  o.target_ll = kMac2;
  o.nonce = Bytes(nonce);
  o.redirected = Bytes(quoted);
  ByteVec out(o.buffer_len());
  o.emit(out);
  EXPECT_EQ(out.size(), 8u + 16u + 8u);
  auto back = NdOptions::parse(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, o);
}

// --- check_nd ---

Icmpv6Repr ns(const char* target, Bytes options = {}) {
  return Icmpv6Repr{.message = NdNeighborSolicit{.code = 0, .target = A(target), .options = options}};
}

TEST(CheckNd, Rfc4861_7_1_1_ValidSolicitationGivesItsOptions) {
  auto o = check_nd(ip("fe80::1", "ff02::1:ff00:2"), ns("fe80::2", kSll));
  ASSERT_TRUE(o);
  EXPECT_EQ(o->source_ll, kMac1);
}

TEST(CheckNd, Rfc4861_7_1_1_HopLimitBelow255IsDropped) {
  EXPECT_EQ(check_nd(ip("fe80::1", "ff02::1:ff00:2", 254), ns("fe80::2")).error(), NdDrop::hop_limit);
  EXPECT_EQ(check_nd(ip("fe80::1", "ff02::1:ff00:2", 64), ns("fe80::2")).error(), NdDrop::hop_limit);
}

TEST(CheckNd, Rfc4861_7_1_1_NonzeroCodeIsDropped) {
  auto m = ns("fe80::2");
  std::get<NdNeighborSolicit>(m.message).code = 1;
  EXPECT_EQ(check_nd(ip("fe80::1", "ff02::1:ff00:2"), m).error(), NdDrop::bad_code);
}

TEST(CheckNd, Rfc4861_7_1_1_ZeroLengthOptionIsDropped) {
  const ByteVec zero = from_hex("0100020000000001");
  EXPECT_EQ(check_nd(ip("fe80::1", "ff02::1:ff00:2"), ns("fe80::2", zero)).error(), NdDrop::bad_options);
}

TEST(CheckNd, Rfc4861_7_1_1_MulticastTargetIsDropped) {
  EXPECT_EQ(check_nd(ip("fe80::1", "ff02::1:ff00:2"), ns("ff02::1")).error(), NdDrop::target_multicast);
}

TEST(CheckNd, Rfc4861_7_1_1_DadProbeMustGoToSolicitedNodeWithoutSourceLinkLayer) {
  EXPECT_TRUE(check_nd(ip("::", "ff02::1:ff00:2"), ns("fe80::2")));
  EXPECT_EQ(check_nd(ip("::", "ff02::1"), ns("fe80::2")).error(), NdDrop::unspecified_not_solicited_node);
  EXPECT_EQ(check_nd(ip("::", "ff02::1:ff00:2"), ns("fe80::2", kSll)).error(), NdDrop::unspecified_with_sll);
}

TEST(CheckNd, Rfc4861_7_1_2_AdvertisementChecks) {
  const auto na = [](const char* target, bool solicited) {
    return Icmpv6Repr{.message = NdNeighborAdvert{.solicited = solicited, .target = A(target)}};
  };
  EXPECT_TRUE(check_nd(ip("fe80::2", "fe80::1"), na("fe80::2", true)));
  EXPECT_TRUE(check_nd(ip("fe80::2", "ff02::1"), na("fe80::2", false)));
  EXPECT_EQ(check_nd(ip("fe80::2", "ff02::1"), na("fe80::2", true)).error(), NdDrop::solicited_to_multicast);
  EXPECT_EQ(check_nd(ip("fe80::2", "fe80::1"), na("ff02::2", true)).error(), NdDrop::target_multicast);
  EXPECT_EQ(check_nd(ip("fe80::2", "fe80::1", 1), na("fe80::2", true)).error(), NdDrop::hop_limit);
}

TEST(CheckNd, Rfc4861_6_1_1_RouterSolicitationFromUnspecifiedWithoutSourceLinkLayer) {
  const Icmpv6Repr rs{.message = NdRouterSolicit{.code = 0, .options = kSll}};
  EXPECT_TRUE(check_nd(ip("fe80::1", "ff02::2"), rs));
  EXPECT_EQ(check_nd(ip("::", "ff02::2"), rs).error(), NdDrop::unspecified_with_sll);
  EXPECT_TRUE(check_nd(ip("::", "ff02::2"), Icmpv6Repr{.message = NdRouterSolicit{}}));
}

TEST(CheckNd, Rfc4861_6_1_2_RouterAdvertisementMustComeFromLinkLocal) {
  const Icmpv6Repr ra{.message = NdRouterAdvert{.cur_hop_limit = 64, .router_lifetime = 1800, .options = kRaOptions}};
  auto o = check_nd(ip("fe80::1", "ff02::1"), ra);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->prefix_count, 1u);
  EXPECT_EQ(check_nd(ip("2001:db8::1", "ff02::1"), ra).error(), NdDrop::source_not_link_local);
  EXPECT_EQ(check_nd(ip("fe80::1", "ff02::1", 64), ra).error(), NdDrop::hop_limit);
}

TEST(CheckNd, Rfc4861_8_1_RedirectChecks) {
  const auto rd = [](const char* target, const char* destination) {
    return Icmpv6Repr{.message = NdRedirect{.target = A(target), .destination = A(destination)}};
  };
  EXPECT_TRUE(check_nd(ip("fe80::1", "2001:db8::1"), rd("fe80::2", "2001:db8::9")));
  EXPECT_TRUE(check_nd(ip("fe80::1", "2001:db8::1"), rd("2001:db8::9", "2001:db8::9")));  // on-link destination
  EXPECT_EQ(check_nd(ip("2001:db8::fe", "2001:db8::1"), rd("fe80::2", "2001:db8::9")).error(),
            NdDrop::source_not_link_local);
  EXPECT_EQ(check_nd(ip("fe80::1", "2001:db8::1"), rd("fe80::2", "ff0e::1")).error(), NdDrop::target_multicast);
  EXPECT_EQ(check_nd(ip("fe80::1", "2001:db8::1"), rd("2001:db8::8", "2001:db8::9")).error(),
            NdDrop::redirect_bad_target);
}

TEST(CheckNd, OtherMessagesAreNotNd) {
  const Icmpv6Repr echo{.message = Icmpv6EchoRequest{}};
  EXPECT_EQ(check_nd(ip("fe80::1", "fe80::2"), echo).error(), NdDrop::not_nd);
}

TEST(CheckNd, ParsedBytesOfARealSolicitationPass) {
  // scapy's NS (icmpv6_test.cpp kNs), through parse() then check_nd().
  const ByteVec b = from_hex("87007a9700000000fe8000000000000000000000000000020101020000000001");
  auto msg = Icmpv6Repr::parse(*Icmpv6Packet::checked(b), A("fe80::1"), A("ff02::1:ff00:2"));
  ASSERT_TRUE(msg);
  auto o = check_nd(ip("fe80::1", "ff02::1:ff00:2"), *msg);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->source_ll, kMac1);
  EXPECT_EQ(emit(*msg, A("fe80::1"), A("ff02::1:ff00:2")), b);
}

}  // namespace
}  // namespace wirestack
