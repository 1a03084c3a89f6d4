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
#include <functional>
#include <string>
#include <vector>

#include "report/html.hpp"
#include "report/recorder.hpp"
#include "app/http_client.hpp"
#include "app/http_server.hpp"
#include "app/tcp_apps.hpp"
#include "report/svg.hpp"
#include "wire/tcp.hpp"
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

// The section of the page with this id ("" if it has none).
std::string section_of(const std::string& html, const std::string& id) {
  const auto at = html.find("<section id=\"" + id + "\">");
  return at == std::string::npos ? std::string() : html.substr(at, html.find("</section>", at) - at);
}

// What follows each occurrence of `before`, up to the next quote (ids, links).
std::vector<std::string> matches(const std::string& html, const std::string& before) {
  std::vector<std::string> out;
  for (auto p = html.find(before); p != std::string::npos; p = html.find(before, p + 1)) {
    const auto start = p + before.size();
    out.push_back(html.substr(start, html.find('"', start) - start));
  }
  return out;
}

TEST(Report, LongLaddersShowTheEdgesAndEveryLossWithAnIndex) {
  LossyRun r(7);
  r.run();
  const std::string all = r.page({.title = "t", .ladder_edge = 1000});
  const std::size_t segments = count(all, "<g class=\"seg ");
  const auto anchors = matches(all, "\" id=\"seg-");
  ASSERT_GE(anchors.size(), 2u) << "pick a seed with losses";
  EXPECT_EQ(count(all, "segments hidden"), 0u);

  // The first and last five, and one on each side of each loss.
  const std::string html = r.page({.title = "t", .ladder_edge = 5, .ladder_around = 1});
  const std::size_t shown = count(html, "<g class=\"seg ");
  EXPECT_LT(shown, segments);
  EXPECT_LE(shown, 10 + 3 * anchors.size());
  EXPECT_GE(shown, 10 + anchors.size());
  EXPECT_GE(count(html, "segments hidden"), 1u);
  // Every loss is drawn and anchored, and the index links to each.
  EXPECT_EQ(matches(html, "\" id=\"seg-"), anchors);
  EXPECT_EQ(matches(html, "<li><a href=\"#seg-"), anchors);
  EXPECT_EQ(count(html, "lost</a></li>") + count(html, "retransmitted</a></li>") +
                count(html, "(a retransmission)</a></li>"),
            anchors.size());

  // Past ladder_losses, the rest of the losses are hidden and not linked.
  const std::string few = r.page({.title = "t", .ladder_edge = 5, .ladder_around = 1, .ladder_losses = 1});
  EXPECT_EQ(matches(few, "<li><a href=\"#seg-"), std::vector<std::string>{anchors.front()});
  EXPECT_NE(few.find("the first 1 losses and retransmissions"), std::string::npos);
}

// Two web servers under a flood of spoofed SYNs, one with SYN cookies off
// and one with them on, and ten clients of each: the recorder samples both
// servers' queues and counters, and the page charts them side by side.
TEST(Report, SynFloodServersAreSampledAndChartedSideBySide) {
  sim::World w(11);
  Recorder rec(w);
  auto& sw = w.add_switch("sw", 4);
  auto& client = w.add_host("client");
  auto& attacker = w.add_host("attacker");
  iface::InterfaceConfig off, on;
  off.tcp.syn_cookies = false;
  off.tcp.syn_backlog = 16;
  on.tcp.syn_backlog = 16;
  auto& web1 = w.add_host("web1", off);
  auto& web2 = w.add_host("web2", on);
  ASSERT_TRUE(w.connect(client, sw, 0, "10.0.0.1/24"));
  ASSERT_TRUE(w.connect(attacker, sw, 1, "10.0.0.2/24"));
  ASSERT_TRUE(w.connect(web1, sw, 2, "10.0.0.10/24"));
  ASSERT_TRUE(w.connect(web2, sw, 3, "10.0.0.11/24"));
  w.set_tracer(rec.tracer());
  app::HttpServer s1(web1, 8080), s2(web2, 8080);
  // 400 spoofed SYNs a second to each server for two seconds; their
  // SYN-ACKs go to addresses with no route and die there.
  std::uint32_t sent = 0;
  std::function<void()> flood = [&] {
    for (const char* to : {"10.0.0.10", "10.0.0.11"}) {
      TcpRepr syn{.src_port = static_cast<std::uint16_t>(1024 + sent % 60000), .dst_port = 8080, .seq = sent * 7919u,
                  .window = 64240};
      syn.flags.set_syn(true);
      syn.options.mss = 1460;
      const Ipv4Address src(198, 18, static_cast<std::uint8_t>(sent >> 8), static_cast<std::uint8_t>(sent));
      ByteVec seg(syn.header_len());
      syn.emit(TcpPacketMut(seg), IpPair{src, ip(to)}, Bytes{});
      (void)attacker.stack().send_ipv4(ip(to), IpProtocol::tcp, seg, w.now(), {.src = src});
      ++sent;
    }
    attacker.kick();
    if (w.now() < at(2s)) w.queue().schedule_in(2500us, flood);
  };
  w.queue().schedule_in(10ms, flood);
  std::vector<std::unique_ptr<app::HttpGet>> gets1, gets2;
  for (int i = 0; i < 10; ++i) {
    const app::HttpGetConfig cfg{.url = *http::parse_url("http://10.0.0.10:8080/"), .start = 500ms + 50ms * i};
    gets1.push_back(std::make_unique<app::HttpGet>(client, IpEndpoint{ip("10.0.0.10"), 8080}, cfg));
    app::HttpGetConfig cfg2 = cfg;
    cfg2.url = *http::parse_url("http://10.0.0.11:8080/");
    gets2.push_back(std::make_unique<app::HttpGet>(client, IpEndpoint{ip("10.0.0.11"), 8080}, cfg2));
  }
  w.run_until(at(4s));
  rec.stop();

  ASSERT_EQ(rec.servers().size(), 2u);
  const ServerSeries& a = rec.servers()[0];
  const ServerSeries& b = rec.servers()[1];
  EXPECT_EQ(a.host, "web1");
  EXPECT_FALSE(a.syn_cookies);
  EXPECT_EQ(b.host, "web2");
  EXPECT_TRUE(b.syn_cookies);
  EXPECT_EQ(a.addresses, std::vector<std::string>{"10.0.0.10"});
  // Every 10 ms from the start (the servers listen from time zero).
  EXPECT_GE(a.samples.size(), 399u);
  auto peak = [](const ServerSeries& s, auto get) {
    std::uint64_t m = 0;
    for (const auto& x : s.samples) m = std::max<std::uint64_t>(m, get(x));
    return m;
  };
  const auto syn_q = [](const ServerSample& x) { return x.syn_queue; };
  const auto est = [](const ServerSample& x) { return x.established; };
  EXPECT_EQ(peak(a, syn_q), 16u);  // full
  EXPECT_EQ(peak(b, syn_q), 16u);
  EXPECT_EQ(a.samples.back().listen_syns, web1.stack().tcp().counters().listen_syns);
  EXPECT_GT(a.samples.back().syn_queue_drops, 700u);
  EXPECT_EQ(a.samples.back().cookies_sent, 0u);
  EXPECT_GT(b.samples.back().cookies_sent, 700u);
  EXPECT_EQ(b.samples.back().syn_queue_drops, 0u);
  std::size_t answered2 = 0;
  for (const auto& g : gets2) answered2 += g->ok() ? 1 : 0;
  EXPECT_EQ(answered2, 10u);
  for (const auto& g : gets1) EXPECT_FALSE(g->ok());
  EXPECT_EQ(b.samples.back().cookies_validated, 10u);
  EXPECT_GE(b.samples.back().passive_opens, 10u);  // each exchange lasts a few ms: between samples
  EXPECT_EQ(peak(a, est), 0u);
  for (const auto& x : a.samples) ASSERT_EQ(x.open, x.syn_queue);  // web1's connections: all half-open
  // Frames were counted at every sample, and grew.
  ASSERT_FALSE(rec.traffic().empty());
  EXPECT_GT(rec.traffic().back().frames, 3000u);

  // The page, given the clients' results as `wirestack run` gives them.
  RunOutcome outcome;
  auto group = [](std::string label, const IpEndpoint& server, const auto& gets) {
    ClientGroup g{std::move(label), "client", server, true, {}};
    for (std::size_t i = 0; i < gets.size(); ++i) {
      g.requests.push_back({at(500ms + 50ms * static_cast<int>(i)),
                            gets[i]->ok() ? gets[i]->latency() : std::optional<Duration>{}});
    }
    return g;
  };
  outcome.clients.push_back(group("clients of web1", {ip("10.0.0.10"), 8080}, gets1));
  outcome.clients.push_back(group("clients of web2", {ip("10.0.0.11"), 8080}, gets2));
  outcome.apps.push_back({"clients of web1", "GET http://10.0.0.10/ ...\n", true});
  outcome.apps.push_back({"clients of web2", "GET http://10.0.0.11/ ...\n", false});
  outcome.delay_causes = "where the waiting came from: 0 datagrams dropped while ARP/ND resolved, 20077 SYNs dropped "
                         "by full listen queues (web1 20077), 12 retransmitted segments, 0 frames dropped on links";
  const std::string html = render_html(rec, {.title = "flood", .outcome = outcome});
  std::filesystem::create_directories(report_dir());
  ASSERT_TRUE(write_html(rec, report_dir() + "/flood.html", {.title = "flood", .outcome = outcome}));
  // The outcome first: the verdict, the clients, the servers side by side.
  const auto at_outcome = html.find("<section id=\"outcome\">");
  ASSERT_NE(at_outcome, std::string::npos);
  EXPECT_LT(at_outcome, html.find("<section id=\"topology\">"));
  EXPECT_NE(html.find("1 of 2 applications did not do what was expected: clients of web2."), std::string::npos);
  EXPECT_NE(html.find("<td>clients of web1</td><td>client</td><td>web1 10.0.0.10:8080</td><td class=\"num\">10</td>"
                      "<td class=\"num\">0</td><td class=\"num rate\">0 %</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<td>clients of web2</td><td>client</td><td>web2 10.0.0.11:8080</td><td class=\"num\">10</td>"
                      "<td class=\"num\">10</td><td class=\"num rate\">100 %</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr data-server=\"web1\"><td>web1</td><td>off</td>"), std::string::npos);
  EXPECT_NE(html.find("<tr data-server=\"web2\"><td>web2</td><td>on</td>"), std::string::npos);
  EXPECT_NE(html.find("10 of 10 (100 %)"), std::string::npos);
  // Why the clients waited, right under their table.
  const auto causes = html.find("<p class=\"causes\" id=\"delay-causes\">where the waiting came from: ");
  ASSERT_NE(causes, std::string::npos);
  EXPECT_LT(html.find("Clients: success rate and latency"), causes);
  EXPECT_NE(html.find("SYNs dropped by full listen queues (web1 20077)", causes), std::string::npos);
  // The flood over time: five charts, both servers in each.
  const std::string section = section_of(html, "syn-flood");
  ASSERT_FALSE(section.empty());
  EXPECT_EQ(count(section, "<svg class=\"chart\""), 5u);
  EXPECT_EQ(count(section, "<polyline class=\"s0"), 5u);
  EXPECT_EQ(count(section, "<polyline class=\"s1"), 5u);
  EXPECT_NE(section.find("web1: SYNs dropped"), std::string::npos);
  EXPECT_NE(section.find("web2: cookies sent"), std::string::npos);
  EXPECT_NE(html.find("<a href=\"#syn-flood\">"), std::string::npos);
  // And the load: both servers' connections and queues, both groups' latency.
  const std::string load = section_of(html, "load");
  ASSERT_FALSE(load.empty());
  EXPECT_NE(load.find(">established connections (at once)<"), std::string::npos);
  EXPECT_NE(load.find(">accept-queue depth (connections)<"), std::string::npos);
  EXPECT_NE(load.find(">response latency, web2 (ms, by start)<"), std::string::npos);
  EXPECT_NE(load.find("10 clients of web1 10.0.0.10:8080 were not answered"), std::string::npos);
}

TEST(Report, AStormIsTheFirstThingSaid) {
  sim::World w(3);
  Recorder rec(w);
  auto& sw1 = w.add_switch("sw1", 4);
  auto& sw2 = w.add_switch("sw2", 4);
  auto& a = w.add_host("a");
  ASSERT_TRUE(w.connect(a, sw1, 0, "10.0.0.1/24"));
  ASSERT_TRUE(w.connect(sw1, 1, sw2, 1));
  ASSERT_TRUE(w.connect(sw1, 2, sw2, 2));
  w.set_tracer(rec.tracer());
  (void)a.stack().send_ping(ip("10.0.0.2"), 7, 1, 56, w.now());
  a.kick();
  w.run_until(at(1s));
  rec.stop();
  ASSERT_TRUE(rec.storm());
  const std::string html = render_html(rec);
  const auto storm = html.find("<p class=\"storm\" id=\"storm\"><strong>Broadcast storm at ");
  ASSERT_NE(storm, std::string::npos);
  EXPECT_LT(storm, html.find("<section id=\"topology\">"));
  EXPECT_NE(html.find(detail::esc(rec.storm()->explanation)), std::string::npos);
  EXPECT_NE(html.find("<a href=\"#storm\">"), std::string::npos);
  EXPECT_NE(html.find("The applications' results were not given to the report."), std::string::npos);
  // The frames handed to links, sampled: the last sample has them all.
  ASSERT_GE(rec.traffic().size(), 2u);
  std::uint64_t frames = 0;
  for (const auto& l : rec.link_frames()) {
    for (const auto& side : l) {
      for (auto n : side) frames += n;
    }
  }
  EXPECT_EQ(rec.traffic().back().frames, frames);
  EXPECT_GT(frames, 20u);
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
