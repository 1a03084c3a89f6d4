// app/stream_server.cpp — see stream_server.hpp.
#include "app/stream_server.hpp"
#include "app/tcp_apps.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace wirestack::app {

namespace {
// The send timeout restarts only once TCP has taken this much of the output
// (or all of it) since it last restarted: a client that opens its window a
// few bytes at a time, or whose zero window takes one byte per persist
// probe, is not reading.
constexpr std::size_t kSendProgressBytes = 4096;
}  // namespace

struct StreamServer::Conn final : SessionIo {
  StreamServer* server = nullptr;
  tcp::SocketHandle h;
  IpEndpoint peer_addr;
  IpEndpoint local_addr;
  std::unique_ptr<Session> session;
  std::vector<std::byte> out;  // written by the session, not yet taken by TCP
  std::size_t out_off = 0;
  Instant last_activity{};  // a byte in or out
  Instant request_start{};  // the request being received started no earlier than this
  Instant out_progress{};   // output became pending, or TCP last took kSendProgressBytes of it
  std::size_t out_taken = 0;  // bytes TCP took since out_progress
  runtime::TimerId timer{};
  Instant timer_at{};
  bool fresh = true;  // nothing received yet: the first request's clock runs from the accept
  bool close_requested = false;
  bool eof_seen = false;
  bool drained = false;  // on_drain() was called
  bool lingering = false;  // closed with a request half read: FIN sent, input discarded until linger_until
  Instant linger_until{};

  void write(Bytes data) override {
    if (close_requested || data.empty()) return;  // nothing after close()
    if (pending_output() == 0) {
      out_progress = server->host_.now();
      out_taken = 0;
    }
    out.insert(out.end(), data.begin(), data.end());
  }
  void close() override { close_requested = true; }
  Instant now() const override { return server->host_.now(); }
  std::chrono::system_clock::time_point wall_clock() const override { return server->host_.wall_clock(); }
  IpEndpoint peer() const override { return peer_addr; }
  IpEndpoint local() const override { return local_addr; }
  std::size_t pending_output() const override { return out.size() - out_off; }
  bool output_full() const override { return pending_output() >= server->config_.limits.max_output_bytes; }
  void message_complete() override { request_start = server->host_.now(); }
  void shed(Oversized what) override {
    ShedStats& s = server->stats_.shed;
    ++(what == Oversized::header ? s.oversized_header : s.oversized_body);
  }
};

StreamServer::StreamServer(runtime::Host& host, std::uint16_t port, Factory factory, StreamServerConfig config)
    : host_(host),
      config_(config),
      factory_(std::move(factory)),
      listener_(host.tcp().open()),
      bound_(host.tcp().bind(listener_, {IpAddress::any(IpFamily::v4), port})) {
  if (bound_) {
    if (auto r = host_.tcp().listen(listener_, config_.backlog); !r) bound_ = Unexpected{r.error()};
  }
  if (bound_) listener6_ = listen_v6(host_, bound_->port, config_.backlog);
  hook_ = host_.on_activity([this] { on_activity(); });
}

StreamServer::~StreamServer() {
  host_.remove_activity(hook_);
  auto& tcp = host_.tcp();
  for (auto& [key, c] : conns_) {
    host_.cancel(c->timer);
    (void)tcp.abort(c->h);
  }
  (void)tcp.close(listener_);
  if (listener6_) (void)tcp.close(*listener6_);
}

std::size_t StreamServer::open_from(const IpAddress& addr) const {
  auto it = per_address_.find(addr);
  return it == per_address_.end() ? 0 : it->second;
}

void StreamServer::shutdown() {
  if (draining_) return;
  draining_ = true;
  (void)host_.tcp().close(listener_);  // no new connections (the unaccepted are reset)
  if (listener6_) (void)host_.tcp().close(*listener6_);
  for (auto& [key, c] : conns_) {
    c->drained = true;
    c->session->on_drain(*c);
  }
  host_.kick();
}

void StreamServer::accept_all() {
  if (draining_) return;
  accept_from(listener_);
  if (listener6_) accept_from(*listener6_);
}

void StreamServer::accept_from(tcp::SocketHandle listener) {
  auto& tcp = host_.tcp();
  const Limits& lim = config_.limits;
  for (;;) {
    auto h = tcp.accept(listener);
    if (!h) break;
    ++stats_.accepted;
    const IpEndpoint peer = tcp.remote_endpoint(*h).value_or(IpEndpoint{});
    // Over a cap: reset at once. Cheaper than any answer (no buffer, no
    // orphan waiting for its FIN to be acknowledged), the same for every
    // protocol, and what the client most likely to be refused (the one
    // holding the slots) deserves; the connections open are untouched.
    const bool over_total = conns_.size() >= lim.max_connections;
    if (over_total || open_from(peer.addr) >= lim.max_per_address) {
      ++(over_total ? stats_.shed.over_max_connections : stats_.shed.over_per_address);
      (void)tcp.abort(*h);
      ++stats_.closed;
      continue;
    }
    auto c = std::make_unique<Conn>();
    c->server = this;
    c->h = *h;
    c->peer_addr = peer;
    c->local_addr = tcp.local_endpoint(*h).value_or(IpEndpoint{});
    c->session = factory_();
    c->last_activity = c->request_start = c->out_progress = host_.now();
    ++per_address_[peer.addr];
    Conn& ref = *c;
    conns_[h->index] = std::move(c);
    stats_.active = conns_.size();
    stats_.peak_active = std::max(stats_.peak_active, stats_.active);
    service(ref);  // data may have come with the handshake
  }
}

void StreamServer::flush(Conn& c) {
  auto& tcp = host_.tcp();
  while (c.out_off < c.out.size()) {
    auto n = tcp.send(c.h, Bytes(c.out).subspan(c.out_off));
    if (!n || *n == 0) break;  // would block (full), or failed: service() sees the error on recv
    c.out_off += *n;
    stats_.bytes_out += *n;
    c.last_activity = host_.now();
    c.out_taken += *n;
    if (c.out_taken >= kSendProgressBytes || c.out_off == c.out.size()) {
      c.out_progress = host_.now();
      c.out_taken = 0;
    }
  }
  if (c.out_off == c.out.size()) {
    c.out.clear();
    c.out_off = 0;
  } else if (c.out_off > 64 * 1024) {
    c.out.erase(c.out.begin(), c.out.begin() + static_cast<std::ptrdiff_t>(c.out_off));
    c.out_off = 0;
  }
}

void StreamServer::service(Conn& c) {
  auto& tcp = host_.tcp();
  const std::uint32_t key = c.h.index;
  if (c.lingering) {
    linger(c);
    return;
  }
  flush(c);
  if (!c.close_requested && !c.output_full()) {
    c.session->on_writable(c);
    flush(c);
  }
  std::array<std::byte, 16 * 1024> buf{};
  while (!c.eof_seen && !c.close_requested && !c.output_full()) {
    auto n = tcp.recv(c.h, buf);
    if (!n) {
      if (n.error().code == tcp::Errc::would_block) break;
      ++stats_.resets;  // reset, timed out: nothing more to do for this client
      (void)tcp.abort(c.h);
      finish(key);
      return;
    }
    const Instant now = host_.now();
    c.last_activity = now;
    if (*n == 0) {
      c.eof_seen = true;
      c.session->on_eof(c);
      break;
    }
    stats_.bytes_in += *n;
    // The first byte of a request after the previous one was complete
    // starts its clock (the first request's started at the accept).
    if (!c.fresh && !c.session->partial()) c.request_start = now;
    c.fresh = false;
    c.session->on_data(Bytes(buf.data(), *n), c);
    flush(c);
  }
  flush(c);
  const auto state = tcp.state(c.h);
  if (!state || *state == tcp::State::closed) {
    if (auto e = tcp.take_error(c.h)) ++stats_.resets;
    (void)tcp.close(c.h);
    finish(key);
    return;
  }
  if (c.close_requested && c.pending_output() == 0) {
    if (!c.eof_seen && c.session->partial() && config_.limits.linger_timeout > Duration::zero()) {
      // Closing with part of a request unread (413, 431, 408, garbage): a
      // close now would answer the client's next bytes with a RST (RFC 9293
      // SHOULD-3), and a RST makes Linux throw away our answer from the
      // client's receive queue before it is read. FIN first, then read and
      // discard for a while (nginx's and Apache's lingering close).
      (void)tcp.shutdown_send(c.h);
      c.lingering = true;
      c.linger_until = host_.now() + config_.limits.linger_timeout;
      linger(c);
      return;
    }
    (void)tcp.close(c.h);  // FIN after the data; the connection finishes as an orphan
    finish(key);
    return;
  }
  arm(c);
}

void StreamServer::linger(Conn& c) {
  auto& tcp = host_.tcp();
  const std::uint32_t key = c.h.index;
  std::array<std::byte, 16 * 1024> buf{};
  for (;;) {
    auto n = tcp.recv(c.h, buf);
    if (!n) {
      if (n.error().code == tcp::Errc::would_block) break;
      (void)tcp.abort(c.h);  // reset or timed out: nothing left to protect
      finish(key);
      return;
    }
    if (*n == 0) {  // the client has closed too: a clean end
      (void)tcp.close(c.h);
      finish(key);
      return;
    }
    stats_.bytes_in += *n;  // discarded
  }
  const auto state = tcp.state(c.h);
  if (!state || *state == tcp::State::closed) {
    (void)tcp.close(c.h);
    finish(key);
    return;
  }
  arm(c);
}

void StreamServer::finish(std::uint32_t key) {
  auto it = conns_.find(key);
  if (it == conns_.end()) return;
  host_.cancel(it->second->timer);
  auto pa = per_address_.find(it->second->peer_addr.addr);
  if (pa != per_address_.end() && --pa->second == 0) per_address_.erase(pa);
  conns_.erase(it);
  ++stats_.closed;
  stats_.active = conns_.size();
}

Instant StreamServer::deadline(const Conn& c) const {
  const Limits& lim = config_.limits;
  static constexpr Instant kNever = Instant::max();
  auto plus = [](Instant t, Duration d) { return d > Duration::zero() ? t + d : kNever; };
  if (c.lingering) return c.linger_until;
  // Output waiting for a client that does not take it: the send timeout
  // (also for a goodbye that cannot leave).
  if (c.pending_output() > 0) return plus(c.out_progress, lim.send_timeout);
  if (c.close_requested) return kNever;  // closes in service() once flushed
  if (c.fresh || c.session->partial()) return plus(c.request_start, lim.request_timeout);
  return plus(c.last_activity, lim.idle_timeout);
}

void StreamServer::arm(Conn& c) {
  const Instant d = deadline(c);
  if (d == Instant::max()) return;  // an armed timer finds nothing due and lapses
  if (c.timer.value != 0 && c.timer_at <= d) return;  // fires first, then moves on to d
  host_.cancel(c.timer);
  c.timer_at = d;
  c.timer = host_.schedule_at(d, [this, key = c.h.index, h = c.h] { on_deadline(key, h); });
}

void StreamServer::on_deadline(std::uint32_t key, tcp::SocketHandle h) {
  auto it = conns_.find(key);
  if (it == conns_.end() || it->second->h != h) return;
  Conn& c = *it->second;
  c.timer = {};
  const Instant now = host_.now();
  if (now < deadline(c)) {
    arm(c);  // activity moved the deadline on since the timer was set
    return;
  }
  if (c.lingering) {
    (void)host_.tcp().close(c.h);  // enough time for our answer to be read
    finish(key);
    return;
  }
  if (c.pending_output() > 0) {
    // Its output has been stuck for a whole send timeout: the client stopped reading.
    ++stats_.shed.slow_readers;
    (void)host_.tcp().abort(c.h);
    finish(key);
    return;
  }
  ++(c.fresh || c.session->partial() ? stats_.shed.request_timeouts : stats_.shed.idle_timeouts);
  c.session->on_timeout(c);
  c.close_requested = true;
  service(c);  // the goodbye leaves, then FIN; a goodbye that is stuck meets the send timeout
}

void StreamServer::on_activity() {
  // Connections that closed free their slots before new ones are counted against the caps.
  for (const tcp::SocketHandle h : host_.tcp_changed()) {
    auto it = conns_.find(h.index);
    if (it == conns_.end() || it->second->h != h) continue;
    service(*it->second);
  }
  accept_all();
  // Sessions that wrote from elsewhere (a drain) or wait on send space.
  if (draining_) {
    std::vector<std::uint32_t> keys;
    for (auto& [key, c] : conns_) keys.push_back(key);
    for (std::uint32_t key : keys) {
      auto it = conns_.find(key);
      if (it != conns_.end()) service(*it->second);
    }
  }
}

}  // namespace wirestack::app
