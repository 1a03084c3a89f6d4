// tests/capture6_test.cpp — our IPv6 parsers against real Linux traffic.
//
// tests/data/linux6.pcap was recorded by tests/data/record_linux6_capture.sh
// (DAD, MLD with Hop-by-Hop options, router solicitations, NS/NA, ping -6,
// ping -6 -s 3000 in fragments both ways, a link-local ping, TCP and UDP over
// IPv6, an ICMPv6 port unreachable, a router advertisement with prefix and
// MTU options) and tests/data/linux6.tshark.tsv is tshark's decoding of the
// same file. Every frame must dissect without a problem and every field
// tshark printed must equal ours; Linux's fragments must reassemble, and our
// fragmenter must cut the result into the same bytes Linux sent.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "capture_tsv.hpp"
#include "dev/pcap_file.hpp"
#include "ip/fragmenter6.hpp"
#include "ip/reassembler6.hpp"
#include "wire/dissect.hpp"
#include "wire/mld.hpp"

namespace wirestack {
namespace {

using testing::read_tsv;
using testing::Row;

const std::string kDir = std::string(WIRESTACK_SOURCE_DIR) + "/tests/data/";

std::string hex(unsigned v, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", digits, v);
  return buf;
}

std::string flag(bool b) { return b ? "1" : "0"; }

class LinuxCapture6 : public ::testing::Test {
 protected:
  void SetUp() override {
    auto recs = dev::read_pcap(kDir + "linux6.pcap");
    ASSERT_TRUE(recs) << recs.error();
    records_ = std::move(*recs);
    rows_ = read_tsv(kDir + "linux6.tshark.tsv");
    ASSERT_EQ(records_.size(), rows_.size()) << "the TSV must have one row per frame";
    ASSERT_GT(records_.size(), 40u);
  }
  std::vector<dev::PcapRecord> records_;
  std::vector<Row> rows_;
};

// Compares one field only where tshark printed it.
#define EXPECT_FIELD(row, name, ours)                                            \
  do {                                                                          \
    if (!(row).at(name).empty()) EXPECT_EQ((row).at(name), (ours)) << (name);   \
  } while (0)

TEST_F(LinuxCapture6, EveryFrameDissectsWithoutProblems) {
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const Dissection d = dissect(records_[i].frame);
    EXPECT_TRUE(d.ok()) << "frame " << i + 1 << ": " << d.problems.front().protocol << " "
                        << d.problems.front().detail;
  }
}

TEST_F(LinuxCapture6, FieldsMatchTshark) {
  std::size_t ns = 0, na = 0, rs = 0, ra = 0, echo = 0, frags = 0, hbh = 0, udp = 0, tcp = 0, unreach = 0;
  for (std::size_t i = 0; i < records_.size(); ++i) {
    SCOPED_TRACE("frame " + std::to_string(i + 1));
    const Row& row = rows_[i];
    const Dissection d = dissect(records_[i].frame);
    ASSERT_TRUE(d.ethernet);
    EXPECT_EQ(row.at("frame.len"), std::to_string(records_[i].original_length));
    EXPECT_EQ(row.at("eth.src"), d.ethernet->src.to_string());
    EXPECT_EQ(row.at("eth.dst"), d.ethernet->dst.to_string());
    ASSERT_EQ(!row.at("ipv6.src").empty(), d.ipv6.has_value());
    if (!d.ipv6) continue;
    const Ipv6Repr& ip = *d.ipv6;
    EXPECT_EQ(row.at("ipv6.tclass"), hex(ip.traffic_class, 8));
    EXPECT_EQ(row.at("ipv6.flow"), hex(ip.flow_label, 6));
    EXPECT_EQ(row.at("ipv6.plen"), std::to_string(ip.payload_len));
    EXPECT_EQ(row.at("ipv6.nxt"), std::to_string(static_cast<unsigned>(ip.next_header)));
    EXPECT_EQ(row.at("ipv6.hlim"), std::to_string(ip.hop_limit));
    EXPECT_EQ(row.at("ipv6.src"), ip.src.to_string());
    EXPECT_EQ(row.at("ipv6.dst"), ip.dst.to_string());
    if (!row.at("ipv6.hopopts.nxt").empty()) {
      ++hbh;
      ASSERT_FALSE(d.ipv6_extensions.empty());
      EXPECT_EQ(d.ipv6_extensions[0], ipv6_next::kHopByHop);
    }
    ASSERT_EQ(!row.at("ipv6.fraghdr.ident").empty(), d.ipv6_fragment.has_value());
    if (d.ipv6_fragment) {
      ++frags;
      EXPECT_EQ(row.at("ipv6.fraghdr.nxt"), std::to_string(static_cast<unsigned>(d.ipv6_fragment->next_header)));
      EXPECT_EQ(row.at("ipv6.fraghdr.offset"), std::to_string(d.ipv6_fragment->offset / 8));  // 8-byte units
      EXPECT_EQ(row.at("ipv6.fraghdr.more"), flag(d.ipv6_fragment->more_fragments));
      EXPECT_EQ(row.at("ipv6.fraghdr.ident"), hex(d.ipv6_fragment->ident, 8));
    }

    ASSERT_EQ(!row.at("icmpv6.type").empty(), d.icmpv6.has_value());
    if (d.icmpv6) {
      const Icmpv6Repr& m = *d.icmpv6;
      EXPECT_EQ(row.at("icmpv6.type"), std::to_string(static_cast<unsigned>(m.type())));
      EXPECT_EQ(row.at("icmpv6.code"), std::to_string(m.code()));
      EXPECT_EQ(row.at("icmpv6.checksum"), hex(d.l4_checksum, 4));
      if (const auto* req = std::get_if<Icmpv6EchoRequest>(&m.message)) {
        ++echo;
        EXPECT_EQ(row.at("icmpv6.echo.identifier"), hex(req->ident, 4));
        EXPECT_EQ(row.at("icmpv6.echo.sequence_number"), std::to_string(req->seq_no));
      }
      if (const auto* rep = std::get_if<Icmpv6EchoReply>(&m.message)) {
        ++echo;
        EXPECT_EQ(row.at("icmpv6.echo.identifier"), hex(rep->ident, 4));
        EXPECT_EQ(row.at("icmpv6.echo.sequence_number"), std::to_string(rep->seq_no));
      }
      if (const auto* s = std::get_if<NdNeighborSolicit>(&m.message)) {
        ++ns;
        EXPECT_EQ(row.at("icmpv6.nd.ns.target_address"), s->target.to_string());
      }
      if (const auto* a = std::get_if<NdNeighborAdvert>(&m.message)) {
        ++na;
        EXPECT_EQ(row.at("icmpv6.nd.na.target_address"), a->target.to_string());
        EXPECT_EQ(row.at("icmpv6.nd.na.flag.r"), flag(a->router));
        EXPECT_EQ(row.at("icmpv6.nd.na.flag.s"), flag(a->solicited));
        EXPECT_EQ(row.at("icmpv6.nd.na.flag.o"), flag(a->override));
      }
      if (std::holds_alternative<NdRouterSolicit>(m.message)) ++rs;
      if (const auto* r = std::get_if<NdRouterAdvert>(&m.message)) {
        ++ra;
        EXPECT_EQ(row.at("icmpv6.nd.ra.cur_hop_limit"), std::to_string(r->cur_hop_limit));
        EXPECT_EQ(row.at("icmpv6.nd.ra.flag.m"), flag(r->managed));
        EXPECT_EQ(row.at("icmpv6.nd.ra.flag.o"), flag(r->other));
        EXPECT_EQ(row.at("icmpv6.nd.ra.router_lifetime"), std::to_string(r->router_lifetime));
        EXPECT_EQ(row.at("icmpv6.nd.ra.reachable_time"), std::to_string(r->reachable_time));
        EXPECT_EQ(row.at("icmpv6.nd.ra.retrans_timer"), std::to_string(r->retrans_timer));
      }
      if (m.is_nd()) {
        ASSERT_TRUE(d.nd_options);
        const NdOptions& o = *d.nd_options;
        const auto& ll = o.source_ll ? o.source_ll : o.target_ll;
        EXPECT_EQ(row.at("icmpv6.opt.linkaddr"), ll ? ll->to_string() : "");
        EXPECT_EQ(row.at("icmpv6.opt.mtu"), o.mtu ? std::to_string(*o.mtu) : "");
        ASSERT_EQ(!row.at("icmpv6.opt.prefix").empty(), o.prefix_count > 0);
        if (o.prefix_count > 0) {
          const NdPrefixInfo& p = o.prefixes[0];
          EXPECT_EQ(row.at("icmpv6.opt.prefix"), p.prefix.to_string());
          EXPECT_EQ(row.at("icmpv6.opt.prefix.length"), std::to_string(p.prefix_len));
          EXPECT_EQ(row.at("icmpv6.opt.prefix.flag.l"), flag(p.on_link));
          EXPECT_EQ(row.at("icmpv6.opt.prefix.flag.a"), flag(p.autonomous));
          EXPECT_EQ(row.at("icmpv6.opt.prefix.valid_lifetime"), std::to_string(p.valid_lifetime));
          EXPECT_EQ(row.at("icmpv6.opt.prefix.preferred_lifetime"), std::to_string(p.preferred_lifetime));
        }
      }
      if (const auto* u = std::get_if<Icmpv6DstUnreachable>(&m.message)) {
        ++unreach;
        // tshark's udp.* cells describe the quoted packet's UDP header.
        auto inv = parse_invoking(u->invoking);
        ASSERT_TRUE(inv);
        ASSERT_EQ(inv->protocol, IpProtocol::udp);
        ASSERT_GE(inv->upper.size(), 8u);
        EXPECT_EQ(row.at("udp.srcport"), std::to_string(load_be16(inv->upper, 0)));
        EXPECT_EQ(row.at("udp.dstport"), std::to_string(load_be16(inv->upper, 2)));
        EXPECT_EQ(row.at("udp.length"), std::to_string(load_be16(inv->upper, 4)));
        EXPECT_EQ(row.at("udp.checksum"), hex(load_be16(inv->upper, 6), 4));
      }
    }
    if (d.udp) {
      ++udp;
      EXPECT_EQ(row.at("udp.srcport"), std::to_string(d.udp->src_port));
      EXPECT_EQ(row.at("udp.dstport"), std::to_string(d.udp->dst_port));
      EXPECT_EQ(row.at("udp.length"), std::to_string(d.payload_len + kUdpHeaderLen));
      EXPECT_EQ(row.at("udp.checksum"), hex(d.l4_checksum, 4));
    }
    ASSERT_EQ(!row.at("tcp.srcport").empty(), d.tcp.has_value());
    if (d.tcp) {
      ++tcp;
      const TcpRepr& t = *d.tcp;
      EXPECT_EQ(row.at("tcp.srcport"), std::to_string(t.src_port));
      EXPECT_EQ(row.at("tcp.dstport"), std::to_string(t.dst_port));
      EXPECT_EQ(row.at("tcp.seq_raw"), std::to_string(t.seq));
      EXPECT_EQ(row.at("tcp.ack_raw"), std::to_string(t.flags.ack() ? t.ack : 0u));
      EXPECT_EQ(row.at("tcp.hdr_len"), std::to_string(t.header_len()));
      EXPECT_EQ(row.at("tcp.flags"), hex(t.flags.bits(), 4));
      EXPECT_EQ(row.at("tcp.window_size_value"), std::to_string(t.window));
      EXPECT_EQ(row.at("tcp.checksum"), hex(d.l4_checksum, 4));
      EXPECT_EQ(row.at("tcp.options.mss_val"), t.options.mss ? std::to_string(*t.options.mss) : "");
      EXPECT_EQ(row.at("tcp.len"), std::to_string(d.payload_len));
    }
  }
  // The capture holds what record_linux6_capture.sh makes.
  EXPECT_GE(ns, 5u);   // DAD probes (from ::, with a nonce) and address resolution
  EXPECT_GE(na, 2u);
  EXPECT_GE(rs, 1u);
  EXPECT_EQ(ra, 1u);
  EXPECT_GE(echo, 6u);
  EXPECT_EQ(frags, 6u);
  EXPECT_GE(hbh, 4u);  // MLDv2 reports carry Router Alert
  EXPECT_GE(udp, 3u);
  EXPECT_GE(tcp, 10u);
  EXPECT_EQ(unreach, 1u);
}

// Every IPv6 header, and every ICMPv6 message not cut by fragmentation,
// re-emitted from its Repr is the bytes Linux sent (ND reserved fields are
// zero on the wire, so they round-trip too).
TEST_F(LinuxCapture6, EmitReproducesHeadersAndIcmpv6Messages) {
  std::size_t icmp = 0;
  for (std::size_t i = 0; i < records_.size(); ++i) {
    SCOPED_TRACE("frame " + std::to_string(i + 1));
    const Bytes packet = Bytes(records_[i].frame).subspan(kEthernetHeaderLen);
    const Dissection d = dissect(records_[i].frame);
    ASSERT_TRUE(d.ipv6);
    ByteVec header(kIpv6HeaderLen, std::byte{0xa5});
    d.ipv6->emit(Ipv6PacketMut(header));
    EXPECT_TRUE(std::equal(header.begin(), header.end(), packet.begin()));
    if (!d.icmpv6 || d.ipv6_fragment) continue;
    ++icmp;
    const Bytes message = packet.subspan(packet.size() - d.icmpv6->buffer_len());
    ByteVec out(message.size(), std::byte{0xa5});
    d.icmpv6->emit(Icmpv6PacketMut(out), d.ipv6->src, d.ipv6->dst);
    EXPECT_TRUE(std::equal(out.begin(), out.end(), message.begin())) << to_hex(out);
  }
  EXPECT_GE(icmp, 25u);
}

// Our MLDv2 Report (wire/mld.hpp: Hop-by-Hop with Router Alert and PadN,
// the records) is the packet Linux sent for the same groups, byte for byte:
// from :: before the link-local address passed DAD, then from it.
TEST_F(LinuxCapture6, MldReportsAreTheBytesLinuxSent) {
  std::size_t compared = 0;
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const Dissection d = dissect(records_[i].frame);
    if (!d.icmpv6 || d.icmpv6->type() != Icmpv6Type{kMldv2ReportType}) continue;
    SCOPED_TRACE("frame " + std::to_string(i + 1));
    const auto* other = std::get_if<Icmpv6Other>(&d.icmpv6->message);
    ASSERT_NE(other, nullptr);
    const auto records = parse_mldv2_report(*other);
    ASSERT_TRUE(records);
    EXPECT_EQ(records->size(), 2u);
    const ByteVec ours = mldv2_report_packet(d.ipv6->src, *records);
    const Bytes theirs = Bytes(records_[i].frame).subspan(kEthernetHeaderLen);
    EXPECT_TRUE(std::ranges::equal(ours, theirs)) << to_hex(ours);
    ++compared;
  }
  EXPECT_EQ(compared, 8u);
}

// Linux's fragments of ping -s 3000 go back together (Reassembler6), the
// echo inside verifies its checksum over the whole message, and our
// fragmenter cuts the packet into exactly the bytes Linux sent.
TEST_F(LinuxCapture6, FragmentsReassembleAndOurFragmenterCutsThemAlike) {
  ip::Reassembler6 frags;
  std::vector<ByteVec> sent;  // Linux's fragments of the packet being rebuilt
  std::size_t rebuilt = 0;
  for (const auto& rec : records_) {
    const Dissection d = dissect(rec.frame);
    if (!d.ipv6_fragment) continue;
    const Bytes packet = Bytes(rec.frame).subspan(kEthernetHeaderLen);
    sent.emplace_back(packet.begin(), packet.end());
    const auto r = frags.accept_packet(packet, Instant{});
    const auto* whole = std::get_if<ip::Reassembled6>(&r);
    if (whole == nullptr) {
      ASSERT_TRUE(std::holds_alternative<ip::ReassemblyPending>(r));
      continue;
    }
    ++rebuilt;
    const auto view = Ipv6Packet::checked(whole->packet);
    ASSERT_TRUE(view);
    EXPECT_EQ(view->payload_len(), 3008);  // ICMPv6 header + 3000 bytes
    auto icmp = Icmpv6Packet::checked(view->payload());
    ASSERT_TRUE(icmp);
    EXPECT_TRUE(Icmpv6Repr::parse(*icmp, view->src(), view->dst()));  // checksum verified
    const auto again = ip::fragment6(whole->packet, d.ipv6_fragment->ident, 1500);
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, sent);
    sent.clear();
  }
  EXPECT_EQ(rebuilt, 2u);
  EXPECT_EQ(frags.stats().reassembled, 2u);
  EXPECT_EQ(frags.in_progress(), 0u);
}

}  // namespace
}  // namespace wirestack
