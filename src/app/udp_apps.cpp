#include "app/udp_apps.hpp"

namespace wirestack::app {

UdpEchoServer::UdpEchoServer(runtime::Host& host, std::uint16_t port)
    : host_(host),
      socket_(host.udp().open()),
      bound_(host.udp().bind(socket_, {IpAddress::any(IpFamily::v4), port})) {
  if (bound_) socket6_ = bind_udp_v6(host, bound_->port);
  hook_ = host_.on_activity([this] {
    auto& udp = host_.udp();
    for (const std::optional<udp::SocketHandle>& s : {std::optional(socket_), socket6_}) {
      if (!s) continue;
      while (true) {
        auto d = udp.recv_from(*s);
        if (!d) break;
        if (udp.send_to(*s, d->from, d->payload)) ++echoed_;
      }
    }
  });
}

UdpEchoServer::~UdpEchoServer() {
  host_.remove_activity(hook_);
  (void)host_.udp().close(socket_);  // false only for a stale handle (the host crashed)
  if (socket6_) (void)host_.udp().close(*socket6_);
}

std::optional<udp::SocketHandle> bind_udp_v6(runtime::Host& host, std::uint16_t port) {
  auto& udp = host.udp();
  const udp::SocketHandle s = udp.open();
  if (udp.bind(s, {IpAddress::any(IpFamily::v6), port})) return s;
  (void)udp.close(s);
  return std::nullopt;
}

UdpClient::UdpClient(runtime::Host& host, IpEndpoint dst, Config config)
    : host_(host), dst_(dst), config_(std::move(config)), socket_(host.udp().open()) {
  if (auto r = host_.udp().connect(socket_, dst_); !r) errors_.push_back(r.error().code);
  hook_ = host_.on_activity([this] {
    auto& udp = host_.udp();
    while (true) {
      auto d = udp.recv_from(socket_);
      if (!d) break;
      received_.emplace_back(reinterpret_cast<const char*>(d->payload.data()), d->payload.size());
    }
    if (auto e = udp.take_error(socket_)) errors_.push_back(*e);
  });
  next_ = host_.schedule_in(Duration::zero(), [this] { send_next(); });
}

UdpClient::~UdpClient() {
  host_.cancel(next_);
  host_.remove_activity(hook_);
  (void)host_.udp().close(socket_);  // the port is free again
}

void UdpClient::send_next() {
  next_ = {};
  if (auto r = host_.udp().send(socket_, as_bytes(config_.payload)); !r) errors_.push_back(r.error().code);
  ++sent_;
  if (sent_ < config_.count) next_ = host_.schedule_in(config_.interval, [this] { send_next(); });
}

}  // namespace wirestack::app
