// wire/ipv4_test.cpp — Ipv4Packet view, Ipv4Repr, Ipv4Options and
// decrement_ttl: read fields, write fields, parse, emit (into a 0xa5 buffer),
// one test per check (each WireError of checked(), parse() and
// parse_quoted()), round trips, and every truncation. Fixtures are a Linux
// capture and scapy-built datagrams.
#include "wire/ipv4.hpp"

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace wirestack {
namespace {

constexpr Ipv4Address kLocalhost{127, 0, 0, 1};
constexpr Ipv4Address kIp1{10, 0, 0, 1};
constexpr Ipv4Address kIp2{10, 0, 0, 2};

// Linux 6.x, captured with tcpdump on lo: a UDP datagram 127.0.0.1:57046 ->
// 127.0.0.1:9 carrying "hello, world". id 16212, DF, ttl 64, length 40.
constexpr auto kUdpDatagram = bytes_of(0x45, 0x00, 0x00, 0x28,  // v4 IHL 5, tos 0, total length 40
                                       0x3f, 0x54, 0x40, 0x00,  // id 0x3f54, DF, offset 0
                                       0x40, 0x11, 0xfd, 0x6e,  // ttl 64, UDP, checksum
                                       0x7f, 0x00, 0x00, 0x01,  // src 127.0.0.1
                                       0x7f, 0x00, 0x00, 0x01,  // dst 127.0.0.1
                                       0xde, 0xd6, 0x00, 0x09, 0x00, 0x14, 0xfe, 0x27,  // UDP header
                                       'h', 'e', 'l', 'l', 'o', ',', ' ', 'w', 'o', 'r', 'l', 'd');

// scapy: IP(src='10.0.0.1', dst='224.0.0.22', ttl=1, tos=0xc0, id=0, proto=2,
//           options=[IPOption_Router_Alert()]) / 8 bytes of an IGMPv3 report.
constexpr auto kRouterAlert = bytes_of(0x46, 0xc0, 0x00, 0x20,  // IHL 6, DSCP 48 (CS6), total length 32
                                       0x00, 0x00, 0x00, 0x00,  // id 0, no flags
                                       0x01, 0x02, 0x3a, 0x01,  // ttl 1, IGMP, checksum
                                       0x0a, 0x00, 0x00, 0x01,  // src 10.0.0.1
                                       0xe0, 0x00, 0x00, 0x16,  // dst 224.0.0.22
                                       0x94, 0x04, 0x00, 0x00,  // option: Router Alert (RFC 2113)
                                       0x22, 0x00, 0xf9, 0x02, 0x00, 0x00, 0x00, 0x01);

// scapy: IP(src='10.0.0.1', dst='10.0.0.2', id=0x4242, flags='MF', frag=185,
//           proto=17) / bytes(range(16)): a middle fragment at byte 1480.
constexpr auto kFragment = bytes_of(0x45, 0x00, 0x00, 0x24,  // total length 36
                                    0x42, 0x42, 0x20, 0xb9,  // id 0x4242, MF, offset 185 (x8 = 1480)
                                    0x40, 0x11, 0x03, 0xcc,  // ttl 64, UDP, checksum
                                    0x0a, 0x00, 0x00, 0x01,  //
                                    0x0a, 0x00, 0x00, 0x02,  //
                                    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,  //
                                    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f);

const Ipv4Repr kUdpRepr{.src = kLocalhost,
                        .dst = kLocalhost,
                        .protocol = IpProtocol::udp,
                        .ttl = 64,
                        .dscp = 0,
                        .ecn = 0,
                        .ident = 0x3f54,
                        .dont_fragment = true,
                        .more_fragments = false,
                        .frag_offset = 0,
                        .options = {},
                        .payload_len = 20};

Ipv4Options options_of(Bytes b) {
  return Ipv4Options::from_bytes(b).value();
}

const Ipv4Repr kRouterAlertRepr{.src = kIp1,
                                .dst = Ipv4Address{224, 0, 0, 22},
                                .protocol = IpProtocol{2},
                                .ttl = 1,
                                .dscp = 48,
                                .ecn = 0,
                                .ident = 0,
                                .dont_fragment = false,
                                .more_fragments = false,
                                .frag_offset = 0,
                                .options = options_of(bytes_of(0x94, 0x04, 0x00, 0x00)),
                                .payload_len = 8};

const Ipv4Repr kFragmentRepr{.src = kIp1,
                             .dst = kIp2,
                             .protocol = IpProtocol::udp,
                             .ttl = 64,
                             .dscp = 0,
                             .ecn = 0,
                             .ident = 0x4242,
                             .dont_fragment = false,
                             .more_fragments = true,
                             .frag_offset = 1480,
                             .options = {},
                             .payload_len = 16};

template <class T>
std::string str(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

WireResult<Ipv4Repr> parse_bytes(Bytes b, ChecksumMode mode = {}) {
  auto p = Ipv4Packet::checked(b);
  if (!p) return Unexpected{p.error()};
  return Ipv4Repr::parse(*p, mode);
}

// The error Ipv4Packet::checked() gives `b`, or nullopt if it accepts it.
std::optional<WireError> check_error(Bytes b) {
  auto p = Ipv4Packet::checked(b);
  if (p) return std::nullopt;
  return p.error();
}

// Recomputes the header checksum of a fixture we edited.
template <std::size_t N>
void refill_checksum(std::array<std::byte, N>& b) {
  Ipv4PacketMut(b).fill_checksum();
}

// Emits `r` into a dirty buffer and copies the payload of `fixture` after it.
template <std::size_t N>
std::array<std::byte, N> emit_like(const Ipv4Repr& r, const std::array<std::byte, N>& fixture) {
  std::array<std::byte, N> out;
  out.fill(std::byte{0xa5});
  Ipv4PacketMut p(out);
  r.emit(p);
  std::ranges::copy(Bytes(fixture).subspan(r.header_len()), p.payload().begin());
  return out;
}

TEST(Ipv4Packet, ReadsFieldsOfCapturedUdpDatagram) {
  auto p = Ipv4Packet::checked(kUdpDatagram);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->version(), 4);
  EXPECT_EQ(p->ihl(), 5);
  EXPECT_EQ(p->header_len(), 20u);
  EXPECT_EQ(p->dscp_ecn(), 0);
  EXPECT_EQ(p->total_len(), 40);
  EXPECT_EQ(p->ident(), 0x3f54);
  EXPECT_FALSE(p->reserved_flag());
  EXPECT_TRUE(p->dont_fragment());
  EXPECT_FALSE(p->more_fragments());
  EXPECT_EQ(p->frag_offset(), 0);
  EXPECT_EQ(p->ttl(), 64);
  EXPECT_EQ(p->protocol(), IpProtocol::udp);
  EXPECT_EQ(p->checksum(), 0xfd6e);
  EXPECT_EQ(p->src(), kLocalhost);
  EXPECT_EQ(p->dst(), kLocalhost);
  EXPECT_TRUE(p->options().empty());
  EXPECT_EQ(to_hex(p->payload()), to_hex(Bytes(kUdpDatagram).subspan(20)));
  EXPECT_TRUE(p->verify_checksum());
}

TEST(Ipv4Packet, ReadsOptionsAndDscp) {
  auto p = Ipv4Packet::checked(kRouterAlert);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->ihl(), 6);
  EXPECT_EQ(p->header_len(), 24u);
  EXPECT_EQ(p->dscp_ecn(), 0xc0);
  EXPECT_EQ(p->dscp(), 48);
  EXPECT_EQ(p->ecn(), 0);
  EXPECT_EQ(to_hex(p->options()), "94 04 00 00");
  EXPECT_EQ(p->payload().size(), 8u);
  EXPECT_EQ(p->ttl(), 1);
  EXPECT_EQ(p->dst(), (Ipv4Address{224, 0, 0, 22}));
  EXPECT_TRUE(p->verify_checksum());
}

TEST(Ipv4Packet, ReadsFragmentOffsetInUnitsAndBytes) {
  auto p = Ipv4Packet::checked(kFragment);
  ASSERT_TRUE(p) << p.error();
  EXPECT_FALSE(p->dont_fragment());
  EXPECT_TRUE(p->more_fragments());
  EXPECT_EQ(p->frag_offset(), 185);
  EXPECT_EQ(p->frag_offset_bytes(), 1480);
}

TEST(Ipv4Packet, WritesEveryField) {
  std::array<std::byte, kRouterAlert.size()> out;
  out.fill(std::byte{0xa5});
  Ipv4PacketMut p(out);
  p.set_version(4);
  p.set_header_len(24);
  p.set_dscp(48);
  p.set_ecn(0);
  p.set_total_len(32);
  p.set_ident(0);
  p.set_reserved_flag(false);
  p.set_dont_fragment(false);
  p.set_more_fragments(false);
  p.set_frag_offset(0);
  p.set_ttl(1);
  p.set_protocol(IpProtocol{2});
  p.set_src(kIp1);
  p.set_dst(Ipv4Address{224, 0, 0, 22});
  std::ranges::copy(bytes_of(0x94, 0x04, 0x00, 0x00), p.options().begin());
  std::ranges::copy(Bytes(kRouterAlert).subspan(24), p.payload().begin());
  p.fill_checksum();
  EXPECT_EQ(to_hex(out), to_hex(kRouterAlert));
}

TEST(Ipv4Packet, SettersKeepNeighbouringBits) {
  auto bytes = kFragment;
  Ipv4PacketMut p(bytes);
  p.set_dont_fragment(true);
  EXPECT_TRUE(p.more_fragments());
  EXPECT_EQ(p.frag_offset(), 185);
  p.set_frag_offset_bytes(8);
  EXPECT_TRUE(p.dont_fragment());
  EXPECT_TRUE(p.more_fragments());
  EXPECT_EQ(p.frag_offset(), 1);
  p.set_more_fragments(false);
  EXPECT_TRUE(p.dont_fragment());
  EXPECT_EQ(p.frag_offset(), 1);
  p.set_ecn(3);
  p.set_dscp(46);  // EF
  EXPECT_EQ(p.dscp(), 46);
  EXPECT_EQ(p.ecn(), 3);
  EXPECT_EQ(p.dscp_ecn(), 0xbb);
  p.set_header_len(28);
  EXPECT_EQ(p.version(), 4);
  p.set_version(6);
  EXPECT_EQ(p.ihl(), 7);
}

TEST(Ipv4Packet, RejectsEveryLengthBelowTwentyAsTruncated) {
  for (std::size_t n = 0; n < kIpv4MinHeaderLen; ++n) {
    EXPECT_EQ(check_error(Bytes(kUdpDatagram).first(n)), WireError::truncated) << n;
  }
}

TEST(Ipv4Packet, RejectsVersionOtherThanFour) {
  auto bytes = kUdpDatagram;
  bytes[0] = std::byte{0x65};
  EXPECT_EQ(check_error(bytes), WireError::bad_version);
}

TEST(Ipv4Packet, RejectsIhlBelowFive) {
  for (unsigned ihl = 0; ihl < 5; ++ihl) {
    auto bytes = kUdpDatagram;
    bytes[0] = std::byte{static_cast<unsigned char>(0x40 | ihl)};
    EXPECT_EQ(check_error(bytes), WireError::bad_header_len) << ihl;
  }
}

TEST(Ipv4Packet, RejectsIhlBeyondBuffer) {
  auto bytes = kUdpDatagram;  // 40 bytes: IHL 15 claims 60
  bytes[0] = std::byte{0x4f};
  EXPECT_EQ(check_error(bytes), WireError::bad_header_len);
}

TEST(Ipv4Packet, RejectsTotalLengthBeyondBuffer) {
  auto bytes = kUdpDatagram;
  bytes[3] = std::byte{41};
  EXPECT_EQ(check_error(bytes), WireError::bad_length);
}

TEST(Ipv4Packet, RejectsTotalLengthBelowHeaderLength) {
  auto bytes = kRouterAlert;  // header length 24
  bytes[3] = std::byte{23};
  EXPECT_EQ(check_error(bytes), WireError::bad_length);
  bytes[3] = std::byte{24};  // exactly the header: an empty payload is fine
  auto p = Ipv4Packet::checked(bytes);
  ASSERT_TRUE(p) << p.error();
  EXPECT_TRUE(p->payload().empty());
}

// Each header-length boundary of a packet with options names its own check.
TEST(Ipv4Packet, TruncationAtEveryBoundaryNamesTheFailedCheck) {
  for (std::size_t n = 0; n <= kRouterAlert.size(); ++n) {
    auto p = Ipv4Packet::checked(Bytes(kRouterAlert).first(n));
    if (n < 20) {
      EXPECT_EQ(p.error(), WireError::truncated) << n;
    } else if (n < 24) {
      EXPECT_EQ(p.error(), WireError::bad_header_len) << n;  // the options are cut
    } else if (n < 32) {
      EXPECT_EQ(p.error(), WireError::bad_length) << n;  // the payload is cut
    } else {
      EXPECT_TRUE(p) << n;
    }
  }
}

TEST(Ipv4Packet, PayloadIgnoresEthernetPadding) {
  // The 40-byte datagram inside a minimum Ethernet frame: 6 bytes of padding.
  std::array<std::byte, 46> padded{};
  std::ranges::copy(kUdpDatagram, padded.begin());
  auto p = Ipv4Packet::checked(padded);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->payload().size(), 20u);
  EXPECT_EQ(to_hex(p->payload()), to_hex(Bytes(kUdpDatagram).subspan(20)));
  auto r = Ipv4Repr::parse(*p);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, kUdpRepr);
}

TEST(Ipv4Repr, ParsesCapturedUdpDatagram) {
  auto r = parse_bytes(kUdpDatagram);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, kUdpRepr);
  EXPECT_EQ(r->header_len(), 20u);
  EXPECT_EQ(r->total_len(), 40u);
  EXPECT_FALSE(r->is_fragment());
}

TEST(Ipv4Repr, ParsesOptionsAsRawBytes) {
  auto r = parse_bytes(kRouterAlert);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, kRouterAlertRepr);
  EXPECT_EQ(to_hex(r->options.bytes()), "94 04 00 00");
  EXPECT_EQ(r->header_len(), 24u);
}

TEST(Ipv4Repr, ParsesFragment) {
  auto r = parse_bytes(kFragment);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, kFragmentRepr);
  EXPECT_TRUE(r->is_fragment());
}

TEST(Ipv4Repr, IsFragmentForFirstMiddleAndLastFragments) {
  Ipv4Repr r = kUdpRepr;
  EXPECT_FALSE(r.is_fragment());
  r.more_fragments = true;  // first
  EXPECT_TRUE(r.is_fragment());
  r.frag_offset = 1480;  // middle
  EXPECT_TRUE(r.is_fragment());
  r.more_fragments = false;  // last
  EXPECT_TRUE(r.is_fragment());
}

TEST(Ipv4Repr, RejectsBadHeaderChecksum) {
  auto bytes = kUdpDatagram;
  bytes[11] ^= std::byte{0x01};
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_checksum);
}

TEST(Ipv4Repr, RejectsCorruptedHeaderField) {
  auto bytes = kUdpDatagram;
  bytes[8] = std::byte{0x41};  // TTL changed, checksum not updated
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_checksum);
}

TEST(Ipv4Repr, AcceptsBadChecksumWhenVerificationIsOff) {
  auto bytes = kUdpDatagram;
  bytes[10] = std::byte{0};
  bytes[11] = std::byte{0};
  auto r = parse_bytes(bytes, ChecksumMode{.verify_rx = false, .fill_tx = true});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, kUdpRepr);
}

TEST(Ipv4Repr, RejectsOptionLengthBelowTwo) {
  auto bytes = kRouterAlert;
  bytes[21] = std::byte{1};
  refill_checksum(bytes);
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_option_length);
}

TEST(Ipv4Repr, RejectsOptionRunningPastHeader) {
  auto bytes = kRouterAlert;
  bytes[21] = std::byte{5};
  refill_checksum(bytes);
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_option_length);
}

TEST(Ipv4Repr, RejectsOptionWithoutRoomForLengthOctet) {
  auto bytes = kRouterAlert;  // NOP NOP NOP, then a Router Alert type with no length
  for (std::size_t i : {20, 21, 22}) bytes[i] = std::byte{0x01};
  bytes[23] = std::byte{0x94};
  refill_checksum(bytes);
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_option_length);
}

TEST(Ipv4Repr, AcceptsUnknownOptionsNopsAndPaddingAfterEndOfList) {
  auto bytes = kRouterAlert;  // NOP, unknown type 0x1e with length 2, EOL
  for (std::size_t i = 0; i < 4; ++i) bytes[20 + i] = bytes_of(0x01, 0x1e, 0x02, 0x00)[i];
  refill_checksum(bytes);
  EXPECT_TRUE(parse_bytes(bytes));
  bytes[21] = std::byte{0x00};  // EOL first: whatever follows is padding, not parsed
  refill_checksum(bytes);
  EXPECT_TRUE(parse_bytes(bytes));
}

TEST(Ipv4Repr, IgnoresReservedFlagAndEmitsItAsZero) {
  auto bytes = kUdpDatagram;
  bytes[6] |= std::byte{0x80};
  refill_checksum(bytes);
  auto r = parse_bytes(bytes);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, kUdpRepr);
  EXPECT_EQ(to_hex(emit_like(*r, bytes)), to_hex(kUdpDatagram));
}

TEST(Ipv4Repr, EmitProducesCapturedBytes) {
  EXPECT_EQ(to_hex(emit_like(kUdpRepr, kUdpDatagram)), to_hex(kUdpDatagram));
  EXPECT_EQ(to_hex(emit_like(kRouterAlertRepr, kRouterAlert)), to_hex(kRouterAlert));
  EXPECT_EQ(to_hex(emit_like(kFragmentRepr, kFragment)), to_hex(kFragment));
}

TEST(Ipv4Repr, EmitPadsOptionsWithZerosToFourBytes) {
  Ipv4Repr r = kUdpRepr;
  r.options = options_of(bytes_of(0x01, 0x01, 0x01));  // three NOPs
  r.payload_len = 0;
  EXPECT_EQ(r.header_len(), 24u);
  std::array<std::byte, 24> out;
  out.fill(std::byte{0xa5});
  r.emit(Ipv4PacketMut(out));
  EXPECT_EQ(to_hex(Bytes(out).subspan(20)), "01 01 01 00");
  auto back = parse_bytes(out);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(to_hex(back->options.bytes()), "01 01 01 00");  // the padding is now part of the options
}

TEST(Ipv4Repr, EmitWithoutChecksumLeavesFieldZero) {
  std::array<std::byte, 20> out;
  out.fill(std::byte{0xa5});
  Ipv4Repr r = kUdpRepr;
  r.payload_len = 0;
  r.emit(Ipv4PacketMut(out), ChecksumMode{.verify_rx = true, .fill_tx = false});
  EXPECT_EQ(Ipv4PacketMut(out).checksum(), 0);
}

TEST(Ipv4Repr, RoundTripsThroughEmitAndParse) {
  Ipv4Repr with_everything = kFragmentRepr;
  with_everything.dscp = 46;
  with_everything.ecn = 2;
  with_everything.dont_fragment = true;
  with_everything.frag_offset = 65528;  // the largest offset
  // Record Route with room for one address.
  with_everything.options = options_of(bytes_of(0x07, 0x07, 0x04, 0, 0, 0, 0, 0));
  for (const Ipv4Repr& r : {kUdpRepr, kRouterAlertRepr, kFragmentRepr, with_everything}) {
    std::vector<std::byte> buf(r.total_len());
    r.emit(Ipv4PacketMut(buf));
    auto back = parse_bytes(buf);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, r) << r;
  }
}

TEST(Ipv4Repr, PrintsLikeTcpdump) {
  Ipv4Repr r = kUdpRepr;
  r.src = kIp1;
  r.dst = kIp2;
  r.ident = 1234;
  EXPECT_EQ(str(r), "IP 10.0.0.1 > 10.0.0.2: ttl 64, id 1234, DF, proto UDP (17), length 40");
  EXPECT_EQ(str(kRouterAlertRepr),
            "IP 10.0.0.1 > 224.0.0.22: tos 0xc0, ttl 1, id 0, options 4 bytes, proto IGMP (2), length 32");
  Ipv4Repr m = kUdpRepr;
  m.src = kIp1;
  m.dst = kIp2;
  m.ident = 1234;
  m.ecn = 3;  // RFC 3168 CE, named as tcpdump does
  EXPECT_EQ(str(m), "IP 10.0.0.1 > 10.0.0.2: tos 0x3 CE, ttl 64, id 1234, DF, proto UDP (17), length 40");
  m.ecn = 2;
  EXPECT_EQ(str(m), "IP 10.0.0.1 > 10.0.0.2: tos 0x2 ECT(0), ttl 64, id 1234, DF, proto UDP (17), length 40");
  EXPECT_EQ(str(kFragmentRepr), "IP 10.0.0.1 > 10.0.0.2: ttl 64, id 16962, MF, offset 1480, proto UDP (17), length 36");
  r.protocol = IpProtocol{253};
  r.dont_fragment = false;
  EXPECT_EQ(str(r), "IP 10.0.0.1 > 10.0.0.2: ttl 64, id 1234, proto unknown (253), length 40");
}

TEST(Ipv4Options, RejectsMoreThanFortyBytes) {
  std::array<std::byte, 41> too_long{};
  auto o = Ipv4Options::from_bytes(too_long);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error(), WireError::bad_option_length);
  EXPECT_TRUE(Ipv4Options::from_bytes(Bytes(too_long).first(40)));
}

TEST(Ipv4Options, ComparesOptionBytesOnly) {
  EXPECT_EQ(options_of(bytes_of(1, 1)), options_of(bytes_of(1, 1)));
  EXPECT_NE(options_of(bytes_of(1, 1)), options_of(bytes_of(1, 1, 0)));
  EXPECT_NE(options_of(bytes_of(1, 1)), options_of(bytes_of(1, 0)));
  EXPECT_EQ(Ipv4Options{}, options_of({}));
  EXPECT_EQ(options_of(bytes_of(1, 1, 0)).padded_len(), 4u);
}

// A quoted header inside an ICMP error: total length and checksum describe
// the original datagram, of which only 28 bytes are at hand.
TEST(Ipv4Repr, ParseQuotedAcceptsTotalLengthBeyondQuoteAndIgnoresChecksum) {
  auto quote = std::array<std::byte, 28>{};
  std::ranges::copy(Bytes(kUdpDatagram).first(28), quote.begin());
  quote[2] = std::byte{0x05};  // the original was 1500 bytes long
  quote[3] = std::byte{0xdc};
  auto r = Ipv4Repr::parse_quoted(quote);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->payload_len, 1480);
  EXPECT_EQ(r->ident, 0x3f54);
}

TEST(Ipv4Repr, ParseQuotedRejectsTruncatedHeader) {
  for (std::size_t n = 0; n < 20; ++n) {
    auto r = Ipv4Repr::parse_quoted(Bytes(kUdpDatagram).first(n));
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error(), WireError::truncated) << n;
  }
}

TEST(Ipv4Repr, ParseQuotedRejectsVersionOtherThanFour) {
  auto bytes = kUdpDatagram;
  bytes[0] = std::byte{0x55};
  auto r = Ipv4Repr::parse_quoted(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_version);
}

TEST(Ipv4Repr, ParseQuotedRejectsIhlBelowFiveOrBeyondQuote) {
  auto bytes = kUdpDatagram;
  bytes[0] = std::byte{0x44};
  auto r = Ipv4Repr::parse_quoted(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_header_len);
  r = Ipv4Repr::parse_quoted(Bytes(kRouterAlert).first(23));  // IHL 6 with 23 bytes quoted
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_header_len);
}

TEST(Ipv4Repr, ParseQuotedRejectsTotalLengthBelowHeaderLength) {
  auto bytes = kUdpDatagram;
  bytes[3] = std::byte{19};
  auto r = Ipv4Repr::parse_quoted(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_length);
}

TEST(DecrementTtl, PatchedChecksumEqualsFullRecompute) {
  auto bytes = kUdpDatagram;
  Ipv4PacketMut p(bytes);
  for (int expected = 63; expected >= 0; --expected) {
    EXPECT_EQ(decrement_ttl(p), expected);
    EXPECT_EQ(p.ttl(), expected);
    auto full = bytes;
    refill_checksum(full);
    ASSERT_EQ(p.checksum(), Ipv4PacketMut(full).checksum()) << "ttl " << expected;
    ASSERT_TRUE(p.verify_checksum());
  }
}

TEST(DecrementTtl, PatchedChecksumEqualsFullRecomputeForRandomHeaders) {
  std::mt19937 rng(20240601);  // fixed seed: the same 2000 headers every run
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 2000; ++i) {
    std::array<std::byte, 20> h;
    for (auto& b : h) b = static_cast<std::byte>(byte(rng));
    h[0] = std::byte{0x45};
    if (h[8] == std::byte{0}) h[8] = std::byte{1};
    refill_checksum(h);
    auto expected = h;
    expected[8] = static_cast<std::byte>(std::to_integer<int>(h[8]) - 1);
    refill_checksum(expected);
    decrement_ttl(Ipv4PacketMut(h));
    ASSERT_EQ(to_hex(h), to_hex(expected)) << i;
  }
}

// RFC 1624's reason to exist: with eqn. 2 of RFC 1141 this update yields
// 0xffff where a full recompute gives 0x0000 (the header sums to 0xffff).
TEST(DecrementTtl, PatchedChecksumMatchesWhenItBecomesZero) {
  auto h = bytes_of(0x45, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,  // ttl 64, UDP
                    0x7b, 0xda, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);  // src chosen so ttl 63 sums to 0xffff
  refill_checksum(h);
  Ipv4PacketMut p(h);
  ASSERT_EQ(p.checksum(), 0xfeff);
  decrement_ttl(p);
  EXPECT_EQ(p.checksum(), 0x0000);
  EXPECT_TRUE(p.verify_checksum());
}

TEST(DecrementTtl, KeepsABadChecksumBad) {
  auto bytes = kUdpDatagram;
  bytes[11] ^= std::byte{0x10};
  Ipv4PacketMut p(bytes);
  decrement_ttl(p);
  EXPECT_FALSE(p.verify_checksum());
}

// Every prefix of each fixture, copied to a heap block of exactly that size
// (a vector built from a range has no spare capacity), so that AddressSanitizer
// flags any read past it.
TEST(Ipv4Packet, EveryPrefixParsesToErrorOrValueInBounds) {
  for (Bytes fixture : {Bytes(kUdpDatagram), Bytes(kRouterAlert), Bytes(kFragment)}) {
    for (std::size_t n = 0; n <= fixture.size(); ++n) {
      const std::vector<std::byte> heap(fixture.begin(), fixture.begin() + n);  // capacity == size
      auto r = parse_bytes(heap);
      EXPECT_EQ(r.has_value(), n == fixture.size()) << n;
      auto q = Ipv4Repr::parse_quoted(heap);
      if (q) {
        EXPECT_LE(q->header_len(), n);
      }
    }
  }
}

}  // namespace
}  // namespace wirestack
