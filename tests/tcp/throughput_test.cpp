// tests/tcp/throughput_test.cpp — how fast TCP goes over a long fat path:
// one connection fills a 100 Mbit/s, 50 ms RTT bottleneck (>= 90 % of the
// link rate as goodput), CUBIC beats NewReno at 1 % random loss, and two
// flows that share a bottleneck converge to a fair share (Jain index > 0.9).
//
// Topology: client(s) -- 1 Gbit/s, 1 ms -- router -- bottleneck -- server.
// The router's transmit queue toward the server is the bottleneck queue.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <numeric>
#include <vector>

#include "common.hpp"
#include "app/tcp_apps.hpp"
#include "sim/world.hpp"

namespace wirestack::sim {
using namespace app;  // the applications (src/app/) these tests run
namespace {

using namespace std::chrono_literals;

using testing::ip;
using testing::kMiB;
using testing::kSanitized;

struct PathConfig {
  std::uint64_t bottleneck_bps = 100'000'000;
  Duration bottleneck_delay = 24ms;  // + 1 ms on the access cable: 50 ms RTT
  std::size_t queue_bytes = 640 * 1024;
  double loss = 0;                   // on the bottleneck, both directions
  std::uint32_t buffer = 4 * kMiB;   // send and receive buffers, both hosts
  tcp::Algorithm congestion = tcp::Algorithm::newreno;
  int clients = 1;                   // client hosts, 10.0.1.10, .11, ...
};

struct Dumbbell {
  Dumbbell(std::uint64_t seed, const PathConfig& p) : w(seed) {
    router = &w.add_router("router");
    server = &w.add_host("server");
    LinkDirection access;
    access.bits_per_second = 1'000'000'000;
    access.delay = 1ms;
    access.queue_limit_bytes = 1 << 20;
    LinkDirection bottleneck;
    bottleneck.bits_per_second = p.bottleneck_bps;
    bottleneck.delay = p.bottleneck_delay;
    bottleneck.queue_limit_bytes = p.queue_bytes;
    bottleneck.loss = p.loss;
    auto& sw = w.add_switch("lan", static_cast<std::size_t>(p.clients) + 1);
    EXPECT_TRUE(w.connect(*router, sw, 0, "10.0.1.1/24", access));
    for (int i = 0; i < p.clients; ++i) {
      Host& c = w.add_host("client" + std::to_string(i));
      EXPECT_TRUE(w.connect(c, sw, static_cast<PortId>(i + 1), "10.0.1." + std::to_string(10 + i) + "/24", access));
      EXPECT_TRUE(w.set_gateway(c, "10.0.1.1"));
      clients.push_back(&c);
    }
    EXPECT_TRUE(w.connect(*router, "10.0.2.1/24", *server, "10.0.2.10/24", bottleneck));
    EXPECT_TRUE(w.set_gateway(*server, "10.0.2.1"));
    // Buffers before any socket opens: new connections copy the config.
    for (Host* h : hosts()) {
      auto& cc = h->stack().tcp().mutable_config().connection;
      cc.send_buffer = p.buffer;
      cc.recv_buffer = p.buffer;
      cc.congestion = p.congestion;
    }
  }
  std::vector<Host*> hosts() {
    std::vector<Host*> all = clients;
    all.push_back(server);
    return all;
  }
  World w;
  Host* router = nullptr;
  Host* server = nullptr;
  std::vector<Host*> clients;
};

const IpEndpoint kServer{ip("10.0.2.10"), 5001};

// One bulk flow over the 100 Mbit/s, 50 ms path; returns its goodput in
// bit/s: application bytes over the time from the first to the last byte at
// the receiver. The most a 1448-byte payload (MSS 1460 minus the 12-byte
// timestamp option) can get from 1538 bytes of wire time per full frame
// (1500 + 14 Ethernet + 4 FCS + 8 preamble + 12 gap) is 94.1 % of the rate.
double one_flow_goodput(const PathConfig& p, std::uint64_t bytes) {
  Dumbbell n(1, p);
  TcpSinkServer sink(*n.server, 5001);
  TcpBulkClient bulk(*n.clients[0], kServer, {.bytes = bytes, .seed = 3});
  n.w.run_until(at(60s));
  EXPECT_TRUE(bulk.result().finished);
  EXPECT_EQ(sink.connections().size(), 1u);
  if (sink.connections().empty() || !bulk.result().finished) return 0;
  const auto& rec = sink.connections()[0];
  EXPECT_EQ(rec.bytes, bytes);
  EXPECT_EQ(rec.hash, bulk.result().hash);
  const double secs = to_seconds(*rec.last_byte_at - *rec.first_byte_at);
  const double goodput = static_cast<double>(rec.bytes) * 8 / secs;
  std::printf("[ throughput ] one flow, %u-byte buffers: %.2f Mbit/s = %.1f %% of 100 Mbit/s over %.2f s, "
              "%u retransmits, %llu bottleneck queue drops\n",
              p.buffer, goodput / 1e6, goodput / static_cast<double>(p.bottleneck_bps) * 100, secs,
              bulk.result().retransmits,
              static_cast<unsigned long long>(n.router->link_of(1)->counters(0).dropped_queue));
  return goodput;
}

TEST(TcpThroughput, OneFlowFillsAHundredMegabitFiftyMillisecondPath) {
  // BDP = 100 Mbit/s * 50 ms = 625 kB; the bottleneck queue holds 640 KiB
  // (about one BDP, the classic router sizing). Buffers of 1 MiB are above
  // the BDP, so the window can fill the pipe, and below BDP + queue, so the
  // flow never overflows the queue: the path has no loss and the flow is
  // limited by the link alone. 100 MiB (~9 s) makes slow start (~0.3 s at
  // 50 ms per doubling) a small part: 60 MiB gave 90.2 %, 100 MiB 91.7 %.
  if (kSanitized) {
    // Slow start must be a small part of the run (0.941 * (T - 0.3 s) / T
    // >= 0.9 needs T >= 7 s, ~80 MiB); under sanitizers 100 MiB is ~30 s of
    // wall time. The figure is asserted in optimized builds.
    GTEST_SKIP() << "a 100 MiB performance run: asserted in the optimized build only";
  }
  PathConfig p;
  p.buffer = 1 * kMiB;
  const double goodput = one_flow_goodput(p, 100 * kMiB);
  EXPECT_GE(goodput / static_cast<double>(p.bottleneck_bps), 0.90);
}

TEST(TcpThroughput, OneFlowWithBuffersFarAboveThePathFillsItToo) {
  // Buffers of 4 MiB: the congestion window is the only limit, so slow
  // start overshoots BDP + queue and loses ~800 segments in one window
  // (every other one), and the flow depends on its loss recovery.
  // Under sanitizers (60 MiB took 160 CPU seconds there) 16 MiB: the same
  // overshoot and recovery, checked for memory and UB errors and for every
  // byte arriving; the figure is asserted in the optimized build.
  PathConfig p;
  p.buffer = 4 * kMiB;
  const double goodput = one_flow_goodput(p, (kSanitized ? 16 : 60) * kMiB);
  EXPECT_GE(goodput / static_cast<double>(p.bottleneck_bps), kSanitized ? 0.5 : 0.90);
}

// Bytes a flow delivers to the sink in `duration` of a lossy path, from the
// start of the connection.
double goodput_with(tcp::Algorithm algo, std::uint64_t seed, Duration duration) {
  PathConfig p;
  p.loss = 0.01;
  p.congestion = algo;
  Dumbbell n(seed, p);
  TcpSinkServer sink(*n.server, 5001);
  TcpBulkClient bulk(*n.clients[0], kServer, {.bytes = 1ULL << 40, .seed = seed});
  n.w.run_until(at(duration));
  EXPECT_EQ(sink.connections().size(), 1u);
  if (sink.connections().empty()) return 0;
  EXPECT_FALSE(bulk.result().error);
  return static_cast<double>(sink.connections()[0].bytes) * 8 / to_seconds(duration);
}

TEST(TcpThroughput, CubicBeatsNewRenoAtOnePercentLoss) {
  // Same path, same seeds (so the same loss pattern per frame index), only
  // the sender's algorithm differs. At 1 % loss and 50 ms the window stays
  // small (Mathis: ~1.2 / sqrt(p) segments), where CUBIC's gentler
  // decrease (beta 0.7 instead of 0.5) and its Reno-friendly region should
  // give it the edge.
  // 5 seeds of 30 s; under sanitizers 2 seeds of 15 s (CUBIC won every
  // one of the full runs by 13-25 %).
  const Duration run = kSanitized ? Duration{15s} : Duration{30s};
  double reno_sum = 0;
  double cubic_sum = 0;
  const std::vector<std::uint64_t> seeds =
      kSanitized ? std::vector<std::uint64_t>{1, 2} : std::vector<std::uint64_t>{1, 2, 3, 4, 5};
  for (auto seed : seeds) {
    const double reno = goodput_with(tcp::Algorithm::newreno, seed, run);
    const double cubic = goodput_with(tcp::Algorithm::cubic, seed, run);
    std::printf("[ cubic vs newreno ] seed %llu: newreno %.2f Mbit/s, cubic %.2f Mbit/s\n",
                static_cast<unsigned long long>(seed), reno / 1e6, cubic / 1e6);
    reno_sum += reno;
    cubic_sum += cubic;
  }
  const double reno_mean = reno_sum / static_cast<double>(seeds.size());
  const double cubic_mean = cubic_sum / static_cast<double>(seeds.size());
  std::printf("[ cubic vs newreno ] mean: newreno %.2f Mbit/s, cubic %.2f Mbit/s (%.0f %% more)\n", reno_mean / 1e6,
              cubic_mean / 1e6, (cubic_mean / reno_mean - 1) * 100);
  EXPECT_GT(reno_mean, 0);
  EXPECT_GT(cubic_mean, reno_mean);
}

double jain(const std::vector<double>& x) {
  const double sum = std::accumulate(x.begin(), x.end(), 0.0);
  double sq = 0;
  for (double v : x) sq += v * v;
  return sq > 0 ? sum * sum / (static_cast<double>(x.size()) * sq) : 0;
}

TEST(TcpThroughput, TwoFlowsConvergeToAFairShare) {
  // Two clients on one LAN send to one server through a 10 Mbit/s, ~22 ms
  // RTT bottleneck (BDP 27 kB) with a 64 KiB drop-tail queue; the second
  // flow starts 2 s after the first, when the first already has the whole
  // link. The rates are compared over the second half of the run (15..30 s):
  // the sink's byte count of each connection is read at 15 s and at 30 s,
  // and the difference is what that flow got in the window.
  // Buffers are far above the BDP so that the congestion window, not the
  // receive window, decides each flow's share.
  PathConfig p;
  p.bottleneck_bps = 10'000'000;
  p.bottleneck_delay = 10ms;
  p.queue_bytes = 64 * 1024;
  p.clients = 2;
  Dumbbell n(7, p);
  TcpSinkServer sink(*n.server, 5001);
  TcpBulkClient a(*n.clients[0], kServer, {.bytes = 1ULL << 40, .seed = 1});
  TcpBulkClient b(*n.clients[1], kServer, {.bytes = 1ULL << 40, .seed = 2, .start = 2s});
  n.w.run_until(at(15s));
  ASSERT_EQ(sink.connections().size(), 2u);
  const std::uint64_t a0 = sink.connections()[0].bytes;
  const std::uint64_t b0 = sink.connections()[1].bytes;
  n.w.run_until(at(30s));
  ASSERT_EQ(sink.connections().size(), 2u);
  EXPECT_FALSE(a.result().error);
  EXPECT_FALSE(b.result().error);
  const double window = 15;
  const std::vector<double> rates = {static_cast<double>(sink.connections()[0].bytes - a0) * 8 / window,
                                     static_cast<double>(sink.connections()[1].bytes - b0) * 8 / window};
  const double index = jain(rates);
  const double used = (rates[0] + rates[1]) / static_cast<double>(p.bottleneck_bps);
  const std::uint64_t drops = n.router->link_of(1)->counters(0).dropped_queue;
  std::printf("[ fairness ] 15..30 s: flow 1 %.2f Mbit/s, flow 2 %.2f Mbit/s, Jain index %.4f, %.1f %% of the link, "
              "%llu bottleneck queue drops, retransmits %u + %u\n",
              rates[0] / 1e6, rates[1] / 1e6, index, used * 100, static_cast<unsigned long long>(drops),
              a.connection() ? a.connection()->retransmits() : 0u, b.connection() ? b.connection()->retransmits() : 0u);
  // The share was the congestion controls' doing: the queue overflowed, so
  // each flow was cut back by loss, not held by its receive window.
  EXPECT_GT(drops, 0u);
  EXPECT_GT(index, 0.9);
  // Fair but idle would be no achievement: together they keep the link busy.
  EXPECT_GT(used, 0.8);
}

}  // namespace
}  // namespace wirestack::sim
