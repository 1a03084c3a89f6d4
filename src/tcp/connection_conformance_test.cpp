// tcp/connection_conformance_test.cpp — packetdrill-style tests of RFC 9293
// rules that the stack once broke (issue [4/7] part A): the receive window we
// announced bounds what we accept, RSTs outside it are dropped in silence,
// a segment's options count against the peer's MSS, and data flows again
// as soon as a zero window reopens. Same conventions as connection_test.cpp
// (we are 10.0.0.1:40000 ISS 1000, the peer 10.0.0.2:80 ISS 5000); each test
// names the rule it pins (docs/TCP.md lists them).
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "tcp/connection.hpp"
#include "tcp/connection_harness.hpp"

namespace wirestack::tcp {
namespace {

using namespace std::chrono_literals;

using namespace testing;

class ConformanceTest : public ConnectionHarness {
 protected:
  // A receive buffer of 512 KiB without window scaling: we can announce no
  // more than 65,535 bytes, far less than the buffer holds. SACK on both
  // sides; ESTABLISHED at 10 ms with RCV.NXT = 5001.
  static constexpr std::uint32_t kBigBuffer = 512 * 1024;
  static constexpr std::uint32_t kEdge = 5001 + 65535;  // RCV.NXT + the window announced
  void establish_big_buffer(Duration challenge_interval = 500ms) {
    ConnectionConfig cfg = plain();
    cfg.sack = true;
    cfg.recv_buffer = kBigBuffer;
    cfg.challenge_ack_interval = challenge_interval;
    open(cfg);
    TcpRepr syn = with_mss(out(S, 1000, 0, 65535), 1460);
    syn.options.sack_permitted = true;
    EXPECT_EQ(one(0ms), syn);
    TcpRepr synack = with_mss(in(S | A, kPeerIss, kIss + 1, 60000), 1460);
    synack.options.sack_permitted = true;
    peer(synack, 10ms);
    EXPECT_EQ(one(10ms), out(A, 1001, 5001, 65535));
  }
};

// --- 1. RFC 9293 3.10.7.4: acceptable only within the window announced -------------

// "RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND or RCV.NXT =< SEG.SEQ+SEG.LEN-1 <
// RCV.NXT+RCV.WND"; "If an incoming segment is not acceptable, an
// acknowledgment should be sent in reply ... After sending the
// acknowledgment, drop the unacceptable segment". RCV.WND is the 65,535 we
// announced, not the 512 KiB buffer: data at the right edge, 5,000 bytes
// past it and 300,000 bytes past RCV.NXT is ACKed (no SACK block: nothing is
// held) and dropped. Data straddling the edge is trimmed to the window, and
// when the gap fills only the bytes inside the window are delivered.
TEST_F(ConformanceTest, SegmentBeyondTheAnnouncedWindowIsAckedAndDropped) {
  establish_big_buffer();
  for (const std::uint32_t seq : {kEdge, kEdge + 5000, 5001u + 300000}) {
    peer(in(A, seq, 1001, 60000), 100ms, "abcd");
    EXPECT_EQ(one(100ms), out(A, 1001, 5001, 65535)) << "SEG.SEQ = RCV.NXT + " << seq - 5001;
  }
  // The first two bytes are inside the window: held and SACKed; "YZ" and
  // the FIN behind them are not.
  peer(in(A | F, kEdge - 2, 1001, 60000), 110ms, "WXYZ");
  TcpRepr sacked = out(A, 1001, 5001, 65535);
  sacked.options.add_sack(SackBlock{.left = kEdge - 2, .right = kEdge});
  EXPECT_EQ(one(110ms), sacked);
  // The gap fills: RCV.NXT reaches the old right edge, not beyond.
  const std::string fill(65535 - 2, 'f');
  for (std::size_t off = 0; off < fill.size(); off += 1460) {
    peer(in(A, 5001 + static_cast<std::uint32_t>(off), 1001, 60000), 120ms, std::string_view(fill).substr(off, 1460));
  }
  EXPECT_EQ(c_->rcv_nxt(), SeqNum(kEdge));
  const std::string got = read_all();
  ASSERT_EQ(got.size(), fill.size() + 2);
  EXPECT_EQ(got.substr(fill.size() - 2), "ffWX");
  // Our ACK moves the window on: "YZ" again, without its FIN, is taken, and
  // the dropped FIN is not remembered.
  EXPECT_EQ(one(120ms), out(A, 1001, kEdge, 65535));
  peer(in(A, kEdge, 1001, 60000), 130ms, "YZ");
  EXPECT_EQ(c_->rcv_nxt(), SeqNum(kEdge + 2));
  EXPECT_EQ(c_->state(), State::established);
  EXPECT_EQ(read_all(), "YZ");
}

// A scaled window announces the buffer rounded down to a multiple of 2^shift:
// the bytes rounded away are beyond the right edge too (100,000 bytes of
// buffer, shift 7: 781 << 7 = 99,968 announced).
TEST_F(ConformanceTest, ScaledWindowRoundedDownBoundsTheWindow) {
  ConnectionConfig cfg = plain();
  cfg.recv_buffer = 100000;
  cfg.window_scale = 7;
  open(cfg);
  sends(0ms);
  TcpRepr synack = with_mss(in(S | A, kPeerIss, kIss + 1, 60000), 1460);
  synack.options.window_scale = 0;
  peer(synack, 10ms);
  EXPECT_EQ(one(10ms), out(A, 1001, 5001, 781));
  peer(in(A, 5001 + 99968, 1001, 60000), 100ms, "z");  // in the buffer, past the edge
  EXPECT_EQ(one(100ms), out(A, 1001, 5001, 781));
  peer(in(A, 5001 + 99967, 1001, 60000), 110ms, "yz");  // the last octet of the window, and one beyond
  EXPECT_EQ(one(110ms), out(A, 1001, 5001, 781));
  peer(in(A, 5001, 1001, 60000), 120ms, std::string(99967, 'x'));
  EXPECT_EQ(c_->rcv_nxt(), SeqNum(5001 + 99968));
  EXPECT_EQ(c_->recv_queue(), 99968u);
}

// --- 2. RFC 5961 3.2: a RST outside the window announced is dropped in silence ----

// RFC 9293 3.10.7.4 second / RFC 5961 3.2: "1) If the RST bit is set and the
// sequence number is outside the current receive window, silently drop the
// segment. 2) If the RST bit is set and the sequence number exactly matches
// the next expected sequence number (RCV.NXT), then TCP endpoints MUST reset
// the connection. 3) If the RST bit is set and the sequence number does not
// exactly match the next expected sequence value, yet is within the current
// receive window, TCP endpoints MUST send an acknowledgment (challenge ACK)".
// The current window is the 65,535 announced, not the 512 KiB buffer: RSTs
// from the right edge to the end of the buffer get no answer (and no rate
// limit hides one: challenge ACKs are unlimited here).
TEST_F(ConformanceTest, ResetBeyondTheAnnouncedWindowIsDroppedSilently) {
  establish_big_buffer(0ms);
  for (const std::uint32_t seq : {kEdge, kEdge + 1, kEdge + 5000, 5001u + 300000, 5001u + kBigBuffer - 1}) {
    peer(in(R, seq, 0, 0), 100ms);
    EXPECT_TRUE(sends(100ms).empty()) << "SEG.SEQ = RCV.NXT + " << seq - 5001;
    EXPECT_EQ(c_->state(), State::established);
  }
  // The last octet of the window: a challenge ACK.
  peer(in(R, kEdge - 1, 0, 0), 110ms);
  EXPECT_EQ(one(110ms), out(A, 1001, 5001, 65535));
  EXPECT_EQ(c_->state(), State::established);
  // Exactly RCV.NXT: reset.
  peer(in(R, 5001, 0, 0), 120ms);
  EXPECT_EQ(c_->state(), State::closed);
  EXPECT_EQ(c_->error(), Error::reset);
  EXPECT_TRUE(sends(120ms).empty());
}

// --- 3. MUST-16 / RFC 6691: a segment's options count against the peer's MSS ---------

// Our segment with ACK = `ack` and these SACK blocks (newest first).
TcpRepr acking(std::uint32_t seq, std::uint32_t ack, std::uint16_t win,
               std::initializer_list<std::pair<std::uint32_t, std::uint32_t>> blocks = {}) {
  TcpRepr r = out(A, seq, ack, win);
  for (const auto& [l, r2] : blocks) r.options.add_sack(SackBlock{.left = l, .right = r2});
  return r;
}

// RFC 9293 3.7.1 MUST-16: "Eff.snd.MSS = min(SendMSS+20, MMS_S) - TCPhdrsize
// - IPoptionsize", TCPhdrsize counting the options of the segment; RFC 6691
// 2: "When calculating the value to put in the TCP MSS option, the MTU value
// SHOULD be decreased by only the size of the fixed IP and TCP headers and
// SHOULD NOT be decreased to account for any possible IP or TCP options;
// conversely, the sender MUST reduce the TCP data length to account for any
// IP or TCP options that it is including in the packets that it sends."
// The peer offers MSS 1460 and SACK (no timestamps) and sends to us with
// holes, so our data segments carry SACK blocks: 12 bytes for one block, 36
// for four. Each segment shrinks by its blocks (1448, 1424), in slow start,
// in the retransmissions of SACK recovery (NextSeg) and in a tail loss
// probe; without blocks segments are 1460 again. No segment exceeds 1460
// bytes of payload and options.
TEST_F(ConformanceTest, DataSegmentsShrinkByTheSackBlocksTheyCarry) {
  establish_sack(60000, 1460);
  ASSERT_TRUE(c_->send(as_bytes(std::string(40000, 'd'))));
  std::vector<Segment> all;
  auto emitted = [&](Duration t) {
    auto v = sends(t);
    all.insert(all.end(), v.begin(), v.end());
    return v;
  };
  // A hole at RCV.NXT: one block. The initial window (14,600) takes ten
  // segments of 1460 - 12 = 1448 (the last 120 bytes wait: sender SWS).
  peer(in(A, 5101, 1001, 60000), 20ms, std::string(100, 'p'));
  auto v = emitted(20ms);
  ASSERT_EQ(v.size(), 10u);
  for (std::uint32_t i = 0; i < 10; ++i) {
    EXPECT_EQ(v[i].tcp, acking(1001 + i * 1448, 5001, 8192, {{5101, 5201}})) << i;
    EXPECT_EQ(v[i].payload.size(), 1448u) << i;
  }
  // Four holes: four blocks, 36 bytes; the ACK for the new data leaves at once.
  for (const std::uint32_t seq : {5301u, 5501u, 5701u}) peer(in(A, seq, 1001, 60000), 30ms, std::string(100, 'p'));
  const std::initializer_list<std::pair<std::uint32_t, std::uint32_t>> four = {
      {5701, 5801}, {5501, 5601}, {5301, 5401}, {5101, 5201}};
  EXPECT_EQ(one(30ms), acking(15481, 5001, 8192, four));
  // Two segments acknowledged: slow start sends four of 1460 - 36 = 1424.
  peer(in(A, 5801, 3897, 60000), 40ms);
  v = emitted(40ms);
  ASSERT_EQ(v.size(), 4u);
  for (std::uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(v[i].tcp, acking(15481 + i * 1424, 5001, 8192, four)) << i;
    EXPECT_EQ(v[i].payload.size(), 1424u) << i;
  }
  // The peer SACKs all but [3897, 6793): SACK recovery (RFC 6675) resends
  // the hole in pieces of 1424 (NextSeg), then sends new data within cwnd -
  // pipe, by the same size.
  TcpRepr sack = in(A, 5801, 3897, 60000);
  sack.options.add_sack(SackBlock{.left = 6793, .right = 21177});
  peer(sack, 50ms);
  v = emitted(50ms);
  const std::vector<std::pair<std::uint32_t, std::size_t>> want{{3897, 1424},  {5321, 1424},  {6745, 48},
                                                                {21177, 1424}, {22601, 1424}, {24025, 1424},
                                                                {25449, 1424}};
  ASSERT_EQ(v.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(v[i].tcp, acking(want[i].first, 5001, 8192, four)) << i;
    EXPECT_EQ(v[i].payload.size(), want[i].second) << i;
  }
  // The holes fill: no block left, and segments are 1460 again.
  for (const std::uint32_t seq : {5001u, 5201u, 5401u, 5601u}) {
    peer(in(A, seq, 3897, 60000), 60ms, std::string(100, 'q'));
  }
  EXPECT_EQ(one(60ms), acking(26873, 5801, 7392));
  peer(in(A, 5801, 26873, 60000), 70ms);
  v = emitted(70ms);
  ASSERT_EQ(v.size(), 2u);
  for (std::uint32_t i = 0; i < 2; ++i) {
    EXPECT_EQ(v[i].tcp, acking(26873 + i * 1460, 5801, 7392)) << i;
    EXPECT_EQ(v[i].payload.size(), 1460u) << i;
  }
  // A new hole, and no ACK for our last two segments: the tail loss probe
  // (RFC 8985 7.3, new data) is 1448 bytes next to its block.
  peer(in(A, 5901, 26873, 60000), 80ms, std::string(100, 'r'));
  EXPECT_EQ(one(80ms), acking(29793, 5801, 7392, {{5901, 6001}}));
  ASSERT_TRUE(c_->poll_at().has_value());
  const Duration pto = c_->poll_at()->time_since_epoch();
  EXPECT_LT(pto, Duration{80ms + c_->rto()});  // the probe, before the RTO
  v = emitted(pto);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp, acking(29793, 5801, 7392, {{5901, 6001}}));
  EXPECT_EQ(v[0].payload.size(), 1448u);
  // MUST-16 for every data segment sent.
  for (const Segment& seg : all) {
    EXPECT_LE(seg.payload.size() + seg.tcp.options.emitted_len(), 1460u) << seg.tcp;
  }
}

// With timestamps (12 bytes, already out of Eff.snd.MSS: 1448) next to SACK
// blocks: 1436 with one block, 1420 with three (the most that fit beside
// the timestamps option).
TEST_F(ConformanceTest, TimestampsAndSackBlocksBothCount) {
  ConnectionConfig cfg = plain();
  cfg.sack = true;
  cfg.timestamps = true;
  open(cfg);
  sends(0ms);
  TcpRepr synack = with_mss(in(S | A, kPeerIss, kIss + 1, 60000), 1460);
  synack.options.sack_permitted = true;
  synack.options.timestamps = Timestamps{.tsval = 100, .tsecr = 0};
  peer(synack, 10ms);
  sends(10ms);
  ASSERT_TRUE(c_->timestamps_enabled());
  EXPECT_EQ(c_->send_mss(), 1448);
  ASSERT_TRUE(c_->send(as_bytes(std::string(40000, 'd'))));
  peer(in(A, 5101, 1001, 60000), 20ms, std::string(100, 'p'));
  auto v = sends(20ms);
  ASSERT_EQ(v.size(), 10u);  // 14,480 bytes of initial window
  for (const Segment& seg : v) {
    EXPECT_EQ(seg.tcp.options.sack_count, 1u);
    EXPECT_EQ(seg.tcp.options.emitted_len(), 24u);
    EXPECT_EQ(seg.payload.size(), 1436u);
  }
  for (const std::uint32_t seq : {5301u, 5501u, 5701u}) peer(in(A, seq, 1001, 60000), 30ms, std::string(100, 'p'));
  EXPECT_EQ(sends(30ms).size(), 1u);  // the ACK for the new holes
  peer(in(A, 5801, 1001 + 2 * 1436, 60000), 40ms);
  v = sends(40ms);
  ASSERT_EQ(v.size(), 4u);  // 14,480 - 11,488 + 2,872 = 5,864 bytes of cwnd - flight
  for (const Segment& seg : v) {
    EXPECT_EQ(seg.tcp.options.sack_count, 3u);
    EXPECT_EQ(seg.tcp.options.emitted_len(), 40u);
    EXPECT_EQ(seg.payload.size(), 1420u);
  }
}

// --- 4. RFC 9293 3.8.6: data flows as soon as a zero window reopens -------------

// A receiver whose window is zero drops the probe's byte ("If the RCV.WND is
// zero, no segments will be acceptable"), so the window update that comes
// when its application reads acknowledges only up to before it. The sender
// then sends as soon as the window allows (RFC 9293 3.8.6.2.1): the
// unacknowledged probe byte is part of the data to (re)send, from SND.UNA,
// and the probe's timer stops (3.8.6.1: the persist timer runs while the
// window is zero). Here the update comes after one probe.
TEST_F(ConformanceTest, WindowUpdateAfterAProbeSendsFromSndUnaAtOnce) {
  establish();  // peer MSS 1460, RTO 200 ms
  peer(in(A, 5001, 1001, 0), 50ms);
  ASSERT_TRUE(c_->send(as_bytes(std::string(3000, 'd'))));
  EXPECT_TRUE(sends(50ms).empty());
  EXPECT_EQ(c_->poll_at(), at(250ms));  // persist: one RTO
  auto v = sends(250ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp, out(A, 1001, 5001, 8192));
  EXPECT_EQ(v[0].payload.size(), 1u);
  peer(in(A, 5001, 1001, 0), 260ms);  // byte dropped, window still zero
  EXPECT_TRUE(sends(260ms).empty());
  // The window opens; the ACK is still 1001.
  peer(in(A, 5001, 1001, 4000), 300ms);
  v = sends(300ms);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].tcp, out(A, 1001, 5001, 8192));
  EXPECT_EQ(v[0].payload.size(), 1460u);
  EXPECT_EQ(v[1].tcp, out(A, 2461, 5001, 8192));
  EXPECT_EQ(v[1].payload.size(), 1460u);
  EXPECT_EQ(v[2].tcp, out(A | P, 3921, 5001, 8192));  // the 80-byte tail: no short segment is out
  EXPECT_EQ(v[2].payload.size(), 80u);
  EXPECT_EQ(c_->poll_at(), at(500ms));  // a fresh RTO for the data
  peer(in(A, 5001, 4001, 4000), 310ms);
  EXPECT_EQ(c_->send_queue(), 0u);
}

// The same after the probes have backed off (the stall was up to the next
// probe: 6.4 s after five, 120 s at most): the update at 900 ms is followed
// by data at 900 ms, not at the next probe at 1500 ms. The probes' timeouts
// left cwnd at one segment (RFC 5681 3.1 as coded here): one full segment
// from SND.UNA, with the probe's byte, and the RTO afresh without the probes'
// back-off (the peer answered; as Linux's tcp_ack_probe).
TEST_F(ConformanceTest, WindowUpdateAfterBackedOffProbesSendsAtOnce) {
  establish();
  peer(in(A, 5001, 1001, 0), 50ms);
  ASSERT_TRUE(c_->send(as_bytes(std::string(3000, 'd'))));
  EXPECT_TRUE(sends(50ms).empty());
  Duration t = 250ms;
  for (const Duration next : {Duration{650ms}, Duration{1450ms}}) {
    EXPECT_EQ(c_->poll_at(), at(t));
    auto v = sends(t);
    ASSERT_EQ(v.size(), 1u);
    EXPECT_EQ(v[0].tcp, out(A, 1001, 5001, 8192));
    EXPECT_EQ(v[0].payload.size(), 1u);
    peer(in(A, 5001, 1001, 0), t + 10ms);  // dropped, window zero
    EXPECT_TRUE(sends(t + 10ms).empty());
    t = next;
  }
  EXPECT_EQ(c_->poll_at(), at(1450ms));  // the next probe, backed off
  peer(in(A, 5001, 1001, 4000), 900ms);  // the update: ACK 1001, window 4000
  auto v = sends(900ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp, out(A, 1001, 5001, 8192));
  EXPECT_EQ(v[0].payload.size(), 1460u);
  EXPECT_EQ(c_->poll_at(), at(1100ms));  // 900 ms + RTO 200 ms
  peer(in(A, 5001, 2461, 4000), 910ms);
  v = sends(910ms);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].tcp, out(A, 2461, 5001, 8192));
  EXPECT_EQ(v[0].payload.size(), 1460u);
  EXPECT_EQ(v[1].tcp, out(A | P, 3921, 5001, 8192));
  EXPECT_EQ(v[1].payload.size(), 80u);
  EXPECT_EQ(c_->state(), State::established);
}

// --- 3 (second half). Path MTU discovery (RFC 1191, RFC 9293 3.7.2) -------------

// An ICMP "fragmentation needed" lowers SMSS only when it quotes data in
// flight (RFC 5927 4.1: SND.UNA =< seq < SND.MAX), and only downwards; then
// everything in flight goes again from SND.UNA in the new size, cwnd kept
// (the segments were too big for the path, not a congestion signal).
TEST_F(ConformanceTest, PathMtuReportShrinksSegmentsAndResendsTheFlight) {
  establish();  // plain(): no options, MSS 1460, the peer's window 4000
  ASSERT_TRUE(c_->send(as_bytes(std::string(3000, 'p'))));
  auto first = sends(20ms);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].payload.size(), 1460u);
  const std::uint32_t cwnd = c_->cwnd();
  EXPECT_FALSE(c_->on_path_mtu(960, SeqNum(1000), at(25ms)));         // below SND.UNA: stale or forged
  EXPECT_FALSE(c_->on_path_mtu(960, SeqNum(1001 + 3000), at(25ms)));  // never sent
  EXPECT_FALSE(c_->on_path_mtu(1500, SeqNum(1001), at(25ms)));        // not smaller
  EXPECT_EQ(c_->send_mss(), 1460u);
  ASSERT_TRUE(c_->on_path_mtu(960, SeqNum(2461), at(25ms)));          // the second segment's
  EXPECT_EQ(c_->send_mss(), 960u);
  EXPECT_EQ(c_->cwnd(), cwnd);
  const auto again = sends(25ms);
  ASSERT_EQ(again.size(), 4u);
  std::uint32_t seq = 1001;
  for (const auto& s : again) {
    EXPECT_EQ(s.tcp.seq, seq);
    EXPECT_LE(s.payload.size(), 960u);
    seq += static_cast<std::uint32_t>(s.payload.size());
  }
  EXPECT_EQ(seq, 1001u + 3000);
  EXPECT_FALSE(c_->on_path_mtu(1200, SeqNum(1001), at(26ms)));  // never raised by a report
}

// RFC 9293 3.7.1: Eff.snd.MSS = min(SendMSS + 20, MMS_S) - 20: a peer that
// offers more than our own egress takes (our MSS, from the MTU) gets
// segments of our size, not fragments of its size.
TEST_F(ConformanceTest, PeerMssAboveOursIsClampedToOurEgress) {
  ConnectionConfig cfg = plain();
  cfg.mss = 1000;
  open(cfg);
  EXPECT_EQ(one(0ms), with_mss(out(S, 1000, 0, 8192), 1000));
  peer(with_mss(in(S | A, kPeerIss, kIss + 1, 60000), 8960), 10ms);
  ASSERT_EQ(c_->state(), State::established);
  EXPECT_EQ(c_->send_mss(), 1000u);
  ASSERT_TRUE(c_->send(as_bytes(std::string(2500, 'm'))));
  for (const auto& s : sends(10ms)) EXPECT_LE(s.payload.size(), 1000u);
}

// RFC 2018 / RFC 6675: a SACK block counts only inside (SND.UNA, SND.MAX].
// A forged block some 2^31 beyond SND.UNA passes every pairwise comparison
// of sequence numbers (each difference wraps); it must still be ignored: no
// scoreboard, and nothing planned from it (fuzz_tcp_stateful found such a
// block making the rescue retransmission plan data never queued).
TEST_F(ConformanceTest, SackBlockHalfTheSequenceSpaceAwayIsIgnored) {
  establish_sack(60000, 1000);
  ASSERT_TRUE(c_->send(as_bytes(std::string(3000, 's'))));
  ASSERT_EQ(sends(20ms).size(), 3u);
  // Three duplicate ACKs, each with the forged block: were it taken, they
  // would start SACK recovery around it.
  for (int k = 0; k < 3; ++k) {
    TcpRepr ack = in(A, 5001, 1001, 60000);
    // Left edge just under SND.UNA + 2^31, right edge past SND.MAX + 2^31:
    // SND.UNA < left, left < right and right <= SND.MAX all "hold".
    const std::uint32_t left = 1001u + 0x80000000u - 100;
    ack.options.add_sack(SackBlock{.left = left, .right = left + 3300});
    peer(ack, 30ms + k * 1ms);
    EXPECT_EQ(c_->sacked_bytes(), 0u) << "a block outside the flight was taken";
    for (const auto& s : sends(30ms + k * 1ms)) {
      EXPECT_GE(s.tcp.seq, 1001u);
      EXPECT_LE(s.tcp.seq + s.payload.size(), 1001u + 3000);
    }
  }
  // A genuine block counts (the check is not simply off).
  TcpRepr real = in(A, 5001, 1001, 60000);
  real.options.add_sack(SackBlock{.left = 2001, .right = 3001});
  peer(real, 35ms);
  EXPECT_EQ(c_->sacked_bytes(), 1000u);
  (void)sends(35ms);
  // Then the real ACK: everything delivered, nothing left to send.
  peer(in(A, 5001, 4001, 60000), 40ms);
  EXPECT_EQ(c_->send_queue(), 0u);
  for (const auto& s : sends(40ms)) EXPECT_TRUE(s.payload.empty());
  c_->close();
  const auto fin = sends(41ms);
  ASSERT_EQ(fin.size(), 1u);
  EXPECT_TRUE(fin[0].tcp.flags.fin());
  EXPECT_EQ(fin[0].tcp.seq, 4001u);
}

// RFC 9293 3.10.7.3 (SYN-SENT, fourth): "If there are other controls or text
// in the segment, then continue processing at the sixth step below where
// the URG bit is checked". The conformance suite's synsent_syn_ack_with_text
// (tests/interop/conformance) sent a SYN-ACK carrying 5 octets: the stack
// acknowledged only the SYN and dropped them. They are taken now, and a FIN
// in the SYN-ACK is processed too (CLOSE-WAIT). With window scaling on, the
// SYN-ACK's unscaled window stays the send window (rounded down to the scale).
TEST_F(ConformanceTest, TextAndFinInTheSynAckAreTaken) {
  open(plain());
  ASSERT_EQ(sends(0ms).size(), 1u);
  peer(with_mss(in(S | A | P, kPeerIss, kIss + 1, 4000), 1460), 10ms, "hello");
  ASSERT_EQ(c_->state(), State::established);
  auto acks = sends(10ms);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].tcp.seq, kIss + 1);
  EXPECT_EQ(acks[0].tcp.ack, kPeerIss + 1 + 5) << "the SYN-ACK's text was not acknowledged";
  EXPECT_EQ(read_all(), "hello");
  EXPECT_EQ(c_->send_window(), 4000u);

  open(plain());
  ASSERT_EQ(sends(0ms).size(), 1u);
  peer(with_mss(in(S | A | F, kPeerIss, kIss + 1, 4000), 1460), 10ms, "bye");
  EXPECT_EQ(c_->state(), State::close_wait);
  acks = sends(10ms);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].tcp.ack, kPeerIss + 1 + 3 + 1) << "the SYN-ACK's FIN was not acknowledged";
  EXPECT_EQ(read_all(), "bye");

  ConnectionConfig scaled = plain();
  scaled.window_scale = 7;
  open(scaled);
  ASSERT_EQ(sends(0ms).size(), 1u);
  TcpRepr synack = with_mss(in(S | A, kPeerIss, kIss + 1, 60000), 1460);
  synack.options.window_scale = 2;
  peer(synack, 10ms, "scaled");
  EXPECT_EQ(c_->send_window(), 60000u) << "the SYN-ACK's window was scaled";
  EXPECT_EQ(sends(10ms).at(0).tcp.ack, kPeerIss + 1 + 6);
}

}  // namespace
}  // namespace wirestack::tcp
