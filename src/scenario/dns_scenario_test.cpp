// scenario/dns_scenario_test.cpp — names in topology files: a dns_server
// application, hosts with `dns`, clients whose targets are names; the
// narrative shows the query and the answer before the connection; the
// loader's errors for names without a server and for a bad zone.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "scenario/example_run.hpp"
#include "scenario/runner.hpp"

namespace wirestack::scenario {
namespace {

using testing::read_example;
using testing::error_of;
using testing::kTwoHosts;
using testing::run_narrated;

const std::string kExample = "dns_campus.toml";

TEST(DnsScenario, ClientsConnectByNameAfterTheQueryAndAnswer) {
  const auto run = run_narrated(read_example(kExample), kExample);
  ASSERT_TRUE(run.result) << run.error;
  const auto* r = &*run.result;
  const std::string& text = run.text;
  EXPECT_TRUE(r->passed) << text.substr(text.find("== results"));
  // a's first frames to the world: the query, the answer, then the SYN to web's address.
  const auto query = text.find("a -> lan  UDP      10.0.1.10:");
  const auto answer = text.find("DNS answer", query);
  const auto syn = text.find("a -> lan  TCP      10.0.1.10:");
  ASSERT_NE(query, std::string::npos);
  EXPECT_NE(text.find("| DNS query ", query), std::string::npos);
  ASSERT_NE(answer, std::string::npos);
  ASSERT_NE(syn, std::string::npos);
  EXPECT_LT(query, answer);
  EXPECT_LT(answer, syn);
  EXPECT_NE(text.find("NOERROR aa A web.campus. [CNAME www.campus., A 10.0.2.20]"), std::string::npos);
  EXPECT_NE(text.find("> 10.0.2.20:80  SYN (handshake 1/3"), std::string::npos);
  EXPECT_NE(text.find("GET http://web.campus/ from a: HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_NE(text.find("JSON-RPC time from c to time.campus:7000: {"), std::string::npos);
  EXPECT_NE(text.find("ping www.campus from a:  2 packets transmitted, 2 received"), std::string::npos);
  EXPECT_NE(text.find("UDP c -> nothere.campus:9: DNS: nothere.campus: no such name (NXDOMAIN)"), std::string::npos);
  EXPECT_NE(text.find("DNS server ns:53 (6 records): 4 queries (4 UDP, 0 TCP), 3 answered, 0 NODATA, 1 NXDOMAIN"),
            std::string::npos);
}

TEST(DnsScenario, TheServerStopsAnsweringWhileItsHostIsDown) {
  std::string text = read_example(kExample);
  text += "\n[[fault]]\nat = \"0.1s\"\nhost = \"ns\"\naction = \"crash\"\n";
  auto t = load_topology(text, "dns_campus.toml");
  ASSERT_TRUE(t) << t.error();
  std::ostringstream os;
  auto r = run(*t, RunConfig{.seed = 1, .until = 10, .narrate = false}, os);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->passed);
  EXPECT_NE(os.str().find("GET http://web.campus/ from a: DNS: web.campus: no answer from 10.0.2.53:53 after 3 tries"),
            std::string::npos)
      << os.str();
}

// AAAA records: a dual-stack host asks A first and, for a name with only an
// AAAA record, AAAA next (then connects over IPv6); a host without IPv4
// asks AAAA alone, of a server it reaches over IPv6.
TEST(DnsScenario, NamesWithAaaaRecordsAreReachedOverIpv6) {
  const std::string topo = R"([scenario]
name = "aaaa"
until = "3s"
[[host]]
name = "a"
dns = "10.0.0.53"
[[host]]
name = "c"
dns = "2001:db8::53"
[[host]]
name = "ns"
[[switch]]
name = "sw"
[[link]]
from = "a"
from_address = ["10.0.0.1/24", "2001:db8::1/64"]
to = "sw"
[[link]]
from = "c"
from_address = "2001:db8::3/64"
to = "sw"
[[link]]
from = "ns"
from_address = ["10.0.0.53/24", "2001:db8::53/64"]
to = "sw"
[[app]]
type = "dns_server"
host = "ns"
zone = """
$ORIGIN campus.
@      SOA ns admin ( 1 3600 600 86400 60 )
       NS  ns
ns     A    10.0.0.53
ns     AAAA 2001:db8::53
six    AAAA 2001:db8::53
"""
[[app]]
type = "http_server"
host = "ns"
[[app]]
type = "http_client"
host = "a"
url = "http://six.campus/"
at = "1s"
[[app]]
type = "http_client"
host = "c"
url = "http://ns.campus/"
at = "1s"
)";
  const auto run = run_narrated(topo, "aaaa.toml");
  ASSERT_TRUE(run.result) << run.error;
  const std::string& text = run.text;
  EXPECT_TRUE(run.result->passed) << text.substr(text.find("== results"));
  // a: A first (no address: NODATA), then AAAA, then the SYN over IPv6.
  const auto nodata = text.find("NOERROR aa A six.campus. ttl");
  const auto aaaa = text.find("NOERROR aa AAAA six.campus. [AAAA 2001:db8::53]");
  const auto syn = text.find("a -> sw  TCP      [2001:db8::1]:");
  ASSERT_NE(nodata, std::string::npos) << text;
  ASSERT_NE(aaaa, std::string::npos) << text;
  ASSERT_NE(syn, std::string::npos) << text;
  EXPECT_LT(nodata, aaaa);
  EXPECT_LT(aaaa, syn);
  EXPECT_NE(text.find("GET http://six.campus/ from a: HTTP/1.1 200 OK"), std::string::npos) << text;
  // c, without IPv4, asks AAAA only, over IPv6 (the narrative decodes DNS there too).
  EXPECT_EQ(text.find(" A ns.campus."), std::string::npos) << text;
  EXPECT_NE(text.find("c -> sw  UDP      [2001:db8::3]:"), std::string::npos) << text;
  EXPECT_NE(text.find("> [2001:db8::53]:53, 38 bytes  | DNS query 0x"), std::string::npos) << text;
  EXPECT_NE(text.find("NOERROR aa AAAA ns.campus. [AAAA 2001:db8::53] hop limit 64"), std::string::npos) << text;
  EXPECT_NE(text.find("GET http://ns.campus/ from c: HTTP/1.1 200 OK"), std::string::npos) << text;
  EXPECT_NE(text.find("DNS server ns:53 (5 records): 3 queries (3 UDP, 0 TCP), 2 answered, 1 NODATA"),
            std::string::npos);
}

TEST(DnsScenario, LoaderErrors) {
  EXPECT_EQ(error_of(kTwoHosts + "[[app]]\ntype = \"udp_client\"\nhost = \"a\"\nto = \"b.campus:9\"\n"),
            "t.toml:18:6: app udp_client: a name needs a DNS server: give host 'a' one (dns = \"ADDRESS\"), or a card whose address comes from DHCP");
  EXPECT_EQ(error_of(kTwoHosts + "[[app]]\ntype = \"http_client\"\nhost = \"a\"\nurl = \"http://b..campus/\"\n"),
            "t.toml:18:7: app http_client: 'b..campus' is neither an IP address nor a name: empty label in 'b..campus'");
  EXPECT_EQ(error_of(kTwoHosts + "[[app]]\ntype = \"udp_client\"\nhost = \"a\"\nto = \"10.0.0.300:9\"\n").substr(0, 34),
            "t.toml:18:6: app udp_client: IPv4 ");
  EXPECT_EQ(error_of(kTwoHosts + "[[app]]\ntype = \"dns_server\"\nhost = \"b\"\nzone = \"\"\"\n$ORIGIN campus.\n"
                                 "@ SOA ns admin 1 2 3 4 5\nweb A 10.0.0\n\"\"\"\n"),
            "t.toml:18:8: app dns_server: zone:3: bad IPv4 address '10.0.0'");
  std::string with_dns = kTwoHosts;
  with_dns.insert(with_dns.find("\n[[host]]"), "\ndns = \"10.0.0.2\"");
  EXPECT_EQ(error_of(with_dns + "[[app]]\ntype = \"udp_client\"\nhost = \"a\"\nto = \"b.campus:9\"\n"), "(loaded)");
  std::string bad_dns = kTwoHosts;
  bad_dns.replace(bad_dns.find("name = \"a\"\n"), 11, "name = \"a\"\ndns = \"10.0.0\"\n");
  EXPECT_EQ(error_of(bad_dns).substr(0, 18), "t.toml:3:7: host: ");
}

}  // namespace
}  // namespace wirestack::scenario
