// sim/backpressure_test.cpp — a host never drops its own TCP segments in its
// card's transmit queue: when the queue is full the card says so
// (FrameSink::has_room), TCP stops pulling segments and resumes when the link
// calls back (FramePort::on_room). The data waits in the send ring instead.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "sim/event_queue.hpp"
#include "sim/host.hpp"
#include "sim/link.hpp"
#include "sim/world.hpp"  // kSimOui
#include "tcp/socket_table.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"

namespace wirestack::sim {
namespace {

using namespace std::chrono_literals;

struct SlowCable {
  // 10 Mbit/s, 2 ms each way, a 16 KiB queue at each card: a window of
  // 1 MiB would overflow it many times over without backpressure.
  static LinkDirection direction() {
    LinkDirection d;
    d.bits_per_second = 10'000'000;
    d.delay = 2ms;
    d.queue_limit_bytes = 16 * 1024;
    return d;
  }
  SlowCable() : link(q, Rng(23), direction()), a(q, Rng(21), "a", {}, nullptr), b(q, Rng(22), "b", {}, nullptr) {
    const iface::NicId na = a.add_nic(MacAddress::from_parts(kSimOui, 1), link, 0);
    const iface::NicId nb = b.add_nic(MacAddress::from_parts(kSimOui, 2), link, 1);
    EXPECT_TRUE(a.stack().add_address(na, *Ipv4Prefix::parse("10.0.0.1/24")));
    EXPECT_TRUE(b.stack().add_address(nb, *Ipv4Prefix::parse("10.0.0.2/24")));
    for (Host* h : {&a, &b}) {
      auto& c = h->stack().tcp().mutable_config().connection;
      c.send_buffer = 1 << 20;
      c.recv_buffer = 1 << 20;
    }
  }
  EventQueue q;
  Link link;  // outlives the hosts: a host's destructor detaches its cards from it
  Host a;
  Host b;
};

TEST(Backpressure, AFullCardStopsTcpInsteadOfDroppingItsSegments) {
  SlowCable c;
  auto& ta = c.a.stack().tcp();
  auto& tb = c.b.stack().tcp();
  const tcp::SocketHandle listener = tb.open();
  ASSERT_TRUE(tb.bind(listener, {Ipv4Address::any(), 5001}));
  ASSERT_TRUE(tb.listen(listener, 4));
  constexpr std::uint64_t kBytes = 2'000'000;
  std::vector<std::byte> buf(64 * 1024);
  for (std::size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<std::byte>(i * 13 + 1);
  std::optional<tcp::SocketHandle> rx;
  std::uint64_t received = 0;
  std::uint64_t mismatched = 0;
  std::optional<Instant> done_at;
  c.b.on_activity([&] {
    if (!rx) {
      if (auto h = tb.accept(listener)) rx = *h;
      if (!rx) return;
    }
    std::vector<std::byte> in(64 * 1024);
    while (true) {
      auto r = tb.recv(*rx, in);
      if (!r || *r == 0) break;
      for (std::size_t i = 0; i < *r; ++i) mismatched += in[i] != buf[(received + i) % buf.size()] ? 1 : 0;
      received += *r;
    }
    if (received == kBytes && !done_at) done_at = c.q.now();
  });
  const tcp::SocketHandle tx = ta.open();
  std::uint64_t sent = 0;
  c.a.on_activity([&] {
    const auto st = ta.state(tx);
    if (!st || !tcp::is_synchronized(*st)) return;
    while (sent < kBytes) {
      const std::size_t off = sent % buf.size();
      const std::size_t n = std::min<std::uint64_t>(buf.size() - off, kBytes - sent);
      auto r = ta.send(tx, Bytes(buf).subspan(off, n));
      if (!r || *r == 0) break;
      sent += *r;
    }
  });
  // Data segments the sender's card took, by sequence number: one sent
  // twice is a retransmission, and when it was sent.
  std::set<std::uint32_t> seqs;
  std::vector<Instant> resent_at;
  c.link.set_tap([&](int side, Instant t, Bytes frame) {
    if (side != 0) return;
    auto eth = EthernetFrame::checked(frame);
    if (!eth || eth->ethertype() != EtherType::ipv4) return;
    auto ip = Ipv4Packet::checked(eth->payload());
    if (!ip || ip->protocol() != IpProtocol::tcp) return;
    auto seg = TcpPacket::checked(ip->payload());
    if (!seg || seg->payload().empty()) return;
    if (!seqs.insert(seg->seq_number()).second) resent_at.push_back(t);
  });
  ASSERT_TRUE(ta.connect(tx, {*Ipv4Address::parse("10.0.0.2"), 5001}, c.q.now()));
  c.a.kick();
  c.q.run_until(at(3s));

  ASSERT_TRUE(done_at) << received << " of " << kBytes << " bytes";
  EXPECT_EQ(mismatched, 0u);
  // The card's queue filled again and again: TCP stopped each time, and
  // nothing was dropped, so nothing was sent twice.
  EXPECT_GT(ta.counters().tx_stalls, 10u);
  EXPECT_EQ(c.link.counters(0).dropped_queue, 0u);
  // Nothing was sent twice before the receiver had it all. (After that a
  // tail loss probe, RFC 8985, may resend the last segment while the
  // receiver delays its ACK for it: not a drop.)
  EXPECT_GT(seqs.size(), 1000u);
  for (const Instant t : resent_at) EXPECT_GT(t, *done_at) << "a segment resent at " << to_seconds(t - Instant{}) << " s";
  EXPECT_LE(resent_at.size(), 1u);
  // At the link's pace: 2 MB of payload in 1,380-byte-or-so frames is about
  // 1.7 s of 10 Mbit/s; the handshake and slow start add little.
  EXPECT_LT(to_seconds(*done_at - Instant{}), 1.9);
}

// Two thousand connections opened at once behind the same slow card: they
// stall, and each "room" of the card wakes the next one in line, not all
// of them (that cost a scan of every waiting connection per frame, and
// made ten thousand clients quadratic). Every connection gets through, in
// the order it was opened, with nothing dropped at the card; the stalls
// counted stay within a few per connection.
TEST(Backpressure, ConnectionsWaitingForAFullCardAreWokenInTurnNotAllAtEachFrame) {
  SlowCable c;
  auto& ta = c.a.stack().tcp();
  auto& tb = c.b.stack().tcp();
  const tcp::SocketHandle listener = tb.open();
  ASSERT_TRUE(tb.bind(listener, {Ipv4Address::any(), 5001}));
  ASSERT_TRUE(tb.listen(listener, 4096));
  constexpr int kConnections = 2000;
  std::vector<tcp::SocketHandle> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(ta.open());
    ASSERT_TRUE(ta.connect(clients.back(), {*Ipv4Address::parse("10.0.0.2"), 5001}, c.q.now()));
  }
  // The order the SYNs left in, by source port.
  std::vector<std::uint16_t> syn_ports;
  c.link.set_tap([&](int side, Instant, Bytes frame) {
    if (side != 0) return;
    auto eth = EthernetFrame::checked(frame);
    if (!eth || eth->ethertype() != EtherType::ipv4) return;
    auto ip = Ipv4Packet::checked(eth->payload());
    if (!ip || ip->protocol() != IpProtocol::tcp) return;
    auto seg = TcpPacket::checked(ip->payload());
    if (seg && seg->flags().syn()) syn_ports.push_back(seg->src_port());
  });
  c.a.kick();
  c.q.run_until(at(900ms));  // 2,000 SYNs of 78 bytes at 10 Mbit/s: about 125 ms, then the ACKs

  int established = 0;
  for (const auto h : clients) established += ta.state(h) == tcp::State::established ? 1 : 0;
  EXPECT_EQ(established, kConnections);
  EXPECT_EQ(c.link.counters(0).dropped_queue, 0u);
  ASSERT_EQ(syn_ports.size(), static_cast<std::size_t>(kConnections));  // none sent twice
  // In the order of connect(): each SYN's source port is its socket's.
  for (int i = 0; i < kConnections; ++i) {
    const auto local = ta.local_endpoint(clients[static_cast<std::size_t>(i)]);
    ASSERT_TRUE(local);
    EXPECT_EQ(syn_ports[static_cast<std::size_t>(i)], local->port) << "connection " << i;
  }
  // Waking all of them at each frame re-stalled nearly all of them each
  // time: about kConnections^2 / (frames per queue) stalls, in the hundreds
  // of thousands; in turn it is at most a few per connection.
  EXPECT_LT(ta.counters().tx_stalls, 4u * kConnections);
}

}  // namespace
}  // namespace wirestack::sim
