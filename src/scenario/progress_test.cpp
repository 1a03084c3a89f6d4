// Tests for scenario/progress.hpp: when the progress line is printed and what it says.
#include "scenario/progress.hpp"

#include <gtest/gtest.h>

namespace wirestack::scenario {
namespace {

RunProgress at_seconds(double s, std::uint64_t events, std::uint64_t frames) {
  return RunProgress{at(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s))), events, frames};
}

TEST(ProgressMeter, PrintsAWholeLineEveryIntervalOfWallTime) {
  ProgressMeter m({.until = 10, .every = 2.0, .terminal = false});
  EXPECT_FALSE(m.update(at_seconds(0.1, 1000, 10), 0.5));
  auto line = m.update(at_seconds(1.5, 4'000'000, 300), 2.0);
  ASSERT_TRUE(line);
  EXPECT_EQ(*line, "progress: simulated 1.50 s of 10.00 s, 2.00 M events/s, 4000000 events, 300 frames\n");
  EXPECT_FALSE(m.update(at_seconds(2.0, 5'000'000, 400), 3.9));
  // The rate is over the wall time since the previous line.
  line = m.update(at_seconds(3.0, 7'000'000, 500), 4.0);
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("1.50 M events/s"), std::string::npos) << *line;
  EXPECT_EQ(m.finish(), "") << "a line each needs no clearing";
}

TEST(ProgressMeter, OnATerminalRewritesOneLineAndClearsIt) {
  ProgressMeter m({.until = 5, .every = 0, .terminal = true});
  EXPECT_EQ(m.finish(), "") << "nothing drawn, nothing to clear";
  auto line = m.update(at_seconds(1, 10, 2), 0.0);
  ASSERT_TRUE(line);
  EXPECT_EQ(line->front(), '\r');
  EXPECT_EQ(line->find('\n'), std::string::npos);
  EXPECT_EQ(m.finish().front(), '\r');
}

}  // namespace
}  // namespace wirestack::scenario
