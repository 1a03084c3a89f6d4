// transport/error.cpp — see error.hpp.
#include "transport/error.hpp"

namespace wirestack::transport {

std::string_view to_string(Errc e) {
  switch (e) {
    case Errc::invalid_handle: return "invalid handle";
    case Errc::address_in_use: return "address in use";
    case Errc::address_not_available: return "address not available";
    case Errc::already_bound: return "already bound";
    case Errc::permission_denied: return "permission denied";
    case Errc::no_ephemeral_port: return "no ephemeral port";
    case Errc::invalid_argument: return "invalid argument";
    case Errc::already_connected: return "already connected";
    case Errc::not_connected: return "not connected";
    case Errc::message_too_long: return "message too long";
    case Errc::would_block: return "would block";
    case Errc::connection_refused: return "connection refused";
    case Errc::connection_reset: return "connection reset";
    case Errc::timed_out: return "timed out";
    case Errc::host_unreachable: return "host unreachable";
    case Errc::net_unreachable: return "network unreachable";
    case Errc::broken_pipe: return "broken pipe";
    case Errc::address_family: return "address family not supported";
  }
  return "unknown error";
}

std::ostream& operator<<(std::ostream& os, Errc e) { return os << to_string(e); }
std::ostream& operator<<(std::ostream& os, const SocketError& e) { return os << e.message; }

std::string_view to_string(IcmpReason r) {
  switch (r) {
    case IcmpReason::net_unreachable: return "network unreachable";
    case IcmpReason::host_unreachable: return "host unreachable";
    case IcmpReason::protocol_unreachable: return "protocol unreachable";
    case IcmpReason::port_unreachable: return "port unreachable";
    case IcmpReason::admin_prohibited: return "administratively prohibited";
    case IcmpReason::packet_too_big: return "packet too big";
    case IcmpReason::time_exceeded: return "time exceeded";
    case IcmpReason::parameter_problem: return "parameter problem";
  }
  return "unknown ICMP error";
}

std::optional<IcmpReason> icmpv6_reason(std::uint8_t type, std::uint8_t code) {
  switch (type) {
    case 1:  // Destination Unreachable (RFC 4443 3.1)
      switch (code) {
        case 0: return IcmpReason::net_unreachable;  // no route
        case 4: return IcmpReason::port_unreachable;
        case 1:   // administratively prohibited
        case 5:   // source address failed ingress/egress policy
        case 6: return IcmpReason::admin_prohibited;  // reject route
        default: return IcmpReason::host_unreachable;  // 2 beyond scope, 3 address, unknown codes
      }
    case 2: return IcmpReason::packet_too_big;
    case 3: return IcmpReason::time_exceeded;
    case 4:  // Parameter Problem: code 1 names an unrecognised Next Header
      return code == 1 ? IcmpReason::protocol_unreachable : IcmpReason::parameter_problem;
    default: return std::nullopt;
  }
}

std::optional<Errc> error_for(Protocol protocol, IcmpReason reason) {
  // Linux icmp_err_convert[] (IPv4) and icmpv6_err_convert() (IPv6) agree on
  // these: port and protocol unreachable mean nobody is there; a network
  // unreachable is ENETUNREACH; the other unreachables are EHOSTUNREACH.
  switch (reason) {
    case IcmpReason::port_unreachable:
    case IcmpReason::protocol_unreachable: return Errc::connection_refused;
    case IcmpReason::net_unreachable: return Errc::net_unreachable;
    case IcmpReason::host_unreachable:
    case IcmpReason::admin_prohibited: return Errc::host_unreachable;
    case IcmpReason::packet_too_big:
      // TCP: path MTU discovery's business (RFC 1191, RFC 8201), not an error.
      // UDP: the datagram was too big for the path (EMSGSIZE).
      if (protocol == Protocol::tcp) return std::nullopt;
      return Errc::message_too_long;
    case IcmpReason::time_exceeded:
    case IcmpReason::parameter_problem:
      // UDP passes every ICMP error up (RFC 1122 4.1.3.3; Linux __udp4_lib_err
      // reports EHOSTUNREACH); TCP keeps retransmitting (RFC 1122 4.2.3.9:
      // these are soft errors).
      if (protocol == Protocol::tcp) return std::nullopt;
      return Errc::host_unreachable;
  }
  return std::nullopt;
}

}  // namespace wirestack::transport
