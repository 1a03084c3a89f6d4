// wire/ip_address_test.cpp — IpAddress, IpEndpoint and the pseudo-header of
// either family. The IPv6 checksums were computed by scapy 2.5 (Debian's
// python3-scapy), not by this code.
#include "wire/ip_address.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <unordered_set>

#include "wire/ip_protocol.hpp"
#include "wire/tcp.hpp"
#include "wire/udp.hpp"

namespace wirestack {
namespace {

TEST(IpAddress, HoldsEitherFamily) {
  const IpAddress a = Ipv4Address(10, 0, 0, 1);
  EXPECT_TRUE(a.is_v4());
  EXPECT_EQ(a.family(), IpFamily::v4);
  EXPECT_EQ(a.v4(), Ipv4Address(10, 0, 0, 1));
  EXPECT_EQ(a.to_string(), "10.0.0.1");
  const IpAddress b = *Ipv6Address::parse("2001:db8::1");
  EXPECT_TRUE(b.is_v6());
  EXPECT_EQ(b.v6(), *Ipv6Address::parse("2001:db8::1"));
  EXPECT_EQ(b.to_string(), "2001:db8::1");
  EXPECT_NE(a, b);
}

TEST(IpAddress, DefaultIsIpv4Any) {
  const IpAddress a;
  EXPECT_TRUE(a.is_v4());
  EXPECT_TRUE(a.is_unspecified());
  EXPECT_EQ(a, IpAddress::any(IpFamily::v4));
  EXPECT_TRUE(IpAddress::any(IpFamily::v6).is_unspecified());
  EXPECT_TRUE(IpAddress::any(IpFamily::v6).is_v6());
  EXPECT_NE(IpAddress::any(IpFamily::v4), IpAddress::any(IpFamily::v6));
}

TEST(IpAddress, ClassifiesPerFamily) {
  EXPECT_TRUE(IpAddress(Ipv4Address::broadcast()).is_broadcast());
  EXPECT_FALSE(IpAddress(Ipv4Address::broadcast()).is_unicast());
  EXPECT_TRUE(IpAddress(Ipv4Address(224, 0, 0, 1)).is_multicast());
  EXPECT_TRUE(IpAddress(Ipv4Address(127, 0, 0, 1)).is_loopback());
  EXPECT_TRUE(IpAddress(*Ipv6Address::parse("ff02::1")).is_multicast());
  EXPECT_FALSE(IpAddress(*Ipv6Address::parse("ff02::1")).is_broadcast());
  EXPECT_TRUE(IpAddress(Ipv6Address::loopback()).is_loopback());
  EXPECT_TRUE(IpAddress(*Ipv6Address::parse("2001:db8::1")).is_unicast());
}

TEST(IpAddress, ParsesBothFamiliesAndSaysWhyNot) {
  EXPECT_EQ(*IpAddress::parse("192.168.1.2"), IpAddress(Ipv4Address(192, 168, 1, 2)));
  EXPECT_EQ(*IpAddress::parse("::1"), IpAddress(Ipv6Address::loopback()));
  auto bad4 = IpAddress::parse("1.2.3");
  ASSERT_FALSE(bad4);
  EXPECT_NE(bad4.error().find("IPv4"), std::string::npos) << bad4.error();
  auto bad6 = IpAddress::parse("2001:db8::g");
  ASSERT_FALSE(bad6);
  EXPECT_NE(bad6.error().find("IPv6"), std::string::npos) << bad6.error();
  auto mapped = IpAddress::parse("::ffff:10.0.0.1");
  ASSERT_FALSE(mapped);
  EXPECT_NE(mapped.error().find("IPv4-mapped"), std::string::npos) << mapped.error();
}

TEST(IpAddress, OrdersAndHashesAsSixteenBytes) {
  std::unordered_set<std::string> seen;
  for (const char* t : {"10.0.0.1", "10.0.0.2", "::", "0.0.0.0", "2001:db8::1"}) {
    const IpAddress a = *IpAddress::parse(t);
    seen.emplace(reinterpret_cast<const char*>(a.bytes().data()), a.bytes().size());  // NOLINT
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_LT(IpAddress(Ipv4Address(10, 0, 0, 1)), IpAddress(Ipv4Address(10, 0, 0, 2)));
}

TEST(IpEndpoint, PrintsAndParsesBothFamilies) {
  const IpEndpoint a{Ipv4Address(10, 0, 0, 1), 80};
  EXPECT_EQ(a.to_string(), "10.0.0.1:80");
  const IpEndpoint b{*Ipv6Address::parse("2001:db8::1"), 8080};
  std::ostringstream os;
  os << b;
  EXPECT_EQ(os.str(), "[2001:db8::1]:8080");
  EXPECT_EQ(*IpEndpoint::parse("10.0.0.1:80"), a);
  EXPECT_EQ(*IpEndpoint::parse("[2001:db8::1]:8080"), b);
  EXPECT_EQ(IpEndpoint{}, (IpEndpoint{Ipv4Address::any(), 0}));
}

TEST(IpEndpoint, RefusesWithAReason) {
  for (const char* t : {"10.0.0.1", "10.0.0.1:", "10.0.0.1:65536", "10.0.0.1:8x", "2001:db8::1:80", "[2001:db8::1]80",
                        "[2001:db8::1:80", "300.0.0.1:80"}) {
    auto r = IpEndpoint::parse(t);
    ASSERT_FALSE(r) << t;
    EXPECT_NE(r.error().find(t), std::string::npos) << r.error();
  }
  EXPECT_NE(IpEndpoint::parse("2001:db8::1:80").error().find("brackets"), std::string::npos);
}

// UDP 2001:db8::1.1234 > 2001:db8::2.53, "hello": checksum 0x5b86 (scapy).
TEST(PseudoHeader, Ipv6UdpChecksumMatchesScapy) {
  const IpPair ips{*Ipv6Address::parse("2001:db8::1"), *Ipv6Address::parse("2001:db8::2")};
  const std::array<std::byte, 5> payload{std::byte{'h'}, std::byte{'e'}, std::byte{'l'}, std::byte{'l'},
                                         std::byte{'o'}};
  std::vector<std::byte> out(kUdpHeaderLen + payload.size(), std::byte{0xa5});
  UdpRepr{.src_port = 1234, .dst_port = 53}.emit(UdpPacketMut(out), ips, payload);
  EXPECT_EQ(load_be16(out, 6), 0x5b86);
  auto view = UdpPacket::checked(out);
  ASSERT_TRUE(view);
  EXPECT_TRUE(UdpRepr::parse(*view, ips));
  // The same datagram read as if it came from 2001:db8::3 fails the check.
  EXPECT_FALSE(UdpRepr::parse(*view, IpPair{*Ipv6Address::parse("2001:db8::3"), ips.dst}));
}

TEST(PseudoHeader, Ipv6UdpWithoutChecksumIsRefused) {
  // RFC 8200 8.1: zero means "no checksum" only over IPv4.
  std::vector<std::byte> out(kUdpHeaderLen, std::byte{0});
  UdpPacketMut m(out);
  m.set_src_port(1);
  m.set_dst_port(2);
  m.set_length(8);
  auto view = UdpPacket::checked(out);
  ASSERT_TRUE(view);
  const IpPair v4{Ipv4Address(10, 0, 0, 1), Ipv4Address(10, 0, 0, 2)};
  const IpPair v6{*Ipv6Address::parse("2001:db8::1"), *Ipv6Address::parse("2001:db8::2")};
  EXPECT_TRUE(UdpRepr::parse(*view, v4));
  EXPECT_EQ(UdpRepr::parse(*view, v6).error(), WireError::bad_checksum);
}

// TCP fe80::1.40000 > 2001:db8::2.80 SYN seq 1 win 65535: checksum 0xe714 (scapy).
TEST(PseudoHeader, Ipv6TcpChecksumMatchesScapy) {
  const IpPair ips{*Ipv6Address::parse("fe80::1"), *Ipv6Address::parse("2001:db8::2")};
  const TcpRepr syn{.src_port = 40000, .dst_port = 80, .seq = 1, .flags = TcpFlags{TcpFlags::kSyn}, .window = 65535};
  std::vector<std::byte> out(syn.header_len(), std::byte{0xa5});
  syn.emit(TcpPacketMut(out), ips, Bytes{});
  EXPECT_EQ(load_be16(out, 16), 0xe714);
  auto view = TcpPacket::checked(out);
  ASSERT_TRUE(view);
  auto back = TcpRepr::parse(*view, ips);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, syn);
}

}  // namespace
}  // namespace wirestack
