// CoDel's state machine (RFC 8289) with time passed in, CE marking of
// frames, and a link running it.
#include "sim/codel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "sim/link.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"

namespace wirestack::sim {
namespace {

using namespace std::chrono_literals;
constexpr std::size_t kMtu = 1514;
constexpr std::size_t kBacklog = 100 * kMtu;


TEST(Codel, BelowTargetNeverSignals) {
  Codel c;
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(c.on_dequeue(at(i * 1ms), 4ms, kBacklog, kMtu));
  EXPECT_FALSE(c.dropping());
}

TEST(Codel, AboveTargetForAnIntervalStartsDroppingThenFollowsTheControlLaw) {
  Codel c;  // target 5 ms, interval 100 ms
  // Above target from t = 0: nothing for the first interval.
  EXPECT_FALSE(c.on_dequeue(at(0ms), 6ms, kBacklog, kMtu));
  EXPECT_FALSE(c.on_dequeue(at(99ms), 6ms, kBacklog, kMtu));
  // At 100 ms: the first signal, dropping state, count 1, next at +100 ms.
  EXPECT_TRUE(c.on_dequeue(at(100ms), 6ms, kBacklog, kMtu));
  EXPECT_TRUE(c.dropping());
  EXPECT_EQ(c.count(), 1u);
  EXPECT_EQ(c.drop_next(), at(200ms));
  EXPECT_FALSE(c.on_dequeue(at(150ms), 6ms, kBacklog, kMtu));
  // Then at 200 ms (count 2: next 100/sqrt(2) = 70.71 ms later), and so on.
  EXPECT_TRUE(c.on_dequeue(at(200ms), 6ms, kBacklog, kMtu));
  EXPECT_EQ(c.count(), 2u);
  EXPECT_EQ(c.drop_next(), at(200ms) + 70710678ns);
  EXPECT_FALSE(c.on_dequeue(at(270ms), 6ms, kBacklog, kMtu));
  EXPECT_TRUE(c.on_dequeue(at(271ms), 6ms, kBacklog, kMtu));
  EXPECT_EQ(c.count(), 3u);
  // Below target: out of the dropping state at once.
  EXPECT_FALSE(c.on_dequeue(at(272ms), 1ms, kBacklog, kMtu));
  EXPECT_FALSE(c.dropping());
}

TEST(Codel, ATinyBacklogIsNeverSignalled) {
  Codel c;
  for (int i = 0; i <= 300; ++i) EXPECT_FALSE(c.on_dequeue(at(i * 1ms), 50ms, kMtu, kMtu));
}

TEST(Codel, ReenteringSoonAfterAnEpisodeResumesItsCount) {
  Codel c;
  c.on_dequeue(at(0ms), 6ms, kBacklog, kMtu);
  ASSERT_TRUE(c.on_dequeue(at(100ms), 6ms, kBacklog, kMtu));
  ASSERT_TRUE(c.on_dequeue(at(200ms), 6ms, kBacklog, kMtu));
  ASSERT_TRUE(c.on_dequeue(at(271ms), 6ms, kBacklog, kMtu));
  ASSERT_TRUE(c.on_dequeue(at(329ms), 6ms, kBacklog, kMtu));
  ASSERT_EQ(c.count(), 4u);
  EXPECT_FALSE(c.on_dequeue(at(330ms), 1ms, kBacklog, kMtu));  // episode over (lastcount 1)
  c.on_dequeue(at(400ms), 6ms, kBacklog, kMtu);
  // Within 16 intervals of drop_next: count = 4 - 1 = 3, not 1.
  ASSERT_TRUE(c.on_dequeue(at(500ms), 6ms, kBacklog, kMtu));
  EXPECT_EQ(c.count(), 3u);
}

ByteVec ipv4_frame(std::uint8_t ecn) {
  ByteVec f(kEthernetHeaderLen + 20 + 8);
  EthernetFrameMut eth(f);
  eth.set_ethertype(EtherType::ipv4);
  const Ipv4Repr ip{.src = Ipv4Address(10, 0, 0, 1), .dst = Ipv4Address(10, 0, 0, 2), .protocol = IpProtocol::udp,
                    .ecn = ecn, .payload_len = 8};
  ip.emit(Ipv4PacketMut(MutBytes(f).subspan(kEthernetHeaderLen)));
  return f;
}

TEST(CodelMark, Ipv4CeWithAValidChecksumAndIpv6) {
  ByteVec f = ipv4_frame(2);
  EXPECT_EQ(frame_ecn(f), 2);
  mark_ce(f);
  EXPECT_EQ(frame_ecn(f), 3);
  auto ip = Ipv4Packet::checked(Bytes(f).subspan(kEthernetHeaderLen));
  ASSERT_TRUE(ip);
  EXPECT_TRUE(ip->verify_checksum());
  EXPECT_EQ(frame_ecn(ipv4_frame(0)), 0);

  ByteVec g(kEthernetHeaderLen + 40);
  EthernetFrameMut(g).set_ethertype(EtherType::ipv6);
  Ipv6Repr{.next_header = IpProtocol::udp, .traffic_class = 0xb8 | 1}.emit(Ipv6PacketMut(MutBytes(g).subspan(kEthernetHeaderLen)));
  EXPECT_EQ(frame_ecn(g), 1);
  mark_ce(g);
  EXPECT_EQ(frame_ecn(g), 3);
  EXPECT_EQ(Ipv6Packet(Bytes(g).subspan(kEthernetHeaderLen)).dscp(), 0xb8 >> 2);
}

struct Sink : FramePort {
  void on_frame(Bytes frame) override { ecn.push_back(frame_ecn(frame)); }
  std::vector<std::uint8_t> ecn;
};

// A 10 Mbit/s link offered 20 Mbit/s for 1 s: a standing queue. CoDel marks
// ECT frames and drops Not-ECT ones; drop-tail only drops when full.
// `tapped`, when given, collects the ECN field of every frame the link's tap
// (the narrative's and the report's view) saw leave side 0.
LinkCounters overload(std::uint8_t ecn, LinkDirection::Queue queue, Sink& sink,
                      std::vector<std::uint8_t>* tapped = nullptr) {
  EventQueue q;
  LinkDirection dir{.bits_per_second = 10'000'000, .delay = 1ms, .queue_limit_bytes = 200'000};
  dir.queue = queue;
  Link link(q, Rng(1), dir);
  link.attach(1, &sink);
  if (tapped != nullptr) link.set_tap([tapped](int, Instant, Bytes f) { tapped->push_back(frame_ecn(f)); });
  const ByteVec frame = [&] {
    ByteVec f = ipv4_frame(ecn);
    f.resize(1000);
    return f;
  }();
  for (int i = 0; i < 2500; ++i) {
    q.schedule_at(at(i * 400us), [&] { link.send(0, frame); });
  }
  q.run_until_idle();
  return link.counters(0);
}

TEST(CodelLink, MarksEctFramesAndDropsNotEctOnes) {
  Sink marked;
  const LinkCounters m = overload(2, LinkDirection::Queue::codel, marked);
  EXPECT_GT(m.codel_marked, 0u);
  EXPECT_EQ(m.codel_dropped, 0u);
  EXPECT_EQ(std::count(marked.ecn.begin(), marked.ecn.end(), 3), static_cast<std::ptrdiff_t>(m.codel_marked));
  Sink dropped;
  const LinkCounters d = overload(0, LinkDirection::Queue::codel, dropped);
  EXPECT_GT(d.codel_dropped, 0u);
  EXPECT_EQ(d.codel_marked, 0u);
  EXPECT_EQ(d.frames_delivered + d.codel_dropped + d.dropped_queue, 2500u);
  Sink tail;
  const LinkCounters t = overload(2, LinkDirection::Queue::drop_tail, tail);
  EXPECT_EQ(t.codel_marked + t.codel_dropped, 0u);
  EXPECT_EQ(std::count(tail.ecn.begin(), tail.ecn.end(), 3), 0);
}

// The tap sees a frame as it left the queue: with CoDel's CE mark (the
// narrative once showed the receiver's ECE echo but never the mark itself).
TEST(CodelLink, TheTapSeesTheCeMarkItsFrameLeftWith) {
  Sink sink;
  std::vector<std::uint8_t> tapped;
  const LinkCounters m = overload(2, LinkDirection::Queue::codel, sink, &tapped);
  ASSERT_GT(m.codel_marked, 0u);
  EXPECT_EQ(tapped.size(), m.frames_sent);
  EXPECT_EQ(std::count(tapped.begin(), tapped.end(), 3), static_cast<std::ptrdiff_t>(m.codel_marked));
  EXPECT_EQ(tapped, sink.ecn);  // what left is what arrived (no loss, no bit errors)
}

}  // namespace
}  // namespace wirestack::sim
