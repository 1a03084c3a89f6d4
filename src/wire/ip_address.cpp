// wire/ip_address.cpp — see ip_address.hpp.
#include "wire/ip_address.hpp"

#include <charconv>

namespace wirestack {

std::ostream& operator<<(std::ostream& os, IpFamily f) { return os << (f == IpFamily::v4 ? "IPv4" : "IPv6"); }

Result<IpAddress, std::string> IpAddress::parse(std::string_view text) {
  // The text's shape decides which reading applies, so the error is the one
  // that explains the mistake ("1.2.3" is a bad IPv4 address, not bad IPv6).
  if (text.find(':') != std::string_view::npos) {
    auto v6 = Ipv6Address::parse(text);
    if (!v6) return Unexpected{v6.error()};
    if (IpAddress(*v6).is_v4()) {
      return Unexpected{"IP address '" + std::string(text) +
                        "': an IPv4-mapped IPv6 address is not used on the wire; write the IPv4 address itself"};
    }
    return IpAddress(*v6);
  }
  auto v4 = Ipv4Address::parse(text);
  if (!v4) return Unexpected{v4.error()};
  return IpAddress(*v4);
}

Result<IpPrefix, std::string> IpPrefix::parse(std::string_view text) {
  if (text.find(':') != std::string_view::npos) {
    auto p6 = Ipv6Prefix::parse(text);
    if (!p6) return Unexpected{p6.error()};
    return IpPrefix(*p6);
  }
  auto p4 = Ipv4Prefix::parse(text);
  if (!p4) return Unexpected{p4.error()};
  return IpPrefix(*p4);
}

std::string IpAddress::to_string() const { return is_v4() ? v4().to_string() : v6().to_string(); }

std::string IpEndpoint::to_string() const {
  if (addr.is_v6()) return "[" + addr.to_string() + "]:" + std::to_string(port);
  return addr.to_string() + ":" + std::to_string(port);
}

std::ostream& operator<<(std::ostream& os, const IpEndpoint& e) { return os << e.to_string(); }

Result<IpEndpoint, std::string> IpEndpoint::parse(std::string_view text) {
  const std::string quoted = "endpoint '" + std::string(text) + "': ";
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return Unexpected{quoted + "missing ']' after the IPv6 address"};
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return Unexpected{quoted + "missing ':PORT' after ']'"};
    port = rest.substr(1);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return Unexpected{quoted + "missing ':PORT'"};
    host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      return Unexpected{quoted + "an IPv6 address with a port is written in brackets: [ADDRESS]:PORT"};
    }
    port = text.substr(colon + 1);
  }
  auto addr = IpAddress::parse(host);
  if (!addr) return Unexpected{quoted + addr.error()};
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535) {
    return Unexpected{quoted + "the port must be a number from 0 to 65535"};
  }
  return IpEndpoint{*addr, static_cast<std::uint16_t>(value)};
}

}  // namespace wirestack
