#include "base/assert.hpp"
#include "wire/icmpv4.hpp"

#include <cstdlib>
#include <cstring>

namespace wirestack {

namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// memmove: echo data may alias the output buffer (a reply built in place).
void copy_bytes(Bytes from, MutBytes to) {
  WIRESTACK_ASSERT(from.size() <= to.size());
  if (!from.empty()) std::memmove(to.data(), from.data(), from.size());
}

WireResult<Icmpv4Quote> parse_quote(Bytes data) {
  auto header = Ipv4Repr::parse_quoted(data);
  if (!header) return Unexpected{header.error()};
  // Options are a multiple of 4 bytes on the wire, so header_len() is IHL * 4.
  return Icmpv4Quote{.header = *header, .data = data.subspan(header->header_len())};
}

// `out` is the message's data area, exactly q.len() bytes.
void emit_quote(const Icmpv4Quote& q, MutBytes out) {
  q.header.emit(Ipv4PacketMut(out.first(q.header.header_len())));  // with its own header checksum
  copy_bytes(q.data, out.subspan(q.header.header_len()));
}

void print_unreachable(std::ostream& os, const Icmpv4DstUnreachable& m) {
  // The wording of tcpdump's print-icmp.c, about the quoted datagram's destination.
  const Ipv4Address dst = m.quote.header.dst;
  const auto proto = static_cast<unsigned>(m.quote.header.protocol);
  switch (m.code) {
    case Icmpv4UnreachableCode::net: os << "net " << dst << " unreachable"; return;
    case Icmpv4UnreachableCode::host: os << "host " << dst << " unreachable"; return;
    case Icmpv4UnreachableCode::protocol: os << dst << " protocol " << proto << " unreachable"; return;
    case Icmpv4UnreachableCode::port:
      os << dst;
      if (m.quote.data.size() >= 4) {  // the transport ports lead both UDP and TCP headers
        const std::uint16_t port = load_be16(m.quote.data, 2);
        if (m.quote.header.protocol == IpProtocol::udp) {
          os << " udp port " << port;
        } else if (m.quote.header.protocol == IpProtocol::tcp) {
          os << " tcp port " << port;
        } else {
          os << " protocol " << proto << " port " << port;
        }
      } else {
        os << " port";
      }
      os << " unreachable";
      return;
    case Icmpv4UnreachableCode::frag_needed:
      os << dst << " unreachable - need to frag (mtu " << m.next_hop_mtu << ")";
      return;
    case Icmpv4UnreachableCode::source_route_failed: os << dst << " unreachable - source route failed"; return;
    case Icmpv4UnreachableCode::net_unknown: os << "net " << dst << " unreachable - unknown"; return;
    case Icmpv4UnreachableCode::host_unknown: os << "host " << dst << " unreachable - unknown"; return;
    case Icmpv4UnreachableCode::source_host_isolated: os << dst << " unreachable - source host isolated"; return;
    case Icmpv4UnreachableCode::net_prohibited: os << "net " << dst << " unreachable - admin prohibited"; return;
    case Icmpv4UnreachableCode::host_prohibited: os << "host " << dst << " unreachable - admin prohibited"; return;
    case Icmpv4UnreachableCode::net_tos: os << "net " << dst << " unreachable - tos prohibited"; return;
    case Icmpv4UnreachableCode::host_tos: os << "host " << dst << " unreachable - tos prohibited"; return;
    case Icmpv4UnreachableCode::admin_prohibited:
      os << "host " << dst << " unreachable - admin prohibited filter";
      return;
    case Icmpv4UnreachableCode::host_precedence_violation:
      os << "host " << dst << " unreachable - host precedence violation";
      return;
    case Icmpv4UnreachableCode::precedence_cutoff: os << "host " << dst << " unreachable - precedence cutoff"; return;
    default: os << dst << " unreachable - #" << static_cast<unsigned>(m.code); return;
  }
}

}  // namespace

std::ostream& operator<<(std::ostream& os, Icmpv4Type t) {
  switch (t) {
    case Icmpv4Type::echo_reply: return os << "echo reply";
    case Icmpv4Type::dst_unreachable: return os << "destination unreachable";
    case Icmpv4Type::source_quench: return os << "source quench";
    case Icmpv4Type::redirect: return os << "redirect";
    case Icmpv4Type::echo_request: return os << "echo request";
    case Icmpv4Type::router_advert: return os << "router advertisement";
    case Icmpv4Type::router_solicit: return os << "router solicitation";
    case Icmpv4Type::time_exceeded: return os << "time exceeded";
    case Icmpv4Type::param_problem: return os << "parameter problem";
    case Icmpv4Type::timestamp: return os << "time stamp query";
    case Icmpv4Type::timestamp_reply: return os << "time stamp reply";
    default: return os << "type-#" << static_cast<unsigned>(t);
  }
}

Icmpv4Quote Icmpv4Quote::of(Ipv4Packet offending, std::size_t max_data) {
  auto header = Ipv4Repr::parse_quoted(offending.bytes());
  WIRESTACK_ASSERT(header.has_value());  // precondition: `offending` passed Ipv4Packet::checked()
  const Bytes payload = offending.payload();
  return Icmpv4Quote{.header = *header, .data = payload.first(std::min(max_data, payload.size()))};
}

WireResult<Icmpv4Repr> Icmpv4Repr::parse(Icmpv4Packet p, ChecksumMode mode) {
  // RFC 792: "The checksum is the 16-bit ones's complement of the one's
  // complement sum of the ICMP message starting with the ICMP Type."
  if (mode.verify_rx && !p.verify_checksum()) return Unexpected{WireError::bad_checksum};
  const std::uint8_t code = p.msg_code();
  switch (p.msg_type()) {
    // RFC 792 gives echo "Code 0" only; other codes are left to Icmpv4Other.
    case Icmpv4Type::echo_request:
      if (code != 0) break;
      return Icmpv4Repr{.message =
                            Icmpv4EchoRequest{.ident = p.echo_ident(), .seq_no = p.echo_seq_no(), .data = p.data()}};
    case Icmpv4Type::echo_reply:
      if (code != 0) break;
      return Icmpv4Repr{.message =
                            Icmpv4EchoReply{.ident = p.echo_ident(), .seq_no = p.echo_seq_no(), .data = p.data()}};
    case Icmpv4Type::dst_unreachable: {
      auto quote = parse_quote(p.data());
      if (!quote) return Unexpected{quote.error()};
      return Icmpv4Repr{.message = Icmpv4DstUnreachable{
                            .code = Icmpv4UnreachableCode{code}, .next_hop_mtu = p.next_hop_mtu(), .quote = *quote}};
    }
    case Icmpv4Type::time_exceeded: {
      auto quote = parse_quote(p.data());
      if (!quote) return Unexpected{quote.error()};
      return Icmpv4Repr{.message = Icmpv4TimeExceeded{.code = Icmpv4TimeExceededCode{code}, .quote = *quote}};
    }
    default: break;
  }
  return Icmpv4Repr{.message = Icmpv4Other{
                        .type = p.msg_type(), .code = code, .rest_of_header = p.rest_of_header(), .data = p.data()}};
}

std::size_t Icmpv4Repr::buffer_len() const {
  return kIcmpv4HeaderLen + std::visit(Overloaded{
                                           [](const Icmpv4DstUnreachable& m) { return m.quote.len(); },
                                           [](const Icmpv4TimeExceeded& m) { return m.quote.len(); },
                                           [](const auto& m) { return m.data.size(); },
                                       },
                                       message);
}

Icmpv4Type Icmpv4Repr::type() const {
  return std::visit(Overloaded{
                        []<Icmpv4Type T>(const Icmpv4Echo<T>&) { return T; },
                        [](const Icmpv4DstUnreachable&) { return Icmpv4Type::dst_unreachable; },
                        [](const Icmpv4TimeExceeded&) { return Icmpv4Type::time_exceeded; },
                        [](const Icmpv4Other& m) { return m.type; },
                    },
                    message);
}

std::uint8_t Icmpv4Repr::code() const {
  return std::visit(Overloaded{
                        []<Icmpv4Type T>(const Icmpv4Echo<T>&) { return std::uint8_t{0}; },
                        [](const Icmpv4DstUnreachable& m) { return static_cast<std::uint8_t>(m.code); },
                        [](const Icmpv4TimeExceeded& m) { return static_cast<std::uint8_t>(m.code); },
                        [](const Icmpv4Other& m) { return m.code; },
                    },
                    message);
}

bool Icmpv4Repr::is_error() const {
  switch (type()) {
    case Icmpv4Type::dst_unreachable:
    case Icmpv4Type::source_quench:
    case Icmpv4Type::redirect:
    case Icmpv4Type::time_exceeded:
    case Icmpv4Type::param_problem: return true;
    default: return false;
  }
}

void Icmpv4Repr::emit(Icmpv4PacketMut out, ChecksumMode mode) const {
  WIRESTACK_ASSERT(out.bytes().size() == buffer_len());
  out.set_msg_type(type());
  out.set_msg_code(code());
  out.set_checksum(0);
  std::visit(Overloaded{
                 [&]<Icmpv4Type T>(const Icmpv4Echo<T>& m) {
                   out.set_echo_ident(m.ident);
                   out.set_echo_seq_no(m.seq_no);
                   copy_bytes(m.data, out.data());
                 },
                 [&](const Icmpv4DstUnreachable& m) {
                   out.set_rest_of_header(m.next_hop_mtu);  // RFC 1191: unused (16 bits, zero), next-hop MTU
                   emit_quote(m.quote, out.data());
                 },
                 [&](const Icmpv4TimeExceeded& m) {
                   out.set_rest_of_header(0);  // RFC 792: unused
                   emit_quote(m.quote, out.data());
                 },
                 [&](const Icmpv4Other& m) {
                   out.set_rest_of_header(m.rest_of_header);
                   copy_bytes(m.data, out.data());
                 },
             },
             message);
  if (mode.fill_tx) out.fill_checksum();
}

std::ostream& operator<<(std::ostream& os, const Icmpv4Repr& r) {
  os << "ICMP ";
  std::visit(Overloaded{
                 [&](const Icmpv4EchoRequest& m) { os << "echo request, id " << m.ident << ", seq " << m.seq_no; },
                 [&](const Icmpv4EchoReply& m) { os << "echo reply, id " << m.ident << ", seq " << m.seq_no; },
                 [&](const Icmpv4DstUnreachable& m) { print_unreachable(os, m); },
                 [&](const Icmpv4TimeExceeded& m) {
                   switch (m.code) {
                     case Icmpv4TimeExceededCode::ttl_exceeded: os << "time exceeded in-transit"; break;
                     case Icmpv4TimeExceededCode::reassembly: os << "ip reassembly time exceeded"; break;
                     default: os << "time exceeded-#" << static_cast<unsigned>(m.code); break;
                   }
                 },
                 [&](const Icmpv4Other& m) { os << m.type << ", code " << static_cast<unsigned>(m.code); },
             },
             r.message);
  return os << ", length " << r.buffer_len();
}

}  // namespace wirestack
