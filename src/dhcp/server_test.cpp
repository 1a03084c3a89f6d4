#include "dhcp/server.hpp"

#include <gtest/gtest.h>

namespace wirestack::dhcp {
namespace {

using namespace std::chrono_literals;

const Ipv4Address kServer(10, 0, 1, 1);
const MacAddress kA = MacAddress::from_parts(0x525400, 1);
const MacAddress kB = MacAddress::from_parts(0x525400, 2);
const MacAddress kC = MacAddress::from_parts(0x525400, 3);

ServerConfig config(Ipv4Address last = Ipv4Address(10, 0, 1, 101)) {
  return {.server = Ipv4Prefix(kServer, 24),
          .pool_first = Ipv4Address(10, 0, 1, 100),
          .pool_last = last,
          .routers = {kServer},
          .dns_servers = {Ipv4Address(10, 0, 1, 53)},
          .lease = 1h};
}

Message from(const MacAddress& mac, MessageType type, std::uint32_t xid = 7) {
  Message m;
  m.xid = xid;
  m.chaddr = mac;
  m.type = type;
  m.broadcast = true;
  return m;
}

Message select(const MacAddress& mac, Ipv4Address offered, Ipv4Address server = kServer) {
  Message m = from(mac, MessageType::request);
  m.server_id = server;
  m.requested_ip = offered;
  return m;
}

Instant T(Duration d) { return at(d); }

class DhcpServerTest : public ::testing::Test {
 protected:
  // DISCOVER then REQUEST: the address acknowledged.
  Ipv4Address lease(const MacAddress& mac, Instant now) {
    auto o = server_.on_message(from(mac, MessageType::discover), now);
    EXPECT_TRUE(o);
    if (!o) return {};
    auto a = server_.on_message(select(mac, o->message.yiaddr), now);
    EXPECT_TRUE(a);
    if (!a) return {};
    EXPECT_EQ(a->message.type, MessageType::ack);
    return a->message.yiaddr;
  }
  Server server_{config()};
};

TEST(DhcpServerConfig, RefusesPoolsThatCannotWork) {
  EXPECT_TRUE(validate(config()));
  auto c = config();
  c.pool_first = Ipv4Address(10, 0, 0, 100);
  EXPECT_EQ(validate(c).error(), "pool 10.0.0.100 - 10.0.1.101 is not inside 10.0.1.0/24");
  c = config(Ipv4Address(10, 0, 1, 99));
  EXPECT_EQ(validate(c).error(), "pool 10.0.1.100 - 10.0.1.99: the first address comes after the last");
  c = config();
  c.pool_first = Ipv4Address(10, 0, 1, 1);
  EXPECT_EQ(validate(c).error(), "the server's own address 10.0.1.1 is inside its pool");
  c = config(Ipv4Address(10, 0, 1, 255));
  EXPECT_EQ(validate(c).error(), "the pool holds the network or broadcast address");
  c = config();
  c.lease = 500ms;
  EXPECT_FALSE(validate(c));
}

TEST_F(DhcpServerTest, OffersWithEveryOptionAndBroadcastsToAClientWithoutAddress) {
  auto r = server_.on_message(from(kA, MessageType::discover), T(0s));
  ASSERT_TRUE(r);
  const Message& m = r->message;
  EXPECT_EQ(m.op, kBootReply);
  EXPECT_EQ(m.type, MessageType::offer);
  EXPECT_EQ(m.xid, 7u);
  EXPECT_EQ(m.yiaddr, Ipv4Address(10, 0, 1, 100));
  EXPECT_EQ(m.server_id, kServer);
  EXPECT_EQ(m.subnet_mask, Ipv4Address(255, 255, 255, 0));
  EXPECT_EQ(m.routers, std::vector<Ipv4Address>{kServer});
  EXPECT_EQ(m.dns_servers, std::vector<Ipv4Address>{Ipv4Address(10, 0, 1, 53)});
  EXPECT_EQ(m.lease_seconds, 3600u);
  EXPECT_EQ(m.t1_seconds, 1800u);
  EXPECT_EQ(m.t2_seconds, 3150u);
  EXPECT_EQ(r->to, Ipv4Address::broadcast());
  EXPECT_EQ(r->port, kClientPort);
  EXPECT_FALSE(r->to_chaddr);
}

TEST_F(DhcpServerTest, WithoutTheBroadcastFlagTheOfferGoesToYiaddrAtChaddr) {
  auto d = from(kA, MessageType::discover);
  d.broadcast = false;
  auto r = server_.on_message(d, T(0s));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->to, Ipv4Address(10, 0, 1, 100));
  EXPECT_TRUE(r->to_chaddr);
  EXPECT_EQ(r->to_without_raw_socket(), Ipv4Address::broadcast());
  d.giaddr = Ipv4Address(10, 0, 2, 1);  // through a relay: to the relay's port 67
  r = server_.on_message(d, T(0s));
  EXPECT_EQ(r->to, Ipv4Address(10, 0, 2, 1));
  EXPECT_EQ(r->port, kServerPort);
  EXPECT_EQ(r->to_without_raw_socket(), Ipv4Address(10, 0, 2, 1));
}

TEST_F(DhcpServerTest, RequestForTheOfferIsAckedAndBound) {
  EXPECT_EQ(lease(kA, T(0s)), Ipv4Address(10, 0, 1, 100));
  auto b = server_.bindings(T(1s));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].state, Server::SlotState::bound);
  EXPECT_EQ(b[0].client, kA);
  EXPECT_EQ(b[0].until, T(3600s));
  EXPECT_EQ(lease(kB, T(0s)), Ipv4Address(10, 0, 1, 101));  // an offered address is held for others
}

TEST_F(DhcpServerTest, RequestForAnAddressNotOfferedIsNakedByBroadcast) {
  ASSERT_TRUE(server_.on_message(from(kA, MessageType::discover), T(0s)));
  auto r = server_.on_message(select(kA, Ipv4Address(10, 0, 1, 101)), T(0s));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.type, MessageType::nak);
  EXPECT_TRUE(r->message.yiaddr.is_unspecified());
  EXPECT_FALSE(r->message.lease_seconds);
  EXPECT_EQ(r->message.text, "address not offered to this client");
  EXPECT_EQ(r->to, Ipv4Address::broadcast());
  EXPECT_EQ(server_.stats().naks, 1u);
}

TEST_F(DhcpServerTest, AClientThatChoseAnotherServerFreesOurOffer) {
  ASSERT_TRUE(server_.on_message(from(kA, MessageType::discover), T(0s)));
  EXPECT_FALSE(server_.on_message(select(kA, Ipv4Address(10, 0, 1, 100), Ipv4Address(10, 0, 1, 2)), T(0s)));
  EXPECT_TRUE(server_.bindings(T(0s)).empty());
}

TEST_F(DhcpServerTest, AFullPoolIsSilentUntilAnOfferLapses) {
  lease(kA, T(0s));
  ASSERT_TRUE(server_.on_message(from(kB, MessageType::discover), T(0s)));  // .101 offered to B
  EXPECT_FALSE(server_.on_message(from(kC, MessageType::discover), T(10s)));
  EXPECT_EQ(server_.stats().pool_exhausted, 1u);
  auto r = server_.on_message(from(kC, MessageType::discover), T(30s));  // B's offer held 30 s
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.yiaddr, Ipv4Address(10, 0, 1, 101));
}

TEST_F(DhcpServerTest, AnExpiredLeaseIsReusedAndItsClientGetsItBackIfStillFree) {
  lease(kA, T(0s));
  lease(kB, T(1s));
  EXPECT_FALSE(server_.on_message(from(kC, MessageType::discover), T(3599s)));
  EXPECT_FALSE(server_.on_message(from(kC, MessageType::discover), T(3600s) - 1ns));
  EXPECT_EQ(lease(kC, T(3601s)), Ipv4Address(10, 0, 1, 100));  // both ended: A's the longest ago
  auto again = server_.on_message(from(kB, MessageType::discover), T(3700s));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->message.yiaddr, Ipv4Address(10, 0, 1, 101));  // B's old address, still free
}

TEST_F(DhcpServerTest, RenewingExtendsTheLeaseAndIsAnsweredByUnicast) {
  const auto a = lease(kA, T(0s));
  Message renew = from(kA, MessageType::request, 9);
  renew.ciaddr = a;
  renew.broadcast = false;
  auto r = server_.on_message(renew, T(1800s));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.type, MessageType::ack);
  EXPECT_EQ(r->message.yiaddr, a);
  EXPECT_EQ(r->to, a);
  EXPECT_FALSE(r->to_chaddr);
  EXPECT_EQ(server_.bindings(T(1800s))[0].until, T(5400s));
  renew.chaddr = kB;  // another client claiming A's address
  r = server_.on_message(renew, T(1800s));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.type, MessageType::nak);
}

TEST_F(DhcpServerTest, InitRebootIsAckedNakedOrIgnored) {
  const auto a = lease(kA, T(0s));
  Message reboot = from(kA, MessageType::request);
  reboot.requested_ip = a;
  auto r = server_.on_message(reboot, T(100s));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.type, MessageType::ack);
  reboot.chaddr = kB;  // B asks for A's address
  r = server_.on_message(reboot, T(100s));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.type, MessageType::nak);
  reboot.requested_ip = Ipv4Address(192, 168, 0, 7);  // moved to another network
  r = server_.on_message(reboot, T(100s));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.text, "wrong network");
  reboot.requested_ip = Ipv4Address(10, 0, 1, 101);  // never leased: no record, silence (4.3.2)
  EXPECT_FALSE(server_.on_message(reboot, T(100s)));
}

TEST_F(DhcpServerTest, ReleaseFreesTheAddress) {
  const auto a = lease(kA, T(0s));
  Message rel = from(kA, MessageType::release);
  rel.ciaddr = a;
  rel.server_id = kServer;
  EXPECT_FALSE(server_.on_message(rel, T(10s)));
  EXPECT_EQ(server_.stats().releases, 1u);
  EXPECT_TRUE(server_.bindings(T(10s)).empty());
  lease(kB, T(20s));  // B takes the never-used .101 first
  EXPECT_EQ(lease(kC, T(20s)), a);
}

TEST_F(DhcpServerTest, DeclinedAddressIsSetAsideThenReused) {
  const auto a = lease(kA, T(0s));
  Message dec = from(kA, MessageType::decline);
  dec.requested_ip = a;
  dec.server_id = kServer;
  EXPECT_FALSE(server_.on_message(dec, T(1s)));
  EXPECT_EQ(server_.stats().declines, 1u);
  EXPECT_EQ(lease(kA, T(2s)), Ipv4Address(10, 0, 1, 101));  // not the declined one
  EXPECT_FALSE(server_.on_message(from(kB, MessageType::discover), T(3s)));
  auto r = server_.on_message(from(kB, MessageType::discover), T(1s + 10min));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.yiaddr, a);
}

TEST_F(DhcpServerTest, InformGetsOptionsWithoutALease) {
  Message inf = from(kA, MessageType::inform);
  inf.ciaddr = Ipv4Address(10, 0, 1, 50);
  auto r = server_.on_message(inf, T(0s));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message.type, MessageType::ack);
  EXPECT_TRUE(r->message.yiaddr.is_unspecified());
  EXPECT_FALSE(r->message.lease_seconds);
  EXPECT_EQ(r->message.routers, std::vector<Ipv4Address>{kServer});
  EXPECT_EQ(r->to, Ipv4Address(10, 0, 1, 50));
}

TEST_F(DhcpServerTest, IgnoresRepliesAndStrayRequests) {
  Message reply = from(kA, MessageType::offer);
  reply.op = kBootReply;
  EXPECT_FALSE(server_.on_message(reply, T(0s)));
  EXPECT_FALSE(server_.on_message(from(kA, MessageType::request), T(0s)));  // no server id, address or ciaddr
  EXPECT_EQ(server_.stats().ignored, 2u);
}

}  // namespace
}  // namespace wirestack::dhcp
