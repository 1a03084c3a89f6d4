// tcp/connection_recovery.cpp — loss recovery on the sender's side: duplicate
// ACKs (RFC 5681/6582 without SACK), the SACK scoreboard and RFC 6675's
// recovery with it, RACK's marking of lost segments by time (RFC 8985 6.2)
// and its reordering timer. Connection::process_ack (connection_input.cpp)
// calls into it; the segments it marks lost go out from connection_output.cpp.
#include <algorithm>
#include <chrono>

#include "base/assert.hpp"
#include "tcp/connection.hpp"

namespace wirestack::tcp {

void Connection::on_dup_ack(Instant now) {
  if (sack_ok_) {
    // RFC 6675 5 (3): DupAcks counts outside loss recovery only; (3.1) "If
    // DupAcks >= DupThresh, go to step (4)". In recovery a duplicate ACK
    // inflates nothing: its SACK blocks shrink pipe instead.
    if (sack_recovery()) return;
    if (++dupacks_ >= 3) enter_sack_recovery(now);
    return;
  }
  if (cc_.in_recovery()) {
    cc_.on_dup_ack();  // RFC 5681 3.2 step 4: inflate
    return;
  }
  if (++dupacks_ != 3) return;
  // RFC 6582 3.2 step 2: only when the ACK covers more than "recover" (a
  // fresh loss, not the tail of the previous recovery).
  if (!(snd_una_ > recover_) && recover_ != iss_) return;
  // RFC 5681 3.2 steps 2-3 (fast retransmit): ssthresh, then retransmit the
  // lost segment and inflate cwnd (in CongestionControl::enter_recovery).
  recover_ = snd_max_;
  // RFC 3522 (Eifel) without SACK: the episode (Linux keeps retrans_stamp
  // for Reno too); the ACK that ends recovery may take the cut back.
  if (ts_ok_) undo_begin();
  cc_.enter_recovery(distance(snd_una_, snd_max_), now);
  fast_rtx_ = true;
}

void Connection::enter_sack_recovery(Instant now) {
  // RFC 6675 5 (4.1): "RecoveryPoint = HighData. When the TCP sender receives
  // a cumulative ACK for this data octet, the loss recovery phase is
  // terminated." (4.2): "ssthresh = cwnd = (FlightSize / 2)" (CUBIC: beta).
  // (4.3): "Retransmit the first data segment presumed dropped -- the segment
  // starting with sequence number HighACK + 1" (fast_rtx_, see plan()).
  // (4.4) onwards: plan() sends NextSeg() while cwnd - pipe >= 1 SMSS.
  // RFC 6937 3: "At the beginning of recovery, initialize PRR state":
  // ssthresh from the algorithm, prr_delivered = prr_out = 0, RecoverFS =
  // snd.nxt - snd.una (the FlightSize ssthresh came from, below).
  // Until an ACK delivers data, cwnd = pipe: nothing leaves but the fast
  // retransmission (fast_rtx_, outside cwnd, as the forced first segment of
  // Linux's tcp_cwnd_reduction). The ACK that started recovery, if one did,
  // is then counted by prr_on_ack() (process_ack).
  // FlightSize, limited transmit's segments included (RFC 6675 (4.2) would
  // leave them out, as Linux's cwnd-based cut does: tried, and over twelve
  // seeds of SackRecovery's 5 % loss goodput fell from 320 to 229 Mbit/s).
  recover_ = snd_max_;
  const std::uint32_t flight = distance(snd_una_, snd_max_);
  undo_begin();  // RFC 3708 / RFC 3522: cwnd and ssthresh before the cut
  cc_.enter_sack_recovery(flight, now);
  fast_rtx_ = covering(snd_una_) == nullptr;
  Scoreboard& sb = scoreboard();
  sb.prr_delivered = 0;
  sb.prr_out = 0;
  sb.recover_fs = flight;
  cc_.set_recovery_cwnd(pipe());
  sb.rescue_set = false;
  tlp_probe_ = false;
  arm_loss_probe(now);
}

void Connection::prr_on_ack(std::uint32_t delivered, bool una_advanced) {
  // RFC 6937 3, on every ACK during recovery (Linux tcp_cwnd_reduction):
  //   DeliveredData = change_in(snd.una) + change_in(SACKd)
  //   prr_delivered += DeliveredData
  //   if (pipe > ssthresh)  // Proportional Rate Reduction
  //     sndcnt = CEIL(prr_delivered * ssthresh / RecoverFS) - prr_out
  //   else                  // PRR-SSRB (slow start reduction bound)
  //     sndcnt = MIN(ssthresh - pipe, MAX(prr_delivered - prr_out, DeliveredData) + MSS)
  //   cwnd = pipe + sndcnt
  // As Linux: the SSRB's extra MSS only when SND.UNA advanced (a duplicate
  // ACK in that phase sends what it delivered, no more), an ACK that
  // delivered nothing changes nothing, and the first ACK of a recovery
  // sends at least one segment (the fast retransmission).
  if (delivered == 0 || !sb_) return;
  Scoreboard& sb = *sb_;
  sb.prr_delivered += delivered;
  const std::uint64_t ssthresh = cc_.ssthresh();
  const std::uint32_t in_pipe = pipe();
  std::int64_t sndcnt = 0;
  if (in_pipe > ssthresh) {
    // CEIL in segments, as the RFC's examples and Linux count (in bytes the
    // allowance would lag by half a segment and send one ACK later).
    const std::uint64_t fs = std::max<std::uint32_t>(sb.recover_fs, 1);
    const std::uint64_t mss = snd_mss_;
    const std::uint64_t allowed = (std::uint64_t{sb.prr_delivered} * ssthresh + fs * mss - 1) / (fs * mss) * mss;
    sndcnt = static_cast<std::int64_t>(allowed) - std::int64_t{sb.prr_out};
  } else {
    std::int64_t limit = std::max<std::int64_t>(std::int64_t{sb.prr_delivered} - sb.prr_out, delivered);
    if (una_advanced) limit += snd_mss_;
    sndcnt = std::min<std::int64_t>(static_cast<std::int64_t>(ssthresh - in_pipe), limit);
  }
  sndcnt = std::max<std::int64_t>(sndcnt, sb.prr_out == 0 ? std::int64_t{snd_mss_} : 0);
  cc_.set_recovery_cwnd(std::uint64_t{in_pipe} + static_cast<std::uint64_t>(sndcnt));
}

// --- Undo of spurious reductions (RFC 3708, RFC 3522) ------------------------

void Connection::undo_begin() {
  // Linux tcp_init_undo: the episode starts at SND.UNA, nothing retransmitted
  // yet. An RTO in the middle of a fast recovery keeps the recovery's
  // episode (what to restore is what came before both).
  Scoreboard& sb = scoreboard();
  if (sb.undo_set && !sb.undo_ended && rto_recovery_) return;
  sb.undo_set = true;
  sb.undo_ended = false;
  sb.undo_marker = snd_una_;
  sb.undo_cwnd = cc_.cwnd();
  sb.undo_ssthresh = cc_.ssthresh();
  sb.undo_retrans = 0;
  sb.undo_acks = 0;
  sb.retrans_stamped = false;
}

void Connection::undo_on_dsack(const TcpRepr& seg, SeqNum ack) {
  // RFC 2883 4: a D-SACK is the first block, below the cumulative ACK or
  // inside the second block. RFC 3708 2: "if all retransmissions of the
  // episode are D-SACKed, the retransmissions were unnecessary" (Linux
  // tcp_check_dsack / tcp_try_undo_dsack with undo_retrans, counted here in
  // bytes). Only blocks at or above the episode's start, up to SND.MAX.
  Scoreboard& sb = *sb_;
  if (!sb.retrans_stamped) return;  // nothing retransmitted: a duplicate the network made
  const auto blocks = seg.options.sacks();
  const SeqNum l(blocks[0].left);
  const SeqNum r(blocks[0].right);
  if (!(l < r) || l < sb.undo_marker || snd_max_ < r) return;
  const bool dsack =
      l < ack || (blocks.size() >= 2 && SeqNum(blocks[1].left) <= l && r <= SeqNum(blocks[1].right));
  if (!dsack) return;
  sb.undo_retrans -= std::min(distance(l, r), sb.undo_retrans);
  if (sb.undo_retrans == 0) undo_reduction(Event::undo_dsack);
}

bool Connection::undo_by_timestamps(const TcpRepr& seg) const {
  // RFC 3522 (Eifel detection), Linux tcp_packet_delayed: an ACK that
  // echoes a TSval older than our first retransmission of the episode was
  // sent for an original transmission: the retransmission was not needed.
  return ts_ok_ && sb_ && sb_->undo_set && sb_->retrans_stamped && seg.options.timestamps &&
         seg.options.timestamps->tsecr != 0 &&
         static_cast<std::int32_t>(seg.options.timestamps->tsecr - sb_->retrans_stamp) < 0;
}

void Connection::undo_reduction(Event why) {
  // RFC 4015 / Linux tcp_undo_cwnd_reduction: cwnd and ssthresh back to what
  // they were, the recovery (fast or after an RTO) over, its loss marks and
  // retransmissions forgotten (they were delivered twice).
  Scoreboard& sb = *sb_;
  cc_.undo(sb.undo_cwnd, sb.undo_ssthresh);
  sb.undo_set = false;
  sb.rtx.clear();
  sb.rescue_set = false;
  if (sb.rack_lost > snd_una_) sb.rack_lost = snd_una_;
  rto_recovery_ = false;
  fast_rtx_ = false;
  dupacks_ = 0;
  sb.end_frto();
  // Without SACK a timeout went back to SND.UNA: what is in flight was not
  // lost after all, so nothing of it is sent again (Linux clears the loss
  // marks: tcp_undo_cwnd_reduction(sk, true)).
  if (!sack_ok_) snd_nxt_ = snd_max_;
  hook_.event(why);
}

void Connection::frto_loss_was_real() {
  // RFC 5682 2.1 step 3a: "If the acknowledgment is a duplicate ACK ...
  // continue with the slow start algorithm retransmitting unacknowledged
  // segments" (cwnd is at most 3 SMSS here: 1 after the timeout, one more
  // per ACK since).
  sb_->end_frto();
  if (!sack_ok_) snd_nxt_ = snd_una_;  // go-back-N from the hole
}

Connection::Scoreboard& Connection::scoreboard() {
  if (!sb_) {
    sb_ = std::make_unique<Scoreboard>(ranges_for_buffer(static_cast<std::uint32_t>(tx_.capacity()), Scoreboard::kMinRanges));
    // Sequence marks start at SND.UNA (SeqNum{} could lie "above" it).
    sb_->rescue = sb_->rack_lost = sb_->reo_mark = sb_->delivered = snd_una_;
  }
  return *sb_;
}

void Connection::drop_scoreboard() { sb_.reset(); }

std::uint32_t Connection::sacked_bytes() const {
  std::uint32_t n = 0;
  if (sb_) {
    for (const auto& r : sb_->sacked.ranges()) n += r.size;
  }
  return n;
}

void Connection::record_sacks(const TcpRepr& seg) {
  // RFC 2018 / RFC 6675 scoreboard: blocks inside (SND.UNA, SND.MAX] only
  // (RFC 5961-style sanity: anything else is ignored, D-SACKs included; a
  // block starting at SND.UNA would contradict the cumulative ACK).
  // Checked as offsets from SND.UNA, not by comparing sequence numbers: a
  // block some 2^31 away passes every pairwise serial comparison (each
  // difference wraps), and a forged one put a range far beyond SND.MAX into
  // the scoreboard (found by fuzz_tcp_stateful: the rescue retransmission
  // then planned data that was never queued, and an assertion stopped us).
  const std::uint32_t flight = distance(snd_una_, snd_max_);
  for (const SackBlock& b : seg.options.sacks()) {
    const std::uint32_t from = b.left - snd_una_.value();
    const std::uint32_t to = b.right - snd_una_.value();
    if (!(0 < from && from < to && to <= flight)) continue;
    if (!scoreboard().sacked.add(from, to - from)) break;  // full: keep what we have
  }
}

void Connection::shift_sacked(std::uint32_t acked) {
  // The scoreboard's offsets are from SND.UNA, which moved by `acked`:
  // rebuild it (at most ranges_for_buffer(send_buffer) entries).
  if (!sb_ || sb_->sacked.is_empty()) return;
  storage::Assembler& sacked = sb_->sacked;
  std::vector<storage::AssemblerRange> keep;
  keep.reserve(sacked.range_count());
  for (const auto& r : sacked.ranges()) {
    if (r.end() <= acked) continue;
    const std::uint32_t start = r.offset > acked ? r.offset - acked : 0;
    keep.push_back(storage::AssemblerRange{.offset = start, .size = r.end() - acked - start});
  }
  sacked.clear();
  for (const auto& r : keep) {
    if (r.offset == 0) continue;  // cumulatively acknowledged territory next
    if (!sacked.add(r.offset, r.size)) break;
  }
}

void Connection::update_retransmissions(Instant now) {
  // After the ACK's cumulative part and SACK blocks are in (RFC 8985 6.2,
  // "Upon receiving an ACK"), in sequence form:
  //  * retransmissions acknowledged or SACKed were delivered: every earlier
  //    retransmission still unSACKed is lost (step 5: "a segment is lost if
  //    a segment sent after it has been delivered"), and so is, after the
  //    reordering window, every original transmission below its fence;
  //  * a retransmission below SACKed data that was first sent after it (at
  //    or above its fence) is lost too;
  //  * the highest SACKed octet was an original transmission: every
  //    unSACKed original below it was sent earlier and is lost after the
  //    reordering window (the RACK timer, run_reordering_timer()).
  // NextSeg() may then send lost retransmissions again (RFC 6675 alone would
  // wait for the RTO). Without a recovery, SACKed data or pending marks, the
  // heap part goes.
  Scoreboard& sb = *sb_;
  const bool any_sacked = !sb.sacked.is_empty();
  const SeqNum high_sacked = any_sacked ? snd_una_ + sb.sacked.ranges().back().end() : snd_una_;
  SeqNum delivered = std::max(sb.delivered, high_sacked);
  std::uint32_t delivered_stamp = 0;
  bool rtx_delivered = false;
  std::erase_if(sb.rtx, [&](const Retransmission& r) {
    const SeqNum from = std::max(r.begin, snd_una_);
    if (r.end <= snd_una_ || (any_sacked && sb.sacked.contains(distance(snd_una_, from), distance(from, r.end)))) {
      if (!rtx_delivered || static_cast<std::int32_t>(r.stamp - delivered_stamp) > 0) delivered_stamp = r.stamp;
      rtx_delivered = true;
      delivered = std::max(delivered, r.fence);
      return true;
    }
    return false;
  });
  std::erase_if(sb.rtx, [&](const Retransmission& r) {
    if (rtx_delivered && static_cast<std::int32_t>(r.stamp - delivered_stamp) < 0) return true;
    return any_sacked && high_sacked > r.fence;
  });
  sb.delivered = delivered;
  if (sb.reo_pending && sb.reo_mark <= snd_una_) sb.reo_pending = false;  // all acknowledged meanwhile
  const SeqNum lost = std::max(sb.rack_lost, snd_una_);
  if (!sb.reo_pending && delivered > lost) {
    // RFC 8985 6.2 step 4: "RACK.reo_wnd = min(RACK.min_RTT / 4, SRTT)" (SRTT / 4 here).
    sb.reo_pending = true;
    sb.reo_mark = delivered;
    sb.reo_at = now + rtt_.srtt().value_or(rtt_.rto()) / 4;
  }
  // An ended episode's undo waits two more ACKs (a D-SACK for a late
  // retransmission comes right after the ACK that ended it) or until
  // SND.UNA passes what was in flight when it ended.
  if (sb.undo_set && sb.undo_ended && (++sb.undo_acks > 2 || sb.undo_until < snd_una_)) sb.undo_set = false;
  if (!sack_recovery() && sb.rtx.empty() && sb.sacked.is_empty() && !sb.reo_pending && !sb.undo_set) drop_scoreboard();
}

void Connection::run_reordering_timer(Instant now) {
  // RFC 8985 6.3: the reordering window has passed: the originals below the
  // mark are lost; loss recovery starts if it is not running (RFC 8985 6.2
  // step 5 / RFC 6675 5 (3.2)); a later mark arms the timer again.
  if (!sb_ || !sb_->reo_pending || now < sb_->reo_at) return;
  Scoreboard& sb = *sb_;
  sb.reo_pending = false;
  if (sb.reo_mark > sb.rack_lost || sb.rack_lost < snd_una_) sb.rack_lost = sb.reo_mark;
  if (sb.delivered > sb.rack_lost) {
    sb.reo_pending = true;
    sb.reo_mark = sb.delivered;
    sb.reo_at = now + rtt_.srtt().value_or(rtt_.rto()) / 4;
  }
  if (is_synchronized(state_) && !sack_recovery() && snd_una_ != snd_max_ && lost_end() > 0) {
    enter_sack_recovery(now);
  }
}

}  // namespace wirestack::tcp
