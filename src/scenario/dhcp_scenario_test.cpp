// scenario/dhcp_scenario_test.cpp — DHCP in topology files: a dhcp_server on
// a router, hosts whose card's address is "dhcp"; the narrative shows the
// four messages from 0.0.0.0, the lease configures address, gateway and DNS
// server (a page fetched by name); the loader's errors.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "scenario/example_run.hpp"
#include "scenario/runner.hpp"

namespace wirestack::scenario {
namespace {

using testing::read_example;
using testing::run_narrated;

const std::string kExample = "dhcp_campus.toml";

TEST(DhcpScenario, HostsGetAddressGatewayAndDnsThenUseThem) {
  const auto run = run_narrated(read_example(kExample), kExample);
  ASSERT_TRUE(run.result) << run.error;
  const auto* r = &*run.result;
  const std::string& text = run.text;
  EXPECT_TRUE(r->passed) << text.substr(text.find("== results"));
  const auto discover = text.find("a -> lan  UDP      0.0.0.0:68 > 255.255.255.255:67, 300 bytes  | DHCP DISCOVER");
  const auto offer = text.find("r -> lan  UDP      10.0.1.1:67 > 255.255.255.255:68, 300 bytes  | DHCP OFFER", discover);
  const auto request = text.find("a -> lan  UDP      0.0.0.0:68 > 255.255.255.255:67, 300 bytes  | DHCP REQUEST", offer);
  const auto ack = text.find("| DHCP ACK", request);
  const auto bound = text.find("a: DHCP bound to 10.0.1.101/24 from server 10.0.1.1", ack);
  const auto get = text.find("a -> lan  TCP      10.0.1.101:", bound);
  for (auto at : {discover, offer, request, ack, bound, get}) EXPECT_NE(at, std::string::npos);
  EXPECT_NE(text.find("gateway 10.0.1.1, DNS 10.0.2.53"), std::string::npos);
  EXPECT_NE(text.find("DHCP server r: 2 DISCOVER, 2 OFFER, 2 REQUEST, 2 ACK, 0 NAK"), std::string::npos);
  EXPECT_NE(text.find("GET http://web.campus/ from a: HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_NE(text.find("ping 10.0.2.53 from c:  2 packets transmitted, 2 received"), std::string::npos);
}

TEST(DhcpScenario, AFullPoolLeavesTheSecondHostWithoutAnAddress) {
  std::string text = read_example(kExample);
  text.replace(text.find("pool = \"10.0.1.100-10.0.1.150\""), 30, "pool = \"10.0.1.100-10.0.1.100\"");
  auto t = load_topology(text, "dhcp_campus.toml");
  ASSERT_TRUE(t) << t.error();
  std::ostringstream os;
  auto r = run(*t, RunConfig{.seed = 1, .until = t->until, .narrate = false}, os);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->passed);  // a has no address: its GET fails
  EXPECT_NE(os.str().find("3 DISCOVER, 1 OFFER, 1 REQUEST, 1 ACK, 0 NAK, 0 RELEASE, 0 DECLINE, 2 unanswered (pool full)"),
            std::string::npos)  // a retried after 4 s
      << os.str();
}

using testing::error_of;

TEST(DhcpScenario, LoaderErrors) {
  const std::string base = read_example(kExample);
  std::string t = base;
  t.replace(t.find("pool = \"10.0.1.100-10.0.1.150\""), 30, "pool = \"10.0.1.100\"");
  EXPECT_NE(error_of(t).find("'10.0.1.100': expected FIRST-LAST"), std::string::npos) << error_of(t);
  t = base;
  t.replace(t.find("from_address = \"10.0.1.1/24\""), 28, "from_address = \"dhcp\"");
  EXPECT_NE(error_of(t).find("'r' is a router: give its card a fixed address, not \"dhcp\""), std::string::npos)
      << error_of(t);
}

}  // namespace
}  // namespace wirestack::scenario
