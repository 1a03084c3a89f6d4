// A bulk transfer through a CoDel bottleneck (RFC 8289 on the router's link
// to the server): with ECN (RFC 3168) congestion is signalled by CE marks and
// the sender slows down without losing a segment; without ECN CoDel drops.
#include <gtest/gtest.h>

#include "app/tcp_apps.hpp"
#include "sim/world.hpp"

namespace wirestack::sim {
using namespace app;
namespace {

using namespace std::chrono_literals;

struct Outcome {
  LinkCounters bottleneck;  // router -> server
  tcp::TcpCounters client;
  tcp::TcpCounters server;
  std::uint32_t retransmits = 0;
  bool finished = false;
  bool intact = false;
};

// client -- 100 Mbit/s, 1 ms -- router -- 10 Mbit/s, 10 ms, CoDel -- server.
Outcome transfer(tcp::EcnMode client_ecn) {
  World w(5);
  Host& client = w.add_host("client");
  Host& server = w.add_host("server");
  Host& router = w.add_router("router");
  const LinkDirection fast{.bits_per_second = 100'000'000, .delay = 1ms, .queue_limit_bytes = 1 << 20};
  LinkDirection slow{.bits_per_second = 10'000'000, .delay = 10ms, .queue_limit_bytes = 1 << 20};
  slow.queue = LinkDirection::Queue::codel;
  EXPECT_TRUE(w.connect(client, "10.0.1.10/24", router, "10.0.1.1/24", fast));
  EXPECT_TRUE(w.connect(router, "10.0.2.1/24", server, "10.0.2.10/24", slow));
  EXPECT_TRUE(w.set_gateway(client, "10.0.1.1"));
  EXPECT_TRUE(w.set_gateway(server, "10.0.2.1"));
  client.stack().tcp().mutable_config().connection.ecn = client_ecn;  // the server stays passive (the default)
  TcpSinkServer sink(server, 5001);
  TcpBulkClient bulk(client, {*Ipv4Address::parse("10.0.2.10"), 5001}, {.bytes = 4 << 20, .seed = 3});
  w.run_until(at(20s));
  Outcome o;
  o.bottleneck = w.links()[1].link->counters(0);
  o.client = client.stack().tcp().counters();
  o.server = server.stack().tcp().counters();
  o.retransmits = bulk.result().retransmits;
  o.finished = bulk.result().finished;
  o.intact = sink.connections().size() == 1 && sink.connections()[0].bytes == 4u << 20 &&
             sink.connections()[0].hash == bulk.result().hash;
  return o;
}

TEST(CodelScenario, WithEcnCongestionIsMarkedNotLost) {
  const Outcome o = transfer(tcp::EcnMode::on);
  ASSERT_TRUE(o.finished);
  EXPECT_TRUE(o.intact);
  EXPECT_GT(o.bottleneck.codel_marked, 0u);
  EXPECT_EQ(o.bottleneck.codel_dropped, 0u);
  EXPECT_EQ(o.bottleneck.dropped_queue, 0u);
  EXPECT_EQ(o.retransmits, 0u);
  EXPECT_GT(o.server.ce_received, 0u);
  EXPECT_GT(o.client.ece_received, 0u);
  EXPECT_GT(o.client.ecn_reductions, 0u);
  std::cout << "ECN: bottleneck " << o.bottleneck << "; client ece " << o.client.ece_received << ", reductions "
            << o.client.ecn_reductions << ", retransmits " << o.retransmits << "\n";
}

TEST(CodelScenario, WithoutEcnCodelDrops) {
  const Outcome o = transfer(tcp::EcnMode::passive);  // the client never asks
  ASSERT_TRUE(o.finished);
  EXPECT_TRUE(o.intact);
  EXPECT_EQ(o.bottleneck.codel_marked, 0u);
  EXPECT_GT(o.bottleneck.codel_dropped, 0u);
  EXPECT_GT(o.retransmits, 0u);
  EXPECT_EQ(o.client.ecn_reductions, 0u);
  std::cout << "no ECN: bottleneck " << o.bottleneck << "; retransmits " << o.retransmits << "\n";
}

}  // namespace
}  // namespace wirestack::sim
