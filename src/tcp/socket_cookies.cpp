// tcp/socket_cookies.cpp — SYN cookies in the socket table
// (socket_table.hpp, tcp/syn_cookie.hpp): the stateless SYN-ACK sent while a
// listener's SYN queue is full, and the ACK that comes back rebuilding the
// connection (Linux's cookie_v4_check).
#include <algorithm>
#include <chrono>

#include "tcp/socket_table.hpp"

namespace wirestack::tcp {

void SocketTable::send_cookie_syn_ack(std::uint32_t lslot, const IpAddress& src, const IpAddress& dst, const TcpRepr& syn,
                                      Listener& l, Instant now) {
  const ConnectionConfig cfg = config_for(src, lslot);
  const SynCookie cookie =
      cookies_.issue(dst, syn.dst_port, src, syn.src_port, syn.seq, syn.options.mss, now, counters_.cookies);
  l.last_cookie = now;
  TcpRepr r{.src_port = syn.dst_port,
            .dst_port = syn.src_port,
            .seq = cookie.isn,
            .ack = syn.seq + 1,
            .flags = TcpFlags{TcpFlags::kSyn | TcpFlags::kAck},
            .window = static_cast<std::uint16_t>(std::min<std::uint32_t>(cfg.recv_buffer, 0xffff))};
  r.options.mss = cfg.mss;
  // Window scale, SACK-permitted and ECN survive only inside the timestamp
  // (syn_cookie.hpp); without timestamps they are not offered (Linux clears
  // ecn_ok for a cookie without timestamps: tcp_conn_request).
  if (cfg.timestamps && syn.options.timestamps) {
    // RFC 3168 6.1.1: an ECN-setup SYN (ECE and CWR) gets an ECN-setup
    // SYN-ACK (ECE alone), the bit kept in the TSval (Linux TS_OPT_ECN).
    const bool ecn = cfg.ecn != EcnMode::off && syn.flags.ece() && syn.flags.cwr();
    CookieTsOptions opts{.sack_permitted = cfg.sack && syn.options.sack_permitted, .ecn = ecn};
    if (ecn) r.flags.set_ece(true);
    if (cfg.window_scale > 0 && syn.options.window_scale) {
      opts.window_scale = std::min<std::uint8_t>(*syn.options.window_scale, 14);
      r.options.window_scale = std::min<std::uint8_t>(cfg.window_scale, 14);
    }
    r.options.sack_permitted = opts.sack_permitted;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    r.options.timestamps =
        Timestamps{.tsval = encode_ts_options(static_cast<std::uint32_t>(static_cast<std::uint64_t>(ms)), opts),
                   .tsecr = syn.options.timestamps->tsval};
  }
  ++counters_.segments_out;
  ip_.send_segment(dst, src, r, storage::SpanPair{}, 0, 0, now);
}

bool SocketTable::cookies_recent(const Listener& l, Instant now) const {
  if (!l.last_cookie) return false;
  const Duration window = cookies_.config().period * static_cast<std::int64_t>(cookies_.config().max_age_periods);
  return now - *l.last_cookie <= window;
}

bool SocketTable::try_cookie(std::uint32_t lslot, const IpAddress& src, const IpAddress& dst, const TcpRepr& ack,
                             Bytes payload, Instant now) {
  auto& l = (*slots_[lslot]->listener());
  // Only while cookies were sent recently (syn_cookie.hpp: no blind guessing otherwise).
  if (!cookies_recent(l, now)) return false;
  auto mss = cookies_.check(dst, ack.dst_port, src, ack.src_port, ack.seq - 1, ack.ack - 1, now, counters_.cookies);
  if (!mss) return false;
  if (l.accept_q.size() >= l.backlog) {
    ++counters_.accept_queue_drops;
    return true;  // dropped: the client's data retransmission tries again
  }
  // Rebuild the SYN the cookie stands for.
  TcpRepr syn{.src_port = ack.src_port, .dst_port = ack.dst_port, .seq = ack.seq - 1, .flags = TcpFlags{TcpFlags::kSyn},
              .window = ack.window};
  syn.options.mss = *mss;
  if (ack.options.timestamps) {
    const CookieTsOptions opts = decode_ts_options(ack.options.timestamps->tsecr);
    syn.options.window_scale = opts.window_scale;
    syn.options.sack_permitted = opts.sack_permitted;
    syn.options.timestamps = Timestamps{.tsval = ack.options.timestamps->tsval, .tsecr = 0};
    // The SYN asked for ECN and our SYN-ACK agreed (Linux cookie_ecn_ok; a
    // listener whose ECN is now off still says no: ecn_negotiate()).
    if (opts.ecn) syn.flags.set_ece(true).set_cwr(true);
  }
  ConnectionConfig cfg = config_for(src, lslot);
  if (!ack.options.timestamps) cfg.timestamps = false;
  const IpEndpoint local{dst, ack.dst_port};
  const IpEndpoint remote{src, ack.src_port};
  const std::uint32_t child =
      add_child(lslot, local, remote, Connection::from_cookie(cfg, local, remote, syn, ack.ack - 1, now, &shared_settings(cfg)));
  // from_cookie starts in SYN-RECEIVED: count it as in the SYN queue until the ACK moves it.
  ++(*slots_[lslot]->listener()).syn_count;
  Connection& c = *conn_at(child);
  c.on_segment(ack, payload, now);
  flush(child, now);
  return true;
}

}  // namespace wirestack::tcp
