// sim/forward_test.cpp — a router's forwarded frames on the simulated wire.
//
// A frame a host's stack built travels with its word that the TCP/UDP
// checksum inside is right (Link::send_owned, checksummed), so the receiver
// skips summing the payload again. A router forwards datagrams it did not
// build: a segment whose checksum was wrong when it left its sender must
// still be wrong, and dropped, when it reaches its destination through the
// router's fast path (a frame from the pool, no copy of its own).
//
//   a 10.0.1.10 --- 10.0.1.1 r 10.0.2.1 --- 10.0.2.10 b
#include <gtest/gtest.h>

#include <chrono>

#include "app/ping.hpp"
#include "sim/world.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"

namespace wirestack::sim {
namespace {

using namespace std::chrono_literals;

struct Routed {
  World w{3};
  Host& a = w.add_host("a");
  Host& r = w.add_router("r");
  Host& b = w.add_host("b");
  Routed() {
    EXPECT_TRUE(w.connect(a, "10.0.1.10/24", r, "10.0.1.1/24"));
    EXPECT_TRUE(w.connect(r, "10.0.2.1/24", b, "10.0.2.10/24"));
    EXPECT_TRUE(w.set_gateway(a, "10.0.1.1"));
    EXPECT_TRUE(w.set_gateway(b, "10.0.2.1"));
    // Both hops' ARP resolved, so r takes its fast path below.
    app::Ping ping(a, *Ipv4Address::parse("10.0.2.10"), {.count = 1});
    w.run_for(2s);
    EXPECT_EQ(ping.result().received, 1);
  }
  // A SYN from a to b's port 9 (nothing listens: b answers a good one with
  // a RST), its TCP checksum spoiled when `spoil`, put on a's cable as a
  // raw frame.
  void inject_syn(bool spoil) {
    const auto src = *Ipv4Address::parse("10.0.1.10");
    const auto dst = *Ipv4Address::parse("10.0.2.10");
    ByteVec frame(kEthernetHeaderLen + 40);
    const EthernetRepr eth{.src = a.stack().mac(0), .dst = r.stack().mac(0), .ethertype = EtherType::ipv4};
    eth.emit(EthernetFrameMut(MutBytes(frame).first(kEthernetHeaderLen)));
    const Ipv4Repr ip{.src = src, .dst = dst, .protocol = IpProtocol::tcp, .ttl = 64, .ident = 1, .payload_len = 20};
    ip.emit(Ipv4PacketMut(MutBytes(frame).subspan(kEthernetHeaderLen, 20)));
    TcpRepr tcp{.src_port = 40000, .dst_port = 9, .seq = 1000, .window = 1000};
    tcp.flags.set_syn(true);
    const MutBytes seg = MutBytes(frame).subspan(kEthernetHeaderLen + 20, 20);
    tcp.emit(TcpPacketMut(seg), IpPair{.src = src, .dst = dst}, {});
    if (spoil) seg[16] ^= std::byte{0x5a};
    Link& cable = *w.links().front().link;  // a's side is side 0
    EXPECT_TRUE(cable.send(0, frame));
    w.run_for(100ms);
  }
};

TEST(Forward, ASegmentWithABadChecksumIsStillDroppedBehindARouter) {
  Routed n;
  const auto fwd0 = n.r.stack().counters().ipv4.forwarded;
  n.inject_syn(true);
  EXPECT_EQ(n.r.stack().counters().ipv4.forwarded, fwd0 + 1);  // the router does not look inside
  EXPECT_EQ(n.b.stack().counters().tcp.rx_malformed, 1u);      // the destination does
  EXPECT_EQ(n.b.stack().counters().tcp.rx, 0u);
  EXPECT_EQ(n.r.stack().counters().ipv4.forwarded, fwd0 + 1);  // and sends nothing back

  n.inject_syn(false);  // the control: the same SYN, summed right, gets its RST
  EXPECT_EQ(n.b.stack().counters().tcp.rx, 1u);
  EXPECT_EQ(n.b.stack().counters().tcp.rx_malformed, 1u);
  EXPECT_EQ(n.r.stack().counters().ipv4.forwarded, fwd0 + 3);
}

}  // namespace
}  // namespace wirestack::sim
