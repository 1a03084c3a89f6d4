// tcp/connection_input.cpp — RFC 9293 3.10.7 SEGMENT ARRIVES, for the states
// a Connection can be in (SYN-SENT and the synchronized states with
// SYN-RECEIVED). CLOSED and LISTEN are the listener's (Connection::reset_for
// gives the RST that CLOSED answers with). The RFC's steps are quoted at the
// branches that implement them, with the RFC 5961 and RFC 7323 amendments.
#include <algorithm>
#include <array>
#include <chrono>

#include "base/assert.hpp"
#include "tcp/connection.hpp"
#include "wire/ecn.hpp"

namespace wirestack::tcp {

namespace {
std::uint32_t seg_length(const TcpRepr& seg, Bytes payload) {
  return static_cast<std::uint32_t>(payload.size()) + (seg.flags.syn() ? 1u : 0u) + (seg.flags.fin() ? 1u : 0u);
}
}  // namespace

void Connection::on_segment(const TcpRepr& seg, Bytes payload, Instant now, std::uint8_t ip_ecn) {
  switch (state_) {
    case State::closed:
    case State::listen:
      return;  // the listener's business (RFC 9293 3.10.7.1 / 3.10.7.2)
    case State::syn_sent:
      on_syn_sent(seg, now);
      // RFC 5562 3.2: a SYN-ACK marked CE (the peer sent it ECT) is echoed
      // as data would be: ECE on our ACKs until the peer's CWR.
      if (ecn_ok_ && ip_ecn == ecn::kCe && seg.flags.syn() && state_ != State::syn_sent) {
        hook_.event(Event::ecn_ce);
        ece_pending_ = true;
      }
      // RFC 9293 3.10.7.3: "If there are other controls or text in the
      // segment, then continue processing at the sixth step below where the
      // URG bit is checked": a SYN-ACK's text, URG and FIN, taken as the
      // segment after the SYN (its ACK is already processed and acknowledges
      // nothing new; its window, unscaled, goes in scaled and rounded down).
      if (seg.flags.syn() && seg.flags.ack() && !seg.flags.rst() &&
          (!payload.empty() || seg.flags.fin() || seg.flags.urg()) &&
          (state_ == State::established || state_ == State::fin_wait_1)) {
        TcpRepr rest = seg;
        rest.flags.set_syn(false);
        rest.seq = rcv_nxt_.value();
        rest.window = static_cast<std::uint16_t>(seg.window >> snd_wscale_);
        on_segment(rest, payload, now, ip_ecn);
        return;
      }
      arm_timers(now);
      return;
    default:
      break;
  }

  // SYN-RECEIVED: the peer sent its SYN again (our SYN-ACK was lost): send
  // the SYN-ACK again now, as Linux does, instead of waiting for our RTO.
  if (state_ == State::syn_received && seg.flags.syn() && !seg.flags.ack() && !seg.flags.rst() &&
      SeqNum(seg.seq) == irs_) {
    snd_nxt_ = iss_;
    return;
  }
  // Simultaneous open (RFC 9293 3.5 figure 7, MUST-10): in SYN-RECEIVED the
  // peer's SYN-ACK repeats its SYN (SEQ = IRS) and acknowledges ours. Its SYN
  // is already counted in RCV.NXT, so it is processed as the ACK it carries
  // (without that, the acceptability test would refuse it).
  if (state_ == State::syn_received && seg.flags.syn() && seg.flags.ack() && !seg.flags.rst() &&
      SeqNum(seg.seq) == irs_) {
    TcpRepr rest = seg;
    rest.flags.set_syn(false);
    rest.seq = (irs_ + 1).value();
    on_segment(rest, payload, now, ip_ecn);
    return;
  }

  const SeqNum seq(seg.seq);
  const std::uint32_t len = seg_length(seg, payload);

  // RFC 7323 5.3 R1 (PAWS): "If there is a Timestamps option in the arriving
  // segment, SEG.TSval < TS.Recent, TS.Recent is valid ... then treat the
  // arriving segment as not acceptable: Send an acknowledgment in reply as
  // specified in [RFC793] page 69 and drop the segment." RSTs are exempt
  // here, as in Linux: the RFC 5961 exact-sequence check below guards them.
  // Reordered pure ACKs are exempt when only slightly older (Linux
  // tcp_disordered_ack): an ACK at RCV.NXT without data whose TSval is within
  // one RTO of TS.Recent is not an old duplicate, just overtaken.
  const bool disordered_ack = seg.flags.ack() && !seg.flags.syn() && !seg.flags.fin() && payload.empty() &&
                              SeqNum(seg.seq) == rcv_nxt_ && seg.options.timestamps &&
                              static_cast<std::int64_t>(ts_recent_ - seg.options.timestamps->tsval) <=
                                  std::chrono::duration_cast<std::chrono::milliseconds>(rtt_.rto()).count();
  if (ts_ok_ && !seg.flags.rst() && seg.options.timestamps && !disordered_ack &&
      static_cast<std::int32_t>(seg.options.timestamps->tsval - ts_recent_) < 0) {
    // Rate-limited without data, as for unacceptable segments below: two
    // ends that PAWS-reject each other's ACKs would answer each other forever.
    if (len == 0 || seg.flags.syn()) {
      challenge_ack(now);
    } else {
      schedule_ack(now, true);
    }
    return;
  }

  // First, check sequence number (RFC 9293 3.10.7.4): the four-case table,
  // "RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND or RCV.NXT =< SEG.SEQ+SEG.LEN-1 <
  // RCV.NXT+RCV.WND", with RCV.WND the window we announced (rcv_wnd()), not
  // the buffer's free space.
  const std::uint32_t wnd = rcv_wnd();
  bool acceptable = segment_acceptable(seq, len, rcv_nxt_, wnd);
  // "If the RCV.WND is zero, no segments will be acceptable, but special
  // allowance should be made to accept valid ACKs, URGs, and RSTs" (MUST-66):
  // a segment at RCV.NXT has its ACK processed, its text dropped.
  bool text_allowed = true;
  if (!acceptable && wnd == 0 && seq == rcv_nxt_) {
    acceptable = true;
    text_allowed = false;
  }
  if (!acceptable) {
    // "If an incoming segment is not acceptable, an acknowledgment should be
    // sent in reply (unless the RST bit is set, if so drop the segment and
    // return): <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>".
    if (!seg.flags.rst()) {
      // A segment that occupies no sequence space (or a SYN) is answered at
      // most once per challenge_ack_interval, as challenge ACKs are (Linux
      // tcp_oow_rate_limited): two ends whose sequence numbers a forged
      // segment put out of step otherwise answer each other's ACKs forever.
      // Data (a retransmission) is answered every time.
      if (len == 0 || seg.flags.syn()) {
        challenge_ack(now);
      } else {
        schedule_ack(now, true);
      }
      // RFC 2883 4 (D-SACK): data entirely below RCV.NXT arrived again.
      if (!payload.empty() && SeqNum(seg.seq) + static_cast<std::uint32_t>(payload.size()) <= rcv_nxt_) {
        note_duplicate(SeqNum(seg.seq), SeqNum(seg.seq) + static_cast<std::uint32_t>(payload.size()));
      }
      // TIME-WAIT: "The only thing that can arrive in this state is a
      // retransmission of the remote FIN. Acknowledge it, and restart the
      // 2 MSL timeout."
      if (state_ == State::time_wait && seg.flags.fin()) timer_at_ = now + cfg_->time_wait();
    }
    return;
  }

  // Keep-alive: the peer is alive; the idle period starts again.
  keepalives_sent_ = 0;
  if (timer_ == Timer::keepalive) timer_ = Timer::none;

  // RFC 7323 4.3 (2): "If SEG.TSval >= TS.Recent and SEG.SEQ =< Last.ACK.sent,
  // then SEG.TSval is copied to TS.Recent".
  if (ts_ok_ && seg.options.timestamps && !(last_ack_sent_ < seq)) {
    if (static_cast<std::int32_t>(seg.options.timestamps->tsval - ts_recent_) >= 0) {
      ts_recent_ = seg.options.timestamps->tsval;
    }
  }

  // Second, check the RST bit.
  if (seg.flags.rst()) {
    check_rst(seg, now);
    return;
  }

  // Third, security: not implemented (RFC 9293 3.10.7.4 allows omitting it).

  // Fourth, check the SYN bit: "If the SYN bit is set, irrespective of the
  // sequence number, TCP endpoints MUST send a 'challenge ACK' to the remote
  // peer" (RFC 5961 4.2). "For the SYN-RECEIVED state, if the connection was
  // initiated with a passive OPEN, then return this connection to the LISTEN
  // state and return."
  if (seg.flags.syn()) {
    if (state_ == State::syn_received && passive_) {
      enter_closed(Error::reset);
      return;
    }
    challenge_ack(now);
    return;
  }

  // RFC 5562 3.2 (connection_ecn.cpp): the ACK echoes a CE mark on our ECT
  // SYN-ACK: the SYN-ACK goes again, Not-ECT, and this segment is dropped
  // (the peer sends its data again).
  if (state_ == State::syn_received && synack_ect_ && seg.flags.ack() && ecn_synack_marked(seg)) return;
  if (ecn_ok_) ecn_input(seg, !payload.empty(), ip_ecn, now);  // RFC 3168 (connection_ecn.cpp)
  // Fifth, check the ACK field: "if the ACK bit is off, drop the segment and return".
  if (!seg.flags.ack()) return;
  if (state_ == State::syn_received) {
    // "If SND.UNA < SEG.ACK =< SND.NXT, then enter ESTABLISHED state and
    // continue processing with the variables below set to: SND.WND <- SEG.WND,
    // SND.WL1 <- SEG.SEQ, SND.WL2 <- SEG.ACK. If the segment acknowledgment
    // is not acceptable, form a reset segment <SEQ=SEG.ACK><CTL=RST>".
    const SeqNum ack(seg.ack);
    if (!(snd_una_ < ack && ack <= snd_max_)) {
      rst_seq_ = seg.ack;
      rst_pending_ = true;
      return;
    }
    ecn_established();  // RFC 5562: one segment after a marked SYN-ACK
    if (auto r = rtt_timer_.on_ack(ack, now)) rtt_.on_sample(*r);
    snd_una_ = ack;
    if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
    snd_wnd_ = std::uint32_t{seg.window} << snd_wscale_;
    max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
    snd_wl1_ = seq;
    snd_wl2_ = ack;
    timer_ = Timer::none;
    retries_ = 0;
    if (syn_retransmitted_) rtt_.on_handshake_after_syn_timeout();
    set_state(State::established);
    if (fin_queued_) set_state(State::fin_wait_1);
  }
  if (!process_ack(seg, payload.size(), now)) {
    arm_timers(now);
    return;
  }

  // Sixth, check the URG bit (ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2; after
  // the peer's FIN it cannot mean anything): "RCV.UP <- max(RCV.UP, SEG.UP),
  // and signal the user that the remote side has urgent data if the urgent
  // pointer (RCV.UP) is in advance of the data consumed". SEG.UP points to
  // the octet after the urgent data (MUST-31); the data stays in line
  // (RFC 6093: nothing is taken out of the stream).
  if (seg.flags.urg() && !fin_received_ &&
      (state_ == State::established || state_ == State::fin_wait_1 || state_ == State::fin_wait_2)) {
    const SeqNum up = seq + std::uint32_t{seg.urgent};
    // Only a pointer that advances, and past what was read, is news.
    if ((!rcv_urgent_ || rcv_up_ < up) && next_read() < up) {
      rcv_up_ = up;
      rcv_urgent_ = true;
      ++urgent_signals_;
    }
  }

  // Seventh, process the segment text.
  if (text_allowed) {
    process_text(seg, payload, now);
  } else if (len > 0) {
    schedule_ack(now, true);  // a probe of our zero window: tell it is still zero
  }
  if (state_ == State::closed) return;  // aborted while processing the text

  // Eighth, check the FIN bit, only when every byte before it has arrived;
  // a FIN beyond a gap is remembered and processed when the gap fills.
  // A FIN behind text trimmed at the right edge of the window (RFC 9293
  // 3.10.7.4) goes with that text: the peer sends both again. (A FIN right
  // after text that reaches the edge is taken: it needs no buffer space.)
  const SeqNum fin_seq = seq + static_cast<std::uint32_t>(payload.size());
  if (seg.flags.fin() && text_allowed && fin_seq <= rcv_adv_) {
    if (rcv_nxt_ < fin_seq && !fin_received_ &&
        (state_ == State::established || state_ == State::fin_wait_1 || state_ == State::fin_wait_2)) {
      rcv_fin_pending_ = true;
      rcv_fin_seq_ = fin_seq;
    } else if (rcv_nxt_ == fin_seq) {
      rcv_fin_pending_ = false;
      process_fin(now);
    }
  }
  if (rcv_fin_pending_ && !fin_received_ && rcv_nxt_ == rcv_fin_seq_) {
    rcv_fin_pending_ = false;
    process_fin(now);
  }
  arm_timers(now);
}

void Connection::on_syn_sent(const TcpRepr& seg, Instant now) {
  const SeqNum seq(seg.seq);
  const SeqNum ack(seg.ack);
  bool ack_ok = false;
  // First, check the ACK bit: "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send
  // a reset (unless the RST bit is set, if so drop the segment and return)
  // <SEQ=SEG.ACK><CTL=RST> and discard the segment."
  if (seg.flags.ack()) {
    if (ack <= iss_ || ack > snd_max_) {
      if (!seg.flags.rst()) {
        rst_seq_ = seg.ack;
        rst_pending_ = true;
      }
      return;
    }
    ack_ok = true;  // "If SND.UNA < SEG.ACK =< SND.NXT, then the ACK is acceptable."
  }
  // Second, check the RST bit: "If the ACK was acceptable, then signal to the
  // user 'error: connection reset', drop the segment, enter CLOSED state ...
  // Otherwise (no ACK), drop the segment and return." (RFC 5961 3.2 keeps
  // this: in SYN-SENT the ACK check already proves the RST is genuine.)
  if (seg.flags.rst()) {
    if (ack_ok) enter_closed(Error::refused);
    return;
  }
  // Fourth, check the SYN bit. "Fifth, if neither of the SYN or RST bits is
  // set, then drop the segment and return."
  if (!seg.flags.syn()) return;
  // "RCV.NXT is set to SEG.SEQ+1, IRS is set to SEG.SEQ."
  irs_ = seq;
  rcv_nxt_ = seq + 1;
  last_ack_sent_ = rcv_nxt_;
  negotiate(seg.options);
  ecn_negotiate(seg);
  // Our SYN announced min(buffer, 65535), unscaled; the window starts there.
  rcv_adv_ = rcv_nxt_;
  note_window_sent(window_field(true), true);
  if (ts_ok_) ts_recent_ = seg.options.timestamps->tsval;
  // RFC 7323 2.2: "The window field in a segment where the SYN bit is set
  // (i.e., a <SYN> or <SYN,ACK>) MUST NOT be scaled."
  snd_wnd_ = seg.window;
  max_snd_wnd_ = snd_wnd_;
  snd_wl1_ = seq;
  if (ack_ok) {
    // "SND.UNA should be advanced to equal SEG.ACK ... If SND.UNA > ISS (our
    // SYN has been ACKed), change the connection state to ESTABLISHED, form
    // an ACK segment <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> and send it."
    // Text, URG and FIN in the SYN-ACK: on_segment() goes on with them.
    std::optional<Duration> sample;
    if (ts_ok_ && seg.options.timestamps->tsecr != 0 &&
        !(ts_rtx_seen_ && static_cast<std::int32_t>(seg.options.timestamps->tsecr - ts_last_rtx_) < 0)) {
      sample = rtt_from_timestamps(ts_now(now), seg.options.timestamps->tsecr, std::chrono::milliseconds{1});
    }
    if (auto r = rtt_timer_.on_ack(ack, now); r && !sample) sample = r;
    if (sample) rtt_.on_sample(*sample);
    snd_una_ = ack;
    snd_wl2_ = ack;
    timer_ = Timer::none;
    retries_ = 0;
    if (syn_retransmitted_) rtt_.on_handshake_after_syn_timeout();
    ack_now_ = true;
    set_state(State::established);
    if (fin_queued_) set_state(State::fin_wait_1);
    return;
  }
  // "Otherwise, enter SYN-RECEIVED, form a SYN,ACK segment
  // <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> and send it." (simultaneous open)
  snd_wl2_ = iss_;
  snd_nxt_ = iss_;  // poll_output() sends the SYN again, now with ACK
  rtt_timer_.on_retransmit();
  timer_ = Timer::none;
  set_state(State::syn_received);
}

void Connection::check_rst(const TcpRepr& seg, Instant now) {
  // RFC 5961 3.2 (RFC 9293 3.10.7.4 second): "1) If the RST bit is set and
  // the sequence number is outside the current receive window, silently
  // drop the segment [done by the acceptability test, against the window we
  // announced, rcv_wnd(), not the buffer's size]. 2) If the RST bit is set
  // and the sequence number exactly matches the next expected sequence
  // number (RCV.NXT), then TCP endpoints MUST reset the connection ...
  // 3) If the RST bit is set and the sequence number does not exactly match
  // the next expected sequence value, yet is within the current receive
  // window, TCP endpoints MUST send an acknowledgment (challenge ACK)".
  if (SeqNum(seg.seq) != rcv_nxt_) {
    challenge_ack(now);
    return;
  }
  switch (state_) {
    case State::syn_received:
      // "If this connection was initiated with a passive OPEN ... return
      // this connection to LISTEN state"; "If this connection was initiated
      // with an active OPEN ... the connection was refused".
      enter_closed(passive_ ? Error::reset : Error::refused);
      break;
    case State::established:
    case State::fin_wait_1:
    case State::fin_wait_2:
    case State::close_wait:
      // "any outstanding RECEIVEs and SEND should receive 'reset' responses
      // ... Enter the CLOSED state, delete the TCB, and return."
      enter_closed(Error::reset);
      break;
    default:
      // CLOSING, LAST-ACK, TIME-WAIT: "enter the CLOSED state, delete the
      // TCB, and return" (no error: the application has closed).
      enter_closed(std::nullopt);
      break;
  }
}

bool Connection::process_ack(const TcpRepr& seg, std::size_t payload_len, Instant now) {
  const SeqNum ack(seg.ack);
  const SeqNum seq(seg.seq);
  // "If the ACK acks something not yet sent (SEG.ACK > SND.NXT), then send
  // an ACK, drop the segment, and return." (SND.MAX here: after a timeout
  // SND.NXT falls back, but acknowledgments up to SND.MAX are genuine.)
  if (ack > snd_max_) {
    // Rate-limited for a segment without data, as the unacceptable ones
    // above (an ACK war otherwise).
    if (payload_len == 0 && !seg.flags.syn() && !seg.flags.fin()) {
      challenge_ack(now);
    } else {
      schedule_ack(now, true);
    }
    return false;
  }
  // RFC 5961 5.2: "The ACK value is considered acceptable only if it is in
  // the range of ((SND.UNA - MAX.SND.WND) =< SEG.ACK =< SND.NXT). All
  // incoming segments whose ACK value doesn't satisfy the above condition
  // MUST be discarded and an ACK sent back."
  if (ack < snd_una_ && static_cast<std::uint32_t>(snd_una_ - ack) > max_snd_wnd_) {
    challenge_ack(now);
    return false;
  }
  rate_begin_ack();  // delivery rate sample (connection_rate.cpp)
  // RFC 6937 DeliveredData = change_in(snd.una) + change_in(SACKd), for PRR.
  const SeqNum una_before = snd_una_;
  const std::uint32_t sacked_before = sb_ ? sacked_bytes() : 0;
  // RFC 5681 2 "DUPLICATE ACKNOWLEDGMENT": outstanding data, no data, no
  // SYN/FIN, ack == SND.UNA, and the same window as before.
  const bool dup = ack == snd_una_ && snd_max_ != snd_una_ && payload_len == 0 && !seg.flags.syn() &&
                   !seg.flags.fin() && snd_wnd_ > 0 &&
                   (std::uint32_t{seg.window} << snd_wscale_) == snd_wnd_;
  // RFC 8985 7.4.2: a loss probe that was a retransmission repaired a loss
  // unless the peer reports (D-SACK, RFC 2883 4: a first block below the
  // cumulative ACK) that the original arrived too.
  const bool dsack = seg.options.sack_count > 0 && SeqNum(seg.options.sacks()[0].left) < ack;
  // "If SND.UNA < SEG.ACK =< SND.NXT, then set SND.UNA <- SEG.ACK."
  if (ack > snd_una_) ack_advanced(ack, seg, dsack, now);
  if (sack_ok_) {
    if (seg.options.sack_count > 0) record_sacks(seg);
    if (sb_ && sb_->undo_set && seg.options.sack_count > 0) undo_on_dsack(seg, ack);  // RFC 3708
    if (sb_) update_retransmissions(now);
  }
  // "If SND.UNA =< SEG.ACK =< SND.NXT, the send window should be updated.
  // If (SND.WL1 < SEG.SEQ or (SND.WL1 = SEG.SEQ and SND.WL2 =< SEG.ACK)),
  // set SND.WND <- SEG.WND, set SND.WL1 <- SEG.SEQ, and set SND.WL2 <- SEG.ACK."
  if (ack >= snd_una_ && (snd_wl1_ < seq || (snd_wl1_ == seq && snd_wl2_ <= ack))) update_window(seg);
  // RFC 5682 2.1 step 3a: after step 2b's new data, a duplicate ACK (with
  // SACK: newly SACKed data, SND.UNA unmoved; Linux tcp_process_loss).
  if (sb_ && sb_->frto_step3 && ack == snd_una_ && una_before == snd_una_ &&
      (dup || (sack_ok_ && sacked_bytes() > sacked_before))) {
    frto_loss_was_real();
  }
  if (dup) on_dup_ack(now);
  // RFC 6675 5 (3.2): "If DupAcks < DupThresh but IsLost (HighACK + 1)
  // returns true -- indicating at least three segments have arrived above
  // the current cumulative acknowledgment point, which is taken to indicate
  // loss -- go to step (4)". Checked on every ACK, not only duplicates (an
  // ACK carrying data, or one that moved SND.UNA a little, reports losses too).
  if (sack_ok_ && !sack_recovery() && snd_una_ != snd_max_ && lost_end() > 0) enter_sack_recovery(now);
  // RFC 6937: in fast recovery (not after an RTO), cwnd follows what this
  // ACK delivered (connection_recovery.cpp prr_on_ack).
  if (sack_ok_ && cc_.in_recovery() && sb_) {
    const std::int64_t delivered = std::int64_t{distance(una_before, snd_una_)} + sacked_bytes() - sacked_before;
    if (delivered > 0) prr_on_ack(static_cast<std::uint32_t>(delivered), snd_una_ != una_before);
  }
  rate_end_ack(seg, now);  // the ACK's rate sample to the congestion controller (connection_rate.cpp)
  // MUST-37: "As long as the receiving TCP peer continues to send
  // acknowledgments in response to the probe segments, the sending TCP peer
  // MUST allow the connection to stay open": an answered probe is no failure.
  if (snd_wnd_ == 0 && ack == snd_una_ && snd_max_ != snd_una_) retries_ = 0;

  switch (state_) {
    case State::fin_wait_1:
      // "In addition to the processing for the ESTABLISHED state, if the FIN
      // segment is now acknowledged, then enter FIN-WAIT-2 and continue."
      if (fin_acked_) set_state(State::fin_wait_2);
      break;
    case State::closing:
      // "if the ACK acknowledges our FIN, then enter the TIME-WAIT state;
      // otherwise, ignore the segment."
      if (fin_acked_) enter_time_wait(now);
      return false;
    case State::last_ack:
      // "The only thing that can arrive in this state is an acknowledgment
      // of our FIN. If our FIN is now acknowledged, delete the TCB, enter the
      // CLOSED state, and return."
      if (fin_acked_) {
        enter_closed(std::nullopt);
        return false;
      }
      break;
    case State::time_wait:
      // "The only thing that can arrive in this state is a retransmission of
      // the remote FIN. Acknowledge it, and restart the 2 MSL timeout."
      if (seg.flags.fin()) {
        schedule_ack(now, true);
        timer_at_ = now + cfg_->time_wait();
      }
      return false;
    default:
      break;
  }
  return true;
}

void Connection::ack_advanced(SeqNum ack, const TcpRepr& seg, bool dsack, Instant now) {
  // RFC 5682 F-RTO, as Linux decides it (tcp_process_loss), with or without
  // SACK. The first ACK after a timeout that advances SND.UNA past what was
  // retransmitted since, over data not SACKed before, acknowledges an
  // original transmission: the timeout was spurious (3.1's SACK-enhanced
  // rule, FLAG_ORIG_SACK_ACKED). An ACK of the retransmission alone is step
  // 2b: while RecoveryPoint is ahead and the application and the peer's
  // window allow new data, up to two new segments leave instead of more
  // retransmissions (plan(): Scoreboard::frto_new), and the next ACK decides
  // (step 3): one that advances SND.UNA acknowledges data never
  // retransmitted (spurious, 3b); a duplicate means the loss was real (3a,
  // process_ack). Otherwise (2a) conventional RTO recovery goes on.
  bool frto_spurious = false;
  bool frto_new_data = false;
  if (sb_ && sb_->frto) {
    Scoreboard& sb = *sb_;
    const SeqNum h = sb.frto_high;
    if (h < ack && (snd_una_ < h || sb.frto_step3) && !sb.sacked.contains(distance(snd_una_, h), 1)) {
      frto_spurious = true;
      sb.end_frto();
    } else if (!sb.frto_step3 && !(ack < h) && ack < recover_ && tx_.size() > distance(snd_una_, snd_max_) &&
               snd_wnd_ > distance(ack, snd_max_)) {
      frto_new_data = true;
    } else {
      sb.end_frto();
    }
  }
  const std::uint32_t acked = distance(snd_una_, ack);
  const std::uint32_t flight_before = distance(snd_una_, snd_max_);
  // Retransmission queue trimming: the send buffer starts at SND.UNA.
  const auto data_acked = static_cast<std::uint32_t>(std::min<std::size_t>(acked, tx_.size()));
  tx_.discard(data_acked);
  if (fin_queued_ && acked > data_acked) fin_acked_ = true;  // the FIN takes one number
  shift_sacked(acked);
  snd_una_ = ack;
  if (snd_nxt_ < snd_una_) snd_nxt_ = snd_una_;
  if (snd_urgent_ && !(snd_una_ < snd_up_)) snd_urgent_ = false;  // the urgent data is acknowledged
  retries_ = 0;
  if (frto_new_data) {  // RFC 5682 2.1 step 2b
    sb_->frto_step3 = true;
    sb_->frto_high = snd_una_;
    sb_->frto_new = 2;
    if (!sack_ok_) snd_nxt_ = snd_max_;  // new data, not go-back-N (yet)
  }

  // RTT: timestamps give a sample per advancing ACK (RFC 7323 4.2); else
  // the timed segment (RFC 6298 with Karn's rule).
  // A TSecr older than our last retransmission echoes a transmission from
  // before it: the ACK may have been triggered by the retransmission, and the
  // "sample" would span our own timeouts (seen at 30 % loss as a 400 s RTT).
  // Karn's rule, applied to timestamps: no sample then.
  std::optional<Duration> sample;
  if (ts_ok_ && seg.options.timestamps && seg.options.timestamps->tsecr != 0 &&
      !(ts_rtx_seen_ && static_cast<std::int32_t>(seg.options.timestamps->tsecr - ts_last_rtx_) < 0)) {
    sample = rtt_from_timestamps(ts_now(now), seg.options.timestamps->tsecr, std::chrono::milliseconds{1});
  }
  if (auto r = rtt_timer_.on_ack(ack, now); r && !sample) sample = r;
  if (sample) rtt_.on_sample(*sample);

  // Congestion control (RFC 5681, RFC 6582, RFC 6675).
  const std::uint32_t flight_after = distance(snd_una_, snd_max_);
  if (cc_.in_recovery()) {
    if (ack >= recover_) {
      // RFC 6582 3.2 step 5 / RFC 6675 5: "the loss recovery phase is
      // terminated" when the cumulative ACK covers RecoveryPoint; RFC 3522:
      // unless its TSecr shows the original arrived (undo instead).
      if (undo_by_timestamps(seg)) {
        undo_reduction(Event::undo_timestamps);
      } else {
        cc_.on_recovery_exit(flight_after);
      }
      undo_episode_ended();
      dupacks_ = 0;
      if (!sack_ok_) drop_scoreboard();
    } else if (!sack_ok_) {
      // RFC 6582 partial acknowledgment: "retransmit the first unacknowledged segment".
      cc_.on_partial_ack(acked);
      fast_rtx_ = true;
    }
    // RFC 6675: a partial ACK changes the scoreboard, and with it pipe and
    // NextSeg(); cwnd stays at ssthresh (no inflation, no deflation).
  } else {
    dupacks_ = 0;
    // After a timeout: with SACK, RFC 6675 5.1's recovery; without, the
    // first timeout's undo episode while go-back-N resends (connection_timers.cpp).
    const bool after_rto = rto_recovery_ || (!sack_ok_ && sb_ && sb_->undo_set && !sb_->undo_ended);
    if (after_rto && (undo_by_timestamps(seg) || frto_spurious)) {
      // RFC 3522 / RFC 5682 (Linux tcp_try_undo_loss): the timeout was
      // spurious, the ACK is for data sent before it.
      undo_reduction(frto_spurious && !undo_by_timestamps(seg) ? Event::undo_frto : Event::undo_timestamps);
      undo_episode_ended();
      if (!sack_ok_) drop_scoreboard();
    } else if (after_rto && !sack_ok_) {
      // Go-back-N in slow start; the episode ends with RecoveryPoint.
      cc_.on_ack(acked, now, rtt_.srtt().value_or(rtt_.rto()));
      if (ack >= recover_) drop_scoreboard();
    } else if (rto_recovery_) {
      // RFC 6675 5.1: the retransmissions after a timeout run in slow start.
      cc_.on_ack(acked, now, rtt_.srtt().value_or(rtt_.rto()));
      if (ack >= recover_) {
        rto_recovery_ = false;
        undo_episode_ended();
      }
    } else if (std::uint64_t{flight_before} + snd_mss_ >= cc_.cwnd()) {
      // Grow only while cwnd-limited (RFC 7661; congestion.hpp).
      cc_.on_ack(acked, now, rtt_.srtt().value_or(rtt_.rto()));
    }
  }

  if (cfg_->hystart) hystart_on_ack(ack, sample, now);  // RFC 9406 (connection_hystart.cpp)
  tune_send();  // the send ring follows cwnd (connection_buffers.cpp)

  // RFC 8985 7.4: the loss probe is answered once TLP.end_seq is acknowledged.
  if (tlp_out_ && ack >= tlp_end_) {
    tlp_out_ = false;
    // 7.4.2: "if the TLP sender does not receive such an indication [D-SACK]
    // before the end of the TLP recovery episode, the TLP sender MUST infer
    // that either the original data segment or the TLP retransmission was
    // lost, and invoke congestion control" (as for a fast recovery episode).
    if (tlp_rtx_ && !dsack && !cc_.in_recovery() && !rto_recovery_) {
      cc_.enter_sack_recovery(flight_before, now);
      cc_.on_recovery_exit(flight_after);
    }
  }
  if (snd_una_ == snd_max_) {
    tlp_probe_ = false;
    zwp_out_ = false;  // a zero-window probe's byte was taken
  }

  // RFC 6298 5.2: "When all outstanding data has been acknowledged, turn off
  // the retransmission timer." 5.3: "When an ACK is received that
  // acknowledges new data, restart the retransmission timer".
  if (snd_una_ == snd_max_) {
    if (timer_ == Timer::retransmit || timer_ == Timer::loss_probe) {
      timer_ = Timer::none;
    }
  } else if (timer_ != Timer::time_wait) {
    timer_ = Timer::retransmit;
    timer_at_ = now + rtt_.rto();
    arm_loss_probe(now);  // RFC 8985 7.2: also on an ACK that acknowledges data
  }
  // An emptied send ring is given back later, with the receive ring, if it
  // stays empty: a sender whose every flight is acknowledged at once (one
  // ACK per batch) would otherwise free and allocate it once per round trip.
  if (tx_.size() == 0) rx_release_pending_ = true;
}

void Connection::update_window(const TcpRepr& seg) {
  snd_wnd_ = std::uint32_t{seg.window} << snd_wscale_;
  max_snd_wnd_ = std::max(max_snd_wnd_, snd_wnd_);
  snd_wl1_ = SeqNum(seg.seq);
  snd_wl2_ = SeqNum(seg.ack);
  if (snd_wnd_ > 0 && timer_ == Timer::persist) {
    timer_ = Timer::none;
  }
  if (snd_wnd_ > 0) force_probe_ = false;
  if (snd_wnd_ > 0 && zwp_out_) window_reopened_after_probe();
}

void Connection::window_reopened_after_probe() {
  // The window opened while a zero-window probe is unacknowledged: the
  // receiver dropped its byte ("If the RCV.WND is zero, no segments will be
  // acceptable", RFC 9293 3.10.7.4), and this update does not acknowledge
  // it. RFC 9293 3.8.6.2.1: send as soon as the window allows -- from
  // SND.UNA, the probe's byte being simply part of the data to (re)send --
  // instead of waiting for the probe's backed-off timer (seconds, up to
  // 120 s). That timer stops with the zero window (3.8.6.1), and so do its
  // back-off and retry count: the peer has answered (as Linux's
  // tcp_ack_probe). The data sent now arms the RTO afresh.
  zwp_out_ = false;
  if (snd_una_ != snd_max_) {
    snd_nxt_ = snd_una_;
    if (timer_ == Timer::retransmit) timer_ = Timer::none;
    rtt_.reset_backoff();
    retries_ = 0;
  }
}

void Connection::process_text(const TcpRepr& seg, Bytes payload, Instant now) {
  // "ESTABLISHED STATE, FIN-WAIT-1 STATE, FIN-WAIT-2 STATE: Once in the
  // ESTABLISHED state, it is possible to deliver segment data to user RECEIVE
  // buffers." Other states: "This should not occur since a FIN has been
  // received from the remote side. Ignore the segment text."
  if (state_ != State::established && state_ != State::fin_wait_1 && state_ != State::fin_wait_2) return;
  if (payload.empty()) return;
  const SeqNum data_seq = SeqNum(seg.seq) + (seg.flags.syn() ? 1 : 0);
  std::int32_t off = data_seq - rcv_nxt_;
  Bytes data = payload;
  bool duplicate = false;
  if (off < 0) {
    // "Segments with higher beginning sequence numbers may be held for later
    // processing"; the part before RCV.NXT is a duplicate: trim it.
    const auto skip = static_cast<std::size_t>(-static_cast<std::int64_t>(off));
    duplicate = true;
    note_duplicate(data_seq, data_seq + static_cast<std::uint32_t>(std::min(skip, payload.size())));
    data = skip >= data.size() ? Bytes{} : data.subspan(skip);
    off = 0;
  }
  if (!data.empty() && recv_closed_) {
    // RFC 1122 4.2.2.13 / RFC 9293 SHOULD-3: the application closed and will
    // not read this data: it is lost, say so with a RST (Linux tcp_reset).
    abort();
    return;
  }
  // RFC 9293 3.10.7.4: "Segments with higher beginning sequence numbers may
  // be held for later processing" -- within the window: the acceptability
  // test passed a segment that starts in the window (or ends in it), and
  // "If a segment's contents straddle the boundary between old and new, only
  // the new parts are processed": the text beyond RCV.NXT + RCV.WND, the
  // right edge we announced, is trimmed off (the buffer may be larger).
  const std::size_t wnd = rcv_wnd();
  const auto uoff = static_cast<std::size_t>(off);
  if (data.empty() || uoff >= wnd) {
    schedule_ack(now, true);
    return;
  }
  const std::size_t n = std::min(data.size(), wnd - uoff);
  const bool had_holes = !ooo_.is_empty();
  std::size_t ready = n;
  if (uoff == 0 && !had_holes) {
    // In order with nothing held beyond: straight into the ring. The
    // assembler would record the range only to hand it back at once (and
    // allocate its table for it: every connection that ever received a byte
    // kept one).
    const std::size_t written = rx_.write_at(0, data.first(n));
    WIRESTACK_ASSERT(written == n);
  } else {
    // RFC 2883 4: out-of-order data we already hold (the block that holds it
    // follows as the second SACK block: add() below makes it the most recent).
    if (uoff > 0 && ooo_.contains(uoff, n)) {
      note_duplicate(rcv_nxt_ + static_cast<std::uint32_t>(uoff), rcv_nxt_ + static_cast<std::uint32_t>(uoff + n));
    }
    // Bounded out-of-order queue (storage::Assembler): refused -> dropped.
    if (!ooo_.add(uoff, n)) {
      schedule_ack(now, true);
      return;
    }
    const std::size_t written = rx_.write_at(uoff, data.first(n));
    WIRESTACK_ASSERT(written == n);
    ready = ooo_.pop_front();
  }
  rx_.commit(ready);
  rcv_nxt_ += static_cast<std::uint32_t>(ready);
  bytes_since_ack_ += static_cast<std::uint32_t>(ready);
  if (ready > 0) tune_receive(seg, n, now);
  // RFC 5681 4.2: "an ACK SHOULD be generated for at least every second
  // full-sized segment"; "A TCP receiver SHOULD send an immediate duplicate
  // ACK when an out-of-order segment arrives" and "an immediate ACK when the
  // incoming segment fills in all or part of a gap". After such a repair
  // the sender's window is small and one lost ACK of two segments can leave
  // it waiting for its RTO: the next segments are ACKed one by one (quick-ACK
  // mode, as Linux enters it on out-of-order and duplicate data).
  const bool irregular = off > 0 || had_holes || duplicate;
  if (irregular) {
    const std::size_t per_window = rcv_wnd() / (2 * std::max<std::size_t>(rcv_mss_, 1));
    quickacks_ = static_cast<std::uint8_t>(std::clamp<std::size_t>(per_window, 2, kMaxQuickacks));
  }
  schedule_ack(now, irregular);
}

void Connection::process_fin(Instant now) {
  // "If the FIN bit is set, signal the user 'connection closing' and return
  // any pending RECEIVEs with same message, advance RCV.NXT over the FIN, and
  // send an acknowledgment for the FIN."
  rcv_nxt_ += 1;
  fin_received_ = true;
  schedule_ack(now, true);
  switch (state_) {
    case State::syn_received:
    case State::established:
      set_state(State::close_wait);  // "Enter the CLOSE-WAIT state."
      break;
    case State::fin_wait_1:
      // "If our FIN has been ACKed (perhaps in this segment), then enter
      // TIME-WAIT, start the time-wait timer, turn off the other timers;
      // otherwise, enter the CLOSING state."
      if (fin_acked_) {
        enter_time_wait(now);
      } else {
        set_state(State::closing);
      }
      break;
    case State::fin_wait_2:
      enter_time_wait(now);
      break;
    default:
      break;  // CLOSE-WAIT, CLOSING, LAST-ACK: "Remain in the ... state."
  }
}

void Connection::note_duplicate(SeqNum left, SeqNum right) {
  if (!sack_ok_ || !(left < right)) return;
  dsack_left_ = left;
  dsack_right_ = right;
  dsack_pending_ = true;
}

void Connection::challenge_ack(Instant now) {
  // RFC 5961 7: challenge ACKs are rate-limited.
  // Times in our 1 ms timestamp clock (as Linux counts in jiffies): the
  // interval rounded up to whole milliseconds, wrapping after 49 days.
  const std::uint32_t now_ms = ts_now(now);
  if (cfg_->challenge_ack_us > 0 && challenge_sent_ &&
      now_ms - last_challenge_ms_ < (cfg_->challenge_ack_us + 999) / 1000) {
    return;
  }
  challenge_sent_ = true;
  last_challenge_ms_ = now_ms;
  ack_now_ = true;
}

void Connection::schedule_ack(Instant now, bool immediate) {
  if (quickacks_ > 0 && !immediate) {
    --quickacks_;
    immediate = true;
  }
  if (immediate || !cfg_->delayed_ack || bytes_since_ack_ >= 2u * rcv_mss_) {
    ack_now_ = true;
    delack_at_.reset();
    return;
  }
  // RFC 9293 3.8.6.3 (MUST-40): "the delay MUST be less than 0.5 seconds".
  if (!delack_at_) delack_at_ = now + cfg_->delayed_ack_timeout();
}

}  // namespace wirestack::tcp
