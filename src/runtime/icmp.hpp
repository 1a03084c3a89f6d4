// runtime/icmp.hpp — what an application sees of ICMP, whichever family and
// world: the echo replies that answered its requests (ping) and the error
// reports about datagrams it sent (traceroute, "Destination Host
// Unreachable"). A host turns its stack's ICMPv4 and ICMPv6 messages into
// these; runtime::Host::send_echo() sends a request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "base/time.hpp"
#include "transport/error.hpp"
#include "wire/icmpv4.hpp"
#include "wire/ip_address.hpp"
#include "wire/ip_protocol.hpp"

namespace wirestack::runtime {

struct EchoOptions {
  std::optional<std::uint8_t> ttl;  // the hop limit; nullopt: the host's default
  bool dont_fragment = false;
};

// An echo reply that arrived (RTT = at - the time its request left).
struct EchoReply {
  IpAddress from;
  std::uint16_t ident = 0;
  std::uint16_t seq = 0;
  std::uint8_t ttl = 0;          // as it arrived
  std::size_t payload_len = 0;   // after the 8-byte echo header
  Instant at{};
  friend bool operator==(const EchoReply&, const EchoReply&) = default;
};

// An ICMP error about a datagram this host sent. `reason` is its meaning
// (nullopt for a type no socket hears about); `type` and `code` are the
// message's own numbers in its family's ICMP, for tools that print them.
struct IcmpReport {
  IpAddress from;  // who reported it (our own address: detected here, `local`)
  std::optional<transport::IcmpReason> reason;
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint16_t next_hop_mtu = 0;  // packet too big
  // The datagram it quotes.
  IpAddress orig_dst;
  IpProtocol orig_protocol{};
  std::uint16_t src_port = 0;  // TCP/UDP ports; for an echo request: its ident
  std::uint16_t dst_port = 0;  // ... and its sequence number
  bool local = false;          // no ARP/ND answer here, not a message received
  Instant at{};
  friend bool operator==(const IcmpReport&, const IcmpReport&) = default;
};

// What an ICMPv4 error means, as ping and traceroute tell it apart (a socket
// sees less: the interface reports "prohibited" as host unreachable, as
// Linux does). nullopt: not an error message.
std::optional<transport::IcmpReason> icmpv4_reason(Icmpv4Type type, std::uint8_t code);

// Whether the report is about an echo request of ours (ICMP or ICMPv6), the
// one with `ident` and `seq` when given.
bool about_echo(const IcmpReport& e, const IpAddress& dst, std::uint16_t ident);

// ping(8)'s words for an error: "Destination Host Unreachable",
// "Time to live exceeded", ...; for IPv6, ping -6's ("Destination
// unreachable: Address unreachable", "Time exceeded: Hop limit").
const char* describe(const IcmpReport& e);
// traceroute(8)'s mark for an unreachable hop: "!N", "!H", "!P", "!F", "!X",
// or "!<code>"; empty for time exceeded.
std::string traceroute_mark(const IcmpReport& e);

}  // namespace wirestack::runtime
