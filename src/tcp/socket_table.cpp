// tcp/socket_table.cpp — see socket_table.hpp.
#include "tcp/socket_table.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <sstream>

#include "base/assert.hpp"

namespace wirestack::tcp {

namespace {

std::string str(Endpoint4 e) {
  std::ostringstream os;
  os << e;
  return os.str();
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t bound_key(Endpoint4 e) { return std::uint64_t{e.port} << 32 | e.addr.to_u32(); }

Errc errc_of(Error e) {
  switch (e) {
    case Error::refused: return Errc::connection_refused;
    case Error::reset: return Errc::connection_reset;
    case Error::timed_out:
    default: return Errc::timed_out;
  }
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const SocketHandle& h) {
  return os << "tcp#" << h.index << '.' << h.generation;
}

std::string_view to_string(Errc e) {
  switch (e) {
    case Errc::invalid_handle: return "invalid handle";
    case Errc::address_in_use: return "address in use";
    case Errc::address_not_available: return "address not available";
    case Errc::already_bound: return "already bound";
    case Errc::permission_denied: return "permission denied";
    case Errc::no_ephemeral_port: return "no ephemeral port";
    case Errc::invalid_argument: return "invalid argument";
    case Errc::already_connected: return "already connected";
    case Errc::not_connected: return "not connected";
    case Errc::would_block: return "would block";
    case Errc::connection_refused: return "connection refused";
    case Errc::connection_reset: return "connection reset";
    case Errc::timed_out: return "timed out";
    case Errc::host_unreachable: return "host unreachable";
    case Errc::net_unreachable: return "network unreachable";
    case Errc::broken_pipe: return "broken pipe";
    default: return "?";
  }
}
std::ostream& operator<<(std::ostream& os, Errc e) { return os << to_string(e); }
std::ostream& operator<<(std::ostream& os, const SocketError& e) { return os << e.message; }

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
  visit("cookies_sent", c.cookies.sent);
  visit("cookies_validated", c.cookies.validated);
  visit("cookies_rejected_expired", c.cookies.rejected_expired);
  visit("cookies_rejected_bad", c.cookies.rejected_bad);
}

std::size_t SocketTable::TupleHash::operator()(const Tuple& t) const {
  return static_cast<std::size_t>(
      mix((std::uint64_t{t.local_addr} << 32 | t.remote_addr) ^ mix(std::uint64_t{t.local_port} << 16 | t.remote_port)));
}

SocketTable::SocketTable(IpLayer& ip, Rng& rng, SocketTableConfig config)
    : ip_(ip),
      config_(config),
      isn_(IsnGenerator::generate_key(rng)),
      cookies_(SynCookies::generate_key(rng), config.cookies),
      port_key_(rng.next_u64()),
      rst_tokens_(config.rst_burst) {
  if (config_.ephemeral_first > config_.ephemeral_last || config_.ephemeral_first == 0) {
    config_.ephemeral_first = 49152;
    config_.ephemeral_last = 65535;
  }
}

// ---- Slots -------------------------------------------------------------------

SocketTable::Sock* SocketTable::find(SocketHandle h) {
  if (h.index >= slots_.size()) return nullptr;
  Slot& s = slots_[h.index];
  if (s.generation != h.generation || !s.sock || s.sock->orphan) return nullptr;
  return &*s.sock;
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
  slots_[slot].sock.emplace();
  ++live_;
  return slot;
}

void SocketTable::release(std::uint32_t slot) {
  Slot& s = slots_[slot];
  if (!s.sock) return;
  remove_bound(slot);
  if (auto* c = std::get_if<Connection>(&s.sock->body)) {
    auto it = demux_.find(tuple_of(c->local(), c->remote()));
    if (it != demux_.end() && it->second == slot) demux_.erase(it);
    counters_.retransmits += c->retransmits();
  }
  s.sock.reset();
  ++s.generation;
  free_.push_back(slot);
  --live_;
}

void SocketTable::forget_all() {
  for (std::uint32_t i = 0; i < slots_.size(); ++i) release(i);
  timers_ = {};
  dirty_.clear();
  changed_.clear();
  rst_refilled_at_.reset();
  rst_tokens_ = config_.rst_burst;
}

Connection* SocketTable::conn_at(std::uint32_t slot) {
  auto& s = slots_[slot].sock;
  return s ? std::get_if<Connection>(&s->body) : nullptr;
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

bool SocketTable::port_taken(Endpoint4 local) const {
  // Linux without SO_REUSEADDR (but connections in TIME-WAIT or accepted
  // from a listener never block a bind: only bound sockets and listeners).
  if (local.addr.is_unspecified()) {
    auto it = port_refs_.find(local.port);
    return it != port_refs_.end() && it->second > 0;
  }
  return bound_.count(bound_key(local)) > 0 || bound_.count(bound_key(Endpoint4{Ipv4Address::any(), local.port})) > 0;
}

void SocketTable::add_bound(std::uint32_t slot, Endpoint4 local) {
  bound_.emplace(bound_key(local), slot);
  ++port_refs_[local.port];
  Sock& s = *slots_[slot].sock;
  s.bound_port = true;
  s.local = local;
}

void SocketTable::remove_bound(std::uint32_t slot) {
  Sock& s = *slots_[slot].sock;
  if (!s.bound_port) return;
  auto [it, end] = bound_.equal_range(bound_key(s.local));
  for (; it != end; ++it) {
    if (it->second == slot) {
      bound_.erase(it);
      if (auto r = port_refs_.find(s.local.port); r != port_refs_.end() && --r->second == 0) port_refs_.erase(r);
      break;
    }
  }
  s.bound_port = false;
}

Result<Endpoint4, SocketError> SocketTable::bind_ephemeral(std::uint32_t slot, Ipv4Address local,
                                                    std::optional<Endpoint4> remote) {
  // RFC 6056 3.3.3 algorithm 3: start at a keyed hash of the addresses, step
  // a shared counter; for a connect(), a port is suitable when the 4-tuple
  // is free, so one port serves many destinations.
  const std::uint32_t num = std::uint32_t{config_.ephemeral_last} - config_.ephemeral_first + 1;
  const Endpoint4 r = remote.value_or(Endpoint4{});
  const auto offset = static_cast<std::uint32_t>(
      mix(port_key_ ^ (std::uint64_t{local.to_u32()} << 32 | r.addr.to_u32())) ^ r.port);
  for (std::uint32_t count = num; count > 0; --count) {
    const auto port = static_cast<std::uint16_t>(config_.ephemeral_first + (offset + next_ephemeral_) % num);
    ++next_ephemeral_;
    const Endpoint4 e{local, port};
    if (port_taken(e)) continue;
    if (remote) {
      if (demux_.count(tuple_of(e, *remote)) > 0) continue;
    }
    if (!remote) add_bound(slot, e);
    return e;
  }
  return Unexpected{error_for(Errc::no_ephemeral_port,
                              "no free ephemeral port in " + std::to_string(config_.ephemeral_first) + "-" +
                                  std::to_string(config_.ephemeral_last) +
                                  ": close some connections or widen the range")};
}

std::optional<std::uint32_t> SocketTable::find_listener(Ipv4Address dst, std::uint16_t port) const {
  for (const Endpoint4 e : {Endpoint4{dst, port}, Endpoint4{Ipv4Address::any(), port}}) {
    auto [it, end] = bound_.equal_range(bound_key(e));
    for (; it != end; ++it) {
      const auto& s = slots_[it->second].sock;
      if (s && s->kind == Kind::listener && !s->orphan) return it->second;
    }
  }
  return std::nullopt;
}

std::uint16_t SocketTable::mss_for(std::uint16_t mtu) const {
  const auto path = static_cast<std::uint16_t>(std::max<int>(mtu - 40, 64));
  return config_.mss_from_path ? path : std::min(config_.connection.mss, path);
}

ConnectionConfig SocketTable::config_for(Ipv4Address remote) const {
  ConnectionConfig c = config_.connection;
  // RFC 9293 3.7.1 / RFC 1122 4.2.2.6: MSS = MTU - 40 of the interface the
  // segments leave by (SHOULD-5: the MSS option carries what we can receive).
  if (auto p = ip_.path_to(remote)) c.mss = mss_for(p->mtu);
  return c;
}

// ---- Application side ------------------------------------------------------------

SocketHandle SocketTable::open() { return handle_of(allocate()); }

Result<Endpoint4, SocketError> SocketTable::bind(SocketHandle h, Endpoint4 local) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "bind: the socket is closed (stale handle)")};
  if (s->kind != Kind::fresh) {
    return Unexpected{error_for(Errc::already_bound, "bind: the socket is already bound to " + str(s->local))};
  }
  if (!local.addr.is_unspecified() && !ip_.is_local_address(local.addr)) {
    return Unexpected{error_for(Errc::address_not_available,
                                "bind " + str(local) + ": this host has no such address; bind to 0.0.0.0 or one of its addresses")};
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

Result<void, SocketError> SocketTable::listen(SocketHandle h, std::uint32_t backlog) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "listen: the socket is closed (stale handle)")};
  if (s->kind == Kind::connection) {
    return Unexpected{error_for(Errc::invalid_argument, "listen: the socket is a connection; open a new socket to listen")};
  }
  if (s->kind == Kind::fresh) {
    auto r = bind_ephemeral(h.index, Ipv4Address::any(), std::nullopt);
    if (!r) return Unexpected{r.error()};
  }
  const std::uint32_t b = std::clamp<std::uint32_t>(backlog, 1, std::max<std::uint32_t>(config_.max_backlog, 1));
  if (s->kind == Kind::listener) {
    std::get<Listener>(s->body).backlog = b;  // as listen(2) again: a new backlog
    return {};
  }
  s->kind = Kind::listener;
  s->body.emplace<Listener>().backlog = b;
  return {};
}

Result<SocketHandle, SocketError> SocketTable::accept(SocketHandle h) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "accept: the socket is closed (stale handle)")};
  if (s->kind != Kind::listener) {
    return Unexpected{error_for(Errc::invalid_argument, "accept: the socket is not listening; call listen() first")};
  }
  auto& l = std::get<Listener>(s->body);
  while (!l.accept_q.empty()) {
    const std::uint32_t child = l.accept_q.front();
    l.accept_q.pop_front();
    Sock& c = *slots_[child].sock;
    c.queued = false;
    c.accepted = true;
    ++counters_.accepted;
    mark_changed(child);
    return handle_of(child);
  }
  return Unexpected{error_for(Errc::would_block, "accept: no connection is waiting")};
}

Result<void, SocketError> SocketTable::connect(SocketHandle h, Endpoint4 remote, Instant now) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "connect: the socket is closed (stale handle)")};
  if (s->kind == Kind::connection) {
    return Unexpected{error_for(Errc::already_connected, "connect: the socket is already connected to " +
                                                             str(std::get<Connection>(s->body).remote()))};
  }
  if (s->kind == Kind::listener) {
    return Unexpected{error_for(Errc::invalid_argument, "connect: the socket is listening; open a new socket to connect")};
  }
  if (remote.port == 0 || !remote.addr.is_unicast()) {
    return Unexpected{error_for(Errc::invalid_argument,
                                "connect " + str(remote) + ": need a unicast address and a port other than 0")};
  }
  const auto path = ip_.path_to(remote.addr);
  if (!path) {
    return Unexpected{error_for(Errc::net_unreachable,
                                "connect " + str(remote) + ": no route to the destination; add a route or a gateway")};
  }
  Endpoint4 local = s->local;
  if (s->kind == Kind::bound) {
    if (local.addr.is_unspecified()) local.addr = path->src;
    if (demux_.count(tuple_of(local, remote)) > 0) {
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
  cfg.mss = mss_for(path->mtu);
  const std::uint32_t iss = isn_.isn(local.addr, local.port, remote.addr, remote.port, now);
  s->kind = Kind::connection;
  s->local = local;
  s->error.reset();
  s->soft_error.reset();
  auto& c = s->body.emplace<Connection>(Connection::connect(cfg, local, remote, iss, now));
  const std::uint32_t slot = h.index;
  c.set_state_hook([this, slot](State from, State to) { on_state(slot, from, to); });
  demux_.emplace(tuple_of(local, remote), slot);
  ++counters_.active_opens;
  on_state(slot, State::closed, State::syn_sent);  // Connection::connect ran before the hook was set
  mark_dirty(slot);
  return {};
}

Result<std::size_t, SocketError> SocketTable::send(SocketHandle h, Bytes data) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "send: the socket is closed (stale handle)")};
  auto* c = std::get_if<Connection>(&s->body);
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
  auto r = c->send(data);
  if (!r) {
    if (r.error() == SendError::would_block) {
      return Unexpected{error_for(Errc::would_block, "send: the send buffer is full; wait until writable")};
    }
    return Unexpected{error_for(Errc::broken_pipe, "send: the sending side is shut down")};
  }
  if (*r > 0) mark_dirty(h.index);
  if (*r == 0 && !data.empty()) {
    return Unexpected{error_for(Errc::would_block, "send: the send buffer is full; wait until writable")};
  }
  return *r;
}

Result<std::size_t, SocketError> SocketTable::recv(SocketHandle h, MutBytes out) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "recv: the socket is closed (stale handle)")};
  auto* c = std::get_if<Connection>(&s->body);
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
  return Unexpected{error_for(Errc::would_block, "recv: no data yet")};
}

Result<void, SocketError> SocketTable::shutdown_send(SocketHandle h) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "shutdown: the socket is closed (stale handle)")};
  auto* c = std::get_if<Connection>(&s->body);
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
      auto& c = std::get<Connection>(s->body);
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
  if (auto* c = std::get_if<Connection>(&s->body)) {
    c->abort();
    s->orphan = true;
    remove_bound(h.index);
    mark_dirty(h.index);
    return {};
  }
  return close(h);
}

std::optional<Errc> SocketTable::take_error(SocketHandle h) {
  Sock* s = find(h);
  if (s == nullptr) return std::nullopt;
  std::optional<Errc> e = s->error;
  s->error.reset();
  return e;
}

std::uint8_t SocketTable::readiness(SocketHandle h) const {
  const Sock* s = find(h);
  if (s == nullptr) return 0;
  if (s->kind == Kind::listener) {
    return std::get<Listener>(s->body).accept_q.empty() ? 0 : ready::kReadable;
  }
  const auto* c = std::get_if<Connection>(&s->body);
  if (c == nullptr) return 0;
  std::uint8_t r = 0;
  if (c->can_recv() || c->eof()) r |= ready::kReadable;
  if (c->can_send() && (is_synchronized(c->state()))) r |= ready::kWritable;
  if (s->error || (c->state() == State::closed && c->error())) r |= ready::kError | ready::kReadable;
  if (c->state() == State::closed || c->eof()) r |= ready::kHangup;
  return r;
}

std::optional<State> SocketTable::state(SocketHandle h) const {
  const Sock* s = find(h);
  if (s == nullptr) return std::nullopt;
  if (s->kind == Kind::listener) return State::listen;
  if (const auto* c = std::get_if<Connection>(&s->body)) return c->state();
  return State::closed;
}

std::optional<Endpoint4> SocketTable::local_endpoint(SocketHandle h) const {
  const Sock* s = find(h);
  if (s == nullptr || s->kind == Kind::fresh) return std::nullopt;
  return s->local;
}

std::optional<Endpoint4> SocketTable::remote_endpoint(SocketHandle h) const {
  const Sock* s = find(h);
  if (s == nullptr) return std::nullopt;
  if (const auto* c = std::get_if<Connection>(&s->body)) return c->remote();
  return std::nullopt;
}

std::size_t SocketTable::accept_queue_len(SocketHandle h) const {
  const Sock* s = find(h);
  if (s == nullptr || s->kind != Kind::listener) return 0;
  return std::get<Listener>(s->body).accept_q.size();
}

std::size_t SocketTable::syn_queue_len(SocketHandle h) const {
  const Sock* s = find(h);
  if (s == nullptr || s->kind != Kind::listener) return 0;
  return std::get<Listener>(s->body).syn_count;
}

Connection* SocketTable::connection(SocketHandle h) {
  Sock* s = find(h);
  if (s == nullptr) return nullptr;
  if (auto* c = std::get_if<Connection>(&s->body)) {
    mark_dirty(h.index);  // an option may have changed: let poll() re-arm timers
    return c;
  }
  return nullptr;
}

const Connection* SocketTable::connection(SocketHandle h) const {
  const Sock* s = find(h);
  return s == nullptr ? nullptr : std::get_if<Connection>(&s->body);
}

std::vector<SocketHandle> SocketTable::take_changed() {
  std::vector<SocketHandle> out;
  out.reserve(changed_.size());
  for (std::uint32_t slot : changed_) {
    auto& s = slots_[slot].sock;
    if (!s) continue;
    s->changed = false;
    if (!s->orphan && s->accepted) out.push_back(handle_of(slot));
  }
  changed_.clear();
  return out;
}

std::size_t SocketTable::buffer_bytes() const {
  std::size_t total = 0;
  for (const auto& [tuple, slot] : demux_) {
    if (const auto* c = std::get_if<Connection>(&slots_[slot].sock->body)) total += c->allocated_bytes();
  }
  return total;
}

void SocketTable::for_each_connection(const std::function<void(const Connection&)>& visit) const {
  for (const auto& [tuple, slot] : demux_) {
    if (const auto* c = std::get_if<Connection>(&slots_[slot].sock->body)) visit(*c);
  }
}

// ---- Bookkeeping -----------------------------------------------------------------

void SocketTable::mark_dirty(std::uint32_t slot) {
  Sock& s = *slots_[slot].sock;
  if (s.dirty) return;
  s.dirty = true;
  dirty_.push_back(slot);
}

void SocketTable::mark_changed(std::uint32_t slot) {
  Sock& s = *slots_[slot].sock;
  if (s.changed) return;
  s.changed = true;
  changed_.push_back(slot);
}

void SocketTable::on_state(std::uint32_t slot, State from, State to) {
  Sock& s = *slots_[slot].sock;
  const auto& c = std::get<Connection>(s.body);
  if (tracer_) tracer_(c.local(), c.remote(), from, to);
  mark_changed(slot);
  if (to == State::established) ++counters_.established;
  if (to == State::closed && c.error()) ++counters_.failed;
  // A listener's child completing its handshake joins the accept queue.
  if (!s.accepted && !s.queued && is_synchronized(to)) {
    Slot& ps = slots_[s.parent];
    if (ps.generation == s.parent_gen && ps.sock && ps.sock->kind == Kind::listener && !ps.sock->orphan) {
      auto& l = std::get<Listener>(ps.sock->body);
      if (l.syn_count > 0) --l.syn_count;
      s.queued = true;
      l.accept_q.push_back(slot);
      mark_changed(s.parent);
    }
  }
}

void SocketTable::flush(std::uint32_t slot, Instant now) {
  auto& sock = slots_[slot].sock;
  if (!sock) return;
  auto* c = std::get_if<Connection>(&sock->body);
  if (c == nullptr) return;
  TcpRepr header;
  storage::SpanPair payload;
  while (c->poll_output_view(now, header, payload)) {
    ++counters_.segments_out;
    ip_.send_segment(c->local().addr, c->remote().addr, header, payload, now);
  }
  if (c->state() == State::closed) {
    connection_closed(slot);
    return;
  }
  // An orphan stuck in FIN-WAIT-2 (the peer never closes) is dropped later.
  if (sock->orphan && c->state() == State::fin_wait_2 && !sock->orphan_deadline) {
    sock->orphan_deadline = now + config_.orphan_fin_timeout;
  }
  std::optional<Instant> next = c->poll_at();
  if (sock->orphan_deadline && (!next || *sock->orphan_deadline < *next)) next = sock->orphan_deadline;
  if (next != sock->deadline) {
    sock->deadline = next;
    if (next) timers_.push(TimerEntry{*next, slot});
  }
}

void SocketTable::connection_closed(std::uint32_t slot) {
  Sock& s = *slots_[slot].sock;
  auto& c = std::get<Connection>(s.body);
  if (c.error() && !s.error) {
    Errc e = errc_of(*c.error());
    // A time-out after ICMP errors reports what the network said (Linux's sk_err_soft).
    if (e == Errc::timed_out && s.soft_error) e = *s.soft_error;
    s.error = e;
  }
  // Leave the 4-tuple free at once (a new connect() may reuse it).
  auto it = demux_.find(tuple_of(c.local(), c.remote()));
  if (it != demux_.end() && it->second == slot) demux_.erase(it);
  if (!s.accepted) {
    // A child that dies before accept(): off its listener's queues.
    Slot& ps = slots_[s.parent];
    if (ps.generation == s.parent_gen && ps.sock && ps.sock->kind == Kind::listener) {
      auto& l = std::get<Listener>(ps.sock->body);
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
  s.deadline.reset();
  mark_changed(slot);  // the application learns of the end through its handle
}

void SocketTable::close_listener(std::uint32_t slot) {
  // Every connection not yet accepted is reset (Linux inet_csk_listen_stop).
  std::vector<std::uint32_t> children;
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    const auto& s = slots_[i].sock;
    if (s && !s->accepted && s->parent == slot && s->parent_gen == slots_[slot].generation) children.push_back(i);
  }
  for (std::uint32_t child : children) {
    Sock& s = *slots_[child].sock;
    s.accepted = true;  // detached from the listener
    s.queued = false;
    s.orphan = true;
    std::get<Connection>(s.body).abort();
    mark_dirty(child);
  }
  release(slot);
}

// ---- Network side -------------------------------------------------------------------

void SocketTable::on_segment(Ipv4Address src, Ipv4Address dst, const TcpRepr& seg, Bytes payload, Instant now) {
  ++counters_.segments_in;
  const Endpoint4 local{dst, seg.dst_port};
  const Endpoint4 remote{src, seg.src_port};
  if (auto it = demux_.find(tuple_of(local, remote)); it != demux_.end()) {
    const std::uint32_t slot = it->second;
    Connection& c = *conn_at(slot);
    // RFC 9293 3.10.7.4 (TIME-WAIT) and RFC 1122 4.2.2.13: a new SYN beyond
    // the old connection's sequence space may reopen the 4-tuple.
    if (c.state() == State::time_wait && seg.flags.syn() && !seg.flags.ack() && !seg.flags.rst() &&
        SeqNum(seg.seq) > c.rcv_nxt()) {
      if (auto l = find_listener(dst, seg.dst_port)) {
        ++counters_.time_wait_reused;
        demux_.erase(it);
        Sock& s = *slots_[slot].sock;
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
    c.on_segment(seg, payload, now);
    mark_changed(slot);  // data, EOF, a state change, or send space freed by an ACK
    flush(slot, now);
    return;
  }
  if (auto l = find_listener(dst, seg.dst_port)) {
    listen_input(*l, src, dst, seg, payload, now);
    return;
  }
  ++counters_.no_socket;
  send_reset(src, dst, seg, payload.size(), now);
}

void SocketTable::send_reset(Ipv4Address src, Ipv4Address dst, const TcpRepr& seg, std::size_t payload_len,
                             Instant now) {
  auto rst = Connection::reset_for(seg, payload_len);
  if (!rst) return;
  if (!take_rst_token(now)) {
    ++counters_.rst_rate_limited;
    return;
  }
  ++counters_.rst_out;
  ++counters_.segments_out;
  ip_.send_segment(dst, src, *rst, storage::SpanPair{}, now);
}

bool SocketTable::take_rst_token(Instant now) {
  if (config_.rst_rate == 0) return true;
  if (rst_refilled_at_) {
    const double dt = to_seconds(now - *rst_refilled_at_);
    if (dt > 0) rst_tokens_ = std::min<double>(config_.rst_burst, rst_tokens_ + dt * config_.rst_rate);
  }
  rst_refilled_at_ = now;
  if (rst_tokens_ < 1) return false;
  rst_tokens_ -= 1;
  return true;
}

void SocketTable::listen_input(std::uint32_t lslot, Ipv4Address src, Ipv4Address dst, const TcpRepr& seg,
                               Bytes payload, Instant now) {
  Sock& ls = *slots_[lslot].sock;
  auto& l = std::get<Listener>(ls.body);
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
    send_cookie_syn_ack(src, dst, seg, l, now);
    return;
  }
  const Endpoint4 local{dst, seg.dst_port};
  const Endpoint4 remote{src, seg.src_port};
  const std::uint32_t iss = isn_.isn(local.addr, local.port, remote.addr, remote.port, now);
  Connection c = Connection::accept_syn(config_for(src), local, remote, seg, iss, now);
  ++l.syn_count;
  const std::uint32_t child = add_child(lslot, std::move(c));
  flush(child, now);
}

std::uint32_t SocketTable::add_child(std::uint32_t lslot, Connection c) {
  const std::uint32_t lgen = slots_[lslot].generation;
  const std::uint32_t child = allocate();  // may grow slots_ (a deque: references stay valid)
  Sock& s = *slots_[child].sock;
  s.kind = Kind::connection;
  s.accepted = false;
  s.parent = lslot;
  s.parent_gen = lgen;
  s.local = c.local();
  auto& conn = s.body.emplace<Connection>(std::move(c));
  conn.set_state_hook([this, child](State from, State to) { on_state(child, from, to); });
  demux_.emplace(tuple_of(conn.local(), conn.remote()), child);
  ++counters_.passive_opens;
  on_state(child, State::listen, State::syn_received);  // as above: before the hook
  return child;
}

void SocketTable::send_cookie_syn_ack(Ipv4Address src, Ipv4Address dst, const TcpRepr& syn, Listener& l,
                                      Instant now) {
  const ConnectionConfig cfg = config_for(src);
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
  // Window scale and SACK-permitted survive only inside the timestamp
  // (syn_cookie.hpp); without timestamps they are not offered.
  if (cfg.timestamps && syn.options.timestamps) {
    CookieTsOptions opts{.sack_permitted = cfg.sack && syn.options.sack_permitted};
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
  ip_.send_segment(dst, src, r, storage::SpanPair{}, now);
}

bool SocketTable::cookies_recent(const Listener& l, Instant now) const {
  if (!l.last_cookie) return false;
  const Duration window = cookies_.config().period * static_cast<std::int64_t>(cookies_.config().max_age_periods);
  return now - *l.last_cookie <= window;
}

bool SocketTable::try_cookie(std::uint32_t lslot, Ipv4Address src, Ipv4Address dst, const TcpRepr& ack,
                             Bytes payload, Instant now) {
  auto& l = std::get<Listener>(slots_[lslot].sock->body);
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
  }
  ConnectionConfig cfg = config_for(src);
  if (!ack.options.timestamps) cfg.timestamps = false;
  const Endpoint4 local{dst, ack.dst_port};
  const Endpoint4 remote{src, ack.src_port};
  const std::uint32_t child = add_child(lslot, Connection::from_cookie(cfg, local, remote, syn, ack.ack - 1, now));
  // from_cookie starts in SYN-RECEIVED: count it as in the SYN queue until the ACK moves it.
  ++std::get<Listener>(slots_[lslot].sock->body).syn_count;
  Connection& c = *conn_at(child);
  c.on_segment(ack, payload, now);
  flush(child, now);
  return true;
}

void SocketTable::on_icmp_error(Endpoint4 local, Endpoint4 remote, Errc error, bool local_failure) {
  auto it = demux_.find(tuple_of(local, remote));
  if (it == demux_.end()) return;
  const std::uint32_t slot = it->second;
  Sock& s = *slots_[slot].sock;
  Connection& c = std::get<Connection>(s.body);
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
  while (!dirty_.empty()) {
    std::vector<std::uint32_t> batch;
    batch.swap(dirty_);
    for (std::uint32_t slot : batch) {
      auto& s = slots_[slot].sock;
      if (!s) continue;
      s->dirty = false;
      if (std::holds_alternative<Connection>(s->body)) {
        flush(slot, now);
      } else if (s->orphan) {
        release(slot);
      }
    }
  }
  while (!timers_.empty() && timers_.top().at <= now) {
    const TimerEntry e = timers_.top();
    timers_.pop();
    auto& s = slots_[e.slot].sock;
    if (!s || s->deadline != e.at) continue;  // stale: rescheduled or gone
    s->deadline.reset();
    if (s->orphan_deadline && *s->orphan_deadline <= now) {
      auto* c = std::get_if<Connection>(&s->body);
      if (c != nullptr && c->state() == State::fin_wait_2) {
        ++counters_.orphans_dropped;
        c->abort();  // a RST, as Linux's FIN-WAIT-2 timer sends
      }
      s->orphan_deadline.reset();
    }
    flush(e.slot, now);
    if (slots_[e.slot].sock) mark_changed(e.slot);
  }
}

std::optional<Instant> SocketTable::poll_at() const {
  if (!dirty_.empty()) return Instant::min();
  if (timers_.empty()) return std::nullopt;
  return timers_.top().at;
}

}  // namespace wirestack::tcp
