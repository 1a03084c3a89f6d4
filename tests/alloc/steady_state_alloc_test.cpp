// tests/alloc/steady_state_alloc_test.cpp — the data path allocates nothing
// per segment once a transfer is under way.
//
// This executable replaces the global operator new/delete with counting
// versions (a replacement applies to the whole program, so it has one of its
// own). Two simulated hosts on one lossless cable, as `wirestack bench
// tcp-bulk`, move 160 MiB. The first part (the handshake, slow start, the
// buffers and the link's pool of frames in flight growing to their working
// size) may allocate; the count over the last 96 MiB (about 70,000 segments
// and ACKs) must stay flat: no allocation for a segment sent, a frame
// carried, a segment received, an ACK, a read or a write. A per-segment
// allocation anywhere (a vector per frame, a string per would-block error, a
// ring freed and allocated again) makes it fail.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <limits>
#include <new>
#include <optional>
#include <string_view>
#include <vector>

#include "sim/event_queue.hpp"
#include "sim/host.hpp"
#include "sim/link.hpp"
#include "sim/world.hpp"  // kSimOui
#include "tcp/socket_table.hpp"

namespace {
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

// GCC sees free() on memory from operator new once these are inlined into
// a caller; here both sides are the replacements below, so the pair matches.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace wirestack {
namespace {

using namespace std::chrono_literals;

// Two hosts on one cable (infinitely fast by default, as `bench tcp-bulk`).
struct Pair {
  explicit Pair(sim::LinkDirection cable = fast_cable())
      : link(q, Rng(13), cable), a(q, Rng(11), "a", {}, nullptr), b(q, Rng(12), "b", {}, nullptr) {
    const iface::NicId na = a.add_nic(MacAddress::from_parts(sim::kSimOui, 1), link, 0, 1500);
    const iface::NicId nb = b.add_nic(MacAddress::from_parts(sim::kSimOui, 2), link, 1, 1500);
    EXPECT_TRUE(a.stack().add_address(na, *Ipv4Prefix::parse("10.0.0.1/24")));
    EXPECT_TRUE(b.stack().add_address(nb, *Ipv4Prefix::parse("10.0.0.2/24")));
  }
  static sim::LinkDirection fast_cable() {
    sim::LinkDirection c;
    c.bits_per_second = 0;
    c.delay = 10us;
    return c;
  }
  // Frames on the wire, both ways (TCP hands over fewer, larger segments:
  // software GSO cuts them).
  std::uint64_t segments_out() { return link.counters(0).frames_sent + link.counters(1).frames_sent; }
  sim::EventQueue q;
  sim::Link link;  // outlives the hosts: a host's destructor detaches its cards from it
  sim::Host a;
  sim::Host b;
};

// One connection a -> b:5001 through the socket API, as applications do:
// b accepts and reads all it can (then calls after_read), a writes a
// pattern until `limit` bytes. Its buffers are made before the test counts.
struct Transfer {
  Transfer(Pair& p, std::uint64_t bytes, std::size_t read_buffer)
      : Transfer(p.a, p.b, "10.0.0.2", p.q.now(), bytes, read_buffer) {}
  Transfer(sim::Host& a, sim::Host& b, std::string_view b_address, Instant now, std::uint64_t bytes,
           std::size_t read_buffer)
      : ta(a.stack().tcp()), tb(b.stack().tcp()), limit(bytes), rbuf(read_buffer), sbuf(64 * 1024, std::byte{0x5a}) {
    listener = tb.open();
    EXPECT_TRUE(tb.bind(listener, {IpAddress::any(IpFamily::v4), 5001}));
    EXPECT_TRUE(tb.listen(listener, 4));
    b.on_activity([this] {
      if (!rx) {
        if (auto c = tb.accept(listener)) rx = *c;
        if (!rx) return;
      }
      for (;;) {
        auto r = tb.recv(*rx, rbuf);
        if (!r || *r == 0) break;
        received += *r;
      }
      if (after_read) after_read();
    });
    tx = ta.open();
    a.on_activity([this] {
      const auto st = ta.state(tx);
      if (!st || !tcp::is_synchronized(*st)) return;
      while (sent < limit) {
        auto r = ta.send(tx, Bytes(sbuf).first(std::min<std::uint64_t>(sbuf.size(), limit - sent)));
        if (!r || *r == 0) break;
        sent += *r;
      }
    });
    EXPECT_TRUE(ta.connect(tx, {*IpAddress::parse(b_address), 5001}, now));
    a.kick();
  }
  tcp::SocketTable& ta;
  tcp::SocketTable& tb;
  std::uint64_t limit;
  std::vector<std::byte> rbuf;
  std::vector<std::byte> sbuf;
  tcp::SocketHandle listener{};
  tcp::SocketHandle tx{};
  std::optional<tcp::SocketHandle> rx;
  std::uint64_t received = 0;
  std::uint64_t sent = 0;
  std::function<void()> after_read;
};

TEST(SteadyState, BulkTransferAllocatesNothingPerSegment) {
  constexpr std::uint64_t kTotal = 160u << 20;
  constexpr std::uint64_t kWarmUp = 64u << 20;
  Pair p;
  for (sim::Host* h : {&p.a, &p.b}) {
    auto& c = h->stack().tcp().mutable_config().connection;
    // Fixed, as `bench tcp-bulk --buffer` fixes them: autotuning would
    // still be growing the window (and with it the frames in flight) here.
    c.send_buffer = c.send_buffer_max = 1 << 20;
    c.recv_buffer = c.recv_buffer_max = 1 << 20;
  }
  std::optional<std::uint64_t> allocs_at_warm;
  std::uint64_t segments_at_warm = 0;
  Transfer t(p, kTotal, 256 * 1024);
  t.after_read = [&] {
    if (!allocs_at_warm && t.received >= kWarmUp) {
      allocs_at_warm = g_allocations.load();
      segments_at_warm = p.segments_out();
    }
  };
  while (t.received < kTotal && p.q.now() < Instant{} + 10s) p.q.run_until(p.q.now() + 1ms);
  ASSERT_EQ(t.received, kTotal);
  ASSERT_TRUE(allocs_at_warm.has_value());
  const std::uint64_t allocs = g_allocations.load() - *allocs_at_warm;
  const std::uint64_t segments = p.segments_out() - segments_at_warm;
  std::printf("[ alloc ] %llu allocations over %llu segments (data and ACKs) after the first 64 MiB\n",
              static_cast<unsigned long long>(allocs), static_cast<unsigned long long>(segments));
  EXPECT_GT(segments, 60'000u);
  // A handful may come from a table or queue growing once; one per hundred
  // segments would already be a per-packet allocation somewhere.
  EXPECT_LT(allocs, 64u);
}

// The same through a link of finite speed: frames wait in the card's
// transmit queue (sim::Link's own ring) and arrive one by one, each its own
// batch, so every frame runs the host's whole receive and activity path.
TEST(SteadyState, ThroughAQueuedGigabitLinkNothingIsAllocatedPerSegment) {
  sim::LinkDirection gigabit;
  gigabit.bits_per_second = 1'000'000'000;
  gigabit.delay = 50us;
  gigabit.queue_limit_bytes = 1 << 20;
  Pair p(gigabit);
  Transfer t(p, std::numeric_limits<std::uint64_t>::max(), 64 * 1024);
  p.q.run_until(p.q.now() + 50ms);  // warm-up: about 6 MB
  ASSERT_GT(t.received, 4'000'000u) << "the transfer did not start";

  const std::uint64_t allocs0 = g_allocations.load();
  const std::uint64_t segments0 = p.segments_out();
  const std::uint64_t received0 = t.received;
  p.q.run_until(p.q.now() + 100ms);
  const std::uint64_t allocs = g_allocations.load() - allocs0;
  const std::uint64_t segments = p.segments_out() - segments0;
  std::printf("[ alloc ] %llu allocations over %llu segments through the queued link\n",
              static_cast<unsigned long long>(allocs), static_cast<unsigned long long>(segments));
  EXPECT_GT(t.received - received0, 10'000'000u);  // about 12 MB in 100 ms at 1 Gbit/s
  EXPECT_GT(segments, 8'000u);
  // Before the link's queue was a ring, a std::deque there allocated a block
  // every few hundred frames: 258 in this phase.
  EXPECT_LE(allocs, 8u);
}

// The same through a router: every data segment and ACK is forwarded, and
// forwarding one allocates nothing either (it took a datagram and a frame of
// its own, two allocations and two copies, for every frame it forwarded).
TEST(SteadyState, ARouterForwardsWithoutAllocating) {
  sim::World w(7);
  sim::Host& a = w.add_host("a");
  sim::Host& r = w.add_router("r");
  sim::Host& b = w.add_host("b");
  sim::LinkDirection gigabit;
  gigabit.bits_per_second = 1'000'000'000;
  gigabit.delay = 50us;
  gigabit.queue_limit_bytes = 1 << 20;
  ASSERT_TRUE(w.connect(a, "10.0.1.10/24", r, "10.0.1.1/24", gigabit));
  ASSERT_TRUE(w.connect(r, "10.0.2.1/24", b, "10.0.2.10/24", gigabit));
  ASSERT_TRUE(w.set_gateway(a, "10.0.1.1"));
  ASSERT_TRUE(w.set_gateway(b, "10.0.2.1"));
  Transfer t(a, b, "10.0.2.10", w.now(), std::numeric_limits<std::uint64_t>::max(), 64 * 1024);
  w.run_for(100ms);  // warm-up: about 12 MB
  ASSERT_GT(t.received, 8'000'000u) << "the transfer did not start";

  const std::uint64_t allocs0 = g_allocations.load();
  const std::uint64_t forwarded0 = r.stack().counters().ipv4.forwarded;
  const std::uint64_t received0 = t.received;
  w.run_for(100ms);
  const std::uint64_t allocs = g_allocations.load() - allocs0;
  const std::uint64_t forwarded = r.stack().counters().ipv4.forwarded - forwarded0;
  std::printf("[ alloc ] %llu allocations over %llu forwarded datagrams\n", static_cast<unsigned long long>(allocs),
              static_cast<unsigned long long>(forwarded));
  EXPECT_GT(t.received - received0, 10'000'000u);
  EXPECT_GT(forwarded, 8'000u);
  EXPECT_LE(allocs, 8u);
}

// A server calls accept until it says "none", every round: saying so
// allocates nothing (its message once took the heap: 13 % of the spike's
// mallocs).
TEST(SteadyState, WouldBlockErrorsAllocateNothing) {
  Pair p;
  auto& tb = p.b.stack().tcp();
  const tcp::SocketHandle listener = tb.open();
  ASSERT_TRUE(tb.bind(listener, {IpAddress::any(IpFamily::v4), 5002}));
  ASSERT_TRUE(tb.listen(listener, 4));
  ASSERT_FALSE(tb.accept(listener));  // once, for anything lazily made
  const std::uint64_t allocs0 = g_allocations.load();
  for (int i = 0; i < 1000; ++i) {
    const auto r = tb.accept(listener);
    ASSERT_FALSE(r);
    ASSERT_EQ(r.error().code, transport::Errc::would_block);
  }
  EXPECT_EQ(g_allocations.load() - allocs0, 0u);
  EXPECT_EQ(tb.accept(listener).error().message, "accept: none");
}

}  // namespace
}  // namespace wirestack
