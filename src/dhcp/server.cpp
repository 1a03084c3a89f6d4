#include "dhcp/server.hpp"

#include <utility>

namespace wirestack::dhcp {

Result<void, std::string> validate(const ServerConfig& c) {
  const auto first = c.pool_first.to_u32();
  const auto last = c.pool_last.to_u32();
  if (first > last) {
    return Unexpected{"pool " + c.pool_first.to_string() + " - " + c.pool_last.to_string() +
                      ": the first address comes after the last"};
  }
  if (!c.server.contains(c.pool_first) || !c.server.contains(c.pool_last)) {
    return Unexpected{"pool " + c.pool_first.to_string() + " - " + c.pool_last.to_string() + " is not inside " +
                      c.server.network().to_string() + "/" + std::to_string(c.server.len())};
  }
  if (last - first >= 65536) return Unexpected{std::string{"pool larger than 65,536 addresses"}};
  const auto self = c.server.address().to_u32();
  if (self >= first && self <= last) {
    return Unexpected{"the server's own address " + c.server.address().to_string() + " is inside its pool"};
  }
  if (c.server.len() < 31 && (c.server.network() == c.pool_first || c.server.broadcast() == c.pool_last)) {
    return Unexpected{std::string{"the pool holds the network or broadcast address"}};
  }
  if (c.lease < std::chrono::seconds{1}) return Unexpected{std::string{"lease shorter than one second"}};
  return {};
}

Server::Server(ServerConfig config) : config_(std::move(config)) {
  slots_.resize(config_.pool_last.to_u32() - config_.pool_first.to_u32() + 1);
}

Server::Slot* Server::slot(Ipv4Address a) {
  const auto first = config_.pool_first.to_u32();
  if (a.to_u32() < first || a.to_u32() > config_.pool_last.to_u32()) return nullptr;
  return &slots_[a.to_u32() - first];
}

Ipv4Address Server::address_of(const Slot& s) const {
  return Ipv4Address{config_.pool_first.to_u32() + static_cast<std::uint32_t>(&s - slots_.data())};
}

Server::SlotState Server::live_state(const Slot& s, Instant now) const {
  return s.state != SlotState::free && now >= s.until ? SlotState::free : s.state;
}

Server::Slot* Server::slot_of_client(const MacAddress& mac, Instant now) {
  for (auto& s : slots_) {
    if (s.used && s.client == mac && live_state(s, now) != SlotState::declined) return &s;
  }
  return nullptr;
}

bool Server::free_for(const Slot& s, const MacAddress& mac, Instant now) const {
  const auto st = live_state(s, now);
  return st == SlotState::free || (st != SlotState::declined && s.client == mac);
}

Server::Slot* Server::choose(const Message& in, Instant now) {
  if (Slot* mine = slot_of_client(in.chaddr, now); mine && free_for(*mine, in.chaddr, now)) return mine;
  if (in.requested_ip) {
    if (Slot* asked = slot(*in.requested_ip); asked && free_for(*asked, in.chaddr, now)) return asked;
  }
  Slot* oldest = nullptr;
  for (auto& s : slots_) {
    if (live_state(s, now) != SlotState::free) continue;
    if (!s.used) return &s;
    if (oldest == nullptr || s.until < oldest->until) oldest = &s;
  }
  return oldest;
}

Server::Reply Server::answer(const Message& in, MessageType type, Ipv4Address yiaddr) const {
  Message m;
  m.op = kBootReply;
  m.xid = in.xid;
  m.broadcast = in.broadcast;
  m.giaddr = in.giaddr;
  m.chaddr = in.chaddr;
  m.type = type;
  m.server_id = config_.server.address();
  if (type != MessageType::nak) {
    m.yiaddr = yiaddr;
    m.ciaddr = type == MessageType::ack ? in.ciaddr : Ipv4Address{};
    m.subnet_mask = config_.server.netmask();
    m.routers = config_.routers;
    m.dns_servers = config_.dns_servers;
    if (type != MessageType::ack || in.type != MessageType::inform) {
      const auto lease = to_lease_seconds(config_.lease);
      m.lease_seconds = lease;
      if (lease != kInfiniteLease) {  // RFC 2131 4.4.5: T1 = 0.5, T2 = 0.875 of the lease
        m.t1_seconds = lease / 2;
        m.t2_seconds = static_cast<std::uint32_t>(std::uint64_t{lease} * 7 / 8);
      }
    }
  }
  Reply r{.message = std::move(m), .to = Ipv4Address::broadcast(), .port = kClientPort};
  if (!in.giaddr.is_unspecified()) {
    r.to = in.giaddr;
    r.port = kServerPort;
  } else if (type != MessageType::nak && !in.ciaddr.is_unspecified()) {
    r.to = in.ciaddr;
  } else if (type != MessageType::nak && !in.broadcast) {
    r.to = yiaddr;
    r.to_chaddr = true;
  }
  return r;
}

Server::Reply Server::nak(const Message& in, std::string why) {
  ++stats_.naks;
  Reply r = answer(in, MessageType::nak, {});
  r.message.text = std::move(why);
  return r;
}

Server::Reply Server::ack(const Message& in, Slot& s, Instant now) {
  ++stats_.acks;
  s.state = SlotState::bound;
  s.used = true;
  s.client = in.chaddr;
  s.until = config_.lease == Duration::max() ? Instant::max() : now + config_.lease;
  return answer(in, MessageType::ack, address_of(s));
}

std::optional<Server::Reply> Server::discover(const Message& in, Instant now) {
  ++stats_.discovers;
  Slot* s = choose(in, now);
  if (s == nullptr) {
    ++stats_.pool_exhausted;
    return std::nullopt;
  }
  if (live_state(*s, now) != SlotState::bound) {  // a bound client asking again keeps its lease
    s->state = SlotState::offered;
    s->until = now + config_.offer_hold;
  }
  s->used = true;
  s->client = in.chaddr;
  ++stats_.offers;
  return answer(in, MessageType::offer, address_of(*s));
}

std::optional<Server::Reply> Server::request(const Message& in, Instant now) {
  ++stats_.requests;
  const Ipv4Address self = config_.server.address();
  if (in.server_id) {  // SELECTING: an answer to an OFFER
    Slot* s = in.requested_ip ? slot(*in.requested_ip) : nullptr;
    if (*in.server_id != self) {  // the client chose another server: our offer is free again
      if (Slot* mine = slot_of_client(in.chaddr, now); mine && live_state(*mine, now) == SlotState::offered) {
        mine->state = SlotState::free;
      }
      ++stats_.ignored;
      return std::nullopt;
    }
    if (s == nullptr || !free_for(*s, in.chaddr, now) || s->client != in.chaddr) {
      return nak(in, "address not offered to this client");
    }
    return ack(in, *s, now);
  }
  if (in.requested_ip && in.ciaddr.is_unspecified()) {  // INIT-REBOOT
    if (!config_.server.contains(*in.requested_ip)) return nak(in, "wrong network");
    Slot* s = slot(*in.requested_ip);
    if (s == nullptr || !s->used) {
      ++stats_.ignored;  // 4.3.2: no record of this client: remain silent
      return std::nullopt;
    }
    if (!free_for(*s, in.chaddr, now)) return nak(in, "address leased to another client");
    if (s->client != in.chaddr) {
      ++stats_.ignored;
      return std::nullopt;
    }
    return ack(in, *s, now);
  }
  if (!in.ciaddr.is_unspecified()) {  // RENEWING (unicast) or REBINDING (broadcast)
    Slot* s = slot(in.ciaddr);
    if (s == nullptr || s->client != in.chaddr || !free_for(*s, in.chaddr, now)) {
      if (!config_.server.contains(in.ciaddr)) {
        ++stats_.ignored;  // another network's client, rebinding to anyone
        return std::nullopt;
      }
      return nak(in, "lease not held by this client");
    }
    return ack(in, *s, now);
  }
  ++stats_.ignored;
  return std::nullopt;
}

std::optional<Server::Reply> Server::on_message(const Message& in, Instant now) {
  if (in.op != kBootRequest) {
    ++stats_.ignored;
    return std::nullopt;
  }
  switch (in.type) {
    case MessageType::discover: return discover(in, now);
    case MessageType::request: return request(in, now);
    case MessageType::decline:
      if (in.server_id == config_.server.address() && in.requested_ip) {
        if (Slot* s = slot(*in.requested_ip); s && s->client == in.chaddr) {
          ++stats_.declines;
          s->state = SlotState::declined;
          s->used = true;
          s->client = MacAddress{};
          s->until = now + config_.decline_hold;
          return std::nullopt;
        }
      }
      ++stats_.ignored;
      return std::nullopt;
    case MessageType::release:
      if (Slot* s = slot(in.ciaddr); s && s->client == in.chaddr && live_state(*s, now) == SlotState::bound) {
        ++stats_.releases;
        s->state = SlotState::free;
        s->until = now;  // ended now: other clients get it only after older ended leases
        return std::nullopt;
      }
      ++stats_.ignored;
      return std::nullopt;
    case MessageType::inform:
      ++stats_.informs;
      ++stats_.acks;
      return answer(in, MessageType::ack, {});
    default:
      ++stats_.ignored;  // OFFER, ACK, NAK: server-to-client messages
      return std::nullopt;
  }
}

std::vector<Server::Binding> Server::bindings(Instant now) const {
  std::vector<Binding> out;
  for (const auto& s : slots_) {
    const auto st = live_state(s, now);
    if (st != SlotState::free) out.push_back({address_of(s), st, s.client, s.until});
  }
  return out;
}

}  // namespace wirestack::dhcp
