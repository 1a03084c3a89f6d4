// base/bytes_test.cpp — big-endian loads and stores, bytes_of, hex dumps.
#include "base/bytes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

namespace wirestack {
namespace {

template <std::size_t N>
std::array<std::byte, N> dirty() {
  std::array<std::byte, N> b;
  b.fill(std::byte{0xa5});
  return b;
}

constexpr auto kData = bytes_of(0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0);

// Everything here works at compile time.
static_assert(load_u8(kData, 0) == 0x12);
static_assert(load_be16(kData, 0) == 0x1234);
static_assert(load_be32(kData, 4) == 0x9abcdef0);
static_assert(bytes_of(1, 'a', 0xff)[1] == std::byte{'a'});
static_assert(bytes_of().size() == 0);
static_assert(Field{12, 14}.size() == 2);

TEST(Bytes, LoadsBigEndianAtAnyOffset) {
  EXPECT_EQ(load_u8(kData, 7), 0xf0);
  EXPECT_EQ(load_be16(kData, 0), 0x1234);
  EXPECT_EQ(load_be16(kData, 1), 0x3456);  // unaligned
  EXPECT_EQ(load_be16(kData, 6), 0xdef0);
  EXPECT_EQ(load_be32(kData, 0), 0x12345678u);
  EXPECT_EQ(load_be32(kData, 3), 0x789abcdeu);
  EXPECT_EQ(load_be32(kData, 4), 0x9abcdef0u);  // high bit set: no sign extension
  EXPECT_EQ(load_be16(bytes_of(0xff, 0xff), 0), 0xffff);
}

TEST(Bytes, StoresBigEndianWithoutTouchingNeighbours) {
  auto b = dirty<8>();
  store_u8(b, 0, 0x01);
  store_be16(b, 2, 0xbeef);
  store_be32(b, 4, 0xc0a80001);
  EXPECT_EQ(b, bytes_of(0x01, 0xa5, 0xbe, 0xef, 0xc0, 0xa8, 0x00, 0x01));

  auto odd = dirty<6>();
  store_be32(odd, 1, 0x01020304);  // unaligned
  EXPECT_EQ(odd, bytes_of(0xa5, 0x01, 0x02, 0x03, 0x04, 0xa5));
}

TEST(Bytes, StoreThenLoadRoundTrips) {
  std::mt19937 rng(1);
  auto b = dirty<9>();
  for (int n = 0; n < 1000; ++n) {
    const auto v32 = static_cast<std::uint32_t>(rng());
    const auto v16 = static_cast<std::uint16_t>(rng());
    const std::size_t at = rng() % 6;
    store_be32(b, at, v32);
    EXPECT_EQ(load_be32(b, at), v32);
    store_be16(b, at + 1, v16);
    EXPECT_EQ(load_be16(b, at + 1), v16);
  }
}

TEST(Bytes, FieldSize) {
  constexpr Field f{6, 12};
  EXPECT_EQ(f.size(), 6u);
}

TEST(Bytes, AsBytesViewsTheCharacters) {
  const std::string s = "GET";
  const Bytes b = as_bytes(s);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0], std::byte{'G'});
  EXPECT_EQ(static_cast<const void*>(b.data()), static_cast<const void*>(s.data()));  // no copy
  EXPECT_TRUE(as_bytes("").empty());
}

TEST(Hex, ToHexFormats) {
  EXPECT_EQ(to_hex(bytes_of(0x45, 0x00, 0x00, 0x54)), "45 00 00 54");
  EXPECT_EQ(to_hex(bytes_of(0xab, 0xcd, 0xef), ":"), "ab:cd:ef");
  EXPECT_EQ(to_hex(bytes_of(0xab, 0xcd, 0xef), ""), "abcdef");
  EXPECT_EQ(to_hex(bytes_of(0x0f), ", "), "0f");
  EXPECT_EQ(to_hex(bytes_of(0x01, 0x02), ", "), "01, 02");
  EXPECT_EQ(to_hex(Bytes{}), "");
}

TEST(Hex, FromHexParses) {
  EXPECT_EQ(from_hex("45 00 00 54"), (ByteVec{std::byte{0x45}, std::byte{0}, std::byte{0}, std::byte{0x54}}));
  EXPECT_EQ(from_hex("DEADbeef"), (ByteVec{std::byte{0xde}, std::byte{0xad}, std::byte{0xbe}, std::byte{0xef}}));
  EXPECT_EQ(from_hex("aa:bb:cc"), (ByteVec{std::byte{0xaa}, std::byte{0xbb}, std::byte{0xcc}}));
  EXPECT_EQ(from_hex("01 02\n03\t04\n"), (ByteVec{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}}));
  // Separators are skipped anywhere, even inside a byte.
  EXPECT_EQ(from_hex("a b"), ByteVec{std::byte{0xab}});
  EXPECT_TRUE(from_hex("").empty());
  EXPECT_TRUE(from_hex("  \n").empty());
}

TEST(Hex, FromHexRejectsOddDigitCountWithEmpty) {
  EXPECT_TRUE(from_hex("abc").empty());
  EXPECT_TRUE(from_hex("a").empty());
  EXPECT_TRUE(from_hex("45 00 0").empty());
}

TEST(Hex, FromHexRejectsBadCharactersWithEmpty) {
  EXPECT_TRUE(from_hex("zz").empty());
  EXPECT_TRUE(from_hex("0x45").empty());
  EXPECT_TRUE(from_hex("45-00").empty());
  EXPECT_TRUE(from_hex("45 00 g0").empty());
  EXPECT_TRUE(from_hex("45,00").empty());
  EXPECT_TRUE(from_hex("\xff\xff").empty());
}

TEST(Hex, RoundTripsRandomBytes) {
  std::mt19937 rng(2);
  for (int n = 0; n < 200; ++n) {
    ByteVec v(rng() % 100);
    for (auto& b : v) b = static_cast<std::byte>(rng());
    EXPECT_EQ(from_hex(to_hex(v)), v);
    EXPECT_EQ(from_hex(to_hex(v, "")), v);
    EXPECT_EQ(from_hex(to_hex(v, ":")), v);
  }
}

}  // namespace
}  // namespace wirestack
