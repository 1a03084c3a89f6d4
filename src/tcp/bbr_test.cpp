// BBR v1 (tcp/bbr.cpp) driven by the delivery rate samples of a modelled
// path: a 100 Mbit/s bottleneck with a 10 ms round-trip propagation time
// (BDP 125,000 bytes) and a queue in front of it. Each call of round_trip()
// is one round trip: the sender puts what its pacing rate and window allow
// into the path, the bottleneck passes at most its rate, the rest queues
// (and raises the RTT), and the ACKs come back as eight rate samples.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>
#include <vector>

#include "tcp/congestion.hpp"
#include "tcp/rate_sample.hpp"

namespace wirestack::tcp {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kSmss = 1448;
constexpr double kBw = 12.5e6;          // bytes per second: 100 Mbit/s
constexpr double kRtProp = 0.010;       // seconds
constexpr double kBdp = kBw * kRtProp;  // 125,000 bytes

struct Path {
  double queue = 0;             // bytes waiting at the bottleneck
  std::uint64_t delivered = 0;  // C.delivered
  Instant now = at(0s);
  double last_rtt = kRtProp;
};

Duration seconds_to(double s) { return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s)); }

// One round trip; `app_limit` (bytes per second, 0 = none) caps what the
// application offers, and marks the samples application-limited.
void round_trip(Bbr& b, Path& p, double app_limit = 0) {
  const double rtt = kRtProp + p.queue / kBw;
  const double paced = static_cast<double>(b.pacing_rate(seconds_to(p.last_rtt)));
  double send_rate = std::min(paced, static_cast<double>(b.cwnd()) / rtt);
  if (app_limit > 0) send_rate = std::min(send_rate, app_limit);
  const double delivery_rate = std::min(send_rate, kBw);
  p.queue = std::max(0.0, p.queue + (send_rate - kBw) * rtt);
  const double delivered = delivery_rate * rtt;
  const auto in_flight = static_cast<std::uint32_t>(std::min<double>(b.cwnd(), send_rate * rtt + p.queue));
  const std::uint64_t round_start = p.delivered;
  constexpr int kAcks = 8;
  for (int i = 0; i < kAcks; ++i) {
    RateSample rs;
    rs.acked_sacked = static_cast<std::uint32_t>(delivered / kAcks);
    rs.prior_delivered = round_start;  // each ACK covers data sent a round trip before
    p.delivered += rs.acked_sacked;
    rs.delivered = p.delivered - rs.prior_delivered;
    rs.interval = seconds_to(rtt);
    rs.delivery_rate = static_cast<std::uint64_t>(delivery_rate);
    rs.rtt = seconds_to(rtt);
    rs.prior_in_flight = in_flight;
    rs.is_app_limited = app_limit > 0;
    p.now += seconds_to(rtt / kAcks);
    b.on_rate_sample(rs, p.now);
  }
  p.last_rtt = rtt;
}

// From the first round trip to the end of DRAIN.
Bbr started(Path& p) {
  Bbr b(kSmss);
  for (int i = 0; i < 40 && b.mode() != Bbr::Mode::probe_bw; ++i) round_trip(b, p);
  return b;
}

TEST(Bbr, BeforeAnySampleItPacesAtHighGainOverTheRtt) {
  const Bbr b(kSmss);
  EXPECT_EQ(b.mode(), Bbr::Mode::startup);
  EXPECT_TRUE(b.in_slow_start());
  EXPECT_EQ(b.cwnd(), initial_window(kSmss));
  EXPECT_EQ(b.btl_bw(), 0u);
  EXPECT_FALSE(b.rt_prop());
  // 2.885 * 14,480 bytes / 10 ms; 1 ms without an SRTT.
  EXPECT_NEAR(static_cast<double>(b.pacing_rate(10ms)), 2.885 * 14480 / 0.010, 1.0);
  EXPECT_NEAR(static_cast<double>(b.pacing_rate(std::nullopt)), 2.885 * 14480 / 0.001, 1.0);
}

// STARTUP doubles the delivery rate each round trip (its gain, 2/ln2, is
// what it takes to double it with a window that grows by what is ACKed) until the
// bottleneck stops it; three round trips without 25 % growth and the pipe
// is full: DRAIN empties the queue STARTUP built, then PROBE_BW.
TEST(Bbr, StartupFindsTheBottleneckDrainsTheQueueThenProbes) {
  Bbr b(kSmss);
  Path p;
  std::vector<std::uint64_t> bw;
  int rounds_to_full = 0;
  while (!b.full_bw_reached() && rounds_to_full < 40) {
    round_trip(b, p);
    bw.push_back(b.btl_bw());
    ++rounds_to_full;
  }
  ASSERT_TRUE(b.full_bw_reached());
  EXPECT_EQ(b.mode(), Bbr::Mode::drain);
  // Growth each round trip while below the bottleneck, then flat at it.
  for (std::size_t i = 1; i < bw.size() && static_cast<double>(bw[i]) < 0.99 * kBw; ++i) EXPECT_GE(bw[i], bw[i - 1] * 199 / 100) << i;
  EXPECT_NEAR(static_cast<double>(b.btl_bw()), kBw, 0.01 * kBw);
  EXPECT_LE(rounds_to_full, 10);
  const double built = p.queue;
  EXPECT_GT(built, kBdp);  // STARTUP overshoots: that is what DRAIN is for
  EXPECT_NEAR(b.pacing_gain(), 1 / 2.885, 1e-9);
  int drain_rounds = 0;
  while (b.mode() == Bbr::Mode::drain && drain_rounds < 20) {
    round_trip(b, p);
    ++drain_rounds;
  }
  EXPECT_EQ(b.mode(), Bbr::Mode::probe_bw);
  EXPECT_LE(drain_rounds, 5);
  EXPECT_LT(p.queue, built / 4);
  ASSERT_TRUE(b.rt_prop());
  EXPECT_EQ(*b.rt_prop(), 10ms);
}

// PROBE_BW: the pacing gain cycles 1.25 (probe), 0.75 (drain what the probe
// queued), then six round trips at 1; the window settles at twice the BDP
// plus three segments; the bandwidth estimate stays at the bottleneck's and
// the queue stays under a quarter of the BDP (what one probe adds).
TEST(Bbr, ProbeBwCyclesItsGainsAndKeepsTheQueueSmall) {
  Path p;
  Bbr b = started(p);
  ASSERT_EQ(b.mode(), Bbr::Mode::probe_bw);
  for (int i = 0; i < 30; ++i) round_trip(b, p);
  std::vector<double> gains;
  double worst_queue = 0;
  for (int i = 0; i < 24; ++i) {
    gains.push_back(b.pacing_gain());
    round_trip(b, p);
    worst_queue = std::max(worst_queue, p.queue);
    EXPECT_NEAR(static_cast<double>(b.btl_bw()), kBw, 0.01 * kBw) << i;
  }
  const auto probe = std::find(gains.begin(), gains.end(), 1.25);
  ASSERT_NE(probe, gains.end());
  ASSERT_LT(probe + 1, gains.end());
  EXPECT_EQ(*(probe + 1), 0.75);
  EXPECT_EQ(std::count(gains.begin(), gains.end(), 1.25), 3);  // 24 round trips: three cycles of 8
  EXPECT_EQ(std::count(gains.begin(), gains.end(), 1.0), 18);
  EXPECT_LE(worst_queue, 0.25 * kBdp + kSmss);
  EXPECT_NEAR(static_cast<double>(b.cwnd()), 2 * kBdp + 3 * kSmss, 2.0);
  EXPECT_NEAR(b.cwnd_gain(), 2.0, 1e-9);
}

// RTprop not seen again for 10 s: PROBE_RTT holds the flight at 4 segments
// for 200 ms and a round trip, then the window is back and PROBE_BW goes on.
TEST(Bbr, TenSecondsWithoutANewRtPropMakeAProbeRtt) {
  Path p;
  Bbr b = started(p);
  const std::uint32_t cruising = b.cwnd();
  Instant entered{}, left{};
  std::uint32_t smallest = UINT32_MAX;
  const Instant stop = p.now + 11s;
  while (p.now < stop) {
    const Bbr::Mode before = b.mode();
    round_trip(b, p);
    if (b.mode() == Bbr::Mode::probe_rtt) smallest = std::min(smallest, b.cwnd());
    if (before != Bbr::Mode::probe_rtt && b.mode() == Bbr::Mode::probe_rtt) entered = p.now;
    if (before == Bbr::Mode::probe_rtt && b.mode() != Bbr::Mode::probe_rtt) left = p.now;
  }
  ASSERT_NE(entered, Instant{});
  ASSERT_NE(left, Instant{});
  EXPECT_GE(left - entered, 200ms);
  EXPECT_LE(left - entered, 260ms);
  EXPECT_EQ(smallest, 4 * kSmss);
  EXPECT_EQ(b.mode(), Bbr::Mode::probe_bw);
  EXPECT_GE(b.cwnd(), cruising * 9 / 10);
}

// The bandwidth filter: a higher sample counts at once; a lower one only
// when the higher has aged out of the last 10 round trips; a lower sample
// that was application-limited does not count at all.
TEST(Bbr, TheBandwidthFilterRemembersTenRoundTripsAndIgnoresAppLimitedLows) {
  Path p;
  Bbr b = started(p);
  for (int i = 0; i < 3; ++i) round_trip(b, p, kBw / 4);
  EXPECT_NEAR(static_cast<double>(b.btl_bw()), kBw, 0.01 * kBw);  // app-limited: ignored
  // The path halves (not application-limited): the estimate holds ten round
  // trips, then follows.
  Bbr b2 = started(p);
  std::vector<std::uint64_t> seen;
  for (int i = 0; i < 14; ++i) {
    RateSample rs;
    rs.acked_sacked = kSmss;
    rs.prior_delivered = p.delivered;
    p.delivered += 10 * kSmss;
    rs.delivered = 10 * kSmss;
    rs.interval = 10ms;
    rs.delivery_rate = static_cast<std::uint64_t>(kBw / 2);
    rs.rtt = 10ms;
    rs.prior_in_flight = 10 * kSmss;
    p.now += 10ms;
    b2.on_rate_sample(rs, p.now);
    seen.push_back(b2.btl_bw());
  }
  EXPECT_NEAR(static_cast<double>(seen[8]), kBw, 0.01 * kBw);
  EXPECT_EQ(seen.back(), static_cast<std::uint64_t>(kBw / 2));
}

// Loss is no congestion signal: fast recovery holds the window at what is
// in flight for a round trip (packet conservation) and gives the window
// back when it ends; an RTO leaves one segment; ECN marks change nothing.
TEST(Bbr, RecoveryConservesPacketsThenRestoresTheWindow) {
  Path p;
  Bbr b = started(p);
  for (int i = 0; i < 10; ++i) round_trip(b, p);
  const std::uint32_t before = b.cwnd();
  CongestionControl cc(b);
  cc.enter_sack_recovery(before, p.now);
  EXPECT_TRUE(cc.in_recovery());
  cc.set_recovery_cwnd(before / 2);  // the pipe after the losses were marked
  EXPECT_EQ(cc.cwnd(), before / 2);
  cc.on_recovery_exit(before / 2);
  EXPECT_FALSE(cc.in_recovery());
  EXPECT_EQ(cc.cwnd(), before);
  cc.on_ecn(before, p.now);
  EXPECT_EQ(cc.cwnd(), before);
  cc.on_rto(before, p.now, Timeout::first);
  EXPECT_EQ(cc.cwnd(), kSmss);
  std::ostringstream os;
  os << cc;
  EXPECT_EQ(os.str().substr(0, 4), "bbr ");
  EXPECT_NE(os.str().find(" PROBE_BW btlbw=12500000B/s"), std::string::npos) << os.str();
}

TEST(Bbr, ModesHaveTheirNames) {
  EXPECT_STREQ(to_string(Bbr::Mode::startup), "STARTUP");
  EXPECT_STREQ(to_string(Bbr::Mode::drain), "DRAIN");
  EXPECT_STREQ(to_string(Bbr::Mode::probe_bw), "PROBE_BW");
  EXPECT_STREQ(to_string(Bbr::Mode::probe_rtt), "PROBE_RTT");
}

}  // namespace
}  // namespace wirestack::tcp
