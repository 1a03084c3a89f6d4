#include "base/bytes.hpp"

namespace wirestack {

std::string to_hex(Bytes b, std::string_view sep) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * (2 + sep.size()));
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i != 0) out += sep;
    const auto v = std::to_integer<unsigned>(b[i]);
    out += kDigits[v >> 4];
    out += kDigits[v & 0xf];
  }
  return out;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

ByteVec from_hex(std::string_view hex) {
  ByteVec out;
  int high = -1;
  for (char c : hex) {
    if (c == ' ' || c == ':' || c == '\n' || c == '\t') continue;
    const int v = hex_value(c);
    if (v < 0) return {};
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::byte>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) return {};
  return out;
}

}  // namespace wirestack
