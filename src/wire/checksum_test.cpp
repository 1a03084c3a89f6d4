// wire/checksum_test.cpp — the Internet checksum (RFC 1071) against the RFC's
// example, a byte-at-a-time reference, known headers, and the incremental
// update of RFC 1624 against full recomputation.
#include "wire/checksum.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <vector>

namespace wirestack {
namespace {

// RFC 1071 as the RFC's section 4.1 C code writes it: big-endian 16-bit words,
// an odd last byte padded with zero, 32-bit accumulator folded at the end.
// Widened to 64 bits so that any `initial` is folded exactly.
std::uint16_t reference_sum(Bytes data, std::uint64_t initial = 0) {
  std::uint64_t s = initial;
  std::size_t i = 0;
  for (; i + 1 < data.size(); i += 2) s += load_be16(data, i);
  if (i < data.size()) s += std::uint64_t{load_u8(data, i)} << 8;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<std::uint16_t>(s);
}

std::vector<std::byte> random_bytes(std::mt19937& rng, std::size_t n) {
  std::vector<std::byte> v;
  v.reserve(n + 1);  // data() != nullptr even when empty: null data has its own test
  v.resize(n);
  for (auto& b : v) b = static_cast<std::byte>(rng());
  return v;
}

// 192.168.0.1 > 192.168.0.199, UDP, total length 115, DF, TTL 64; checksum b861.
constexpr auto kIpv4Header = bytes_of(0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,  //
                                      0xb8, 0x61,                                                  // checksum
                                      0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7);
constexpr std::size_t kIpv4ChecksumAt = 10;

// --- sum ---------------------------------------------------------------------------

TEST(Checksum, Rfc1071NumericalExample) {
  // RFC 1071 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (checksum 220d).
  constexpr auto data = bytes_of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
  EXPECT_EQ(checksum::sum(data), 0xddf2);
  EXPECT_EQ(checksum::compute(data), 0x220d);
  EXPECT_EQ(reference_sum(data), 0xddf2);
}

TEST(Checksum, EmptyAndZeroData) {
  const std::vector<std::byte> zeros(1000);
  EXPECT_EQ(checksum::sum(Bytes(zeros).first(0)), 0x0000);
  EXPECT_EQ(checksum::compute(Bytes(zeros).first(0)), 0xffff);
  EXPECT_EQ(checksum::sum(zeros), 0x0000);
  EXPECT_EQ(checksum::sum(Bytes(zeros).first(0), 0x1234), 0x1234);
}

// A default-constructed span has data() == nullptr; summing it must be
// defined behaviour (memcpy from a null pointer is not, even for 0 bytes:
// UBSan aborts here until checksum.cpp guards the tail copy).
TEST(Checksum, EmptySpanWithNullDataIsDefined) {
  const Bytes none{};
  ASSERT_EQ(none.data(), nullptr);
  EXPECT_EQ(checksum::sum(none), 0x0000);
  EXPECT_EQ(checksum::compute(none), 0xffff);
  EXPECT_EQ(checksum::sum(none, 0x1234), 0x1234);
}

TEST(Checksum, OneComplementNeverYieldsPositiveZeroForNonZeroData) {
  // 0xffff + 0x0001 carries around to 0x0001; 0xffff + 0x0000 stays -0.
  EXPECT_EQ(checksum::sum(bytes_of(0xff, 0xff, 0x00, 0x01)), 0x0001);
  EXPECT_EQ(checksum::sum(bytes_of(0xff, 0xff)), 0xffff);
  EXPECT_EQ(checksum::sum(bytes_of(0xff, 0xff, 0xff, 0xff)), 0xffff);
  const std::vector<std::byte> ones(65536, std::byte{0xff});
  EXPECT_EQ(checksum::sum(ones), 0xffff);
  EXPECT_EQ(checksum::sum(bytes_of(0x80, 0x00, 0x80, 0x00)), 0x0001);
}

TEST(Checksum, OddLengthPadsTheLastByteOnTheRight) {
  // RFC 1071 4.1: the odd byte is the high half of a last word.
  EXPECT_EQ(checksum::sum(bytes_of(0xab)), 0xab00);
  EXPECT_EQ(checksum::sum(bytes_of(0x00, 0x01, 0xf2)), 0xf201);
  EXPECT_EQ(checksum::sum(bytes_of(1, 2, 3, 4, 5, 6, 7, 8, 9)), 0x0102 + 0x0304 + 0x0506 + 0x0708 + 0x0900);
}

TEST(Checksum, KnownIpv4HeaderSumsToAllOnes) {
  EXPECT_EQ(checksum::sum(kIpv4Header), 0xffff);
  auto zeroed = kIpv4Header;
  store_be16(zeroed, kIpv4ChecksumAt, 0);
  EXPECT_EQ(checksum::compute(zeroed), 0xb861);
  // One flipped bit anywhere is detected.
  for (std::size_t i = 0; i < kIpv4Header.size() * 8; ++i) {
    auto bad = kIpv4Header;
    bad[i / 8] ^= static_cast<std::byte>(1u << (i % 8));
    EXPECT_NE(checksum::sum(bad), 0xffff) << "bit " << i;
  }
}

// Every length 0..2000 at every start offset within a 64-bit word, random
// contents: the word-at-a-time loop equals the byte-at-a-time reference.
TEST(Checksum, MatchesReferenceForRandomLengthsAndOffsets) {
  std::mt19937 rng(1071);
  const std::vector<std::byte> pool = random_bytes(rng, 2000 + 16);
  for (std::size_t len = 0; len <= 2000; ++len) {
    for (std::size_t offset = 0; offset < 8; ++offset) {
      const Bytes data = Bytes(pool).subspan(offset, len);
      ASSERT_EQ(checksum::sum(data), reference_sum(data)) << "len " << len << " offset " << offset;
    }
  }
}

TEST(Checksum, MatchesReferenceOnSkewedData) {
  // Mostly 0xff or mostly 0x00 bytes stress the end-around carries.
  std::mt19937 rng(1624);
  for (int n = 0; n < 3000; ++n) {
    const std::size_t len = rng() % 2001;
    const std::size_t offset = rng() % 8;
    const std::byte common = rng() % 2 ? std::byte{0xff} : std::byte{0x00};
    std::vector<std::byte> v(len + offset, common);
    for (auto& b : v) {
      if (rng() % 16 == 0) b = static_cast<std::byte>(rng());
    }
    const Bytes data = Bytes(v).subspan(offset);
    ASSERT_EQ(checksum::sum(data), reference_sum(data)) << "len " << len << " offset " << offset;
  }
}

TEST(Checksum, LargeBufferMatchesReference) {
  std::mt19937 rng(65536);
  const auto big = random_bytes(rng, 65535 + 9000);
  for (std::size_t len : {65535u, 65536u, 65535u + 9000u}) {
    const Bytes data = Bytes(big).first(std::min(len, big.size()));
    EXPECT_EQ(checksum::sum(data), reference_sum(data)) << len;
  }
}

// copy_and_sum(): the copy is exact, nothing beyond it is written, and the
// sum is sum()'s, for every length and alignment of source and destination.
TEST(Checksum, CopyAndSumCopiesAndSumsAsSumDoes) {
  std::mt19937 rng(2026);
  const std::vector<std::byte> pool = random_bytes(rng, 1600 + 16);
  for (std::size_t len = 0; len <= 1600; len += (len < 200 ? 1 : 7)) {
    for (std::size_t src_off = 0; src_off < 8; src_off += 3) {
      for (std::size_t dst_off = 0; dst_off < 8; dst_off += 5) {
        const Bytes data = Bytes(pool).subspan(src_off, len);
        std::vector<std::byte> out(len + 16, std::byte{0xa5});
        const std::uint32_t initial = static_cast<std::uint32_t>(rng() % 0x30000);
        const std::uint16_t got = checksum::copy_and_sum(MutBytes(out).subspan(dst_off, len), data, initial);
        ASSERT_EQ(got, checksum::sum(data, initial)) << "len " << len;
        ASSERT_TRUE(std::equal(data.begin(), data.end(), out.begin() + static_cast<std::ptrdiff_t>(dst_off)));
        for (std::size_t i = 0; i < dst_off; ++i) ASSERT_EQ(out[i], std::byte{0xa5});
        for (std::size_t i = dst_off + len; i < out.size(); ++i) ASSERT_EQ(out[i], std::byte{0xa5});
      }
    }
  }
}

// --- initial / chaining -------------------------------------------------------------

TEST(Checksum, ChainsPartialSumsAtEvenSplits) {
  std::mt19937 rng(3);
  for (int n = 0; n < 2000; ++n) {
    const auto data = random_bytes(rng, rng() % 1500);
    const std::size_t split = (rng() % (data.size() + 1)) & ~std::size_t{1};  // even
    const std::uint16_t first = checksum::sum(Bytes(data).first(split));
    EXPECT_EQ(checksum::sum(Bytes(data).subspan(split), first), checksum::sum(data))
        << "size " << data.size() << " split " << split;
  }
}

TEST(Checksum, ChainsOverManyPieces) {
  std::mt19937 rng(4);
  const auto data = random_bytes(rng, 9001);
  std::uint16_t acc = 0;
  std::size_t at = 0;
  while (at < data.size()) {
    const std::size_t piece = std::min<std::size_t>(2 * (rng() % 200), data.size() - at);  // even but the last
    acc = checksum::sum(Bytes(data).subspan(at, piece), acc);
    at += piece;
  }
  EXPECT_EQ(acc, checksum::sum(data));
}

TEST(Checksum, InitialIsFoldedIn) {
  std::mt19937 rng(5);
  const std::uint32_t initials[] = {0u, 1u, 0xffffu, 0x10000u, 0x1fffeu, 0x4fffbu, 0x7fffffffu};
  for (std::uint32_t initial : initials) {
    for (int n = 0; n < 200; ++n) {
      const auto data = random_bytes(rng, rng() % 100);
      EXPECT_EQ(checksum::sum(data, initial), reference_sum(data, initial)) << std::hex << initial;
    }
  }
}

// `initial` is a 32-bit partial sum; every value must fold correctly, even
// those whose addition to the 16-bit data sum would overflow 32 bits.
TEST(Checksum, InitialNearUint32MaxDoesNotWrap) {
  constexpr auto data = bytes_of(0x00, 0x01);
  // 0xffffffff folds to 0xffff (-0); adding 1 gives 1.
  EXPECT_EQ(reference_sum(data, 0xffffffffu), 0x0001);
  EXPECT_EQ(checksum::sum(data, 0xffffffffu), 0x0001);
  EXPECT_EQ(checksum::sum(bytes_of(0xff, 0xff), 0xffff0001u), reference_sum(bytes_of(0xff, 0xff), 0xffff0001u));
}

// --- Pseudo-header -------------------------------------------------------------------

TEST(Checksum, PseudoHeaderV4ForUdp) {
  // 10.0.0.1:40000 > 10.0.0.2:7, UDP length 12, payload "ping"; checksum 70bb.
  auto udp = bytes_of(0x9c, 0x40, 0x00, 0x07, 0x00, 0x0c, 0x70, 0xbb, 'p', 'i', 'n', 'g');
  const std::uint32_t ph = checksum::pseudo_header_v4(0x0a000001, 0x0a000002, 17, 12);
  EXPECT_EQ(checksum::sum(udp, ph), 0xffff);
  store_be16(udp, 6, 0);
  EXPECT_EQ(checksum::compute(udp, ph), 0x70bb);
}

TEST(Checksum, PseudoHeaderV4ForTcp) {
  // 192.168.0.100:51000 > 93.184.216.34:80 SYN, seq 0x12345678, window 64240; checksum 8dd5.
  auto tcp = bytes_of(0xc7, 0x38, 0x00, 0x50, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00,  //
                      0x50, 0x02, 0xfa, 0xf0, 0x00, 0x00, 0x00, 0x00);
  const std::uint32_t ph = checksum::pseudo_header_v4(0xc0a80064, 0x5db8d822, 6, 20);
  EXPECT_EQ(checksum::compute(tcp, ph), 0x8dd5);
}

TEST(Checksum, PseudoHeaderV4EqualsSummingItsBytes) {
  std::mt19937 rng(9);
  for (int n = 0; n < 1000; ++n) {
    const auto src = static_cast<std::uint32_t>(rng());
    const auto dst = static_cast<std::uint32_t>(rng());
    const auto proto = static_cast<std::uint8_t>(rng());
    const auto len = static_cast<std::uint16_t>(rng());
    std::array<std::byte, 12> bytes{};
    store_be32(bytes, 0, src);
    store_be32(bytes, 4, dst);
    store_u8(bytes, 9, proto);  // byte 8 is zero
    store_be16(bytes, 10, len);
    const auto payload = random_bytes(rng, rng() % 64);
    std::vector<std::byte> whole(bytes.begin(), bytes.end());
    whole.insert(whole.end(), payload.begin(), payload.end());
    EXPECT_EQ(checksum::sum(payload, checksum::pseudo_header_v4(src, dst, proto, len)), reference_sum(whole));
  }
}

// --- RFC 1624 incremental update ------------------------------------------------------

TEST(ChecksumAdd, OnesComplementAddition) {
  static_assert(checksum::add(0, 0) == 0);
  static_assert(checksum::add(1, 2) == 3);
  static_assert(checksum::add(0xffff, 1) == 1);  // end-around carry
  static_assert(checksum::add(0xfffe, 1) == 0xffff);
  static_assert(checksum::add(0xffff, 0xffff) == 0xffff);
  static_assert(checksum::add(0x8000, 0x8000) == 1);
  SUCCEED();
}

TEST(ChecksumUpdate, Rfc1624Section4Example) {
  // RFC 1624 4: the other header words sum to 0xcd7a, a field changes from
  // 0x5555 to 0x3285. HC = 0xdd2f; recomputation gives HC' = 0x0000, which
  // eqn. 3 reproduces (eqn. 2 of RFC 1141 would give 0xffff).
  EXPECT_EQ(checksum::update16(0xdd2f, 0x5555, 0x3285), 0x0000);

  // The same on real bytes: words summing to 0xcd7a, then the changing word.
  auto data = bytes_of(0xcd, 0x7a, 0x55, 0x55);
  EXPECT_EQ(checksum::compute(data), 0xdd2f);
  store_be16(data, 2, 0x3285);
  EXPECT_EQ(checksum::compute(data), 0x0000);
}

TEST(ChecksumUpdate, NoChangeKeepsTheChecksum) {
  for (std::uint16_t hc : std::array<std::uint16_t, 5>{0x0000, 0x0001, 0x1234, 0xb861, 0xfffe}) {
    for (std::uint16_t m : std::array<std::uint16_t, 4>{0x0000, 0x0001, 0x8000, 0xffff}) {
      // ~HC + ~m + m == ~HC + -0, which is ~HC unless ~HC is +0 (HC == 0xffff).
      EXPECT_EQ(checksum::update16(hc, m, m), hc) << std::hex << hc << " " << m;
    }
  }
}

// A 20-byte IPv4 header with random fields and a correct checksum.
std::array<std::byte, 20> random_ipv4_header(std::mt19937& rng) {
  std::array<std::byte, 20> h{};
  for (auto& b : h) b = static_cast<std::byte>(rng());
  h[0] = std::byte{0x45};  // never all zero: RFC 1624 3 relies on that
  store_be16(h, kIpv4ChecksumAt, 0);
  store_be16(h, kIpv4ChecksumAt, checksum::compute(h));
  return h;
}

std::uint16_t recompute(std::array<std::byte, 20> h) {
  store_be16(h, kIpv4ChecksumAt, 0);
  return checksum::compute(h);
}

TEST(ChecksumUpdate, Update16EqualsFullRecompute) {
  std::mt19937 rng(16);
  for (int n = 0; n < 100000; ++n) {
    auto h = random_ipv4_header(rng);
    std::size_t word = rng() % 10;
    if (word == kIpv4ChecksumAt / 2) word = 4;  // the checksum field itself is not "data"
    const std::size_t at = 2 * word;
    const std::uint16_t m = load_be16(h, at);
    // Sometimes the values of the corner cases: 0x0000, 0xffff, m's complement.
    const std::uint16_t choices[] = {static_cast<std::uint16_t>(rng()), 0x0000, 0xffff,
                                     static_cast<std::uint16_t>(~m), static_cast<std::uint16_t>(m + 1)};
    const std::uint16_t m_new = choices[rng() % 5];
    const std::uint16_t hc = load_be16(h, kIpv4ChecksumAt);
    store_be16(h, at, m_new);
    const std::uint16_t incremental = checksum::update16(hc, m, m_new);
    ASSERT_EQ(incremental, recompute(h)) << "word " << word << std::hex << " hc " << hc << " m " << m << " m' " << m_new;
    store_be16(h, kIpv4ChecksumAt, incremental);
    ASSERT_EQ(checksum::sum(h), 0xffff);
  }
}

// The corner case of RFC 1624 3: headers whose recomputed checksum is 0x0000.
// Build them on purpose (the other words sum to ~m'), then update into them.
TEST(ChecksumUpdate, Update16ReachesZeroChecksumExactlyWhenRecomputeDoes) {
  std::mt19937 rng(1141);
  int zero_results = 0;
  for (int n = 0; n < 20000; ++n) {
    auto h = random_ipv4_header(rng);
    const std::size_t at = 2 * (1 + rng() % 4);  // a word in 2..9, not the checksum
    const std::uint16_t m = load_be16(h, at);
    // Choose m' so that the new data sums to 0xffff: checksum 0x0000.
    store_be16(h, at, 0);
    store_be16(h, kIpv4ChecksumAt, 0);
    const std::uint16_t rest = checksum::sum(h);
    const auto m_new = static_cast<std::uint16_t>(~rest);
    store_be16(h, at, m);
    store_be16(h, kIpv4ChecksumAt, 0);
    const std::uint16_t hc = checksum::compute(h);
    store_be16(h, at, m_new);
    const std::uint16_t full = recompute(h);
    EXPECT_EQ(full, 0x0000);
    EXPECT_EQ(checksum::update16(hc, m, m_new), full) << std::hex << "hc " << hc << " m " << m << " m' " << m_new;
    zero_results += full == 0;
  }
  EXPECT_EQ(zero_results, 20000);
}

TEST(ChecksumUpdate, Update32EqualsFullRecompute) {
  std::mt19937 rng(32);
  for (int n = 0; n < 50000; ++n) {
    auto h = random_ipv4_header(rng);
    const std::size_t at = rng() % 2 ? 12 : 16;  // NAT rewrites the source or the destination
    const std::uint32_t m = load_be32(h, at);
    const std::uint32_t choices[] = {static_cast<std::uint32_t>(rng()), 0u, 0xffffffffu, ~m, m ^ 0xffff0000u};
    const std::uint32_t m_new = choices[rng() % 5];
    const std::uint16_t hc = load_be16(h, kIpv4ChecksumAt);
    store_be32(h, at, m_new);
    const std::uint16_t incremental = checksum::update32(hc, m, m_new);
    ASSERT_EQ(incremental, recompute(h)) << std::hex << "hc " << hc << " m " << m << " m' " << m_new;
  }
}

TEST(ChecksumUpdate, TtlDecrementLikeARouter) {
  // RFC 1624's motivating case: a router decrements TTL (the high byte of word 4).
  auto h = kIpv4Header;
  const std::uint16_t old_word = load_be16(h, 8);
  h[8] = std::byte{0x3f};  // TTL 64 -> 63
  const std::uint16_t updated = checksum::update16(0xb861, old_word, load_be16(h, 8));
  EXPECT_EQ(updated, recompute(h));
  EXPECT_EQ(updated, 0xb961);
}

TEST(ChecksumUpdate, IsConstexpr) {
  static_assert(checksum::update16(0xdd2f, 0x5555, 0x3285) == 0x0000);
  static_assert(checksum::update32(0x1234, 0xc0a80001, 0xc0a80001) == 0x1234);
  static_assert(checksum::pseudo_header_v4(0x0a000001, 0x0a000002, 17, 12) == 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + 12);
  SUCCEED();
}

}  // namespace
}  // namespace wirestack
