// udp/udp_socket.cpp — see udp_socket.hpp.
#include "udp/udp_socket.hpp"

#include <utility>

#include "base/assert.hpp"

namespace wirestack::udp {

namespace {

std::string str(const IpEndpoint& e) { return e.to_string(); }

std::string to_string_family(IpFamily f) { return f == IpFamily::v4 ? "IPv4" : "IPv6"; }

Unexpected<Error> fail(Errc code, std::string message) { return Unexpected{Error{code, std::move(message)}}; }

std::string pending_message(Errc e) {
  switch (e) {
    case Errc::connection_refused:
      return "connection refused: the peer answered with ICMP port unreachable (nothing listens on that port)";
    case Errc::host_unreachable: return "host unreachable: the next hop did not answer ARP, or a router said so";
    case Errc::net_unreachable:
      return "network unreachable: no route to the destination (add a route or a default gateway)";
    case Errc::message_too_long: return "message too long for the path MTU with don't-fragment set";
    default: return std::string(to_string(e));
  }
}

}  // namespace


SocketTable::SocketTable(Rng& rng, SocketTableConfig config)
    : config_(config), ports_(rng.next_u64(), config.ephemeral) {}

SocketHandle SocketTable::open() {
  std::uint32_t index;
  if (!free_.empty()) {
    index = *free_.begin();
    free_.erase(free_.begin());
  } else {
    index = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& slot = slots_[index];
  slot.socket.emplace();
  ++open_;
  return SocketHandle{.index = index, .generation = slot.generation};
}

void SocketTable::close_all() {
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].socket) close(SocketHandle{i, slots_[i].generation});
  }
}

bool SocketTable::close(SocketHandle h) {
  Socket* s = find(h);
  if (s == nullptr) return false;
  if (s->local) {
    auto [lo, hi] = by_port_.equal_range(s->local->port);
    for (auto it = lo; it != hi; ++it) {
      if (it->second == h.index) {
        by_port_.erase(it);
        break;
      }
    }
  }
  tx_count_ -= s->tx.size();
  Slot& slot = slots_[h.index];
  slot.socket.reset();
  ++slot.generation;
  free_.insert(h.index);
  --open_;
  return true;
}

SocketTable::Socket* SocketTable::find(SocketHandle h) {
  if (h.index >= slots_.size()) return nullptr;
  Slot& slot = slots_[h.index];
  if (slot.generation != h.generation || !slot.socket) return nullptr;
  return &*slot.socket;
}

const SocketTable::Socket* SocketTable::find(SocketHandle h) const {
  return const_cast<SocketTable*>(this)->find(h);  // NOLINT: same lookup, const result
}

bool SocketTable::port_taken(const IpEndpoint& local) const {
  auto [lo, hi] = by_port_.equal_range(local.port);
  for (auto it = lo; it != hi; ++it) {
    const IpAddress& other = slots_[it->second].socket->local->addr;
    if (other.family() != local.addr.family()) continue;  // separate port spaces
    if (other == local.addr || other.is_unspecified() || local.addr.is_unspecified()) return true;
  }
  return false;
}

Result<IpEndpoint, Error> SocketTable::bind_ephemeral(SocketHandle h, Socket& s, const IpAddress& local,
                                                      const IpEndpoint& remote) {
  // RFC 6056 algorithm 3 (transport/port_allocator.hpp); a datagram socket
  // needs its port free for its address.
  auto port = ports_.pick(local, remote, [&](std::uint16_t p) { return !port_taken(IpEndpoint{local, p}); });
  if (!port) return Unexpected{port.error()};
  const IpEndpoint e{local, *port};
  s.local = e;
  by_port_.emplace(*port, h.index);
  return e;
}

Result<IpEndpoint, Error> SocketTable::bind(SocketHandle h, IpEndpoint local) {
  Socket* s = find(h);
  if (s == nullptr) return fail(Errc::invalid_handle, "bind: the socket is closed (stale handle)");
  if (s->local) return fail(Errc::already_bound, "bind: socket already bound to " + str(*s->local));
  if (local.addr.is_multicast()) return fail(Errc::invalid_argument, "bind: multicast addresses are not supported");
  if (local.port == 0) return bind_ephemeral(h, *s, local.addr, IpEndpoint{IpAddress::any(local.addr.family()), 0});
  if (local.port < 1024 && !config_.allow_privileged_ports) {
    return fail(Errc::permission_denied, "bind " + str(local) +
                                             ": ports below 1024 are reserved on this host; use a port >= 1024 or "
                                             "allow privileged ports");
  }
  if (port_taken(local)) {
    return fail(Errc::address_in_use, "bind " + str(local) + ": address in use (another socket holds port " +
                                          std::to_string(local.port) + "); pick another port or close that socket");
  }
  s->local = local;
  by_port_.emplace(local.port, h.index);
  return local;
}

Result<void, Error> SocketTable::ensure_bound(SocketHandle h, Socket& s, IpEndpoint remote) {
  if (s.local) return {};
  auto r = bind_ephemeral(h, s, IpAddress::any(remote.addr.family()), remote);
  if (!r) return Unexpected{r.error()};
  return {};
}

Result<void, Error> SocketTable::connect(SocketHandle h, IpEndpoint remote) {
  Socket* s = find(h);
  if (s == nullptr) return fail(Errc::invalid_handle, "connect: the socket is closed (stale handle)");
  if (remote.port == 0 || remote.addr.is_unspecified() || remote.addr.is_multicast()) {
    return fail(Errc::invalid_argument, "connect " + str(remote) + ": need a unicast or broadcast address and a port");
  }
  if (auto r = ensure_bound(h, *s, remote); !r) return r;
  if (s->local->addr.family() != remote.addr.family()) {
    return fail(Errc::address_family, "connect " + str(remote) + ": the socket is bound to " + str(*s->local) +
                                          ", an address of the other IP family");
  }
  s->remote = remote;
  s->error.reset();
  return {};
}

Result<void, Error> SocketTable::send_to(SocketHandle h, IpEndpoint dst, Bytes payload) {
  Socket* s = find(h);
  if (s == nullptr) return fail(Errc::invalid_handle, "send: the socket is closed (stale handle)");
  if (s->error) {
    const Errc e = *s->error;
    s->error.reset();
    return fail(e, pending_message(e));
  }
  if (dst.port == 0 || dst.addr.is_unspecified()) {
    return fail(Errc::invalid_argument, "send to " + str(dst) + ": the destination needs an address and a port");
  }
  if (const std::size_t max = max_udp_payload(dst.addr.family()); payload.size() > max) {
    return fail(Errc::message_too_long, "send: " + std::to_string(payload.size()) + " bytes is more than one UDP "
                                            "datagram over " + to_string_family(dst.addr.family()) + " holds (" +
                                            std::to_string(max) + ")");
  }
  if (s->tx.size() >= config_.send_queue_datagrams) {
    return fail(Errc::would_block, "send: the send queue is full; poll the interface, then retry");
  }
  if (auto r = ensure_bound(h, *s, dst); !r) return r;
  if (s->local->addr.family() != dst.addr.family()) {
    return fail(Errc::address_family, "send to " + str(dst) + ": the socket is bound to " + str(*s->local) +
                                          ", an address of the other IP family");
  }
  s->tx.push_back(Outgoing{.socket = h,
                           .src = *s->local,
                           .dst = dst,
                           .payload = ByteVec(payload.begin(), payload.end()),
                           .ttl = s->ttl,
                           .dont_fragment = s->dont_fragment});
  ++tx_count_;
  return {};
}

Result<void, Error> SocketTable::send(SocketHandle h, Bytes payload) {
  const Socket* s = find(h);
  if (s == nullptr) return fail(Errc::invalid_handle, "send: the socket is closed (stale handle)");
  if (!s->remote) return fail(Errc::not_connected, "send: the socket is not connected; connect() or use send_to()");
  return send_to(h, *s->remote, payload);
}

Result<Datagram, Error> SocketTable::recv_from(SocketHandle h) {
  Socket* s = find(h);
  if (s == nullptr) return fail(Errc::invalid_handle, "recv: the socket is closed (stale handle)");
  if (s->rx.empty()) return fail(Errc::would_block, transport::kRecvWouldBlock);
  Datagram d = std::move(s->rx.front());
  s->rx.pop_front();
  s->rx_bytes -= d.payload.size();
  return d;
}

std::optional<Errc> SocketTable::take_error(SocketHandle h) {
  Socket* s = find(h);
  if (s == nullptr) return std::nullopt;
  return std::exchange(s->error, std::nullopt);
}

Result<void, Error> SocketTable::set_ttl(SocketHandle h, std::uint8_t ttl) {
  Socket* s = find(h);
  if (s == nullptr) return fail(Errc::invalid_handle, "set_ttl: the socket is closed (stale handle)");
  if (ttl == 0) return fail(Errc::invalid_argument, "set_ttl: TTL 0 would never leave the host; use 1..255");
  s->ttl = ttl;
  return {};
}

Result<void, Error> SocketTable::set_dont_fragment(SocketHandle h, bool on) {
  Socket* s = find(h);
  if (s == nullptr) return fail(Errc::invalid_handle, "set_dont_fragment: the socket is closed (stale handle)");
  s->dont_fragment = on;
  return {};
}

std::optional<IpEndpoint> SocketTable::local_endpoint(SocketHandle h) const {
  const Socket* s = find(h);
  return s != nullptr ? s->local : std::nullopt;
}

std::optional<IpEndpoint> SocketTable::remote_endpoint(SocketHandle h) const {
  const Socket* s = find(h);
  return s != nullptr ? s->remote : std::nullopt;
}

std::size_t SocketTable::recv_queue_len(SocketHandle h) const {
  const Socket* s = find(h);
  return s != nullptr ? s->rx.size() : 0;
}

std::vector<Outgoing> SocketTable::take_tx() {
  std::vector<Outgoing> out;
  if (tx_count_ == 0) return out;
  out.reserve(tx_count_);
  for (Slot& slot : slots_) {
    if (!slot.socket) continue;
    for (Outgoing& o : slot.socket->tx) out.push_back(std::move(o));
    slot.socket->tx.clear();
  }
  tx_count_ = 0;
  counters_.datagrams_out += out.size();
  return out;
}

int SocketTable::score(const Socket& s, IpEndpoint local, IpEndpoint remote) const {
  // Linux's compute_score(): exact local address and a matching peer score
  // higher; a connected socket whose peer differs does not match at all.
  int score = 0;
  if (s.local->addr.family() != local.addr.family()) return -1;
  if (!s.local->addr.is_unspecified()) {
    if (s.local->addr != local.addr) return -1;
    score += 1;
  }
  if (s.remote) {
    if (*s.remote != remote) return -1;
    score += 2;
  }
  return score;
}

std::optional<std::uint32_t> SocketTable::match(IpEndpoint local, IpEndpoint remote) const {
  std::optional<std::uint32_t> best;
  int best_score = -1;
  auto [lo, hi] = by_port_.equal_range(local.port);
  for (auto it = lo; it != hi; ++it) {
    const int s = score(*slots_[it->second].socket, local, remote);
    if (s > best_score) {
      best_score = s;
      best = it->second;
    }
  }
  return best;
}

DeliverStatus SocketTable::deliver(IpEndpoint from, IpEndpoint to, Bytes payload, std::uint8_t ttl, Instant now,
                                   bool broadcast) {
  if (broadcast) {
    // Every match gets a copy, in bind order (multimap order within a port).
    DeliverStatus result = DeliverStatus::no_socket;
    auto [lo, hi] = by_port_.equal_range(to.port);
    for (auto it = lo; it != hi; ++it) {
      Socket& s = *slots_[it->second].socket;
      if (score(s, to, from) < 0) continue;
      const DeliverStatus st = enqueue(s, from, to, payload, ttl, now);
      if (st == DeliverStatus::delivered || result == DeliverStatus::no_socket) result = st;
    }
    return result;
  }
  const auto index = match(to, from);
  if (!index) return DeliverStatus::no_socket;
  return enqueue(*slots_[*index].socket, from, to, payload, ttl, now);
}

DeliverStatus SocketTable::enqueue(Socket& s, IpEndpoint from, IpEndpoint to, Bytes payload, std::uint8_t ttl,
                                   Instant now) {
  if (s.rx.size() >= config_.recv_queue_datagrams || s.rx_bytes + payload.size() > config_.recv_queue_bytes) {
    ++counters_.rcvbuf_drops;
    return DeliverStatus::queue_full;
  }
  s.rx.push_back(Datagram{.from = from, .to = to, .payload = ByteVec(payload.begin(), payload.end()), .at = now,
                          .ttl = ttl});
  s.rx_bytes += payload.size();
  ++counters_.datagrams_in;
  return DeliverStatus::delivered;
}

bool SocketTable::on_icmp_error(IpEndpoint local, IpEndpoint remote, Errc error, bool remote_error) {
  const auto index = match(local, remote);
  if (!index) return false;
  Socket& s = *slots_[*index].socket;
  // RFC 1122 4.1.3.3 passes errors up; Linux reports them on a connected
  // socket only (unless IP_RECVERR), since an unconnected one cannot tell
  // which of its peers the error is about.
  if (remote_error && !s.remote) return false;
  s.error = error;
  ++counters_.errors_reported;
  return true;
}

void SocketTable::report_error(SocketHandle h, Errc error) {
  Socket* s = find(h);
  if (s == nullptr) return;
  s->error = error;
  ++counters_.errors_reported;
}

}  // namespace wirestack::udp
