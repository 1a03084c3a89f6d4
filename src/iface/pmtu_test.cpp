// iface/pmtu_test.cpp — TCP path MTU discovery (RFC 1191): A's segments
// carry DF; the router before a narrower link answers "fragmentation
// needed" with its MTU; A lowers the segment size of that connection and of
// the next ones to B, resends what was in flight, and no fragment is made
// on the way. A report below min_pmtu is taken as min_pmtu without DF.
#include <gtest/gtest.h>

#include "iface/test_net.hpp"
#include "wire/ethernet.hpp"
#include "wire/icmpv4.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"

namespace wirestack::iface {
namespace {

using testing::kB;
using testing::pattern;
using testing::Routed;

struct Datagram {
  Ipv4Repr ip;
  std::optional<TcpRepr> tcp;
};

// The IPv4 datagrams of every frame sent so far by node `from`'s side of
// the wires (frames are logged in order; parsed leniently).
std::vector<Datagram> datagrams(const testing::TestNet& net, Ipv4Address src) {
  std::vector<Datagram> out;
  for (const ByteVec& f : net.frames()) {
    auto eth = EthernetFrame::checked(f);
    if (!eth || eth->ethertype() != EtherType::ipv4) continue;
    auto p = Ipv4Packet::checked(eth->payload());
    if (!p) continue;
    auto r = Ipv4Repr::parse(*p);
    if (!r || r->src != src) continue;
    Datagram d{.ip = *r, .tcp = std::nullopt};
    if (r->protocol == IpProtocol::tcp && r->frag_offset == 0 && !r->more_fragments) {
      if (auto t = TcpPacket::checked(p->payload())) {
        if (auto tr = TcpRepr::parse(*t, IpPair{.src = r->src, .dst = r->dst})) d.tcp = *tr;
      }
    }
    out.push_back(d);
  }
  return out;
}

TEST(PathMtu, SegmentsShrinkToTheNarrowLinkAndNothingIsFragmented) {
  Routed n(testing::router_config(), 1000);
  n.warm_up();
  const ByteVec data = pattern(300'000);
  const ByteVec got = testing::tcp_transfer(n.net, n.a, n.b, kB, data);
  ASSERT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
  EXPECT_GE(n.r.counters().ipv4.frag_needed, 1u);  // the router refused DF datagrams over 1000
  EXPECT_EQ(n.r.counters().ipv4.fragments_tx, 0u);
  EXPECT_EQ(n.a.counters().ipv4.pmtu_reductions, 1u);
  std::size_t big = 0;
  std::size_t small = 0;
  for (const Datagram& d : datagrams(n.net, testing::kA)) {
    if (!d.tcp) continue;
    EXPECT_TRUE(d.ip.dont_fragment) << "every TCP segment carries DF";
    if (d.ip.total_len() > 1000) ++big;
    if (d.ip.total_len() == 1000) ++small;
  }
  EXPECT_GE(big, 1u);     // the first flight, before the report
  EXPECT_GE(small, 200u); // then full segments of the path's size
  // A second connection to B starts at the path's size: it offers MSS 960.
  const ByteVec again = testing::tcp_transfer(n.net, n.a, n.b, kB, pattern(50'000), 8081);
  EXPECT_EQ(again.size(), 50'000u);
  std::optional<std::uint16_t> offered;
  for (const Datagram& d : datagrams(n.net, testing::kA)) {
    if (d.tcp && d.tcp->flags.syn()) offered = d.tcp->options.mss;
  }
  ASSERT_TRUE(offered);
  EXPECT_EQ(*offered, 960u);
  EXPECT_EQ(n.r.counters().ipv4.fragments_tx, 0u);
}

// A link of MTU 400, below Linux's min_pmtu (552): the path is taken as 552
// without DF, and the router fragments what is still too big; the transfer
// completes (a forged report cannot shrink segments further).
TEST(PathMtu, ReportBelowTheFloorSendsTheFloorWithoutDf) {
  Routed n(testing::router_config(), 400);
  n.warm_up();
  const ByteVec data = pattern(100'000);
  const ByteVec got = testing::tcp_transfer(n.net, n.a, n.b, kB, data);
  ASSERT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
  EXPECT_EQ(n.a.counters().ipv4.pmtu_reductions, 1u);
  EXPECT_GT(n.r.counters().ipv4.fragments_tx, 0u);
  bool saw_floor = false;
  for (const Datagram& d : datagrams(n.net, testing::kA)) {
    if (!d.tcp || d.ip.total_len() != 552) continue;
    saw_floor = true;
    EXPECT_FALSE(d.ip.dont_fragment);
  }
  EXPECT_TRUE(saw_floor);
}

// Off: TCP without DF, as before path MTU discovery.
TEST(PathMtu, OffSendsWithoutDf) {
  InterfaceConfig off;
  off.pmtu_discovery = false;
  testing::Pair p(off);
  const ByteVec got = testing::tcp_transfer(p.net, p.a, p.b, testing::ip(2), pattern(20'000));
  EXPECT_EQ(got.size(), 20'000u);
  std::size_t segments = 0;
  for (const Datagram& d : datagrams(p.net, testing::ip(1))) {
    if (!d.tcp) continue;
    ++segments;
    EXPECT_FALSE(d.ip.dont_fragment);
  }
  EXPECT_GT(segments, 10u);
}

// RFC 5927 4.1: a "fragmentation needed" whose quoted TCP segment is not in
// flight (forged, or stale) changes nothing: not the connection's segment
// size, not the path remembered for new connections. The genuine report of
// the same shape, quoting SND.UNA, does both.
TEST(PathMtu, AReportQuotingNoDataInFlightIsIgnored) {
  Routed n(testing::router_config(), 1500);
  n.warm_up();
  auto& ta = n.a.tcp();
  auto& tb = n.b.tcp();
  const auto srv = tb.open();
  ASSERT_TRUE(tb.bind(srv, {IpAddress::any(IpFamily::v4), 8080}));
  ASSERT_TRUE(tb.listen(srv, 8));
  const auto cli = ta.open();
  ASSERT_TRUE(ta.connect(cli, {IpAddress(kB), 8080}, n.net.now()));
  n.net.run_for(std::chrono::milliseconds{20});
  ASSERT_TRUE(ta.send(cli, pattern(20'000)));
  n.net.run_for(std::chrono::microseconds{10});  // data in flight, not yet acknowledged
  const tcp::Connection* c = ta.connection(cli);
  ASSERT_NE(c, nullptr);
  const auto local = *ta.local_endpoint(cli);
  const auto report = [&](std::uint32_t seq) {
    // From the router, as if our segment at `seq` did not fit a 700-byte link.
    ByteVec quoted(8);
    store_be16(quoted, 0, local.port);
    store_be16(quoted, 2, 8080);
    store_be32(quoted, 4, seq);
    const Ipv4Repr orig{.src = testing::kA, .dst = kB, .protocol = IpProtocol::tcp, .ttl = 63, .ident = 1,
                        .dont_fragment = true, .payload_len = 1480};
    const Icmpv4Repr icmp{.message = Icmpv4DstUnreachable{.code = Icmpv4UnreachableCode::frag_needed,
                                                          .next_hop_mtu = 700,
                                                          .quote = Icmpv4Quote{.header = orig, .data = quoted}}};
    const Ipv4Repr ip{.src = testing::kRa, .dst = testing::kA, .protocol = IpProtocol::icmp, .ttl = 64, .ident = 2,
                      .payload_len = static_cast<std::uint16_t>(icmp.buffer_len())};
    ByteVec f(kEthernetHeaderLen + ip.total_len());
    const EthernetRepr eth{.src = testing::mac(0x11), .dst = testing::mac(0x0a), .ethertype = EtherType::ipv4};
    eth.emit(EthernetFrameMut(MutBytes(f).first(kEthernetHeaderLen)));
    ip.emit(Ipv4PacketMut(MutBytes(f).subspan(kEthernetHeaderLen)));
    icmp.emit(Icmpv4PacketMut(MutBytes(f).subspan(kEthernetHeaderLen + 20)));
    n.a.receive(0, f, n.net.now());
  };
  const std::uint16_t mss = c->send_mss();
  const tcp::SeqNum una = c->snd_una();
  report((una - 100'000).value());  // long acknowledged, or never ours
  report((una + 1'000'000).value());
  EXPECT_EQ(c->send_mss(), mss);
  EXPECT_EQ(n.a.counters().ipv4.pmtu_reductions, 0u);
  report(una.value());  // the genuine one
  EXPECT_EQ(c->send_mss(), 700 - 40 - (c->timestamps_enabled() ? 12 : 0));
  EXPECT_EQ(n.a.counters().ipv4.pmtu_reductions, 1u);
}

}  // namespace
}  // namespace wirestack::iface
