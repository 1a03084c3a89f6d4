// tcp/connection_timers.cpp — the connection's deadlines, run by
// poll_output(now) when due (sans-IO: no timer objects, only Instants that
// poll_at() reports):
//   * retransmission (RFC 6298 5.4 - 5.7, RFC 9293 3.8.1): back off the RTO,
//     collapse cwnd (RFC 5681 3.1); with SACK resend the unSACKed data through
//     RFC 6675 5.1 recovery, without SACK go back to SND.UNA;
//   * tail loss probe (RFC 8985 7): at 2 * SRTT, one probe, then the RTO;
//   * RACK reordering window (RFC 8985 6.3, run_reordering_timer); SYN / SYN-ACK resent
//     with 1 s, 2 s, 4 s ...; after max_syn_retries / max_retries timeouts of
//     the same segment the connection is CLOSED with Error::timed_out
//     (RFC 9293 3.8.3 R2, MUST-20 and MUST-22; MUST-23 asks for >= 3 min for
//     SYNs: max_syn_retries 7, the default 6 gives Linux's 127 s).
//   * persist (RFC 9293 3.8.6.1, MUST-36): the peer's window is zero and we
//     hold data: probe with one byte, backing off like the RTO; once the
//     window opens the probe's timer and back-off end and the data goes at
//     once from SND.UNA (update_window in connection_input.cpp).
//   * TIME-WAIT (2 MSL, RFC 9293 3.10.7.4): then CLOSED.
//   * delayed ACK (RFC 9293 3.8.6.3, RFC 5681 4.2): the owed ACK is due.
//   * keep-alive (RFC 9293 3.8.4, off by default): probe an idle connection,
//     give up after keepalive_probes unanswered probes.
#include "tcp/connection.hpp"

namespace wirestack::tcp {

void Connection::run_timers(Instant now) {
  if (delack_at_ && now >= *delack_at_) {
    delack_at_.reset();
    ack_now_ = true;
  }
  if (rx_release_at_ && now >= *rx_release_at_) {
    rx_release_at_.reset();
    rx_.shrink();  // each only if still empty (a later read or ACK arms it again)
    tx_.shrink();
    // The tuning state goes with the ring once data has stopped coming (a
    // reader that keeps up empties the ring between segments: that is not
    // the end of the flow); it is measured afresh when data comes again.
    if (rcv_tune_ && rx_.allocated_bytes() == 0 && now - rcv_tune_->space_time >= kRxReleaseDelay) rcv_tune_.reset();
    // An ended episode's undo (RFC 3708) waits no longer than an idle
    // sender's rings: an idle connection holds no scoreboard.
    if (sb_ && snd_una_ == snd_max_ && !sack_recovery() && sb_->rtx.empty() && sb_->sacked.is_empty() &&
        !sb_->reo_pending) {
      drop_scoreboard();
    }
  }
  run_reordering_timer(now);
  if (timer_ == Timer::none || now < timer_at_) return;
  switch (timer_) {
    case Timer::time_wait:
      enter_closed(std::nullopt);
      break;
    case Timer::persist:
      timer_ = Timer::none;
      rtt_.backoff();  // the next probe waits twice as long
      force_probe_ = true;
      break;
    case Timer::retransmit:
      on_retransmit_timeout(now);
      break;
    case Timer::loss_probe:
      // RFC 8985 7.3: the PTO fired: send a probe (plan() / loss_probe());
      // building it arms the RTO.
      timer_ = Timer::retransmit;
      timer_at_ = now + rtt_.rto();
      if (snd_una_ != snd_max_) tlp_probe_ = true;
      break;
    case Timer::keepalive:
      timer_ = Timer::none;
      if (keepalives_sent_ >= cfg_->keepalive_probes) {
        enter_closed(Error::timed_out);  // RFC 1122 4.2.3.6: the peer is gone
        break;
      }
      ++keepalives_sent_;
      keepalive_probe_ = true;
      timer_ = Timer::keepalive;
      timer_at_ = now + std::chrono::milliseconds{cfg_->keepalive_interval_ms};
      break;
    default:
      break;
  }
}

void Connection::on_retransmit_timeout(Instant now) {
  timer_ = Timer::none;
  const bool handshake = state_ == State::syn_sent || state_ == State::syn_received;
  ++retries_;
  if (retries_ > (handshake ? cfg_->max_syn_retries : cfg_->max_retries)) {
    enter_closed(Error::timed_out);
    return;
  }
  // RFC 6298 5.5: "The host MUST set RTO <- RTO * 2 ("back off the timer")";
  // 5.4: "Retransmit the earliest segment that has not been acknowledged".
  rtt_.backoff();
  rtt_timer_.on_retransmit();
  if (handshake) {
    snd_nxt_ = iss_;  // the SYN (or SYN-ACK) goes again
    syn_retransmitted_ = true;
    return;
  }
  // RFC 5681 3.1: ssthresh (first timeout only) and cwnd = 1 SMSS; RFC 6582
  // 4 "recover" = the highest sequence number sent.
  // RFC 3522 / RFC 3708 / RFC 5682: what the first timeout cuts may be
  // given back, with or without SACK (the undo state lives in the
  // scoreboard, made for it without SACK: Linux's retrans_stamp and
  // undo_marker exist for Reno connections too).
  if (snd_wnd_ > 0 && retries_ == 1) {
    undo_begin();
    sb_->end_frto();
    sb_->frto = true;  // RFC 5682: decided by the first ACK that advances SND.UNA
    sb_->frto_high = snd_una_;
  } else if (sb_) {
    sb_->end_frto();  // a second timeout: the loss was real
  }
  cc_.on_rto(distance(snd_una_, snd_max_), now, retries_ == 1 ? Timeout::first : Timeout::repeated);
  recover_ = snd_max_;
  dupacks_ = 0;
  fast_rtx_ = false;
  tlp_probe_ = false;
  tlp_out_ = false;
  if (sack_ok_ && snd_wnd_ > 0) {
    // RFC 6675 5.1: "If an RTO occurs during loss recovery as specified in
    // this document, RecoveryPoint MUST be set to HighData. Further, the TCP
    // MUST set HighRxt to the highest sequence number transmitted [the
    // retransmissions are presumed lost] ... it is RECOMMENDED that the TCP
    // not clear the SACK scoreboard": everything unSACKed below RecoveryPoint
    // is lost (lost_end()) and goes again, in slow start, through NextSeg();
    // SACKed data is not resent. A second timeout of the same segment clears
    // the scoreboard (RFC 2018 8: the receiver may have reneged).
    rto_recovery_ = true;
    if (sb_) {
      sb_->rtx.clear();
      sb_->rescue_set = false;
      sb_->reo_pending = false;
      if (retries_ > 1) sb_->sacked.clear();
    }
    return;
  }
  rto_recovery_ = false;
  // Go-back-N resends everything; without SACK the scoreboard holds only the
  // first timeout's undo episode, kept until SND.UNA passes RecoveryPoint.
  if (sack_ok_ || retries_ > 1 || snd_wnd_ == 0) drop_scoreboard();
  snd_nxt_ = snd_una_;  // go back N
  if (snd_wnd_ == 0) force_probe_ = true;  // keep probing a zero window
}

void Connection::arm_loss_probe(Instant now) {
  // RFC 8985 7.2: schedule a loss probe when the connection has SACK, has an RTT sample and data outstanding,
  // and no probe is unanswered. "PTO = 2 * SRTT"; "If FlightSize is one
  // segment, PTO += WCDelAckT" (the peer may hold its ACK: 200 ms); as Linux,
  // at least 2 ms more otherwise (timer slack), and never under 10 ms. Never
  // later than the RTO.
  // Beyond RFC 8985 (which probes in the open state only): also during SACK
  // recovery, where the last retransmissions and new data can all be lost
  // with no ACK left to reveal it; the probe then resends the first hole.
  // Not in RTO recovery: there the backed-off RTO paces the retransmissions.
  if (!sack_ok_ || tlp_out_ || rto_recovery_ || snd_una_ == snd_max_) return;
  if (timer_ != Timer::retransmit && timer_ != Timer::loss_probe) return;
  if (state_ != State::established && state_ != State::close_wait && state_ != State::fin_wait_1 &&
      state_ != State::closing && state_ != State::last_ack) {
    return;
  }
  const auto srtt = rtt_.srtt();
  if (!srtt) return;
  const bool one_segment = distance(snd_una_, snd_max_) <= snd_mss_;
  // At least 10 ms, as Linux (tcp_schedule_loss_probe): on a LAN the SRTT is
  // tens of microseconds, and a probe 2 ms after the last segment fires
  // whenever the peer (or we) are a little late, retransmitting a FIN whose
  // ACK is on its way (the duplicate ACK then meets a closed connection: RST).
  const Duration pto =
      std::max<Duration>(2 * *srtt + (one_segment ? Duration{std::chrono::milliseconds{200}}
                                                  : Duration{std::chrono::milliseconds{2}}),
                         std::chrono::milliseconds{10});
  if (pto >= rtt_.rto()) return;
  if (timer_ == Timer::retransmit && timer_at_ <= now + pto) return;  // the RTO comes first
  timer_ = Timer::loss_probe;
  timer_at_ = now + pto;
}

void Connection::arm_timers(Instant now) {
  // The persist timer runs while the peer's window is zero, data waits and
  // nothing is in flight (so no retransmission timer will fire).
  if (!is_synchronized(state_) || state_ == State::time_wait) return;
  if (timer_ == Timer::keepalive && (snd_una_ != snd_max_ || tx_.size() > 0)) timer_ = Timer::none;
  // Keep-alive (MUST-25: only when idle): nothing in flight, nothing queued.
  if (timer_ == Timer::none && cfg_->keepalive_probes > 0 && snd_una_ == snd_max_ && tx_.size() == 0 &&
      !force_probe_) {
    timer_ = Timer::keepalive;
    timer_at_ = now + std::chrono::milliseconds{keepalives_sent_ == 0 ? cfg_->keepalive_idle_ms
                                                                      : cfg_->keepalive_interval_ms};
    return;
  }
  if (timer_ != Timer::none || snd_wnd_ != 0 || force_probe_) return;
  if (snd_nxt_ != snd_una_ || tx_.size() == 0) return;
  timer_ = Timer::persist;
  timer_at_ = now + rtt_.rto();
}

}  // namespace wirestack::tcp
