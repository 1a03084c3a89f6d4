// tcp/connection_buffers_test.cpp — buffer autotuning (connection_buffers.cpp;
// Linux tcp_rcv_space_adjust and tcp_sndbuf_expand): over an in-memory path
// whose bandwidth-delay product is larger than the first 64 KiB buffers, the
// receive buffer grows to the path and the transfer fills the link; fixed
// buffers, a path without window scaling and a reader that does not read
// keep the buffer where it started.
#include <gtest/gtest.h>

#include <cstdio>

#include "tcp/connection.hpp"
#include "tcp/connection_harness.hpp"
#include "tcp/lossy_pair.hpp"

namespace wirestack::tcp {
namespace {

using namespace std::chrono_literals;
using testing::LossyPair;
using testing::Outcome;
using testing::Path;

constexpr std::size_t kMiB = 1 << 20;
constexpr std::uint32_t kStart = 64 * 1024;  // ConnectionConfig's default first limit

// 1 Gbit/s, 1 ms each way: a 2 ms round trip holds 250 KB, four times the
// first window; a 4 MiB queue, as the simulated link.
Path long_fat_path(ConnectionConfig cfg) {
  return Path{.bits_per_second = 1'000'000'000, .delay = 1ms, .queue_bytes = 4 * kMiB, .config = cfg};
}

ConnectionConfig autotuned() {
  ConnectionConfig c;  // 64 KiB rings, ceilings 6 MiB / 4 MiB
  c.max_retries = 30;
  return c;
}

void print(const char* what, const Outcome& o, const LossyPair& p) {
  std::printf("[ buffers  ] %s: %s, %.1f Mbit/s, receive buffer %zu, send buffer %zu, %u retransmits\n", what,
              o.complete ? "complete" : "INCOMPLETE", o.goodput_bps / 1e6, p.server_->recv_buffer(),
              p.client_->send_buffer(), o.retransmits);
}

TEST(Autotuning, ReceiveBufferGrowsToThePathAndFillsTheLink) {
  LossyPair p(long_fat_path(autotuned()));
  const Outcome o = p.transfer(24 * kMiB, at(60s));
  print("autotuned", o, p);
  ASSERT_TRUE(o.complete);
  EXPECT_GT(o.goodput_bps, 800e6);
  // Grown well past the path's 250 KB, within Linux's tcp_rmem[2].
  EXPECT_GT(p.server_->recv_buffer(), 512u * 1024);
  EXPECT_LE(p.server_->recv_buffer(), 6u * kMiB);
  // The sender's ring followed its congestion window.
  EXPECT_GT(p.client_->send_buffer(), kStart);
  EXPECT_LE(p.client_->send_buffer(), 4u * kMiB);
}

TEST(Autotuning, TheReceiverTimesTheRoundTripFromTimestamps) {
  // Early in the transfer (slow start, the queue still short): the estimate
  // is the 2 ms path in our 1 ms timestamp clock, and the buffer has grown
  // past the first 64 KiB but not yet to its ceiling (once there, the state
  // is given up: nothing is left to tune).
  LossyPair p(long_fat_path(autotuned()));
  ASSERT_TRUE(p.transfer(2 * kMiB, at(60s)).complete);
  ASSERT_TRUE(p.server_->receiver_rtt().has_value());
  ASSERT_TRUE(p.client_->srtt().has_value());
  const Duration rx = *p.server_->receiver_rtt();
  const Duration tx = *p.client_->srtt();
  std::printf("[ buffers  ] receiver's RTT %.2f ms, sender's SRTT %.2f ms\n",
              std::chrono::duration<double, std::milli>(rx).count(), std::chrono::duration<double, std::milli>(tx).count());
  // The 2 ms path plus the queue slow start has built: both ends agree to
  // within our 1 ms timestamp clock and the delayed ACK's share.
  EXPECT_GE(rx, 2ms);
  EXPECT_LE(rx, tx + 2ms);
  EXPECT_GE(rx, tx / 2);
  EXPECT_GT(p.server_->recv_buffer(), kStart);
  EXPECT_LT(p.server_->recv_buffer(), 6u * kMiB);
}

TEST(Autotuning, FixedBuffersKeepTheWindowAtSixtyFourKilobytes) {
  // The same path with the buffers fixed (as SO_RCVBUF / SO_SNDBUF do):
  // one 64 KiB window per 2 ms round trip is at most 262 Mbit/s.
  LossyPair p(long_fat_path(Path::fixed_buffers(kStart)));
  const Outcome o = p.transfer(16 * kMiB, at(60s));
  print("fixed 64 KiB", o, p);
  ASSERT_TRUE(o.complete);
  EXPECT_LT(o.goodput_bps, 270e6);
  EXPECT_EQ(p.server_->recv_buffer(), kStart);
  EXPECT_EQ(p.client_->send_buffer(), kStart);
}

TEST(Autotuning, WithoutTimestampsTheWindowMethodMeasuresTheRoundTrip) {
  // No timestamps (and no SACK): the receiver times RCV.NXT crossing one
  // window (Linux tcp_rcv_rtt_measure), an upper bound of the round trip.
  Path path = long_fat_path(autotuned());
  path.sack = false;
  LossyPair p(path);
  const Outcome o = p.transfer(24 * kMiB, at(60s));
  print("no timestamps", o, p);
  ASSERT_TRUE(o.complete);
  EXPECT_GT(o.goodput_bps, 700e6);
  EXPECT_GT(p.server_->recv_buffer(), 512u * 1024);
  ASSERT_TRUE(p.server_->receiver_rtt().has_value());
  EXPECT_GE(*p.server_->receiver_rtt(), 2ms);
}

TEST(Autotuning, WithoutWindowScalingTheBufferStopsAtWhatAWindowCanSay) {
  ConnectionConfig c = autotuned();
  c.window_scale = 0;  // neither end offers it
  LossyPair p(long_fat_path(c));
  const Outcome o = p.transfer(16 * kMiB, at(60s));
  print("no window scaling", o, p);
  ASSERT_TRUE(o.complete);
  EXPECT_EQ(p.server_->recv_buffer(), kStart);  // not grown (65,535 is all a window can say)
  EXPECT_LT(o.goodput_bps, 270e6);
}

TEST(Autotuning, AReaderThatDoesNotReadNeverGrowsItsBuffer) {
  // The buffer follows what the application takes, not what arrives: a
  // receiver whose application reads nothing fills its first 64 KiB and
  // closes the window; its buffer does not grow.
  Path path = long_fat_path(autotuned());
  path.read = false;
  LossyPair p(path);
  const Outcome o = p.transfer(4 * kMiB, at(2s));
  EXPECT_FALSE(o.complete);
  ASSERT_TRUE(p.server_.has_value());
  EXPECT_EQ(p.server_->recv_buffer(), kStart);
  EXPECT_GT(p.server_->recv_queue(), kStart - 1460u);  // full to within a segment: the window is closed
}

TEST(Autotuning, SetRecvBufferFixesItMidConnection) {
  LossyPair p(long_fat_path(autotuned()));
  ASSERT_TRUE(p.transfer(8 * kMiB, at(60s)).complete);
  const std::size_t grown = p.server_->recv_buffer();
  ASSERT_GT(grown, std::size_t{kStart});
  p.server_->set_recv_buffer(100'000);
  EXPECT_EQ(p.server_->recv_buffer(), 100'000u);
  p.client_->set_send_buffer(80'000);
  EXPECT_EQ(p.client_->send_buffer(), 80'000u);
}

TEST(Autotuning, AShortExchangeAllocatesNoTuningState) {
  // Ten segments or less never start a measurement: a request/response
  // connection costs nothing for autotuning.
  LossyPair p(long_fat_path(autotuned()));
  ASSERT_TRUE(p.transfer(8 * 1024, at(10s)).complete);
  EXPECT_FALSE(p.server_->receiver_rtt().has_value());
  EXPECT_EQ(p.server_->recv_buffer(), kStart);
}

}  // namespace
}  // namespace wirestack::tcp

namespace wirestack::tcp {
namespace {

// HyStart++ (RFC 9406, connection_hystart.cpp): the path (1 Gbit/s,
// 1 ms each way, a 4 MiB queue: 33 ms at the line rate) with 6 MiB buffers
// fixed, so that only the queue bounds slow start: classic slow start
// doubles cwnd past the queue and loses a large part of a window at once;
// HyStart++ sees the round trip grow by its 4 ms threshold (at 1.7 MB)
// and goes on in conservative slow start (a quarter of the growth, five
// rounds at most), then congestion avoidance: in the first 12 MiB (slow
// start and what follows it) 0 segments resent against 1,418.
TEST(HyStart, SlowStartEndsBeforeTheQueueOverflows) {
  Outcome with, without;
  std::uint32_t retransmits[2] = {0, 0};
  // Under sanitizers only HyStart++'s half runs: classic slow start's
  // 1,418 retransmissions through the SACK scoreboard take minutes there.
  for (bool on : {true, false}) {
    if (!on && testing::kSanitized) {
      EXPECT_LT(retransmits[0], 100u);
      GTEST_SKIP() << "the classic slow start half runs in the optimized build only";
    }
    ConnectionConfig c = Path::fixed_buffers(6 * kMiB);
    c.hystart = on;
    c.congestion = Algorithm::cubic;
    Path path{.bits_per_second = 1'000'000'000, .delay = 1ms, .queue_bytes = 4 * kMiB, .config = c};
    LossyPair p(path);
    const Outcome o = p.transfer(12 * kMiB, at(60s));  // slow start and its first loss episode
    print(on ? "HyStart++ on" : "HyStart++ off", o, p);
    ASSERT_TRUE(o.complete);
    (on ? with : without) = o;
    retransmits[on ? 0 : 1] = o.retransmits;
  }
  EXPECT_GT(retransmits[1], 1000u);                // classic slow start overflows the queue
  EXPECT_LT(retransmits[0] * 10, retransmits[1]);  // HyStart++: a tenth of that at most
  EXPECT_GT(with.goodput_bps, 800e6);
}

}  // namespace
}  // namespace wirestack::tcp
