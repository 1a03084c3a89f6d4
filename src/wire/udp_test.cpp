// wire/udp_test.cpp — the UDP view and UdpRepr: read fields, write fields,
// parse, emit, one negative test per check, and every truncation.
//
// Datagrams marked "Linux" were sent by Linux 6.18 (sendto() on a socket bound
// to 10.0.0.1:40001) through a TUN device, which gets full checksums (no
// offload), in a private network namespace; tcpdump 4.99 agrees the checksums
// are correct.
#include "wire/udp.hpp"

#include <gtest/gtest.h>

#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

namespace wirestack {
namespace {

const IpPair kIps{.src = Ipv4Address(10, 0, 0, 1), .dst = Ipv4Address(10, 0, 0, 2)};

// Linux, 10.0.0.1:40001 > 10.0.0.2:7 (echo), payload "ping".
constexpr auto kLinuxPing = bytes_of(0x9c, 0x41, 0x00, 0x07,  // ports 40001 > 7
                                     0x00, 0x0c, 0x70, 0xba,  // length 12, checksum
                                     'p', 'i', 'n', 'g');

// Linux, same ports, payload "odd": the checksum pads the last byte with zero.
constexpr auto kLinuxOdd = bytes_of(0x9c, 0x41, 0x00, 0x07, 0x00, 0x0b, 0x7c, 0x28, 'o', 'd', 'd');

// Linux, same ports, payload 4f 8f: its checksum computes to 0, which Linux
// (like RFC 768) sends as 0xffff.
constexpr auto kLinuxZeroSum = bytes_of(0x9c, 0x41, 0x00, 0x07, 0x00, 0x0a, 0xff, 0xff, 0x4f, 0x8f);

constexpr auto kPing = bytes_of('p', 'i', 'n', 'g');
constexpr UdpRepr kEcho{.src_port = 40001, .dst_port = 7};

std::string hex(Bytes b) { return to_hex(b); }

WireResult<UdpRepr> parse_bytes(Bytes b, ChecksumMode mode = {}) {
  auto p = UdpPacket::checked(b);
  if (!p) return Unexpected{p.error()};
  return UdpRepr::parse(*p, kIps, mode);
}

// Emits into a buffer pre-filled with 0xa5, so every byte must be written.
ByteVec emitted(const UdpRepr& r, Bytes payload, ChecksumMode mode = {}) {
  ByteVec out(UdpRepr::header_len() + payload.size(), std::byte{0xa5});
  r.emit(UdpPacketMut(out), kIps, payload, mode);
  return out;
}

// Recomputes the checksum of an edited datagram so that only the edit is wrong.
void refresh_checksum(MutBytes datagram) {
  UdpPacketMut p(datagram);
  p.set_checksum(0);
  p.set_checksum(static_cast<std::uint16_t>(~udp_sum(datagram, kIps)));
}

template <class T>
std::string printed(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// --- Reading and writing fields ------------------------------------------------------

TEST(UdpPacket, ReadsLinuxDatagramFields) {
  auto p = UdpPacket::checked(kLinuxPing);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(p->src_port(), 40001);
  EXPECT_EQ(p->dst_port(), 7);
  EXPECT_EQ(p->length(), 12);
  EXPECT_EQ(p->checksum(), 0x70ba);
  EXPECT_EQ(hex(p->payload()), hex(kPing));
  EXPECT_EQ(p->datagram().size(), 12u);
  EXPECT_EQ(udp_sum(p->datagram(), kIps), 0xffff);
}

TEST(UdpPacket, WritesEveryField) {
  std::array<std::byte, 10> buf;
  buf.fill(std::byte{0xa5});
  UdpPacketMut p(buf);
  p.set_src_port(0x1234);
  p.set_dst_port(0x5678);
  p.set_length(10);
  p.set_checksum(0xbeef);
  EXPECT_EQ(hex(buf), "12 34 56 78 00 0a be ef a5 a5");
  EXPECT_EQ(p.payload().size(), 2u);
}

TEST(UdpPacket, PayloadIsSizedByTheLengthField) {
  // Two bytes of link-layer padding after the datagram are not payload, and
  // the checksum covers the datagram only.
  ByteVec padded(kLinuxPing.begin(), kLinuxPing.end());
  padded.push_back(std::byte{0});
  padded.push_back(std::byte{0});
  auto p = UdpPacket::checked(padded);
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ(hex(p->payload()), hex(kPing));
  EXPECT_EQ(p->bytes().size(), 14u);
  auto r = UdpRepr::parse(*p, kIps);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, kEcho);
}

// --- checked(): one test per check -------------------------------------------------------

TEST(UdpPacket, RejectsTruncatedHeaderAtEveryLength) {
  for (std::size_t n = 0; n < kUdpHeaderLen; ++n) {
    const ByteVec bytes(kLinuxPing.begin(), kLinuxPing.begin() + static_cast<std::ptrdiff_t>(n));
    auto p = UdpPacket::checked(bytes);
    ASSERT_FALSE(p) << "n = " << n;
    EXPECT_EQ(p.error(), WireError::truncated);
  }
}

TEST(UdpPacket, RejectsLengthFieldShorterThanHeader) {
  for (unsigned len = 0; len < kUdpHeaderLen; ++len) {
    auto bytes = kLinuxPing;
    bytes[5] = static_cast<std::byte>(len);
    auto p = UdpPacket::checked(bytes);
    ASSERT_FALSE(p) << "length " << len;
    EXPECT_EQ(p.error(), WireError::bad_length);
  }
}

TEST(UdpPacket, RejectsLengthFieldBeyondBuffer) {
  auto bytes = kLinuxPing;
  bytes[5] = std::byte{13};
  auto p = UdpPacket::checked(bytes);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error(), WireError::bad_length);
  bytes[4] = std::byte{0xff};  // 65293
  auto q = UdpPacket::checked(bytes);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error(), WireError::bad_length);
}

TEST(UdpPacket, AcceptsEmptyPayload) {
  constexpr auto empty = bytes_of(0x9c, 0x41, 0x00, 0x07, 0x00, 0x08, 0x00, 0x00);
  auto p = UdpPacket::checked(empty);
  ASSERT_TRUE(p) << p.error();
  EXPECT_TRUE(p->payload().empty());
}

// --- Parsing ---------------------------------------------------------------------------

TEST(UdpRepr, ParsesLinuxDatagrams) {
  for (Bytes b : {Bytes(kLinuxPing), Bytes(kLinuxOdd), Bytes(kLinuxZeroSum)}) {
    auto r = parse_bytes(b);
    ASSERT_TRUE(r) << hex(b) << ": " << r.error();
    EXPECT_EQ(*r, kEcho);
  }
}

TEST(UdpRepr, AcceptsZeroChecksumAsNotComputed) {
  auto bytes = kLinuxPing;
  bytes[6] = bytes[7] = std::byte{0};
  bytes[8] = std::byte{'P'};  // would fail any checksum
  auto r = parse_bytes(bytes);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, kEcho);
}

TEST(UdpRepr, RejectsBadChecksum) {
  auto bytes = kLinuxPing;
  bytes[11] ^= std::byte{0x20};
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_checksum);
}

TEST(UdpRepr, RejectsBadChecksumOnOddLength) {
  auto bytes = kLinuxOdd;
  bytes[10] ^= std::byte{0x01};
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_checksum);
}

TEST(UdpRepr, ChecksumCoversThePseudoHeader) {
  auto p = UdpPacket::checked(kLinuxPing);
  ASSERT_TRUE(p);
  auto r = UdpRepr::parse(*p, IpPair{.src = Ipv4Address(10, 0, 0, 9), .dst = kIps.dst});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_checksum);
}

TEST(UdpRepr, SkipsChecksumWhenNotVerifying) {
  auto bytes = kLinuxPing;
  bytes[11] ^= std::byte{0x20};
  auto r = parse_bytes(bytes, ChecksumMode{.verify_rx = false, .fill_tx = true});
  ASSERT_TRUE(r) << r.error();
}

TEST(UdpRepr, RejectsDestinationPortZero) {
  auto bytes = kLinuxPing;
  bytes[2] = bytes[3] = std::byte{0};
  refresh_checksum(bytes);
  auto r = parse_bytes(bytes);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), WireError::bad_field);
}

TEST(UdpRepr, AcceptsSourcePortZero) {
  // RFC 768: source port 0 when no reply is expected.
  auto bytes = kLinuxPing;
  bytes[0] = bytes[1] = std::byte{0};
  refresh_checksum(bytes);
  auto r = parse_bytes(bytes);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, (UdpRepr{.src_port = 0, .dst_port = 7}));
}

// --- Emitting -------------------------------------------------------------------------

TEST(UdpRepr, EmitsLinuxDatagramByteExact) {
  EXPECT_EQ(hex(emitted(kEcho, kPing)), hex(kLinuxPing));
}

TEST(UdpRepr, EmitsOddLengthPayloadByteExact) {
  EXPECT_EQ(hex(emitted(kEcho, as_bytes("odd"))), hex(kLinuxOdd));
}

TEST(UdpRepr, EmitsComputedZeroChecksumAsAllOnes) {
  constexpr auto payload = bytes_of(0x4f, 0x8f);
  EXPECT_EQ(hex(emitted(kEcho, payload)), hex(kLinuxZeroSum));
}

TEST(UdpRepr, EmitsZeroChecksumWhenNotFilling) {
  const ByteVec out = emitted(kEcho, kPing, ChecksumMode{.verify_rx = true, .fill_tx = false});
  EXPECT_EQ(hex(out), "9c 41 00 07 00 0c 00 00 70 69 6e 67");
  auto r = parse_bytes(out);  // 0 means "no checksum": still accepted
  ASSERT_TRUE(r) << r.error();
}

TEST(UdpRepr, EmitsEmptyPayload) {
  const ByteVec out = emitted(kEcho, {});
  ASSERT_EQ(out.size(), 8u);
  EXPECT_EQ(hex(Bytes(out).first(6)), "9c 41 00 07 00 08");
  auto r = parse_bytes(out);
  ASSERT_TRUE(r) << r.error();
}

TEST(UdpRepr, EmitsPayloadAlreadyInPlace) {
  ByteVec out(12, std::byte{0xa5});
  std::ranges::copy(kPing, out.begin() + 8);
  kEcho.emit(UdpPacketMut(out), kIps, Bytes(out).subspan(8));
  EXPECT_EQ(hex(out), hex(kLinuxPing));
}

TEST(UdpRepr, RoundTripsEveryPayloadLength) {
  ByteVec payload;
  for (std::size_t n = 0; n < 64; ++n) {
    const UdpRepr r{.src_port = static_cast<std::uint16_t>(1000 + n), .dst_port = 53};
    const ByteVec out = emitted(r, payload);
    EXPECT_EQ(udp_sum(out, kIps), 0xffff);
    auto p = UdpPacket::checked(out);
    ASSERT_TRUE(p) << p.error();
    auto back = UdpRepr::parse(*p, kIps);
    ASSERT_TRUE(back) << "n = " << n << ": " << back.error();
    EXPECT_EQ(*back, r);
    EXPECT_EQ(hex(p->payload()), hex(payload));
    payload.push_back(static_cast<std::byte>(n * 37 + 1));
  }
}

// --- Printing ---------------------------------------------------------------------------

TEST(UdpRepr, PrintsPortsLikeTcpdump) {
  EXPECT_EQ(printed(kEcho), "40001 > 7: UDP");
  auto p = UdpPacket::checked(kLinuxPing);
  ASSERT_TRUE(p);
  EXPECT_EQ(printed(*p), "40001 > 7: UDP, length 4");  // tcpdump -nn, without addresses
}

TEST(UdpPacket, PrintsDecimalWhateverTheStreamState) {
  auto p = UdpPacket::checked(kLinuxPing);
  ASSERT_TRUE(p);
  std::ostringstream os;
  os << std::hex << *p << '|' << kEcho << '|' << 255;
  EXPECT_EQ(os.str(), "40001 > 7: UDP, length 4|40001 > 7: UDP|ff");
}

// --- Hostile input ----------------------------------------------------------------------

TEST(UdpPacket, EveryPrefixFailsCleanly) {
  // Each prefix lives in an exactly-sized heap buffer so ASan sees any read
  // past it. Header cut: truncated; payload cut: the length field lies.
  for (Bytes full : {Bytes(kLinuxPing), Bytes(kLinuxOdd), Bytes(kLinuxZeroSum)}) {
    for (std::size_t n = 0; n <= full.size(); ++n) {
      const ByteVec bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      auto p = UdpPacket::checked(bytes);
      if (n == full.size()) {
        ASSERT_TRUE(p);
        EXPECT_TRUE(UdpRepr::parse(*p, kIps));
        continue;
      }
      ASSERT_FALSE(p) << "n = " << n;
      EXPECT_EQ(p.error(), n < kUdpHeaderLen ? WireError::truncated : WireError::bad_length);
    }
  }
}

TEST(UdpPacket, EveryLengthFieldParsesOrFails) {
  for (unsigned len = 0; len < 0x10000; len += (len < 64 ? 1 : 251)) {
    ByteVec bytes(kLinuxPing.begin(), kLinuxPing.end());
    bytes[4] = static_cast<std::byte>(len >> 8);
    bytes[5] = static_cast<std::byte>(len & 0xff);
    auto p = UdpPacket::checked(bytes);
    if (len < kUdpHeaderLen || len > bytes.size()) {
      ASSERT_FALSE(p);
      EXPECT_EQ(p.error(), WireError::bad_length);
      continue;
    }
    ASSERT_TRUE(p);
    EXPECT_EQ(p->payload().size(), len - kUdpHeaderLen);
    printed(*p);
    auto r = UdpRepr::parse(*p, kIps);
    if (len != kLinuxPing.size()) {
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error(), WireError::bad_checksum);
    }
  }
}

}  // namespace
}  // namespace wirestack
