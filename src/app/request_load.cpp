#include "app/request_load.hpp"

#include <algorithm>
#include <array>

#include "app/tcp_apps.hpp"

namespace wirestack::app {

namespace {

template <class T>
T& at_index(std::vector<T>& v, std::uint32_t i) {
  if (v.size() <= i) v.resize(std::size_t{i} + 1);
  return v[i];
}

}  // namespace

// ---- FixedResponder ------------------------------------------------------------

FixedResponder::FixedResponder(runtime::Host& host, std::uint16_t port, FixedResponderConfig config)
    : host_(host), config_(std::move(config)), listen_(listen_on(host, port, config_.backlog)) {
  hook_ = host_.on_activity([this] { on_activity(); });
}

FixedResponder::~FixedResponder() {
  host_.remove_activity(hook_);
  close_listener(host_.tcp(), listen_);
  for (const Conn& c : conns_) {
    if (c.live) (void)host_.tcp().close(c.h);
  }
}

void FixedResponder::serve(tcp::SocketHandle h) {
  Conn& c = at_index(conns_, h.index);
  if (!c.live || !(c.h == h)) return;
  runtime::TcpSockets& tcp = host_.tcp();
  std::array<std::byte, 256> buf{};
  for (;;) {
    auto r = tcp.recv(h, buf);
    if (!r || *r == 0) break;
    c.got += *r;
  }
  if (c.got >= config_.request_size) {
    (void)tcp.send(h, as_bytes(config_.response));
    (void)tcp.close(h);  // the response, then the FIN
    c.live = false;
    ++answered_;
  }
}

void FixedResponder::on_activity() {
  for (const tcp::SocketHandle h : host_.tcp_changed()) {
    if (listen_.owns(h)) {
      while (auto c = accept_next(host_.tcp(), listen_)) {
        at_index(conns_, c->index) = Conn{.h = *c, .live = true};
        serve(*c);
      }
    } else {
      serve(h);
    }
  }
}

// ---- RequestLoad ---------------------------------------------------------------------

RequestLoad::RequestLoad(runtime::Host& host, IpEndpoint server, RequestLoadConfig config)
    : host_(host), server_(server), config_(std::move(config)) {
  hook_ = host_.on_activity([this] { on_activity(); });
  const std::uint64_t first = std::min<std::uint64_t>(config_.count, std::max<std::uint32_t>(config_.parallel, 1));
  for (std::uint64_t i = 0; i < first; ++i) start_one();
  host_.kick();
}

RequestLoad::~RequestLoad() {
  host_.remove_activity(hook_);
  for (const Conn& c : conns_) {
    if (c.live) (void)host_.tcp().close(c.h);
  }
}

void RequestLoad::start_one() {
  runtime::TcpSockets& tcp = host_.tcp();
  const tcp::SocketHandle h = tcp.open();
  ++started_;
  if (!tcp.connect(h, server_, host_.now())) {
    ++failed_;
    (void)tcp.close(h);
    return;
  }
  at_index(conns_, h.index) = Conn{.h = h, .live = true};
}

void RequestLoad::on_activity() {
  runtime::TcpSockets& tcp = host_.tcp();
  std::array<std::byte, 256> buf{};
  for (const tcp::SocketHandle h : host_.tcp_changed()) {
    if (h.index >= conns_.size()) continue;
    Conn& c = conns_[h.index];
    if (!c.live || !(c.h == h)) continue;
    const auto st = tcp.state(h);
    if (st && tcp::is_synchronized(*st) && !c.sent) {
      (void)tcp.send(h, as_bytes(config_.request));
      c.sent = true;
    }
    bool done = false;
    for (;;) {
      auto r = tcp.recv(h, buf);
      if (!r) {
        if (r.error().code != tcp::Errc::would_block) {
          ++failed_;
          done = true;
        }
        break;
      }
      if (*r == 0) {
        if (c.got == config_.response_size) {
          ++completed_;
        } else {
          ++failed_;
        }
        done = true;
        break;
      }
      c.got += *r;
    }
    if (done) {
      (void)tcp.close(h);
      c.live = false;
      if (started_ < config_.count) start_one();
    }
  }
}

}  // namespace wirestack::app
