#include "wire/icmpv6.hpp"

#include <cstring>
#include <utility>

#include "base/assert.hpp"

namespace wirestack {

namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

// Fixed lengths of the ND messages, header included (RFC 4861 4.1-4.5),
// where their options start.
constexpr std::size_t kRsLen = 8;
constexpr std::size_t kRaLen = 16;
constexpr std::size_t kNsNaLen = 24;
constexpr std::size_t kRedirectLen = 40;

constexpr std::uint8_t kRaManaged = 0x80;
constexpr std::uint8_t kRaOther = 0x40;
constexpr std::uint8_t kNaRouter = 0x80;
constexpr std::uint8_t kNaSolicited = 0x40;
constexpr std::uint8_t kNaOverride = 0x20;

// memmove: echo data may alias the output (a reply built in place).
void copy_bytes(Bytes from, MutBytes to) {
  WIRESTACK_ASSERT(from.size() <= to.size());
  if (!from.empty()) std::memmove(to.data(), from.data(), from.size());
}

Ipv6Address address_at(Bytes b, std::size_t at) { return Ipv6Address::from_bytes(b.subspan(at)); }

template <class Error>
WireResult<Icmpv6Repr> parse_error(Icmpv6Packet p, decltype(Error::code) code) {
  // RFC 4443 2.4(c): the body is as much of the invoking packet as fits;
  // anything that does not start with an IPv6 header is not one.
  if (auto h = Ipv6Repr::parse_quoted(p.body()); !h) return Unexpected{h.error()};
  return Icmpv6Repr{.message = Error{.code = code, .param = p.rest(), .invoking = p.body()}};
}

std::size_t nd_fixed_len(Icmpv6Type t) {
  switch (t) {
    case Icmpv6Type::router_solicit: return kRsLen;
    case Icmpv6Type::router_advert: return kRaLen;
    case Icmpv6Type::neighbor_solicit:
    case Icmpv6Type::neighbor_advert: return kNsNaLen;
    case Icmpv6Type::redirect: return kRedirectLen;
    default: return 0;
  }
}

void print_unreachable(std::ostream& os, const Icmpv6DstUnreachable& m) {
  switch (m.code) {  // tcpdump's print-icmp6.c wording
    case Icmpv6UnreachableCode::no_route: os << "destination unreachable, unreachable route"; break;
    case Icmpv6UnreachableCode::admin_prohibited: os << "destination unreachable, unreachable prohibited"; break;
    case Icmpv6UnreachableCode::beyond_scope: os << "destination unreachable, beyond scope"; break;
    case Icmpv6UnreachableCode::address: os << "destination unreachable, unreachable address"; break;
    case Icmpv6UnreachableCode::port: os << "destination unreachable, unreachable port"; break;
    default: os << "destination unreachable, code-#" << static_cast<unsigned>(m.code); break;
  }
  if (auto inv = parse_invoking(m.invoking)) {
    os << ", " << inv->header.dst;
    if (inv->upper.size() >= 4 && (inv->protocol == IpProtocol::udp || inv->protocol == IpProtocol::tcp)) {
      os << (inv->protocol == IpProtocol::udp ? " udp" : " tcp") << " port " << load_be16(inv->upper, 2);
    }
  }
}

}  // namespace

std::ostream& operator<<(std::ostream& os, Icmpv6Type t) {
  switch (t) {
    case Icmpv6Type::dst_unreachable: return os << "destination unreachable";
    case Icmpv6Type::packet_too_big: return os << "packet too big";
    case Icmpv6Type::time_exceeded: return os << "time exceeded";
    case Icmpv6Type::param_problem: return os << "parameter problem";
    case Icmpv6Type::echo_request: return os << "echo request";
    case Icmpv6Type::echo_reply: return os << "echo reply";
    case Icmpv6Type::router_solicit: return os << "router solicitation";
    case Icmpv6Type::router_advert: return os << "router advertisement";
    case Icmpv6Type::neighbor_solicit: return os << "neighbor solicitation";
    case Icmpv6Type::neighbor_advert: return os << "neighbor advertisement";
    case Icmpv6Type::redirect: return os << "redirect";
    default: break;
  }
  switch (static_cast<unsigned>(t)) {  // MLD (RFC 2710, RFC 3810), carried as Icmpv6Other
    case 130: return os << "multicast listener query";
    case 131: return os << "multicast listener report";
    case 132: return os << "multicast listener done";
    case 143: return os << "multicast listener report v2";
    default: return os << "type-#" << static_cast<unsigned>(t);
  }
}

WireResult<Icmpv6Repr> Icmpv6Repr::parse(Icmpv6Packet p, const Ipv6Address& src, const Ipv6Address& dst,
                                         ChecksumMode mode) {
  // RFC 4443 2.3: the checksum covers the message and the pseudo-header.
  if (mode.verify_rx && !p.verify_checksum(src, dst)) return Unexpected{WireError::bad_checksum};
  const Bytes b = p.bytes();
  const std::uint8_t code = p.msg_code();
  const Icmpv6Type type = p.msg_type();
  // RFC 4861 6.1.1, 6.1.2, 7.1.1, 7.1.2, 8.1: "ICMP length (derived from
  // the IP length) is N or more octets."
  if (b.size() < nd_fixed_len(type)) return Unexpected{WireError::truncated};
  switch (type) {
    case Icmpv6Type::echo_request:
      if (code != 0) break;
      return Icmpv6Repr{.message = Icmpv6EchoRequest{.ident = load_be16(b, 4), .seq_no = load_be16(b, 6), .data = p.body()}};
    case Icmpv6Type::echo_reply:
      if (code != 0) break;
      return Icmpv6Repr{.message = Icmpv6EchoReply{.ident = load_be16(b, 4), .seq_no = load_be16(b, 6), .data = p.body()}};
    case Icmpv6Type::dst_unreachable: return parse_error<Icmpv6DstUnreachable>(p, Icmpv6UnreachableCode{code});
    case Icmpv6Type::packet_too_big: return parse_error<Icmpv6PacketTooBig>(p, code);
    case Icmpv6Type::time_exceeded: return parse_error<Icmpv6TimeExceeded>(p, Icmpv6TimeExceededCode{code});
    case Icmpv6Type::param_problem: return parse_error<Icmpv6ParameterProblem>(p, Icmpv6ParamProblemCode{code});
    case Icmpv6Type::router_solicit:
      return Icmpv6Repr{.message = NdRouterSolicit{.code = code, .options = b.subspan(kRsLen)}};
    case Icmpv6Type::router_advert: {
      const std::uint8_t flags = load_u8(b, 5);
      return Icmpv6Repr{.message = NdRouterAdvert{.code = code,
                                                  .cur_hop_limit = load_u8(b, 4),
                                                  .managed = (flags & kRaManaged) != 0,
                                                  .other = (flags & kRaOther) != 0,
                                                  .other_flags = static_cast<std::uint8_t>(flags & 0x3f),
                                                  .router_lifetime = load_be16(b, 6),
                                                  .reachable_time = load_be32(b, 8),
                                                  .retrans_timer = load_be32(b, 12),
                                                  .options = b.subspan(kRaLen)}};
    }
    case Icmpv6Type::neighbor_solicit:
      return Icmpv6Repr{
          .message = NdNeighborSolicit{.code = code, .target = address_at(b, 8), .options = b.subspan(kNsNaLen)}};
    case Icmpv6Type::neighbor_advert: {
      const std::uint8_t flags = load_u8(b, 4);
      return Icmpv6Repr{.message = NdNeighborAdvert{.code = code,
                                                    .router = (flags & kNaRouter) != 0,
                                                    .solicited = (flags & kNaSolicited) != 0,
                                                    .override = (flags & kNaOverride) != 0,
                                                    .target = address_at(b, 8),
                                                    .options = b.subspan(kNsNaLen)}};
    }
    case Icmpv6Type::redirect:
      return Icmpv6Repr{.message = NdRedirect{.code = code,
                                              .target = address_at(b, 8),
                                              .destination = address_at(b, 24),
                                              .options = b.subspan(kRedirectLen)}};
    default: break;
  }
  return Icmpv6Repr{.message = Icmpv6Other{.type = type, .code = code, .rest = p.rest(), .data = p.body()}};
}

std::size_t Icmpv6Repr::buffer_len() const {
  return std::visit(Overloaded{
                        []<Icmpv6Type T>(const Icmpv6Echo<T>& m) { return kIcmpv6HeaderLen + m.data.size(); },
                        []<Icmpv6Type T, class C>(const Icmpv6Error<T, C>& m) {
                          return kIcmpv6HeaderLen + m.invoking.size();
                        },
                        [](const NdRouterSolicit& m) { return kRsLen + m.options.size(); },
                        [](const NdRouterAdvert& m) { return kRaLen + m.options.size(); },
                        [](const NdNeighborSolicit& m) { return kNsNaLen + m.options.size(); },
                        [](const NdNeighborAdvert& m) { return kNsNaLen + m.options.size(); },
                        [](const NdRedirect& m) { return kRedirectLen + m.options.size(); },
                        [](const Icmpv6Other& m) { return kIcmpv6HeaderLen + m.data.size(); },
                    },
                    message);
}

Icmpv6Type Icmpv6Repr::type() const {
  return std::visit(Overloaded{
                        []<Icmpv6Type T>(const Icmpv6Echo<T>&) { return T; },
                        []<Icmpv6Type T, class C>(const Icmpv6Error<T, C>&) { return T; },
                        [](const NdRouterSolicit&) { return Icmpv6Type::router_solicit; },
                        [](const NdRouterAdvert&) { return Icmpv6Type::router_advert; },
                        [](const NdNeighborSolicit&) { return Icmpv6Type::neighbor_solicit; },
                        [](const NdNeighborAdvert&) { return Icmpv6Type::neighbor_advert; },
                        [](const NdRedirect&) { return Icmpv6Type::redirect; },
                        [](const Icmpv6Other& m) { return m.type; },
                    },
                    message);
}

std::uint8_t Icmpv6Repr::code() const {
  return std::visit(Overloaded{
                        []<Icmpv6Type T>(const Icmpv6Echo<T>&) { return std::uint8_t{0}; },
                        []<Icmpv6Type T, class C>(const Icmpv6Error<T, C>& m) {
                          return static_cast<std::uint8_t>(m.code);
                        },
                        [](const auto& m) { return m.code; },
                    },
                    message);
}

bool Icmpv6Repr::is_nd() const {
  switch (type()) {
    case Icmpv6Type::router_solicit:
    case Icmpv6Type::router_advert:
    case Icmpv6Type::neighbor_solicit:
    case Icmpv6Type::neighbor_advert:
    case Icmpv6Type::redirect: return !std::holds_alternative<Icmpv6Other>(message);
    default: return false;
  }
}

void Icmpv6Repr::emit(Icmpv6PacketMut out, const Ipv6Address& src, const Ipv6Address& dst, ChecksumMode mode) const {
  WIRESTACK_ASSERT(out.bytes().size() == buffer_len());
  const MutBytes b = out.bytes();
  out.set_msg_type(type());
  out.set_msg_code(code());
  out.set_checksum(0);
  out.set_rest(0);  // reserved fields are zero unless set below
  std::visit(Overloaded{
                 [&]<Icmpv6Type T>(const Icmpv6Echo<T>& m) {
                   store_be16(b, 4, m.ident);
                   store_be16(b, 6, m.seq_no);
                   copy_bytes(m.data, b.subspan(kIcmpv6HeaderLen));
                 },
                 [&]<Icmpv6Type T, class C>(const Icmpv6Error<T, C>& m) {
                   out.set_rest(m.param);
                   copy_bytes(m.invoking, b.subspan(kIcmpv6HeaderLen));
                 },
                 [&](const NdRouterSolicit& m) { copy_bytes(m.options, b.subspan(kRsLen)); },
                 [&](const NdRouterAdvert& m) {
                   store_u8(b, 4, m.cur_hop_limit);
                   store_u8(b, 5,
                            static_cast<std::uint8_t>((m.managed ? kRaManaged : 0) | (m.other ? kRaOther : 0) |
                                                      (m.other_flags & 0x3f)));
                   store_be16(b, 6, m.router_lifetime);
                   store_be32(b, 8, m.reachable_time);
                   store_be32(b, 12, m.retrans_timer);
                   copy_bytes(m.options, b.subspan(kRaLen));
                 },
                 [&](const NdNeighborSolicit& m) {
                   m.target.write(b.subspan(8));
                   copy_bytes(m.options, b.subspan(kNsNaLen));
                 },
                 [&](const NdNeighborAdvert& m) {
                   store_u8(b, 4,
                            static_cast<std::uint8_t>((m.router ? kNaRouter : 0) | (m.solicited ? kNaSolicited : 0) |
                                                      (m.override ? kNaOverride : 0)));
                   m.target.write(b.subspan(8));
                   copy_bytes(m.options, b.subspan(kNsNaLen));
                 },
                 [&](const NdRedirect& m) {
                   m.target.write(b.subspan(8));
                   m.destination.write(b.subspan(24));
                   copy_bytes(m.options, b.subspan(kRedirectLen));
                 },
                 [&](const Icmpv6Other& m) {
                   out.set_rest(m.rest);
                   copy_bytes(m.data, b.subspan(kIcmpv6HeaderLen));
                 },
             },
             message);
  if (mode.fill_tx) out.fill_checksum(src, dst);
}

std::ostream& operator<<(std::ostream& os, const Icmpv6Repr& r) {
  os << "ICMP6, ";
  std::visit(Overloaded{
                 [&](const Icmpv6EchoRequest& m) { os << "echo request, id " << m.ident << ", seq " << m.seq_no; },
                 [&](const Icmpv6EchoReply& m) { os << "echo reply, id " << m.ident << ", seq " << m.seq_no; },
                 [&](const Icmpv6DstUnreachable& m) { print_unreachable(os, m); },
                 [&](const Icmpv6PacketTooBig& m) { os << "packet too big, mtu " << m.param; },
                 [&](const Icmpv6TimeExceeded& m) {
                   switch (m.code) {
                     case Icmpv6TimeExceededCode::hop_limit: os << "time exceeded in-transit"; break;
                     case Icmpv6TimeExceededCode::reassembly: os << "time exceeded reassembly"; break;
                     default: os << "time exceeded, code-#" << static_cast<unsigned>(m.code); break;
                   }
                 },
                 [&](const Icmpv6ParameterProblem& m) {
                   os << "parameter problem, code " << static_cast<unsigned>(m.code) << ", pointer " << m.param;
                 },
                 [&](const NdRouterSolicit&) { os << "router solicitation"; },
                 [&](const NdRouterAdvert& m) {
                   os << "router advertisement, hop limit " << unsigned{m.cur_hop_limit} << ", flags ["
                      << (m.managed ? "managed" : "") << (m.managed && m.other ? ", " : "")
                      << (m.other ? "other stateful" : "") << "], router lifetime " << m.router_lifetime << "s";
                 },
                 [&](const NdNeighborSolicit& m) { os << "neighbor solicitation, who has " << m.target; },
                 [&](const NdNeighborAdvert& m) {
                   os << "neighbor advertisement, tgt is " << m.target << ", Flags [";
                   const char* sep = "";
                   if (m.router) os << std::exchange(sep, ", ") << "router";
                   if (m.solicited) os << std::exchange(sep, ", ") << "solicited";
                   if (m.override) os << std::exchange(sep, ", ") << "override";
                   os << "]";
                 },
                 [&](const NdRedirect& m) { os << "redirect, " << m.destination << " to " << m.target; },
                 [&](const Icmpv6Other& m) { os << m.type << ", code " << static_cast<unsigned>(m.code); },
             },
             r.message);
  return os << ", length " << r.buffer_len();
}

WireResult<Icmpv6Invoking> parse_invoking(Bytes invoking) {
  auto header = Ipv6Repr::parse_quoted(invoking);
  if (!header) return Unexpected{header.error()};
  // The quote may be cut anywhere, and the original packet's payload length
  // may be longer than what is quoted: follow the chain over what is there.
  const std::size_t end = std::min(invoking.size(), header->total_len());
  Icmpv6Invoking out{.header = *header, .protocol = header->next_header, .upper = {}};
  std::size_t off = kIpv6HeaderLen;
  for (std::size_t count = 0; count <= Ipv6ChainLimits{}.max_headers; ++count) {
    const IpProtocol p = out.protocol;
    const bool ext = p == ipv6_next::kHopByHop || p == ipv6_next::kRouting || p == ipv6_next::kDestOptions ||
                     p == ipv6_next::kFragment;
    if (!ext) {
      if (p != ipv6_next::kNoNext) out.upper = invoking.subspan(off, end - off);
      return out;
    }
    if (end - off < 8) return out;
    const std::size_t len = p == ipv6_next::kFragment ? 8 : (std::size_t{load_u8(invoking, off + 1)} + 1) * 8;
    out.protocol = IpProtocol{load_u8(invoking, off)};
    // A later fragment quotes data, not the upper layer's header.
    if (p == ipv6_next::kFragment && (load_be16(invoking, off + 2) & 0xfff8) != 0) return out;
    if (len > end - off) return out;
    off += len;
  }
  return out;
}

bool icmpv6_error_allowed(Icmpv6Type type, std::uint8_t code, const Ipv6Repr& invoking,
                          std::optional<Icmpv6Type> invoking_icmp, bool link_multicast) {
  // (e.1) "An ICMPv6 error message." (e.2) "An ICMPv6 redirect message."
  if (invoking_icmp &&
      (static_cast<std::uint8_t>(*invoking_icmp) < 128 || *invoking_icmp == Icmpv6Type::redirect)) {
    return false;
  }
  // (e.3)-(e.5): multicast destinations, link-layer multicast or broadcast,
  // "exceptions to this rule: (1) the Packet Too Big Message ... (2) the
  // Parameter Problem Message, Code 2 ... unrecognized IPv6 option".
  const bool exception =
      type == Icmpv6Type::packet_too_big ||
      (type == Icmpv6Type::param_problem && code == static_cast<std::uint8_t>(Icmpv6ParamProblemCode::unrecognized_option));
  if ((invoking.dst.is_multicast() || link_multicast) && !exception) return false;
  // (e.6) "A packet whose source address does not uniquely identify a single
  // node -- e.g., the IPv6 Unspecified Address, an IPv6 multicast address".
  return !invoking.src.is_unspecified() && !invoking.src.is_multicast();
}

}  // namespace wirestack
