// tcp/connection_test.cpp — packetdrill-style tests of one connection: exact
// segments injected at exact instants, exact segments expected back. No bytes,
// no devices: TcpRepr in, Segment out, time as an argument. Each test names
// the RFC 9293 requirement (MUST-n) or other RFC section it covers; the table
// in docs/TCP.md lists them.
//
// Conventions: we are 10.0.0.1:40000 with ISS 1000; the peer is 10.0.0.2:80
// with ISS 5000. plain() turns options off (no timestamps, SACK or window
// scaling) and uses an 8 KiB receive buffer so windows are easy to read.
#include "tcp/connection.hpp"
#include "tcp/connection_harness.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace wirestack::tcp {
namespace {

using namespace std::chrono_literals;

using namespace testing;
using ConnectionTest = ConnectionHarness;

// --- Opening --------------------------------------------------------------------

// RFC 9293 3.5 three-way handshake (active side); MUST-14 (MSS option sent
// in the SYN and received), MUST-18 (RTT sample from the handshake).
TEST_F(ConnectionTest, ActiveOpenHandshake) {
  open(plain());
  EXPECT_EQ(c_->state(), State::syn_sent);
  EXPECT_EQ(c_->poll_at(), Instant::min());
  EXPECT_EQ(one(0ms), with_mss(out(S, 1000, 0, 8192), 1460));
  EXPECT_EQ(c_->poll_at(), at(1s));  // RFC 6298 2.1: initial RTO 1 s
  peer(with_mss(in(S | A, 5000, 1001, 4000), 1200), 10ms);
  EXPECT_EQ(c_->state(), State::established);
  EXPECT_EQ(one(10ms), out(A, 1001, 5001, 8192));
  EXPECT_EQ(c_->send_mss(), 1200);
  EXPECT_EQ(c_->send_window(), 4000u);
  EXPECT_EQ(c_->srtt(), Duration{10ms});
  EXPECT_EQ(c_->poll_at(), std::nullopt);
  // The hook is installed after connect(): the first change it sees is the handshake's.
  const std::vector<std::pair<State, State>> want{{State::syn_sent, State::established}};
  EXPECT_EQ(log_, want);
}

// MUST-15: without an MSS option the send MSS is 536.
TEST_F(ConnectionTest, DefaultSendMssIs536) {
  open(plain());
  sends(0ms);
  peer(in(S | A, 5000, 1001, 4000), 10ms);
  EXPECT_EQ(c_->send_mss(), 536);
}

// RFC 9293 3.10.7.2 (LISTEN, third: SYN -> SYN-RECEIVED, SYN-ACK), 3.10.7.4
// (SYN-RECEIVED + acceptable ACK -> ESTABLISHED); MUST-11 (passive origin kept).
TEST_F(ConnectionTest, PassiveOpenHandshake) {
  accept(plain(), with_mss(in(S, 5000, 0, 4000), 1460));
  EXPECT_EQ(c_->state(), State::syn_received);
  EXPECT_EQ(one(0ms), with_mss(out(S | A, 1000, 5001, 8192), 1460));
  EXPECT_TRUE(sends(0ms).empty());
  peer(in(A, 5001, 1001, 4000), 20ms);
  EXPECT_EQ(c_->state(), State::established);
  EXPECT_TRUE(sends(20ms).empty());
  EXPECT_EQ(c_->srtt(), Duration{20ms});
}

// The listener's SYN-cookie path: a connection rebuilt from a validated
// cookie becomes ESTABLISHED on the ACK that carried the cookie, sending nothing.
TEST_F(ConnectionTest, FromCookieEstablishesOnAck) {
  c_.emplace(Connection::from_cookie(plain(), kLocal, kRemote, with_mss(in(S, 5000, 0, 4000), 1460), kIss, at(0ms)));
  hook();
  peer(in(A, 5001, 1001, 4000), 5ms, "GET");
  EXPECT_EQ(c_->state(), State::established);
  EXPECT_EQ(read_all(), "GET");
  EXPECT_TRUE(sends(5ms).empty());  // the ACK for "GET" is delayed
  EXPECT_EQ(one(205ms), out(A, 1001, 5004, 8192));
}

// A retransmitted SYN in SYN-RECEIVED gets the SYN-ACK again at once.
TEST_F(ConnectionTest, PassiveOpenAnswersRepeatedSyn) {
  accept(plain(), with_mss(in(S, 5000, 0, 4000), 1460));
  sends(0ms);
  peer(with_mss(in(S, 5000, 0, 4000), 1460), 500ms);
  EXPECT_EQ(one(500ms), with_mss(out(S | A, 1000, 5001, 8192), 1460));
  EXPECT_EQ(c_->retransmits(), 1u);
}

// SYN-RECEIVED + unacceptable ACK -> <SEQ=SEG.ACK><CTL=RST> (3.10.7.4 fifth).
TEST_F(ConnectionTest, PassiveOpenBadAckGetsReset) {
  accept(plain(), with_mss(in(S, 5000, 0, 4000), 1460));
  sends(0ms);
  peer(in(A, 5001, 7777, 4000), 10ms);
  EXPECT_EQ(one(10ms), out(R, 7777, 0, 0));
  EXPECT_EQ(c_->state(), State::syn_received);
}

// MUST-10: simultaneous open, SYN-SENT -> SYN-RECEIVED -> ESTABLISHED.
TEST_F(ConnectionTest, SimultaneousOpen) {
  open(plain());
  EXPECT_EQ(one(0ms), with_mss(out(S, 1000, 0, 8192), 1460));
  peer(with_mss(in(S, 5000, 0, 4000), 1460), 5ms);
  EXPECT_EQ(c_->state(), State::syn_received);
  EXPECT_EQ(one(5ms), with_mss(out(S | A, 1000, 5001, 8192), 1460));
  // The peer's SYN-ACK (its SYN again, acknowledging ours).
  peer(with_mss(in(S | A, 5000, 1001, 4000), 1460), 10ms);
  EXPECT_EQ(c_->state(), State::established);
  const std::vector<std::pair<State, State>> want{{State::syn_sent, State::syn_received},
                                                  {State::syn_received, State::established}};
  EXPECT_EQ(log_, want);
  ASSERT_TRUE(c_->send(as_bytes("hi")));
  auto v = sends(10ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp, out(A | P, 1001, 5001, 8192));
}

// SYN-SENT: an ACK outside (ISS, SND.NXT] gets <SEQ=SEG.ACK><CTL=RST>.
TEST_F(ConnectionTest, SynSentBadAckGetsReset) {
  open(plain());
  sends(0ms);
  peer(in(S | A, 5000, 999, 4000), 10ms);
  EXPECT_EQ(one(10ms), out(R, 999, 0, 0));
  EXPECT_EQ(c_->state(), State::syn_sent);
}

// --- Data -------------------------------------------------------------------------

// RFC 9293 3.10.7.4 seventh (text), 3.8.6.3 delayed ACK; MUST-40 (< 0.5 s).
TEST_F(ConnectionTest, DataBothWaysWithDelayedAck) {
  establish();
  ASSERT_EQ(*c_->send(as_bytes("hello")), 5u);
  auto v = sends(100ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp, out(A | P, 1001, 5001, 8192));
  EXPECT_EQ(text(v[0]), "hello");
  EXPECT_EQ(c_->poll_at(), at(300ms));  // RTO 200 ms (min) after a 10 ms RTT
  // The peer acknowledges and sends "world".
  peer(in(A | P, 5001, 1006, 4000), 110ms, "world");
  EXPECT_EQ(c_->send_queue(), 0u);
  EXPECT_TRUE(sends(110ms).empty());  // delayed
  EXPECT_EQ(c_->poll_at(), at(310ms));
  EXPECT_TRUE(sends(309ms).empty());
  EXPECT_EQ(one(310ms), out(A, 1006, 5006, 8187));
  EXPECT_EQ(read_all(), "world");
}

// RFC 5681 4.2 / RFC 9293 3.8.6.3 (SHOULD-19): an ACK for every second full segment.
TEST_F(ConnectionTest, AckEverySecondFullSegment) {
  establish();
  const std::string full(1460, 'x');
  peer(in(A, 5001, 1001, 4000), 100ms, full);
  EXPECT_TRUE(sends(100ms).empty());
  peer(in(A, 6461, 1001, 4000), 101ms, full);
  EXPECT_EQ(one(101ms), out(A, 1001, 7921, 8192 - 2920));
  EXPECT_EQ(c_->poll_at(), std::nullopt);
}

// A receiver that reads each segment as it arrives does not answer every
// read with a window update: the larger window rides on the ACK of every
// second segment (a bulk receiver sends half as many ACKs). Before, each read
// of a full segment sent one, and the sender got an ACK per segment.
TEST_F(ConnectionTest, ReadingAtOnceDoesNotAckEverySegment) {
  establish();
  const std::string full(1460, 'x');
  peer(in(A, 5001, 1001, 4000), 100ms, full);
  EXPECT_EQ(read_all(), full);
  EXPECT_TRUE(sends(100ms).empty());
  peer(in(A, 6461, 1001, 4000), 101ms, full);
  EXPECT_EQ(read_all(), full);
  EXPECT_EQ(one(101ms), out(A, 1001, 7921, 8192));
}

// ... but when the window the peer knows has fallen to half the buffer or
// less, a read that at least doubles it is announced at once (Linux
// tcp_cleanup_rbuf): the sender may be waiting for it.
TEST_F(ConnectionTest, ReadThatReopensAHeldBackWindowIsAnnouncedAtOnce) {
  establish();
  const std::string full(1460, 'x');
  peer(in(A, 5001, 1001, 4000), 100ms, full);
  peer(in(A, 6461, 1001, 4000), 100ms, full);
  EXPECT_EQ(one(100ms), out(A, 1001, 7921, 8192 - 2920));
  peer(in(A, 7921, 1001, 4000), 101ms, full);
  peer(in(A, 9381, 1001, 4000), 101ms, full);
  EXPECT_EQ(one(101ms), out(A, 1001, 10841, 8192 - 5840));
  EXPECT_EQ(read_all().size(), 4 * full.size());
  EXPECT_EQ(one(102ms), out(A, 1001, 10841, 8192));
}

// Quick-ACK mode: after a gap is filled the sender's window is small, and
// one lost ACK covering two segments could leave it waiting for its RTO; the
// next in-order segments are ACKed one by one (Linux enters the mode on
// out-of-order and duplicate data). Found by SackRecovery at 5 % loss each
// way once reads stopped forcing an ACK per segment.
TEST_F(ConnectionTest, SegmentsAfterARepairedGapAreAckedOneByOne) {
  establish_sack(4000, 1460);
  const std::string full(1460, 'x');
  peer(in(A, 6461, 1001, 4000), 100ms, full);  // out of order: dup ACK with SACK
  EXPECT_EQ(sends(100ms).size(), 1u);
  peer(in(A, 5001, 1001, 4000), 101ms, full);  // fills the gap: ACK at once
  EXPECT_EQ(one(101ms), out(A, 1001, 7921, 8192 - 2920));
  EXPECT_EQ(read_all().size(), 2 * full.size());
  (void)sends(101ms);
  peer(in(A, 7921, 1001, 4000), 102ms, full);  // in order, one segment: still ACKed at once
  EXPECT_EQ(one(102ms), out(A, 1001, 9381, 8192 - 1460));
}

// RFC 5681 4.2 + RFC 2018: out-of-order data is held, a duplicate ACK with a
// SACK block is sent at once; the gap filler is ACKed at once (SHOULD-31 queue).
TEST_F(ConnectionTest, OutOfOrderBufferedThenDelivered) {
  establish_sack(4000, 1460);
  ASSERT_TRUE(c_->sack_enabled());
  peer(in(A, 5101, 1001, 4000), 100ms, std::string(100, 'b'));
  TcpRepr dup = out(A, 1001, 5001, 8192);
  dup.options.add_sack(SackBlock{.left = 5101, .right = 5201});
  EXPECT_EQ(one(100ms), dup);
  EXPECT_EQ(c_->recv_queue(), 0u);
  peer(in(A, 5001, 1001, 4000), 120ms, std::string(100, 'a'));
  EXPECT_EQ(one(120ms), out(A, 1001, 5201, 8192 - 200));
  EXPECT_EQ(read_all(), std::string(100, 'a') + std::string(100, 'b'));
}

// RFC 2883 (D-SACK): data that arrives again is reported as the first SACK
// block of the next ACK, once: below RCV.NXT (entirely or in part), and out
// of order inside a block already held (then that block comes second).
TEST_F(ConnectionTest, DuplicateDataIsReportedOnceAsADsackBlock) {
  establish_sack(4000, 1460);
  ASSERT_TRUE(c_->sack_enabled());
  peer(in(A, 5001, 1001, 4000), 100ms, std::string(100, 'a'));
  sends(100ms);  // delayed ACK or not: settle what is owed
  sends(400ms);
  // 1. The same 100 bytes again (our ACK was lost): entirely below RCV.NXT.
  peer(in(A, 5001, 1001, 4000), 500ms, std::string(100, 'a'));
  TcpRepr dsack = out(A, 1001, 5101, 8192 - 100);
  dsack.options.add_sack(SackBlock{.left = 5001, .right = 5101});
  EXPECT_EQ(one(500ms), dsack);
  // Once: the next ACK (for new data, delayed) carries no SACK block.
  peer(in(A, 5101, 1001, 4000), 510ms, std::string(100, 'b'));
  auto next = sends(510ms);
  for (auto& seg : sends(800ms)) next.push_back(std::move(seg));
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].tcp.ack, 5201u);
  EXPECT_TRUE(next[0].tcp.options.sacks().empty());
  // 2. A segment that overlaps RCV.NXT: only its old part is the duplicate.
  peer(in(A, 5151, 1001, 4000), 900ms, std::string(100, 'c'));
  TcpRepr partial = out(A, 1001, 5251, 8192 - 250);
  partial.options.add_sack(SackBlock{.left = 5151, .right = 5201});
  EXPECT_EQ(one(900ms), partial);
  // 3. Out of order, twice: the second copy is a D-SACK, then its block.
  peer(in(A, 5351, 1001, 4000), 1000ms, std::string(100, 'e'));
  sends(1000ms);
  peer(in(A, 5351, 1001, 4000), 1100ms, std::string(100, 'e'));
  TcpRepr ooo = out(A, 1001, 5251, 8192 - 250);
  ooo.options.add_sack(SackBlock{.left = 5351, .right = 5451});
  ooo.options.add_sack(SackBlock{.left = 5351, .right = 5451});
  EXPECT_EQ(one(1100ms), ooo);
  EXPECT_EQ(read_all(), std::string(100, 'a') + std::string(100, 'b') + std::string(50, 'c'));
}

// A FIN that arrives beyond a gap is processed once the gap fills.
TEST_F(ConnectionTest, OutOfOrderFinProcessedWhenGapFills) {
  establish();
  peer(in(A | F, 5004, 1001, 4000), 100ms, "def");
  EXPECT_EQ(one(100ms), out(A, 1001, 5001, 8192));  // duplicate ACK, still ESTABLISHED
  EXPECT_EQ(c_->state(), State::established);
  peer(in(A, 5001, 1001, 4000), 110ms, "abc");
  EXPECT_EQ(c_->state(), State::close_wait);
  EXPECT_EQ(one(110ms), out(A, 1001, 5008, 8192 - 6));
  EXPECT_EQ(read_all(), "abcdef");
  EXPECT_TRUE(c_->eof());
}

// RFC 9293 3.10.7.4 first: an unacceptable segment (old duplicate) is ACKed and dropped.
TEST_F(ConnectionTest, DuplicateSegmentReAcked) {
  establish();
  peer(in(A, 5001, 1001, 4000), 100ms, "abc");
  EXPECT_EQ(one(300ms), out(A, 1001, 5004, 8189));
  peer(in(A, 5001, 1001, 4000), 400ms, "abc");
  EXPECT_EQ(one(400ms), out(A, 1001, 5004, 8189));
  EXPECT_EQ(read_all(), "abc");
}

// RFC 9293 3.10.7.4 first: a segment beyond the window is ACKed and dropped.
TEST_F(ConnectionTest, SegmentOutsideWindowAckedAndDropped) {
  establish();
  peer(in(A, 5001 + 8192, 1001, 4000), 100ms, "zzz");
  EXPECT_EQ(one(100ms), out(A, 1001, 5001, 8192));
  EXPECT_EQ(c_->recv_queue(), 0u);
  EXPECT_EQ(c_->state(), State::established);
}

// poll_output_view: the same segment, its payload as spans into the send buffer.
TEST_F(ConnectionTest, ZeroCopyOutputView) {
  establish();
  ASSERT_TRUE(c_->send(as_bytes("hello")));
  TcpRepr h;
  storage::SpanPair pl;
  ASSERT_TRUE(c_->poll_output_view(at(100ms), h, pl));
  EXPECT_EQ(h, out(A | P, 1001, 5001, 8192));
  ASSERT_EQ(pl.size(), 5u);
  std::string got(reinterpret_cast<const char*>(pl.first.data()), pl.first.size());
  got.append(reinterpret_cast<const char*>(pl.second.data()), pl.second.size());
  EXPECT_EQ(got, "hello");
  EXPECT_FALSE(c_->poll_output_view(at(100ms), h, pl));
  EXPECT_EQ(c_->poll_at(), at(300ms));
}

// MUST-17 / SHOULD-7 (Nagle): a second small segment waits for the ACK; MUST-16 segments of Eff.snd.MSS.
TEST_F(ConnectionTest, NagleHoldsSmallSegmentUntilAck) {
  establish();
  ASSERT_TRUE(c_->send(as_bytes("a")));
  EXPECT_EQ(sends(100ms).size(), 1u);
  ASSERT_TRUE(c_->send(as_bytes("b")));
  EXPECT_TRUE(sends(101ms).empty());
  peer(in(A, 5001, 1002, 4000), 110ms);
  auto v = sends(110ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp, out(A | P, 1002, 5001, 8192));
  EXPECT_EQ(text(v[0]), "b");
}

TEST_F(ConnectionTest, NagleOffSendsAtOnce) {
  ConnectionConfig cfg = plain();
  cfg.nagle = false;
  establish(cfg);
  ASSERT_TRUE(c_->send(as_bytes("a")));
  EXPECT_EQ(sends(100ms).size(), 1u);
  ASSERT_TRUE(c_->send(as_bytes("b")));
  EXPECT_EQ(sends(101ms).size(), 1u);
}

// MUST-16: data cut at the send MSS, within min(cwnd, SND.WND) (MUST-19).
TEST_F(ConnectionTest, SegmentsAtMssWithinPeerWindow) {
  establish();  // peer window 4000, MSS 1460
  ASSERT_EQ(*c_->send(as_bytes(std::string(5000, 'd'))), 5000u);
  auto v = sends(100ms);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].tcp, out(A, 1001, 5001, 8192));
  EXPECT_EQ(v[0].payload.size(), 1460u);
  EXPECT_EQ(v[1].tcp, out(A, 2461, 5001, 8192));
  EXPECT_EQ(v[1].payload.size(), 1460u);
  // 1080 bytes of window are left: less than half the largest window the
  // peer offered and less than an MSS, so sender SWS avoidance (MUST-38) waits.
  EXPECT_TRUE(sends(101ms).empty());
  peer(in(A, 5001, 2461, 4000), 110ms);
  v = sends(110ms);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].tcp, out(A, 3921, 5001, 8192));
  EXPECT_EQ(v[0].payload.size(), 1460u);
  // The last 620 bytes fit the window. Nagle in Minshall's variant (as
  // Linux): no earlier short segment is unacknowledged, so the tail goes now
  // (the plain rule would hold it until everything in flight is acked).
  EXPECT_EQ(v[1].tcp, out(A | TcpFlags::kPsh, 5381, 5001, 8192));
  EXPECT_EQ(v[1].payload.size(), 620u);
  // A further short write waits while that short segment is unacknowledged...
  peer(in(A, 5001, 5381, 4000), 120ms);
  ASSERT_TRUE(c_->send(as_bytes("x")));
  EXPECT_TRUE(sends(121ms).empty());
  // ...and leaves once it is.
  peer(in(A, 5001, 6001, 4000), 130ms);
  v = sends(130ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].payload.size(), 1u);
}

// RFC 5681 3.2 fast retransmit on the third duplicate ACK, RFC 6582 NewReno.
TEST_F(ConnectionTest, FastRetransmitOnThreeDupAcks) {
  establish();
  peer(in(A, 5001, 1001, 60000), 20ms);  // a larger window
  ASSERT_TRUE(c_->send(as_bytes(std::string(5 * 1460, 'd'))));
  ASSERT_EQ(sends(100ms).size(), 5u);
  peer(in(A, 5001, 1001, 60000), 120ms);
  peer(in(A, 5001, 1001, 60000), 121ms);
  EXPECT_TRUE(sends(121ms).empty());
  peer(in(A, 5001, 1001, 60000), 122ms);
  auto v = sends(122ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp, out(A, 1001, 5001, 8192));
  EXPECT_EQ(v[0].payload.size(), 1460u);
  EXPECT_EQ(c_->ssthresh(), 3650u);             // FlightSize 7300 / 2
  EXPECT_EQ(c_->cwnd(), 3650u + 3 * 1460u);     // ssthresh + 3 SMSS
  // Full ACK ends recovery.
  peer(in(A, 5001, 1001 + 5 * 1460, 60000), 140ms);
  EXPECT_EQ(c_->cwnd(), 2920u);  // min(ssthresh, max(FlightSize 0, SMSS) + SMSS)
}

// RFC 3042 limited transmit: one new segment on each of the first two
// duplicate ACKs, then the fast retransmit on the third.
TEST_F(ConnectionTest, LimitedTransmitOnFirstTwoDupAcks) {
  establish();
  peer(in(A, 5001, 1001, 60000), 20ms);
  ASSERT_TRUE(c_->send(as_bytes(std::string(12 * 1460, 'd'))));
  ASSERT_EQ(sends(100ms).size(), 10u);  // the initial window: 10 segments
  peer(in(A, 5001, 1001, 60000), 120ms);
  auto v = sends(120ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp.seq, 1001u + 10 * 1460);
  peer(in(A, 5001, 1001, 60000), 121ms);
  v = sends(121ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp.seq, 1001u + 11 * 1460);
  peer(in(A, 5001, 1001, 60000), 122ms);
  v = sends(122ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp.seq, 1001u);  // fast retransmit
  EXPECT_EQ(c_->cwnd(), 12 * 1460 / 2 + 3 * 1460u);
}

// RFC 2018 + RFC 6675: with SACK, recovery retransmits every hole IsLost()
// marks as soon as pipe leaves room under cwnd, instead of waiting an RTT per
// hole for NewReno's partial ACKs; when no hole and no new data is left, the
// rescue retransmission (NextSeg rule 4) resends the highest unSACKed segment.
TEST_F(ConnectionTest, SackRecoveryRetransmitsHoles) {
  establish_sack();
  // 8 segments of 1000 bytes: 1001, 2001, ..., 8001. Segments 1001 and 4001 are lost.
  ASSERT_TRUE(c_->send(as_bytes(std::string(8000, 'd'))));
  ASSERT_EQ(sends(100ms).size(), 8u);
  auto dup = [&](std::vector<SackBlock> blocks, Duration t) {
    TcpRepr a = in(A, 5001, 1001, 60000);
    for (auto b : blocks) a.options.add_sack(b);
    peer(a, t);
  };
  dup({{2001, 3001}}, 120ms);
  dup({{2001, 4001}}, 121ms);
  EXPECT_TRUE(sends(121ms).empty());  // nothing new to send (limited transmit has no data)
  dup({{5001, 6001}, {2001, 4001}}, 122ms);
  auto v = sends(122ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp.seq, 1001u);  // RFC 6675 5 (4.3): the first hole at once
  EXPECT_EQ(c_->ssthresh(), 4000u);  // (4.2): ssthresh = FlightSize / 2
  // RFC 6937 PRR: cwnd = pipe (4000) + sndcnt; pipe is not above ssthresh,
  // so PRR-SSRB: min(ssthresh - pipe, delivered) = 0, but the first segment
  // of a recovery always goes (the fast retransmission): 5000.
  EXPECT_EQ(c_->cwnd(), 5000u);
  // 4001 is not lost yet (IsLost: only 2000 bytes, one range, SACKed above
  // it), so it counts in pipe: 4001 + 7001..9001 + the retransmission of
  // 1001 = 4000; PRR-SSRB: cwnd = pipe + min(ssthresh - pipe, ...) = 4000,
  // no room (5 (C): "while (cwnd - pipe) >= 1 SMSS").
  dup({{5001, 7001}, {2001, 4001}}, 123ms);
  EXPECT_TRUE(sends(123ms).empty());
  // 3000 bytes SACKed above 4001: lost. pipe = 8001..9001 + 1001's
  // retransmission = 2000; PRR-SSRB: sndcnt = min(ssthresh - pipe,
  // prr_delivered - prr_out = 3000 - 1000) = 2000, room for two segments: NextSeg (1) the hole 4001,
  // then, with no new data and no other hole, (4) the rescue retransmission
  // of the highest unSACKed segment, 8001.
  dup({{5001, 8001}, {2001, 4001}}, 124ms);
  v = sends(124ms);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].tcp.seq, 4001u);
  EXPECT_EQ(v[0].payload.size(), 1000u);
  EXPECT_EQ(v[1].tcp.seq, 8001u);
  EXPECT_EQ(v[1].payload.size(), 1000u);
  dup({{5001, 8001}, {2001, 4001}}, 125ms);
  EXPECT_TRUE(sends(125ms).empty());  // one rescue per recovery
  // Both retransmissions arrive: a full ACK ends recovery.
  peer(in(A, 5001, 9001, 60000), 140ms);
  EXPECT_EQ(c_->send_queue(), 0u);
  EXPECT_EQ(c_->poll_at(), std::nullopt);
}

// --- Closing ----------------------------------------------------------------------

// RFC 9293 3.6 (active close), MUST-13 (TIME-WAIT lasts 2 MSL).
TEST_F(ConnectionTest, ActiveCloseThroughTimeWait) {
  establish();
  c_->close();
  EXPECT_EQ(c_->state(), State::fin_wait_1);
  EXPECT_EQ(one(100ms), out(A | F, 1001, 5001, 8192));
  peer(in(A, 5001, 1002, 4000), 110ms);
  EXPECT_EQ(c_->state(), State::fin_wait_2);
  peer(in(A | F, 5001, 1002, 4000), 1s);
  EXPECT_EQ(c_->state(), State::time_wait);
  EXPECT_EQ(one(1s), out(A, 1002, 5002, 8192));
  EXPECT_EQ(c_->poll_at(), at(61s));
  EXPECT_TRUE(sends(61s - 1ns).empty());
  EXPECT_EQ(c_->state(), State::time_wait);
  EXPECT_TRUE(sends(61s).empty());
  EXPECT_EQ(c_->state(), State::closed);
  EXPECT_EQ(c_->error(), std::nullopt);
}

// TIME-WAIT: a retransmitted FIN is ACKed again and restarts the 2 MSL timer.
TEST_F(ConnectionTest, TimeWaitReAcksFinAndRestartsTimer) {
  establish();
  c_->close();
  sends(100ms);
  peer(in(A | F, 5001, 1002, 4000), 1s);
  EXPECT_EQ(one(1s), out(A, 1002, 5002, 8192));
  peer(in(A | F, 5001, 1002, 4000), 2s);
  EXPECT_EQ(one(2s), out(A, 1002, 5002, 8192));
  EXPECT_EQ(c_->poll_at(), at(62s));
}

// RFC 9293 3.6 (passive close): CLOSE-WAIT -> LAST-ACK -> CLOSED; MUST-12
// (the application learns of a normal close: eof()).
TEST_F(ConnectionTest, PassiveClose) {
  establish();
  peer(in(A | F, 5001, 1001, 4000), 100ms);
  EXPECT_EQ(c_->state(), State::close_wait);
  EXPECT_EQ(one(100ms), out(A, 1001, 5002, 8192));
  EXPECT_TRUE(c_->eof());
  c_->close();
  EXPECT_EQ(c_->state(), State::last_ack);
  EXPECT_EQ(one(200ms), out(A | F, 1001, 5002, 8192));
  peer(in(A, 5002, 1002, 4000), 210ms);
  EXPECT_EQ(c_->state(), State::closed);
  EXPECT_EQ(c_->error(), std::nullopt);
}

// RFC 9293 3.6 figure 13: simultaneous close through CLOSING.
TEST_F(ConnectionTest, SimultaneousClose) {
  establish();
  c_->close();
  EXPECT_EQ(one(100ms), out(A | F, 1001, 5001, 8192));
  peer(in(A | F, 5001, 1001, 4000), 105ms);
  EXPECT_EQ(c_->state(), State::closing);
  EXPECT_EQ(one(105ms), out(A, 1002, 5002, 8192));
  peer(in(A, 5002, 1002, 4000), 110ms);
  EXPECT_EQ(c_->state(), State::time_wait);
  EXPECT_EQ(c_->poll_at(), at(60s + 110ms));
}

// MAY-1 half-duplex close: after shutdown_send the receive side still works.
TEST_F(ConnectionTest, HalfCloseStillReceives) {
  establish();
  c_->shutdown_send();
  EXPECT_EQ(one(100ms), out(A | F, 1001, 5001, 8192));
  EXPECT_FALSE(c_->send(as_bytes("no")));
  EXPECT_EQ(c_->send(as_bytes("no")).error(), SendError::closed);
  peer(in(A, 5001, 1002, 4000), 110ms);
  EXPECT_EQ(c_->state(), State::fin_wait_2);
  peer(in(A | P, 5001, 1002, 4000), 120ms, "more");
  EXPECT_EQ(read_all(), "more");
  EXPECT_EQ(one(320ms), out(A, 1002, 5005, 8192));
}

// FIN after queued data: the FIN rides on the last data segment.
TEST_F(ConnectionTest, FinPiggybacksOnLastData) {
  establish();
  ASSERT_TRUE(c_->send(as_bytes("bye")));
  c_->close();
  auto v = sends(100ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp, out(A | P | F, 1001, 5001, 8192));
  EXPECT_EQ(text(v[0]), "bye");
}

// SHOULD-3: close() with unread data sends a RST, not a FIN.
TEST_F(ConnectionTest, CloseWithUnreadDataResets) {
  establish();
  peer(in(A | P, 5001, 1001, 4000), 100ms, "unread");
  c_->close();
  EXPECT_EQ(c_->state(), State::closed);
  EXPECT_EQ(one(100ms), out(R, 1001, 0, 0));
}

// SHOULD-3: data arriving after close() cannot be read: RST.
TEST_F(ConnectionTest, DataAfterCloseResets) {
  establish();
  c_->close();
  EXPECT_EQ(one(100ms), out(A | F, 1001, 5001, 8192));
  peer(in(A, 5001, 1002, 4000), 110ms);
  EXPECT_EQ(c_->state(), State::fin_wait_2);
  peer(in(A | P, 5001, 1002, 4000), 120ms, "late");
  EXPECT_EQ(c_->state(), State::closed);
  EXPECT_EQ(one(120ms), out(R, 1002, 0, 0));
  EXPECT_EQ(c_->error(), std::nullopt);
}

// An owed (delayed) ACK rides on the next data segment.
TEST_F(ConnectionTest, DelayedAckPiggybacksOnData) {
  establish();
  peer(in(A | P, 5001, 1001, 4000), 100ms, "ping");
  EXPECT_TRUE(sends(100ms).empty());
  EXPECT_EQ(read_all(), "ping");
  ASSERT_TRUE(c_->send(as_bytes("pong")));
  auto v = sends(150ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp, out(A | P, 1001, 5005, 8192));
  EXPECT_EQ(c_->poll_at(), at(350ms));  // only the RTO is left, no delayed ACK
}

// Congestion control is chosen per connection and observable (cwnd, ssthresh).
TEST_F(ConnectionTest, CubicSelectable) {
  ConnectionConfig cfg = plain();
  cfg.congestion = Algorithm::cubic;
  establish(cfg);
  EXPECT_EQ(c_->cwnd(), 14600u);  // RFC 6928 initial window for MSS 1460
  EXPECT_EQ(c_->ssthresh(), kInfiniteSsthresh);
}

}  // namespace
}  // namespace wirestack::tcp
