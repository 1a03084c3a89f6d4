// tcp/connection_buffers.cpp — buffer autotuning: the receive ring grows to
// what the reader takes per round trip, the send ring to twice the
// congestion window (docs/TCP.md "Buffer autotuning").
//
// A fixed 64 KiB window caps one connection at 64 KiB per round trip: 262
// Mbit/s over a 2 ms path, whatever the link. Linux sizes the receive buffer
// by dynamic right-sizing (Fisher, "Dynamic Right-Sizing in TCP", 2001;
// tcp_rcv_space_adjust): once per round trip it counts the bytes the reader
// took in that round trip and, if that exceeds the last count, sets the
// buffer to twice it plus sixteen segments, plus twice the growth seen (a
// sender in slow start doubles per round trip), up to tcp_rmem[2]. The round
// trip is the receiver's own estimate (tcp_rcv_rtt_update): from timestamps
// when both ends use them (the time since the ACK whose TSval a full-sized
// segment echoes), else the time RCV.NXT takes to advance one window. The
// reader's pace, not the arrivals', drives it: an application that does not
// read never makes its buffer grow. The send buffer follows the congestion
// window (tcp_sndbuf_expand: twice cwnd, at least twice the initial window)
// up to tcp_wmem[2], so a sender is not limited by its own ring.
#include <algorithm>
#include <chrono>

#include "tcp/connection.hpp"

namespace wirestack::tcp {

namespace {
// Linux tcp_rcv_rtt_update: the estimate is kept x8. With a timestamp
// sample it moves by an eighth of the difference; a window-based sample
// (an upper bound: it includes the time the sender took to fill the window)
// only ever lowers it.
std::uint32_t rcv_rtt_update(std::uint32_t est8, std::uint32_t sample_us, bool window_based) {
  const std::uint64_t s8 = std::uint64_t{sample_us} * 8;
  const auto clamp32 = [](std::uint64_t v) { return static_cast<std::uint32_t>(std::min<std::uint64_t>(v, 0xffffffffu)); };
  if (est8 == 0) return clamp32(s8);
  if (window_based) return s8 < est8 ? clamp32(s8) : est8;
  return clamp32(std::uint64_t{est8} - est8 / 8 + sample_us);
}

std::uint32_t micros_of(Duration d) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(us, 1, 0xffffffff));
}
}  // namespace

void Connection::set_recv_capacity(std::uint32_t bytes) {
  rx_.set_capacity(bytes);
  // More window, more room for holes: the out-of-order table may hold as
  // many ranges as a fresh connection with this buffer would.
  ooo_.raise_max_ranges(ranges_for_buffer(bytes, storage::Assembler::kDefaultMaxRanges));
}

void Connection::tune_receive(const TcpRepr& seg, std::size_t len, Instant now) {
  // Without window scaling no window can say more than 65,535 bytes.
  const std::uint32_t ceiling = ws_ok_ ? cfg_->recv_buffer_max() : std::min<std::uint32_t>(cfg_->recv_buffer_max(), 65535);
  if (rx_.capacity() >= ceiling) return;  // fixed, or already at the ceiling
  if (!rcv_tune_) {
    // Linux tcp_init_buffer_space: the first measurement expects an initial
    // window (ten segments). Until that much has arrived nothing can grow,
    // so a request/response exchange never allocates the state.
    const auto first = static_cast<std::uint32_t>(std::min<std::size_t>(rx_.capacity(), 10u * rcv_mss_));
    if (distance(irs_ + 1, rcv_nxt_) <= first) return;
    rcv_tune_ = std::make_unique<RecvTuning>();
    rcv_tune_->space = first;
    rcv_tune_->space_seq = next_read();
    rcv_tune_->space_time = now;
  }
  RecvTuning& t = *rcv_tune_;

  // The receiver's RTT (Linux tcp_rcv_rtt_measure_ts / tcp_rcv_rtt_measure).
  if (ts_ok_) {
    // A full-sized segment echoes the TSval of the last ACK the sender had
    // when it sent: now minus that is a round trip (plus the sender's delay).
    if (seg.options.timestamps && seg.options.timestamps->tsecr != 0 && len >= rcv_mss_) {
      if (auto rtt = rtt_from_timestamps(ts_now(now), seg.options.timestamps->tsecr, std::chrono::milliseconds{1})) {
        // Our clock ticks in milliseconds: a sample of 0 is "under one tick".
        const std::uint32_t us = std::max<std::uint32_t>(micros_of(*rtt), 1000);
        t.rtt_us8 = rcv_rtt_update(t.rtt_us8, us, false);
      }
    }
  } else {
    if (t.rtt_time != Instant::min() && !(rcv_nxt_ < t.rtt_seq)) {
      t.rtt_us8 = rcv_rtt_update(t.rtt_us8, micros_of(now - t.rtt_time), true);
      t.rtt_time = Instant::min();
    }
    if (t.rtt_time == Instant::min()) {
      t.rtt_seq = rcv_nxt_ + rcv_wnd();
      t.rtt_time = now;
    }
  }

  // Once per round trip: how much did the reader take? (tcp_rcv_space_adjust)
  if (t.rtt_us8 == 0 || now - t.space_time < std::chrono::microseconds{t.rtt_us8 / 8}) return;
  const std::uint32_t copied = distance(t.space_seq, next_read());
  if (copied > t.space) {
    // Twice what was read (a window to cope with a loss in steady state)
    // and sixteen segments of cushion; plus twice the growth, for a sender
    // that is still speeding up (slow start doubles per round trip).
    std::uint64_t win = 2 * std::uint64_t{copied} + 16 * std::uint64_t{rcv_mss_};
    win += 2 * (win * (copied - t.space) / t.space);
    const auto bytes = static_cast<std::uint32_t>(std::min<std::uint64_t>(win, ceiling));
    if (bytes > rx_.capacity()) set_recv_capacity(bytes);
    t.space = copied;
  }
  t.space_seq = next_read();
  t.space_time = now;
}

void Connection::tune_send() {
  if (tx_.capacity() >= cfg_->send_buffer_max()) return;
  const std::uint64_t segments = std::max<std::uint64_t>(cc_.cwnd(), 10 * std::uint64_t{snd_mss_});
  const std::uint64_t want = std::min<std::uint64_t>(2 * segments, cfg_->send_buffer_max());
  if (want > tx_.capacity()) tx_.set_capacity(want);
}

std::optional<Duration> Connection::receiver_rtt() const {
  if (!rcv_tune_ || rcv_tune_->rtt_us8 == 0) return std::nullopt;
  return std::chrono::microseconds{rcv_tune_->rtt_us8 / 8};
}

void Connection::set_recv_buffer(std::uint32_t bytes) {
  if (cfg_->recv_max_units != 0) cfg_.mutate().recv_max_units = 0;  // fixed from now on
  rcv_tune_.reset();
  set_recv_capacity(storage::RingBuffer::clamp(bytes));
}

void Connection::set_send_buffer(std::uint32_t bytes) {
  if (cfg_->send_max_units != 0) cfg_.mutate().send_max_units = 0;
  tx_.set_capacity(bytes);
}

}  // namespace wirestack::tcp
