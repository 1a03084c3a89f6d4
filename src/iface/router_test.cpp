// iface/router_test.cpp — forwarding through a middle Interface with two NICs
// (TestNet, 1 ms per hop): TTL and time exceeded, traceroute, no route, ARP
// failure -> host unreachable on the ArpCache retry schedule, and
// fragmentation + reassembly end to end (frag needed, reassembly timeout).
//
//   A 10.0.1.2 (:0a) --- 10.0.1.1 (:11) R 10.0.2.1 (:12) --- 10.0.2.2 (:0b) B
//   A and B: default via R. R: forwarding on, no default route.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "iface/interface.hpp"
#include "iface/test_net.hpp"
#include "wire/ipv4.hpp"

namespace wirestack::iface {
namespace {

using namespace std::chrono_literals;
using Trace = std::vector<std::string>;

using testing::kA;
using testing::kB;
using testing::kRa;
using testing::kRb;
using testing::Routed;

TEST(Router, PingAcross) {
  Routed n;
  const Instant t0 = n.net.now();
  ASSERT_TRUE(n.a.send_ping(kB, 7, 1, 56, t0));
  n.net.run_for(100ms);
  EXPECT_EQ(n.net.take_trace(),
            (Trace{
                "10.000ms A.0 ARP, Request who-has 10.0.1.1 tell 10.0.1.2",
                "11.000ms R.0 ARP, Reply 10.0.1.1 is-at 02:00:00:00:00:11",
                "12.000ms A.0 IP 10.0.1.2 > 10.0.2.2: ttl 64, id 4038, proto ICMP (1), length 84 | ICMP echo request, "
                "id 7, seq 1, length 64",
                "13.000ms R.1 ARP, Request who-has 10.0.2.2 tell 10.0.2.1",
                "14.000ms B.0 ARP, Reply 10.0.2.2 is-at 02:00:00:00:00:0b",
                "15.000ms R.1 IP 10.0.1.2 > 10.0.2.2: ttl 63, id 4038, proto ICMP (1), length 84 | ICMP echo request, "
                "id 7, seq 1, length 64",
                "16.000ms B.0 IP 10.0.2.2 > 10.0.1.2: ttl 64, id 45694, proto ICMP (1), length 84 | ICMP echo reply, "
                "id 7, seq 1, length 64",
                "17.000ms R.0 IP 10.0.2.2 > 10.0.1.2: ttl 63, id 45694, proto ICMP (1), length 84 | ICMP echo reply, "
                "id 7, seq 1, length 64",
            }));
  const auto replies = n.a.take_ping_replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].ttl, 63);
  EXPECT_EQ(replies[0].at, t0 + 8ms);
  EXPECT_EQ(n.r.counters().ipv4.forwarded, 2u);
  EXPECT_EQ(n.r.counters().ipv4.delivered, 0u);
}

TEST(Router, TtlExpiryGivesTimeExceeded) {
  Routed n;
  n.warm_up();
  ASSERT_TRUE(n.a.send_ping(kB, 7, 2, 8, n.net.now(), PingOptions{.ttl = 1}));
  n.net.run_for(100ms);
  const Trace trace = n.net.take_trace();
  ASSERT_EQ(trace.size(), 2u);
  EXPECT_EQ(trace[1],
            "111.000ms R.0 IP 10.0.1.1 > 10.0.1.2: ttl 64, id 9897, proto ICMP (1), length 56 | ICMP time exceeded "
            "in-transit, length 36");
  const auto errors = n.a.take_icmp_errors();
  ASSERT_EQ(errors.size(), 1u);
  std::ostringstream os;
  os << errors[0];
  EXPECT_EQ(os.str(), "From 10.0.1.1: time exceeded in transit, for ICMP 10.0.1.2 > 10.0.2.2 id 7 seq 2");
  EXPECT_EQ(errors[0].at, at(112ms));
  EXPECT_EQ(n.r.counters().ipv4.ttl_exceeded, 1u);
  EXPECT_EQ(n.r.counters().icmp.tx_by_type[11], 1u);
}

TEST(Router, UdpTracerouteSeesTheHopThenThePort) {
  Routed n;
  n.warm_up();
  const auto s = n.a.udp().open();
  ASSERT_TRUE(n.a.udp().bind(s, {Ipv4Address::any(), 50000}));
  for (std::uint8_t ttl = 1; ttl <= 2; ++ttl) {
    ASSERT_TRUE(n.a.udp().set_ttl(s, ttl));
    ASSERT_TRUE(n.a.udp_send_to(s, {kB, static_cast<std::uint16_t>(33433 + ttl)}, as_bytes("probe"), n.net.now()));
    n.net.run_for(100ms);
  }
  const auto errors = n.a.take_icmp_errors();
  ASSERT_EQ(errors.size(), 2u);
  std::ostringstream os;
  os << errors[0] << '\n' << errors[1];
  EXPECT_EQ(os.str(),
            "From 10.0.1.1: time exceeded in transit, for UDP 10.0.1.2:50000 > 10.0.2.2:33434\n"
            "From 10.0.2.2: port unreachable, for UDP 10.0.1.2:50000 > 10.0.2.2:33435");
  EXPECT_EQ(n.a.udp().take_error(s), std::nullopt);  // unconnected: errors are diagnostics only
}

TEST(Router, NoRouteGivesNetUnreachable) {
  Routed n;
  n.warm_up();
  ASSERT_TRUE(n.a.send_ping(Ipv4Address{10, 0, 9, 9}, 7, 1, 8, n.net.now()));
  n.net.run_for(100ms);
  const auto errors = n.a.take_icmp_errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].from, kRa);
  EXPECT_EQ(errors[0].type, Icmpv4Type::dst_unreachable);
  EXPECT_EQ(errors[0].code, 0);
  EXPECT_EQ(n.r.counters().ipv4.no_route, 1u);
}

TEST(Router, ArpFailureGivesHostUnreachableAfterRetries) {
  Routed n;
  n.warm_up();
  const Instant t0 = n.net.now();  // 110 ms
  ASSERT_TRUE(n.a.send_ping(Ipv4Address{10, 0, 2, 99}, 7, 1, 8, t0));
  n.net.run_for(20s);
  EXPECT_EQ(n.net.take_trace(),
            (Trace{
                "110.000ms A.0 IP 10.0.1.2 > 10.0.2.99: ttl 64, id 4039, proto ICMP (1), length 36 | ICMP echo "
                "request, id 7, seq 1, length 16",
                // ArpCache schedule: requests at t, t+1 s, t+3 s, t+7 s; failure at t+15 s.
                "111.000ms R.1 ARP, Request who-has 10.0.2.99 tell 10.0.2.1",
                "1111.000ms R.1 ARP, Request who-has 10.0.2.99 tell 10.0.2.1",
                "3111.000ms R.1 ARP, Request who-has 10.0.2.99 tell 10.0.2.1",
                "7111.000ms R.1 ARP, Request who-has 10.0.2.99 tell 10.0.2.1",
                "15111.000ms R.0 IP 10.0.1.1 > 10.0.1.2: ttl 64, id 9897, proto ICMP (1), length 56 | ICMP host "
                "10.0.2.99 unreachable, length 36",
            }));
  const auto errors = n.a.take_icmp_errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, 1);
  EXPECT_EQ(errors[0].from, kRa);
  EXPECT_EQ(errors[0].at, t0 + 1ms + 15s + 1ms);
  EXPECT_FALSE(errors[0].local);
  EXPECT_EQ(n.r.counters().ipv4.arp_failures, 1u);
  EXPECT_EQ(n.r.arp_counters().resolution_failures, 1u);
}

TEST(Router, LocalArpFailureReachesTheSocketAndPing) {
  Routed n;
  const auto s = n.a.udp().open();
  ASSERT_TRUE(n.a.udp().connect(s, {Ipv4Address{10, 0, 1, 99}, 9}));
  const Instant t0 = n.net.now();
  ASSERT_TRUE(n.a.udp_send(s, as_bytes("x"), t0));
  ASSERT_TRUE(n.a.send_ping(Ipv4Address{10, 0, 1, 99}, 7, 1, 8, t0));
  n.net.run_for(14999ms);
  EXPECT_EQ(n.a.udp().take_error(s), std::nullopt);
  n.net.run_for(1ms);
  EXPECT_EQ(n.a.udp().take_error(s), udp::Errc::host_unreachable);
  const auto errors = n.a.take_icmp_errors();
  ASSERT_EQ(errors.size(), 2u);
  std::ostringstream os;
  os << errors[0] << '\n' << errors[1];
  const std::uint16_t port = n.a.udp().local_endpoint(s)->port;
  EXPECT_EQ(os.str(), "From 10.0.1.2: host unreachable, for UDP 10.0.1.2:" + std::to_string(port) +
                          " > 10.0.1.99:9\nFrom 10.0.1.2: host unreachable, for ICMP 10.0.1.2 > 10.0.1.99 id 7 seq 1");
  EXPECT_TRUE(errors[0].local);
  EXPECT_EQ(errors[0].at, t0 + 15s);
  EXPECT_EQ(n.a.counters().ipv4.arp_failures, 2u);
  EXPECT_EQ(n.a.counters().icmp.tx, 1u);  // the echo request; no ICMP error on the wire
}

TEST(Router, NotForwardingDropsTransit) {
  Routed n{InterfaceConfig{}};
  ASSERT_TRUE(n.a.send_ping(kB, 7, 1, 8, n.net.now()));
  n.net.run_for(100ms);
  EXPECT_EQ(n.r.counters().ipv4.not_for_us, 1u);
  EXPECT_EQ(n.r.counters().icmp.tx, 0u);
  EXPECT_TRUE(n.a.take_ping_replies().empty());
}

TEST(Router, NoIcmpErrorAboutAnIcmpError) {
  Routed n;
  n.warm_up();
  // A forges an ICMP port unreachable (type 3) with TTL 1: R drops it silently.
  const auto msg = from_hex("0303fcfc00000000");
  ASSERT_TRUE(n.a.send_ipv4(kB, IpProtocol::icmp, msg, n.net.now(), SendOptions{.ttl = 1}));
  n.net.run_for(100ms);
  EXPECT_EQ(n.r.counters().ipv4.ttl_exceeded, 1u);
  EXPECT_EQ(n.r.counters().icmp.errors_suppressed, 1u);
  EXPECT_EQ(n.r.counters().icmp.tx, 0u);
  EXPECT_TRUE(n.a.take_icmp_errors().empty());
}

TEST(Router, TimeExceededOnlyForTheFirstFragment) {
  Routed n;
  n.warm_up();
  const auto s = n.a.udp().open();
  ASSERT_TRUE(n.a.udp().set_ttl(s, 1));
  ASSERT_TRUE(n.a.udp_send_to(s, {kB, 9}, ByteVec(3000), n.net.now()));  // 3 fragments
  n.net.run_for(100ms);
  EXPECT_EQ(n.r.counters().ipv4.ttl_exceeded, 3u);
  EXPECT_EQ(n.r.counters().icmp.errors_suppressed, 2u);  // RFC 1122 3.2.2: not for non-initial fragments
  EXPECT_EQ(n.a.take_icmp_errors().size(), 1u);
}

TEST(Router, UnknownProtocolGetsProtocolUnreachable) {
  Routed n;
  n.warm_up();
  ASSERT_TRUE(n.a.send_ipv4(kB, IpProtocol{253}, from_hex("0102030405060708"), n.net.now()));
  n.net.run_for(100ms);
  const auto errors = n.a.take_icmp_errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, 2);
  EXPECT_EQ(errors[0].from, kB);
  EXPECT_EQ(n.b.counters().ipv4.unknown_protocol, 1u);
}

TEST(Router, DirectedBroadcastIsNotForwarded) {
  Routed n;
  n.warm_up();
  // RFC 2644: a router does not forward a directed broadcast to its subnet.
  ASSERT_TRUE(n.a.send_ping(Ipv4Address{10, 0, 2, 255}, 7, 1, 8, n.net.now()));
  n.net.run_for(100ms);
  EXPECT_EQ(n.r.counters().ipv4.not_for_us, 1u);
  EXPECT_EQ(n.b.counters().icmp.rx_by_type[8], 1u);  // only the warm-up ping
}

TEST(Router, AddressOnTheFarSideIsLocal) {
  Routed n;
  n.warm_up();
  // 10.0.2.1 is R's other NIC: R answers itself (weak host model), TTL untouched.
  ASSERT_TRUE(n.a.send_ping(kRb, 7, 1, 8, n.net.now()));
  n.net.run_for(100ms);
  const auto replies = n.a.take_ping_replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].from, kRb);
  EXPECT_EQ(replies[0].ttl, 64);
  EXPECT_EQ(n.r.counters().ipv4.forwarded, 2u);  // warm-up only
}

TEST(Router, HostFragmentsPingButNotWithDontFragment) {
  Routed n;
  n.warm_up();
  auto r = n.a.send_ping(kB, 7, 1, 2000, n.net.now(), PingOptions{.dont_fragment = true});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), SendError::too_big);
  ASSERT_TRUE(n.a.send_ping(kB, 7, 2, 2000, n.net.now()));
  n.net.run_for(100ms);
  const auto replies = n.a.take_ping_replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].payload_len, 2000u);
  EXPECT_EQ(n.b.counters().ipv4.reassembled, 1u);
  EXPECT_EQ(n.a.counters().ipv4.reassembled, 1u);  // B's reply came in two fragments too
}

TEST(Router, NicDownFailsWaitingDatagramsAtOnce) {
  Routed n;
  n.warm_up();
  ASSERT_TRUE(n.a.send_ping(Ipv4Address{10, 0, 2, 77}, 7, 1, 8, n.net.now()));
  n.net.run_for(2s);  // R is still resolving 10.0.2.77
  n.r.nic_down(1, n.net.now());
  n.net.run_for(10ms);
  const auto errors = n.a.take_icmp_errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].code, 1);
  EXPECT_EQ(errors[0].at, at(2111ms));  // down at 2110 ms, one hop back to A
  EXPECT_EQ(n.r.poll_at(), std::nullopt);
}

}  // namespace
}  // namespace wirestack::iface
