// wire/ipv4_address_test.cpp — strict dotted-decimal parsing (every
// rejection with its reason), formatting, classification and Ipv4Prefix.
#include "wire/ipv4_address.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <random>
#include <sstream>
#include <string>

namespace wirestack {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

Ipv4Address addr(std::string_view text) {
  auto a = Ipv4Address::parse(text);
  EXPECT_TRUE(a) << text << ": " << (a ? "" : a.error());
  return a ? *a : Ipv4Address{};
}

std::string parse_error(std::string_view text) {
  auto a = Ipv4Address::parse(text);
  EXPECT_FALSE(a) << "'" << text << "' parsed as " << (a ? a->to_string() : "");
  return a ? std::string() : a.error();
}

Ipv4Prefix prefix(std::string_view text) {
  auto p = Ipv4Prefix::parse(text);
  EXPECT_TRUE(p) << text << ": " << (p ? "" : p.error());
  return p ? *p : Ipv4Prefix{};
}

std::string prefix_error(std::string_view text) {
  auto p = Ipv4Prefix::parse(text);
  EXPECT_FALSE(p) << "'" << text << "' parsed as " << (p ? p->to_string() : "");
  return p ? std::string() : p.error();
}

// --- Address ---------------------------------------------------------------------

TEST(Ipv4Address, ParseAndFormat) {
  EXPECT_EQ(addr("192.168.0.1"), Ipv4Address(192, 168, 0, 1));
  EXPECT_EQ(addr("0.0.0.0"), Ipv4Address::any());
  EXPECT_EQ(addr("255.255.255.255"), Ipv4Address::broadcast());
  EXPECT_EQ(addr("10.0.0.255").to_u32(), 0x0a0000ffu);
  for (const char* text : {"0.0.0.0", "1.2.3.4", "10.0.0.1", "100.64.0.10", "192.168.100.200", "255.255.255.255"}) {
    EXPECT_EQ(addr(text).to_string(), text);
  }
  std::ostringstream os;
  os << Ipv4Address(172, 16, 254, 3);
  EXPECT_EQ(os.str(), "172.16.254.3");
}

TEST(Ipv4Address, BytesAreNetworkOrder) {
  const auto wire = bytes_of(0xc0, 0xa8, 0x00, 0x01, 0x99);
  EXPECT_EQ(Ipv4Address::from_bytes(wire), Ipv4Address(192, 168, 0, 1));
  std::array<std::byte, 5> out;
  out.fill(std::byte{0xa5});
  Ipv4Address(192, 168, 0, 1).write(out);
  EXPECT_EQ(out, bytes_of(0xc0, 0xa8, 0x00, 0x01, 0xa5));
  EXPECT_EQ(Ipv4Address(0x01020304u), Ipv4Address(1, 2, 3, 4));
}

TEST(Ipv4Address, RandomRoundTripAgreesWithInetNtop) {
  std::mt19937 rng(4);
  for (int n = 0; n < 10000; ++n) {
    const Ipv4Address a{static_cast<std::uint32_t>(rng())};
    std::array<std::byte, 4> b;
    a.write(b);
    char buf[INET_ADDRSTRLEN];
    ASSERT_NE(::inet_ntop(AF_INET, b.data(), buf, sizeof buf), nullptr);
    EXPECT_EQ(a.to_string(), buf);
    EXPECT_EQ(addr(buf), a);
  }
}

// The brief's four: too large, too few parts, too many parts, leading zero.
TEST(Ipv4AddressParse, RejectsOctetAbove255) {
  EXPECT_THAT(parse_error("256.1.1.1"), HasSubstr("'256' is greater than 255"));
  EXPECT_THAT(parse_error("1.1.1.999"), HasSubstr("'999' is greater than 255"));
  EXPECT_THAT(parse_error("1.1.1.4294967297"), HasSubstr("greater than 255"));  // no wrap-around
}

TEST(Ipv4AddressParse, RejectsTooFewParts) {
  EXPECT_THAT(parse_error("1.2.3"), HasSubstr("expected 4 parts, got 3"));
  EXPECT_THAT(parse_error("1"), HasSubstr("expected 4 parts, got 1"));
  EXPECT_THAT(parse_error("16909060"), HasSubstr("greater than 255"));  // inet_aton would take it
}

TEST(Ipv4AddressParse, RejectsTooManyParts) {
  EXPECT_THAT(parse_error("1.2.3.4.5"), HasSubstr("more than 4 parts"));
  EXPECT_THAT(parse_error("1.2.3.4."), HasSubstr("more than 4 parts"));
}

TEST(Ipv4AddressParse, RejectsLeadingZero) {
  EXPECT_THAT(parse_error("01.2.3.4"), HasSubstr("'01' has a leading zero"));
  EXPECT_THAT(parse_error("1.2.3.00"), HasSubstr("'00' has a leading zero"));
  EXPECT_THAT(parse_error("1.2.3.010"), HasSubstr("leading zero"));
  EXPECT_EQ(addr("1.0.3.0"), Ipv4Address(1, 0, 3, 0));  // a lone 0 is fine
}

TEST(Ipv4AddressParse, RejectsEmptyAndEmptyParts) {
  EXPECT_THAT(parse_error(""), HasSubstr("empty"));
  EXPECT_THAT(parse_error("1..2.3"), HasSubstr("empty part"));
  EXPECT_THAT(parse_error(".1.2.3"), HasSubstr("empty part"));
  EXPECT_THAT(parse_error("1.2.3."), HasSubstr("empty part"));
  EXPECT_THAT(parse_error("..."), HasSubstr("empty part"));
}

TEST(Ipv4AddressParse, RejectsNonDigits) {
  EXPECT_THAT(parse_error(" 1.2.3.4"), HasSubstr("' 1' is not a decimal number"));
  EXPECT_THAT(parse_error("1.2.3.4 "), HasSubstr("'4 ' is not a decimal number"));
  EXPECT_THAT(parse_error("-1.2.3.4"), HasSubstr("'-1' is not a decimal number"));
  EXPECT_THAT(parse_error("+1.2.3.4"), HasSubstr("not a decimal number"));
  EXPECT_THAT(parse_error("1.2.3.4/8"), HasSubstr("'4/8' is not a decimal number"));
  EXPECT_THAT(parse_error("0x1.2.3.4"), HasSubstr("part '0x1'"));  // reported as a leading zero
  EXPECT_THAT(parse_error("a.b.c.d"), HasSubstr("not a decimal number"));
  EXPECT_THAT(parse_error("1.2.3.4\n"), HasSubstr("not a decimal number"));
}

TEST(Ipv4AddressParse, ErrorQuotesTheInput) {
  EXPECT_EQ(parse_error("256.1.1.1"), "IPv4 address '256.1.1.1': part '256' is greater than 255");
  EXPECT_EQ(parse_error("1.2.3"), "IPv4 address '1.2.3': expected 4 parts, got 3");
}

TEST(Ipv4Address, Classification) {
  EXPECT_TRUE(addr("0.0.0.0").is_unspecified());
  EXPECT_FALSE(addr("0.0.0.1").is_unspecified());
  EXPECT_TRUE(addr("255.255.255.255").is_broadcast());
  EXPECT_FALSE(addr("10.255.255.255").is_broadcast());  // directed broadcast is per prefix
  EXPECT_TRUE(addr("224.0.0.1").is_multicast());
  EXPECT_TRUE(addr("239.255.255.255").is_multicast());
  EXPECT_FALSE(addr("223.255.255.255").is_multicast());
  EXPECT_FALSE(addr("240.0.0.0").is_multicast());
  EXPECT_TRUE(addr("127.0.0.1").is_loopback());
  EXPECT_TRUE(addr("127.255.0.9").is_loopback());
  EXPECT_FALSE(addr("128.0.0.1").is_loopback());
  EXPECT_TRUE(addr("169.254.1.1").is_link_local());
  EXPECT_FALSE(addr("169.253.1.1").is_link_local());
  EXPECT_TRUE(addr("10.0.0.1").is_unicast());
  EXPECT_FALSE(addr("0.0.0.0").is_unicast());
  EXPECT_FALSE(addr("255.255.255.255").is_unicast());
  EXPECT_FALSE(addr("224.0.0.251").is_unicast());
}

TEST(Ipv4Address, OrdersNumerically) {
  EXPECT_LT(addr("9.255.255.255"), addr("10.0.0.0"));
  EXPECT_LT(addr("10.0.0.2"), addr("10.0.0.10"));  // not text order
  static_assert(Ipv4Address(1, 2, 3, 4) < Ipv4Address(1, 2, 3, 5));
}

// --- Prefix ----------------------------------------------------------------------

TEST(Ipv4Prefix, ParseAndFormat) {
  const Ipv4Prefix p = prefix("10.0.1.7/24");
  EXPECT_EQ(p.address(), Ipv4Address(10, 0, 1, 7));  // kept as given
  EXPECT_EQ(p.len(), 24);
  EXPECT_EQ(p.to_string(), "10.0.1.7/24");
  EXPECT_EQ(prefix("0.0.0.0/0").to_string(), "0.0.0.0/0");
  EXPECT_EQ(prefix("1.2.3.4/32").len(), 32);
  std::ostringstream os;
  os << prefix("192.168.0.0/16");
  EXPECT_EQ(os.str(), "192.168.0.0/16");
}

TEST(Ipv4Prefix, NetmaskNetworkBroadcast) {
  const Ipv4Prefix p = prefix("10.0.1.7/24");
  EXPECT_EQ(p.netmask(), Ipv4Address(255, 255, 255, 0));
  EXPECT_EQ(p.network(), Ipv4Address(10, 0, 1, 0));
  EXPECT_EQ(p.broadcast(), Ipv4Address(10, 0, 1, 255));

  EXPECT_EQ(prefix("10.1.2.3/8").netmask(), Ipv4Address(255, 0, 0, 0));
  EXPECT_EQ(prefix("10.1.2.3/8").network(), Ipv4Address(10, 0, 0, 0));
  EXPECT_EQ(prefix("10.1.2.3/8").broadcast(), Ipv4Address(10, 255, 255, 255));

  EXPECT_EQ(prefix("192.168.1.130/25").netmask(), Ipv4Address(255, 255, 255, 128));
  EXPECT_EQ(prefix("192.168.1.130/25").network(), Ipv4Address(192, 168, 1, 128));
  EXPECT_EQ(prefix("172.16.5.4/12").netmask(), Ipv4Address(255, 240, 0, 0));
  EXPECT_EQ(prefix("172.31.5.4/12").network(), Ipv4Address(172, 16, 0, 0));

  EXPECT_EQ(prefix("1.2.3.4/0").netmask(), Ipv4Address::any());
  EXPECT_EQ(prefix("1.2.3.4/0").network(), Ipv4Address::any());
  EXPECT_EQ(prefix("1.2.3.4/0").broadcast(), Ipv4Address::broadcast());

  EXPECT_EQ(prefix("1.2.3.4/32").netmask(), Ipv4Address::broadcast());
  EXPECT_EQ(prefix("1.2.3.4/32").network(), Ipv4Address(1, 2, 3, 4));
  EXPECT_EQ(prefix("1.2.3.4/32").broadcast(), Ipv4Address(1, 2, 3, 4));

  EXPECT_EQ(prefix("10.0.0.5/30").network(), Ipv4Address(10, 0, 0, 4));
  EXPECT_EQ(prefix("10.0.0.5/30").broadcast(), Ipv4Address(10, 0, 0, 7));
  EXPECT_EQ(prefix("10.0.0.5/31").network(), Ipv4Address(10, 0, 0, 4));
  EXPECT_EQ(prefix("10.0.0.5/31").netmask(), Ipv4Address(255, 255, 255, 254));
}

TEST(Ipv4Prefix, EveryLengthHasAContiguousMask) {
  for (unsigned len = 0; len <= 32; ++len) {
    const Ipv4Prefix p(Ipv4Address(0xdeadbeefu), static_cast<std::uint8_t>(len));
    const std::uint32_t m = p.mask();
    EXPECT_EQ(std::popcount(m), static_cast<int>(len)) << len;
    EXPECT_EQ(m & (m >> 1 | 0x80000000u), m) << "mask " << std::hex << m << " has a hole";
    EXPECT_EQ(p.network().to_u32() | ~m, p.broadcast().to_u32());
  }
}

TEST(Ipv4Prefix, HostCount) {
  EXPECT_EQ(prefix("0.0.0.0/0").host_count(), 4294967294u);
  EXPECT_EQ(prefix("10.0.0.0/8").host_count(), 16777214u);
  EXPECT_EQ(prefix("192.168.1.0/24").host_count(), 254u);
  EXPECT_EQ(prefix("10.0.0.4/30").host_count(), 2u);
  EXPECT_EQ(prefix("10.0.0.4/31").host_count(), 2u);  // RFC 3021 point-to-point
  EXPECT_EQ(prefix("10.0.0.4/32").host_count(), 1u);
}

TEST(Ipv4Prefix, ContainsAddress) {
  const Ipv4Prefix p = prefix("10.0.1.7/24");
  EXPECT_TRUE(p.contains(Ipv4Address(10, 0, 1, 0)));
  EXPECT_TRUE(p.contains(Ipv4Address(10, 0, 1, 255)));
  EXPECT_FALSE(p.contains(Ipv4Address(10, 0, 2, 0)));
  EXPECT_FALSE(p.contains(Ipv4Address(10, 0, 0, 255)));
  EXPECT_TRUE(prefix("0.0.0.0/0").contains(Ipv4Address(203, 0, 113, 9)));
  EXPECT_TRUE(prefix("1.2.3.4/32").contains(Ipv4Address(1, 2, 3, 4)));
  EXPECT_FALSE(prefix("1.2.3.4/32").contains(Ipv4Address(1, 2, 3, 5)));
  EXPECT_TRUE(prefix("10.0.0.4/31").contains(Ipv4Address(10, 0, 0, 5)));
  EXPECT_FALSE(prefix("10.0.0.4/31").contains(Ipv4Address(10, 0, 0, 6)));
}

TEST(Ipv4Prefix, ContainsPrefix) {
  const Ipv4Prefix p8 = prefix("10.0.0.0/8");
  EXPECT_TRUE(p8.contains(prefix("10.1.0.0/16")));
  EXPECT_TRUE(p8.contains(p8));
  EXPECT_FALSE(prefix("10.1.0.0/16").contains(p8));
  EXPECT_FALSE(p8.contains(prefix("11.0.0.0/16")));
  EXPECT_FALSE(p8.contains(prefix("0.0.0.0/0")));
}

TEST(Ipv4PrefixParse, RequiresPrefixLength) {
  EXPECT_THAT(prefix_error("10.0.0.1"), HasSubstr("missing '/PREFIX'"));
}

TEST(Ipv4PrefixParse, RejectsBadLength) {
  EXPECT_THAT(prefix_error("10.0.0.1/33"), AllOf(HasSubstr("'33'"), HasSubstr("greater than 32")));
  EXPECT_THAT(prefix_error("10.0.0.1/024"), HasSubstr("'024' has a leading zero"));
  EXPECT_THAT(prefix_error("10.0.0.1/"), HasSubstr("empty prefix length"));
  EXPECT_THAT(prefix_error("10.0.0.1/-1"), HasSubstr("not a decimal number"));
  EXPECT_THAT(prefix_error("10.0.0.1/8/8"), HasSubstr("not a decimal number"));
  EXPECT_THAT(prefix_error("10.0.0.1/ 8"), HasSubstr("not a decimal number"));
  EXPECT_THAT(prefix_error("10.0.0.1/99999999999"), HasSubstr("greater than 32"));
}

TEST(Ipv4PrefixParse, RejectsBadAddress) {
  EXPECT_THAT(prefix_error("10.0.0/8"), HasSubstr("expected 4 parts"));
  EXPECT_THAT(prefix_error("/8"), HasSubstr("empty"));
  EXPECT_THAT(prefix_error("10.0.0.256/8"), HasSubstr("greater than 255"));
}

}  // namespace
}  // namespace wirestack
