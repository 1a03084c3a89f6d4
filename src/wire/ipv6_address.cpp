#include "wire/ipv6_address.hpp"

#include <vector>

namespace wirestack {

namespace {

constexpr std::size_t kMaxTextLen = 45;  // "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string describe_char(char c) {
  if (c == ' ') return "a space";
  const auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u >= 0x7f) {
    static constexpr char kDigits[] = "0123456789abcdef";
    return std::string("byte 0x") + kDigits[u >> 4] + kDigits[u & 0xf];
  }
  return std::string("'") + c + "'";
}

// Splits "a:b:c" into its groups. An empty `s` has no groups (it is one side
// of "::"); empty groups inside are reported by the caller.
std::vector<std::string_view> split_groups(std::string_view s) {
  std::vector<std::string_view> out;
  if (s.empty()) return out;
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = s.find(':', start);
    if (colon == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, colon - start));
    start = colon + 1;
  }
}

// Appends the 16-bit groups `parts` stand for to `out`. Only the last part of
// the whole address (`last_is_final`) may be a dotted quad, worth two groups.
Result<void, std::string> parse_groups(const std::vector<std::string_view>& parts, bool last_is_final,
                                       std::vector<std::uint16_t>& out) {
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string_view g = parts[i];
    if (g.find('.') != std::string_view::npos) {
      // RFC 4291 2.2 (3): "x:x:x:x:x:x:d.d.d.d" — the IPv4 part is the low-order 32 bits.
      if (!(last_is_final && i + 1 == parts.size())) {
        return Unexpected{"embedded IPv4 address '" + std::string(g) + "' must be the last 32 bits"};
      }
      auto v4 = Ipv4Address::parse(g);
      if (!v4) return Unexpected{"embedded " + v4.error()};
      out.push_back(static_cast<std::uint16_t>(v4->to_u32() >> 16));
      out.push_back(static_cast<std::uint16_t>(v4->to_u32() & 0xffff));
      continue;
    }
    // RFC 4291 2.2 (1): "x:x:x:x:x:x:x:x, where the 'x's are one to four hexadecimal digits".
    if (g.empty()) return Unexpected{std::string("empty group")};
    if (g.size() > 4) return Unexpected{"group '" + std::string(g) + "' has more than 4 hex digits"};
    unsigned v = 0;
    for (char c : g) v = v << 4 | static_cast<unsigned>(hex_digit(c));  // characters checked already
    out.push_back(static_cast<std::uint16_t>(v));
  }
  return {};
}

}  // namespace

Result<Ipv6Address, std::string> Ipv6Address::parse(std::string_view text) {
  if (text.empty()) return Unexpected{std::string("IPv6 address is empty")};
  const std::string quoted = "IPv6 address '" + std::string(text) + "': ";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (hex_digit(c) < 0 && c != ':' && c != '.') {
      std::string why = "bad character " + describe_char(c) + " at offset " + std::to_string(i);
      if (c == '%') why += " (zone ids are not part of an address)";
      if (c == '/') why += " (a prefix length is not part of an address)";
      return Unexpected{quoted + why};
    }
  }
  if (text.size() > kMaxTextLen) {
    return Unexpected{quoted + "longer than " + std::to_string(kMaxTextLen) + " characters"};
  }

  // RFC 4291 2.2 (2): "The '::' can only appear once in an address."
  const std::size_t gap = text.find("::");
  if (gap != std::string_view::npos) {
    if (text.find(":::") != std::string_view::npos) return Unexpected{quoted + "':::' is not valid"};
    if (text.find("::", gap + 2) != std::string_view::npos) return Unexpected{quoted + "more than one '::'"};
  }
  const std::string_view head = gap == std::string_view::npos ? text : text.substr(0, gap);
  const std::string_view tail = gap == std::string_view::npos ? std::string_view{} : text.substr(gap + 2);
  if (!head.empty() && head.front() == ':') return Unexpected{quoted + "leading ':' (only '::' may start an address)"};
  if (gap == std::string_view::npos && head.back() == ':') {
    return Unexpected{quoted + "trailing ':' (only '::' may end an address)"};
  }
  if (!tail.empty() && tail.back() == ':') return Unexpected{quoted + "trailing ':' (only '::' may end an address)"};

  std::vector<std::uint16_t> front;
  std::vector<std::uint16_t> back;
  const bool has_gap = gap != std::string_view::npos;
  if (auto r = parse_groups(split_groups(head), !has_gap, front); !r) return Unexpected{quoted + r.error()};
  if (auto r = parse_groups(split_groups(tail), true, back); !r) return Unexpected{quoted + r.error()};

  const std::size_t given = front.size() + back.size();
  if (!has_gap) {
    if (given < kGroups) {
      return Unexpected{quoted + "too few groups (" + std::to_string(given) + " of 8, and no '::')"};
    }
    if (given > kGroups) return Unexpected{quoted + "too many groups (" + std::to_string(given) + ", expected 8)"};
  } else if (given >= kGroups) {
    // "::" stands for at least one zero group.
    return Unexpected{quoted + "too many groups (" + std::to_string(given) + " and '::', at most 7)"};
  }

  Ipv6Address a;
  for (std::size_t i = 0; i < front.size(); ++i) a.set_group(i, front[i]);
  for (std::size_t i = 0; i < back.size(); ++i) a.set_group(kGroups - back.size() + i, back[i]);
  return a;
}

std::string Ipv6Address::to_string() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  // RFC 5952 5: IPv4-mapped addresses keep the dotted quad.
  if (is_ipv4_mapped()) return "::ffff:" + low_ipv4().to_string();

  // RFC 5952 4.2.3: "::" replaces the longest run of zero groups; on a tie
  // the first. 4.2.2: a single zero group is not shortened.
  std::size_t best_start = kGroups;
  std::size_t best_len = 1;
  for (std::size_t i = 0; i < kGroups;) {
    if (group(i) != 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < kGroups && group(j) == 0) ++j;
    if (j - i > best_len) {
      best_start = i;
      best_len = j - i;
    }
    i = j;
  }

  std::string s;
  s.reserve(39);
  for (std::size_t i = 0; i < kGroups; ++i) {
    if (i == best_start) {
      s += "::";
      i += best_len - 1;
      continue;
    }
    if (!s.empty() && s.back() != ':') s += ':';
    // RFC 5952 4.1: leading zeros suppressed; 4.3: lowercase.
    const std::uint16_t g = group(i);
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned nibble = (g >> shift) & 0xfu;
      if (nibble != 0 || started || shift == 0) {
        s += kDigits[nibble];
        started = true;
      }
    }
  }
  return s;
}

Result<Ipv6Prefix, std::string> Ipv6Prefix::parse(std::string_view text) {
  const std::string quoted = "IPv6 prefix '" + std::string(text) + "': ";
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return Unexpected{quoted + "missing '/PREFIX' (for example 2001:db8::/32)"};
  auto addr = Ipv6Address::parse(text.substr(0, slash));
  if (!addr) return Unexpected{addr.error()};
  const std::string_view len_text = text.substr(slash + 1);
  if (len_text.empty()) return Unexpected{quoted + "empty prefix length"};
  if (len_text.size() > 1 && len_text[0] == '0') {
    return Unexpected{quoted + "prefix length '" + std::string(len_text) + "' has a leading zero"};
  }
  unsigned len = 0;
  for (char c : len_text) {
    if (c < '0' || c > '9') {
      return Unexpected{quoted + "prefix length '" + std::string(len_text) + "' is not a decimal number"};
    }
    len = len * 10 + static_cast<unsigned>(c - '0');
    if (len > 128) return Unexpected{quoted + "prefix length '" + std::string(len_text) + "' is greater than 128"};
  }
  return Ipv6Prefix{*addr, static_cast<std::uint8_t>(len)};
}

std::string Ipv6Prefix::to_string() const { return addr_.to_string() + "/" + std::to_string(len_); }

}  // namespace wirestack
