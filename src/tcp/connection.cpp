// tcp/connection.cpp — construction, the application-facing calls (RFC 9293
// 3.10.1 - 3.10.5: OPEN, SEND, RECEIVE, CLOSE, ABORT) and shared helpers.
// Input is in connection_input.cpp (loss recovery in connection_recovery.cpp),
// output in connection_output.cpp, timers in connection_timers.cpp.
#include "tcp/connection.hpp"

#include <algorithm>
#include <chrono>

namespace wirestack::tcp {


std::string_view to_string(Error e) {
  switch (e) {
    case Error::refused: return "refused";
    case Error::reset: return "reset";
    case Error::timed_out: return "timed out";
    default: return "?";
  }
}
std::ostream& operator<<(std::ostream& os, Error e) { return os << to_string(e); }

std::ostream& operator<<(std::ostream& os, SendError e) {
  switch (e) {
    case SendError::closed: return os << "closed";
    case SendError::would_block: return os << "would block";
    default: return os << "?";
  }
}

namespace {
std::uint32_t clamp_u32(std::int64_t v) { return static_cast<std::uint32_t>(std::clamp<std::int64_t>(v, 0, 0xffffffff)); }
std::uint32_t micros(Duration d) { return clamp_u32(std::chrono::duration_cast<std::chrono::microseconds>(d).count()); }
// Rounded down (a ceiling is not exceeded), at most 1 GiB.
std::uint16_t buffer_units(std::uint32_t bytes) {
  return static_cast<std::uint16_t>(std::min<std::uint32_t>(bytes / 4096, (1u << 30) / 4096 - 1));
}
std::uint32_t millis_at_least_1(Duration d) {
  return static_cast<std::uint32_t>(
      std::clamp<std::int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count(), 1, 0xffffffff));
}
}  // namespace

static_assert(kAlgorithmNames.size() <= 32, "Settings::congestion is a 5-bit field");

Connection::Settings::Settings(const ConnectionConfig& c)
    : delayed_ack_us(micros(c.delayed_ack_timeout)),
      time_wait_us(micros(c.time_wait)),
      challenge_ack_us(micros(c.challenge_ack_interval)),
      keepalive_idle_ms(millis_at_least_1(c.keepalive_idle)),
      keepalive_interval_ms(millis_at_least_1(c.keepalive_interval)),
      recv_max_units(buffer_units(c.recv_buffer_max)),
      send_max_units(buffer_units(c.send_buffer_max)),
      mss(std::max<std::uint16_t>(c.mss, 64)),  // RFC 9293 3.7.1: tiny MSS values are misuse
      window_scale(std::min<std::uint8_t>(c.window_scale, 14)),  // RFC 7323 2.3
      max_retries(c.max_retries),
      max_syn_retries(c.max_syn_retries),
      keepalive_probes(c.keepalive ? std::max<std::uint8_t>(c.keepalive_probes, 1) : 0),
      congestion(c.congestion),
      ecn(c.ecn),
      ecn_syn_ack(c.ecn_syn_ack),
      timestamps(c.timestamps),
      sack(c.sack),
      nagle(c.nagle),
      delayed_ack(c.delayed_ack),
      pacing(c.pacing),
      rate_samples(c.rate_samples),
      tso(c.tso),
      hystart(c.hystart) {
  // The algorithm stays the same for the connection's life (negotiation
  // only gives it the SMSS): ask once whether it wants rate samples.
  rate_samples = rate_samples || wants_rate_samples(c.congestion);
}

Connection::Connection(const ConnectionConfig& cfg, const IpEndpoint& local, const IpEndpoint& remote, std::uint32_t iss,
                       const SharedSettings* shared)
    : cfg_(shared != nullptr ? *shared : SharedSettings(cfg)),
      local_port_(local.port),
      remote_port_(remote.port),
      iss_(iss),
      snd_una_(iss),
      snd_nxt_(iss),
      snd_max_(iss),
      recover_(iss),
      snd_sml_(iss),
      tx_(cfg.send_buffer),
      rx_(cfg.recv_buffer),
      ooo_(ranges_for_buffer(cfg.recv_buffer, storage::Assembler::kDefaultMaxRanges)),
      rtt_(cfg.rtt),
      cc_(make_congestion(cfg.congestion, std::max<std::uint16_t>(cfg.mss, 64), CongestionOptions{.pacing = cfg.pacing})) {
  snd_mss_ = 536;  // RFC 9293 3.7.1 (MUST-15): the default without an MSS option
  rcv_mss_ = cfg_->mss;
  keepalive_probes_cfg_ = std::max<std::uint8_t>(cfg.keepalive_probes, 1);
}

std::ostream& operator<<(std::ostream& os, const Connection& c) {
  os << c.state() << " una=" << c.snd_una() << " nxt=" << c.snd_nxt() << " wnd=" << c.send_window()
     << " rcv.nxt=" << c.rcv_nxt() << " rcv.wnd=" << c.recv_window() << " cwnd=" << c.cwnd() << " ssthresh=";
  if (c.ssthresh() == kInfiniteSsthresh) {
    os << "inf";
  } else {
    os << c.ssthresh();
  }
  os << " rto=" << std::chrono::duration_cast<std::chrono::milliseconds>(c.rto()).count() << "ms";
  if (c.error()) os << " error=" << *c.error();
  return os;
}

Connection Connection::connect(const ConnectionConfig& cfg, const IpEndpoint& local, const IpEndpoint& remote, std::uint32_t iss,
                               Instant /*now: the SYN's timestamp is taken when it leaves*/,
                               const SharedSettings* shared) {
  Connection c(cfg, local, remote, iss, shared);
  // RFC 9293 3.10.1: "A SYN segment of the form <SEQ=ISS><CTL=SYN> is sent.
  // Set SND.UNA to ISS, SND.NXT to ISS+1, enter SYN-SENT state". The SYN
  // itself leaves on poll_output() (SND.NXT == ISS means "SYN not yet sent").
  c.set_state(State::syn_sent);
  return c;
}

Connection Connection::accept_syn(const ConnectionConfig& cfg, const IpEndpoint& local, const IpEndpoint& remote,
                                  const TcpRepr& syn, std::uint32_t iss, Instant /*now*/,
                                  const SharedSettings* shared) {
  Connection c(cfg, local, remote, iss, shared);
  c.passive_ = true;
  // RFC 9293 3.10.7.2 LISTEN, third: "Set RCV.NXT to SEG.SEQ+1, IRS is set to
  // SEG.SEQ ... ISS should be selected and a SYN segment sent of the form
  // <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. SND.NXT is set to ISS+1 and SND.UNA
  // to ISS. The connection state should be changed to SYN-RECEIVED."
  c.irs_ = SeqNum(syn.seq);
  c.rcv_nxt_ = c.irs_ + 1;
  c.last_ack_sent_ = c.rcv_nxt_;
  c.negotiate(syn.options);
  c.ecn_negotiate(syn);
  // The SYN-ACK (sent by poll_output(), or by the listener for a cookie)
  // announces min(buffer, 65535), unscaled.
  c.rcv_adv_ = c.rcv_nxt_;
  c.note_window_sent(c.window_field(true), true);
  if (c.ts_ok_) c.ts_recent_ = syn.options.timestamps->tsval;
  // The window in a SYN is never scaled (RFC 7323 2.2).
  c.snd_wnd_ = syn.window;
  c.max_snd_wnd_ = c.snd_wnd_;
  c.snd_wl1_ = c.irs_;
  c.snd_wl2_ = c.iss_;
  c.set_state(State::syn_received);
  return c;
}

Connection Connection::from_cookie(const ConnectionConfig& cfg, const IpEndpoint& local, const IpEndpoint& remote,
                                   const TcpRepr& syn, std::uint32_t iss, Instant now,
                                   const SharedSettings* shared) {
  Connection c = accept_syn(cfg, local, remote, syn, iss, now, shared);
  c.snd_nxt_ = c.iss_ + 1;  // the SYN-ACK left statelessly
  c.snd_max_ = c.snd_nxt_;
  c.last_ack_sent_ = c.rcv_nxt_;
  return c;
}

std::optional<TcpRepr> Connection::reset_for(const TcpRepr& seg, std::size_t payload_len) {
  // RFC 9293 3.10.7.1 CLOSED: "An incoming segment containing a RST is
  // discarded. An incoming segment not containing a RST causes a RST to be
  // sent in response. ... If the ACK bit is off, sequence number zero is used,
  // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. If the ACK bit is on,
  // <SEQ=SEG.ACK><CTL=RST>".
  if (seg.flags.rst()) return std::nullopt;
  TcpRepr r{.src_port = seg.dst_port, .dst_port = seg.src_port};
  if (seg.flags.ack()) {
    r.seq = seg.ack;
    r.flags = TcpFlags{TcpFlags::kRst};
  } else {
    const auto len = static_cast<std::uint32_t>(payload_len) + (seg.flags.syn() ? 1u : 0u) +
                     (seg.flags.fin() ? 1u : 0u);
    r.seq = 0;
    r.ack = seg.seq + len;
    r.flags = TcpFlags{TcpFlags::kRst | TcpFlags::kAck};
  }
  return r;
}

void Connection::negotiate(const TcpOptions& peer) {
  // RFC 9293 3.7.1 (MUST-15): no MSS option means 536. Eff.snd.MSS subtracts
  // the TCP options we put in every segment (RFC 9293 3.7.1 MUST-16: the
  // timestamps option, 12 bytes with its padding); the SACK blocks some
  // segments carry come off per segment (seg_mss(), RFC 6691).
  // RFC 9293 3.7.1: Eff.snd.MSS = min(SendMSS + 20, MMS_S) - 20 - options:
  // never more than our own egress takes (cfg_->mss: the path's MTU less the
  // headers), whatever the peer offers.
  const std::uint16_t peer_mss = std::min(peer.mss.value_or(536), cfg_->mss);
  // RFC 7323 2.2/3.2, RFC 2018 2: an option is used only if both SYNs carried it.
  ws_ok_ = cfg_->window_scale > 0 && peer.window_scale.has_value();
  if (ws_ok_) {
    // RFC 7323 2.3: a shift above 14 is used as 14.
    snd_wscale_ = std::min<std::uint8_t>(*peer.window_scale, 14);
    rcv_wscale_ = cfg_->window_scale;
  } else {
    snd_wscale_ = 0;
    rcv_wscale_ = 0;
  }
  sack_ok_ = cfg_->sack && peer.sack_permitted;
  ts_ok_ = cfg_->timestamps && peer.timestamps.has_value();
  const std::uint16_t opt = ts_ok_ ? 12 : 0;
  snd_mss_ = static_cast<std::uint16_t>(std::max<int>(peer_mss - opt, 64));
  rcv_mss_ = static_cast<std::uint16_t>(std::max<int>(cfg_->mss - opt, 64));
  cc_ = make_congestion(cfg_->congestion, snd_mss_, CongestionOptions{.pacing = cfg_->pacing});
}

void Connection::set_state(State to) {
  const State from = state_;
  if (from == to) return;
  state_ = to;
  hook_.notify(from, to);
}

void Connection::set_state_hook(StateHook hook) {
  struct Adapter final : StateObserver {
    explicit Adapter(StateHook hook) : f(std::move(hook)) {}
    void on_state(std::uint32_t /*tag*/, State from, State to) override { f(from, to); }
    StateHook f;
  };
  if (hook) {
    hook_.own(std::make_unique<Adapter>(std::move(hook)));
  } else {
    hook_.borrow(nullptr, 0);
  }
}

void Connection::enter_closed(std::optional<Error> err) {
  if (err && error_code_ == 0) error_code_ = static_cast<std::uint8_t>(static_cast<std::uint8_t>(*err) + 1) & 3;
  timer_ = Timer::none;
  delack_at_.reset();
  ack_now_ = false;
  fast_rtx_ = false;
  force_probe_ = false;
  keepalive_probe_ = false;
  tlp_probe_ = false;
  rto_recovery_ = false;
  drop_scoreboard();
  drop_send_side();
  rcv_tune_.reset();
  set_state(State::closed);
  // The buffers are no longer needed for sending; unread data stays readable.
  tx_.clear();
  tx_.shrink();
  ooo_.clear();
  ooo_.shrink();
}

void Connection::enter_time_wait(Instant now) {
  set_state(State::time_wait);
  // RFC 9293 3.10.7.4 eighth, FIN-WAIT-2: "Enter the TIME-WAIT state. Start
  // the time-wait timer, turn off the other timers."
  timer_ = Timer::time_wait;
  timer_at_ = now + cfg_->time_wait();
  fast_rtx_ = false;
  force_probe_ = false;
  tlp_probe_ = false;
  drop_scoreboard();  // everything we sent is acknowledged: no recovery state left
  drop_send_side();
  rcv_tune_.reset();
  tx_.shrink();
}

std::uint32_t Connection::ts_now(Instant now) const {
  // RFC 7323 5.4: a clock between 1 ms and 1 s per tick; ours is 1 ms.
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(ms));
}

std::size_t Connection::allocated_bytes() const {
  return tx_.heap_bytes() + rx_.heap_bytes() + ooo_.allocated_bytes() +
         (sb_ ? sizeof(Scoreboard) + sb_->sacked.allocated_bytes() + sb_->rtx.capacity() * sizeof(Retransmission)
              : 0) +
         (send_side_ ? sizeof(SendSide) + send_side_->rate.allocated_bytes() : 0) + (rcv_tune_ ? sizeof(RecvTuning) : 0);
}

// --- Application calls -------------------------------------------------------

Result<std::size_t, SendError> Connection::send(Bytes data) {
  // RFC 9293 3.10.2 SEND: allowed in SYN-SENT and SYN-RECEIVED (queued),
  // ESTABLISHED and CLOSE-WAIT; "connection closing" after CLOSE.
  switch (state_) {
    case State::syn_sent:
    case State::syn_received:
    case State::established:
    case State::close_wait:
      break;
    default:
      return Unexpected{SendError::closed};
  }
  if (fin_queued_) return Unexpected{SendError::closed};
  if (data.empty()) return std::size_t{0};
  if (tx_.free() == 0) return Unexpected{SendError::would_block};
  return tx_.write(data);
}

Result<std::size_t, SendError> Connection::send_urgent(Bytes data) {
  auto n = send(data);
  if (!n || *n == 0) return n;
  // The queue starts at SND.UNA, or after the SYN while it is unacknowledged.
  const SeqNum start = snd_una_ == iss_ ? iss_ + 1 : snd_una_;
  snd_up_ = start + static_cast<std::uint32_t>(tx_.size());
  snd_urgent_ = true;
  return n;
}

std::optional<std::uint32_t> Connection::urgent_pending() const {
  if (!rcv_urgent_ || !(next_read() < rcv_up_)) return std::nullopt;
  return distance(next_read(), rcv_up_);
}

SeqNum Connection::next_read() const {
  // RCV.NXT less what is queued in order (and the FIN's number).
  return rcv_nxt_ - static_cast<std::uint32_t>(rx_.size()) - (fin_received_ ? 1u : 0u);
}

bool Connection::on_path_mtu(std::uint16_t path_mss, SeqNum quoted_seq, Instant now) {
  if (!is_synchronized(state_) || state_ == State::time_wait) return false;
  if (quoted_seq < snd_una_ || !(quoted_seq < snd_max_)) return false;  // not in flight: ignored
  const std::uint16_t opt = ts_ok_ ? 12 : 0;
  const auto mss = static_cast<std::uint16_t>(std::max<int>(path_mss - opt, 64));
  if (mss >= snd_mss_) return false;  // RFC 1191: only ever lowered by a report
  snd_mss_ = mss;
  cc_.set_smss(mss);
  // Resend what is in flight, in the new size, from SND.UNA: every segment
  // of the old size was dropped on the way (go back N, no cwnd reduction).
  rto_recovery_ = false;
  fast_rtx_ = false;
  tlp_probe_ = false;
  tlp_out_ = false;
  dupacks_ = 0;
  drop_scoreboard();
  rtt_timer_.on_retransmit();  // Karn: no sample from the resent range
  snd_nxt_ = snd_una_;
  arm_timers(now);
  return true;
}

void Connection::set_keepalive(bool on) {
  const std::uint8_t probes = on ? keepalive_probes_cfg_ : 0;
  if (cfg_->keepalive_probes != probes) cfg_.mutate().keepalive_probes = probes;
  if (!on && timer_ == Timer::keepalive) timer_ = Timer::none;
  keepalives_sent_ = 0;
}

bool Connection::can_send() const {
  switch (state_) {
    case State::syn_sent:
    case State::syn_received:
    case State::established:
    case State::close_wait:
      return !fin_queued_ && tx_.free() > 0;
    default:
      return false;
  }
}

std::size_t Connection::recv(MutBytes out) {
  const std::uint32_t before = recv_window();
  const std::size_t n = rx_.read(out);
  if (n == 0) return 0;
  // RFC 9293 3.8.6.2.2 (receiver SWS avoidance, MUST-39): announce a larger
  // window only when it has grown by min(RCV.BUFF / 2, Eff.snd.MSS); the
  // larger edge rides on the next ACK. A pure window update goes out at once
  // only when the peer may be held back: the window it knows has fallen to
  // half the buffer or less and this read at least doubles it (Linux
  // tcp_cleanup_rbuf), or it opens from below one MSS (a zero window). A bulk
  // receiver that reads at once then sends one ACK per two segments
  // (schedule_ack), not one per read.
  const std::uint32_t after = recv_window();
  if (is_synchronized(state_) && state_ != State::time_wait && !fin_received_) {
    const std::uint32_t known = rcv_nxt_ < rcv_adv_ ? distance(rcv_nxt_, rcv_adv_) : 0;
    const std::uint32_t step = std::min<std::uint32_t>(static_cast<std::uint32_t>(rx_.capacity() / 2), rcv_mss_);
    const bool grew = after - before >= step;
    const bool peer_held = 2 * static_cast<std::uint64_t>(known) <= rx_.capacity() && after >= 2 * static_cast<std::uint64_t>(known);
    if ((grew && peer_held) || (known < rcv_mss_ && after >= rcv_mss_)) ack_now_ = true;
  }
  if (rx_.size() == 0 && rx_.pending() == 0) rx_release_pending_ = true;  // freed later if it stays empty
  if (rcv_urgent_ && !urgent_pending()) rcv_urgent_ = false;  // read past the urgent data
  return n;
}

void Connection::shutdown_send() {
  // RFC 9293 3.10.4 CLOSE: "Queue this until all preceding SENDs have been
  // segmentized, then form a FIN segment and send it" (ESTABLISHED ->
  // FIN-WAIT-1, CLOSE-WAIT -> LAST-ACK). In SYN-SENT / SYN-RECEIVED the FIN
  // waits for ESTABLISHED.
  if (fin_queued_) return;
  switch (state_) {
    case State::syn_sent:
    case State::syn_received:
      fin_queued_ = true;
      break;
    case State::established:
      fin_queued_ = true;
      set_state(State::fin_wait_1);
      break;
    case State::close_wait:
      fin_queued_ = true;
      set_state(State::last_ack);
      break;
    default:
      break;  // "error: connection closing" / does not exist: nothing to do
  }
}

void Connection::close() {
  // RFC 9293 3.10.4 SYN-SENT: "Delete the TCB and return 'error: closing'".
  if (state_ == State::syn_sent) {
    enter_closed(std::nullopt);
    return;
  }
  // RFC 9293 3.6 / RFC 1122 4.2.2.13 (SHOULD-3): closing with received data
  // still unread loses it; say so with a RST (as Linux does) instead of a FIN.
  if (rx_.size() > 0 && state_ != State::syn_received) {
    abort();
    return;
  }
  recv_closed_ = true;
  shutdown_send();
}

void Connection::abort() {
  // RFC 9293 3.10.5 ABORT: SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2,
  // CLOSE-WAIT: "Send a reset segment: <SEQ=SND.NXT><CTL=RST>"; other
  // states: just delete the TCB.
  switch (state_) {
    case State::syn_received:
      rst_seq_ = snd_max_.value();
      rst_pending_ = true;
      break;
    case State::established:
    case State::fin_wait_1:
    case State::fin_wait_2:
    case State::close_wait: {
      // Zero-window probes put SND.NXT past the window the peer offered, and
      // a peer drops a RST beyond its window without a word (RFC 5961 3.2;
      // a closed window takes only RCV.NXT): a client that stopped reading
      // would never learn of the abort. Like Linux's tcp_acceptable_seq, the
      // RST goes at the window's right edge then.
      const SeqNum edge = snd_una_ + snd_wnd_;
      rst_seq_ = (snd_max_ > edge ? edge : snd_max_).value();
      rst_pending_ = true;
      break;
    }
    default:
      break;
  }
  enter_closed(std::nullopt);
}

}  // namespace wirestack::tcp
