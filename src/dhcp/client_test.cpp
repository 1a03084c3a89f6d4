// The client alone (messages fed by hand) and a client talking to a Server,
// every message through emit() and parse(), with time passed in.
#include "dhcp/client.hpp"

#include <gtest/gtest.h>

#include "dhcp/server.hpp"

namespace wirestack::dhcp {
namespace {

using namespace std::chrono_literals;

const MacAddress kMac = MacAddress::from_parts(0x525400, 0x10);
const Ipv4Address kServerAddr(10, 0, 1, 1);

ServerConfig server_config() {
  return {.server = Ipv4Prefix(kServerAddr, 24),
          .pool_first = Ipv4Address(10, 0, 1, 100),
          .pool_last = Ipv4Address(10, 0, 1, 110),
          .routers = {kServerAddr},
          .dns_servers = {Ipv4Address(10, 0, 1, 53)},
          .lease = 1h};
}

class DhcpSession : public ::testing::Test {
 protected:
  // Runs client and server until `until`: every transmit goes through the
  // bytes to the server (unless the server is "down"), every reply back.
  // Returns the message types sent, in order.
  std::vector<MessageType> run(Instant until) {
    std::vector<MessageType> seen;
    while (true) {
      while (auto t = client_.poll_transmit(now_)) {
        seen.push_back(t->message.type);
        sent_.push_back(*t);
        if (server_down_) continue;
        auto in = Message::parse(t->message.emit());
        EXPECT_TRUE(in);
        if (auto r = server_.on_message(*in, now_)) {
          seen.push_back(r->message.type);
          auto back = Message::parse(r->message.emit());
          EXPECT_TRUE(back);
          client_.on_message(*back, now_);
        }
      }
      auto next = client_.poll_at();
      if (!next || *next > until) break;
      now_ = std::max(*next, now_);
    }
    now_ = until;
    return seen;
  }

  Instant now_{};
  Rng rng_{3};
  Server server_{server_config()};
  Client client_{{.mac = kMac}, rng_, now_};
  bool server_down_ = false;
  std::vector<Client::Transmit> sent_;
};

using MT = MessageType;

TEST_F(DhcpSession, FourMessagesToBound) {
  EXPECT_EQ(client_.state(), ClientState::init);
  EXPECT_EQ(run(at(5s)), (std::vector<MT>{MT::discover, MT::offer, MT::request, MT::ack}));
  EXPECT_EQ(client_.state(), ClientState::bound);
  ASSERT_TRUE(client_.lease());
  const Lease& l = *client_.lease();
  EXPECT_EQ(l.address, Ipv4Prefix(Ipv4Address(10, 0, 1, 100), 24));
  EXPECT_EQ(l.server, kServerAddr);
  EXPECT_EQ(l.routers, std::vector<Ipv4Address>{kServerAddr});
  EXPECT_EQ(l.dns_servers, std::vector<Ipv4Address>{Ipv4Address(10, 0, 1, 53)});
  EXPECT_EQ(l.lease, 1h);
  EXPECT_EQ(l.t1, 30min);
  EXPECT_EQ(l.t2, 3150s);
  auto ev = client_.take_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, ClientEvent::Kind::bound);
  // Until BOUND: from 0.0.0.0 to 255.255.255.255, the B flag set, the same xid.
  ASSERT_EQ(sent_.size(), 2u);
  for (const auto& t : sent_) {
    EXPECT_TRUE(t.source.is_unspecified());
    EXPECT_EQ(t.to, Ipv4Address::broadcast());
    EXPECT_TRUE(t.message.broadcast);
    EXPECT_EQ(t.message.xid, sent_[0].message.xid);
  }
  EXPECT_EQ(sent_[1].message.server_id, kServerAddr);
  EXPECT_EQ(sent_[1].message.requested_ip, Ipv4Address(10, 0, 1, 100));
  EXPECT_EQ(client_.poll_at(), l.obtained + 30min);
}

TEST(DhcpClient, DiscoverIsRetransmittedWithBackoff) {
  // No server: the first DISCOVER within start_delay (1 s), then 4, 8, 16, 32 s, each +-1 s.
  std::vector<Instant> times;
  Rng rng(3);
  Client c({.mac = kMac}, rng, at(0s));
  Instant now{};
  for (int i = 0; i < 5; ++i) {
    now = std::max(now, *c.poll_at());
    ASSERT_TRUE(c.poll_transmit(now));
    times.push_back(now);
  }
  EXPECT_LT(times[0], at(1s));
  const Duration expected[] = {4s, 8s, 16s, 32s};
  for (int i = 0; i < 4; ++i) {
    const Duration gap = times[static_cast<std::size_t>(i) + 1] - times[static_cast<std::size_t>(i)];
    EXPECT_GE(gap, expected[i] - 1s) << i;
    EXPECT_LE(gap, expected[i] + 1s) << i;
  }
  EXPECT_EQ(c.state(), ClientState::selecting);
}

TEST_F(DhcpSession, RenewsAtT1ByUnicastFromItsAddress) {
  run(at(5s));
  const Lease first = *client_.lease();
  client_.take_events();
  sent_.clear();
  EXPECT_EQ(run(first.obtained + 30min), (std::vector<MT>{MT::request, MT::ack}));
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].source, first.address.address());
  EXPECT_EQ(sent_[0].to, kServerAddr);
  EXPECT_EQ(sent_[0].message.ciaddr, first.address.address());
  EXPECT_FALSE(sent_[0].message.requested_ip);
  EXPECT_FALSE(sent_[0].message.server_id);
  EXPECT_EQ(client_.state(), ClientState::bound);
  EXPECT_EQ(client_.lease()->obtained, first.obtained + 30min);
  auto ev = client_.take_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, ClientEvent::Kind::renewed);
}

TEST_F(DhcpSession, RebindsAtT2ByBroadcastThenLosesTheAddressAtTheEnd) {
  run(at(5s));
  const Lease l = *client_.lease();
  client_.take_events();
  server_down_ = true;
  sent_.clear();
  run(l.obtained + l.t2 - 1ns);
  EXPECT_EQ(client_.state(), ClientState::renewing);
  ASSERT_GE(sent_.size(), 2u);  // T1, then half of the 1350 s left (675 s), then 60 s steps
  for (const auto& t : sent_) EXPECT_EQ(t.to, kServerAddr);
  EXPECT_EQ(sent_[1].message.xid, sent_[0].message.xid);
  sent_.clear();
  run(l.obtained + l.lease - 1ns);
  EXPECT_EQ(client_.state(), ClientState::rebinding);
  ASSERT_FALSE(sent_.empty());
  for (const auto& t : sent_) {
    EXPECT_EQ(t.to, Ipv4Address::broadcast());
    EXPECT_EQ(t.source, l.address.address());
  }
  EXPECT_TRUE(client_.take_events().empty());
  run(l.obtained + l.lease);
  auto ev = client_.take_events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, ClientEvent::Kind::lost);
  EXPECT_FALSE(client_.lease());
  EXPECT_EQ(client_.state(), ClientState::selecting);  // and DISCOVERs again at once
}

TEST_F(DhcpSession, RebindingToAServerThatForgotIsNakedBackToInit) {
  run(at(5s));
  const Lease l = *client_.lease();
  server_ = Server(server_config());  // restarted without its leases, and another client took .100
  {
    Message d;
    d.chaddr = MacAddress::from_parts(0x525400, 0x99);
    d.broadcast = true;
    auto o = server_.on_message(d, now_);
    ASSERT_TRUE(o);
    Message req = d;
    req.type = MessageType::request;
    req.server_id = kServerAddr;
    req.requested_ip = o->message.yiaddr;
    ASSERT_EQ(server_.on_message(req, now_)->message.yiaddr, l.address.address());
  }
  client_.take_events();
  sent_.clear();
  auto seen = run(l.obtained + l.t1);
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen[1], MT::nak);
  auto ev = client_.take_events();
  ASSERT_GE(ev.size(), 1u);
  EXPECT_EQ(ev[0].kind, ClientEvent::Kind::lost);
  // Straight back through INIT to a new address.
  ASSERT_TRUE(client_.lease());
  EXPECT_EQ(client_.lease()->address.address(), Ipv4Address(10, 0, 1, 101));
}

TEST_F(DhcpSession, InitRebootAsksForItsOldAddress) {
  run(at(5s));
  const auto addr = client_.lease()->address.address();
  Rng rng(8);
  Client rebooted({.mac = kMac, .previous = addr}, rng, now_);
  EXPECT_EQ(rebooted.state(), ClientState::init_reboot);
  auto t = rebooted.poll_transmit(*rebooted.poll_at());
  ASSERT_TRUE(t);
  EXPECT_EQ(t->message.type, MT::request);
  EXPECT_EQ(t->message.requested_ip, addr);
  EXPECT_FALSE(t->message.server_id);
  EXPECT_TRUE(t->message.ciaddr.is_unspecified());
  EXPECT_EQ(rebooted.state(), ClientState::rebooting);
  auto r = server_.on_message(t->message, now_);
  ASSERT_TRUE(r);
  rebooted.on_message(r->message, now_);
  EXPECT_EQ(rebooted.state(), ClientState::bound);
  EXPECT_EQ(rebooted.lease()->address.address(), addr);
}

TEST_F(DhcpSession, InitRebootNakedStartsOver) {
  Rng rng(8);
  Client c({.mac = kMac, .previous = Ipv4Address(192, 168, 5, 5)}, rng, at(0s));
  auto t = c.poll_transmit(*c.poll_at());
  ASSERT_TRUE(t);
  auto r = server_.on_message(t->message, now_);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.type, MT::nak);
  c.on_message(r->message, now_);
  EXPECT_EQ(c.state(), ClientState::init);
  auto d = c.poll_transmit(now_);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->message.type, MT::discover);
}

TEST_F(DhcpSession, RequestUnansweredFourTimesStartsOver) {
  Rng rng(4);
  Client c({.mac = kMac}, rng, at(0s));
  Instant now = *c.poll_at();
  auto d = c.poll_transmit(now);
  ASSERT_TRUE(d);
  auto o = server_.on_message(d->message, now);
  c.on_message(o->message, now);
  EXPECT_EQ(c.state(), ClientState::requesting);
  for (int i = 0; i < 4; ++i) {
    now = std::max(now, *c.poll_at());
    auto t = c.poll_transmit(now);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->message.type, MT::request);
  }
  now = *c.poll_at();
  auto t = c.poll_transmit(now);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->message.type, MT::discover);
  EXPECT_NE(t->message.xid, d->message.xid);
}

TEST_F(DhcpSession, IgnoresRepliesForOthers) {
  Rng rng(4);
  Client c({.mac = kMac}, rng, at(0s));
  auto d = c.poll_transmit(*c.poll_at());
  auto o = server_.on_message(d->message, now_);
  Message wrong = o->message;
  wrong.xid ^= 1;
  c.on_message(wrong, now_);
  wrong = o->message;
  wrong.chaddr = MacAddress::from_parts(0x525400, 0x77);
  c.on_message(wrong, now_);
  wrong = o->message;
  wrong.type = MT::ack;  // an ACK in SELECTING
  c.on_message(wrong, now_);
  EXPECT_EQ(c.ignored(), 3u);
  EXPECT_EQ(c.state(), ClientState::selecting);
  c.on_message(o->message, now_);
  EXPECT_EQ(c.state(), ClientState::requesting);
}

TEST_F(DhcpSession, ReleaseSendsReleaseAndStops) {
  run(at(5s));
  const Lease l = *client_.lease();
  client_.take_events();
  client_.release(now_);
  auto t = client_.poll_transmit(now_);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->message.type, MT::release);
  EXPECT_EQ(t->message.ciaddr, l.address.address());
  EXPECT_EQ(t->to, kServerAddr);
  EXPECT_FALSE(server_.on_message(t->message, now_));
  EXPECT_TRUE(server_.bindings(now_).empty());
  EXPECT_EQ(client_.take_events().at(0).kind, ClientEvent::Kind::lost);
  EXPECT_FALSE(client_.poll_transmit(now_ + 1h));
  EXPECT_FALSE(client_.poll_at());
}

TEST_F(DhcpSession, DeclineSetsTheAddressAsideAndGetsAnother) {
  run(at(5s));
  const auto bad = client_.lease()->address.address();
  client_.take_events();
  client_.decline(now_);
  auto seen = run(now_ + 30s);
  ASSERT_GE(seen.size(), 5u);
  EXPECT_EQ(seen[0], MT::decline);
  EXPECT_EQ(seen[1], MT::discover);
  ASSERT_TRUE(client_.lease());
  EXPECT_NE(client_.lease()->address.address(), bad);
  EXPECT_EQ(server_.stats().declines, 1u);
}

}  // namespace
}  // namespace wirestack::dhcp
