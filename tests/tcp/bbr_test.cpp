// tests/tcp/bbr_test.cpp — BBR against CUBIC through a deep buffer, in the
// simulator: both fill the 100 Mbit/s bottleneck, but CUBIC, which only
// slows down when the queue overflows, keeps hundreds of kilobytes waiting
// in front of it, while BBR, which paces at the bandwidth it measured and
// keeps about one bandwidth-delay product in flight, keeps the queue (and
// so the round-trip time) small, and loses nothing.
//
// Topology: client -- 1 Gbit/s, 1 ms -- router -- 100 Mbit/s, 9 ms, 2 MiB
// queue -- server (20 ms round trip, a BDP of 250,000 bytes); 4 MiB socket
// buffers, so that neither is held back by a window.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "common.hpp"
#include "app/tcp_apps.hpp"
#include "sim/world.hpp"

namespace wirestack::sim {
using namespace app;
namespace {

using namespace std::chrono_literals;
using testing::ip;
using testing::kMiB;

constexpr double kBdpBytes = 100e6 / 8 * 0.020;

struct Outcome {
  bool intact = false;
  double goodput_bps = 0;
  std::uint32_t retransmits = 0;
  std::size_t median_queue = 0;  // bytes waiting at the bottleneck, second half of the transfer
  std::size_t peak_queue = 0;
};

Outcome transfer(tcp::Algorithm algorithm) {
  World w(1);
  LinkDirection access{.bits_per_second = 1'000'000'000, .delay = 1ms, .queue_limit_bytes = 4 * kMiB};
  LinkDirection bottleneck{.bits_per_second = 100'000'000, .delay = 9ms, .queue_limit_bytes = 2 * kMiB};
  const testing::ThreeHosts path = testing::client_router_server(w, access, bottleneck);
  Host& client = path.client;
  Host& router = path.router;
  Host& server = path.server;
  for (Host* h : {&client, &server}) {
    auto& cc = h->stack().tcp().mutable_config().connection;
    cc.send_buffer = cc.recv_buffer = 4 * kMiB;
    cc.congestion = algorithm;
  }
  // The bottleneck's queue, each time a frame enters it.
  std::vector<std::pair<Instant, std::size_t>> queue;
  Link* narrow = router.link_of(1);
  narrow->set_tap([&](int from_side, Instant t, Bytes) {
    if (from_side == 0) queue.emplace_back(t, narrow->queued_bytes(0));
  });
  // The full size under sanitizers too (about 10 s there): in a shorter
  // transfer the second half is still STARTUP's queue being drained.
  const std::uint64_t bytes = 16 * kMiB;
  TcpSinkServer sink(server, 5001);
  TcpBulkClient bulk(client, {ip("10.0.2.10"), 5001}, {.bytes = bytes, .seed = 9});
  w.run_until(at(60s));
  Outcome o;
  o.intact = bulk.result().finished && sink.connections().size() == 1 && sink.connections()[0].bytes == bytes &&
             sink.connections()[0].hash == bulk.result().hash;
  o.goodput_bps = bulk.result().goodput_bps();
  o.retransmits = bulk.result().retransmits;
  if (!queue.empty()) {
    const Instant half = queue.front().first + (queue.back().first - queue.front().first) / 2;
    std::vector<std::size_t> late;
    for (const auto& [t, q] : queue) {
      o.peak_queue = std::max(o.peak_queue, q);
      if (t >= half) late.push_back(q);
    }
    std::nth_element(late.begin(), late.begin() + static_cast<std::ptrdiff_t>(late.size() / 2), late.end());
    o.median_queue = late[late.size() / 2];
  }
  std::printf("[ bbr ] %s: %.1f Mbit/s, %u retransmits, bottleneck queue median %zu B (%.2f BDP), peak %zu B\n",
              tcp::to_string(algorithm), o.goodput_bps / 1e6, o.retransmits, o.median_queue,
              static_cast<double>(o.median_queue) / kBdpBytes, o.peak_queue);
  return o;
}

TEST(TcpBbr, FillsTheBottleneckWithoutFillingItsQueue) {
  const Outcome cubic = transfer(tcp::Algorithm::cubic);
  const Outcome bbr = transfer(tcp::Algorithm::bbr);
  ASSERT_TRUE(cubic.intact);
  ASSERT_TRUE(bbr.intact);
  EXPECT_GT(bbr.goodput_bps, 0.9 * cubic.goodput_bps);
  EXPECT_GT(bbr.goodput_bps, 80e6);
  EXPECT_EQ(bbr.retransmits, 0u);
  // BBR's queue: what PROBE_BW's 1.25 phase adds, under one BDP.
  EXPECT_LT(static_cast<double>(bbr.median_queue), kBdpBytes);
  // CUBIC's: several times that (it grows until the queue overflows).
  EXPECT_GT(cubic.median_queue, 3 * bbr.median_queue);
}

}  // namespace
}  // namespace wirestack::sim
