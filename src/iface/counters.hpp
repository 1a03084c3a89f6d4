// iface/counters.hpp — what an Interface counts, per layer, and how it is
// printed. Every drop the interface makes is counted in exactly one place, so
// a test or a user can tell *why* a packet vanished. ARP cache, reassembler
// and UDP socket table keep their own counters (link::ArpCounters,
// ip::ReassemblerStats, udp::UdpSocketCounters); these are the interface's.
//
//   for_each_counter(iface.counters(), [](std::string_view layer, std::string_view name, std::uint64_t v) {...});
//   std::cout << iface.counters();   // "eth rx 4 tx 4 ...\nipv4 rx 2 ..." (nonzero values only)
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string_view>

namespace wirestack::iface {

struct EthCounters {
  std::uint64_t rx = 0;                 // frames received on an up NIC
  std::uint64_t tx = 0;                 // frames handed to the FrameSink
  std::uint64_t rx_not_for_us = 0;      // destination MAC neither ours nor broadcast
  std::uint64_t rx_malformed = 0;       // shorter than an Ethernet header
  std::uint64_t rx_unknown_type = 0;    // not IPv4 or ARP (VLAN-tagged frames included)
  std::uint64_t rx_nic_down = 0;        // arrived on a NIC that is down
  std::uint64_t tx_nic_down = 0;        // not sent: the egress NIC is down
  friend bool operator==(const EthCounters&, const EthCounters&) = default;
};

struct ArpIfaceCounters {
  std::uint64_t rx = 0;             // ARP packets parsed and given to the cache
  std::uint64_t rx_malformed = 0;   // did not parse
  std::uint64_t tx_requests = 0;    // who-has sent (retries included)
  std::uint64_t tx_replies = 0;     // is-at sent
  std::uint64_t tx_gratuitous = 0;  // announcements (address added / NIC up / defending one)
  std::uint64_t conflicts = 0;      // RFC 5227 2.4: another MAC claimed one of our addresses
  friend bool operator==(const ArpIfaceCounters&, const ArpIfaceCounters&) = default;
};

struct Ipv4Counters {
  std::uint64_t rx = 0;                // datagrams parsed (fragments count one each)
  std::uint64_t tx = 0;                // datagrams (or fragments) handed to the link
  std::uint64_t delivered = 0;         // to ICMP/UDP on this host (after reassembly)
  std::uint64_t forwarded = 0;         // routed on (before fragmentation)
  std::uint64_t malformed = 0;         // failed a header check
  std::uint64_t martians = 0;          // impossible addresses: broadcast/loopback/own source, loopback destination
  std::uint64_t not_for_us = 0;        // not our address and forwarding is off
  std::uint64_t no_route = 0;          // no route (ICMP net unreachable owed)
  std::uint64_t ttl_exceeded = 0;      // TTL ran out while forwarding
  std::uint64_t frag_needed = 0;       // DF and bigger than the egress MTU
  std::uint64_t pmtu_reductions = 0;   // TCP connections whose segment size an ICMP frag-needed lowered (RFC 1191)
  std::uint64_t fragments_rx = 0;      // fragments for us given to the reassembler
  std::uint64_t fragments_tx = 0;      // fragments created
  std::uint64_t reassembled = 0;       // datagrams reassembled
  std::uint64_t reassembly_drops = 0;  // fragments the reassembler refused
  std::uint64_t reassembly_timeouts = 0;
  std::uint64_t unknown_protocol = 0;  // for us, neither ICMP nor UDP
  std::uint64_t arp_failures = 0;      // datagrams dropped: next hop did not answer ARP
  std::uint64_t arp_queue_drops = 0;   // datagrams dropped: ARP queue or table full
  std::uint64_t loopback_drops = 0;    // datagrams to ourselves dropped: the loopback queue was full
  friend bool operator==(const Ipv4Counters&, const Ipv4Counters&) = default;
};

struct IcmpCounters {
  std::uint64_t rx = 0;
  std::uint64_t tx = 0;
  std::uint64_t rx_malformed = 0;
  std::uint64_t errors_suppressed = 0;  // RFC 1122 3.2.2: no error about an error, a broadcast, a fragment
  std::uint64_t queue_drops = 0;        // ping replies / errors dropped: the application's queue was full
  std::uint64_t rate_limited = 0;       // ICMP errors not sent: over the rate limit
  std::array<std::uint64_t, 256> rx_by_type{};
  std::array<std::uint64_t, 256> tx_by_type{};
  friend bool operator==(const IcmpCounters&, const IcmpCounters&) = default;
};

struct UdpCounters {
  std::uint64_t rx = 0;            // datagrams delivered to a socket
  std::uint64_t tx = 0;            // datagrams sent
  std::uint64_t rx_malformed = 0;  // bad length or checksum
  std::uint64_t no_port = 0;       // nobody listening (ICMP port unreachable owed)
  std::uint64_t rcvbuf_drops = 0;  // a socket's receive queue was full
  std::uint64_t tx_errors = 0;     // not sent: no route, too big with DF, ...
  friend bool operator==(const UdpCounters&, const UdpCounters&) = default;
};

struct TcpIfaceCounters {
  std::uint64_t rx = 0;              // segments handed to the socket table
  std::uint64_t tx = 0;              // segments sent
  std::uint64_t rx_malformed = 0;    // truncated, bad offset, bad checksum, port 0
  std::uint64_t rx_broadcast = 0;    // to a broadcast address: dropped (RFC 1122 4.2.3.10)
  std::uint64_t tx_errors = 0;       // not sent: no route, ARP queue full (TCP retransmits)
  friend bool operator==(const TcpIfaceCounters&, const TcpIfaceCounters&) = default;
};

struct Ipv6Counters {
  std::uint64_t rx = 0;                // packets parsed (fragments count one each)
  std::uint64_t tx = 0;                // packets (or fragments) handed to the link
  std::uint64_t delivered = 0;         // to ICMPv6/UDP/TCP on this host (after reassembly)
  std::uint64_t malformed = 0;         // failed Ipv6Packet::checked
  std::uint64_t martians = 0;          // multicast, loopback, IPv4-mapped or own source; mapped/loopback destination
  std::uint64_t not_for_us = 0;        // not our address or group (no forwarding yet)
  std::uint64_t no_route = 0;          // no on-link NIC for the destination
  std::uint64_t chain_drops = 0;       // the extension-header walk said drop (silently or with Parameter Problem)
  std::uint64_t unknown_protocol = 0;  // for us, no such upper layer (Parameter Problem code 1)
  std::uint64_t fragments_rx = 0;      // fragments given to the reassembler
  std::uint64_t fragments_tx = 0;      // fragments created
  std::uint64_t reassembled = 0;
  std::uint64_t reassembly_drops = 0;
  std::uint64_t reassembly_timeouts = 0;
  std::uint64_t too_big = 0;           // could not be fragmented
  std::uint64_t nd_failures = 0;       // packets dropped: the next hop did not answer NS
  std::uint64_t nd_queue_drops = 0;    // packets dropped: ND queue or table full
  std::uint64_t to_tentative = 0;      // to an address still under DAD: dropped (RFC 4862 5.4)
  std::uint64_t forwarded = 0;         // routers: packets sent on to the next hop
  std::uint64_t hop_limit_exceeded = 0;  // routers: hop limit 0 or 1 (Time Exceeded sent)
  std::uint64_t scope_drops = 0;       // routers: link-local source or destination, never forwarded
  std::uint64_t forward_too_big = 0;   // routers: larger than the next link's MTU (Packet Too Big sent)
  std::uint64_t pmtu_reductions = 0;   // TCP connections whose segment size a Packet Too Big lowered (RFC 8201)
  friend bool operator==(const Ipv6Counters&, const Ipv6Counters&) = default;
};

struct Icmpv6Counters {
  std::uint64_t rx = 0;
  std::uint64_t tx = 0;
  std::uint64_t rx_malformed = 0;       // short, bad checksum
  std::uint64_t nd_invalid = 0;         // ND messages refused by check_nd (RFC 4861 validity)
  std::uint64_t nd_ignored = 0;         // valid ND we do not act on (RA or Redirect on a router; NS for others)
  std::uint64_t nd_bad_hop_limit = 0;   // of nd_invalid: hop limit not 255 (sent from off-link)
  std::uint64_t ra_bad_source = 0;      // of nd_invalid: an RA (or Redirect) from a source that is not link-local
  std::uint64_t dad_ns_tx = 0;          // DAD probes (NS from ::)
  std::uint64_t dad_succeeded = 0;
  std::uint64_t dad_duplicates = 0;     // addresses found in use on the link: not used
  std::uint64_t rs_tx = 0;
  std::uint64_t ra_rx = 0;              // RAs acted on
  std::uint64_t ra_tx = 0;
  std::uint64_t ra_bad_mtu = 0;         // an RA's MTU option below 1280 or above the link's: ignored
  std::uint64_t redirects_rx = 0;       // Redirects acted on (hosts)
  std::uint64_t redirects_invalid = 0;  // Redirects not from the current first hop for their destination
  std::uint64_t redirects_tx = 0;       // routers: Redirects sent
  std::uint64_t mld_reports_tx = 0;     // MLDv2 Reports (config ipv6.mld)
  std::uint64_t mld_queries_rx = 0;     // MLD Queries answered
  std::uint64_t mld_invalid = 0;        // MLD Queries refused (hop limit not 1, source not link-local, length)
  std::uint64_t slaac_addresses = 0;    // addresses formed from advertised prefixes
  std::uint64_t errors_suppressed = 0;  // RFC 4443 2.4(e)
  std::uint64_t rate_limited = 0;       // errors not sent: over the (shared) ICMP rate limit
  std::uint64_t queue_drops = 0;        // echo replies dropped: the application's queue was full
  std::uint64_t ns_tx = 0;
  std::uint64_t na_tx = 0;
  std::array<std::uint64_t, 256> rx_by_type{};
  std::array<std::uint64_t, 256> tx_by_type{};
  friend bool operator==(const Icmpv6Counters&, const Icmpv6Counters&) = default;
};

struct InterfaceCounters {
  EthCounters eth;
  ArpIfaceCounters arp;
  Ipv4Counters ipv4;
  IcmpCounters icmp;
  UdpCounters udp;
  TcpIfaceCounters tcp;
  Ipv6Counters ipv6;
  Icmpv6Counters icmpv6;
  friend bool operator==(const InterfaceCounters&, const InterfaceCounters&) = default;
};

using CounterVisitor = std::function<void(std::string_view layer, std::string_view name, std::uint64_t value)>;

// Every counter, in declaration order; ICMP per-type counters as
// "rx_type_8"-style names, only when nonzero.
void for_each_counter(const InterfaceCounters& c, const CounterVisitor& visit);

// One line per layer, "layer name value name value ...", nonzero values only;
// a layer with nothing to say is left out.
std::ostream& operator<<(std::ostream& os, const InterfaceCounters& c);

}  // namespace wirestack::iface
