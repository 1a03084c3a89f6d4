// tcp/socket_state.cpp — what the application may ask of a socket in the
// table (socket_table.hpp) without changing it, beyond take_error(): its
// readiness, state, endpoints and queue lengths, the connection behind it,
// which sockets changed, and the buffer memory held.
#include <functional>

#include "tcp/socket_table.hpp"

namespace wirestack::tcp {

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
    return (*s->listener()).accept_q.empty() ? 0 : ready::kReadable;
  }
  const auto* c = s->conn();
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
  if (const auto* c = s->conn()) return c->state();
  return State::closed;
}

std::optional<IpEndpoint> SocketTable::local_endpoint(SocketHandle h) const {
  const Sock* s = find(h);
  if (s == nullptr || s->kind == Kind::fresh) return std::nullopt;
  return s->local;
}

std::optional<IpEndpoint> SocketTable::remote_endpoint(SocketHandle h) const {
  const Sock* s = find(h);
  if (s == nullptr || s->kind != Kind::connection) return std::nullopt;
  return s->remote;
}

std::size_t SocketTable::accept_queue_len(SocketHandle h) const {
  const Sock* s = find(h);
  if (s == nullptr || s->kind != Kind::listener) return 0;
  return (*s->listener()).accept_q.size();
}

std::size_t SocketTable::syn_queue_len(SocketHandle h) const {
  const Sock* s = find(h);
  if (s == nullptr || s->kind != Kind::listener) return 0;
  return (*s->listener()).syn_count;
}

SocketTable::ListenQueues SocketTable::listen_queues() const {
  ListenQueues q;
  for (const auto& [port, slot] : bound_) {  // sums: the map's order does not matter
    const Sock* s = slots_[slot] ? &*slots_[slot] : nullptr;
    if (s == nullptr || s->kind != Kind::listener) continue;
    const Listener& l = *s->listener();
    ++q.listeners;
    q.syn_queue += l.syn_count;
    q.accept_queue += l.accept_q.size();
    q.backlog += l.backlog;
  }
  return q;
}

Connection* SocketTable::connection(SocketHandle h) {
  Sock* s = find(h);
  if (s == nullptr) return nullptr;
  if (auto* c = s->conn()) {
    mark_dirty(h.index);  // an option may have changed: let poll() re-arm timers
    return c;
  }
  return nullptr;
}

const Connection* SocketTable::connection(SocketHandle h) const {
  const Sock* s = find(h);
  return s == nullptr ? nullptr : s->conn();
}

void SocketTable::take_changed(std::vector<SocketHandle>& out) {
  out.clear();
  for (std::uint32_t slot : changed_) {
    auto& s = slots_[slot];
    if (!s) continue;
    s->changed = false;
    if (!s->orphan && s->accepted) out.push_back(handle_of(slot));
  }
  changed_.clear();
}

std::size_t SocketTable::buffer_bytes() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const Slot& slot = slots_[i];
    if (!slot) continue;
    if (const auto* c = slot->conn()) total += c->allocated_bytes();
  }
  return total;
}

void SocketTable::for_each_connection(
    const std::function<void(const IpEndpoint&, const IpEndpoint&, const Connection&)>& visit) const {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    const Slot& slot = slots_[i];
    if (!slot) continue;
    if (const auto* c = slot->conn()) visit(slot->local, slot->remote, *c);
  }
}

}  // namespace wirestack::tcp
