// tcp/connection_undo_test.cpp — undo of spurious window reductions, segment
// by segment (connection_recovery.cpp): RFC 3708 (every retransmission of
// an episode D-SACKed, Linux tcp_try_undo_dsack) and RFC 3522 (Eifel: the
// ACK echoes a TSval older than the episode's first retransmission, Linux
// tcp_packet_delayed), after a fast retransmission and after a timeout; a
// genuine loss is not undone. Same harness as connection_test.cpp: we are
// 10.0.0.1:40000 (ISS 1000), the peer 10.0.0.2:80 (ISS 5000).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tcp/connection.hpp"
#include "tcp/connection_harness.hpp"

namespace wirestack::tcp {
namespace {

using namespace testing;

// Counts what the connection reports besides state changes (the socket
// table's counters do the same: TcpCounters::undo_*).
struct Events : Connection::StateObserver {
  void on_state(std::uint32_t, State, State) override {}
  void on_event(std::uint32_t, Connection::Event e) override { seen.push_back(e); }
  std::vector<Connection::Event> seen;
};

class UndoTest : public ConnectionHarness {
 protected:
  void ack(std::uint32_t ackno, std::vector<SackBlock> blocks, Duration t, std::optional<Timestamps> ts = {}) {
    TcpRepr a = in(A, 5001, ackno, 60000);
    for (auto b : blocks) a.options.add_sack(b);
    a.options.timestamps = ts;
    peer(a, t);
  }
  // As establish_sack(), with timestamps too (TSval = our clock in ms).
  void establish_sack_ts() {
    ConnectionConfig cfg = plain();
    cfg.sack = true;
    cfg.timestamps = true;
    open(cfg);
    sends(0ms);
    TcpRepr synack = with_mss(in(S | A, kPeerIss, kIss + 1, 60000), 1012);  // 1000 bytes of data with timestamps
    synack.options.sack_permitted = true;
    synack.options.timestamps = Timestamps{.tsval = 500, .tsecr = 0};
    peer(synack, 10ms);
    sends(10ms);
    ASSERT_TRUE(c_->timestamps_enabled());
    ASSERT_EQ(c_->send_mss(), 1000u);
  }
  void observe() { c_->set_state_observer(&events_, 0); }
  // Without SACK: ESTABLISHED at 10 ms, the peer's window 60000, MSS 1000
  // (1012 with timestamps, which leaves 1000 of data).
  void establish_plain(bool timestamps) {
    ConnectionConfig cfg = plain();
    cfg.timestamps = timestamps;
    open(cfg);
    sends(0ms);
    TcpRepr synack = with_mss(in(S | A, kPeerIss, kIss + 1, 60000), timestamps ? 1012 : 1000);
    if (timestamps) synack.options.timestamps = Timestamps{.tsval = 500, .tsecr = 0};
    peer(synack, 10ms);
    sends(10ms);
    ASSERT_FALSE(c_->sack_enabled());
    ASSERT_EQ(c_->send_mss(), 1000u);
  }
  // When the next timer is due.
  Duration next_wake() const { return std::chrono::duration_cast<Duration>(*c_->poll_at() - at(0ms)); }
  // Ten segments of 1000 bytes at 20 ms: 1001 .. 10001, cwnd 10000.
  void send_ten() {
    ASSERT_TRUE(c_->send(as_bytes(std::string(10000, 'd'))));
    ASSERT_EQ(sends(20ms).size(), 10u);
    ASSERT_EQ(c_->cwnd(), 10000u);
  }
  // 1001 goes missing (reordered or lost): three duplicate ACKs SACK
  // 2001..5001, recovery starts and 1001 is sent again.
  void three_dupacks(std::optional<Timestamps> ts = {}) {
    for (std::uint32_t k = 1; k <= 3; ++k) ack(1001, {{2001, 2001 + k * 1000}}, 30ms + k * 10us, ts);
    const auto v = sends(30030us);
    ASSERT_FALSE(v.empty());
    ASSERT_EQ(v[0].tcp.seq, 1001u);
    ASSERT_TRUE(c_->in_recovery());
    ASSERT_EQ(c_->ssthresh(), 5000u);
  }
  Events events_;
};

// A reordering that looks like a loss: 1001 arrives late, after the three
// duplicate ACKs, and then its retransmission: the peer reports it as a
// D-SACK (RFC 2883), the only retransmission of the episode; cwnd and
// ssthresh come back (RFC 3708).
TEST_F(UndoTest, ReorderingThatTriggeredAFastRetransmitIsUndoneByDsack) {
  establish_sack();
  observe();
  send_ten();
  three_dupacks();
  // The late original fills the hole: everything is acknowledged, recovery
  // ends with the reduced window.
  ack(11001, {}, 35ms);
  EXPECT_FALSE(c_->in_recovery());
  EXPECT_EQ(c_->ssthresh(), 5000u);
  // Then the retransmission arrives, a duplicate: D-SACK 1001..2001.
  ack(11001, {{1001, 2001}}, 36ms);
  EXPECT_EQ(c_->ssthresh(), kInfiniteSsthresh);  // as before the episode
  EXPECT_GE(c_->cwnd(), 10000u);
  EXPECT_EQ(events_.seen, (std::vector<Connection::Event>{Connection::Event::undo_dsack}));
}

// A genuine loss: the retransmission is what arrives, no D-SACK ever comes:
// the reduction stays. A D-SACK of data the network duplicated (below the
// episode, or when we retransmitted nothing) undoes nothing either.
TEST_F(UndoTest, GenuineLossIsNotUndone) {
  establish_sack();
  observe();
  send_ten();
  ack(1001, {{1001, 2001}}, 25ms);  // a D-SACK before any retransmission: a network duplicate
  three_dupacks();
  ack(11001, {}, 45ms);  // the retransmission filled the hole
  ack(11001, {}, 46ms);
  ack(11001, {}, 47ms);
  EXPECT_FALSE(c_->in_recovery());
  EXPECT_EQ(c_->ssthresh(), 5000u);
  EXPECT_LE(c_->cwnd(), 5000u);
  EXPECT_TRUE(events_.seen.empty());
}

// Two retransmissions in the episode, one D-SACKed: not every
// retransmission was spurious, no undo (RFC 3708 2).
TEST_F(UndoTest, OneOfTwoRetransmissionsDsackedIsNotUndone) {
  establish_sack();
  observe();
  send_ten();
  three_dupacks();
  // 1001 is sent again by the loss probe (in recovery it resends the first hole).
  const auto v = sends(60ms);
  ASSERT_FALSE(v.empty());
  ASSERT_EQ(v[0].tcp.seq, 1001u);
  ack(11001, {}, 65ms);
  ack(11001, {{1001, 2001}}, 66ms);  // one of the two copies D-SACKed
  EXPECT_EQ(c_->ssthresh(), 5000u);
  EXPECT_TRUE(events_.seen.empty());
}

// RFC 3522 (Eifel) on a fast retransmission: with timestamps the ACK that
// ends recovery echoes the original's TSval (20), older than the
// retransmission's (30): undone at once, no D-SACK needed.
TEST_F(UndoTest, ReorderingIsUndoneByTimestampsAtTheEndOfRecovery) {
  establish_sack_ts();
  observe();
  send_ten();
  three_dupacks(Timestamps{.tsval = 520, .tsecr = 20});
  ack(11001, {}, 35ms, Timestamps{.tsval = 525, .tsecr = 20});
  EXPECT_FALSE(c_->in_recovery());
  EXPECT_EQ(c_->ssthresh(), kInfiniteSsthresh);
  EXPECT_EQ(c_->cwnd(), 10000u);
  EXPECT_EQ(events_.seen, (std::vector<Connection::Event>{Connection::Event::undo_timestamps}));
}

// A delay spike: the path holds the ACKs of the whole flight past the RTO.
// The timeout retransmits 1001 (TSval 1220) and collapses cwnd; then the
// held ACKs arrive, echoing the originals' TSval (20): the timeout was
// spurious (RFC 3522, Linux tcp_try_undo_loss), cwnd and ssthresh come
// back and nothing else is sent again.
TEST_F(UndoTest, DelaySpikeSpuriousTimeoutIsUndoneByTimestamps) {
  establish_sack_ts();
  observe();
  send_ten();
  const Duration rto_at = std::chrono::duration_cast<Duration>(*c_->poll_at() - at(0ms));
  // The loss probe first (PTO 2 * SRTT + 2 ms): it resends the last segment.
  auto v = sends(rto_at);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp.seq, 10001u);
  const Duration rto2 = std::chrono::duration_cast<Duration>(*c_->poll_at() - at(0ms));
  v = sends(rto2);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp.seq, 1001u);  // the RTO's retransmission
  EXPECT_EQ(c_->cwnd(), 1000u);
  EXPECT_EQ(c_->ssthresh(), 5000u);
  // The held ACKs: the first one covers 1001..3001 and echoes TSval 20.
  ack(3001, {}, rto2 + 1ms, Timestamps{.tsval = 530, .tsecr = 20});
  EXPECT_EQ(c_->ssthresh(), kInfiniteSsthresh);
  EXPECT_EQ(c_->cwnd(), 10000u);
  EXPECT_EQ(events_.seen, (std::vector<Connection::Event>{Connection::Event::undo_timestamps}));
  // The rest of the flight is not retransmitted: it is acknowledged.
  v = sends(rto2 + 1ms);
  for (const auto& s : v) EXPECT_GE(s.tcp.seq, 11001u) << "resent " << s.tcp.seq;
  ack(11001, {}, rto2 + 2ms, Timestamps{.tsval = 531, .tsecr = 20});
  EXPECT_EQ(c_->snd_una().value(), 11001u);
}

// A genuine timeout: the whole flight was lost; the first ACK after the
// timeout is for the retransmission and echoes its TSval: no undo, slow
// start from one segment.
TEST_F(UndoTest, GenuineTimeoutIsNotUndone) {
  establish_sack_ts();
  observe();
  send_ten();
  sends(std::chrono::duration_cast<Duration>(*c_->poll_at() - at(0ms)));  // the loss probe
  const Duration rto2 = std::chrono::duration_cast<Duration>(*c_->poll_at() - at(0ms));
  const auto v = sends(rto2);
  ASSERT_EQ(v.size(), 1u);
  const std::uint32_t rtx_tsval = v[0].tcp.options.timestamps->tsval;
  ack(2001, {}, rto2 + 10ms, Timestamps{.tsval = 530, .tsecr = rtx_tsval});
  EXPECT_EQ(c_->ssthresh(), 5000u);
  EXPECT_EQ(c_->cwnd(), 2000u);  // slow start
  EXPECT_TRUE(events_.seen.empty());
}

// RFC 5682 (F-RTO, SACK-enhanced): the same delay spike without
// timestamps. The timeout retransmits 1001 only; the first ACK after it
// covers 2001..3001, which was never retransmitted: the originals arrived,
// the timeout was spurious, undone.
TEST_F(UndoTest, DelaySpikeSpuriousTimeoutIsDetectedByFrto) {
  establish_sack();
  observe();
  send_ten();
  auto v = sends(std::chrono::duration_cast<Duration>(*c_->poll_at() - at(0ms)));  // the loss probe
  ASSERT_EQ(v.size(), 1u);
  const Duration rto2 = std::chrono::duration_cast<Duration>(*c_->poll_at() - at(0ms));
  v = sends(rto2);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp.seq, 1001u);
  EXPECT_EQ(c_->cwnd(), 1000u);
  ack(3001, {}, rto2 + 1ms);
  EXPECT_EQ(c_->ssthresh(), kInfiniteSsthresh);
  EXPECT_EQ(c_->cwnd(), 10000u);
  EXPECT_EQ(events_.seen, (std::vector<Connection::Event>{Connection::Event::undo_frto}));
  v = sends(rto2 + 1ms);
  for (const auto& s : v) EXPECT_GE(s.tcp.seq, 11001u) << "resent " << s.tcp.seq;
}

// F-RTO on a genuine timeout: the first ACK covers the retransmission only:
// the loss was real, slow start goes on, later ACKs do not undo it.
TEST_F(UndoTest, GenuineTimeoutIsNotUndoneByFrto) {
  establish_sack();
  observe();
  send_ten();
  sends(std::chrono::duration_cast<Duration>(*c_->poll_at() - at(0ms)));  // the loss probe
  const Duration rto2 = std::chrono::duration_cast<Duration>(*c_->poll_at() - at(0ms));
  ASSERT_EQ(sends(rto2).size(), 1u);
  ack(2001, {}, rto2 + 10ms);
  EXPECT_EQ(c_->ssthresh(), 5000u);
  EXPECT_EQ(c_->cwnd(), 2000u);
  const auto v = sends(rto2 + 10ms);  // slow start: 2001, 3001
  ASSERT_EQ(v.size(), 2u);
  ack(4001, {}, rto2 + 20ms);
  EXPECT_EQ(c_->ssthresh(), 5000u);
  EXPECT_TRUE(events_.seen.empty());
}

// RFC 5682 2.1 step 2b: the first ACK after the timeout acknowledges the
// retransmission alone (the delay spike held the originals' ACKs behind
// it). With data waiting and room in the peer's window, two new segments
// leave instead of more retransmissions; the next ACK acknowledges data that
// was never retransmitted (3b): the timeout was spurious, undone.
TEST_F(UndoTest, FrtoStep2bSendsNewDataThenUndoesASpuriousTimeout) {
  establish_sack();
  observe();
  ASSERT_TRUE(c_->send(as_bytes(std::string(20000, 'd'))));
  ASSERT_EQ(sends(20ms).size(), 10u);
  auto v = sends(next_wake());  // the loss probe: new data
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp.seq, 11001u);
  const Duration rto = next_wake();
  v = sends(rto);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp.seq, 1001u);
  ack(2001, {}, rto + 1ms);
  v = sends(rto + 1ms);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].tcp.seq, 12001u);  // not 2001: new data first
  EXPECT_EQ(v[1].tcp.seq, 13001u);
  EXPECT_NE(c_->ssthresh(), kInfiniteSsthresh);
  EXPECT_TRUE(events_.seen.empty());
  ack(4001, {}, rto + 2ms);  // 2001..4001 were never retransmitted
  EXPECT_EQ(c_->ssthresh(), kInfiniteSsthresh);
  EXPECT_GE(c_->cwnd(), 10000u);
  EXPECT_EQ(events_.seen, (std::vector<Connection::Event>{Connection::Event::undo_frto}));
  v = sends(rto + 2ms);
  for (const auto& s : v) EXPECT_GE(s.tcp.seq, 14001u) << "resent " << s.tcp.seq;
}

// Step 3a: after step 2b's new segments, a duplicate ACK that SACKs them:
// the loss was real; the retransmissions resume from the hole, no undo.
TEST_F(UndoTest, FrtoStep3DuplicateAckMeansTheTimeoutWasGenuine) {
  establish_sack();
  observe();
  ASSERT_TRUE(c_->send(as_bytes(std::string(20000, 'd'))));
  ASSERT_EQ(sends(20ms).size(), 10u);
  sends(next_wake());  // the loss probe
  const Duration rto = next_wake();
  ASSERT_EQ(sends(rto).size(), 1u);
  ack(2001, {}, rto + 1ms);
  ASSERT_EQ(sends(rto + 1ms).size(), 2u);  // step 2b
  ack(2001, {{12001, 13001}}, rto + 2ms);
  const auto v = sends(rto + 2ms);
  ASSERT_FALSE(v.empty());
  EXPECT_EQ(v[0].tcp.seq, 2001u);
  ack(4001, {{12001, 13001}}, rto + 3ms);
  EXPECT_NE(c_->ssthresh(), kInfiniteSsthresh);
  EXPECT_TRUE(events_.seen.empty());
}

// F-RTO without SACK (RFC 5682 2.1 as written): the timeout goes back to
// SND.UNA and resends 1001; its ACK alone comes back, two new segments
// leave (not 2001, 3001), and the ACK after them acknowledges originals:
// undone, and the rest of the flight is not resent.
TEST_F(UndoTest, FrtoWithoutSackUndoesASpuriousTimeout) {
  establish_plain(false);
  observe();
  ASSERT_TRUE(c_->send(as_bytes(std::string(20000, 'd'))));
  ASSERT_EQ(sends(20ms).size(), 10u);
  const Duration rto = next_wake();
  auto v = sends(rto);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp.seq, 1001u);
  EXPECT_EQ(c_->cwnd(), 1000u);
  ack(2001, {}, rto + 1ms);
  v = sends(rto + 1ms);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].tcp.seq, 11001u);
  EXPECT_EQ(v[1].tcp.seq, 12001u);
  ack(4001, {}, rto + 2ms);
  EXPECT_EQ(c_->ssthresh(), kInfiniteSsthresh);
  EXPECT_GE(c_->cwnd(), 10000u);
  EXPECT_EQ(events_.seen, (std::vector<Connection::Event>{Connection::Event::undo_frto}));
  v = sends(rto + 2ms);
  for (const auto& s : v) EXPECT_GE(s.tcp.seq, 13001u) << "resent " << s.tcp.seq;
}

// ... and a duplicate ACK after the new segments: go-back-N from the hole in
// slow start, no undo.
TEST_F(UndoTest, FrtoWithoutSackGenuineTimeoutGoesBackToTheHole) {
  establish_plain(false);
  observe();
  ASSERT_TRUE(c_->send(as_bytes(std::string(20000, 'd'))));
  ASSERT_EQ(sends(20ms).size(), 10u);
  const Duration rto = next_wake();
  ASSERT_EQ(sends(rto).size(), 1u);
  ack(2001, {}, rto + 1ms);
  ASSERT_EQ(sends(rto + 1ms).size(), 2u);
  ack(2001, {}, rto + 2ms);  // a duplicate: 11001 arrived above the hole
  const auto v = sends(rto + 2ms);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].tcp.seq, 2001u);
  EXPECT_EQ(v[1].tcp.seq, 3001u);
  ack(4001, {}, rto + 3ms);
  EXPECT_NE(c_->ssthresh(), kInfiniteSsthresh);
  EXPECT_TRUE(events_.seen.empty());
}

// RFC 3522 (Eifel) without SACK: a reordering triggered a NewReno fast
// retransmit; the ACK that ends recovery echoes the original's TSval (20),
// older than the retransmission's (30): undone (Linux tcp_try_undo_recovery
// with tcp_packet_delayed).
TEST_F(UndoTest, WithoutSackReorderingIsUndoneByTimestamps) {
  establish_plain(true);
  observe();
  send_ten();
  for (std::uint32_t k = 1; k <= 3; ++k) ack(1001, {}, 30ms + k * 10us, Timestamps{.tsval = 520, .tsecr = 20});
  const auto v = sends(30030us);
  ASSERT_FALSE(v.empty());
  ASSERT_EQ(v[0].tcp.seq, 1001u);
  ASSERT_TRUE(c_->in_recovery());
  ASSERT_EQ(c_->ssthresh(), 5000u);
  ack(11001, {}, 35ms, Timestamps{.tsval = 525, .tsecr = 20});
  EXPECT_FALSE(c_->in_recovery());
  EXPECT_EQ(c_->ssthresh(), kInfiniteSsthresh);
  EXPECT_EQ(c_->cwnd(), 10000u);
  EXPECT_EQ(events_.seen, (std::vector<Connection::Event>{Connection::Event::undo_timestamps}));
}

// ... and a spurious timeout without SACK: the first ACK after it echoes an
// original's TSval: undone, and go-back-N does not resend the flight.
TEST_F(UndoTest, WithoutSackDelaySpikeSpuriousTimeoutIsUndoneByTimestamps) {
  establish_plain(true);
  observe();
  send_ten();
  const Duration rto = next_wake();
  auto v = sends(rto);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp.seq, 1001u);
  ack(3001, {}, rto + 1ms, Timestamps{.tsval = 530, .tsecr = 20});
  EXPECT_EQ(c_->ssthresh(), kInfiniteSsthresh);
  EXPECT_EQ(c_->cwnd(), 10000u);
  EXPECT_EQ(events_.seen, (std::vector<Connection::Event>{Connection::Event::undo_timestamps}));
  v = sends(rto + 1ms);
  for (const auto& s : v) EXPECT_GE(s.tcp.seq, 11001u) << "resent " << s.tcp.seq;
  // A genuine loss the same way: the ACK echoes the retransmission: kept.
  establish_plain(true);
  observe();
  events_.seen.clear();
  send_ten();
  const Duration rto2 = next_wake();
  v = sends(rto2);
  ASSERT_EQ(v.size(), 1u);
  ack(2001, {}, rto2 + 10ms, Timestamps{.tsval = 530, .tsecr = v[0].tcp.options.timestamps->tsval});
  EXPECT_NE(c_->ssthresh(), kInfiniteSsthresh);
  EXPECT_TRUE(events_.seen.empty());
}

}  // namespace
}  // namespace wirestack::tcp
