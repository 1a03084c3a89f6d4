#include "tcp/congestion.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

namespace wirestack::tcp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::uint32_t kSmss = 1000;
constexpr std::uint32_t seg(std::uint32_t n) { return n * kSmss; }

// One round trip of a cwnd-limited sender: a cwnd's worth of segments is
// acknowledged one SMSS per ACK, the ACKs spread evenly over `rtt`.
Instant ack_round(CongestionControl& cc, Instant now, Duration rtt) {
  const std::uint32_t n = cc.cwnd() / kSmss;
  for (std::uint32_t i = 0; i < n; ++i) cc.on_ack(kSmss, now + rtt * i / n, rtt);
  return now + rtt;
}

// Slow start from IW = 10 SMSS to `target` segments, one ACK per segment.
void grow_to(CongestionControl& cc, std::uint32_t target) {
  while (cc.cwnd() < seg(target)) cc.on_ack(kSmss, at(seconds{0}), milliseconds{100});
  ASSERT_EQ(cc.cwnd(), seg(target));
}

// A loss at `w` segments (fast retransmit with everything in flight), then a
// full ACK with `flight_after` bytes still outstanding.
void loss_and_recovery(CongestionControl& cc, std::uint32_t w, std::uint32_t flight_after,
                       Instant now) {
  ASSERT_EQ(cc.cwnd(), seg(w));
  cc.enter_recovery(seg(w), now);
  cc.on_recovery_exit(flight_after);
}

const Algorithm kBoth[] = {Algorithm::newreno, Algorithm::cubic};

TEST(Congestion, InitialWindowRfc6928) {
  static_assert(initial_window(1460) == 14600);
  static_assert(initial_window(536) == 5360);    // 10 * MSS is smaller
  static_assert(initial_window(1000) == 10000);
  static_assert(initial_window(9000) == 18000);  // 2 * MSS is larger than 14600
  for (const Algorithm a : kBoth) {
    const auto cc = make_congestion(a, 1460);
    EXPECT_EQ(cc.algorithm(), a);
    EXPECT_EQ(cc.smss(), 1460u);
    EXPECT_EQ(cc.cwnd(), 14600u);
    EXPECT_EQ(cc.ssthresh(), kInfiniteSsthresh);  // RFC 5681: "arbitrarily high"
    EXPECT_TRUE(cc.in_slow_start());
    EXPECT_FALSE(cc.in_recovery());
  }
}

// Settings ask per config, before any algorithm is made.
TEST(Congestion, WantsRateSamplesOfAnAlgorithmIsThatOfOneMade) {
  for (const Algorithm a : {Algorithm::newreno, Algorithm::cubic, Algorithm::bbr}) {
    EXPECT_EQ(wants_rate_samples(a), make_congestion(a, 1460).wants_rate_samples()) << to_string(a);
  }
  EXPECT_TRUE(wants_rate_samples(Algorithm::bbr));
  EXPECT_FALSE(wants_rate_samples(Algorithm::cubic));
}

TEST(Congestion, SlowStartDoublesPerRtt) {
  for (const Algorithm a : kBoth) {
    auto cc = make_congestion(a, kSmss);
    Instant now = at(seconds{1});
    for (const std::uint32_t expected : {20u, 40u, 80u, 160u}) {
      now = ack_round(cc, now, milliseconds{50});
      EXPECT_EQ(cc.cwnd(), seg(expected)) << a;
    }
  }
}

// RFC 3465: cwnd += min(bytes_acked, L), L = 2*SMSS (1*SMSS after an RTO).
TEST(Congestion, ByteCountingLimitsSlowStartPerAck) {
  for (const Algorithm a : kBoth) {
    auto cc = make_congestion(a, kSmss);
    cc.on_ack(seg(5), at(seconds{0}), milliseconds{10});
    EXPECT_EQ(cc.cwnd(), seg(12)) << a;
    cc.on_ack(300, at(seconds{0}), milliseconds{10});
    EXPECT_EQ(cc.cwnd(), seg(12) + 300) << a;
    cc.on_rto(seg(12), at(seconds{1}), Timeout::first);
    cc.on_ack(seg(3), at(seconds{1}), milliseconds{10});
    EXPECT_EQ(cc.cwnd(), seg(2)) << a;
  }
}

TEST(NewReno, CongestionAvoidanceAddsOneSmssPerRtt) {
  auto cc = make_congestion(Algorithm::newreno, kSmss);
  ASSERT_NO_FATAL_FAILURE(loss_and_recovery(cc, 10, seg(10), at(seconds{0})));
  EXPECT_EQ(cc.ssthresh(), seg(5));
  EXPECT_EQ(cc.cwnd(), seg(5));
  EXPECT_FALSE(cc.in_slow_start());
  // Four of five segments acknowledged: not yet a cwnd's worth.
  for (int i = 0; i < 4; ++i) cc.on_ack(kSmss, at(seconds{1}), milliseconds{100});
  EXPECT_EQ(cc.cwnd(), seg(5));
  cc.on_ack(kSmss, at(seconds{1}), milliseconds{100});
  EXPECT_EQ(cc.cwnd(), seg(6));
  Instant now = at(seconds{2});
  for (const std::uint32_t expected : {7u, 8u, 9u, 10u}) {
    now = ack_round(cc, now, milliseconds{100});
    EXPECT_EQ(cc.cwnd(), seg(expected));
  }
}

TEST(NewReno, LossHalvesTheWindow) {
  auto cc = make_congestion(Algorithm::newreno, kSmss);
  ASSERT_NO_FATAL_FAILURE(grow_to(cc, 100));
  cc.enter_recovery(seg(100), at(seconds{1}));
  EXPECT_TRUE(cc.in_recovery());
  EXPECT_EQ(cc.ssthresh(), seg(50));  // RFC 5681 eqn 4
  EXPECT_EQ(cc.cwnd(), seg(53));      // + 3*SMSS
  cc.on_dup_ack();
  cc.on_dup_ack();
  EXPECT_EQ(cc.cwnd(), seg(55));  // inflation
  cc.on_ack(seg(10), at(seconds{1}), milliseconds{100});
  EXPECT_EQ(cc.cwnd(), seg(55));  // on_ack is not for recovery
  cc.on_recovery_exit(seg(60));
  EXPECT_FALSE(cc.in_recovery());
  EXPECT_EQ(cc.cwnd(), seg(50));  // min(ssthresh, FlightSize + SMSS)
}

TEST(Congestion, SsthreshNeverBelowTwoSegments) {
  for (const Algorithm a : kBoth) {
    auto cc = make_congestion(a, kSmss);
    cc.enter_recovery(seg(2), at(seconds{0}));
    EXPECT_EQ(cc.ssthresh(), seg(2)) << a;
    EXPECT_EQ(cc.cwnd(), seg(5)) << a;
  }
}

// RFC 6582 3.2 step 5.
TEST(NewReno, PartialAckDeflatesAndFullAckExits) {
  auto cc = make_congestion(Algorithm::newreno, kSmss);
  ASSERT_NO_FATAL_FAILURE(grow_to(cc, 100));
  cc.enter_recovery(seg(100), at(seconds{1}));
  ASSERT_EQ(cc.cwnd(), seg(53));
  cc.on_partial_ack(seg(3));  // - 3 SMSS + 1 SMSS
  EXPECT_EQ(cc.cwnd(), seg(51));
  cc.on_partial_ack(500);  // less than SMSS: nothing added back
  EXPECT_EQ(cc.cwnd(), seg(51) - 500);
  EXPECT_TRUE(cc.in_recovery());
  cc.on_recovery_exit(0);  // nothing outstanding: min(ssthresh, SMSS + SMSS)
  EXPECT_EQ(cc.cwnd(), seg(2));
  EXPECT_TRUE(cc.in_slow_start());
  cc.on_dup_ack();  // outside recovery: no inflation
  cc.on_partial_ack(seg(1));
  EXPECT_EQ(cc.cwnd(), seg(2));
}

TEST(Congestion, RtoCollapsesToOneSegment) {
  for (const Algorithm a : kBoth) {
    auto cc = make_congestion(a, kSmss);
    ASSERT_NO_FATAL_FAILURE(grow_to(cc, 40));
    cc.enter_recovery(seg(40), at(seconds{1}));
    cc.on_rto(seg(40), at(seconds{2}), Timeout::first);
    EXPECT_EQ(cc.cwnd(), seg(1)) << a;
    EXPECT_FALSE(cc.in_recovery()) << a;
    const std::uint32_t ssthresh = a == Algorithm::newreno ? seg(20) : seg(28);
    EXPECT_EQ(cc.ssthresh(), ssthresh) << a;
    // RFC 5681 3.1: a repeated timeout holds ssthresh constant.
    cc.on_rto(seg(1), at(seconds{4}), Timeout::repeated);
    EXPECT_EQ(cc.cwnd(), seg(1)) << a;
    EXPECT_EQ(cc.ssthresh(), ssthresh) << a;
  }
}

TEST(Cubic, LossMultipliesByBeta) {
  auto cc = make_congestion(Algorithm::cubic, kSmss);
  ASSERT_NO_FATAL_FAILURE(grow_to(cc, 100));
  cc.enter_recovery(seg(100), at(seconds{1}));
  EXPECT_EQ(cc.ssthresh(), seg(70));
  EXPECT_EQ(cc.cwnd(), seg(73));
  cc.on_recovery_exit(seg(80));
  EXPECT_EQ(cc.cwnd(), seg(70));
  EXPECT_DOUBLE_EQ(cc.cubic()->w_max(), 100.0);
}

// RFC 9438 4.2: K = cubic_root(W_max * (1 - beta) / C) when cwnd_epoch = beta * W_max.
TEST(Cubic, KMatchesTheRfcFormula) {
  auto cc = make_congestion(Algorithm::cubic, kSmss);
  ASSERT_NO_FATAL_FAILURE(grow_to(cc, 100));
  const Instant t0 = at(seconds{5});
  ASSERT_NO_FATAL_FAILURE(loss_and_recovery(cc, 100, seg(70), t0));
  cc.on_ack(kSmss, t0, milliseconds{100});  // the epoch starts here
  const Cubic& c = *cc.cubic();
  ASSERT_EQ(c.epoch_start(), t0);
  EXPECT_DOUBLE_EQ(c.cwnd_epoch(), 70.0);
  EXPECT_NEAR(c.k(), std::cbrt(100 * (1 - 0.7) / 0.4), 1e-12);
  EXPECT_NEAR(c.k(), 4.217163326508746, 1e-9);  // cbrt(75)
  EXPECT_DOUBLE_EQ(c.w_cubic(c.k()), 100.0);
  EXPECT_NEAR(c.w_cubic(0), 70.0, 1e-9);
}

struct Sample {
  double t;     // seconds since the epoch started, at the end of the round
  double cwnd;  // segments
};

// A CUBIC flow after a loss at `w_max` segments, one round per `rtt`.
std::vector<Sample> cubic_trace(std::uint32_t w_max, Duration rtt, Duration length,
                                CongestionControl& cc) {
  [&] { ASSERT_NO_FATAL_FAILURE(grow_to(cc, w_max)); }();
  const Instant t0 = at(seconds{10});
  loss_and_recovery(cc, w_max, seg(w_max), t0);
  std::vector<Sample> trace;
  for (Instant now = t0; now < t0 + length;) {
    now = ack_round(cc, now, rtt);
    trace.push_back({to_seconds(now - t0), static_cast<double>(cc.cwnd()) / kSmss});
  }
  return trace;
}

TEST(Cubic, ConcaveToWmaxAtKThenConvex) {
  auto cc = make_congestion(Algorithm::cubic, kSmss);
  const auto trace = cubic_trace(1000, milliseconds{100}, seconds{16}, cc);
  const Cubic& c = *cc.cubic();
  const double k = std::cbrt(1000 * 0.3 / 0.4);  // 9.09 s
  ASSERT_NEAR(c.k(), k, 1e-9);
  // Growth per round: shrinking before K (concave), growing after (convex).
  const auto step = [&](double t) {
    for (std::size_t i = 1; i < trace.size(); ++i) {
      if (trace[i].t >= t) return trace[i].cwnd - trace[i - 1].cwnd;
    }
    return -1.0;
  };
  const auto cwnd_at = [&](double t) {
    for (const Sample& s : trace) {
      if (s.t >= t) return s.cwnd;
    }
    return -1.0;
  };
  EXPECT_GT(step(1), step(4));
  EXPECT_GT(step(4), step(7));
  EXPECT_GT(step(7), step(k));
  EXPECT_GT(step(k + 3), step(k));
  EXPECT_GT(step(k + 6), step(k + 3));
  EXPECT_LT(cwnd_at(k - 3), 1000.0);
  EXPECT_NEAR(cwnd_at(k), 1000.0, 10.0);  // W_cubic(K) = W_max
  EXPECT_GT(cwnd_at(k + 3), 1000.0);
  // And it follows eqn 1 along the way (one RTT ahead, bounded lag).
  for (const double t : {1.0, 4.0, k, k + 3, k + 6}) {
    EXPECT_NEAR(cwnd_at(t), c.w_cubic(t), 0.02 * c.w_cubic(t)) << "t=" << t;
  }
  // Not the Reno-friendly region: W_est grew far less.
  EXPECT_LT(c.w_est(), 800.0);
}

// RFC 9438 4.3: with a short RTT and a small W_max, Reno's linear growth
// outpaces the cubic curve, and cwnd follows W_est.
TEST(Cubic, RenoFriendlyRegionDominatesAtSmallRtt) {
  auto cc = make_congestion(Algorithm::cubic, kSmss);
  const auto trace = cubic_trace(10, milliseconds{1}, milliseconds{200}, cc);
  const Cubic& c = *cc.cubic();
  const double t = trace.back().t;
  const double cwnd = trace.back().cwnd;
  EXPECT_LT(c.w_cubic(t), 10.0);  // still below W_max on the curve (K = 1.96 s)
  EXPECT_GT(cwnd, 150.0);         // ~1 segment per 1 ms round
  EXPECT_NEAR(cwnd, c.w_est(), 1.0);
  // alpha_cubic = 3 * 0.3 / 1.7 until W_est reaches cwnd_prior = 10, then 1:
  // 7 -> 10 in ~6 rounds, then +1 per round for the remaining ~194.
  EXPECT_NEAR(cwnd, 200.0, 5.0);
}

// RFC 9438 4.7.
TEST(Cubic, FastConvergenceLowersWmaxOnLossBelowIt) {
  for (const bool fast : {true, false}) {
    CongestionControl cc(Cubic(kSmss, fast));
    ASSERT_NO_FATAL_FAILURE(grow_to(cc, 100));
    ASSERT_NO_FATAL_FAILURE(loss_and_recovery(cc, 100, seg(70), at(seconds{1})));
    EXPECT_DOUBLE_EQ(cc.cubic()->w_max(), 100.0);
    // Another loss at 70 segments, below W_max = 100.
    cc.enter_recovery(seg(70), at(seconds{2}));
    EXPECT_DOUBLE_EQ(cc.cubic()->w_max(), fast ? 70 * 1.7 / 2 : 70.0) << fast;
    EXPECT_EQ(cc.ssthresh(), seg(49));
  }
}

// RFC 9438 4.8: the first epoch after a timeout has K = 0, W_max = cwnd_epoch.
TEST(Cubic, EpochAfterTimeoutStartsAtKZero) {
  auto cc = make_congestion(Algorithm::cubic, kSmss);
  ASSERT_NO_FATAL_FAILURE(grow_to(cc, 100));
  cc.on_rto(seg(100), at(seconds{1}), Timeout::first);
  EXPECT_EQ(cc.cwnd(), seg(1));
  EXPECT_EQ(cc.ssthresh(), seg(70));
  Instant now = at(seconds{2});
  while (cc.in_slow_start()) cc.on_ack(kSmss, now, milliseconds{100});
  EXPECT_EQ(cc.cwnd(), seg(70));  // slow start stops at ssthresh
  cc.on_ack(kSmss, now, milliseconds{100});
  const Cubic& c = *cc.cubic();
  EXPECT_EQ(c.epoch_start(), now);
  EXPECT_EQ(c.k(), 0.0);
  EXPECT_DOUBLE_EQ(c.w_max(), 70.0);
  EXPECT_DOUBLE_EQ(c.cwnd_epoch(), 70.0);
  now = ack_round(cc, now, milliseconds{100});
  EXPECT_GE(cc.cwnd(), seg(70));  // convex from the start
}

TEST(Congestion, NamesAndStatePrint) {
  EXPECT_STREQ(to_string(Algorithm::newreno), "newreno");
  EXPECT_STREQ(to_string(Algorithm::cubic), "cubic");
  std::ostringstream os;
  os << make_congestion(Algorithm::cubic, 1460);
  EXPECT_EQ(os.str(), "cubic cwnd=14600 ssthresh=inf");
  auto cc = make_congestion(Algorithm::newreno, kSmss);
  cc.enter_recovery(seg(10), at(seconds{0}));
  std::ostringstream os2;
  os2 << cc;
  EXPECT_EQ(os2.str(), "newreno cwnd=8000 ssthresh=5000 recovery");
}

// Each name maps to its Algorithm and back, make_congestion() builds the
// class of that algorithm, and algorithm() reports it.
TEST(Congestion, EveryNameMapsToItsAlgorithmAndBack) {
  ASSERT_EQ(kAlgorithmNames.size(), 3u);
  for (const auto& [a, name] : kAlgorithmNames) {
    EXPECT_EQ(to_string(a), name);
    const auto parsed = parse_algorithm(name);
    ASSERT_TRUE(parsed) << name;
    EXPECT_EQ(*parsed, a);
    const auto cc = make_congestion(a, kSmss);
    EXPECT_EQ(cc.algorithm(), a) << name;
    EXPECT_EQ(algorithm_of(cc.variant()), a) << name;
  }
  EXPECT_TRUE(std::holds_alternative<NewReno>(make_congestion(Algorithm::newreno, kSmss).variant()));
  EXPECT_TRUE(std::holds_alternative<Cubic>(make_congestion(Algorithm::cubic, kSmss).variant()));
  EXPECT_TRUE(std::holds_alternative<Bbr>(make_congestion(Algorithm::bbr, kSmss).variant()));
  EXPECT_EQ(known_algorithms(), "newreno, cubic, bbr");
}

// algorithm() asks the alternative, not its position in the variant: the
// rule it replaced (index 0 = newreno, anything else = cubic) answers "cubic"
// for NewReno in second place and for any third algorithm.
struct ThirdAlgorithm : detail::WindowCore {
  using WindowCore::WindowCore;
  static constexpr Algorithm algorithm() { return static_cast<Algorithm>(7); }
};
TEST(Congestion, AlgorithmFollowsTheAlternativeNotItsIndex) {
  std::variant<Cubic, NewReno> swapped = NewReno(kSmss);
  EXPECT_EQ(algorithm_of(swapped), Algorithm::newreno);
  swapped = Cubic(kSmss);
  EXPECT_EQ(algorithm_of(swapped), Algorithm::cubic);
  std::variant<NewReno, Cubic, ThirdAlgorithm> three = ThirdAlgorithm(kSmss);
  EXPECT_EQ(algorithm_of(three), static_cast<Algorithm>(7));
  three = NewReno(kSmss);
  EXPECT_EQ(algorithm_of(three), Algorithm::newreno);
  three = Cubic(kSmss);
  EXPECT_EQ(algorithm_of(three), Algorithm::cubic);
  EXPECT_STREQ(to_string(static_cast<Algorithm>(7)), "unknown");
}

TEST(Congestion, UnknownNameIsAnErrorListingTheKnownOnes) {
  for (const char* bad : {"vegas", "BBR", "Cubic", "reno", "", "cubic "}) {
    const auto r = parse_algorithm(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), "unknown congestion control '" + std::string(bad) + "' (known: newreno, cubic, bbr)");
  }
}

// Pacing: none unless asked for; asked for, Linux's default rate
// (tcp_update_pacing_rate): 200 % of cwnd / SRTT while cwnd < ssthresh / 2,
// then 120 %.
TEST(Congestion, PacingRateIsOffByDefaultAndLinuxsDefaultWhenAsked) {
  for (const Algorithm a : kBoth) {
    const auto plain = make_congestion(a, kSmss);
    EXPECT_EQ(plain.pacing_rate(milliseconds{10}), 0u) << a;
    auto cc = make_congestion(a, kSmss, CongestionOptions{.pacing = true});
    EXPECT_EQ(cc.pacing_rate(std::nullopt), 0u) << a;  // no RTT sample yet: no pacing
    // Slow start, ssthresh infinite: 2 * 10,000 B / 10 ms = 2,000,000 B/s.
    EXPECT_EQ(cc.pacing_rate(milliseconds{10}), 2'000'000u) << a;
    // After a loss at 20 segments: ssthresh 10 (NewReno) / 14 (CUBIC), cwnd
    // at or above ssthresh / 2: 120 %.
    grow_to(cc, 20);
    cc.enter_recovery(seg(20), at(seconds{1}));
    cc.on_recovery_exit(seg(20));
    const std::uint64_t cwnd = cc.cwnd();
    EXPECT_EQ(cc.pacing_rate(milliseconds{10}), cwnd * 120) << a;  // cwnd * 1.2 / 0.01 s
    EXPECT_EQ(cc.pacing_rate(milliseconds{100}), cwnd * 12) << a;
  }
}

TEST(Congestion, DefaultIsNewRenoUntilTheSmssIsKnown) {
  CongestionControl cc;
  EXPECT_EQ(cc.algorithm(), Algorithm::newreno);
  EXPECT_EQ(cc.smss(), 536u);
  EXPECT_EQ(cc.cwnd(), 5360u);
  cc = make_congestion(Algorithm::cubic, 1460);  // after the handshake
  EXPECT_EQ(cc.algorithm(), Algorithm::cubic);
  EXPECT_EQ(cc.cwnd(), 14600u);
}

TEST(Congestion, ControlBlockStaysSmall) {
  // Lives in every connection's control block (issue [3/6]: ~350 bytes
  // total; issue [2/7]: 256 bytes of heap per idle endpoint). CUBIC's epoch
  // and BBR's model are on the heap: 40 bytes, not 88.
  if constexpr (sizeof(void*) == 8) {
    EXPECT_LE(sizeof(CongestionControl), 40u);
  }
  EXPECT_EQ(make_congestion(Algorithm::newreno, kSmss).cubic(), nullptr);
  EXPECT_NE(make_congestion(Algorithm::cubic, kSmss).cubic(), nullptr);
  EXPECT_NE(make_congestion(Algorithm::newreno, kSmss).newreno(), nullptr);
}

}  // namespace
}  // namespace wirestack::tcp
