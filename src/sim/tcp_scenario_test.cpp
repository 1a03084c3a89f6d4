// sim/tcp_scenario_test.cpp — TCP end to end in the simulator: two hosts on
// two LANs joined by a router, the handshake and the four-way close on the
// wire, an echo, a transfer that survives loss, a black hole that times out.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "dev/pcap_file.hpp"
#include "app/tcp_apps.hpp"
#include "sim/world.hpp"
#include "wire/dissect.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"

namespace wirestack::sim {
using namespace app;  // the applications (src/app/) these tests run
namespace {

using namespace std::chrono_literals;

Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

// client (10.0.1.10) -- router -- server (10.0.2.10), each side a cable with
// `cable`'s properties.
struct Routed {
  explicit Routed(std::uint64_t seed, LinkDirection cable = {}, const std::string& capture_dir = {}) : w(seed) {
    if (!capture_dir.empty()) {
      std::filesystem::remove_all(capture_dir);
      EXPECT_TRUE(w.capture_to(capture_dir));
    }
    client = &w.add_host("client");
    server = &w.add_host("server");
    router = &w.add_router("router");
    EXPECT_TRUE(w.connect(*client, "10.0.1.10/24", *router, "10.0.1.1/24", cable));
    EXPECT_TRUE(w.connect(*router, "10.0.2.1/24", *server, "10.0.2.10/24", cable));
    EXPECT_TRUE(w.set_gateway(*client, "10.0.1.1"));
    EXPECT_TRUE(w.set_gateway(*server, "10.0.2.1"));
  }
  World w;
  Host* client = nullptr;
  Host* server = nullptr;
  Host* router = nullptr;
};

// The TCP segments of one capture file, as tcpdump-like flag strings.
std::vector<std::string> tcp_flags_in(const std::string& file) {
  std::vector<std::string> out;
  auto recs = dev::read_pcap(file);
  EXPECT_TRUE(recs) << file;
  if (!recs) return out;
  for (const auto& r : *recs) {
    auto eth = EthernetFrame::checked(r.frame);
    if (!eth || eth->ethertype() != EtherType::ipv4) continue;
    auto ipv4 = Ipv4Packet::checked(eth->payload());
    if (!ipv4 || ipv4->protocol() != IpProtocol::tcp) continue;
    auto seg = TcpPacket::checked(ipv4->payload());
    if (!seg) continue;
    std::string f;
    const TcpFlags fl = seg->flags();
    if (fl.syn()) f += 'S';
    if (fl.fin()) f += 'F';
    if (fl.rst()) f += 'R';
    if (fl.psh()) f += 'P';
    if (fl.ack()) f += '.';
    out.push_back(std::string(seg->src_port() == 7 ? "s>" : "c>") + f + (seg->payload().empty() ? "" : "+data"));
  }
  return out;
}

TEST(TcpScenario, EchoAcrossARouterWithTheHandshakeAndTheFourWayCloseOnTheWire) {
  const std::string dir = ::testing::TempDir() + "/wirestack-tcp-echo";
  Routed n(1, {}, dir);
  n.server->stack().tcp().mutable_config().allow_privileged_ports = true;
  TcpEchoServer echo(*n.server, 7);
  ASSERT_TRUE(echo.bound());
  TcpRequestClient client(*n.client, {ip("10.0.2.10"), 7}, {.request = "hello, world"});
  n.w.run_until(at(5s));
  ASSERT_TRUE(client.done());
  EXPECT_FALSE(client.error());
  EXPECT_EQ(client.response(), "hello, world");
  EXPECT_EQ(echo.accepted(), 1u);
  EXPECT_EQ(echo.bytes_echoed(), 12u);
  n.w.run_until(at(120s));  // TIME-WAIT over
  EXPECT_EQ(n.client->stack().tcp().connection_count(), 0u);
  EXPECT_EQ(n.server->stack().tcp().connection_count(), 0u);
  // What went over the server's cable: SYN, SYN-ACK, ACK; data both ways;
  // then FIN/ACK from each side.
  std::string server_pcap;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().find("server") != std::string::npos) server_pcap = e.path().string();
  }
  ASSERT_FALSE(server_pcap.empty());
  const auto flags = tcp_flags_in(server_pcap);
  ASSERT_GE(flags.size(), 7u);
  EXPECT_EQ(flags[0], "c>S");
  EXPECT_EQ(flags[1], "s>S.");
  EXPECT_EQ(flags[2], "c>.");
  int fins = 0;
  for (const auto& f : flags) fins += f.find('F') != std::string::npos ? 1 : 0;
  EXPECT_EQ(fins, 2);
  EXPECT_EQ(n.server->stack().counters().tcp.rx_malformed, 0u);
}

TEST(TcpScenario, ConnectingToAClosedPortIsRefused) {
  Routed n(2);
  TcpRequestClient client(*n.client, {ip("10.0.2.10"), 9999}, {});
  n.w.run_until(at(2s));
  ASSERT_TRUE(client.done());
  EXPECT_EQ(client.error(), tcp::Errc::connection_refused);
}

TEST(TcpScenario, AOneMegabyteTransferSurvivesFivePercentLoss) {
  LinkDirection lossy;
  lossy.loss = 0.05;
  lossy.bits_per_second = 10'000'000;
  lossy.delay = 5ms;
  Routed n(3, lossy);
  TcpSinkServer sink(*n.server, 5001);
  TcpBulkClient bulk(*n.client, {ip("10.0.2.10"), 5001}, {.bytes = 1 << 20, .seed = 9});
  n.w.run_until(at(300s));
  ASSERT_TRUE(bulk.result().finished) << (bulk.result().error ? to_string(*bulk.result().error) : "unfinished");
  ASSERT_EQ(sink.connections().size(), 1u);
  EXPECT_EQ(sink.connections()[0].bytes, 1u << 20);
  EXPECT_EQ(sink.connections()[0].hash, bulk.result().hash);
  EXPECT_TRUE(sink.connections()[0].eof);
  EXPECT_GT(bulk.result().retransmits, 0u);
}

// A sink that lives long keeps a bounded number of records (the oldest
// finished ones go, even behind a connection that stays open) while its
// totals count everything.
TEST(TcpScenario, ASinkKeepsAtMostItsRecordLimitAndExactTotals) {
  Routed n(5);
  TcpSinkServer sink(*n.server, 5001, 128, /*keep_records=*/3);
  TcpBulkClient lingering(*n.client, IpEndpoint{ip("10.0.2.10"), 5001},
                          TcpBulkConfig{.bytes = 500, .seed = 99, .close_when_done = false});
  std::vector<std::unique_ptr<TcpBulkClient>> bulks;
  for (std::uint64_t i = 0; i < 10; ++i) {
    bulks.push_back(std::make_unique<TcpBulkClient>(
        *n.client, IpEndpoint{ip("10.0.2.10"), 5001},
        TcpBulkConfig{.bytes = 1000 + i, .seed = i + 1, .start = std::chrono::milliseconds{100 + 100 * i}}));
  }
  n.w.run_until(at(5s));
  for (const auto& b : bulks) ASSERT_TRUE(b->result().finished);
  EXPECT_EQ(sink.accepted(), 11u);
  EXPECT_EQ(sink.total_bytes(), 500u + 10 * 1000u + 45u);
  ASSERT_EQ(sink.connections().size(), 3u);
  EXPECT_EQ(sink.connections()[0].bytes, 500u);  // still open: kept, in front
  EXPECT_FALSE(sink.connections()[0].eof);
  for (std::size_t k = 1; k < 3; ++k) {  // then the newest two finished, in order
    EXPECT_EQ(sink.connections()[k].bytes, 1007u + k);
    EXPECT_EQ(sink.connections()[k].hash, bulks[7 + k]->result().hash);
  }
}

TEST(TcpScenario, AConnectionIntoABlackHoleTimesOut) {
  LinkDirection slow;
  slow.bits_per_second = 10'000'000;  // 1 MiB takes about a second
  Routed n(4, slow);
  tcp::SocketTableConfig& cfg = n.client->stack().tcp().mutable_config();
  cfg.connection.max_retries = 4;
  TcpSinkServer sink(*n.server, 5001);
  TcpBulkClient bulk(*n.client, {ip("10.0.2.10"), 5001}, {.bytes = 4 << 20});
  n.w.run_until(at(1s));
  ASSERT_TRUE(bulk.result().connected);
  // The server's cable goes dead: nothing comes back any more.
  n.server->link_of(0)->set_up(false);
  n.w.run_until(at(600s));
  EXPECT_FALSE(bulk.result().finished);
  EXPECT_EQ(bulk.result().error, tcp::Errc::timed_out);
}

}  // namespace
}  // namespace wirestack::sim
