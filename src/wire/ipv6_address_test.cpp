// wire/ipv6_address_test.cpp — Ipv6Address text parsing (RFC 4291 2.2),
// canonical printing (RFC 5952), predicates, and Ipv6Prefix.
#include "wire/ipv6_address.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace wirestack {
namespace {

using ::testing::HasSubstr;

Ipv6Address addr(std::string_view text) {
  auto a = Ipv6Address::parse(text);
  EXPECT_TRUE(a) << text << ": " << (a ? "" : a.error());
  return a ? *a : Ipv6Address{};
}

std::string canonical(std::string_view text) { return addr(text).to_string(); }

std::string parse_error(std::string_view text) {
  auto a = Ipv6Address::parse(text);
  EXPECT_FALSE(a) << "'" << text << "' parsed as " << (a ? a->to_string() : "");
  return a ? std::string() : a.error();
}

// --- Construction and field access --------------------------------------------------

TEST(Ipv6Address, GroupsAndBytes) {
  constexpr Ipv6Address a(0x2001, 0x0db8, 0, 0, 0x0008, 0x0800, 0x200c, 0x417a);
  EXPECT_EQ(a.group(0), 0x2001);
  EXPECT_EQ(a.group(7), 0x417a);
  EXPECT_EQ(a.bytes()[0], std::byte{0x20});
  EXPECT_EQ(a.bytes()[1], std::byte{0x01});
  EXPECT_EQ(a.bytes()[15], std::byte{0x7a});
}

TEST(Ipv6Address, FromBytesAndWriteAreNetworkOrder) {
  const auto wire = bytes_of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xee);
  const Ipv6Address a = Ipv6Address::from_bytes(wire);
  EXPECT_EQ(a, Ipv6Address(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
  std::array<std::byte, 17> out;
  out.fill(std::byte{0xa5});
  a.write(out);
  EXPECT_TRUE(std::equal(out.begin(), out.begin() + 16, wire.begin()));
  EXPECT_EQ(out[16], std::byte{0xa5});  // writes exactly 16 bytes
}

TEST(Ipv6Address, DefaultIsUnspecified) {
  EXPECT_EQ(Ipv6Address{}, Ipv6Address::unspecified());
  EXPECT_EQ(Ipv6Address{}.to_string(), "::");
}

// --- RFC 4291 2.2: the three text forms ----------------------------------------------

TEST(Ipv6AddressParse, Rfc4291PreferredForm) {
  EXPECT_EQ(addr("ABCD:EF01:2345:6789:ABCD:EF01:2345:6789"),
            Ipv6Address(0xabcd, 0xef01, 0x2345, 0x6789, 0xabcd, 0xef01, 0x2345, 0x6789));
  EXPECT_EQ(addr("2001:DB8:0:0:8:800:200C:417A"), Ipv6Address(0x2001, 0xdb8, 0, 0, 8, 0x800, 0x200c, 0x417a));
}

TEST(Ipv6AddressParse, Rfc4291CompressedForm) {
  // Each pair is the same address in the preferred and the compressed form.
  const std::pair<const char*, const char*> cases[] = {
      {"2001:DB8:0:0:8:800:200C:417A", "2001:DB8::8:800:200C:417A"},  // unicast
      {"FF01:0:0:0:0:0:0:101", "FF01::101"},                          // multicast
      {"0:0:0:0:0:0:0:1", "::1"},                                     // loopback
      {"0:0:0:0:0:0:0:0", "::"},                                      // unspecified
  };
  for (const auto& [full, compressed] : cases) {
    EXPECT_EQ(addr(full), addr(compressed)) << full << " vs " << compressed;
  }
  EXPECT_EQ(addr("FF01::101"), Ipv6Address(0xff01, 0, 0, 0, 0, 0, 0, 0x101));
}

TEST(Ipv6AddressParse, Rfc4291MixedForm) {
  EXPECT_EQ(addr("0:0:0:0:0:0:13.1.68.3"), Ipv6Address(0, 0, 0, 0, 0, 0, 0x0d01, 0x4403));
  EXPECT_EQ(addr("::13.1.68.3"), addr("0:0:0:0:0:0:13.1.68.3"));
  EXPECT_EQ(addr("0:0:0:0:0:FFFF:129.144.52.38"), Ipv6Address(0, 0, 0, 0, 0, 0xffff, 0x8190, 0x3426));
  EXPECT_EQ(addr("::FFFF:129.144.52.38"), addr("0:0:0:0:0:FFFF:129.144.52.38"));
  EXPECT_EQ(addr("1:2:3:4:5:6:7.8.9.10"), Ipv6Address(1, 2, 3, 4, 5, 6, 0x0708, 0x090a));
  EXPECT_EQ(addr("64:ff9b::192.0.2.33"), Ipv6Address(0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x0221));  // RFC 6052
}

TEST(Ipv6AddressParse, DoubleColonAnywhere) {
  EXPECT_EQ(addr("::"), Ipv6Address{});
  EXPECT_EQ(addr("1::"), Ipv6Address(1, 0, 0, 0, 0, 0, 0, 0));
  EXPECT_EQ(addr("::8"), Ipv6Address(0, 0, 0, 0, 0, 0, 0, 8));
  EXPECT_EQ(addr("1:2::7:8"), Ipv6Address(1, 2, 0, 0, 0, 0, 7, 8));
  // "::" may stand for a single zero group on input (RFC 5952 only forbids
  // producing it): be liberal in what we accept.
  EXPECT_EQ(addr("1:2:3:4:5:6:7::"), Ipv6Address(1, 2, 3, 4, 5, 6, 7, 0));
  EXPECT_EQ(addr("::2:3:4:5:6:7:8"), Ipv6Address(0, 2, 3, 4, 5, 6, 7, 8));
  EXPECT_EQ(addr("1:2:3::5:6:7:8"), Ipv6Address(1, 2, 3, 0, 5, 6, 7, 8));
}

TEST(Ipv6AddressParse, HexGroupsOfOneToFourDigitsEitherCase) {
  EXPECT_EQ(addr("a:bc:def:1234:ABCD:aBcD:0:0000"), Ipv6Address(0xa, 0xbc, 0xdef, 0x1234, 0xabcd, 0xabcd, 0, 0));
  EXPECT_EQ(addr("0001:0002:0003:0004:0005:0006:0007:0008"), Ipv6Address(1, 2, 3, 4, 5, 6, 7, 8));
}

// --- Rejections, each with a reason --------------------------------------------------

TEST(Ipv6AddressParse, RejectsEmpty) { EXPECT_THAT(parse_error(""), HasSubstr("empty")); }

TEST(Ipv6AddressParse, RejectsMoreThanOneDoubleColon) {
  EXPECT_THAT(parse_error("1::2::3"), HasSubstr("more than one '::'"));
  EXPECT_THAT(parse_error("::1::"), HasSubstr("more than one '::'"));
  EXPECT_THAT(parse_error("1:::2"), HasSubstr("':::'"));
  EXPECT_THAT(parse_error(":::"), HasSubstr("':::'"));
}

TEST(Ipv6AddressParse, RejectsGroupWithMoreThanFourDigits) {
  EXPECT_THAT(parse_error("2001:0db80::1"), HasSubstr("'0db80' has more than 4 hex digits"));
  EXPECT_THAT(parse_error("12345::"), HasSubstr("'12345' has more than 4 hex digits"));
  EXPECT_THAT(parse_error("1:2:3:4:5:6:7:00008"), HasSubstr("more than 4 hex digits"));
}

TEST(Ipv6AddressParse, RejectsTooFewGroups) {
  EXPECT_THAT(parse_error("1:2:3:4:5:6:7"), HasSubstr("too few groups (7 of 8"));
  EXPECT_THAT(parse_error("1"), HasSubstr("too few groups"));
  EXPECT_THAT(parse_error("1:2:3:4:5:1.2.3.4"), HasSubstr("too few groups (7 of 8"));
  EXPECT_THAT(parse_error("1.2.3.4"), HasSubstr("too few groups"));
}

TEST(Ipv6AddressParse, RejectsTooManyGroups) {
  EXPECT_THAT(parse_error("1:2:3:4:5:6:7:8:9"), HasSubstr("too many groups (9, expected 8)"));
  EXPECT_THAT(parse_error("1:2:3:4:5:6:7:1.2.3.4"), HasSubstr("too many groups"));
  // "::" stands for at least one zero group, so at most 7 may be written.
  EXPECT_THAT(parse_error("1:2:3:4::5:6:7:8"), HasSubstr("too many groups (8 and '::', at most 7)"));
  EXPECT_THAT(parse_error("::1:2:3:4:5:6:7:8"), HasSubstr("too many groups"));
  EXPECT_THAT(parse_error("1:2:3:4:5:6:7:8::"), HasSubstr("too many groups"));
  EXPECT_THAT(parse_error("::1:2:3:4:5:6:1.2.3.4"), HasSubstr("too many groups"));
}

TEST(Ipv6AddressParse, RejectsBadCharacters) {
  EXPECT_THAT(parse_error("2001:db8::g"), HasSubstr("bad character 'g' at offset 10"));
  EXPECT_THAT(parse_error(" ::1"), HasSubstr("bad character a space at offset 0"));
  EXPECT_THAT(parse_error("::1 "), HasSubstr("bad character a space at offset 3"));
  EXPECT_THAT(parse_error("fe80::1%eth0"), HasSubstr("zone id"));
  EXPECT_THAT(parse_error("2001:db8::/32"), HasSubstr("prefix length"));
  EXPECT_THAT(parse_error("[::1]"), HasSubstr("bad character '['"));
  EXPECT_THAT(parse_error("-1::"), HasSubstr("bad character '-'"));
  EXPECT_THAT(parse_error("0x1::"), HasSubstr("bad character 'x'"));
  EXPECT_THAT(parse_error(std::string_view("::\0" "1", 4)), HasSubstr("byte 0x00"));
  EXPECT_THAT(parse_error("::\xc3\xa9"), HasSubstr("byte 0xc3"));
}

TEST(Ipv6AddressParse, RejectsStrayColons) {
  EXPECT_THAT(parse_error(":"), HasSubstr("leading ':'"));
  EXPECT_THAT(parse_error(":1:2:3:4:5:6:7"), HasSubstr("leading ':'"));
  EXPECT_THAT(parse_error(":1::"), HasSubstr("leading ':'"));
  EXPECT_THAT(parse_error("1:2:3:4:5:6:7:"), HasSubstr("trailing ':'"));
  EXPECT_THAT(parse_error("1::2:"), HasSubstr("trailing ':'"));
}

TEST(Ipv6AddressParse, RejectsMisplacedOrBadEmbeddedIpv4) {
  EXPECT_THAT(parse_error("1.2.3.4::"), HasSubstr("must be the last 32 bits"));
  EXPECT_THAT(parse_error("::1.2.3.4:1"), HasSubstr("must be the last 32 bits"));
  EXPECT_THAT(parse_error("1:2:3:4:5:1.2.3.4:7"), HasSubstr("must be the last 32 bits"));
  EXPECT_THAT(parse_error("::ffff:1.2.3.256"), HasSubstr("'256' is greater than 255"));
  EXPECT_THAT(parse_error("::ffff:1.2.3"), HasSubstr("expected 4 parts"));
  EXPECT_THAT(parse_error("::ffff:01.2.3.4"), HasSubstr("leading zero"));
  EXPECT_THAT(parse_error("::ffff:1.2.3.4."), HasSubstr("more than 4 parts"));
  EXPECT_THAT(parse_error("::ffff:1.2.3.a"), HasSubstr("not a decimal number"));
}

TEST(Ipv6AddressParse, RejectsOverlongText) {
  EXPECT_THAT(parse_error("0000:0000:0000:0000:0000:0000:0000:0000:0000:00"), HasSubstr("longer than 45"));  // 47
  EXPECT_TRUE(Ipv6Address::parse("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"));  // exactly 45
}

TEST(Ipv6AddressParse, ErrorQuotesTheInput) {
  EXPECT_EQ(parse_error("1::2::3"), "IPv6 address '1::2::3': more than one '::'");
}

// --- RFC 5952: canonical text --------------------------------------------------------

TEST(Ipv6AddressToString, Rfc5952Section4_1LeadingZerosSuppressed) {
  EXPECT_EQ(canonical("2001:0db8::0001"), "2001:db8::1");
  EXPECT_EQ(canonical("2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001"), "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1");
  EXPECT_EQ(canonical("2001:db8:aaaa:bbbb:cccc:dddd:eeee:001"), "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1");
  EXPECT_EQ(canonical("2001:db8:aaaa:bbbb:cccc:dddd:eeee:01"), "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1");
  // "A single 16-bit 0000 field MUST be represented as 0."
  EXPECT_EQ(canonical("2001:db8:0000:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
}

TEST(Ipv6AddressToString, Rfc5952Section4_2_1ShortenAsMuchAsPossible) {
  EXPECT_EQ(canonical("2001:db8:0:0:0:0:2:1"), "2001:db8::2:1");
  EXPECT_EQ(canonical("2001:db8::0:1"), "2001:db8::1");  // "2001:db8::0:1" is not acceptable
  EXPECT_EQ(canonical("2001:db8:aaaa:bbbb:cccc:dddd:0:1"), "2001:db8:aaaa:bbbb:cccc:dddd:0:1");
  for (const char* same : {"2001:db8:0:0:0::1", "2001:db8:0:0::1", "2001:db8:0::1", "2001:db8::1"}) {
    EXPECT_EQ(canonical(same), "2001:db8::1") << same;
  }
}

TEST(Ipv6AddressToString, Rfc5952Section4_2_2SingleZeroGroupNotCompressed) {
  EXPECT_EQ(canonical("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(canonical("2001:db8::1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(canonical("0:1:2:3:4:5:6:7"), "0:1:2:3:4:5:6:7");
  EXPECT_EQ(canonical("1:2:3:4:5:6:7:0"), "1:2:3:4:5:6:7:0");
}

TEST(Ipv6AddressToString, Rfc5952Section4_2_3LongestRunThenFirst) {
  // The longest run is compressed...
  EXPECT_EQ(canonical("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
  // ...and of equally long runs, the first.
  EXPECT_EQ(canonical("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  EXPECT_EQ(canonical("1:0:0:2:0:0:3:4"), "1::2:0:0:3:4");
  EXPECT_EQ(canonical("0:0:1:0:0:1:0:0"), "::1:0:0:1:0:0");
  EXPECT_EQ(canonical("1:0:0:1:0:0:0:0"), "1:0:0:1::");
  EXPECT_EQ(canonical("0:0:0:1:0:0:0:0"), "0:0:0:1::");
}

TEST(Ipv6AddressToString, Rfc5952Section4_3Lowercase) {
  EXPECT_EQ(canonical("2001:DB8::ABCD:EF"), "2001:db8::abcd:ef");
  for (const char* same : {"2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa", "2001:db8:AAAA:BBBB:CCCC:DDDD:EEEE:AAAA",
                           "2001:db8:aAAa:BbBb:CcCc:DdDd:EeEe:aAaA"}) {
    EXPECT_EQ(canonical(same), "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa") << same;
  }
}

TEST(Ipv6AddressToString, Rfc5952Section2AllVariantsPrintAlike) {
  // Section 2's list: one address, many spellings.
  for (const char* same : {"2001:db8:0:0:1:0:0:1", "2001:0db8:0:0:1:0:0:1", "2001:db8::1:0:0:1",
                           "2001:db8::0:1:0:0:1", "2001:0db8::1:0:0:1", "2001:db8:0:0:1::1",
                           "2001:db8:0000:0:1::1", "2001:DB8:0:0:1::1"}) {
    EXPECT_EQ(canonical(same), "2001:db8::1:0:0:1") << same;
  }
  EXPECT_EQ(canonical("2001:db8:0:0:aaaa::1"), "2001:db8::aaaa:0:0:1");
  EXPECT_EQ(canonical("2001:db8::aaaa:0:0:1"), "2001:db8::aaaa:0:0:1");
}

TEST(Ipv6AddressToString, Rfc5952Section5Ipv4MappedKeepsDottedQuad) {
  EXPECT_EQ(canonical("::ffff:192.0.2.1"), "::ffff:192.0.2.1");
  EXPECT_EQ(canonical("0:0:0:0:0:FFFF:129.144.52.38"), "::ffff:129.144.52.38");
  EXPECT_EQ(canonical("::ffff:c000:0201"), "::ffff:192.0.2.1");
  EXPECT_EQ(canonical("::ffff:0:0"), "::ffff:0.0.0.0");
  EXPECT_EQ(Ipv6Address::ipv4_mapped(Ipv4Address(10, 0, 0, 1)).to_string(), "::ffff:10.0.0.1");
  // Only ::ffff:0:0/96 is mapped; other embeddings print as hex.
  EXPECT_EQ(canonical("::13.1.68.3"), "::d01:4403");
  EXPECT_EQ(canonical("64:ff9b::192.0.2.33"), "64:ff9b::c000:221");
  EXPECT_EQ(canonical("1::ffff:1.2.3.4"), "1::ffff:102:304");
  EXPECT_EQ(canonical("::fffe:1.2.3.4"), "::fffe:102:304");
}

TEST(Ipv6AddressToString, SpecialAddresses) {
  EXPECT_EQ(Ipv6Address::loopback().to_string(), "::1");
  EXPECT_EQ(Ipv6Address::unspecified().to_string(), "::");
  EXPECT_EQ(canonical("ff02::1"), "ff02::1");
  EXPECT_EQ(canonical("fe80::1"), "fe80::1");
  EXPECT_EQ(canonical("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

TEST(Ipv6Address, StreamsCanonicalText) {
  std::ostringstream os;
  os << addr("2001:0DB8::0001");
  EXPECT_EQ(os.str(), "2001:db8::1");
}

// Every address prints to text that parses back to itself.
TEST(Ipv6Address, RandomAddressesRoundTripThroughText) {
  std::mt19937 rng(20240601);
  for (int n = 0; n < 20000; ++n) {
    std::uint16_t g[8];
    for (auto& x : g) {
      // Mostly zeros, so that runs of every length and position appear.
      const auto pick = rng() % 4;
      x = pick < 2 ? 0 : pick == 2 ? static_cast<std::uint16_t>(rng() % 16) : static_cast<std::uint16_t>(rng());
    }
    const Ipv6Address a(g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
    const std::string text = a.to_string();
    auto back = Ipv6Address::parse(text);
    ASSERT_TRUE(back) << text << ": " << back.error();
    EXPECT_EQ(*back, a) << text;
  }
}

// glibc's inet_ntop follows RFC 5952 too, except that it also prints the
// deprecated IPv4-compatible form ::a.b.c.d; compare everywhere else.
TEST(Ipv6Address, MatchesInetNtopOnRandomAddresses) {
  std::mt19937 rng(7);
  int compared = 0;
  for (int n = 0; n < 20000; ++n) {
    std::array<std::byte, 16> b{};
    for (std::size_t i = 0; i < 16; i += 2) {
      const auto pick = rng() % 3;
      const auto v = pick == 0 ? 0u : pick == 1 ? rng() % 256 : rng() % 65536;
      b[i] = static_cast<std::byte>(v >> 8);
      b[i + 1] = static_cast<std::byte>(v);
    }
    if (rng() % 16 == 0) {  // now and then an IPv4-mapped address
      for (std::size_t i = 0; i < 10; ++i) b[i] = std::byte{0};
      b[10] = b[11] = std::byte{0xff};
    }
    const Ipv6Address a(b);
    bool compatible = a.group(6) != 0;
    for (std::size_t i = 0; i < 6; ++i) compatible = compatible && a.group(i) == 0;
    if (compatible) continue;
    char buf[INET6_ADDRSTRLEN];
    ASSERT_NE(::inet_ntop(AF_INET6, b.data(), buf, sizeof buf), nullptr);
    EXPECT_EQ(a.to_string(), buf);
    ++compared;
  }
  EXPECT_GT(compared, 15000);
}

// Random near-addresses: our parser accepts exactly what inet_pton accepts,
// and reads the same value.
TEST(Ipv6AddressParse, AgreesWithInetPtonOnRandomText) {
  std::mt19937 rng(99);
  const auto hex_group = [&] {
    static constexpr char kHex[] = "0123456789abcdefABCDEF";
    std::string s;
    const auto len = rng() % 6;  // 0..5 digits: empty and too long groups too
    for (std::size_t i = 0; i < len; ++i) s += kHex[rng() % 22];
    return s;
  };
  int accepted = 0;
  for (int n = 0; n < 50000; ++n) {
    std::string text;
    const auto groups = rng() % 10;
    const auto gap_at = rng() % 12;  // sometimes no "::"
    for (std::size_t i = 0; i < groups; ++i) {
      if (i == gap_at) text += "::";
      else if (i != 0) text += ':';
      text += rng() % 12 == 0 ? std::string(1, ":.g"[rng() % 3]) : hex_group();
    }
    if (gap_at == groups) text += "::";
    if (rng() % 5 == 0) {
      if (!text.empty() && text.back() != ':') text += ':';
      text += std::to_string(rng() % 300) + "." + std::to_string(rng() % 260) + "." + std::to_string(rng() % 256);
      if (rng() % 8 != 0) text += "." + std::to_string(rng() % 256);
    }
    std::array<unsigned char, 16> libc{};
    const bool libc_ok = ::inet_pton(AF_INET6, text.c_str(), libc.data()) == 1;
    auto ours = Ipv6Address::parse(text);
    ASSERT_EQ(ours.has_value(), libc_ok) << "'" << text << "': " << (ours ? ours->to_string() : ours.error());
    if (libc_ok) {
      ++accepted;
      EXPECT_EQ(*ours, Ipv6Address::from_bytes(std::as_bytes(std::span(libc)))) << text;
    }
  }
  EXPECT_GT(accepted, 1000);
}

// --- Classification ------------------------------------------------------------------

TEST(Ipv6Address, Classification) {
  EXPECT_TRUE(addr("::").is_unspecified());
  EXPECT_FALSE(addr("::1").is_unspecified());
  EXPECT_TRUE(addr("::1").is_loopback());
  EXPECT_FALSE(addr("::2").is_loopback());
  EXPECT_FALSE(addr("1::1").is_loopback());
  EXPECT_FALSE(addr("::ffff:127.0.0.1").is_loopback());

  EXPECT_TRUE(addr("ff02::1").is_multicast());
  EXPECT_TRUE(addr("ff00::").is_multicast());
  EXPECT_TRUE(addr("ffff::").is_multicast());
  EXPECT_FALSE(addr("fe80::1").is_multicast());
  EXPECT_FALSE(addr("feff::1").is_multicast());

  EXPECT_TRUE(addr("fe80::1").is_link_local());
  EXPECT_TRUE(addr("fe80::").is_link_local());
  EXPECT_TRUE(addr("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff").is_link_local());  // end of fe80::/10
  EXPECT_FALSE(addr("fec0::1").is_link_local());  // site-local (deprecated), not link-local
  EXPECT_FALSE(addr("fe7f::1").is_link_local());
  EXPECT_FALSE(addr("ff02::1").is_link_local());

  EXPECT_TRUE(addr("2001:db8::1").is_unicast());
  EXPECT_TRUE(addr("fe80::1").is_unicast());
  EXPECT_TRUE(addr("::1").is_unicast());
  EXPECT_FALSE(addr("::").is_unicast());
  EXPECT_FALSE(addr("ff02::1").is_unicast());

  EXPECT_TRUE(addr("::ffff:1.2.3.4").is_ipv4_mapped());
  EXPECT_FALSE(addr("::1.2.3.4").is_ipv4_mapped());
  EXPECT_FALSE(addr("1::ffff:1.2.3.4").is_ipv4_mapped());
  EXPECT_EQ(addr("::ffff:1.2.3.4").low_ipv4(), Ipv4Address(1, 2, 3, 4));
}

TEST(Ipv6Address, SolicitedNodeMulticast) {
  // RFC 4291 2.7.1's example.
  EXPECT_EQ(addr("4037::01:800:200E:8C6C").solicited_node(), addr("FF02::1:FF0E:8C6C"));
  EXPECT_EQ(addr("fe80::1").solicited_node().to_string(), "ff02::1:ff00:1");
  EXPECT_TRUE(addr("fe80::1").solicited_node().is_multicast());
}

TEST(Ipv6Address, MulticastMacRfc2464Section7) {
  EXPECT_EQ(ipv6_multicast_mac(addr("ff02::1")).to_string(), "33:33:00:00:00:01");
  EXPECT_EQ(ipv6_multicast_mac(addr("fe80::1:2:3456:789a").solicited_node()).to_string(), "33:33:ff:56:78:9a");
  EXPECT_EQ(ipv6_multicast_mac(addr("FF02::1:FF0E:8C6C")).to_string(), "33:33:ff:0e:8c:6c");
  static_assert(ipv6_multicast_mac(Ipv6Address(0xff02, 0, 0, 0, 0, 0, 0, 2)).is_multicast());
}

TEST(Ipv6Address, OrdersNumerically) {
  EXPECT_LT(addr("::"), addr("::1"));
  EXPECT_LT(addr("::1"), addr("::2"));
  EXPECT_LT(addr("::ffff"), addr("::1:0"));
  EXPECT_LT(addr("2001:db8::"), addr("fe80::"));
  EXPECT_LT(addr("fe80::ffff"), addr("ff00::"));
  EXPECT_EQ(addr("2001:DB8::1"), addr("2001:db8:0:0:0:0:0:1"));
  EXPECT_NE(addr("2001:db8::1"), addr("2001:db8::2"));
}

TEST(Ipv6Address, IsConstexpr) {
  constexpr Ipv6Address a = Ipv6Address::ipv4_mapped(Ipv4Address(192, 0, 2, 1));
  static_assert(a.is_ipv4_mapped());
  static_assert(a.group(6) == 0xc000 && a.group(7) == 0x0201);
  static_assert(Ipv6Address::loopback().is_loopback());
  static_assert(Ipv6Address(0xfe80, 0, 0, 0, 0, 0, 0, 1).is_link_local());
  static_assert(Ipv6Prefix(Ipv6Address(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32)
                    .contains(Ipv6Address(0x2001, 0xdb8, 1, 0, 0, 0, 0, 1)));
  SUCCEED();
}

// --- Ipv6Prefix ----------------------------------------------------------------------

Ipv6Prefix prefix(std::string_view text) {
  auto p = Ipv6Prefix::parse(text);
  EXPECT_TRUE(p) << text << ": " << (p ? "" : p.error());
  return p ? *p : Ipv6Prefix{};
}

TEST(Ipv6Prefix, ParseAndFormat) {
  const Ipv6Prefix p = prefix("2001:DB8::/32");
  EXPECT_EQ(p.address(), addr("2001:db8::"));
  EXPECT_EQ(p.len(), 32);
  EXPECT_EQ(p.to_string(), "2001:db8::/32");
  EXPECT_EQ(prefix("::/0").to_string(), "::/0");
  EXPECT_EQ(prefix("::1/128").to_string(), "::1/128");
  EXPECT_EQ(prefix("::ffff:10.0.0.0/104").to_string(), "::ffff:10.0.0.0/104");
  std::ostringstream os;
  os << prefix("fe80::1/64");
  EXPECT_EQ(os.str(), "fe80::1/64");  // the address is kept as given
}

TEST(Ipv6Prefix, ParseErrors) {
  auto err = [](std::string_view text) {
    auto p = Ipv6Prefix::parse(text);
    EXPECT_FALSE(p) << text;
    return p ? std::string() : p.error();
  };
  EXPECT_THAT(err("2001:db8::"), HasSubstr("missing '/PREFIX'"));
  EXPECT_THAT(err("2001:db8::/129"), HasSubstr("greater than 128"));
  EXPECT_THAT(err("2001:db8::/1000"), HasSubstr("greater than 128"));
  EXPECT_THAT(err("2001:db8::/032"), HasSubstr("leading zero"));
  EXPECT_THAT(err("2001:db8::/"), HasSubstr("empty prefix length"));
  EXPECT_THAT(err("2001:db8::/-1"), HasSubstr("not a decimal number"));
  EXPECT_THAT(err("2001:db8::/32 "), HasSubstr("not a decimal number"));
  EXPECT_THAT(err("2001:db8::/32/1"), HasSubstr("not a decimal number"));
  EXPECT_THAT(err("2001:db8:::/32"), HasSubstr("':::'"));
  EXPECT_THAT(err("/32"), HasSubstr("IPv6 address is empty"));
}

TEST(Ipv6Prefix, ContainsAndNetwork) {
  const Ipv6Prefix doc = prefix("2001:db8::/32");
  EXPECT_TRUE(doc.contains(addr("2001:db8::")));
  EXPECT_TRUE(doc.contains(addr("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")));
  EXPECT_FALSE(doc.contains(addr("2001:db9::")));
  EXPECT_FALSE(doc.contains(addr("2001:db7:ffff::")));

  const Ipv6Prefix host = prefix("2001:db8:1:2:3:4:5:6/48");
  EXPECT_EQ(host.network(), addr("2001:db8:1::"));
  EXPECT_EQ(prefix("2001:db8:1:2:3:4:5:6/128").network(), addr("2001:db8:1:2:3:4:5:6"));
  EXPECT_EQ(prefix("2001:db8:1:2:3:4:5:6/0").network(), addr("::"));

  // Prefix lengths that end inside a byte.
  EXPECT_EQ(prefix("ffff:ffff::/10").network(), addr("ffc0::"));
  EXPECT_EQ(prefix("2001:db8:ffff::/33").network(), addr("2001:db8:8000::"));
  EXPECT_EQ(prefix("::ffff/127").network(), addr("::fffe"));
  EXPECT_TRUE(prefix("::fffe/127").contains(addr("::ffff")));
  EXPECT_FALSE(prefix("::fffe/127").contains(addr("::1:0")));

  EXPECT_TRUE(prefix("::/0").contains(addr("ffff::1")));
  EXPECT_TRUE(prefix("::1/128").contains(addr("::1")));
  EXPECT_FALSE(prefix("::1/128").contains(addr("::")));
}

TEST(Ipv6Prefix, LinkLocalPrefixAgreesWithIsLinkLocal) {
  const Ipv6Prefix ll = prefix("fe80::/10");
  std::mt19937 rng(3);
  for (int n = 0; n < 5000; ++n) {
    std::array<std::byte, 16> b{};
    for (auto& x : b) x = static_cast<std::byte>(rng());
    b[0] = rng() % 2 ? std::byte{0xfe} : b[0];
    const Ipv6Address a(b);
    EXPECT_EQ(ll.contains(a), a.is_link_local()) << a;
  }
  EXPECT_TRUE(prefix("ff00::/8").contains(addr("ff02::1")));
}

TEST(Ipv6Prefix, ContainsPrefix) {
  const Ipv6Prefix p32 = prefix("2001:db8::/32");
  EXPECT_TRUE(p32.contains(prefix("2001:db8:1::/48")));
  EXPECT_TRUE(p32.contains(p32));
  EXPECT_FALSE(prefix("2001:db8:1::/48").contains(p32));
  EXPECT_FALSE(p32.contains(prefix("2001:db9::/48")));
  EXPECT_FALSE(p32.contains(prefix("2000::/3")));
}

}  // namespace
}  // namespace wirestack
