// loop/impairment_test.cpp — the wire impairment (loop/impairment.hpp):
// the spec's text form and its errors, and the model's behaviour in numbers
// over many frames (loss and duplication rates, delay, reordering, the limit).
#include "loop/impairment.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace wirestack::loop {
namespace {

using namespace std::chrono_literals;

std::vector<std::byte> frame_numbered(std::uint32_t n) {
  return {std::byte(n >> 24), std::byte(n >> 16), std::byte(n >> 8), std::byte(n)};
}

std::uint32_t number_of(Bytes f) {
  return (std::to_integer<std::uint32_t>(f[0]) << 24) | (std::to_integer<std::uint32_t>(f[1]) << 16) |
         (std::to_integer<std::uint32_t>(f[2]) << 8) | std::to_integer<std::uint32_t>(f[3]);
}

struct Delivered {
  std::uint32_t number;
  Instant at;
};

// Pushes `count` numbered frames, one every `gap`, releasing as time goes
// (as the TAP loop does), then drains; returns what came out and when.
std::vector<Delivered> run(Impairment& wire, std::uint32_t count, Duration gap) {
  std::vector<Delivered> out;
  Instant now = at(0ms);
  auto take = [&](Bytes f) { out.push_back({number_of(f), now}); };
  for (std::uint32_t i = 0; i < count; ++i) {
    while (auto due = wire.next_release()) {
      if (*due > now) break;
      wire.release(now, take);
    }
    wire.push(frame_numbered(i), now);
    wire.release(now, take);
    now += gap;
  }
  while (auto due = wire.next_release()) {
    now = std::max(now, *due);
    wire.release(now, take);
  }
  return out;
}

TEST(ImpairmentSpec, ParsesNetemLikeItems) {
  auto spec = ImpairmentSpec::parse("loss=5%,delay=10ms,jitter=250us,reorder=25%,duplicate=1%,limit=50");
  ASSERT_TRUE(spec) << spec.error();
  EXPECT_DOUBLE_EQ(spec->loss, 0.05);
  EXPECT_DOUBLE_EQ(spec->duplicate, 0.01);
  EXPECT_DOUBLE_EQ(spec->reorder, 0.25);
  EXPECT_EQ(spec->delay, 10ms);
  EXPECT_EQ(spec->jitter, 250us);
  EXPECT_EQ(spec->limit, 50u);
  EXPECT_TRUE(spec->active());
  EXPECT_EQ(spec->to_string(), "loss=5%,delay=10ms,jitter=250us,reorder=25%,duplicate=1%,limit=50");
  auto again = ImpairmentSpec::parse(spec->to_string());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->to_string(), spec->to_string());
  EXPECT_FALSE(ImpairmentSpec{}.active());
  EXPECT_EQ(ImpairmentSpec{}.to_string(), "none");
}

TEST(ImpairmentSpec, ErrorsNameTheItemAndWhatWasExpected) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const auto& c : {Case{"", "expected items"}, Case{"loss=5", "loss=5: expected a percentage"},
                        Case{"loss=101%", "from 0% to 100%"}, Case{"loss=-1%", "from 0% to 100%"},
                        Case{"delay=10", "delay=10: expected a duration"}, Case{"delay=2m", "with a unit"},
                        Case{"delay=61s", "from 0 to 60s"}, Case{"jitter=xms", "jitter=xms"},
                        Case{"limit=0", "limit=0: expected a frame count"},
                        Case{"speed=10%", "unknown item \"speed\""}, Case{"loss", "expected KEY=VALUE"},
                        Case{"reorder=25%", "reorder needs a delay"}}) {
    auto r = ImpairmentSpec::parse(c.text);
    ASSERT_FALSE(r) << c.text;
    EXPECT_NE(r.error().find(c.says), std::string::npos) << c.text << " -> " << r.error();
  }
}

TEST(Impairment, NothingSetPassesEveryFrameAtOnceInOrder) {
  Impairment wire({}, Rng(1));
  auto out = run(wire, 1000, 1ms);
  ASSERT_EQ(out.size(), 1000u);
  for (std::uint32_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].number, i);
    EXPECT_EQ(out[i].at, at(std::chrono::milliseconds{i}));
  }
}

TEST(Impairment, LossAndDuplicationHappenAtTheirRates) {
  auto spec = ImpairmentSpec::parse("loss=5%,duplicate=1%");
  ASSERT_TRUE(spec);
  Impairment wire(*spec, Rng(7));
  constexpr std::uint32_t kFrames = 100'000;
  auto out = run(wire, kFrames, 10us);
  const auto& c = wire.counters();
  EXPECT_EQ(c.frames, kFrames);
  // Binomial: frames lost undoubled (5% of 99%) plus copies lost (5% of 1%):
  // 5000 +- 69 (sd); 1% of 100,000 doubled is 1000 +- 31.
  EXPECT_NEAR(static_cast<double>(c.dropped_loss), 5000, 350);
  EXPECT_NEAR(static_cast<double>(c.duplicated), 1000, 160);
  EXPECT_EQ(c.released, kFrames + c.duplicated - c.dropped_loss);
  EXPECT_EQ(out.size(), c.released);
  EXPECT_EQ(c.reordered, 0u);
}

// netem's rule: loss only cancels the duplication of a frame that was to be
// doubled; the copy then draws loss on its own.
TEST(Impairment, LossOfADoubledFrameCancelsOnlyTheCopy) {
  auto spec = ImpairmentSpec::parse("loss=100%,duplicate=100%");
  ASSERT_TRUE(spec);
  Impairment wire(*spec, Rng(5));
  auto out = run(wire, 100, 1ms);
  ASSERT_EQ(out.size(), 100u);
  for (std::uint32_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].number, i);
  EXPECT_EQ(wire.counters().duplicated, 100u);
  EXPECT_EQ(wire.counters().dropped_loss, 100u);
}

TEST(Impairment, DelayHoldsEveryFrameAndJitterStaysInItsBand) {
  auto spec = ImpairmentSpec::parse("delay=10ms,jitter=2ms");
  ASSERT_TRUE(spec);
  Impairment wire(*spec, Rng(3));
  auto out = run(wire, 2000, 1ms);
  ASSERT_EQ(out.size(), 2000u);
  Duration least = 1h, most = Duration::zero();
  for (const auto& d : out) {
    const Duration waited = d.at - at(std::chrono::milliseconds{d.number});
    least = std::min(least, waited);
    most = std::max(most, waited);
  }
  // Released when the loop looks (every 1 ms here), never before due.
  EXPECT_GE(least, 8ms);
  EXPECT_LE(most, 13ms);
  EXPECT_LT(least, 9ms);   // the band is used, both ends
  EXPECT_GT(most, 11ms);
}

TEST(Impairment, ReorderSendsSomeFramesAheadOfDelayedOnes) {
  auto spec = ImpairmentSpec::parse("delay=10ms,reorder=25%");
  ASSERT_TRUE(spec);
  Impairment wire(*spec, Rng(11));
  auto out = run(wire, 10'000, 100us);
  ASSERT_EQ(out.size(), 10'000u);
  EXPECT_NEAR(static_cast<double>(wire.counters().reordered), 2500, 200);
  std::uint64_t overtakes = 0;
  std::uint32_t highest = 0;
  for (const auto& d : out) {
    if (d.number < highest) ++overtakes;  // an earlier frame arrives after a later one
    highest = std::max(highest, d.number);
  }
  EXPECT_GT(overtakes, 5000u);  // each of ~7500 delayed frames is overtaken by a prompt one
}

TEST(Impairment, TheLimitDropsWhatDoesNotFit) {
  auto spec = ImpairmentSpec::parse("delay=1s,limit=10");
  ASSERT_TRUE(spec);
  Impairment wire(*spec, Rng(1));
  for (std::uint32_t i = 0; i < 15; ++i) wire.push(frame_numbered(i), at(0ms));
  EXPECT_EQ(wire.waiting(), 10u);
  EXPECT_EQ(wire.counters().dropped_limit, 5u);
  ASSERT_TRUE(wire.next_release());
  EXPECT_EQ(*wire.next_release(), at(1s));
  std::vector<std::uint32_t> got;
  wire.release(at(999ms), [&](Bytes f) { got.push_back(number_of(f)); });
  EXPECT_TRUE(got.empty());
  wire.release(at(1s), [&](Bytes f) { got.push_back(number_of(f)); });
  EXPECT_EQ(got, (std::vector<std::uint32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));  // same due: first in, first out
  EXPECT_FALSE(wire.next_release());
}

TEST(Impairment, TheSameSeedGivesTheSameWire) {
  auto spec = ImpairmentSpec::parse("loss=10%,delay=5ms,jitter=5ms,reorder=10%,duplicate=5%");
  ASSERT_TRUE(spec);
  Impairment a(*spec, Rng(42)), b(*spec, Rng(42)), c(*spec, Rng(43));
  auto oa = run(a, 5000, 50us), ob = run(b, 5000, 50us), oc = run(c, 5000, 50us);
  auto same = [](const std::vector<Delivered>& x, const std::vector<Delivered>& y) {
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i].number != y[i].number || x[i].at != y[i].at) return false;
    }
    return true;
  };
  EXPECT_TRUE(same(oa, ob));
  EXPECT_FALSE(same(oa, oc));
}

}  // namespace
}  // namespace wirestack::loop
