// ECN (RFC 3168 6.1) at segment level: negotiation, ECT on new data only,
// the receiver's ECE until CWR, the sender's once-per-round-trip reduction.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "tcp/connection_harness.hpp"

namespace wirestack::tcp::testing {
namespace {

constexpr std::uint16_t E = TcpFlags::kEce;
constexpr std::uint16_t C = TcpFlags::kCwr;
constexpr std::uint8_t kCe = 3;

ConnectionConfig ecn_on() {
  ConnectionConfig cfg = plain();
  cfg.ecn = EcnMode::on;
  return cfg;
}

// Counts the connection's events (what the socket table turns into counters).
struct Events : Connection::StateObserver {
  void on_state(std::uint32_t /*tag*/, State /*from*/, State /*to*/) override {}
  void on_event(std::uint32_t /*tag*/, Connection::Event e) override { ++n[static_cast<std::size_t>(e)]; }
  int count(Connection::Event e) const { return n[static_cast<std::size_t>(e)]; }
  std::array<int, 8> n{};
};

class EcnTest : public ConnectionHarness {
 protected:
  // Active open with ECN asked for; the peer's SYN-ACK carries `synack_flags`.
  void establish_ecn(std::uint16_t synack_flags = S | A | E, std::uint16_t window = 60000) {
    open(ecn_on());
    const auto syn = sends(0ms);
    ASSERT_EQ(syn.size(), 1u);
    EXPECT_TRUE(syn[0].tcp.flags.ece());
    EXPECT_TRUE(syn[0].tcp.flags.cwr());
    EXPECT_EQ(syn[0].ecn, 0);  // RFC 3168 6.1.1: the SYN is Not-ECT
    peer(with_mss(in(synack_flags, kPeerIss, kIss + 1, window), 1000), 10ms);
    ASSERT_EQ(sends(10ms).size(), 1u);
    ASSERT_EQ(c_->state(), State::established);
    c_->set_state_observer(&events_, 0);
  }
  void write(std::size_t n) {
    const std::string data(n, 'x');
    ASSERT_EQ(*c_->send(as_bytes(std::string_view(data))), n);
  }
  Events events_;
};

TEST_F(EcnTest, NegotiatedDataLeavesEct0AndPureAcksNotEct) {
  establish_ecn();
  write(2000);
  const auto out = sends(10ms);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& s : out) {
    EXPECT_EQ(s.ecn, 2) << "new data is ECT(0)";
    EXPECT_FALSE(s.tcp.flags.ece());
    EXPECT_FALSE(s.tcp.flags.cwr());
  }
  // Data from the peer: our pure ACK is Not-ECT (6.1.4).
  peer(in(A, kPeerIss + 1, kIss + 2001, 60000), 20ms, "hello");
  const auto acks = sends(300ms);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_TRUE(acks[0].payload.empty());
  EXPECT_EQ(acks[0].ecn, 0);
}

TEST_F(EcnTest, DefaultIsPassiveAndASynAckWithBothBitsIsNotEcnSetup) {
  // Default (Linux tcp_ecn = 2): no ECN-setup SYN of our own.
  open(plain());
  const TcpRepr syn = one(0ms);
  EXPECT_FALSE(syn.flags.ece());
  EXPECT_FALSE(syn.flags.cwr());
  // A SYN-ACK with ECE and CWR both set does not enable ECN (6.1.1).
  establish_ecn(S | A | E | C);
  write(100);
  const auto out = sends(10ms);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].ecn, 0);
}

TEST_F(EcnTest, PassiveSideAnswersAnEcnSetupSynWithEceOnly) {
  accept(plain(), with_mss(in(S | E | C, kPeerIss, 0, 60000), 1000));
  const TcpRepr synack = one(0ms);
  EXPECT_TRUE(synack.flags.syn());
  EXPECT_TRUE(synack.flags.ece());
  EXPECT_FALSE(synack.flags.cwr());
  // ... and a SYN without ECE gets no ECE back.
  accept(plain(), with_mss(in(S, kPeerIss, 0, 60000), 1000));
  EXPECT_FALSE(one(0ms).flags.ece());
  // ... nor with ECN off.
  ConnectionConfig off = plain();
  off.ecn = EcnMode::off;
  accept(off, with_mss(in(S | E | C, kPeerIss, 0, 60000), 1000));
  EXPECT_FALSE(one(0ms).flags.ece());
}

TEST_F(EcnTest, ReceiverEchoesCeUntilCwr) {
  establish_ecn();
  // A CE-marked segment is acknowledged at once, with ECE.
  c_->on_segment(in(A, kPeerIss + 1, kIss + 1, 60000), as_bytes(std::string_view("aaaa")), at(20ms), kCe);
  EXPECT_EQ(events_.count(Connection::Event::ecn_ce), 1);
  auto acks = sends(20ms);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_TRUE(acks[0].tcp.flags.ece());
  // Unmarked data later: ECE goes on (until CWR).
  peer(in(A, kPeerIss + 5, kIss + 1, 60000), 30ms, "bbbb");
  acks = sends(300ms);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_TRUE(acks[0].tcp.flags.ece());
  // CWR: the echo stops.
  peer(in(A | C, kPeerIss + 9, kIss + 1, 60000), 400ms, "cccc");
  acks = sends(700ms);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_FALSE(acks[0].tcp.flags.ece());
}

TEST_F(EcnTest, EceReducesCwndOncePerRoundTripWithoutRetransmittingAndSetsCwr) {
  establish_ecn();
  write(20000);
  const auto first = sends(10ms);  // the initial window: 10 segments of 1000
  ASSERT_EQ(first.size(), 10u);
  const std::uint32_t cwnd_before = c_->cwnd();
  // The ACK of the first segment echoes congestion.
  peer(in(A | E, kPeerIss + 1, kIss + 1001, 60000), 20ms);
  EXPECT_EQ(events_.count(Connection::Event::ecn_ece), 1);
  EXPECT_EQ(events_.count(Connection::Event::ecn_reduction), 1);
  EXPECT_LT(c_->cwnd(), cwnd_before);
  EXPECT_EQ(c_->ssthresh(), c_->cwnd());  // NewReno: half the flight
  EXPECT_EQ(c_->ssthresh(), 5000u);
  EXPECT_FALSE(c_->in_recovery());
  const std::uint32_t reduced = c_->cwnd();
  // More ECEs for data sent before the reduction: no second reduction.
  peer(in(A | E, kPeerIss + 1, kIss + 3001, 60000), 21ms);
  peer(in(A | E, kPeerIss + 1, kIss + 6001, 60000), 22ms);
  EXPECT_EQ(events_.count(Connection::Event::ecn_reduction), 1);
  EXPECT_GE(c_->cwnd(), reduced);
  // The next new data segment carries CWR, only the first one; no retransmission.
  const auto more = sends(22ms);
  ASSERT_FALSE(more.empty());
  EXPECT_TRUE(more[0].tcp.flags.cwr());
  EXPECT_EQ(more[0].tcp.seq, kIss + 10001);
  EXPECT_EQ(more[0].ecn, 2);
  for (std::size_t i = 1; i < more.size(); ++i) EXPECT_FALSE(more[i].tcp.flags.cwr());
  EXPECT_EQ(c_->retransmits(), 0u);
  // An ECE on an ACK of data sent after the reduction: a new round trip, reduced again.
  const std::uint32_t end = more.back().tcp.seq + static_cast<std::uint32_t>(more.back().payload.size());
  peer(in(A | E, kPeerIss + 1, end, 60000), 40ms);
  EXPECT_EQ(events_.count(Connection::Event::ecn_reduction), 2);
}

TEST_F(EcnTest, RetransmissionsAreNotEct) {
  establish_ecn();
  write(1000);
  const auto data = sends(10ms);
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0].ecn, 2);
  // The retransmission timer fires: the same bytes again, Not-ECT (6.1.5).
  const auto again = sends(10ms + c_->rto() + 1ms);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].tcp.seq, data[0].tcp.seq);
  EXPECT_EQ(again[0].ecn, 0);
}

// RFC 5562 (ConnectionConfig::ecn_syn_ack): the first SYN-ACK answering an
// ECN-setup SYN leaves ECT(0); off by default, and never for a SYN without
// ECN-setup or a SYN-ACK sent again (3.1).
TEST_F(EcnTest, EcnCapableSynAckOnlyWhenAskedAndOnlyTheFirst) {
  const TcpRepr ecn_syn = with_mss(in(S | E | C, kPeerIss, 0, 60000), 1000);
  accept(plain(), ecn_syn);
  auto out = sends(0ms);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].ecn, 0);  // the default: RFC 3168 6.1.1, Not-ECT
  ConnectionConfig cfg = plain();
  cfg.ecn_syn_ack = true;
  accept(cfg, with_mss(in(S, kPeerIss, 0, 60000), 1000));
  out = sends(0ms);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].ecn, 0);  // no ECN agreed: Not-ECT
  accept(cfg, ecn_syn);
  out = sends(0ms);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].tcp.flags.ece());
  EXPECT_EQ(out[0].ecn, 2);
  // Lost: the retransmission (RFC 6298 initial RTO, 1 s) is Not-ECT.
  out = sends(1001ms);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].tcp.flags.syn());
  EXPECT_TRUE(out[0].tcp.flags.ece());
  EXPECT_EQ(out[0].ecn, 0);
  // An ACK with ECE now cannot be told from the echo of an old mark: the
  // handshake completes with the usual window.
  peer(in(A | E, kPeerIss + 1, kIss + 1, 60000), 1010ms);
  EXPECT_EQ(c_->state(), State::established);
  EXPECT_EQ(c_->cwnd(), initial_window(1000));
}

// RFC 5562 3.2: the peer echoes a CE mark on our ECT SYN-ACK. The SYN-ACK goes
// again at once, Not-ECT; the ACK of that one completes the handshake with an
// initial window of one segment, and the first data carries CWR.
TEST_F(EcnTest, MarkedSynAckStartsWithOneSegment) {
  ConnectionConfig cfg = plain();
  cfg.ecn_syn_ack = true;
  accept(cfg, with_mss(in(S | E | C, kPeerIss, 0, 60000), 1000));
  c_->set_state_observer(&events_, 0);
  ASSERT_EQ(sends(0ms).at(0).ecn, 2);
  peer(in(A | E, kPeerIss + 1, kIss + 1, 60000), 10ms);
  EXPECT_EQ(c_->state(), State::syn_received);
  auto out = sends(10ms);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].tcp.flags.bits(), S | A | E);
  EXPECT_EQ(out[0].tcp.seq, kIss);
  EXPECT_EQ(out[0].ecn, 0);
  // Its ACK still echoes (until our CWR): no second resend.
  peer(in(A | E, kPeerIss + 1, kIss + 1, 60000), 20ms);
  ASSERT_EQ(c_->state(), State::established);
  EXPECT_EQ(c_->cwnd(), 1000u);
  EXPECT_EQ(events_.count(Connection::Event::ecn_reduction), 1);
  write(5000);
  out = sends(20ms);
  ASSERT_EQ(out.size(), 1u);  // one segment, not ten
  EXPECT_TRUE(out[0].tcp.flags.cwr());
  EXPECT_EQ(out[0].ecn, 2);
  // Its ACK (ECE gone) opens the window by slow start, with no new reduction.
  peer(in(A, kPeerIss + 1, kIss + 1001, 60000), 30ms);
  EXPECT_EQ(sends(30ms).size(), 2u);
  EXPECT_EQ(events_.count(Connection::Event::ecn_reduction), 1);
}

// The initiator's side of RFC 5562 3.2: a SYN-ACK that arrives marked CE is
// echoed with ECE on the ACK; an unmarked one is not.
TEST_F(EcnTest, InitiatorEchoesAMarkedSynAck) {
  for (const bool marked : {false, true}) {
    open(ecn_on());
    sends(0ms);
    c_->on_segment(with_mss(in(S | A | E, kPeerIss, kIss + 1, 60000), 1000), {}, at(10ms),
                   static_cast<std::uint8_t>(marked ? kCe : 2));
    ASSERT_EQ(c_->state(), State::established);
    const auto ack = sends(10ms);
    ASSERT_EQ(ack.size(), 1u);
    EXPECT_EQ(ack[0].tcp.flags.ece(), marked);
    EXPECT_EQ(ack[0].ecn, 0);
    // The responder's SYN-ACK again (Not-ECT): answered with an ACK, still echoing.
    peer(with_mss(in(S | A | E, kPeerIss, kIss + 1, 60000), 1000), 20ms);
    const auto again = sends(20ms);
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].tcp.flags.bits(), marked ? (A | E) : A);
  }
}

TEST_F(EcnTest, CeWithoutNegotiationIsIgnored) {
  establish();  // no ECN
  c_->set_state_observer(&events_, 0);
  c_->on_segment(in(A, kPeerIss + 1, kIss + 1, 4000), as_bytes(std::string_view("aaaa")), at(20ms), kCe);
  const auto acks = sends(300ms);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_FALSE(acks[0].tcp.flags.ece());
  EXPECT_EQ(events_.count(Connection::Event::ecn_ce), 0);
}

}  // namespace
}  // namespace wirestack::tcp::testing
