// udp/udp_socket.cpp — see udp_socket.hpp.
#include "udp/udp_socket.hpp"

#include <sstream>
#include <utility>

#include "base/assert.hpp"

namespace wirestack::udp {

namespace {

std::string str(const Endpoint& e) {
  std::ostringstream os;
  os << e;
  return os.str();
}

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

// A 64-bit mix (splitmix64's finalizer): the keyed hash of RFC 6056
// algorithm 3. Not cryptographic: enough to make port choice depend on the
// secret key and the destination.
constexpr std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Endpoint& e) { return os << e.addr << ':' << e.port; }

std::ostream& operator<<(std::ostream& os, const SocketHandle& h) {
  return os << "udp#" << h.index << '.' << h.generation;
}

std::string_view to_string(Errc e) {
  switch (e) {
    case Errc::invalid_handle: return "invalid socket handle";
    case Errc::address_in_use: return "address in use";
    case Errc::address_not_available: return "address not available";
    case Errc::already_bound: return "socket already bound";
    case Errc::permission_denied: return "permission denied";
    case Errc::no_ephemeral_port: return "no ephemeral port free";
    case Errc::invalid_argument: return "invalid argument";
    case Errc::not_connected: return "destination address required";
    case Errc::message_too_long: return "message too long";
    case Errc::would_block: return "would block";
    case Errc::connection_refused: return "connection refused";
    case Errc::host_unreachable: return "host unreachable";
    case Errc::net_unreachable: return "network unreachable";
  }
  return "unknown error";
}

std::ostream& operator<<(std::ostream& os, Errc e) { return os << to_string(e); }
std::ostream& operator<<(std::ostream& os, const Error& e) { return os << e.message; }

SocketTable::SocketTable(Rng& rng, SocketTableConfig config) : config_(config), key_(rng.next_u64()) {
  WIRESTACK_ASSERT(config_.ephemeral_first <= config_.ephemeral_last);
  WIRESTACK_ASSERT(config_.ephemeral_first > 0);
}

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

bool SocketTable::port_taken(Endpoint local) const {
  auto [lo, hi] = by_port_.equal_range(local.port);
  for (auto it = lo; it != hi; ++it) {
    const Ipv4Address other = slots_[it->second].socket->local->addr;
    if (other == local.addr || other.is_unspecified() || local.addr.is_unspecified()) return true;
  }
  return false;
}

std::uint32_t SocketTable::hash_offset(Ipv4Address local, Endpoint remote) const {
  std::uint64_t h = mix(key_ ^ local.to_u32());
  h = mix(h ^ (std::uint64_t{remote.addr.to_u32()} << 16 | remote.port));
  return static_cast<std::uint32_t>(h);
}

Result<Endpoint, Error> SocketTable::bind_ephemeral(SocketHandle h, Socket& s, Ipv4Address local, Endpoint remote) {
  // RFC 6056 3.3.3, algorithm 3:
  //   offset = F(local_IP, remote_IP, remote_port, secret_key);
  //   count = num_ephemeral;
  //   do { port = min_ephemeral + (offset + next_ephemeral) % num_ephemeral;
  //        next_ephemeral++; if (check_suitable_port(port)) return port; } while (--count > 0);
  const std::uint32_t num = std::uint32_t{config_.ephemeral_last} - config_.ephemeral_first + 1;
  const std::uint32_t offset = hash_offset(local, remote);
  for (std::uint32_t count = num; count > 0; --count) {
    const auto port = static_cast<std::uint16_t>(config_.ephemeral_first + (offset + next_ephemeral_) % num);
    ++next_ephemeral_;
    const Endpoint e{local, port};
    if (!port_taken(e)) {
      s.local = e;
      by_port_.emplace(port, h.index);
      return e;
    }
  }
  return fail(Errc::no_ephemeral_port, "no free ephemeral port in " + std::to_string(config_.ephemeral_first) + "-" +
                                           std::to_string(config_.ephemeral_last) +
                                           ": close some sockets or widen the range");
}

Result<Endpoint, Error> SocketTable::bind(SocketHandle h, Endpoint local) {
  Socket* s = find(h);
  if (s == nullptr) return fail(Errc::invalid_handle, "bind: the socket is closed (stale handle)");
  if (s->local) return fail(Errc::already_bound, "bind: socket already bound to " + str(*s->local));
  if (local.addr.is_multicast()) return fail(Errc::invalid_argument, "bind: multicast addresses are not supported");
  if (local.port == 0) return bind_ephemeral(h, *s, local.addr, Endpoint{});
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

Result<void, Error> SocketTable::ensure_bound(SocketHandle h, Socket& s, Endpoint remote) {
  if (s.local) return {};
  auto r = bind_ephemeral(h, s, Ipv4Address::any(), remote);
  if (!r) return Unexpected{r.error()};
  return {};
}

Result<void, Error> SocketTable::connect(SocketHandle h, Endpoint remote) {
  Socket* s = find(h);
  if (s == nullptr) return fail(Errc::invalid_handle, "connect: the socket is closed (stale handle)");
  if (remote.port == 0 || remote.addr.is_unspecified() || remote.addr.is_multicast()) {
    return fail(Errc::invalid_argument, "connect " + str(remote) + ": need a unicast or broadcast address and a port");
  }
  if (auto r = ensure_bound(h, *s, remote); !r) return r;
  s->remote = remote;
  s->error.reset();
  return {};
}

Result<void, Error> SocketTable::send_to(SocketHandle h, Endpoint dst, Bytes payload) {
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
  if (payload.size() > kMaxUdpPayload) {
    return fail(Errc::message_too_long, "send: " + std::to_string(payload.size()) + " bytes is more than one UDP "
                                            "datagram holds (65507)");
  }
  if (s->tx.size() >= config_.send_queue_datagrams) {
    return fail(Errc::would_block, "send: the send queue is full; poll the interface, then retry");
  }
  if (auto r = ensure_bound(h, *s, dst); !r) return r;
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
  if (s->rx.empty()) return fail(Errc::would_block, "recv: no datagram waiting");
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

std::optional<Endpoint> SocketTable::local_endpoint(SocketHandle h) const {
  const Socket* s = find(h);
  return s != nullptr ? s->local : std::nullopt;
}

std::optional<Endpoint> SocketTable::remote_endpoint(SocketHandle h) const {
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

int SocketTable::score(const Socket& s, Endpoint local, Endpoint remote) const {
  // Linux's compute_score(): exact local address and a matching peer score
  // higher; a connected socket whose peer differs does not match at all.
  int score = 0;
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

std::optional<std::uint32_t> SocketTable::match(Endpoint local, Endpoint remote) const {
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

DeliverStatus SocketTable::deliver(Endpoint from, Endpoint to, Bytes payload, std::uint8_t ttl, Instant now,
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

DeliverStatus SocketTable::enqueue(Socket& s, Endpoint from, Endpoint to, Bytes payload, std::uint8_t ttl,
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

bool SocketTable::on_icmp_error(Endpoint local, Endpoint remote, Errc error, bool remote_error) {
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
