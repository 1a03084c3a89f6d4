#include "app/dhcp.hpp"

namespace wirestack::app {

DhcpServer::DhcpServer(runtime::Host& host, dhcp::ServerConfig config)
    : host_(host),
      server_(std::move(config)),
      udp_(host.udp().open()),
      bound_(host.udp().bind(udp_, {IpAddress::any(IpFamily::v4), dhcp::kServerPort})) {
  hook_ = host_.on_activity([this] { on_activity(); });
}

DhcpServer::~DhcpServer() {
  host_.remove_activity(hook_);
  (void)host_.udp().close(udp_);
}

void DhcpServer::on_activity() {
  auto& udp = host_.udp();
  const Instant now = host_.now();
  for (int budget = 0; budget < 1024; ++budget) {  // bounded: other hooks get their turn
    auto d = udp.recv_from(udp_);
    if (!d) break;
    auto m = dhcp::Message::parse(d->payload);
    if (!m) {
      ++malformed_;  // never answered, never fatal
      continue;
    }
    auto reply = server_.on_message(*m, now);
    if (!reply) continue;
    const IpEndpoint to{reply->to_without_raw_socket(), reply->port};
    (void)udp.send_to(udp_, to, reply->message.emit());  // lost: the client retransmits
  }
  (void)udp.take_error(udp_);
}

DhcpClient::DhcpClient(runtime::Host& host, dhcp::ClientConfig config, std::uint64_t seed, Apply apply)
    : host_(host),
      rng_(seed),
      client_(std::make_unique<dhcp::Client>(std::move(config), rng_, host.now())),
      apply_(std::move(apply)),
      udp_(host.udp().open()),
      bound_(host.udp().bind(udp_, {IpAddress::any(IpFamily::v4), dhcp::kClientPort})) {
  hook_ = host_.on_activity([this] { pump(); });
  host_.wake_at(host_.now());
}

DhcpClient::~DhcpClient() {
  host_.remove_activity(hook_);
  host_.cancel(timer_);
  host_.cancel(release_timer_);
  (void)host_.udp().close(udp_);
}

bool DhcpClient::release() {
  if (!bound_ || !client_->lease()) return false;
  const std::uint64_t errors = send_errors_;
  client_->release(host_.now());
  auto& udp = host_.udp();
  while (auto t = client_->poll_transmit(host_.now())) {
    exchanged_.push_back(t->message.type);
    if (!udp.send_to(udp_, {IpAddress(t->to), dhcp::kServerPort}, t->message.emit())) ++send_errors_;
  }
  host_.cancel(timer_);
  release_timer_ = host_.schedule_at(host_.now() + kReleaseLinger, [this, events = client_->take_events()] {
    for (const auto& e : events) apply_(e);
  });
  host_.kick();
  return send_errors_ == errors;
}

void DhcpClient::pump() {
  if (!bound_) return;
  const Instant now = host_.now();
  auto& udp = host_.udp();
  while (auto d = udp.recv_from(udp_)) {
    auto m = dhcp::Message::parse(d->payload);
    if (!m) {
      ++malformed_;
      continue;
    }
    if (m->op == dhcp::kBootReply && m->chaddr == client_->mac()) exchanged_.push_back(m->type);
    client_->on_message(*m, now);
  }
  (void)udp.take_error(udp_);
  // Apply events before sending: a REQUEST in RENEWING goes from the address just configured.
  for (const auto& e : client_->take_events()) apply_(e);
  while (auto t = client_->poll_transmit(now)) {
    exchanged_.push_back(t->message.type);
    if (!udp.send_to(udp_, {IpAddress(t->to), dhcp::kServerPort}, t->message.emit())) ++send_errors_;
    for (const auto& e : client_->take_events()) apply_(e);  // a lease that ended
  }
  host_.cancel(timer_);
  if (auto t = client_->poll_at()) timer_ = host_.schedule_at(std::max(*t, now), [this] { pump(); });
}

}  // namespace wirestack::app
