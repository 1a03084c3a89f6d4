// app/dns_test.cpp — the DNS server and the stub resolver in the simulator:
// UDP answers, truncation and the TCP retry, NXDOMAIN, retries over a lossy
// link, and a server that survives garbage.
#include <gtest/gtest.h>

#include "app/dns_lookup.hpp"
#include "app/dns_server.hpp"
#include "app/tcp_apps.hpp"
#include "app/udp_apps.hpp"
#include "sim/world.hpp"

namespace wirestack::app {
namespace {

using namespace std::chrono_literals;

Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

constexpr std::string_view kZone = R"($ORIGIN campus.
$TTL 300
@     SOA ns admin 1 3600 600 86400 60
ns    A   10.0.2.53
web   A   10.0.2.80
www   CNAME web
)";

dns::Zone zone() {
  std::string text(kZone);
  for (int i = 0; i < 60; ++i) text += "many A 10.0.9." + std::to_string(i) + "\n";
  auto z = dns::load_zone(text, "campus.zone");
  EXPECT_TRUE(z) << z.error();
  return *z;
}

// client (10.0.1.10) -- router -- server (10.0.2.53).
struct Net {
  explicit Net(std::uint64_t seed, sim::LinkDirection cable = {}) : w(seed) {
    client = &w.add_host("client");
    server = &w.add_host("server");
    auto& r = w.add_router("router");
    EXPECT_TRUE(w.connect(*client, "10.0.1.10/24", r, "10.0.1.1/24", cable));
    EXPECT_TRUE(w.connect(r, "10.0.2.1/24", *server, "10.0.2.53/24", cable));
    EXPECT_TRUE(w.set_gateway(*client, "10.0.1.1"));
    EXPECT_TRUE(w.set_gateway(*server, "10.0.2.1"));
  }
  sim::World w;
  sim::Host* client = nullptr;
  sim::Host* server = nullptr;
};

// Port 5300: the simulated hosts of this test do not allow ports below 1024
// (the scenario runner's do).
const IpEndpoint kDns{ip("10.0.2.53"), 5300};

TEST(DnsApps, ResolvesOverUdpAndFollowsTheCname) {
  Net n(1);
  DnsServer server(*n.server, kDns.port, zone());
  ASSERT_TRUE(server.bound());
  ASSERT_TRUE(server.listening());
  int calls = 0;
  DnsLookup look(*n.client, kDns, "www.campus", dns::Type::a, {}, [&](const DnsLookup&) { ++calls; });
  n.w.run_until(at(5s));
  ASSERT_TRUE(look.done());
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(look.result()) << look.result().error().message;
  EXPECT_EQ(look.result()->addresses(), (std::vector<IpAddress>{ip("10.0.2.80")}));
  EXPECT_EQ(look.result()->canonical.to_string(), "web.campus.");
  EXPECT_FALSE(look.result()->used_tcp);
  EXPECT_EQ(server.udp_queries(), 1u);
}

TEST(DnsApps, TruncatedAnswerIsAskedAgainOverTcp) {
  Net n(2);
  DnsServer server(*n.server, kDns.port, zone());
  DnsLookup look(*n.client, kDns, "many.campus", dns::Type::a, {.lookup = {.edns_size = 0}});
  n.w.run_until(at(5s));
  ASSERT_TRUE(look.done());
  ASSERT_TRUE(look.result()) << look.result().error().message;
  EXPECT_EQ(look.result()->addresses().size(), 60u);
  EXPECT_TRUE(look.result()->used_tcp);
  EXPECT_EQ(server.stats().truncated, 1u);
  EXPECT_EQ(server.tcp_connections(), 1u);
  EXPECT_EQ(server.tcp_queries(), 1u);
}

TEST(DnsApps, NxdomainAndNoServer) {
  Net n(3);
  DnsServer server(*n.server, kDns.port, zone());
  DnsLookup nx(*n.client, kDns, "nothere.campus", dns::Type::a, {});
  DnsLookup nobody(*n.client, {ip("10.0.2.53"), 5301}, "web.campus", dns::Type::a,
                   {.lookup = {.timeout = 200ms, .attempts = 2}});
  n.w.run_until(at(5s));
  ASSERT_TRUE(nx.done());
  ASSERT_TRUE(nx.result());
  EXPECT_EQ(nx.result()->rcode, dns::Rcode::nxdomain);
  ASSERT_TRUE(nobody.done());
  ASSERT_FALSE(nobody.result());
  EXPECT_EQ(nobody.result().error().code, dns::LookupErrc::timeout);
  EXPECT_EQ(*nobody.latency(), 600ms);  // 200 ms, then 400 ms
}

TEST(DnsApps, RetriesOverALossyLink) {
  Net n(4, sim::LinkDirection{.loss = 0.1});  // a try gets through with 0.9^4: about 2 in 3
  DnsServer server(*n.server, kDns.port, zone());
  std::vector<std::unique_ptr<DnsLookup>> looks;
  for (int i = 0; i < 10; ++i) {
    looks.push_back(std::make_unique<DnsLookup>(*n.client, kDns, "web.campus", dns::Type::a,
                                                DnsLookupConfig{.lookup = {.attempts = 6}, .seed = static_cast<std::uint64_t>(i)}));
  }
  n.w.run_until(at(120s));
  int ok = 0;
  int retried = 0;
  for (const auto& l : looks) {
    ASSERT_TRUE(l->done());
    if (l->result()) {
      ++ok;
      if (l->result()->queries > 1) ++retried;
    }
  }
  EXPECT_EQ(ok, 10);
  EXPECT_GT(retried, 0);
}

TEST(DnsApps, GarbageIsCountedAndTheServerKeepsAnswering) {
  Net n(5);
  DnsServer server(*n.server, kDns.port, zone());
  // A header only, a compression loop, a count of 65535 questions, a response.
  UdpClient g1(*n.client, kDns, {.count = 1, .payload = std::string("\x12\x34\x01", 3)});
  UdpClient g2(*n.client, kDns, {.count = 1, .payload = std::string("\xab\xcd\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01", 18)});
  UdpClient g3(*n.client, kDns, {.count = 1, .payload = std::string("\xab\xce\x01\x00\xff\xff\x00\x00\x00\x00\x00\x00\x00", 13)});
  n.w.run_until(at(1s));
  DnsLookup look(*n.client, kDns, "web.campus", dns::Type::a, {});
  n.w.run_until(at(3s));
  EXPECT_EQ(server.stats().dropped, 1u);
  EXPECT_EQ(server.stats().formerr, 2u);
  EXPECT_EQ(g2.received().size(), 1u);  // FORMERR
  ASSERT_TRUE(look.done());
  EXPECT_TRUE(look.result());
}

std::string framed_query(std::uint16_t id, std::string_view name) {
  dns::Message q;
  q.header.id = id;
  q.questions.push_back({*dns::Name::parse(name), dns::Type::a, dns::kClassIn});
  const ByteVec b = dns::frame_tcp(q.emit());
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

TEST(DnsApps, TcpPipelinedQueriesIdleTimeoutAndConnectionBound) {
  Net n(6);
  DnsServer server(*n.server, kDns.port, zone(), {.max_connections = 2, .idle_timeout = 10s});
  // Two queries in one write: two framed answers, in order (RFC 7766 6.2.1.1).
  std::vector<ByteVec> answers;
  TcpRequestClient both(*n.client, kDns,
                        {.request = framed_query(1, "web.campus") + framed_query(2, "nothere.campus"),
                         .complete = [&answers, buf = std::string()](std::string_view piece) mutable {
                           buf += piece;
                           dns::TcpFramer f;
                           f.push(as_bytes(buf));
                           answers.clear();
                           while (auto m = f.next()) answers.push_back(*m);
                           return answers.size() == 2;
                         }});
  // Half a query, then silence: closed after the idle timeout.
  TcpRequestClient idle(*n.client, kDns, {.request = std::string("\x00\x20" "ab", 4),
                                          .complete = [](std::string_view) { return false; },
                                          .start = 200ms});
  TcpRequestClient idle2(*n.client, kDns, {.request = "", .complete = [](std::string_view) { return false; }, .start = 200ms});
  // Another connection while two are open: reset at once.
  TcpRequestClient third(*n.client, kDns, {.request = framed_query(3, "web.campus"), .start = 1s});
  n.w.run_until(at(5s));
  ASSERT_TRUE(both.done());
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(dns::Message::parse(answers[0])->header.id, 1);
  EXPECT_EQ(dns::Message::parse(answers[1])->header.rcode, dns::Rcode::nxdomain);
  EXPECT_FALSE(idle.done());
  ASSERT_TRUE(third.done());
  EXPECT_TRUE(third.error());
  EXPECT_EQ(server.tcp_refused(), 1u);
  n.w.run_until(at(12s));
  ASSERT_TRUE(idle.done());
  EXPECT_FALSE(idle.error());  // our FIN, not a reset
  EXPECT_TRUE(idle2.done());
  EXPECT_EQ(server.tcp_queries(), 2u);
}

}  // namespace
}  // namespace wirestack::app
