// app/stream_server.cpp — see stream_server.hpp.
#include "app/stream_server.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace wirestack::app {

struct StreamServer::Conn final : SessionIo {
  StreamServer* server = nullptr;
  tcp::SocketHandle h;
  IpEndpoint peer_addr;
  IpEndpoint local_addr;
  std::unique_ptr<Session> session;
  std::vector<std::byte> out;  // written by the session, not yet taken by TCP
  std::size_t out_off = 0;
  Instant last_activity{};
  bool close_requested = false;
  bool eof_seen = false;
  bool drained = false;  // on_drain() was called

  void write(Bytes data) override {
    if (close_requested) return;  // nothing after close()
    out.insert(out.end(), data.begin(), data.end());
  }
  void close() override { close_requested = true; }
  Instant now() const override { return server->host_.now(); }
  std::chrono::system_clock::time_point wall_clock() const override { return server->host_.wall_clock(); }
  IpEndpoint peer() const override { return peer_addr; }
  IpEndpoint local() const override { return local_addr; }
  std::size_t pending_output() const override { return out.size() - out_off; }
  bool output_full() const override { return pending_output() >= server->config_.max_output_bytes; }
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
  hook_ = host_.on_activity([this] { on_activity(); });
}

StreamServer::~StreamServer() {
  host_.remove_activity(hook_);
  auto& tcp = host_.tcp();
  for (auto& [key, c] : conns_) (void)tcp.abort(c->h);
  (void)tcp.close(listener_);
}

void StreamServer::shutdown() {
  if (draining_) return;
  draining_ = true;
  (void)host_.tcp().close(listener_);  // no new connections (the unaccepted are reset)
  for (auto& [key, c] : conns_) {
    c->drained = true;
    c->session->on_drain(*c);
  }
  host_.kick();
}

void StreamServer::accept_all() {
  if (draining_) return;
  auto& tcp = host_.tcp();
  while (conns_.size() < config_.max_connections) {
    auto h = tcp.accept(listener_);
    if (!h) break;
    auto c = std::make_unique<Conn>();
    c->server = this;
    c->h = *h;
    c->peer_addr = tcp.remote_endpoint(*h).value_or(IpEndpoint{});
    c->local_addr = tcp.local_endpoint(*h).value_or(IpEndpoint{});
    c->session = factory_();
    c->last_activity = host_.now();
    ++stats_.accepted;
    Conn& ref = *c;
    conns_[h->index] = std::move(c);
    stats_.active = conns_.size();
    stats_.peak_active = std::max(stats_.peak_active, stats_.active);
    service(ref);  // data may have come with the handshake
    if (!conns_.count(h->index)) continue;
  }
}

void StreamServer::flush(Conn& c) {
  auto& tcp = host_.tcp();
  while (c.out_off < c.out.size()) {
    auto n = tcp.send(c.h, Bytes(c.out).subspan(c.out_off));
    if (!n) break;  // would block (full), or failed: service() sees the error on recv
    c.out_off += *n;
    stats_.bytes_out += *n;
    c.last_activity = host_.now();
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
  flush(c);
  if (!c.close_requested && !c.output_full()) {
    c.session->on_writable(c);
    flush(c);
  }
  std::array<std::byte, 16 * 1024> buf{};
  while (!c.eof_seen && !c.close_requested && c.pending_output() < config_.max_output_bytes) {
    auto n = tcp.recv(c.h, buf);
    if (!n) {
      if (n.error().code == tcp::Errc::would_block) break;
      ++stats_.resets;  // reset, timed out: nothing more to do for this client
      (void)tcp.abort(c.h);
      finish(key);
      return;
    }
    c.last_activity = host_.now();
    if (*n == 0) {
      c.eof_seen = true;
      c.session->on_eof(c);
      break;
    }
    stats_.bytes_in += *n;
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
    (void)tcp.close(c.h);  // FIN after the data; the connection finishes as an orphan
    finish(key);
  }
}

void StreamServer::finish(std::uint32_t key) {
  conns_.erase(key);
  ++stats_.closed;
  stats_.active = conns_.size();
}

void StreamServer::on_activity() {
  auto& tcp = host_.tcp();
  const Instant now = host_.now();
  accept_all();
  for (const tcp::SocketHandle h : host_.tcp_changed()) {
    auto it = conns_.find(h.index);
    if (it == conns_.end() || it->second->h != h) continue;
    service(*it->second);
  }
  // Sessions that wrote from elsewhere (a drain) or wait on send space.
  if (draining_) {
    std::vector<std::uint32_t> keys;
    for (auto& [key, c] : conns_) keys.push_back(key);
    for (std::uint32_t key : keys) {
      auto it = conns_.find(key);
      if (it != conns_.end()) service(*it->second);
    }
  }
  // Idle connections, checked a few times per timeout (not on every frame).
  if (conns_.empty()) {
    next_idle_check_.reset();
    return;
  }
  if (!next_idle_check_) next_idle_check_ = now + config_.idle_timeout / 4;
  if (now >= *next_idle_check_) {
    next_idle_check_ = now + config_.idle_timeout / 4;
    std::vector<std::uint32_t> idle;
    for (auto& [key, c] : conns_) {
      if (now - c->last_activity >= config_.idle_timeout) idle.push_back(key);
    }
    for (std::uint32_t key : idle) {
      auto it = conns_.find(key);
      if (it == conns_.end()) continue;
      Conn& c = *it->second;
      ++stats_.idle_timeouts;
      if (c.close_requested) {
        // Its output has been stuck for a whole timeout: the client stopped reading.
        (void)tcp.abort(c.h);
        finish(key);
        continue;
      }
      c.session->on_idle(c);
      c.close_requested = true;
      c.last_activity = now;  // one more timeout for the goodbye to leave
      service(c);
    }
  }
  host_.wake_at(*next_idle_check_);
}

}  // namespace wirestack::app
