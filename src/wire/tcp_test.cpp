// wire/tcp_test.cpp — the TCP view and TcpRepr: read fields, write fields,
// parse, emit, one negative test per check, printing against tcpdump, and
// every truncation of every fixture.
//
// Segments marked "Linux" were sent by Linux 6.18 through a TUN device (which
// gets full checksums, no offload) in a private network namespace, between
// 10.0.0.1 (Linux) and 10.0.0.2 (a scripted peer). Segments marked "scapy"
// were built with scapy 2.5 (IP layer included, so scapy computed the
// checksum). The expected print lines are tcpdump 4.99's (-nn -S) on the same
// bytes, without the addresses.
#include "wire/tcp.hpp"

#include <gtest/gtest.h>

#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "wire/checksum.hpp"

namespace wirestack {
namespace {

const IpPair kIps{.src = Ipv4Address(10, 0, 0, 1), .dst = Ipv4Address(10, 0, 0, 2)};

// Linux SYN, 10.0.0.1:40000 > 10.0.0.2:80 (connect()).
constexpr auto kLinuxSyn = bytes_of(0x9c, 0x40, 0x00, 0x50,              // ports 40000 > 80
                                    0xc2, 0x93, 0x8d, 0x94,              // seq 3264449940
                                    0x00, 0x00, 0x00, 0x00,              // ack 0
                                    0xa0, 0x02, 0xfa, 0xf0,              // offset 10, [S], win 64240
                                    0x36, 0xbc, 0x00, 0x00,              // checksum, urgent
                                    0x02, 0x04, 0x05, 0xb4,              // MSS 1460
                                    0x04, 0x02, 0x08, 0x0a,              // SACK_PERM, TS
                                    0x88, 0x0a, 0x8d, 0x8a, 0x00, 0x00,  // TSval 2282392970
                                    0x00, 0x00, 0x01, 0x03, 0x03, 0x0a);  // TSecr 0, NOP, WS 10

// Linux final ACK of the handshake: [.], ack 1001, win 63, [nop,nop,TS].
constexpr auto kLinuxAck = bytes_of(0x9c, 0x40, 0x00, 0x50, 0xc2, 0x93, 0x8d, 0x95, 0x00, 0x00, 0x03, 0xe9,  //
                                    0x80, 0x10, 0x00, 0x3f, 0x48, 0xba, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a,  //
                                    0x88, 0x0a, 0x8d, 0x8c, 0x00, 0x00, 0x13, 0x88);

// Linux send(b"hello"): [P.], odd payload length.
constexpr auto kLinuxData = bytes_of(0x9c, 0x40, 0x00, 0x50, 0xc2, 0x93, 0x8d, 0x95, 0x00, 0x00, 0x03, 0xe9,  //
                                     0x80, 0x18, 0x00, 0x3f, 0x04, 0xda, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a,  //
                                     0x88, 0x0a, 0x8d, 0x8d, 0x00, 0x00, 0x13, 0x88,                          //
                                     'h', 'e', 'l', 'l', 'o');

// Linux duplicate ACK after two out-of-order segments from the peer:
// [nop,nop,TS val 2282392974 ecr 5000,nop,nop,sack 2 {1301:1351}{1101:1151}].
constexpr auto kLinuxSack = bytes_of(0x9c, 0x40, 0x00, 0x50, 0xc2, 0x93, 0x8d, 0x9a, 0x00, 0x00, 0x03, 0xe9,  //
                                     0xd0, 0x10, 0x00, 0x3f, 0xdf, 0x63, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a,  //
                                     0x88, 0x0a, 0x8d, 0x8e, 0x00, 0x00, 0x13, 0x88, 0x01, 0x01, 0x05, 0x12,  //
                                     0x00, 0x00, 0x05, 0x15, 0x00, 0x00, 0x05, 0x47, 0x00, 0x00, 0x04, 0x4d,  //
                                     0x00, 0x00, 0x04, 0x7f);

// Linux SYN-ACK from a listening socket, 10.0.0.1:8080 > 10.0.0.2:50000.
constexpr auto kLinuxSynAck = bytes_of(0x1f, 0x90, 0xc3, 0x50, 0x49, 0x9a, 0x43, 0x9e, 0x00, 0x00, 0x1e, 0x62,  //
                                       0xa0, 0x12, 0xfe, 0x88, 0x1d, 0x8e, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,  //
                                       0x04, 0x02, 0x08, 0x0a, 0x62, 0x31, 0x27, 0x26, 0x00, 0x00, 0x00, 0x01,  //
                                       0x01, 0x03, 0x03, 0x0a);

// scapy: TCP(sport=40000, dport=80, flags='S', seq=123, options=[('MSS',1460),
// ('SAckOK',b''), ('Timestamp',(1,0)), ('NOP',None), ('WScale',7)]).
constexpr auto kScapySyn = bytes_of(0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x7b, 0x00, 0x00, 0x00, 0x00,  //
                                    0xa0, 0x02, 0xfa, 0xf0, 0x9c, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4,  //
                                    0x04, 0x02, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  //
                                    0x01, 0x03, 0x03, 0x07);

// scapy: ACK with four SACK blocks and no timestamps: a 56-byte header.
constexpr auto kScapySack4 = bytes_of(0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x07, 0xd0,  //
                                      0xe0, 0x10, 0x01, 0xf6, 0xf2, 0x9b, 0x00, 0x00, 0x01, 0x01, 0x05, 0x22,  //
                                      0x00, 0x00, 0x0b, 0xb8, 0x00, 0x00, 0x0c, 0x1c, 0x00, 0x00, 0x0c, 0x80,  //
                                      0x00, 0x00, 0x0c, 0xe4, 0x00, 0x00, 0x0d, 0x48, 0x00, 0x00, 0x0d, 0xac,  //
                                      0x00, 0x00, 0x0e, 0x10, 0x00, 0x00, 0x0e, 0x74);

// scapy: [P.] "abc" with an unknown option (kind 253) before the timestamps.
constexpr auto kScapyUnknown = bytes_of(0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x07, 0xd0,  //
                                        0x90, 0x18, 0x01, 0xf6, 0xd4, 0xc2, 0x00, 0x00, 0xfd, 0x04, 0x12, 0x34,  //
                                        0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08,  //
                                        'a', 'b', 'c');

// scapy: SYN with [mss 536,eol] and a NOP after the EOL.
constexpr auto kScapyEol = bytes_of(0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00,  //
                                    0x70, 0x02, 0x04, 0x00, 0xd7, 0x25, 0x00, 0x00, 0x02, 0x04, 0x02, 0x18,  //
                                    0x00, 0x01, 0x00, 0x00);

// scapy: flags FIN PSH ACK URG ECE CWR, urgent pointer 3, payload "xyz".
constexpr auto kScapyUrg = bytes_of(0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x2b,  //
                                    0x50, 0xf9, 0x00, 0x64, 0x0b, 0x20, 0x00, 0x03, 'x', 'y', 'z');

// scapy: no flags at all, no options.
constexpr auto kScapyNoFlags = bytes_of(0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,  //
                                        0x50, 0x00, 0x00, 0x00, 0xff, 0x50, 0x00, 0x00);

const std::vector<Bytes>& all_fixtures() {
  static const std::vector<Bytes> all = {kLinuxSyn, kLinuxAck,   kLinuxData,    kLinuxSack, kLinuxSynAck,  kScapySyn,
                                         kScapySack4, kScapyUnknown, kScapyEol, kScapyUrg, kScapyNoFlags};
  return all;
}

TcpRepr linux_syn_repr() {
  return TcpRepr{.src_port = 40000,
                 .dst_port = 80,
                 .seq = 3264449940,
                 .ack = 0,
                 .flags = TcpFlags{TcpFlags::kSyn},
                 .window = 64240,
                 .urgent = 0,
                 .options = TcpOptions{.mss = 1460,
                                       .window_scale = 10,
                                       .sack_permitted = true,
                                       .timestamps = Timestamps{.tsval = 2282392970, .tsecr = 0}}};
}

TcpRepr linux_data_repr() {
  return TcpRepr{.src_port = 40000,
                 .dst_port = 80,
                 .seq = 3264449941,
                 .ack = 1001,
                 .flags = TcpFlags{TcpFlags::kPsh | TcpFlags::kAck},
                 .window = 63,
                 .urgent = 0,
                 .options = TcpOptions{.timestamps = Timestamps{.tsval = 2282392973, .tsecr = 5000}}};
}

std::string hex(Bytes b) { return to_hex(b); }
ByteVec copy_of(Bytes b) { return ByteVec(b.begin(), b.end()); }

// Recomputes the checksum of an edited segment so that only the edit is wrong.
void refresh_checksum(MutBytes segment) {
  TcpPacketMut p(segment);
  p.set_checksum(0);
  p.set_checksum(static_cast<std::uint16_t>(~tcp_sum(segment, kIps)));
}

WireResult<TcpRepr> parse_bytes(Bytes b, ChecksumMode mode = {}) {
  auto p = TcpPacket::checked(b);
  if (!p) return Unexpected{p.error()};
  return TcpRepr::parse(*p, kIps, mode);
}

template <class T>
std::string printed(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// Emits into a buffer pre-filled with 0xa5, so every byte must be written.
ByteVec emitted(const TcpRepr& r, Bytes payload, ChecksumMode mode = {}) {
  ByteVec out(r.header_len() + payload.size(), std::byte{0xa5});
  r.emit(TcpPacketMut(out), kIps, payload, mode);
  return out;
}

// --- Reading fields -----------------------------------------------------------------

TEST(TcpPacket, ReadsLinuxSynFields) {
  auto p = TcpPacket::checked(kLinuxSyn);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->src_port(), 40000);
  EXPECT_EQ(p->dst_port(), 80);
  EXPECT_EQ(p->seq_number(), 3264449940u);
  EXPECT_EQ(p->ack_number(), 0u);
  EXPECT_EQ(p->data_offset(), 10);
  EXPECT_EQ(p->header_len(), 40u);
  EXPECT_TRUE(p->syn());
  EXPECT_FALSE(p->ack());
  EXPECT_EQ(p->flags(), TcpFlags{TcpFlags::kSyn});
  EXPECT_EQ(p->window(), 64240);
  EXPECT_EQ(p->checksum(), 0x36bc);
  EXPECT_EQ(p->urgent_pointer(), 0);
  EXPECT_EQ(p->options().size(), 20u);
  EXPECT_EQ(p->options().data(), kLinuxSyn.data() + 20);
  EXPECT_TRUE(p->payload().empty());
  EXPECT_EQ(tcp_sum(p->bytes(), kIps), 0xffff);
}

TEST(TcpPacket, ReadsLinuxDataPayload) {
  auto p = TcpPacket::checked(kLinuxData);
  ASSERT_TRUE(p) << p.error();
  EXPECT_TRUE(p->psh());
  EXPECT_TRUE(p->ack());
  EXPECT_EQ(p->ack_number(), 1001u);
  EXPECT_EQ(p->header_len(), 32u);
  EXPECT_EQ(hex(p->payload()), hex(as_bytes("hello")));
}

TEST(TcpPacket, ReadsEveryFlagAndTheUrgentPointer) {
  auto p = TcpPacket::checked(kScapyUrg);
  ASSERT_TRUE(p) << p.error();
  EXPECT_TRUE(p->fin());
  EXPECT_FALSE(p->syn());
  EXPECT_FALSE(p->rst());
  EXPECT_TRUE(p->psh());
  EXPECT_TRUE(p->ack());
  EXPECT_TRUE(p->urg());
  EXPECT_TRUE(p->ece());
  EXPECT_TRUE(p->cwr());
  EXPECT_FALSE(p->ns());
  EXPECT_EQ(p->reserved(), 0);
  EXPECT_EQ(p->urgent_pointer(), 3);
  EXPECT_TRUE(p->options().empty());
}

TEST(TcpPacket, ReadsReservedBitsAndNs) {
  auto bytes = kScapyNoFlags;
  bytes[12] = std::byte{0x5f};  // offset 5, all four reserved bits
  bytes[13] = std::byte{0x12};  // SYN ACK
  auto p = TcpPacket::checked(bytes);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->reserved(), 0xf);
  EXPECT_TRUE(p->ns());
  EXPECT_TRUE(p->syn());
  EXPECT_TRUE(p->ack());
  EXPECT_EQ(p->data_offset(), 5);
  EXPECT_EQ(p->flags().bits(), 0xf12);
}

// --- Writing fields -------------------------------------------------------------------

TEST(TcpPacket, WritesEveryField) {
  std::array<std::byte, 24> buf;
  buf.fill(std::byte{0xa5});
  TcpPacketMut p(buf);
  p.set_src_port(0x1234);
  p.set_dst_port(0x5678);
  p.set_seq_number(0x01020304);
  p.set_ack_number(0xa1b2c3d4);
  p.set_data_offset(6);
  p.set_flags(TcpFlags{TcpFlags::kSyn | TcpFlags::kAck | TcpFlags::kNs});
  p.set_window(0xfedc);
  p.set_checksum(0xbeef);
  p.set_urgent_pointer(0x0007);
  EXPECT_EQ(hex(buf), "12 34 56 78 01 02 03 04 a1 b2 c3 d4 61 12 fe dc be ef 00 07 a5 a5 a5 a5");
  EXPECT_EQ(p.options().size(), 4u);
}

TEST(TcpPacket, DataOffsetAndFlagsShareAWordWithoutClobbering) {
  std::array<std::byte, 20> buf{};
  TcpPacketMut p(buf);
  p.set_flags(TcpFlags{TcpFlags::kFin | TcpFlags::kCwr});
  p.set_data_offset(5);
  EXPECT_EQ(p.flags(), TcpFlags{TcpFlags::kFin | TcpFlags::kCwr});
  p.set_flags(TcpFlags{TcpFlags::kRst});
  EXPECT_EQ(p.data_offset(), 5);
  EXPECT_EQ(hex(Bytes(buf).subspan(12, 2)), "50 04");
}

// --- checked(): one test per check ----------------------------------------------------

TEST(TcpPacket, RejectsTruncatedHeaderAtEveryLength) {
  for (std::size_t n = 0; n < kTcpHeaderLen; ++n) {
    const ByteVec bytes(kScapyNoFlags.begin(), kScapyNoFlags.begin() + static_cast<std::ptrdiff_t>(n));
    auto p = TcpPacket::checked(bytes);
    ASSERT_FALSE(p) << "n = " << n;
    EXPECT_EQ(p.error(), WireError::truncated) << "n = " << n;
  }
}

TEST(TcpPacket, RejectsDataOffsetBelowFive) {
  for (unsigned offset = 0; offset < 5; ++offset) {
    auto bytes = kLinuxSyn;
    bytes[12] = static_cast<std::byte>(offset << 4);
    auto p = TcpPacket::checked(bytes);
    ASSERT_FALSE(p) << "offset " << offset;
    EXPECT_EQ(p.error(), WireError::bad_header_len);
  }
}

TEST(TcpPacket, RejectsDataOffsetBeyondBuffer) {
  auto bytes = kLinuxSyn;
  bytes[12] = std::byte{0xb0};  // 44 bytes of header in a 40-byte segment
  auto p = TcpPacket::checked(bytes);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error(), WireError::bad_header_len);
  // The original offset (10) with the last option byte cut off.
  auto cut = TcpPacket::checked(Bytes(kLinuxSyn).first(39));
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error(), WireError::bad_header_len);
}

TEST(TcpPacket, AcceptsHeaderThatFillsTheBuffer) {
  std::array<std::byte, kTcpMaxHeaderLen> bytes{};
  bytes[12] = std::byte{0xf0};
  auto p = TcpPacket::checked(bytes);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->options().size(), kTcpMaxOptionsLen);
  EXPECT_TRUE(p->payload().empty());
}

// --- Parsing ----------------------------------------------------------------------------

TEST(TcpRepr, ParsesLinuxSyn) {
  auto r = parse_bytes(kLinuxSyn);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, linux_syn_repr());
}

TEST(TcpRepr, ParsesLinuxDataWithOddPayload) {
  auto r = parse_bytes(kLinuxData);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, linux_data_repr());
}

TEST(TcpRepr, ParsesLinuxSynAck) {
  auto r = parse_bytes(kLinuxSynAck);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->src_port, 8080);
  EXPECT_EQ(r->dst_port, 50000);
  EXPECT_EQ(r->seq, 1234846622u);
  EXPECT_EQ(r->ack, 7778u);
  EXPECT_EQ(r->flags, TcpFlags{TcpFlags::kSyn | TcpFlags::kAck});
  EXPECT_EQ(r->window, 65160);
  EXPECT_EQ(r->options.timestamps, (Timestamps{.tsval = 1647388454, .tsecr = 1}));
}

TEST(TcpRepr, ParsesLinuxSackBlocks) {
  auto r = parse_bytes(kLinuxSack);
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->options.sacks().size(), 2u);
  EXPECT_EQ(r->options.sacks()[0], (SackBlock{.left = 1301, .right = 1351}));
  EXPECT_EQ(r->options.sacks()[1], (SackBlock{.left = 1101, .right = 1151}));
}

TEST(TcpRepr, ParsesEveryFixture) {
  for (Bytes b : all_fixtures()) {
    auto r = parse_bytes(b);
    EXPECT_TRUE(r) << hex(b) << ": " << r.error();
  }
}

TEST(TcpRepr, RejectsBadChecksum) {
  auto payload_flip = kLinuxData;
  payload_flip[36] ^= std::byte{0x01};
  auto r = parse_bytes(payload_flip);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_checksum);

  auto field_flip = kLinuxSyn;
  field_flip[17] ^= std::byte{0x80};
  auto s = parse_bytes(field_flip);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), WireError::bad_checksum);
}

TEST(TcpRepr, ChecksumCoversThePseudoHeader) {
  const IpPair other{.src = kIps.src, .dst = Ipv4Address(10, 0, 0, 3)};
  auto p = TcpPacket::checked(kLinuxSyn);
  ASSERT_TRUE(p);
  auto r = TcpRepr::parse(*p, other);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_checksum);
}

// emit_summed() with the payload's sum taken while it was copied (in two
// pieces, the second at an odd offset when the first is odd, as a wrapped
// send ring gives them) writes the bytes emit() writes.
TEST(TcpRepr, EmitSummedEqualsEmit) {
  TcpRepr r = linux_syn_repr();
  r.flags = TcpFlags{TcpFlags::kAck | TcpFlags::kPsh};
  r.options = {};
  r.options.timestamps = Timestamps{.tsval = 7, .tsecr = 9};
  ByteVec payload(1447);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::byte>(i * 31 + 5);
  for (const std::size_t split : {std::size_t{0}, std::size_t{1}, std::size_t{700}, std::size_t{1001}, payload.size()}) {
    const std::size_t hl = r.header_len();
    ByteVec a(hl + payload.size());
    r.emit(TcpPacketMut(a), kIps, payload);
    ByteVec b(hl + payload.size());
    const MutBytes data = MutBytes(b).subspan(hl);
    std::uint16_t sum = checksum::copy_and_sum(data, Bytes(payload).first(split));
    std::uint16_t second = checksum::copy_and_sum(data.subspan(split), Bytes(payload).subspan(split));
    if (split % 2 != 0) second = static_cast<std::uint16_t>(second << 8 | second >> 8);
    r.emit_summed(TcpPacketMut(b), kIps, checksum::add(sum, second));
    EXPECT_EQ(a, b) << "split " << split;
    auto parsed = TcpRepr::parse(*TcpPacket::checked(b), kIps);
    EXPECT_TRUE(parsed) << "split " << split;
  }
}

TEST(TcpRepr, SkipsChecksumWhenNotVerifying) {
  auto bytes = kLinuxSyn;
  bytes[16] = std::byte{0};
  bytes[17] = std::byte{0};
  auto r = parse_bytes(bytes, ChecksumMode{.verify_rx = false, .fill_tx = true});
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, linux_syn_repr());
}

TEST(TcpRepr, RejectsSourcePortZero) {
  auto bytes = kLinuxSyn;
  bytes[0] = bytes[1] = std::byte{0};
  refresh_checksum(bytes);
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_field);
}

TEST(TcpRepr, RejectsDestinationPortZero) {
  auto bytes = kLinuxSyn;
  bytes[2] = bytes[3] = std::byte{0};
  refresh_checksum(bytes);
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_field);
}

TEST(TcpRepr, PropagatesOptionErrors) {
  auto bytes = kLinuxSyn;
  bytes[21] = std::byte{5};  // MSS with length 5
  refresh_checksum(bytes);
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_option_length);

  auto past = kLinuxSyn;
  past[38] = std::byte{4};  // window scale claiming 4 bytes where 2 are left
  refresh_checksum(past);
  auto s = parse_bytes(past);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), WireError::bad_option_length);
}

TEST(TcpRepr, RejectsSegmentLongerThanAnIpv4DatagramCarries) {
  ByteVec bytes(0x10000);
  std::ranges::copy(kScapyNoFlags, bytes.begin());
  auto r = parse_bytes(bytes, ChecksumMode{.verify_rx = false, .fill_tx = true});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_length);
}

// --- Emitting -------------------------------------------------------------------------

TEST(TcpRepr, HeaderLenIncludesAlignedOptions) {
  EXPECT_EQ(linux_syn_repr().header_len(), 40u);
  EXPECT_EQ(linux_data_repr().header_len(), 32u);
  EXPECT_EQ(TcpRepr{}.header_len(), 20u);
}

TEST(TcpRepr, EmitsLinuxSynByteExact) {
  EXPECT_EQ(hex(emitted(linux_syn_repr(), {})), hex(kLinuxSyn));
}

TEST(TcpRepr, EmitsLinuxDataByteExact) {
  EXPECT_EQ(hex(emitted(linux_data_repr(), as_bytes("hello"))), hex(kLinuxData));
}

TEST(TcpRepr, ReEmitsLinuxAndScapySegmentsByteExact) {
  // Every fixture whose options are in Linux's layout comes back unchanged.
  for (Bytes b : {Bytes(kLinuxSyn), Bytes(kLinuxAck), Bytes(kLinuxData), Bytes(kLinuxSack), Bytes(kLinuxSynAck),
                  Bytes(kScapySyn), Bytes(kScapySack4), Bytes(kScapyUrg), Bytes(kScapyNoFlags)}) {
    auto p = TcpPacket::checked(b);
    ASSERT_TRUE(p);
    auto r = TcpRepr::parse(*p, kIps);
    ASSERT_TRUE(r) << r.error();
    EXPECT_EQ(hex(emitted(*r, p->payload())), hex(b));
  }
}

TEST(TcpRepr, RoundTripsSegmentsInOtherLayouts) {
  // Unknown option first, EOL before a NOP: re-emitted in Linux's layout,
  // which parses to the same Repr.
  for (Bytes b : {Bytes(kScapyUnknown), Bytes(kScapyEol)}) {
    auto p = TcpPacket::checked(b);
    ASSERT_TRUE(p);
    auto r = TcpRepr::parse(*p, kIps);
    ASSERT_TRUE(r) << r.error();
    const ByteVec again = emitted(*r, p->payload());
    auto back = parse_bytes(again);
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(*back, *r);
  }
  auto eol = parse_bytes(kScapyEol);
  ASSERT_TRUE(eol);
  EXPECT_EQ(eol->header_len(), 24u);  // mss only; the original had 8 bytes of options
}

TEST(TcpRepr, EmitsALargePayloadWithAValidChecksum) {
  ByteVec payload(1447);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::byte>(i * 31 + 7);
  const TcpRepr r = linux_data_repr();
  const ByteVec out = emitted(r, payload);
  EXPECT_EQ(tcp_sum(out, kIps), 0xffff);
  auto back = parse_bytes(out);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, r);
}

TEST(TcpRepr, LeavesChecksumZeroWhenNotFilling) {
  const ByteVec out = emitted(linux_syn_repr(), {}, ChecksumMode{.verify_rx = true, .fill_tx = false});
  EXPECT_EQ(hex(Bytes(out).subspan(16, 2)), "00 00");
  auto expected = kLinuxSyn;
  expected[16] = expected[17] = std::byte{0};
  EXPECT_EQ(hex(out), hex(expected));
}

TEST(TcpRepr, EmitsPayloadAlreadyInPlace) {
  const TcpRepr r = linux_data_repr();
  ByteVec out(r.header_len() + 5, std::byte{0xa5});
  std::ranges::copy(as_bytes("hello"), out.begin() + 32);
  TcpPacketMut p(out);
  r.emit(p, kIps, Bytes(out).subspan(32));
  EXPECT_EQ(hex(out), hex(kLinuxData));
}

TEST(TcpRepr, KeepsReservedBitsThroughParseAndEmit) {
  TcpRepr r = linux_syn_repr();
  r.flags.set_ns(true).set_ece(true).set_cwr(true);
  const ByteVec out = emitted(r, {});
  EXPECT_EQ(hex(Bytes(out).subspan(12, 2)), "a1 c2");
  auto back = parse_bytes(out);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, r);
}

// --- Flags ----------------------------------------------------------------------------

TEST(TcpFlags, NamedAccessorsAndSetters) {
  TcpFlags f;
  EXPECT_EQ(f.bits(), 0);
  f.set_syn(true).set_ack(true);
  EXPECT_TRUE(f.syn());
  EXPECT_TRUE(f.ack());
  EXPECT_FALSE(f.fin());
  f.set_syn(false);
  EXPECT_EQ(f, TcpFlags{TcpFlags::kAck});
  EXPECT_EQ(TcpFlags{TcpFlags::kSyn} | TcpFlags{TcpFlags::kAck}, TcpFlags{TcpFlags::kSyn | TcpFlags::kAck});
  EXPECT_EQ(TcpFlags{0xffff}.bits(), 0x0fff);  // the data offset is not a flag
}

TEST(TcpFlags, PrintsLikeTcpdump) {
  EXPECT_EQ(printed(TcpFlags{}), "[none]");
  EXPECT_EQ(printed(TcpFlags{TcpFlags::kSyn}), "[S]");
  EXPECT_EQ(printed(TcpFlags{TcpFlags::kSyn | TcpFlags::kAck}), "[S.]");
  EXPECT_EQ(printed(TcpFlags{TcpFlags::kRst | TcpFlags::kAck}), "[R.]");
  EXPECT_EQ(printed(TcpFlags{0x1ff}), "[FSRP.UEWe]");
}

// --- Printing ---------------------------------------------------------------------------

TEST(TcpRepr, PrintsLikeTcpdumpWithoutLength) {
  auto r = parse_bytes(kScapySyn);
  ASSERT_TRUE(r);
  EXPECT_EQ(printed(*r),
            "40000 > 80: Flags [S], seq 123, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7]");
  EXPECT_EQ(printed(linux_data_repr()),
            "40000 > 80: Flags [P.], seq 3264449941, ack 1001, win 63, options [nop,nop,TS val 2282392973 ecr 5000]");
  EXPECT_EQ(printed(TcpRepr{.src_port = 1, .dst_port = 2, .flags = TcpFlags{TcpFlags::kAck}}),
            "1 > 2: Flags [.], seq 0, ack 0, win 0");
}

TEST(TcpPacket, PrintsTheSameLineAsTcpdump) {
  struct Case {
    Bytes bytes;
    const char* line;
  };
  const Case cases[] = {
      {kLinuxSyn,
       "40000 > 80: Flags [S], seq 3264449940, win 64240, options [mss 1460,sackOK,TS val 2282392970 ecr "
       "0,nop,wscale 10], length 0"},
      {kLinuxAck, "40000 > 80: Flags [.], ack 1001, win 63, options [nop,nop,TS val 2282392972 ecr 5000], length 0"},
      {kLinuxData,
       "40000 > 80: Flags [P.], seq 3264449941:3264449946, ack 1001, win 63, options [nop,nop,TS val 2282392973 "
       "ecr 5000], length 5"},
      {kLinuxSack,
       "40000 > 80: Flags [.], ack 1001, win 63, options [nop,nop,TS val 2282392974 ecr 5000,nop,nop,sack 2 "
       "{1301:1351}{1101:1151}], length 0"},
      {kLinuxSynAck,
       "8080 > 50000: Flags [S.], seq 1234846622, ack 7778, win 65160, options [mss 1460,sackOK,TS val 1647388454 "
       "ecr 1,nop,wscale 10], length 0"},
      {kScapySyn,
       "40000 > 80: Flags [S], seq 123, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0"},
      {kScapySack4,
       "40000 > 80: Flags [.], ack 2000, win 502, options [nop,nop,sack 4 "
       "{3000:3100}{3200:3300}{3400:3500}{3600:3700}], length 0"},
      {kScapyUnknown,
       "40000 > 80: Flags [P.], seq 1000:1003, ack 2000, win 502, options [unknown-253 0x1234,nop,nop,TS val 7 ecr "
       "8], length 3"},
      {kScapyEol, "40000 > 80: Flags [S], seq 5, win 1024, options [mss 536,eol], length 0"},
      {kScapyUrg, "40000 > 80: Flags [FP.UEW], seq 42:45, ack 43, win 100, urg 3, length 3"},
      {kScapyNoFlags, "40000 > 80: Flags [none], win 0, length 0"},
  };
  for (const Case& c : cases) {
    auto p = TcpPacket::checked(c.bytes);
    ASSERT_TRUE(p);
    EXPECT_EQ(printed(*p), c.line);
  }
}

TEST(TcpPacket, PrintsDecimalWhateverTheStreamState) {
  auto p = TcpPacket::checked(kLinuxData);
  ASSERT_TRUE(p);
  std::ostringstream os;
  os << std::hex << std::setfill('0');
  os << *p << '|' << TcpFlags{TcpFlags::kAck} << '|' << 255;
  EXPECT_EQ(os.str(),
            "40000 > 80: Flags [P.], seq 3264449941:3264449946, ack 1001, win 63, options [nop,nop,TS val 2282392973 "
            "ecr 5000], length 5|[.]|ff");
}

TEST(TcpPacket, PrintsBadOptionsWithoutReadingPastThem) {
  auto bytes = kLinuxSyn;
  bytes[21] = std::byte{0};  // MSS length 0
  auto p = TcpPacket::checked(bytes);
  ASSERT_TRUE(p);
  EXPECT_EQ(printed(*p), "40000 > 80: Flags [S], seq 3264449940, win 64240, options [[bad opt]], length 0");
}

// --- Hostile input ------------------------------------------------------------------------

TEST(TcpPacket, EveryPrefixOfEveryFixtureFailsCleanly) {
  // Each prefix lives in an exactly-sized heap buffer, so ASan sees any read
  // past it. Header cut: truncated or bad_header_len; payload cut: checksum.
  for (Bytes full : all_fixtures()) {
    const std::size_t hl = (std::to_integer<std::size_t>(full[12]) >> 4) * 4;
    for (std::size_t n = 0; n <= full.size(); ++n) {
      const ByteVec bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      auto p = TcpPacket::checked(bytes);
      if (n < kTcpHeaderLen) {
        ASSERT_FALSE(p);
        EXPECT_EQ(p.error(), WireError::truncated);
        continue;
      }
      if (n < hl) {
        ASSERT_FALSE(p);
        EXPECT_EQ(p.error(), WireError::bad_header_len);
        continue;
      }
      ASSERT_TRUE(p) << "n = " << n;
      printed(*p);
      auto r = TcpRepr::parse(*p, kIps);
      if (n == full.size()) {
        EXPECT_TRUE(r) << hex(full);
      } else {
        ASSERT_FALSE(r) << "n = " << n << " of " << hex(full);
        EXPECT_EQ(r.error(), WireError::bad_checksum);
      }
      auto unverified = TcpRepr::parse(*p, kIps, ChecksumMode{.verify_rx = false, .fill_tx = true});
      EXPECT_TRUE(unverified) << "n = " << n;
    }
  }
}

TEST(TcpPacket, EveryDataOffsetParsesOrFails) {
  for (Bytes full : all_fixtures()) {
    for (unsigned offset = 0; offset < 16; ++offset) {
      ByteVec bytes = copy_of(full);
      bytes[12] = static_cast<std::byte>(offset << 4 | (std::to_integer<unsigned>(bytes[12]) & 0x0f));
      auto p = TcpPacket::checked(bytes);
      if (offset < 5 || offset * 4 > bytes.size()) {
        ASSERT_FALSE(p);
        EXPECT_EQ(p.error(), WireError::bad_header_len);
        continue;
      }
      ASSERT_TRUE(p);
      printed(*p);
      auto r = TcpRepr::parse(*p, kIps, ChecksumMode{.verify_rx = false, .fill_tx = true});
      if (r) {
        EXPECT_LE(r->options.emitted_len(), 100u);
      } else {
        EXPECT_EQ(r.error(), WireError::bad_option_length);
      }
    }
  }
}

}  // namespace
}  // namespace wirestack
