// loop/kernel_sockaddr.hpp — what the kernel host's TCP, UDP and ICMP code
// shares: errno as our Errc, and endpoints as sockaddr_in. Internal to loop/.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "transport/error.hpp"
#include "wire/ip_address.hpp"

namespace wirestack::loop {

inline transport::Errc errc_of(int e) {
  switch (e) {
    case EAGAIN: return transport::Errc::would_block;
    case ECONNREFUSED: return transport::Errc::connection_refused;
    case ECONNRESET: return transport::Errc::connection_reset;
    case EPIPE: return transport::Errc::broken_pipe;
    case ETIMEDOUT: return transport::Errc::timed_out;
    case EHOSTUNREACH: return transport::Errc::host_unreachable;
    case ENETUNREACH: return transport::Errc::net_unreachable;
    case EADDRINUSE: return transport::Errc::address_in_use;
    case EADDRNOTAVAIL: return transport::Errc::address_not_available;
    case EACCES: return transport::Errc::permission_denied;
    case EISCONN: return transport::Errc::already_connected;
    case ENOTCONN: return transport::Errc::not_connected;
    case EBADF: return transport::Errc::invalid_handle;
    case EMSGSIZE: return transport::Errc::message_too_long;
    case EAFNOSUPPORT: return transport::Errc::address_family;
    case EDESTADDRREQ: return transport::Errc::not_connected;
    default: return transport::Errc::invalid_argument;
  }
}

inline transport::SocketError error(const char* what, int e) {
  return transport::SocketError{errc_of(e), std::string(what) + ": " + std::strerror(e)};
}

inline transport::SocketError stale(const char* what) {
  return transport::SocketError{transport::Errc::invalid_handle, std::string(what) + ": the socket is closed (stale handle)"};
}

// Precondition: e.addr.is_v4() (checked by ipv4_only below).
inline sockaddr_in to_sockaddr(IpEndpoint e) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(e.port);
  a.sin_addr.s_addr = htonl(e.addr.v4().to_u32());
  return a;
}

// The kernel host's sockets are AF_INET for now: an IPv6 endpoint is refused
// with a clear error rather than misread.
inline std::optional<transport::SocketError> ipv4_only(const char* op, const IpEndpoint& e) {
  if (e.addr.is_v4()) return std::nullopt;
  return transport::SocketError{transport::Errc::address_family,
                          std::string(op) + " " + e.to_string() + ": kernel sockets here are IPv4 only so far"};
}

inline IpEndpoint from_sockaddr(const sockaddr_in& a) {
  return IpEndpoint{Ipv4Address{static_cast<std::uint32_t>(ntohl(a.sin_addr.s_addr))}, ntohs(a.sin_port)};
}

}  // namespace wirestack::loop
