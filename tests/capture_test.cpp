// tests/capture_test.cpp — our parsers against real Linux traffic.
//
// tests/data/linux.pcap was recorded by tests/data/record_linux_capture.sh
// (ARP, ping, fragmented ping, two TCP connections with options and SACK, UDP,
// an ICMP port unreachable) and tests/data/linux.tshark.tsv is tshark's
// decoding of the same file. Every frame must dissect without a problem and
// every field tshark printed must equal ours.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "capture_tsv.hpp"
#include "dev/pcap_file.hpp"
#include "wire/dissect.hpp"

namespace wirestack {
namespace {

using testing::read_tsv;
using testing::Row;

const std::string kDir = std::string(WIRESTACK_SOURCE_DIR) + "/tests/data/";

std::string hex16(unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

class LinuxCapture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto recs = dev::read_pcap(kDir + "linux.pcap");
    ASSERT_TRUE(recs) << recs.error();
    records_ = std::move(*recs);
    rows_ = read_tsv(kDir + "linux.tshark.tsv");
    ASSERT_EQ(records_.size(), rows_.size()) << "the TSV must have one row per frame";
    ASSERT_GT(records_.size(), 50u);
  }
  std::vector<dev::PcapRecord> records_;
  std::vector<Row> rows_;
};

// Compares one field only where tshark printed it.
#define EXPECT_FIELD(row, name, ours)                                            \
  do {                                                                          \
    if (!(row).at(name).empty()) EXPECT_EQ((row).at(name), (ours)) << (name);   \
  } while (0)

TEST_F(LinuxCapture, EveryFrameDissectsWithoutProblems) {
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const Dissection d = dissect(records_[i].frame);
    EXPECT_TRUE(d.ok()) << "frame " << i + 1 << ": " << d.problems.front().protocol << " "
                        << to_string(d.problems.front().error);
  }
}

TEST_F(LinuxCapture, FieldsMatchTshark) {
  std::size_t arp = 0, icmp = 0, udp = 0, tcp = 0, frags = 0, sacks = 0, syn_options = 0;
  for (std::size_t i = 0; i < records_.size(); ++i) {
    SCOPED_TRACE("frame " + std::to_string(i + 1));
    const Row& row = rows_[i];
    const Dissection d = dissect(records_[i].frame);
    ASSERT_TRUE(d.ethernet);
    EXPECT_EQ(row.at("frame.len"), std::to_string(records_[i].original_length));
    EXPECT_EQ(row.at("eth.src"), d.ethernet->src.to_string());
    EXPECT_EQ(row.at("eth.dst"), d.ethernet->dst.to_string());
    EXPECT_EQ(row.at("eth.type"), hex16(static_cast<unsigned>(d.ethernet->ethertype)));

    ASSERT_EQ(!row.at("arp.opcode").empty(), d.arp.has_value());
    if (d.arp) {
      ++arp;
      EXPECT_EQ(row.at("arp.opcode"), std::to_string(static_cast<unsigned>(d.arp->operation)));
      EXPECT_EQ(row.at("arp.src.hw_mac"), d.arp->source_hardware.to_string());
      EXPECT_EQ(row.at("arp.src.proto_ipv4"), d.arp->source_protocol.to_string());
      EXPECT_EQ(row.at("arp.dst.hw_mac"), d.arp->target_hardware.to_string());
      EXPECT_EQ(row.at("arp.dst.proto_ipv4"), d.arp->target_protocol.to_string());
    }

    ASSERT_EQ(!row.at("ip.src").empty(), d.ipv4.has_value());
    if (!d.ipv4) continue;
    const Ipv4Repr& ip = *d.ipv4;
    EXPECT_EQ(row.at("ip.hdr_len"), std::to_string(ip.header_len()));
    EXPECT_EQ(row.at("ip.src"), ip.src.to_string());
    EXPECT_EQ(row.at("ip.dst"), ip.dst.to_string());
    EXPECT_EQ(row.at("ip.proto"), std::to_string(static_cast<unsigned>(ip.protocol)));
    EXPECT_EQ(row.at("ip.ttl"), std::to_string(ip.ttl));
    EXPECT_EQ(row.at("ip.id"), hex16(ip.ident));
    EXPECT_EQ(row.at("ip.len"), std::to_string(ip.total_len()));
    EXPECT_EQ(row.at("ip.flags.df"), ip.dont_fragment ? "1" : "0");
    EXPECT_EQ(row.at("ip.flags.mf"), ip.more_fragments ? "1" : "0");
    EXPECT_EQ(row.at("ip.frag_offset"), std::to_string(ip.frag_offset / 8));  // tshark: 8-byte units
    EXPECT_EQ(row.at("ip.checksum"), hex16(d.ipv4_checksum));
    if (ip.is_fragment()) ++frags;

    if (d.icmpv4) {
      ++icmp;
      EXPECT_EQ(row.at("icmp.type"), std::to_string(static_cast<unsigned>(d.icmpv4->type())));
      EXPECT_EQ(row.at("icmp.code"), std::to_string(d.icmpv4->code()));
      EXPECT_EQ(row.at("icmp.checksum"), hex16(d.l4_checksum));
      if (const auto* req = std::get_if<Icmpv4EchoRequest>(&d.icmpv4->message)) {
        EXPECT_EQ(row.at("icmp.ident"), std::to_string(req->ident));
        EXPECT_EQ(row.at("icmp.seq"), std::to_string(req->seq_no));
      }
      if (const auto* rep = std::get_if<Icmpv4EchoReply>(&d.icmpv4->message)) {
        EXPECT_EQ(row.at("icmp.ident"), std::to_string(rep->ident));
        EXPECT_EQ(row.at("icmp.seq"), std::to_string(rep->seq_no));
      }
      if (const auto* un = std::get_if<Icmpv4DstUnreachable>(&d.icmpv4->message)) {
        // tshark's udp.* cells describe the quoted datagram's UDP header.
        ASSERT_EQ(un->quote.header.protocol, IpProtocol::udp);
        ASSERT_GE(un->quote.data.size(), 8u);
        EXPECT_EQ(row.at("udp.srcport"), std::to_string(load_be16(un->quote.data, 0)));
        EXPECT_EQ(row.at("udp.dstport"), std::to_string(load_be16(un->quote.data, 2)));
        EXPECT_EQ(row.at("udp.length"), std::to_string(load_be16(un->quote.data, 4)));
        EXPECT_EQ(row.at("udp.checksum"), hex16(load_be16(un->quote.data, 6)));
      }
    } else {
      EXPECT_EQ(row.at("icmp.type"), "");
    }

    if (d.udp) {
      ++udp;
      EXPECT_EQ(row.at("udp.srcport"), std::to_string(d.udp->src_port));
      EXPECT_EQ(row.at("udp.dstport"), std::to_string(d.udp->dst_port));
      EXPECT_EQ(row.at("udp.length"), std::to_string(d.payload_len + kUdpHeaderLen));
      EXPECT_EQ(row.at("udp.checksum"), hex16(d.l4_checksum));
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
      EXPECT_EQ(row.at("tcp.flags"), hex16(t.flags.bits()));
      EXPECT_EQ(row.at("tcp.window_size_value"), std::to_string(t.window));
      EXPECT_EQ(row.at("tcp.checksum"), hex16(d.l4_checksum));
      EXPECT_EQ(row.at("tcp.len"), std::to_string(d.payload_len));
      EXPECT_EQ(row.at("tcp.options.mss_val"), t.options.mss ? std::to_string(*t.options.mss) : "");
      EXPECT_EQ(row.at("tcp.options.wscale.shift"),
                t.options.window_scale ? std::to_string(*t.options.window_scale) : "");
      EXPECT_EQ(!row.at("tcp.options.sack_perm").empty(), t.options.sack_permitted);
      EXPECT_EQ(row.at("tcp.options.timestamp.tsval"),
                t.options.timestamps ? std::to_string(t.options.timestamps->tsval) : "");
      EXPECT_EQ(row.at("tcp.options.timestamp.tsecr"),
                t.options.timestamps ? std::to_string(t.options.timestamps->tsecr) : "");
      if (t.options.sack_count > 0) {
        ++sacks;
        EXPECT_EQ(row.at("tcp.options.sack.count"), std::to_string(t.options.sack_count));
        EXPECT_EQ(row.at("tcp.options.sack_le"), std::to_string(t.options.sacks()[0].left));
        EXPECT_EQ(row.at("tcp.options.sack_re"), std::to_string(t.options.sacks()[0].right));
      } else {
        EXPECT_EQ(row.at("tcp.options.sack.count"), "");
      }
      if (t.flags.syn() && t.options.mss && t.options.window_scale && t.options.sack_permitted &&
          t.options.timestamps) {
        ++syn_options;
      }
    }
  }
  // The capture holds what the fixture's README promises.
  EXPECT_EQ(arp, 2u);
  EXPECT_GE(icmp, 8u);
  EXPECT_GE(frags, 4u);
  EXPECT_GE(udp, 2u);
  EXPECT_GE(tcp, 40u);
  EXPECT_GE(sacks, 1u);
  EXPECT_EQ(syn_options, 4u);
}

// Every frame re-emitted from its Reprs is the frame we read (for the
// protocols whose Repr carries the whole header).
TEST_F(LinuxCapture, EmitReproducesEveryHeader) {
  for (std::size_t i = 0; i < records_.size(); ++i) {
    SCOPED_TRACE("frame " + std::to_string(i + 1));
    const Bytes frame(records_[i].frame);
    const Dissection d = dissect(frame);
    ASSERT_TRUE(d.ethernet);
    ByteVec out(frame.size(), std::byte{0xa5});
    d.ethernet->emit(EthernetFrameMut(out));
    const std::size_t l2 = d.ethernet->header_len();
    EXPECT_TRUE(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(l2), frame.begin()));
    if (d.arp) {
      d.arp->emit(ArpPacketMut(MutBytes(out).subspan(l2, ArpRepr::header_len())));
      EXPECT_TRUE(std::equal(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(l2 + ArpRepr::header_len()),
                             frame.begin()));
    }
    if (d.ipv4) {
      const std::size_t l3 = d.ipv4->header_len();
      d.ipv4->emit(Ipv4PacketMut(MutBytes(out).subspan(l2, d.ipv4->total_len())));
      EXPECT_TRUE(std::equal(out.begin() + static_cast<std::ptrdiff_t>(l2),
                             out.begin() + static_cast<std::ptrdiff_t>(l2 + l3),
                             frame.begin() + static_cast<std::ptrdiff_t>(l2)));
    }
    if (d.tcp) {
      const std::size_t at = l2 + d.ipv4->header_len();
      const std::size_t seg_len = d.ipv4->payload_len;
      const Bytes payload = frame.subspan(at + d.tcp->header_len(), d.payload_len);
      d.tcp->emit(TcpPacketMut(MutBytes(out).subspan(at, seg_len)), {d.ipv4->src, d.ipv4->dst}, payload);
      EXPECT_TRUE(std::equal(out.begin() + static_cast<std::ptrdiff_t>(at),
                             out.begin() + static_cast<std::ptrdiff_t>(at + seg_len),
                             frame.begin() + static_cast<std::ptrdiff_t>(at)))
          << "tcp header emitted: " << to_hex(Bytes(out).subspan(at, d.tcp->header_len()));
    }
  }
}

}  // namespace
}  // namespace wirestack
