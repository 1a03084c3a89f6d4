// tcp/connection_rate.cpp — what the congestion controller learns besides
// losses, and how the sender honours the pacing rate it asks for. The input
// and output paths only call in here:
//   * delivery rate samples (draft-cheng-iccrg-delivery-rate-estimation-02,
//     tcp/rate_sample.hpp): every data segment is recorded as it leaves
//     (on_data_sent, from build()); every ACK delivers what it covers or
//     SACKs (rate_begin_ack / rate_end_ack, around process_ack()'s work),
//     and its sample goes to CongestionControl::on_rate_sample();
//   * application-limited phases (draft 3.4, check_app_limited): when
//     poll_output() finds nothing to send;
//   * pacing (tcp/pacing.hpp): a data segment waits while pacing_holds(now)
//     (next_plan() in connection_output.cpp), poll_at() reports pacing_release().
// The state is the SendSide heap block, made with the first data segment
// and dropped once nothing is queued or in flight (C.delivered survives in
// delivered_; the pacing clock starts afresh: the first segment after an
// idle period leaves at once, as it would after any pause longer than its
// predecessor's pacing interval).
// Samples are taken only when someone uses them (Settings::rate_samples: the
// algorithm's wants_rate_samples(), or ConnectionConfig::rate_samples). Without
// them the block exists only while there is a pacing rate, for its clock;
// NewReno and CUBIC unpaced make none, and spend nothing per segment here
// (MinRTT, fed only by samples, then stays unknown; nothing else reads it).
#include <algorithm>

#include "tcp/connection.hpp"

namespace wirestack::tcp {

namespace {
// Records per connection: one per segment in flight; the bound matters only
// with many tiny segments (one per 256 bytes of send buffer, at least 1024:
// 24 KiB, and 4 MiB of send buffer allows 16384, 384 KiB).
std::size_t max_records(std::size_t send_buffer) { return std::max<std::size_t>(1024, send_buffer / 256); }
}  // namespace

void Connection::on_data_sent(SeqNum seq, SeqNum end, Instant now) {
  // 3.2: "if (SND.NXT == SND.UNA) /* no packets in flight yet? */" — here:
  // nothing outstanding (SND.MAX, not SND.NXT, which a go-back-N timeout
  // moves back while data is still out).
  const bool nothing_in_flight = snd_una_ == snd_max_;
  const std::uint64_t rate = pacing_rate();
  if (!send_side_) {
    // HyStart++ watches the initial slow start of a transfer, not of a
    // request: from ten segments queued (connection_hystart.cpp).
    const bool hystart = cfg_->hystart && cc_.ssthresh() == kInfiniteSsthresh && tx_.size() >= 10u * snd_mss_;
    if (!cfg_->rate_samples && rate == 0 && !hystart) return;  // nothing to record, no clock to run
    send_side_ = std::make_unique<SendSide>(delivered_, max_records(tx_.capacity()));
  }
  if (cfg_->rate_samples) send_side_->rate.on_send(seq, end, nothing_in_flight, now);
  send_side_->pacer.on_sent(distance(seq, end), rate, now);
}

void Connection::rate_begin_ack() {
  // Linux tcp_ack(): "prior_in_flight = tcp_packets_in_flight(tp)" before
  // the ACK changes anything.
  if (send_side_ && cfg_->rate_samples) send_side_->prior_in_flight = pipe();
}

void Connection::rate_end_ack(const TcpRepr& seg, Instant now) {
  if (!send_side_) return;
  if (cfg_->rate_samples) rate_sample(seg, now);
  if (snd_una_ == snd_max_ && tx_.size() == 0) drop_send_side();
}

void Connection::rate_sample(const TcpRepr& seg, Instant now) {
  SendSide& ss = *send_side_;
  // 3.3 "Upon receiving an ACK": UpdateRateSample() for every segment it
  // delivered, cumulatively (SND.UNA has moved already) or by SACK (blocks
  // outside what was sent are clipped by the estimator; bytes SACKed before
  // are not counted again), then GenerateRateSample().
  ss.rate.on_cumulative_ack(snd_una_, now);
  if (sack_ok_) {
    for (const SackBlock& b : seg.options.sacks()) ss.rate.on_sack(SeqNum(b.left), SeqNum(b.right), now);
  }
  if (auto rs = ss.rate.generate(now, rtt_.min_rtt(), ss.prior_in_flight)) {
    if (rs->rtt) rtt_.note_min_rtt(*rs->rtt);
    ss.last = *rs;
    cc_.on_rate_sample(*rs, now);
  }
}

void Connection::check_app_limited() {
  // Draft 3.4, called when poll_output() found nothing to send at all (no
  // segment waits for its pacing time, none for the congestion window's
  // room in loss recovery: NextSeg() rule (1) had nothing, so "all lost
  // packets have been retransmitted" whenever there is room for a segment):
  //   "if (C.write_seq - SND.NXT < SND.MSS and
  //        C.pending_transmissions == 0 and
  //        C.pipe < cwnd and
  //        C.lost_out <= C.retrans_out)
  //      C.app_limited = (C.delivered + C.pipe) ? : 1"
  // In bytes: "C.pipe < cwnd" is room for one more full segment.
  if (!send_side_ || !cfg_->rate_samples || !is_synchronized(state_)) return;
  const auto queued = static_cast<std::uint32_t>(tx_.size());
  const std::uint32_t offset = distance(snd_una_, snd_nxt_);
  const std::uint32_t unsent = queued > offset ? queued - offset : 0;
  if (unsent >= snd_mss_) return;
  const std::uint32_t in_pipe = pipe();
  if (std::uint64_t{in_pipe} + snd_mss_ > cc_.cwnd()) return;
  send_side_->rate.mark_app_limited(in_pipe);
}

void Connection::drop_send_side() {
  if (!send_side_) return;
  delivered_ = send_side_->rate.delivered();
  send_side_.reset();
}

}  // namespace wirestack::tcp
