#include "tcp/rtt.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

namespace wirestack::tcp {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(RttEstimator, InitialRtoIsOneSecond) {
  const RttEstimator est;
  EXPECT_EQ(est.rto(), seconds{1});  // RFC 6298 2.1
  EXPECT_FALSE(est.has_sample());
  EXPECT_FALSE(est.srtt());
  EXPECT_FALSE(est.rttvar());
  EXPECT_EQ(est.backoff_count(), 0u);
}

// Worked by hand from RFC 6298 2.2 / 2.3 (alpha 1/8, beta 1/4, K 4, G 1 ms):
//   R=100: SRTT 100, RTTVAR 50,                          RTO 100 + 200 = 300
//   R=200: RTTVAR 50 + (100-50)/4 = 62.5, SRTT 100 + 100/8 = 112.5, RTO 362.5
//   R=80:  RTTVAR 62.5 + (32.5-62.5)/4 = 55, SRTT 112.5 - 32.5/8 = 108.4375,
//          RTO 108.4375 + 220 = 328.4375 (ms)
TEST(RttEstimator, FollowsRfc6298ByHand) {
  RttEstimator est;
  est.on_sample(milliseconds{100});
  EXPECT_EQ(*est.srtt(), milliseconds{100});
  EXPECT_EQ(*est.rttvar(), milliseconds{50});
  EXPECT_EQ(est.rto(), milliseconds{300});

  est.on_sample(milliseconds{200});
  EXPECT_EQ(*est.rttvar(), microseconds{62'500});
  EXPECT_EQ(*est.srtt(), microseconds{112'500});
  EXPECT_EQ(est.rto(), microseconds{362'500});

  est.on_sample(milliseconds{80});
  EXPECT_EQ(*est.rttvar(), milliseconds{55});
  EXPECT_EQ(*est.srtt(), nanoseconds{108'437'500});
  EXPECT_EQ(est.rto(), nanoseconds{328'437'500});
}

TEST(RttEstimator, GranularityBoundsTheVarianceTerm) {
  RttEstimator est({.min_rto = nanoseconds{1}, .granularity = milliseconds{1}});
  est.on_sample(milliseconds{4});  // RTTVAR 2 ms: RTO 4 + 8
  EXPECT_EQ(est.rto(), milliseconds{12});
  // Identical samples shrink RTTVAR by 3/4 each: after 9 more, 4*RTTVAR < G.
  for (int i = 0; i < 9; ++i) est.on_sample(milliseconds{4});
  EXPECT_LT(4 * *est.rttvar(), milliseconds{1});
  EXPECT_EQ(est.rto(), milliseconds{5});  // SRTT + G
}

TEST(RttEstimator, ClampsToMinAndMax) {
  RttEstimator est;
  est.on_sample(milliseconds{10});  // 10 + 20 = 30 ms
  EXPECT_EQ(est.rto(), milliseconds{200});
  RttEstimator rfc_min({.min_rto = seconds{1}});  // the RFC's own minimum
  rfc_min.on_sample(milliseconds{10});
  EXPECT_EQ(rfc_min.rto(), seconds{1});
  RttEstimator slow;
  slow.on_sample(seconds{60});  // 60 + 120 = 180 s
  EXPECT_EQ(slow.rto(), seconds{120});
}

TEST(RttEstimator, BackoffDoublesUpToMaxAndASampleEndsIt) {
  RttEstimator est;
  const Duration expected[] = {seconds{2}, seconds{4}, seconds{8}, seconds{16}, seconds{32},
                               seconds{64}, seconds{120}, seconds{120}};
  std::uint32_t n = 0;
  for (const Duration d : expected) {
    est.backoff();
    EXPECT_EQ(est.backoff_count(), ++n);
    EXPECT_EQ(est.rto(), d) << "after " << n << " back-offs";
  }
  for (int i = 0; i < 100; ++i) est.backoff();  // no overflow however long
  EXPECT_EQ(est.rto(), seconds{120});
  EXPECT_EQ(est.base_rto(), seconds{1});

  est.on_sample(milliseconds{100});
  EXPECT_EQ(est.backoff_count(), 0u);
  EXPECT_EQ(est.rto(), milliseconds{300});
}

TEST(RttEstimator, ResetBackoffKeepsEstimates) {
  RttEstimator est;
  est.on_sample(milliseconds{100});
  est.backoff();
  EXPECT_EQ(est.rto(), milliseconds{600});
  est.reset_backoff();
  EXPECT_EQ(est.rto(), milliseconds{300});
}

TEST(RttEstimator, NegativeSampleIgnored) {
  RttEstimator est;
  est.on_sample(milliseconds{-5});
  EXPECT_FALSE(est.has_sample());
  EXPECT_EQ(est.rto(), seconds{1});
}

TEST(RttEstimator, SynTimeoutRaisesRtoToThreeSeconds) {
  RttEstimator est;
  est.backoff();  // the SYN timed out once
  EXPECT_EQ(est.rto(), seconds{2});
  est.on_handshake_after_syn_timeout();  // RFC 6298 5.7
  EXPECT_EQ(est.backoff_count(), 0u);
  EXPECT_EQ(est.rto(), seconds{3});
  est.on_sample(milliseconds{100});  // data samples take over
  EXPECT_EQ(est.rto(), milliseconds{300});
}

// RFC 7323 Appendix G: alpha and beta divided by ExpectedSamples.
//   From SRTT 100, RTTVAR 50 and R=200 with 2 expected samples:
//   RTTVAR 50 + (100-50)/8 = 56.25, SRTT 100 + 100/16 = 106.25.
TEST(RttEstimator, TimestampSamplesUseScaledWeights) {
  RttEstimator est;
  est.on_timestamp_sample(milliseconds{100}, 4);  // a first sample is a first sample
  EXPECT_EQ(*est.srtt(), milliseconds{100});
  EXPECT_EQ(*est.rttvar(), milliseconds{50});
  est.on_timestamp_sample(milliseconds{200}, 2);
  EXPECT_EQ(*est.rttvar(), microseconds{56'250});
  EXPECT_EQ(*est.srtt(), microseconds{106'250});

  RttEstimator one, plain;
  for (RttEstimator* e : {&one, &plain}) e->on_sample(milliseconds{100});
  one.on_timestamp_sample(milliseconds{200}, 1);
  plain.on_sample(milliseconds{200});
  EXPECT_EQ(one.srtt(), plain.srtt());
  EXPECT_EQ(one.rttvar(), plain.rttvar());
  one.on_timestamp_sample(milliseconds{200}, 0);  // 0 is taken as 1
  plain.on_sample(milliseconds{200});
  EXPECT_EQ(one.srtt(), plain.srtt());
}

TEST(RttEstimator, Prints) {
  RttEstimator est;
  std::ostringstream before;
  before << est;
  EXPECT_EQ(before.str(), "srtt=- rttvar=- rto=1000000us backoff=0");
  est.on_sample(milliseconds{100});
  est.backoff();
  std::ostringstream after;
  after << est;
  EXPECT_EQ(after.str(), "srtt=100000us rttvar=50000us rto=600000us backoff=1");
}

TEST(RttTimer, MeasuresOneSegmentAtATime) {
  RttTimer timer;
  const Instant t0 = at(seconds{10});
  EXPECT_FALSE(timer.running());
  EXPECT_TRUE(timer.start(SeqNum{1000}, t0));
  EXPECT_FALSE(timer.start(SeqNum{2000}, t0 + milliseconds{1}));  // already timing
  EXPECT_FALSE(timer.on_ack(SeqNum{999}, t0 + milliseconds{40}));  // does not cover it
  EXPECT_TRUE(timer.running());
  EXPECT_EQ(timer.on_ack(SeqNum{1500}, t0 + milliseconds{50}), milliseconds{50});
  EXPECT_FALSE(timer.running());
  EXPECT_FALSE(timer.on_ack(SeqNum{1500}, t0 + milliseconds{60}));  // measured once
}

TEST(RttTimer, CoversAcrossTheWrap) {
  RttTimer timer;
  EXPECT_TRUE(timer.start(SeqNum{0xffff'fff0u} + 0x20, at(seconds{0})));  // ends at 0x10
  EXPECT_FALSE(timer.on_ack(SeqNum{0xffff'fff8u}, at(milliseconds{5})));
  EXPECT_EQ(timer.on_ack(SeqNum{0x10}, at(milliseconds{7})), milliseconds{7});
}

// Karn: an ACK after a retransmission is ambiguous, and the backed-off RTO
// stays until a segment sent after it is acknowledged.
TEST(RttTimer, KarnDropsTheSampleAfterRetransmission) {
  RttEstimator est;
  est.on_sample(milliseconds{100});
  RttTimer timer;
  const Instant t0 = at(seconds{1});
  ASSERT_TRUE(timer.start(SeqNum{100}, t0));
  // RTO fires: retransmit, back off.
  timer.on_retransmit();
  est.backoff();
  EXPECT_FALSE(timer.running());
  EXPECT_FALSE(timer.on_ack(SeqNum{100}, t0 + milliseconds{700}));  // no sample
  EXPECT_EQ(est.rto(), milliseconds{600});  // still backed off
  // New data sent after the retransmission gives a clean sample.
  ASSERT_TRUE(timer.start(SeqNum{200}, t0 + milliseconds{700}));
  const auto r = timer.on_ack(SeqNum{200}, t0 + milliseconds{800});
  ASSERT_TRUE(r);
  est.on_sample(*r);
  EXPECT_EQ(est.backoff_count(), 0u);
  EXPECT_EQ(est.rto(), milliseconds{250});  // SRTT 100, RTTVAR 50 - 50/4 = 37.5
}

TEST(RttFromTimestamps, TicksAndWrap) {
  static_assert(*rtt_from_timestamps(1005, 1000, milliseconds{1}) == milliseconds{5});
  EXPECT_EQ(rtt_from_timestamps(5, 0xffff'fffeu, milliseconds{1}), milliseconds{7});
  EXPECT_EQ(rtt_from_timestamps(7, 7, microseconds{10}), Duration::zero());
  EXPECT_FALSE(rtt_from_timestamps(1000, 1005, milliseconds{1}));  // echo from the future
}

// MinRTT for the delivery rate filter: the smallest RTT noted, whole
// microseconds, unaffected by on_sample(); stored in the class's padding.
TEST(RttEstimator, MinRttKeepsTheSmallestNoted) {
  RttEstimator est;
  EXPECT_FALSE(est.min_rtt());
  est.on_sample(std::chrono::milliseconds{3});
  EXPECT_FALSE(est.min_rtt());
  est.note_min_rtt(std::chrono::microseconds{1500});
  est.note_min_rtt(std::chrono::microseconds{2500});
  EXPECT_EQ(est.min_rtt(), std::chrono::microseconds{1500});
  est.note_min_rtt(std::chrono::nanoseconds{999'999});
  EXPECT_EQ(est.min_rtt(), std::chrono::microseconds{999});
  est.note_min_rtt(std::chrono::nanoseconds{-5});  // ignored
  EXPECT_EQ(est.min_rtt(), std::chrono::microseconds{999});
  EXPECT_EQ(est.srtt(), std::chrono::milliseconds{3});
  if constexpr (sizeof(void*) == 8) {
    EXPECT_EQ(sizeof(RttEstimator), 48u);
  }
}

}  // namespace
}  // namespace wirestack::tcp
