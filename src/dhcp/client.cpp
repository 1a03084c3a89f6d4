#include "dhcp/client.hpp"

#include <algorithm>
#include <bit>

namespace wirestack::dhcp {

std::string_view to_string(ClientState s) {
  switch (s) {
    case ClientState::init: return "INIT";
    case ClientState::selecting: return "SELECTING";
    case ClientState::requesting: return "REQUESTING";
    case ClientState::init_reboot: return "INIT-REBOOT";
    case ClientState::rebooting: return "REBOOTING";
    case ClientState::bound: return "BOUND";
    case ClientState::renewing: return "RENEWING";
    case ClientState::rebinding: return "REBINDING";
  }
  return "?";
}

namespace {

constexpr Duration kMinRetry = std::chrono::seconds{60};       // 4.4.5: "down to a minimum of 60 seconds"
constexpr Duration kDeclineWait = std::chrono::seconds{10};    // 4.4.1: wait at least 10 s after DECLINE
constexpr Duration kForever = std::chrono::hours{24 * 365 * 100};  // an infinite lease

Duration seconds(std::uint32_t s) {
  return s == kInfiniteLease ? kForever : Duration{std::chrono::seconds{s}};
}

std::uint8_t prefix_len(Ipv4Address mask) {
  const auto m = mask.to_u32();
  const auto ones = static_cast<std::uint8_t>(std::countl_one(m));
  return ones == 32 || (m << ones) == 0 ? ones : 32;  // a non-contiguous mask: the address alone
}

}  // namespace

Client::Client(ClientConfig config, Rng& rng, Instant now) : config_(std::move(config)), rng_(rng) {
  const auto delay = Duration{static_cast<Duration::rep>(
      rng_.below(static_cast<std::uint64_t>(std::max<Duration::rep>(config_.start_delay.count(), 1))))};
  enter_init(now, delay);
  if (config_.previous) state_ = ClientState::init_reboot;
}

void Client::enter_init(Instant now, Duration delay) {
  state_ = ClientState::init;
  offer_.reset();
  tries_ = 0;
  next_send_ = now + delay;
}

Duration Client::jitter(Duration d) {
  return d + std::chrono::milliseconds{static_cast<std::int64_t>(rng_.below(2001)) - 1000};
}

void Client::schedule_retry(Instant now) {
  next_send_ = now + jitter(timeout_);
  timeout_ = std::min(timeout_ * 2, config_.max_timeout);
}

Message Client::request_base(MessageType type, Instant now) const {
  Message m;
  m.op = kBootRequest;
  m.xid = xid_;
  m.secs = static_cast<std::uint16_t>(
      std::clamp<std::int64_t>(std::chrono::duration_cast<std::chrono::seconds>(now - exchange_start_).count(), 0,
                               0xffff));
  m.broadcast = config_.broadcast_replies;
  m.chaddr = config_.mac;
  m.type = type;
  if (type == MessageType::discover || type == MessageType::request) {
    m.parameter_request = {opt::subnet_mask, opt::router, opt::dns_servers, opt::lease_time, opt::renewal_t1,
                           opt::rebinding_t2};
  }
  return m;
}

void Client::lose(Instant now, Duration restart_delay) {
  if (lease_) events_.push_back({ClientEvent::Kind::lost, *lease_});
  lease_.reset();
  enter_init(now, restart_delay);
}

std::optional<Client::Transmit> Client::poll_transmit(Instant now) {
  if (pending_) return std::exchange(pending_, std::nullopt);
  if (stopped_) return std::nullopt;
  if (lease_ && (state_ == ClientState::bound || state_ == ClientState::renewing ||
                 state_ == ClientState::rebinding)) {
    if (now >= lease_->obtained + lease_->lease) {
      lose(now, Duration{});  // 4.4.5: the lease ended: stop using the address, start over
    } else if (state_ != ClientState::rebinding && now >= lease_->obtained + lease_->t2) {
      state_ = ClientState::rebinding;
      next_send_ = now;
    } else if (state_ == ClientState::bound && now >= lease_->obtained + lease_->t1) {
      state_ = ClientState::renewing;
      xid_ = rng_.next_u32();
      exchange_start_ = now;
      next_send_ = now;
    }
  }
  if (now < next_send_) return std::nullopt;

  const Ipv4Address bcast = Ipv4Address::broadcast();
  switch (state_) {
    case ClientState::init:
      xid_ = rng_.next_u32();
      exchange_start_ = now;
      timeout_ = config_.first_timeout;
      state_ = ClientState::selecting;
      [[fallthrough]];
    case ClientState::selecting: {
      schedule_retry(now);
      ++sent_;
      return Transmit{request_base(MessageType::discover, now), Ipv4Address{}, bcast};
    }
    case ClientState::requesting: {
      if (tries_ >= config_.request_attempts) {  // no ACK: start over
        enter_init(now, Duration{});
        return poll_transmit(now);
      }
      Message m = request_base(MessageType::request, now);
      m.server_id = offer_->server_id;
      m.requested_ip = offer_->yiaddr;
      ++tries_;
      request_sent_ = now;
      schedule_retry(now);
      ++sent_;
      return Transmit{std::move(m), Ipv4Address{}, bcast};
    }
    case ClientState::init_reboot:
      xid_ = rng_.next_u32();
      exchange_start_ = now;
      timeout_ = config_.first_timeout;
      tries_ = 0;
      state_ = ClientState::rebooting;
      [[fallthrough]];
    case ClientState::rebooting: {
      if (tries_ >= config_.request_attempts) {
        enter_init(now, Duration{});
        return poll_transmit(now);
      }
      Message m = request_base(MessageType::request, now);
      m.requested_ip = config_.previous;
      ++tries_;
      request_sent_ = now;
      schedule_retry(now);
      ++sent_;
      return Transmit{std::move(m), Ipv4Address{}, bcast};
    }
    case ClientState::renewing:
    case ClientState::rebinding: {
      const bool renewing = state_ == ClientState::renewing;
      Message m = request_base(MessageType::request, now);
      m.ciaddr = lease_->address.address();
      m.broadcast = false;  // we have an address: answer it (4.1)
      const Instant limit = lease_->obtained + (renewing ? lease_->t2 : lease_->lease);
      next_send_ = now + std::max(kMinRetry, (limit - now) / 2);
      request_sent_ = now;
      ++sent_;
      return Transmit{std::move(m), lease_->address.address(), renewing ? lease_->server : bcast};
    }
    case ClientState::bound: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Instant> Client::poll_at() const {
  if (pending_) return Instant{};
  if (stopped_) return std::nullopt;
  if (!lease_) return next_send_;
  switch (state_) {
    case ClientState::bound: return lease_->obtained + lease_->t1;
    case ClientState::renewing: return std::min(next_send_, lease_->obtained + lease_->t2);
    case ClientState::rebinding: return std::min(next_send_, lease_->obtained + lease_->lease);
    default: return next_send_;
  }
}

void Client::take_ack(const Message& in, Instant now) {
  if (!in.lease_seconds || in.yiaddr.is_unspecified()) {  // an ACK without a lease is for INFORM
    ++ignored_;
    return;
  }
  Lease l;
  l.address = Ipv4Prefix(in.yiaddr, in.subnet_mask ? prefix_len(*in.subnet_mask) : 32);
  l.server = in.server_id.value_or(lease_ ? lease_->server : Ipv4Address{});
  l.routers = in.routers;
  l.dns_servers = in.dns_servers;
  l.lease = seconds(*in.lease_seconds);
  l.t1 = in.t1_seconds ? seconds(*in.t1_seconds) : l.lease / 2;
  l.t2 = in.t2_seconds ? seconds(*in.t2_seconds) : l.lease / 8 * 7;
  if (l.t2 > l.lease) l.t2 = l.lease / 8 * 7;  // 4.4.5 defaults when the server's make no sense
  if (l.t1 > l.t2) l.t1 = std::min(l.lease / 2, l.t2);
  l.obtained = request_sent_;
  const bool same = lease_ && lease_->address == l.address;
  if (lease_ && !same) events_.push_back({ClientEvent::Kind::lost, *lease_});
  events_.push_back({same ? ClientEvent::Kind::renewed : ClientEvent::Kind::bound, l});
  lease_ = std::move(l);
  config_.previous = lease_->address.address();
  state_ = ClientState::bound;
  offer_.reset();
  next_send_ = lease_->obtained + lease_->t1;
  (void)now;
}

void Client::on_message(const Message& in, Instant now) {
  if (stopped_ || in.op != kBootReply || in.xid != xid_ || in.chaddr != config_.mac) {
    ++ignored_;
    return;
  }
  switch (state_) {
    case ClientState::selecting:
      if (in.type == MessageType::offer && !in.yiaddr.is_unspecified() && in.server_id) {
        offer_ = in;  // the first offer is taken (4.4.1 allows waiting for more)
        state_ = ClientState::requesting;
        tries_ = 0;
        timeout_ = config_.first_timeout;
        next_send_ = now;
        return;
      }
      break;
    case ClientState::requesting:
      if (in.type == MessageType::ack && in.yiaddr == offer_->yiaddr) return take_ack(in, now);
      if (in.type == MessageType::nak && in.server_id == offer_->server_id) return enter_init(now, Duration{});
      break;
    case ClientState::rebooting:
      if (in.type == MessageType::ack && in.yiaddr == config_.previous) return take_ack(in, now);
      if (in.type == MessageType::nak) {
        config_.previous.reset();
        return enter_init(now, Duration{});
      }
      break;
    case ClientState::renewing:
    case ClientState::rebinding:
      if (in.type == MessageType::ack && in.yiaddr == lease_->address.address()) return take_ack(in, now);
      if (in.type == MessageType::nak) return lose(now, Duration{});
      break;
    default: break;
  }
  ++ignored_;
}

void Client::decline(Instant now) {
  if (!lease_) return;
  Message m = request_base(MessageType::decline, now);
  m.broadcast = false;
  m.requested_ip = lease_->address.address();
  m.server_id = lease_->server;
  pending_ = Transmit{std::move(m), Ipv4Address{}, Ipv4Address::broadcast()};
  config_.previous.reset();
  ++sent_;
  lose(now, kDeclineWait);
}

void Client::release(Instant now) {
  if (!lease_) return;
  Message m = request_base(MessageType::release, now);
  m.broadcast = false;
  m.xid = rng_.next_u32();
  m.ciaddr = lease_->address.address();
  m.server_id = lease_->server;
  pending_ = Transmit{std::move(m), lease_->address.address(), lease_->server};
  ++sent_;
  lose(now, Duration{});
  stopped_ = true;
}

}  // namespace wirestack::dhcp
