// ip/fragment6_test.cpp — IPv6 source fragmentation (fragment6) and
// reassembly (Reassembler6), one test per rule of RFC 8200 4.5, RFC 5722,
// RFC 6946 and RFC 7112, on packet bytes; and a round trip over many sizes
// and MTUs.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "ip/fragmenter6.hpp"
#include "ip/reassembler6.hpp"
#include "wire/ipv6_ext.hpp"

namespace wirestack::ip {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Instant kT0 = at(seconds{100});
const Ipv6Address kSrc(0x2001, 0xdb8, 1, 0, 0, 0, 0, 2);
const Ipv6Address kDst(0x2001, 0xdb8, 2, 0, 0, 0, 0, 3);

// An IPv6 packet: `ext` (extension headers, the first named by
// `first_next`), then a UDP header and `n` bytes of pattern.
ByteVec udp_packet(std::size_t n, const std::vector<int>& ext = {}, int first_next = 17) {
  const std::size_t payload = ext.size() + 8 + n;
  const Ipv6Repr r{.src = kSrc,
                   .dst = kDst,
                   .next_header = IpProtocol{static_cast<std::uint8_t>(ext.empty() ? 17 : first_next)},
                   .hop_limit = 64,
                   .payload_len = static_cast<std::uint16_t>(payload)};
  ByteVec b(r.total_len());
  r.emit(Ipv6PacketMut(b));
  std::size_t at = 40;
  for (int v : ext) b[at++] = static_cast<std::byte>(v);
  store_be16(b, at, 1234);
  store_be16(b, at + 2, 9);
  store_be16(b, at + 4, static_cast<std::uint16_t>(8 + n));
  for (std::size_t i = 0; i < n; ++i) b[at + 8 + i] = static_cast<std::byte>((i * 7 + i / 251) & 0xff);
  return b;
}

std::vector<ByteVec> cut(const ByteVec& packet, std::size_t mtu, std::uint32_t ident = 0xabcd) {
  auto f = fragment6(packet, ident, mtu);
  EXPECT_TRUE(f) << (f ? "" : "error");
  return f ? *f : std::vector<ByteVec>{};
}

Ipv6FragmentInfo info_of(const ByteVec& fragment) {
  auto view = Ipv6Packet::checked(fragment);
  EXPECT_TRUE(view);
  const auto chain = walk_ipv6_chain(*view);
  const auto* d = std::get_if<Ipv6Deliver>(&chain);
  EXPECT_TRUE(d && d->fragment);
  return d && d->fragment ? *d->fragment : Ipv6FragmentInfo{};
}

// --- fragment6 ---

TEST(Fragment6, PacketThatFitsComesBackUnchanged) {
  const ByteVec p = udp_packet(1000);
  const auto f = cut(p, 1280);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0], p);
}

TEST(Fragment6, Rfc8200_4_5_FragmentsFitTheMtuInMultiplesOf8) {
  const ByteVec p = udp_packet(3000);  // ping -s 3000's size
  const auto f = cut(p, 1280, 0x12345678);
  ASSERT_EQ(f.size(), 3u);
  std::size_t expected_offset = 0;
  for (std::size_t i = 0; i < f.size(); ++i) {
    EXPECT_LE(f[i].size(), 1280u);
    const auto info = info_of(f[i]);
    EXPECT_EQ(info.header_offset, 40u);
    EXPECT_EQ(info.next_header_field, 6u);
    EXPECT_EQ(load_u8(f[i], 6), 44);                      // fixed header names the Fragment header
    EXPECT_EQ(info.header.next_header, IpProtocol::udp);  // which names UDP
    EXPECT_EQ(info.header.ident, 0x12345678u);
    EXPECT_EQ(info.header.offset, expected_offset);
    EXPECT_EQ(info.header.more_fragments, i + 1 < f.size());
    const std::size_t data = f[i].size() - 48;
    if (i + 1 < f.size()) {
      EXPECT_EQ(data % 8, 0u);
      EXPECT_EQ(data, 1232u);  // 1280 - 40 - 8
    }
    expected_offset += data;
  }
  EXPECT_EQ(expected_offset, 3008u);  // UDP header + 3000
}

TEST(Fragment6, Rfc8200_4_5_HopByHopStaysInEveryFragmentDestinationOptionsInTheFirst) {
  // Hop-by-Hop (-> Destination Options) then Destination Options (-> UDP).
  const ByteVec p = udp_packet(2000, {60, 0, 1, 4, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0}, 0);
  const auto f = cut(p, 1280);
  ASSERT_EQ(f.size(), 2u);
  for (const auto& frag : f) {
    EXPECT_EQ(load_u8(frag, 6), 0);   // still Hop-by-Hop first
    EXPECT_EQ(load_u8(frag, 40), 44);  // which now names the Fragment header
    const auto info = info_of(frag);
    EXPECT_EQ(info.header_offset, 48u);
    EXPECT_EQ(info.next_header_field, 40u);
    EXPECT_EQ(info.header.next_header, IpProtocol{60});
  }
}

TEST(Fragment6, Rfc7112_5_ChainThatDoesNotFitTheFirstFragmentIsRefused) {
  std::vector<int> big = {17, 255, 0x1e, 4, 0, 0, 0, 0};  // 2048 bytes of Destination Options
  for (int i = 0; i < 255; ++i) big.insert(big.end(), {0x1e, 6, 0, 0, 0, 0, 0, 0});
  const ByteVec p = udp_packet(100, big, 60);
  auto f = fragment6(p, 1, 1280);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().kind, Fragment6Error::Kind::chain_too_long);
}

TEST(Fragment6, PacketWithAFragmentHeaderOrBadBytesIsMalformed) {
  const ByteVec p = udp_packet(2000, {17, 0, 0, 0, 0, 0, 0, 1}, 44);  // atomic fragment
  auto f = fragment6(p, 1, 1280);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().kind, Fragment6Error::Kind::malformed);
  auto g = fragment6(Bytes(p).first(30), 1, 1280);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error().wire, WireError::truncated);
}

// --- Reassembler6 ---

Reassembled6 done(const Reassembly6Result& r) {
  EXPECT_TRUE(std::holds_alternative<Reassembled6>(r));
  if (const auto* d = std::get_if<Reassembled6>(&r)) return *d;
  return {};
}

bool pending(const Reassembly6Result& r) { return std::holds_alternative<ReassemblyPending>(r); }

Reassembly6Drop drop(const Reassembly6Result& r) {
  EXPECT_TRUE(std::holds_alternative<Reassembly6Drop>(r));
  if (const auto* d = std::get_if<Reassembly6Drop>(&r)) return *d;
  return Reassembly6Drop::malformed;
}

// A fragment by hand: fixed header (-> Fragment) + Fragment header + `data`.
ByteVec fragment(std::uint32_t ident, std::size_t offset, bool more, std::size_t len, std::uint8_t fill = 0x55) {
  const Ipv6Repr r{.src = kSrc,
                   .dst = kDst,
                   .next_header = ipv6_next::kFragment,
                   .payload_len = static_cast<std::uint16_t>(8 + len)};
  ByteVec b(r.total_len(), std::byte{fill});
  r.emit(Ipv6PacketMut(b));
  Ipv6FragmentHeader{.next_header = IpProtocol::udp,
                     .offset = static_cast<std::uint16_t>(offset),
                     .more_fragments = more,
                     .ident = ident}
      .emit(MutBytes(b).subspan(40));
  return b;
}

TEST(Reassembler6, Rfc8200_4_5_ReassemblesInAnyOrder) {
  const ByteVec p = udp_packet(3000);
  auto f = cut(p, 1280);
  std::ranges::reverse(f);
  Reassembler6 r;
  EXPECT_TRUE(pending(r.accept_packet(f[0], kT0)));
  EXPECT_TRUE(pending(r.accept_packet(f[1], kT0)));
  EXPECT_EQ(done(r.accept_packet(f[2], kT0)).packet, p);
  EXPECT_EQ(r.stats().reassembled, 1u);
  EXPECT_EQ(r.stats().fragments_received, 3u);
  EXPECT_EQ(r.in_progress(), 0u);
  EXPECT_EQ(r.memory_used(), 0u);
}

TEST(Reassembler6, Rfc8200_4_5_RestoresTheUnfragmentablePartsNextHeader) {
  const ByteVec p = udp_packet(2000, {60, 0, 1, 4, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0}, 0);
  const auto f = cut(p, 1280);
  Reassembler6 r;
  EXPECT_TRUE(pending(r.accept_packet(f[1], kT0)));
  EXPECT_EQ(done(r.accept_packet(f[0], kT0)).packet, p);
}

TEST(Reassembler6, PacketWithoutFragmentHeaderComesBackWhole) {
  const ByteVec p = udp_packet(100);
  Reassembler6 r;
  EXPECT_EQ(done(r.accept_packet(p, kT0)).packet, p);
  EXPECT_EQ(r.stats().fragments_received, 0u);
}

TEST(Reassembler6, Rfc6946_4_AtomicFragmentIsProcessedInIsolation) {
  Reassembler6 r;
  EXPECT_TRUE(pending(r.accept_packet(fragment(7, 0, true, 16), kT0)));
  // Same key, offset 0, M = 0: a whole packet, not part of datagram 7.
  const auto whole = done(r.accept_packet(fragment(7, 0, false, 12, 0x66), kT0));
  ASSERT_EQ(whole.packet.size(), 52u);  // the Fragment header is gone
  EXPECT_EQ(load_u8(whole.packet, 6), 17);
  EXPECT_EQ(Ipv6Packet(whole.packet).payload_len(), 12);
  EXPECT_EQ(r.stats().atomic, 1u);
  EXPECT_EQ(r.in_progress(), 1u);  // datagram 7 untouched
  EXPECT_TRUE(pending(r.accept_packet(fragment(7, 24, true, 8), kT0)));
  EXPECT_EQ(r.stats().overlaps_dropped, 0u);
}

TEST(Reassembler6, Rfc5722_4_OverlapDropsTheWholePacketSilently) {
  Reassembler6 r;
  EXPECT_TRUE(pending(r.accept_packet(fragment(9, 0, true, 16), kT0)));
  EXPECT_EQ(drop(r.accept_packet(fragment(9, 8, true, 16), kT0)), Reassembly6Drop::overlap);
  EXPECT_EQ(r.stats().overlaps_dropped, 1u);
  EXPECT_EQ(r.memory_used(), 0u);
  // "including those not yet received": the rest is discarded too.
  EXPECT_EQ(drop(r.accept_packet(fragment(9, 16, false, 8), kT0)), Reassembly6Drop::poisoned);
  // ... and no Time Exceeded later: "no ICMP error messages should be sent".
  EXPECT_TRUE(r.poll(kT0 + seconds{60}).empty());
  EXPECT_EQ(r.stats().timeouts, 0u);
}

TEST(Reassembler6, Rfc8200_4_5_ExactDuplicateIsIgnored) {
  Reassembler6 r;
  EXPECT_TRUE(pending(r.accept_packet(fragment(3, 0, true, 16), kT0)));
  EXPECT_EQ(drop(r.accept_packet(fragment(3, 0, true, 16), kT0)), Reassembly6Drop::duplicate);
  const auto whole = done(r.accept_packet(fragment(3, 16, false, 4), kT0));
  EXPECT_EQ(Ipv6Packet(whole.packet).payload_len(), 20);
}

TEST(Reassembler6, Rfc8200_4_5_TimeoutAfter60SecondsQuotesFragmentZero) {
  Reassembler6 r;
  const ByteVec first = fragment(5, 0, true, 16);
  EXPECT_TRUE(pending(r.accept_packet(first, kT0)));
  EXPECT_EQ(r.poll_at(), kT0 + seconds{60});
  // A later fragment does not extend the deadline.
  EXPECT_TRUE(pending(r.accept_packet(fragment(5, 32, false, 8), kT0 + seconds{30})));
  EXPECT_TRUE(r.poll(kT0 + seconds{60} - milliseconds{1}).empty());
  const auto t = r.poll(kT0 + seconds{60});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_TRUE(t[0].first_fragment_received);
  EXPECT_EQ(t[0].quote, first);
  EXPECT_EQ(t[0].key.ident, 5u);
  EXPECT_EQ(r.stats().timeouts, 1u);
  EXPECT_EQ(r.memory_used(), 0u);
}

TEST(Reassembler6, Rfc8200_4_5_NoQuoteWithoutFragmentZero) {
  Reassembler6 r;
  EXPECT_TRUE(pending(r.accept_packet(fragment(6, 8, true, 8), kT0)));
  const auto t = r.poll(kT0 + seconds{60});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_FALSE(t[0].first_fragment_received);
  EXPECT_TRUE(t[0].quote.empty());
}

TEST(Reassembler6, Rfc4443_2_4_c_QuoteOfALargeFirstFragmentIsCutAt1232) {
  Reassembler6 r;
  const ByteVec first = fragment(8, 0, true, 1400);
  EXPECT_TRUE(pending(r.accept_packet(first, kT0)));
  const auto t = r.poll(kT0 + seconds{60});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].quote, ByteVec(first.begin(), first.begin() + 1232));
}

TEST(Reassembler6, Rfc7112_5_FirstFragmentWithoutTheWholeChainIsDropped) {
  // First fragment: Fragment -> Destination Options (-> UDP), no UDP header.
  ByteVec b = fragment(4, 0, true, 8);
  b[40] = std::byte{60};
  const std::vector<int> dest = {17, 0, 1, 4, 0, 0, 0, 0};
  for (std::size_t i = 0; i < dest.size(); ++i) b[48 + i] = static_cast<std::byte>(dest[i]);
  Reassembler6 r;
  EXPECT_EQ(drop(r.accept_packet(b, kT0)), Reassembly6Drop::incomplete_chain);
  EXPECT_EQ(r.stats().incomplete_chain_drops, 1u);
  EXPECT_EQ(r.in_progress(), 0u);
}

TEST(Reassembler6, Rfc8200_4_5_PayloadPast65535IsDropped) {
  // The walker refuses it (Parameter Problem at the offset) ...
  const ByteVec last = fragment(2, 65528, false, 8);
  Reassembler6 r;
  EXPECT_EQ(drop(r.accept_packet(last, kT0)), Reassembly6Drop::malformed);
  // ... and so does accept() given the fragment directly.
  const Ipv6FragmentInfo info{.header = {.next_header = IpProtocol::udp, .offset = 65528, .more_fragments = false,
                                         .ident = 2},
                              .header_offset = 40,
                              .next_header_field = 6};
  EXPECT_EQ(drop(r.accept(*Ipv6Packet::checked(last), info, kT0)), Reassembly6Drop::oversize);
  EXPECT_EQ(r.stats().oversize_drops, 1u);
}

TEST(Reassembler6, Rfc8200_4_5_MoreFragmentsWithLengthNotAMultipleOf8IsMalformed) {
  const ByteVec b = fragment(1, 0, true, 12);
  Reassembler6 r;
  EXPECT_EQ(drop(r.accept_packet(b, kT0)), Reassembly6Drop::malformed);  // the walker: Parameter Problem
  const Ipv6FragmentInfo info{.header = {.next_header = IpProtocol::udp, .offset = 0, .more_fragments = true,
                                         .ident = 1},
                              .header_offset = 40,
                              .next_header_field = 6};
  EXPECT_EQ(drop(r.accept(*Ipv6Packet::checked(b), info, kT0)), Reassembly6Drop::malformed);
  EXPECT_EQ(r.stats().malformed_drops, 2u);
}

TEST(Reassembler6, SecondLastFragmentWithAnotherEndIsInconsistent) {
  Reassembler6 r;
  EXPECT_TRUE(pending(r.accept_packet(fragment(11, 16, false, 8), kT0)));
  EXPECT_EQ(drop(r.accept_packet(fragment(11, 32, false, 8), kT0)), Reassembly6Drop::inconsistent);
  EXPECT_EQ(r.stats().inconsistent_drops, 1u);
}

TEST(Reassembler6, MemoryBoundEvictsTheOldestPacket) {
  Reassembler6Config config;
  config.memory_limit = 3000;
  Reassembler6 r(config);
  EXPECT_TRUE(pending(r.accept_packet(fragment(1, 8, true, 1200), kT0)));
  EXPECT_TRUE(pending(r.accept_packet(fragment(2, 8, true, 1200), kT0 + seconds{1})));
  EXPECT_TRUE(pending(r.accept_packet(fragment(3, 8, true, 1200), kT0 + seconds{2})));
  EXPECT_EQ(r.stats().memory_drops, 1u);
  EXPECT_EQ(r.in_progress(), 2u);
  EXPECT_LE(r.memory_used(), 3000u);
  const auto t = r.poll(kT0 + seconds{61});  // datagram 1 is gone: only 2 expires
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].key.ident, 2u);
}

TEST(Reassembler6, RoundTripOverManySizesAndMtus) {
  for (std::size_t n : {1300u, 1500u, 2999u, 3000u, 9000u, 65000u}) {
    for (std::size_t mtu : {1280u, 1400u, 1500u, 9000u}) {
      const ByteVec p = udp_packet(n, {17, 0, 1, 4, 0, 0, 0, 0}, 60);
      auto f = cut(p, mtu, static_cast<std::uint32_t>(n * mtu));
      for (const auto& x : f) ASSERT_LE(x.size(), mtu);
      Reassembler6 r;
      Reassembly6Result last;
      for (std::size_t i = f.size(); i-- > 0;) last = r.accept_packet(f[i], kT0);
      EXPECT_EQ(done(last).packet, p) << n << " " << mtu;
    }
  }
}

}  // namespace
}  // namespace wirestack::ip
