// iface/interface_test.cpp — two Interfaces wired back to back (TestNet,
// 1 ms per hop): ARP, ICMP echo, Ethernet filtering and malformed input,
// gratuitous ARP, counters and their printing.
//
// Addresses: A = 10.0.0.1 / 02:00:00:00:00:01, B = 10.0.0.2 / 02:00:00:00:00:02, on 10.0.0.0/24.
#include "iface/interface.hpp"

#include <gtest/gtest.h>

#include <array>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "iface/test_net.hpp"
#include "wire/arp.hpp"
#include "wire/ethernet.hpp"

namespace wirestack::iface {
namespace {

using namespace std::chrono_literals;
using testing::TestNet;
using Trace = std::vector<std::string>;

using testing::ip;
using testing::mac;
using testing::Pair;
using testing::prefix;

TEST(Interface, GratuitousArpOnNicUpAndAddress) {
  TestNet net;
  Interface& a = net.add("A");
  Interface& b = net.add("B");
  const NicId na = a.add_nic(mac(1));
  const NicId nb = b.add_nic(mac(2));
  net.wire(0, na, 1, nb);
  ASSERT_TRUE(a.add_address(na, prefix("10.0.0.1/24")));  // NIC down: no announcement yet
  b.nic_up(nb, net.now());
  a.nic_up(na, net.now());
  ASSERT_TRUE(a.add_address(na, prefix("10.0.0.11/24")));  // up: announced at once
  net.run_for(5ms);
  EXPECT_EQ(net.take_trace(), (Trace{
                                  "0.000ms A.0 ARP, Request who-has 10.0.0.1 tell 10.0.0.1",
                                  "0.000ms A.0 ARP, Request who-has 10.0.0.11 tell 10.0.0.11",
                              }));
  EXPECT_EQ(a.counters().arp.tx_gratuitous, 2u);
  // B learns nothing from an announcement it had no entry for (RFC 826 merge rule).
  EXPECT_EQ(b.counters().arp.rx, 2u);
  EXPECT_EQ(b.arp(nb).size(), 0u);
  // The same address twice is refused.
  auto r = a.add_address(na, prefix("10.0.0.1/24"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "add address 10.0.0.1/24: this host already has 10.0.0.1");
}

TEST(Interface, PingResolvesArpThenEchoes) {
  Pair p;
  ASSERT_TRUE(p.a.send_ping(ip(2), 7, 1, 56, p.net.now()));
  const Instant sent = p.net.now();
  p.net.run_for(100ms);
  EXPECT_EQ(p.net.take_trace(), (Trace{
                                    "10.000ms A.0 ARP, Request who-has 10.0.0.2 tell 10.0.0.1",
                                    "11.000ms B.0 ARP, Reply 10.0.0.2 is-at 02:00:00:00:00:02",
                                    "12.000ms A.0 IP 10.0.0.1 > 10.0.0.2: ttl 64, id 4038, proto ICMP (1), length 84 "
                                    "| ICMP echo request, id 7, seq 1, length 64",
                                    "13.000ms B.0 IP 10.0.0.2 > 10.0.0.1: ttl 64, id 9897, proto ICMP (1), length 84 "
                                    "| ICMP echo reply, id 7, seq 1, length 64",
                                }));
  const auto replies = p.a.take_ping_replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0], (PingReply{.from = ip(2), .ident = 7, .seq = 1, .ttl = 64, .payload_len = 56,
                                   .at = sent + 4ms}));
  std::ostringstream os;
  os << replies[0];
  EXPECT_EQ(os.str(), "64 bytes from 10.0.0.2: icmp_seq=1 ident=7 ttl=64 at 0.014000s");
  EXPECT_TRUE(p.a.take_ping_replies().empty());
}

TEST(Interface, SecondPingUsesTheCache) {
  Pair p;
  ASSERT_TRUE(p.a.send_ping(ip(2), 7, 1, 8, p.net.now()));
  p.net.run_for(100ms);
  p.net.take_trace();
  ASSERT_TRUE(p.a.send_ping(ip(2), 7, 2, 8, p.net.now()));
  const Instant sent = p.net.now();
  p.net.run_for(100ms);
  EXPECT_EQ(p.net.take_trace().size(), 2u);  // echo request + reply, no ARP
  const auto replies = p.a.take_ping_replies();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[1].seq, 2);
  EXPECT_EQ(replies[1].at, sent + 2ms);
  // B learned A from A's request (it was the target), so it never asked.
  EXPECT_EQ(p.b.counters().arp.tx_requests, 0u);
  EXPECT_EQ(p.a.counters().arp.tx_requests, 1u);
  EXPECT_EQ(p.a.arp_counters().hits, 1u);
  EXPECT_EQ(p.b.arp_counters().hits, 2u);
}

TEST(Interface, ArpRequestForUsIsAnswered) {
  Pair p;
  // B asks who has 10.0.0.1.
  const ArpRepr req = ArpRepr::request(mac(2), ip(2), ip(1));
  std::array<std::byte, kEthernetHeaderLen + kArpPacketLen> frame{};
  EthernetRepr{.src = mac(2), .dst = MacAddress::broadcast(), .ethertype = EtherType::arp}.emit(
      EthernetFrameMut(frame));
  req.emit(ArpPacketMut(std::span(frame).subspan(kEthernetHeaderLen)));
  p.a.receive(0, frame, p.net.now());
  p.net.run_for(1ms);
  EXPECT_EQ(p.net.take_trace(), (Trace{"10.000ms A.0 ARP, Reply 10.0.0.1 is-at 02:00:00:00:00:01"}));
  EXPECT_EQ(p.a.counters().arp.tx_replies, 1u);
  // A request for an address that is not A's gets no answer.
  ArpRepr::request(mac(2), ip(2), ip(9)).emit(ArpPacketMut(std::span(frame).subspan(kEthernetHeaderLen)));
  p.a.receive(0, frame, p.net.now());
  p.net.run_for(1ms);
  EXPECT_TRUE(p.net.take_trace().empty());
}

TEST(Interface, BadFramesAreCountedAndDropped) {
  Pair p;
  const Instant now = p.net.now();
  // Too short for Ethernet.
  p.b.receive(0, bytes_of(1, 2, 3), now);
  // For another MAC.
  auto other = bytes_of(0x02, 0, 0, 0, 0, 0x09, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00);
  p.b.receive(0, other, now);
  // Unknown EtherType (0x88b5, local experimental) to B's MAC.
  auto unknown = bytes_of(0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x88, 0xb5);
  p.b.receive(0, unknown, now);
  // IPv6 without its header.
  auto v6 = bytes_of(0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x86, 0xdd);
  p.b.receive(0, v6, now);
  // IPv4 with a broken header (version 6) and with a bad header checksum.
  auto bad_ip = from_hex("020000000002 020000000001 0800 65000014000000004001 0000 0a000001 0a000002");
  p.b.receive(0, bad_ip, now);
  auto bad_sum = from_hex("020000000002 020000000001 0800 45000014000000004001 1234 0a000001 0a000002");
  p.b.receive(0, bad_sum, now);
  // A truncated ARP packet.
  auto bad_arp = from_hex("ffffffffffff 020000000001 0806 0001 0800 06 04");
  p.b.receive(0, bad_arp, now);
  // An ICMP echo request with a bad ICMP checksum (IP header checksum right).
  auto bad_icmp = from_hex(
      "020000000002 020000000001 0800 4500001c00010000 4001 66de 0a000001 0a000002 0800 0000 0007 0001");
  p.b.receive(0, bad_icmp, now);
  const auto& c = p.b.counters();
  EXPECT_EQ(c.eth.rx_malformed, 1u);
  EXPECT_EQ(c.eth.rx_not_for_us, 1u);
  EXPECT_EQ(c.eth.rx_unknown_type, 1u);
  EXPECT_EQ(c.ipv4.malformed, 2u);
  EXPECT_EQ(c.ipv6.malformed, 1u);
  EXPECT_EQ(c.arp.rx_malformed, 1u);
  EXPECT_EQ(c.icmp.rx_malformed, 1u);
  EXPECT_EQ(c.icmp.tx, 0u);
  p.net.run_for(10ms);
  EXPECT_TRUE(p.net.take_trace().empty());
}

TEST(Interface, DownNicDropsInputAndOutput) {
  Pair p;
  p.b.nic_down(0, p.net.now());
  ASSERT_TRUE(p.a.send_ping(ip(2), 7, 1, 8, p.net.now()));
  p.net.run_for(10ms);
  EXPECT_EQ(p.b.counters().eth.rx_nic_down, 1u);  // A's ARP request
  auto r = p.b.send_ping(ip(1), 7, 1, 8, p.net.now());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), SendError::nic_down);
}

TEST(Interface, BroadcastEchoIsIgnoredByDefault) {
  Pair p;
  ASSERT_TRUE(p.a.send_ping(Ipv4Address{10, 0, 0, 255}, 7, 1, 8, p.net.now()));
  p.net.run_for(10ms);
  EXPECT_EQ(p.net.take_trace(),
            (Trace{"10.000ms A.0 IP 10.0.0.1 > 10.0.0.255: ttl 64, id 4038, proto ICMP (1), length 36 "
                   "| ICMP echo request, id 7, seq 1, length 16"}));
  EXPECT_EQ(p.b.counters().icmp.rx_by_type[8], 1u);
  EXPECT_EQ(p.b.counters().icmp.tx, 0u);
}

TEST(Interface, PingToOwnAddressLoopsBack) {
  Pair p;
  ASSERT_TRUE(p.a.send_ping(ip(1), 9, 3, 8, p.net.now()));
  // Through the loopback queue: the request is delivered by the next poll,
  // the reply it draws by the one after (a sender is never re-entered).
  EXPECT_TRUE(p.a.take_ping_replies().empty());
  EXPECT_EQ(p.a.poll_at(), Instant{});
  p.a.poll(p.net.now());
  EXPECT_TRUE(p.a.take_ping_replies().empty());
  EXPECT_EQ(p.a.poll_at(), Instant{});
  p.a.poll(p.net.now());
  const auto replies = p.a.take_ping_replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].from, ip(1));
  EXPECT_EQ(replies[0].at, p.net.now());
  p.net.run_for(10ms);
  EXPECT_TRUE(p.net.take_trace().empty());
}

TEST(Interface, NoRouteIsRefusedAtOnce) {
  Pair p;
  auto r = p.a.send_ping(Ipv4Address{192, 168, 1, 1}, 7, 1, 8, p.net.now());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), SendError::no_route);
  EXPECT_EQ(p.a.counters().ipv4.no_route, 1u);
  EXPECT_EQ(p.a.poll_at(), std::nullopt);
}

TEST(Interface, CountersPrintNonzeroValuesPerLayer) {
  Pair p;
  ASSERT_TRUE(p.a.send_ping(ip(2), 7, 1, 8, p.net.now()));
  p.net.run_for(100ms);
  std::ostringstream os;
  os << p.a.counters();
  EXPECT_EQ(os.str(),
            "eth rx 3 tx 3\n"
            "arp rx 2 tx_requests 1 tx_gratuitous 1\n"
            "ipv4 rx 1 tx 1 delivered 1\n"
            "icmp rx 1 tx 1 rx_echo_reply 1 tx_echo_request 1");
  std::uint64_t visited = 0;
  for_each_counter(p.a.counters(), [&](std::string_view, std::string_view, std::uint64_t) { ++visited; });
  EXPECT_EQ(visited, 101u);  // 99 fixed counters + 2 ICMP types seen
  std::ostringstream all;
  p.a.print_counters(all);
  EXPECT_EQ(all.str(),
            "eth rx 3 tx 3\n"
            "arp rx 2 tx_requests 1 tx_gratuitous 1\n"
            "ipv4 rx 1 tx 1 delivered 1\n"
            "icmp rx 1 tx 1 rx_echo_reply 1 tx_echo_request 1\n"
            // requests_received: B's announcement.
            "arp_cache requests_sent 1 requests_received 1 replies_received 1 misses 1 queued 1 released 1");
}

TEST(Interface, IcmpErrorsAreRateLimited) {
  InterfaceConfig limited;
  limited.icmp_error_rate = 2;  // per second
  limited.icmp_error_burst = 3;
  Pair p({}, limited);
  const auto s = p.a.udp().open();
  auto blast = [&](int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(p.a.udp_send_to(s, {ip(2), 9}, as_bytes("x"), p.net.now()));
    p.net.run_for(10ms);
  };
  blast(5);  // the burst allows 3 port unreachables
  EXPECT_EQ(p.b.counters().udp.no_port, 5u);
  EXPECT_EQ(p.b.counters().icmp.tx_by_type[3], 3u);
  EXPECT_EQ(p.b.counters().icmp.rate_limited, 2u);
  p.net.run_for(500ms);  // empty at 13 ms; the next blast reaches B at 521 ms: 1.016 tokens
  blast(2);
  EXPECT_EQ(p.b.counters().icmp.tx_by_type[3], 4u);
  EXPECT_EQ(p.b.counters().icmp.rate_limited, 3u);
  // Echo replies are not limited.
  for (std::uint16_t seq = 0; seq < 5; ++seq) ASSERT_TRUE(p.a.send_ping(ip(2), 1, seq, 8, p.net.now()));
  p.net.run_for(10ms);
  EXPECT_EQ(p.a.take_ping_replies().size(), 5u);
}

}  // namespace
}  // namespace wirestack::iface
