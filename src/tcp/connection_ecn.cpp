// tcp/connection_ecn.cpp — Explicit Congestion Notification (RFC 3168 6.1)
// for one connection.
//
// Negotiation (6.1.1): an active opener with EcnMode::on sends an
// "ECN-setup SYN" (ECE and CWR set); a passive side that accepts ECN answers
// with an "ECN-setup SYN-ACK" (ECE set, CWR clear); ECN is on when both did.
// A retransmitted SYN asks no more (Linux tcp_ecn_clear_syn: a middlebox may
// drop ECN-setup SYNs), and a SYN-ACK with both bits set is not an
// ECN-setup SYN-ACK.
//
// Once on:
//   * new data leaves ECT(0) (6.1.2: "ECN-capable"); pure ACKs, SYNs, RSTs,
//     window probes and retransmissions leave Not-ECT (6.1.4-6.1.6 and 6.1.1:
//     the SYN is Not-ECT); Connection::ip_ecn() tells the IP layer which.
//   * a segment marked CE sets ECE on every ACK we send until a segment with
//     CWR arrives (6.1.3: the CWR clears it first, so CE on that very segment
//     sets it again); the first CE after a clear is acknowledged at once, as
//     Linux's quick-ACK on CE does, so the sender hears of it within an RTT.
//   * an ACK with ECE reduces cwnd as a loss would (CongestionControl::on_ecn:
//     the algorithm's ssthresh cut, cwnd = ssthresh), without retransmitting,
//     at most once per round trip (6.1.2: not again until data sent after the
//     reduction is acknowledged: ecn_high_), and the next new data segment
//     carries CWR. During loss recovery the window is already reduced: only
//     CWR is sent.
//
// ECN-capable SYN-ACKs (RFC 5562, experimental, allowed by RFC 8311 3; off
// unless ConnectionConfig::ecn_syn_ack): a passive side that agrees to ECN
// sends its first SYN-ACK ECT(0) (3); any SYN-ACK sent again is Not-ECT
// (3.1: it may have been dropped for being ECT). An initiator that gets a
// SYN-ACK marked CE echoes it with ECE on its ACK, as RFC 3168 6.1.3 does for
// data (until the CWR). The responder answers that ACK with its SYN-ACK
// again, Not-ECT, and stays in SYN-RECEIVED; when an ACK of that one comes
// (still with ECE: the echo goes on until CWR), it enters ESTABLISHED with an
// initial window of one segment (3.2) and sends CWR on its first data, which
// ends the peer's echo. The SYN-ACK itself is not counted as a reduction
// (ecn_high_ covers it): a later ECE must acknowledge data to cut cwnd.
// A SYN cookie's SYN-ACK (socket_cookies.cpp) stays Not-ECT: a stateless
// answer cannot take part in this exchange.
//
// Not done: 6.1.2's "cwnd of one segment: wait for the RTO before the next
// new segment" (cwnd never goes below 2 * SMSS here: ssthresh's floor).
#include "tcp/connection.hpp"
#include "wire/ecn.hpp"

namespace wirestack::tcp {

void Connection::ecn_negotiate(const TcpRepr& syn) {
  if (cfg_->ecn == EcnMode::off) {
    ecn_ok_ = false;
  } else if (!syn.flags.ack()) {
    ecn_ok_ = syn.flags.ece() && syn.flags.cwr();  // the peer's SYN: we answer ECE
  } else {
    // Its SYN-ACK: only an answer to an ECN-setup SYN we actually sent.
    ecn_ok_ = cfg_->ecn == EcnMode::on && !syn_retransmitted_ && syn.flags.ece() && !syn.flags.cwr();
  }
  // An ECE can only be about data: the SYN and SYN-ACK are not reductions.
  ecn_high_ = iss_ + 1;
}

void Connection::ecn_input(const TcpRepr& seg, bool has_data, std::uint8_t ip_ecn, Instant now) {
  // Receiver (6.1.3): CWR ends the echo, CE (re)starts it.
  if (seg.flags.cwr()) ece_pending_ = false;
  if (ip_ecn == ecn::kCe) {
    hook_.event(Event::ecn_ce);
    if (!ece_pending_ && has_data) schedule_ack(now, true);
    ece_pending_ = true;
  }
  // Sender (6.1.2).
  if (!seg.flags.ece() || !seg.flags.ack()) return;
  hook_.event(Event::ecn_ece);
  const SeqNum ack(seg.ack);
  if (!(ecn_high_ < ack) || snd_max_ < ack) return;  // reduced this round trip already, or a bogus ACK
  ecn_high_ = snd_max_;
  cwr_pending_ = true;
  if (cc_.in_recovery() || rto_recovery_) return;
  cc_.on_ecn(distance(snd_una_, snd_max_), now);
  hook_.event(Event::ecn_reduction);
}

bool Connection::ecn_synack_marked(const TcpRepr& seg) {
  if (!synack_ect_ || !seg.flags.ece() || SeqNum(seg.ack) != iss_ + 1) return false;
  // RFC 5562 3.2: our ECT SYN-ACK was marked on the way. Send it again, Not-ECT
  // (syn_again), at once; its ACK completes the handshake.
  synack_ect_ = false;
  synack_ce_ = true;
  snd_nxt_ = iss_;
  hook_.event(Event::ecn_ece);
  return true;
}

void Connection::ecn_established() {
  if (!synack_ce_) return;
  synack_ce_ = false;
  cc_.one_segment_initial_window();
  ecn_high_ = snd_max_;  // the SYN-ACK's round trip: not a reduction again
  cwr_pending_ = true;   // ends the peer's echo (RFC 3168 6.1.3)
  hook_.event(Event::ecn_reduction);
}

void Connection::ecn_output(TcpRepr& out, bool new_data, bool syn_again) {
  ect_out_ = false;
  if (out.flags.syn()) {
    const bool active = !out.flags.ack();
    if (active && cfg_->ecn == EcnMode::on && !syn_again) out.flags.set_ece(true).set_cwr(true);
    if (!active && ecn_ok_) {
      out.flags.set_ece(true);
      // RFC 5562 3 / 3.1: the first SYN-ACK ECT(0), any other Not-ECT.
      synack_ect_ = cfg_->ecn_syn_ack && !syn_again;
      ect_out_ = synack_ect_;
    }
    return;
  }
  if (!ecn_ok_ || out.flags.rst()) return;
  if (ece_pending_ && out.flags.ack()) out.flags.set_ece(true);
  if (new_data) {
    ect_out_ = true;
    if (cwr_pending_) {
      out.flags.set_cwr(true);
      cwr_pending_ = false;
    }
  }
}

}  // namespace wirestack::tcp
