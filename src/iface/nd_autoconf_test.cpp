// iface/nd_autoconf_test.cpp — IPv6 autoconfiguration in the interface
// (interface_nd.cpp, interface_router6.cpp): the bytes of a DAD probe,
// duplicates found by NA and by another node's probe, RAs refused for their
// hop limit or source, SLAAC from a router's RA and off-link traffic through
// it, and an IPv6 router's forwarding (hop limit, Time Exceeded, Packet Too
// Big, link-local never forwarded) and RA timing.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "iface/test_net.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ipv6.hpp"
#include "wire/ipv6_ext.hpp"
#include "wire/mld.hpp"
#include "wire/ndisc.hpp"

namespace wirestack::iface::testing {
namespace {

using namespace std::chrono_literals;

Ipv6Address v6(const char* text) { return *Ipv6Address::parse(text); }
Ipv6Prefix prefix6(const char* text) { return *Ipv6Prefix::parse(text); }

InterfaceConfig autoconf(bool forwarding = false) {
  InterfaceConfig c;
  c.forwarding = forwarding;
  c.ipv6.enabled = true;
  return c;
}

// An Ethernet frame from `src_mac` holding an ICMPv6 message.
ByteVec icmp6_frame(MacAddress src_mac, MacAddress dst_mac, const Ipv6Address& src, const Ipv6Address& dst,
                    const Icmpv6Repr& msg, std::uint8_t hop_limit = 255) {
  const std::size_t len = msg.buffer_len();
  const Ipv6Repr ip{.src = src,
                    .dst = dst,
                    .next_header = IpProtocol::icmpv6,
                    .hop_limit = hop_limit,
                    .payload_len = static_cast<std::uint16_t>(len)};
  ByteVec f(kEthernetHeaderLen + ip.total_len());
  EthernetRepr{.src = src_mac, .dst = dst_mac, .ethertype = EtherType::ipv6}.emit(EthernetFrameMut(f));
  ip.emit(Ipv6PacketMut(MutBytes(f).subspan(kEthernetHeaderLen)));
  msg.emit(Icmpv6PacketMut(MutBytes(f).subspan(kEthernetHeaderLen + kIpv6HeaderLen)), src, dst);
  return f;
}

// An RA from fe80::99 (MAC :99) advertising 2001:db8:5::/64, with Cur Hop
// Limit `cur_hop_limit` and an MTU option if `mtu` is given.
ByteVec ra_frame(std::uint8_t hop_limit = 255, const char* src = "fe80::99", std::uint16_t lifetime = 1800,
                 std::optional<std::uint32_t> mtu = std::nullopt, std::uint8_t cur_hop_limit = 64) {
  NdOptions opts;
  opts.source_ll = mac(0x99);
  opts.mtu = mtu;
  (void)opts.add_prefix(NdPrefixInfo{.prefix_len = 64,
                                     .on_link = true,
                                     .autonomous = true,
                                     .valid_lifetime = 86400,
                                     .preferred_lifetime = 14400,
                                     .prefix = v6("2001:db8:5::")});
  static ByteVec options;
  options.assign(opts.buffer_len(), std::byte{0});
  opts.emit(options);
  const Icmpv6Repr ra{
      .message = NdRouterAdvert{.cur_hop_limit = cur_hop_limit, .router_lifetime = lifetime, .options = options}};
  return icmp6_frame(mac(0x99), ipv6_multicast_mac(v6("ff02::1")), v6(src), v6("ff02::1"), ra, hop_limit);
}

struct Parsed {
  EthernetRepr eth;
  Ipv6Repr ip;
  Icmpv6Repr msg;
};
std::optional<Parsed> parse_icmp6(Bytes frame) {
  auto eth = EthernetFrame::checked(frame);
  if (!eth || eth->ethertype() != EtherType::ipv6) return std::nullopt;
  auto pkt = Ipv6Packet::checked(eth->payload());
  if (!pkt || pkt->next_header() != IpProtocol::icmpv6) return std::nullopt;
  const Ipv6Repr ip = Ipv6Repr::parse(*pkt);
  auto icmp = Icmpv6Packet::checked(pkt->payload());
  if (!icmp) return std::nullopt;
  auto msg = Icmpv6Repr::parse(*icmp, ip.src, ip.dst);
  if (!msg) return std::nullopt;
  return Parsed{*EthernetRepr::parse(*eth), ip, *msg};
}

// One host with autoconfiguration, its NIC up at 0, nobody on the wire.
struct Lone {
  TestNet net;
  Interface& h;
  Lone() : h(net.add("H", autoconf())) {
    (void)h.add_nic(mac(1));
    h.nic_up(0, net.now());
  }
  const std::vector<ByteVec>& sent() { return net.frames(); }
};

TEST(NdAutoconf, TheLinkLocalAddressIsTentativeUntilItsDadProbePasses) {
  Lone l;
  const Ipv6Address ll = v6("fe80::ff:fe00:1");
  EXPECT_TRUE(l.h.addresses6(0).empty());
  ASSERT_EQ(l.h.tentative6(0).size(), 1u);
  EXPECT_EQ(l.h.tentative6(0)[0].address(), ll);
  EXPECT_FALSE(l.h.is_local_address(ll));
  l.net.run_for(1001ms);  // the random delay is at most 1 s
  ASSERT_GE(l.sent().size(), 1u);
  // The probe (RFC 4862 5.4.2): NS from :: to the solicited-node group,
  // hop limit 255, target = the tentative address, a Nonce and no SLLA.
  const auto p = parse_icmp6(l.sent()[0]);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->eth.dst, ipv6_multicast_mac(ll.solicited_node()));
  EXPECT_EQ(p->eth.dst.to_string(), "33:33:ff:00:00:01");
  EXPECT_EQ(p->ip.src, Ipv6Address::unspecified());
  EXPECT_EQ(p->ip.dst, v6("ff02::1:ff00:1"));
  EXPECT_EQ(p->ip.hop_limit, 255);
  const auto* ns = std::get_if<NdNeighborSolicit>(&p->msg.message);
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(ns->target, ll);
  auto opts = NdOptions::parse(ns->options);
  ASSERT_TRUE(opts);
  EXPECT_FALSE(opts->source_ll);
  ASSERT_TRUE(opts->nonce);
  EXPECT_EQ(opts->nonce->size(), 6u);
  // Raw bytes: ICMPv6 type 135 code 0, then the option area starts with the
  // Nonce option (type 14, length 1).
  const std::size_t icmp = kEthernetHeaderLen + kIpv6HeaderLen;
  EXPECT_EQ(l.sent()[0][icmp], std::byte{135});
  EXPECT_EQ(l.sent()[0][icmp + 1], std::byte{0});
  EXPECT_EQ(l.sent()[0][icmp + 24], std::byte{14});
  EXPECT_EQ(l.sent()[0][icmp + 25], std::byte{1});
  EXPECT_EQ(l.h.counters().icmpv6.dad_ns_tx, 1u);
  // RetransTimer (1 s) later, nobody objected: assigned, then a Router
  // Solicitation from it (RFC 4861 6.3.7) with our link-layer address.
  l.net.run_for(1s);
  ASSERT_EQ(l.h.addresses6(0).size(), 1u);
  EXPECT_EQ(l.h.link_local(0), ll);
  EXPECT_TRUE(l.h.is_local_address(ll));
  EXPECT_EQ(l.h.counters().icmpv6.dad_succeeded, 1u);
  ASSERT_EQ(l.sent().size(), 2u);
  const auto rs = parse_icmp6(l.sent()[1]);
  ASSERT_TRUE(rs);
  EXPECT_TRUE(std::holds_alternative<NdRouterSolicit>(rs->msg.message));
  EXPECT_EQ(rs->ip.src, ll);
  EXPECT_EQ(rs->ip.dst, v6("ff02::2"));
  EXPECT_EQ(rs->ip.hop_limit, 255);
  // Three solicitations 4 s apart (MAX_RTR_SOLICITATIONS), then silence.
  l.net.run_for(20s);
  EXPECT_EQ(l.h.counters().icmpv6.rs_tx, 3u);
  EXPECT_EQ(l.h.poll_at(), std::nullopt);
  const auto events = l.h.take_address_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, AddressEventKind::tentative);
  EXPECT_EQ(events[1].kind, AddressEventKind::assigned);
}

TEST(NdAutoconf, AnAdvertForATentativeAddressMakesItADuplicateNeverUsed) {
  Lone l;
  l.net.run_for(3s);
  (void)l.h.take_address_events();
  ASSERT_TRUE(l.h.add_address6(0, prefix6("2001:db8::7/64")));
  EXPECT_FALSE(l.h.is_local_address(v6("2001:db8::7")));
  l.net.run_for(10ms);  // the probe leaves at once (not the NIC's first address)
  // Someone has it: their NA (to all-nodes, answering our probe).
  NdOptions o;
  o.target_ll = mac(0x42);
  ByteVec options(o.buffer_len());
  o.emit(options);
  const Icmpv6Repr na{.message = NdNeighborAdvert{.override = true, .target = v6("2001:db8::7"), .options = options}};
  l.h.receive(0, icmp6_frame(mac(0x42), ipv6_multicast_mac(v6("ff02::1")), v6("fe80::42"), v6("ff02::1"), na),
              l.net.now());
  EXPECT_EQ(l.h.counters().icmpv6.dad_duplicates, 1u);
  EXPECT_TRUE(l.h.tentative6(0).empty());
  l.net.run_for(5s);
  EXPECT_FALSE(l.h.is_local_address(v6("2001:db8::7")));
  EXPECT_EQ(l.h.addresses6(0).size(), 1u);  // the link-local one only
  const auto events = l.h.take_address_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, AddressEventKind::duplicate);
  EXPECT_EQ(events[1].address, v6("2001:db8::7"));
  std::ostringstream os;
  os << events[1];
  EXPECT_EQ(os.str(), "2001:db8::7 is a duplicate (DAD failed: another node on the link has it): not used");
  // Packets to it are not ours: dropped, not answered.
  const Icmpv6Repr echo{.message = Icmpv6EchoRequest{.ident = 1, .seq_no = 1}};
  const auto delivered = l.h.counters().ipv6.delivered;
  l.h.receive(0, icmp6_frame(mac(0x42), mac(1), v6("2001:db8::42"), v6("2001:db8::7"), echo, 64), l.net.now());
  EXPECT_EQ(l.h.counters().ipv6.delivered, delivered);
  EXPECT_EQ(l.h.counters().ipv6.not_for_us, 1u);
}

TEST(NdAutoconf, AnotherNodesProbeForOurTentativeAddressIsADuplicateAndIsNotAnswered) {
  Lone l;
  ASSERT_TRUE(l.h.add_address6(0, prefix6("2001:db8::7/64")));
  const Ipv6Address group = v6("2001:db8::7").solicited_node();
  // Their probe: from ::, a nonce that is not ours.
  NdOptions o;
  const std::array<std::byte, 6> nonce{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}, std::byte{5}, std::byte{6}};
  o.nonce = Bytes(nonce);
  ByteVec options(o.buffer_len());
  o.emit(options);
  const Icmpv6Repr ns{.message = NdNeighborSolicit{.target = v6("2001:db8::7"), .options = options}};
  l.h.receive(0, icmp6_frame(mac(0x42), ipv6_multicast_mac(group), Ipv6Address::unspecified(), group, ns),
              l.net.now());
  EXPECT_EQ(l.h.counters().icmpv6.dad_duplicates, 1u);
  EXPECT_EQ(l.h.counters().icmpv6.na_tx, 0u);  // 5.4.3: never answered
  l.net.run_for(5s);
  EXPECT_FALSE(l.h.is_local_address(v6("2001:db8::7")));
}

TEST(NdAutoconf, RouterAdvertsWithABadHopLimitOrSourceAreDroppedAndCounted) {
  Lone l;
  l.net.run_for(3s);
  l.h.receive(0, ra_frame(254), l.net.now());  // forwarded by a router: off-link
  EXPECT_EQ(l.h.counters().icmpv6.nd_bad_hop_limit, 1u);
  l.h.receive(0, ra_frame(255, "2001:db8::99"), l.net.now());  // not link-local
  EXPECT_EQ(l.h.counters().icmpv6.ra_bad_source, 1u);
  EXPECT_EQ(l.h.counters().icmpv6.nd_invalid, 2u);
  EXPECT_EQ(l.h.counters().icmpv6.ra_rx, 0u);
  EXPECT_TRUE(l.h.default_routers6(0).empty());
  EXPECT_TRUE(l.h.tentative6(0).empty());
  std::ostringstream os;
  l.h.print_counters(os);
  EXPECT_NE(os.str().find("nd_bad_hop_limit 1"), std::string::npos) << os.str();
}

TEST(NdAutoconf, SlaacFormsAStableAddressFromTheRaAndTheRouterBecomesTheDefault) {
  Lone l;
  l.net.run_for(3s);
  l.h.receive(0, ra_frame(), l.net.now());
  EXPECT_EQ(l.h.counters().icmpv6.ra_rx, 1u);
  ASSERT_EQ(l.h.default_routers6(0), std::vector<Ipv6Address>{v6("fe80::99")});
  ASSERT_EQ(l.h.tentative6(0).size(), 1u);
  const Ipv6Address a = l.h.tentative6(0)[0].address();
  EXPECT_TRUE(prefix6("2001:db8:5::/64").contains(a));
  // RFC 7217: not the EUI-64 identifier.
  EXPECT_NE(a, v6("2001:db8:5::ff:fe00:1"));
  l.net.run_for(1100ms);  // DAD
  ASSERT_EQ(l.h.addresses6(0).size(), 2u);
  EXPECT_EQ(l.h.addresses6(0)[1], Ipv6Prefix(a, 64));
  // An off-link destination goes to the router's MAC (learnt from the RA's SLLA).
  l.net.take_trace();
  const std::size_t before = l.sent().size();
  ASSERT_TRUE(l.h.send_ping6(v6("2001:db8:77::1"), 1, 1, 8, l.net.now()));
  l.net.run_for(1ms);
  ASSERT_EQ(l.sent().size(), before + 1);
  const auto p = parse_icmp6(l.sent().back());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->eth.dst, mac(0x99));
  EXPECT_EQ(p->ip.src, a);
  EXPECT_EQ(p->ip.dst, v6("2001:db8:77::1"));
  // Router lifetime 0: no longer a default router.
  l.h.receive(0, ra_frame(255, "fe80::99", 0), l.net.now());
  EXPECT_TRUE(l.h.default_routers6(0).empty());
  EXPECT_FALSE(l.h.send_ping6(v6("2001:db8:77::1"), 1, 2, 8, l.net.now()));
}

// RFC 4861 6.3.4: an RA's Cur Hop Limit becomes our packets' hop limit and
// its MTU option the link's MTU for IPv6 (what we send is fragmented to
// it); an MTU below 1280 or above the link's own is ignored and counted.
TEST(NdAutoconf, TheRouterAdvertsHopLimitAndMtuAreHonoured) {
  Lone l;
  l.net.run_for(3s);
  l.h.receive(0, ra_frame(255, "fe80::99", 1800, 1400, 42), l.net.now());
  l.net.run_for(1100ms);  // DAD of the SLAAC address
  const auto off_link_ping = [&](std::size_t payload) {
    const std::size_t before = l.sent().size();
    EXPECT_TRUE(l.h.send_ping6(v6("2001:db8:77::1"), 1, 1, payload, l.net.now()));
    l.net.run_for(1ms);
    std::vector<Parsed> out;
    for (std::size_t i = before; i < l.sent().size(); ++i) {
      auto eth = EthernetFrame::checked(l.sent()[i]);
      if (!eth || eth->ethertype() != EtherType::ipv6) continue;
      auto pkt = Ipv6Packet::checked(eth->payload());
      if (pkt) out.push_back(Parsed{*EthernetRepr::parse(*eth), Ipv6Repr::parse(*pkt), {}});
    }
    return out;
  };
  auto sent = off_link_ping(1400);  // 1448 bytes: over the advertised 1400
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].ip.hop_limit, 42);
  EXPECT_EQ(sent[0].ip.next_header, IpProtocol{44});  // a Fragment header
  EXPECT_LE(sent[0].ip.total_len(), 1400u);
  EXPECT_EQ(l.h.counters().ipv6.fragments_tx, 2u);
  // 1000 (below IPv6's minimum) and 9000 (above the link's 1500): ignored.
  l.h.receive(0, ra_frame(255, "fe80::99", 1800, 1000), l.net.now());
  l.h.receive(0, ra_frame(255, "fe80::99", 1800, 9000), l.net.now());
  EXPECT_EQ(l.h.counters().icmpv6.ra_bad_mtu, 2u);
  EXPECT_EQ(off_link_ping(1400).size(), 2u);  // still 1400; the hop limit is the last RA's 64
  // The link's own MTU again: 1448 bytes go whole.
  l.h.receive(0, ra_frame(255, "fe80::99", 1800, 1500), l.net.now());
  sent = off_link_ping(1400);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].ip.hop_limit, 64);
}

// A Redirect from the first hop of a destination (RFC 4861 8): to another
// router, or to the destination itself on the link. One from another
// source, or with a hop limit below 255, changes nothing.
ByteVec redirect_frame(const char* from, const Ipv6Address& to, const char* target, const char* destination,
                       std::optional<MacAddress> target_mac, std::uint8_t hop_limit = 255) {
  NdOptions o;
  o.target_ll = target_mac;
  static ByteVec options;
  options.assign(o.buffer_len(), std::byte{0});
  o.emit(options);
  const Icmpv6Repr rd{.message = NdRedirect{.target = v6(target), .destination = v6(destination), .options = options}};
  return icmp6_frame(mac(0x99), mac(1), v6(from), to, rd, hop_limit);
}

TEST(NdAutoconf, HostsHonourRedirectsFromTheirFirstHopOnly) {
  Lone l;
  l.net.run_for(3s);
  l.h.receive(0, ra_frame(), l.net.now());
  l.net.run_for(1100ms);
  ASSERT_EQ(l.h.addresses6(0).size(), 2u);
  const Ipv6Address me = l.h.addresses6(0)[1].address();
  const auto first_hop_mac = [&](const char* dst) -> std::optional<MacAddress> {
    const std::size_t before = l.sent().size();
    EXPECT_TRUE(l.h.send_ping6(v6(dst), 1, 1, 8, l.net.now()));
    l.net.run_for(1ms);
    for (std::size_t i = before; i < l.sent().size(); ++i) {
      const auto p = parse_icmp6(l.sent()[i]);
      if (p && std::holds_alternative<Icmpv6EchoRequest>(p->msg.message)) return p->eth.dst;
    }
    return std::nullopt;  // queued for address resolution
  };
  EXPECT_EQ(first_hop_mac("2001:db8:77::1"), mac(0x99));
  // To another router (fe80::55, its MAC given).
  l.h.receive(0, redirect_frame("fe80::99", me, "fe80::55", "2001:db8:77::1", mac(0x55)), l.net.now());
  EXPECT_EQ(l.h.counters().icmpv6.redirects_rx, 1u);
  EXPECT_EQ(first_hop_mac("2001:db8:77::1"), mac(0x55));
  EXPECT_EQ(first_hop_mac("2001:db8:77::2"), mac(0x99));  // other destinations stay
  // To the destination itself: it is on the link.
  l.h.receive(0, redirect_frame("fe80::99", me, "2001:db8:77::3", "2001:db8:77::3", mac(0x33)), l.net.now());
  EXPECT_EQ(first_hop_mac("2001:db8:77::3"), mac(0x33));
  // Not from the first hop (fe80::98; for 77::1 that is now fe80::55).
  l.h.receive(0, redirect_frame("fe80::98", me, "fe80::66", "2001:db8:77::2", mac(0x66)), l.net.now());
  l.h.receive(0, redirect_frame("fe80::99", me, "fe80::66", "2001:db8:77::1", mac(0x66)), l.net.now());
  EXPECT_EQ(l.h.counters().icmpv6.redirects_invalid, 2u);
  EXPECT_EQ(first_hop_mac("2001:db8:77::2"), mac(0x99));
  EXPECT_EQ(first_hop_mac("2001:db8:77::1"), mac(0x55));
  // Forwarded by a router (hop limit 254): refused by the validity checks.
  l.h.receive(0, redirect_frame("fe80::99", me, "fe80::66", "2001:db8:77::2", mac(0x66), 254), l.net.now());
  EXPECT_EQ(l.h.counters().icmpv6.nd_bad_hop_limit, 1u);
  EXPECT_EQ(l.h.counters().icmpv6.redirects_rx, 2u);
  const std::vector<std::pair<Ipv6Address, Ipv6Address>> expected{{v6("2001:db8:77::1"), v6("fe80::55")},
                                                                   {v6("2001:db8:77::3"), v6("2001:db8:77::3")}};
  EXPECT_EQ(l.h.redirects6(), expected);
  // They last redirect_lifetime (10 minutes).
  l.net.run_for(11min);
  l.h.receive(0, ra_frame(), l.net.now());  // the router again (its neighbour entry may have gone)
  EXPECT_TRUE(l.h.redirects6().empty());
  EXPECT_EQ(first_hop_mac("2001:db8:77::1"), mac(0x99));
}

// A ---- R ... (fe80::2, R's next router, on the same link as A)
// R forwards A's packet back out of the NIC it came in on: it sends A a
// Redirect to fe80::2 (RFC 4861 8.2) and forwards the packet too; A's next
// packet to that destination goes to fe80::2 directly.
TEST(NdAutoconf, ARouterRedirectsAHostToABetterFirstHopOnItsLink) {
  TestNet net;
  Interface& a = net.add("A");
  InterfaceConfig rc;
  rc.forwarding = true;
  Interface& r = net.add("R", rc);
  (void)a.add_nic(mac(0x0a));
  (void)r.add_nic(mac(0x11));
  net.wire(0, 0, 1, 0);
  ASSERT_TRUE(a.add_address6(0, prefix6("2001:db8:1::10/64")));
  ASSERT_TRUE(r.add_address6(0, prefix6("2001:db8:1::1/64")));
  ASSERT_TRUE(a.set_default_router6(0, r.link_local(0)));
  ASSERT_TRUE(r.set_default_router6(0, v6("fe80::2")));
  a.nic_up(0, net.now());
  r.nic_up(0, net.now());
  ASSERT_TRUE(a.send_ping6(v6("2001:db8:9::1"), 1, 1, 8, net.now()));
  net.run_for(10ms);
  EXPECT_EQ(r.counters().ipv6.forwarded, 1u);
  EXPECT_EQ(r.counters().icmpv6.redirects_tx, 1u);
  const NdRedirect* rd = nullptr;
  std::optional<Parsed> p;
  for (const ByteVec& f : net.frames()) {
    p = parse_icmp6(f);
    if (p && (rd = std::get_if<NdRedirect>(&p->msg.message)) != nullptr) break;
  }
  ASSERT_NE(rd, nullptr);
  EXPECT_EQ(p->ip.src, r.link_local(0));
  EXPECT_EQ(p->ip.dst, v6("2001:db8:1::10"));
  EXPECT_EQ(p->ip.hop_limit, 255);
  EXPECT_EQ(rd->target, v6("fe80::2"));
  EXPECT_EQ(rd->destination, v6("2001:db8:9::1"));
  const auto opts = NdOptions::parse(rd->options);
  ASSERT_TRUE(opts);
  EXPECT_FALSE(opts->target_ll);  // R has not resolved fe80::2 yet
  ASSERT_TRUE(opts->redirected);
  EXPECT_EQ(Ipv6Repr::parse_quoted(*opts->redirected)->dst, v6("2001:db8:9::1"));
  EXPECT_EQ(a.counters().icmpv6.redirects_rx, 1u);
  // A's next packet there solicits fe80::2 itself, and R forwards nothing more.
  const auto ns_before = a.counters().icmpv6.ns_tx;
  ASSERT_TRUE(a.send_ping6(v6("2001:db8:9::1"), 1, 2, 8, net.now()));
  net.run_for(10ms);
  EXPECT_EQ(a.counters().icmpv6.ns_tx, ns_before + 1);
  EXPECT_EQ(r.counters().ipv6.forwarded, 1u);
  EXPECT_EQ(a.redirects6(), (std::vector<std::pair<Ipv6Address, Ipv6Address>>{{v6("2001:db8:9::1"), v6("fe80::2")}}));
}

// MLDv2 (config ipv6.mld, as on a TAP device): the solicited-node groups
// are reported when joined (from :: before the link-local address is
// valid, then again from it), once more within a second, and when a
// querier asks; a Query that is not link-local with hop limit 1 is refused.
std::vector<std::pair<Ipv6Address, std::vector<MldRecord>>> mld_reports(const std::vector<ByteVec>& frames) {
  std::vector<std::pair<Ipv6Address, std::vector<MldRecord>>> out;
  for (const ByteVec& f : frames) {
    auto eth = EthernetFrame::checked(f);
    if (!eth || eth->ethertype() != EtherType::ipv6) continue;
    auto ip = Ipv6Packet::checked(eth->payload());
    if (!ip || ip->dst() != kMldv2Routers || ip->hop_limit() != 1) continue;
    const auto chain = walk_ipv6_chain(*ip);
    const auto* d = std::get_if<Ipv6Deliver>(&chain);
    if (d == nullptr) continue;
    auto icmp = Icmpv6Packet::checked(ip->packet().subspan(d->offset));
    if (!icmp) continue;
    auto msg = Icmpv6Repr::parse(*icmp, ip->src(), ip->dst());
    const auto* other = msg ? std::get_if<Icmpv6Other>(&msg->message) : nullptr;
    if (other == nullptr) continue;
    out.emplace_back(ip->src(), *parse_mldv2_report(*other));
  }
  return out;
}

TEST(NdAutoconf, MldReportsTheSolicitedNodeGroupsAndAnswersQueries) {
  TestNet net;
  InterfaceConfig c = autoconf();
  c.ipv6.mld = true;
  Interface& h = net.add("H", c);
  (void)h.add_nic(mac(1));
  ASSERT_TRUE(h.add_address6(0, prefix6("2001:db8::7/64")));
  h.nic_up(0, net.now());
  net.run_for(4s);
  const auto reports = mld_reports(net.frames());
  using R = MldRecordType;
  const std::vector<MldRecord> joined{{R::change_to_exclude, v6("ff02::1:ff00:1")},
                                      {R::change_to_exclude, v6("ff02::1:ff00:7")}};
  ASSERT_EQ(reports.size(), 4u);
  EXPECT_EQ(reports[0], std::make_pair(Ipv6Address::unspecified(), joined));  // before DAD, both groups
  EXPECT_EQ(reports[1], std::make_pair(Ipv6Address::unspecified(), joined));  // robustness: once more
  EXPECT_EQ(reports[2], std::make_pair(h.link_local(0), joined));             // the link-local one is valid
  EXPECT_EQ(reports[3], std::make_pair(h.link_local(0), joined));
  // The report left before the first DAD probe.
  const auto first_ns = std::find_if(net.frames().begin(), net.frames().end(), [](const ByteVec& f) {
    const auto p = parse_icmp6(f);
    return p && std::holds_alternative<NdNeighborSolicit>(p->msg.message);
  });
  ASSERT_NE(first_ns, net.frames().end());
  EXPECT_GE(mld_reports({net.frames().begin(), first_ns}).size(), 1u);
  // A General Query (MLDv2, Maximum Response Delay 1 s): every group, as
  // current state, within the second.
  const ByteVec general(20);
  const Icmpv6Repr query{.message = Icmpv6Other{.type = Icmpv6Type{130}, .rest = 1000u << 16, .data = general}};
  h.receive(0, icmp6_frame(mac(0x99), ipv6_multicast_mac(v6("ff02::1")), v6("fe80::99"), v6("ff02::1"), query, 1),
            net.now());
  const std::size_t before = net.frames().size();
  net.run_for(1001ms);
  const auto answers = mld_reports({net.frames().begin() + static_cast<std::ptrdiff_t>(before), net.frames().end()});
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].second, (std::vector<MldRecord>{{R::mode_is_exclude, v6("ff02::1:ff00:1")},
                                                       {R::mode_is_exclude, v6("ff02::1:ff00:7")}}));
  EXPECT_EQ(h.counters().icmpv6.mld_queries_rx, 1u);
  // Forwarded (hop limit 2) or from a global source: refused.
  h.receive(0, icmp6_frame(mac(0x99), ipv6_multicast_mac(v6("ff02::1")), v6("fe80::99"), v6("ff02::1"), query, 2),
            net.now());
  h.receive(0, icmp6_frame(mac(0x99), ipv6_multicast_mac(v6("ff02::1")), v6("2001:db8::99"), v6("ff02::1"), query, 1),
            net.now());
  EXPECT_EQ(h.counters().icmpv6.mld_invalid, 2u);
  // An address that fails DAD leaves its group: CHANGE_TO_INCLUDE.
  ASSERT_TRUE(h.add_address6(0, prefix6("2001:db8::8/64")));
  NdOptions o;
  o.target_ll = mac(0x42);
  ByteVec options(o.buffer_len());
  o.emit(options);
  const Icmpv6Repr na{.message = NdNeighborAdvert{.override = true, .target = v6("2001:db8::8"), .options = options}};
  h.receive(0, icmp6_frame(mac(0x42), ipv6_multicast_mac(v6("ff02::1")), v6("fe80::42"), v6("ff02::1"), na),
            net.now());
  net.run_for(1ms);
  const auto last = mld_reports(net.frames());
  ASSERT_GE(last.size(), 2u);
  EXPECT_EQ(last[last.size() - 2].second, (std::vector<MldRecord>{{R::change_to_exclude, v6("ff02::1:ff00:8")}}));
  EXPECT_EQ(last.back().second, (std::vector<MldRecord>{{R::change_to_include, v6("ff02::1:ff00:8")}}));
}

// A default router set by hand (`wirestack tap --gateway fe80::1`): off-link
// packets go to it (its address resolved first), with no RA ever heard.
TEST(NdAutoconf, AStaticDefaultRouterCarriesOffLinkTraffic) {
  Lone l;
  ASSERT_TRUE(l.h.add_address6(0, prefix6("2001:db8:1::10/64")));
  EXPECT_FALSE(l.h.set_default_router6(0, v6("ff02::1")));
  EXPECT_FALSE(l.h.set_default_router6(0, l.h.link_local(0)));
  l.net.run_for(3s);  // DAD
  ASSERT_EQ(l.h.addresses6(0).size(), 2u);
  EXPECT_FALSE(l.h.set_default_router6(0, v6("2001:db8:1::10")));
  EXPECT_FALSE(l.h.send_ping6(v6("2001:db8:9::1"), 1, 1, 8, l.net.now()));  // no router yet: no route
  ASSERT_TRUE(l.h.set_default_router6(0, v6("fe80::1")));
  const std::size_t before = l.sent().size();
  ASSERT_TRUE(l.h.send_ping6(v6("2001:db8:9::1"), 1, 1, 8, l.net.now()));
  l.net.run_for(10ms);
  std::vector<Ipv6Address> targets;
  for (std::size_t i = before; i < l.sent().size(); ++i) {
    const auto p = parse_icmp6(l.sent()[i]);
    if (const auto* ns = p ? std::get_if<NdNeighborSolicit>(&p->msg.message) : nullptr) targets.push_back(ns->target);
  }
  // The router's address is resolved, not the destination's.
  EXPECT_EQ(targets, std::vector<Ipv6Address>{v6("fe80::1")});
}

// A (SLAAC) --- R (advertises 2001:db8:1::/64 and 2001:db8:2::/64) --- B (SLAAC)
struct Routed6 {
  TestNet net;
  Interface& a;
  Interface& r;
  Interface& b;
  explicit Routed6(std::uint16_t mtu_rb = 1500)
      : a(net.add("A", autoconf())), r(net.add("R", autoconf(true))), b(net.add("B", autoconf())) {
    (void)a.add_nic(mac(0x0a));
    (void)r.add_nic(mac(0x11));
    (void)r.add_nic(mac(0x12), mtu_rb);
    (void)b.add_nic(mac(0x0b));
    WIRESTACK_ASSERT(r.add_address6(0, prefix6("2001:db8:1::1/64")));
    WIRESTACK_ASSERT(r.add_address6(1, prefix6("2001:db8:2::1/64")));
    WIRESTACK_ASSERT(r.advertise6(0, prefix6("2001:db8:1::/64")));
    WIRESTACK_ASSERT(r.advertise6(1, prefix6("2001:db8:2::/64")));
    net.wire(0, 0, 1, 0);
    net.wire(1, 1, 2, 0);
    for (Interface* i : {&a, &r, &b}) {
      for (NicId n = 0; n < i->nic_count(); ++n) i->nic_up(n, net.now());
    }
    net.run_for(5s);
  }
  Ipv6Address global(Interface& i) {
    for (const Ipv6Prefix& p : i.addresses6(0)) {
      if (!p.address().is_link_local()) return p.address();
    }
    return {};
  }
};

TEST(NdAutoconf, HostsGetAddressesFromTheRouterAndPingAcrossIt) {
  Routed6 n;
  const Ipv6Address a = n.global(n.a);
  const Ipv6Address b = n.global(n.b);
  EXPECT_TRUE(prefix6("2001:db8:1::/64").contains(a)) << a;
  EXPECT_TRUE(prefix6("2001:db8:2::/64").contains(b)) << b;
  EXPECT_EQ(n.a.default_routers6(0), std::vector<Ipv6Address>{n.r.link_local(0)});
  EXPECT_GE(n.r.counters().icmpv6.ra_tx, 2u);  // one unsolicited per NIC at least
  ASSERT_TRUE(n.a.send_ping6(b, 3, 1, 32, n.net.now()));
  n.net.run_for(100ms);
  const auto replies = n.a.take_ping6_replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].from, b);
  EXPECT_EQ(replies[0].hop_limit, 63);  // one router on the way back
  EXPECT_EQ(n.r.counters().ipv6.forwarded, 2u);
  // The router does not use SLAAC or solicit routers itself.
  EXPECT_EQ(n.r.counters().icmpv6.rs_tx, 0u);
  EXPECT_EQ(n.r.counters().icmpv6.slaac_addresses, 0u);
}

TEST(NdAutoconf, TheRouterAnswersHopLimitOneWithTimeExceededAndNeverForwardsLinkLocal) {
  Routed6 n;
  const Ipv6Address b = n.global(n.b);
  // Hop limit 1 from A: Time Exceeded code 0 from the router's address on A's link.
  const Icmpv6Repr echo{.message = Icmpv6EchoRequest{.ident = 1, .seq_no = 1}};
  const Ipv6Address a = n.global(n.a);
  n.r.receive(0, icmp6_frame(mac(0x0a), mac(0x11), a, b, echo, 1), n.net.now());
  EXPECT_EQ(n.r.counters().ipv6.hop_limit_exceeded, 1u);
  EXPECT_EQ(n.r.counters().icmpv6.tx_by_type[3], 1u);
  n.net.run_for(10ms);
  EXPECT_EQ(n.a.counters().icmpv6.rx_by_type[3], 1u);
  // A link-local destination (or source) is never forwarded.
  n.r.receive(0, icmp6_frame(mac(0x0a), mac(0x11), a, n.b.link_local(0), echo, 64), n.net.now());
  n.r.receive(0, icmp6_frame(mac(0x0a), mac(0x11), n.a.link_local(0), b, echo, 64), n.net.now());
  EXPECT_EQ(n.r.counters().ipv6.scope_drops, 2u);
  EXPECT_EQ(n.r.counters().ipv6.forwarded, 0u);
}

TEST(NdAutoconf, TheRouterSendsPacketTooBigWhenTheNextLinkIsSmaller) {
  Routed6 n(1280);
  const Ipv6Address b = n.global(n.b);
  const ByteVec data(1400);
  const Icmpv6Repr echo{.message = Icmpv6EchoRequest{.ident = 1, .seq_no = 1, .data = data}};
  n.r.receive(0, icmp6_frame(mac(0x0a), mac(0x11), n.global(n.a), b, echo, 64), n.net.now());
  EXPECT_EQ(n.r.counters().ipv6.forward_too_big, 1u);
  EXPECT_EQ(n.r.counters().ipv6.forwarded, 0u);
  n.net.run_for(10ms);
  const Icmpv6PacketTooBig* ptb = nullptr;
  std::optional<Parsed> p;
  for (const ByteVec& f : n.net.frames()) {
    p = parse_icmp6(f);
    if (p && (ptb = std::get_if<Icmpv6PacketTooBig>(&p->msg.message)) != nullptr) break;
  }
  ASSERT_NE(ptb, nullptr);
  EXPECT_EQ(ptb->param, 1280u);
  EXPECT_EQ(p->ip.dst, n.global(n.a));
  EXPECT_EQ(n.a.counters().icmpv6.rx_by_type[2], 1u);
}

// RFC 8201 through the router above: B's link has MTU 1280, so A's first
// full-sized TCP segments (MSS 1440 from B) come back as Packet Too Big;
// A lowers that connection's segments to the path and resends, and a
// second connection starts at the path's size. Without A acting on the
// error nothing over 1280 bytes would ever reach B.
TEST(NdAutoconf, PacketTooBigLowersTheTcpSegmentSizeOfThePath) {
  Routed6 n(1280);
  const Ipv6Address b = n.global(n.b);
  const ByteVec data = pattern(200'000);
  const ByteVec got = tcp_transfer(n.net, n.a, n.b, b, data);
  ASSERT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
  EXPECT_GE(n.r.counters().ipv6.forward_too_big, 1u);
  EXPECT_EQ(n.a.counters().ipv6.pmtu_reductions, 1u);
  EXPECT_EQ(n.a.counters().ipv6.fragments_tx, 0u);
  const std::size_t before = n.r.counters().ipv6.forward_too_big;
  const ByteVec again = tcp_transfer(n.net, n.a, n.b, b, pattern(50'000), 8081);
  EXPECT_EQ(again.size(), 50'000u);
  EXPECT_EQ(n.r.counters().ipv6.forward_too_big, before);  // the path's size from the start
}

// A Packet Too Big that quotes no data of ours in flight (forged, or about
// a connection that is gone) lowers nothing; one below 1280 is taken as
// 1280 for what else we send there (fragmented to fit).
TEST(NdAutoconf, PacketTooBigWithoutDataInFlightLowersNoConnection) {
  Routed6 n;
  const Ipv6Address a = n.global(n.a);
  const Ipv6Address b = n.global(n.b);
  // A quoted UDP packet from A to B, 1400 bytes long.
  ByteVec quoted(kIpv6HeaderLen + 8);
  Ipv6Repr{.src = a, .dst = b, .next_header = IpProtocol::udp, .hop_limit = 64, .payload_len = 1360}.emit(
      Ipv6PacketMut(quoted));
  const Icmpv6Repr ptb{.message = Icmpv6PacketTooBig{.param = 600, .invoking = quoted}};
  n.a.receive(0, icmp6_frame(mac(0x11), mac(0x0a), n.r.link_local(0), a, ptb), n.net.now());
  EXPECT_EQ(n.a.counters().ipv6.pmtu_reductions, 0u);
  ASSERT_TRUE(n.a.send_ping6(b, 1, 1, 1300, n.net.now()));  // 1348 bytes: over 1280
  EXPECT_EQ(n.a.counters().ipv6.fragments_tx, 2u);
  n.net.run_for(100ms);
  EXPECT_EQ(n.a.take_ping6_replies().size(), 1u);
}

TEST(NdAutoconf, RouterAdvertTimingIsDeterministicAndAnswersSolicitations) {
  const auto ra_times = [] {
    TestNet net;
    Interface& r = net.add("R", autoconf(true));
    (void)r.add_nic(mac(0x11));
    WIRESTACK_ASSERT(r.advertise6(0, prefix6("2001:db8:1::/64")));
    r.nic_up(0, net.now());
    net.run_for(60s);
    // A host's solicitation: answered within MAX_RA_DELAY_TIME (0.5 s).
    NdOptions o;
    o.source_ll = mac(0x0a);
    ByteVec options(o.buffer_len());
    o.emit(options);
    r.receive(0,
              icmp6_frame(mac(0x0a), ipv6_multicast_mac(v6("ff02::2")), v6("fe80::a"), v6("ff02::2"),
                          Icmpv6Repr{.message = NdRouterSolicit{.options = options}}),
              net.now());
    net.run_for(500ms);
    std::vector<std::string> times;
    for (const std::string& line : net.trace()) {
      if (line.find("router advertisement") != std::string::npos) times.push_back(line.substr(0, line.find(' ')));
    }
    return times;
  };
  const auto times = ra_times();
  EXPECT_EQ(times, ra_times());
  // The first when the link-local address passes DAD, then 16 s apart
  // (MAX_INITIAL_RTR_ADVERT_INTERVAL caps the intervals after the first
  // three), then >= 200 s (MinRtrAdvInterval).
  ASSERT_EQ(times.size(), 5u);
  const double t0 = std::stod(times[0]);
  EXPECT_LE(t0, 2001.0);
  EXPECT_DOUBLE_EQ(std::stod(times[1]) - t0, 16000.0);
  EXPECT_DOUBLE_EQ(std::stod(times[2]) - t0, 32000.0);
  EXPECT_DOUBLE_EQ(std::stod(times[3]) - t0, 48000.0);
  EXPECT_GE(std::stod(times[4]), 60000.0);  // the solicited one
  EXPECT_LE(std::stod(times[4]), 60500.0);
}

}  // namespace
}  // namespace wirestack::iface::testing
