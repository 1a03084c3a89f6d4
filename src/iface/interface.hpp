// iface/interface.hpp — one host's stack: NICs, ARP, IPv4 (routing,
// fragmentation, reassembly, forwarding), ICMP and UDP sockets; IPv6 with
// Neighbor Discovery, and with Ipv6AutoConfig DAD, router discovery, SLAAC
// and IPv6 routing (interface_ipv6.cpp, interface_nd.cpp,
// interface_router6.cpp; see the IPv6 section below). A router is the same
// class with forwarding on (Linux's ip_forward, both families).
//
// Sans-IO (docs/ARCHITECTURE.md): the interface never reads a clock and never
// owns a device. Frames come in through receive(nic, frame, now); frames go
// out through the FrameSink given at construction, synchronously, from inside
// whichever call produced them. Timers are deadlines: poll(now) does the due
// work (ARP retries and failures, reassembly timeouts, UDP datagrams queued by
// the application) and poll_at() says when to call it next.
//
// Input (receive):
//   Ethernet: our MAC or broadcast, else dropped (eth.rx_not_for_us).
//   ARP -> link::ArpCache::on_arp (reply sent, released datagrams sent).
//   IPv4, checked and parsed (malformed: counted, dropped). For us (any of our
//   addresses: the weak host model of RFC 1122 3.3.4.2; 255.255.255.255; a
//   directed broadcast of the receiving NIC's subnet): fragments reassembled,
//   then ICMP (echo request answered; echo replies and errors queued for the
//   application, errors about UDP passed to the socket) or UDP (to the socket;
//   none: ICMP port unreachable). Not for us: forwarded if forwarding is on
//   (RFC 1812 5.2/5.3: TTL, route, fragmentation, ARP), dropped otherwise.
// ICMP errors are never sent about an ICMP error, a datagram to a broadcast
// or multicast address or received as a link-layer broadcast, a non-first
// fragment, or a datagram whose source is not a unicast address (RFC 1122
// 3.2.2, RFC 1812 4.3.2.7); those are counted in icmp.errors_suppressed.
// ICMP errors go through a token bucket (config icmp_error_rate / burst,
// RFC 1812 4.3.2.8); echo replies do not.
//
// Output: send_ipv4() and the UDP/ping APIs: route lookup (no route: net
// unreachable), source = the egress NIC's address, a per-host ident counter,
// fragmentation to the egress MTU, ARP resolve_or_queue (the request goes out
// at once), Ethernet. A datagram whose ARP resolution fails comes back from
// the ArpCache after its retry schedule: if we originated it, the error is
// delivered locally (to the UDP socket, and to icmp_errors() as a host
// unreachable from ourselves, as Linux's ping shows "Destination Host
// Unreachable"); if we forwarded it, its source gets ICMP host unreachable.
// A datagram to one of our own addresses is delivered locally (loopback),
// through a queue the next poll() drains (poll_at() says "now" meanwhile).
//
// NICs start down: nothing is sent or received on them until nic_up().
// TCP segments for us go to the socket table (tcp()); it sends through
// send_segment() (checksum, route, ARP like any datagram) and asks path_to()
// for the source address and the MTU its MSS is clamped to.
// Not done yet: IP options processing, ICMP redirects, multicast, per-
// destination ICMP rate limits, path MTU discovery state.
//
//   MyDriver sink;  Rng rng(seed);                         // a FrameSink
//   iface::Interface host(sink, rng);
//   auto nic = host.add_nic(MacAddress::from_parts(0x020000, 1));
//   host.add_address(nic, *Ipv4Prefix::parse("10.0.0.1/24"));
//   host.routes().set_default(Ipv4Address(10, 0, 0, 254), nic);
//   host.nic_up(nic, now);                                 // gratuitous ARP
//   host.send_ping(Ipv4Address(10, 0, 0, 2), 7, 1, 56, now);
//   host.receive(nic, frame, now);                          // for each frame
//   if (auto t = host.poll_at()) wake_at(*t);               // then host.poll(t)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <unordered_map>
#include <ostream>
#include <string>
#include <vector>

#include "base/assert.hpp"
#include "base/bytes.hpp"
#include "base/result.hpp"
#include "base/rng.hpp"
#include "base/time.hpp"
#include "base/token_bucket.hpp"
#include "iface/counters.hpp"
#include "ip/dad.hpp"
#include "ip/neighbor_cache.hpp"
#include "ip/reassembler.hpp"
#include "ip/reassembler6.hpp"
#include "ip/route_table.hpp"
#include "ip/slaac.hpp"
#include "link/arp_cache.hpp"
#include "storage/deadline_tree.hpp"
#include "tcp/socket_table.hpp"
#include "udp/udp_socket.hpp"
#include "wire/arp.hpp"
#include "wire/error.hpp"
#include "wire/ethernet.hpp"
#include "wire/icmpv4.hpp"
#include "wire/ipv4.hpp"
#include "wire/ipv4_address.hpp"
#include "wire/icmpv6.hpp"
#include "wire/ipv6.hpp"
#include "wire/ipv6_address.hpp"
#include "wire/mac_address.hpp"
#include "wire/mld.hpp"

namespace wirestack::iface {

using NicId = ip::InterfaceId;

// What a NIC with TCP segmentation offload is to finish for one frame (a TAP
// device opened with offloads; no simulated NIC has them): the frame is one
// IPv4 TCP segment, possibly bigger than the MTU, whose checksum field holds
// only the pseudo-header's sum. The device completes the checksum and, when
// gso_size > 0, cuts the payload into segments of gso_size bytes, each with
// a copy of the headers (sequence numbers, IP ident and checksums advanced),
// as a NIC with TSO does.
struct TxOffload {
  std::uint16_t gso_size = 0;         // payload per segment; 0: send as it is
  std::uint16_t checksum_start = 0;   // the TCP header's offset in the frame
  std::uint16_t checksum_offset = 16; // the checksum field's, within it
};

// Where frames leave the stack: a simulated link, a TAP device, a test queue.
// `frame` is valid during the call only.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  virtual void transmit(NicId nic, Bytes frame) = 0;
  // transmit() of the first `len` bytes of `frame`, whose storage the sink
  // may keep (a simulated wire holding the frame while it travels), leaving
  // another buffer in its place: any contents, any capacity. The interface
  // reserves 4 bytes of tailroom past `len` (a device's FCS fits in place).
  virtual void transmit_owned(NicId nic, ByteVec& frame, std::size_t len) { transmit(nic, Bytes(frame).first(len)); }
  // transmit_owned() of a datagram this stack forwards. It did not build the
  // TCP/UDP checksum inside: `checksummed` says whether the frame arrived
  // with its device's word that the checksum is right (receive_checksummed();
  // forwarding changes only the IPv4 header, so the word still holds).
  // Otherwise the device must not vouch for it.
  virtual void transmit_forwarded(NicId nic, ByteVec& frame, std::size_t len, bool checksummed) {
    (void)checksummed;
    transmit(nic, Bytes(frame).first(len));
  }
  // Only for a NIC given offloads (Interface::set_tso): a TCP frame the
  // device is to finish. A sink without offloads finishes it in software
  // (cut_offloaded(), iface/offload.hpp) and transmits the pieces.
  virtual void transmit_offloaded(NicId nic, Bytes frame, const TxOffload& tx);
  // Whether the device can take another full-sized frame now. Asked after
  // each frame the interface hands over; a device that answers false must
  // call Interface::nic_has_room() when it has room again. TCP stops
  // pulling segments meanwhile (tcp::IpLayer::has_room_for); other traffic
  // (ARP, ICMP, UDP, forwarded datagrams) is still handed over, and a device
  // that cannot take it drops and counts it as before.
  virtual bool has_room(NicId nic) {
    (void)nic;
    return true;
  }
  // Bytes of frames the device takes now without dropping any; SIZE_MAX: no
  // limit. A segment cut in software (InterfaceConfig::gso) is at most this
  // large, so that its frames do not overflow the device (has_room() is
  // asked only between segments).
  virtual std::size_t room(NicId nic) {
    (void)nic;
    return SIZE_MAX;
  }
};


// IPv6 autoconfiguration (interface_nd.cpp, interface_router6.cpp). Off,
// every address is used as soon as it is added (no DAD) and nothing is sent
// when a NIC comes up. On (Linux's defaults, and what the simulator's IPv6
// cards use): every address, the link-local one when the NIC comes up and
// each one added after, is tentative until Duplicate Address Detection
// passes (RFC 4862 5.4); a host (forwarding off) then solicits routers and
// forms addresses from the prefixes they advertise (SLAAC, RFC 4862 5.5,
// RFC 7217 identifiers) and sends off-link packets to a default router; a
// router advertises the prefixes given to advertise6() (RFC 4861 6.2).
struct Ipv6AutoConfig {
  bool enabled = false;
  ip::DadConfig dad{};
  bool accept_ra = true;  // hosts only (Linux accept_ra = 1: ignored when forwarding)
  bool slaac = true;      // addresses from the autonomous prefixes of RAs
  // RFC 4861 6.3.7 / 10: MAX_RTR_SOLICITATIONS, RTR_SOLICITATION_INTERVAL.
  std::uint32_t max_rtr_solicitations = 3;
  Duration rtr_solicitation_interval = std::chrono::seconds{4};
  // RFC 4861 6.2.1: router defaults (AdvDefaultLifetime = 3 x MaxRtrAdvInterval).
  Duration max_rtr_adv_interval = std::chrono::seconds{600};
  Duration min_rtr_adv_interval = std::chrono::seconds{200};
  std::uint16_t adv_default_lifetime = 1800;         // seconds
  std::uint32_t adv_valid_lifetime = 2592000;        // 30 days
  std::uint32_t adv_preferred_lifetime = 604800;     // 7 days
  std::uint32_t adv_link_mtu = 0;                    // AdvLinkMTU: 0 sends no MTU option (RFC 4861 6.2.1, radvd)
  std::size_t max_default_routers = 8;
  // Redirects (RFC 4861 8, interface_redirect6.cpp; with or without
  // `enabled`): Linux's accept_redirects (hosts) and send_redirects
  // (routers), both on by default. A redirected destination keeps its new
  // first hop for redirect_lifetime; at most max_redirects are remembered.
  bool accept_redirects = true;
  bool send_redirects = true;
  Duration redirect_lifetime = std::chrono::minutes{10};
  std::size_t max_redirects = 256;
  // MLDv2 Reports of the solicited-node groups (RFC 3810, interface_mld.cpp),
  // so that a switch snooping MLD forwards NS to us. Linux sends them; the
  // TAP command turns this on. Off by default: the simulator's switches do
  // not snoop, and its traces stay those of NDP alone.
  bool mld = false;
};

struct InterfaceConfig {
  bool forwarding = false;
  std::uint8_t default_ttl = 64;  // Linux ip_default_ttl
  // Answer echo requests sent to a broadcast address (Linux
  // icmp_echo_ignore_broadcasts = 1 by default: off).
  bool answer_broadcast_echo = false;
  // Bytes of the offending datagram's data an ICMP error quotes (RFC 792: 8).
  std::size_t icmp_quote_data = kIcmpv4QuoteDataLen;
  // ICMP errors sent, at most: a token bucket of `icmp_error_burst` tokens
  // refilled at `icmp_error_rate` per second (RFC 1812 4.3.2.8, RFC 1122
  // 3.2.2; Linux icmp_msgs_per_sec / icmp_msgs_burst). Rate 0: unlimited.
  // Echo replies are not limited.
  std::uint32_t icmp_error_rate = 1000;
  std::uint32_t icmp_error_burst = 50;
  std::size_t max_ping_replies = 1024;  // queued for the application
  std::size_t max_icmp_errors = 1024;
  std::size_t max_loopback_queue = 1024;  // datagrams to ourselves waiting for poll()
  // Path MTU discovery for TCP (RFC 1191; Linux ip_no_pmtu_disc = 0): our
  // segments carry DF, and an ICMP "fragmentation needed" lowers the MTU to
  // that destination for `pmtu_expires` (Linux mtu_expires, 10 minutes).
  // A report below `min_pmtu` (Linux min_pmtu, 552: a forged ICMP cannot
  // shrink segments to nothing) sets the path to it with DF cleared, so
  // routers fragment what is still too big. At most `max_pmtu_entries`
  // destinations are remembered. Off: TCP without DF, fragmented by routers.
  bool pmtu_discovery = true;
  // Generic segmentation offload in software (Linux's GSO): TCP hands over
  // segments of several MSS on every path, as it does to a NIC with TSO,
  // and send_segment() cuts them into MSS-sized frames as it copies the
  // payload from the send ring, summing it in the same pass. What crosses
  // the wire is the same frames; TCP's per-segment work (planning, the
  // header, the RACK/SACK bookkeeping) is done once per cut segment.
  bool gso = true;
  // Record how address resolutions go (ARP, and ND for IPv6), for a tool
  // that tells its user why a first packet was late:
  // take_resolution_events(). Off by default: a simulated router resolving
  // for thousands of clients has nobody reading them.
  bool resolution_events = false;
  Duration pmtu_expires = std::chrono::minutes{10};
  std::uint16_t min_pmtu = 552;
  std::size_t max_pmtu_entries = 4096;
  ChecksumMode checksum{};
  link::ArpCacheConfig arp{};
  ip::ReassemblerConfig reassembly{};
  // IPv6 (interface_ipv6.cpp): the neighbour cache of each NIC and the
  // reassembler. The hop limit of our packets is default_ttl.
  ip::NeighborCacheConfig nd{};
  ip::Reassembler6Config reassembly6{};
  Ipv6AutoConfig ipv6{};
  udp::SocketTableConfig udp{};
  tcp::SocketTableConfig tcp{};
};

// An echo reply that arrived (for ping: RTT = at - the time the request left).
struct PingReply {
  Ipv4Address from;
  std::uint16_t ident = 0;
  std::uint16_t seq = 0;
  std::uint8_t ttl = 0;
  std::size_t payload_len = 0;
  Instant at{};
  friend bool operator==(const PingReply&, const PingReply&) = default;
};
// "64 bytes from 10.0.0.2: icmp_seq=1 ident=7 ttl=64 at 0.001000s"
std::ostream& operator<<(std::ostream& os, const PingReply& r);

// An ICMPv6 echo reply that arrived (send_ping6()).
struct Ping6Reply {
  Ipv6Address from;
  std::uint16_t ident = 0;
  std::uint16_t seq = 0;
  std::uint8_t hop_limit = 0;
  std::size_t payload_len = 0;
  Instant at{};
  friend bool operator==(const Ping6Reply&, const Ping6Reply&) = default;
};

// RFC 5227 2.4: an ARP packet (request or reply) from another hardware
// address whose sender IP address is one of ours: two hosts use one address.
// The host defends its address once (a new announcement) unless it saw a
// conflict in the last DEFEND_INTERVAL (10 s), then keeps using it.
struct ArpConflict {
  NicId nic = 0;
  Ipv4Address address;
  MacAddress other;   // the sender hardware address that claimed it
  bool defended = false;
  Instant at{};
  friend bool operator==(const ArpConflict&, const ArpConflict&) = default;
};
// "10.0.0.1 is also used by 02:57:53:00:00:02 (ARP conflict on nic 0): defended with an announcement"
std::ostream& operator<<(std::ostream& os, const ArpConflict& c);

// How an address resolution went (InterfaceConfig::resolution_events): a
// first ping that takes a second usually means a lost request or reply, and
// the user should be told which. ARP for IPv4 neighbours, ND (Neighbor
// Solicitation and Advertisement) for IPv6 ones.
enum class ResolutionEventKind : std::uint8_t {
  retry,        // a request got no answer in time: request number `requests` went out
  resolved,     // answered, after `requests` requests, `elapsed` after the first
  failed,       // `requests` requests got no answer: given up (host unreachable)
  asked_again,  // `neighbor` asked for `ours` again `elapsed` after we answered it:
                // our answer was lost or late (or its request before that was)
};
struct ResolutionEvent {
  NicId nic = 0;
  ResolutionEventKind kind = ResolutionEventKind::resolved;
  IpAddress neighbor;     // whose MAC we looked for; asked_again: who asked
  IpAddress ours;         // asked_again: the address of ours it asked for
  MacAddress mac{};       // resolved: the answer
  std::uint32_t requests = 0;
  Duration elapsed{};     // since our first request; asked_again: since our answer
  Instant at{};
  friend bool operator==(const ResolutionEvent&, const ResolutionEvent&) = default;
};
// "ARP: 10.0.0.1 has not answered in 1.000 s: request 2 sent"
// "ARP: 10.0.0.1 is at 02:00:00:00:00:01 (answered 1.002 s after the first of 2 requests: one was lost or late)"
std::ostream& operator<<(std::ostream& os, const ResolutionEvent& e);

// What IPv6 autoconfiguration did to an address or a router, for the user
// (take_address_events(); the simulator prints them).
enum class AddressEventKind : std::uint8_t {
  tentative,       // DAD started for it
  assigned,        // DAD passed: in use (RFC 4862 5.4.5 "no duplicate")
  duplicate,       // DAD failed: someone on the link has it; never used
  removed,         // its valid lifetime ended (SLAAC)
  router_added,    // a default router (from a Router Advertisement)
  router_expired,  // its router lifetime ended, or was 0
};
std::ostream& operator<<(std::ostream& os, AddressEventKind k);
struct AddressEvent {
  NicId nic = 0;
  AddressEventKind kind = AddressEventKind::assigned;
  Ipv6Address address;
  bool slaac = false;  // formed from a router's prefix
  Instant at{};
  friend bool operator==(const AddressEvent&, const AddressEvent&) = default;
};
// "2001:db8::1 is a duplicate (DAD failed on nic 0): not used"
std::ostream& operator<<(std::ostream& os, const AddressEvent& e);

// An ICMP error about a datagram this host sent (for traceroute, ping's
// "Destination Host Unreachable", diagnostics). Locally detected ARP
// failures appear as host unreachable with `from` = our own address.
struct IcmpError {
  Ipv4Address from;  // who reported it
  Icmpv4Type type = Icmpv4Type::dst_unreachable;
  std::uint8_t code = 0;
  std::uint16_t next_hop_mtu = 0;  // frag needed
  std::uint16_t orig_total_len = 0;  // the quoted datagram's total length
  std::uint32_t orig_tcp_seq = 0;    // TCP: the quoted segment's sequence number
  // The quoted datagram.
  Ipv4Address orig_src;
  Ipv4Address orig_dst;
  IpProtocol orig_protocol{};
  std::uint16_t orig_ident = 0;
  std::uint16_t src_port = 0;  // UDP/TCP: ports; ICMP echo: ident in src_port, seq in dst_port
  std::uint16_t dst_port = 0;
  bool local = false;  // detected by this host (ARP failure), not received
  Instant at{};
  friend bool operator==(const IcmpError&, const IcmpError&) = default;
};
// "From 10.0.0.254: time exceeded in transit, for UDP 10.0.0.1:50000 > 10.0.9.9:33434"
std::ostream& operator<<(std::ostream& os, const IcmpError& e);

// An ICMPv6 error about a packet this host sent (RFC 4443 2.4(b)), for
// traceroute and ping as IcmpError is for ICMPv4. A neighbour that never
// answered our solicitations appears as address unreachable (code 3) with
// `from` = our own address and `local` set (RFC 4861 7.2.2).
struct Icmp6Error {
  Ipv6Address from;
  Icmpv6Type type = Icmpv6Type::dst_unreachable;
  std::uint8_t code = 0;
  std::uint32_t param = 0;  // Packet Too Big: the MTU; Parameter Problem: the pointer
  Ipv6Address orig_src;
  Ipv6Address orig_dst;
  IpProtocol orig_protocol{};  // the quoted packet's upper layer (after its extension headers)
  std::uint16_t src_port = 0;  // UDP/TCP: ports; ICMPv6 echo: ident in src_port, seq in dst_port
  std::uint16_t dst_port = 0;
  bool local = false;
  Instant at{};
  friend bool operator==(const Icmp6Error&, const Icmp6Error&) = default;
};

struct PingOptions {
  std::optional<std::uint8_t> ttl;  // nullopt: the default TTL
  bool dont_fragment = false;
};

// Why a locally originated datagram could not be sent at once. (ARP
// failures come later, through poll().)
enum class SendError : std::uint8_t {
  no_route,          // no route to the destination
  no_source_address, // the egress NIC has no IPv4 address
  too_big,           // DF set and larger than the egress MTU, or > 65535
  nic_down,
  arp_queue_full,    // the datagram was dropped waiting for ARP
};
std::ostream& operator<<(std::ostream& os, SendError e);

struct SendOptions {
  Ipv4Address src{};                // 0.0.0.0: the egress NIC's address
  std::optional<std::uint8_t> ttl;  // nullopt: config().default_ttl
  bool dont_fragment = false;
};

class Interface final : private tcp::IpLayer {
 public:
  // `sink` and `rng` are borrowed and must outlive the interface. The RNG
  // seeds the UDP port key and the first IPv4 ident.
  Interface(FrameSink& sink, Rng& rng, InterfaceConfig config = {});
  Interface(const Interface&) = delete;
  Interface& operator=(const Interface&) = delete;

  const InterfaceConfig& config() const { return config_; }

  // ---- Configuration ----
  // A new NIC, down. Precondition: mtu >= 68 (RFC 791).
  NicId add_nic(MacAddress mac, std::uint16_t mtu = 1500);
  // The NIC takes TCP segments of up to 64 KiB and finishes them (TSO and
  // TCP checksum offload): TCP connections leaving by it send segments of
  // several MSS (tcp::IpLayer::Path::tso) with their checksum left to the
  // device, handed to FrameSink::transmit_offloaded. What cannot go to the
  // device whole (waiting for ARP) is cut and checksummed here first.
  void set_tso(NicId nic, bool on);
  bool tso(NicId nic) const;
  std::size_t nic_count() const { return nics_.size(); }
  MacAddress mac(NicId nic) const;
  std::uint16_t mtu(NicId nic) const;
  const std::vector<Ipv4Prefix>& addresses(NicId nic) const;
  bool is_up(NicId nic) const;
  // Adds the address and its connected route; announces it (gratuitous ARP)
  // if the NIC is up. Refused if the address is already on this host.
  Result<void, std::string> add_address(NicId nic, Ipv4Prefix address);
  // Takes the address off the NIC (a DHCP lease ended): its connected route
  // goes with the last address of its subnet, and so do the routes through
  // gateways that were reachable only through it. False if the NIC had no
  // such address.
  bool remove_address(NicId nic, Ipv4Prefix address);
  // Marks the NIC up and announces each of its addresses (RFC 5227 2.3).
  void nic_up(NicId nic, Instant now);
  // Marks the NIC down: its ARP cache is flushed (waiting datagrams fail as
  // host unreachable); frames to or from it are dropped and counted.
  void nic_down(NicId nic, Instant now);
  // What a crash loses, at once and sending nothing: every NIC goes down,
  // every TCP and UDP socket is forgotten (handles go stale), the ARP caches
  // and the fragments being reassembled are dropped, undelivered ping
  // replies and ICMP errors too. What a reboot restores stays: the NICs,
  // their addresses and static ARP entries, the routes, the counters. A
  // restart is nic_up() on each NIC (with its gratuitous ARP).
  void crash(Instant now);
  void set_forwarding(bool on) { config_.forwarding = on; }
  bool forwarding() const { return config_.forwarding; }
  ip::RouteTable& routes() { return routes_; }
  const ip::RouteTable& routes() const { return routes_; }
  link::ArpCache& arp(NicId nic);
  const link::ArpCache& arp(NicId nic) const;
  bool is_local_address(Ipv4Address a) const;
  bool is_local_address(const Ipv6Address& a) const;
  // Either family (tcp::IpLayer).
  bool is_local_address(const IpAddress& a) const override {
    return a.is_v4() ? is_local_address(a.v4()) : is_local_address(a.v6());
  }

  // ---- IPv6 (interface_ipv6.cpp, interface_nd.cpp, interface_router6.cpp) ----
  // Every NIC has a link-local address from its MAC (fe80::/64 + modified
  // EUI-64, RFC 4862 5.3, RFC 4291 appendix A), first in addresses6() once
  // assigned. With config().ipv6.enabled, addresses are tentative until DAD
  // passes (see Ipv6AutoConfig). Routes: the prefixes of our addresses and
  // of RAs are on-link; anything else goes to a default router learnt from
  // RAs, or the static one of set_default_router6(). Routers (forwarding
  // on) forward between NICs. ICMPv6 errors reach TCP and UDP as ICMPv4's
  // do; a Packet Too Big lowers the path MTU to its destination (RFC 8201,
  // not below 1280) and, quoting data in flight, the connection's segment
  // size. Redirects: routers send them, hosts honour them (RFC 4861 8,
  // interface_redirect6.cpp). Not done yet: other static IPv6 routes.
  // Adds a static address; its prefix is on-link. Refused if not unicast,
  // link-local (the NIC has its own), IPv4-mapped, or already ours.
  Result<void, std::string> add_address6(NicId nic, Ipv6Prefix address);
  // Assigned addresses (usable), the link-local one first.
  const std::vector<Ipv6Prefix>& addresses6(NicId nic) const;
  // Addresses waiting for DAD.
  const std::vector<Ipv6Prefix>& tentative6(NicId nic) const;
  Ipv6Address link_local(NicId nic) const;
  // Routers: a /64 to advertise in Router Advertisements on `nic` (on-link,
  // autonomous). Refused if not a /64 or link-local or multicast.
  Result<void, std::string> advertise6(NicId nic, Ipv6Prefix prefix);
  // Hosts: (destination, next hop) of each Redirect in force (RFC 4861 8.3).
  std::vector<std::pair<Ipv6Address, Ipv6Address>> redirects6() const;
  // Hosts: the default routers learnt on `nic` (link-local addresses).
  std::vector<Ipv6Address> default_routers6(NicId nic) const;
  // A default router set by hand (Linux `ip -6 route add default via`),
  // used before those learnt from RAs and kept when the NIC goes down.
  // Refused if not unicast or one of our own addresses.
  Result<void, std::string> set_default_router6(NicId nic, Ipv6Address router);
  // What autoconfiguration did since the last call, in order.
  std::vector<AddressEvent> take_address_events();
  // IPv4 address conflicts seen since the last call, in order (at most the
  // last 64; counters().arp.conflicts counts them all).
  bool has_arp_conflicts() const { return !arp_conflicts_.empty(); }
  std::vector<ArpConflict> take_arp_conflicts();
  // How resolutions went since the last call, in order (at most the last
  // 64), when InterfaceConfig::resolution_events is on.
  std::vector<ResolutionEvent> take_resolution_events();
  ip::NeighborCache& neighbors(NicId nic);
  // A packet with `payload` as its upper-layer bytes (header included).
  Result<void, SendError> send_ipv6(Ipv6Address dst, IpProtocol protocol, Bytes payload, Instant now,
                                    Ipv6Address src = {});
  // ICMPv6 echo request with `payload_len` pattern bytes (0x00, 0x01, ...).
  // `hop_limit`: nullopt, the NIC's (an RA's Cur Hop Limit, else default_ttl).
  Result<void, SendError> send_ping6(Ipv6Address dst, std::uint16_t ident, std::uint16_t seq, std::size_t payload_len,
                                     Instant now, std::optional<std::uint8_t> hop_limit = std::nullopt);
  std::vector<Ping6Reply> take_ping6_replies();
  // ICMPv6 errors about packets we sent, since the last call (at most
  // config().max_icmp_errors kept).
  std::vector<Icmp6Error> take_icmp6_errors();
  const ip::Reassembler6& reassembler6() const { return reassembler6_; }

  // ---- The driver's side ----
  void receive(NicId nic, Bytes frame, Instant now);
  // As receive(), for a frame whose TCP or UDP checksum the device has
  // completed or verified itself (a TAP device with offloads: the kernel's
  // partial checksum filled in by dev::TapDevice, or its DATA_VALID): the
  // transport does not sum the payload a second time. The IPv4 header's
  // checksum is still checked, and a datagram reassembled from fragments is
  // checked whole.
  void receive_checksummed(NicId nic, Bytes frame, Instant now);
  // The device said it was full (FrameSink::has_room) and has room again:
  // TCP resumes the connections it stopped (at the next poll()).
  void nic_has_room(NicId nic);
  void poll(Instant now);
  // When poll() has work next: a past Instant (Instant{} ) means "now".
  std::optional<Instant> poll_at() const;

  // ---- Applications ----
  // A datagram with `payload` as its data (the transport header included).
  Result<void, SendError> send_ipv4(Ipv4Address dst, IpProtocol protocol, Bytes payload, Instant now,
                                    SendOptions options = {});
  // ICMP echo request with `payload_len` pattern bytes (0x00, 0x01, ...).
  Result<void, SendError> send_ping(Ipv4Address dst, std::uint16_t ident, std::uint16_t seq, std::size_t payload_len,
                                    Instant now, PingOptions options = {});
  // Replies / errors received since the last call, in arrival order.
  std::vector<PingReply> take_ping_replies();
  std::vector<IcmpError> take_icmp_errors();

  // UDP: the socket table; datagrams queued on it are sent by the next
  // poll(), or at once through udp_send_to()/udp_send().
  udp::SocketTable& udp() { return udp_; }
  const udp::SocketTable& udp() const { return udp_; }
  // udp().bind(), refusing a local address this host does not have
  // (0.0.0.0 and 255.255.255.255 are always allowed).
  Result<IpEndpoint, udp::Error> udp_bind(udp::SocketHandle s, IpEndpoint local);
  Result<void, udp::Error> udp_send_to(udp::SocketHandle s, IpEndpoint dst, Bytes payload, Instant now);
  Result<void, udp::Error> udp_send(udp::SocketHandle s, Bytes payload, Instant now);
  // Sends every datagram the sockets queued.
  void flush_udp(Instant now);

  // TCP: the socket table (tcp/socket_table.hpp). What the application
  // queues leaves on the next poll(); poll_at() says "now" meanwhile.
  tcp::SocketTable& tcp() { return tcp_; }
  const tcp::SocketTable& tcp() const { return tcp_; }

  // ---- Observation ----
  const InterfaceCounters& counters() const { return counters_; }
  const ip::Reassembler& reassembler() const { return reassembler_; }
  // ARP counters summed over all NICs.
  link::ArpCounters arp_counters() const;
  // Every counter of the stack: counters() (see iface/counters.hpp), then
  // layer "arp_cache" (arp_counters()), "reassembly" (reassembler stats) and
  // "udp_sockets" (the socket table's counters).
  void for_each_counter(const CounterVisitor& visit) const;
  // As operator<< on counters(), with those three layers added.
  void print_counters(std::ostream& os) const;

 private:
  struct Nic {
    MacAddress mac;
    std::uint16_t mtu = 1500;
    bool up = false;
    bool tso = false;
    bool full = false;  // the device said it has no room (FrameSink::has_room)
    std::vector<Ipv4Prefix> addresses;
    link::ArpCache arp;
    std::optional<Instant> last_conflict;  // RFC 5227 2.4 (c): defend at most once per DEFEND_INTERVAL
    std::vector<Ipv6Prefix> addresses6;  // assigned; the link-local address first
    ip::NeighborCache nd;
    std::vector<Ipv6Address> resolving6;  // next hops with packets waiting in nd
    // interface_nd.cpp: autoconfiguration state.
    Ipv6Address ll;                        // the NIC's link-local address (assigned or not)
    std::vector<Ipv6Prefix> tentative6;    // waiting for DAD (not usable, not answered for)
    ip::Dad dad;
    std::optional<ip::Slaac> slaac;        // hosts with config().ipv6.slaac
    struct Router {
      Ipv6Address addr;
      Instant expires{};
    };
    std::vector<Router> routers6;          // the Default Router List (RFC 4861 6.3.4)
    std::optional<Ipv6Address> static_router6;  // set_default_router6()
    struct OnLink {
      Ipv6Prefix prefix;
      Instant expires{};
    };
    std::vector<OnLink> onlink6;           // on-link prefixes from RAs (L flag)
    // interface_mld.cpp
    std::vector<Ipv6Address> mld_reported;  // groups joined and reported
    std::vector<MldRecord> mld_resend;      // the last state change, to send once more
    std::optional<Instant> mld_resend_at;
    std::optional<Instant> mld_answer_at;   // a Query's answer
    Ipv6Address mld_answer_group;           // :: for all of them
    std::uint8_t ra_hop_limit = 0;         // an RA's Cur Hop Limit (RFC 4861 6.3.4); 0: default_ttl
    std::uint16_t ra_mtu = 0;              // an RA's MTU option (6.3.4), IPv6 only, <= mtu; 0: mtu
    std::uint32_t rs_sent = 0;
    std::optional<Instant> next_rs_at;
    // interface_router6.cpp
    std::vector<Ipv6Prefix> advertise6;
    std::optional<Instant> next_ra_at;
    std::optional<Instant> last_ra_at;
    std::uint32_t ra_sent = 0;
  };
  struct Egress6 {
    NicId nic = 0;
    Ipv6Address next_hop;
    Ipv6Address src;
  };
  // Where a datagram to `dst` leaves.
  struct Egress {
    NicId nic = 0;
    Ipv4Address next_hop;
    Ipv4Address src;
    bool broadcast = false;  // link-layer broadcast (limited or directed broadcast)
  };

  // Inline: a frame's way through the interface asks for its NIC several
  // times (out of line it was 1-2 % of a bulk transfer's time).
  Nic& nic_ref(NicId nic) {
    WIRESTACK_ASSERT(nic < nics_.size());
    mark_nic(nic);  // what the caller changes may move the NIC's timers
    return nics_.v_[nic];
  }
  const Nic& nic_ref(NicId nic) const {
    WIRESTACK_ASSERT(nic < nics_.size());
    return nics_[nic];
  }
  // The NIC's address for talking to `peer` (same subnet first), or 0.0.0.0.
  Ipv4Address source_for(NicId nic, Ipv4Address peer) const;
  bool is_broadcast_for(NicId nic, Ipv4Address dst) const;
  // A directed broadcast address of any of our NICs' subnets.
  bool is_broadcast_for_any(Ipv4Address dst) const;
  // A source no single host can have (RFC 1122 3.2.1.3, RFC 1812 5.3.7):
  // broadcast (limited, or directed to any of our networks), multicast,
  // loopback, 0.0.0.0/8 other than 0.0.0.0 itself, class E (240.0.0.0/4).
  bool is_martian_source(Ipv4Address src) const;

  // interface_input.cpp
  void receive_arp(NicId nic, Bytes payload, Instant now);
  void arp_conflict(NicId nic, const ArpRepr& arp, Instant now);
  void receive_ipv4(NicId nic, Bytes payload, bool link_broadcast, Instant now);
  void deliver_local(NicId nic, Ipv4Packet packet, const Ipv4Repr& repr, bool broadcast, Instant now);
  void deliver_loopback(Instant now);
  void receive_icmp(Ipv4Packet packet, const Ipv4Repr& repr, bool broadcast, Instant now);
  void receive_udp(NicId nic, Ipv4Packet packet, const Ipv4Repr& repr, bool broadcast, Instant now);
  void handle_icmp_error(const IcmpError& e);
  void receive_tcp(Ipv4Packet packet, const Ipv4Repr& repr, bool broadcast, Instant now);
  // A TCP segment of either family to the socket table, its checksum
  // checked; `ecn`: the IP header's ECN field (RFC 3168).
  void deliver_tcp(Bytes segment, const IpPair& ips, std::uint8_t ecn, Instant now);
  // tcp::IpLayer. IPv4 only so far: an IPv6 destination has no path (the
  // transport sees "network unreachable") and nothing is sent to it.
  void send_segment(const IpAddress& src, const IpAddress& dst, const TcpRepr& header, storage::SpanPair payload,
                    std::uint16_t gso_size, std::uint8_t ecn, Instant now) override;
  // A TCP datagram in `frame` (after the Ethernet header) with a partial
  // checksum, sent whole to a NIC with TSO once ARP has its next hop: else
  // cut into MTU-sized segments with full checksums (software GSO), each
  // sent as any datagram.
  Result<void, SendError> output_offloaded(const Egress& eg, const Ipv4Repr& ip, ByteVec& frame,
                                           std::uint16_t gso_size, Instant now);
  std::optional<Path> path_to(const IpAddress& dst) const override;
  bool has_room_for(const IpAddress& dst) const override;
  std::size_t burst_room(const IpAddress& dst) const override;
  // After a frame went to the sink: whether the NIC is now full.
  void note_room(NicId nic);
  // An ARP resolution completed, failed or was flushed: TCP resumes what
  // waited for it, and resolving_ is recomputed.
  void resolution_ended();
  void forward(NicId nic, Ipv4Packet packet, const Ipv4Repr& repr, bool link_broadcast, Instant now);

  // interface_ipv6.cpp
  bool is_our_multicast_mac(NicId nic, MacAddress dst) const;
  // The hop limit of our IPv6 packets leaving by `nic`.
  std::uint8_t hop_limit6(NicId nic) const;
  bool accepts_ipv6_dst(NicId nic, const Ipv6Address& dst) const;
  // The NIC's address for talking to `peer`: one in its prefix, else the link-local one.
  Ipv6Address source_for6(NicId nic, const Ipv6Address& peer) const;
  std::optional<Egress6> select_egress6(const Ipv6Address& dst, const Ipv6Address& src) const;
  void receive_ipv6(NicId nic, Bytes payload, bool link_multicast, Instant now);
  // A checked packet for us (the walk, reassembly, then the upper layer).
  void deliver_ipv6(NicId nic, Ipv6Packet packet, bool link_multicast, Instant now);
  void receive_icmpv6(NicId nic, Ipv6Packet packet, const Ipv6Repr& ip, Bytes upper, bool link_multicast,
                      Instant now);
  void receive_nd(NicId nic, const Ipv6Repr& ip, const Icmpv6Repr& msg, Instant now);
  // interface_nd.cpp: DAD, router discovery, SLAAC.
  void receive_ns(NicId nic, const Ipv6Repr& ip, const NdNeighborSolicit& ns, const NdOptions& opts, Instant now);
  void receive_na(NicId nic, const NdNeighborAdvert& na, const NdOptions& opts, Instant now);
  void receive_ra(NicId nic, const Ipv6Repr& ip, const NdRouterAdvert& ra, const NdOptions& opts, Instant now);
  bool autoconf() const { return config_.ipv6.enabled; }
  bool usable6(const Nic& n, const Ipv6Address& a) const;
  void start_dad(NicId nic, Ipv6Prefix address, Duration delay, Instant now);
  void dad_failed(NicId nic, const Ipv6Address& a, Instant now);
  void assign6(NicId nic, const Ipv6Address& a, Instant now);
  void remove6(NicId nic, const Ipv6Address& a);
  void nic_up6(NicId nic, Instant now);
  void nic_down6(NicId nic);
  void send_rs(NicId nic, Instant now);
  void poll_autoconf(NicId nic, Instant now);
  std::optional<Instant> autoconf_poll_at(const Nic& n) const;
  void push_event(NicId nic, AddressEventKind kind, const Ipv6Address& a, bool slaac, Instant now);
  Duration random_delay(Duration max);
  // interface_mld.cpp
  std::vector<Ipv6Address> mld_groups(NicId nic) const;  // solicited-node groups of every address
  void send_mld_report(NicId nic, const std::vector<MldRecord>& records);
  void mld_sync(NicId nic, Instant now);        // report what joined or left since the last report
  void mld_report_all(NicId nic, Instant now);  // every group again (the link-local address is valid now)
  void receive_mld_query(NicId nic, const Ipv6Repr& ip, const Icmpv6Other& m, Instant now);
  void poll_mld(NicId nic, Instant now);
  // interface_redirect6.cpp
  void receive_redirect(NicId nic, const Ipv6Repr& ip, const NdRedirect& r, const NdOptions& opts, Instant now);
  // A router forwarding `packet` (arrived on `nic`) by `eg`: a Redirect to
  // its source when the next hop is on the link it came from (8.2).
  void maybe_send_redirect(NicId nic, Bytes packet, const Egress6& eg, Instant now);
  std::optional<Egress6> redirected_egress6(const Ipv6Address& dst) const;
  // interface_router6.cpp: forwarding and Router Advertisements.
  void forward6(NicId nic, Ipv6Packet packet, bool link_multicast, Instant now);
  void receive_rs(NicId nic, const Ipv6Repr& ip, const NdOptions& opts, Instant now);
  void send_ra(NicId nic, Instant now);
  void schedule_ra(NicId nic, Instant now);
  void receive_udp6(Ipv6Packet packet, const Ipv6Repr& ip, Bytes upper, bool link_multicast, Instant now);
  void receive_tcp6(const Ipv6Repr& ip, Bytes upper, Instant now);
  // interface_icmp6_errors.cpp: an ICMPv6 error about a packet we sent, to
  // TCP/UDP and the path MTU.
  void handle_icmpv6_error(const Ipv6Address& from, const Icmpv6Repr& msg, Instant now);
  // What an ICMPv6 error (received, or ND's failure here) means to the
  // application queue, TCP, UDP and the path MTU.
  void deliver_icmp6_error(const Icmp6Error& e, std::uint32_t tcp_seq, bool has_seq, Instant now);
  // A packet whose next hop never answered NS (RFC 4861 7.2.2): ours, the
  // error is delivered here; forwarded, its source gets address unreachable.
  void nd_failed(const ip::FailedPacket6& f, Instant now);
  // An ICMPv6 error about `invoking` (a whole packet), if RFC 4443 2.4(e)
  // and the rate limit allow.
  void send_icmpv6_error(Bytes invoking, const Icmpv6Repr& error, bool link_multicast, Instant now);
  Result<void, SendError> send_icmpv6(Ipv6Address dst, Ipv6Address src, const Icmpv6Repr& icmp, Instant now,
                                      std::optional<std::uint8_t> hop_limit = std::nullopt);
  // An ND message (hop limit 255) straight to `eth_dst`.
  void send_nd(NicId nic, MacAddress eth_dst, const Ipv6Address& src, const Ipv6Address& dst, const Icmpv6Repr& msg);
  void send_ns(NicId nic, const ip::Solicit& s);
  void poll_nd(NicId nic, Instant now);
  void release_nd(NicId nic, std::vector<ip::ReadyPacket6>& released);
  void send_udp_datagram6(udp::Outgoing& o, Instant now);
  void send_segment6(const Ipv6Address& src, const Ipv6Address& dst, const TcpRepr& header,
                     storage::SpanPair payload, std::uint8_t ecn, Instant now);
  // The packet in `frame` (Ethernet room, then header room, then the
  // payload in place): header emitted, fragmented to the MTU if needed,
  // then to the neighbour (or its ND queue).
  Result<void, SendError> output6(const Egress6& eg, const Ipv6Repr& header, ByteVec& frame, Instant now);
  Result<void, SendError> output6_packet(const Egress6& eg, ByteVec packet, Instant now);

  // interface_output.cpp
  std::optional<Egress> select_egress(Ipv4Address dst, Ipv4Address src) const;
  // The egress of a unicast datagram to a neighbour whose MAC is known,
  // remembered (Linux's dst cache, sk_dst_cache): what TCP's segments take
  // without a route lookup, an address scan and an ARP table search each.
  // An entry holds while the route table, the NICs (addresses, up/down,
  // offloads) and its NIC's ARP cache have not changed since it was made,
  // and its ARP entry has not expired.
  struct CachedEgress {
    Ipv4Address dst;
    Ipv4Address asked_src;  // the source asked for (any: the route's)
    Egress eg;
    MacAddress mac;
    bool valid = false;
    Instant until{};
    std::uint64_t route_gen = 0;
    std::uint64_t nic_gen = 0;
    std::uint64_t arp_gen = 0;
  };
  // nullptr: not cacheable now (no route, broadcast, local, NIC down, ARP
  // not resolved): the caller takes the general path with `looked_up`, the
  // route lookup's answer (set whenever the cache missed).
  const CachedEgress* cached_egress(Ipv4Address dst, Ipv4Address src, Instant now, std::optional<Egress>& looked_up);
  // output_in_place() through a remembered egress (counts the ARP hit).
  Result<void, SendError> output_cached(const CachedEgress& c, const Ipv4Repr& header, ByteVec& frame, Instant now);
  // send_segment() of one frame: `payload` copied into it and summed; the
  // frame goes by `cached` when there is one, else by `eg`.
  Result<void, SendError> send_summed(const CachedEgress* cached, const Egress& eg, const Ipv4Repr& ip,
                                      const TcpRepr& header, const storage::SpanPair& payload, Instant now);
  // Emits header + payload, fragments to the MTU and hands each piece to the link.
  Result<void, SendError> output(const Egress& eg, const Ipv4Repr& header, Bytes payload, Instant now);
  // The same for a datagram whose payload is already in place in `frame` (a
  // pool buffer: Ethernet header room, IPv4 header room, then the payload).
  Result<void, SendError> output_in_place(const Egress& eg, const Ipv4Repr& header, ByteVec& frame, Instant now);
  // The datagram in `frame` (emitted, fits the MTU) to the link: on an ARP
  // hit the Ethernet header is written in front of it and the frame sent as
  // it is; otherwise a copy goes to output_datagram() (the ARP queue).
  Result<void, SendError> output_frame(const Egress& eg, ByteVec& frame, std::size_t datagram_len, Instant now,
                                       const TxOffload* offload = nullptr);
  // Frame buffers: taken for one datagram, given back after the sink's
  // transmit() (which copies what it keeps). At least `len` bytes.
  ByteVec take_frame(std::size_t len);
  void give_frame(ByteVec&& frame);
  // One whole datagram (fits the MTU) to the link: ARP, then Ethernet.
  Result<void, SendError> output_datagram(const Egress& eg, ByteVec datagram, Instant now);
  void send_frame(NicId nic, MacAddress dst, EtherType type, Bytes payload);
  void send_arp(NicId nic, const ArpRepr& arp, MacAddress dst);
  void poll_arp(NicId nic, Instant now);
  void arp_failed(ByteVec datagram, Instant now);
  // RFC 1122 3.2.2: may we send an ICMP error about `offending`?
  bool may_send_icmp_error(Ipv4Packet offending, const Ipv4Repr& repr, bool link_broadcast);  // counts refusals
  // The rate limit: true (and a token taken) if an ICMP error may go now.
  bool take_icmp_token(Instant now);
  // Sends an ICMP error (message with its quote already set) to quote.header.src.
  void send_icmp_error(const Icmpv4Message& message, Instant now);
  Icmpv4Quote quote_of(Ipv4Packet offending) const;
  Result<void, SendError> send_icmp(Ipv4Address dst, Ipv4Address src, const Icmpv4Repr& icmp, Instant now,
                                    SendOptions options = {});
  void send_udp_datagram(udp::Outgoing& o, Instant now);
  void push_icmp_error(const IcmpError& e);

  FrameSink& sink_;
  InterfaceConfig config_;
  // The NICs, read-only except through nic_ref(), which marks the NIC it
  // hands out for the deadline cache below.
  class NicList {
   public:
    const Nic& operator[](std::size_t i) const { return v_[i]; }
    std::size_t size() const { return v_.size(); }
    std::vector<Nic>::const_iterator begin() const { return v_.cbegin(); }
    std::vector<Nic>::const_iterator end() const { return v_.cend(); }

   private:
    friend class Interface;
    std::vector<Nic> v_;
  };
  NicList nics_;
  // Per NIC, the earliest of its timers (nic_poll_at: ARP, neighbour
  // discovery, autoconfiguration), kept in a min-tree so that poll_at()
  // and poll() cost O(log NICs) after an event, not a scan of every NIC's
  // caches (a router with 101 cards spent 30 % of a run there). Whatever
  // can move a NIC's timers reaches it through nic_ref(), which marks it;
  // poll_at() and poll() recompute the marked NICs first.
  mutable storage::DeadlineTree nic_due_;
  mutable std::vector<NicId> nic_marked_;
  mutable std::vector<std::uint8_t> nic_is_marked_;
  void mark_nic(NicId nic) {
    if (nic_is_marked_[nic] == 0) mark_nic_first(nic);
  }
  void mark_nic_first(NicId nic);  // out of line: nic_ref() stays small enough to inline
  void refresh_nic_due() const;
  // Our IPv4 addresses and directed broadcast addresses, sorted, for the
  // questions every forwarded datagram asks (is_local_address,
  // is_martian_source) on a host with many NICs; rebuilt when nic_gen_ moves.
  struct AddressIndex {
    std::uint64_t nic_gen = ~std::uint64_t{0};
    std::vector<std::uint32_t> local;
    std::vector<std::uint32_t> broadcast;
  };
  mutable AddressIndex address_index_;
  static constexpr std::size_t kIndexedNics = 4;  // fewer NICs: a scan is as fast
  const AddressIndex& address_index() const;
  std::optional<Instant> nic_poll_at(const Nic& n) const;
  ip::RouteTable routes_;
  ip::Reassembler reassembler_;
  ip::Reassembler6 reassembler6_;
  std::uint32_t next_ident6_ = 0;
  Rng nd_rng_;  // DAD delays and nonces, RA intervals: a stream of its own (the main one's draws stay as they were)
  ip::StableIdSecret stable_secret_{};
  std::deque<AddressEvent> address_events_;
  std::deque<ArpConflict> arp_conflicts_;
  // interface_resolution.cpp: resolution events (config_.resolution_events).
  struct PendingResolution {
    Instant first;
    std::uint32_t requests = 0;
  };
  std::map<std::pair<NicId, IpAddress>, PendingResolution> pending_resolutions_;
  std::map<std::pair<NicId, IpAddress>, Instant> answered_;  // neighbours we answered, when
  std::deque<ResolutionEvent> resolution_events_;
  void note_request(NicId nic, const IpAddress& target, Instant now);
  void note_resolved(NicId nic, const IpAddress& target, MacAddress mac, Instant now);
  void note_failed(NicId nic, const IpAddress& target, Instant now);
  void note_answered(NicId nic, const IpAddress& asker, const IpAddress& ours, Instant now);
  void push_resolution_event(ResolutionEvent e);
  Instant last_now_{};  // the latest time given (receive, poll, nic_up): for add_address6's DAD start
  std::deque<Ping6Reply> ping6_replies_;
  std::deque<Icmp6Error> icmp6_errors_;
  udp::SocketTable udp_;
  std::uint16_t next_ident_;
  std::size_t full_nics_ = 0;  // NICs whose device said it has no room
  std::uint64_t nic_gen_ = 0;  // bumped when a NIC, its addresses or offloads change
  static constexpr std::size_t kEgressCacheSize = 16;  // direct-mapped by destination
  std::array<CachedEgress, kEgressCacheSize> egress_cache_{};
  bool resolving_ = false;     // some NIC's ARP cache has a resolution in progress
  TokenBucket icmp_tokens_;  // ICMP errors (Linux icmp_global_allow)
  std::deque<PingReply> ping_replies_;
  std::deque<IcmpError> icmp_errors_;
  // Datagrams to one of our own addresses, delivered by the next poll().
  struct Looped {
    NicId nic = 0;
    Ipv4Repr header;
    ByteVec datagram;
  };
  std::deque<Looped> loopback_;
  static constexpr std::size_t kFramePoolSize = 8;  // nested sends (re-entrant sinks) take more than one
  // Frame buffers are made at least this large (an Ethernet frame of a
  // 1500-byte MTU), with room for a trailer: buffers swapped with a sink
  // (transmit_owned) then circulate without growing.
  static constexpr std::size_t kMinFrameCapacity = 1514;
  static constexpr std::size_t kFrameTailroom = 4;
  std::vector<ByteVec> frame_pool_;
  // Set only during receive_checksummed(): the frame's transport checksum
  // is known good.
  bool rx_l4_checksum_ok_ = false;
  // Path MTU discovery (InterfaceConfig::pmtu_discovery): what ICMP told us
  // of destinations, by IPv4 address.
  struct PathMtu {
    std::uint16_t mtu = 0;
    bool no_df = false;  // reported below min_pmtu: send without DF
    Instant expires{};
  };
  std::unordered_map<std::uint32_t, PathMtu> pmtu_;
  std::map<Ipv6Address, PathMtu> pmtu6_;
  struct Redirect6 {
    NicId nic = 0;
    Ipv6Address next_hop;
    Instant expires{};
  };
  std::map<Ipv6Address, Redirect6> redirects6_;  // by destination (hosts: Redirects accepted)  // IPv6 destinations (RFC 8201), at most max_pmtu_entries
  // The MTU of the path to `dst` leaving by `nic`: the NIC's, or lower as
  // a Packet Too Big said (an expired report is forgotten).
  std::uint16_t path_mtu6(NicId nic, const Ipv6Address& dst) const;
  void remember_path_mtu6(const Ipv6Address& dst, PathMtu entry, Instant now);
  // The entry for dst, or nullptr (an expired one is removed).
  const PathMtu* path_mtu(Ipv4Address dst, Instant now);
  // What a "fragmentation needed" says of the path (RFC 1191), and keeping it.
  PathMtu reported_path_mtu(const IcmpError& e) const;
  void remember_path_mtu(Ipv4Address dst, PathMtu entry, Instant now);
  InterfaceCounters counters_;
  tcp::SocketTable tcp_;  // last: it borrows *this as its IpLayer
};

}  // namespace wirestack::iface
