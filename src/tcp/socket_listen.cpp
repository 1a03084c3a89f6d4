// tcp/socket_listen.cpp — the listening half of the socket table
// (socket_table.hpp): listen() and accept(), a SYN's way through LISTEN
// (RFC 9293 3.10.7.2) into the SYN queue and then the accept queue, and
// closing a listener. SYN cookies, when the SYN queue is full, are in
// socket_cookies.cpp.
#include <algorithm>

#include "tcp/socket_table.hpp"

namespace wirestack::tcp {

Result<void, SocketError> SocketTable::listen(SocketHandle h, std::uint32_t backlog) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "listen: the socket is closed (stale handle)")};
  if (s->kind == Kind::connection) {
    return Unexpected{error_for(Errc::invalid_argument, "listen: the socket is a connection; open a new socket to listen")};
  }
  if (s->kind == Kind::fresh) {
    auto r = bind_ephemeral(h.index, IpAddress::any(IpFamily::v4), std::nullopt);
    if (!r) return Unexpected{r.error()};
  }
  const std::uint32_t b = std::clamp<std::uint32_t>(backlog, 1, std::max<std::uint32_t>(config_.max_backlog, 1));
  if (s->kind == Kind::listener) {
    (*s->listener()).backlog = b;  // as listen(2) again: a new backlog
    return {};
  }
  s->kind = Kind::listener;
  s->emplace_listener().backlog = b;
  return {};
}

Result<SocketHandle, SocketError> SocketTable::accept(SocketHandle h) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "accept: the socket is closed (stale handle)")};
  if (s->kind != Kind::listener) {
    return Unexpected{error_for(Errc::invalid_argument, "accept: the socket is not listening; call listen() first")};
  }
  auto& l = (*s->listener());
  while (!l.accept_q.empty()) {
    const std::uint32_t child = l.accept_q.front();
    l.accept_q.pop_front();
    Sock& c = *slots_[child];
    c.queued = false;
    c.accepted = true;
    ++counters_.accepted;
    mark_changed(child);
    return handle_of(child);
  }
  // Servers call accept until it says this, every round: the message fits
  // std::string's inline buffer (15 characters), so saying it allocates
  // nothing ("accept: none yet", one character longer, was 13 % of the
  // spike's mallocs).
  return Unexpected{error_for(Errc::would_block, "accept: none")};
}

void SocketTable::listen_input(std::uint32_t lslot, const IpAddress& src, const IpAddress& dst, const TcpRepr& seg,
                               Bytes payload, Instant now) {
  Sock& ls = *slots_[lslot];
  auto& l = (*ls.listener());
  // RFC 9293 3.10.7.2 LISTEN. "First, check for a RST": ignore it.
  if (seg.flags.rst()) {
    ++counters_.listen_bad_segments;
    return;
  }
  // "Second, check for an ACK": a RST <SEQ=SEG.ACK><CTL=RST>, unless it
  // completes a SYN-cookie handshake.
  if (seg.flags.ack()) {
    if (!seg.flags.syn() && try_cookie(lslot, src, dst, seg, payload, now)) return;
    ++counters_.listen_bad_segments;
    // While cookies are out, a segment with data or a FIN that fails the
    // check is most likely the later part of a cookie handshake whose ACK
    // and first data were lost (a flood fills queues): its sequence number
    // is past ISN + 1, so the cookie cannot be checked. A RST (RFC 9293
    // LISTEN, and Linux) would kill a connection the peer believes is
    // open; dropped instead, the peer retransmits from its first unacked
    // byte, whose SEQ - 1 is the ISN the cookie was made from.
    if (!seg.flags.syn() && (!payload.empty() || seg.flags.fin()) && cookies_recent(l, now)) {
      ++counters_.cookie_late_segment_drops;
      return;
    }
    send_reset(src, dst, seg, payload.size(), now);
    return;
  }
  // "Third, check for a SYN".
  if (!seg.flags.syn()) {
    ++counters_.listen_bad_segments;
    return;
  }
  // RFC 1122 4.2.3.10 (MUST-?): a SYN from a broadcast or multicast source is dropped.
  if (!src.is_unicast()) {
    ++counters_.listen_bad_segments;
    return;
  }
  ++counters_.listen_syns;
  if (l.accept_q.size() >= l.backlog) {
    ++counters_.accept_queue_drops;  // Linux: "SYNs to LISTEN sockets dropped"
    return;
  }
  // The SYN queue holds at most syn_backlog, and together with the accept
  // queue at most the backlog, so every handshake that completes has a place.
  if (l.syn_count >= std::max<std::uint32_t>(config_.syn_backlog, 1) ||
      l.syn_count + l.accept_q.size() >= l.backlog) {
    if (!config_.syn_cookies) {
      ++counters_.syn_queue_drops;
      return;
    }
    send_cookie_syn_ack(lslot, src, dst, seg, l, now);
    return;
  }
  const IpEndpoint local{dst, seg.dst_port};
  const IpEndpoint remote{src, seg.src_port};
  const std::uint32_t iss = isn_.isn(local.addr, local.port, remote.addr, remote.port, now);
  const ConnectionConfig cfg = config_for(src, lslot);
  Connection c = Connection::accept_syn(cfg, local, remote, seg, iss, now, &shared_settings(cfg));
  ++l.syn_count;
  const std::uint32_t child = add_child(lslot, local, remote, std::move(c));
  flush(child, now);
}

std::uint32_t SocketTable::add_child(std::uint32_t lslot, const IpEndpoint& local, const IpEndpoint& remote,
                                     Connection c) {
  const std::uint32_t lgen = slots_[lslot].generation;
  const std::uint32_t child = allocate();  // may grow slots_ (chunks: references stay valid)
  Sock& s = *slots_[child];
  s.kind = Kind::connection;
  s.accepted = false;
  s.parent = lslot;
  s.parent_gen = lgen;
  s.local = local;
  s.remote = remote;
  auto& conn = s.emplace_connection(std::move(c));
  conn.set_state_observer(this, child);
  demux_add(child);
  ++counters_.passive_opens;
  on_state(child, State::listen, State::syn_received);  // as above: before the hook
  return child;
}

void SocketTable::close_listener(std::uint32_t slot) {
  // Every connection not yet accepted is reset (Linux inet_csk_listen_stop).
  std::vector<std::uint32_t> children;
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    const auto& s = slots_[i];
    if (s && !s->accepted && s->parent == slot && s->parent_gen == slots_[slot].generation) children.push_back(i);
  }
  for (std::uint32_t child : children) {
    Sock& s = *slots_[child];
    s.accepted = true;  // detached from the listener
    s.queued = false;
    s.orphan = true;
    (*s.conn()).abort();
    mark_dirty(child);
  }
  release(slot);
}

}  // namespace wirestack::tcp
