// tcp/connection_output.cpp — what the connection sends, and when.
//
// poll_output(now) first runs the timers that are due (connection_timers.cpp),
// then plan() decides the single most urgent segment, in this order:
//   1. a pending RST (abort, or the answer to an unacceptable ACK);
//   2. the SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) while SND.NXT == ISS;
//   3. a fast retransmission of the segment at SND.UNA;
//   4. data from SND.NXT within min(cwnd, SND.WND) (RFC 5681, RFC 9293 3.8.6;
//      RFC 3042 limited transmit on the first two duplicate ACKs),
//      segmented by Eff.snd.MSS (MUST-16), with Nagle's algorithm (RFC 9293
//      3.7.4, SHOULD-7) and sender SWS avoidance (3.8.6.2.1, MUST-38), and the
//      FIN piggy-backed after the last byte; a one-byte zero-window probe
//      when the persist timer fired (3.8.6.1);
//   5. a pure ACK when one is owed (immediate or delayed-ACK timer expiry).
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
  bool fast = false;  // fast retransmission: SND.NXT does not move
};

std::optional<Segment> Connection::poll_output(Instant now) {
  run_timers(now);
  const auto p = plan();
  if (!p) {
    arm_timers(now);
    return std::nullopt;
  }
  Segment seg;
  seg.tcp = build(*p, now);
  if (p->kind == Plan::Kind::data && p->len > 0) {
    seg.payload.resize(p->len);
    const std::size_t copied = tx_.peek(p->offset, seg.payload);
    WIRESTACK_ASSERT(copied == p->len);
  }
  arm_timers(now);
  return seg;
}

bool Connection::poll_output_view(Instant now, TcpRepr& header, storage::SpanPair& payload) {
  run_timers(now);
  const auto p = plan();
  if (!p) {
    arm_timers(now);
    return false;
  }
  header = build(*p, now);
  payload = p->kind == Plan::Kind::data && p->len > 0 ? tx_.peek_spans(p->offset, p->len) : storage::SpanPair{};
  arm_timers(now);
  return true;
}

std::optional<Instant> Connection::poll_at() const {
  if (plan()) return Instant::min();
  std::optional<Instant> t;
  if (timer_ != Timer::none) t = timer_at_;
  if (delack_at_ && (!t || *delack_at_ < *t)) t = delack_at_;
  return t;
}

std::optional<Connection::Plan> Connection::plan() const {
  if (pending_rst_) return Plan{.kind = Plan::Kind::rst};
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

  // Fast retransmit / NewReno partial ACK: the first unacknowledged segment.
  if (fast_rtx_) {
    const std::uint32_t len = std::min<std::uint32_t>(snd_mss_, queued);
    const bool fin = fin_unacked && len == queued && snd_max_ - snd_una_ > static_cast<std::int32_t>(len);
    if (len > 0 || fin) {
      return Plan{.kind = Plan::Kind::data, .seq = snd_una_, .offset = 0, .len = len, .fin = fin, .fast = true};
    }
  }

  // The next SACK hole (RFC 6675 spirit), one per duplicate ACK in recovery.
  if (sack_rtx_) {
    if (const auto hole = next_hole()) {
      return Plan{.kind = Plan::Kind::data,
                  .seq = snd_una_ + hole->first,
                  .offset = hole->first,
                  .len = hole->second,
                  .fin = false,
                  .fast = true};
    }
  }

  const std::uint32_t offset = distance(snd_una_, snd_nxt_);
  const std::uint32_t avail = queued > offset ? queued - offset : 0;
  const std::uint32_t flight = offset;
  // RFC 3042 limited transmit: the first two duplicate ACKs each allow one
  // new segment beyond cwnd (cwnd itself is unchanged).
  std::uint32_t cwnd = cc_.cwnd();
  if (!cc_.in_recovery() && dupacks_ > 0 && dupacks_ < 3 && snd_nxt_ == snd_max_) {
    cwnd += std::uint32_t{dupacks_} * snd_mss_;
  }
  const std::uint32_t wnd = std::min(snd_wnd_, cwnd);
  const std::uint32_t usable = wnd > flight ? wnd - flight : 0;
  const bool retransmit = snd_nxt_ < snd_max_;
  std::uint32_t len = std::min({avail, std::uint32_t{snd_mss_}, usable});
  bool probe = false;
  if (len == 0 && avail > 0 && force_probe_) {
    len = 1;  // RFC 9293 3.8.6.1: a zero-window probe carries one byte
    probe = true;
  }
  const bool fin_here = fin_unacked && offset <= queued && offset + len == queued;
  if (len > 0 && len < snd_mss_ && !probe && !retransmit) {
    if (len < avail) {
      // Window-limited. Sender SWS avoidance (RFC 9293 3.8.6.2.1): send a
      // short segment only if it is at least half the largest window the
      // peer offered, or nothing is in flight (else wait for ACKs).
      if (!(len >= max_snd_wnd_ / 2 || flight == 0)) len = 0;
    } else if (cfg_.nagle && flight > 0 && !fin_here) {
      // Nagle (RFC 9293 3.7.4, RFC 896): hold a short segment while data
      // is unacknowledged, unless it can carry the FIN.
      len = 0;
    }
  }
  const bool fin = fin_unacked && offset <= queued && offset + len == queued;
  if (len > 0 || fin) {
    return Plan{.kind = Plan::Kind::data, .seq = snd_nxt_, .offset = offset, .len = len, .fin = fin};
  }
  if (ack_now_) return Plan{.kind = Plan::Kind::ack, .seq = snd_nxt_};
  // RFC 9293 3.8.4: a keep-alive probe is an ACK with SEG.SEQ = SND.NXT - 1
  // and no data (MUST-28-friendly: the peer answers with an ACK).
  if (keepalive_probe_) return Plan{.kind = Plan::Kind::ack, .seq = snd_nxt_ - 1};
  return std::nullopt;
}

std::uint16_t Connection::window_field(bool syn) const {
  const std::uint32_t free = recv_window();
  // RFC 7323 2.2: the window in a SYN is not scaled.
  const std::uint32_t w = syn ? free : free >> rcv_wscale_;
  return static_cast<std::uint16_t>(std::min<std::uint32_t>(w, 0xffff));
}

TcpRepr Connection::header(SeqNum seq, TcpFlags flags, Instant now) const {
  TcpRepr r{.src_port = local_.port, .dst_port = remote_.port, .seq = seq.value(), .flags = flags};
  if (flags.ack()) r.ack = rcv_nxt_.value();
  r.window = window_field(flags.syn());
  if (ts_ok_) r.options.timestamps = Timestamps{.tsval = ts_now(now), .tsecr = ts_recent_};
  // RFC 2018 4: SACK blocks in ACKs while out-of-order data is held (three
  // fit next to the timestamps option, four without).
  if (sack_ok_ && flags.ack() && !flags.syn() && !ooo_.is_empty()) {
    for (const auto& b : ooo_.sack_blocks(ts_ok_ ? 3 : 4)) {
      r.options.add_sack(SackBlock{.left = (rcv_nxt_ + b.offset).value(), .right = (rcv_nxt_ + b.end()).value()});
    }
  }
  return r;
}

TcpRepr Connection::build(const Plan& p, Instant now) {
  TcpRepr out;
  switch (p.kind) {
    case Plan::Kind::rst: {
      const PendingRst r = *pending_rst_;
      pending_rst_.reset();
      out = TcpRepr{.src_port = local_.port,
                        .dst_port = remote_.port,
                        .seq = r.seq,
                        .ack = r.ack,
                        .flags = TcpFlags{static_cast<std::uint16_t>(TcpFlags::kRst | (r.with_ack ? TcpFlags::kAck : 0))}};
      return out;
    }
    case Plan::Kind::syn: {
      const bool active = state_ == State::syn_sent;
      // SYN-SENT sends <SEQ=ISS><CTL=SYN>; SYN-RECEIVED <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>.
      const TcpFlags flags{static_cast<std::uint16_t>(TcpFlags::kSyn | (active ? 0 : TcpFlags::kAck))};
      out = TcpRepr{.src_port = local_.port, .dst_port = remote_.port, .seq = iss_.value(), .flags = flags};
      if (!active) out.ack = rcv_nxt_.value();
      out.window = window_field(true);
      // RFC 9293 3.7.1 (MUST-14 / SHOULD): MSS in every SYN; the rest as
      // configured (SYN) or as negotiated (SYN-ACK: only what the peer offered).
      out.options.mss = cfg_.mss;
      if (active ? cfg_.window_scale > 0 : ws_ok_) out.options.window_scale = cfg_.window_scale;
      out.options.sack_permitted = active ? cfg_.sack : sack_ok_;
      if (active ? cfg_.timestamps : ts_ok_) {
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
      }
      return out;
    }
    case Plan::Kind::data: {
      TcpFlags flags{TcpFlags::kAck};
      if (p.len > 0 && p.offset + p.len == tx_.size()) flags.set_psh(true);
      if (p.fin) flags.set_fin(true);
      out = header(p.seq, flags, now);
      WIRESTACK_ASSERT(std::size_t{p.offset} + p.len <= tx_.size());  // the payload is peeked by the caller
      const SeqNum end = p.seq + p.len + (p.fin ? 1 : 0);
      const bool again = p.seq < snd_max_;
      if (again) {
        ++retransmits_;
        ts_last_rtx_ = ts_now(now);
        ts_rtx_seen_ = true;
        rtt_timer_.on_retransmit();  // Karn: no sample from this range
      } else {
        rtt_timer_.start(end, now);
      }
      if (!p.fast) {
        snd_nxt_ = end;
        if (snd_max_ < end) snd_max_ = end;
      }
      if (p.fast) {
        // Everything below this end has now been retransmitted in this recovery.
        if (rtx_next_ < end || rtx_next_ < snd_una_) rtx_next_ = end;
      }
      fast_rtx_ = false;
      sack_rtx_ = false;
      force_probe_ = false;
      // RFC 6298 5.1: "Every time a packet containing data is sent (including
      // a retransmission), if the timer is not running, start it running".
      if (timer_ != Timer::retransmit) {
        timer_ = Timer::retransmit;
        timer_at_ = now + rtt_.rto();
      }
      break;
    }
    case Plan::Kind::ack:
      out = header(p.seq, TcpFlags{TcpFlags::kAck}, now);
      break;
    default:
      break;
  }
  // Any segment with ACK settles what we owed.
  ack_now_ = false;
  keepalive_probe_ = false;
  delack_at_.reset();
  bytes_since_ack_ = 0;
  last_ack_sent_ = rcv_nxt_;
  return out;
}

}  // namespace wirestack::tcp
