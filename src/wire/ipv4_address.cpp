#include "wire/ipv4_address.hpp"

namespace wirestack {

namespace {

// Parses a decimal number in [0, max] with no sign, no leading zero (except
// "0" itself) and at most `max_digits` digits. Returns a reason on failure.
Result<std::uint32_t, std::string> parse_decimal(std::string_view s, std::uint32_t max, const char* what) {
  if (s.empty()) return Unexpected{std::string("empty ") + what};
  if (s.size() > 1 && s[0] == '0') {
    return Unexpected{std::string(what) + " '" + std::string(s) + "' has a leading zero"};
  }
  std::uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return Unexpected{std::string(what) + " '" + std::string(s) + "' is not a decimal number"};
    }
    v = v * 10 + static_cast<std::uint32_t>(c - '0');
    if (v > max) {
      return Unexpected{std::string(what) + " '" + std::string(s) + "' is greater than " + std::to_string(max)};
    }
  }
  return v;
}

}  // namespace

Result<Ipv4Address, std::string> Ipv4Address::parse(std::string_view text) {
  const std::string quoted = "IPv4 address '" + std::string(text) + "': ";
  if (text.empty()) return Unexpected{std::string("IPv4 address is empty")};
  std::uint32_t v = 0;
  std::size_t parts = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = text.find('.', start);
    const std::string_view part = text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (parts == 4) return Unexpected{quoted + "more than 4 parts"};
    auto n = parse_decimal(part, 255, "part");
    if (!n) return Unexpected{quoted + n.error()};
    v = v << 8 | *n;
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts != 4) return Unexpected{quoted + "expected 4 parts, got " + std::to_string(parts)};
  return Ipv4Address{v};
}

std::string Ipv4Address::to_string() const {
  std::string s;
  s.reserve(15);
  for (int shift = 24; shift >= 0; shift -= 8) {
    s += std::to_string((v_ >> shift) & 0xff);
    if (shift != 0) s += '.';
  }
  return s;
}

Result<Ipv4Prefix, std::string> Ipv4Prefix::parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return Unexpected{"IPv4 prefix '" + std::string(text) + "': missing '/PREFIX' (for example 10.0.0.1/24)"};
  }
  auto addr = Ipv4Address::parse(text.substr(0, slash));
  if (!addr) return Unexpected{addr.error()};
  auto len = parse_decimal(text.substr(slash + 1), 32, "prefix length");
  if (!len) return Unexpected{"IPv4 prefix '" + std::string(text) + "': " + len.error()};
  return Ipv4Prefix{*addr, static_cast<std::uint8_t>(*len)};
}

std::string Ipv4Prefix::to_string() const { return addr_.to_string() + "/" + std::to_string(len_); }

}  // namespace wirestack
