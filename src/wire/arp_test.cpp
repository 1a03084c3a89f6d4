// wire/arp_test.cpp — ArpPacket view and ArpRepr: read fields, write fields,
// parse, emit (into a 0xa5 buffer), one test per check, round trips, and every
// truncation. Fixtures are 28-byte ARP packets built with scapy.
#include "wire/arp.hpp"

#include <gtest/gtest.h>

#include <array>
#include <sstream>
#include <string>
#include <vector>

#include "wire/ethernet.hpp"

namespace wirestack {
namespace {

constexpr MacAddress kMac1 = MacAddress::from_parts(0x020000, 0x000001);  // 02:00:00:00:00:01
constexpr MacAddress kMac2 = MacAddress::from_parts(0x020000, 0x000002);  // 02:00:00:00:00:02
constexpr Ipv4Address kIp1{10, 0, 0, 1};
constexpr Ipv4Address kIp2{10, 0, 0, 2};

// scapy: ARP(op=1, hwsrc='02:00:00:00:00:01', psrc='10.0.0.1',
//            hwdst='00:00:00:00:00:00', pdst='10.0.0.2')
// "who-has 10.0.0.2 tell 10.0.0.1".
constexpr auto kRequest = bytes_of(0x00, 0x01, 0x08, 0x00,              // htype Ethernet, ptype IPv4
                                   0x06, 0x04, 0x00, 0x01,              // hlen 6, plen 4, op request
                                   0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // sha
                                   0x0a, 0x00, 0x00, 0x01,              // spa 10.0.0.1
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // tha (unknown)
                                   0x0a, 0x00, 0x00, 0x02);             // tpa 10.0.0.2

// scapy: ARP(op=2, hwsrc='02:00:00:00:00:02', psrc='10.0.0.2',
//            hwdst='02:00:00:00:00:01', pdst='10.0.0.1')
// "10.0.0.2 is-at 02:00:00:00:00:02", the answer to kRequest.
constexpr auto kReply = bytes_of(0x00, 0x01, 0x08, 0x00,              //
                                 0x06, 0x04, 0x00, 0x02,              // op reply
                                 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,  // sha
                                 0x0a, 0x00, 0x00, 0x02,              // spa 10.0.0.2
                                 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // tha
                                 0x0a, 0x00, 0x00, 0x01);             // tpa 10.0.0.1

constexpr ArpRepr kRequestRepr{.operation = ArpOperation::request,
                               .source_hardware = kMac1,
                               .source_protocol = kIp1,
                               .target_hardware = MacAddress{},
                               .target_protocol = kIp2};
constexpr ArpRepr kReplyRepr{.operation = ArpOperation::reply,
                             .source_hardware = kMac2,
                             .source_protocol = kIp2,
                             .target_hardware = kMac1,
                             .target_protocol = kIp1};

template <class T>
std::string str(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

WireResult<ArpRepr> parse_bytes(Bytes b) {
  auto p = ArpPacket::checked(b);
  if (!p) return Unexpected{p.error()};
  return ArpRepr::parse(*p);
}

TEST(ArpPacket, ReadsFieldsOfCapturedRequest) {
  auto p = ArpPacket::checked(kRequest);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->hardware_type(), 1);
  EXPECT_EQ(p->protocol_type(), 0x0800);
  EXPECT_EQ(p->hardware_len(), 6);
  EXPECT_EQ(p->protocol_len(), 4);
  EXPECT_EQ(p->operation(), ArpOperation::request);
  EXPECT_EQ(p->source_hardware(), kMac1);
  EXPECT_EQ(p->source_protocol(), kIp1);
  EXPECT_EQ(p->target_hardware(), MacAddress{});
  EXPECT_EQ(p->target_protocol(), kIp2);
}

TEST(ArpPacket, WritesEveryField) {
  std::array<std::byte, kArpPacketLen> out;
  out.fill(std::byte{0xa5});
  ArpPacketMut p(out);
  p.set_hardware_type(1);
  p.set_protocol_type(0x0800);
  p.set_hardware_len(6);
  p.set_protocol_len(4);
  p.set_operation(ArpOperation::reply);
  p.set_source_hardware(kMac2);
  p.set_source_protocol(kIp2);
  p.set_target_hardware(kMac1);
  p.set_target_protocol(kIp1);
  EXPECT_EQ(to_hex(out), to_hex(kReply));
}

TEST(ArpPacket, RejectsEveryLengthShorterThan28) {
  for (std::size_t n = 0; n < kArpPacketLen; ++n) {
    auto p = ArpPacket::checked(Bytes(kRequest).first(n));
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error(), WireError::truncated) << n;
  }
}

TEST(ArpPacket, IgnoresEthernetPaddingAfter28Bytes) {
  // scapy: Ether(src='02:00:00:00:00:01', dst='ff:ff:ff:ff:ff:ff')/kRequest,
  // padded with zeros to the 60-byte Ethernet minimum as a NIC sends it.
  std::array<std::byte, kEthernetMinFrameLen> frame{};
  const auto head = bytes_of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06);
  std::ranges::copy(head, frame.begin());
  std::ranges::copy(kRequest, frame.begin() + kEthernetHeaderLen);
  auto eth = EthernetFrame::checked(frame);
  ASSERT_TRUE(eth);
  ASSERT_EQ(eth->ethertype(), EtherType::arp);
  ASSERT_EQ(eth->payload().size(), 46u);
  auto arp = parse_bytes(eth->payload());
  ASSERT_TRUE(arp) << arp.error();
  EXPECT_EQ(*arp, kRequestRepr);
}

TEST(ArpRepr, ParsesCapturedRequest) {
  auto r = parse_bytes(kRequest);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, kRequestRepr);
}

TEST(ArpRepr, ParsesCapturedReply) {
  auto r = parse_bytes(kReply);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, kReplyRepr);
}

TEST(ArpRepr, EmitProducesCapturedBytes) {
  std::array<std::byte, kArpPacketLen> out;
  out.fill(std::byte{0xa5});
  kRequestRepr.emit(ArpPacketMut(out));
  EXPECT_EQ(to_hex(out), to_hex(kRequest));
  out.fill(std::byte{0xa5});
  kReplyRepr.emit(ArpPacketMut(out));
  EXPECT_EQ(to_hex(out), to_hex(kReply));
}

TEST(ArpRepr, EmitLeavesBytesAfter28Alone) {
  std::array<std::byte, 46> out;
  out.fill(std::byte{0xa5});
  kRequestRepr.emit(ArpPacketMut(out));
  EXPECT_EQ(to_hex(Bytes(out).first(kArpPacketLen)), to_hex(kRequest));
  for (std::size_t i = kArpPacketLen; i < out.size(); ++i) EXPECT_EQ(out[i], std::byte{0xa5}) << i;
}

TEST(ArpRepr, RoundTripsThroughEmitAndParse) {
  for (const ArpRepr& r : {kRequestRepr, kReplyRepr, ArpRepr{.operation = ArpOperation{9}}}) {
    std::array<std::byte, kArpPacketLen> buf{};
    r.emit(ArpPacketMut(buf));
    auto back = parse_bytes(buf);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, r) << r;
  }
}

TEST(ArpRepr, RejectsNonEthernetHardwareAsUnsupported) {
  auto bytes = kRequest;
  bytes[1] = std::byte{6};  // IEEE 802 networks
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::unsupported);
}

TEST(ArpRepr, RejectsNonIpv4ProtocolAsUnsupported) {
  auto bytes = kRequest;
  bytes[2] = std::byte{0x86};
  bytes[3] = std::byte{0xdd};
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::unsupported);
}

TEST(ArpRepr, RejectsHardwareLengthOtherThanSix) {
  auto bytes = kRequest;
  bytes[4] = std::byte{8};
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_field);
}

TEST(ArpRepr, RejectsProtocolLengthOtherThanFour) {
  auto bytes = kRequest;
  bytes[5] = std::byte{16};
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_field);
}

TEST(ArpRepr, CarriesUnknownOperationAsIs) {
  auto bytes = kRequest;
  bytes[7] = std::byte{3};  // RARP request
  auto r = parse_bytes(bytes);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(static_cast<unsigned>(r->operation), 3u);
}

TEST(ArpRepr, RequestHelperBuildsCapturedRequest) {
  EXPECT_EQ(ArpRepr::request(kMac1, kIp1, kIp2), kRequestRepr);
}

TEST(ArpRepr, ReplyToRequestAnswersWithOwnAddress) {
  EXPECT_EQ(ArpRepr::reply_to(kRequestRepr, kMac2), kReplyRepr);
}

TEST(ArpRepr, RecognisesGratuitousAnnouncement) {
  EXPECT_FALSE(kRequestRepr.is_gratuitous());
  EXPECT_TRUE(ArpRepr::request(kMac1, kIp1, kIp1).is_gratuitous());
}

TEST(ArpRepr, PrintsLikeTcpdump) {
  EXPECT_EQ(str(kRequestRepr), "ARP, Request who-has 10.0.0.2 tell 10.0.0.1");
  EXPECT_EQ(str(kReplyRepr), "ARP, Reply 10.0.0.2 is-at 02:00:00:00:00:02");
  ArpRepr unicast_probe = kRequestRepr;
  unicast_probe.target_hardware = kMac2;
  EXPECT_EQ(str(unicast_probe), "ARP, Request who-has 10.0.0.2 (02:00:00:00:00:02) tell 10.0.0.1");
  ArpRepr rarp = kRequestRepr;
  rarp.operation = ArpOperation{3};
  EXPECT_EQ(str(rarp), "ARP, op 3, sender 10.0.0.1 (02:00:00:00:00:01), target 10.0.0.2 (00:00:00:00:00:00)");
}

// Every prefix of a valid packet, copied to a heap block of exactly that size
// (a vector built from a range has no spare capacity), so that AddressSanitizer
// flags any read past it.
TEST(ArpPacket, EveryPrefixParsesToErrorOrValueInBounds) {
  for (std::size_t n = 0; n <= kRequest.size(); ++n) {
    const std::vector<std::byte> heap(kRequest.begin(), kRequest.begin() + n);  // capacity == size
    auto r = parse_bytes(heap);
    EXPECT_EQ(r.has_value(), n == kRequest.size()) << n;
    if (r) {
      EXPECT_EQ(*r, kRequestRepr);
    }
  }
}

}  // namespace
}  // namespace wirestack
