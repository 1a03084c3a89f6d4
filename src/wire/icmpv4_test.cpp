// wire/icmpv4_test.cpp — Icmpv4Packet view and Icmpv4Repr: read fields, write
// fields, parse, emit (into a 0xa5 buffer), one test per check, round trips,
// and every truncation. Fixtures are whole IPv4 datagrams (the ICMP message
// starts at byte 20): Linux captures on lo and scapy-built errors.
#include "wire/icmpv4.hpp"

#include <gtest/gtest.h>

#include <array>
#include <sstream>
#include <string>
#include <vector>

namespace wirestack {
namespace {

constexpr Ipv4Address kLocalhost{127, 0, 0, 1};
constexpr Ipv4Address kIp1{10, 0, 0, 1};
constexpr Ipv4Address kIp2{10, 0, 0, 2};
constexpr Ipv4Address kFarHost{10, 0, 2, 2};

// clang-format off
// Linux `ping -c1 127.0.0.1`, captured on lo: echo request id 7399 seq 1,
// 56 data bytes (a struct timeval, then 0x10..0x37).
constexpr auto kPingRequest = bytes_of(
    0x45, 0x00, 0x00, 0x54, 0x4c, 0xed, 0x40, 0x00, 0x40, 0x01, 0xef, 0xb9,  // IPv4, 84 bytes, DF, ICMP
    0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01,                          // 127.0.0.1 > 127.0.0.1
    0x08, 0x00, 0xe2, 0x56, 0x1c, 0xe7, 0x00, 0x01,                          // echo request, id, seq
    0xa6, 0xac, 0x09, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x80, 0xd6, 0x09, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23,
    0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37);

// The kernel's answer to kPingRequest, captured with it.
constexpr auto kPingReply = bytes_of(
    0x45, 0x00, 0x00, 0x54, 0x4c, 0xee, 0x00, 0x00, 0x40, 0x01, 0x2f, 0xb9,  // id + 1, no DF
    0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01,
    0x00, 0x00, 0xea, 0x56, 0x1c, 0xe7, 0x00, 0x01,                          // echo reply, same id, seq
    0xa6, 0xac, 0x09, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x80, 0xd6, 0x09, 0x00,  // same data
    0x00, 0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23,
    0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37);

// scapy: IP(src='10.0.0.1', dst='10.0.0.2', id=1, flags='DF') /
//        ICMP(type=8, id=7, seq=1) / b'abcde': 13 bytes, an odd-length checksum.
constexpr auto kEchoOdd = bytes_of(
    0x45, 0x00, 0x00, 0x21, 0x00, 0x01, 0x40, 0x00, 0x40, 0x01, 0x26, 0xd9,  // IPv4, 33 bytes, DF, ICMP
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,                          // 10.0.0.1 > 10.0.0.2
    0x08, 0x00, 0xce, 0x30, 0x00, 0x07, 0x00, 0x01,                          // echo request, id 7, seq 1
    'a', 'b', 'c', 'd', 'e');

// Linux, captured on lo: a UDP datagram to 127.0.0.1:9 (discard, nobody
// listening) is answered with port unreachable. Linux quotes the whole
// 40-byte datagram (RFC 1812 4.3.2.3), not just header + 8 bytes.
constexpr auto kPortUnreachable = bytes_of(
    0x45, 0xc0, 0x00, 0x44, 0x50, 0x85, 0x00, 0x00, 0x40, 0x01, 0x2b, 0x72,  // tos 0xc0, 68 bytes
    0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01,
    0x03, 0x03, 0xdf, 0x94, 0x00, 0x00, 0x00, 0x00,                          // dst unreachable, port
    0x45, 0x00, 0x00, 0x28, 0x3f, 0x54, 0x40, 0x00, 0x40, 0x11, 0xfd, 0x6e,  // quoted: IPv4, UDP
    0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01,
    0xde, 0xd6, 0x00, 0x09, 0x00, 0x14, 0xfe, 0x27,                          // quoted: UDP 57046 > 9
    'h', 'e', 'l', 'l', 'o', ',', ' ', 'w', 'o', 'r', 'l', 'd');

// scapy: router 10.0.1.1 tells 10.0.0.1 its traceroute probe
// IP(src='10.0.0.1', dst='10.0.2.2', ttl=1, id=0xbeef)/UDP(sport=50000,
// dport=33434)/24 zero bytes died in transit; header + 8 bytes quoted.
constexpr auto kTimeExceeded = bytes_of(
    0x45, 0xc0, 0x00, 0x38, 0x03, 0x03, 0x00, 0x00, 0x40, 0x01, 0x62, 0x01,  // tos 0xc0, 56 bytes
    0x0a, 0x00, 0x01, 0x01, 0x0a, 0x00, 0x00, 0x01,                          // 10.0.1.1 > 10.0.0.1
    0x0b, 0x00, 0x0b, 0x34, 0x00, 0x00, 0x00, 0x00,                          // time exceeded in transit
    0x45, 0x00, 0x00, 0x34, 0xbe, 0xef, 0x00, 0x00, 0x01, 0x11, 0xe4, 0xc7,  // quoted: ttl 1, UDP, 52 bytes
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x02, 0x02,                          // quoted: 10.0.0.1 > 10.0.2.2
    0xc3, 0x50, 0x82, 0x9a, 0x00, 0x20, 0xa3, 0xc0);                         // quoted: UDP header

// scapy: router 10.0.1.1 cannot forward a 1500-byte DF TCP segment
// 10.0.0.1:45678 > 10.0.2.2:80 onto a 1400-byte link: frag needed (RFC 1191).
constexpr auto kFragNeeded = bytes_of(
    0x45, 0xc0, 0x00, 0x38, 0x04, 0x04, 0x00, 0x00, 0x40, 0x01, 0x61, 0x00,  // tos 0xc0, 56 bytes
    0x0a, 0x00, 0x01, 0x01, 0x0a, 0x00, 0x00, 0x01,                          // 10.0.1.1 > 10.0.0.1
    0x03, 0x04, 0x40, 0xdd, 0x00, 0x00, 0x05, 0x78,                          // frag needed, MTU 1400
    0x45, 0x00, 0x05, 0xdc, 0x11, 0x11, 0x40, 0x00, 0x40, 0x06, 0x0e, 0x09,  // quoted: 1500 bytes, DF, TCP
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x02, 0x02,                          // quoted: 10.0.0.1 > 10.0.2.2
    0xb2, 0x6e, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8);                         // quoted: ports, seq 1000
// clang-format on

constexpr std::size_t kIpHeader = 20;  // every fixture has a 20-byte outer header

// The ICMP message inside a fixture.
Bytes icmp_part(Bytes datagram) {
  return datagram.subspan(kIpHeader);
}

template <class T>
std::string str(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

WireResult<Icmpv4Repr> parse_bytes(Bytes icmp, ChecksumMode mode = {}) {
  auto p = Icmpv4Packet::checked(icmp);
  if (!p) return Unexpected{p.error()};
  return Icmpv4Repr::parse(*p, mode);
}

// Emits `r` into a buffer of buffer_len() bytes pre-filled with 0xa5.
std::vector<std::byte> emit(const Icmpv4Repr& r, ChecksumMode mode = {}) {
  std::vector<std::byte> out(r.buffer_len(), std::byte{0xa5});
  r.emit(Icmpv4PacketMut(out), mode);
  return out;
}

// Edits a fixture's ICMP message with `edit`, then fixes the ICMP checksum.
template <std::size_t N, class Edit>
std::array<std::byte, N> edited(const std::array<std::byte, N>& fixture, Edit edit) {
  auto copy = fixture;
  Icmpv4PacketMut p(MutBytes(copy).subspan(kIpHeader));
  edit(p);
  p.fill_checksum();
  return copy;
}

const Ipv4Repr kQuotedUdp{.src = kLocalhost,
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

const Ipv4Repr kQuotedProbe{.src = kIp1,
                            .dst = kFarHost,
                            .protocol = IpProtocol::udp,
                            .ttl = 1,
                            .dscp = 0,
                            .ecn = 0,
                            .ident = 0xbeef,
                            .dont_fragment = false,
                            .more_fragments = false,
                            .frag_offset = 0,
                            .options = {},
                            .payload_len = 32};

const Ipv4Repr kQuotedTcp{.src = kIp1,
                          .dst = kFarHost,
                          .protocol = IpProtocol::tcp,
                          .ttl = 64,
                          .dscp = 0,
                          .ecn = 0,
                          .ident = 0x1111,
                          .dont_fragment = true,
                          .more_fragments = false,
                          .frag_offset = 0,
                          .options = {},
                          .payload_len = 1480};

TEST(Icmpv4Packet, ReadsEchoFieldsOfLinuxPing) {
  auto p = Icmpv4Packet::checked(icmp_part(kPingRequest));
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->msg_type(), Icmpv4Type::echo_request);
  EXPECT_EQ(p->msg_code(), 0);
  EXPECT_EQ(p->checksum(), 0xe256);
  EXPECT_EQ(p->echo_ident(), 7399);
  EXPECT_EQ(p->echo_seq_no(), 1);
  EXPECT_EQ(p->rest_of_header(), 0x1ce70001u);
  EXPECT_EQ(p->data().size(), 56u);
  EXPECT_EQ(p->data().data(), kPingRequest.data() + 28);  // a view, not a copy
  EXPECT_TRUE(p->verify_checksum());
}

TEST(Icmpv4Packet, ReadsNextHopMtu) {
  auto p = Icmpv4Packet::checked(icmp_part(kFragNeeded));
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->msg_type(), Icmpv4Type::dst_unreachable);
  EXPECT_EQ(p->msg_code(), 4);
  EXPECT_EQ(p->next_hop_mtu(), 1400);
  EXPECT_EQ(p->data().size(), 28u);
}

TEST(Icmpv4Packet, WritesEveryField) {
  std::array<std::byte, 13> out;
  out.fill(std::byte{0xa5});
  Icmpv4PacketMut p(out);
  p.set_msg_type(Icmpv4Type::echo_request);
  p.set_msg_code(0);
  p.set_echo_ident(7);
  p.set_echo_seq_no(1);
  std::ranges::copy(as_bytes("abcde"), p.data().begin());
  p.fill_checksum();  // odd length: the last byte is padded with zero
  EXPECT_EQ(to_hex(out), to_hex(icmp_part(kEchoOdd)));
  p.set_rest_of_header(0x00000578);
  EXPECT_EQ(p.next_hop_mtu(), 1400);
  p.set_next_hop_mtu(576);
  EXPECT_EQ(p.rest_of_header(), 576u);
}

TEST(Icmpv4Packet, RejectsFewerThanEightBytes) {
  for (std::size_t n = 0; n < kIcmpv4HeaderLen; ++n) {
    auto p = Icmpv4Packet::checked(icmp_part(kEchoOdd).first(n));
    ASSERT_FALSE(p) << n;
    EXPECT_EQ(p.error(), WireError::truncated) << n;
  }
  EXPECT_TRUE(Icmpv4Packet::checked(icmp_part(kEchoOdd).first(kIcmpv4HeaderLen)));
}

TEST(Icmpv4Repr, ParsesLinuxEchoRequestWithoutCopying) {
  auto r = parse_bytes(icmp_part(kPingRequest));
  ASSERT_TRUE(r) << r.error();
  const auto* echo = std::get_if<Icmpv4EchoRequest>(&r->message);
  ASSERT_NE(echo, nullptr);
  EXPECT_EQ(echo->ident, 7399);
  EXPECT_EQ(echo->seq_no, 1);
  EXPECT_EQ(echo->data.data(), kPingRequest.data() + 28);
  EXPECT_EQ(echo->data.size(), 56u);
  EXPECT_EQ(r->type(), Icmpv4Type::echo_request);
  EXPECT_EQ(r->code(), 0);
  EXPECT_FALSE(r->is_error());
  EXPECT_EQ(r->buffer_len(), 64u);
}

TEST(Icmpv4Repr, ParsesLinuxEchoReply) {
  auto r = parse_bytes(icmp_part(kPingReply));
  ASSERT_TRUE(r) << r.error();
  const Icmpv4Repr expected{.message =
                                Icmpv4EchoReply{.ident = 7399, .seq_no = 1, .data = icmp_part(kPingReply).subspan(8)}};
  EXPECT_EQ(*r, expected);
}

TEST(Icmpv4Repr, ParsesEchoWithOddLengthData) {
  auto r = parse_bytes(icmp_part(kEchoOdd));
  ASSERT_TRUE(r) << r.error();
  const Icmpv4Repr expected{.message = Icmpv4EchoRequest{.ident = 7, .seq_no = 1, .data = as_bytes("abcde")}};
  EXPECT_EQ(*r, expected);
  EXPECT_EQ(r->buffer_len(), 13u);
}

TEST(Icmpv4Repr, ParsesLinuxPortUnreachableQuotingUdp) {
  auto r = parse_bytes(icmp_part(kPortUnreachable));
  ASSERT_TRUE(r) << r.error();
  const auto* unreachable = std::get_if<Icmpv4DstUnreachable>(&r->message);
  ASSERT_NE(unreachable, nullptr);
  EXPECT_EQ(unreachable->code, Icmpv4UnreachableCode::port);
  EXPECT_EQ(unreachable->next_hop_mtu, 0);
  EXPECT_EQ(unreachable->quote.header, kQuotedUdp);
  EXPECT_EQ(to_hex(unreachable->quote.data), to_hex(Bytes(kPortUnreachable).subspan(48)));  // UDP header + data
  EXPECT_EQ(load_be16(unreachable->quote.data, 2), 9);  // the port nobody listens on
  EXPECT_TRUE(r->is_error());
  EXPECT_EQ(r->buffer_len(), 48u);
}

TEST(Icmpv4Repr, ParsesTimeExceededInTransit) {
  auto r = parse_bytes(icmp_part(kTimeExceeded));
  ASSERT_TRUE(r) << r.error();
  const Icmpv4Repr expected{
      .message = Icmpv4TimeExceeded{.code = Icmpv4TimeExceededCode::ttl_exceeded,
                                    .quote = {.header = kQuotedProbe, .data = Bytes(kTimeExceeded).subspan(48)}}};
  EXPECT_EQ(*r, expected);
  EXPECT_TRUE(r->is_error());
}

TEST(Icmpv4Repr, ParsesFragNeededWithNextHopMtu) {
  auto r = parse_bytes(icmp_part(kFragNeeded));
  ASSERT_TRUE(r) << r.error();
  const Icmpv4Repr expected{
      .message = Icmpv4DstUnreachable{.code = Icmpv4UnreachableCode::frag_needed,
                                      .next_hop_mtu = 1400,
                                      .quote = {.header = kQuotedTcp, .data = Bytes(kFragNeeded).subspan(48)}}};
  EXPECT_EQ(*r, expected);
}

TEST(Icmpv4Repr, ParsesOtherTypesRaw) {
  const auto timestamp = edited(kEchoOdd, [](Icmpv4PacketMut p) { p.set_msg_type(Icmpv4Type::timestamp); });
  auto r = parse_bytes(icmp_part(timestamp));
  ASSERT_TRUE(r) << r.error();
  const Icmpv4Repr expected{
      .message = Icmpv4Other{
          .type = Icmpv4Type::timestamp, .code = 0, .rest_of_header = 0x00070001, .data = as_bytes("abcde")}};
  EXPECT_EQ(*r, expected);
  EXPECT_FALSE(r->is_error());
}

TEST(Icmpv4Repr, ParsesEchoWithNonzeroCodeAsOther) {
  const auto odd_code = edited(kEchoOdd, [](Icmpv4PacketMut p) { p.set_msg_code(1); });
  auto r = parse_bytes(icmp_part(odd_code));
  ASSERT_TRUE(r) << r.error();
  ASSERT_TRUE(std::holds_alternative<Icmpv4Other>(r->message));
  EXPECT_EQ(r->type(), Icmpv4Type::echo_request);
  EXPECT_EQ(r->code(), 1);
}

TEST(Icmpv4Repr, RejectsBadChecksum) {
  auto bytes = kPingRequest;
  bytes[40] ^= std::byte{0x01};  // one data bit flipped in transit
  auto r = parse_bytes(icmp_part(bytes));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_checksum);
}

TEST(Icmpv4Repr, RejectsBadChecksumInOddTrailingByte) {
  auto bytes = kEchoOdd;
  bytes.back() = std::byte{'f'};
  auto r = parse_bytes(icmp_part(bytes));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_checksum);
}

TEST(Icmpv4Repr, RejectsBadChecksumOfError) {
  auto bytes = kPortUnreachable;
  bytes[22] = std::byte{0};
  auto r = parse_bytes(icmp_part(bytes));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_checksum);
}

TEST(Icmpv4Repr, AcceptsBadChecksumWhenVerificationIsOff) {
  auto bytes = kEchoOdd;
  bytes[22] = std::byte{0};
  bytes[23] = std::byte{0};
  auto r = parse_bytes(icmp_part(bytes), ChecksumMode{.verify_rx = false, .fill_tx = true});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->type(), Icmpv4Type::echo_request);
}

TEST(Icmpv4Repr, RejectsErrorWhoseQuoteIsShorterThanAnIpv4Header) {
  for (std::size_t quoted = 0; quoted < 20; ++quoted) {
    std::vector<std::byte> msg(Bytes(kTimeExceeded).subspan(kIpHeader, 8 + quoted).begin(),
                               Bytes(kTimeExceeded).subspan(kIpHeader, 8 + quoted).end());
    Icmpv4PacketMut(msg).fill_checksum();
    auto r = parse_bytes(msg);
    ASSERT_FALSE(r) << quoted;
    EXPECT_EQ(r.error(), WireError::truncated) << quoted;
  }
}

TEST(Icmpv4Repr, RejectsErrorQuotingNonIpv4) {
  const auto bytes = edited(kPortUnreachable, [](Icmpv4PacketMut p) { p.data()[0] = std::byte{0x65}; });
  auto r = parse_bytes(icmp_part(bytes));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_version);
}

TEST(Icmpv4Repr, RejectsErrorQuotingIhlBelowFive) {
  const auto bytes = edited(kTimeExceeded, [](Icmpv4PacketMut p) { p.data()[0] = std::byte{0x44}; });
  auto r = parse_bytes(icmp_part(bytes));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_header_len);
}

TEST(Icmpv4Repr, RejectsErrorQuotingHeaderLongerThanQuote) {
  // IHL 8 claims 32 header bytes; 28 are quoted.
  const auto bytes = edited(kFragNeeded, [](Icmpv4PacketMut p) { p.data()[0] = std::byte{0x48}; });
  auto r = parse_bytes(icmp_part(bytes));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_header_len);
}

TEST(Icmpv4Repr, RejectsErrorQuotingTotalLengthBelowHeaderLength) {
  const auto bytes = edited(kFragNeeded, [](Icmpv4PacketMut p) {
    p.data()[2] = std::byte{0};
    p.data()[3] = std::byte{19};
  });
  auto r = parse_bytes(icmp_part(bytes));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_length);
}

TEST(Icmpv4Repr, EmitProducesCapturedBytes) {
  for (Bytes fixture : {Bytes(kPingRequest), Bytes(kPingReply), Bytes(kEchoOdd), Bytes(kPortUnreachable),
                        Bytes(kTimeExceeded), Bytes(kFragNeeded)}) {
    auto r = parse_bytes(icmp_part(fixture));
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(to_hex(emit(*r)), to_hex(icmp_part(fixture))) << *r;
  }
}

TEST(Icmpv4Repr, EmitsWholeDatagramBehindIpv4Header) {
  const Icmpv4Repr icmp{.message = Icmpv4EchoRequest{.ident = 7, .seq_no = 1, .data = as_bytes("abcde")}};
  const Ipv4Repr ip{.src = kIp1,
                    .dst = kIp2,
                    .protocol = IpProtocol::icmp,
                    .ttl = 64,
                    .dscp = 0,
                    .ecn = 0,
                    .ident = 1,
                    .dont_fragment = true,
                    .more_fragments = false,
                    .frag_offset = 0,
                    .options = {},
                    .payload_len = static_cast<std::uint16_t>(icmp.buffer_len())};
  std::vector<std::byte> out(ip.total_len(), std::byte{0xa5});
  Ipv4PacketMut ip_out(out);
  ip.emit(ip_out);
  icmp.emit(Icmpv4PacketMut(ip_out.payload()));
  EXPECT_EQ(to_hex(out), to_hex(kEchoOdd));
}

TEST(Icmpv4Repr, EmitWithoutChecksumLeavesFieldZero) {
  const Icmpv4Repr r{.message = Icmpv4EchoRequest{.ident = 7, .seq_no = 1, .data = as_bytes("abcde")}};
  const auto out = emit(r, ChecksumMode{.verify_rx = true, .fill_tx = false});
  EXPECT_EQ(Icmpv4Packet(out).checksum(), 0);
}

TEST(Icmpv4Repr, BuildsEchoReplyInPlace) {
  auto buf = kPingRequest;  // the received datagram's buffer, reused for the answer
  MutBytes icmp = MutBytes(buf).subspan(kIpHeader);
  auto request = parse_bytes(icmp);
  ASSERT_TRUE(request) << request.error();
  const Icmpv4Repr reply{.message = echo_reply_to(std::get<Icmpv4EchoRequest>(request->message))};
  reply.emit(Icmpv4PacketMut(icmp));  // the reply's data aliases the request's
  EXPECT_EQ(to_hex(icmp), to_hex(icmp_part(kPingReply)));
}

TEST(Icmpv4Repr, QuoteOfOffendingDatagramTakesHeaderAndEightBytes) {
  const auto datagram = Bytes(kPortUnreachable).subspan(28);  // the UDP datagram Linux refused
  auto offending = Ipv4Packet::checked(datagram);
  ASSERT_TRUE(offending) << offending.error();
  const Icmpv4Quote quote = Icmpv4Quote::of(*offending);
  EXPECT_EQ(quote.header, kQuotedUdp);
  EXPECT_EQ(to_hex(quote.data), to_hex(datagram.subspan(20, 8)));  // RFC 792: the UDP header
  EXPECT_EQ(quote.len(), 28u);

  // Quoting as much as Linux does reproduces its message byte for byte.
  const Icmpv4Repr linux_like{.message = Icmpv4DstUnreachable{.code = Icmpv4UnreachableCode::port,
                                                              .next_hop_mtu = 0,
                                                              .quote = Icmpv4Quote::of(*offending, 548)}};
  EXPECT_EQ(to_hex(emit(linux_like)), to_hex(icmp_part(kPortUnreachable)));
}

TEST(Icmpv4Repr, RoundTripsThroughEmitAndParse) {
  const Icmpv4Quote quote{.header = kQuotedProbe, .data = Bytes(kTimeExceeded).subspan(48)};
  const Icmpv4Repr reprs[] = {
      {.message = Icmpv4EchoRequest{.ident = 1, .seq_no = 65535, .data = {}}},
      {.message = Icmpv4EchoReply{.ident = 7, .seq_no = 1, .data = as_bytes("odd")}},
      {.message =
           Icmpv4DstUnreachable{.code = Icmpv4UnreachableCode::admin_prohibited, .next_hop_mtu = 0, .quote = quote}},
      {.message =
           Icmpv4DstUnreachable{.code = Icmpv4UnreachableCode::frag_needed, .next_hop_mtu = 1280, .quote = quote}},
      {.message = Icmpv4TimeExceeded{.code = Icmpv4TimeExceededCode::reassembly, .quote = quote}},
      {.message = Icmpv4Other{.type = Icmpv4Type::param_problem, .code = 0, .rest_of_header = 0x14000000, .data = {}}},
      {.message = Icmpv4Other{.type = Icmpv4Type{42}, .code = 7, .rest_of_header = 0xdeadbeef, .data = as_bytes("x")}},
  };
  for (const Icmpv4Repr& r : reprs) {
    const auto buf = emit(r);
    auto back = parse_bytes(buf);
    ASSERT_TRUE(back) << back.error() << " for " << r;
    EXPECT_EQ(*back, r) << r;
  }
}

TEST(Icmpv4Repr, PrintsLikeTcpdump) {
  // The first five lines are what tcpdump -nn prints for the fixtures.
  EXPECT_EQ(str(*parse_bytes(icmp_part(kPingRequest))), "ICMP echo request, id 7399, seq 1, length 64");
  EXPECT_EQ(str(*parse_bytes(icmp_part(kEchoOdd))), "ICMP echo request, id 7, seq 1, length 13");
  EXPECT_EQ(str(*parse_bytes(icmp_part(kPortUnreachable))), "ICMP 127.0.0.1 udp port 9 unreachable, length 48");
  EXPECT_EQ(str(*parse_bytes(icmp_part(kTimeExceeded))), "ICMP time exceeded in-transit, length 36");
  EXPECT_EQ(str(*parse_bytes(icmp_part(kFragNeeded))),
            "ICMP 10.0.2.2 unreachable - need to frag (mtu 1400), length 36");
  EXPECT_EQ(str(*parse_bytes(icmp_part(kPingReply))), "ICMP echo reply, id 7399, seq 1, length 64");

  const Icmpv4Quote tcp{.header = kQuotedTcp, .data = Bytes(kFragNeeded).subspan(48)};
  auto unreachable = [&](Icmpv4UnreachableCode code) {
    return str(Icmpv4Repr{.message = Icmpv4DstUnreachable{.code = code, .next_hop_mtu = 0, .quote = tcp}});
  };
  EXPECT_EQ(unreachable(Icmpv4UnreachableCode::port), "ICMP 10.0.2.2 tcp port 80 unreachable, length 36");
  EXPECT_EQ(unreachable(Icmpv4UnreachableCode::net), "ICMP net 10.0.2.2 unreachable, length 36");
  EXPECT_EQ(unreachable(Icmpv4UnreachableCode::host), "ICMP host 10.0.2.2 unreachable, length 36");
  EXPECT_EQ(unreachable(Icmpv4UnreachableCode::protocol), "ICMP 10.0.2.2 protocol 6 unreachable, length 36");
  EXPECT_EQ(unreachable(Icmpv4UnreachableCode::admin_prohibited),
            "ICMP host 10.0.2.2 unreachable - admin prohibited filter, length 36");
  EXPECT_EQ(unreachable(Icmpv4UnreachableCode{99}), "ICMP 10.0.2.2 unreachable - #99, length 36");
  EXPECT_EQ(str(Icmpv4Repr{.message = Icmpv4TimeExceeded{.code = Icmpv4TimeExceededCode::reassembly, .quote = tcp}}),
            "ICMP ip reassembly time exceeded, length 36");
  EXPECT_EQ(
      str(Icmpv4Repr{.message = Icmpv4Other{.type = Icmpv4Type::redirect, .code = 1, .rest_of_header = 0, .data = {}}}),
      "ICMP redirect, code 1, length 8");
  EXPECT_EQ(str(Icmpv4Repr{.message = Icmpv4Other{.type = Icmpv4Type{42}, .code = 0, .rest_of_header = 0, .data = {}}}),
            "ICMP type-#42, code 0, length 8");
}

// Every prefix of each fixture's ICMP message, copied to a heap block of
// exactly that size (a vector built from a range has no spare capacity), so
// that AddressSanitizer flags any read past it. With the checksum off, parsing
// goes on into the quoted header of every cut.
TEST(Icmpv4Packet, EveryPrefixParsesToErrorOrValueInBounds) {
  for (Bytes fixture :
       {Bytes(kPingRequest), Bytes(kEchoOdd), Bytes(kPortUnreachable), Bytes(kTimeExceeded), Bytes(kFragNeeded)}) {
    const Bytes icmp = icmp_part(fixture);
    for (std::size_t n = 0; n <= icmp.size(); ++n) {
      const std::vector<std::byte> heap(icmp.begin(), icmp.begin() + n);  // capacity == size
      const Bytes cut(heap);
      auto checked = parse_bytes(cut);
      EXPECT_EQ(checked.has_value(), n == icmp.size()) << n;  // a cut breaks the checksum
      auto lenient = parse_bytes(cut, ChecksumMode{.verify_rx = false, .fill_tx = true});
      if (lenient) {
        EXPECT_EQ(lenient->buffer_len(), n) << n;
        EXPECT_EQ(to_hex(emit(*lenient)).size(), to_hex(cut).size());
      }
    }
  }
}

}  // namespace
}  // namespace wirestack
