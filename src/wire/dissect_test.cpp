// wire/dissect_test.cpp — dissect() on IPv6 frames: the layers and their
// lines, extension headers, ICMPv6 with ND options, UDP over IPv6,
// fragments, and the problems it reports. (IPv4 dissection is checked
// against real Linux traffic in tests/capture_test.cpp.)
#include "wire/dissect.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wirestack {
namespace {

// Ethernet: 02:00:00:00:00:02 -> 02:00:00:00:00:01, IPv6.
const std::string kEth = "020000000001" "020000000002" "86dd";
// scapy: IPv6(src='2001:db8::1', dst='2001:db8::2', tc=0xb8, fl=0x12345)/UDP(sport=1234, dport=7)/b'ping'
const std::string kUdp6 =
    "6b812345000c114020010db800000000000000000000000120010db800000000000000000000000204d20007000cc0b770696e67";
// IPv6(src='fe80::1', dst='ff02::1:ff00:2', hlim=255)/ICMPv6ND_NS(tgt='fe80::2')/SLLA 02:00:00:00:00:01
const std::string kNs6 =
    "6000000000203afffe800000000000000000000000000001ff0200000000000000000001ff000002"
    "87007a9700000000fe8000000000000000000000000000020101020000000001";

Dissection of(const std::string& hex) { return dissect(from_hex(kEth + hex)); }

std::string lines(const Dissection& d) {
  std::string out;
  for (const auto& l : d.layers) out += l.protocol + ": " + l.text + "\n";
  return out;
}

TEST(DissectIpv6, UdpOverIpv6) {
  const Dissection d = of(kUdp6);
  EXPECT_TRUE(d.ok()) << d.problems.front().detail;
  ASSERT_TRUE(d.ipv6);
  ASSERT_TRUE(d.udp);
  EXPECT_EQ(d.udp->dst_port, 7);
  EXPECT_EQ(d.payload_len, 4u);
  EXPECT_TRUE(d.l4_checksum_verified);
  EXPECT_EQ(d.layers[1].text,
            "IP6 2001:db8::1 > 2001:db8::2: class 0xb8, flowlabel 0x12345, hlim 64, next-header UDP (17), payload "
            "length 12");
  EXPECT_EQ(d.layers[2].protocol, "UDP");
}

TEST(DissectIpv6, BadUdpChecksumIsReportedAndTheHeaderStillShown) {
  std::string bad = kUdp6;
  bad[bad.size() - 1] = '8';  // "pinh"
  const Dissection d = of(bad);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.problems[0].protocol, "UDP");
  EXPECT_EQ(d.problems[0].error, WireError::bad_checksum);
  EXPECT_TRUE(d.udp);
}

TEST(DissectIpv6, NeighborSolicitationWithItsOptions) {
  const Dissection d = of(kNs6);
  EXPECT_TRUE(d.ok());
  ASSERT_TRUE(d.icmpv6);
  ASSERT_TRUE(d.nd_options);
  EXPECT_EQ(d.layers.back().text,
            "ICMP6, neighbor solicitation, who has fe80::2, length 32 [source link-address 02:00:00:00:00:01], "
            "checksum 0x7a97 ok");
}

TEST(DissectIpv6, Rfc4861_7_1_1_NdWithHopLimitBelow255IsAProblem) {
  std::string ns = kNs6;
  ns.replace(14, 2, "40");  // hop limit 64
  const Dissection d = of(ns);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.problems[0].protocol, "ICMPv6");
  EXPECT_EQ(d.problems[0].detail, "ND hop limit not 255");
}

TEST(DissectIpv6, ExtensionHeadersGetALineEach) {
  // Hop-by-Hop (router alert) -> Destination Options (PadN) -> UDP, as kUdp6 otherwise.
  const std::string hbh = "3c00050200000100";
  const std::string dst = "1100010400000000";
  std::string p = kUdp6;
  p.replace(8, 4, "001c");  // payload length 28
  p.replace(12, 2, "00");   // next header Hop-by-Hop
  p.insert(80, hbh + dst);
  const Dissection d = of(p);
  EXPECT_TRUE(d.ok()) << lines(d);
  ASSERT_EQ(d.ipv6_extensions.size(), 2u);
  EXPECT_EQ(d.layers[2].text, "hop-by-hop options, length 8: router alert 0, padn 2, next-header DSTOPT (60)");
  EXPECT_EQ(d.layers[3].text, "destination options, length 8: padn 6, next-header UDP (17)");
  EXPECT_TRUE(d.udp);
}

TEST(DissectIpv6, LaterFragmentIsShownAsFragmentData) {
  // Fragment header: next UDP, offset 8, M = 0, ident 0x1234; 8 bytes of data.
  const std::string frag = "6000000000102c4020010db800000000000000000000000120010db80000000000000000000000021100000800001234";
  const Dissection d = of(frag + "0102030405060708");
  EXPECT_TRUE(d.ok()) << lines(d);
  ASSERT_TRUE(d.ipv6_fragment);
  EXPECT_EQ(d.ipv6_fragment->offset, 8);
  EXPECT_FALSE(d.udp);
  EXPECT_EQ(d.layers.back().protocol, "data");
}

TEST(DissectIpv6, Rfc5095_RoutingType0IsAProblem) {
  // Routing header type 0, segments left 1, one address; then UDP.
  std::string p = kUdp6;
  p.replace(8, 4, "0024");  // 12 + 24
  p.replace(12, 2, "2b");
  p.insert(80, "110200010000000020010db8000000000000000000000009");
  const Dissection d = of(p);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.problems[0].protocol, "IPv6");
  EXPECT_EQ(d.problems[0].detail, "unsupported routing header (parameter problem code 0, pointer 42)");
  EXPECT_EQ(d.layers.back().text, "routing type 0, segments left 1, length 24, next-header UDP (17)");
}

TEST(DissectIpv6, TruncatedIpv6HeaderIsAProblem) {
  const Dissection d = of(kUdp6.substr(0, 60));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.problems[0].protocol, "IPv6");
  EXPECT_EQ(d.problems[0].error, WireError::truncated);
}

}  // namespace
}  // namespace wirestack
