// tcp/socket_table.cpp — see socket_table.hpp.
#include "tcp/socket_table.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstring>

#include "base/assert.hpp"
#include "base/hash.hpp"

namespace wirestack::tcp {

namespace {

std::string str(const IpEndpoint& e) { return e.to_string(); }

// The 8 bytes of an address at `at`, in memory order (a hash input only).
std::uint64_t word(const IpAddress& a, std::size_t at) {
  std::uint64_t w;
  std::memcpy(&w, a.bytes().data() + at, sizeof w);
  return w;
}

Errc errc_of(Error e) {
  switch (e) {
    case Error::refused: return Errc::connection_refused;
    case Error::reset: return Errc::connection_reset;
    case Error::timed_out:
    default: return Errc::timed_out;
  }
}

}  // namespace

void for_each_counter(const TcpCounters& c, const std::function<void(std::string_view, std::uint64_t)>& visit) {
  visit("segments_in", c.segments_in);
  visit("segments_out", c.segments_out);
  visit("no_socket", c.no_socket);
  visit("rst_out", c.rst_out);
  visit("rst_rate_limited", c.rst_rate_limited);
  visit("listen_syns", c.listen_syns);
  visit("syn_queue_drops", c.syn_queue_drops);
  visit("accept_queue_drops", c.accept_queue_drops);
  visit("listen_bad_segments", c.listen_bad_segments);
  visit("cookie_late_segment_drops", c.cookie_late_segment_drops);
  visit("active_opens", c.active_opens);
  visit("passive_opens", c.passive_opens);
  visit("established", c.established);
  visit("accepted", c.accepted);
  visit("failed", c.failed);
  visit("time_wait_reused", c.time_wait_reused);
  visit("orphans_dropped", c.orphans_dropped);
  visit("retransmits", c.retransmits);
  visit("urgent_in", c.urgent_in);
  visit("tx_stalls", c.tx_stalls);
  visit("undo_dsack", c.undo_dsack);
  visit("undo_timestamps", c.undo_timestamps);
  visit("undo_frto", c.undo_frto);
  visit("ce_received", c.ce_received);
  visit("ece_received", c.ece_received);
  visit("ecn_reductions", c.ecn_reductions);
  visit("cookies_sent", c.cookies.sent);
  visit("cookies_validated", c.cookies.validated);
  visit("cookies_rejected_expired", c.cookies.rejected_expired);
  visit("cookies_rejected_bad", c.cookies.rejected_bad);
}

// Once per segment (on_segment): one code path for both families (an IPv4
// address is its mapped form's 16 bytes), four 8-byte loads, one finalizer.
// The two addresses go through different odd multipliers (bijections), the
// remote's rotated by 32 bits, so that swapping local and remote changes the
// hash. Nothing depends on the values: the index is never walked.
inline std::uint64_t SocketTable::tuple_hash(const IpEndpoint& local, const IpEndpoint& remote) {
  const std::uint64_t l = (word(local.addr, 0) ^ word(local.addr, 8)) * 0x9e3779b97f4a7c15ULL;
  const std::uint64_t r = (word(remote.addr, 0) ^ word(remote.addr, 8)) * 0xc2b2ae3d27d4eb4fULL;
  return mix64(l ^ std::rotl(r, 32) ^ (std::uint64_t{local.port} << 16 | remote.port));
}

std::optional<std::uint32_t> SocketTable::find_connection(const IpEndpoint& local, const IpEndpoint& remote) const {
  return demux_.find(tuple_hash(local, remote), [&](std::uint32_t slot) {
    const Sock& s = *slots_[slot];
    return s.remote == remote && s.local == local;
  });
}

void SocketTable::demux_add(std::uint32_t slot) {
  const Sock& s = *slots_[slot];
  demux_.insert(tuple_hash(s.local, s.remote), slot);
}

void SocketTable::demux_remove(std::uint32_t slot) {
  const Sock& s = *slots_[slot];
  demux_.erase(tuple_hash(s.local, s.remote), [slot](std::uint32_t x) { return x == slot; });
}

SocketTable::SocketTable(IpLayer& ip, Rng& rng, SocketTableConfig config)
    : ip_(ip),
      config_(config),
      isn_(IsnGenerator::generate_key(rng)),
      cookies_(SynCookies::generate_key(rng), config.cookies),
      ports_(rng.next_u64(), config.ephemeral),
      rst_tokens_(config.rst_rate, config.rst_burst) {}

// ---- Slots -------------------------------------------------------------------

SocketTable::Sock* SocketTable::find(SocketHandle h) {
  if (h.index >= slots_.size()) return nullptr;
  Slot& s = slots_[h.index];
  if (s.generation != h.generation || !s || s->orphan) return nullptr;
  return &*s;
}

const SocketTable::Sock* SocketTable::find(SocketHandle h) const {
  return const_cast<SocketTable*>(this)->find(h);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

std::uint32_t SocketTable::allocate() {
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  slots_[slot].emplace();
  ++live_;
  return slot;
}

void SocketTable::release(std::uint32_t slot) {
  Slot& s = slots_[slot];
  if (!s) return;
  remove_bound(slot);
  if (!buffer_sizes_.empty()) buffer_sizes_.erase(slot);
  if (auto* c = s->conn()) {
    demux_remove(slot);
    counters_.retransmits += c->retransmits();
    if (c->state() != State::closed) --in_state_[static_cast<std::size_t>(c->state())];
  }
  s.reset();
  ++s.generation;
  free_.push_back(slot);
  --live_;
}

void SocketTable::forget_all() {
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    release(i);
    slots_[i].deadline.reset();
  }
  timers_ = {};
  dirty_.clear();
  changed_.clear();
  rst_tokens_.reset();
}

Connection* SocketTable::conn_at(std::uint32_t slot) {
  auto& s = slots_[slot];
  return s ? s->conn() : nullptr;
}

bool SocketTable::is_open(SocketHandle h) const { return find(h) != nullptr; }

bool SocketTable::is_listener(SocketHandle h) const {
  const Sock* s = find(h);
  return s != nullptr && s->kind == Kind::listener;
}

SocketError SocketTable::error_for(Errc code, std::string_view what) const {
  return SocketError{code, std::string(what)};
}

// ---- Ports ---------------------------------------------------------------------

bool SocketTable::port_taken(const IpEndpoint& local) const {
  // Linux without SO_REUSEADDR (but connections in TIME-WAIT or accepted
  // from a listener never block a bind: only bound sockets and listeners).
  // The families are separate port spaces for the same port number, as
  // Linux's IPV6_V6ONLY sockets are: 0.0.0.0 does not cover ::.
  auto [it, end] = bound_.equal_range(local.port);
  for (; it != end; ++it) {
    const IpAddress& other = slots_[it->second]->local.addr;
    if (other.family() != local.addr.family()) continue;
    if (other == local.addr || other.is_unspecified() || local.addr.is_unspecified()) return true;
  }
  return false;
}

void SocketTable::add_bound(std::uint32_t slot, const IpEndpoint& local) {
  bound_.emplace(local.port, slot);
  Sock& s = *slots_[slot];
  s.bound_port = true;
  s.local = local;
}

void SocketTable::remove_bound(std::uint32_t slot) {
  Sock& s = *slots_[slot];
  if (!s.bound_port) return;
  auto [it, end] = bound_.equal_range(s.local.port);
  for (; it != end; ++it) {
    if (it->second == slot) {
      bound_.erase(it);
      break;
    }
  }
  s.bound_port = false;
}

Result<IpEndpoint, SocketError> SocketTable::bind_ephemeral(std::uint32_t slot, const IpAddress& local,
                                                            std::optional<IpEndpoint> remote) {
  // RFC 6056 algorithm 3 (transport/port_allocator.hpp); for a connect(), a
  // port is suitable when the 4-tuple is free, so one port serves many
  // destinations.
  const IpEndpoint r = remote.value_or(IpEndpoint{IpAddress::any(local.family()), 0});
  auto port = ports_.pick(local, r, [&](std::uint16_t p) {
    const IpEndpoint e{local, p};
    return !port_taken(e) && (!remote || !find_connection(e, *remote));
  });
  if (!port) return Unexpected{port.error()};
  const IpEndpoint e{local, *port};
  if (!remote) add_bound(slot, e);
  return e;
}

std::optional<std::uint32_t> SocketTable::find_listener(const IpAddress& dst, std::uint16_t port) const {
  // A listener on the exact address first, then one on the family's "any".
  std::optional<std::uint32_t> wildcard;
  auto [it, end] = bound_.equal_range(port);
  for (; it != end; ++it) {
    const auto& s = slots_[it->second];
    if (!s || s->kind != Kind::listener || s->orphan) continue;
    if (s->local.addr == dst) return it->second;
    if (!wildcard && s->local.addr.is_unspecified() && s->local.addr.family() == dst.family()) wildcard = it->second;
  }
  return wildcard;
}

std::uint16_t SocketTable::mss_for(const IpLayer::Path& p) const {
  const auto path = static_cast<std::uint16_t>(std::max<int>(p.mtu - p.header_len - 20, 64));
  return config_.mss_from_path ? path : std::min(config_.connection.mss, path);
}

ConnectionConfig SocketTable::config_for(const IpAddress& remote, std::uint32_t slot) const {
  ConnectionConfig c = config_.connection;
  if (!buffer_sizes_.empty()) {
    if (auto it = buffer_sizes_.find(slot); it != buffer_sizes_.end()) apply(it->second, c);
  }
  // RFC 9293 3.7.1 / RFC 1122 4.2.2.6: MSS = MTU less the IP and TCP headers
  // of the interface the segments leave by (SHOULD-5: the MSS option carries
  // what we can receive); RFC 8200 8.3 for IPv6.
  if (auto p = ip_.path_to(remote)) {
    c.mss = mss_for(*p);
    c.tso = p->tso;
  }
  return c;
}

const Connection::SharedSettings& SocketTable::shared_settings(const ConnectionConfig& c) {
  const Connection::Settings wanted(c);
  for (const auto& b : settings_) {
    if (*b == wanted) return b;
  }
  // Blocks that no connection holds any more (the cache's is the only
  // reference) go before a new one is added past the few kept.
  if (settings_.size() >= kSharedSettingsKept) {
    std::erase_if(settings_, [](const Connection::SharedSettings& b) { return b.use_count() == 1; });
  }
  return settings_.emplace_back(c);
}

// ---- Application side ------------------------------------------------------------

SocketHandle SocketTable::open() { return handle_of(allocate()); }

Result<IpEndpoint, SocketError> SocketTable::bind(SocketHandle h, IpEndpoint local) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "bind: the socket is closed (stale handle)")};
  if (s->kind != Kind::fresh) {
    return Unexpected{error_for(Errc::already_bound, "bind: the socket is already bound to " + str(s->local))};
  }
  if (!local.addr.is_unspecified() && !ip_.is_local_address(local.addr)) {
    return Unexpected{error_for(Errc::address_not_available,
                                "bind " + str(local) + ": this host has no such address; bind to " +
                                    IpAddress::any(local.addr.family()).to_string() + " or one of its addresses")};
  }
  if (local.port == 0) {
    auto r = bind_ephemeral(h.index, local.addr, std::nullopt);
    if (r) s->kind = Kind::bound;
    return r;
  }
  if (local.port < 1024 && !config_.allow_privileged_ports) {
    return Unexpected{error_for(Errc::permission_denied,
                                "bind " + str(local) +
                                    ": ports below 1024 are reserved on this host; use a port >= 1024 or allow "
                                    "privileged ports")};
  }
  if (port_taken(local)) {
    return Unexpected{error_for(Errc::address_in_use, "bind " + str(local) + ": address in use (another socket holds port " +
                                                          std::to_string(local.port) +
                                                          "); pick another port or close that socket")};
  }
  add_bound(h.index, local);
  s->kind = Kind::bound;
  return local;
}

Result<void, SocketError> SocketTable::connect(SocketHandle h, IpEndpoint remote, Instant now) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "connect: the socket is closed (stale handle)")};
  if (s->kind == Kind::connection) {
    return Unexpected{error_for(Errc::already_connected, "connect: the socket is already connected to " +
                                                             str(s->remote))};
  }
  if (s->kind == Kind::listener) {
    return Unexpected{error_for(Errc::invalid_argument, "connect: the socket is listening; open a new socket to connect")};
  }
  if (remote.port == 0 || !remote.addr.is_unicast()) {
    return Unexpected{error_for(Errc::invalid_argument,
                                "connect " + str(remote) + ": need a unicast address and a port other than 0")};
  }
  if (s->kind == Kind::bound && s->local.addr.family() != remote.addr.family() && !s->local.addr.is_unspecified()) {
    return Unexpected{error_for(Errc::address_family, "connect " + str(remote) + ": the socket is bound to " +
                                                          str(s->local) + ", an address of the other IP family")};
  }
  const auto path = ip_.path_to(remote.addr);
  if (!path) {
    return Unexpected{error_for(Errc::net_unreachable,
                                "connect " + str(remote) + ": no route to the destination; add a route or a gateway")};
  }
  IpEndpoint local = s->local;
  if (s->kind == Kind::bound) {
    if (local.addr.is_unspecified() || local.addr.family() != remote.addr.family()) local.addr = path->src;
    if (find_connection(local, remote)) {
      return Unexpected{error_for(Errc::address_in_use, "connect " + str(local) + " -> " + str(remote) +
                                                           ": that connection already exists")};
    }
    remove_bound(h.index);  // held again under the address actually used
    add_bound(h.index, local);
  } else {
    auto r = bind_ephemeral(h.index, path->src, remote);
    if (!r) return Unexpected{r.error()};
    local = *r;
  }
  ConnectionConfig cfg = config_.connection;
  cfg.mss = mss_for(*path);
  cfg.tso = path->tso;
  if (!buffer_sizes_.empty()) {
    if (auto it = buffer_sizes_.find(h.index); it != buffer_sizes_.end()) {
      apply(it->second, cfg);
      buffer_sizes_.erase(it);  // the connection holds them now
    }
  }
  const std::uint32_t iss = isn_.isn(local.addr, local.port, remote.addr, remote.port, now);
  s->kind = Kind::connection;
  s->local = local;
  s->remote = remote;
  s->error.reset();
  s->soft_error.reset();
  auto& c = s->emplace_connection(Connection::connect(cfg, local, remote, iss, now, &shared_settings(cfg)));
  const std::uint32_t slot = h.index;
  c.set_state_observer(this, slot);
  demux_add(slot);
  ++counters_.active_opens;
  on_state(slot, State::closed, State::syn_sent);  // Connection::connect ran before the hook was set
  mark_dirty(slot);
  return {};
}

Result<std::size_t, SocketError> SocketTable::send(SocketHandle h, Bytes data) { return send_bytes(h, data, false); }

Result<std::size_t, SocketError> SocketTable::send_urgent(SocketHandle h, Bytes data) {
  return send_bytes(h, data, true);
}

Result<SocketTable::Urgent, SocketError> SocketTable::urgent(SocketHandle h) const {
  const Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "urgent: the socket is closed (stale handle)")};
  const auto* c = s->conn();
  if (c == nullptr) return Unexpected{error_for(Errc::not_connected, "urgent: the socket is not connected")};
  return Urgent{.pending = c->urgent_pending(), .signals = c->urgent_signals()};
}

Result<std::size_t, SocketError> SocketTable::send_bytes(SocketHandle h, Bytes data, bool urgent) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "send: the socket is closed (stale handle)")};
  auto* c = s->conn();
  if (c == nullptr) return Unexpected{error_for(Errc::not_connected, "send: the socket is not connected")};
  if (s->error) {
    const Errc e = *s->error;
    s->error.reset();
    return Unexpected{error_for(e, "send: " + std::string(to_string(e)))};
  }
  if (c->state() == State::closed) {
    if (c->error()) return Unexpected{error_for(errc_of(*c->error()), "send: the connection " + std::string(to_string(*c->error())))};
    return Unexpected{error_for(Errc::broken_pipe, "send: the connection is closed")};
  }
  auto r = urgent ? c->send_urgent(data) : c->send(data);
  if (!r) {
    if (r.error() == SendError::would_block) {
      return Unexpected{error_for(Errc::would_block, transport::kSendWouldBlock)};
    }
    return Unexpected{error_for(Errc::broken_pipe, "send: the sending side is shut down")};
  }
  if (*r > 0) mark_dirty(h.index);
  if (*r == 0 && !data.empty()) {
    return Unexpected{error_for(Errc::would_block, transport::kSendWouldBlock)};
  }
  return *r;
}

Result<std::size_t, SocketError> SocketTable::recv(SocketHandle h, MutBytes out) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "recv: the socket is closed (stale handle)")};
  auto* c = s->conn();
  if (c == nullptr) return Unexpected{error_for(Errc::not_connected, "recv: the socket is not connected")};
  const std::size_t n = c->recv(out);
  if (n > 0) {
    mark_dirty(h.index);  // the window opened: a window update may be due
    return n;
  }
  if (out.empty()) return std::size_t{0};
  if (c->eof()) return std::size_t{0};
  if (s->error) {
    const Errc e = *s->error;
    s->error.reset();
    return Unexpected{error_for(e, "recv: " + std::string(to_string(e)))};
  }
  if (c->state() == State::closed) {
    if (c->error()) return Unexpected{error_for(errc_of(*c->error()), "recv: the connection " + std::string(to_string(*c->error())))};
    return std::size_t{0};
  }
  return Unexpected{error_for(Errc::would_block, transport::kRecvWouldBlock)};
}

Result<void, SocketError> SocketTable::shutdown_send(SocketHandle h) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "shutdown: the socket is closed (stale handle)")};
  auto* c = s->conn();
  if (c == nullptr) return Unexpected{error_for(Errc::not_connected, "shutdown: the socket is not connected")};
  c->shutdown_send();
  mark_dirty(h.index);
  return {};
}

Result<void, SocketError> SocketTable::close(SocketHandle h) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "close: the socket is closed (stale handle)")};
  switch (s->kind) {
    case Kind::listener: close_listener(h.index); return {};
    case Kind::connection: {
      auto& c = (*s->conn());
      if (c.state() == State::closed) {
        release(h.index);
        return {};
      }
      c.close();
      s->orphan = true;
      remove_bound(h.index);
      if (s->queued || !s->accepted) {
        // Cannot happen through the API (children have no handle yet), kept for safety.
        s->queued = false;
      }
      mark_dirty(h.index);
      return {};
    }
    case Kind::fresh:
    case Kind::bound:
    default: release(h.index); return {};
  }
}

Result<void, SocketError> SocketTable::abort(SocketHandle h) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "abort: the socket is closed (stale handle)")};
  if (auto* c = s->conn()) {
    c->abort();
    s->orphan = true;
    remove_bound(h.index);
    mark_dirty(h.index);
    return {};
  }
  return close(h);
}

// ---- Bookkeeping -----------------------------------------------------------------

void SocketTable::mark_dirty(std::uint32_t slot) {
  Sock& s = *slots_[slot];
  if (s.dirty) return;
  s.dirty = true;
  dirty_.push_back(slot);
}

void SocketTable::stall(std::uint32_t slot) {
  Sock& s = *slots_[slot];
  if (s.stalled) return;
  s.stalled = true;
  stalled_.push_back(slot);
  ++counters_.tx_stalls;
}

// The stalled connections wake one at a time, in the order they stalled:
// on_room() wakes the first, and each one that then sends without filling
// the device wakes the next (flush()). Waking them all at every "room" of
// a device that takes one more frame cost a scan of every waiting
// connection per frame: ten thousand clients behind one slow link made it
// quadratic. A resolved next hop lets them all go in the same poll().
void SocketTable::on_room() { wake_next_stalled(); }

void SocketTable::wake_next_stalled() {
  while (!stalled_.empty()) {
    const std::uint32_t slot = stalled_.front();
    stalled_.pop_front();
    auto& s = slots_[slot];
    if (!s || !s->stalled) continue;  // released meanwhile (release() clears the flag with the socket)
    s->stalled = false;
    mark_dirty(slot);
    return;
  }
}

void SocketTable::mark_changed(std::uint32_t slot) {
  Sock& s = *slots_[slot];
  if (s.changed) return;
  s.changed = true;
  changed_.push_back(slot);
}

void SocketTable::on_event(std::uint32_t /*slot*/, Connection::Event e) {
  switch (e) {
    case Connection::Event::undo_dsack:
      ++counters_.undo_dsack;
      break;
    case Connection::Event::undo_timestamps:
      ++counters_.undo_timestamps;
      break;
    case Connection::Event::undo_frto:
      ++counters_.undo_frto;
      break;
    case Connection::Event::ecn_ce:
      ++counters_.ce_received;
      break;
    case Connection::Event::ecn_ece:
      ++counters_.ece_received;
      break;
    case Connection::Event::ecn_reduction:
      ++counters_.ecn_reductions;
      break;
    default:
      break;
  }
}

void SocketTable::on_state(std::uint32_t slot, State from, State to) {
  Sock& s = *slots_[slot];
  const auto& c = (*s.conn());
  if (tracer_) tracer_(s.local, s.remote, from, to);
  // A new connection's first call comes from CLOSED (connect) or LISTEN (a
  // child), neither of which counted it.
  if (from != State::closed && from != State::listen) --in_state_[static_cast<std::size_t>(from)];
  if (to != State::closed) ++in_state_[static_cast<std::size_t>(to)];
  mark_changed(slot);
  if (to == State::established) ++counters_.established;
  if (to == State::closed && c.error()) ++counters_.failed;
  // A listener's child completing its handshake joins the accept queue.
  if (!s.accepted && !s.queued && is_synchronized(to)) {
    Slot& ps = slots_[s.parent];
    if (ps.generation == s.parent_gen && ps && ps->kind == Kind::listener && !ps->orphan) {
      auto& l = (*ps->listener());
      if (l.syn_count > 0) --l.syn_count;
      s.queued = true;
      l.accept_q.push_back(slot);
      mark_changed(s.parent);
    }
  }
}

void SocketTable::flush(std::uint32_t slot, Instant now) {
  auto& sock = slots_[slot];
  if (!sock) return;
  auto* c = sock->conn();
  if (c == nullptr) return;
  // Backpressure: a device that is full takes nothing more; the connection
  // waits (its timers too) until on_room().
  if (!ip_.has_room_for(sock->remote.addr)) {
    stall(slot);
    return;
  }
  TcpRepr header;
  storage::SpanPair payload;
  std::optional<Instant> next;  // poll_at(), set by the last poll
  bool full = false;
  // Segments cut in software (InterfaceConfig::gso) no larger than the
  // device takes at once: TCP's next segment is sized to the room left.
  // Not asked while at most one MSS is queued (a request, a response, an
  // ACK, a FIN): no segment can then be longer than one MSS, whatever the
  // limit (limit_tso() keeps at least one), and asking cost a route lookup
  // per poll of every short connection.
  const auto fit_device = [&] {
    if (!c->uses_tso() || c->send_queue() <= c->send_mss()) return;
    const std::size_t room = ip_.burst_room(sock->remote.addr);
    const std::size_t frame = std::size_t{c->send_mss()} + 100;  // headers, options, FCS: more than enough
    const std::size_t frames = std::max<std::size_t>(room / frame, 1);  // one always goes (has_room_for)
    c->limit_tso(static_cast<std::uint32_t>(std::min<std::size_t>(frames * c->send_mss(), kTsoMaxPayload)));
  };
  fit_device();
  while (!full && c->poll_output_view(now, header, payload, &next)) {
    ++counters_.segments_out;
    // A TSO segment (tcp::Connection sends them only on a path with tso):
    // the device cuts it into segments of the payload a full-sized one
    // carries with this header's options (MUST-16, as Connection sized it).
    std::uint16_t gso = 0;
    // The unit is at least send_mss() less the options' most (40 bytes): a
    // shorter payload (most segments of short connections) needs no sizing.
    if (payload.size() + kTcpMaxOptionsLen > c->send_mss()) {
      const std::size_t unit = c->send_mss() + (c->timestamps_enabled() ? 12u : 0u) - header.options.emitted_len();
      if (payload.size() > unit) gso = static_cast<std::uint16_t>(unit);
    }
    ip_.send_segment(sock->local.addr, sock->remote.addr, header, payload, gso, c->ip_ecn(), now);
    full = !ip_.has_room_for(sock->remote.addr);
    if (!full) fit_device();
  }
  if (full) {
    stall(slot);  // what is left goes at on_room(); the deadline below still holds
  } else if (!stalled_.empty()) {
    wake_next_stalled();  // the device took all of it: the next waiting connection's turn
  }
  if (c->state() == State::closed) {
    connection_closed(slot);
    return;
  }
  // An orphan stuck in FIN-WAIT-2 (the peer never closes) is dropped later.
  if (sock->orphan && c->state() == State::fin_wait_2 && !sock->orphan_deadline) {
    sock->orphan_deadline.set(now + config_.orphan_fin_timeout);
  }
  if (sock->orphan_deadline && (!next || *sock->orphan_deadline < *next)) next = *sock->orphan_deadline;
  // Lazily: the slot's `deadline` is the time of its entry in timers_, at
  // or before the one wanted. A later deadline (an RTO pushed back by every
  // ACK, a delayed ACK replaced by TIME-WAIT, a new connection in a slot
  // whose last one left an entry) keeps that entry, which poll() queues
  // again for the time then wanted when it comes up; only an earlier one
  // needs a new entry. Pushing at every change queued one entry per
  // segment (5.8 % of tcp-connect), most of them stale long before their time.
  if (next && (!sock.deadline || *next < *sock.deadline)) {
    sock.deadline.set(next);
    timers_.push(TimerEntry{*next, slot});
  }
}

void SocketTable::connection_closed(std::uint32_t slot) {
  Sock& s = *slots_[slot];
  auto& c = (*s.conn());
  if (c.error() && !s.error) {
    Errc e = errc_of(*c.error());
    // A time-out after ICMP errors reports what the network said (Linux's sk_err_soft).
    if (e == Errc::timed_out && s.soft_error) e = *s.soft_error;
    s.error = e;
  }
  // The 4-tuple is left free at once (a new connect() may reuse it):
  // release() takes it out of the index with the socket, and a socket that
  // stays (its handle still open) gives it up below. (Removing it here as
  // well searched the index twice per connection.)
  if (!s.accepted) {
    // A child that dies before accept(): off its listener's queues.
    Slot& ps = slots_[s.parent];
    if (ps.generation == s.parent_gen && ps && ps->kind == Kind::listener) {
      auto& l = (*ps->listener());
      if (s.queued) {
        std::erase(l.accept_q, slot);
      } else if (l.syn_count > 0) {
        --l.syn_count;
      }
    }
    release(slot);
    return;
  }
  if (s.orphan) {
    release(slot);
    return;
  }
  demux_remove(slot);
  slots_[slot].deadline.reset();
  mark_changed(slot);  // the application learns of the end through its handle
}

// ---- Network side -------------------------------------------------------------------

void SocketTable::on_segment(const IpAddress& src, const IpAddress& dst, const TcpRepr& seg, Bytes payload, Instant now,
                             std::uint8_t ip_ecn) {
  ++counters_.segments_in;
  const IpEndpoint local{dst, seg.dst_port};
  const IpEndpoint remote{src, seg.src_port};
  if (auto found = find_connection(local, remote)) {
    const std::uint32_t slot = *found;
    Connection& c = *conn_at(slot);
    // RFC 9293 3.10.7.4 (TIME-WAIT) and RFC 1122 4.2.2.13: a new SYN beyond
    // the old connection's sequence space may reopen the 4-tuple.
    if (c.state() == State::time_wait && seg.flags.syn() && !seg.flags.ack() && !seg.flags.rst() &&
        SeqNum(seg.seq) > c.rcv_nxt()) {
      if (auto l = find_listener(dst, seg.dst_port)) {
        ++counters_.time_wait_reused;
        Sock& s = *slots_[slot];  // out of the index below, by release() or connection_closed()
        if (s.orphan || !s.accepted) {
          release(slot);
        } else {
          c.abort();  // CLOSED quietly (TIME-WAIT sends no RST)
          connection_closed(slot);
        }
        listen_input(*l, src, dst, seg, payload, now);
        return;
      }
    }
    // A listener's child whose handshake would complete into a full accept
    // queue: the ACK is dropped, as Linux does ("listen overflow" in
    // tcp_check_req), and the child's SYN-ACK retransmission brings it again
    // later. SYN cookies can fill the queue while the child waits in the
    // SYN queue (their ACKs see the accept queue only).
    if (c.state() == State::syn_received && seg.flags.ack() && !seg.flags.rst() && !seg.flags.syn()) {
      const Sock& s = *slots_[slot];
      const Slot& ps = slots_[s.parent];
      if (!s.accepted && !s.queued && ps.generation == s.parent_gen && ps && ps->kind == Kind::listener) {
        const auto& l = (*ps->listener());
        if (l.accept_q.size() >= l.backlog) {
          ++counters_.accept_queue_drops;
          return;
        }
      }
    }
    const std::uint8_t urgent_before = c.urgent_signals();
    c.on_segment(seg, payload, now, ip_ecn);
    mark_changed(slot);  // data, EOF, a state change, send space freed by an ACK, urgent data
    if (c.urgent_signals() != urgent_before) ++counters_.urgent_in;
    // What a segment calls for is sent at once when an ACK is owed now
    // (RFC 9293 3.8.6.3 / RFC 5681 4.2: at least every second full-sized
    // segment, at once for out-of-order or duplicate data), as Linux's
    // __tcp_ack_snd_check does per segment even inside a GRO batch; so the
    // sender's ACK clock and its duplicate-ACK count do not depend on how
    // frames were batched. Otherwise (a delayed ACK, a window update, data
    // written in reply) it waits for the next poll(), after the whole batch
    // of frames received together and after the applications ran. A SYN,
    // FIN or RST is answered at once, as Linux does: the close stays four
    // segments on the wire, the ACK of a FIN not waiting for the
    // application's own FIN.
    if (seg.flags.syn() || seg.flags.fin() || seg.flags.rst() || c.ack_due()) {
      flush(slot, now);
    } else {
      mark_dirty(slot);
    }
    return;
  }
  if (auto l = find_listener(dst, seg.dst_port)) {
    listen_input(*l, src, dst, seg, payload, now);
    return;
  }
  ++counters_.no_socket;
  send_reset(src, dst, seg, payload.size(), now);
}

void SocketTable::send_reset(const IpAddress& src, const IpAddress& dst, const TcpRepr& seg, std::size_t payload_len,
                             Instant now) {
  auto rst = Connection::reset_for(seg, payload_len);
  if (!rst) return;
  if (!rst_tokens_.take(now)) {
    ++counters_.rst_rate_limited;
    return;
  }
  ++counters_.rst_out;
  ++counters_.segments_out;
  ip_.send_segment(dst, src, *rst, storage::SpanPair{}, 0, 0, now);
}

bool SocketTable::on_path_mtu(const IpEndpoint& local, const IpEndpoint& remote, std::uint16_t path_mss,
                              std::uint32_t quoted_seq, Instant now) {
  const auto found = find_connection(local, remote);
  if (!found) return false;
  Connection& c = (*slots_[*found]->conn());
  if (!c.on_path_mtu(path_mss, SeqNum(quoted_seq), now)) return false;
  mark_dirty(*found);  // the resent segments leave at the next poll
  return true;
}

void SocketTable::on_icmp_error(const IpEndpoint& local, const IpEndpoint& remote, Errc error, bool local_failure) {
  const auto found = find_connection(local, remote);
  if (!found) return;
  const std::uint32_t slot = *found;
  Sock& s = *slots_[slot];
  Connection& c = (*s.conn());
  if (c.state() == State::syn_sent && (!local_failure || error == Errc::host_unreachable)) {
    // Linux tcp_v4_err: an unreachable in SYN-SENT ends the connect.
    s.error = error;
    ++counters_.failed;
    c.abort();
    mark_dirty(slot);
    mark_changed(slot);
    return;
  }
  s.soft_error = error;
}

void SocketTable::poll(Instant now) {
  // API calls first: what the application queued leaves now.
  // The batch vector is kept between calls (its capacity reused: no
  // allocation per round); a nested poll() would find it in use and take a
  // fresh one.
  while (!dirty_.empty()) {
    std::vector<std::uint32_t> fresh;
    std::vector<std::uint32_t>& batch = dirty_batch_.empty() ? dirty_batch_ : fresh;
    batch.swap(dirty_);
    for (std::uint32_t slot : batch) {
      auto& s = slots_[slot];
      if (!s) continue;
      s->dirty = false;
      if (s->conn() != nullptr) {
        flush(slot, now);
      } else if (s->orphan) {
        release(slot);
      }
    }
    batch.clear();
  }
  while (!timers_.empty() && timers_.top().at <= now) {
    const TimerEntry e = timers_.top();
    timers_.pop();
    auto& s = slots_[e.slot];
    if (s.deadline.get() != e.at) continue;  // stale: superseded by an earlier entry
    s.deadline.reset();
    if (!s || s->conn() == nullptr) continue;  // its socket is gone, or the slot's new one is no connection
    // Early (flush() left it for a later deadline): back in at the time now
    // wanted (what flush() would compute), in its place among the others,
    // or gone if none.
    std::optional<Instant> want = s->conn()->poll_at();
    if (s->orphan_deadline && (!want || *s->orphan_deadline < *want)) want = *s->orphan_deadline;
    if (!want || *want > e.at) {
      if (want) {
        s.deadline.set(want);
        timers_.push(TimerEntry{*want, e.slot});
      }
      continue;
    }
    if (s->orphan_deadline && *s->orphan_deadline <= now) {
      auto* c = s->conn();
      if (c != nullptr && c->state() == State::fin_wait_2) {
        ++counters_.orphans_dropped;
        c->abort();  // a RST, as Linux's FIN-WAIT-2 timer sends
      }
      s->orphan_deadline.reset();
    }
    flush(e.slot, now);
    if (slots_[e.slot]) mark_changed(e.slot);
  }
}

std::optional<Instant> SocketTable::poll_at() const {
  if (!dirty_.empty()) return Instant::min();
  if (timers_.empty()) return std::nullopt;
  return timers_.top().at;
}

}  // namespace wirestack::tcp
