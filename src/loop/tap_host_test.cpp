// loop/tap_host_test.cpp — TapHost's loop: time limit, stop() from a hook,
// SIGTERM through the signalfd, wake_at() deadlines. Needs root and
// /dev/net/tun (skipped otherwise); each test moves its own process into a
// fresh network namespace first, so the TAP devices it makes are invisible
// to the host and vanish with the process. The device stays down: frames we
// send fail (counted), nothing arrives.
#include "loop/tap_host.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <csignal>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "app/ping.hpp"
#include "app/udp_apps.hpp"

namespace wirestack::loop {
using namespace app;  // the applications (src/app/) these tests run
namespace {

using namespace std::chrono_literals;

class TapHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0 || ::access("/dev/net/tun", R_OK | W_OK) != 0) GTEST_SKIP() << "needs root and /dev/net/tun";
    if (::unshare(CLONE_NEWNET) != 0) GTEST_SKIP() << "cannot make a network namespace";
    auto tap = dev::TapDevice::open("wsloop0");
    if (!tap && tap.error().find("not permitted") != std::string::npos) {
      GTEST_SKIP() << "this environment forbids TAP devices: " << tap.error();
    }
    ASSERT_TRUE(tap) << tap.error();
    host_.emplace(std::move(*tap), TapHostConfig{.mac = MacAddress::from_parts(0x027700, 2)});
    ASSERT_TRUE(host_->stack().add_address(host_->nic(), *Ipv4Prefix::parse("10.77.0.2/24")));
  }
  std::optional<TapHost> host_;
};

TEST(RealClock, StartsAtZeroAndNeverGoesBack) {
  const RealClock clock;
  const Instant a = clock.now();
  const Instant b = clock.now();
  EXPECT_GE(a, Instant{});
  EXPECT_LT(a, Instant{1s});
  EXPECT_LE(a, b);
}

TEST_F(TapHostTest, RunEndsAtTimeLimitAndCountsFailedWrites) {
  auto why = host_->run(30ms);
  ASSERT_TRUE(why) << why.error();
  EXPECT_EQ(*why, StopReason::time_limit);
  EXPECT_GE(host_->now(), Instant{30ms});
  EXPECT_TRUE(host_->stack().is_up(host_->nic()));
  // The gratuitous ARP could not go out: the kernel side is down.
  EXPECT_GE(host_->counters().tx_errors, 1u);
  EXPECT_NE(host_->counters().first_tx_error.find("wsloop0"), std::string::npos) << host_->counters().first_tx_error;
  EXPECT_EQ(host_->counters().frames_in, 0u);
}

TEST_F(TapHostTest, StopFromHookEndsRun) {
  int calls = 0;
  host_->on_activity([&] {
    if (++calls == 1) host_->stop();
  });
  auto why = host_->run(5s);
  ASSERT_TRUE(why) << why.error();
  EXPECT_EQ(*why, StopReason::stopped);
  EXPECT_EQ(calls, 1);
}

TEST_F(TapHostTest, SigtermEndsRunCleanly) {
  host_->on_activity([] { ::kill(::getpid(), SIGTERM); });  // blocked: read from the signalfd
  auto why = host_->run(5s);
  ASSERT_TRUE(why) << why.error();
  EXPECT_EQ(*why, StopReason::signal);
  // The signal was consumed: restoring the mask did not kill us.
  sigset_t pending;
  ::sigpending(&pending);
  EXPECT_FALSE(::sigismember(&pending, SIGTERM));
}

TEST_F(TapHostTest, WakeAtRunsTheHooksAgain) {
  std::vector<Instant> runs;
  host_->on_activity([&] {
    runs.push_back(host_->now());
    if (runs.size() == 4) {
      host_->stop();
      return;
    }
    host_->wake_at(runs.back() + 10ms);
  });
  auto why = host_->run(5s);
  ASSERT_TRUE(why) << why.error();
  EXPECT_EQ(*why, StopReason::stopped);
  ASSERT_EQ(runs.size(), 4u);
  for (std::size_t i = 1; i < runs.size(); ++i) EXPECT_GE(runs[i] - runs[i - 1], 10ms);
  EXPECT_LT(runs.back() - runs.front(), 2s);
}

TEST_F(TapHostTest, PingGivesUpAfterLingerWithoutReplies) {
  std::ostringstream out;
  Ping ping(*host_, Ipv4Address(10, 77, 0, 1),
            {.count = 2, .interval = 10ms, .ident = 7, .linger = 50ms, .lines = &out, .on_done = [&] { host_->stop(); }});
  auto why = host_->run(5s);
  ASSERT_TRUE(why) << why.error();
  EXPECT_EQ(*why, StopReason::stopped);
  EXPECT_EQ(ping.result().sent, 2);
  EXPECT_EQ(ping.result().received, 0);
  EXPECT_TRUE(ping.done());
  std::ostringstream summary;
  ping.print_summary(summary);
  EXPECT_NE(summary.str().find("2 packets transmitted, 0 received, 100% packet loss"), std::string::npos)
      << summary.str();
}

TEST_F(TapHostTest, UdpEchoBindsItsPort) {
  UdpEchoServer echo(*host_, 7777);
  ASSERT_TRUE(echo.bound());
  EXPECT_EQ(echo.bound()->port, 7777);
  UdpEchoServer again(*host_, 7777);
  EXPECT_FALSE(again.bound());
}

}  // namespace
}  // namespace wirestack::loop
