// sim/world_test.cpp — whole networks in the simulator: hosts, switches,
// routers and links, asserting outcomes (replies, errors, counters, captures).
#include "sim/world.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "app/ping.hpp"
#include "app/udp_apps.hpp"

namespace wirestack::sim {
using namespace app;  // the applications (src/app/) these tests run
namespace {

using namespace std::chrono_literals;

Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

// a --- sw1 --- r --- sw2 --- b   (10.0.1.0/24 and 10.0.2.0/24)
struct Campus {
  explicit Campus(std::uint64_t seed = 1, LinkDirection wan = {}, std::uint16_t b_side_mtu = 1500)
      : w(seed) {
    auto& sw1 = w.add_switch("sw1", 4);
    auto& sw2 = w.add_switch("sw2", 4);
    a = &w.add_host("a");
    b = &w.add_host("b");
    r = &w.add_router("r");
    EXPECT_TRUE(w.connect(*a, sw1, 0, "10.0.1.10/24"));
    EXPECT_TRUE(w.connect(*r, sw1, 1, "10.0.1.1/24"));
    EXPECT_TRUE(w.connect(*r, sw2, 1, "10.0.2.1/24", wan, NicOptions{.mtu = b_side_mtu}));
    EXPECT_TRUE(w.connect(*b, sw2, 0, "10.0.2.20/24", wan, NicOptions{.mtu = b_side_mtu}));
    EXPECT_TRUE(w.set_gateway(*a, "10.0.1.1"));
    EXPECT_TRUE(w.set_gateway(*b, "10.0.2.1"));
  }
  World w;
  Host* a = nullptr;
  Host* b = nullptr;
  Host* r = nullptr;
};

TEST(World, PingOnOneLan) {
  World w(7);
  auto& sw = w.add_switch("sw", 4);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  ASSERT_TRUE(w.connect(a, sw, 0, "10.0.0.1/24"));
  ASSERT_TRUE(w.connect(b, sw, 1, "10.0.0.2/24"));
  app::Ping ping(a, ip("10.0.0.2"), {.count = 3, .interval = 1s});
  w.run_until(at(5s));
  EXPECT_EQ(ping.result().sent, 3);
  EXPECT_EQ(ping.result().received, 3);
  ASSERT_EQ(ping.result().rtts.size(), 3u);
  // The first request waited for ARP, the others found the cache warm.
  EXPECT_GT(ping.result().rtts[0], ping.result().rtts[1]);
  EXPECT_EQ(ping.result().rtts[1], ping.result().rtts[2]);
  EXPECT_EQ(a.stack().arp_counters().requests_sent, 1u);
  EXPECT_GE(b.stack().arp_counters().requests_answered, 1u);
}

TEST(World, PingAndTracerouteAcrossARouter) {
  Campus c;
  app::Ping ping(*c.a, ip("10.0.2.20"), {.count = 3});
  app::Traceroute trace(*c.a, ip("10.0.2.20"));
  c.w.run_until(at(10s));
  EXPECT_EQ(ping.result().received, 3) << ping.result();
  for (const auto& rep : ping.result().replies) EXPECT_EQ(rep.ttl, 63);  // one router on the way
  ASSERT_TRUE(trace.done());
  ASSERT_EQ(trace.hops().size(), 2u);
  EXPECT_EQ(trace.hops()[0].from, ip("10.0.1.1"));
  EXPECT_FALSE(trace.hops()[0].reached);
  EXPECT_EQ(trace.hops()[1].from, ip("10.0.2.20"));
  EXPECT_TRUE(trace.hops()[1].reached);
  EXPECT_GE(c.r->stack().counters().ipv4.forwarded, 6u);
}

TEST(World, TtlOfOneExpiresAtTheRouter) {
  Campus c;
  app::Ping ping(*c.a, ip("10.0.2.20"), {.count = 1, .ttl = 1});
  c.w.run_until(at(3s));
  EXPECT_EQ(ping.result().received, 0);
  ASSERT_EQ(ping.result().errors.size(), 1u);
  EXPECT_EQ(ping.result().errors[0].reason, transport::IcmpReason::time_exceeded);
  EXPECT_EQ(ping.result().errors[0].from, ip("10.0.1.1"));
}

TEST(World, UdpEchoAcrossARouterAndRefusedOnAClosedPort) {
  Campus c;
  UdpEchoServer echo(*c.b, 9000);
  ASSERT_TRUE(echo.bound());
  UdpClient client(*c.a, {ip("10.0.2.20"), 9000}, {.count = 3, .interval = 100ms, .payload = "hello"});
  UdpClient refused(*c.a, {ip("10.0.2.20"), 9001}, {.count = 1});
  c.w.run_until(at(2s));
  EXPECT_EQ(echo.echoed(), 3u);
  EXPECT_EQ(client.received(), (std::vector<std::string>{"hello", "hello", "hello"}));
  EXPECT_TRUE(client.errors().empty());
  ASSERT_EQ(refused.errors().size(), 1u);
  EXPECT_EQ(refused.errors()[0], udp::Errc::connection_refused);
}

TEST(World, UnresolvableNeighbourGivesHostUnreachable) {
  Campus c;
  app::Ping ping(*c.a, ip("10.0.1.99"), {.count = 1});  // nobody has this address
  c.w.run_until(at(30s));
  EXPECT_EQ(ping.result().received, 0);
  ASSERT_EQ(ping.result().errors.size(), 1u);
  EXPECT_EQ(ping.result().errors[0].reason, transport::IcmpReason::host_unreachable);
  EXPECT_EQ(ping.result().errors[0].code, 1);  // host unreachable
  EXPECT_EQ(c.a->stack().arp_counters().requests_sent, 4u);  // first + 3 retries
}

TEST(World, RouterFragmentsForASmallerMtuAndTheHostReassembles) {
  Campus c(1, {}, 576);
  app::Ping big(*c.a, ip("10.0.2.20"), {.count = 2, .payload_len = 1400});
  c.w.run_until(at(5s));
  EXPECT_EQ(big.result().received, 2) << big.result();
  EXPECT_GE(c.b->stack().reassembler().stats().reassembled, 2u);
}

TEST(World, NoRouteIsReportedAtOnce) {
  World w(3);
  auto& sw = w.add_switch("sw", 2);
  auto& a = w.add_host("a");
  ASSERT_TRUE(w.connect(a, sw, 0, "10.0.0.1/24"));
  app::Ping ping(a, ip("192.0.2.1"), {.count = 1});
  w.run_until(at(1s));
  ASSERT_EQ(ping.result().send_errors.size(), 1u);
  EXPECT_NE(ping.result().send_errors[0].find("no route"), std::string::npos) << ping.result().send_errors[0];
}

TEST(World, BitErrorsAreDroppedByTheFcsAndCounted) {
  World w(11);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  ASSERT_TRUE(w.connect(a, "10.0.0.1/30", b, "10.0.0.2/30", LinkDirection{.bit_error_rate = 2e-5}));
  app::Ping ping(a, ip("10.0.0.2"), {.count = 100, .interval = 10ms, .payload_len = 1400});
  w.run_until(at(5s));
  const auto& l = *w.links().front().link;
  const auto fcs_drops = l.counters(0).dropped_fcs + l.counters(1).dropped_fcs;
  EXPECT_GT(fcs_drops, 0u);
  EXPECT_EQ(ping.result().received + static_cast<int>(fcs_drops), 100 + 0 * ping.result().sent)
      << "every lost reply or request was a frame the FCS caught";
}

TEST(World, ALoopMakesABroadcastStormThatIsDetectedAndStopped) {
  World w(5);
  auto& s1 = w.add_switch("sw1", 4);
  auto& s2 = w.add_switch("sw2", 4);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  ASSERT_TRUE(w.connect(a, s1, 0, "10.0.0.1/24"));
  ASSERT_TRUE(w.connect(b, s2, 0, "10.0.0.2/24"));
  ASSERT_TRUE(w.connect(s1, 1, s2, 1));
  ASSERT_TRUE(w.connect(s1, 2, s2, 2));  // the loop
  app::Ping ping(a, ip("10.0.0.2"), {.count = 1});
  const RunSummary run = w.run_until(at(10s));
  EXPECT_TRUE(run.storm);
  ASSERT_TRUE(w.storms().report());
  EXPECT_NE(w.storms().report()->explanation.find("loop"), std::string::npos) << w.storms().report()->explanation;
  EXPECT_LT(w.storms().report()->when, at(100ms));
  EXPECT_LT(run.events, 1'000'000u);  // stopped, not run forever
}

// The storm detector costs nothing where no storm can happen: it hashes
// frames only once a cable closes a loop of switches (a self-loop too).
TEST(World, TheStormDetectorIsArmedOnlyWhenSwitchesFormALoop) {
  World w(5);
  auto& core = w.add_switch("core", 8);
  auto& s1 = w.add_switch("sw1", 4);
  auto& s2 = w.add_switch("sw2", 4);
  auto& s3 = w.add_switch("sw3", 4);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  ASSERT_TRUE(w.connect(a, s1, 0, "10.0.0.1/24"));
  ASSERT_TRUE(w.connect(b, s2, 0, "10.0.0.2/24"));
  ASSERT_TRUE(w.connect(core, 0, s1, 1));
  ASSERT_TRUE(w.connect(core, 1, s2, 1));
  ASSERT_TRUE(w.connect(core, 2, s3, 1));
  EXPECT_FALSE(w.storms().armed());  // a tree
  app::Ping ping(a, ip("10.0.0.2"), {.count = 3});
  const RunSummary run = w.run_until(at(5s));
  EXPECT_FALSE(run.storm);
  EXPECT_EQ(ping.result().received, 3);
  EXPECT_GT(w.storms().counters().host_frames, 0u);  // still counted
  ASSERT_TRUE(w.connect(s1, 2, s2, 2));  // sw1 - core - sw2 - sw1
  EXPECT_TRUE(w.storms().armed());

  World self(6);
  auto& sw = self.add_switch("sw", 4);
  ASSERT_TRUE(self.connect(sw, 0, sw, 1));
  EXPECT_TRUE(self.storms().armed());
}

TEST(World, ALinkDownLosesPingsUntilItComesBack) {
  World w(2);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  ASSERT_TRUE(w.connect(a, "10.0.0.1/30", b, "10.0.0.2/30"));
  Link& link = *w.links().front().link;
  link.schedule_state(at(2500ms), false);
  link.schedule_state(at(5500ms), true);
  app::Ping ping(a, ip("10.0.0.2"), {.count = 8, .interval = 1s});
  w.run_until(at(12s));
  // Requests at 0..7 s; those at 3, 4 and 5 s go into the outage.
  EXPECT_EQ(ping.result().received, 5) << ping.result();
  EXPECT_GT(link.counters(0).dropped_down, 0u);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// Runs the campus with a lossy, jittery WAN side, capturing every link, and
// returns the capture files' bytes and the printed counters.
std::pair<std::map<std::string, std::string>, std::string> lossy_run(std::uint64_t seed, const std::string& dir) {
  std::filesystem::remove_all(dir);
  Campus c(seed, LinkDirection{.delay = 2ms, .loss = 0.1, .duplicate = 0.02, .jitter = 1ms});
  EXPECT_TRUE(c.w.capture_to(dir));
  UdpEchoServer echo(*c.b, 9000);
  UdpClient client(*c.a, {ip("10.0.2.20"), 9000}, {.count = 20, .interval = 10ms});
  app::Ping ping(*c.a, ip("10.0.2.20"), {.count = 20, .interval = 50ms});
  c.w.run_until(at(5s));
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files[e.path().filename()] = read_file(e.path());
  std::ostringstream counters;
  c.w.print_counters(counters);
  return {files, counters.str()};
}

TEST(World, SameSeedGivesByteIdenticalCapturesAndAnotherSeedDoesNot) {
  const std::string base = ::testing::TempDir() + "/wirestack-determinism-";
  const auto [files1, counters1] = lossy_run(42, base + "1");
  const auto [files2, counters2] = lossy_run(42, base + "2");
  const auto [files3, counters3] = lossy_run(43, base + "3");
  ASSERT_EQ(files1.size(), 4u);  // one pcapng per link
  EXPECT_EQ(files1, files2);
  EXPECT_EQ(counters1, counters2);
  EXPECT_NE(files1, files3);
  EXPECT_NE(counters1, counters3);
  for (const auto& [name, bytes] : files1) EXPECT_GT(bytes.size(), 24u) << name;
}

TEST(World, CaptureOptionsChooseLinksCutFramesAndStampTheCalendar) {
  const std::string dir = ::testing::TempDir() + "/wirestack-capture-options";
  std::filesystem::remove_all(dir);
  Campus c(1);
  const std::string wan = "b-eth0--sw2-port0";
  ASSERT_TRUE(c.w.capture_to(dir, CaptureOptions{.links = {wan}, .snaplen = 60}));
  app::Ping ping(*c.a, ip("10.0.2.20"), {.count = 2, .interval = 50ms, .payload_len = 500});
  c.w.run_until(at(2s));
  ASSERT_EQ(ping.result().received, 2);
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{wan + ".pcapng"});
  auto records = dev::read_pcap(dir + "/" + wan + ".pcapng");
  ASSERT_TRUE(records) << records.error();
  ASSERT_FALSE(records->empty());
  bool cut = false;
  for (const auto& r : *records) {
    EXPECT_LE(r.frame.size(), 60u);
    cut = cut || r.original_length > 500;
    // 2026-01-01 00:00:00 UTC plus at most the two simulated seconds.
    EXPECT_GE(to_nanos(r.timestamp), kCalendarOriginSeconds * 1'000'000'000);
    EXPECT_LE(to_nanos(r.timestamp), (kCalendarOriginSeconds + 2) * 1'000'000'000);
  }
  EXPECT_TRUE(cut) << "the 500-byte pings keep their length in the record";
}

TEST(World, CaptureLimitStopsEveryCaptureOnceWithinTheLimit) {
  const std::string dir = ::testing::TempDir() + "/wirestack-capture-limit";
  std::filesystem::remove_all(dir);
  Campus c(1);
  int warned = 0;
  constexpr std::uint64_t kLimit = 2000;
  ASSERT_TRUE(c.w.capture_to(dir, CaptureOptions{.limit_bytes = kLimit, .on_limit = [&](std::uint64_t limit) {
                                                   EXPECT_EQ(limit, kLimit);
                                                   ++warned;
                                                 }}));
  app::Ping ping(*c.a, ip("10.0.2.20"), {.count = 20, .interval = 10ms});
  c.w.run_until(at(2s));
  EXPECT_EQ(ping.result().received, 20) << "the limit stops captures, not traffic";
  EXPECT_EQ(warned, 1);
  EXPECT_TRUE(c.w.capture_limited());
  std::uintmax_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) total += e.file_size();
  EXPECT_EQ(total, c.w.capture_bytes());
  EXPECT_LE(total, kLimit);
  EXPECT_GT(total, kLimit - 200);
}

TEST(World, CaptureLimitBelowTheFileHeadersOpensNoMoreFiles) {
  const std::string dir = ::testing::TempDir() + "/wirestack-capture-tiny";
  std::filesystem::remove_all(dir);
  World w(1);
  int warned = 0;
  // A pcapng header here (section, two interfaces) takes 136 bytes: one fits in 200.
  ASSERT_TRUE(w.capture_to(dir, CaptureOptions{.limit_bytes = 200, .on_limit = [&](std::uint64_t) { ++warned; }}));
  auto& sw = w.add_switch("sw", 4);
  ASSERT_TRUE(w.connect(w.add_host("a"), sw, 0, "10.0.0.1/24"));
  ASSERT_TRUE(w.connect(w.add_host("b"), sw, 1, "10.0.0.2/24"));
  ASSERT_TRUE(w.connect(w.add_host("c"), sw, 2, "10.0.0.3/24"));
  w.run_until(at(1s));
  EXPECT_EQ(warned, 1);
  EXPECT_EQ(w.capture_files(), 1u) << "one 136-byte header fits in 200 bytes, not two";
  EXPECT_EQ(w.capture_bytes(), 136u);
}

TEST(World, BadInputIsRefusedWithAReason) {
  World w(1);
  auto& sw = w.add_switch("sw", 2);
  auto& a = w.add_host("a");
  auto r = w.connect(a, sw, 0, "10.0.0.1");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("/PREFIX"), std::string::npos) << r.error();
  ASSERT_TRUE(w.connect(a, sw, 0, "10.0.0.1/24"));
  auto again = w.connect(a, sw, 0, "10.0.0.2/24");
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().find("already cabled"), std::string::npos);
  auto gw = w.set_gateway(a, "192.168.1.1");
  ASSERT_FALSE(gw);
  EXPECT_NE(gw.error().find("none of its networks"), std::string::npos);
}

}  // namespace
}  // namespace wirestack::sim

namespace wirestack::sim {
namespace {

TEST(WorldApps, TwoPingsFromOneHostDoNotTakeEachOthersReplies) {
  World w(4);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  ASSERT_TRUE(w.connect(a, "10.0.0.1/30", b, "10.0.0.2/30"));
  app::Ping p1(a, ip("10.0.0.2"), {.count = 3});
  app::Ping p2(a, ip("10.0.0.2"), {.count = 3});
  w.run_until(at(5s));
  EXPECT_EQ(p1.result().received, 3) << p1.result();
  EXPECT_EQ(p2.result().received, 3) << p2.result();
}

TEST(WorldApps, DuplicatedRepliesAreCountedAsDuplicatesNotReplies) {
  World w(4);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  ASSERT_TRUE(w.connect(a, "10.0.0.1/30", b, "10.0.0.2/30", LinkDirection{.duplicate = 1.0}));
  app::Ping ping(a, ip("10.0.0.2"), {.count = 3});
  w.run_until(at(5s));
  EXPECT_EQ(ping.result().received, 3) << ping.result();
  EXPECT_GT(ping.result().duplicates, 0);
}

TEST(WorldApps, AClientAndAServerOnOneHostTalkThroughItsOwnAddress) {
  World w(4);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  ASSERT_TRUE(w.connect(a, "10.0.0.1/30", b, "10.0.0.2/30"));
  UdpEchoServer echo(a, 9000);
  UdpClient client(a, {ip("10.0.0.1"), 9000}, {.count = 2, .interval = 10ms, .payload = "self"});
  w.run_until(at(1s));
  EXPECT_EQ(client.received(), (std::vector<std::string>{"self", "self"}));
}

TEST(WorldApps, AClosedClientFreesItsPort) {
  World w(4);
  auto& a = w.add_host("a");
  auto& b = w.add_host("b");
  ASSERT_TRUE(w.connect(a, "10.0.0.1/30", b, "10.0.0.2/30"));
  {
    UdpClient client(b, {ip("10.0.0.1"), 9000}, {.count = 1});
    w.run_until(at(1s));
  }
  // Nothing bound on b any more: every port of b is free to bind again.
  std::size_t bound = 0;
  for (std::uint16_t port = 49152; port != 0; ++port) {
    auto s = b.stack().udp().open();
    if (!b.stack().udp().bind(s, {ip("10.0.0.2"), port})) ++bound;
    (void)b.stack().udp().close(s);
  }
  EXPECT_EQ(bound, 0u);
}

}  // namespace
}  // namespace wirestack::sim
