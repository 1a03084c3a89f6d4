// iface/fragment_test.cpp — fragmentation and reassembly end to end across
// a router whose NIC towards B has MTU 576 (TestNet, 1 ms per hop): router
// fragmentation, host fragmentation + re-fragmentation, DF -> ICMP
// fragmentation needed (RFC 1191), reassembly timeout -> ICMP time exceeded
// code 1 (RFC 1122 3.3.2).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "iface/interface.hpp"
#include "iface/test_net.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"

namespace wirestack::iface {
namespace {

using namespace std::chrono_literals;
using testing::kA;
using testing::kB;
using testing::kRa;
using testing::router_config;
using testing::Routed;
using Trace = std::vector<std::string>;

ByteVec pattern(std::size_t n) {
  ByteVec v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 7 + 3) & 0xff);
  return v;
}

struct Fragmented : Routed {
  udp::SocketHandle server;
  udp::SocketHandle client;
  Fragmented() : Routed(router_config(), 576) {
    warm_up();
    server = b.udp().open();
    WIRESTACK_ASSERT(b.udp().bind(server, {Ipv4Address::any(), 5000}));
    client = a.udp().open();
    WIRESTACK_ASSERT(a.udp().bind(client, {Ipv4Address::any(), 40000}));
    WIRESTACK_ASSERT(a.udp().connect(client, {kB, 5000}));
  }
};

TEST(Fragmentation, RouterFragmentsToTheSmallerMtu) {
  Fragmented n;
  const ByteVec data = pattern(1000);
  ASSERT_TRUE(n.a.udp_send(n.client, data, n.net.now()));
  n.net.run_for(100ms);
  EXPECT_EQ(n.net.take_trace(),
            (Trace{
                "110.000ms A.0 IP 10.0.1.2 > 10.0.2.2: ttl 64, id 4039, proto UDP (17), length 1028 | 40000 > 5000: "
                "UDP, length 1000",
                "111.000ms R.1 IP 10.0.1.2 > 10.0.2.2: ttl 63, id 4039, MF, proto UDP (17), length 572 | "
                "40000 > 5000: UDP, length 1000, checksum 0x1a7d (fragment: not verified)",
                "111.000ms R.1 IP 10.0.1.2 > 10.0.2.2: ttl 63, id 4039, offset 552, proto UDP (17), length 476",
            }));
  auto got = n.b.udp().recv_from(n.server);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->payload, data);
  EXPECT_EQ(got->at, at(112ms));
  EXPECT_EQ(n.r.counters().ipv4.fragments_tx, 2u);
  EXPECT_EQ(n.b.counters().ipv4.fragments_rx, 2u);
  EXPECT_EQ(n.b.counters().ipv4.reassembled, 1u);
  EXPECT_EQ(n.b.reassembler().stats().reassembled, 1u);
}

TEST(Fragmentation, HostFragmentsAndRouterRefragments) {
  Fragmented n;
  const ByteVec data = pattern(3000);
  ASSERT_TRUE(n.a.udp_send(n.client, data, n.net.now()));
  n.net.run_for(100ms);
  // A: 3008 bytes of UDP in 1480 + 1480 + 48; R cuts each 1480 into 552 + 552 + 376.
  EXPECT_EQ(n.a.counters().ipv4.fragments_tx, 3u);
  EXPECT_EQ(n.r.counters().ipv4.fragments_tx, 6u);
  EXPECT_EQ(n.r.counters().ipv4.forwarded, 2u + 3u);  // warm-up ping and reply, then 3 fragments
  EXPECT_EQ(n.b.counters().ipv4.fragments_rx, 7u);
  auto got = n.b.udp().recv_from(n.server);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->payload, data);
  // And back: B's reply is fragmented by B (MTU 1500) only.
  ASSERT_TRUE(n.b.udp_send_to(n.server, got->from, data, n.net.now()));
  n.net.run_for(100ms);
  auto echo = n.a.udp().recv_from(n.client);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->payload, data);
}

TEST(Fragmentation, DontFragmentGivesFragNeededWithTheMtu) {
  Fragmented n;
  ASSERT_TRUE(n.a.udp().set_dont_fragment(n.client, true));
  ASSERT_TRUE(n.a.udp_send(n.client, pattern(1000), n.net.now()));
  n.net.run_for(100ms);
  const Trace trace = n.net.take_trace();
  ASSERT_EQ(trace.size(), 2u);
  EXPECT_EQ(trace[1],
            "111.000ms R.0 IP 10.0.1.1 > 10.0.1.2: ttl 64, id 9897, proto ICMP (1), length 56 | ICMP 10.0.2.2 "
            "unreachable - need to frag (mtu 576), length 36");
  const auto errors = n.a.take_icmp_errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].next_hop_mtu, 576);
  EXPECT_EQ(errors[0].from, kRa);
  EXPECT_EQ(n.a.udp().take_error(n.client), udp::Errc::message_too_long);
  EXPECT_EQ(n.r.counters().ipv4.frag_needed, 1u);
}

TEST(Fragmentation, HostRefusesTooBigWithDontFragment) {
  Fragmented n;
  ASSERT_TRUE(n.a.udp().set_dont_fragment(n.client, true));
  ASSERT_TRUE(n.a.udp_send(n.client, pattern(2000), n.net.now()));
  EXPECT_EQ(n.a.udp().take_error(n.client), udp::Errc::message_too_long);
  EXPECT_EQ(n.a.counters().udp.tx_errors, 1u);
  n.net.run_for(10ms);
  EXPECT_TRUE(n.net.take_trace().empty());
}

TEST(Fragmentation, LostFragmentTimesOutWithTimeExceeded) {
  Fragmented n;
  // The wire from R to B loses every non-first fragment.
  n.net.drop = [](std::size_t from, NicId, Bytes frame) {
    if (from != 1 || frame.size() < kEthernetHeaderLen + kIpv4MinHeaderLen) return false;
    const Ipv4Packet ip(frame.subspan(kEthernetHeaderLen));
    return ip.frag_offset() != 0;
  };
  const Instant t0 = n.net.now();
  ASSERT_TRUE(n.a.udp_send(n.client, pattern(1000), t0));
  n.net.run_for(30s);
  EXPECT_TRUE(n.a.take_icmp_errors().empty());
  EXPECT_EQ(n.b.poll_at(), t0 + 2ms + 30s);  // the reassembly deadline, from the first fragment
  n.net.run_for(10ms);
  const auto errors = n.a.take_icmp_errors();
  ASSERT_EQ(errors.size(), 1u);
  std::ostringstream os;
  os << errors[0];
  EXPECT_EQ(os.str(), "From 10.0.2.2: fragment reassembly time exceeded, for UDP 10.0.1.2:40000 > 10.0.2.2:5000");
  EXPECT_EQ(errors[0].at, t0 + 30s + 4ms);
  EXPECT_EQ(n.b.counters().ipv4.reassembly_timeouts, 1u);
  EXPECT_EQ(n.b.counters().icmp.tx_by_type[11], 1u);
  EXPECT_EQ(n.b.udp().recv_queue_len(n.server), 0u);
  EXPECT_EQ(n.a.udp().take_error(n.client), udp::Errc::host_unreachable);
}

TEST(Fragmentation, NoTimeExceededWithoutFragmentZero) {
  Fragmented n;
  n.net.drop = [](std::size_t from, NicId, Bytes frame) {
    if (from != 1 || frame.size() < kEthernetHeaderLen + kIpv4MinHeaderLen) return false;
    const Ipv4Packet ip(frame.subspan(kEthernetHeaderLen));
    return ip.more_fragments() && ip.frag_offset() == 0;
  };
  ASSERT_TRUE(n.a.udp_send(n.client, pattern(1000), n.net.now()));
  n.net.run_for(31s);
  EXPECT_EQ(n.b.counters().ipv4.reassembly_timeouts, 1u);
  EXPECT_EQ(n.b.counters().icmp.tx_by_type[11], 0u);
  EXPECT_TRUE(n.a.take_icmp_errors().empty());
}

// Every frame of a busy exchange (ARP, ICMP, UDP, fragments, ICMP errors),
// truncated and bit-flipped at random, fed to a router and a host: nothing
// crashes (run under ASan/UBSan), and garbage is counted, not delivered.
TEST(Fragmentation, MutatedFramesAreCountedNeverCrash) {
  Fragmented n;
  ASSERT_TRUE(n.a.udp_send(n.client, pattern(3000), n.net.now()));
  ASSERT_TRUE(n.a.send_ping(kB, 3, 1, 100, n.net.now(), PingOptions{.ttl = 1}));
  ASSERT_TRUE(n.a.udp_send_to(n.client, {kB, 5001}, pattern(10), n.net.now()));
  n.net.run_for(100ms);
  const std::vector<ByteVec> frames = n.net.frames();
  ASSERT_GT(frames.size(), 10u);
  Rng rng(99);
  Instant now = n.net.now();
  for (int i = 0; i < 20000; ++i) {
    ByteVec f = frames[rng.below(frames.size())];
    const auto flips = rng.below(4);
    for (std::uint64_t k = 0; k < flips; ++k) {
      f[rng.below(f.size())] ^= static_cast<std::byte>(1u << rng.below(8));
    }
    if (rng.chance(0.2)) f.resize(rng.below(f.size() + 1));
    // Half to the router's NIC towards A, half to B; both by their MACs.
    Interface& target = (i % 2 == 0) ? n.r : n.b;
    const MacAddress dst = target.mac(0);
    if (f.size() >= 6 && rng.chance(0.9)) std::copy(dst.bytes().begin(), dst.bytes().end(), f.begin());
    now += 1ms;
    target.receive(0, f, now);
    target.poll(now);
  }
  n.net.take_trace();
  EXPECT_GT(n.r.counters().ipv4.malformed + n.r.counters().eth.rx_malformed, 0u);
  EXPECT_GT(n.b.counters().udp.rx_malformed + n.b.counters().ipv4.malformed, 0u);
}

}  // namespace
}  // namespace wirestack::iface
