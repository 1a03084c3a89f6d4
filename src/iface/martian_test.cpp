// iface/martian_test.cpp — datagrams with impossible addresses are dropped
// and counted, never answered (RFC 1122 3.2.1.3, RFC 1812 5.3.7), and ICMP
// errors about datagrams to one of several local addresses come from that
// address (Linux __icmp_send).
#include <gtest/gtest.h>

#include "iface/interface.hpp"
#include "iface/test_net.hpp"
#include "wire/ethernet.hpp"
#include "wire/icmpv4.hpp"
#include "wire/ipv4.hpp"
#include "wire/udp.hpp"

namespace wirestack::iface {
namespace {

const MacAddress kUs = MacAddress::from_parts(0x025753, 1);
const MacAddress kPeer = MacAddress::from_parts(0x025753, 9);

// An Ethernet frame to us carrying `ip` with a UDP datagram to `port` or, if
// `port` is 0, an ICMP echo request.
ByteVec frame(Ipv4Address src, Ipv4Address dst, std::uint16_t port, std::uint8_t ttl = 64) {
  const std::array<std::byte, 8> data{};
  ByteVec l4;
  IpProtocol proto = IpProtocol::icmp;
  if (port == 0) {
    const Icmpv4Repr echo{.message = Icmpv4EchoRequest{.ident = 1, .seq_no = 1, .data = data}};
    l4.resize(echo.buffer_len());
    echo.emit(Icmpv4PacketMut(l4));
  } else {
    proto = IpProtocol::udp;
    l4.resize(kUdpHeaderLen + data.size());
    UdpRepr{.src_port = 4000, .dst_port = port}.emit(UdpPacketMut(l4), {src, dst}, data);
  }
  const Ipv4Repr ip{.src = src, .dst = dst, .protocol = proto, .ttl = ttl,
                    .payload_len = static_cast<std::uint16_t>(l4.size())};
  const EthernetRepr eth{.src = kPeer, .dst = kUs, .ethertype = EtherType::ipv4};
  ByteVec out(eth.header_len() + ip.total_len());
  EthernetFrameMut e(out);
  eth.emit(e);
  Ipv4PacketMut p(e.payload());
  ip.emit(p);
  std::copy(l4.begin(), l4.end(), p.payload().begin());
  return out;
}

struct Fixture {
  explicit Fixture(bool forwarding = false) : stack(sink, rng, InterfaceConfig{.forwarding = forwarding}) {
    nic0 = stack.add_nic(kUs);
    nic1 = stack.add_nic(MacAddress::from_parts(0x025753, 2));
    stack.nic_up(nic0, Instant{});
    stack.nic_up(nic1, Instant{});
    EXPECT_TRUE(stack.add_address(nic0, *Ipv4Prefix::parse("10.0.1.1/24")));
    EXPECT_TRUE(stack.add_address(nic0, *Ipv4Prefix::parse("10.0.1.2/24")));
    EXPECT_TRUE(stack.add_address(nic1, *Ipv4Prefix::parse("10.0.2.1/24")));
    // The peer is known, so answers go out at once instead of waiting for ARP.
    EXPECT_TRUE(stack.arp(nic0).add_static(*Ipv4Address::parse("10.0.1.9"), kPeer, Instant{}));
    sink.frames.clear();
  }
  testing::QueueSink sink;
  Rng rng{1};
  Interface stack;
  NicId nic0 = 0;
  NicId nic1 = 0;
};

Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

TEST(Martians, SpoofedOwnSourceIsDroppedNotAnswered) {
  Fixture f;
  f.stack.receive(f.nic0, frame(ip("10.0.1.2"), ip("10.0.1.1"), 0), Instant{});  // "from" ourselves
  EXPECT_TRUE(f.sink.frames.empty());
  EXPECT_EQ(f.stack.counters().ipv4.martians, 1u);
  EXPECT_EQ(f.stack.counters().icmp.rx, 0u);
}

TEST(Martians, DirectedBroadcastOfAnotherOfOurNetworksIsNoSource) {
  Fixture f(/*forwarding=*/true);
  // 10.0.2.255 is the broadcast address of nic1's network, arriving on nic0.
  f.stack.receive(f.nic0, frame(ip("10.0.2.255"), ip("10.0.1.1"), 0), Instant{});
  f.stack.receive(f.nic0, frame(ip("10.0.2.255"), ip("10.0.2.7"), 0, /*ttl=*/1), Instant{});
  EXPECT_TRUE(f.sink.frames.empty()) << "no echo reply, no time exceeded to a broadcast address";
  EXPECT_EQ(f.stack.counters().ipv4.martians, 2u);
  EXPECT_EQ(f.stack.counters().ipv4.forwarded, 0u);
}

TEST(Martians, LoopbackNeverComesFromTheWireAndHasNoRoute) {
  Fixture f(/*forwarding=*/true);
  f.stack.receive(f.nic0, frame(ip("127.0.0.1"), ip("10.0.1.1"), 0), Instant{});
  f.stack.receive(f.nic0, frame(ip("10.0.1.9"), ip("127.0.0.1"), 0), Instant{});
  EXPECT_TRUE(f.sink.frames.empty());
  EXPECT_EQ(f.stack.counters().ipv4.martians, 2u);
  auto r = f.stack.send_ping(ip("127.0.0.1"), 1, 1, 8, Instant{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), SendError::no_route);
}

TEST(Martians, PortUnreachableComesFromTheAddressThePeerUsed) {
  Fixture f;
  f.stack.receive(f.nic0, frame(ip("10.0.1.9"), ip("10.0.1.2"), 9999), Instant{});  // our second address
  ASSERT_EQ(f.sink.frames.size(), 1u);
  const Dissection d = dissect(f.sink.frames[0].bytes);
  ASSERT_TRUE(d.ipv4 && d.icmpv4);
  EXPECT_EQ(d.ipv4->src, ip("10.0.1.2"));
  EXPECT_EQ(d.icmpv4->type(), Icmpv4Type::dst_unreachable);
}

}  // namespace
}  // namespace wirestack::iface

namespace wirestack::iface {
namespace {
TEST(Addresses, NetworkBroadcastAndReservedAddressesAreRefusedWithAReason) {
  testing::QueueSink sink;
  Rng rng(1);
  Interface stack(sink, rng);
  const NicId n = stack.add_nic(kUs);
  auto net = stack.add_address(n, *Ipv4Prefix::parse("10.0.0.0/24"));
  ASSERT_FALSE(net);
  EXPECT_NE(net.error().find("network address"), std::string::npos) << net.error();
  auto bcast = stack.add_address(n, *Ipv4Prefix::parse("10.0.0.255/24"));
  ASSERT_FALSE(bcast);
  EXPECT_NE(bcast.error().find("broadcast address"), std::string::npos) << bcast.error();
  EXPECT_FALSE(stack.add_address(n, *Ipv4Prefix::parse("240.0.0.1/8")));
  EXPECT_TRUE(stack.add_address(n, *Ipv4Prefix::parse("10.0.0.1/24")));
  EXPECT_TRUE(stack.add_address(n, *Ipv4Prefix::parse("192.168.5.0/31")));  // RFC 3021: both /31 addresses are hosts
}
}  // namespace
}  // namespace wirestack::iface
