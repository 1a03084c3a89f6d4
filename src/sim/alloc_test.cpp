// sim/alloc_test.cpp — the packet path allocates nothing per segment.
//
// Two simulated hosts on one cable run a bulk TCP transfer through the socket
// API (the shape of `wirestack bench tcp-bulk`). After a warm-up (the
// handshake, the rings and the simulator's slabs grown to their working size)
// every operator new of the process is counted while thousands of segments
// and their ACKs cross: sending (segment into a frame), the link, receiving
// (frame into the receive ring), the ACKs back. Steady state must allocate
// nothing; a few allocations for a buffer growing once are tolerated, one per
// segment (or per hundred) is a failure.
//
// The count covers every operator new of this test binary (replaced below),
// so the harness itself must not allocate in the measured phase either: its
// buffers are sized before.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <optional>
#include <vector>

#include "sim/event_queue.hpp"
#include "sim/host.hpp"
#include "sim/link.hpp"
#include "sim/world.hpp"  // kSimOui
#include "tcp/socket_table.hpp"

namespace {
std::atomic<std::uint64_t> g_news{0};
}  // namespace

// Counting replacements of the global allocation functions (the sized and
// aligned forms of delete fall back to these). Under AddressSanitizer the
// allocation still goes through ASan's malloc, which checks it as before.
// g++ sees free() of what a (replaced) new returned and warns; it is the
// pairing these replacements define.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace wirestack::sim {
namespace {

using namespace std::chrono_literals;

struct Cable {
  Cable()
      : a(q, Rng(11), "a", {}, nullptr), b(q, Rng(12), "b", {}, nullptr), link(q, Rng(13), direction(), direction()) {
    const iface::NicId na = a.add_nic(MacAddress::from_parts(kSimOui, 1), link, 0);
    const iface::NicId nb = b.add_nic(MacAddress::from_parts(kSimOui, 2), link, 1);
    EXPECT_TRUE(a.stack().add_address(na, *Ipv4Prefix::parse("10.0.0.1/24")));
    EXPECT_TRUE(b.stack().add_address(nb, *Ipv4Prefix::parse("10.0.0.2/24")));
  }
  // 1 Gbit/s with a 1 MiB queue: frames wait in the queue and are serialized
  // one by one, so the link's own bookkeeping is exercised too.
  static LinkDirection direction() {
    LinkDirection d;
    d.bits_per_second = 1'000'000'000;
    d.delay = 50us;
    d.queue_limit_bytes = 1 << 20;
    return d;
  }
  EventQueue q;
  Host a;
  Host b;
  Link link;
};

TEST(Allocation, BulkTransferAllocatesNothingPerSegment) {
  Cable c;
  auto& ta = c.a.stack().tcp();
  auto& tb = c.b.stack().tcp();
  const tcp::SocketHandle listener = tb.open();
  ASSERT_TRUE(tb.bind(listener, {Ipv4Address::any(), 5001}));
  ASSERT_TRUE(tb.listen(listener, 4));

  std::vector<std::byte> rbuf(64 * 1024);
  std::vector<std::byte> sbuf(64 * 1024);
  for (std::size_t i = 0; i < sbuf.size(); ++i) sbuf[i] = static_cast<std::byte>(i * 7);
  std::optional<tcp::SocketHandle> rx;
  std::uint64_t received = 0;
  std::uint64_t sent = 0;
  c.b.on_activity([&] {
    if (!rx) {
      if (auto h = tb.accept(listener)) rx = *h;
      if (!rx) return;
    }
    while (true) {
      auto r = tb.recv(*rx, rbuf);
      if (!r || *r == 0) break;
      received += *r;
    }
  });
  const tcp::SocketHandle tx = ta.open();
  c.a.on_activity([&] {
    const auto st = ta.state(tx);
    if (!st || !tcp::is_synchronized(*st)) return;
    while (true) {
      auto r = ta.send(tx, Bytes(sbuf));
      if (!r || *r == 0) break;
      sent += *r;
    }
  });
  ASSERT_TRUE(ta.connect(tx, {*Ipv4Address::parse("10.0.0.2"), 5001}, c.q.now()));
  c.a.kick();

  // Warm-up: 50 ms at 1 Gbit/s, about 6 MB.
  c.q.run_until(c.q.now() + 50ms);
  ASSERT_GT(received, 4'000'000u) << "the transfer did not start";

  const std::uint64_t news0 = g_news.load();
  const std::uint64_t segs0 = ta.counters().segments_out + tb.counters().segments_out;
  const std::uint64_t received0 = received;
  c.q.run_until(c.q.now() + 100ms);
  const std::uint64_t news = g_news.load() - news0;
  const std::uint64_t segments = ta.counters().segments_out + tb.counters().segments_out - segs0;
  const std::uint64_t bytes = received - received0;

  // About 12 MB and 12,000 segments (data and ACKs) in 100 ms at 1 Gbit/s.
  EXPECT_GT(bytes, 10'000'000u);
  EXPECT_GT(segments, 8'000u);
  EXPECT_LE(news, 8u) << news << " allocations for " << segments << " segments";
  ::testing::Test::RecordProperty("allocations", static_cast<int>(news));
  ::testing::Test::RecordProperty("segments", static_cast<int>(segments));
}

}  // namespace
}  // namespace wirestack::sim
