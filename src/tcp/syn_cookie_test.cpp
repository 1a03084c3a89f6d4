// tcp/syn_cookie_test.cpp — SYN cookies: encoding, validation, age, forgery,
// and the options carried in the timestamp.
#include "tcp/syn_cookie.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <utility>
#include <vector>

namespace wirestack::tcp {
namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;

const Ipv4Address kServer{192, 0, 2, 1};
const Ipv4Address kClient{198, 51, 100, 7};
constexpr std::uint16_t kServerPort = 80;
constexpr std::uint16_t kClientPort = 40000;
constexpr std::uint32_t kClientIsn = 0x12345678;

SynCookies::Key test_key(std::uint64_t seed = 1) {
  Rng rng(seed);
  return SynCookies::generate_key(rng);
}

// One listener's cookies and counters, with the test's fixed 4-tuple.
struct Listener {
  SynCookies cookies;
  SynCookieCounters counters{};

  explicit Listener(SynCookieConfig config = {}, std::uint64_t seed = 1) : cookies(test_key(seed), config) {}

  SynCookie issue(Instant now, std::optional<std::uint16_t> mss = 1460, std::uint32_t isn = kClientIsn) {
    return cookies.issue(kServer, kServerPort, kClient, kClientPort, isn, mss, now, counters);
  }
  Result<std::uint16_t, CookieError> check(std::uint32_t cookie, Instant now, std::uint32_t isn = kClientIsn) {
    return cookies.check(kServer, kServerPort, kClient, kClientPort, isn, cookie, now, counters);
  }
};

TEST(SynCookie, MssMapsDownToTheLargestTableEntry) {
  const std::vector<std::pair<std::optional<std::uint16_t>, std::uint16_t>> cases = {
      {std::nullopt, 536},  // no option: RFC 9293's default
      {1, 536},        {535, 536},  {536, 536},   {1299, 536},  {1300, 1300}, {1439, 1300},
      {1440, 1440},    {1459, 1440}, {1460, 1460}, {8960, 1460}, {65535, 1460},
  };
  for (const auto& [client_mss, want] : cases) {
    EXPECT_EQ(kSynCookieMssTable[SynCookies::mss_index(client_mss)], want) << client_mss.value_or(0);
  }
}

TEST(SynCookie, RoundTripForEveryTableEntry) {
  Listener l;
  const Instant now = at(seconds{1000});
  for (const std::uint16_t mss : kSynCookieMssTable) {
    for (const std::uint16_t client_mss : {mss, static_cast<std::uint16_t>(mss + 1)}) {
      const SynCookie c = l.issue(now, client_mss);
      EXPECT_EQ(c.mss, mss);
      // The ACK: SEG.SEQ = client ISN + 1, SEG.ACK = cookie + 1.
      const std::uint32_t seg_seq = kClientIsn + 1;
      const std::uint32_t seg_ack = c.isn + 1;
      const auto got = l.check(seg_ack - 1, now + seconds{1}, seg_seq - 1);
      ASSERT_TRUE(got) << "mss " << client_mss << ": " << got.error();
      EXPECT_EQ(*got, mss);
    }
  }
  EXPECT_EQ(l.counters, (SynCookieCounters{.sent = 8, .validated = 8, .rejected_expired = 0, .rejected_bad = 0}));
}

TEST(SynCookie, KnownAnswerFixesTheLayout) {
  // Computed independently by a 20-line C program calling libsodium 1.0.18's
  // crypto_shorthash with the layout of syn_cookie.hpp: key 00..0f,
  // 192.0.2.1:80 <- 198.51.100.7:40000, client ISN 0x12345678, at 1000 s
  // (t = 16), MSS index 3. It printed H0=a4d0f98b H1=9df23da5
  // cookie=0xc7f78dab.
  SynCookies::Key key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
  const SynCookies cookies(key);
  SynCookieCounters counters;
  const SynCookie c =
      cookies.issue(kServer, kServerPort, kClient, kClientPort, kClientIsn, 1460, at(seconds{1000}), counters);
  EXPECT_EQ(c.isn, 0xc7f78dabU);
  EXPECT_EQ(c.mss, 1460);
}

TEST(SynCookie, SameInputsSameCookie) {
  Listener a;
  Listener b;
  const Instant now = at(seconds{5});
  EXPECT_EQ(a.issue(now).isn, b.issue(now).isn);
  // Within one period the cookie does not depend on the exact instant.
  EXPECT_EQ(a.issue(at(seconds{0})).isn, a.issue(at(seconds{60}) - nanoseconds{1}).isn);
  EXPECT_NE(a.issue(at(seconds{0})).isn, a.issue(at(seconds{60})).isn);
}

// Linux: a cookie from counter t is good while now's counter is t or t+1
// (MAX_SYNCOOKIE_AGE 2, a 60 s period): it lives 60 to 120 s.
TEST(SynCookie, AcceptedWithinTheAgeLimitAndExpiredAfterIt) {
  {
    Listener l;
    const SynCookie c = l.issue(at(seconds{0}));
    EXPECT_TRUE(l.check(c.isn, at(seconds{0})));
    EXPECT_TRUE(l.check(c.isn, at(seconds{60})));
    EXPECT_TRUE(l.check(c.isn, at(seconds{120}) - nanoseconds{1}));
    const auto late = l.check(c.isn, at(seconds{120}));
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error(), CookieError::expired);
    const auto later = l.check(c.isn, at(seconds{3600}));
    ASSERT_FALSE(later);
    EXPECT_EQ(later.error(), CookieError::expired);
    EXPECT_EQ(l.counters, (SynCookieCounters{.sent = 1, .validated = 3, .rejected_expired = 2, .rejected_bad = 0}));
  }
  {
    // Made at the end of period 0: the same deadline, so only 60 s of life.
    Listener l;
    const SynCookie c = l.issue(at(seconds{60}) - nanoseconds{1});
    EXPECT_TRUE(l.check(c.isn, at(seconds{120}) - nanoseconds{1}));
    const auto late = l.check(c.isn, at(seconds{120}));
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error(), CookieError::expired);
  }
}

TEST(SynCookie, PeriodAndAgeAreConfigurable) {
  Listener l(SynCookieConfig{.period = seconds{64}, .max_age_periods = 4});
  const SynCookie c = l.issue(at(seconds{10}));          // counter 0
  EXPECT_TRUE(l.check(c.isn, at(seconds{256}) - nanoseconds{1}));  // counter 3
  const auto late = l.check(c.isn, at(seconds{256}));    // counter 4
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error(), CookieError::expired);

  Listener strict(SynCookieConfig{.period = seconds{1}, .max_age_periods = 1});
  const SynCookie s = strict.issue(at(nanoseconds{1'500'000'000}));
  EXPECT_TRUE(strict.check(s.isn, at(seconds{2}) - nanoseconds{1}));
  EXPECT_EQ(strict.check(s.isn, at(seconds{2})).error(), CookieError::expired);
}

TEST(SynCookie, CounterByteWrapsAround) {
  // Only t mod 256 is in the cookie: a cookie from counter 255 is still good
  // at counter 256 (diff = 1 mod 256).
  Listener l;
  const SynCookie c = l.issue(at(seconds{255 * 60}));
  const auto got = l.check(c.isn, at(seconds{256 * 60}));
  ASSERT_TRUE(got) << got.error();
  EXPECT_EQ(*got, 1460);
  // 256 periods later the top byte matches again, but the hash is over the
  // full counter: refused (as bad, no longer recognisable as expired).
  const auto ancient = l.check(c.isn, at(seconds{(255 + 256) * 60}));
  ASSERT_FALSE(ancient);
  EXPECT_EQ(ancient.error(), CookieError::bad_hash);
}

TEST(SynCookie, CheckedBeforeItWasIssuedIsRefused) {
  Listener l;
  const SynCookie c = l.issue(at(seconds{600}));
  const auto early = l.check(c.isn, at(seconds{540}));
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error(), CookieError::bad_hash);
}

TEST(SynCookie, WrongFourTupleIsRejected) {
  Listener l;
  const Instant now = at(seconds{30});
  const SynCookie c = l.issue(now);
  const auto check_as = [&](Ipv4Address local, std::uint16_t lport, Ipv4Address remote, std::uint16_t rport) {
    return l.cookies.check(local, lport, remote, rport, kClientIsn, c.isn, now, l.counters);
  };
  EXPECT_TRUE(check_as(kServer, kServerPort, kClient, kClientPort));
  EXPECT_EQ(check_as(Ipv4Address{192, 0, 2, 2}, kServerPort, kClient, kClientPort).error(), CookieError::bad_hash);
  EXPECT_EQ(check_as(kServer, 81, kClient, kClientPort).error(), CookieError::bad_hash);
  EXPECT_EQ(check_as(kServer, kServerPort, Ipv4Address{198, 51, 100, 8}, kClientPort).error(), CookieError::bad_hash);
  EXPECT_EQ(check_as(kServer, kServerPort, kClient, kClientPort + 1).error(), CookieError::bad_hash);
  EXPECT_EQ(check_as(kClient, kClientPort, kServer, kServerPort).error(), CookieError::bad_hash);
  EXPECT_EQ(l.counters, (SynCookieCounters{.sent = 1, .validated = 1, .rejected_expired = 0, .rejected_bad = 5}));
}

TEST(SynCookie, TamperedAckIsRejected) {
  Listener l;
  const Instant now = at(seconds{30});
  const SynCookie c = l.issue(now, 1460);  // index 3, the last one
  EXPECT_EQ(l.check(c.isn ^ (1U << 12), now).error(), CookieError::bad_hash);  // a hash bit
  EXPECT_EQ(l.check(c.isn ^ (1U << 23), now).error(), CookieError::bad_hash);  // the top hash bit
  EXPECT_EQ(l.check(c.isn ^ (1U << 30), now).error(), CookieError::bad_hash);  // a counter bit
  EXPECT_EQ(l.check(c.isn + 0x01000000, now).error(), CookieError::bad_hash);  // counter + 1
  // The index is added into the low bits (Linux's layout), so ACK + 1 walks
  // off the end of the table...
  EXPECT_EQ(l.check(c.isn + 1, now).error(), CookieError::bad_mss);
  // ...and ACK - 1 lands on the neighbouring entry. Only someone who already
  // holds the cookie can do this, so Linux accepts it too (documented).
  EXPECT_EQ(l.check(c.isn - 1, now).value_or(0), 1440);
}

TEST(SynCookie, WrongClientIsnIsRejected) {
  Listener l;
  const Instant now = at(seconds{30});
  const SynCookie c = l.issue(now, 536);  // index 0
  EXPECT_EQ(l.check(c.isn, now, kClientIsn + 1).error(), CookieError::bad_hash);
  EXPECT_EQ(l.check(c.isn, now, kClientIsn ^ 0x00100000).error(), CookieError::bad_hash);
  EXPECT_EQ(l.check(c.isn, now, kClientIsn + 0x80000000).error(), CookieError::bad_hash);
}

TEST(SynCookie, WrongKeyIsRejected) {
  Listener a({}, 1);
  Listener b({}, 2);
  const Instant now = at(seconds{30});
  const SynCookie c = a.issue(now);
  EXPECT_TRUE(a.check(c.isn, now));
  EXPECT_EQ(b.check(c.isn, now).error(), CookieError::bad_hash);
  EXPECT_EQ(b.counters.rejected_bad, 1U);
}

TEST(SynCookie, DistinctClientsGetDistinctCookies) {
  Listener l;
  const Instant now = at(seconds{30});
  std::set<std::uint32_t> seen;
  int n = 0;
  for (std::uint8_t host = 1; host <= 10; ++host) {
    for (std::uint16_t port = 40000; port < 40100; ++port) {
      const Ipv4Address client{198, 51, 100, host};
      const SynCookie c = l.cookies.issue(kServer, kServerPort, client, port, kClientIsn, 1460, now, l.counters);
      seen.insert(c.isn);
      ++n;
    }
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(l.counters.sent, static_cast<std::uint64_t>(n));
}

TEST(SynCookie, RandomForgedAcksAreRejected) {
  // 10^5 ACKs with random acknowledgment numbers, half with a random client
  // ISN and half with the right one (an attacker who sees the SYN but not the
  // SYN-ACK). A guess passes with probability about 2/256 * 4/2^24.
  Listener l;
  const Instant now = at(seconds{1'000'000});
  Rng rng(2024);
  constexpr int kTrials = 100'000;
  int accepted = 0;
  for (int i = 0; i < kTrials; ++i) {
    const std::uint32_t isn = (i % 2 == 0) ? kClientIsn : rng.next_u32();
    if (l.check(rng.next_u32(), now, isn)) ++accepted;
  }
  EXPECT_LT(static_cast<double>(accepted) / kTrials, 1e-4);
  EXPECT_EQ(l.counters.validated, static_cast<std::uint64_t>(accepted));
  EXPECT_EQ(l.counters.validated + l.counters.rejected_bad + l.counters.rejected_expired,
            static_cast<std::uint64_t>(kTrials));
  // Forgeries are counted as bad, not as expired (that needs a real cookie).
  EXPECT_LT(l.counters.rejected_expired, 10U);
}

TEST(SynCookie, ErrorsPrint) {
  EXPECT_EQ(to_string(CookieError::expired), "expired");
  EXPECT_EQ(to_string(CookieError::bad_hash), "bad_hash");
  EXPECT_EQ(to_string(CookieError::bad_mss), "bad_mss");
}

TEST(SynCookie, GenerateKeyIsAPureFunctionOfTheSeed) {
  EXPECT_EQ(test_key(7), test_key(7));
  EXPECT_NE(test_key(7), test_key(8));
}

// --- options in the timestamp ---------------------------------------------------

TEST(SynCookieTs, RoundTripForEveryWindowScaleAndSack) {
  std::vector<std::optional<std::uint8_t>> scales = {std::nullopt};
  for (std::uint8_t w = 0; w <= 14; ++w) scales.emplace_back(w);
  for (const std::uint32_t ts_now : {0U, 5U, 63U, 64U, 1000U, 123'456'789U, 0xffffffc0U, 0xffffffffU}) {
    for (const auto& wscale : scales) {
      for (const bool sack : {false, true}) {
        for (const bool ecn : {false, true}) {
          const CookieTsOptions opts{.window_scale = wscale, .sack_permitted = sack, .ecn = ecn};
          const std::uint32_t tsval = encode_ts_options(ts_now, opts);
          EXPECT_EQ(decode_ts_options(tsval), opts) << "ts " << ts_now << " wscale " << int{wscale.value_or(15)};
          // Never ahead of the TS clock, and at most one 64-tick step behind.
          EXPECT_LT(static_cast<std::uint32_t>(ts_now - tsval), 64U) << ts_now;
        }
      }
    }
  }
}

TEST(SynCookieTs, LayoutMatchesLinux) {
  // bits 0..3 wscale (15 = none), bit 4 SACK, bit 5 ECN; upper bits from the clock.
  EXPECT_EQ(encode_ts_options(1000, {.window_scale = 7, .sack_permitted = true}), 960U + 7U + 16U);
  EXPECT_EQ(encode_ts_options(1000, {}), 960U + 15U);
  // 1000 = 960 + 40: the options 0x3f = 63 > 40 would be ahead, so step back 64.
  EXPECT_EQ(encode_ts_options(1000, {.sack_permitted = true, .ecn = true}), 896U + 63U);
  // Near zero the step back wraps (mod 2^32, still "before" ts_now).
  EXPECT_EQ(encode_ts_options(3, {.window_scale = 4}), 0xffffffc4U);
  EXPECT_EQ(decode_ts_options(0xabcdef0fU), CookieTsOptions{});
  EXPECT_EQ(decode_ts_options(0x0000003eU),
            (CookieTsOptions{.window_scale = 14, .sack_permitted = true, .ecn = true}));
}

TEST(SynCookieTs, WindowScaleAbove14IsTakenAs14) {
  // RFC 7323 2.3: a shift above 14 is used as 14.
  EXPECT_EQ(decode_ts_options(encode_ts_options(5000, {.window_scale = 15})).window_scale, 14);
  EXPECT_EQ(decode_ts_options(encode_ts_options(5000, {.window_scale = 255})).window_scale, 14);
}

}  // namespace
}  // namespace wirestack::tcp
