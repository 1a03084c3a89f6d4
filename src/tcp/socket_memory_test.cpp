// The heap an idle established connection costs: two socket tables joined
// by an in-memory wire open N connections (both ends in this process, as
// `wirestack bench tcp-idle` does), and the heap in use after they have gone
// quiet, less the heap before, is divided by the 2N endpoints. Under glibc
// the heap is mallinfo2()'s; under AddressSanitizer, whose allocator
// mallinfo2 does not see, the sanitizer's own count.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "tcp/socket_table.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define WIRESTACK_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WIRESTACK_TEST_ASAN 1
#endif
#endif
#ifdef WIRESTACK_TEST_ASAN
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#elif defined(__GLIBC__)
#include <malloc.h>
#endif

namespace wirestack::tcp {
namespace {

using std::chrono::milliseconds;

// Heap bytes in use, or -1 where there is no way to ask.
std::int64_t heap_in_use() {
#ifdef WIRESTACK_TEST_ASAN
  return static_cast<std::int64_t>(__sanitizer_get_current_allocated_bytes());
#elif defined(__GLIBC__)
  const auto m = mallinfo2();  // the small chunks and those mapped on their own
  return static_cast<std::int64_t>(m.uordblks + m.hblkhd);
#else
  return -1;
#endif
}

const Ipv4Address kA(10, 0, 0, 1);
const Ipv4Address kB(10, 0, 0, 2);

struct Wire;

class WireIp final : public IpLayer {
 public:
  WireIp(Wire& w, Ipv4Address addr) : wire_(w), addr_(addr) {}
  void send_segment(const IpAddress& src, const IpAddress& dst, const TcpRepr& header, storage::SpanPair payload,
                    std::uint16_t gso_size, std::uint8_t ecn, Instant now) override;
  std::optional<Path> path_to(const IpAddress& /*dst*/) const override { return Path{.src = addr_}; }
  bool is_local_address(const IpAddress& a) const override { return a == IpAddress(addr_); }

 private:
  Wire& wire_;
  Ipv4Address addr_;
};

// Segments carry no payload here (handshakes only): a header and the two
// addresses, delivered at the next step.
struct Wire {
  struct Segment {
    IpAddress src;
    IpAddress dst;
    TcpRepr tcp;
  };
  Wire() : ipa(*this, kA), ipb(*this, kB), a(ipa, rng_a), b(ipb, rng_b) {}

  void step(Duration d) {
    now = now + d;
    while (!q.empty()) {
      const Segment s = q.front();
      q.pop_front();
      (s.dst == IpAddress(kA) ? a : b).on_segment(s.src, s.dst, s.tcp, Bytes{}, now);
    }
    a.poll(now);
    b.poll(now);
  }

  Rng rng_a{1};
  Rng rng_b{2};
  WireIp ipa;
  WireIp ipb;
  SocketTable a;
  SocketTable b;
  std::deque<Segment> q;
  Instant now = at(std::chrono::seconds{1});
};

void WireIp::send_segment(const IpAddress& src, const IpAddress& dst, const TcpRepr& header,
                          storage::SpanPair payload, std::uint16_t /*gso_size*/, std::uint8_t /*ecn*/, Instant /*now*/) {
  ASSERT_TRUE(payload.empty());
  wire_.q.push_back(Wire::Segment{src, dst, header});
}

// The goal (issue [2/7] item 5) is at most 256 bytes per idle established
// endpoint: not met yet. Where it stands (x86-64, g++ 12, glibc): 471 bytes
// here (4,000 connections; 592 before the settings were shared, the rings,
// the congestion variant and the control block shrank and the slots moved
// from a deque into chunks: docs/TCP.md), 470 in `wirestack bench tcp-idle`
// (100,000 connections; 603 before). Most of it is the socket's slot
// (sizeof(SocketTable::Slot) 440 bytes: the control block's 360 and the
// socket's endpoints, parent, errors and deadlines); the rest is the 4-tuple
// index (8 bytes an entry, at most three quarters full) and the table's
// other containers. This bound keeps it from growing back; lower it with
// every step toward 256.
constexpr double kMaxHeapPerIdleEndpoint = 480;

TEST(SocketMemory, AnIdleEstablishedEndpointStaysWithinItsHeapBudget) {
  if (heap_in_use() < 0) GTEST_SKIP() << "no heap count on this platform";
  constexpr std::size_t kConnections = 4000;
  Wire w;
  const SocketHandle l = w.b.open();
  ASSERT_TRUE(w.b.bind(l, {Ipv4Address::any(), 8080}));
  ASSERT_TRUE(w.b.listen(l, 4096));
  std::vector<SocketHandle> clients;
  std::vector<SocketHandle> servers;
  clients.reserve(kConnections);
  servers.reserve(kConnections);
  w.step(milliseconds{1});
  const std::int64_t before = heap_in_use();

  for (std::size_t i = 0; i < kConnections; ++i) {
    const SocketHandle h = w.a.open();
    ASSERT_TRUE(w.a.connect(h, {kB, 8080}, w.now));
    clients.push_back(h);
    if (i % 500 == 499) {  // batches: the SYN and accept queues stay small
      for (int s = 0; s < 4; ++s) w.step(milliseconds{1});
      while (auto c = w.b.accept(l)) servers.push_back(*c);
    }
  }
  // Delayed ACKs and the handshakes' stale timers: quiet after a few seconds.
  for (int s = 0; s < 50; ++s) {
    w.step(milliseconds{100});
    while (auto c = w.b.accept(l)) servers.push_back(*c);
  }
  ASSERT_TRUE(w.q.empty());
  const std::int64_t after = heap_in_use();

  // Not vacuous: every endpoint established, idle, holding no buffer.
  ASSERT_EQ(servers.size(), kConnections);
  std::size_t established = 0;
  for (const auto h : clients) established += w.a.state(h) == State::established ? 1 : 0;
  for (const auto h : servers) established += w.b.state(h) == State::established ? 1 : 0;
  ASSERT_EQ(established, 2 * kConnections);
  EXPECT_EQ(w.a.buffer_bytes() + w.b.buffer_bytes(), 0u);
  EXPECT_FALSE(w.a.poll_at());
  EXPECT_FALSE(w.b.poll_at());

  const double per_endpoint = static_cast<double>(after - before) / static_cast<double>(2 * kConnections);
  ::testing::Test::RecordProperty("heap_bytes_per_idle_endpoint", static_cast<int>(per_endpoint));
  EXPECT_GT(per_endpoint, 64.0) << "the count saw no allocation: is this the allocator the stack uses?";
  EXPECT_LE(per_endpoint, kMaxHeapPerIdleEndpoint);
}

// The settings are one block per config, not a copy per connection: every
// connection made from it holds a reference, and one whose settings change
// takes its own copy first (copy on write), leaving the others' as they were.
TEST(SocketMemory, ConnectionsShareTheirSettingsUntilOneChangesThem) {
  const ConnectionConfig cfg{};
  const Connection::SharedSettings shared(cfg);
  const Instant t0 = at(std::chrono::seconds{1});
  Connection a = Connection::connect(cfg, {kA, 40000}, {kB, 80}, 1000, t0, &shared);
  Connection b = Connection::connect(cfg, {kA, 40001}, {kB, 80}, 2000, t0, &shared);
  EXPECT_EQ(shared.use_count(), 3u);
  a.set_nagle(true);  // as it was: still shared
  a.set_max_retries(cfg.max_retries);
  EXPECT_EQ(shared.use_count(), 3u);
  a.set_nagle(false);  // a's own block now
  EXPECT_EQ(shared.use_count(), 2u);
  EXPECT_TRUE(shared->nagle);
  b.set_keepalive(true);
  EXPECT_EQ(shared.use_count(), 1u);
  EXPECT_EQ(shared->keepalive_probes, 0);  // the config's: keep-alive off
  {
    Connection c = Connection::connect(cfg, {kA, 40002}, {kB, 80}, 3000, t0, &shared);
    Connection moved = std::move(c);  // the reference moves with it
    EXPECT_EQ(shared.use_count(), 2u);
  }
  EXPECT_EQ(shared.use_count(), 1u);
  // Without a block from its table, a connection makes its own.
  Connection d = Connection::connect(cfg, {kA, 40003}, {kB, 80}, 4000, t0);
  EXPECT_EQ(shared.use_count(), 1u);
}

}  // namespace
}  // namespace wirestack::tcp
