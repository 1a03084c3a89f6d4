// tcp/connection_timers_test.cpp — packetdrill-style tests of the
// connection's clocks and options: SYN and data retransmission with back-off,
// timeouts, the persist timer, receive-window updates, window scaling,
// timestamps and PAWS. Same conventions as connection_test.cpp (we are
// 10.0.0.1:40000 ISS 1000, the peer 10.0.0.2:80 ISS 5000); each test names the
// RFC 9293 requirement (MUST-n) or RFC section it covers (docs/TCP.md).
#include <gtest/gtest.h>

#include <array>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tcp/connection.hpp"
#include "tcp/connection_harness.hpp"

namespace wirestack::tcp {
namespace {

using namespace std::chrono_literals;

using namespace testing;
using TcpTimersTest = ConnectionHarness;

// --- Retransmission ------------------------------------------------------------

// RFC 6298 2.1 + 5.5 back-off for the SYN (1 s, 2 s, 4 s, ...); MUST-20/MUST-22
// (close after R2 retransmissions, the same mechanism for SYNs): after
// max_syn_retries (6) the connection is closed with timed_out.
TEST_F(TcpTimersTest, SynRetransmissionBackoffThenTimedOut) {
  open(plain());
  const TcpRepr syn = with_mss(out(S, 1000, 0, 8192), 1460);
  EXPECT_EQ(one(0ms), syn);
  Duration t = 0ms;
  Duration rto = 1s;
  for (int i = 0; i < 6; ++i) {
    t += rto;
    EXPECT_EQ(c_->poll_at(), at(t));
    EXPECT_TRUE(sends(t - 1ns).empty());
    EXPECT_EQ(one(t), syn) << "retransmission " << i + 1;
    rto *= 2;
  }
  EXPECT_EQ(t, Duration{63s});
  EXPECT_EQ(c_->poll_at(), at(127s));
  EXPECT_TRUE(sends(127s - 1ns).empty());
  EXPECT_EQ(c_->state(), State::syn_sent);
  EXPECT_TRUE(sends(127s).empty());
  EXPECT_EQ(c_->state(), State::closed);
  EXPECT_EQ(c_->error(), Error::timed_out);
  EXPECT_EQ(c_->poll_at(), std::nullopt);
}

// The passive side retransmits its SYN-ACK the same way and gives up the same way.
TEST_F(TcpTimersTest, SynAckRetransmissionThenTimedOut) {
  ConnectionConfig cfg = plain();
  cfg.max_syn_retries = 2;
  accept(cfg, with_mss(in(S, 5000, 0, 4000), 1460));
  const TcpRepr synack = with_mss(out(S | A, 1000, 5001, 8192), 1460);
  EXPECT_EQ(one(0ms), synack);
  EXPECT_EQ(one(1s), synack);
  EXPECT_EQ(one(3s), synack);
  EXPECT_TRUE(sends(7s - 1ns).empty());
  EXPECT_TRUE(sends(7s).empty());
  EXPECT_EQ(c_->state(), State::closed);
  EXPECT_EQ(c_->error(), Error::timed_out);
}

// RFC 6298 5.7: after a SYN timeout the RTO starts data transfer at 3 s;
// MUST-18 (Karn: the retransmitted SYN gives no sample).
TEST_F(TcpTimersTest, RtoIsThreeSecondsAfterSynTimeout) {
  open(plain());
  sends(0ms);
  sends(1s);
  peer(with_mss(in(S | A, 5000, 1001, 4000), 1460), 1050ms);
  EXPECT_EQ(c_->state(), State::established);
  EXPECT_EQ(c_->srtt(), std::nullopt);
  EXPECT_EQ(c_->rto(), Duration{3s});
}

// RFC 6298 5.4-5.6 (retransmit the earliest segment, back off, restart the
// timer), MUST-18, MUST-19 (RFC 5681 3.1: cwnd to one segment after a timeout).
TEST_F(TcpTimersTest, DataRetransmissionWithBackoff) {
  establish();  // RTT 10 ms: RTO = max(min_rto 200 ms, 10 + 4 * 5) = 200 ms
  ASSERT_TRUE(c_->send(as_bytes("payload")));
  const TcpRepr seg = out(A | P, 1001, 5001, 8192);
  EXPECT_EQ(one(1s), seg);
  EXPECT_EQ(c_->poll_at(), at(1200ms));
  EXPECT_TRUE(sends(1200ms - 1ns).empty());
  EXPECT_EQ(one(1200ms), seg);
  EXPECT_EQ(c_->cwnd(), 1460u);
  EXPECT_EQ(c_->ssthresh(), 2920u);  // max(FlightSize / 2, 2 * SMSS)
  EXPECT_EQ(c_->poll_at(), at(1600ms));
  EXPECT_EQ(one(1600ms), seg);
  EXPECT_EQ(c_->poll_at(), at(2400ms));
  EXPECT_EQ(c_->retransmits(), 2u);
  // The ACK at last: nothing more to send, the timer is off; the emptied
  // send ring is given back 200 ms later if no new data comes, and then
  // nothing is due.
  peer(in(A, 5001, 1008, 4000), 1700ms);
  EXPECT_TRUE(sends(1700ms).empty());
  EXPECT_EQ(c_->poll_at(), at(1900ms));
  EXPECT_GT(c_->allocated_bytes(), 0u);
  EXPECT_TRUE(sends(1900ms).empty());
  EXPECT_EQ(c_->allocated_bytes(), 0u);
  EXPECT_EQ(c_->poll_at(), std::nullopt);
  EXPECT_EQ(c_->send_queue(), 0u);
}

// MUST-20 (R2): data retransmitted max_retries times, then timed_out.
TEST_F(TcpTimersTest, DataTimesOutAfterMaxRetries) {
  ConnectionConfig cfg = plain();
  cfg.max_retries = 3;
  establish(cfg);
  ASSERT_TRUE(c_->send(as_bytes("x")));
  EXPECT_EQ(sends(1s).size(), 1u);
  EXPECT_EQ(sends(1200ms).size(), 1u);
  EXPECT_EQ(sends(1600ms).size(), 1u);
  EXPECT_EQ(sends(2400ms).size(), 1u);
  EXPECT_EQ(c_->poll_at(), at(4000ms));
  EXPECT_TRUE(sends(4000ms).empty());
  EXPECT_EQ(c_->state(), State::closed);
  EXPECT_EQ(c_->error(), Error::timed_out);
}

// A FIN is retransmitted like data.
TEST_F(TcpTimersTest, FinRetransmitted) {
  establish();
  c_->close();
  EXPECT_EQ(one(100ms), out(A | F, 1001, 5001, 8192));
  EXPECT_EQ(one(300ms), out(A | F, 1001, 5001, 8192));
  peer(in(A, 5001, 1002, 4000), 310ms);
  EXPECT_EQ(c_->state(), State::fin_wait_2);
}

// RFC 9293 3.8.4 / RFC 1122 4.2.3.6 keep-alive: MUST-24 (off by default,
// configurable), MUST-25 (only when idle), MUST-26 (interval configurable),
// MUST-28 (unanswered probes tolerated up to a count); probe SEQ = SND.NXT - 1.
TEST_F(TcpTimersTest, KeepAliveProbesThenTimesOut) {
  ConnectionConfig cfg = plain();
  cfg.keepalive = true;
  cfg.keepalive_idle = 10s;
  cfg.keepalive_interval = 1s;
  cfg.keepalive_probes = 3;
  establish(cfg);
  EXPECT_EQ(c_->poll_at(), at(10s + 10ms));
  EXPECT_TRUE(sends(10s + 9ms).empty());
  EXPECT_EQ(one(10s + 10ms), out(A, 1000, 5001, 8192));
  EXPECT_EQ(c_->poll_at(), at(11s + 10ms));
  peer(in(A, 5001, 1001, 4000), 10s + 20ms);  // the answer: idle again
  EXPECT_EQ(c_->poll_at(), at(20s + 20ms));
  EXPECT_EQ(one(20s + 20ms), out(A, 1000, 5001, 8192));
  EXPECT_EQ(one(21s + 20ms), out(A, 1000, 5001, 8192));
  EXPECT_EQ(one(22s + 20ms), out(A, 1000, 5001, 8192));
  EXPECT_EQ(c_->state(), State::established);
  EXPECT_TRUE(sends(23s + 20ms).empty());
  EXPECT_EQ(c_->state(), State::closed);
  EXPECT_EQ(c_->error(), Error::timed_out);
}

TEST_F(TcpTimersTest, KeepAliveOffByDefault) {
  establish();
  EXPECT_EQ(c_->poll_at(), std::nullopt);
}

// MUST-24 / MUST-17 / MUST-21: the application switches keep-alive, Nagle
// and R2 on a live connection.
TEST_F(TcpTimersTest, PerConnectionSettings) {
  ConnectionConfig cfg = plain();
  cfg.keepalive_idle = 30s;
  establish(cfg);
  c_->set_keepalive(true);
  EXPECT_TRUE(sends(1s).empty());
  EXPECT_EQ(c_->poll_at(), at(31s));
  c_->set_keepalive(false);
  EXPECT_EQ(c_->poll_at(), std::nullopt);
  c_->set_nagle(false);
  ASSERT_TRUE(c_->send(as_bytes("a")));
  EXPECT_EQ(sends(2s).size(), 1u);
  ASSERT_TRUE(c_->send(as_bytes("b")));
  EXPECT_EQ(sends(2s).size(), 1u);  // no Nagle: out at once
  c_->set_max_retries(0);
  EXPECT_TRUE(sends(2200ms).empty());  // the first RTO already exceeds R2 = 0
  EXPECT_EQ(c_->error(), Error::timed_out);
}

// Trace line.
TEST_F(TcpTimersTest, PrintsOneLineSummary) {
  establish();
  std::ostringstream os;
  os << *c_;
  EXPECT_EQ(os.str(), "ESTABLISHED una=1001 nxt=1001 wnd=4000 rcv.nxt=5001 rcv.wnd=8192 cwnd=14600 ssthresh=inf rto=200ms");
}

// --- Windows ----------------------------------------------------------------------

// MUST-36 (probe a zero window), SHOULD-29/30 (first probe after an RTO,
// exponential back-off), MUST-37 (the connection stays open while probes
// are answered).
TEST_F(TcpTimersTest, ZeroWindowPersistProbe) {
  establish();
  peer(in(A, 5001, 1001, 0), 50ms);
  EXPECT_EQ(c_->send_window(), 0u);
  ASSERT_TRUE(c_->send(as_bytes("0123456789")));
  EXPECT_TRUE(sends(100ms).empty());
  EXPECT_EQ(c_->poll_at(), at(300ms));  // persist timer: one RTO
  auto v = sends(300ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp, out(A, 1001, 5001, 8192));
  EXPECT_EQ(v[0].payload.size(), 1u);  // a one-byte probe
  peer(in(A, 5001, 1001, 0), 310ms);  // still closed
  EXPECT_TRUE(sends(310ms).empty());
  EXPECT_EQ(c_->poll_at(), at(700ms));  // backed off: 400 ms
  v = sends(700ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp, out(A, 1001, 5001, 8192));
  EXPECT_EQ(v[0].payload.size(), 1u);
  EXPECT_EQ(c_->state(), State::established);
  // The window opens and takes the probe byte: the rest follows at once.
  peer(in(A, 5001, 1002, 4000), 750ms);
  v = sends(750ms);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].tcp, out(A | P, 1002, 5001, 8192));
  EXPECT_EQ(text(v[0]), "123456789");
}

// MUST-37: probes answered with a zero window keep the connection open past
// max_retries; unanswered ones time it out.
TEST_F(TcpTimersTest, AnsweredProbesKeepConnectionOpen) {
  ConnectionConfig cfg = plain();
  cfg.max_retries = 2;
  establish(cfg);
  peer(in(A, 5001, 1001, 0), 50ms);
  ASSERT_TRUE(c_->send(as_bytes("x")));
  sends(100ms);
  for (int i = 0; i < 6; ++i) {
    const auto t = c_->poll_at();
    ASSERT_TRUE(t.has_value());
    const Duration now = t->time_since_epoch();
    EXPECT_EQ(sends(now).size(), 1u) << "probe " << i;
    peer(in(A, 5001, 1001, 0), now + 10ms);
    EXPECT_EQ(c_->state(), State::established);
  }
  for (int i = 0; i < 3; ++i) {
    const auto t = c_->poll_at();
    ASSERT_TRUE(t.has_value());
    sends(t->time_since_epoch());
  }
  EXPECT_EQ(c_->state(), State::closed);
  EXPECT_EQ(c_->error(), Error::timed_out);
}

// MUST-39 (receiver SWS avoidance: a window update when the window has grown
// by enough), MUST-66 (a segment into a zero window still gets its ACK
// processed and an ACK back), MUST-1 (window as unsigned).
TEST_F(TcpTimersTest, ReceiveWindowClosesAndReopens) {
  ConnectionConfig cfg = plain();
  cfg.recv_buffer = 4096;
  open(cfg);
  EXPECT_EQ(one(0ms), with_mss(out(S, 1000, 0, 4096), 1460));
  peer(with_mss(in(S | A, 5000, 1001, 4000), 1460), 10ms);
  EXPECT_EQ(one(10ms), out(A, 1001, 5001, 4096));
  peer(in(A, 5001, 1001, 4000), 100ms, std::string(1460, 'a'));
  peer(in(A, 6461, 1001, 4000), 100ms, std::string(1460, 'b'));
  EXPECT_EQ(one(100ms), out(A, 1001, 7921, 4096 - 2920));
  peer(in(A, 7921, 1001, 4000), 110ms, std::string(1176, 'c'));
  EXPECT_TRUE(sends(110ms).empty());
  EXPECT_EQ(one(310ms), out(A, 1001, 9097, 0));
  // The peer probes the zero window: answered, not taken.
  peer(in(A, 9097, 1001, 4000), 400ms, "d");
  EXPECT_EQ(one(400ms), out(A, 1001, 9097, 0));
  EXPECT_EQ(c_->recv_queue(), 4096u);
  // Reading 100 bytes is not worth an update (less than one MSS) ...
  std::array<std::byte, 4096> buf{};
  EXPECT_EQ(c_->recv(std::span(buf).first(100)), 100u);
  EXPECT_TRUE(sends(500ms).empty());
  // ... reading the rest is.
  EXPECT_EQ(c_->recv(buf), 3996u);
  EXPECT_EQ(one(500ms), out(A, 1001, 9097, 4096));
}

// --- Options ----------------------------------------------------------------------

TcpOptions syn_options(std::uint16_t mss, std::optional<std::uint8_t> ws, bool sack, std::optional<Timestamps> ts) {
  TcpOptions o;
  o.mss = mss;
  o.window_scale = ws;
  o.sack_permitted = sack;
  o.timestamps = ts;
  return o;
}

// RFC 7323 2 (window scale) and 3 (timestamps) negotiated on an active open;
// RFC 2018 SACK-permitted; MUST-16 (Eff.snd.MSS less the 12 bytes of the
// timestamps option); RTT from TSecr (RFC 7323 4).
TEST_F(TcpTimersTest, WindowScaleAndTimestampsNegotiated) {
  open(ConnectionConfig{}, 1s);  // defaults: wscale 7, SACK, timestamps, 64 KiB
  TcpRepr syn = out(S, 1000, 0, 65535);
  syn.options = syn_options(1460, 7, true, Timestamps{.tsval = 1000, .tsecr = 0});
  EXPECT_EQ(one(1s), syn);
  TcpRepr synack = in(S | A, 5000, 1001, 65535);
  synack.options = syn_options(1460, 2, true, Timestamps{.tsval = 777, .tsecr = 1000});
  peer(synack, 1010ms);
  EXPECT_TRUE(c_->timestamps_enabled());
  EXPECT_TRUE(c_->sack_enabled());
  EXPECT_EQ(c_->send_wscale(), 2);
  EXPECT_EQ(c_->recv_wscale(), 7);
  EXPECT_EQ(c_->send_mss(), 1448);
  EXPECT_EQ(c_->send_window(), 65535u);  // a SYN's window is not scaled
  EXPECT_EQ(c_->srtt(), Duration{10ms});
  TcpRepr ack = out(A, 1001, 5001, 65536 >> 7);
  ack.options.timestamps = Timestamps{.tsval = 1010, .tsecr = 777};
  EXPECT_EQ(one(1010ms), ack);
  // Later windows are scaled by the peer's shift.
  TcpRepr upd = in(A, 5001, 1001, 1000);
  upd.options.timestamps = Timestamps{.tsval = 780, .tsecr = 1010};
  peer(upd, 1020ms);
  EXPECT_EQ(c_->send_window(), 4000u);
}

// A reordered pure ACK slightly older than TS.Recent is processed, not
// PAWS-dropped (Linux tcp_disordered_ack).
TEST_F(TcpTimersTest, ReorderedPureAckIsNotPawsDropped) {
  open(ConnectionConfig{}, 1s);
  sends(1s);
  TcpRepr synack = in(S | A, 5000, 1001, 65535);
  synack.options = syn_options(1460, 2, true, Timestamps{.tsval = 777, .tsecr = 1000});
  peer(synack, 1010ms);
  sends(1010ms);
  TcpRepr ack = in(A, 5001, 1001, 1000);
  ack.options.timestamps = Timestamps{.tsval = 776, .tsecr = 1000};
  peer(ack, 1020ms);
  EXPECT_EQ(c_->send_window(), 4000u);
  EXPECT_TRUE(sends(1020ms).empty());
}

// MUST-18 with timestamps: an ACK whose TSecr predates our last retransmission
// gives no RTT sample (it would span our own timeout), so the back-off stays.
TEST_F(TcpTimersTest, NoTimestampSampleAcrossRetransmission) {
  open(ConnectionConfig{}, 1s);
  sends(1s);
  TcpRepr synack = in(S | A, 5000, 1001, 65535);
  synack.options = syn_options(1460, 7, true, Timestamps{.tsval = 777, .tsecr = 1000});
  peer(synack, 1010ms);
  sends(1010ms);
  ASSERT_EQ(c_->srtt(), Duration{10ms});
  ASSERT_TRUE(c_->send(as_bytes("x")));
  EXPECT_EQ(sends(1100ms).size(), 1u);  // TSval 1100
  EXPECT_EQ(sends(1300ms).size(), 1u);  // RTO: retransmitted with TSval 1300
  TcpRepr ack = in(A, 5001, 1002, 1000);
  ack.options.timestamps = Timestamps{.tsval = 800, .tsecr = 1100};  // echoes the first transmission
  peer(ack, 1350ms);
  EXPECT_EQ(c_->send_queue(), 0u);
  EXPECT_EQ(c_->srtt(), Duration{10ms});  // no 250 ms sample
  EXPECT_EQ(c_->rto(), Duration{400ms});  // still backed off (Karn)
}

// RFC 7323 2.2 / 3.2, RFC 2018 2: options the peer's SYN did not carry are not used.
TEST_F(TcpTimersTest, OptionsNotOfferedAreNotUsed) {
  accept(ConnectionConfig{}, with_mss(in(S, 5000, 0, 4000), 1460));
  EXPECT_EQ(one(0ms), with_mss(out(S | A, 1000, 5001, 65535), 1460));
  EXPECT_FALSE(c_->timestamps_enabled());
  EXPECT_FALSE(c_->sack_enabled());
  EXPECT_EQ(c_->recv_wscale(), 0);
  EXPECT_EQ(c_->send_mss(), 1460);
}

// Passive open with every option: the SYN-ACK echoes what was offered.
TEST_F(TcpTimersTest, PassiveOpenNegotiatesOptions) {
  TcpRepr syn = in(S, 5000, 0, 65535);
  syn.options = syn_options(1400, 9, true, Timestamps{.tsval = 42, .tsecr = 0});
  accept(ConnectionConfig{}, syn, 2s);
  TcpRepr synack = out(S | A, 1000, 5001, 65535);
  synack.options = syn_options(1460, 7, true, Timestamps{.tsval = 2000, .tsecr = 42});
  EXPECT_EQ(one(2s), synack);
  EXPECT_EQ(c_->send_mss(), 1388);
  EXPECT_EQ(c_->send_wscale(), 9);
}

// RFC 7323 5.3 (PAWS): a segment with an older TSval is ACKed and dropped;
// TS.Recent follows newer ones (RFC 7323 4.3).
TEST_F(TcpTimersTest, PawsDropsOldSegment) {
  ConnectionConfig cfg = plain();
  cfg.timestamps = true;
  open(cfg, 1s);
  sends(1s);
  TcpRepr synack = with_mss(in(S | A, 5000, 1001, 4000), 1460);
  synack.options.timestamps = Timestamps{.tsval = 777, .tsecr = 1000};
  peer(synack, 1010ms);
  sends(1010ms);
  TcpRepr old = in(A, 5001, 1001, 4000);
  old.options.timestamps = Timestamps{.tsval = 700, .tsecr = 1000};
  peer(old, 1100ms, "stale");
  TcpRepr ack = out(A, 1001, 5001, 8192);
  ack.options.timestamps = Timestamps{.tsval = 1100, .tsecr = 777};
  EXPECT_EQ(one(1100ms), ack);
  EXPECT_EQ(c_->recv_queue(), 0u);
  TcpRepr fresh = in(A, 5001, 1001, 4000);
  fresh.options.timestamps = Timestamps{.tsval = 800, .tsecr = 1000};
  peer(fresh, 1200ms, "fresh");
  EXPECT_EQ(c_->recv_queue(), 5u);
  ack = out(A, 1001, 5006, 8192 - 5);
  ack.options.timestamps = Timestamps{.tsval = 1400, .tsecr = 800};
  EXPECT_EQ(one(1400ms), ack);  // delayed ACK, echoing the newest TSval
}

// Found by fuzz_tcp_stateful: two ends whose TS.Recent a forged timestamp
// put ahead of the other's clock PAWS-reject each other's pure ACKs and
// answered each at once, forever. As Linux (tcp_oow_rate_limited), a pure
// ACK dropped by PAWS is answered at most once per challenge_ack_interval;
// data still is every time.
TEST_F(TcpTimersTest, PawsRejectedPureAcksAreAnsweredAtMostOncePerInterval) {
  ConnectionConfig cfg = plain();
  cfg.timestamps = true;
  open(cfg, 1s);
  sends(1s);
  TcpRepr synack = with_mss(in(S | A, 5000, 1001, 4000), 1460);
  synack.options.timestamps = Timestamps{.tsval = 777, .tsecr = 1000};
  peer(synack, 1010ms);
  sends(1010ms);
  TcpRepr old = in(A, 5001, 1001, 4000);
  old.options.timestamps = Timestamps{.tsval = 0xf0000000u, .tsecr = 1000};  // far behind 777
  TcpRepr ack = out(A, 1001, 5001, 8192);
  ack.options.timestamps = Timestamps{.tsval = 1100, .tsecr = 777};
  peer(old, 1100ms);
  EXPECT_EQ(one(1100ms), ack);
  peer(old, 1100ms);
  EXPECT_TRUE(sends(1100ms).empty());
  peer(old, 1700ms);
  ack.options.timestamps->tsval = 1700;
  EXPECT_EQ(one(1700ms), ack);
  for (int i = 0; i < 2; ++i) {
    peer(old, 1700ms, "stale");
    EXPECT_EQ(one(1700ms), ack);
  }
  EXPECT_EQ(c_->recv_queue(), 0u);
}

}  // namespace
}  // namespace wirestack::tcp
