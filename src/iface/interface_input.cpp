// iface/interface_input.cpp — the ingress path: Ethernet, ARP, IPv4 (local
// delivery with reassembly, or forwarding), ICMP and UDP input.
#include <utility>
#include <variant>

#include "iface/interface.hpp"
#include "ip/fragmenter.hpp"
#include "transport/error.hpp"
#include "wire/tcp.hpp"
#include "wire/arp.hpp"
#include "wire/ethernet.hpp"
#include "wire/udp.hpp"

namespace wirestack::iface {

void Interface::receive(NicId nic, Bytes frame, Instant now) {
  const Nic& n = nic_ref(nic);
  if (!n.up) {
    ++counters_.eth.rx_nic_down;
    return;
  }
  auto eth = EthernetFrame::checked(frame);
  if (!eth) {
    ++counters_.eth.rx_malformed;
    return;
  }
  ++counters_.eth.rx;
  const MacAddress dst = eth->dst();
  const bool link_broadcast = dst.is_broadcast();
  if (dst != n.mac && !link_broadcast && !(eth->ethertype() == EtherType::ipv6 && is_our_multicast_mac(nic, dst))) {
    ++counters_.eth.rx_not_for_us;
    return;
  }
  if (eth->has_vlan()) {
    ++counters_.eth.rx_unknown_type;
    return;
  }
  switch (eth->ethertype()) {
    case EtherType::arp: receive_arp(nic, eth->payload(), now); return;
    case EtherType::ipv4: receive_ipv4(nic, eth->payload(), link_broadcast, now); return;
    case EtherType::ipv6: receive_ipv6(nic, eth->payload(), dst != n.mac, now); return;
    default: ++counters_.eth.rx_unknown_type; return;
  }
}

void Interface::receive_checksummed(NicId nic, Bytes frame, Instant now) {
  rx_l4_checksum_ok_ = true;
  receive(nic, frame, now);
  rx_l4_checksum_ok_ = false;
}

void Interface::receive_arp(NicId nic, Bytes payload, Instant now) {
  auto packet = ArpPacket::checked(payload);
  if (!packet) {
    ++counters_.arp.rx_malformed;
    return;
  }
  auto arp = ArpRepr::parse(*packet);
  if (!arp) {
    ++counters_.arp.rx_malformed;
    return;
  }
  ++counters_.arp.rx;
  Nic& n = nic_ref(nic);
  if (arp->source_hardware != n.mac) {
    for (const Ipv4Prefix& p : n.addresses) {
      if (p.address() == arp->source_protocol) return arp_conflict(nic, *arp, now);
    }
  }
  // With several addresses on the NIC, the cache answers for the one asked about.
  Ipv4Address my_ip = n.addresses.empty() ? Ipv4Address::any() : n.addresses.front().address();
  for (const Ipv4Prefix& p : n.addresses) {
    if (p.address() == arp->target_protocol) my_ip = p.address();
  }
  auto in = n.arp.on_arp(*arp, my_ip, n.mac, now);
  if (in.verdict == link::ArpVerdict::resolved) note_resolved(nic, arp->source_protocol, arp->source_hardware, now);
  if (in.reply) {
    send_arp(nic, *in.reply, in.reply->target_hardware);
    ++counters_.arp.tx_replies;
    if (!arp->source_protocol.is_unspecified()) note_answered(nic, arp->source_protocol, arp->target_protocol, now);
  }
  for (const link::ReadyPacket& p : in.released) {
    send_frame(nic, p.mac, EtherType::ipv4, p.datagram);
    ++counters_.ipv4.tx;
  }
  if (!in.released.empty()) resolution_ended();
}

// RFC 5227 2.4: somebody else claims one of our addresses. Defend it with an
// announcement (b) unless a conflict was seen within DEFEND_INTERVAL, and
// report it; the packet itself is not merged into the cache (it maps our
// own address).
void Interface::arp_conflict(NicId nic, const ArpRepr& arp, Instant now) {
  constexpr Duration kDefendInterval = std::chrono::seconds{10};
  Nic& n = nic_ref(nic);
  ++counters_.arp.conflicts;
  const bool defend = !n.last_conflict || now - *n.last_conflict >= kDefendInterval;
  n.last_conflict = now;
  if (defend && n.up) {
    send_arp(nic, ArpRepr::request(n.mac, arp.source_protocol, arp.source_protocol), MacAddress::broadcast());
    ++counters_.arp.tx_gratuitous;
  }
  constexpr std::size_t kMaxConflicts = 64;
  if (arp_conflicts_.size() >= kMaxConflicts) arp_conflicts_.pop_front();
  arp_conflicts_.push_back(ArpConflict{nic, arp.source_protocol, arp.source_hardware, defend && n.up, now});
}

std::vector<ArpConflict> Interface::take_arp_conflicts() {
  std::vector<ArpConflict> out(arp_conflicts_.begin(), arp_conflicts_.end());
  arp_conflicts_.clear();
  return out;
}

std::ostream& operator<<(std::ostream& os, const ArpConflict& c) {
  os << c.address << " is also used by " << c.other << " (ARP conflict on nic " << c.nic << ")";
  return os << (c.defended ? ": defended with an announcement" : ": not defended again within 10 s");
}

void Interface::receive_ipv4(NicId nic, Bytes payload, bool link_broadcast, Instant now) {
  auto packet = Ipv4Packet::checked(payload);
  if (!packet) {
    ++counters_.ipv4.malformed;
    return;
  }
  auto repr = Ipv4Repr::parse(*packet, config_.checksum);
  if (!repr) {
    ++counters_.ipv4.malformed;
    return;
  }
  // RFC 1122 3.2.1.3: a host MUST silently discard a datagram whose source
  // is a broadcast or multicast address; 127.0.0.0/8 "MUST NOT appear
  // outside a host", as source or destination. A datagram from the wire
  // claiming one of our own addresses as its source is spoofed (Linux
  // fib_validate_source): answering it would talk to ourselves.
  if (is_martian_source(repr->src) || repr->dst.is_loopback() || is_local_address(repr->src)) {
    ++counters_.ipv4.martians;
    return;
  }
  ++counters_.ipv4.rx;
  // From here on the datagram is exactly total_len bytes (no link padding).
  const Ipv4Packet datagram(packet->bytes().first(packet->total_len()));
  const Ipv4Address dst = repr->dst;
  const bool ip_broadcast = dst.is_broadcast() || is_broadcast_for(nic, dst);
  if (is_local_address(dst) || ip_broadcast) {
    deliver_local(nic, datagram, *repr, ip_broadcast || link_broadcast, now);
    return;
  }
  if (!config_.forwarding || dst.is_multicast()) {
    ++counters_.ipv4.not_for_us;
    return;
  }
  forward(nic, datagram, *repr, link_broadcast, now);
}

void Interface::deliver_local(NicId nic, Ipv4Packet packet, const Ipv4Repr& repr, bool broadcast, Instant now) {
  if (repr.is_fragment()) {
    ++counters_.ipv4.fragments_rx;
    auto result = reassembler_.accept(repr, packet.payload(), now);
    if (std::holds_alternative<ip::ReassemblyDrop>(result)) {
      ++counters_.ipv4.reassembly_drops;
      return;
    }
    auto* whole = std::get_if<ip::Reassembled>(&result);
    if (whole == nullptr) return;  // pending: more fragments to come
    ++counters_.ipv4.reassembled;
    const ip::Reassembled done = std::move(*whole);
    const bool trusted = std::exchange(rx_l4_checksum_ok_, false);  // other fragments were not the device's
    deliver_local(nic, Ipv4Packet(done.datagram), done.header, broadcast, now);
    rx_l4_checksum_ok_ = trusted;
    return;
  }
  ++counters_.ipv4.delivered;
  switch (repr.protocol) {
    case IpProtocol::icmp: receive_icmp(packet, repr, broadcast, now); return;
    case IpProtocol::udp: receive_udp(nic, packet, repr, broadcast, now); return;
    case IpProtocol::tcp: receive_tcp(packet, repr, broadcast, now); return;
    default:
      // RFC 1122 3.2.2.1: a host SHOULD send Protocol Unreachable.
      ++counters_.ipv4.unknown_protocol;
      if (broadcast || !may_send_icmp_error(packet, repr, broadcast)) return;
      send_icmp_error(Icmpv4DstUnreachable{.code = Icmpv4UnreachableCode::protocol, .quote = quote_of(packet)}, now);
      return;
  }
}

void Interface::receive_icmp(Ipv4Packet packet, const Ipv4Repr& repr, bool broadcast, Instant now) {
  auto view = Icmpv4Packet::checked(packet.payload());
  if (!view) {
    ++counters_.icmp.rx_malformed;
    return;
  }
  auto icmp = Icmpv4Repr::parse(*view, config_.checksum);
  if (!icmp) {
    ++counters_.icmp.rx_malformed;
    return;
  }
  ++counters_.icmp.rx;
  ++counters_.icmp.rx_by_type[static_cast<std::uint8_t>(icmp->type())];

  if (const auto* req = std::get_if<Icmpv4EchoRequest>(&icmp->message)) {
    // RFC 1122 3.2.2.6: "Every host MUST implement an ICMP Echo server";
    // echo to a broadcast "MAY be silently discarded" (Linux does).
    if (broadcast && !config_.answer_broadcast_echo) return;
    const Ipv4Address src = repr.dst.is_unicast() && is_local_address(repr.dst) ? repr.dst : Ipv4Address::any();
    if (auto r = send_icmp(repr.src, src, Icmpv4Repr{.message = echo_reply_to(*req)}, now); !r) {
      // Counted by the output path (no route, ARP queue full).
    }
    return;
  }
  if (const auto* reply = std::get_if<Icmpv4EchoReply>(&icmp->message)) {
    if (ping_replies_.size() >= config_.max_ping_replies) {
      ++counters_.icmp.queue_drops;
      return;
    }
    ping_replies_.push_back(PingReply{.from = repr.src,
                                      .ident = reply->ident,
                                      .seq = reply->seq_no,
                                      .ttl = repr.ttl,
                                      .payload_len = reply->data.size(),
                                      .at = now});
    return;
  }
  const Icmpv4Quote* quote = nullptr;
  IcmpError e{.from = repr.src, .type = icmp->type(), .code = icmp->code(), .at = now};
  if (const auto* u = std::get_if<Icmpv4DstUnreachable>(&icmp->message)) {
    quote = &u->quote;
    e.next_hop_mtu = u->next_hop_mtu;
  } else if (const auto* t = std::get_if<Icmpv4TimeExceeded>(&icmp->message)) {
    quote = &t->quote;
  }
  if (quote == nullptr) return;  // other types: counted, not acted on
  e.orig_src = quote->header.src;
  e.orig_dst = quote->header.dst;
  e.orig_protocol = quote->header.protocol;
  e.orig_ident = quote->header.ident;
  e.orig_total_len = static_cast<std::uint16_t>(quote->header.total_len());
  const Bytes data = quote->data;
  if (quote->header.frag_offset == 0) {
    if (e.orig_protocol == IpProtocol::icmp && data.size() >= 8) {
      e.src_port = load_be16(data, 4);  // echo ident
      e.dst_port = load_be16(data, 6);  // echo seq
    } else if (e.orig_protocol != IpProtocol::icmp && data.size() >= 4) {
      e.src_port = load_be16(data, 0);
      e.dst_port = load_be16(data, 2);
      if (e.orig_protocol == IpProtocol::tcp && data.size() >= 8) e.orig_tcp_seq = load_be32(data, 4);
    }
  }
  handle_icmp_error(e);
}

namespace {

// What an ICMPv4 error means, family-neutral (transport/error.hpp decides
// what a socket makes of it). nullopt: a type no socket hears about.
std::optional<transport::IcmpReason> reason_of(Icmpv4Type type, std::uint8_t code) {
  using R = transport::IcmpReason;
  if (type == Icmpv4Type::time_exceeded) return R::time_exceeded;
  if (type != Icmpv4Type::dst_unreachable) return std::nullopt;
  switch (Icmpv4UnreachableCode{code}) {
    case Icmpv4UnreachableCode::port: return R::port_unreachable;
    case Icmpv4UnreachableCode::protocol: return R::protocol_unreachable;
    case Icmpv4UnreachableCode::net:
    case Icmpv4UnreachableCode::net_unknown:
    case Icmpv4UnreachableCode::net_tos: return R::net_unreachable;
    case Icmpv4UnreachableCode::frag_needed: return R::packet_too_big;
    default: return R::host_unreachable;  // host, source route, prohibited, ...: EHOSTUNREACH
  }
}

}  // namespace

void Interface::handle_icmp_error(const IcmpError& e) {
  push_icmp_error(e);
  const auto reason = reason_of(e.type, e.code);
  if (!reason) return;
  const IpEndpoint local{e.orig_src, e.src_port};
  const IpEndpoint remote{e.orig_dst, e.dst_port};
  if (*reason == transport::IcmpReason::packet_too_big && !e.local && config_.pmtu_discovery &&
      is_local_address(e.orig_src)) {
    const PathMtu reported = reported_path_mtu(e);
    if (e.orig_protocol == IpProtocol::tcp) {
      // Only a report that quotes data in flight of a connection of ours
      // counts, for it and for the destination (RFC 5927 4.1, as Linux's
      // tcp_v4_err): a forged ICMP cannot shrink every path to 552 bytes.
      const auto path_mss = static_cast<std::uint16_t>(reported.mtu - ip_header_len(IpFamily::v4) - 20);
      if (tcp_.on_path_mtu(local, remote, path_mss, e.orig_tcp_seq, e.at)) {
        remember_path_mtu(e.orig_dst, reported, e.at);
        ++counters_.ipv4.pmtu_reductions;
      }
      return;
    }
    remember_path_mtu(e.orig_dst, reported, e.at);
  }
  if (e.orig_protocol == IpProtocol::tcp) {
    if (auto err = transport::error_for(transport::Protocol::tcp, *reason)) {
      tcp_.on_icmp_error(local, remote, *err, e.local);
    }
  } else if (e.orig_protocol == IpProtocol::udp) {
    if (auto err = transport::error_for(transport::Protocol::udp, *reason)) {
      udp_.on_icmp_error(local, remote, *err, !e.local);
    }
  }
}

Interface::PathMtu Interface::reported_path_mtu(const IcmpError& e) const {
  // RFC 1191 5: the next-hop MTU, or when the router does not say (0, or a
  // value not below the datagram that failed: an old router), the plateau
  // below the failed datagram's length (RFC 1191 7's table).
  std::uint16_t mtu = e.next_hop_mtu;
  if (mtu == 0 || mtu >= e.orig_total_len) {
    static constexpr std::uint16_t kPlateaus[] = {32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
    mtu = 68;
    for (const std::uint16_t p : kPlateaus) {
      if (p < e.orig_total_len) {
        mtu = p;
        break;
      }
    }
  }
  const Instant expires = e.at + config_.pmtu_expires;
  if (mtu < config_.min_pmtu) return PathMtu{.mtu = config_.min_pmtu, .no_df = true, .expires = expires};
  return PathMtu{.mtu = mtu, .no_df = false, .expires = expires};
}

void Interface::remember_path_mtu(Ipv4Address dst, PathMtu entry, Instant now) {
  const std::uint32_t key = dst.to_u32();
  if (const auto it = pmtu_.find(key); it != pmtu_.end()) {
    if (it->second.mtu <= entry.mtu && it->second.expires > now) return;  // only ever lowered while valid
    it->second = entry;
    return;
  }
  if (pmtu_.size() >= config_.max_pmtu_entries) {
    std::erase_if(pmtu_, [&](const auto& kv) { return kv.second.expires <= now; });
    if (pmtu_.size() >= config_.max_pmtu_entries) pmtu_.erase(pmtu_.begin());
  }
  pmtu_.emplace(key, entry);
}

const Interface::PathMtu* Interface::path_mtu(Ipv4Address dst, Instant now) {
  if (pmtu_.empty()) return nullptr;
  const auto it = pmtu_.find(dst.to_u32());
  if (it == pmtu_.end()) return nullptr;
  if (it->second.expires <= now) {
    pmtu_.erase(it);  // RFC 1191 6.3: try the larger MTU again
    return nullptr;
  }
  return &it->second;
}

void Interface::receive_udp(NicId /*nic*/, Ipv4Packet packet, const Ipv4Repr& repr, bool broadcast, Instant now) {
  auto view = UdpPacket::checked(packet.payload());
  if (!view) {
    ++counters_.udp.rx_malformed;
    return;
  }
  ChecksumMode mode = config_.checksum;
  if (rx_l4_checksum_ok_) mode.verify_rx = false;  // receive_checksummed(): the device's word
  auto udp = UdpRepr::parse(*view, IpPair{.src = repr.src, .dst = repr.dst}, mode);
  if (!udp) {
    ++counters_.udp.rx_malformed;
    return;
  }
  switch (udp_.deliver(IpEndpoint{repr.src, udp->src_port}, IpEndpoint{repr.dst, udp->dst_port},
                       view->payload(), repr.ttl, now, broadcast)) {
    case udp::DeliverStatus::delivered: ++counters_.udp.rx; return;
    case udp::DeliverStatus::queue_full: ++counters_.udp.rcvbuf_drops; return;
    case udp::DeliverStatus::no_socket:
    default:
      ++counters_.udp.no_port;
      // RFC 1122 4.1.3.1: "If a datagram arrives addressed to a UDP port for
      // which there is no pending LISTEN call, UDP SHOULD send an ICMP Port
      // Unreachable message" (never for a broadcast, 3.2.2).
      if (!may_send_icmp_error(packet, repr, broadcast)) return;
      send_icmp_error(Icmpv4DstUnreachable{.code = Icmpv4UnreachableCode::port, .quote = quote_of(packet)}, now);
      return;
  }
}

void Interface::receive_tcp(Ipv4Packet packet, const Ipv4Repr& repr, bool broadcast, Instant now) {
  // RFC 1122 4.2.3.10 (MUST): a SYN to a broadcast or multicast address is
  // discarded; TCP has no business with broadcasts at all.
  if (broadcast || !repr.dst.is_unicast()) {
    ++counters_.tcp.rx_broadcast;
    return;
  }
  deliver_tcp(packet.payload(), IpPair{.src = repr.src, .dst = repr.dst}, repr.ecn, now);
}

void Interface::deliver_tcp(Bytes segment, const IpPair& ips, std::uint8_t ecn, Instant now) {
  auto view = TcpPacket::checked(segment);
  if (!view) {
    ++counters_.tcp.rx_malformed;
    return;
  }
  ChecksumMode mode = config_.checksum;
  if (rx_l4_checksum_ok_) mode.verify_rx = false;  // receive_checksummed(): the device's word
  auto seg = TcpRepr::parse(*view, ips, mode);
  if (!seg) {
    ++counters_.tcp.rx_malformed;  // MUST-2/3: a bad checksum is dropped silently
    return;
  }
  ++counters_.tcp.rx;
  tcp_.on_segment(ips.src, ips.dst, *seg, view->payload(), now, ecn);
}

void Interface::forward(NicId /*nic*/, Ipv4Packet packet, const Ipv4Repr& repr, bool link_broadcast, Instant now) {
  // RFC 1812 5.3.4: a router SHOULD NOT forward a datagram that arrived as a
  // link-layer broadcast without being addressed to it at the IP layer.
  if (link_broadcast) {
    ++counters_.ipv4.not_for_us;
    return;
  }
  // RFC 1812 5.3.7: "A router MUST NOT forward any packet that has an invalid
  // IP source address" (0.0.0.0, loopback, broadcast/multicast); RFC 3927
  // 2.7: link-local addresses (169.254/16) never leave their link.
  if (repr.src.is_unspecified() || is_martian_source(repr.src) || repr.src.is_link_local() ||
      repr.dst.is_link_local()) {
    ++counters_.ipv4.martians;
    return;
  }
  // RFC 1812 5.3.1: "the router MUST decrement the TTL ... If the TTL is
  // reduced to zero (or less), the packet MUST be discarded, and ... the
  // router MUST send an ICMP Time Exceeded message".
  if (repr.ttl <= 1) {
    ++counters_.ipv4.ttl_exceeded;
    if (!may_send_icmp_error(packet, repr, false)) return;
    send_icmp_error(Icmpv4TimeExceeded{.code = Icmpv4TimeExceededCode::ttl_exceeded, .quote = quote_of(packet)},
                    now);
    return;
  }
  // RFC 1812 5.2.7.1: no route -> Destination Unreachable, code net.
  const auto eg = select_egress(repr.dst, Ipv4Address::any());
  if (!eg) {
    ++counters_.ipv4.no_route;
    if (!may_send_icmp_error(packet, repr, false)) return;
    send_icmp_error(Icmpv4DstUnreachable{.code = Icmpv4UnreachableCode::net, .quote = quote_of(packet)}, now);
    return;
  }
  // RFC 2644: directed broadcasts are not forwarded by default.
  if (eg->broadcast) {
    ++counters_.ipv4.not_for_us;
    return;
  }
  ++counters_.ipv4.forwarded;
  Nic& out = nic_ref(eg->nic);
  if (!out.up) {
    ++counters_.eth.tx_nic_down;
    return;
  }
  const Bytes in = packet.bytes();
  if (in.size() <= out.mtu) {
    if (const auto hit = out.arp.resolved_until(eg->next_hop, now)) {
      // The common case, the next hop's MAC known: the datagram is copied
      // once, into a frame from the pool, and leaves with its TTL lowered
      // in place (no datagram of its own, no second copy into a frame).
      out.arp.count_hit();  // as resolve_or_queue() counts it
      const std::size_t len = kEthernetHeaderLen + in.size();
      ByteVec frame = take_frame(len);
      const MutBytes ip = MutBytes(frame).subspan(kEthernetHeaderLen, in.size());
      std::copy(in.begin(), in.end(), ip.begin());
      decrement_ttl(Ipv4PacketMut(ip));
      const EthernetRepr eth{.src = out.mac, .dst = hit->mac, .ethertype = EtherType::ipv4};
      eth.emit(EthernetFrameMut(MutBytes(frame).first(kEthernetHeaderLen)));
      ++counters_.eth.tx;
      ++counters_.ipv4.tx;
      sink_.transmit_forwarded(eg->nic, frame, len, rx_l4_checksum_ok_);
      note_room(eg->nic);
      give_frame(std::move(frame));
      return;
    }
  }
  // The next hop is being resolved (the ARP queue takes a copy), or the
  // datagram must be cut into fragments.
  ByteVec datagram(in.begin(), in.end());
  decrement_ttl(Ipv4PacketMut(datagram));
  if (datagram.size() <= out.mtu) {
    if (auto r = output_datagram(*eg, std::move(datagram), now); !r) {
      // Counted in output_datagram (ARP queue full).
    }
    return;
  }
  // RFC 1812 5.2.6 / RFC 791 3.2: fragment to the egress MTU, unless DF is
  // set: then Destination Unreachable, code 4, with the MTU (RFC 1191 4).
  auto pieces = ip::fragment_datagram(datagram, out.mtu, config_.checksum);
  if (!pieces) {
    ++counters_.ipv4.frag_needed;
    if (pieces.error().kind != ip::FragmentError::Kind::fragmentation_needed) return;
    if (!may_send_icmp_error(packet, repr, false)) return;
    send_icmp_error(Icmpv4DstUnreachable{.code = Icmpv4UnreachableCode::frag_needed,
                                         .next_hop_mtu = pieces.error().mtu,
                                         .quote = quote_of(packet)},
                    now);
    return;
  }
  counters_.ipv4.fragments_tx += pieces->size();
  for (ByteVec& piece : *pieces) {
    if (auto r = output_datagram(*eg, std::move(piece), now); !r) {
      // Counted in output_datagram.
    }
  }
}

}  // namespace wirestack::iface
