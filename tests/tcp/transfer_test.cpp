// tests/tcp/transfer_test.cpp — bulk transfers through a router over impaired
// links (loss, reordering, duplication, bit errors), over several seeds: the
// receiver's bytes hash equal to the sender's, the count is exact and the FIN
// arrives. And a connection into a black hole ends with "timed out", which
// the application reads from recv() and take_error().
//
// Topology: client 10.0.1.10 -- router -- server 10.0.2.10. The impairments
// are on the router-server cable, both directions (data and ACKs); the
// client-router cable is clean. So "5 % loss" is the loss of the path, not
// 1 - 0.95^2 of two lossy hops.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "common.hpp"
#include "app/tcp_apps.hpp"
#include "sim/world.hpp"
#include "tcp/connection.hpp"

namespace wirestack::sim {
using namespace app;  // the applications (src/app/) these tests run
namespace {

using namespace std::chrono_literals;

using testing::ip;
using testing::kMiB;
using testing::kSanitized;

// 10 MiB per transfer (the figure); 1 MiB under sanitizers, where a
// 10 MiB transfer takes ~4 s and the matrix below has 38 of them.
constexpr std::uint64_t kTransferBytes = kSanitized ? 1 * kMiB : 10 * kMiB;

struct Impairment {
  const char* name;  // for the test name
  double loss = 0;
  Duration jitter = Duration::zero();
  double duplicate = 0;
  double bit_error_rate = 0;
  std::uint64_t bytes = kTransferBytes;
  std::vector<std::uint64_t> seeds;
};

struct TransferCase {
  Impairment imp;
  std::uint64_t seed = 0;
};
// What ctest's test list shows for a case (gtest would print its raw bytes).
void PrintTo(const TransferCase& c, std::ostream* os) { *os << c.imp.name << " seed " << c.seed; }

// A fast link with a short delay keeps the number of simulated events (what
// costs wall time) per transferred byte low: the 20 % case spends its time in
// retransmission timeouts, which cost simulated time, not events.
LinkDirection cable(const Impairment& imp) {
  LinkDirection d;
  d.bits_per_second = 100'000'000;
  d.delay = 1ms;
  d.queue_limit_bytes = 256 * 1024;
  d.loss = imp.loss;
  d.jitter = imp.jitter;
  d.duplicate = imp.duplicate;
  d.bit_error_rate = imp.bit_error_rate;
  return d;
}

struct Routed {
  Routed(std::uint64_t seed, LinkDirection impaired) : w(seed) {
    client = &w.add_host("client");
    server = &w.add_host("server");
    router = &w.add_router("router");
    LinkDirection clean = impaired;
    clean.loss = 0;
    clean.jitter = Duration::zero();
    clean.duplicate = 0;
    clean.bit_error_rate = 0;
    EXPECT_TRUE(w.connect(*client, "10.0.1.10/24", *router, "10.0.1.1/24", clean));
    EXPECT_TRUE(w.connect(*router, "10.0.2.1/24", *server, "10.0.2.10/24", impaired));
    EXPECT_TRUE(w.set_gateway(*client, "10.0.1.1"));
    EXPECT_TRUE(w.set_gateway(*server, "10.0.2.1"));
  }
  World w;
  Host* client = nullptr;
  Host* server = nullptr;
  Host* router = nullptr;
};

std::vector<TransferCase> cases() {
  const std::vector<Impairment> imps = {
      {.name = "clean", .seeds = {1, 2, 3, 4, 5}},
      {.name = "loss1pct", .loss = 0.01, .seeds = {1, 2, 3, 4, 5}},
      {.name = "loss5pct", .loss = 0.05, .seeds = {1, 2, 3, 4, 5}},
      {.name = "loss20pct", .loss = 0.20, .seeds = {1, 2, 3, 4, 5}},
      // Jitter of 2 ms on 120 us frames: a frame is overtaken by up to ~16
      // later ones, far past the three duplicate ACKs of fast retransmit.
      {.name = "reorder", .jitter = 2ms, .seeds = {1, 2, 3, 4, 5}},
      {.name = "duplicate10pct", .duplicate = 0.10, .seeds = {1, 2, 3, 4, 5}},
      // 1e-5 per bit: ~11 % of full-size frames fail the FCS, ~0.6 % of ACKs.
      {.name = "biterrors", .bit_error_rate = 1e-5, .seeds = {1, 2, 3, 4, 5}},
      {.name = "everything",
       .loss = 0.05,
       .jitter = 2ms,
       .duplicate = 0.05,
       .bit_error_rate = 5e-6,  // ~6 % of full frames
       .seeds = {1, 2, 3, 4, 5}},
  };
  std::vector<TransferCase> out;
  for (const auto& imp : imps) {
    for (auto s : imp.seeds) out.push_back({imp, s});
  }
  return out;
}

class TcpTransfer : public ::testing::TestWithParam<TransferCase> {};

TEST_P(TcpTransfer, ReceivedBytesHashEqualToSent) {
  const TransferCase& tc = GetParam();
  Routed n(tc.seed, cable(tc.imp));
  TcpSinkServer sink(*n.server, 5001);
  ASSERT_TRUE(sink.bound());
  TcpBulkClient bulk(*n.client, {ip("10.0.2.10"), 5001}, {.bytes = tc.imp.bytes, .seed = tc.seed * 7919});
  // Step until the sender is done (every byte and the FIN acknowledged) and
  // the sink has seen the end of the stream; the guard only bounds a failure.
  const Instant guard = at(3600s);
  while (n.w.now() < guard) {
    n.w.run_for(1s);
    const bool sink_done = !sink.connections().empty() && (sink.connections()[0].eof || sink.connections()[0].error);
    if (bulk.done() && sink_done) break;
  }
  const auto& r = bulk.result();
  ASSERT_TRUE(r.finished) << (r.error ? std::string(to_string(*r.error)) : "unfinished") << " at "
                          << to_seconds(n.w.now() - Instant{}) << " s";
  EXPECT_EQ(r.bytes_sent, tc.imp.bytes);
  ASSERT_EQ(sink.connections().size(), 1u);
  const auto& rec = sink.connections()[0];
  EXPECT_EQ(rec.bytes, tc.imp.bytes);
  EXPECT_EQ(rec.hash, r.hash);
  EXPECT_TRUE(rec.eof);
  EXPECT_FALSE(rec.error);
  const auto& c = n.server->link_of(0)->counters(1);  // router -> server, the impaired direction
  // The impairment really happened (a test of a lossy link that lost nothing
  // proves nothing) and TCP repaired it.
  if (tc.imp.loss > 0) {
    EXPECT_GT(c.dropped_loss, 0u);
    EXPECT_GT(r.retransmits, 0u);
  }
  if (tc.imp.duplicate > 0) {
    EXPECT_GT(c.duplicated, 0u);
  }
  if (tc.imp.bit_error_rate > 0) {
    EXPECT_GT(c.dropped_fcs, 0u);
  }
  if (tc.imp.loss == 0 && tc.imp.bit_error_rate == 0 && tc.imp.jitter == Duration::zero() &&
      tc.imp.duplicate == 0) {
    EXPECT_EQ(r.retransmits, 0u);
  }
  std::printf("[ transfer ] %s seed %llu: %.2f s simulated, %u retransmits, goodput %.1f Mbit/s\n", tc.imp.name,
              static_cast<unsigned long long>(tc.seed), to_seconds(*r.finished_at - r.started_at), r.retransmits,
              r.goodput_bps() / 1e6);
}

INSTANTIATE_TEST_SUITE_P(Links, TcpTransfer, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<TransferCase>& p) {
                           return std::string(p.param.imp.name) + "_seed" + std::to_string(p.param.seed);
                         });

// The application's view of a dead path: its connection, with the data
// retransmission limit lowered, ends in CLOSED with timed_out, and both
// recv() and take_error() say so.
TEST(TcpBlackHole, EstablishedConnectionTimesOutAndRecvReportsIt) {
  Routed n(11, cable({.name = "clean"}));
  auto& tcp = n.client->stack().tcp();
  tcp.mutable_config().connection.max_retries = 3;
  TcpSinkServer sink(*n.server, 5001);
  const tcp::SocketHandle h = tcp.open();
  ASSERT_TRUE(tcp.connect(h, {ip("10.0.2.10"), 5001}, n.w.now()));
  n.client->kick();
  n.w.run_until(at(1s));
  ASSERT_EQ(tcp.state(h), tcp::State::established);
  // The server's cable dies; then the client sends: its data and its
  // retransmissions go nowhere.
  n.server->link_of(0)->set_up(false);
  const std::array<std::byte, 1000> data{};
  ASSERT_TRUE(tcp.send(h, data));
  n.client->kick();
  const Instant sent_at = n.w.now();
  // Step in 50 ms until the connection gives up, to see when it did.
  while (tcp.state(h) != tcp::State::closed && n.w.now() < at(120s)) n.w.run_for(50ms);
  ASSERT_EQ(tcp.state(h), tcp::State::closed);
  // 3 retries: the first transmission and 3 retransmissions with back-off
  // (RTO 200 ms, the minimum, on this 4 ms path), then one more RTO:
  // 200 + 400 + 800 + 1600 ms = 3 s at least. A fourth retry would add
  // another doubled RTO (3.2 s): giving up before 6.2 s means the limit was
  // honoured. (The slack above 3 s leaves room for a tail-loss probe.)
  const double gave_up_after = to_seconds(n.w.now() - sent_at);
  std::printf("[ black hole ] gave up %.2f s after the send\n", gave_up_after);
  EXPECT_GE(gave_up_after, 3.0);
  EXPECT_LT(gave_up_after, 6.2);
  EXPECT_NE(tcp.readiness(h) & tcp::ready::kError, 0);
  std::array<std::byte, 100> buf{};
  auto r = tcp.recv(h, buf);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, tcp::Errc::timed_out) << r.error();
  // recv() consumed the pending error (SO_ERROR semantics), and the dead
  // connection keeps answering with it.
  EXPECT_EQ(tcp.take_error(h), std::nullopt);
  auto again = tcp.recv(h, buf);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, tcp::Errc::timed_out);
  EXPECT_EQ(tcp.counters().failed, 1u);
}

// A SYN into the void (no host answers ARP, or the cable is dead): connect()
// fails with timed_out after max_syn_retries, reported through take_error().
TEST(TcpBlackHole, ConnectToADeadPathTimesOut) {
  Routed n(12, cable({.name = "clean"}));
  auto& tcp = n.client->stack().tcp();
  tcp.mutable_config().connection.max_syn_retries = 2;  // 1 + 2 + 4 s
  n.server->link_of(0)->set_up(false);
  const tcp::SocketHandle h = tcp.open();
  ASSERT_TRUE(tcp.connect(h, {ip("10.0.2.10"), 5001}, n.w.now()));
  n.client->kick();
  n.w.run_until(at(6s));
  EXPECT_EQ(tcp.state(h), tcp::State::syn_sent);  // 1 + 2 s of retries done, the last one pending
  n.w.run_until(at(30s));
  EXPECT_EQ(tcp.state(h), tcp::State::closed);
  EXPECT_EQ(tcp.take_error(h), tcp::Errc::timed_out);
}

// Fast retransmit must not depend on where the ISS lies in the sequence
// space. A bare connection (no simulator): handshake, five segments out,
// three duplicate ACKs in; the third must bring the first segment back at
// once (RFC 5681 3.2), not after an RTO.
// Returns the sequence number of the segment sent right after the third
// duplicate ACK, if any.
std::optional<std::uint32_t> fast_retransmit_with_iss(std::uint32_t iss) {
  using tcp::Connection;
  tcp::ConnectionConfig cfg;
  cfg.timestamps = false;  // keep the segments plain
  cfg.sack = false;
  const IpEndpoint local{ip("10.0.0.1"), 40000};
  const IpEndpoint remote{ip("10.0.0.2"), 5001};
  Instant now = at(0ms);
  Connection c = Connection::connect(cfg, local, remote, iss, now);
  (void)c.poll_output(now);  // the SYN
  const std::uint32_t peer_iss = 7000;
  TcpRepr synack{.src_port = 5001, .dst_port = 40000, .seq = peer_iss, .ack = iss + 1, .window = 60000};
  synack.flags.set_syn(true).set_ack(true);
  synack.options.mss = 1460;
  now = at(10ms);
  c.on_segment(synack, {}, now);
  while (c.poll_output(now)) {
  }
  const std::vector<std::byte> data(5 * 1460, std::byte{'d'});
  EXPECT_TRUE(c.send(data));
  int sent = 0;
  while (c.poll_output(now)) ++sent;
  EXPECT_EQ(sent, 5);
  TcpRepr dup{.src_port = 5001, .dst_port = 40000, .seq = peer_iss + 1, .ack = iss + 1, .window = 60000};
  dup.flags.set_ack(true);
  for (int i = 0; i < 3; ++i) {
    now += 1ms;
    c.on_segment(dup, {}, now);
  }
  auto seg = c.poll_output(now);
  if (!seg) return std::nullopt;
  return seg->tcp.seq;
}

TEST(TcpFastRetransmit, ThirdDuplicateAckRetransmitsWithAnIssInTheLowerHalf) {
  EXPECT_EQ(fast_retransmit_with_iss(1000), 1001u);
  EXPECT_EQ(fast_retransmit_with_iss(0x7fff0000u), 0x7fff0001u);
}

TEST(TcpFastRetransmit, ThirdDuplicateAckRetransmitsWithAnIssInTheUpperHalf) {
  // Was a bug: recover_ started at 0, so no fast retransmit for an ISS >= 2^31.
  EXPECT_EQ(fast_retransmit_with_iss(0x80000000u), 0x80000001u);
  EXPECT_EQ(fast_retransmit_with_iss(0xfffff000u), 0xfffff001u);
}

}  // namespace
}  // namespace wirestack::sim
