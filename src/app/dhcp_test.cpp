// app/dhcp_test.cpp — the DHCP server and client in the simulator: the
// four-message exchange over a real (simulated) wire from 0.0.0.0, the lease
// applied to the stack, renewal, the address taken away when the server is
// gone at the lease's end, and a server that survives garbage.
#include "app/dhcp.hpp"

#include <gtest/gtest.h>

#include "sim/world.hpp"

namespace wirestack::app {
namespace {

using namespace std::chrono_literals;
using MT = dhcp::MessageType;

Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

iface::InterfaceConfig privileged() {
  iface::InterfaceConfig c;
  c.udp.allow_privileged_ports = true;
  return c;
}

dhcp::ServerConfig pool(Duration lease = 1h) {
  return {.server = *Ipv4Prefix::parse("10.0.1.1/24"),
          .pool_first = ip("10.0.1.100"),
          .pool_last = ip("10.0.1.120"),
          .routers = {ip("10.0.1.1")},
          .dns_servers = {ip("10.0.1.53")},
          .lease = lease};
}

// client (no address) -- server (10.0.1.1/24)
struct Net {
  Net() : w(1) {
    client = &w.add_host("client", privileged());
    server = &w.add_host("server", privileged());
    EXPECT_TRUE(w.connect(*client, "", *server, "10.0.1.1/24"));
  }
  // What the simulator does with a lease: the address, the default route.
  DhcpClient::Apply applier() {
    return [this](const dhcp::ClientEvent& e) {
      auto& s = client->stack();
      if (e.kind == dhcp::ClientEvent::Kind::lost) {
        EXPECT_TRUE(s.remove_address(0, e.lease.address));
        return;
      }
      if (e.kind == dhcp::ClientEvent::Kind::bound) {
        EXPECT_TRUE(s.add_address(0, e.lease.address));
        if (!e.lease.routers.empty()) {
          EXPECT_TRUE(s.routes().set_default(e.lease.routers.front(), 0));
        }
      }
      ++applied;
    };
  }
  sim::World w;
  sim::Host* client = nullptr;
  sim::Host* server = nullptr;
  int applied = 0;
};

TEST(DhcpApps, ClientGetsAnAddressAndCanUseIt) {
  Net n;
  DhcpServer server(*n.server, pool());
  ASSERT_TRUE(server.bound());
  DhcpClient client(*n.client, {.mac = n.client->stack().mac(0)}, 7, n.applier());
  ASSERT_TRUE(client.bound());
  n.w.run_for(5s);
  EXPECT_EQ(client.exchanged(), (std::vector<MT>{MT::discover, MT::offer, MT::request, MT::ack}));
  EXPECT_EQ(client.client().state(), dhcp::ClientState::bound);
  ASSERT_EQ(n.client->stack().addresses(0).size(), 1u);
  EXPECT_EQ(n.client->stack().addresses(0)[0], *Ipv4Prefix::parse("10.0.1.100/24"));
  EXPECT_EQ(n.applied, 1);
  // The address works: a datagram to it arrives (its ARP answered first).
  const auto rx = n.client->udp().open();
  ASSERT_TRUE(n.client->udp().bind(rx, {IpAddress::any(IpFamily::v4), 9000}));
  const auto tx = n.server->udp().open();
  ASSERT_TRUE(n.server->udp().send_to(tx, {IpAddress(ip("10.0.1.100")), 9000}, as_bytes("hi")));
  n.server->kick();
  n.w.run_for(1s);
  auto got = n.client->udp().recv_from(rx);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->to.addr, IpAddress(ip("10.0.1.100")));
  EXPECT_EQ(server.server().stats().acks, 1u);
}

TEST(DhcpApps, RenewsThenLosesTheAddressWhenTheServerIsGone) {
  Net n;
  auto server = std::make_unique<DhcpServer>(*n.server, pool(120s));
  DhcpClient client(*n.client, {.mac = n.client->stack().mac(0)}, 7, n.applier());
  n.w.run_for(65s);  // T1 at 60 s after the REQUEST: renewed by unicast
  EXPECT_EQ(client.exchanged(), (std::vector<MT>{MT::discover, MT::offer, MT::request, MT::ack, MT::request, MT::ack}));
  EXPECT_EQ(n.applied, 2);
  EXPECT_EQ(server->server().stats().requests, 2u);
  server.reset();  // the server goes away
  n.w.run_for(115s);  // the lease (120 s from the renewal) has not ended
  EXPECT_EQ(n.client->stack().addresses(0).size(), 1u);
  EXPECT_EQ(client.client().state(), dhcp::ClientState::rebinding);
  n.w.run_for(10s);
  EXPECT_TRUE(n.client->stack().addresses(0).empty());
  EXPECT_TRUE(n.client->stack().routes().empty());
  EXPECT_EQ(client.client().state(), dhcp::ClientState::selecting);
  EXPECT_EQ(client.send_errors(), 0u);
}

// RELEASE (4.4.6) goes out from the leased address (the client resolves
// the server's MAC with ARP first: the ACK came by broadcast) before the
// owner hears that the lease is lost and removes the address; the client
// then stays quiet.
TEST(DhcpApps, ReleaseReachesTheServerBeforeTheAddressGoes) {
  Net n;
  DhcpServer server(*n.server, pool());
  DhcpClient client(*n.client, {.mac = n.client->stack().mac(0)}, 7, n.applier());
  EXPECT_FALSE(client.release());  // no lease yet: nothing to give back
  n.w.run_for(5s);
  ASSERT_EQ(client.client().state(), dhcp::ClientState::bound);
  EXPECT_TRUE(client.release());
  n.w.run_for(DhcpClient::kReleaseLinger / 2);
  EXPECT_EQ(server.server().stats().releases, 1u);
  EXPECT_EQ(n.client->stack().addresses(0).size(), 1u);  // not yet told
  n.w.run_for(DhcpClient::kReleaseLinger);
  EXPECT_TRUE(n.client->stack().addresses(0).empty());
  EXPECT_EQ(client.exchanged().back(), MT::release);
  EXPECT_EQ(client.send_errors(), 0u);
  for (const auto& b : server.server().bindings(n.w.now())) EXPECT_NE(b.state, dhcp::Server::SlotState::bound);
  const auto sent = client.client().sent();
  n.w.run_for(120s);
  EXPECT_EQ(client.client().sent(), sent);
}

TEST(DhcpApps, ServerSurvivesGarbage) {
  Net n;
  DhcpServer server(*n.server, pool());
  auto& udp = n.client->udp();
  const auto s = udp.open();
  ASSERT_TRUE(udp.bind(s, {IpAddress::any(IpFamily::v4), 68}));
  ASSERT_TRUE(udp.send_to(s, {IpAddress(Ipv4Address::broadcast()), 67}, as_bytes("not a DHCP message")));
  n.w.run_for(1s);
  EXPECT_EQ(server.malformed(), 1u);
  (void)udp.close(s);
  DhcpClient client(*n.client, {.mac = n.client->stack().mac(0)}, 7, n.applier());
  n.w.run_for(5s);
  EXPECT_EQ(client.client().state(), dhcp::ClientState::bound);
}

}  // namespace
}  // namespace wirestack::app
