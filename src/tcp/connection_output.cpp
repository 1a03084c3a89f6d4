// tcp/connection_output.cpp — what the connection sends, and when.
//
// poll_output(now) first runs the timers that are due (connection_timers.cpp),
// then plan() decides the single most urgent segment, in this order:
//   1. a pending RST (abort, or the answer to an unacceptable ACK);
//   2. the SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) while SND.NXT == ISS;
//   3. a fast retransmission of the segment at SND.UNA (RFC 5681 3.2, RFC
//      6582; with SACK RFC 6675 5 (4.3));
//   3b. with SACK, in loss recovery: RFC 6675 NextSeg() while cwnd - pipe >=
//      one segment (rule (1) here, (2) new data below, then (3) and (4)); an RFC
//      8985 loss probe when the PTO fired;
//   4. data from SND.NXT within min(cwnd, SND.WND) (RFC 5681, RFC 9293 3.8.6;
//      RFC 3042 limited transmit on the first two duplicate ACKs),
//      segmented by Eff.snd.MSS less the segment's SACK option (MUST-16,
//      RFC 6691: seg_mss()), with Nagle's algorithm (RFC 9293 3.7.4,
//      SHOULD-7) and sender SWS avoidance (3.8.6.2.1, MUST-38), and the
//      FIN piggy-backed after the last byte; a one-byte zero-window probe
//      when the persist timer fired (3.8.6.1);
//   5. a pure ACK when one is owed (immediate or delayed-ACK timer expiry).
// With a pacing rate (congestion.hpp pacing_rate()), a data segment waits for
// its departure time (next_plan(); connection_rate.cpp), a pure ACK owed meanwhile
// leaves alone, and poll_at() reports the departure time.
// Every segment but the first SYN carries ACK = RCV.NXT and the current
// window, so any of them settles an owed ACK.
#include <algorithm>

#include "base/assert.hpp"
#include "tcp/connection.hpp"

namespace wirestack::tcp {

struct Connection::Plan {
  enum class Kind : std::uint8_t { rst, syn, data, ack };
  Kind kind = Kind::ack;
  SeqNum seq{};
  std::uint32_t offset = 0;  // into tx_ (from SND.UNA)
  std::uint32_t len = 0;
  bool fin = false;
  bool fast = false;    // a retransmission below SND.MAX: SND.NXT does not move
  bool record = false;  // an RFC 6675 retransmission: tracked in the scoreboard
  bool rescue = false;  // RFC 6675 NextSeg() rule (4)
  bool probe = false;   // RFC 8985 7.3 loss probe
  bool zwp = false;     // RFC 9293 3.8.6.1 zero-window probe
};

inline std::optional<Connection::Plan> Connection::next_plan(Instant now, bool& held) {
  held = false;
  if (rx_release_pending_) {  // a ring emptied: give it back later if it stays empty
    rx_release_pending_ = false;
    if (state_ == State::time_wait) {
      tx_.shrink();  // nothing more will be sent or received: at once
      rx_.shrink();
    } else if (!rx_release_at_) {
      rx_release_at_ = now + kRxReleaseDelay;
    }
  }
  run_timers(now);
  // One optional, returned by name on every path (no copies of a Plan: this
  // runs once per segment and once more when there is nothing to send).
  std::optional<Plan> p = plan();
  if (!p) {
    if (cfg_->rate_samples) check_app_limited();  // draft-cheng-iccrg-delivery-rate-estimation 3.4
    arm_timers(now);
    return p;
  }
  if (p->kind == Plan::Kind::data && pacing_holds(now)) {
    // Held by pacing (connection_rate.cpp); a pure ACK owed meanwhile leaves alone.
    if (ack_now_) {
      p = Plan{.kind = Plan::Kind::ack, .seq = snd_nxt_};
    } else {
      arm_timers(now);
      held = true;
      p.reset();
    }
  }
  return p;
}

std::optional<Segment> Connection::poll_output(Instant now) {
  bool held = false;
  const auto p = next_plan(now, held);
  if (!p) return std::nullopt;
  Segment seg;
  seg.tcp = build_marked(*p, now);
  seg.ecn = ip_ecn();
  if (p->kind == Plan::Kind::data && p->len > 0) {
    seg.payload.resize(p->len);
    const std::size_t copied = tx_.peek(p->offset, seg.payload);
    WIRESTACK_ASSERT(copied == p->len);
  }
  arm_timers(now);
  return seg;
}

bool Connection::poll_output_view(Instant now, TcpRepr& header, storage::SpanPair& payload,
                                  std::optional<Instant>* wake) {
  bool held = false;
  const auto p = next_plan(now, held);
  if (!p) {
    // What poll_at() would say, from what plan() just found: a data segment
    // held by pacing, or nothing.
    if (wake != nullptr) *wake = wake_at(held, held ? pacing_release() : std::nullopt);
    return false;
  }
  header = build_marked(*p, now);
  payload = p->kind == Plan::Kind::data && p->len > 0 ? tx_.peek_spans(p->offset, p->len) : storage::SpanPair{};
  arm_timers(now);
  return true;
}

std::optional<Instant> Connection::poll_at() const {
  const auto p = plan();
  // A data segment held by pacing leaves at its departure time.
  return wake_at(p.has_value(), p && p->kind == Plan::Kind::data && !ack_now_ ? pacing_release() : std::nullopt);
}

std::optional<Instant> Connection::wake_at(bool planned, std::optional<Instant> release) const {
  std::optional<Instant> t;
  if (planned) {
    if (!release) return Instant::min();
    t = release;
  }
  if (timer_ != Timer::none && (!t || timer_at_ < *t)) t = timer_at_;
  if (delack_at_ && (!t || *delack_at_ < *t)) t = *delack_at_;
  if (rx_release_at_ && (!t || *rx_release_at_ < *t)) t = *rx_release_at_;
  if (sb_ && sb_->reo_pending && (!t || sb_->reo_at < *t)) t = sb_->reo_at;  // RFC 8985 RACK timer
  return t;
}

std::optional<Connection::Plan> Connection::plan() const {
  if (rst_pending_) return Plan{.kind = Plan::Kind::rst};
  switch (state_) {
    case State::closed:
    case State::listen:
      return std::nullopt;
    case State::syn_sent:
      if (snd_nxt_ == iss_) return Plan{.kind = Plan::Kind::syn, .seq = iss_};
      return std::nullopt;
    case State::syn_received:
      if (snd_nxt_ == iss_) return Plan{.kind = Plan::Kind::syn, .seq = iss_};
      if (ack_now_) return Plan{.kind = Plan::Kind::ack, .seq = snd_nxt_};
      return std::nullopt;
    case State::time_wait:
      if (ack_now_) return Plan{.kind = Plan::Kind::ack, .seq = snd_nxt_};
      return std::nullopt;
    case State::fin_wait_2:
      if (ack_now_) return Plan{.kind = Plan::Kind::ack, .seq = snd_nxt_};
      if (keepalive_probe_) return Plan{.kind = Plan::Kind::ack, .seq = snd_nxt_ - 1};
      return std::nullopt;
    default:
      break;
  }
  const auto queued = static_cast<std::uint32_t>(tx_.size());
  const bool fin_unacked = fin_queued_ && !fin_acked_;
  // RFC 9293 3.7.1 (MUST-16): "the data size in a segment" is Eff.snd.MSS
  // less "the size of the TCP options" sent in it; RFC 6691 2: "the TCP
  // sender [must] reduce the data size by the length of the TCP options":
  // the SACK blocks this segment will carry (the timestamps are already out
  // of snd_mss_). One size for every rule below, so that Nagle, SWS, cwnd -
  // pipe and NextSeg() agree on what a full-sized segment is.
  const std::uint32_t mss = seg_mss();

  // Fast retransmit / NewReno partial ACK: the first unacknowledged segment
  // (with SACK: RFC 6675 5 (4.3), up to the first SACKed byte).
  if (fast_rtx_) {
    if (sack_ok_) {
      const std::uint32_t flight_end = distance(snd_una_, snd_max_);
      const std::uint32_t first_sacked =
          sb_ && !sb_->sacked.is_empty() ? sb_->sacked.ranges().front().offset : flight_end;
      if (auto p = hole_piece(0, 1, first_sacked)) return p;
    } else {
      const std::uint32_t len = std::min<std::uint32_t>(mss, queued);
      const bool fin = fin_unacked && len == queued && snd_max_ - snd_una_ > static_cast<std::int32_t>(len);
      if (len > 0 || fin) {
        return Plan{.kind = Plan::Kind::data, .seq = snd_una_, .offset = 0, .len = len, .fin = fin, .fast = true};
      }
    }
  }

  // RFC 6675 5 (4.4) / (C): "while (cwnd - pipe) >= (1 SMSS bytes)", send
  // NextSeg(): (1) a lost segment not yet retransmitted, else (2) new data,
  // else (3) a segment not yet deemed lost, else (4) a rescue retransmission.
  const bool recovering = sack_recovery();
  // RFC 5682 2.1 step 2b (F-RTO): new data before the next retransmission.
  const std::uint8_t frto_new = sb_ ? sb_->frto_new : 0;
  std::uint32_t room = 0;  // cwnd - pipe
  if (recovering) {
    const std::uint32_t in_pipe = pipe();
    room = cc_.cwnd() > in_pipe ? cc_.cwnd() - in_pipe : 0;
    if (room >= mss && frto_new == 0) {
      if (auto p = next_retransmission(1)) return p;
    }
  }
  // RFC 8985 7.3: the tail loss probe.
  if (tlp_probe_) {
    if (auto p = loss_probe()) return p;
  }

  const std::uint32_t offset = distance(snd_una_, snd_nxt_);
  const std::uint32_t avail = queued > offset ? queued - offset : 0;
  const std::uint32_t flight = offset;
  // RFC 3042 limited transmit: the first two duplicate ACKs each allow one
  // new segment beyond cwnd (cwnd itself is unchanged).
  std::uint32_t cwnd = cc_.cwnd();
  if (!cc_.in_recovery() && dupacks_ > 0 && dupacks_ < 3 && snd_nxt_ == snd_max_) {
    cwnd += std::uint32_t{dupacks_} * mss;
  }
  // F-RTO step 2b: "transmit up to two new (previously unsent) segments",
  // whatever the go-back-N flight (RFC 5682: the sender only chooses other
  // segments than slow start would).
  if (frto_new > 0 && !recovering && snd_nxt_ == snd_max_) cwnd = std::max(cwnd, flight + frto_new * mss);
  const std::uint32_t wnd = std::min(snd_wnd_, cwnd);
  std::uint32_t usable = wnd > flight ? wnd - flight : 0;
  if (recovering) {
    // RFC 6675 NextSeg() (2): new data within cwnd - pipe and the peer's window.
    usable = room >= mss ? std::min(room, snd_wnd_ > flight ? snd_wnd_ - flight : 0) : 0;
  }
  const bool retransmit = snd_nxt_ < snd_max_;
  std::uint32_t len = std::min({avail, mss, usable});
  bool probe = false;
  if (len == 0 && avail > 0 && force_probe_) {
    len = 1;  // RFC 9293 3.8.6.1: a zero-window probe carries one byte
    probe = true;
  }
  const bool fin_here = fin_unacked && offset <= queued && offset + len == queued;
  if (len > 0 && len < mss && !probe && !retransmit) {
    if (len < avail) {
      // Window-limited. Sender SWS avoidance (RFC 9293 3.8.6.2.1): send a
      // short segment only if it is at least half the largest window the
      // peer offered, or nothing is in flight (else wait for ACKs).
      if (!(len >= max_snd_wnd_ / 2 || flight == 0)) len = 0;
    } else if (cfg_->nagle && flight > 0 && !fin_here && snd_una_ < snd_sml_ && snd_sml_ <= snd_nxt_) {
      // Nagle (RFC 9293 3.7.4, RFC 896) in Minshall's variant (as Linux's
      // tcp_minshall_check): hold a short segment only while an earlier
      // *short* segment is unacknowledged, unless it can carry the FIN. The
      // plain rule holds the tail of every response longer than one segment
      // behind the peer's delayed ACK (40-200 ms per HTTP answer); this one
      // still keeps a typist from sending a segment per keystroke.
      len = 0;
    }
  }
  if (cfg_->tso && len == mss && !retransmit && !recovering && !cfg_->pacing && !snd_urgent_) {
    // TSO: every full-sized segment the windows allow, as one segment the
    // device cuts (ConnectionConfig::tso); a short tail waits for its own turn.
    const std::uint32_t device = tso_segs_ == 0 ? kTsoMaxPayload : std::uint32_t{tso_segs_} * mss;
    const std::uint32_t most = std::min({avail, usable, kTsoMaxPayload, device});
    len = most / mss * mss;
  }
  const bool fin = fin_unacked && offset <= queued && offset + len == queued;
  if (len > 0 || fin) {
    return Plan{.kind = Plan::Kind::data, .seq = snd_nxt_, .offset = offset, .len = len, .fin = fin, .zwp = probe};
  }
  if (recovering && room >= mss) {
    if (frto_new > 0) {
      if (auto p = next_retransmission(1)) return p;  // no new data after all
    }
    if (auto p = next_retransmission(3)) return p;
    if (auto p = next_retransmission(4)) return p;
  }
  if (ack_now_) return Plan{.kind = Plan::Kind::ack, .seq = snd_nxt_};
  // RFC 9293 3.8.4: a keep-alive probe is an ACK with SEG.SEQ = SND.NXT - 1
  // and no data (MUST-28-friendly: the peer answers with an ACK).
  if (keepalive_probe_) return Plan{.kind = Plan::Kind::ack, .seq = snd_nxt_ - 1};
  return std::nullopt;
}

// --- RFC 6675 scoreboard queries (offsets from SND.UNA) ---------------------

std::uint32_t Connection::lost_end() const {
  // RFC 6675 4 IsLost(SeqNum): "returns true when either DupThresh
  // discontiguous SACKed sequences have arrived above 'SeqNum' or more than
  // (DupThresh - 1) * SMSS bytes with sequence numbers greater than 'SeqNum'
  // have been SACKed" (DupThresh = 3). The SACKed data above an octet only
  // grows as the octet gets lower, so there is one boundary: every unSACKed
  // octet below it is lost. After an RTO (RFC 6675 5.1) everything below the
  // recovery point is.
  std::uint32_t lost = 0;
  if (sb_) {
    const auto ranges = sb_->sacked.ranges();
    std::uint64_t bytes = 0;
    std::size_t count = 0;
    for (std::size_t i = ranges.size(); i-- > 0;) {
      bytes += ranges[i].size;
      ++count;
      if (count >= 3 || bytes > 2u * std::uint64_t{snd_mss_}) {
        lost = ranges[i].offset;
        break;
      }
    }
  }
  if (sb_ && sb_->rack_lost > snd_una_) lost = std::max(lost, distance(snd_una_, sb_->rack_lost));  // RFC 8985
  if (rto_recovery_ && recover_ > snd_una_) lost = std::max(lost, distance(snd_una_, recover_));
  return std::min(lost, distance(snd_una_, snd_max_));
}

const Connection::Retransmission* Connection::covering(SeqNum s) const {
  if (!sb_) return nullptr;
  for (const auto& r : sb_->rtx) {
    if (r.begin <= s && s < r.end) return &r;
  }
  return nullptr;
}

std::uint32_t Connection::pipe() const {
  // RFC 6675 4 SetPipe(): for each octet between HighACK and HighData that
  // has not been SACKed, (a) "If IsLost (S1) returns false: Pipe is
  // incremented by 1 octet" (the original is still in flight), (b) "If S1 <=
  // HighRxt: Pipe is incremented by 1 octet" (its retransmission is), here:
  // if a retransmission of it is in flight and not known lost.
  const std::uint32_t flight_end = distance(snd_una_, snd_max_);
  const std::uint32_t lost = lost_end();
  std::uint64_t pipe = flight_end - lost;
  if (sb_) {
    for (const auto& r : sb_->sacked.ranges()) {
      const std::uint32_t from = std::max(r.offset, lost);
      const std::uint32_t to = std::min(r.end(), flight_end);
      if (to > from) pipe -= to - from;
    }
    for (const auto& r : sb_->rtx) {
      const SeqNum from = std::max(r.begin, snd_una_);
      if (from < r.end) pipe += distance(from, r.end);
    }
  }
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(pipe, 0xffffffffu));
}

std::optional<Connection::Plan> Connection::hole_piece(std::uint32_t from, std::uint32_t limit,
                                                       std::uint32_t hole_end) const {
  // The first octet of [from, hole_end) below `limit` that has no
  // retransmission in flight, and up to one SMSS from there (stopping at the
  // next retransmitted octet). The FIN rides along when the piece reaches it.
  const auto queued = static_cast<std::uint32_t>(tx_.size());
  const std::uint32_t flight_end = distance(snd_una_, snd_max_);
  const bool fin_sent = fin_queued_ && !fin_acked_ && flight_end == queued + 1;
  hole_end = std::min(hole_end, flight_end);
  std::uint32_t a = from;
  while (a < hole_end && a < limit) {
    const Retransmission* r = covering(snd_una_ + a);
    if (!r) break;
    a = distance(snd_una_, r->end);
  }
  if (a >= hole_end || a >= limit) return std::nullopt;
  std::uint32_t end = std::min<std::uint32_t>(hole_end, a + seg_mss());
  if (sb_) {
    for (const auto& r : sb_->rtx) {  // stop at the next retransmitted octet
      if (snd_una_ + a < r.begin && r.begin < snd_una_ + end) end = distance(snd_una_, r.begin);
    }
  }
  const std::uint32_t data_end = std::min(end, queued);
  const std::uint32_t len = data_end > a ? data_end - a : 0;
  const bool fin = fin_sent && a + len == queued && hole_end > queued && !covering(snd_una_ + queued);
  if (len == 0 && !fin) return std::nullopt;
  return Plan{.kind = Plan::Kind::data,
              .seq = snd_una_ + a,
              .offset = a,
              .len = len,
              .fin = fin,
              .fast = true,
              .record = true};
}

std::optional<Connection::Plan> Connection::next_retransmission(int rule) const {
  // RFC 6675 4 NextSeg(). Holes are the gaps below and between the SACKed
  // ranges (and, after an RTO, up to the recovery point).
  const std::uint32_t flight_end = distance(snd_una_, snd_max_);
  const auto ranges = sb_ ? sb_->sacked.ranges() : std::span<const storage::AssemblerRange>{};
  const std::uint32_t high_sacked = ranges.empty() ? 0 : ranges.back().end();
  // (1) "the smallest unSACKed sequence number 'S2' that meets: (1.a) S2 is
  // greater than HighRxt [here: no retransmission of it in flight], (1.b) S2
  // is less than the highest octet covered by any received SACK, (1.c)
  // IsLost (S2) returns true." (3) the same without (1.c). (4) the rescue.
  std::uint32_t limit = 0;
  if (rule == 1) {
    limit = lost_end();
  } else if (rule == 3) {
    if (!cc_.in_recovery()) return std::nullopt;
    limit = high_sacked;
  } else {
    // (4) "If the conditions for rules (1), (2), and (3) fail, but there
    // exists outstanding unSACKed data, we provide the opportunity for a
    // single 'rescue' retransmission per entry into loss recovery. If HighACK
    // is greater than RescueRxt (or RescueRxt is undefined), then one segment
    // of upto SMSS octets that MUST include the highest outstanding unSACKed
    // sequence number SHOULD be returned, and RescueRxt set to RecoveryPoint.
    // HighRxt MUST NOT be updated."
    if (!cc_.in_recovery() || !sb_ || (sb_->rescue_set && !(snd_una_ > sb_->rescue))) return std::nullopt;
    std::uint32_t top = flight_end;
    for (std::size_t i = ranges.size() + 1; i-- > 0;) {
      const std::uint32_t hole_start = i == 0 ? 0 : ranges[i - 1].end();
      const std::uint32_t hole_end = i == ranges.size() ? flight_end : ranges[i].offset;
      if (hole_end > hole_start) {
        top = hole_end;
        const std::uint32_t mss = seg_mss();
        const std::uint32_t start = top > mss + hole_start ? top - mss : hole_start;
        const auto queued = static_cast<std::uint32_t>(tx_.size());
        const bool fin_sent = fin_queued_ && !fin_acked_ && flight_end == queued + 1;
        const std::uint32_t data_end = std::min(top, queued);
        const std::uint32_t len = data_end > start ? data_end - start : 0;
        const bool fin = fin_sent && top > queued;
        if (len == 0 && !fin) return std::nullopt;
        return Plan{.kind = Plan::Kind::data,
                    .seq = snd_una_ + start,
                    .offset = start,
                    .len = len,
                    .fin = fin,
                    .fast = true,
                    .rescue = true};
      }
    }
    return std::nullopt;
  }
  if (limit == 0) return std::nullopt;
  std::uint32_t pos = 0;
  for (std::size_t i = 0; i <= ranges.size(); ++i) {
    const std::uint32_t hole_end = i < ranges.size() ? ranges[i].offset : flight_end;
    if (pos >= limit) break;
    if (hole_end > pos) {
      if (auto p = hole_piece(pos, limit, hole_end)) return p;
    }
    if (i < ranges.size()) pos = std::max(pos, ranges[i].end());
  }
  return std::nullopt;
}

std::optional<Connection::Plan> Connection::loss_probe() const {
  // RFC 8985 7.3: "If such a segment [new data] is available, the sender
  // SHOULD transmit new data ... if the receive window allows". Otherwise
  // "the sender SHOULD retransmit the most recently sent segment" (here: the
  // last SMSS of the sequence space sent, with the FIN if it was sent).
  const auto queued = static_cast<std::uint32_t>(tx_.size());
  const std::uint32_t offset = distance(snd_una_, snd_nxt_);
  const std::uint32_t flight_end = distance(snd_una_, snd_max_);
  const bool fin_unacked = fin_queued_ && !fin_acked_;
  const std::uint32_t mss = seg_mss();
  if (sack_recovery()) {
    // In recovery (our extension): the first hole again, whatever its
    // retransmissions, up to one segment (seg_mss()) or the first SACKed octet.
    const std::uint32_t hole_end =
        sb_ && !sb_->sacked.is_empty() ? std::min(sb_->sacked.ranges().front().offset, flight_end) : flight_end;
    const bool fin_sent = fin_unacked && flight_end == queued + 1;
    const std::uint32_t data_end = std::min({hole_end, queued, mss});
    const bool fin = fin_sent && data_end == queued && hole_end > queued;
    if (data_end > 0 || fin) {
      return Plan{.kind = Plan::Kind::data,
                  .seq = snd_una_,
                  .offset = 0,
                  .len = data_end,
                  .fin = fin,
                  .fast = true,
                  .record = true,
                  .probe = true};
    }
  }
  if (offset == flight_end && offset <= queued) {
    const std::uint32_t wnd_room = snd_wnd_ > offset ? snd_wnd_ - offset : 0;
    const std::uint32_t len = std::min({queued - offset, mss, wnd_room});
    const bool fin = fin_unacked && offset + len == queued;
    if (len > 0 || fin) {
      return Plan{.kind = Plan::Kind::data, .seq = snd_nxt_, .offset = offset, .len = len, .fin = fin, .probe = true};
    }
  }
  if (flight_end == 0) return std::nullopt;
  const bool fin_sent = fin_unacked && flight_end == queued + 1;
  const std::uint32_t data_end = std::min(flight_end, queued);
  const std::uint32_t start = data_end > mss ? data_end - mss : 0;
  const std::uint32_t len = data_end - start;
  if (len == 0 && !fin_sent) return std::nullopt;
  return Plan{.kind = Plan::Kind::data,
              .seq = snd_una_ + start,
              .offset = start,
              .len = len,
              .fin = fin_sent,
              .fast = true,
              .probe = true};
}

std::uint16_t Connection::window_field(bool syn) const {
  const std::uint32_t free = recv_window();
  // RFC 7323 2.2: the window in a SYN is not scaled.
  const std::uint32_t w = syn ? free : free >> rcv_wscale_;
  return static_cast<std::uint16_t>(std::min<std::uint32_t>(w, 0xffff));
}

std::uint32_t Connection::sack_option_len() const {
  // What header() adds to a segment with ACK (not a SYN): a pending D-SACK
  // block, then the most recent out-of-order ranges, 3 blocks in all next to
  // the timestamps option, 4 without; NOP, NOP, kind, length, 8 bytes each.
  if (!sack_ok_) return 0;
  const std::size_t room = ts_ok_ ? 3 : 4;
  std::size_t blocks = dsack_pending_ ? 1 : 0;
  if (!ooo_.is_empty()) blocks += ooo_.sack_blocks(room - blocks).size();
  return blocks == 0 ? 0 : static_cast<std::uint32_t>(4 + 8 * blocks);
}

TcpRepr Connection::header(SeqNum seq, TcpFlags flags, Instant now) const {
  TcpRepr r{.src_port = local_port_, .dst_port = remote_port_, .seq = seq.value(), .flags = flags};
  if (flags.ack()) r.ack = rcv_nxt_.value();
  r.window = window_field(flags.syn());
  // RFC 9293 3.8.5: every segment below SND.UP says where the urgent data
  // ends; a pointer beyond 65,535 octets is sent as 65,535 (urgent data of
  // any length, MUST-30), and moves up as the segments do.
  if (snd_urgent_ && seq < snd_up_ && !flags.syn() && !flags.rst()) {
    r.flags.set_urg(true);
    r.urgent = static_cast<std::uint16_t>(std::min<std::uint32_t>(distance(seq, snd_up_), 0xffff));
  }
  if (ts_ok_) r.options.timestamps = Timestamps{.tsval = ts_now(now), .tsecr = ts_recent_};
  // RFC 2018 4: SACK blocks in ACKs while out-of-order data is held (three
  // fit next to the timestamps option, four without); RFC 2883 4: a
  // duplicate just received goes first, as a D-SACK block, once.
  if (sack_ok_ && flags.ack() && !flags.syn()) {
    std::size_t room = ts_ok_ ? 3 : 4;
    if (dsack_pending_) {
      r.options.add_sack(SackBlock{.left = dsack_left_.value(), .right = dsack_right_.value()});
      --room;
    }
    if (!ooo_.is_empty()) {
      for (const auto& b : ooo_.sack_blocks(room)) {
        r.options.add_sack(SackBlock{.left = (rcv_nxt_ + b.offset).value(), .right = (rcv_nxt_ + b.end()).value()});
      }
    }
  }
  return r;
}

TcpRepr Connection::build_marked(const Plan& p, Instant now) {
  // RFC 3168 (connection_ecn.cpp): ECT only on new data, not on a
  // retransmission or a zero-window probe; ECN-setup flags on first SYNs.
  const bool new_data = p.kind == Plan::Kind::data && p.len > 0 && !(p.seq < snd_max_) && !p.zwp;
  const bool syn_again = snd_max_ != iss_;
  TcpRepr out = build(p, now);
  ecn_output(out, new_data, syn_again);
  return out;
}

TcpRepr Connection::build(const Plan& p, Instant now) {
  TcpRepr out;
  switch (p.kind) {
    case Plan::Kind::rst: {
      // RFC 9293 3.10.7.1 / 3.10.5: <SEQ=...><CTL=RST> (no ACK in any of our cases).
      rst_pending_ = false;
      out = TcpRepr{.src_port = local_port_,
                    .dst_port = remote_port_,
                    .seq = rst_seq_,
                    .ack = 0,
                    .flags = TcpFlags{TcpFlags::kRst}};
      return out;
    }
    case Plan::Kind::syn: {
      const bool active = state_ == State::syn_sent;
      // SYN-SENT sends <SEQ=ISS><CTL=SYN>; SYN-RECEIVED <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
      const TcpFlags flags{static_cast<std::uint16_t>(TcpFlags::kSyn | (active ? 0 : TcpFlags::kAck))};
      out = TcpRepr{.src_port = local_port_, .dst_port = remote_port_, .seq = iss_.value(), .flags = flags};
      if (!active) out.ack = rcv_nxt_.value();
      out.window = window_field(true);
      // RFC 9293 3.7.1 (MUST-14 / SHOULD): MSS in every SYN; the rest as
      // configured (SYN) or as negotiated (SYN-ACK: only what the peer offered).
      out.options.mss = cfg_->mss;
      if (active ? cfg_->window_scale > 0 : ws_ok_) out.options.window_scale = cfg_->window_scale;
      out.options.sack_permitted = active ? cfg_->sack : sack_ok_;
      if (active ? cfg_->timestamps : ts_ok_) {
        out.options.timestamps = Timestamps{.tsval = ts_now(now), .tsecr = active ? 0 : ts_recent_};
      }
      const bool again = snd_max_ != iss_;
      if (again) {
        ++retransmits_;
        ts_last_rtx_ = ts_now(now);
        ts_rtx_seen_ = true;
        rtt_timer_.on_retransmit();
      } else {
        rtt_timer_.start(iss_ + 1, now);
      }
      snd_nxt_ = iss_ + 1;
      snd_max_ = snd_nxt_;
      if (timer_ != Timer::retransmit) {
        timer_ = Timer::retransmit;
        timer_at_ = now + rtt_.rto();
      }
      if (!active) {
        ack_now_ = false;
        delack_at_.reset();
        last_ack_sent_ = rcv_nxt_;
        note_window_sent(out.window, true);
      }
      return out;
    }
    case Plan::Kind::data: {
      TcpFlags flags{TcpFlags::kAck};
      if (p.len > 0 && p.offset + p.len == tx_.size()) flags.set_psh(true);
      if (p.fin) flags.set_fin(true);
      const std::uint32_t mss = seg_mss();  // what plan() sized this segment by
      out = header(p.seq, flags, now);
      // MUST-16: the options sent are those seg_mss() subtracted.
      WIRESTACK_ASSERT(out.options.emitted_len() == (ts_ok_ ? 12u : 0u) + (snd_mss_ - mss));
      WIRESTACK_ASSERT(p.len <= mss || (cfg_->tso && p.len % mss == 0 && p.len <= kTsoMaxPayload));
      WIRESTACK_ASSERT(std::size_t{p.offset} + p.len <= tx_.size());  // the payload is peeked by the caller
      const SeqNum end = p.seq + p.len + (p.fin ? 1 : 0);
      const bool again = p.seq < snd_max_;
      on_data_sent(p.seq, end, now);  // rate samples and pacing (connection_rate.cpp)
      if (sb_ && sack_ok_ && cc_.in_recovery()) sb_->prr_out += distance(p.seq, end);  // RFC 6937 prr_out
      if (again) {
        ++retransmits_;
        if (sb_ && sb_->undo_set && !sb_->undo_ended) {
          // RFC 3708 / RFC 3522: what the episode retransmitted, and when first.
          sb_->undo_retrans += distance(p.seq, end);
          if (!sb_->retrans_stamped) {
            sb_->retrans_stamp = ts_now(now);
            sb_->retrans_stamped = true;
          }
          if (sb_->frto && sb_->frto_high < end) sb_->frto_high = end;  // RFC 5682
        }
        ts_last_rtx_ = ts_now(now);
        ts_rtx_seen_ = true;
        rtt_timer_.on_retransmit();  // Karn: no sample from this range
      } else {
        rtt_timer_.start(end, now);
        if (sb_ && sb_->frto_new > 0) {  // RFC 5682 step 2b's new segments
          const std::uint32_t segs = (p.len + mss - 1) / std::max<std::uint32_t>(mss, 1);
          sb_->frto_new = static_cast<std::uint8_t>(segs >= sb_->frto_new ? 0 : sb_->frto_new - segs);
        }
      }
      if (!p.fast) {
        snd_nxt_ = end;
        if (snd_max_ < end) snd_max_ = end;
      }
      // Minshall: a short segment is out (not a zero-window probe: its byte
      // goes again inside a full segment when the window opens).
      if (!again && !p.zwp && p.len > 0 && p.len < mss) snd_sml_ = end;
      if (p.zwp) zwp_out_ = true;
      if (p.record) {
        // RFC 6675 HighRxt, per range (Connection::Retransmission).
        Scoreboard& sb = scoreboard();
        if (sb.rtx.size() >= Scoreboard::kMaxRetransmissions) sb.rtx.clear();
        std::erase_if(sb.rtx, [&](const Retransmission& r) { return r.begin < end && p.seq < r.end; });
        if (!sb.rtx.empty() && sb.rtx.back().end == p.seq && sb.rtx.back().fence == snd_max_) {
          sb.rtx.back().end = end;
          sb.rtx.back().stamp = sb.next_stamp++;
        } else {
          sb.rtx.push_back(Retransmission{.begin = p.seq, .end = end, .fence = snd_max_, .stamp = sb.next_stamp++});
        }
      }
      if (p.rescue) {
        sb_->rescue = recover_;  // "RescueRxt set to RecoveryPoint"
        sb_->rescue_set = true;
      }
      fast_rtx_ = false;
      force_probe_ = false;
      if (p.probe) {
        // RFC 8985 7.3: "TLP.end_seq = SND.NXT"; then the RTO is armed (below).
        tlp_probe_ = false;
        tlp_out_ = true;
        tlp_rtx_ = again && !sack_recovery();  // 7.4 concerns probes outside recovery
        tlp_end_ = snd_max_;
        timer_ = Timer::retransmit;
        timer_at_ = now + rtt_.rto();
      }
      // RFC 6298 5.1: "Every time a packet containing data is sent (including
      // a retransmission), if the timer is not running, start it running".
      if (timer_ != Timer::retransmit && timer_ != Timer::loss_probe) {
        timer_ = Timer::retransmit;
        timer_at_ = now + rtt_.rto();
      }
      // RFC 8985 7.2: (re)arm the loss probe when new data leaves.
      if (!p.probe && (!again || sack_recovery())) arm_loss_probe(now);
      break;
    }
    case Plan::Kind::ack:
      out = header(p.seq, TcpFlags{TcpFlags::kAck}, now);
      break;
    default:
      break;
  }
  // Any segment with ACK settles what we owed (a D-SACK is reported once).
  ack_now_ = false;
  dsack_pending_ = false;
  keepalive_probe_ = false;
  delack_at_.reset();
  bytes_since_ack_ = 0;
  last_ack_sent_ = rcv_nxt_;
  note_window_sent(out.window, false);  // the right edge the peer may now fill
  return out;
}

}  // namespace wirestack::tcp
