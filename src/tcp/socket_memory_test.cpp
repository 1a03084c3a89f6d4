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
// endpoint: not met yet. Where it stands (x86-64, g++ 12, glibc): 592 bytes
// here (4,000 connections), 629 with 10,000 and 553 with 100,000 in
// `wirestack bench tcp-idle` (707 and 632 before the slots held their socket
// by hand and the state hook became a pointer and a tag; the 4-tuple index's
// and the containers' growth steps make the figure move with the count). Most of it
// is the socket's slot (sizeof(SocketTable::Slot) 536 bytes, one deque node
// and so one malloc chunk each). This bound keeps it from growing back;
// lower it with every step toward 256 (612: +8 for ECN's state in the control block).
constexpr double kMaxHeapPerIdleEndpoint = 612;

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

}  // namespace
}  // namespace wirestack::tcp
