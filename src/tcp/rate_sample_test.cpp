// tcp/rate_sample_test.cpp — the delivery rate estimator on its own
// (draft-cheng-iccrg-delivery-rate-estimation-02), on scripted sends and ACKs
// with exact numbers: a steady pipe of 1000-byte segments, one a
// millisecond, each ACKed 10 ms after it left (1,000,000 B/s), then a loss
// with SACKed bytes and a retransmission, an application-limited pause,
// partial ACKs, splits, the record bound and the MinRTT filter.
#include "tcp/rate_sample.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

namespace wirestack::tcp {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kSeg = 1000;
constexpr std::uint32_t kBase = 5000;  // sequence number of segment 0

SeqNum seq(std::uint32_t k) { return SeqNum(kBase + k * kSeg); }
Instant ms(std::int64_t t) { return at(std::chrono::milliseconds{t}); }

// The estimator and a sender's view: what is outstanding.
struct Flow {
  RateEstimator est;
  std::uint32_t una = 0;  // segments cumulatively ACKed
  std::uint32_t max = 0;  // segments sent
  std::vector<RateSample> samples;

  void send(std::uint32_t k, Instant t) {
    est.on_send(seq(k), seq(k + 1), una == max, t);
    if (k + 1 > max) max = k + 1;
  }
  // An ACK up to segment `cum` (exclusive) with SACK blocks in segments.
  std::optional<RateSample> ack(std::uint32_t cum, Instant t,
                                std::vector<std::pair<std::uint32_t, std::uint32_t>> sacks = {},
                                std::optional<Duration> min_rtt = std::nullopt) {
    const std::uint32_t in_flight = (max - una) * kSeg;
    est.on_cumulative_ack(seq(cum), t);
    for (const auto& [l, r] : sacks) est.on_sack(seq(l), seq(r), t);
    if (cum > una) una = cum;
    auto rs = est.generate(t, min_rtt, in_flight);
    if (rs) samples.push_back(*rs);
    return rs;
  }
};

void expect_rate(const std::optional<RateSample>& rs, std::uint64_t delivered, Duration interval,
                 std::uint64_t rate) {
  ASSERT_TRUE(rs.has_value());
  EXPECT_EQ(rs->delivered, delivered);
  EXPECT_EQ(rs->interval, interval);
  EXPECT_EQ(rs->delivery_rate, rate);
  EXPECT_TRUE(rs->valid());
}

// The pipe's first RTT: ten segments leave (t = 0..9 ms) before the first ACK
// (t = 10 ms). Each is app-limited (an estimator starts so) and measures
// from t = 0: delivered (k + 1) * 1000 over max(send k ms, ACK k + 10 ms).
TEST(RateEstimator, FirstFlightMeasuresFromTheStartAndIsAppLimited) {
  Flow f;
  for (std::uint32_t k = 0; k < 10; ++k) f.send(k, ms(k));
  for (std::uint32_t k = 0; k < 10; ++k) {
    const auto rs = f.ack(k + 1, ms(k + 10));
    expect_rate(rs, (k + 1) * kSeg, std::chrono::milliseconds{k + 10}, (k + 1) * kSeg * 1000 / (k + 10));
    EXPECT_EQ(rs->send_elapsed, std::chrono::milliseconds{k});
    EXPECT_EQ(rs->ack_elapsed, std::chrono::milliseconds{k + 10});
    EXPECT_EQ(rs->rtt, 10ms);
    EXPECT_EQ(rs->acked_sacked, kSeg);
    EXPECT_EQ(rs->prior_in_flight, (10 - k) * kSeg);
    EXPECT_TRUE(rs->is_app_limited);
    EXPECT_FALSE(rs->is_retransmission);
  }
  EXPECT_EQ(f.samples[0].delivery_rate, 100'000u);  // 1000 B in 10 ms
  EXPECT_EQ(f.samples[9].delivery_rate, 526'315u);  // 10,000 B in 19 ms
  EXPECT_EQ(f.est.delivered(), 10u * kSeg);
  EXPECT_FALSE(f.est.app_limited());  // the bubble was delivered
}

// Steady state: every sample is 10,000 B over 10 ms, whose send and ACK
// phases are both one RTT: exactly the 1,000,000 B/s the sender keeps up.
TEST(RateEstimator, SteadyPipeMeasuresItsRate) {
  Flow f;
  for (std::uint32_t t = 0; t < 40; ++t) {
    if (t >= 10) {
      const auto rs = f.ack(t - 9, ms(t));
      if (t >= 20) {
        expect_rate(rs, 10 * kSeg, 10ms, 1'000'000);
        EXPECT_EQ(rs->send_elapsed, 10ms);
        EXPECT_EQ(rs->ack_elapsed, 10ms);
        EXPECT_EQ(rs->prior_delivered, (t - 19) * kSeg);
        EXPECT_FALSE(rs->is_app_limited);
      }
    }
    f.send(t, ms(t));
  }
  EXPECT_EQ(f.samples.size(), 30u);
  EXPECT_EQ(f.est.records(), 10u);  // one per segment in flight
}

// Segment 20 is lost: segments 21.. are SACKed (delivered all the same),
// segment 20 is retransmitted at 33 ms and its ACK at 43 ms covers the
// SACKed ones without counting them twice.
TEST(RateEstimator, SackedBytesCountOnceAndARetransmissionIsTheReference) {
  Flow f;
  std::uint32_t sacked_to = 0;  // SACK block [21, sacked_to)
  for (std::uint32_t t = 0; t <= 43; ++t) {
    if (t >= 10 && t <= 29) f.ack(t - 9, ms(t));
    if (t >= 31 && t <= 42) {
      sacked_to = t - 9;  // segment t - 10 arrives above the hole
      const auto rs = f.ack(20, ms(t), {{21, sacked_to}});
      // Sent at k = t - 10: 21..29 left while segment 20's ACK was due, so
      // 9,000 B over 10 ms; segment 30 saw no ACK at 30 ms (11 ms, 10,000 B);
      // from 31 on the pipe is full again.
      const std::uint32_t k = t - 10;
      if (k <= 29) {
        expect_rate(rs, 9 * kSeg, 10ms, 900'000);
      } else if (k == 30) {
        expect_rate(rs, 10 * kSeg, 11ms, 909'090);
      } else {
        expect_rate(rs, 10 * kSeg, 10ms, 1'000'000);
      }
      EXPECT_EQ(rs->acked_sacked, kSeg);
    }
    if (t == 33) f.send(20, ms(t));  // the retransmission, before new data
    if (t <= 33 && t != 20) f.send(t, ms(t));
    if (t == 20) f.max = 21;  // segment 20 leaves and is lost
  }
  // 43 ms: the retransmission's ACK: cumulative to 33 (segments 21..32 were
  // SACKed: only segment 20's 1000 bytes are new). Its reference is the
  // retransmission (sent at 33 with C.delivered = 23,000 and C.first_sent_time
  // = 23 ms): 10,000 B over 10 ms, no RTT (Karn).
  const auto rs = f.ack(33, ms(43));
  expect_rate(rs, 10 * kSeg, 10ms, 1'000'000);
  EXPECT_EQ(rs->acked_sacked, kSeg);
  EXPECT_TRUE(rs->is_retransmission);
  EXPECT_FALSE(rs->rtt.has_value());
  EXPECT_EQ(rs->prior_delivered, 23u * kSeg);
  // The same instant, segment 33's ACK: it left at 33 ms after the
  // retransmission, with C.delivered = 23,000: 11,000 B over 10 ms.
  const auto next = f.ack(34, ms(43));
  expect_rate(next, 11 * kSeg, 10ms, 1'100'000);
  EXPECT_FALSE(next->is_retransmission);
  EXPECT_EQ(f.est.delivered(), 34u * kSeg);
  EXPECT_EQ(f.est.records(), 0u);
}

// The application pauses: segments 0..49 leave at 0..49 ms, then nothing is
// left to send until 55 ms (segment n leaves at n + 5 ms). At 50 ms, with 9
// segments in flight, 3.4 marks the bubble: C.app_limited = 41,000 + 9,000.
// Segments sent until C.delivered passes it (at 65 ms) are app-limited, and
// their samples show the slower rate and say so.
TEST(RateEstimator, AppLimitedPhaseMarksItsSamples) {
  Flow f;
  std::vector<Instant> sent_at;
  std::vector<std::optional<RateSample>> by_ms(80);
  for (std::uint32_t t = 0; t < 80; ++t) {
    while (f.una < sent_at.size() && sent_at[f.una] + 10ms == ms(t)) by_ms[t] = f.ack(f.una + 1, ms(t));
    if (t == 50) {
      EXPECT_EQ(f.est.delivered(), 41u * kSeg);
      f.est.mark_app_limited((f.max - f.una) * kSeg);
      EXPECT_TRUE(f.est.app_limited());
    }
    if (t < 50 || t >= 55) {
      f.send(static_cast<std::uint32_t>(sent_at.size()), ms(t));
      sent_at.push_back(ms(t));
    }
  }
  for (std::uint32_t t = 20; t < 60; ++t) {  // segments 10..49: the full pipe
    expect_rate(by_ms[t], 10 * kSeg, 10ms, 1'000'000);
    EXPECT_FALSE(by_ms[t]->is_app_limited);
  }
  for (std::uint32_t t = 60; t < 65; ++t) EXPECT_FALSE(by_ms[t]) << t;  // the pause, an RTT later
  // Segment 50, sent at 55 ms (C.delivered 46,000, C.first_sent_time 45 ms):
  // 5,000 B over 10 ms.
  expect_rate(by_ms[65], 5 * kSeg, 10ms, 500'000);
  EXPECT_TRUE(by_ms[65]->is_app_limited);
  EXPECT_FALSE(f.est.app_limited());  // 51,000 > 50,000: the bubble is gone
  // Segment 55, sent at 60 ms, after the last ACK of the old flight (59 ms):
  // 6,000 B over 11 ms; segment 59: 10,000 B over 15 ms.
  expect_rate(by_ms[70], 6 * kSeg, 11ms, 545'454);
  EXPECT_TRUE(by_ms[70]->is_app_limited);
  expect_rate(by_ms[74], 10 * kSeg, 15ms, 666'666);
  EXPECT_TRUE(by_ms[74]->is_app_limited);
  // Segment 60 left at 65 ms, after the bubble: the full rate again.
  expect_rate(by_ms[75], 10 * kSeg, 10ms, 1'000'000);
  EXPECT_FALSE(by_ms[75]->is_app_limited);
}

// A cumulative ACK inside a segment delivers its part; a SACK block inside a
// segment splits its record; each byte counts once.
TEST(RateEstimator, PartialAcksAndSacksSplitRecords) {
  RateEstimator est;
  est.on_send(SeqNum(100), SeqNum(1100), true, ms(0));
  est.on_send(SeqNum(1100), SeqNum(2100), false, ms(1));
  EXPECT_EQ(est.records(), 2u);
  est.on_cumulative_ack(SeqNum(600), ms(10));
  auto rs = est.generate(ms(10), std::nullopt, 2000);
  ASSERT_TRUE(rs);
  EXPECT_EQ(rs->acked_sacked, 500u);
  EXPECT_EQ(est.delivered(), 500u);
  EXPECT_EQ(est.records(), 2u);  // the first keeps its record, shortened
  // SACK [1600, 1900): the second record splits in three.
  est.on_sack(SeqNum(1600), SeqNum(1900), ms(11));
  rs = est.generate(ms(11), std::nullopt, 1500);
  ASSERT_TRUE(rs);
  EXPECT_EQ(rs->acked_sacked, 300u);
  EXPECT_EQ(est.records(), 4u);
  // The same block again (a duplicate ACK) delivers nothing new.
  est.on_sack(SeqNum(1600), SeqNum(1900), ms(12));
  EXPECT_FALSE(est.generate(ms(12), std::nullopt, 1200));
  // Everything: 1500 + 300 - 300 = 1200 more (the SACKed 300 not again).
  est.on_cumulative_ack(SeqNum(2100), ms(13));
  rs = est.generate(ms(13), std::nullopt, 1200);
  ASSERT_TRUE(rs);
  EXPECT_EQ(rs->acked_sacked, 1200u);
  EXPECT_EQ(est.delivered(), 2000u);
  EXPECT_EQ(est.records(), 0u);
}

// A retransmission of part of a record splits it; a retransmission that
// straddles the highest sequence number sent is part old, part new.
TEST(RateEstimator, RetransmissionsSplitAndRefreshRecords) {
  RateEstimator est;
  est.on_send(SeqNum(0), SeqNum(3000), true, ms(0));
  est.on_send(SeqNum(1000), SeqNum(4000), false, ms(5));  // [1000, 3000) again, [3000, 4000) new
  EXPECT_EQ(est.records(), 3u);
  est.on_cumulative_ack(SeqNum(1000), ms(10));
  auto rs = est.generate(ms(10), std::nullopt, 4000);
  ASSERT_TRUE(rs);
  EXPECT_FALSE(rs->is_retransmission);
  EXPECT_EQ(rs->rtt, 10ms);
  est.on_cumulative_ack(SeqNum(3000), ms(15));
  rs = est.generate(ms(15), std::nullopt, 3000);
  ASSERT_TRUE(rs);
  EXPECT_TRUE(rs->is_retransmission);
  EXPECT_FALSE(rs->rtt);
  EXPECT_EQ(rs->acked_sacked, 2000u);
  // Since it left at 5 ms (C.delivered was 0): the 1000 B ACKed at 10 ms too.
  EXPECT_EQ(rs->delivered, 3000u);
  EXPECT_EQ(rs->send_elapsed, 5ms);  // C.first_sent_time was still 0 ms
  EXPECT_EQ(rs->ack_elapsed, 15ms);
}

// C.delivered is 64 bits while records keep its low 32: samples are exact
// across 2^32 delivered bytes.
TEST(RateEstimator, DeliveredIsExactAcrossTwoToThe32) {
  const std::uint64_t start = 0xffff'fc00u;  // 1 KiB below 2^32
  RateEstimator est(start);
  est.on_send(SeqNum(0), SeqNum(1000), true, ms(0));
  est.on_send(SeqNum(1000), SeqNum(2000), false, ms(1));
  est.on_cumulative_ack(SeqNum(1000), ms(10));
  ASSERT_TRUE(est.generate(ms(10), std::nullopt, 2000));
  est.on_send(SeqNum(2000), SeqNum(3000), false, ms(10));
  est.on_cumulative_ack(SeqNum(3000), ms(20));
  const auto rs = est.generate(ms(20), std::nullopt, 2000);
  ASSERT_TRUE(rs);
  EXPECT_EQ(est.delivered(), start + 3000);
  EXPECT_EQ(rs->prior_delivered, start + 1000);  // segment [2000, 3000) left at 10 ms
  EXPECT_EQ(rs->delivered, 2000u);
}

// Beyond max_records a new transmission extends the last record.
TEST(RateEstimator, RecordsAreBounded) {
  RateEstimator est(0, 4);
  for (std::uint32_t k = 0; k < 10; ++k) est.on_send(SeqNum(k * 100), SeqNum(k * 100 + 100), k == 0, ms(k));
  EXPECT_EQ(est.records(), 4u);
  est.on_cumulative_ack(SeqNum(1000), ms(20));
  const auto rs = est.generate(ms(20), std::nullopt, 1000);
  ASSERT_TRUE(rs);
  EXPECT_EQ(rs->acked_sacked, 1000u);
  EXPECT_EQ(rs->rtt, 11ms);  // the last record took the last transmission's time (9 ms)
}

// "if (rs.interval < MinRTT) ... return false": a sample shorter than the
// path's minimum RTT is kept but not valid (its own RTT is a floor too, so
// only a retransmission, which has none, meets a larger MinRTT here).
TEST(RateEstimator, IntervalBelowMinRttIsNotValid) {
  Flow f;
  for (std::uint32_t t = 0; t < 30; ++t) {
    if (t >= 10) f.ack(t - 9, ms(t));
    f.send(t, ms(t));
  }
  const auto ok = f.ack(21, ms(30), {}, 10ms);
  expect_rate(ok, 10 * kSeg, 10ms, 1'000'000);
  f.send(21, ms(30));  // retransmitted (spuriously): the reference of the next ACK, no RTT
  const auto rs = f.ack(22, ms(31), {}, 50ms);
  ASSERT_TRUE(rs);
  EXPECT_TRUE(rs->is_retransmission);
  EXPECT_FALSE(rs->valid());
  EXPECT_EQ(rs->delivery_rate, 0u);
  EXPECT_EQ(rs->interval, Duration::zero());
  EXPECT_EQ(rs->acked_sacked, kSeg);
}

}  // namespace
}  // namespace wirestack::tcp
