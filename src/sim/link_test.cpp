// sim/link_test.cpp — timing, queueing, impairments and determinism of sim::Link.
#include "sim/link.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace wirestack::sim {
namespace {

using namespace std::chrono_literals;

// Records what arrives, and when.
class Recorder final : public FramePort {
 public:
  explicit Recorder(const EventQueue& q) : q_(q) {}
  void on_frame(Bytes frame) override { got.push_back({to_nanos(q_.now()), ByteVec(frame.begin(), frame.end())}); }
  void on_frame_checksummed(Bytes frame) override {
    ++checksummed;
    on_frame(frame);
  }
  int checksummed = 0;  // frames the link said need no checksum check
  void on_room() override { room_at.push_back(to_nanos(q_.now())); }
  std::vector<std::int64_t> room_at;  // when the link said our side's queue has room again
  struct Arrival {
    std::int64_t at_ns;
    ByteVec bytes;
    friend bool operator==(const Arrival&, const Arrival&) = default;
  };
  std::vector<Arrival> got;

 private:
  const EventQueue& q_;
};

// A frame of `len` bytes whose first 8 bytes carry `tag` (big-endian).
ByteVec tagged_frame(std::size_t len, std::uint64_t tag) {
  ByteVec f(len, std::byte{0x5a});
  for (std::size_t i = 0; i < 8 && i < len; ++i) f[i] = static_cast<std::byte>(tag >> (56 - 8 * i));
  return f;
}
std::uint64_t tag_of(const ByteVec& f) {
  std::uint64_t t = 0;
  for (std::size_t i = 0; i < 8; ++i) t = t << 8 | std::to_integer<std::uint64_t>(f[i]);
  return t;
}

void expect_conservation(const Link& link, int side) {
  const LinkCounters& c = link.counters(side);
  EXPECT_EQ(c.frames_sent + c.duplicated,
            c.frames_delivered + c.dropped_loss + c.dropped_fcs + c.dropped_down + link.in_flight(side))
      << c;
}

struct Fixture {
  explicit Fixture(LinkDirection a_to_b, LinkDirection b_to_a, std::uint64_t seed = 1)
      : link(q, Rng(seed), a_to_b, b_to_a) {
    link.attach(0, &a);
    link.attach(1, &b);
  }
  explicit Fixture(LinkDirection both, std::uint64_t seed = 1) : Fixture(both, both, seed) {}
  EventQueue q;
  Recorder a{q};
  Recorder b{q};
  Link link;
};

TEST(Link, FcsIsTheIeeeCrc32) {
  EXPECT_EQ(Link::fcs(as_bytes("123456789")), 0xcbf43926u);  // the CRC-32 check value
  EXPECT_EQ(Link::fcs({}), 0u);
}

TEST(Link, BitTimeRoundsUp) {
  EXPECT_EQ(Link::bit_time(1512, 10'000'000), 1'209'600ns);
  EXPECT_EQ(Link::bit_time(1, 3'000'000'000), 3ns);  // 8 bits / 3 Gb/s = 2.67 ns
  EXPECT_EQ(Link::bit_time(1500, 0), 0ns);
}

TEST(Link, SerializationPlusPropagationIsExact) {
  Fixture f(LinkDirection{.bits_per_second = 10'000'000, .delay = 1ms});
  const ByteVec frame = tagged_frame(1500, 1);
  ASSERT_TRUE(f.link.send(0, frame));
  f.q.run_until_idle();
  ASSERT_EQ(f.b.got.size(), 1u);
  // (8 preamble + 1500 + 4 FCS) * 8 bits at 100 ns/bit = 1'209'600 ns, + 1 ms.
  EXPECT_EQ(f.b.got[0].at_ns, 2'209'600);
  EXPECT_EQ(f.b.got[0].bytes, frame);  // without the FCS
  EXPECT_TRUE(f.a.got.empty());
  EXPECT_EQ(f.link.counters(0).frames_delivered, 1u);
  EXPECT_EQ(f.link.counters(0).bytes_delivered, 1500u);
  EXPECT_EQ(f.link.counters(1), LinkCounters{});
}

TEST(Link, ShortFramesArePaddedOnTheWire) {
  Fixture f(LinkDirection{.bits_per_second = 10'000'000, .delay = 0ns});
  ASSERT_TRUE(f.link.send(0, tagged_frame(42, 1)));  // an ARP request: padded to 60 + 4 FCS
  f.q.run_until_idle();
  ASSERT_EQ(f.b.got.size(), 1u);
  EXPECT_EQ(f.b.got[0].at_ns, (8 + 60 + 4) * 8 * 100);
  EXPECT_EQ(f.b.got[0].bytes.size(), 42u);  // delivered as sent
}

TEST(Link, FramesLeaveBackToBackWithAnInterFrameGap) {
  Fixture f(LinkDirection{.bits_per_second = 10'000'000, .delay = 1ms});
  for (std::uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(f.link.send(0, tagged_frame(1500, i)));
  EXPECT_EQ(f.link.queued_bytes(0), 3000u);  // the first is on the wire
  f.q.run_until_idle();
  ASSERT_EQ(f.b.got.size(), 3u);
  // Each frame occupies the transmitter for (8 + 1500 + 4 + 12) * 8 * 100 ns.
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(f.b.got[i].at_ns, static_cast<std::int64_t>(i) * 1'219'200 + 2'209'600);
    EXPECT_EQ(tag_of(f.b.got[i].bytes), i);
  }
  // Sending after the transmitter went idle starts at once.
  ASSERT_TRUE(f.link.send(0, tagged_frame(1500, 9)));
  f.q.run_until_idle();
  EXPECT_EQ(f.b.got.back().at_ns, to_nanos(f.q.now()));
  EXPECT_EQ(f.b.got.back().at_ns - f.b.got[2].at_ns, 2'209'600);  // sent at the previous arrival
}

TEST(Link, DirectionsAreIndependent) {
  Fixture f(LinkDirection{.bits_per_second = 10'000'000, .delay = 1ms},
            LinkDirection{.bits_per_second = 0, .delay = 5ms});
  ASSERT_TRUE(f.link.send(0, tagged_frame(1500, 1)));
  ASSERT_TRUE(f.link.send(1, tagged_frame(1500, 2)));  // not queued behind side 0's frame
  f.q.run_until_idle();
  ASSERT_EQ(f.b.got.size(), 1u);
  ASSERT_EQ(f.a.got.size(), 1u);
  EXPECT_EQ(f.b.got[0].at_ns, 2'209'600);
  EXPECT_EQ(f.a.got[0].at_ns, 5'000'000);  // infinite rate: propagation only
}

TEST(Link, QueueOverflowDropsTailAndCounts) {
  // The transmitter holds one frame; 3000 bytes may wait behind it.
  Fixture f(LinkDirection{.bits_per_second = 10'000'000, .delay = 0ns, .queue_limit_bytes = 3000});
  std::vector<bool> accepted;
  for (std::uint64_t i = 0; i < 6; ++i) accepted.push_back(f.link.send(0, tagged_frame(1000, i)));
  EXPECT_EQ(accepted, (std::vector<bool>{true, true, true, true, false, false}));
  EXPECT_EQ(f.link.counters(0).dropped_queue, 2u);
  EXPECT_EQ(f.link.counters(0).frames_sent, 4u);
  // Once the first waiting frame starts, there is room for one more.
  f.q.run_until(at(Duration{(8 + 1000 + 4 + 12) * 8 * 100}));
  EXPECT_EQ(f.link.queued_bytes(0), 2000u);
  EXPECT_TRUE(f.link.send(0, tagged_frame(1000, 6)));
  EXPECT_FALSE(f.link.send(0, tagged_frame(1000, 7)));
  f.q.run_until_idle();
  ASSERT_EQ(f.b.got.size(), 5u);
  std::vector<std::uint64_t> tags;
  for (const auto& g : f.b.got) tags.push_back(tag_of(g.bytes));
  EXPECT_EQ(tags, (std::vector<std::uint64_t>{0, 1, 2, 3, 6}));
  EXPECT_EQ(f.link.counters(0).dropped_queue, 3u);
  expect_conservation(f.link, 0);
}

TEST(Link, HasRoomSaysFullAndCallsBackWhenThereIsRoom) {
  // 10 Mbit/s, 4,000 bytes of queue: with 1,000-byte frames, room means
  // waiting + 1,514 (the largest frame assumed until a larger one is sent) <= 4,000.
  Fixture f(LinkDirection{.bits_per_second = 10'000'000, .delay = 0ns, .queue_limit_bytes = 4000});
  EXPECT_TRUE(f.link.has_room(0));
  for (std::uint64_t i = 0; i < 3; ++i) ASSERT_TRUE(f.link.send(0, tagged_frame(1000, i)));
  EXPECT_EQ(f.link.queued_bytes(0), 2000u);  // the first is on the wire
  EXPECT_TRUE(f.link.has_room(0));           // 2,000 + 1,514 <= 4,000
  ASSERT_TRUE(f.link.send(0, tagged_frame(1000, 3)));
  EXPECT_FALSE(f.link.has_room(0));  // 3,000 waiting
  EXPECT_FALSE(f.link.has_room(0));  // asking again arms no second call-back
  EXPECT_TRUE(f.link.has_room(1));   // the other direction is empty
  f.q.run_until_idle();
  // Frame 1 starts (leaving 2,000 waiting) after frame 0's slot on the wire.
  const std::int64_t slot_ns = (8 + 1000 + 4 + 12) * 8 * 100;
  EXPECT_EQ(f.a.room_at, (std::vector<std::int64_t>{slot_ns}));
  EXPECT_TRUE(f.b.room_at.empty());
  EXPECT_EQ(f.link.counters(0).dropped_queue, 0u);
  // A larger frame raises the room needed: 2,500 + 1,300 bytes waiting
  // (the transmitter is still in the last frame's inter-frame gap) leave no
  // room for another 2,500-byte frame, though 1,514 would fit.
  ASSERT_TRUE(f.link.send(0, tagged_frame(2500, 4)));
  ASSERT_TRUE(f.link.send(0, tagged_frame(1300, 5)));
  EXPECT_EQ(f.link.queued_bytes(0), 3800u);
  EXPECT_FALSE(f.link.has_room(0));
  f.q.run_until_idle();
  EXPECT_EQ(f.a.room_at.size(), 2u);
  ASSERT_EQ(f.b.got.size(), 6u);
  expect_conservation(f.link, 0);
}

TEST(Link, AQueueSmallerThanAFrameHasRoomOnlyWhenEmpty) {
  Fixture f(LinkDirection{.bits_per_second = 10'000'000, .delay = 0ns, .queue_limit_bytes = 1000});
  ASSERT_TRUE(f.link.send(0, tagged_frame(1500, 0)));  // on the wire, not waiting
  EXPECT_TRUE(f.link.has_room(0));
  ASSERT_TRUE(f.link.send(0, tagged_frame(600, 1)));  // waits
  EXPECT_FALSE(f.link.has_room(0));
  f.q.run_until_idle();
  EXPECT_EQ(f.a.room_at, (std::vector<std::int64_t>{(8 + 1500 + 4 + 12) * 8 * 100}));
}

TEST(Link, LossRateMatchesTheProbability) {
  Fixture f(LinkDirection{.bits_per_second = 0, .delay = 1us, .loss = 0.1}, 42);
  constexpr int kFrames = 10'000;
  for (int i = 0; i < kFrames; ++i) ASSERT_TRUE(f.link.send(0, tagged_frame(100, static_cast<std::uint64_t>(i))));
  f.q.run_until_idle();
  const LinkCounters& c = f.link.counters(0);
  // Binomial(10000, 0.1): sd = 30. The exact count pins the seed's stream...
  EXPECT_EQ(c.dropped_loss, 963u);
  // ... and the bound says the model is right (4 sd).
  EXPECT_NEAR(static_cast<double>(c.dropped_loss), 1000.0, 120.0);
  EXPECT_EQ(c.frames_delivered + c.dropped_loss, static_cast<std::uint64_t>(kFrames));
  EXPECT_EQ(f.b.got.size(), c.frames_delivered);
  expect_conservation(f.link, 0);
}

TEST(Link, BitErrorsAreCaughtByTheFcs) {
  // P(frame hit) = 1 - (1 - 1e-5)^((1500 + 4) * 8) = 11.34 %.
  Fixture f(LinkDirection{.bits_per_second = 0, .delay = 1us, .bit_error_rate = 1e-5}, 7);
  constexpr int kFrames = 10'000;
  for (int i = 0; i < kFrames; ++i) ASSERT_TRUE(f.link.send(0, tagged_frame(1500, static_cast<std::uint64_t>(i))));
  f.q.run_until_idle();
  const LinkCounters& c = f.link.counters(0);
  EXPECT_EQ(c.dropped_fcs, 1192u);
  EXPECT_NEAR(static_cast<double>(c.dropped_fcs), 1134.0, 130.0);  // sd = 31.7
  EXPECT_EQ(c.frames_delivered + c.dropped_fcs, static_cast<std::uint64_t>(kFrames));
  // No corrupted frame is ever delivered.
  for (const auto& g : f.b.got) ASSERT_EQ(g.bytes, tagged_frame(1500, tag_of(g.bytes)));
  expect_conservation(f.link, 0);
}

TEST(Link, EveryBitFlippedIsStillCaught) {
  Fixture f(LinkDirection{.bit_error_rate = 1.0});
  ASSERT_TRUE(f.link.send(0, tagged_frame(64, 1)));
  f.q.run_until_idle();
  EXPECT_TRUE(f.b.got.empty());
  EXPECT_EQ(f.link.counters(0).dropped_fcs, 1u);
}

TEST(Link, DuplicationDeliversASecondCopy) {
  Fixture f(LinkDirection{.bits_per_second = 0, .delay = 1ms, .duplicate = 1.0});
  const ByteVec frame = tagged_frame(200, 5);
  ASSERT_TRUE(f.link.send(0, frame));
  f.q.run_until_idle();
  ASSERT_EQ(f.b.got.size(), 2u);
  EXPECT_EQ(f.b.got[0], (Recorder::Arrival{1'000'000, frame}));
  EXPECT_EQ(f.b.got[1], f.b.got[0]);
  EXPECT_EQ(f.link.counters(0).duplicated, 1u);
  EXPECT_EQ(f.link.counters(0).frames_delivered, 2u);
  expect_conservation(f.link, 0);

  Fixture g(LinkDirection{.bits_per_second = 0, .delay = 1ms, .duplicate = 0.25}, 3);
  for (int i = 0; i < 4000; ++i) ASSERT_TRUE(g.link.send(0, tagged_frame(60, static_cast<std::uint64_t>(i))));
  g.q.run_until_idle();
  EXPECT_NEAR(static_cast<double>(g.link.counters(0).duplicated), 1000.0, 110.0);  // sd = 27
  EXPECT_EQ(g.b.got.size(), 4000 + g.link.counters(0).duplicated);
}

TEST(Link, JitterReorders) {
  Fixture f(LinkDirection{.bits_per_second = 100'000'000, .delay = 1ms, .jitter = 1ms}, 11);
  constexpr std::uint64_t kFrames = 200;
  for (std::uint64_t i = 0; i < kFrames; ++i) ASSERT_TRUE(f.link.send(0, tagged_frame(100, i)));
  f.q.run_until_idle();
  ASSERT_EQ(f.b.got.size(), kFrames);
  std::vector<std::uint64_t> tags;
  for (const auto& g : f.b.got) tags.push_back(tag_of(g.bytes));
  EXPECT_FALSE(std::is_sorted(tags.begin(), tags.end()));
  std::sort(tags.begin(), tags.end());
  for (std::uint64_t i = 0; i < kFrames; ++i) ASSERT_EQ(tags[i], i);  // all arrive, once
  // Every arrival lies within [serialization + delay, ... + jitter].
  for (const auto& g : f.b.got) {
    const std::int64_t tx_end = static_cast<std::int64_t>(tag_of(g.bytes) + 1) * (8 + 100 + 4 + 12) * 80 - 12 * 80;
    EXPECT_GE(g.at_ns, tx_end + 1'000'000);
    EXPECT_LE(g.at_ns, tx_end + 2'000'000);
  }
}

TEST(Link, DownAndUpAtScheduledTimes) {
  Fixture f(LinkDirection{.bits_per_second = 0, .delay = 1ms});
  f.link.schedule_state(at(10ms), false);
  f.link.schedule_state(at(20ms), true);
  // A frame every 2 ms from t = 0 to 28 ms; each takes 1 ms to arrive.
  for (int i = 0; i < 15; ++i)
    f.q.schedule_at(at(i * 2ms), [&f, i] { EXPECT_TRUE(f.link.send(0, tagged_frame(100, static_cast<std::uint64_t>(i)))); });
  // A frame in flight across the outage (sent at 9.5 ms, due at 10.5 ms) is lost
  // too, as is one that left before and is due after the link came back.
  f.q.schedule_at(at(9500us), [&f] { EXPECT_TRUE(f.link.send(0, tagged_frame(100, 100))); });
  f.q.run_until(at(19500us));
  EXPECT_FALSE(f.link.is_up());
  f.q.run_until_idle();
  EXPECT_TRUE(f.link.is_up());
  std::vector<std::uint64_t> tags;
  for (const auto& g : f.b.got) tags.push_back(tag_of(g.bytes));
  // Sent at 0..8 ms and 20..28 ms arrive; 10..18 ms (down) and 9.5 ms do not.
  EXPECT_EQ(tags, (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 10, 11, 12, 13, 14}));
  EXPECT_EQ(f.link.counters(0).dropped_down, 6u);
  expect_conservation(f.link, 0);
}

TEST(Link, OutageShorterThanTheFlightStillKillsTheFrame) {
  Fixture f(LinkDirection{.bits_per_second = 0, .delay = 10ms});
  ASSERT_TRUE(f.link.send(0, tagged_frame(100, 1)));
  f.link.schedule_state(at(2ms), false);
  f.link.schedule_state(at(3ms), true);
  f.q.run_until_idle();
  EXPECT_TRUE(f.b.got.empty());
  EXPECT_EQ(f.link.counters(0).dropped_down, 1u);
}

TEST(Link, GoingDownFlushesTheQueue) {
  Fixture f(LinkDirection{.bits_per_second = 10'000'000, .delay = 0ns});
  for (std::uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(f.link.send(0, tagged_frame(1000, i)));
  f.link.set_up(false);
  EXPECT_EQ(f.link.queued_bytes(0), 0u);
  f.link.set_up(true);
  ASSERT_TRUE(f.link.send(0, tagged_frame(1000, 9)));  // starts at once: the transmitter is free
  f.q.run_until_idle();
  ASSERT_EQ(f.b.got.size(), 1u);
  EXPECT_EQ(f.b.got[0].at_ns, (8 + 1000 + 4) * 8 * 100);
  EXPECT_EQ(f.link.counters(0).dropped_down, 4u);
}

TEST(Link, UnattachedSideCountsAsDown) {
  EventQueue q;
  Link link(q, Rng(1), LinkDirection{});
  ASSERT_TRUE(link.send(0, tagged_frame(100, 1)));
  q.run_until_idle();
  EXPECT_EQ(link.counters(0).dropped_down, 1u);
}

TEST(Link, ReplyFromInsideOnFrame) {
  // Ping-pong: each side sends back what it receives, 10 round trips.
  struct Echo final : FramePort {
    Echo(Link& l, int s, int n) : link(l), side(s), left(n) {}
    void on_frame(Bytes frame) override {
      if (left-- > 0) {
        EXPECT_TRUE(link.send(side, frame));
      }
    }
    Link& link;
    int side;
    int left;
  };
  EventQueue q;
  Link link(q, Rng(1), LinkDirection{.bits_per_second = 1'000'000'000, .delay = 5us});
  Echo a(link, 0, 10);
  Echo b(link, 1, 10);
  link.attach(0, &a);
  link.attach(1, &b);
  ASSERT_TRUE(link.send(0, tagged_frame(1500, 1)));
  q.run_until_idle();
  EXPECT_EQ(link.counters(0).frames_delivered, 11u);
  EXPECT_EQ(link.counters(1).frames_delivered, 10u);
  // 21 one-way trips of (8 + 1500 + 4) * 8 ns + 5 us each.
  EXPECT_EQ(q.now(), at(21 * (12'096ns + 5us)));
}

TEST(Link, DestroyingTheLinkCancelsItsEvents) {
  EventQueue q;
  {
    Link link(q, Rng(1), LinkDirection{.duplicate = 0.5});
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(link.send(0, tagged_frame(100, 1)));
    link.schedule_state(at(1s), false);
    EXPECT_GT(q.pending(), 10u);
  }
  EXPECT_EQ(q.pending(), 0u);
  EXPECT_EQ(q.run_until_idle(), 0u);
}

// Everything at once, for the determinism tests.
std::vector<Recorder::Arrival> impaired_run(std::uint64_t seed, LinkCounters* counters = nullptr) {
  const LinkDirection dir{.bits_per_second = 10'000'000,
                          .delay = 500us,
                          .queue_limit_bytes = 8000,
                          .loss = 0.05,
                          .bit_error_rate = 1e-5,
                          .duplicate = 0.05,
                          .jitter = 300us};
  Fixture f(dir, seed);
  Rng traffic(99);  // the offered load is the same for every link seed
  for (std::uint64_t i = 0; i < 2000; ++i) {
    const Instant when = at(Duration{static_cast<Duration::rep>(traffic.below(200'000'000))});
    const std::size_t len = 60 + traffic.below(1441);
    f.q.schedule_at(when, [&f, i, len] {
      f.link.send(static_cast<int>(i % 2), tagged_frame(len, i));
    });
  }
  f.q.run_until_idle();
  expect_conservation(f.link, 0);
  expect_conservation(f.link, 1);
  if (counters != nullptr) *counters = f.link.counters(0);
  std::vector<Recorder::Arrival> trace = std::move(f.b.got);
  trace.insert(trace.end(), f.a.got.begin(), f.a.got.end());
  return trace;
}

TEST(Link, TapSeesEveryAcceptedFrameAtHandOverTime) {
  Fixture f(LinkDirection{.bits_per_second = 10'000'000, .delay = 0ns, .queue_limit_bytes = 1000});
  struct Seen {
    int side;
    Instant at;
    std::uint64_t tag;
  };
  std::vector<Seen> seen;
  f.link.set_tap([&](int side, Instant t, Bytes frame) { seen.push_back({side, t, tag_of(ByteVec(frame.begin(), frame.end()))}); });
  EXPECT_TRUE(f.link.send(0, tagged_frame(1000, 1)));
  EXPECT_TRUE(f.link.send(0, tagged_frame(1000, 2)));
  EXPECT_FALSE(f.link.send(0, tagged_frame(1000, 3)));  // queue full: not on the wire, not tapped
  f.q.run_until(at(5ms));
  EXPECT_TRUE(f.link.send(1, tagged_frame(100, 4)));
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].side, 0);
  EXPECT_EQ(seen[0].tag, 1u);
  EXPECT_EQ(seen[1].tag, 2u);
  EXPECT_EQ(seen[1].at, at(0ms));
  EXPECT_EQ(seen[2].side, 1);
  EXPECT_EQ(seen[2].at, at(5ms));
  EXPECT_EQ(seen[2].tag, 4u);
}

TEST(Link, SameSeedGivesTheSameTraceAndAnotherSeedDoesNot) {
  LinkCounters c1;
  LinkCounters c2;
  LinkCounters c3;
  const auto first = impaired_run(5, &c1);
  const auto again = impaired_run(5, &c2);
  const auto other = impaired_run(6, &c3);
  EXPECT_EQ(first, again);
  EXPECT_EQ(c1, c2);
  EXPECT_NE(first, other);
  EXPECT_NE(c1, c3);
  // Every impairment fired, so the comparison covers them all.
  EXPECT_GT(c1.dropped_loss, 0u);
  EXPECT_GT(c1.dropped_fcs, 0u);
  EXPECT_GT(c1.duplicated, 0u);
  EXPECT_GT(c1.dropped_queue, 0u);
}

// A sum the sender's stack filled in reaches the receiver as known good
// (no second pass over the payload) only where no bit can have flipped: a
// direction with a bit error rate hands every frame over to be checked.
TEST(Link, ASenderFilledChecksumIsTrustedOnlyWhereNoBitCanFlip) {
  const auto trusted = [](LinkDirection cfg, bool owned, bool checksummed) {
    Fixture f(cfg);
    ByteVec frame = tagged_frame(200, 5);
    if (owned) {
      EXPECT_TRUE(f.link.send_owned(0, frame, frame.size(), checksummed));
    } else {
      EXPECT_TRUE(f.link.send(0, frame));
    }
    f.q.run_until_idle();
    return std::pair{f.b.got.size(), f.b.checksummed};
  };
  EXPECT_EQ(trusted(LinkDirection{}, true, true), (std::pair<std::size_t, int>{1, 1}));
  EXPECT_EQ(trusted(LinkDirection{}, true, false), (std::pair<std::size_t, int>{1, 0}));
  EXPECT_EQ(trusted(LinkDirection{}, false, false), (std::pair<std::size_t, int>{1, 0}));
  EXPECT_EQ(trusted(LinkDirection{.duplicate = 1.0}, true, true), (std::pair<std::size_t, int>{2, 2}));
  // 1e-12 flips no bit of 1,632 (the frame arrives) but could have.
  EXPECT_EQ(trusted(LinkDirection{.bit_error_rate = 1e-12}, true, true), (std::pair<std::size_t, int>{1, 0}));
}

// The fate tap knows where each copy was lost, and sees the frame as it left
// even when bit errors ruin it on the way: the captures' comments and the
// narrative's losses come from here.
TEST(Link, FateTapToldLossCorruptionDuplicatesQueueDropsAndDownLinks) {
  const auto fate_of = [](LinkDirection cfg, bool owned) {
    Fixture f(cfg);
    FrameFate fate;
    std::uint64_t tag = 0;
    int calls = 0;
    f.link.set_fate_tap([&](int, Instant, Bytes frame, FrameFate x) {
      fate = x;
      tag = tag_of(ByteVec(frame.begin(), frame.end()));
      ++calls;
    });
    ByteVec frame = tagged_frame(200, 77);
    if (owned) {
      EXPECT_TRUE(f.link.send_owned(0, frame, frame.size()));
    } else {
      EXPECT_TRUE(f.link.send(0, frame));
    }
    f.q.run_until_idle();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(tag, 77u);  // the clean bytes
    return std::pair{fate, f.link.counters(0)};
  };
  for (const bool owned : {false, true}) {
    auto [lost, lc] = fate_of(LinkDirection{.loss = 1.0}, owned);
    EXPECT_EQ(lost.drop, Drop::loss);
    EXPECT_TRUE(lost.lost());
    EXPECT_EQ(lc.dropped_loss, 1u);
    auto [bad, bc] = fate_of(LinkDirection{.bit_error_rate = 0.01}, owned);
    EXPECT_EQ(bad.drop, Drop::fcs);
    EXPECT_EQ(bc.dropped_fcs, 1u);
    auto [twice, tc] = fate_of(LinkDirection{.duplicate = 1.0}, owned);
    EXPECT_TRUE(twice.duplicated);
    EXPECT_EQ(twice.drop, Drop::none);
    EXPECT_EQ(twice.twin_drop, Drop::none);
    EXPECT_FALSE(twice.lost());
    EXPECT_EQ(tc.frames_delivered, 2u);
    auto [clean, cc] = fate_of(LinkDirection{}, owned);
    EXPECT_EQ(clean, FrameFate{});
    EXPECT_EQ(cc.frames_delivered, 1u);
  }
  {
    // A full queue: the fate tap sees the frame the plain tap never does.
    Fixture f(LinkDirection{.bits_per_second = 10'000'000, .delay = 0ns, .queue_limit_bytes = 1000});
    std::vector<std::pair<std::uint64_t, FrameFate>> seen;
    int tapped = 0;
    f.link.set_tap([&](int, Instant, Bytes) { ++tapped; });
    f.link.set_fate_tap([&](int, Instant, Bytes frame, FrameFate x) { seen.emplace_back(tag_of(ByteVec(frame.begin(), frame.end())), x); });
    EXPECT_TRUE(f.link.send(0, tagged_frame(1000, 1)));
    EXPECT_TRUE(f.link.send(0, tagged_frame(1000, 2)));
    EXPECT_FALSE(f.link.send(0, tagged_frame(1000, 3)));
    EXPECT_EQ(tapped, 2);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[2].first, 3u);
    EXPECT_EQ(seen[2].second.drop, Drop::queue);
    EXPECT_FALSE(seen[2].second.sent());
    EXPECT_TRUE(seen[1].second.sent());
  }
  // A frame in flight when the link goes down: told when it would have arrived.
  Fixture f(LinkDirection{.delay = 10ms});
  std::vector<std::tuple<Instant, Instant, Drop>> late;
  f.link.set_drop_tap([&](int, Instant sent, Bytes, Drop why) { late.emplace_back(sent, f.q.now(), why); });
  f.q.run_until(at(1ms));
  EXPECT_TRUE(f.link.send(0, tagged_frame(200, 5)));
  f.link.schedule_state(at(5ms), false);
  f.q.run_until_idle();
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(std::get<0>(late[0]), at(1ms));
  EXPECT_GT(std::get<1>(late[0]), at(10ms));
  EXPECT_EQ(std::get<2>(late[0]), Drop::down);
}

}  // namespace
}  // namespace wirestack::sim
