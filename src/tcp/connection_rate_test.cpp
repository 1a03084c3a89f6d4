// tcp/connection_rate_test.cpp — what the congestion controller learns from
// the connection besides losses, and pacing, at the Connection level:
//  * rate samples (draft-cheng-iccrg-delivery-rate-estimation) of a bulk
//    transfer whose ACKs the test scripts (exact numbers), with SACK and a
//    retransmission, and over an in-memory bottleneck link (the link's rate);
//  * the app-limited mark when the sender runs out of data;
//  * the send side's heap block: made with the first data segment, gone when
//    idle, C.delivered kept;
//  * pacing: off by default; asked for, data segments leave at the rate's
//    spacing, poll_at() says when, an owed ACK does not wait.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tcp/connection.hpp"
#include "tcp/connection_harness.hpp"

namespace wirestack::tcp {
namespace {

using namespace testing;
using namespace std::chrono_literals;

class RateSampleTest : public ConnectionHarness {
 protected:
  // ESTABLISHED at 10 ms (RTT 10 ms), peer MSS 1000 and window 60000, SACK
  // on, no timestamps.
  void establish_with(ConnectionConfig cfg) {
    cfg.sack = true;
    open(cfg);
    sends(0ms);
    TcpRepr synack = with_mss(in(S | A, kPeerIss, kIss + 1, 60000), 1000);
    synack.options.sack_permitted = true;
    peer(synack, 10ms);
    sends(10ms);
    ASSERT_EQ(c_->state(), State::established);
  }
  // As the harness's establish_sack(), with rate samples asked for (NewReno
  // has no use for them: without the option it takes none).
  void establish_sampled() {
    ConnectionConfig cfg = plain();
    cfg.rate_samples = true;
    establish_with(cfg);
  }
  void ack(std::uint32_t ackno, Duration t, std::vector<SackBlock> blocks = {}) {
    TcpRepr a = in(A, kPeerIss + 1, ackno, 60000);
    for (auto b : blocks) a.options.add_sack(b);
    peer(a, t);
  }
  static constexpr std::uint32_t kData = kIss + 1;  // our first data byte
};

// The receiver takes one 1000-byte segment a millisecond (ACK of segment k
// at 20 + k ms); the first ten leave at 10 ms, then each ACK releases two
// (slow start). First flight: delivered (k + 1) * 1000 B since 10 ms, over
// (10 + k) ms, app-limited (a send side starts so). From segment 10 on every
// sample is exactly the scripted 1,000,000 B/s: the ACK phase is the longer
// one and counts one segment per millisecond.
TEST_F(RateSampleTest, BulkTransferSamplesTheScriptedRate) {
  establish_sampled();
  ASSERT_EQ(c_->send_mss(), 1000);
  EXPECT_EQ(c_->allocated_bytes(), 0u);
  EXPECT_FALSE(c_->last_rate_sample());
  ASSERT_TRUE(c_->send(as_bytes(std::string(40000, 'b'))));
  std::map<std::uint32_t, Instant> sent_at;  // segment index -> when it left
  auto record = [&](Duration t) {
    for (const auto& s : sends(t)) {
      if (!s.payload.empty()) sent_at.emplace((s.tcp.seq - kData) / 1000, at(t));
    }
  };
  record(10ms);
  ASSERT_EQ(sent_at.size(), 10u);
  for (std::uint32_t k = 0; k < 40; ++k) {
    const Duration t = std::chrono::milliseconds{20 + k};
    ack(kData + (k + 1) * 1000, t);
    EXPECT_EQ(c_->delivered(), (k + 1) * 1000u);
    if (k == 39) break;  // everything acknowledged: the send side is gone
    const auto rs = c_->last_rate_sample();
    ASSERT_TRUE(rs) << k;
    ASSERT_TRUE(rs->valid()) << k;
    EXPECT_EQ(rs->acked_sacked, 1000u);
    EXPECT_EQ(rs->rtt, at(t) - sent_at.at(k)) << k;
    if (k < 10) {
      EXPECT_EQ(rs->delivered, (k + 1) * 1000u) << k;
      EXPECT_EQ(rs->interval, std::chrono::milliseconds{10 + k}) << k;
      EXPECT_EQ(rs->delivery_rate, (k + 1) * 1'000'000u / (10 + k)) << k;
      EXPECT_TRUE(rs->is_app_limited) << k;
    } else {
      EXPECT_EQ(rs->delivery_rate, 1'000'000u) << k << ": " << *rs;
      EXPECT_EQ(rs->delivered * 1ms, rs->interval * 1000) << k;
      EXPECT_FALSE(rs->is_app_limited) << k;
    }
    record(t);
  }
  EXPECT_EQ(sent_at.size(), 40u);
  EXPECT_EQ(sent_at.at(10), at(20ms));  // two segments per ACK
  EXPECT_EQ(sent_at.at(39), at(34ms));
  EXPECT_EQ(c_->min_rtt(), 10ms);
  EXPECT_EQ(c_->delivered(), 40000u);
  EXPECT_FALSE(c_->last_rate_sample());
  release_buffers(at(35ms));
  EXPECT_EQ(c_->allocated_bytes(), 0u);  // idle: no send side, no buffers
}

// A lost segment: the SACKed bytes are delivered when SACKed and not again
// when the retransmission's ACK covers them; that ACK's sample refers to the
// retransmission (no RTT, Karn).
TEST_F(RateSampleTest, SackedBytesCountOnceAndTheRetransmissionIsMarked) {
  establish_sampled();
  ASSERT_TRUE(c_->send(as_bytes(std::string(6000, 'd'))));
  ASSERT_EQ(sends(10ms).size(), 6u);
  ack(kData + 1000, 20ms);                            // segment 0
  EXPECT_EQ(c_->delivered(), 1000u);
  ack(kData + 1000, 22ms, {{kData + 2000, kData + 3000}});  // 2 (segment 1 lost)
  EXPECT_EQ(c_->delivered(), 2000u);
  ack(kData + 1000, 23ms, {{kData + 2000, kData + 4000}});  // 3
  ack(kData + 1000, 24ms, {{kData + 2000, kData + 5000}});  // 4: IsLost(1): recovery
  EXPECT_EQ(c_->delivered(), 4000u);
  auto rs = c_->last_rate_sample();
  ASSERT_TRUE(rs);
  EXPECT_EQ(rs->acked_sacked, 1000u);
  EXPECT_FALSE(rs->is_retransmission);
  const auto v = sends(24ms);
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v[0].tcp.seq, kData + 1000);  // the retransmission
  ack(kData + 1000, 25ms, {{kData + 2000, kData + 6000}});  // 5
  EXPECT_EQ(c_->delivered(), 5000u);
  // The retransmission arrives: everything is acknowledged, only segment
  // 1's 1000 bytes are new. The sample of that ACK went to the congestion
  // controller; the send side is gone after it.
  ack(kData + 5000, 34ms, {{kData + 5000, kData + 6000}});
  EXPECT_EQ(c_->delivered(), 6000u);
  rs = c_->last_rate_sample();
  ASSERT_TRUE(rs);
  EXPECT_EQ(rs->acked_sacked, 1000u);
  EXPECT_TRUE(rs->is_retransmission);
  EXPECT_FALSE(rs->rtt);
  ack(kData + 6000, 35ms);
  EXPECT_EQ(c_->delivered(), 6000u);  // nothing new: SACKed already
  EXPECT_FALSE(c_->last_rate_sample());
  release_buffers(at(35ms));
  EXPECT_EQ(c_->allocated_bytes(), 0u);
}

// Request / response: each burst starts app-limited; idle in between, the
// connection holds no heap, and C.delivered carries on. A sender that runs
// out of data with room in cwnd marks the bubble (draft 3.4): what it sends
// next is app-limited until the data in flight then is delivered.
TEST_F(RateSampleTest, RunningOutOfDataMarksAnAppLimitedPhase) {
  establish_sampled();
  ASSERT_TRUE(c_->send(as_bytes(std::string(3000, 'q'))));
  ASSERT_EQ(sends(10ms).size(), 3u);
  EXPECT_GT(c_->allocated_bytes(), 0u);
  ack(kData + 2000, 20ms);
  ASSERT_TRUE(c_->last_rate_sample());
  EXPECT_TRUE(c_->last_rate_sample()->is_app_limited);  // the first flight
  ack(kData + 3000, 21ms);
  EXPECT_EQ(c_->delivered(), 3000u);
  // Idle until 100 ms, less than the ring's release delay: the emptied send
  // ring is kept for the next burst, the send side's block is gone.
  sends(21ms);
  EXPECT_GT(c_->allocated_bytes(), 0u);
  // Second burst, at 100 ms: [3000, 13000) in 10 segments (cwnd 10,000: the
  // first burst did not fill it, so it did not grow). It starts app-limited.
  ASSERT_TRUE(c_->send(as_bytes(std::string(10000, 'r'))));
  ASSERT_EQ(sends(100ms).size(), 10u);
  ack(kData + 4000, 110ms);  // cwnd 11,000
  ASSERT_TRUE(c_->last_rate_sample());
  EXPECT_TRUE(c_->last_rate_sample()->is_app_limited);
  // That ACK delivered the bubble (4000 > 3000): [13000, 14000) leaves, not
  // app-limited. Then nothing is left to send with room in cwnd (10,000 in
  // flight, cwnd 11,000): poll_output() marks a bubble at 4000 + 10,000.
  ASSERT_TRUE(c_->send(as_bytes(std::string(1000, 's'))));
  ASSERT_EQ(sends(110ms).size(), 1u);
  // [14000, 15000) leaves inside that bubble; [15000, 16000) waits for room
  // in cwnd and leaves at 112 ms, inside it too.
  ASSERT_TRUE(c_->send(as_bytes(std::string(2000, 't'))));
  ASSERT_EQ(sends(111ms).size(), 1u);
  for (std::uint32_t acked = 5000; acked <= 15000; acked += 1000) {
    const auto t = std::chrono::milliseconds{107 + acked / 1000};
    ack(kData + acked, t);
    ASSERT_TRUE(c_->last_rate_sample()) << acked;
    EXPECT_EQ(c_->last_rate_sample()->is_app_limited, acked != 14000) << acked;
    sends(t);
  }
  ack(kData + 16000, 123ms);
  EXPECT_EQ(c_->delivered(), 16000u);
  release_buffers(at(123ms));
  EXPECT_EQ(c_->allocated_bytes(), 0u);
}

// NewReno and CUBIC use no rate sample: unless asked for, none is taken, no
// record is kept per segment, and without pacing the send side's block is
// never made. What goes on the wire is the same either way. BBR lives on them.
TEST_F(RateSampleTest, NoSamplesUnlessTheAlgorithmOrTheConfigAsks) {
  for (const Algorithm algorithm : {Algorithm::newreno, Algorithm::cubic}) {
    EXPECT_FALSE(make_congestion(algorithm, 1000).wants_rate_samples()) << algorithm;
  }
  EXPECT_TRUE(make_congestion(Algorithm::bbr, 1000).wants_rate_samples());
  std::vector<std::vector<Segment>> wire;
  std::vector<std::size_t> heap;  // while sending: the send buffer, and the send side if sampled
  for (const bool sampled : {false, true}) {
    ConnectionConfig cfg = plain();
    cfg.rate_samples = sampled;
    establish_with(cfg);
    ASSERT_TRUE(c_->send(as_bytes(std::string(6000, 'n'))));
    wire.push_back(sends(10ms));
    heap.push_back(c_->allocated_bytes());
    ack(kData + 2000, 20ms);
    const auto more = sends(20ms);
    wire.back().insert(wire.back().end(), more.begin(), more.end());
    EXPECT_EQ(c_->delivered(), sampled ? 2000u : 0u);
    EXPECT_EQ(c_->last_rate_sample().has_value(), sampled);
    EXPECT_EQ(c_->min_rtt().has_value(), sampled);
    ack(kData + 6000, 21ms);
    release_buffers(at(21ms));
    EXPECT_EQ(c_->allocated_bytes(), 0u);
  }
  EXPECT_GT(heap[1], heap[0]);  // the send side's block
  ASSERT_EQ(wire[0].size(), wire[1].size());
  for (std::size_t i = 0; i < wire[0].size(); ++i) {
    EXPECT_EQ(wire[0][i].tcp, wire[1][i].tcp) << i;
    EXPECT_EQ(wire[0][i].payload, wire[1][i].payload) << i;
  }
}

// --- Over a bottleneck link ----------------------------------------------------

// The harness's endpoints (whatever their address type).
const auto kClient = kLocal;
const auto kServer = kRemote;

// Data one way through a bottleneck of `bps` (a drop-tail queue, then 1 ms
// of propagation), ACKs back in 1 ms; every rate sample the sender takes is
// kept.
struct Bottleneck {
  std::uint64_t bps = 100'000'000;
  ConnectionConfig cfg{};
  std::size_t queue_bytes = 256 * 1024;
  std::uint32_t buffers = 256 * 1024;  // send and receive
  std::vector<RateSample> samples;
  std::size_t peak_queue = 0;  // bytes waiting at the bottleneck, at most
  Instant done{};

  bool transfer(std::size_t bytes) {
    cfg.send_buffer = cfg.recv_buffer = buffers;
    cfg.rate_samples = true;
    Instant now = at(0ms);
    std::optional<Connection> client(Connection::connect(cfg, kClient, kServer, 7, now));
    std::optional<Connection> server;
    std::deque<std::pair<Instant, Segment>> up, down;
    Instant free_at{};
    std::size_t sent = 0, got = 0;
    std::string chunk(16384, 'x');
    std::array<std::byte, 65536> buf{};
    for (int steps = 0; steps < 2'000'000; ++steps) {
      while (sent < bytes && client->can_send()) {
        const auto r = client->send(as_bytes(std::string_view(chunk).substr(0, std::min(chunk.size(), bytes - sent))));
        if (!r) break;
        sent += *r;
      }
      if (server) {
        while (const std::size_t n = server->recv(buf)) got += n;
        if (got == bytes) {
          done = now;
          return true;
        }
      }
      while (auto s = client->poll_output(now)) {
        const std::size_t frame = s->payload.size() + 14 + 20 + 20 + 12 + 4;  // Ethernet, IPv4, TCP + TS, FCS
        const Instant start = std::max(now, free_at);
        const auto backlog = static_cast<std::size_t>(static_cast<double>((start - now).count()) * static_cast<double>(bps) / 8e9);
        peak_queue = std::max(peak_queue, backlog + frame);
        if (backlog > queue_bytes) continue;
        free_at = start + Duration{static_cast<Duration::rep>(static_cast<double>(frame) * 8e9 / static_cast<double>(bps))};
        up.emplace_back(free_at + 1ms, std::move(*s));
      }
      if (server) {
        while (auto s = server->poll_output(now)) down.emplace_back(now + 1ms, std::move(*s));
      }
      std::optional<Instant> next;
      auto consider = [&](std::optional<Instant> t) {
        if (t && (!next || *t < *next)) next = t;
      };
      if (!up.empty()) consider(up.front().first);
      if (!down.empty()) consider(down.front().first);
      consider(client->poll_at());
      if (server) consider(server->poll_at());
      if (!next) return false;
      now = std::max(now, *next);
      while (!up.empty() && up.front().first <= now) {
        Segment s = std::move(up.front().second);
        up.pop_front();
        if (!server) {
          server.emplace(Connection::accept_syn(cfg, kServer, kClient, s.tcp, 99, now));
        } else {
          server->on_segment(s.tcp, s.payload, now);
        }
      }
      while (!down.empty() && down.front().first <= now) {
        Segment s = std::move(down.front().second);
        down.pop_front();
        const std::uint64_t before = client->delivered();
        client->on_segment(s.tcp, s.payload, now);
        if (client->delivered() != before && client->last_rate_sample()) samples.push_back(*client->last_rate_sample());
      }
    }
    return false;
  }
};

// 1 MiB through 100 Mbit/s: the samples of the full pipe measure the link's
// payload rate (1448 of every 1518 bytes on the wire: 11.92 MB/s), never more.
TEST(RateSampleLink, SamplesMeasureTheBottleneck) {
  Bottleneck b;
  ASSERT_TRUE(b.transfer(1 << 20));
  const double payload_rate = 100e6 / 8 * 1448.0 / (1448 + 14 + 20 + 20 + 12 + 4);
  std::uint64_t best = 0;
  std::size_t valid = 0;
  for (const auto& rs : b.samples) {
    if (!rs.valid() || rs.is_app_limited) continue;
    ++valid;
    best = std::max(best, rs.delivery_rate);
    EXPECT_LE(static_cast<double>(rs.delivery_rate), payload_rate * 1.01) << rs;
  }
  EXPECT_GT(valid, 100u);
  EXPECT_GT(static_cast<double>(best), payload_rate * 0.98) << best;
}

// --- Pacing -----------------------------------------------------------------------

// Off by default: the initial window leaves at once, poll_at() says "now".
TEST_F(RateSampleTest, NoPacingByDefault) {
  establish_with(plain());
  EXPECT_EQ(c_->pacing_rate(), 0u);
  ASSERT_TRUE(c_->send(as_bytes(std::string(5000, 'p'))));
  EXPECT_EQ(c_->poll_at(), Instant::min());
  EXPECT_EQ(sends(10ms).size(), 5u);
}

// Asked for (NewReno with Linux's default rate: 2 * cwnd / SRTT in slow
// start = 2 * 10,000 B / 10 ms = 2,000,000 B/s), a 1000-byte segment leaves
// every 500 us; poll_at() gives each departure time, nothing leaves early,
// and an ACK owed meanwhile is not held back.
TEST_F(RateSampleTest, PacedSegmentsLeaveAtTheRate) {
  ConnectionConfig cfg = plain();
  cfg.pacing = true;
  establish_with(cfg);
  EXPECT_EQ(c_->pacing_rate(), 2'000'000u);
  ASSERT_TRUE(c_->send(as_bytes(std::string(5000, 'p'))));
  std::vector<Instant> departures;
  Instant now = at(10ms);
  for (int i = 0; i < 20 && departures.size() < 5; ++i) {
    const auto v = sends(now - at(0ms));
    for (const auto& s : v) {
      if (!s.payload.empty()) departures.push_back(now);
    }
    EXPECT_LE(v.size(), 1u);
    const auto next = c_->poll_at();
    ASSERT_TRUE(next);
    {  // the same from the zero-copy poll that found nothing due
      TcpRepr header;
      storage::SpanPair spans;
      std::optional<Instant> wake;
      ASSERT_FALSE(c_->poll_output_view(now, header, spans, &wake));
      EXPECT_EQ(wake, next);
    }
    if (departures.size() < 5) {
      ASSERT_GT(*next, now);  // held: the departure time, not "now"
      EXPECT_TRUE(sends(*next - at(0ms) - 1ns).empty());  // not a nanosecond early
    }
    now = *next;
  }
  ASSERT_EQ(departures.size(), 5u);
  for (std::size_t i = 0; i < departures.size(); ++i) EXPECT_EQ(departures[i], at(10ms) + i * 500us) << i;
  // The peer's data arrives out of order while our next segment waits: the
  // immediate ACK it is owed (RFC 5681 4.2) leaves at once, alone.
  ASSERT_TRUE(c_->send(as_bytes(std::string(3000, 'q'))));
  ASSERT_EQ(sends(13ms).size(), 1u);  // one more data segment (the rest waits)
  peer(in(A | P, kPeerIss + 100, kData, 60000), 13100us, "later");
  EXPECT_EQ(c_->poll_at(), Instant::min());
  const auto v = sends(13100us);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(v[0].payload.empty());
  EXPECT_EQ(v[0].tcp.ack, kPeerIss + 1);
  EXPECT_EQ(v[0].tcp.options.sack_count, 1u);
  EXPECT_EQ(c_->poll_at(), at(13500us));  // the data still waits for its time
}

// Pacing spreads what the sender may send over the round trip instead of
// sending it in bursts: through the same bottleneck (about 25 KB of
// bandwidth-delay product, windows of 32 KiB), the initial window no longer
// arrives at the queue at once, so the queue peaks lower, and the transfer
// takes about as long.
TEST(RateSampleLink, PacingKeepsTheBottleneckQueueShorter) {
  Bottleneck bursty;
  bursty.buffers = 32 * 1024;
  ASSERT_TRUE(bursty.transfer(1 << 20));
  Bottleneck paced;
  paced.buffers = 32 * 1024;
  paced.cfg.pacing = true;
  ASSERT_TRUE(paced.transfer(1 << 20));
  std::printf("[ pacing ] peak queue %zu B -> %zu B, done at %.2f ms -> %.2f ms\n", bursty.peak_queue,
              paced.peak_queue, to_seconds(bursty.done - at(0ms)) * 1e3, to_seconds(paced.done - at(0ms)) * 1e3);
  EXPECT_LT(paced.peak_queue, bursty.peak_queue);
  EXPECT_LE(to_seconds(paced.done - at(0ms)), to_seconds(bursty.done - at(0ms)) * 1.05);
}

}  // namespace
}  // namespace wirestack::tcp
