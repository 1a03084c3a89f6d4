#include "wire/mac_address.hpp"

#include <cstdio>

namespace wirestack {

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<MacAddress, std::string> MacAddress::parse(std::string_view text) {
  const std::string quoted = "MAC address '" + std::string(text) + "': ";
  if (text.size() != 17) {
    return Unexpected{quoted + "expected 6 groups of 2 hex digits like aa:bb:cc:dd:ee:ff"};
  }
  const char sep = text[2];
  if (sep != ':' && sep != '-') return Unexpected{quoted + "groups must be separated by ':' (or '-')"};
  MacAddress m;
  for (std::size_t i = 0; i < kSize; ++i) {
    const std::size_t at = i * 3;
    if (i > 0 && text[at - 1] != sep) return Unexpected{quoted + "inconsistent separators"};
    const int hi = hex_digit(text[at]);
    const int lo = hex_digit(text[at + 1]);
    if (hi < 0 || lo < 0) {
      return Unexpected{quoted + "'" + std::string(text.substr(at, 2)) + "' is not a hex byte"};
    }
    m.b_[i] = static_cast<std::byte>(hi << 4 | lo);
  }
  return m;
}

std::string MacAddress::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", std::to_integer<unsigned>(b_[0]),
                std::to_integer<unsigned>(b_[1]), std::to_integer<unsigned>(b_[2]), std::to_integer<unsigned>(b_[3]),
                std::to_integer<unsigned>(b_[4]), std::to_integer<unsigned>(b_[5]));
  return buf;
}

}  // namespace wirestack
