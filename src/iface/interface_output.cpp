// iface/interface_output.cpp — the egress path: route and source selection,
// fragmentation, ARP resolution, Ethernet; ICMP errors and UDP output.
#include <algorithm>
#include <utility>

#include "base/assert.hpp"
#include "iface/interface.hpp"
#include "iface/offload.hpp"
#include "wire/checksum.hpp"
#include "ip/fragmenter.hpp"
#include "wire/arp.hpp"
#include "wire/ethernet.hpp"
#include "wire/tcp.hpp"
#include "wire/udp.hpp"

namespace wirestack::iface {

std::optional<Interface::Egress> Interface::select_egress(Ipv4Address dst, Ipv4Address src) const {
  // 127.0.0.0/8 never leaves a host (RFC 1122 3.2.1.3 (g)); there is no
  // loopback device yet, so it has no route at all.
  if (dst.is_unspecified() || dst.is_multicast() || dst.is_loopback()) return std::nullopt;
  const auto match = routes_.lookup(dst);
  if (dst.is_broadcast()) {
    // The limited broadcast goes out of the NIC that holds the source asked
    // for (a DHCP server answering on one of a router's LANs), else the one
    // the route table picks (usually the default route's), else the first
    // NIC with an address, else the first NIC that is up: a host with no
    // address yet sends from 0.0.0.0 (RFC 1122 3.2.1.3 (a), DHCP's DISCOVER).
    std::optional<NicId> nic;
    for (std::size_t i = 0; !src.is_unspecified() && !nic && i < nics_.size(); ++i) {
      for (const Ipv4Prefix& p : nics_[i].addresses) {
        if (p.address() == src) nic = static_cast<NicId>(i);
      }
    }
    if (!nic && match && match->route.iface < nics_.size()) nic = match->route.iface;
    for (std::size_t i = 0; !nic && i < nics_.size(); ++i) {
      if (!nics_[i].addresses.empty()) nic = static_cast<NicId>(i);
    }
    for (std::size_t i = 0; !nic && i < nics_.size(); ++i) {
      if (nics_[i].up) nic = static_cast<NicId>(i);
    }
    if (!nic) return std::nullopt;
    return Egress{.nic = *nic,
                  .next_hop = dst,
                  .src = src.is_unspecified() ? source_for(*nic, dst) : src,
                  .broadcast = true};
  }
  if (!match || match->route.iface >= nics_.size()) return std::nullopt;
  const NicId nic = match->route.iface;
  return Egress{.nic = nic,
                .next_hop = match->next_hop,
                .src = src.is_unspecified() ? source_for(nic, match->next_hop) : src,
                .broadcast = match->route.is_connected() && is_broadcast_for(nic, dst)};
}

Result<void, SendError> Interface::send_ipv4(Ipv4Address dst, IpProtocol protocol, Bytes payload, Instant now,
                                             SendOptions options) {
  const auto eg = select_egress(dst, options.src);
  if (!eg) {
    ++counters_.ipv4.no_route;
    return Unexpected{SendError::no_route};
  }
  if (eg->src.is_unspecified()) return Unexpected{SendError::no_source_address};
  if (payload.size() > kIpv4MaxTotalLen - kIpv4MinHeaderLen) return Unexpected{SendError::too_big};
  const Ipv4Repr header{.src = eg->src,
                        .dst = dst,
                        .protocol = protocol,
                        .ttl = options.ttl.value_or(config_.default_ttl),
                        .ident = next_ident_++,
                        .dont_fragment = options.dont_fragment,
                        .payload_len = static_cast<std::uint16_t>(payload.size())};
  return output(*eg, header, payload, now);
}

// ---- The transmit path ------------------------------------------------------
//
// A datagram is built once, in a frame buffer from the interface's pool:
// room for the Ethernet header, then the IPv4 header, then the transport
// header and payload, written in place (the payload is copied once, from the
// socket's ring into the frame). On an ARP hit the Ethernet header is filled
// in and the frame goes to the sink as it is; only a datagram that must wait
// for ARP, be fragmented or loop back to ourselves is copied out. Pool
// buffers keep their size, so a steady flow allocates nothing.

ByteVec Interface::take_frame(std::size_t len) {
  ByteVec f;
  if (!frame_pool_.empty()) {
    f = std::move(frame_pool_.back());
    frame_pool_.pop_back();
  }
  if (f.capacity() < len + kFrameTailroom) f.reserve(std::max(len, kMinFrameCapacity) + kFrameTailroom);
  if (f.size() < len) f.resize(len);
  return f;
}

void Interface::give_frame(ByteVec&& frame) {
  if (frame_pool_.size() < kFramePoolSize) frame_pool_.push_back(std::move(frame));
}

Result<void, SendError> Interface::output(const Egress& eg, const Ipv4Repr& header, Bytes payload, Instant now) {
  WIRESTACK_ASSERT(payload.size() == header.payload_len);
  ByteVec frame = take_frame(kEthernetHeaderLen + header.total_len());
  std::copy(payload.begin(), payload.end(),
            frame.begin() + static_cast<std::ptrdiff_t>(kEthernetHeaderLen + header.header_len()));
  auto r = output_in_place(eg, header, frame, now);
  give_frame(std::move(frame));
  return r;
}

Result<void, SendError> Interface::output_in_place(const Egress& eg, const Ipv4Repr& header, ByteVec& frame,
                                                   Instant now) {
  const std::size_t total = header.total_len();
  WIRESTACK_ASSERT(frame.size() >= kEthernetHeaderLen + total);
  const MutBytes datagram = MutBytes(frame).subspan(kEthernetHeaderLen, total);
  const Bytes payload = Bytes(datagram).subspan(header.header_len());
  if (is_local_address(header.dst)) {
    // To ourselves: local delivery (Linux's loopback route), whatever the
    // NIC's state and MTU, through a queue drained by the next poll(), as
    // Linux's loopback device queues to its backlog: the sender (a TCP
    // socket in the middle of its output) is never re-entered.
    if (loopback_.size() >= config_.max_loopback_queue) {
      ++counters_.ipv4.loopback_drops;
      return {};  // as a full device queue: lost on the way, retransmission's business
    }
    header.emit(Ipv4PacketMut(datagram), config_.checksum);
    ++counters_.ipv4.tx;
    loopback_.push_back(Looped{eg.nic, header, ByteVec(datagram.begin(), datagram.end())});
    return {};
  }
  const Nic& n = nic_ref(eg.nic);
  if (!n.up) {
    ++counters_.eth.tx_nic_down;
    return Unexpected{SendError::nic_down};
  }
  if (total <= n.mtu) {
    header.emit(Ipv4PacketMut(datagram), config_.checksum);
    return output_frame(eg, frame, total, now);
  }
  // RFC 791 3.2 / RFC 1122 3.3.3: a host may fragment its own datagrams.
  auto pieces = ip::fragment(header, payload, n.mtu, config_.checksum);
  if (!pieces) {
    ++counters_.ipv4.frag_needed;
    return Unexpected{SendError::too_big};
  }
  counters_.ipv4.fragments_tx += pieces->size();
  Result<void, SendError> result;
  for (ByteVec& piece : *pieces) {
    auto r = output_datagram(eg, std::move(piece), now);
    if (!r && result) result = r;
  }
  return result;
}

Result<void, SendError> Interface::output_frame(const Egress& eg, ByteVec& frame, std::size_t datagram_len,
                                                Instant now, const TxOffload* offload) {
  Nic& n = nic_ref(eg.nic);
  std::optional<MacAddress> dst;
  if (eg.broadcast) {
    dst = MacAddress::broadcast();
  } else {
    dst = n.arp.resolved(eg.next_hop, now);
  }
  if (!dst) {
    // Waiting for ARP (or refused): the queue keeps its own copy of the datagram.
    const Bytes datagram = Bytes(frame).subspan(kEthernetHeaderLen, datagram_len);
    if (offload == nullptr) return output_datagram(eg, ByteVec(datagram.begin(), datagram.end()), now);
    // The queue sends plain frames later: finished here, in MTU-sized pieces.
    Result<void, SendError> result;
    (void)cut_offloaded(datagram, 0, offload->gso_size, [&](Bytes piece) {
      auto r = output_datagram(eg, ByteVec(piece.begin(), piece.end()), now);
      if (!r && result) result = r;
    });
    return result;
  }
  const EthernetRepr eth{.src = n.mac, .dst = *dst, .ethertype = EtherType::ipv4};
  eth.emit(EthernetFrameMut(MutBytes(frame).first(kEthernetHeaderLen)));
  ++counters_.eth.tx;
  ++counters_.ipv4.tx;
  const Bytes out = Bytes(frame).first(kEthernetHeaderLen + datagram_len);
  if (offload != nullptr) {
    sink_.transmit_offloaded(eg.nic, out, *offload);
  } else {
    sink_.transmit_owned(eg.nic, frame, out.size());  // the caller only gives `frame` back to the pool
  }
  note_room(eg.nic);
  return {};
}

Result<void, SendError> Interface::output_datagram(const Egress& eg, ByteVec datagram, Instant now) {
  Nic& n = nic_ref(eg.nic);
  if (eg.broadcast) {
    send_frame(eg.nic, MacAddress::broadcast(), EtherType::ipv4, datagram);
    ++counters_.ipv4.tx;
    return {};
  }
  // The cache takes the datagram only when it must wait; on a hit we still
  // own it and send it at once.
  const auto r = n.arp.resolve_or_queue(eg.next_hop, std::move(datagram), now);
  switch (r.status) {
    case link::ResolveStatus::resolved:
      send_frame(eg.nic, r.mac, EtherType::ipv4, datagram);
      ++counters_.ipv4.tx;
      return {};
    case link::ResolveStatus::queued:
      resolving_ = true;  // TCP waits for the reply (has_room_for) instead of queueing more
      // The request is due now: send it without waiting for a poll().
      if (r.request_due) poll_arp(eg.nic, now);
      return {};
    case link::ResolveStatus::queue_full:
    case link::ResolveStatus::table_full:
    default:
      if (r.request_due) poll_arp(eg.nic, now);
      ++counters_.ipv4.arp_queue_drops;
      return Unexpected{SendError::arp_queue_full};
  }
}

void Interface::send_frame(NicId nic, MacAddress dst, EtherType type, Bytes payload) {
  const Nic& n = nic_ref(nic);
  if (!n.up) {
    ++counters_.eth.tx_nic_down;
    return;
  }
  const EthernetRepr eth{.src = n.mac, .dst = dst, .ethertype = type};
  ByteVec frame(eth.header_len() + payload.size());
  eth.emit(EthernetFrameMut(frame));
  std::copy(payload.begin(), payload.end(), frame.begin() + static_cast<std::ptrdiff_t>(eth.header_len()));
  ++counters_.eth.tx;
  sink_.transmit(nic, frame);
  note_room(nic);
}

void Interface::send_arp(NicId nic, const ArpRepr& arp, MacAddress dst) {
  std::array<std::byte, kArpPacketLen> buf{};
  arp.emit(ArpPacketMut(buf));
  send_frame(nic, dst, EtherType::arp, buf);
}

void Interface::poll_arp(NicId nic, Instant now) {
  Nic& n = nic_ref(nic);
  auto due = n.arp.poll(now);
  for (Ipv4Address target : due.requests) {
    send_arp(nic, ArpRepr::request(n.mac, source_for(nic, target), target), MacAddress::broadcast());
    ++counters_.arp.tx_requests;
    note_request(nic, target, now);
  }
  for (link::FailedPacket& p : due.failed) {
    note_failed(nic, p.next_hop, now);
    arp_failed(std::move(p.datagram), now);
  }
  if (config_.resolution_events) {
    // A resolution can also end with nothing queued (its datagrams were
    // dropped as the queue overflowed): given up all the same.
    for (auto it = pending_resolutions_.begin(); it != pending_resolutions_.end();) {
      const std::pair<NicId, IpAddress> key = it->first;  // a copy: the entry may go below
      ++it;
      if (key.first == nic && key.second.is_v4() && !n.arp.resolving(key.second.v4())) {
        if (n.arp.resolved(key.second.v4(), now)) {
          pending_resolutions_.erase(key);  // a static entry answered it
        } else {
          note_failed(nic, key.second, now);
        }
      }
    }
  }
  if (!due.failed.empty()) resolution_ended();
}

void Interface::arp_failed(ByteVec datagram, Instant now) {
  ++counters_.ipv4.arp_failures;
  auto packet = Ipv4Packet::checked(datagram);
  if (!packet) return;
  auto repr = Ipv4Repr::parse(*packet, ChecksumMode{.verify_rx = false});
  if (!repr || repr->frag_offset != 0) return;  // one report per datagram, from fragment 0
  if (is_local_address(repr->src)) {
    // We sent it: the error is ours to deliver (RFC 1122 2.3.2.2: the link
    // layer notifies the IP layer, which tells the transport). Our echo
    // replies and ICMP errors have nobody waiting for them: no report.
    if (repr->protocol == IpProtocol::icmp) {
      const Bytes icmp = packet->payload();
      if (icmp.empty() || Icmpv4Type{load_u8(icmp, 0)} != Icmpv4Type::echo_request) return;
    }
    const Icmpv4Quote quote = quote_of(*packet);
    IcmpError e{.from = repr->src,
                .type = Icmpv4Type::dst_unreachable,
                .code = static_cast<std::uint8_t>(Icmpv4UnreachableCode::host),
                .orig_src = repr->src,
                .orig_dst = repr->dst,
                .orig_protocol = repr->protocol,
                .orig_ident = repr->ident,
                .local = true,
                .at = now};
    if (quote.data.size() >= 4) {
      e.src_port = load_be16(quote.data, 0);
      e.dst_port = load_be16(quote.data, 2);
      if (repr->protocol == IpProtocol::icmp && quote.data.size() >= 8) {
        e.src_port = load_be16(quote.data, 4);
        e.dst_port = load_be16(quote.data, 6);
      }
    }
    handle_icmp_error(e);
    return;
  }
  // RFC 1812 4.3.3.1 / 5.2.7.1: a router that cannot reach the next hop
  // sends Destination Unreachable, code host, to the source.
  if (!may_send_icmp_error(*packet, *repr, false)) return;
  send_icmp_error(Icmpv4DstUnreachable{.code = Icmpv4UnreachableCode::host, .quote = quote_of(*packet)}, now);
}

bool Interface::may_send_icmp_error(Ipv4Packet offending, const Ipv4Repr& repr, bool link_broadcast) {
  // RFC 1122 3.2.2: "An ICMP error message MUST NOT be sent as the result of
  // receiving: an ICMP error message, or a datagram destined to an IP
  // broadcast or IP multicast address, or a datagram sent as a link-layer
  // broadcast, or a non-initial fragment, or a datagram whose source address
  // does not define a single host".
  bool ok = !link_broadcast && repr.frag_offset == 0 && repr.src.is_unicast() && !is_martian_source(repr.src) &&
            repr.dst.is_unicast() && !is_broadcast_for_any(repr.dst);
  if (ok && repr.protocol == IpProtocol::icmp) {
    const Bytes data = offending.payload();
    if (!data.empty()) {
      switch (Icmpv4Type{load_u8(data, 0)}) {
        case Icmpv4Type::dst_unreachable:
        case Icmpv4Type::source_quench:
        case Icmpv4Type::redirect:
        case Icmpv4Type::time_exceeded:
        case Icmpv4Type::param_problem: ok = false; break;
        default: break;
      }
    }
  }
  if (!ok) ++counters_.icmp.errors_suppressed;
  return ok;
}

Icmpv4Quote Interface::quote_of(Ipv4Packet offending) const {
  return Icmpv4Quote::of(offending, config_.icmp_quote_data);
}

bool Interface::take_icmp_token(Instant now) {
  if (icmp_tokens_.take(now)) return true;
  ++counters_.icmp.rate_limited;
  return false;
}

void Interface::send_icmp_error(const Icmpv4Message& message, Instant now) {
  if (!take_icmp_token(now)) return;
  const Icmpv4Repr icmp{.message = message};
  const Ipv4Address dst = std::visit(
      [](const auto& m) -> Ipv4Address {
        if constexpr (requires { m.quote; }) return m.quote.header.src;
        else return Ipv4Address::any();
      },
      message);
  WIRESTACK_ASSERT(!dst.is_unspecified());
  // The error about a datagram addressed to us comes from the address it
  // was sent to (Linux __icmp_send: saddr = iph->daddr for local routes), so
  // a multi-homed host answers from the address the peer used.
  const Ipv4Address offending_dst = std::visit(
      [](const auto& m) -> Ipv4Address {
        if constexpr (requires { m.quote; }) return m.quote.header.dst;
        else return Ipv4Address::any();
      },
      message);
  const Ipv4Address src = is_local_address(offending_dst) ? offending_dst : Ipv4Address::any();
  if (auto r = send_icmp(dst, src, icmp, now); !r) {
    // Counted where it failed (no route, ARP queue): nothing else to do for an error about an error.
  }
}

Result<void, SendError> Interface::send_icmp(Ipv4Address dst, Ipv4Address src, const Icmpv4Repr& icmp, Instant now,
                                             SendOptions options) {
  ByteVec message(icmp.buffer_len());
  icmp.emit(Icmpv4PacketMut(message), config_.checksum);
  if (!src.is_unspecified()) options.src = src;
  auto r = send_ipv4(dst, IpProtocol::icmp, message, now, options);
  if (r) {
    ++counters_.icmp.tx;
    ++counters_.icmp.tx_by_type[static_cast<std::uint8_t>(icmp.type())];
  }
  return r;
}

void Interface::send_udp_datagram(udp::Outgoing& o, Instant now) {
  // A socket bound to a broadcast (or no longer local) address sends from
  // the egress address: 255.255.255.255 is never a source (RFC 1122
  // 3.2.1.3; Linux inet_bind keeps saddr 0 for such binds).
  if (o.dst.addr.is_v6() && o.src.addr.is_v6()) {
    send_udp_datagram6(o, now);
    return;
  }
  if (!o.dst.addr.is_v4() || !o.src.addr.is_v4()) {
    ++counters_.udp.tx_errors;
    udp_.report_error(o.socket, udp::Errc::address_family);  // IPv6 output: not yet
    return;
  }
  if (!o.src.addr.is_unspecified() && !is_local_address(o.src.addr)) o.src.addr = Ipv4Address::any();
  const auto eg = select_egress(o.dst.addr.v4(), o.src.addr.v4());
  // 0.0.0.0 as a source only for a limited broadcast from a NIC without an
  // address: a host learning its address (RFC 1122 3.2.1.3 (a)).
  const bool unconfigured = eg && o.dst.addr.v4().is_broadcast() && nic_ref(eg->nic).addresses.empty();
  if (!eg || (eg->src.is_unspecified() && !unconfigured)) {
    ++counters_.ipv4.no_route;
    ++counters_.udp.tx_errors;
    udp_.report_error(o.socket, udp::Errc::net_unreachable);
    return;
  }
  const IpPair ips{.src = eg->src, .dst = o.dst.addr};
  const std::size_t udp_len = kUdpHeaderLen + o.payload.size();
  const Ipv4Repr header{.src = eg->src,
                        .dst = o.dst.addr.v4(),
                        .protocol = IpProtocol::udp,
                        .ttl = o.ttl.value_or(config_.default_ttl),
                        .ident = next_ident_++,
                        .dont_fragment = o.dont_fragment,
                        .payload_len = static_cast<std::uint16_t>(udp_len)};
  ByteVec frame = take_frame(kEthernetHeaderLen + header.total_len());
  const MutBytes segment = MutBytes(frame).subspan(kEthernetHeaderLen + header.header_len(), udp_len);
  UdpRepr{.src_port = o.src.port, .dst_port = o.dst.port}.emit(UdpPacketMut(segment), ips, o.payload,
                                                                config_.checksum);
  auto r = output_in_place(*eg, header, frame, now);
  give_frame(std::move(frame));
  if (!r) {
    ++counters_.udp.tx_errors;
    if (r.error() == SendError::too_big) udp_.report_error(o.socket, udp::Errc::message_too_long);
    return;
  }
  ++counters_.udp.tx;
}

const Interface::CachedEgress* Interface::cached_egress(Ipv4Address dst, Ipv4Address src, Instant now,
                                                        std::optional<Egress>& looked_up) {
  const std::uint32_t h = dst.to_u32() * 0x9e3779b1u;
  CachedEgress& e = egress_cache_[h >> 28 & (kEgressCacheSize - 1)];
  if (e.valid && e.dst == dst && e.asked_src == src && now < e.until && e.route_gen == routes_.generation() &&
      e.nic_gen == nic_gen_) {
    if (e.arp_gen == nic_ref(e.eg.nic).arp.generation()) return &e;
  }
  e.valid = false;
  looked_up = select_egress(dst, src);
  const auto& eg = looked_up;
  if (!eg || eg->src.is_unspecified() || eg->broadcast || is_local_address(dst)) return nullptr;
  Nic& n = nic_ref(eg->nic);
  if (!n.up) return nullptr;
  const auto hit = n.arp.resolved_until(eg->next_hop, now);
  if (!hit) return nullptr;
  e = CachedEgress{.dst = dst,
                   .asked_src = src,
                   .eg = *eg,
                   .mac = hit->mac,
                   .valid = true,
                   .until = hit->until,
                   .route_gen = routes_.generation(),
                   .nic_gen = nic_gen_,
                   .arp_gen = n.arp.generation()};
  return &e;
}

// output_in_place() for a datagram whose egress is remembered: not local, the
// NIC up, the neighbour's MAC known. Only fragmentation takes the long way.
Result<void, SendError> Interface::output_cached(const CachedEgress& c, const Ipv4Repr& header, ByteVec& frame,
                                                Instant now) {
  const std::size_t total = header.total_len();
  WIRESTACK_ASSERT(frame.size() >= kEthernetHeaderLen + total);
  Nic& n = nic_ref(c.eg.nic);
  if (total > n.mtu) return output_in_place(c.eg, header, frame, now);  // fragments, rarely: the long way
  n.arp.count_hit();  // as the ARP lookup it replaces
  header.emit(Ipv4PacketMut(MutBytes(frame).subspan(kEthernetHeaderLen, total)), config_.checksum);
  const EthernetRepr eth{.src = n.mac, .dst = c.mac, .ethertype = EtherType::ipv4};
  eth.emit(EthernetFrameMut(MutBytes(frame).first(kEthernetHeaderLen)));
  ++counters_.eth.tx;
  ++counters_.ipv4.tx;
  sink_.transmit_owned(c.eg.nic, frame, kEthernetHeaderLen + total);
  note_room(c.eg.nic);
  return {};
}

namespace {
void copy_payload(MutBytes data, const storage::SpanPair& payload) {
  std::copy(payload.first.begin(), payload.first.end(), data.begin());
  std::copy(payload.second.begin(), payload.second.end(),
            data.begin() + static_cast<std::ptrdiff_t>(payload.first.size()));
}
}  // namespace

void Interface::send_segment(const IpAddress& src_addr, const IpAddress& dst_addr, const TcpRepr& header,
                             storage::SpanPair payload, std::uint16_t gso_size, std::uint8_t ecn, Instant now) {
  if (src_addr.is_v6() && dst_addr.is_v6()) {
    send_segment6(src_addr.v6(), dst_addr.v6(), header, payload, ecn, now);
    return;
  }
  if (!src_addr.is_v4() || !dst_addr.is_v4()) {
    ++counters_.ipv4.no_route;
    ++counters_.tcp.tx_errors;
    return;
  }
  const Ipv4Address src = src_addr.v4();
  const Ipv4Address dst = dst_addr.v4();
  // A remembered egress (the common case: a connection's next segment), or
  // the route lookup and the ARP cache below.
  std::optional<Egress> looked_up;  // set on a miss
  const CachedEgress* cached = cached_egress(dst, src, now, looked_up);
  const Egress* eg = cached != nullptr ? &cached->eg : looked_up ? &*looked_up : nullptr;
  if (eg == nullptr || eg->src.is_unspecified() || eg->broadcast) {
    ++counters_.ipv4.no_route;
    ++counters_.tcp.tx_errors;
    return;
  }
  const IpPair ips{.src = src, .dst = dst};
  const std::size_t hlen = header.header_len();
  const std::size_t seg_len = hlen + payload.size();
  // RFC 1191: with path MTU discovery every segment carries DF, unless the
  // path reported an MTU below min_pmtu (then routers may fragment).
  const PathMtu* pm = config_.pmtu_discovery ? path_mtu(dst, now) : nullptr;
  const Ipv4Repr ip{.src = src,
                    .dst = dst,
                    .protocol = IpProtocol::tcp,
                    .ttl = config_.default_ttl,
                    .ecn = ecn,
                    .ident = next_ident_++,
                    .dont_fragment = config_.pmtu_discovery && (pm == nullptr || !pm->no_df),
                    .payload_len = static_cast<std::uint16_t>(seg_len)};
  // A TSO segment takes as many identifications as the device makes of it.
  if (gso_size > 0) next_ident_ = static_cast<std::uint16_t>(next_ident_ + (payload.size() - 1) / gso_size);
  const bool offloaded = nic_ref(eg->nic).tso && (cached != nullptr || !is_local_address(dst));
  WIRESTACK_ASSERT(offloaded || gso_size == 0 || config_.gso || is_local_address(dst));  // TSO only on a path that has it
  Result<void, SendError> r;
  if (offloaded) {
    // The device finishes the checksum (and cuts a TSO segment): the field
    // holds the pseudo-header's sum, as Linux leaves it for CHECKSUM_PARTIAL.
    ByteVec frame = take_frame(kEthernetHeaderLen + ip.total_len());
    const MutBytes segment = MutBytes(frame).subspan(kEthernetHeaderLen + ip.header_len(), seg_len);
    const MutBytes data = segment.subspan(hlen);
    copy_payload(data, payload);
    header.emit(TcpPacketMut(segment), ips, Bytes(data), ChecksumMode{.fill_tx = false});
    const auto pseudo = checksum::pseudo_header_v4(src.to_u32(), dst.to_u32(), 6, static_cast<std::uint16_t>(seg_len));
    store_be16(segment, 16, checksum::sum({}, pseudo));
    r = output_offloaded(*eg, ip, frame, gso_size, now);
    give_frame(std::move(frame));
  } else if (gso_size > 0 && payload.size() > gso_size) {
    // Software GSO (InterfaceConfig::gso): the segment is cut here into
    // frames of gso_size payload bytes, as a TSO device would cut it: each
    // with the header's sequence number moved on, FIN and PSH on the last
    // only, CWR on the first only (cut_piece_flags), an identification of
    // its own; each payload copied once.
    Ipv4Repr piece_ip = ip;
    TcpRepr piece = header;
    const auto high = static_cast<std::uint16_t>(header.flags.bits() & 0xff00);
    const auto low = static_cast<std::uint8_t>(header.flags.bits() & 0xff);
    for (std::size_t at = 0; at < payload.size(); at += gso_size) {
      const std::size_t n = std::min<std::size_t>(gso_size, payload.size() - at);
      const bool last = at + n == payload.size();
      piece.flags = TcpFlags{static_cast<std::uint16_t>(high | cut_piece_flags(low, at == 0, last))};
      piece.seq = header.seq + static_cast<std::uint32_t>(at);
      piece_ip.ident = static_cast<std::uint16_t>(ip.ident + at / gso_size);
      piece_ip.payload_len = static_cast<std::uint16_t>(hlen + n);
      auto one = send_summed(cached, *eg, piece_ip, piece, storage::slice(payload, at, n), now);
      if (!one && r) r = one;
    }
  } else {
    r = send_summed(cached, *eg, ip, header, payload, now);
  }
  if (!r) {
    ++counters_.tcp.tx_errors;
    return;
  }
  ++counters_.tcp.tx;
}

Result<void, SendError> Interface::send_summed(const CachedEgress* cached, const Egress& eg, const Ipv4Repr& ip,
                                               const TcpRepr& header, const storage::SpanPair& payload,
                                               Instant now) {
  const IpPair ips{.src = ip.src, .dst = ip.dst};
  const std::size_t hlen = header.header_len();
  // The payload's one copy: from the send ring straight into the frame.
  ByteVec frame = take_frame(kEthernetHeaderLen + ip.total_len());
  const MutBytes segment = MutBytes(frame).subspan(kEthernetHeaderLen + ip.header_len(), hlen + payload.size());
  const MutBytes data = segment.subspan(hlen);
  if (config_.checksum.fill_tx) {
    // The checksum is summed as the payload is copied: its bytes are read once.
    std::uint16_t sum = checksum::copy_and_sum(data, payload.first);
    std::uint16_t second = checksum::copy_and_sum(data.subspan(payload.first.size()), payload.second);
    // A piece starting at an odd offset sums with its bytes swapped (RFC 1071 2.B).
    if (payload.first.size() % 2 != 0) second = static_cast<std::uint16_t>(second << 8 | second >> 8);
    sum = checksum::add(sum, second);
    header.emit_summed(TcpPacketMut(segment), ips, sum);
  } else {
    copy_payload(data, payload);
    header.emit(TcpPacketMut(segment), ips, Bytes(data), config_.checksum);
  }
  auto r = cached != nullptr ? output_cached(*cached, ip, frame, now) : output_in_place(eg, ip, frame, now);
  give_frame(std::move(frame));
  return r;
}

Result<void, SendError> Interface::output_offloaded(const Egress& eg, const Ipv4Repr& ip, ByteVec& frame,
                                                    std::uint16_t gso_size, Instant now) {
  const Nic& n = nic_ref(eg.nic);
  if (!n.up) {
    ++counters_.eth.tx_nic_down;
    return Unexpected{SendError::nic_down};
  }
  const std::size_t total = ip.total_len();
  ip.emit(Ipv4PacketMut(MutBytes(frame).subspan(kEthernetHeaderLen, total)), config_.checksum);
  const TxOffload tx{.gso_size = total > n.mtu ? gso_size : std::uint16_t{0},
                     .checksum_start = static_cast<std::uint16_t>(kEthernetHeaderLen + ip.header_len())};
  return output_frame(eg, frame, total, now, &tx);
}

std::optional<tcp::IpLayer::Path> Interface::path_to(const IpAddress& dst) const {
  if (dst.is_v6()) {
    const auto eg = select_egress6(dst.v6(), Ipv6Address::unspecified());
    if (!eg) return std::nullopt;
    return Path{.src = eg->src,
                .mtu = path_mtu6(eg->nic, dst.v6()),
                .header_len = ip_header_len(IpFamily::v6),
                .tso = false};
  }
  const auto eg = select_egress(dst.v4(), Ipv4Address::any());
  if (!eg || eg->src.is_unspecified() || eg->broadcast) return std::nullopt;
  std::uint16_t path = mtu(eg->nic);
  if (const auto it = pmtu_.find(dst.v4().to_u32()); it != pmtu_.end()) path = std::min(path, it->second.mtu);
  return Path{.src = eg->src,
              .mtu = path,
              .header_len = ip_header_len(IpFamily::v4),
              .tso = (nic_ref(eg->nic).tso || config_.gso) && !is_local_address(dst.v4())};
}

// ---- Backpressure ----------------------------------------------------------------

void Interface::note_room(NicId nic) {
  Nic& n = nic_ref(nic);
  if (n.full || sink_.has_room(nic)) return;
  n.full = true;
  ++full_nics_;
}

void Interface::nic_has_room(NicId nic) {
  Nic& n = nic_ref(nic);
  if (!n.full) return;
  n.full = false;
  --full_nics_;
  tcp_.on_room();
}

bool Interface::has_room_for(const IpAddress& dst) const {
  if (full_nics_ == 0 && !resolving_) return true;  // the common case: no lookup
  if (dst.is_v6()) {
    const auto eg6 = select_egress6(dst.v6(), Ipv6Address::unspecified());
    if (!eg6) return true;
    const Nic& n = nic_ref(eg6->nic);
    return !n.full && std::find(n.resolving6.begin(), n.resolving6.end(), eg6->next_hop) == n.resolving6.end();
  }
  const auto eg = select_egress(dst.v4(), Ipv4Address::any());
  if (!eg) return true;
  const Nic& n = nic_ref(eg->nic);
  if (n.full) return false;
  // The next hop is being resolved: one datagram waits in the ARP queue;
  // the connection's next segments wait in its send ring, not as copies there.
  return eg->broadcast || is_local_address(dst.v4()) || !n.arp.resolving(eg->next_hop);
}

std::size_t Interface::burst_room(const IpAddress& dst) const {
  if (!config_.gso || !dst.is_v4()) return SIZE_MAX;  // TSO devices take 64 KiB segments whole
  if (nics_.size() == 1) return nics_[0].tso ? SIZE_MAX : sink_.room(0);  // a host's one card: no route lookup
  const auto eg = select_egress(dst.v4(), Ipv4Address::any());
  if (!eg) return SIZE_MAX;
  const Nic& n = nic_ref(eg->nic);
  return n.tso ? SIZE_MAX : sink_.room(eg->nic);
}

void Interface::resolution_ended() {
  if (!resolving_) return;
  resolving_ = false;
  for (const Nic& n : nics_) resolving_ = resolving_ || n.arp.resolving_any() || !n.resolving6.empty();
  tcp_.on_room();  // what waited for a next hop goes now (or finds it failed)
}

}  // namespace wirestack::iface
