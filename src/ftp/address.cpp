#include "ftp/address.hpp"

#include <array>
#include <charconv>
#include <vector>

namespace wirestack::ftp {

namespace {

// A decimal number in [0, max], the whole of `s`.
std::optional<unsigned> number(std::string_view s, unsigned max) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

Result<IpEndpoint, std::string> six_numbers(std::string_view s) {
  std::array<unsigned, 6> n{};
  std::size_t i = 0;
  for (;;) {
    const auto comma = s.find(',');
    if (i == 6) return Unexpected{std::string("more than six numbers")};
    auto v = number(s.substr(0, comma), 255);
    if (!v) return Unexpected{"'" + std::string(s.substr(0, comma)) + "' is not a number 0..255"};
    n[i++] = *v;
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  if (i != 6) return Unexpected{std::string("expected six numbers h1,h2,h3,h4,p1,p2")};
  const auto port = static_cast<std::uint16_t>(n[4] * 256 + n[5]);
  if (port == 0) return Unexpected{std::string("port 0")};
  const Ipv4Address a(static_cast<std::uint8_t>(n[0]), static_cast<std::uint8_t>(n[1]),
                      static_cast<std::uint8_t>(n[2]), static_cast<std::uint8_t>(n[3]));
  return IpEndpoint{a, port};
}

std::string six_of(const IpEndpoint& to) {
  const std::string a = to.addr.to_string();
  std::string out;
  for (char c : a) out += c == '.' ? ',' : c;
  return out + "," + std::to_string(to.port >> 8) + "," + std::to_string(to.port & 0xff);
}

}  // namespace

Result<IpEndpoint, std::string> parse_port_arg(std::string_view arg) {
  auto r = six_numbers(arg);
  if (!r) return Unexpected{"PORT " + std::string(arg.substr(0, 60)) + ": " + r.error()};
  return r;
}

std::string format_port_arg(const IpEndpoint& to) { return six_of(to); }

Result<IpEndpoint, std::string> parse_eprt_arg(std::string_view arg) {
  // RFC 2428 2: <d><net-prt><d><net-addr><d><tcp-port><d>, d in ASCII 33..126.
  const auto bad = [&](const std::string& why) {
    return Result<IpEndpoint, std::string>(Unexpected{"EPRT " + std::string(arg.substr(0, 60)) + ": " + why});
  };
  if (arg.size() < 7 || arg[0] < 33 || arg[0] > 126) return bad("expected |family|address|port|");
  const char d = arg[0];
  std::vector<std::string_view> f;
  std::size_t from = 1;
  for (std::size_t i = 1; i < arg.size(); ++i) {
    if (arg[i] == d) {
      f.push_back(arg.substr(from, i - from));
      from = i + 1;
    }
  }
  if (f.size() != 3 || from != arg.size()) return bad("expected |family|address|port|");
  const auto family = number(f[0], 2);
  if (!family || *family == 0) return bad("family must be 1 (IPv4) or 2 (IPv6)");
  auto addr = IpAddress::parse(f[1]);
  if (!addr) return bad(addr.error());
  if (addr->is_v4() != (*family == 1)) return bad("the address is not of family " + std::string(f[0]));
  const auto port = number(f[2], 65535);
  if (!port || *port == 0) return bad("port must be 1..65535");
  return IpEndpoint{*addr, static_cast<std::uint16_t>(*port)};
}

std::string format_eprt_arg(const IpEndpoint& to) {
  return std::string("|") + (to.addr.is_v4() ? "1" : "2") + "|" + to.addr.to_string() + "|" + std::to_string(to.port) +
         "|";
}

Result<IpEndpoint, std::string> parse_pasv_reply(std::string_view text) {
  // The first run of digits and commas that holds six numbers.
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') continue;
    std::size_t j = i;
    while (j < text.size() && ((text[j] >= '0' && text[j] <= '9') || text[j] == ',')) ++j;
    if (auto r = six_numbers(text.substr(i, j - i))) return r;
    i = j;
  }
  return Unexpected{"no h1,h2,h3,h4,p1,p2 in '" + std::string(text.substr(0, 80)) + "'"};
}

std::string format_pasv_reply(const IpEndpoint& at) { return "Entering Passive Mode (" + six_of(at) + ")."; }

Result<std::uint16_t, std::string> parse_epsv_reply(std::string_view text) {
  const auto open = text.find('(');
  const auto close = text.find(')', open == std::string_view::npos ? 0 : open);
  if (open == std::string_view::npos || close == std::string_view::npos || close - open < 6) {
    return Unexpected{"no (|||port|) in '" + std::string(text.substr(0, 80)) + "'"};
  }
  const std::string_view in = text.substr(open + 1, close - open - 1);  // |||6446|
  const char d = in[0];
  if (in.size() < 5 || in[1] != d || in[2] != d || in.back() != d) {
    return Unexpected{"no (|||port|) in '" + std::string(text.substr(0, 80)) + "'"};
  }
  const auto port = number(in.substr(3, in.size() - 4), 65535);
  if (!port || *port == 0) return Unexpected{"bad port in '" + std::string(text.substr(0, 80)) + "'"};
  return static_cast<std::uint16_t>(*port);
}

std::string format_epsv_reply(std::uint16_t port) {
  return "Entering Extended Passive Mode (|||" + std::to_string(port) + "|)";
}

}  // namespace wirestack::ftp
