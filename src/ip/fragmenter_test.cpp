// ip/fragmenter_test.cpp — the RFC 791 fragmentation procedure: sizes and
// offsets, MF, ident and checksums, copied options, DF ("fragmentation
// needed" with the MTU), re-fragmenting a fragment, caller-provided storage,
// and malformed input.
#include "ip/fragmenter.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace wirestack::ip {
namespace {

// Stream Identifier (type 136 = copied | class 0 | number 8, RFC 791), 4 bytes.
constexpr auto kStreamId = bytes_of(0x88, 0x04, 0x12, 0x34);
// Record Route (type 7, not copied) with room for one address, then a NOP
// (not copied), then the Stream Identifier: 12 bytes, header 32.
constexpr auto kOptions = bytes_of(0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00,  // Record Route
                                   0x01,                                      // NOP
                                   0x88, 0x04, 0x12, 0x34);                   // Stream ID

Ipv4Repr udp_header(std::size_t payload_len) {
  return Ipv4Repr{.src = Ipv4Address(10, 0, 1, 2),
                  .dst = Ipv4Address(10, 0, 2, 3),
                  .protocol = IpProtocol::udp,
                  .ttl = 63,
                  .dscp = 46,
                  .ecn = 1,
                  .ident = 0xbeef,
                  .payload_len = static_cast<std::uint16_t>(payload_len)};
}

ByteVec pattern(std::size_t n) {
  ByteVec v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 7 + i / 251) & 0xff);
  return v;
}

ByteVec emit_datagram(const Ipv4Repr& h, Bytes payload) {
  ByteVec out(h.total_len());
  Ipv4PacketMut p(out);
  h.emit(p);
  std::ranges::copy(payload, p.payload().begin());
  return out;
}

struct Parsed {
  Ipv4Repr repr;
  ByteVec payload;
};

Parsed parse(Bytes fragment) {
  auto p = Ipv4Packet::checked(fragment);
  EXPECT_TRUE(p.has_value());
  if (!p) return {};
  EXPECT_EQ(p->total_len(), fragment.size());
  auto r = Ipv4Repr::parse(*p);  // verifies the header checksum
  EXPECT_TRUE(r.has_value()) << (r ? "" : std::string(to_string(r.error())));
  if (!r) return {};
  return Parsed{*r, ByteVec(p->payload().begin(), p->payload().end())};
}

std::vector<Parsed> parse_all(const std::vector<ByteVec>& frags) {
  std::vector<Parsed> out;
  for (const auto& f : frags) out.push_back(parse(f));
  return out;
}

// Checks the invariants every fragmentation must keep, and that the pieces
// put side by side are the input's payload at the input's offset.
void expect_valid_fragments(const Ipv4Repr& in, Bytes payload, const std::vector<ByteVec>& frags, std::size_t mtu) {
  const auto parsed = parse_all(frags);
  std::size_t next = in.frag_offset;
  ByteVec joined;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    const Ipv4Repr& r = parsed[i].repr;
    const bool last = i + 1 == parsed.size();
    EXPECT_LE(frags[i].size(), mtu) << "fragment " << i;
    EXPECT_EQ(r.frag_offset, next) << "fragment " << i;
    EXPECT_EQ(r.more_fragments, !last || in.more_fragments) << "fragment " << i;
    if (!last) {
      EXPECT_EQ(r.payload_len % 8, 0u) << "fragment " << i;
    }
    EXPECT_GT(r.payload_len, 0u) << "fragment " << i;
    EXPECT_EQ(r.ident, in.ident);
    EXPECT_EQ(r.src, in.src);
    EXPECT_EQ(r.dst, in.dst);
    EXPECT_EQ(r.protocol, in.protocol);
    EXPECT_EQ(r.ttl, in.ttl);
    EXPECT_EQ(r.dscp, in.dscp);
    EXPECT_EQ(r.ecn, in.ecn);
    EXPECT_EQ(r.dont_fragment, in.dont_fragment);
    EXPECT_EQ(r.options, i == 0 ? in.options : copied_options(in.options));
    next += r.payload_len;
    joined.insert(joined.end(), parsed[i].payload.begin(), parsed[i].payload.end());
  }
  EXPECT_TRUE(std::ranges::equal(joined, payload));
}

std::vector<std::size_t> payload_sizes(const std::vector<ByteVec>& frags) {
  std::vector<std::size_t> out;
  for (const auto& f : frags) out.push_back(parse(f).repr.payload_len);
  return out;
}

TEST(Fragmenter, DatagramThatFitsIsOnePieceUnchanged) {
  const Ipv4Repr h = udp_header(1480);
  const ByteVec payload = pattern(1480);
  const auto frags = fragment(h, payload, 1500);
  ASSERT_TRUE(frags.has_value());
  ASSERT_EQ(frags->size(), 1u);
  EXPECT_EQ(frags->front(), emit_datagram(h, payload));
  // DF does not matter when it fits.
  Ipv4Repr df = h;
  df.dont_fragment = true;
  EXPECT_EQ(fragment(df, payload, 1500)->front(), emit_datagram(df, payload));
}

TEST(Fragmenter, CutsIntoMultiplesOfEightAtTheMtu) {
  // 4000 bytes of UDP over Ethernet: 1480 + 1480 + 1040 at 0, 1480, 2960.
  const Ipv4Repr h = udp_header(4000);
  const ByteVec payload = pattern(4000);
  const auto frags = fragment(h, payload, 1500);
  ASSERT_TRUE(frags.has_value());
  EXPECT_EQ(payload_sizes(*frags), (std::vector<std::size_t>{1480, 1480, 1040}));
  const auto parsed = parse_all(*frags);
  EXPECT_EQ(parsed[1].repr.frag_offset, 1480);
  EXPECT_EQ(parsed[2].repr.frag_offset, 2960);
  EXPECT_TRUE(parsed[0].repr.more_fragments);
  EXPECT_TRUE(parsed[1].repr.more_fragments);
  EXPECT_FALSE(parsed[2].repr.more_fragments);
  expect_valid_fragments(h, payload, *frags, 1500);
}

TEST(Fragmenter, MtuNotAMultipleOfEightLeavesTheRemainderUnused) {
  // MTU 1006: 986 bytes fit after the header, 984 = 123 * 8 are used.
  const Ipv4Repr h = udp_header(2000);
  const ByteVec payload = pattern(2000);
  const auto frags = fragment(h, payload, 1006);
  ASSERT_TRUE(frags.has_value());
  EXPECT_EQ(payload_sizes(*frags), (std::vector<std::size_t>{984, 984, 32}));
  expect_valid_fragments(h, payload, *frags, 1006);
}

TEST(Fragmenter, SmallestMtuCarriesFortyEightBytesPerFragment) {
  const Ipv4Repr h = udp_header(100);
  const ByteVec payload = pattern(100);
  const auto frags = fragment(h, payload, kMinIpv4Mtu);
  ASSERT_TRUE(frags.has_value());
  EXPECT_EQ(payload_sizes(*frags), (std::vector<std::size_t>{48, 48, 4}));
  expect_valid_fragments(h, payload, *frags, kMinIpv4Mtu);
}

TEST(Fragmenter, DontFragmentGivesFragmentationNeededWithTheMtu) {
  Ipv4Repr h = udp_header(1500);
  h.dont_fragment = true;
  const ByteVec payload = pattern(1500);
  const auto frags = fragment(h, payload, 1400);
  ASSERT_FALSE(frags.has_value());
  EXPECT_EQ(frags.error(), (FragmentError{.kind = FragmentError::Kind::fragmentation_needed, .mtu = 1400}));
  std::ostringstream os;
  os << frags.error();
  EXPECT_EQ(os.str(), "fragmentation needed and DF set (mtu 1400)");
  // The same from bytes, and on a link with a huge MTU the report stays in 16 bits.
  Ipv4Repr big = udp_header(65515);
  big.dont_fragment = true;
  const ByteVec big_payload = pattern(65515);
  EXPECT_EQ(fragment_datagram(emit_datagram(h, payload), 576).error().mtu, 576);
  EXPECT_TRUE(fragment(big, big_payload, 100000).has_value());  // 65535 fits a 65535 MTU
  EXPECT_EQ(FragmentPlan::make(big, 65534).error().mtu, 65534);
}

TEST(Fragmenter, RefragmentingAFragmentKeepsOriginalOffsetsAndMf) {
  // A middle fragment (offset 1480, MF) meets a 576-byte link.
  Ipv4Repr middle = udp_header(1480);
  middle.frag_offset = 1480;
  middle.more_fragments = true;
  const ByteVec payload = pattern(1480);
  const auto frags = fragment(middle, payload, 576);
  ASSERT_TRUE(frags.has_value());
  EXPECT_EQ(payload_sizes(*frags), (std::vector<std::size_t>{552, 552, 376}));
  const auto parsed = parse_all(*frags);
  EXPECT_EQ(parsed[0].repr.frag_offset, 1480);
  EXPECT_EQ(parsed[1].repr.frag_offset, 2032);
  EXPECT_EQ(parsed[2].repr.frag_offset, 2584);
  for (const auto& p : parsed) EXPECT_TRUE(p.repr.more_fragments);  // more of the datagram follows
  expect_valid_fragments(middle, payload, *frags, 576);

  // The last fragment (offset 2960, no MF): only the last piece clears MF.
  Ipv4Repr tail = udp_header(1040);
  tail.frag_offset = 2960;
  const ByteVec tail_payload = pattern(1040);
  const auto tail_frags = fragment(tail, tail_payload, 576);
  ASSERT_TRUE(tail_frags.has_value());
  const auto tail_parsed = parse_all(*tail_frags);
  ASSERT_EQ(tail_parsed.size(), 2u);
  EXPECT_TRUE(tail_parsed[0].repr.more_fragments);
  EXPECT_FALSE(tail_parsed[1].repr.more_fragments);
  EXPECT_EQ(tail_parsed[1].repr.frag_offset, 2960 + 552);
  expect_valid_fragments(tail, tail_payload, *tail_frags, 576);
}

TEST(Fragmenter, FragmentReachingPast65535CannotBeCut) {
  Ipv4Repr h = udp_header(1000);
  h.frag_offset = 65000;  // 65000 + 1000 > 65535: a hostile or broken fragment
  const auto frags = fragment(h, pattern(1000), 576);
  ASSERT_FALSE(frags.has_value());
  EXPECT_EQ(frags.error().kind, FragmentError::Kind::too_long);
}

TEST(Fragmenter, OnlyCopiedOptionsGoIntoLaterFragments) {
  auto opts = Ipv4Options::from_bytes(kOptions);
  ASSERT_TRUE(opts.has_value());
  Ipv4Repr h = udp_header(300);
  h.options = *opts;
  ASSERT_EQ(h.header_len(), 32u);
  const ByteVec payload = pattern(300);
  const auto frags = fragment(h, payload, 100);
  ASSERT_TRUE(frags.has_value());
  const auto parsed = parse_all(*frags);
  // First: (100 - 32) / 8 * 8 = 64 bytes after all options; the rest carry
  // only the Stream ID (header 24): (100 - 24) / 8 * 8 = 72 bytes.
  EXPECT_EQ(payload_sizes(*frags), (std::vector<std::size_t>{64, 72, 72, 72, 20}));
  EXPECT_EQ(parsed[0].repr.options, *opts);
  const auto stream_id = Ipv4Options::from_bytes(kStreamId);
  for (std::size_t i = 1; i < parsed.size(); ++i) {
    EXPECT_EQ(parsed[i].repr.options, *stream_id) << i;
    EXPECT_EQ(parsed[i].repr.header_len(), 24u) << i;
  }
  expect_valid_fragments(h, payload, *frags, 100);
}

TEST(Fragmenter, CopiedOptionsKeepsCopiedFlagOptionsOnly) {
  auto opts = [](auto bytes) {
    auto o = Ipv4Options::from_bytes(bytes);
    EXPECT_TRUE(o.has_value());
    return *o;
  };
  EXPECT_TRUE(copied_options(Ipv4Options{}).empty());
  EXPECT_EQ(copied_options(opts(kOptions)), opts(kStreamId));
  // Router Alert (0x94, copied) and Security-like 0x82 (copied) both stay, in
  // order; Timestamp (0x44, not copied) goes; NOP and the EOL padding go.
  const auto mixed = bytes_of(0x94, 0x04, 0x00, 0x00, 0x44, 0x04, 0x05, 0x00, 0x01, 0x82, 0x03, 0x07, 0x00);
  EXPECT_EQ(copied_options(opts(mixed)), opts(bytes_of(0x94, 0x04, 0x00, 0x00, 0x82, 0x03, 0x07)));
  // Nothing after End of Option List is looked at.
  EXPECT_TRUE(copied_options(opts(bytes_of(0x00, 0x88, 0x04, 0x12, 0x34))).empty());
  // A malformed length (hand-made Repr) stops the copy.
  EXPECT_EQ(copied_options(opts(bytes_of(0x88, 0x04, 0x12, 0x34, 0x83, 0x09, 0x00))), opts(kStreamId));
}

TEST(Fragmenter, PlanEmitsIntoCallerStorage) {
  const Ipv4Repr h = udp_header(3000);
  const ByteVec payload = pattern(3000);
  const auto plan = FragmentPlan::make(h, 1280);
  ASSERT_TRUE(plan.has_value());
  const auto frags = fragment(h, payload, 1280);
  ASSERT_TRUE(frags.has_value());
  ASSERT_EQ(plan->count(), frags->size());
  std::size_t begin = 0;
  for (std::size_t i = 0; i < plan->count(); ++i) {
    const FragmentSpec spec = plan->at(i);
    EXPECT_EQ(spec.payload_begin, begin);
    begin += spec.header.payload_len;
    ByteVec storage(spec.total_len() + 4, std::byte{0xa5});
    plan->emit(i, payload, MutBytes(storage).first(spec.total_len()));
    EXPECT_TRUE(std::ranges::equal(Bytes(storage).first(spec.total_len()), (*frags)[i])) << i;
    EXPECT_EQ(storage.back(), std::byte{0xa5});  // nothing written past the fragment
  }
  EXPECT_EQ(begin, 3000u);
}

TEST(Fragmenter, ChecksumModeOffLeavesChecksumsZero) {
  const Ipv4Repr h = udp_header(2000);
  const auto frags = fragment(h, pattern(2000), 1500, ChecksumMode{.verify_rx = true, .fill_tx = false});
  ASSERT_TRUE(frags.has_value());
  for (const auto& f : *frags) EXPECT_EQ(Ipv4Packet(f).checksum(), 0);
}

TEST(Fragmenter, FromBytesMatchesFromRepr) {
  auto opts = Ipv4Options::from_bytes(kOptions);
  Ipv4Repr h = udp_header(2500);
  h.options = *opts;
  const ByteVec payload = pattern(2500);
  ByteVec bytes = emit_datagram(h, payload);
  bytes.push_back(std::byte{0});  // link padding after the total length is ignored
  const auto from_bytes = fragment_datagram(bytes, 1500);
  ASSERT_TRUE(from_bytes.has_value());
  EXPECT_EQ(*from_bytes, *fragment(h, payload, 1500));
}

TEST(Fragmenter, MalformedBytesAreReported) {
  const auto truncated = fragment_datagram(bytes_of(0x45, 0x00, 0x00), 576);
  ASSERT_FALSE(truncated.has_value());
  EXPECT_EQ(truncated.error().kind, FragmentError::Kind::malformed);
  EXPECT_EQ(truncated.error().wire, WireError::truncated);
  ByteVec bad_sum = emit_datagram(udp_header(1000), pattern(1000));
  bad_sum[10] ^= std::byte{1};
  const auto corrupted = fragment_datagram(bad_sum, 576);
  ASSERT_FALSE(corrupted.has_value());
  EXPECT_EQ(corrupted.error().wire, WireError::bad_checksum);
  std::ostringstream os;
  os << corrupted.error();
  EXPECT_EQ(os.str(), "malformed datagram: checksum mismatch");
  // Verification off: cut anyway, with fresh checksums.
  EXPECT_TRUE(fragment_datagram(bad_sum, 576, ChecksumMode{.verify_rx = false, .fill_tx = true}).has_value());
}

TEST(FragmenterDeathTest, MtuBelow68IsACallerBug) {
  const Ipv4Repr h = udp_header(100);
  EXPECT_DEATH(static_cast<void>(FragmentPlan::make(h, 67)), "mtu >= kMinIpv4Mtu");
}

}  // namespace
}  // namespace wirestack::ip
