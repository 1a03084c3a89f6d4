// wire/ipv6_test.cpp — Ipv6Packet view, Ipv6Repr, the Fragment header, the
// options-header emitter and the pseudo-header sum: read fields, write
// fields, each check of checked(), round trips. The fixture is scapy's.
#include "wire/ipv6.hpp"

#include <gtest/gtest.h>

#include <array>
#include <sstream>

#include "wire/checksum.hpp"
#include "wire/ipv6_ext.hpp"

namespace wirestack {
namespace {

ByteVec vec(Bytes b) { return ByteVec(b.begin(), b.end()); }

const Ipv6Address kA(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const Ipv6Address kB(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);

// scapy: IPv6(src='2001:db8::1', dst='2001:db8::2', tc=0xb8, fl=0x12345,
//             hlim=64) / UDP(sport=1234, dport=7) / b'ping'
constexpr auto kUdp = bytes_of(0x6b, 0x81, 0x23, 0x45, 0x00, 0x0c, 0x11, 0x40,  // v6 tc 0xb8 fl 0x12345, len 12, UDP, 64
                               0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,   //
                               0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,   //
                               0x04, 0xd2, 0x00, 0x07, 0x00, 0x0c, 0xc0, 0xb7, 'p', 'i', 'n', 'g');

const Ipv6Repr kUdpRepr{.src = kA,
                        .dst = kB,
                        .next_header = IpProtocol::udp,
                        .hop_limit = 64,
                        .traffic_class = 0xb8,
                        .flow_label = 0x12345,
                        .payload_len = 12};

TEST(Ipv6Packet, ReadsEveryFieldOfACapturedDatagram) {
  auto p = Ipv6Packet::checked(kUdp);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->version(), 6);
  EXPECT_EQ(p->traffic_class(), 0xb8);
  EXPECT_EQ(p->dscp(), 46);  // EF
  EXPECT_EQ(p->ecn(), 0);
  EXPECT_EQ(p->flow_label(), 0x12345u);
  EXPECT_EQ(p->payload_len(), 12);
  EXPECT_EQ(p->next_header(), IpProtocol::udp);
  EXPECT_EQ(p->hop_limit(), 64);
  EXPECT_EQ(p->src(), kA);
  EXPECT_EQ(p->dst(), kB);
  EXPECT_EQ(p->payload().size(), 12u);
}

TEST(Ipv6Packet, Rfc8200_3_RejectsFewerThan40Bytes) {
  for (std::size_t n = 0; n < kIpv6HeaderLen; ++n) {
    auto p = Ipv6Packet::checked(Bytes(kUdp).first(n));
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error(), WireError::truncated);
  }
}

TEST(Ipv6Packet, Rfc8200_3_RejectsVersionOtherThan6) {
  auto b = kUdp;
  b[0] = std::byte{0x4b};
  auto p = Ipv6Packet::checked(b);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error(), WireError::bad_version);
}

TEST(Ipv6Packet, Rfc8200_3_RejectsPayloadLengthPastTheBuffer) {
  for (std::size_t n = kIpv6HeaderLen; n < kUdp.size(); ++n) {
    auto p = Ipv6Packet::checked(Bytes(kUdp).first(n));
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error(), WireError::bad_length);
  }
}

TEST(Ipv6Packet, IgnoresLinkPaddingAfterThePayload) {
  std::array<std::byte, kUdp.size() + 6> padded{};
  std::ranges::copy(kUdp, padded.begin());
  auto p = Ipv6Packet::checked(padded);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->payload().size(), 12u);
  EXPECT_EQ(p->packet().size(), kUdp.size());
}

TEST(Ipv6Repr, ParseGivesEveryField) {
  auto p = Ipv6Packet::checked(kUdp);
  ASSERT_TRUE(p);
  EXPECT_EQ(Ipv6Repr::parse(*p), kUdpRepr);
}

TEST(Ipv6Repr, EmitProducesCapturedBytes) {
  std::array<std::byte, kUdp.size()> out;
  out.fill(std::byte{0xa5});
  kUdpRepr.emit(Ipv6PacketMut(out));
  std::ranges::copy(Bytes(kUdp).subspan(40), out.begin() + 40);
  EXPECT_EQ(out, kUdp);
}

TEST(Ipv6Repr, SettersKeepNeighbouringBitsOfTheFirstWord) {
  std::array<std::byte, 40> b{};
  Ipv6PacketMut p(b);
  p.set_version(6);
  p.set_flow_label(0xfffff);
  p.set_traffic_class(0x01);
  EXPECT_EQ(p.version(), 6);
  EXPECT_EQ(p.flow_label(), 0xfffffu);
  EXPECT_EQ(p.traffic_class(), 0x01);
  p.set_flow_label(0);
  EXPECT_EQ(p.traffic_class(), 0x01);
  EXPECT_EQ(p.version(), 6);
}

TEST(Ipv6Repr, ParseQuotedAcceptsAShortQuoteButNotAShortHeader) {
  auto r = Ipv6Repr::parse_quoted(Bytes(kUdp).first(44));  // payload length says 12, 4 bytes there
  ASSERT_TRUE(r);
  EXPECT_EQ(r->payload_len, 12);
  EXPECT_EQ(Ipv6Repr::parse_quoted(Bytes(kUdp).first(39)).error(), WireError::truncated);
  auto b = kUdp;
  b[0] = std::byte{0x45};
  EXPECT_EQ(Ipv6Repr::parse_quoted(b).error(), WireError::bad_version);
}

TEST(Ipv6Repr, PrintsLikeTcpdump) {
  std::ostringstream os;
  os << kUdpRepr;
  EXPECT_EQ(os.str(),
            "IP6 2001:db8::1 > 2001:db8::2: class 0xb8, flowlabel 0x12345, hlim 64, next-header UDP (17), "
            "payload length 12");
}

TEST(Ipv6FragmentHeader, Rfc8200_4_5_ParseAndEmitRoundTrip) {
  // next header UDP, offset 1448 (181 x 8), M, ident 0x12345678
  constexpr auto kFrag = bytes_of(0x11, 0x00, 0x05, 0xa9, 0x12, 0x34, 0x56, 0x78);
  auto f = Ipv6FragmentHeader::parse(kFrag);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->next_header, IpProtocol::udp);
  EXPECT_EQ(f->offset, 1448);
  EXPECT_TRUE(f->more_fragments);
  EXPECT_EQ(f->ident, 0x12345678u);
  EXPECT_FALSE(f->atomic());
  std::array<std::byte, 8> out;
  out.fill(std::byte{0xa5});
  f->emit(out);
  EXPECT_EQ(out, kFrag);
  std::ostringstream os;
  os << *f;
  EXPECT_EQ(os.str(), "frag (0x12345678:1448, more)");
}

TEST(Ipv6FragmentHeader, Rfc8200_4_5_ReservedBitsIgnoredOnReceipt) {
  constexpr auto kFrag = bytes_of(0x11, 0xff, 0x00, 0x06, 0, 0, 0, 1);  // reserved byte and res bits set
  auto f = Ipv6FragmentHeader::parse(kFrag);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->offset, 0);
  EXPECT_FALSE(f->more_fragments);
  EXPECT_TRUE(f->atomic());
  EXPECT_EQ(Ipv6FragmentHeader::parse(Bytes(kFrag).first(7)).error(), WireError::truncated);
}

TEST(Ipv6OptionsHeader, Rfc8200_4_2_PadsToEightBytesWithPad1OrPadN) {
  std::array<std::byte, 16> out;
  out.fill(std::byte{0xa5});
  // 2 bytes of header + a 4-byte Router Alert = 6: a PadN of 2 (length 0).
  constexpr auto kOpt5 = bytes_of(0x05, 0x02, 0x00, 0x00, 0x00);
  EXPECT_EQ(emit_options_header(IpProtocol::udp, Bytes(kOpt5).first(4), out), 8u);
  EXPECT_EQ(vec(Bytes(out).first(8)), vec(bytes_of(0x11, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00)));
  out.fill(std::byte{0xa5});
  EXPECT_EQ(emit_options_header(IpProtocol::tcp, {}, out), 8u);  // PadN of 6: type 1, length 4
  EXPECT_EQ(vec(Bytes(out).first(8)), vec(bytes_of(0x06, 0x00, 0x01, 0x04, 0, 0, 0, 0)));
  EXPECT_EQ(options_header_len(7), 16u);
  out.fill(std::byte{0xa5});  // 2 + 5 = 7: one Pad1
  EXPECT_EQ(emit_options_header(IpProtocol::udp, kOpt5, out), 8u);
  EXPECT_EQ(vec(Bytes(out).first(8)), vec(bytes_of(0x11, 0x00, 0x05, 0x02, 0x00, 0x00, 0x00, 0x00)));
}

TEST(Ipv6PseudoHeader, Rfc8200_8_1_ChecksumOfTheCapturedUdpDatagramVerifies) {
  auto p = Ipv6Packet::checked(kUdp);
  ASSERT_TRUE(p);
  const auto sum = checksum::sum(p->payload(), ipv6_pseudo_header_sum(kA, kB, IpProtocol::udp, 12));
  EXPECT_EQ(sum, 0xffff);
  // The same as transport_sum() over an IpPair of IPv6 addresses.
  EXPECT_EQ(transport_sum(p->payload(), IpPair{kA, kB}, IpProtocol::udp), 0xffff);
}

}  // namespace
}  // namespace wirestack
