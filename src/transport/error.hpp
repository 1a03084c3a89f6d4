// transport/error.hpp — one error vocabulary for every socket (TCP, UDP, and
// what comes next), and the one mapping from what ICMP or ICMPv6 reported to
// what a socket sees.
//
// Errc names what went wrong, with Linux's errno in the comment, so a user
// who knows sockets recognises it; SocketError adds a sentence for a person,
// with what to do about it. Errors are values (Result<T, SocketError>).
//
// ICMP: the interface turns an ICMPv4 or ICMPv6 message into an IcmpReason
// (the meaning, family-neutral), and error_for() decides, once, what a TCP or
// UDP socket makes of it: Linux's icmp_err_convert[] and icmpv6_err_convert().
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace wirestack::transport {

enum class Errc : std::uint8_t {
  invalid_handle,         // EBADF: closed or never opened
  address_in_use,         // EADDRINUSE
  address_not_available,  // EADDRNOTAVAIL: bind to an address this host does not have
  already_bound,          // EINVAL: bind on a bound socket
  permission_denied,      // EACCES: port < 1024 without allow_privileged_ports
  no_ephemeral_port,      // EAGAIN / EADDRNOTAVAIL: every ephemeral port is taken, or the range is empty
  invalid_argument,       // EINVAL: listen on a connection, port 0 as destination, ...
  already_connected,      // EISCONN
  not_connected,          // ENOTCONN / EDESTADDRREQ: send() without a peer
  message_too_long,       // EMSGSIZE: a datagram over the largest one, or DF and over the path MTU
  would_block,            // EAGAIN: nothing to accept / receive, the send buffer is full
  connection_refused,     // ECONNREFUSED: RST in answer to our SYN, ICMP port unreachable
  connection_reset,       // ECONNRESET
  timed_out,              // ETIMEDOUT: retransmissions exhausted
  host_unreachable,       // EHOSTUNREACH: no ARP/ND answer, or a router said so
  net_unreachable,        // ENETUNREACH: no route
  broken_pipe,            // EPIPE: send after shutdown or on a closed connection
  address_family,         // EAFNOSUPPORT: an address of a family this path does not carry
};
std::string_view to_string(Errc e);
std::ostream& operator<<(std::ostream& os, Errc e);

// would_block is how every read, write and accept loop ends, once per round
// of the activity loop: its texts fit std::string's inline buffer (15 bytes
// with libstdc++), so the data path allocates nothing to say "not now"
// (tests/alloc/steady_state_alloc_test.cpp counts).
inline constexpr const char* kRecvWouldBlock = "recv: no data";
inline constexpr const char* kSendWouldBlock = "send: full";

struct SocketError {
  Errc code = Errc::invalid_handle;
  std::string message;
  friend bool operator==(const SocketError&, const SocketError&) = default;
};
std::ostream& operator<<(std::ostream& os, const SocketError& e);

// What an ICMP error message says, whichever ICMP it came in.
enum class IcmpReason : std::uint8_t {
  net_unreachable,       // ICMPv4 unreachable codes 0, 6, 11; ICMPv6 1/0 (no route)
  host_unreachable,      // ICMPv4 codes 1, 7, 12, ...; ICMPv6 1/3 (address unreachable)
  protocol_unreachable,  // ICMPv4 code 2; ICMPv6 4/1 (unrecognised next header)
  port_unreachable,      // ICMPv4 code 3; ICMPv6 1/4
  admin_prohibited,      // ICMPv4 codes 9, 10, 13; ICMPv6 1/1, 1/5, 1/6
  packet_too_big,        // ICMPv4 3/4 (fragmentation needed); ICMPv6 2
  time_exceeded,         // ICMPv4 11; ICMPv6 3
  parameter_problem,     // ICMPv4 12; ICMPv6 4 (other codes)
};
std::string_view to_string(IcmpReason r);

// What an ICMPv6 message of (type, code) means (RFC 4443 3, as the comments
// above pair them); nullopt for informational types (echo, ND).
std::optional<IcmpReason> icmpv6_reason(std::uint8_t type, std::uint8_t code);

enum class Protocol : std::uint8_t { tcp, udp };

// What a socket of `protocol` reports for an ICMP error; nullopt: nothing
// (TCP leaves "packet too big" to path MTU discovery and ignores time
// exceeded and parameter problems, as Linux's tcp_v4_err does for the soft
// errors it does not report; UDP reports every one, RFC 1122 4.1.3.3).
std::optional<Errc> error_for(Protocol protocol, IcmpReason reason);

}  // namespace wirestack::transport
