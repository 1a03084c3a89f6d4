// iface/offload_test.cpp — TCP segmentation offload: what cut_offloaded()
// makes of a TSO segment (what a NIC with TSO puts on the wire), and a TCP
// transfer from an Interface whose NIC has TSO: segments of several MSS to
// the device, MTU-sized frames on the wire, every byte in order.
#include "iface/offload.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <set>

#include "iface/test_net.hpp"
#include "wire/checksum.hpp"
#include "wire/ethernet.hpp"
#include "wire/ipv4.hpp"
#include "wire/tcp.hpp"

namespace wirestack::iface {
namespace {

using testing::ip;
using testing::pattern;

constexpr std::size_t kL2 = kEthernetHeaderLen;

// Ethernet + IPv4 + TCP (timestamps) + `payload` bytes, flags ACK|PSH|FIN,
// the TCP checksum left partial as Interface leaves it for the device.
ByteVec offloaded_frame(std::size_t payload, std::uint16_t ident = 100,
                        std::uint16_t flags = TcpFlags::kAck | TcpFlags::kPsh | TcpFlags::kFin) {
  TcpRepr tcp{.src_port = 5000, .dst_port = 80, .seq = 0xfffff000, .ack = 77, .flags = TcpFlags{flags}, .window = 512};
  tcp.options.timestamps = Timestamps{.tsval = 1, .tsecr = 2};
  const std::size_t seg = tcp.header_len() + payload;
  const Ipv4Repr iph{.src = ip(1), .dst = ip(2), .protocol = IpProtocol::tcp, .ttl = 64, .ident = ident,
                     .payload_len = static_cast<std::uint16_t>(seg)};
  ByteVec f(kL2 + iph.total_len());
  for (std::size_t i = 0; i < payload; ++i) f[kL2 + 20 + tcp.header_len() + i] = static_cast<std::byte>(i * 13 + 1);
  const MutBytes s = MutBytes(f).subspan(kL2 + 20, seg);
  tcp.emit(TcpPacketMut(s), IpPair{.src = ip(1), .dst = ip(2)}, Bytes(s).subspan(tcp.header_len()),
           ChecksumMode{.fill_tx = false});
  store_be16(s, 16, checksum::sum({}, checksum::pseudo_header_v4(ip(1).to_u32(), ip(2).to_u32(), 6,
                                                                  static_cast<std::uint16_t>(seg))));
  iph.emit(Ipv4PacketMut(MutBytes(f).subspan(kL2, iph.total_len())));
  return f;
}

struct Piece {
  Ipv4Repr ip;
  TcpRepr tcp;
  ByteVec payload;
};

std::vector<Piece> cut(const ByteVec& frame, std::uint16_t gso) {
  std::vector<Piece> out;
  const bool ok = cut_offloaded(frame, kL2, gso, [&](Bytes f) {
    auto p = Ipv4Packet::checked(f.subspan(kL2));
    ASSERT_TRUE(p);
    auto r = Ipv4Repr::parse(*p);  // verifies the header checksum
    ASSERT_TRUE(r) << to_string(r.error());
    auto t = TcpPacket::checked(p->payload());
    ASSERT_TRUE(t);
    auto tr = TcpRepr::parse(*t, IpPair{.src = r->src, .dst = r->dst});  // and the TCP checksum
    ASSERT_TRUE(tr) << to_string(tr.error());
    out.push_back(Piece{*r, *tr, ByteVec(t->payload().begin(), t->payload().end())});
  });
  EXPECT_TRUE(ok);
  return out;
}

TEST(CutOffloaded, CutsATsoSegmentAsTheDeviceWould) {
  const ByteVec f = offloaded_frame(10'000);
  const auto pieces = cut(f, 1448);
  ASSERT_EQ(pieces.size(), 7u);  // 6 x 1448 + 1312
  ByteVec joined;
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    const Piece& p = pieces[k];
    const bool last = k + 1 == pieces.size();
    EXPECT_EQ(p.payload.size(), last ? 10'000u - 6 * 1448 : 1448u);
    EXPECT_LE(p.ip.total_len(), 1500u);
    EXPECT_EQ(p.ip.ident, 100 + k);
    EXPECT_EQ(p.tcp.seq, static_cast<std::uint32_t>(0xfffff000u + 1448 * k));  // wraps past 2^32
    EXPECT_EQ(p.tcp.ack, 77u);
    EXPECT_TRUE(p.tcp.flags.ack());
    EXPECT_EQ(p.tcp.flags.fin(), last) << k;
    EXPECT_EQ(p.tcp.flags.psh(), last) << k;
    ASSERT_TRUE(p.tcp.options.timestamps);  // every piece carries the header's options
    EXPECT_EQ(p.tcp.options.timestamps->tsval, 1u);
    joined.insert(joined.end(), p.payload.begin(), p.payload.end());
  }
  EXPECT_EQ(joined, ByteVec(f.begin() + kL2 + 20 + 32, f.end()));
}

// RFC 3168: a segment that says CWR (its sender reduced its window for an
// ECN-Echo) says it once: on the first piece only, as Linux's
// tcp_gso_segment cuts it; ECE stays on every piece (it is the receiver's
// echo, repeated until CWR). Before, every piece carried CWR, and one after
// a CE-marked piece ended the peer's echo of that mark.
TEST(CutOffloaded, CwrOnTheFirstPieceOnlyEceOnEvery) {
  const auto pieces =
      cut(offloaded_frame(5000, 100, TcpFlags::kAck | TcpFlags::kPsh | TcpFlags::kCwr | TcpFlags::kEce), 1448);
  ASSERT_EQ(pieces.size(), 4u);
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    EXPECT_EQ(pieces[k].tcp.flags.cwr(), k == 0) << k;
    EXPECT_TRUE(pieces[k].tcp.flags.ece()) << k;
    EXPECT_EQ(pieces[k].tcp.flags.psh(), k + 1 == pieces.size()) << k;
  }
  static_assert(cut_piece_flags(0x80 | 0x10 | 0x01, true, false) == (0x80 | 0x10));
  static_assert(cut_piece_flags(0x80 | 0x10 | 0x01, false, true) == (0x10 | 0x01));
}

TEST(CutOffloaded, WithoutGsoOnlyTheChecksumIsCompleted) {
  const ByteVec f = offloaded_frame(300);
  const auto pieces = cut(f, 0);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].payload.size(), 300u);
  EXPECT_TRUE(pieces[0].tcp.flags.fin());
  const auto empty = cut(offloaded_frame(0), 1448);  // a pure ACK: one piece
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_TRUE(empty[0].payload.empty());
}

TEST(CutOffloaded, RefusesWhatIsNotAnIpv4TcpDatagram) {
  ByteVec f = offloaded_frame(100);
  int calls = 0;
  const auto count = [&](Bytes) { ++calls; };
  EXPECT_FALSE(cut_offloaded(Bytes(f).first(kL2 + 30), kL2, 0, count));  // truncated
  ByteVec udp = f;
  udp[kL2 + 9] = std::byte{17};
  EXPECT_FALSE(cut_offloaded(udp, kL2, 0, count));
  ByteVec bad_len = f;
  store_be16(bad_len, kL2 + 2, static_cast<std::uint16_t>(f.size()));  // longer than the frame
  EXPECT_FALSE(cut_offloaded(bad_len, kL2, 0, count));
  EXPECT_EQ(calls, 0);
}

// A (its NIC with TSO) sends `data` to B over the Pair's wire; what B read.
ByteVec transfer(testing::Pair& p, const ByteVec& data) {
  p.a.set_tso(0, true);
  return testing::tcp_transfer(p.net, p.a, p.b, ip(2), data);
}

InterfaceConfig big_buffers() {
  InterfaceConfig c;
  c.tcp.connection.send_buffer = 256 * 1024;
  c.tcp.connection.recv_buffer = 256 * 1024;
  return c;
}

// A with TSO sends 1 MiB to B: the device gets segments of several MSS, the
// wire MTU-sized frames with correct checksums, B every byte in order.
TEST(InterfaceTso, BulkLeavesInSegmentsOfSeveralMssAndArrivesWhole) {
  testing::Pair p(big_buffers(), big_buffers());
  const ByteVec data = pattern(1 << 20);
  const ByteVec got = transfer(p, data);
  EXPECT_TRUE(p.a.tso(0));
  EXPECT_FALSE(p.b.tso(0));
  ASSERT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);

  const auto& offloaded = p.net.sink(0).offloaded;
  std::size_t tso = 0;
  for (const auto& o : offloaded) {
    if (o.gso_size == 0) continue;
    ++tso;
    EXPECT_GT(o.size, kL2 + 1500u);
    EXPECT_LE(o.size, kL2 + 65535u);
  }
  EXPECT_GT(tso, 0u) << "no segment of several MSS reached the device";
  for (const ByteVec& f : p.net.frames()) EXPECT_LE(f.size(), kL2 + 1500u);
  // The trace drops verified checksums: any left is a bad one.
  for (const std::string& line : p.net.trace()) EXPECT_EQ(line.find("checksum 0x"), std::string::npos) << line;
}

// ARP entries that expire every 3 ms: TSO segments meet an unresolved next
// hop again and again, are cut and checksummed here and wait in the ARP
// queue as plain datagrams; the transfer still arrives whole.
TEST(InterfaceTso, SegmentsWaitingForArpAreCutFirst) {
  InterfaceConfig a = big_buffers();
  a.arp.reachable_time = std::chrono::milliseconds{3};
  testing::Pair p(a, big_buffers());
  const ByteVec data = pattern(1 << 20);
  const ByteVec got = transfer(p, data);
  ASSERT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
  EXPECT_GT(p.a.arp_counters().queued, 45u) << "no TSO segment waited for ARP";
  for (const ByteVec& f : p.net.frames()) EXPECT_LE(f.size(), kL2 + 1500u);
  for (const std::string& line : p.net.trace()) EXPECT_EQ(line.find("checksum 0x"), std::string::npos) << line;
}

// Software GSO (InterfaceConfig::gso, on by default): TCP hands the
// interface segments of several MSS on a NIC without TSO, and the interface
// cuts them into MTU-sized frames as it copies the payload. On the wire it
// is the transfer that TCP without GSO sends: frames of at most the MTU,
// each with a good IP and TCP checksum and an identification of its own,
// sequence numbers that follow on; only TCP's segment count drops.
TEST(InterfaceGso, SegmentsOfSeveralMssLeaveAsMtuSizedFrames) {
  std::size_t frames_with[2] = {0, 0};
  std::uint64_t segments_with[2] = {0, 0};
  for (const bool gso : {false, true}) {
    InterfaceConfig ca = big_buffers();
    ca.gso = gso;
    testing::Pair p(ca, big_buffers());
    const ByteVec data = pattern(1 << 20);
    const ByteVec got = testing::tcp_transfer(p.net, p.a, p.b, ip(2), data);
    ASSERT_EQ(got.size(), data.size());
    EXPECT_TRUE(got == data);
    std::set<std::uint16_t> idents;
    std::optional<std::uint32_t> next_seq;
    std::size_t frames = 0;
    for (const ByteVec& f : p.net.frames()) {
      EXPECT_LE(f.size(), kL2 + 1500u);
      auto v4 = Ipv4Packet::checked(Bytes(f).subspan(kL2));
      if (load_be16(f, 12) != 0x0800 || !v4) continue;
      auto r = Ipv4Repr::parse(*v4);  // verifies the header checksum
      ASSERT_TRUE(r) << to_string(r.error());
      if (r->src != ip(1) || r->protocol != IpProtocol::tcp) continue;
      auto t = TcpPacket::checked(v4->payload());
      ASSERT_TRUE(t);
      auto tr = TcpRepr::parse(*t, IpPair{.src = r->src, .dst = r->dst});  // and the TCP checksum
      ASSERT_TRUE(tr) << to_string(tr.error());
      if (t->payload().empty()) continue;
      ++frames;
      idents.insert(r->ident);
      if (next_seq) {
        EXPECT_EQ(tr->seq, *next_seq) << "a gap or an overlap between frames";
      }
      next_seq = tr->seq + static_cast<std::uint32_t>(t->payload().size());
      EXPECT_FALSE(tr->flags.fin());
    }
    EXPECT_EQ(idents.size(), frames) << "two frames with one identification";
    frames_with[gso] = frames;
    segments_with[gso] = p.a.tcp().counters().segments_out;
  }
  EXPECT_EQ(frames_with[true], frames_with[false]);  // the same frames on the wire
  EXPECT_GE(segments_with[false], frames_with[false]);
  EXPECT_LT(segments_with[true] * 5, frames_with[true]) << "TCP still sent one segment per frame";
}

// A frame from a device that completed or verified the TCP checksum itself
// (receive_checksummed) is not summed again; the same frame by receive() is.
TEST(InterfaceRx, ChecksummedFramesSkipTheTransportCheckOthersDoNot) {
  testing::Pair p;
  TcpRepr syn{.src_port = 40000, .dst_port = 7777, .seq = 1, .flags = TcpFlags{TcpFlags::kSyn}, .window = 1000};
  const Ipv4Repr iph{.src = ip(1), .dst = ip(2), .protocol = IpProtocol::tcp, .ttl = 64, .ident = 9,
                     .payload_len = static_cast<std::uint16_t>(syn.header_len())};
  const EthernetRepr eth{.src = testing::mac(1), .dst = testing::mac(2), .ethertype = EtherType::ipv4};
  ByteVec f(kL2 + iph.total_len());
  eth.emit(EthernetFrameMut(MutBytes(f).first(kL2)));
  iph.emit(Ipv4PacketMut(MutBytes(f).subspan(kL2)));
  const MutBytes seg = MutBytes(f).subspan(kL2 + 20);
  syn.emit(TcpPacketMut(seg), IpPair{.src = ip(1), .dst = ip(2)}, {});
  store_be16(seg, 16, static_cast<std::uint16_t>(load_be16(seg, 16) ^ 0x5555));  // a wrong checksum
  p.b.receive(0, f, p.net.now());
  EXPECT_EQ(p.b.counters().tcp.rx_malformed, 1u);
  EXPECT_EQ(p.b.counters().tcp.rx, 0u);
  p.b.receive_checksummed(0, f, p.net.now());
  EXPECT_EQ(p.b.counters().tcp.rx_malformed, 1u);
  EXPECT_EQ(p.b.counters().tcp.rx, 1u);  // taken (and answered with a RST: no listener)
  p.b.receive(0, f, p.net.now());        // and the flag does not outlive the call
  EXPECT_EQ(p.b.counters().tcp.rx_malformed, 2u);
}

}  // namespace
}  // namespace wirestack::iface
