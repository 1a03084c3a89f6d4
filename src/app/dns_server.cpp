#include "app/dns_server.hpp"

#include <array>

#include "app/tcp_apps.hpp"
#include "app/udp_apps.hpp"

namespace wirestack::app {

DnsServer::DnsServer(runtime::Host& host, std::uint16_t port, dns::Zone zone, DnsServerConfig config)
    : host_(host),
      zone_(std::move(zone)),
      config_(config),
      udp_(host.udp().open()),
      udp_bound_(host.udp().bind(udp_, {IpAddress::any(IpFamily::v4), port})),
      tcp_bound_(Unexpected{tcp::SocketError{}}) {
  listener_ = listen_on(host, port, 64);
  tcp_bound_ = listener_.bound;
  if (udp_bound_) udp6_ = bind_udp_v6(host, udp_bound_->port);
  hook_ = host_.on_activity([this] { on_activity(); });
}

DnsServer::~DnsServer() {
  host_.remove_activity(hook_);
  auto& tcp = host_.tcp();
  for (auto& c : conns_) (void)tcp.abort(c.h);
  close_listener(tcp, listener_);
  (void)host_.udp().close(udp_);
  if (udp6_) (void)host_.udp().close(*udp6_);
}

void DnsServer::on_activity() {
  serve_udp();
  serve_tcp();
}

void DnsServer::serve_udp() {
  auto& udp = host_.udp();
  for (const std::optional<udp::SocketHandle>& s : {std::optional(udp_), udp6_}) {
    if (!s) continue;
    for (int budget = 0; budget < 1024; ++budget) {  // bounded: other hooks get their turn
      auto d = udp.recv_from(*s);
      if (!d) break;
      ++udp_queries_;
      if (auto reply = dns::answer(zone_, d->payload, dns::Transport::udp, stats_)) {
        (void)udp.send_to(*s, d->from, *reply);  // a full queue drops it: the client retries
      }
    }
    (void)udp.take_error(*s);  // ICMP port unreachable from a client that left: nothing to do
  }
}

void DnsServer::serve_tcp() {
  auto& tcp = host_.tcp();
  const Instant now = host_.now();
  while (auto h = accept_next(tcp, listener_)) {
    if (conns_.size() >= config_.max_connections) {
      (void)tcp.abort(*h);  // RFC 7766 6.2.2: a server may close connections to stay within its resources
      ++tcp_refused_;
      continue;
    }
    ++tcp_accepted_;
    conns_.push_back(Conn{.h = *h, .last = now});
  }
  std::optional<Instant> next;
  for (auto& c : conns_) {
    serve(c);
    if (!c.closing) {
      const Instant deadline = c.last + config_.idle_timeout;
      if (now >= deadline) {
        (void)tcp.close(c.h);
        c.closing = true;
      } else if (!next || deadline < *next) {
        next = deadline;
      }
    }
  }
  std::erase_if(conns_, [](const Conn& c) { return c.closing; });
  if (next) host_.wake_at(*next);
}

void DnsServer::serve(Conn& c) {
  auto& tcp = host_.tcp();
  std::array<std::byte, 2048> buf{};
  for (;;) {
    if (!c.pending.empty()) {
      auto n = tcp.send(c.h, c.pending);
      if (!n) {
        if (n.error().code != tcp::Errc::would_block) {
          (void)tcp.abort(c.h);
          c.closing = true;
          return;
        }
        break;
      }
      c.pending.erase(c.pending.begin(), c.pending.begin() + static_cast<std::ptrdiff_t>(*n));
      if (!c.pending.empty()) break;
    }
    if (c.pending.size() > config_.max_pending) break;  // a client that does not read: stop reading too
    auto r = tcp.recv(c.h, buf);
    if (!r) {
      if (r.error().code != tcp::Errc::would_block) {
        (void)tcp.abort(c.h);
        c.closing = true;
        return;
      }
      break;
    }
    if (*r == 0) {  // the client is done: finish what is queued, then our FIN
      if (c.pending.empty()) {
        (void)tcp.close(c.h);
        c.closing = true;
      }
      return;
    }
    c.last = host_.now();
    c.framer.push(Bytes(buf).first(*r));
    while (auto m = c.framer.next()) {
      ++tcp_queries_;
      if (auto reply = dns::answer(zone_, *m, dns::Transport::tcp, stats_)) {
        const ByteVec framed = dns::frame_tcp(*reply);
        c.pending.insert(c.pending.end(), framed.begin(), framed.end());
      }
    }
    if (c.framer.bad() || c.framer.buffered() > 2 + 65535) {
      ++stats_.dropped;
      (void)tcp.abort(c.h);
      c.closing = true;
      return;
    }
  }
}

}  // namespace wirestack::app
