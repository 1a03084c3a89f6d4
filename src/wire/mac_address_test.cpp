// wire/mac_address_test.cpp — MacAddress text form, halves and the I/G and
// U/L bits (IEEE 802-2014 8.2).
#include "wire/mac_address.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace wirestack {
namespace {

using ::testing::HasSubstr;

std::string parse_error(std::string_view text) {
  auto m = MacAddress::parse(text);
  EXPECT_FALSE(m) << "'" << text << "' parsed as " << (m ? m->to_string() : "");
  return m ? std::string() : m.error();
}

TEST(MacAddress, ParseColonAndDashEitherCase) {
  const MacAddress expected(bytes_of(0x00, 0x1b, 0x21, 0xab, 0xcd, 0xef));
  for (const char* text : {"00:1b:21:ab:cd:ef", "00:1B:21:AB:CD:EF", "00-1b-21-ab-cd-ef", "00-1B-21-aB-Cd-eF"}) {
    auto m = MacAddress::parse(text);
    ASSERT_TRUE(m) << text << ": " << m.error();
    EXPECT_EQ(*m, expected) << text;
  }
}

TEST(MacAddress, FormatsLowercaseWithColons) {
  EXPECT_EQ(MacAddress(bytes_of(0x00, 0x1b, 0x21, 0xab, 0xcd, 0xef)).to_string(), "00:1b:21:ab:cd:ef");
  EXPECT_EQ(MacAddress{}.to_string(), "00:00:00:00:00:00");
  EXPECT_EQ(MacAddress::broadcast().to_string(), "ff:ff:ff:ff:ff:ff");
  auto m = MacAddress::parse("02-00-5E-10-00-01");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "02:00:5e:10:00:01");
  std::ostringstream os;
  os << *m;
  EXPECT_EQ(os.str(), "02:00:5e:10:00:01");
}

TEST(MacAddress, RoundTripsEveryByteValue) {
  for (unsigned v = 0; v < 256; ++v) {
    const auto b = static_cast<std::byte>(v);
    const MacAddress m(std::array<std::byte, 6>{b, std::byte{0}, b, std::byte{0xff}, b, b});
    auto back = MacAddress::parse(m.to_string());
    ASSERT_TRUE(back) << m.to_string();
    EXPECT_EQ(*back, m);
  }
}

TEST(MacAddress, FromBytesReadsSixBytes) {
  const auto frame = bytes_of(0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11);
  EXPECT_EQ(MacAddress::from_bytes(frame).to_string(), "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(MacAddress::from_bytes(Bytes(frame).subspan(1)).to_string(), "bb:cc:dd:ee:ff:11");
}

TEST(MacAddress, VendorAndSerialHalves) {
  auto m = MacAddress::parse("00:1b:21:ab:cd:ef");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->oui(), 0x001b21u);
  EXPECT_EQ(m->serial(), 0xabcdefu);
  EXPECT_EQ(MacAddress::broadcast().oui(), 0xffffffu);
  EXPECT_EQ(MacAddress::broadcast().serial(), 0xffffffu);
}

TEST(MacAddress, FromPartsIsInverseOfHalves) {
  constexpr MacAddress m = MacAddress::from_parts(0x02005e, 0x100001);
  static_assert(m.oui() == 0x02005e && m.serial() == 0x100001);
  EXPECT_EQ(m.to_string(), "02:00:5e:10:00:01");
  EXPECT_EQ(MacAddress::from_parts(0, 0), MacAddress{});
  EXPECT_EQ(MacAddress::from_parts(0xffffff, 0xffffff), MacAddress::broadcast());
  // Bits above 24 are ignored rather than spilling into the other half.
  EXPECT_EQ(MacAddress::from_parts(0xab001b21, 0xcd000001).to_string(), "00:1b:21:00:00:01");
}

TEST(MacAddress, Broadcast) {
  EXPECT_TRUE(MacAddress::broadcast().is_broadcast());
  EXPECT_TRUE(MacAddress::broadcast().is_multicast());  // broadcast is a group address
  EXPECT_FALSE(MacAddress::broadcast().is_unicast());
  EXPECT_FALSE(MacAddress::from_parts(0xffffff, 0xfffffe).is_broadcast());
  EXPECT_FALSE(MacAddress{}.is_broadcast());
}

TEST(MacAddress, MulticastIsTheLowBitOfTheFirstByte) {
  const MacAddress ipv4_mcast = MacAddress::from_parts(0x01005e, 0x000001);  // 224.0.0.1
  const MacAddress ipv6_mcast = MacAddress::from_parts(0x333300, 0x000001);  // ff02::1
  EXPECT_TRUE(ipv4_mcast.is_multicast());
  EXPECT_FALSE(ipv4_mcast.is_unicast());
  EXPECT_FALSE(ipv4_mcast.is_broadcast());
  EXPECT_TRUE(ipv6_mcast.is_multicast());
  EXPECT_TRUE(MacAddress::from_parts(0x010000, 0).is_multicast());
  // The bit in any other byte does not count.
  EXPECT_FALSE(MacAddress::from_parts(0x000001, 0x010101).is_multicast());
  EXPECT_TRUE(MacAddress::from_parts(0x001b21, 0xabcdef).is_unicast());
}

TEST(MacAddress, LocallyAdministeredIsTheSecondBit) {
  EXPECT_TRUE(MacAddress::from_parts(0x020000, 1).is_locally_administered());
  EXPECT_TRUE(MacAddress::from_parts(0x020000, 1).is_unicast());
  EXPECT_FALSE(MacAddress::from_parts(0x001b21, 1).is_locally_administered());  // burned in
  EXPECT_TRUE(MacAddress::from_parts(0x030000, 1).is_locally_administered());
  EXPECT_TRUE(MacAddress::from_parts(0x030000, 1).is_multicast());
  EXPECT_FALSE(MacAddress::from_parts(0x010000, 1).is_locally_administered());
  EXPECT_TRUE(MacAddress::broadcast().is_locally_administered());
}

TEST(MacAddress, Zero) {
  EXPECT_TRUE(MacAddress{}.is_zero());
  EXPECT_TRUE(MacAddress{}.is_unicast());
  EXPECT_FALSE(MacAddress::from_parts(0, 1).is_zero());
}

TEST(MacAddress, OrdersByteWise) {
  EXPECT_LT(MacAddress::from_parts(0, 1), MacAddress::from_parts(0, 2));
  EXPECT_LT(MacAddress::from_parts(0, 0xffffff), MacAddress::from_parts(1, 0));
  EXPECT_LT(MacAddress{}, MacAddress::broadcast());
}

TEST(MacAddressParse, RejectsWrongLength) {
  EXPECT_THAT(parse_error("aa:bb"), HasSubstr("expected 6 groups"));
  EXPECT_THAT(parse_error(""), HasSubstr("expected 6 groups"));
  EXPECT_THAT(parse_error("aa:bb:cc:dd:ee"), HasSubstr("expected 6 groups"));
  EXPECT_THAT(parse_error("aa:bb:cc:dd:ee:ff:00"), HasSubstr("expected 6 groups"));
  EXPECT_THAT(parse_error("aa:bb:cc:dd:ee:ff "), HasSubstr("expected 6 groups"));
  EXPECT_THAT(parse_error("a:b:c:d:e:f"), HasSubstr("expected 6 groups"));  // no short groups
  EXPECT_THAT(parse_error("aabbccddeeff"), HasSubstr("expected 6 groups"));
}

TEST(MacAddressParse, RejectsNonHex) {
  EXPECT_THAT(parse_error("zz:bb:cc:dd:ee:ff"), HasSubstr("'zz' is not a hex byte"));
  EXPECT_THAT(parse_error("aa:bb:cc:dd:ee:fg"), HasSubstr("'fg' is not a hex byte"));
  EXPECT_THAT(parse_error("aa:bb: c:dd:ee:ff"), HasSubstr("' c' is not a hex byte"));
  EXPECT_THAT(parse_error("+a:bb:cc:dd:ee:ff"), HasSubstr("'+a' is not a hex byte"));
}

TEST(MacAddressParse, RejectsBadOrMixedSeparators) {
  EXPECT_THAT(parse_error("aa:bb-cc:dd:ee:ff"), HasSubstr("inconsistent separators"));
  EXPECT_THAT(parse_error("aa-bb-cc-dd-ee:ff"), HasSubstr("inconsistent separators"));
  EXPECT_THAT(parse_error("aa.bb.cc.dd.ee.ff"), HasSubstr("separated by ':'"));
  EXPECT_THAT(parse_error("aa bb cc dd ee ff"), HasSubstr("separated by ':'"));
  EXPECT_THAT(parse_error("aa:bb.cc:dd:ee:ff"), HasSubstr("inconsistent separators"));
}

TEST(MacAddressParse, ErrorQuotesTheInput) {
  EXPECT_EQ(parse_error("zz:bb:cc:dd:ee:ff"), "MAC address 'zz:bb:cc:dd:ee:ff': 'zz' is not a hex byte");
}

}  // namespace
}  // namespace wirestack
