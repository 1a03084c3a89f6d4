#include "wire/dissect.hpp"

#include <iomanip>
#include <sstream>
#include <utility>

#include "wire/checksum.hpp"
#include "wire/ipv6_ext.hpp"

namespace wirestack {

std::string_view to_string(ModelLayer l) {
  switch (l) {
    case ModelLayer::link: return "link";
    case ModelLayer::network: return "network";
    case ModelLayer::transport: return "transport";
    case ModelLayer::application: return "application";
  }
  return "?";
}

namespace {

template <class T>
std::string text_of(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

std::string hex8(std::uint8_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << std::setw(2) << std::setfill('0') << unsigned{v};
  return os.str();
}

std::string hex16(std::uint16_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << std::setw(4) << std::setfill('0') << v;
  return os.str();
}

class Dissector {
 public:
  explicit Dissector(Dissection& d) : d_(d) {}

  void frame(Bytes bytes) {
    auto view = EthernetFrame::checked(bytes);
    if (!view) return fail("Ethernet", view.error(), std::to_string(bytes.size()) + " bytes");
    if (!view->has_vlan() && static_cast<std::uint16_t>(view->ethertype()) < 0x0600) return llc(*view);
    auto eth = EthernetRepr::parse(*view);
    if (!eth) return fail("Ethernet", eth.error(), "ethertype " + text_of(view->ethertype()));
    d_.ethernet = *eth;
    add(ModelLayer::link, "Ethernet", text_of(*eth));
    switch (eth->ethertype) {
      case EtherType::arp: return arp(view->payload());
      case EtherType::ipv4: return ipv4(view->payload());
      case EtherType::ipv6: return ipv6(view->payload());
      default: return data(view->payload(), ModelLayer::network);
    }
  }

 private:
  // IEEE 802.3: a length, then LLC. Only the spanning tree's SAP is known.
  void llc(EthernetFrame view) {
    const auto len = static_cast<std::uint16_t>(view.ethertype());
    std::ostringstream os;
    os << view.src() << " > " << view.dst() << ", 802.3 length " << len;
    const Bytes payload = view.payload();
    if (len > payload.size()) {
      add(ModelLayer::link, "Ethernet", os.str());
      return fail("Ethernet", WireError::bad_length, "802.3 length " + std::to_string(len) + ", " +
                                                         std::to_string(payload.size()) + " bytes follow");
    }
    const Bytes llc = payload.first(len);
    if (llc.size() >= kLlcHeaderLen) {
      os << ", LLC dsap " << hex8(load_u8(llc, 0)) << " ssap " << hex8(load_u8(llc, 1))
         << (load_u8(llc, 2) == kLlcControlUi ? " ui" : " control " + hex8(load_u8(llc, 2)));
    }
    add(ModelLayer::link, "Ethernet", os.str());
    auto b = parse_llc_bpdu(llc);
    if (!b && b.error() == WireError::unsupported && llc.size() >= kLlcHeaderLen &&
        load_u8(llc, 0) != kLlcSapStp) {
      return data(llc.subspan(kLlcHeaderLen), ModelLayer::network);
    }
    if (!b) return fail("STP", b.error(), std::to_string(llc.size()) + " bytes of LLC");
    d_.bpdu = *b;
    add(ModelLayer::link, "STP", text_of(*b));
  }

  void arp(Bytes bytes) {
    auto view = ArpPacket::checked(bytes);
    if (!view) return fail("ARP", view.error(), std::to_string(bytes.size()) + " bytes");
    auto r = ArpRepr::parse(*view);
    if (!r) return fail("ARP", r.error(), "");
    d_.arp = *r;
    add(ModelLayer::network, "ARP", text_of(*r));
  }

  void ipv4(Bytes bytes) {
    auto view = Ipv4Packet::checked(bytes);
    if (!view) return fail("IPv4", view.error(), std::to_string(bytes.size()) + " bytes");
    d_.ipv4_checksum = view->checksum();
    auto r = Ipv4Repr::parse(*view);
    std::string note = ", checksum " + hex16(view->checksum()) + " ok";
    if (!r && r.error() == WireError::bad_checksum) {
      // Show the header anyway: the user wants to see which packet it was.
      ByteVec header(view->bytes().begin(), view->bytes().begin() + static_cast<std::ptrdiff_t>(view->header_len()));
      store_be16(header, 10, 0);  // the checksum field itself counts as zero
      fail("IPv4", WireError::bad_checksum,
           "header says " + hex16(view->checksum()) + ", should be " + hex16(checksum::compute(header)));
      note = ", checksum " + hex16(view->checksum()) + " BAD";
      r = Ipv4Repr::parse(*view, ChecksumMode{.verify_rx = false, .fill_tx = true});
    }
    if (!r) return fail("IPv4", r.error(), "");
    d_.ipv4 = *r;
    add(ModelLayer::network, "IPv4", text_of(*r) + note);
    const IpPair ips{r->src, r->dst};
    const Bytes payload = view->payload();
    if (r->frag_offset != 0) {
      // A later fragment: its bytes continue a header we do not have.
      return data(payload, ModelLayer::network, "fragment data");
    }
    // A first fragment carries the transport header, but its checksum covers
    // the whole datagram: parse it, do not verify it.
    const bool whole = !r->more_fragments;
    const ChecksumMode mode{.verify_rx = whole, .fill_tx = true};
    d_.l4_checksum_verified = whole;
    switch (r->protocol) {
      case IpProtocol::icmp: return icmp(payload, mode);
      case IpProtocol::udp: return udp(payload, ips, mode);
      case IpProtocol::tcp: return tcp(payload, ips, mode);
      default: return data(payload, ModelLayer::transport);
    }
  }

  std::string checksum_note(std::uint16_t field, bool verified, bool ok) const {
    if (!verified) return ", checksum " + hex16(field) + " (fragment: not verified)";
    return ", checksum " + hex16(field) + (ok ? " ok" : " BAD");
  }

  // Parses with `mode`; on a checksum mismatch reports it and parses again
  // without verification so that the header is still shown.
  template <class Parse>
  auto parse_checked(const char* proto, Parse&& parse, ChecksumMode mode, bool& checksum_ok) {
    auto r = parse(mode);
    checksum_ok = true;
    if (!r && r.error() == WireError::bad_checksum) {
      checksum_ok = false;
      fail(proto, WireError::bad_checksum, "");
      r = parse(ChecksumMode{.verify_rx = false, .fill_tx = true});
    }
    return r;
  }

  void ipv6(Bytes bytes) {
    auto view = Ipv6Packet::checked(bytes);
    if (!view) return fail("IPv6", view.error(), std::to_string(bytes.size()) + " bytes");
    const Ipv6Repr r = Ipv6Repr::parse(*view);
    d_.ipv6 = r;
    add(ModelLayer::network, "IPv6", text_of(r));
    const auto chain = walk_ipv6_chain(*view);
    extensions(*view);
    if (const auto* drop = std::get_if<Ipv6Drop>(&chain)) {
      if (drop->reason != Ipv6ChainDrop::no_next_header) fail("IPv6", WireError::bad_field, std::string(to_string(drop->reason)));
      return;
    }
    if (const auto* pp = std::get_if<Ipv6ParamProblem>(&chain)) {
      return fail("IPv6", WireError::bad_field,
                  std::string(to_string(pp->reason)) + " (parameter problem code " +
                      std::to_string(static_cast<unsigned>(pp->code)) + ", pointer " + std::to_string(pp->pointer) +
                      ")");
    }
    const auto& deliver = std::get<Ipv6Deliver>(chain);
    const Bytes upper = view->packet().subspan(deliver.offset);
    if (deliver.fragment && deliver.fragment->header.offset != 0) {
      return data(upper, ModelLayer::network, "fragment data");
    }
    // A first fragment's transport checksum covers the whole packet: parse, do not verify.
    const bool whole = !deliver.fragment || deliver.fragment->header.atomic();
    const ChecksumMode mode{.verify_rx = whole, .fill_tx = true};
    d_.l4_checksum_verified = whole;
    const IpPair ips{r.src, r.dst};
    switch (deliver.protocol) {
      case IpProtocol::icmpv6: return icmp6(upper, r, mode);
      case IpProtocol::udp: return udp(upper, ips, mode);
      case IpProtocol::tcp: return tcp(upper, ips, mode);
      default: return data(upper, ModelLayer::transport);
    }
  }

  // One line per extension header, as far as they are whole.
  void extensions(Ipv6Packet p) {
    const Bytes pkt = p.packet();
    IpProtocol next = p.next_header();
    std::size_t off = kIpv6HeaderLen;
    for (int n = 0; n < 16; ++n) {
      const bool options = next == ipv6_next::kHopByHop || next == ipv6_next::kDestOptions;
      if (!options && next != ipv6_next::kRouting && next != ipv6_next::kFragment) return;
      if (pkt.size() - off < 8) return;
      const std::size_t len =
          next == ipv6_next::kFragment ? kIpv6FragmentHeaderLen : (std::size_t{load_u8(pkt, off + 1)} + 1) * 8;
      if (len > pkt.size() - off) return;
      const IpProtocol inner{load_u8(pkt, off)};
      const std::string names_next = ", next-header " + std::string(ipv6_next_header_name(inner)) + " (" +
                                     std::to_string(static_cast<unsigned>(inner)) + ")";
      d_.ipv6_extensions.push_back(next);
      if (options) {
        add(ModelLayer::network, next == ipv6_next::kHopByHop ? "HopOpts" : "DstOpts",
            std::string(next == ipv6_next::kHopByHop ? "hop-by-hop" : "destination") + " options, length " +
                std::to_string(len) + option_list(pkt.subspan(off + 2, len - 2)) + names_next);
      } else if (next == ipv6_next::kRouting) {
        add(ModelLayer::network, "Routing",
            "routing type " + std::to_string(load_u8(pkt, off + 2)) + ", segments left " +
                std::to_string(load_u8(pkt, off + 3)) + ", length " + std::to_string(len) + names_next);
      } else {
        const auto f = *Ipv6FragmentHeader::parse(pkt.subspan(off));  // 8 bytes are there
        d_.ipv6_fragment = f;
        add(ModelLayer::network, "Fragment", text_of(f) + names_next);
        if (f.offset != 0) return;
      }
      next = inner;
      off += len;
    }
  }

  // ": router alert 0, padn 4" (RFC 8200 4.2 TLVs), as far as they parse.
  static std::string option_list(Bytes tlvs) {
    std::string out;
    std::size_t i = 0;
    while (i < tlvs.size()) {
      const std::uint8_t type = load_u8(tlvs, i);
      out += out.empty() ? ": " : ", ";
      if (type == 0) {
        out += "pad1";
        ++i;
        continue;
      }
      if (tlvs.size() - i < 2 || load_u8(tlvs, i + 1) > tlvs.size() - i - 2) return out + "malformed";
      const std::size_t len = load_u8(tlvs, i + 1);
      if (type == 1) {
        out += "padn " + std::to_string(len + 2);
      } else if (type == 5 && len == 2) {
        out += "router alert " + std::to_string(load_be16(tlvs, i + 2));
      } else {
        std::ostringstream os;
        os << "option 0x" << std::hex << std::setw(2) << std::setfill('0') << unsigned{type} << std::dec << " length "
           << len;
        out += os.str();
      }
      i += 2 + len;
    }
    return out;
  }

  void icmp6(Bytes bytes, const Ipv6Repr& ip, ChecksumMode mode) {
    auto view = Icmpv6Packet::checked(bytes);
    if (!view) return fail("ICMPv6", view.error(), std::to_string(bytes.size()) + " bytes");
    d_.l4_checksum = view->checksum();
    bool ok = true;
    auto r = parse_checked("ICMPv6", [&](ChecksumMode m) { return Icmpv6Repr::parse(*view, ip.src, ip.dst, m); },
                           mode, ok);
    if (!r) return fail("ICMPv6", r.error(), "");
    d_.icmpv6 = *r;
    std::string text = text_of(*r);
    if (r->is_nd()) {
      const auto checked = check_nd(ip, *r);
      if (checked) {
        d_.nd_options = *checked;
        text += nd_text(*checked);
      } else {
        fail("ICMPv6", checked.error() == NdDrop::bad_options ? WireError::bad_option_length : WireError::bad_field,
             std::string(to_string(checked.error())));
      }
    }
    add(ModelLayer::network, "ICMPv6", text + checksum_note(view->checksum(), mode.verify_rx, ok));
  }

  static std::string nd_text(const NdOptions& o) {
    std::ostringstream os;
    const char* sep = "";
    const auto next = [&]() -> std::ostream& { return os << std::exchange(sep, ", "); };
    if (o.source_ll) next() << "source link-address " << *o.source_ll;
    if (o.target_ll) next() << "target link-address " << *o.target_ll;
    if (o.mtu) next() << "mtu " << *o.mtu;
    for (std::size_t i = 0; i < o.prefix_count; ++i) {
      const NdPrefixInfo& p = o.prefixes[i];
      next() << "prefix " << p.prefix << "/" << unsigned{p.prefix_len} << (p.on_link ? " L" : "")
             << (p.autonomous ? " A" : "") << " valid " << p.valid_lifetime << "s pref " << p.preferred_lifetime
             << "s";
    }
    if (o.redirected) next() << "redirected header " << o.redirected->size() << " bytes";
    if (o.nonce) next() << "nonce " << to_hex(*o.nonce, "");
    if (o.unknown != 0) next() << o.unknown << " unknown option" << (o.unknown == 1 ? "" : "s");
    const std::string s = os.str();
    return s.empty() ? s : " [" + s + "]";
  }

  void icmp(Bytes bytes, ChecksumMode mode) {
    auto view = Icmpv4Packet::checked(bytes);
    if (!view) return fail("ICMP", view.error(), std::to_string(bytes.size()) + " bytes");
    d_.l4_checksum = view->checksum();
    bool ok = true;
    auto r = parse_checked("ICMP", [&](ChecksumMode m) { return Icmpv4Repr::parse(*view, m); }, mode, ok);
    if (!r) return fail("ICMP", r.error(), "");
    d_.icmpv4 = *r;
    add(ModelLayer::network, "ICMP", text_of(*r) + checksum_note(view->checksum(), mode.verify_rx, ok));
  }

  void udp(Bytes bytes, const IpPair& ips, ChecksumMode mode) {
    if (!mode.verify_rx && bytes.size() >= kUdpHeaderLen) {
      // A first fragment: the header's length field describes the whole
      // datagram, which this frame does not hold. Show the header only.
      const UdpPacket view(bytes);
      d_.l4_checksum = view.checksum();
      d_.udp = UdpRepr{.src_port = view.src_port(), .dst_port = view.dst_port()};
      add(ModelLayer::transport, "UDP",
          std::to_string(view.src_port()) + " > " + std::to_string(view.dst_port()) + ": UDP, length " +
              std::to_string(view.length() - kUdpHeaderLen) + checksum_note(view.checksum(), false, true));
      return data(bytes.subspan(kUdpHeaderLen), ModelLayer::application, "first fragment of data");
    }
    auto view = UdpPacket::checked(bytes);
    if (!view) return fail("UDP", view.error(), std::to_string(bytes.size()) + " bytes");
    d_.l4_checksum = view->checksum();
    bool ok = true;
    auto r = parse_checked("UDP", [&](ChecksumMode m) { return UdpRepr::parse(*view, ips, m); }, mode, ok);
    if (!r) return fail("UDP", r.error(), "");
    d_.udp = *r;
    std::string note = view->checksum() == 0 ? std::string(", no checksum")
                                             : checksum_note(view->checksum(), mode.verify_rx, ok);
    add(ModelLayer::transport, "UDP", text_of(*view) + note);
    data(view->payload(), ModelLayer::application);
  }

  void tcp(Bytes bytes, const IpPair& ips, ChecksumMode mode) {
    auto view = TcpPacket::checked(bytes);
    if (!view) return fail("TCP", view.error(), std::to_string(bytes.size()) + " bytes");
    d_.l4_checksum = view->checksum();
    bool ok = true;
    auto r = parse_checked("TCP", [&](ChecksumMode m) { return TcpRepr::parse(*view, ips, m); }, mode, ok);
    if (!r) return fail("TCP", r.error(), "");
    d_.tcp = *r;
    add(ModelLayer::transport, "TCP", text_of(*view) + checksum_note(view->checksum(), mode.verify_rx, ok));
    data(view->payload(), ModelLayer::application);
  }

  void data(Bytes bytes, ModelLayer layer, const char* what = "data") {
    if (layer == ModelLayer::application) d_.payload_len = bytes.size();
    if (bytes.empty()) return;
    std::string preview;
    for (std::size_t i = 0; i < bytes.size() && i < 24; ++i) {
      const auto c = std::to_integer<unsigned char>(bytes[i]);
      preview += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '.';
    }
    if (bytes.size() > 24) preview += "...";
    add(layer, "data", std::string(what) + ", " + std::to_string(bytes.size()) + " bytes \"" + preview + "\"");
  }

  void add(ModelLayer layer, std::string protocol, std::string text) {
    d_.layers.push_back(DissectedLayer{layer, std::move(protocol), std::move(text)});
  }

  void fail(const char* protocol, WireError e, std::string detail) {
    d_.problems.push_back(DissectProblem{protocol, e, std::move(detail)});
  }

  Dissection& d_;
};

}  // namespace

Dissection dissect(Bytes frame) {
  Dissection d;
  Dissector(d).frame(frame);
  return d;
}

}  // namespace wirestack
