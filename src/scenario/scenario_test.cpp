// scenario/scenario_test.cpp — the built-in scenarios: embedded texts equal
// the files, each loads, and the small ones run to their expected outcome;
// the narrative names the handshake, the close and retransmissions; the
// percentiles; a fault takes a link down.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "scenario/builtin.hpp"
#include "scenario/runner.hpp"
#include "base/percentiles.hpp"

namespace wirestack::scenario {
namespace {

using namespace std::chrono_literals;

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

TEST(BuiltinScenarios, FilesMatchTheEmbeddedTexts) {
  const std::vector<std::string> expected = {"campus", "campus6", "lossy", "codel", "synflood", "spike", "storm", "storm-stp"};
  ASSERT_EQ(builtin_scenarios().size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& s = builtin_scenarios()[i];
    EXPECT_EQ(s.name, expected[i]);
    const std::string file = std::string(WIRESTACK_SOURCE_DIR) + "/scenarios/" + std::string(s.name) + ".toml";
    EXPECT_EQ(read(file), s.toml) << file << " differs from the text the build embedded "
                                  << "(tools/embed_scenarios.cmake): rebuild";
  }
}

TEST(BuiltinScenarios, EachLoads) {
  for (const auto& s : builtin_scenarios()) {
    auto t = load_builtin(s.name);
    ASSERT_TRUE(t) << t.error();
    EXPECT_EQ(t->name, s.name);
    EXPECT_FALSE(t->summary.empty());
  }
  auto none = load_builtin("nosuch");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), "no scenario named 'nosuch'; `wirestack scenarios` lists them");
}

struct Captured {
  RunResult result;
  std::string text;
  std::vector<FrameEvent> tcp;  // TCP events (text and role; bytes not kept)
};

Captured run_builtin(std::string_view name, bool narrate = true) {
  auto t = load_builtin(name);
  EXPECT_TRUE(t) << t.error();
  Captured c;
  RunConfig cfg{.seed = 1, .until = t->until, .narrate = narrate};
  cfg.listeners.push_back([&](const FrameEvent& e) {
    if (e.role != TcpRole::none) {
      FrameEvent copy = e;
      copy.frame = {};
      copy.dissection = nullptr;
      c.tcp.push_back(copy);
    }
  });
  std::ostringstream os;
  auto r = run(*t, cfg, os);
  EXPECT_TRUE(r) << r.error();
  if (r) c.result = *r;
  c.text = os.str();
  return c;
}

int count_role(const Captured& c, TcpRole role) {
  int n = 0;
  for (const auto& e : c.tcp) n += e.role == role ? 1 : 0;
  return n;
}

TEST(Campus, EveryApplicationSucceedsAndTheTcpStoryIsTold) {
  const Captured c = run_builtin("campus");
  EXPECT_TRUE(c.result.passed) << c.text;
  // Three connections (HTTP, two JSON-RPC), each opened and closed both ways.
  EXPECT_EQ(c.result.outcomes.size(), 11u);
  EXPECT_GT(count_role(c, TcpRole::syn), 0);
  EXPECT_GT(count_role(c, TcpRole::syn_ack), 0);
  EXPECT_GT(count_role(c, TcpRole::handshake_ack), 0);
  EXPECT_GT(count_role(c, TcpRole::fin), 0);
  EXPECT_GT(count_role(c, TcpRole::fin_ack), 0);
  EXPECT_NE(c.text.find("3 TCP handshakes, 6 FINs, 0 retransmitted segments"), std::string::npos) << c.text;
  EXPECT_NE(c.text.find("SYN (handshake 1/3"), std::string::npos);
  EXPECT_NE(c.text.find("| HTTP request: GET / HTTP/1.1"), std::string::npos);
  EXPECT_NE(c.text.find("| HTTP response: HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_NE(c.text.find(R"(| JSON: {"id":1,"jsonrpc":"2.0","method":"time"})"), std::string::npos);
  EXPECT_NE(c.text.find("decoded as a date: 2026-01-01T00:00:06Z"), std::string::npos) << c.text;
}

// The dual-stack campus: the narrative explains NDP, DAD and SLAAC as it
// explains ARP, and TCP over IPv6 is told like TCP over IPv4.
TEST(Campus6, SlaacDadAndNdpAreNarratedAndEveryApplicationSucceeds) {
  const Captured c = run_builtin("campus6");
  EXPECT_TRUE(c.result.passed) << c.text;
  for (const char* line : {
           "r -> sw1  NDP      DAD: is anyone using 2001:db8:1::1? (neighbor solicitation from ::, to the group "
           "ff02::1:ff00:1; an answer means the address is taken) hop limit 255",
           "NDP      router solicitation from fe80::57:53ff:fe00:2: is there a router on this link?",
           "NDP      router advertisement from fe80::57:53ff:fe00:3: I am a router (a default route for 1800 s); "
           "prefix 2001:db8:1::/64: make your address from it (SLAAC)",
           "---- c: default router fe80::57:53ff:fe00:3 (from its advertisement) ----",
           "passed DAD: assigned (SLAAC) ----",
           "NDP      who-has 2001:db8:2::20 tell 2001:db8:2::1 (neighbor solicitation: IPv6's ARP request",
           "NDP      2001:db8:2::20 is-at 02:57:53:00:00:05 (neighbor advertisement: IPv6's ARP reply)",
           "SYN (handshake 1/3",
           "| HTTP request: GET / HTTP/1.1",
           "3 TCP handshakes, 6 FINs, 0 retransmitted segments",
           "traceroute 2001:db8:2::20 from c:\n 1  2001:db8:1::1  ",
           "ICMPv6   2001:db8:1::1 > ",  // r's Time Exceeded to c's first probe
       }) {
    EXPECT_NE(c.text.find(line), std::string::npos) << line << "\n" << c.text;
  }
  // The TCP story over IPv6 (c's HTTP request): "[addr]:port" endpoints.
  EXPECT_NE(c.text.find("> [2001:db8:2::20]:80  SYN (handshake 1/3"), std::string::npos) << c.text;
}

TEST(Lossy, RetransmissionsAreMarkedAndTheHashesAgree) {
  const Captured c = run_builtin("lossy");
  EXPECT_TRUE(c.result.passed) << c.text.substr(c.text.find("== results"));
  EXPECT_GT(c.result.retransmissions, 0u);
  int marked = 0;
  for (const auto& e : c.tcp) marked += e.retransmission ? 1 : 0;
  EXPECT_GT(marked, 0);
  EXPECT_NE(c.text.find("RETRANSMISSION of data 1448 bytes"), std::string::npos);
  EXPECT_NE(c.text.find("the receiver's hash is equal"), std::string::npos);
}

// Congestion signalled without loss (scenarios/codel.toml): two transfers
// through CoDel bottlenecks. s1 negotiated ECN: CoDel marks its segments CE,
// d1 echoes the marks, s1 reduces and resends nothing; s2 did not: the same
// queue drops its segments and s2 retransmits them. Pinned for seed 1.
TEST(Codel, WithEcnCoDelMarksWithoutItDrops) {
  const Captured c = run_builtin("codel");
  EXPECT_TRUE(c.result.passed) << c.text.substr(c.text.find("== results"));
  for (const char* line : {
           "TCP bulk s1 -> 10.0.2.20:5001: 2097152 bytes sent and acknowledged in ",
           "(8.72 Mbit/s), 0 retransmissions; hash ",
           "TCP bulk s2 -> 10.0.4.20:5001: 2097152 bytes sent and acknowledged in ",
           "(8.79 Mbit/s), 7 retransmissions; hash ",
           "r -> d1: sent 1454 (2193076 B) delivered 1454 (2193076 B) dropped queue 0 loss 0 fcs 0 down 0 duplicated 0 "
           "codel marked 8 dropped 0\n",
           "r -> d2: sent 1454 (2193076 B) delivered 1454 (2193076 B) dropped queue 0 loss 0 fcs 0 down 0 duplicated 0 "
           "codel marked 0 dropped 7\n",
           "sackOK  ECE+CWR (ECN-setup: I can take congestion marks instead of losses)",
           "sackOK  ECE (ECN-setup: agreed, mark rather than drop)",
           "ECE (echo: a router marked a segment of yours CE, congestion)",
           "CWR (I halved my window for that mark)",
           "DROPPED  TCP 10.0.3.10:",
           "dropped by CoDel in the transmit queue: it waited too long",
       }) {
    EXPECT_NE(c.text.find(line), std::string::npos) << line;
  }
  // Each of the 8 marks shows where it was made: on r -> d1, the segment
  // leaves CoDel's queue carrying CE (before the ECE echo that answers it).
  std::size_t marks = 0;
  for (std::size_t at = c.text.find("[IP: CE, congestion experienced]"); at != std::string::npos;
       at = c.text.find("[IP: CE, congestion experienced]", at + 1)) {
    const std::size_t line = c.text.rfind('\n', at) + 1;
    EXPECT_NE(c.text.substr(line, at - line).find("  r -> d1  TCP      10.0.1.10:59906 > 10.0.2.20:5001  data 1448 bytes"),
              std::string::npos)
        << c.text.substr(line, at - line);
    ++marks;
  }
  EXPECT_EQ(marks, 8u);
  EXPECT_LT(c.text.find("[IP: CE, congestion experienced]"), c.text.find("ECE (echo: a router marked"));
  // The ECN-less transfer's segments never carry ECN's flags.
  for (const auto& line : {"10.0.3.10:64924 > 10.0.4.20:5001  SYN (handshake 1/3: open, my first sequence number)  seq 0  "
                           "win 65535  mss 1460  wscale 7 (my later windows count in units of 128 bytes, if you scale "
                           "too)  sackOK\n"}) {
    EXPECT_NE(c.text.find(line), std::string::npos) << line;
  }
}

TEST(Storm, IsDetected) {
  const Captured c = run_builtin("storm", false);
  EXPECT_TRUE(c.result.passed) << c.text;
  EXPECT_NE(c.text.find("the topology has a loop"), std::string::npos) << c.text;
}

TEST(Faults, ALinkDownStopsPingsUntilItComesBack) {
  const std::string text = R"(
[[host]]
name = "a"
[[host]]
name = "b"
[[link]]
name = "cable"
from = "a"
from_address = "10.0.0.1/24"
to = "b"
to_address = "10.0.0.2/24"
[[app]]
type = "ping"
host = "a"
to = "10.0.0.2"
count = 6
expect = "failure"
[[fault]]
at = "1.5s"
link = "cable"
action = "down"
[[fault]]
at = "3.5s"
host = "b"
action = "restart"
)";
  auto t = load_topology(text, "f.toml");
  ASSERT_TRUE(t) << t.error();
  std::ostringstream os;
  auto r = run(*t, RunConfig{.seed = 1, .until = 10}, os);
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(r->passed) << os.str();
  // Pings at 0, 1 (answered), 2, 3 (cable down), 4, 5 (back up).
  EXPECT_NE(os.str().find("6 packets transmitted, 4 received"), std::string::npos) << os.str();
  EXPECT_NE(os.str().find("---- fault: link cable goes down ----"), std::string::npos);
  EXPECT_NE(os.str().find("---- fault: host b restarts: its cables come back"), std::string::npos);
}

// A crash is not a freeze: the host's stack forgets its connections. A small
// transfer ends before the crash (and stays a success: the sink's records of
// its first life are kept); a bulk transfer into b is cut by b's crash; when b is back, the client's next
// retransmission meets a stack that knows no such connection and answers it
// with a RST, so the client reports a reset (a frozen host would have
// resumed the transfer). b's servers start again: a page fetched after the
// restart is served by the new life of the HTTP server, and the summary
// shows both lives.
TEST(Faults, ACrashedHostForgetsItsConnectionsAndItsServersStartAgain) {
  const std::string text = R"(
[[host]]
name = "a"
[[host]]
name = "b"
[[link]]
name = "cable"
from = "a"
from_address = "10.0.0.1/24"
to = "b"
to_address = "10.0.0.2/24"
bandwidth = "10Mbit/s"
delay = "1ms"
[[app]]
type = "tcp_sink"
host = "b"
port = 5001
[[app]]
type = "http_server"
host = "b"
port = 80
[[app]]
type = "tcp_bulk"
host = "a"
to = "10.0.0.2:5001"
bytes = 100000
at = "50ms"
[[app]]
type = "tcp_bulk"
host = "a"
to = "10.0.0.2:5001"
bytes = 10485760
at = "100ms"
expect = "failure"
[[app]]
type = "http_client"
host = "a"
url = "http://10.0.0.2/"
at = "6s"
[[fault]]
at = "1s"
host = "b"
action = "crash"
[[fault]]
at = "3s"
host = "b"
action = "restart"
)";
  auto t = load_topology(text, "crash.toml");
  ASSERT_TRUE(t) << t.error();
  std::ostringstream os;
  auto r = run(*t, RunConfig{.seed = 1, .until = 12, .narrate = false}, os);
  ASSERT_TRUE(r) << r.error();
  const std::string out = os.str();
  EXPECT_TRUE(r->passed) << out;
  EXPECT_NE(out.find("connection reset"), std::string::npos) << out;  // the big transfer's end
  // The small one ended before the crash: the sink's first life still vouches for it.
  EXPECT_NE(out.find("TCP bulk a -> 10.0.0.2:5001: 100000 bytes sent and acknowledged"), std::string::npos) << out;
  EXPECT_NE(out.find("the receiver's hash is equal"), std::string::npos) << out;
  EXPECT_NE(out.find("[until the crash at 1.000 s] TCP sink b:5001: 2 connection(s)"), std::string::npos) << out;
  EXPECT_NE(out.find("[since the restart at 3.000 s] TCP sink b:5001: 0 connection(s)"), std::string::npos) << out;
  EXPECT_NE(out.find("[until the crash at 1.000 s] HTTP server b:80: 0 requests"), std::string::npos) << out;
  EXPECT_NE(out.find("[since the restart at 3.000 s] HTTP server b:80: 1 requests"), std::string::npos) << out;
}

TEST(Network, BuildErrorsNameThePosition) {
  // A gateway that is on none of the host's networks is found when wiring
  // (a file with one does not load: checks_test.cpp; this one is set in code).
  const std::string text = "[[host]]\nname = \"a\"\n[[host]]\nname = \"b\"\n[[link]]\n"
                           "from = \"a\"\nfrom_address = \"10.0.0.1/24\"\nto = \"b\"\nto_address = \"10.0.0.2/24\"\n";
  auto t = load_topology(text, "g.toml");
  ASSERT_TRUE(t) << t.error();
  t->nodes[0].gateway = "10.9.9.9";
  auto n = Network::build(*t, 1);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().rfind("g.toml:2:8: host 'a': gateway 10.9.9.9: ", 0), 0u) << n.error();
}

// `congestion` per host: new connections of that host use it; a host without
// the key keeps the stack's default (NewReno).
TEST(Network, CongestionControlPerHost) {
  const std::string text = R"(
[[host]]
name = "a"
congestion = "cubic"
[[host]]
name = "b"
[[link]]
from = "a"
from_address = "10.0.0.1/24"
to = "b"
to_address = "10.0.0.2/24"
bandwidth = "100Mbit/s"
delay = "1ms"
[[app]]
type = "tcp_sink"
host = "b"
port = 5001
[[app]]
type = "tcp_bulk"
host = "a"
to = "10.0.0.2:5001"
bytes = 200000
at = "0.1s"
)";
  auto t = load_topology(text, "cc.toml");
  ASSERT_TRUE(t) << t.error();
  auto n = Network::build(*t, 1);
  ASSERT_TRUE(n) << n.error();
  EXPECT_EQ((*n)->world().host("a")->stack().tcp().config().connection.congestion, tcp::Algorithm::cubic);
  EXPECT_EQ((*n)->world().host("b")->stack().tcp().config().connection.congestion, tcp::Algorithm::newreno);
  std::ostringstream os;
  auto r = run(*t, RunConfig{.seed = 1, .until = 5}, os);
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(r->passed) << os.str();
}

// The report's hook: an observer made before the first node sees every
// frame (the first gratuitous ARP included) and the end, and dies before the World.
TEST(Runner, ObserverSeesEveryFrameAndTheEnd) {
  struct Counting final : RunObserver {
    Counting(std::uint64_t& frames, bool& ended, bool& destroyed) : frames_(frames), ended_(ended), destroyed_(destroyed) {}
    ~Counting() override { destroyed_ = true; }
    void on_frame(const sim::WorldLink&, int, Instant, Bytes) override { ++frames_; }
    void on_end(Network& net, const DelayCauses& /*causes*/) override { ended_ = !net.world().links().empty(); }
    std::uint64_t& frames_;
    bool& ended_;
    bool& destroyed_;
  };
  std::uint64_t frames = 0;
  bool ended = false;
  bool destroyed = false;
  bool first_was_gratuitous = false;
  auto t = load_builtin("campus");
  ASSERT_TRUE(t);
  RunConfig cfg{.seed = 1, .until = 10, .narrate = false};
  cfg.observer = [&](sim::World& w) {
    EXPECT_TRUE(w.hosts().empty());
    return std::make_unique<Counting>(frames, ended, destroyed);
  };
  cfg.listeners.push_back([&](const FrameEvent& e) {
    if (e.world_link == nullptr) ADD_FAILURE() << "no link in the event";
    if (frames == 1) first_was_gratuitous = e.text.find("gratuitous") != std::string::npos;
  });
  std::ostringstream os;
  auto r = run(*t, cfg, os);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(frames, r->frames);
  EXPECT_GT(frames, 100u);
  EXPECT_TRUE(ended);
  EXPECT_TRUE(destroyed);
  EXPECT_TRUE(first_was_gratuitous);
}

// A topology whose network cannot be built (a gateway off every network, a
// route via a stranger, a network address on a card) is a mistake in the
// file: RunError::Kind::topology, named with its position, and nothing else
// written (the CLI turns it into status 2, as for a loader error). The
// loader refuses these in a file (checks_test.cpp); a Topology edited in code
// still meets the network's own checks.
TEST(Runner, NetworkThatCannotBeBuiltIsATopologyErrorWithNothingWritten) {
  const std::string text = R"(
[[host]]
name = "x"
[[host]]
name = "y"
[[link]]
from = "x"
from_address = "192.168.5.1/24"
to = "y"
to_address = "192.168.5.2/24"
)";
  struct Case {
    std::function<void(Topology&)> edit;
    std::string error;
  };
  const std::vector<Case> cases = {
      {[](Topology& t) { t.nodes[0].gateway = "10.9.9.9"; },
       "t.toml:3:8: host 'x': gateway 10.9.9.9: x: gateway 10.9.9.9 is on none of its networks"},
      {[](Topology& t) { t.nodes[0].routes.push_back(RouteSpec{"10.9.0.0/16", "10.0.1.2", {}}); },
       "host 'x': route to 10.9.0.0/16: x: gateway 10.0.1.2 is on none of its networks"},
      {[](Topology& t) { t.links[0].to.address = "192.168.5.0/24"; },
       "link 'x-y': y: add address 192.168.5.0/24: that is the network address of 192.168.5.0/24"},
  };
  for (const auto& c : cases) {
    auto t = load_topology(text, "t.toml");
    ASSERT_TRUE(t) << t.error();
    c.edit(*t);
    std::ostringstream os;
    auto r = run(*t, RunConfig{.seed = 1, .until = 1}, os);
    ASSERT_FALSE(r) << c.error;
    EXPECT_EQ(r.error().kind, RunError::Kind::topology);
    EXPECT_NE(r.error().message.find(c.error), std::string::npos) << r.error().message;
    EXPECT_EQ(os.str(), "") << "written before the error: " << os.str();
  }
}

// Captures that cannot be written are not the file's fault.
TEST(Runner, CapturesThatCannotBeWrittenAreAnOutputError) {
  auto t = load_builtin("campus");
  ASSERT_TRUE(t);
  std::ostringstream os;
  auto r = run(*t, RunConfig{.seed = 1, .until = 1, .capture_dir = "/proc/no/such/dir", .narrate = false}, os);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, RunError::Kind::output) << r.error();
}

TEST(Stats, NearestRankPercentiles) {
  std::vector<Duration> v;
  for (int i = 100; i >= 1; --i) v.push_back(std::chrono::milliseconds{i});
  const Percentiles p = percentiles(v);
  EXPECT_EQ(p.p50, 50ms);
  EXPECT_EQ(p.p90, 90ms);
  EXPECT_EQ(p.p99, 99ms);
  EXPECT_EQ(p.max, 100ms);
  const Percentiles one = percentiles({7ms});
  EXPECT_EQ(one.p50, 7ms);
  EXPECT_EQ(one.p99, 7ms);
}

}  // namespace
}  // namespace wirestack::scenario
