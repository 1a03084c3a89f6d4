#include "wire/dissect.hpp"

#include <iomanip>
#include <sstream>

#include "wire/checksum.hpp"

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
    auto eth = EthernetRepr::parse(*view);
    if (!eth) return fail("Ethernet", eth.error(), "ethertype " + text_of(view->ethertype()));
    d_.ethernet = *eth;
    add(ModelLayer::link, "Ethernet", text_of(*eth));
    switch (eth->ethertype) {
      case EtherType::arp: return arp(view->payload());
      case EtherType::ipv4: return ipv4(view->payload());
      default: return data(view->payload(), ModelLayer::network);
    }
  }

 private:
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
