// The summary names why clients waited (issue: "the summary and report name
// the cause of delay next to the percentiles").
#include <gtest/gtest.h>

#include <sstream>

#include "scenario/example_run.hpp"
#include "scenario/network.hpp"

namespace wirestack::scenario::testing {
namespace {

std::string text(const DelayCauses& c) {
  std::ostringstream os;
  os << c;
  return os.str();
}

TEST(DelayCauses, EachCauseWithTheHostsThatCountedItMostFirst) {
  DelayCauses c;
  c.resolution_drops = {{"c3", 52}, {"c0", 37}};
  c.listen_drops = {{"web", 9}};
  c.retransmitted_segments = 98;
  c.link_queue_drops = 2;
  c.link_losses = 1;
  EXPECT_EQ(text(c),
            "where the waiting came from: 89 datagrams dropped while ARP/ND resolved (c3 52, c0 37), 9 SYNs dropped "
            "by full listen queues (web 9), 98 retransmitted segments, 3 frames dropped on links (2 by full queues, 1 "
            "lost, 0 with bit errors)");
}

TEST(DelayCauses, ManyHostsAreCutAfterFive) {
  DelayCauses c;
  for (int i = 0; i < 7; ++i) c.resolution_drops.emplace_back("c" + std::to_string(i), 10 - i);
  EXPECT_NE(text(c).find("(c0 10, c1 9, c2 8, c3 7, c4 6, and 2 more hosts)"), std::string::npos) << text(c);
}

TEST(DelayCauses, NothingLostSaysTheLatencyIsThePath) {
  EXPECT_EQ(text(DelayCauses{}),
            "where the waiting came from: 0 datagrams dropped while ARP/ND resolved, 0 SYNs dropped by full listen "
            "queues, 0 retransmitted segments, 0 frames dropped on links: nothing was lost or sent twice, the latency "
            "is the path, its queues and the servers' work");
}

// Fifty clients at once against a listener whose SYN queue holds two, with
// SYN cookies off: the SYNs it drops come again a second later, and the
// summary says whose queue dropped them.
TEST(DelayCauses, ASynQueueThatOverflowsIsNamedUnderThePercentiles) {
  // kTwoHosts with b's SYN cookies off (a key of b's host table).
  std::string file = kTwoHosts;
  file.insert(file.find("name = \"b\"\n") + 11, "syn_cookies = false\n");
  file += R"(
[[app]]
type = "http_server"
host = "b"
backlog = 2
[[app]]
type = "http_client"
host = "a"
url = "http://10.0.0.2/"
count = 50
interval = "10us"
)";
  auto run = run_narrated(file, "t.toml");
  ASSERT_TRUE(run.result) << run.error;
  const auto at = run.text.find("where the waiting came from: ");
  ASSERT_NE(at, std::string::npos) << run.text;
  const std::string line = run.text.substr(at, run.text.find('\n', at) - at);
  EXPECT_NE(line.find("SYNs dropped by full listen queues (b "), std::string::npos) << line;
  EXPECT_EQ(line.find("retransmitted segments: nothing"), std::string::npos) << line;
  EXPECT_EQ(line.find(", 0 retransmitted segments"), std::string::npos) << line;  // the dropped SYNs came again
}

// Without request clients (a ping, a bulk flow) there is no latency to explain.
TEST(DelayCauses, NotPrintedWithoutRequestClients) {
  auto run = run_narrated(kTwoHosts + R"(
[[app]]
type = "ping"
host = "a"
to = "10.0.0.2"
count = 2
)",
                          "t.toml");
  ASSERT_TRUE(run.result) << run.error;
  EXPECT_EQ(run.text.find("where the waiting came from"), std::string::npos);
}

}  // namespace
}  // namespace wirestack::scenario::testing
