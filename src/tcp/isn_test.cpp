// tcp/isn_test.cpp — RFC 6528 initial sequence numbers.
#include "tcp/isn.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

namespace wirestack::tcp {
namespace {

using std::chrono::microseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

// Key 00 01 02 .. 0f: the key of the SipHash paper's test vectors.
SipHashKey counting_key() {
  SipHashKey k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(i);
  return k;
}

const Ipv4Address kLocal{10, 0, 0, 1};
const Ipv4Address kRemote{10, 0, 0, 2};

TEST(SipHash, KnownAnswers) {
  // SipHash-2-4 test vectors (Aumasson & Bernstein, "SipHash: a fast
  // short-input PRF", appendix A; also libsodium's test/default/shorthash.exp):
  // key 00..0f, message 00 01 02 .. (len-1). Checked on this machine with a
  // 10-line C program calling libsodium 1.0.18's crypto_shorthash, which
  // printed "31 0e 0e dd 47 db 6f 72" (len 0) and "e5 45 be 49 61 ca 29 a1"
  // (len 15): the paper's 0x726fdb47dd0e0e31 and 0xa129ca6149be45e5.
  std::array<std::byte, 15> msg{};
  for (std::size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<std::byte>(i);
  EXPECT_EQ(siphash24(counting_key(), Bytes(msg).first(0)), 0x726fdb47dd0e0e31ULL);
  EXPECT_EQ(siphash24(counting_key(), msg), 0xa129ca6149be45e5ULL);
}

TEST(Isn, KnownAnswerFixesTheLayout) {
  // The same C program hashed 0a 00 00 01 00 50 0a 00 00 02 9c 40
  // (10.0.0.1:80 -> 10.0.0.2:40000, the layout of isn.hpp) under key 00..0f
  // and printed F = 0xc3f3ffde (the first 4 output bytes, little-endian).
  const IsnGenerator gen(counting_key());
  EXPECT_EQ(gen.hash_part(kLocal, 80, kRemote, 40000), 0xc3f3ffdeU);
  EXPECT_EQ(gen.isn(kLocal, 80, kRemote, 40000, at(Duration::zero())), 0xc3f3ffdeU);
  EXPECT_EQ(gen.isn(kLocal, 80, kRemote, 40000, at(seconds{1})), 0xc3f3ffdeU + 250'000U);
}

TEST(Isn, DeterministicForAKey) {
  const IsnGenerator a(counting_key());
  const IsnGenerator b(counting_key());
  const Instant now = at(std::chrono::milliseconds{1234});
  EXPECT_EQ(a.isn(kLocal, 80, kRemote, 40000, now), b.isn(kLocal, 80, kRemote, 40000, now));
  EXPECT_EQ(a.isn(kLocal, 80, kRemote, 40000, now), a.isn(kLocal, 80, kRemote, 40000, now));
}

TEST(Isn, DifferentKeyGivesDifferentIsn) {
  SipHashKey other = counting_key();
  other[15] ^= 0x01;
  const IsnGenerator a(counting_key());
  const IsnGenerator b(other);
  const Instant now = at(seconds{7});
  EXPECT_NE(a.isn(kLocal, 80, kRemote, 40000, now), b.isn(kLocal, 80, kRemote, 40000, now));
}

TEST(Isn, ChangesWithEveryElementOfTheFourTuple) {
  const IsnGenerator gen(counting_key());
  const Instant now = at(seconds{3});
  const std::uint32_t base = gen.isn(kLocal, 80, kRemote, 40000, now);
  EXPECT_NE(gen.isn(Ipv4Address{10, 0, 0, 3}, 80, kRemote, 40000, now), base);
  EXPECT_NE(gen.isn(kLocal, 81, kRemote, 40000, now), base);
  EXPECT_NE(gen.isn(kLocal, 80, Ipv4Address{10, 0, 0, 4}, 40000, now), base);
  EXPECT_NE(gen.isn(kLocal, 80, kRemote, 40001, now), base);
  // Swapping the ends is a different connection too.
  EXPECT_NE(gen.isn(kRemote, 40000, kLocal, 80, now), gen.isn(kLocal, 80, kRemote, 40000, now));
  // 1000 client ports: 1000 distinct ISNs (collisions of 32-bit values among
  // 1000 are possible in principle, ~1e-4, but not for this fixed key).
  std::set<std::uint32_t> seen;
  for (std::uint16_t port = 40000; port < 41000; ++port) seen.insert(gen.isn(kLocal, 80, kRemote, port, now));
  EXPECT_EQ(seen.size(), 1000U);
}

TEST(Isn, GrowsBy250000PerSecond) {
  const IsnGenerator gen(counting_key());
  // RFC 6528: M is a 4 microsecond timer.
  for (std::int64_t s : {0, 1, 17, 3600, 20000}) {
    const std::uint32_t a = gen.isn(kLocal, 80, kRemote, 40000, at(seconds{s}));
    const std::uint32_t b = gen.isn(kLocal, 80, kRemote, 40000, at(seconds{s + 1}));
    EXPECT_EQ(static_cast<std::uint32_t>(b - a), 250'000U) << "at " << s << " s";
  }
  // One tick is 4 us; less than a tick does not move it.
  const std::uint32_t t0 = gen.isn(kLocal, 80, kRemote, 40000, at(microseconds{400}));
  EXPECT_EQ(gen.isn(kLocal, 80, kRemote, 40000, at(nanoseconds{403'999})), t0);
  EXPECT_EQ(gen.isn(kLocal, 80, kRemote, 40000, at(microseconds{404})), t0 + 1);
}

TEST(Isn, ClockPartWrapsModulo2To32) {
  // 2^32 ticks of 4 us = 17179.869184 s.
  const Instant wrap = at(nanoseconds{(std::int64_t{1} << 32) * 4000});
  EXPECT_EQ(IsnGenerator::clock_part(wrap), 0U);
  EXPECT_EQ(IsnGenerator::clock_part(wrap - nanoseconds{4000}), 0xffffffffU);
  EXPECT_EQ(IsnGenerator::clock_part(wrap + seconds{1}), 250'000U);
  // Before the clock's origin the timer still counts up through zero.
  EXPECT_EQ(IsnGenerator::clock_part(at(nanoseconds{-1})), 0xffffffffU);
  EXPECT_EQ(IsnGenerator::clock_part(at(nanoseconds{-4000})), 0xffffffffU);
  EXPECT_EQ(IsnGenerator::clock_part(at(nanoseconds{-4001})), 0xfffffffeU);
}

TEST(Isn, GenerateKeyIsAPureFunctionOfTheSeed) {
  Rng r1(42);
  Rng r2(42);
  Rng r3(43);
  const auto k1 = IsnGenerator::generate_key(r1);
  EXPECT_EQ(k1, IsnGenerator::generate_key(r2));
  EXPECT_NE(k1, IsnGenerator::generate_key(r3));
  EXPECT_NE(k1, IsnGenerator::generate_key(r1));  // the next draw differs
}

}  // namespace
}  // namespace wirestack::tcp
