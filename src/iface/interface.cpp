// iface/interface.cpp — configuration, timers, the application APIs and
// printing. Input is in interface_input.cpp, output and forwarding helpers
// in interface_output.cpp.
#include "iface/interface.hpp"
#include "iface/offload.hpp"

#include <algorithm>
#include <functional>
#include <iomanip>
#include <string>
#include <string_view>
#include <utility>

#include "base/assert.hpp"
#include "ip/fragmenter.hpp"
#include "ip/slaac.hpp"

namespace wirestack::iface {

std::ostream& operator<<(std::ostream& os, SendError e) {
  switch (e) {
    case SendError::no_route: return os << "no route to host";
    case SendError::no_source_address: return os << "egress NIC has no IPv4 address";
    case SendError::too_big: return os << "datagram too big (don't fragment)";
    case SendError::nic_down: return os << "egress NIC is down";
    case SendError::arp_queue_full: return os << "ARP queue full";
  }
  return os << "send error " << static_cast<unsigned>(e);
}

std::ostream& operator<<(std::ostream& os, const PingReply& r) {
  const auto flags = os.flags();
  os << r.payload_len + kIcmpv4HeaderLen << " bytes from " << r.from << ": icmp_seq=" << r.seq
     << " ident=" << r.ident << " ttl=" << unsigned{r.ttl} << " at " << std::fixed << std::setprecision(6)
     << to_seconds(r.at.time_since_epoch()) << 's';
  os.flags(flags);
  return os;
}

std::ostream& operator<<(std::ostream& os, const IcmpError& e) {
  os << "From " << e.from << ": ";
  if (e.type == Icmpv4Type::time_exceeded) {
    os << (e.code == 0 ? "time exceeded in transit" : "fragment reassembly time exceeded");
  } else if (e.type == Icmpv4Type::dst_unreachable) {
    switch (Icmpv4UnreachableCode{e.code}) {
      case Icmpv4UnreachableCode::net: os << "net unreachable"; break;
      case Icmpv4UnreachableCode::host: os << "host unreachable"; break;
      case Icmpv4UnreachableCode::protocol: os << "protocol unreachable"; break;
      case Icmpv4UnreachableCode::port: os << "port unreachable"; break;
      case Icmpv4UnreachableCode::frag_needed: os << "frag needed (mtu " << e.next_hop_mtu << ')'; break;
      default: os << "unreachable code " << unsigned{e.code}; break;
    }
  } else {
    os << e.type << " code " << unsigned{e.code};
  }
  os << ", for " << e.orig_protocol << ' ';
  if (e.orig_protocol == IpProtocol::udp || e.orig_protocol == IpProtocol::tcp) {
    os << e.orig_src << ':' << e.src_port << " > " << e.orig_dst << ':' << e.dst_port;
  } else if (e.orig_protocol == IpProtocol::icmp) {
    os << e.orig_src << " > " << e.orig_dst << " id " << e.src_port << " seq " << e.dst_port;
  } else {
    os << e.orig_src << " > " << e.orig_dst;
  }
  return os;
}

Interface::Interface(FrameSink& sink, Rng& rng, InterfaceConfig config)
    : sink_(sink),
      config_(config),
      reassembler_(config.reassembly),
      reassembler6_(config.reassembly6),
      nd_rng_(rng.derive(0x6e64)),
      udp_(rng, config.udp),
      next_ident_(static_cast<std::uint16_t>(rng.next_u32() >> 16)),
      icmp_tokens_(config.icmp_error_rate, config.icmp_error_burst),
      tcp_(*this, rng, config.tcp) {
  // No draw of its own: the RNG's sequence (ISNs, ports) stays as it was.
  next_ident6_ = next_ident_ * 2654435761u;
  // RFC 7217 5: the secret key of stable identifiers, drawn once per host.
  for (auto& b : stable_secret_) b = static_cast<std::uint8_t>(nd_rng_.next_u32() >> 24);
}

// ---- Configuration -----------------------------------------------------------


NicId Interface::add_nic(MacAddress mac, std::uint16_t mtu) {
  WIRESTACK_ASSERT(mtu >= ip::kMinIpv4Mtu);
  WIRESTACK_ASSERT(nics_.size() < 0xffff);
  nics_.v_.push_back(Nic{.mac = mac,
                      .mtu = mtu,
                      .up = false,
                      .addresses = {},
                      .arp = link::ArpCache(config_.arp),
                      .addresses6 = {},
                      .nd = ip::NeighborCache(config_.nd),
                      .resolving6 = {},
                      .ll = ip::link_local_address(ip::modified_eui64(mac)),
                      .tentative6 = {},
                      .dad = ip::Dad(config_.ipv6.dad),
                      .slaac = std::nullopt,
                      .routers6 = {},
                      .onlink6 = {},
                      .rs_sent = 0,
                      .next_rs_at = std::nullopt,
                      .advertise6 = {},
                      .next_ra_at = std::nullopt,
                      .last_ra_at = std::nullopt,
                      .ra_sent = 0});
  const auto id = static_cast<NicId>(nics_.size() - 1);
  nic_due_.resize(nics_.size());
  nic_is_marked_.push_back(0);
  Nic& n = nic_ref(id);  // marked: its timers are asked at the next poll_at()
  if (autoconf()) {
    n.tentative6.emplace_back(n.ll, 64);  // DAD when the NIC comes up
    n.slaac.emplace(ip::SlaacConfig{.id = {.secret = stable_secret_, .net_iface = "eth" + std::to_string(id)}});
  } else {
    n.addresses6.emplace_back(n.ll, 64);
  }
  return id;
}

void FrameSink::transmit_offloaded(NicId nic, Bytes frame, const TxOffload& tx) {
  (void)cut_offloaded(frame, kEthernetHeaderLen, tx.gso_size, [&](Bytes piece) { transmit(nic, piece); });
}

void Interface::set_tso(NicId nic, bool on) {
  nic_ref(nic).tso = on;
  ++nic_gen_;
}

bool Interface::tso(NicId nic) const { return nic_ref(nic).tso; }

void Interface::mark_nic_first(NicId nic) {
  nic_is_marked_[nic] = 1;
  nic_marked_.push_back(nic);
}

MacAddress Interface::mac(NicId nic) const { return nic_ref(nic).mac; }
std::uint16_t Interface::mtu(NicId nic) const { return nic_ref(nic).mtu; }
const std::vector<Ipv4Prefix>& Interface::addresses(NicId nic) const { return nic_ref(nic).addresses; }
bool Interface::is_up(NicId nic) const { return nic_ref(nic).up; }
link::ArpCache& Interface::arp(NicId nic) { return nic_ref(nic).arp; }
const link::ArpCache& Interface::arp(NicId nic) const { return nic_ref(nic).arp; }

Result<void, std::string> Interface::add_address(NicId nic, Ipv4Prefix address) {
  Nic& n = nic_ref(nic);
  if (!address.address().is_unicast() || address.address().is_loopback()) {
    return Unexpected{"add address " + address.to_string() + ": not a unicast address"};
  }
  if (address.len() < 31 && (address.address() == address.network() || address.address() == address.broadcast())) {
    return Unexpected{"add address " + address.to_string() + ": that is the " +
                      (address.address() == address.network() ? "network" : "broadcast") + " address of " +
                      address.network().to_string() + "/" + std::to_string(address.len()) +
                      "; pick a host address between them"};
  }
  if ((address.address().to_u32() >> 28) == 0xf || (address.address().to_u32() >> 24) == 0) {
    return Unexpected{"add address " + address.to_string() + ": reserved, not a host address"};
  }
  if (is_local_address(address.address())) {
    return Unexpected{"add address " + address.to_string() + ": this host already has " +
                      address.address().to_string()};
  }
  // A second address in a subnet the NIC already has shares its connected route.
  bool have_route = false;
  for (const Ipv4Prefix& p : n.addresses) {
    if (p.len() == address.len() && p.network() == address.network()) have_route = true;
  }
  if (!have_route) {
    if (auto r = routes_.add_connected(nic, address); !r) return Unexpected{r.error()};
  }
  n.addresses.push_back(address);
  ++nic_gen_;
  if (n.up) {
    send_arp(nic, ArpRepr::request(n.mac, address.address(), address.address()), MacAddress::broadcast());
    ++counters_.arp.tx_gratuitous;
  }
  return {};
}

bool Interface::remove_address(NicId nic, Ipv4Prefix address) {
  Nic& n = nic_ref(nic);
  const auto it = std::ranges::find(n.addresses, address);
  if (it == n.addresses.end()) return false;
  n.addresses.erase(it);
  ++nic_gen_;
  for (const Ipv4Prefix& p : n.addresses) {
    if (p.len() == address.len() && p.network() == address.network()) return true;  // the route stays
  }
  const Ipv4Prefix subnet(address.network(), address.len());
  for (const ip::Route& r : routes_.routes()) {
    if (r.iface == nic && (r.is_connected() ? r.destination == subnet : subnet.contains(*r.gateway))) {
      (void)routes_.remove(r);
    }
  }
  return true;
}

void Interface::nic_up(NicId nic, Instant now) {
  Nic& n = nic_ref(nic);
  if (n.up) return;
  n.up = true;
  ++nic_gen_;
  nic_up6(nic, now);
  // RFC 5227 2.3: announce each address with an ARP request whose sender and
  // target address are both ours.
  for (const Ipv4Prefix& a : n.addresses) {
    send_arp(nic, ArpRepr::request(n.mac, a.address(), a.address()), MacAddress::broadcast());
    ++counters_.arp.tx_gratuitous;
  }
}

void Interface::nic_down(NicId nic, Instant now) {
  Nic& n = nic_ref(nic);
  if (!n.up) return;
  n.up = false;
  ++nic_gen_;
  for (link::FailedPacket& p : n.arp.flush()) arp_failed(std::move(p.datagram), now);
  counters_.ipv6.nd_failures += n.nd.flush().size();
  n.resolving6.clear();
  nic_down6(nic);
  resolution_ended();
}

void Interface::crash(Instant /*now*/) {
  // Every NIC down first, and the datagrams waiting for ARP dropped without
  // arp_failed(): a forwarded one would make an ICMP error that could leave
  // through a NIC not yet down. A crash sends nothing.
  for (std::size_t i = 0; i < nics_.size(); ++i) nic_ref(static_cast<NicId>(i)).up = false;
  ++nic_gen_;
  for (std::size_t i = 0; i < nics_.size(); ++i) {
    Nic& n = nic_ref(static_cast<NicId>(i));
    (void)n.arp.flush();
    (void)n.nd.flush();
    n.resolving6.clear();
    nic_down6(static_cast<NicId>(i));
  }
  address_events_.clear();
  arp_conflicts_.clear();
  for (std::size_t i = 0; i < nics_.size(); ++i) nic_ref(static_cast<NicId>(i)).last_conflict.reset();
  reassembler6_.clear();
  ping6_replies_.clear();
  icmp6_errors_.clear();
  redirects6_.clear();
  resolving_ = false;
  tcp_.forget_all();
  udp_.close_all();
  reassembler_.clear();
  ping_replies_.clear();
  icmp_errors_.clear();
  loopback_.clear();
}

const Interface::AddressIndex& Interface::address_index() const {
  AddressIndex& x = address_index_;
  if (x.nic_gen == nic_gen_) return x;
  x.nic_gen = nic_gen_;
  x.local.clear();
  x.broadcast.clear();
  for (const Nic& n : nics_) {
    for (const Ipv4Prefix& p : n.addresses) {
      x.local.push_back(p.address().to_u32());
      if (p.len() < 31) x.broadcast.push_back(p.broadcast().to_u32());
    }
  }
  std::ranges::sort(x.local);
  std::ranges::sort(x.broadcast);
  return x;
}

bool Interface::is_local_address(Ipv4Address a) const {
  if (nics_.size() > kIndexedNics) return std::ranges::binary_search(address_index().local, a.to_u32());
  for (const Nic& n : nics_) {
    for (const Ipv4Prefix& p : n.addresses) {
      if (p.address() == a) return true;
    }
  }
  return false;
}

Ipv4Address Interface::source_for(NicId nic, Ipv4Address peer) const {
  const Nic& n = nic_ref(nic);
  for (const Ipv4Prefix& p : n.addresses) {
    if (p.contains(peer)) return p.address();
  }
  return n.addresses.empty() ? Ipv4Address::any() : n.addresses.front().address();
}

bool Interface::is_broadcast_for(NicId nic, Ipv4Address dst) const {
  for (const Ipv4Prefix& p : nic_ref(nic).addresses) {
    if (p.len() < 31 && dst == p.broadcast()) return true;
  }
  return false;
}

bool Interface::is_broadcast_for_any(Ipv4Address dst) const {
  if (nics_.size() > kIndexedNics) return std::ranges::binary_search(address_index().broadcast, dst.to_u32());
  for (std::size_t i = 0; i < nics_.size(); ++i) {
    if (is_broadcast_for(static_cast<NicId>(i), dst)) return true;
  }
  return false;
}

bool Interface::is_martian_source(Ipv4Address src) const {
  const std::uint32_t v = src.to_u32();
  if (src.is_broadcast() || src.is_multicast() || src.is_loopback()) return true;
  if ((v >> 24) == 0 && v != 0) return true;  // 0.0.0.0/8: "this network", not a host
  if ((v >> 28) == 0xf) return true;          // 240.0.0.0/4: reserved
  return is_broadcast_for_any(src);
}

link::ArpCounters Interface::arp_counters() const {
  link::ArpCounters sum;
  for (const Nic& n : nics_) {
    const link::ArpCounters& c = n.arp.counters();
    sum.requests_sent += c.requests_sent;
    sum.requests_received += c.requests_received;
    sum.replies_received += c.replies_received;
    sum.requests_answered += c.requests_answered;
    sum.hits += c.hits;
    sum.misses += c.misses;
    sum.queued += c.queued;
    sum.released += c.released;
    sum.queue_drops += c.queue_drops;
    sum.table_full_drops += c.table_full_drops;
    sum.resolution_failures += c.resolution_failures;
    sum.failed_packets += c.failed_packets;
    sum.entries_expired += c.entries_expired;
    sum.evictions += c.evictions;
    sum.conflicts += c.conflicts;
    sum.probes += c.probes;
    sum.ignored += c.ignored;
  }
  return sum;
}

// ---- Timers --------------------------------------------------------------------

void Interface::poll(Instant now) {
  if (now > last_now_) last_now_ = now;  // what IPv6's lifetimes (redirects, path MTUs) are measured against
  tcp_.poll(now);
  // The NICs with a timer due, in order; what polling one changes in those
  // after it is seen, as when every NIC was asked in turn.
  refresh_nic_due();
  for (std::size_t i = nic_due_.first_due(0, now); i < nics_.size(); i = nic_due_.first_due(i + 1, now)) {
    const auto due = nics_[i].arp.poll_at();
    if (due && *due <= now) poll_arp(static_cast<NicId>(i), now);
    const auto nd_due = nics_[i].nd.poll_at();
    if (nd_due && *nd_due <= now) poll_nd(static_cast<NicId>(i), now);
    const auto auto_due = autoconf_poll_at(nics_[i]);
    if (auto_due && *auto_due <= now) poll_autoconf(static_cast<NicId>(i), now);
    mark_nic(static_cast<NicId>(i));  // polled: its next deadline is asked
    refresh_nic_due();
  }
  if (const auto due = reassembler6_.poll_at(); due && *due <= now) {
    for (const ip::Reassembly6Timeout& t : reassembler6_.poll(now)) {
      ++counters_.ipv6.reassembly_timeouts;
      // RFC 8200 4.5: Time Exceeded code 1, only if fragment 0 arrived.
      if (!t.first_fragment_received) continue;
      send_icmpv6_error(t.quote,
                        Icmpv6Repr{.message = Icmpv6TimeExceeded{.code = Icmpv6TimeExceededCode::reassembly,
                                                                 .invoking = icmpv6_quote(t.quote)}},
                        false, now);
    }
  }
  if (const auto due = reassembler_.poll_at(); due && *due <= now) {
    for (const ip::ReassemblyTimeout& t : reassembler_.poll(now)) {
      ++counters_.ipv4.reassembly_timeouts;
      // RFC 1122 3.3.2: "If the reassembly timer expires, the host MUST
      // discard the datagram and SHOULD send an ICMP Time Exceeded (code 1) -
      // but only if fragment zero has been received".
      if (!t.first_fragment_received) continue;
      auto header = Ipv4Repr::parse_quoted(t.quote);
      if (!header) continue;
      if (!header->src.is_unicast() || header->src.is_loopback() || !header->dst.is_unicast() ||
          is_local_address(header->src)) {
        ++counters_.icmp.errors_suppressed;
        continue;
      }
      const Icmpv4Quote quote{.header = *header, .data = Bytes(t.quote).subspan(header->header_len())};
      send_icmp_error(Icmpv4TimeExceeded{.code = Icmpv4TimeExceededCode::reassembly, .quote = quote}, now);
    }
  }
  flush_udp(now);
  deliver_loopback(now);
}

void Interface::deliver_loopback(Instant now) {
  // What was queued before this call; what delivering it sends to ourselves
  // again waits for the next poll (poll_at() says "now"), so a conversation
  // of a host with itself advances a step per poll and never recurses.
  std::size_t n = loopback_.size();
  while (n-- > 0 && !loopback_.empty()) {
    Looped l = std::move(loopback_.front());
    loopback_.pop_front();
    ++counters_.ipv4.rx;
    deliver_local(l.nic, Ipv4Packet(l.datagram), l.header, false, now);
  }
}

std::optional<Instant> Interface::poll_at() const {
  std::optional<Instant> at;
  auto consider = [&at](std::optional<Instant> t) {
    if (t && (!at || *t < *at)) at = t;
  };
  refresh_nic_due();
  consider(nic_due_.earliest());
  consider(reassembler_.poll_at());
  consider(reassembler6_.poll_at());
  if (udp_.has_tx() || !loopback_.empty()) consider(Instant{});
  consider(tcp_.poll_at());
  return at;
}

std::optional<Instant> Interface::nic_poll_at(const Nic& n) const {
  std::optional<Instant> at = n.arp.poll_at();
  const auto consider = [&at](std::optional<Instant> t) {
    if (t && (!at || *t < *at)) at = t;
  };
  consider(n.nd.poll_at());
  consider(autoconf_poll_at(n));
  return at;
}

void Interface::refresh_nic_due() const {
  for (const NicId nic : nic_marked_) {
    nic_due_.set(nic, nic_poll_at(nics_[nic]));
    nic_is_marked_[nic] = 0;
  }
  nic_marked_.clear();
}

// ---- Applications ----------------------------------------------------------------

Result<void, SendError> Interface::send_ping(Ipv4Address dst, std::uint16_t ident, std::uint16_t seq,
                                             std::size_t payload_len, Instant now, PingOptions options) {
  if (payload_len > kIpv4MaxTotalLen - kIpv4MinHeaderLen - kIcmpv4HeaderLen) return Unexpected{SendError::too_big};
  ByteVec data(payload_len);
  for (std::size_t i = 0; i < payload_len; ++i) data[i] = static_cast<std::byte>(i & 0xff);
  const Icmpv4Repr echo{.message = Icmpv4EchoRequest{.ident = ident, .seq_no = seq, .data = data}};
  return send_icmp(dst, Ipv4Address::any(), echo, now,
                   SendOptions{.ttl = options.ttl, .dont_fragment = options.dont_fragment});
}

std::vector<PingReply> Interface::take_ping_replies() {
  std::vector<PingReply> out(ping_replies_.begin(), ping_replies_.end());
  ping_replies_.clear();
  return out;
}

std::vector<IcmpError> Interface::take_icmp_errors() {
  std::vector<IcmpError> out(icmp_errors_.begin(), icmp_errors_.end());
  icmp_errors_.clear();
  return out;
}

void Interface::push_icmp_error(const IcmpError& e) {
  if (icmp_errors_.size() >= config_.max_icmp_errors) {
    ++counters_.icmp.queue_drops;
    return;
  }
  icmp_errors_.push_back(e);
}

Result<IpEndpoint, udp::Error> Interface::udp_bind(udp::SocketHandle s, IpEndpoint local) {
  if (!local.addr.is_unspecified() && !local.addr.is_broadcast() && !is_local_address(local.addr)) {
    return Unexpected{udp::Error{udp::Errc::address_not_available,
                                 "bind " + local.addr.to_string() + ":" + std::to_string(local.port) +
                                     ": this host has no such address; bind to one of its addresses or 0.0.0.0"}};
  }
  return udp_.bind(s, local);
}

Result<void, udp::Error> Interface::udp_send_to(udp::SocketHandle s, IpEndpoint dst, Bytes payload, Instant now) {
  auto r = udp_.send_to(s, dst, payload);
  if (r) flush_udp(now);
  return r;
}

Result<void, udp::Error> Interface::udp_send(udp::SocketHandle s, Bytes payload, Instant now) {
  auto r = udp_.send(s, payload);
  if (r) flush_udp(now);
  return r;
}

void Interface::flush_udp(Instant now) {
  if (!udp_.has_tx()) return;
  for (udp::Outgoing& o : udp_.take_tx()) send_udp_datagram(o, now);
}

// ---- Counters ---------------------------------------------------------------------

void for_each_counter(const InterfaceCounters& c, const CounterVisitor& visit) {
  visit("eth", "rx", c.eth.rx);
  visit("eth", "tx", c.eth.tx);
  visit("eth", "rx_not_for_us", c.eth.rx_not_for_us);
  visit("eth", "rx_malformed", c.eth.rx_malformed);
  visit("eth", "rx_unknown_type", c.eth.rx_unknown_type);
  visit("eth", "rx_nic_down", c.eth.rx_nic_down);
  visit("eth", "tx_nic_down", c.eth.tx_nic_down);
  visit("arp", "rx", c.arp.rx);
  visit("arp", "rx_malformed", c.arp.rx_malformed);
  visit("arp", "tx_requests", c.arp.tx_requests);
  visit("arp", "tx_replies", c.arp.tx_replies);
  visit("arp", "tx_gratuitous", c.arp.tx_gratuitous);
  visit("arp", "conflicts", c.arp.conflicts);
  visit("ipv4", "rx", c.ipv4.rx);
  visit("ipv4", "tx", c.ipv4.tx);
  visit("ipv4", "delivered", c.ipv4.delivered);
  visit("ipv4", "forwarded", c.ipv4.forwarded);
  visit("ipv4", "malformed", c.ipv4.malformed);
  visit("ipv4", "martians", c.ipv4.martians);
  visit("ipv4", "not_for_us", c.ipv4.not_for_us);
  visit("ipv4", "no_route", c.ipv4.no_route);
  visit("ipv4", "ttl_exceeded", c.ipv4.ttl_exceeded);
  visit("ipv4", "frag_needed", c.ipv4.frag_needed);
  visit("ipv4", "pmtu_reductions", c.ipv4.pmtu_reductions);
  visit("ipv4", "fragments_rx", c.ipv4.fragments_rx);
  visit("ipv4", "fragments_tx", c.ipv4.fragments_tx);
  visit("ipv4", "reassembled", c.ipv4.reassembled);
  visit("ipv4", "reassembly_drops", c.ipv4.reassembly_drops);
  visit("ipv4", "reassembly_timeouts", c.ipv4.reassembly_timeouts);
  visit("ipv4", "unknown_protocol", c.ipv4.unknown_protocol);
  visit("ipv4", "arp_failures", c.ipv4.arp_failures);
  visit("ipv4", "arp_queue_drops", c.ipv4.arp_queue_drops);
  visit("ipv4", "loopback_drops", c.ipv4.loopback_drops);
  visit("icmp", "rx", c.icmp.rx);
  visit("icmp", "tx", c.icmp.tx);
  visit("icmp", "rx_malformed", c.icmp.rx_malformed);
  visit("icmp", "errors_suppressed", c.icmp.errors_suppressed);
  visit("icmp", "queue_drops", c.icmp.queue_drops);
  visit("icmp", "rate_limited", c.icmp.rate_limited);
  static constexpr std::string_view kRxNames[] = {"rx_echo_reply", "rx_type_1", "rx_type_2", "rx_dst_unreachable",
                                                  "rx_source_quench", "rx_redirect", "rx_type_6", "rx_type_7",
                                                  "rx_echo_request", "rx_type_9", "rx_type_10", "rx_time_exceeded"};
  static constexpr std::string_view kTxNames[] = {"tx_echo_reply", "tx_type_1", "tx_type_2", "tx_dst_unreachable",
                                                  "tx_source_quench", "tx_redirect", "tx_type_6", "tx_type_7",
                                                  "tx_echo_request", "tx_type_9", "tx_type_10", "tx_time_exceeded"};
  constexpr std::size_t kNamed = std::size(kRxNames);
  for (std::size_t t = 0; t < c.icmp.rx_by_type.size(); ++t) {
    if (c.icmp.rx_by_type[t] == 0) continue;
    const std::string other = "rx_type_" + std::to_string(t);
    visit("icmp", t < kNamed ? kRxNames[t] : std::string_view(other), c.icmp.rx_by_type[t]);
  }
  for (std::size_t t = 0; t < c.icmp.tx_by_type.size(); ++t) {
    if (c.icmp.tx_by_type[t] == 0) continue;
    const std::string other = "tx_type_" + std::to_string(t);
    visit("icmp", t < kNamed ? kTxNames[t] : std::string_view(other), c.icmp.tx_by_type[t]);
  }
  visit("udp", "rx", c.udp.rx);
  visit("udp", "tx", c.udp.tx);
  visit("udp", "rx_malformed", c.udp.rx_malformed);
  visit("udp", "no_port", c.udp.no_port);
  visit("udp", "rcvbuf_drops", c.udp.rcvbuf_drops);
  visit("udp", "tx_errors", c.udp.tx_errors);
  visit("tcp", "rx", c.tcp.rx);
  visit("tcp", "tx", c.tcp.tx);
  visit("tcp", "rx_malformed", c.tcp.rx_malformed);
  visit("tcp", "rx_broadcast", c.tcp.rx_broadcast);
  visit("tcp", "tx_errors", c.tcp.tx_errors);
  visit("ipv6", "rx", c.ipv6.rx);
  visit("ipv6", "tx", c.ipv6.tx);
  visit("ipv6", "delivered", c.ipv6.delivered);
  visit("ipv6", "malformed", c.ipv6.malformed);
  visit("ipv6", "martians", c.ipv6.martians);
  visit("ipv6", "not_for_us", c.ipv6.not_for_us);
  visit("ipv6", "no_route", c.ipv6.no_route);
  visit("ipv6", "chain_drops", c.ipv6.chain_drops);
  visit("ipv6", "unknown_protocol", c.ipv6.unknown_protocol);
  visit("ipv6", "fragments_rx", c.ipv6.fragments_rx);
  visit("ipv6", "fragments_tx", c.ipv6.fragments_tx);
  visit("ipv6", "reassembled", c.ipv6.reassembled);
  visit("ipv6", "reassembly_drops", c.ipv6.reassembly_drops);
  visit("ipv6", "reassembly_timeouts", c.ipv6.reassembly_timeouts);
  visit("ipv6", "too_big", c.ipv6.too_big);
  visit("ipv6", "nd_failures", c.ipv6.nd_failures);
  visit("ipv6", "nd_queue_drops", c.ipv6.nd_queue_drops);
  visit("ipv6", "to_tentative", c.ipv6.to_tentative);
  visit("ipv6", "forwarded", c.ipv6.forwarded);
  visit("ipv6", "hop_limit_exceeded", c.ipv6.hop_limit_exceeded);
  visit("ipv6", "scope_drops", c.ipv6.scope_drops);
  visit("ipv6", "forward_too_big", c.ipv6.forward_too_big);
  visit("ipv6", "pmtu_reductions", c.ipv6.pmtu_reductions);
  visit("icmpv6", "rx", c.icmpv6.rx);
  visit("icmpv6", "tx", c.icmpv6.tx);
  visit("icmpv6", "rx_malformed", c.icmpv6.rx_malformed);
  visit("icmpv6", "nd_invalid", c.icmpv6.nd_invalid);
  visit("icmpv6", "nd_ignored", c.icmpv6.nd_ignored);
  visit("icmpv6", "nd_bad_hop_limit", c.icmpv6.nd_bad_hop_limit);
  visit("icmpv6", "ra_bad_source", c.icmpv6.ra_bad_source);
  visit("icmpv6", "dad_ns_tx", c.icmpv6.dad_ns_tx);
  visit("icmpv6", "dad_succeeded", c.icmpv6.dad_succeeded);
  visit("icmpv6", "dad_duplicates", c.icmpv6.dad_duplicates);
  visit("icmpv6", "rs_tx", c.icmpv6.rs_tx);
  visit("icmpv6", "ra_rx", c.icmpv6.ra_rx);
  visit("icmpv6", "ra_tx", c.icmpv6.ra_tx);
  visit("icmpv6", "ra_bad_mtu", c.icmpv6.ra_bad_mtu);
  visit("icmpv6", "redirects_rx", c.icmpv6.redirects_rx);
  visit("icmpv6", "redirects_invalid", c.icmpv6.redirects_invalid);
  visit("icmpv6", "redirects_tx", c.icmpv6.redirects_tx);
  visit("icmpv6", "mld_reports_tx", c.icmpv6.mld_reports_tx);
  visit("icmpv6", "mld_queries_rx", c.icmpv6.mld_queries_rx);
  visit("icmpv6", "mld_invalid", c.icmpv6.mld_invalid);
  visit("icmpv6", "slaac_addresses", c.icmpv6.slaac_addresses);
  visit("icmpv6", "errors_suppressed", c.icmpv6.errors_suppressed);
  visit("icmpv6", "rate_limited", c.icmpv6.rate_limited);
  visit("icmpv6", "queue_drops", c.icmpv6.queue_drops);
  visit("icmpv6", "ns_tx", c.icmpv6.ns_tx);
  visit("icmpv6", "na_tx", c.icmpv6.na_tx);
  for (std::size_t t = 0; t < c.icmpv6.rx_by_type.size(); ++t) {
    if (c.icmpv6.rx_by_type[t] != 0) visit("icmpv6", "rx_type_" + std::to_string(t), c.icmpv6.rx_by_type[t]);
  }
  for (std::size_t t = 0; t < c.icmpv6.tx_by_type.size(); ++t) {
    if (c.icmpv6.tx_by_type[t] != 0) visit("icmpv6", "tx_type_" + std::to_string(t), c.icmpv6.tx_by_type[t]);
  }
}

namespace {

// Prints "layer name value ..." lines, nonzero values only.
class LinePrinter {
 public:
  explicit LinePrinter(std::ostream& os) : os_(os) {}
  void operator()(std::string_view layer, std::string_view name, std::uint64_t value) {
    if (value == 0) return;
    if (layer != current_) {
      if (any_line_) os_ << '\n';
      os_ << layer;
      current_ = std::string(layer);
      any_line_ = true;
    }
    os_ << ' ' << name << ' ' << value;
  }

 private:
  std::ostream& os_;
  std::string current_;
  bool any_line_ = false;
};

}  // namespace

std::ostream& operator<<(std::ostream& os, const InterfaceCounters& c) {
  LinePrinter print(os);
  for_each_counter(c, std::ref(print));
  return os;
}

void Interface::for_each_counter(const CounterVisitor& visit) const {
  iface::for_each_counter(counters_, visit);
  const link::ArpCounters a = arp_counters();
  visit("arp_cache", "requests_sent", a.requests_sent);
  visit("arp_cache", "requests_received", a.requests_received);
  visit("arp_cache", "replies_received", a.replies_received);
  visit("arp_cache", "requests_answered", a.requests_answered);
  visit("arp_cache", "hits", a.hits);
  visit("arp_cache", "misses", a.misses);
  visit("arp_cache", "queued", a.queued);
  visit("arp_cache", "released", a.released);
  visit("arp_cache", "queue_drops", a.queue_drops);
  visit("arp_cache", "table_full_drops", a.table_full_drops);
  visit("arp_cache", "resolution_failures", a.resolution_failures);
  visit("arp_cache", "failed_packets", a.failed_packets);
  visit("arp_cache", "entries_expired", a.entries_expired);
  visit("arp_cache", "evictions", a.evictions);
  visit("arp_cache", "conflicts", a.conflicts);
  visit("arp_cache", "probes", a.probes);
  visit("arp_cache", "ignored", a.ignored);
  const ip::ReassemblerStats& r = reassembler_.stats();
  visit("reassembly", "fragments_received", r.fragments_received);
  visit("reassembly", "reassembled", r.reassembled);
  visit("reassembly", "timeouts", r.timeouts);
  visit("reassembly", "overlaps_dropped", r.overlaps_dropped);
  visit("reassembly", "duplicates_ignored", r.duplicates_ignored);
  visit("reassembly", "inconsistent_drops", r.inconsistent_drops);
  visit("reassembly", "oversize_drops", r.oversize_drops);
  visit("reassembly", "memory_drops", r.memory_drops);
  visit("reassembly", "malformed_drops", r.malformed_drops);
  visit("reassembly", "poisoned_drops", r.poisoned_drops);
  const udp::UdpSocketCounters& u = udp_.counters();
  visit("udp_sockets", "datagrams_in", u.datagrams_in);
  visit("udp_sockets", "datagrams_out", u.datagrams_out);
  visit("udp_sockets", "rcvbuf_drops", u.rcvbuf_drops);
  visit("udp_sockets", "errors_reported", u.errors_reported);
  tcp::for_each_counter(tcp_.counters(), [&visit](std::string_view name, std::uint64_t v) { visit("tcp_sockets", name, v); });
}

void Interface::print_counters(std::ostream& os) const {
  LinePrinter print(os);
  for_each_counter(std::ref(print));
}

}  // namespace wirestack::iface
