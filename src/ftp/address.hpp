// ftp/address.hpp — where a data connection goes, as FTP writes it:
//   PORT h1,h2,h3,h4,p1,p2        RFC 959 4.1.2 (IPv4 only)
//   227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)
//   EPRT |1|10.0.0.1|6275|        RFC 2428 2 (either family; 2 is IPv6)
//   229 Entering Extended Passive Mode (|||6446|)   RFC 2428 3
// Parsers take the argument or the reply text and refuse what does not fit
// (a byte over 255, a port 0, a family that disagrees with the address).
//
//   auto to = ftp::parse_port_arg("10,0,0,1,195,80");  // 10.0.0.1:50000
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "wire/ip_address.hpp"

namespace wirestack::ftp {

Result<IpEndpoint, std::string> parse_port_arg(std::string_view arg);
// Precondition: an IPv4 endpoint.
std::string format_port_arg(const IpEndpoint& to);
Result<IpEndpoint, std::string> parse_eprt_arg(std::string_view arg);
std::string format_eprt_arg(const IpEndpoint& to);
// The endpoint in a 227 reply's text (the six numbers, wherever they are:
// RFC 1123 4.1.2.6 tells clients to scan for them).
Result<IpEndpoint, std::string> parse_pasv_reply(std::string_view text);
std::string format_pasv_reply(const IpEndpoint& at);  // "Entering Passive Mode (10,0,0,1,195,80)."
// The port in a 229 reply's text: "(|||6446|)".
Result<std::uint16_t, std::string> parse_epsv_reply(std::string_view text);
std::string format_epsv_reply(std::uint16_t port);  // "Entering Extended Passive Mode (|||6446|)"

}  // namespace wirestack::ftp
