// scenario/checks_test.cpp — files whose every value parses but whose
// network cannot work: the exact message (file:line:column: what) for an
// address given twice, a cable across subnets, a gateway off-link or equal
// to the host's own address, two servers on one port, a zero or negative
// rate or time.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "scenario/runner.hpp"
#include "scenario/topology.hpp"

namespace wirestack::scenario {
namespace {

std::string error_of(const std::string& text) {
  auto t = load_topology(text, "t.toml");
  if (t) return "(loaded)";
  return t.error();
}

// Hosts a and b on a switch (lines 2-15), then whatever the test adds.
// The addresses are TOML values: "\"10.0.0.1/24\"" or a list.
std::string lan_of(const std::string& a_value, const std::string& b_value, const std::string& more = "") {
  return "\n[[host]]\nname = \"a\"\n[[host]]\nname = \"b\"\n[[switch]]\nname = \"sw\"\n"
         "[[link]]\nfrom = \"a\"\nfrom_address = " + a_value + "\nto = \"sw\"\n"
         "[[link]]\nfrom = \"b\"\nfrom_address = " + b_value + "\nto = \"sw\"\n" + more;
}
std::string lan(const std::string& a_address, const std::string& b_address, const std::string& more = "") {
  return lan_of("\"" + a_address + "\"", "\"" + b_address + "\"", more);
}

TEST(TopologyChecks, AGoodFileLoads) { EXPECT_EQ(error_of(lan("10.0.0.1/24", "10.0.0.2/24")), "(loaded)"); }

TEST(TopologyChecks, OneAddressGivenTwice) {
  EXPECT_EQ(error_of(lan("10.0.0.1/24", "10.0.0.1/24")),
            "t.toml:14:16: link: 10.0.0.1 is given twice: to b's card here and to a's card at line 10 (two cards "
            "with one address answer each other's ARP and steal each other's traffic)");
  EXPECT_EQ(error_of(lan("10.0.0.1/24", "10.0.0.1/16")).substr(0, 45), "t.toml:14:16: link: 10.0.0.1 is given twice: ");
  EXPECT_EQ(error_of(lan_of(R"(["10.0.0.1/24", "2001:db8::1/64"])", R"(["10.0.0.2/24", "2001:db8::1/64"])")),
            "t.toml:14:32: link: 2001:db8::1 is given twice: to b's card here and to a's card at line 10 "
            "(duplicate address detection would refuse it)");
}

TEST(TopologyChecks, NetworkOrBroadcastAddressOnACard) {
  EXPECT_EQ(error_of(lan("10.0.0.0/24", "10.0.0.2/24")),
            "t.toml:10:16: link: 10.0.0.0/24 is the network address of its subnet, not a card's (use one between "
            "10.0.0.1 and 10.0.0.254)");
  EXPECT_EQ(error_of(lan("10.0.0.1/24", "10.0.0.255/24")),
            "t.toml:14:16: link: 10.0.0.255/24 is the broadcast address of its subnet, not a card's (use one "
            "between 10.0.0.1 and 10.0.0.254)");
  // A /31 (RFC 3021) has no network or broadcast address.
  EXPECT_EQ(error_of("[[host]]\nname = \"a\"\n[[host]]\nname = \"b\"\n[[link]]\nfrom = \"a\"\nfrom_address = "
                     "\"10.0.0.0/31\"\nto = \"b\"\nto_address = \"10.0.0.1/31\"\n"),
            "(loaded)");
}

TEST(TopologyChecks, CableEndsInDifferentSubnets) {
  const std::string two = "[[host]]\nname = \"a\"\n[[router]]\nname = \"r\"\n[[link]]\nfrom = \"a\"\nfrom_address = ";
  EXPECT_EQ(error_of(two + "\"10.0.0.1/24\"\nto = \"r\"\nto_address = \"10.0.1.1/24\"\n"),
            "t.toml:9:14: link 'a-r': its ends are in different subnets (a 10.0.0.1/24, r 10.0.1.1/24): neither "
            "could send to the other without a router; give both one subnet");
  EXPECT_EQ(error_of(two + "\"10.0.0.1/24\"\nto = \"r\"\nto_address = \"10.0.0.2/24\"\n"), "(loaded)");
}

TEST(TopologyChecks, GatewayOffLinkOrOurOwn) {
  const auto with_gateway = [](const std::string& gw) {
    return "[[host]]\nname = \"a\"\ngateway = \"" + gw +
           "\"\n[[switch]]\nname = \"sw\"\n[[link]]\nfrom = \"a\"\nfrom_address = \"10.0.0.1/24\"\nto = \"sw\"\n";
  };
  EXPECT_EQ(error_of(with_gateway("10.0.0.254")), "(loaded)");
  EXPECT_EQ(error_of(with_gateway("10.0.9.1")),
            "t.toml:3:11: host 'a': gateway 10.0.9.1 is on none of its networks (10.0.0.0/24): a next hop must "
            "be on one of them");
  EXPECT_EQ(error_of(with_gateway("10.0.0.1")),
            "t.toml:3:11: host 'a': gateway 10.0.0.1 is a's own address: a gateway is another node (a router) on its "
            "network");
  const std::string route = "[[host]]\nname = \"a\"\nroutes = [{ to = \"10.9.0.0/16\", via = \"10.1.0.1\" }]\n"
                            "[[switch]]\nname = \"sw\"\n[[link]]\nfrom = \"a\"\nfrom_address = \"10.0.0.1/24\"\nto = \"sw\"\n";
  EXPECT_EQ(error_of(route),
            "t.toml:3:11: host 'a': route to 10.9.0.0/16 via 10.1.0.1 is on none of its networks (10.0.0.0/24): a "
            "next hop must be on one of them");
}

TEST(TopologyChecks, TwoServersOnOnePortOfAHost) {
  const std::string servers = lan("10.0.0.1/24", "10.0.0.2/24",
                                  "[[app]]\ntype = \"http_server\"\nhost = \"b\"\n"
                                  "[[app]]\ntype = \"tcp_sink\"\nhost = \"b\"\nport = 80\n");
  EXPECT_EQ(error_of(servers),
            "t.toml:20:8: app tcp_sink: port 80/tcp of host 'b' is taken by the http_server at line 17; give one of "
            "them another 'port'");
  // TCP and UDP are separate port spaces; other hosts have their own.
  EXPECT_EQ(error_of(lan("10.0.0.1/24", "10.0.0.2/24",
                         "[[app]]\ntype = \"udp_echo_server\"\nhost = \"b\"\nport = 80\n"
                         "[[app]]\ntype = \"http_server\"\nhost = \"b\"\n"
                         "[[app]]\ntype = \"http_server\"\nhost = \"a\"\n")),
            "(loaded)");
  // A DNS server takes its port in both.
  EXPECT_EQ(error_of(lan("10.0.0.1/24", "10.0.0.2/24",
                         "[[app]]\ntype = \"dns_server\"\nhost = \"b\"\nzone = \"10.0.0.2 web.x\"\n"
                         "[[app]]\ntype = \"udp_echo_server\"\nhost = \"b\"\nport = 53\n"))
                .substr(0, 66),
            "t.toml:21:8: app udp_echo_server: port 53/udp of host 'b' is taken");
}

TEST(TopologyChecks, ZeroNegativeAndAbsurdValues) {
  const auto link = [](const std::string& keys) {
    return "[[host]]\nname = \"a\"\n[[host]]\nname = \"b\"\n[[link]]\nfrom = \"a\"\nfrom_address = \"10.0.0.1/24\"\n"
           "to = \"b\"\nto_address = \"10.0.0.2/24\"\n" + keys + "\n";
  };
  EXPECT_EQ(error_of(link("bandwidth = 0")), "(loaded)");  // the number 0: infinitely fast
  EXPECT_EQ(error_of(link("bandwidth = \"0Mbit/s\"")),
            "t.toml:10:13: link: 'bandwidth' = \"0Mbit/s\" carries nothing; for an infinitely fast cable write "
            "bandwidth = 0");
  EXPECT_EQ(error_of(link("bandwidth = \"0.1bit/s\"")).substr(0, 48), "t.toml:10:13: link: 'bandwidth' = \"0.1bit/s\" car");
  EXPECT_EQ(error_of(link("bandwidth = -5")),
            "t.toml:10:13: link: 'bandwidth' = -5 is out of range (0..1125899906842624)");
  EXPECT_EQ(error_of(link("bandwidth = \"-5Mbit/s\"")),
            "t.toml:10:13: link: 'bandwidth' = \"-5Mbit/s\": expected a rate such as \"100Mbit/s\" (units: bit/s, "
            "kbit/s, Mbit/s, Gbit/s)");
  EXPECT_EQ(error_of(link("bandwidth = \"5Pbit/s\"")).substr(0, 56),
            "t.toml:10:13: link: 'bandwidth' = \"5Pbit/s\": unknown rat");
  EXPECT_EQ(error_of(link("bandwidth = \"9000000Gbit/s\"")),
            "t.toml:10:13: link: 'bandwidth' = \"9000000Gbit/s\": more than 2^50 bit/s");
  EXPECT_EQ(error_of(link("delay = -1")), "t.toml:10:9: link: 'delay' = -1 is out of range (0..1e+09)");
  EXPECT_EQ(error_of(link("delay = \"-1ms\"")),
            "t.toml:10:9: link: 'delay' = \"-1ms\": expected a time such as \"2ms\" (units: ns, us, ms, s)");
  EXPECT_EQ(error_of(link("delay = \"2000000000s\"")),
            "t.toml:10:9: link: 'delay' = \"2000000000s\": more than 1e9 s (31 years)");
  EXPECT_EQ(error_of(link("loss = 1.5")), "t.toml:10:8: link: 'loss' = 1.5 is out of range (0..1)");
  EXPECT_EQ(error_of(link("queue_bytes = -1")),
            "t.toml:10:15: link: 'queue_bytes' = -1 is out of range (0..1073741824)");
}

// A duplicate the file cannot hold (the loader refuses it) but a network can
// acquire at run time: here by editing the loaded topology. Both hosts see
// the other's announcement, count the conflict and the narrative says so.
TEST(TopologyChecks, ARunTimeDuplicateIsCountedAndNarrated) {
  auto t = load_topology(lan("10.0.0.1/24", "10.0.0.2/24",
                             "[[app]]\ntype = \"ping\"\nhost = \"a\"\nto = \"10.0.0.9\"\ncount = 1\nexpect = \"failure\"\n"),
                         "t.toml");
  ASSERT_TRUE(t) << t.error();
  t->links[1].from.address = "10.0.0.1/24";
  std::ostringstream os;
  auto r = run(*t, RunConfig{.seed = 1, .until = 2}, os);
  ASSERT_TRUE(r) << r.error();
  const std::string text = os.str();
  EXPECT_NE(text.find("---- a: 10.0.0.1 is also used by 02:57:53:00:00:02 (ARP conflict on nic 0): defended with an "
                      "announcement ----"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("---- b: 10.0.0.1 is also used by 02:57:53:00:00:01 (ARP conflict on nic 0)"), std::string::npos);
  EXPECT_NE(text.find("conflicts "), std::string::npos);  // in the hosts' counters
}

}  // namespace
}  // namespace wirestack::scenario
