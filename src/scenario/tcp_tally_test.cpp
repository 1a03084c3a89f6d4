// The summary's TCP figures from the tally: segments built byte by byte, and
// the built-in scenarios counted by the tally and by the narrator, which
// works the same figures out its own way (per link, by dissecting).
#include "scenario/tcp_tally.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "scenario/builtin.hpp"
#include "scenario/narrator.hpp"
#include "scenario/runner.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv6.hpp"
#include "wire/tcp.hpp"

namespace wirestack::scenario {
namespace {

const IpAddress kClient = *IpAddress::parse("10.0.1.10");
const IpAddress kServer = *IpAddress::parse("10.0.2.20");

// An Ethernet frame with an IPv4 or IPv6 header (IPv6: with a destination
// options header in front of TCP when `dst_opts`) and a TCP segment.
std::vector<std::byte> frame(const IpAddress& src, const IpAddress& dst, TcpRepr tcp, std::size_t payload,
                             bool dst_opts = false, bool fragment = false) {
  const std::size_t tcp_len = tcp.header_len() + payload;
  std::vector<std::byte> f(kEthernetHeaderLen + 40 + 8 + tcp_len);
  EthernetFrameMut eth(f);
  eth.set_ethertype(src.is_v4() ? EtherType::ipv4 : EtherType::ipv6);
  std::size_t l4 = kEthernetHeaderLen;
  if (src.is_v4()) {
    const Ipv4Repr ip{.src = src.v4(),
                      .dst = dst.v4(),
                      .protocol = IpProtocol::tcp,
                      .more_fragments = fragment,
                      .payload_len = static_cast<std::uint16_t>(tcp_len)};
    ip.emit(Ipv4PacketMut(std::span(f).subspan(l4)));
    l4 += ip.header_len();
    f.resize(l4 + tcp_len);
  } else {
    const std::size_t ext = dst_opts ? 8 : 0;
    const Ipv6Repr ip{.src = src.v6(),
                      .dst = dst.v6(),
                      .next_header = dst_opts ? IpProtocol{60} : IpProtocol::tcp,
                      .payload_len = static_cast<std::uint16_t>(ext + tcp_len)};
    ip.emit(Ipv6PacketMut(std::span(f).subspan(l4)));
    l4 += kIpv6HeaderLen;
    if (dst_opts) {
      f[l4] = std::byte{static_cast<std::uint8_t>(IpProtocol::tcp)};  // next header; length 0: 8 bytes, PadN
      f[l4 + 2] = std::byte{1};
      f[l4 + 3] = std::byte{4};
      l4 += 8;
    }
    f.resize(l4 + tcp_len);
  }
  const TcpPacketMut seg(std::span<std::byte>(f).subspan(l4));
  const std::vector<std::byte> data(payload, std::byte{'x'});
  tcp.emit(seg, IpPair{src, dst}, data);
  return f;
}

TcpRepr segment(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::uint32_t ack, int flags) {
  TcpRepr t{};
  t.src_port = sport;
  t.dst_port = dport;
  t.seq = seq;
  t.ack = ack;
  t.flags = TcpFlags{static_cast<std::uint16_t>(flags)};
  t.window = 65535;
  return t;
}

constexpr int kSyn = TcpFlags::kSyn, kAck = TcpFlags::kAck, kFin = TcpFlags::kFin;

// One connection crossing two links (a: the client's, b: the server's):
// each frame is handed to both, as a router forwards it.
struct TwoLinks {
  TcpTally tally;
  void both(const IpAddress& src, const IpAddress& dst, TcpRepr t, std::size_t payload = 0, bool dst_opts = false) {
    const auto f = frame(src, dst, t, payload, dst_opts);
    tally.on_frame(1, f);
    tally.on_frame(2, f);
  }
};

void handshake_and_close(TwoLinks& n, const IpAddress& c, const IpAddress& s, bool retransmit_request) {
  n.both(c, s, segment(40000, 80, 100, 0, kSyn));
  n.both(s, c, segment(80, 40000, 500, 101, kSyn | kAck));
  n.both(c, s, segment(40000, 80, 101, 501, kAck));  // handshake 3/3
  n.both(c, s, segment(40000, 80, 101, 501, kAck), 50);
  if (retransmit_request) {
    n.both(c, s, segment(40000, 80, 101, 501, kAck), 50);
    n.both(c, s, segment(40000, 80, 101, 501, kAck), 50);  // the same segment again: one retransmission
  }
  n.both(s, c, segment(80, 40000, 501, 151, kAck | kFin), 20);
  n.both(c, s, segment(40000, 80, 151, 522, kAck | kFin));
  n.both(s, c, segment(80, 40000, 522, 152, kAck));
}

TEST(TcpTally, AConnectionAcrossTwoLinksIsOneHandshakeTwoFinsAndItsRetransmissionOne) {
  TwoLinks n;
  handshake_and_close(n, kClient, kServer, true);
  EXPECT_EQ(n.tally.handshakes(), 1u);
  EXPECT_EQ(n.tally.closes(), 2u);
  EXPECT_EQ(n.tally.retransmissions(), 1u);
  EXPECT_EQ(n.tally.directions(), 2u);
}

TEST(TcpTally, Ipv6WithAnExtensionHeaderIsTalliedLikeIpv4) {
  TwoLinks n;
  const IpAddress c = *IpAddress::parse("2001:db8:1::10");
  const IpAddress s = *IpAddress::parse("2001:db8:2::20");
  n.both(c, s, segment(40000, 80, 100, 0, kSyn), 0, true);
  n.both(s, c, segment(80, 40000, 500, 101, kSyn | kAck), 0, true);
  n.both(c, s, segment(40000, 80, 101, 501, kAck), 0, true);
  n.both(c, s, segment(40000, 80, 101, 501, kAck | kFin), 0, true);
  EXPECT_EQ(n.tally.handshakes(), 1u);
  EXPECT_EQ(n.tally.closes(), 1u);
}

TEST(TcpTally, AHandshakeAckCarryingDataIsNoHandshakeAndNonTcpOrFragmentsAreIgnored) {
  TcpTally t;
  t.on_frame(1, frame(kClient, kServer, segment(40000, 80, 100, 0, kSyn), 0));
  t.on_frame(1, frame(kServer, kClient, segment(80, 40000, 500, 101, kSyn | kAck), 0));
  t.on_frame(1, frame(kClient, kServer, segment(40000, 80, 101, 501, kAck), 10));  // data first
  t.on_frame(1, frame(kClient, kServer, segment(40000, 80, 111, 501, kAck), 0));
  EXPECT_EQ(t.handshakes(), 0u);
  t.on_frame(1, frame(kClient, kServer, segment(40001, 80, 100, 0, kSyn), 0, false, true));  // a first fragment
  std::vector<std::byte> junk(60, std::byte{0xff});
  t.on_frame(1, junk);
  t.on_frame(1, {});
  EXPECT_EQ(t.directions(), 2u);
}

// Thousands of directions make the table grow several times; every one is
// still found afterwards (its copies on the second link are not counted
// again, a segment it carried again is a retransmission).
TEST(TcpTally, ManyDirectionsGrowTheTableAndAllAreStillFollowed) {
  TwoLinks n;
  constexpr std::uint16_t kFirst = 20000, kConnections = 5000;
  for (std::uint16_t port = kFirst; port < kFirst + kConnections; ++port) {
    n.both(kClient, kServer, segment(port, 80, 7, 0, kSyn));
    n.both(kServer, kClient, segment(80, port, 9, 8, kSyn | kAck));
  }
  for (std::uint16_t port = kFirst; port < kFirst + kConnections; ++port) {
    n.both(kClient, kServer, segment(port, 80, 8, 10, kAck));
    n.both(kClient, kServer, segment(port, 80, 8, 10, kAck | kFin));
  }
  n.both(kServer, kClient, segment(80, kFirst, 9, 8, kSyn | kAck));  // one SYN-ACK again
  EXPECT_EQ(n.tally.handshakes(), kConnections);
  EXPECT_EQ(n.tally.closes(), kConnections);
  EXPECT_EQ(n.tally.retransmissions(), 1u);
  EXPECT_EQ(n.tally.directions(), 2u * kConnections);
}

// The tally and the narrator count the same, scenario by scenario (lossy
// has retransmissions, synflood spoofed SYNs that never complete).
TEST(TcpTally, CountsWhatTheNarratorCountsInTheBuiltInScenarios) {
  for (const char* name : {"campus", "campus6", "lossy", "synflood"}) {
    SCOPED_TRACE(name);
    auto topo = load_builtin(name);
    ASSERT_TRUE(topo) << topo.error();
    Narrator narrator;
    TcpTally tally;
    RunConfig cfg{.seed = 1, .until = std::min(topo->until, 10.0), .narrate = false};
    cfg.listeners.push_back([&](const FrameEvent& e) {
      narrator.on_frame(e.link, e.from, e.to, e.at, e.frame);
      tally.on_frame(reinterpret_cast<std::uintptr_t>(e.world_link), e.frame);
    });
    std::ostringstream out;
    auto r = run(*topo, cfg, out);
    ASSERT_TRUE(r) << r.error();
    EXPECT_GT(tally.handshakes(), 0u);
    EXPECT_EQ(tally.handshakes(), narrator.handshakes());
    EXPECT_EQ(tally.closes(), narrator.closes());
    EXPECT_EQ(tally.retransmissions(), narrator.retransmissions());
    EXPECT_EQ(r->retransmissions, narrator.retransmissions());
    if (std::string_view(name) == "lossy") {
      EXPECT_GT(tally.retransmissions(), 0u);
    }
  }
}

}  // namespace
}  // namespace wirestack::scenario
