// wire/ethernet_test.cpp — EthernetFrame view and EthernetRepr: read fields,
// write fields, parse, emit (into a 0xa5 buffer), one test per check, round
// trips. Fixtures are whole frames as a host hands them to its NIC (no FCS).
#include "wire/ethernet.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <iomanip>
#include <random>
#include <sstream>
#include <vector>

namespace wirestack {
namespace {

using ::testing::HasSubstr;

const MacAddress kHost = MacAddress::from_parts(0x001b21, 0xabcdef);    // 00:1b:21:ab:cd:ef
const MacAddress kRouter = MacAddress::from_parts(0x525400, 0x123456);  // 52:54:00:12:34:56

// ARP request, untagged, padded to the 60-byte minimum:
// 00:1b:21:ab:cd:ef > ff:ff:ff:ff:ff:ff, who-has 192.168.0.1 tell 192.168.0.100.
constexpr auto kArpFrame = bytes_of(
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // dst: broadcast
    0x00, 0x1b, 0x21, 0xab, 0xcd, 0xef,  // src
    0x08, 0x06,                          // ethertype ARP
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,  // Ethernet/IPv4, hlen 6, plen 4, request
    0x00, 0x1b, 0x21, 0xab, 0xcd, 0xef, 0xc0, 0xa8, 0x00, 0x64,  // sender 00:1b:21:ab:cd:ef 192.168.0.100
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01,  // target ?? 192.168.0.1
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,        // padding
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
constexpr std::size_t kArpLen = 28;

// ICMP echo request on VLAN 10 with priority 5, padded to the 64-byte minimum
// of a tagged frame: 52:54:00:12:34:56 > 00:1b:21:ab:cd:ef, 802.1Q TCI 0xa00a,
// 192.168.10.2 > 192.168.10.1, id 0x1234 seq 1, payload "abcdefgh". The IPv4
// and ICMP checksums are valid.
constexpr auto kTaggedFrame = bytes_of(
    0x00, 0x1b, 0x21, 0xab, 0xcd, 0xef,  // dst
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56,  // src
    0x81, 0x00,                          // TPID 802.1Q
    0xa0, 0x0a,                          // TCI: PCP 5, DEI 0, VID 10
    0x08, 0x00,                          // inner ethertype IPv4
    0x45, 0x00, 0x00, 0x24, 0xbe, 0xef, 0x40, 0x00, 0x40, 0x01, 0xe6, 0x95,  // IPv4, 36 bytes, DF, ttl 64
    0xc0, 0xa8, 0x0a, 0x02, 0xc0, 0xa8, 0x0a, 0x01,                          // 192.168.10.2 > 192.168.10.1
    0x08, 0x00, 0x54, 0x35, 0x12, 0x34, 0x00, 0x01,                          // echo request
    'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h',                                  //
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);             // padding
constexpr std::size_t kIpv4Len = 36;

const EthernetRepr kArpRepr{.src = kHost, .dst = MacAddress::broadcast(), .ethertype = EtherType::arp, .vlan = {}};
const EthernetRepr kTaggedRepr{.src = kRouter,
                               .dst = kHost,
                               .ethertype = EtherType::ipv4,
                               .vlan = VlanTag{.pcp = 5, .dei = false, .vid = 10}};

template <std::size_t N>
std::array<std::byte, N> dirty() {
  std::array<std::byte, N> b;
  b.fill(std::byte{0xa5});
  return b;
}

// --- Read fields ---------------------------------------------------------------------

TEST(EthernetFrame, ReadsUntaggedFields) {
  auto f = EthernetFrame::checked(kArpFrame);
  ASSERT_TRUE(f) << f.error();
  EXPECT_EQ(f->dst(), MacAddress::broadcast());
  EXPECT_EQ(f->src(), kHost);
  EXPECT_FALSE(f->has_vlan());
  EXPECT_EQ(f->ethertype(), EtherType::arp);
  EXPECT_EQ(f->header_len(), kEthernetHeaderLen);
}

TEST(EthernetFrame, ReadsTaggedFields) {
  auto f = EthernetFrame::checked(kTaggedFrame);
  ASSERT_TRUE(f) << f.error();
  EXPECT_EQ(f->dst(), kHost);
  EXPECT_EQ(f->src(), kRouter);
  EXPECT_TRUE(f->has_vlan());
  EXPECT_EQ(f->vlan_tci(), 0xa00a);
  EXPECT_EQ(f->ethertype(), EtherType::ipv4);  // the inner type, not 0x8100
  EXPECT_EQ(f->header_len(), kEthernetVlanHeaderLen);
}

TEST(EthernetFrame, PayloadIsASpanIntoTheFrame) {
  auto f = EthernetFrame::checked(kArpFrame);
  ASSERT_TRUE(f);
  // Zero copy: the payload points into the caller's bytes, padding included
  // (only the ARP/IP layer above knows its own length).
  EXPECT_EQ(f->payload().data(), kArpFrame.data() + 14);
  EXPECT_EQ(f->payload().size(), kArpFrame.size() - 14);
  EXPECT_EQ(f->bytes().data(), kArpFrame.data());
  EXPECT_EQ(f->bytes().size(), kArpFrame.size());
  EXPECT_EQ(load_be16(f->payload(), 6), 1);  // ARP opcode: request
  EXPECT_EQ(kArpFrame.size() - 14 - kArpLen, 18u);

  auto t = EthernetFrame::checked(kTaggedFrame);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->payload().data(), kTaggedFrame.data() + 18);
  EXPECT_EQ(t->payload().size(), kTaggedFrame.size() - 18);
  EXPECT_EQ(load_be16(t->payload(), 2), kIpv4Len);  // IPv4 total length
  EXPECT_EQ(t->payload()[0], std::byte{0x45});
}

TEST(EthernetFrame, MutablePayloadWritesThrough) {
  auto buf = kArpFrame;
  auto f = EthernetFrameMut::checked(buf);
  ASSERT_TRUE(f);
  f->payload()[0] = std::byte{0x77};
  EXPECT_EQ(buf[14], std::byte{0x77});
}

TEST(EthernetFrame, HeaderOnlyFramesHaveEmptyPayload) {
  auto f = EthernetFrame::checked(Bytes(kArpFrame).first(14));
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->payload().empty());
  auto t = EthernetFrame::checked(Bytes(kTaggedFrame).first(18));
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->payload().empty());
}

// --- Write fields --------------------------------------------------------------------

TEST(EthernetFrameMut, WritesUntaggedFields) {
  auto buf = dirty<16>();
  EthernetFrameMut f(buf);
  f.set_dst(MacAddress::broadcast());
  f.set_src(kHost);
  f.set_ethertype(EtherType::arp);
  EXPECT_EQ(to_hex(buf), to_hex(Bytes(kArpFrame).first(14)) + " a5 a5");  // nothing past the header
  EXPECT_FALSE(f.has_vlan());
  EXPECT_EQ(f.ethertype(), EtherType::arp);
}

TEST(EthernetFrameMut, WritesTagAndInnerType) {
  auto buf = dirty<20>();
  EthernetFrameMut f(buf);
  f.set_dst(kHost);
  f.set_src(kRouter);
  f.set_vlan(0xa00a, EtherType::ipv4);
  EXPECT_EQ(to_hex(buf), to_hex(Bytes(kTaggedFrame).first(18)) + " a5 a5");
  EXPECT_TRUE(f.has_vlan());
  EXPECT_EQ(f.vlan_tci(), 0xa00a);
  EXPECT_EQ(f.ethertype(), EtherType::ipv4);
}

TEST(EthernetFrameMut, UnknownEtherTypeIsCarriedAsIs) {
  auto buf = dirty<14>();
  EthernetFrameMut f(buf);
  f.set_ethertype(EtherType{0x88cc});  // LLDP
  EXPECT_EQ(buf[12], std::byte{0x88});
  EXPECT_EQ(buf[13], std::byte{0xcc});
  EXPECT_EQ(static_cast<std::uint16_t>(f.ethertype()), 0x88cc);
}

// --- Checked construction: one test per check ----------------------------------------

TEST(EthernetFrame, RejectsFrameShorterThanHeader) {
  auto f = EthernetFrame::checked(Bytes(kArpFrame).first(13));
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error(), WireError::truncated);
  EXPECT_EQ(EthernetFrame::checked(Bytes{}).error(), WireError::truncated);
  EXPECT_TRUE(EthernetFrame::checked(Bytes(kArpFrame).first(14)));
}

TEST(EthernetFrame, RejectsTaggedFrameShorterThanTaggedHeader) {
  auto f = EthernetFrame::checked(Bytes(kTaggedFrame).first(17));
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error(), WireError::truncated);
  EXPECT_EQ(EthernetFrame::checked(Bytes(kTaggedFrame).first(14)).error(), WireError::truncated);
  EXPECT_TRUE(EthernetFrame::checked(Bytes(kTaggedFrame).first(18)));
}

// --- Parse ---------------------------------------------------------------------------

TEST(EthernetRepr, ParsesUntaggedFrame) {
  auto f = EthernetFrame::checked(kArpFrame);
  ASSERT_TRUE(f);
  auto r = EthernetRepr::parse(*f);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, kArpRepr);
  EXPECT_EQ(r->header_len(), 14u);
}

TEST(EthernetRepr, ParsesTaggedFrame) {
  auto f = EthernetFrame::checked(kTaggedFrame);
  ASSERT_TRUE(f);
  auto r = EthernetRepr::parse(*f);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, kTaggedRepr);
  ASSERT_TRUE(r->vlan);
  EXPECT_EQ(r->vlan->vid, 10);
  EXPECT_EQ(r->vlan->pcp, 5);
  EXPECT_FALSE(r->vlan->dei);
  EXPECT_EQ(r->header_len(), 18u);
}

TEST(EthernetRepr, RejectsIeee8023LengthField) {
  // 802.3 frames carry a length (< 0x0600) where Ethernet II has a type:
  // LLC/SNAP (STP BPDUs, for instance), which the stack does not speak.
  auto buf = kArpFrame;
  store_be16(buf, 12, 0x0026);  // 38-byte LLC payload
  auto f = EthernetFrame::checked(buf);
  ASSERT_TRUE(f);  // the view is fine; the meaning is not ours
  auto r = EthernetRepr::parse(*f);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::unsupported);

  for (std::uint16_t len : {std::uint16_t{0x0000}, std::uint16_t{0x002e}, std::uint16_t{0x05dc}, std::uint16_t{0x05ff}}) {
    store_be16(buf, 12, len);
    EXPECT_EQ(EthernetRepr::parse(EthernetFrame(buf)).error(), WireError::unsupported) << len;
  }
  store_be16(buf, 12, 0x0600);  // the first EtherType value (XNS IDP)
  EXPECT_TRUE(EthernetRepr::parse(EthernetFrame(buf)));
}

TEST(EthernetRepr, RejectsLengthFieldInsideTag) {
  auto buf = kTaggedFrame;
  store_be16(buf, 16, 0x0026);
  auto r = EthernetRepr::parse(EthernetFrame(buf));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::unsupported);
}

TEST(EthernetRepr, AcceptsUnknownEtherType) {
  auto buf = kArpFrame;
  store_be16(buf, 12, 0x88cc);
  auto r = EthernetRepr::parse(EthernetFrame(buf));
  ASSERT_TRUE(r);
  EXPECT_EQ(static_cast<std::uint16_t>(r->ethertype), 0x88cc);
}

// --- Emit ----------------------------------------------------------------------------

TEST(EthernetRepr, EmitsUntaggedHeaderByteExact) {
  auto buf = dirty<14>();
  kArpRepr.emit(EthernetFrameMut(buf));
  EXPECT_EQ(to_hex(buf), to_hex(Bytes(kArpFrame).first(14)));
}

TEST(EthernetRepr, EmitsTaggedHeaderByteExact) {
  auto buf = dirty<18>();
  kTaggedRepr.emit(EthernetFrameMut(buf));
  EXPECT_EQ(to_hex(buf), to_hex(Bytes(kTaggedFrame).first(18)));
}

TEST(EthernetRepr, EmitWritesOnlyTheHeader) {
  auto buf = dirty<kTaggedFrame.size()>();
  kTaggedRepr.emit(EthernetFrameMut(buf));
  EXPECT_TRUE(std::all_of(buf.begin() + 18, buf.end(), [](std::byte b) { return b == std::byte{0xa5}; }));
}

TEST(EthernetRepr, EmitThenPayloadRebuildsTheCapturedFrame) {
  auto buf = dirty<kTaggedFrame.size()>();
  EthernetFrameMut f(buf);
  kTaggedRepr.emit(f);
  const Bytes payload = Bytes(kTaggedFrame).subspan(18);
  std::copy(payload.begin(), payload.end(), f.payload().begin());
  EXPECT_EQ(buf, kTaggedFrame);
}

// --- Round trips ---------------------------------------------------------------------

TEST(EthernetRepr, RoundTripsCapturedFrames) {
  for (Bytes frame : {Bytes(kArpFrame), Bytes(kTaggedFrame)}) {
    auto r = EthernetRepr::parse(EthernetFrame(frame));
    ASSERT_TRUE(r);
    std::vector<std::byte> out(r->header_len(), std::byte{0xa5});
    r->emit(EthernetFrameMut(out));
    EXPECT_TRUE(std::equal(out.begin(), out.end(), frame.begin()));
  }
}

TEST(EthernetRepr, RandomReprsRoundTrip) {
  std::mt19937 rng(1);
  const EtherType types[] = {EtherType::ipv4, EtherType::arp, EtherType::ipv6, EtherType{0x88cc}, EtherType{0x0600},
                             EtherType{0xffff}};
  for (int n = 0; n < 2000; ++n) {
    const auto u32 = [&rng] { return static_cast<std::uint32_t>(rng()); };
    EthernetRepr r{.src = MacAddress::from_parts(u32(), u32()),
                   .dst = MacAddress::from_parts(u32(), u32()),
                   .ethertype = types[rng() % std::size(types)],
                   .vlan = {}};
    if (rng() % 2) {
      r.vlan = VlanTag{.pcp = static_cast<std::uint8_t>(rng() % 8),
                       .dei = rng() % 2 == 1,
                       .vid = static_cast<std::uint16_t>(rng() % 4096)};
    }
    std::vector<std::byte> buf(r.header_len(), std::byte{0xa5});
    r.emit(EthernetFrameMut(buf));
    auto f = EthernetFrame::checked(buf);
    ASSERT_TRUE(f);
    auto back = EthernetRepr::parse(*f);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, r);
  }
}

// --- VLAN tag control information ----------------------------------------------------

TEST(VlanTag, PacksPcpDeiVid) {
  EXPECT_EQ((VlanTag{.pcp = 5, .dei = false, .vid = 10}.tci()), 0xa00a);
  EXPECT_EQ((VlanTag{.pcp = 0, .dei = true, .vid = 0}.tci()), 0x1000);
  EXPECT_EQ((VlanTag{.pcp = 7, .dei = true, .vid = 4095}.tci()), 0xffff);
  EXPECT_EQ((VlanTag{.pcp = 3, .dei = true, .vid = 0x123}.tci()), 0x7123);
  EXPECT_EQ(VlanTag::from_tci(0x7123), (VlanTag{.pcp = 3, .dei = true, .vid = 0x123}));
  EXPECT_EQ(VlanTag::from_tci(0xffff), (VlanTag{.pcp = 7, .dei = true, .vid = 4095}));
  for (unsigned tci = 0; tci <= 0xffff; ++tci) {
    ASSERT_EQ(VlanTag::from_tci(static_cast<std::uint16_t>(tci)).tci(), tci);
  }
}

// --- Printing ------------------------------------------------------------------------

std::string print(const EthernetRepr& r) {
  std::ostringstream os;
  os << r;
  return os.str();
}

TEST(EthernetRepr, PrintsTcpdumpLikeLine) {
  EXPECT_THAT(print(kArpRepr), HasSubstr("00:1b:21:ab:cd:ef > ff:ff:ff:ff:ff:ff"));
  EXPECT_THAT(print(kArpRepr), HasSubstr("ethertype ARP"));
  EXPECT_THAT(print(kTaggedRepr), HasSubstr("52:54:00:12:34:56 > 00:1b:21:ab:cd:ef"));
  EXPECT_THAT(print(kTaggedRepr), HasSubstr("vlan 10 p 5"));
  EXPECT_THAT(print(kTaggedRepr), HasSubstr("ethertype IPv4"));
  EthernetRepr lldp = kArpRepr;
  lldp.ethertype = EtherType{0x88cc};
  EXPECT_THAT(print(lldp), HasSubstr("ethertype 0x88cc"));
}

TEST(EtherType, PrintsNameOrHex) {
  auto print_type = [](EtherType t) {
    std::ostringstream os;
    os << t << ' ' << 255;  // the stream's flags are restored afterwards
    return os.str();
  };
  EXPECT_EQ(print_type(EtherType::ipv4), "IPv4 255");
  EXPECT_EQ(print_type(EtherType::ipv6), "IPv6 255");
  EXPECT_EQ(print_type(EtherType::vlan), "802.1Q 255");
  EXPECT_EQ(print_type(EtherType{0x0026}), "0x0026 255");
  EXPECT_EQ(print_type(EtherType{0x88cc}), "0x88cc 255");
}

// operator<< must leave the stream as it found it: flags, width and fill.
TEST(EtherType, RestoresStreamFormatting) {
  std::ostringstream os;
  os << EtherType{0x88cc} << '|' << std::setw(3) << 7 << '|' << 255;
  EXPECT_EQ(os.str(), "0x88cc|  7|255");
}

}  // namespace
}  // namespace wirestack
