// report/report_test.cpp — a lossy TCP transfer across a router, recorded and
// written as the HTML report; the page is checked for what a student needs
// to see in it, and for being self-contained and reproducible.
//
// The lossy run's page is also left at $TMPDIR/wirestack-report/report.html
// for tests/report/screenshot_test.sh (headless Chromium) to look at.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "report/html.hpp"
#include "report/recorder.hpp"
#include "app/tcp_apps.hpp"
#include "sim/world.hpp"

namespace wirestack::report {
using namespace app;  // the applications (src/app/) these tests run
namespace {

using namespace std::chrono_literals;

Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

// client (10.0.1.10) -- router -- server (10.0.2.10); 64 KiB client to
// server through `loss` each way on both cables.
struct LossyRun {
  explicit LossyRun(std::uint64_t seed, double loss = 0.05, std::uint64_t bytes = 64 * 1024) : w(seed) {
    sim::LinkDirection cable{.bits_per_second = 10'000'000, .delay = 2ms, .loss = loss};
    auto& client = w.add_host("client");
    auto& server = w.add_host("server");
    auto& router = w.add_router("router");
    EXPECT_TRUE(w.connect(client, "10.0.1.10/24", router, "10.0.1.1/24", cable));
    EXPECT_TRUE(w.connect(router, "10.0.2.1/24", server, "10.0.2.10/24", cable));
    EXPECT_TRUE(w.set_gateway(client, "10.0.1.1"));
    EXPECT_TRUE(w.set_gateway(server, "10.0.2.1"));
    w.set_tracer(rec.tracer());
    sink = std::make_unique<app::TcpSinkServer>(server, 5001);
    bulk = std::make_unique<app::TcpBulkClient>(client, IpEndpoint{ip("10.0.2.10"), 5001},
                                                app::TcpBulkConfig{.bytes = bytes});
  }
  void run(Instant until = at(20s)) {
    w.run_until(until);
    rec.stop();
  }
  std::string page(ReportOptions opt = {.title = "lossy transfer", .seed = 7}) { return render_html(rec, opt); }

  sim::World w;
  Recorder rec{w};  // after the World: destroyed before it
  std::unique_ptr<app::TcpSinkServer> sink;
  std::unique_ptr<app::TcpBulkClient> bulk;
};

std::string report_dir() {
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/wirestack-report";
}

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

TEST(Report, LossyTransferShowsTopologyLadderChartsAndCounters) {
  LossyRun r(7);
  r.run();
  ASSERT_TRUE(r.bulk->result().finished);
  ASSERT_GT(r.bulk->result().retransmits, 0u) << "pick a seed whose run loses a data segment";

  const std::string dir = report_dir();
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/report.html";
  ASSERT_TRUE(write_html(r.rec, path, {.title = "lossy transfer", .seed = 7}));
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string html = buf.str();
  EXPECT_EQ(html, r.page());

  // The topology's SVG names every node, each drawn by kind.
  const auto topo = html.find("<svg class=\"topo\"");
  ASSERT_NE(topo, std::string::npos);
  const std::string svg = html.substr(topo, html.find("</svg>", topo) - topo);
  for (const char* node : {">client<", ">router<", ">server<"}) EXPECT_NE(svg.find(node), std::string::npos) << node;
  EXPECT_EQ(count(svg, "data-kind=\"host\""), 2u);
  EXPECT_EQ(count(svg, "data-kind=\"router\""), 1u);
  EXPECT_NE(svg.find("10 Mbit/s, 2 ms, 5 % loss"), std::string::npos);

  // The ladder: the handshake, then data, then the close, in that order.
  const auto syn = html.find("data-flags=\"SYN\"");
  const auto synack = html.find("data-flags=\"SYN-ACK\"");
  const auto ack = html.find("data-flags=\"ACK\"", synack);
  const auto fin = html.find("data-flags=\"FIN", ack);
  ASSERT_NE(syn, std::string::npos);
  ASSERT_NE(synack, std::string::npos);
  ASSERT_NE(ack, std::string::npos);
  ASSERT_NE(fin, std::string::npos);
  EXPECT_LT(syn, synack);
  EXPECT_LT(synack, ack);
  EXPECT_LT(ack, fin);
  EXPECT_NE(html.find("client (client)"), std::string::npos);
  EXPECT_NE(html.find("10.0.2.10:5001"), std::string::npos);
  EXPECT_NE(html.find("SYN  seq=0 win="), std::string::npos);  // relative to the ISN
  EXPECT_GE(count(html, "class=\"seg rtx"), 1u);
  EXPECT_GE(count(html, " lost\""), 1u);

  // cwnd has points; so do RTT and throughput.
  for (const char* cls : {"cwnd", "srtt", "throughput"}) {
    const auto p = html.find(std::string("<polyline class=\"") + cls + "\" points=\"");
    ASSERT_NE(p, std::string::npos) << cls;
    EXPECT_NE(html[html.find("points=\"", p) + 8], '"') << cls;
  }
  // Counters per node and layer.
  EXPECT_NE(html.find("<td>tcp</td><td>rx</td>"), std::string::npos);
  EXPECT_NE(html.find("data-node=\"router\""), std::string::npos);

  // Self-contained: nothing to fetch.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST(Report, SameSeedSameBytes) {
  LossyRun a(7), b(7), c(8);
  a.run();
  b.run();
  c.run();
  EXPECT_EQ(a.page(), b.page());
  EXPECT_NE(a.page(), c.page());
}

TEST(Report, SamplesFollowTheTransfer) {
  LossyRun r(7);
  r.run();
  // The client's connection was sampled every 10 ms while it lived, and its
  // bytes acknowledged grew to the whole transfer (+ SYN and FIN).
  const ConnSample* last = nullptr;
  std::size_t n = 0;
  for (const auto& [key, s] : r.rec.samples()) {
    if (key.host == "client") {
      last = &s.back();
      n = s.size();
    }
  }
  ASSERT_NE(last, nullptr);
  EXPECT_GT(n, 10u);
  EXPECT_EQ(last->acked, 64u * 1024 + 2);
  EXPECT_GT(last->retransmits, 0u);
  EXPECT_FALSE(r.rec.frames().empty());
  EXPECT_EQ(r.rec.dropped_frames(), 0u);
}

TEST(Report, LongLaddersAreElidedInTheMiddle) {
  LossyRun r(7);
  r.run();
  const std::string html = r.page({.title = "t", .ladder_edge = 5});
  // The first and last five, and the first data retransmission with the
  // two segments before it (5 / 3 = 1 after it, 2 before).
  EXPECT_EQ(count(html, "<g class=\"seg "), 13u);
  EXPECT_GE(count(html, "<g class=\"seg rtx\" data-flags=\"ACK\""), 1u);
  EXPECT_EQ(count(html, "segments not shown"), 2u);
}

TEST(Report, TextIsEscaped) {
  LossyRun r(7, 0, 1000);
  r.run(at(5s));
  const std::string html = r.page({.title = "<script>alert(\"x\") & 'y'</script>"});
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"), std::string::npos);
}

TEST(Report, ARunningRecorderIsRefusedAndAnIdleRunEnds) {
  LossyRun r(3, 0, 1000);
  EXPECT_FALSE(write_html(r.rec, report_dir() + "/never.html"));
  // The sampler does not keep an otherwise idle queue alive.
  r.w.run_until_idle(at(600s));
  EXPECT_TRUE(r.w.queue().idle());
  EXPECT_LT(r.w.now(), at(600s));
  r.rec.stop();
  EXPECT_TRUE(r.rec.stopped());
}

// Two LANs with a switch each and a router between them, as in `campus`.
TEST(Report, SwitchedLansDrawEveryNodeAndLink) {
  sim::World w(5);
  Recorder rec(w);
  auto& sw1 = w.add_switch("sw1", 4);
  auto& sw2 = w.add_switch("sw2", 4);
  auto& a = w.add_host("a");
  auto& c = w.add_host("c");
  auto& b = w.add_host("web");
  auto& r = w.add_router("r");
  ASSERT_TRUE(w.connect(a, sw1, 0, "10.0.1.10/24"));
  ASSERT_TRUE(w.connect(c, sw1, 1, "10.0.1.11/24"));
  ASSERT_TRUE(w.connect(r, sw1, 2, "10.0.1.1/24"));
  ASSERT_TRUE(w.connect(r, sw2, 0, "10.0.2.1/24", {.bits_per_second = 1'000'000, .delay = std::chrono::milliseconds{5}}));
  ASSERT_TRUE(w.connect(b, sw2, 1, "10.0.2.20/24"));
  for (auto* h : {&a, &c}) ASSERT_TRUE(w.set_gateway(*h, "10.0.1.1"));
  ASSERT_TRUE(w.set_gateway(b, "10.0.2.1"));
  w.set_tracer(rec.tracer());
  app::TcpSinkServer sink(b, 8080);
  app::TcpBulkClient bulk(a, {ip("10.0.2.20"), 8080}, {.bytes = 20'000});
  app::TcpBulkClient bulk2(c, {ip("10.0.2.20"), 8080}, {.bytes = 5'000, .start = std::chrono::milliseconds{50}});
  w.run_until(at(3s));
  rec.stop();
  ASSERT_TRUE(bulk.result().finished);
  ASSERT_TRUE(bulk2.result().finished);
  std::filesystem::create_directories(report_dir());
  ASSERT_TRUE(write_html(rec, report_dir() + "/lans.html", {.title = "two LANs"}));
  const std::string html = render_html(rec, {.title = "two LANs"});
  const auto topo = html.find("<svg class=\"topo\"");
  const std::string svg = html.substr(topo, html.find("</svg>", topo) - topo);
  for (const char* node : {">a<", ">c<", ">web<", ">r<", ">sw1<", ">sw2<"}) {
    EXPECT_NE(svg.find(node), std::string::npos) << node;
  }
  EXPECT_EQ(count(svg, "class=\"wire\""), 5u);
  EXPECT_EQ(count(svg, "data-kind=\"switch\""), 2u);
  EXPECT_NE(svg.find("1 Mbit/s, 5 ms"), std::string::npos);
  // The first handshake is a's (c starts later); both are charted.
  EXPECT_NE(html.find("TCP ladder: 10.0.1.10:"), std::string::npos);
  EXPECT_EQ(count(html, "<polyline class=\"cwnd\""), 4u);  // both ends of both connections
  EXPECT_NE(html.find("<td>switch</td><td>flooded</td>"), std::string::npos);
}

TEST(Report, NoTcpNoLadder) {
  sim::World w(1);
  Recorder rec(w);
  auto& a = w.add_host("a");
  auto& sw = w.add_switch("sw", 2);
  ASSERT_TRUE(w.connect(a, sw, 0, "10.0.0.1/24"));
  w.set_tracer(rec.tracer());
  w.run_until(at(1s));
  rec.stop();
  const std::string html = render_html(rec);
  EXPECT_NE(html.find("No TCP connection completed a handshake"), std::string::npos);
  EXPECT_NE(html.find("data-kind=\"switch\""), std::string::npos);
}

}  // namespace
}  // namespace wirestack::report
