// iface/interface_ipv6.cpp — IPv6 in the interface (issue 13):
// addresses (static, plus each NIC's link-local fe80::/64 + modified EUI-64),
// input (checked, martians dropped, the extension-header walk of
// wire/ipv6_ext.hpp, reassembly by ip::Reassembler6, Parameter Problem where
// the walker asks for it), ICMPv6 echo, Neighbor Discovery for address
// resolution (RFC 4861 7: NS answered with NA, NA/NS learnt through
// ip::NeighborCache after check_nd()), and output to on-link destinations
// (TCP, UDP, ICMPv6) with the transport checksum over the IPv6
// pseudo-header (IpPair of two IPv6 addresses, RFC 8200 8.1).
//
// DAD, router discovery, SLAAC and the NS/NA/RA/RS handling are in
// interface_nd.cpp; forwarding and Router Advertisements in
// interface_router6.cpp. Routes: on-link prefixes (our addresses', and RAs'
// with the L flag), then a default router learnt from RAs, a Redirect's
// first hop before either (interface_redirect6.cpp). Not done yet: static
// IPv6 routes other than a default router, loopback to our own IPv6
// addresses. ICMPv6 errors about our packets go to TCP and UDP
// in interface_icmp6_errors.cpp.
#include <algorithm>
#include <utility>
#include <variant>

#include "base/assert.hpp"
#include "iface/interface.hpp"
#include "ip/fragmenter6.hpp"
#include "wire/checksum.hpp"
#include "wire/ipv6_ext.hpp"
#include "wire/ndisc.hpp"
#include "wire/tcp.hpp"
#include "wire/udp.hpp"

namespace wirestack::iface {

namespace {

// ff02::1, the all-nodes group (RFC 4291 2.7.1).
constexpr Ipv6Address kAllNodes(0xff02, 0, 0, 0, 0, 0, 0, 1);
constexpr Ipv6Address kAllRouters(0xff02, 0, 0, 0, 0, 0, 0, 2);
constexpr std::uint8_t kNdHopLimit = 255;  // RFC 4861 6.1.2, 7.1.1: proof of on-link origin

}  // namespace

// ---- Addresses ------------------------------------------------------------------

Result<void, std::string> Interface::add_address6(NicId nic, Ipv6Prefix address) {
  Nic& n = nic_ref(nic);
  const Ipv6Address a = address.address();
  if (!a.is_unicast() || a.is_loopback() || a.is_ipv4_mapped()) {
    return Unexpected{"add address " + address.to_string() + ": not a unicast IPv6 address"};
  }
  if (a.is_link_local()) {
    return Unexpected{"add address " + address.to_string() + ": link-local; the NIC has its own (" +
                      n.ll.to_string() + ")"};
  }
  bool tentative = false;
  for (const Nic& other : nics_) {
    for (const Ipv6Prefix& p : other.tentative6) tentative = tentative || p.address() == a;
  }
  if (is_local_address(a) || tentative) {
    return Unexpected{"add address " + address.to_string() + ": this host already has " + a.to_string()};
  }
  if (!autoconf()) {
    n.addresses6.push_back(address);
    return {};
  }
  // RFC 4862 5.4: tentative until DAD passes (started now if the NIC is
  // up, else when it comes up).
  n.tentative6.push_back(address);
  if (n.up) {
    start_dad(nic, address, Duration::zero(), last_now_);
    mld_sync(nic, last_now_);
  }
  return {};
}

const std::vector<Ipv6Prefix>& Interface::addresses6(NicId nic) const { return nic_ref(nic).addresses6; }
const std::vector<Ipv6Prefix>& Interface::tentative6(NicId nic) const { return nic_ref(nic).tentative6; }
Ipv6Address Interface::link_local(NicId nic) const { return nic_ref(nic).ll; }
ip::NeighborCache& Interface::neighbors(NicId nic) { return nic_ref(nic).nd; }

bool Interface::is_local_address(const Ipv6Address& a) const {
  for (const Nic& n : nics_) {
    for (const Ipv6Prefix& p : n.addresses6) {
      if (p.address() == a) return true;
    }
  }
  return false;
}

bool Interface::is_our_multicast_mac(NicId nic, MacAddress dst) const {
  // RFC 2464 7: ff02::1, ff02::2 on routers, and the solicited-node group of
  // each address, tentative ones included (RFC 4862 5.4.2: joined before DAD).
  if (dst == ipv6_multicast_mac(kAllNodes)) return true;
  if (config_.forwarding && dst == ipv6_multicast_mac(kAllRouters)) return true;
  const Nic& n = nic_ref(nic);
  for (const auto* list : {&n.addresses6, &n.tentative6}) {
    for (const Ipv6Prefix& p : *list) {
      if (dst == ipv6_multicast_mac(p.address().solicited_node())) return true;
    }
  }
  return false;
}

bool Interface::accepts_ipv6_dst(NicId nic, const Ipv6Address& dst) const {
  if (dst == kAllNodes) return true;
  if (dst == kAllRouters) return config_.forwarding;
  if (dst.is_multicast()) {
    const Nic& n = nic_ref(nic);
    for (const auto* list : {&n.addresses6, &n.tentative6}) {
      for (const Ipv6Prefix& p : *list) {
        if (dst == p.address().solicited_node()) return true;
      }
    }
    return false;
  }
  return is_local_address(dst);  // the weak host model, as for IPv4
}

Ipv6Address Interface::source_for6(NicId nic, const Ipv6Address& peer) const {
  const Nic& n = nic_ref(nic);
  const Ipv6Address ll = usable6(n, n.ll) ? n.ll : Ipv6Address::unspecified();
  if (peer.is_link_local() || peer.is_multicast()) return ll;
  // RFC 6724's rules, shortened: the longest matching prefix, else any
  // global address of the NIC, else the link-local one.
  std::optional<Ipv6Address> global;
  for (const Ipv6Prefix& p : n.addresses6) {
    if (p.address().is_link_local()) continue;
    if (p.contains(peer)) return p.address();
    if (!global) global = p.address();
  }
  return global.value_or(ll);
}

std::optional<Interface::Egress6> Interface::select_egress6(const Ipv6Address& dst, const Ipv6Address& src) const {
  if (!dst.is_unicast() || dst.is_loopback() || dst.is_ipv4_mapped() || is_local_address(dst)) return std::nullopt;
  const auto egress = [&](std::size_t i, const Ipv6Address& next_hop) -> std::optional<Egress6> {
    const auto nic = static_cast<NicId>(i);
    const Ipv6Address from = src.is_unspecified() ? source_for6(nic, dst) : src;
    if (from.is_unspecified()) return std::nullopt;  // nothing assigned yet (DAD)
    return Egress6{.nic = nic, .next_hop = next_hop, .src = from};
  };
  if (const auto r = redirected_egress6(dst)) return egress(r->nic, r->next_hop);  // RFC 4861 8.3
  if (dst.is_link_local()) {
    // No zone index yet: the first NIC that is up (a host of one link).
    for (std::size_t i = 0; i < nics_.size(); ++i) {
      if (nics_[i].up) return egress(i, dst);
    }
    return std::nullopt;
  }
  // On-link: the prefix of one of our addresses, or one an RA said is on-link.
  for (std::size_t i = 0; i < nics_.size(); ++i) {
    const Nic& n = nics_[i];
    for (const Ipv6Prefix& p : n.addresses6) {
      if (!p.address().is_link_local() && p.contains(dst)) return egress(i, dst);
    }
    for (const Nic::OnLink& p : n.onlink6) {
      if (p.prefix.contains(dst)) return egress(i, dst);
    }
  }
  // Off-link: the default router set by hand, else one learnt from RAs
  // (RFC 4861 6.3.6 prefers one known to be reachable; here the first
  // learnt), on a NIC that is up.
  for (std::size_t i = 0; i < nics_.size(); ++i) {
    if (nics_[i].up && nics_[i].static_router6) return egress(i, *nics_[i].static_router6);
  }
  for (std::size_t i = 0; i < nics_.size(); ++i) {
    if (nics_[i].up && !nics_[i].routers6.empty()) return egress(i, nics_[i].routers6.front().addr);
  }
  return std::nullopt;
}

// ---- Input ------------------------------------------------------------------------

void Interface::receive_ipv6(NicId nic, Bytes payload, bool link_multicast, Instant now) {
  auto packet = Ipv6Packet::checked(payload);
  if (!packet) {
    ++counters_.ipv6.malformed;
    return;
  }
  const Ipv6Address src = packet->src();
  const Ipv6Address dst = packet->dst();
  // RFC 4291 2.7: a multicast address MUST NOT be a source; RFC 4942 2.2 and
  // Linux: IPv4-mapped addresses never appear in real IPv6 headers; ::1 never
  // on a wire (RFC 4291 2.5.3); our own address as source is a reflection.
  if (src.is_multicast() || src.is_ipv4_mapped() || dst.is_ipv4_mapped() || src.is_loopback() ||
      dst.is_loopback() || is_local_address(src)) {
    ++counters_.ipv6.martians;
    return;
  }
  last_now_ = now;
  ++counters_.ipv6.rx;
  if (!accepts_ipv6_dst(nic, dst)) {
    const Nic& n = nic_ref(nic);
    if (std::any_of(n.tentative6.begin(), n.tentative6.end(), [&](const Ipv6Prefix& p) { return p.address() == dst; })) {
      ++counters_.ipv6.to_tentative;  // RFC 4862 5.4: "silently discard" (ND for it went to its group)
      return;
    }
    if (config_.forwarding && !dst.is_multicast()) {
      forward6(nic, Ipv6Packet(packet->packet()), link_multicast, now);
      return;
    }
    ++counters_.ipv6.not_for_us;
    return;
  }
  deliver_ipv6(nic, Ipv6Packet(packet->packet()), link_multicast, now);
}

void Interface::deliver_ipv6(NicId nic, Ipv6Packet packet, bool link_multicast, Instant now) {
  const Ipv6Repr ip = Ipv6Repr::parse(packet);
  const auto chain = walk_ipv6_chain(packet);
  if (const auto* pp = std::get_if<Ipv6ParamProblem>(&chain)) {
    ++counters_.ipv6.chain_drops;
    send_icmpv6_error(packet.packet(),
                      Icmpv6Repr{.message = Icmpv6ParameterProblem{.code = pp->code,
                                                                    .param = pp->pointer,
                                                                    .invoking = icmpv6_quote(packet.packet())}},
                      link_multicast, now);
    return;
  }
  const auto* d = std::get_if<Ipv6Deliver>(&chain);
  if (d == nullptr) {
    ++counters_.ipv6.chain_drops;
    return;
  }
  if (d->fragment && !d->fragment->header.atomic()) {
    ++counters_.ipv6.fragments_rx;
    auto r = reassembler6_.accept(packet, *d->fragment, now);
    if (std::holds_alternative<ip::Reassembly6Drop>(r)) {
      ++counters_.ipv6.reassembly_drops;
      return;
    }
    auto* whole = std::get_if<ip::Reassembled6>(&r);
    if (whole == nullptr) return;  // pending
    ++counters_.ipv6.reassembled;
    const ip::Reassembled6 done = std::move(*whole);
    const bool trusted = std::exchange(rx_l4_checksum_ok_, false);
    deliver_ipv6(nic, done.view(), link_multicast, now);  // walked again: no Fragment header now
    rx_l4_checksum_ok_ = trusted;
    return;
  }
  const Bytes upper = packet.packet().subspan(d->offset);
  switch (d->protocol) {
    case IpProtocol::icmpv6:
      ++counters_.ipv6.delivered;
      receive_icmpv6(nic, packet, ip, upper, link_multicast, now);
      return;
    case IpProtocol::udp:
      ++counters_.ipv6.delivered;
      receive_udp6(packet, ip, upper, link_multicast, now);
      return;
    case IpProtocol::tcp:
      ++counters_.ipv6.delivered;
      if (link_multicast || ip.dst.is_multicast() || ip.src.is_unspecified()) {
        ++counters_.tcp.rx_broadcast;  // RFC 1122 4.2.3.10's rule, for IPv6 groups
        return;
      }
      receive_tcp6(ip, upper, now);
      return;
    default:
      // RFC 8200 4: an unrecognised Next Header: Parameter Problem code 1
      // pointing at the byte that named it.
      ++counters_.ipv6.unknown_protocol;
      send_icmpv6_error(packet.packet(),
                        Icmpv6Repr{.message = Icmpv6ParameterProblem{
                                       .code = Icmpv6ParamProblemCode::unrecognized_next_header,
                                       .param = static_cast<std::uint32_t>(d->next_header_pointer),
                                       .invoking = icmpv6_quote(packet.packet())}},
                        link_multicast, now);
      return;
  }
}

void Interface::receive_icmpv6(NicId nic, Ipv6Packet /*packet*/, const Ipv6Repr& ip, Bytes upper,
                               bool link_multicast, Instant now) {
  auto view = Icmpv6Packet::checked(upper);
  if (!view) {
    ++counters_.icmpv6.rx_malformed;
    return;
  }
  auto msg = Icmpv6Repr::parse(*view, ip.src, ip.dst, config_.checksum);
  if (!msg) {
    ++counters_.icmpv6.rx_malformed;
    return;
  }
  ++counters_.icmpv6.rx;
  ++counters_.icmpv6.rx_by_type[static_cast<std::uint8_t>(msg->type())];
  if (msg->is_nd()) {
    receive_nd(nic, ip, *msg, now);
    return;
  }
  if (const auto* other = std::get_if<Icmpv6Other>(&msg->message);
      other != nullptr && static_cast<std::uint8_t>(other->type) == kMldQueryType) {
    receive_mld_query(nic, ip, *other, now);  // interface_mld.cpp
    return;
  }
  if (const auto* req = std::get_if<Icmpv6EchoRequest>(&msg->message)) {
    // RFC 4443 4.2: every node answers; to a multicast group the reply
    // comes from one of our unicast addresses (4.2, Linux icmpv6_echo_reply).
    if (ip.src.is_unspecified()) return;
    (void)link_multicast;
    const Ipv6Address src = ip.dst.is_multicast() ? source_for6(nic, ip.src) : ip.dst;
    (void)send_icmpv6(ip.src, src, Icmpv6Repr{.message = echo_reply_to(*req)}, now);
    return;
  }
  if (const auto* reply = std::get_if<Icmpv6EchoReply>(&msg->message)) {
    if (ping6_replies_.size() >= config_.max_ping_replies) {
      ++counters_.icmpv6.queue_drops;
      return;
    }
    ping6_replies_.push_back(Ping6Reply{.from = ip.src,
                                        .ident = reply->ident,
                                        .seq = reply->seq_no,
                                        .hop_limit = ip.hop_limit,
                                        .payload_len = reply->data.size(),
                                        .at = now});
    return;
  }
  handle_icmpv6_error(ip.src, *msg, now);  // interface_icmp6_errors.cpp
}

void Interface::release_nd(NicId nic, std::vector<ip::ReadyPacket6>& released) {
  if (released.empty()) return;
  Nic& n = nic_ref(nic);
  for (ip::ReadyPacket6& p : released) {
    std::erase(n.resolving6, p.next_hop);
    send_frame(nic, p.mac, EtherType::ipv6, p.packet);
    ++counters_.ipv6.tx;
  }
  resolution_ended();
}

void Interface::receive_udp6(Ipv6Packet packet, const Ipv6Repr& ip, Bytes upper, bool link_multicast, Instant now) {
  auto view = UdpPacket::checked(upper);
  if (!view || ip.src.is_unspecified()) {
    ++counters_.udp.rx_malformed;
    return;
  }
  ChecksumMode mode = config_.checksum;
  if (rx_l4_checksum_ok_) mode.verify_rx = false;
  // RFC 8200 8.1: the UDP checksum is mandatory over IPv6 (UdpRepr refuses 0
  // for an IPv6 pair).
  auto udp = UdpRepr::parse(*view, ip.ips(), mode);
  if (!udp) {
    ++counters_.udp.rx_malformed;
    return;
  }
  const bool multicast = link_multicast || ip.dst.is_multicast();
  switch (udp_.deliver(IpEndpoint{ip.src, udp->src_port}, IpEndpoint{ip.dst, udp->dst_port}, view->payload(),
                       ip.hop_limit, now, multicast)) {
    case udp::DeliverStatus::delivered: ++counters_.udp.rx; return;
    case udp::DeliverStatus::queue_full: ++counters_.udp.rcvbuf_drops; return;
    case udp::DeliverStatus::no_socket:
    default:
      ++counters_.udp.no_port;
      // RFC 4443 3.1: Destination Unreachable, code 4 (port unreachable).
      send_icmpv6_error(packet.packet(),
                        Icmpv6Repr{.message = Icmpv6DstUnreachable{.code = Icmpv6UnreachableCode::port,
                                                                   .invoking = icmpv6_quote(packet.packet())}},
                        link_multicast, now);
      return;
  }
}

void Interface::receive_tcp6(const Ipv6Repr& ip, Bytes upper, Instant now) {
  deliver_tcp(upper, ip.ips(), static_cast<std::uint8_t>(ip.traffic_class & 3), now);
}

// ---- ICMPv6 and ND output -------------------------------------------------------

void Interface::send_icmpv6_error(Bytes invoking, const Icmpv6Repr& error, bool link_multicast, Instant now) {
  auto quoted = Ipv6Repr::parse_quoted(invoking);
  if (!quoted) return;
  // The invoking packet's ICMPv6 type, when it is ICMPv6 right after the
  // fixed header (no error about an error, RFC 4443 2.4(e.1)).
  std::optional<Icmpv6Type> invoking_icmp;
  if (quoted->next_header == IpProtocol::icmpv6 && invoking.size() > kIpv6HeaderLen) {
    invoking_icmp = Icmpv6Type{load_u8(invoking, kIpv6HeaderLen)};
  }
  if (!icmpv6_error_allowed(error.type(), error.code(), *quoted, invoking_icmp, link_multicast) ||
      is_local_address(quoted->src)) {
    ++counters_.icmpv6.errors_suppressed;
    return;
  }
  // The same token bucket as ICMPv4 errors (RFC 4443 2.4(f)).
  if (!icmp_tokens_.take(now)) {
    ++counters_.icmpv6.rate_limited;
    return;
  }
  const Ipv6Address src = quoted->dst.is_unicast() && is_local_address(quoted->dst) ? quoted->dst
                                                                                      : Ipv6Address::unspecified();
  (void)send_icmpv6(quoted->src, src, error, now);
}

Result<void, SendError> Interface::send_icmpv6(Ipv6Address dst, Ipv6Address src, const Icmpv6Repr& icmp,
                                               Instant now, std::optional<std::uint8_t> hop_limit) {
  if (now > last_now_) last_now_ = now;
  const auto eg = select_egress6(dst, src);
  if (!eg) {
    ++counters_.ipv6.no_route;
    return Unexpected{SendError::no_route};
  }
  const std::size_t len = icmp.buffer_len();
  if (len > kIpv6MaxPayloadLen) return Unexpected{SendError::too_big};
  const Ipv6Repr header{.src = eg->src,
                        .dst = dst,
                        .next_header = IpProtocol::icmpv6,
                        .hop_limit = hop_limit.value_or(hop_limit6(eg->nic)),
                        .payload_len = static_cast<std::uint16_t>(len)};
  ByteVec frame = take_frame(kEthernetHeaderLen + header.total_len());
  icmp.emit(Icmpv6PacketMut(MutBytes(frame).subspan(kEthernetHeaderLen + kIpv6HeaderLen, len)), eg->src, dst,
            config_.checksum);
  auto r = output6(*eg, header, frame, now);
  give_frame(std::move(frame));
  if (r) {
    ++counters_.icmpv6.tx;
    ++counters_.icmpv6.tx_by_type[static_cast<std::uint8_t>(icmp.type())];
  }
  return r;
}

void Interface::send_nd(NicId nic, MacAddress eth_dst, const Ipv6Address& src, const Ipv6Address& dst,
                        const Icmpv6Repr& msg) {
  const std::size_t len = msg.buffer_len();
  const Ipv6Repr header{.src = src,
                        .dst = dst,
                        .next_header = IpProtocol::icmpv6,
                        .hop_limit = kNdHopLimit,
                        .payload_len = static_cast<std::uint16_t>(len)};
  ByteVec packet(header.total_len());
  header.emit(Ipv6PacketMut(packet));
  msg.emit(Icmpv6PacketMut(MutBytes(packet).subspan(kIpv6HeaderLen)), src, dst, config_.checksum);
  send_frame(nic, eth_dst, EtherType::ipv6, packet);
  ++counters_.ipv6.tx;
  ++counters_.icmpv6.tx;
  ++counters_.icmpv6.tx_by_type[static_cast<std::uint8_t>(msg.type())];
}

void Interface::send_ns(NicId nic, const ip::Solicit& s) {
  const Nic& n = nic_ref(nic);
  NdOptions opts;
  opts.source_ll = n.mac;  // RFC 4861 7.2.2: SHOULD include it (MUST for multicast, 4.3)
  ByteVec options(opts.buffer_len());
  opts.emit(options);
  const Icmpv6Repr ns{.message = NdNeighborSolicit{.target = s.target, .options = options}};
  const Ipv6Address dst = s.unicast ? s.target : s.target.solicited_node();
  const MacAddress mac = s.unicast ? s.mac : ipv6_multicast_mac(dst);
  send_nd(nic, mac, source_for6(nic, s.target), dst, ns);
  ++counters_.icmpv6.ns_tx;
}

void Interface::poll_nd(NicId nic, Instant now) {
  Nic& n = nic_ref(nic);
  auto due = n.nd.poll(now);
  for (const ip::Solicit& s : due.solicits) {
    send_ns(nic, s);
    if (s.multicast()) note_request(nic, s.target, now);  // resolving; unicast ones probe reachability
  }
  for (const Ipv6Address& a : due.unreachable) note_failed(nic, a, now);
  // RFC 4861 7.2.2: the waiting packets are dropped, with an address
  // unreachable to their source (ours: to the application and transport).
  counters_.ipv6.nd_failures += due.failed.size();
  for (const ip::FailedPacket6& f : due.failed) nd_failed(f, now);
  bool ended = false;
  for (const Ipv6Address& a : due.unreachable) ended = std::erase(n.resolving6, a) > 0 || ended;
  for (const ip::FailedPacket6& f : due.failed) ended = std::erase(n.resolving6, f.next_hop) > 0 || ended;
  if (ended) resolution_ended();
}

// ---- Output ---------------------------------------------------------------------

Result<void, SendError> Interface::send_ipv6(Ipv6Address dst, IpProtocol protocol, Bytes payload, Instant now,
                                             Ipv6Address src) {
  const auto eg = select_egress6(dst, src);
  if (!eg) {
    ++counters_.ipv6.no_route;
    return Unexpected{SendError::no_route};
  }
  if (payload.size() > kIpv6MaxPayloadLen) return Unexpected{SendError::too_big};
  const Ipv6Repr header{.src = eg->src,
                        .dst = dst,
                        .next_header = protocol,
                        .hop_limit = hop_limit6(eg->nic),
                        .payload_len = static_cast<std::uint16_t>(payload.size())};
  ByteVec frame = take_frame(kEthernetHeaderLen + header.total_len());
  std::copy(payload.begin(), payload.end(),
            frame.begin() + static_cast<std::ptrdiff_t>(kEthernetHeaderLen + kIpv6HeaderLen));
  auto r = output6(*eg, header, frame, now);
  give_frame(std::move(frame));
  return r;
}

Result<void, SendError> Interface::send_ping6(Ipv6Address dst, std::uint16_t ident, std::uint16_t seq,
                                              std::size_t payload_len, Instant now,
                                              std::optional<std::uint8_t> hop_limit) {
  if (payload_len > kIpv6MaxPayloadLen - kIcmpv6HeaderLen) return Unexpected{SendError::too_big};
  ByteVec data(payload_len);
  for (std::size_t i = 0; i < payload_len; ++i) data[i] = static_cast<std::byte>(i & 0xff);
  return send_icmpv6(dst, Ipv6Address::unspecified(),
                     Icmpv6Repr{.message = Icmpv6EchoRequest{.ident = ident, .seq_no = seq, .data = data}}, now,
                     hop_limit);
}

std::uint8_t Interface::hop_limit6(NicId nic) const {
  const std::uint8_t advertised = nic_ref(nic).ra_hop_limit;
  return advertised != 0 ? advertised : config_.default_ttl;
}

std::vector<Ping6Reply> Interface::take_ping6_replies() {
  std::vector<Ping6Reply> out(ping6_replies_.begin(), ping6_replies_.end());
  ping6_replies_.clear();
  return out;
}

Result<void, SendError> Interface::output6(const Egress6& eg, const Ipv6Repr& header, ByteVec& frame, Instant now) {
  const std::size_t total = header.total_len();
  WIRESTACK_ASSERT(frame.size() >= kEthernetHeaderLen + total);
  Nic& n = nic_ref(eg.nic);
  if (!n.up) {
    ++counters_.eth.tx_nic_down;
    return Unexpected{SendError::nic_down};
  }
  const MutBytes packet = MutBytes(frame).subspan(kEthernetHeaderLen, total);
  header.emit(Ipv6PacketMut(packet));
  const std::uint16_t mtu = path_mtu6(eg.nic, header.dst);
  if (total > mtu) {
    // RFC 8200 5: the source fragments (routers never do), to the path's MTU.
    auto pieces = ip::fragment6(packet, next_ident6_++, mtu);
    if (!pieces) {
      ++counters_.ipv6.too_big;
      return Unexpected{SendError::too_big};
    }
    counters_.ipv6.fragments_tx += pieces->size();
    Result<void, SendError> result;
    for (ByteVec& piece : *pieces) {
      auto r = output6_packet(eg, std::move(piece), now);
      if (!r && result) result = r;
    }
    return result;
  }
  // The hit: the Ethernet header in front, the frame sent as it is.
  std::optional<MacAddress> mac;
  if (header.dst.is_multicast()) {
    mac = ipv6_multicast_mac(header.dst);
  } else {
    mac = n.nd.resolved(eg.next_hop, now);
  }
  if (!mac) return output6_packet(eg, ByteVec(packet.begin(), packet.end()), now);
  const EthernetRepr eth{.src = n.mac, .dst = *mac, .ethertype = EtherType::ipv6};
  eth.emit(EthernetFrameMut(MutBytes(frame).first(kEthernetHeaderLen)));
  ++counters_.eth.tx;
  ++counters_.ipv6.tx;
  sink_.transmit_owned(eg.nic, frame, kEthernetHeaderLen + total);
  note_room(eg.nic);
  return {};
}

Result<void, SendError> Interface::output6_packet(const Egress6& eg, ByteVec packet, Instant now) {
  Nic& n = nic_ref(eg.nic);
  if (eg.next_hop.is_multicast()) {
    send_frame(eg.nic, ipv6_multicast_mac(eg.next_hop), EtherType::ipv6, packet);
    ++counters_.ipv6.tx;
    return {};
  }
  const auto r = n.nd.resolve_or_queue(eg.next_hop, std::move(packet), now);
  switch (r.status) {
    case ip::NdResolveStatus::resolved:
      send_frame(eg.nic, r.mac, EtherType::ipv6, packet);
      ++counters_.ipv6.tx;
      if (r.poll_due) poll_nd(eg.nic, now);
      return {};
    case ip::NdResolveStatus::queued:
      if (std::find(n.resolving6.begin(), n.resolving6.end(), eg.next_hop) == n.resolving6.end()) {
        n.resolving6.push_back(eg.next_hop);
      }
      resolving_ = true;  // TCP waits for the NA (has_room_for)
      if (r.poll_due) poll_nd(eg.nic, now);  // the NS goes out at once
      return {};
    case ip::NdResolveStatus::queue_full:
    case ip::NdResolveStatus::table_full:
    default:
      ++counters_.ipv6.nd_queue_drops;
      return Unexpected{SendError::arp_queue_full};
  }
}

void Interface::send_udp_datagram6(udp::Outgoing& o, Instant now) {
  if (!o.src.addr.is_unspecified() && !is_local_address(o.src.addr)) o.src.addr = Ipv6Address::unspecified();
  const Ipv6Address dst = o.dst.addr.v6();
  const auto eg = select_egress6(dst, o.src.addr.v6());
  const std::size_t udp_len = kUdpHeaderLen + o.payload.size();
  if (!eg) {
    ++counters_.ipv6.no_route;
    ++counters_.udp.tx_errors;
    udp_.report_error(o.socket, udp::Errc::net_unreachable);
    return;
  }
  if (udp_len > kIpv6MaxPayloadLen) {
    ++counters_.udp.tx_errors;
    udp_.report_error(o.socket, udp::Errc::message_too_long);
    return;
  }
  const Ipv6Repr header{.src = eg->src,
                        .dst = dst,
                        .next_header = IpProtocol::udp,
                        .hop_limit = o.ttl.value_or(hop_limit6(eg->nic)),
                        .payload_len = static_cast<std::uint16_t>(udp_len)};
  ByteVec frame = take_frame(kEthernetHeaderLen + header.total_len());
  const MutBytes segment = MutBytes(frame).subspan(kEthernetHeaderLen + kIpv6HeaderLen, udp_len);
  UdpRepr{.src_port = o.src.port, .dst_port = o.dst.port}.emit(UdpPacketMut(segment), header.ips(), o.payload,
                                                                config_.checksum);
  auto r = output6(*eg, header, frame, now);
  give_frame(std::move(frame));
  if (!r) {
    ++counters_.udp.tx_errors;
    if (r.error() == SendError::too_big) udp_.report_error(o.socket, udp::Errc::message_too_long);
    return;
  }
  ++counters_.udp.tx;
}

void Interface::send_segment6(const Ipv6Address& src, const Ipv6Address& dst, const TcpRepr& header,
                              storage::SpanPair payload, std::uint8_t ecn, Instant now) {
  const auto eg = select_egress6(dst, src);
  if (!eg) {
    ++counters_.ipv6.no_route;
    ++counters_.tcp.tx_errors;
    return;
  }
  const std::size_t hlen = header.header_len();
  const std::size_t seg_len = hlen + payload.size();
  const Ipv6Repr ip{.src = src,
                    .dst = dst,
                    .next_header = IpProtocol::tcp,
                    .hop_limit = hop_limit6(eg->nic),
                    .traffic_class = ecn,  // DSCP 0, then the ECN field (RFC 3168 9.1)
                    .payload_len = static_cast<std::uint16_t>(seg_len)};
  const IpPair ips = ip.ips();
  ByteVec frame = take_frame(kEthernetHeaderLen + ip.total_len());
  const MutBytes segment = MutBytes(frame).subspan(kEthernetHeaderLen + kIpv6HeaderLen, seg_len);
  const MutBytes data = segment.subspan(hlen);
  if (config_.checksum.fill_tx) {
    // Summed while copied, as for IPv4 (interface_output.cpp).
    std::uint16_t sum = checksum::copy_and_sum(data, payload.first);
    std::uint16_t second = checksum::copy_and_sum(data.subspan(payload.first.size()), payload.second);
    if (payload.first.size() % 2 != 0) second = static_cast<std::uint16_t>(second << 8 | second >> 8);
    sum = checksum::add(sum, second);
    header.emit_summed(TcpPacketMut(segment), ips, sum);
  } else {
    std::copy(payload.first.begin(), payload.first.end(), data.begin());
    std::copy(payload.second.begin(), payload.second.end(),
              data.begin() + static_cast<std::ptrdiff_t>(payload.first.size()));
    header.emit(TcpPacketMut(segment), ips, Bytes(data), config_.checksum);
  }
  auto r = output6(*eg, ip, frame, now);
  give_frame(std::move(frame));
  if (!r) {
    ++counters_.tcp.tx_errors;
    return;
  }
  ++counters_.tcp.tx;
}

}  // namespace wirestack::iface
