#include "http/client.hpp"

#include <algorithm>

#include "http/response_writer.hpp"

namespace wirestack::http {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_ipv4_literal(std::string_view s) {
  int octets = 0;
  while (true) {
    const auto dot = s.find('.');
    const std::string_view o = s.substr(0, dot);
    if (o.empty() || o.size() > 3 || !std::all_of(o.begin(), o.end(), is_digit)) return false;
    if (o.size() > 1 && o[0] == '0') return false;
    int v = 0;
    for (char c : o) v = v * 10 + (c - '0');
    if (v > 255) return false;
    ++octets;
    if (dot == std::string_view::npos) break;
    s.remove_prefix(dot + 1);
  }
  return octets == 4;
}

// The characters of an IPv6 literal (RFC 3986 3.2.2 IP-literal, without
// IPvFuture or zone identifiers); the address itself is checked by whoever
// turns it into an address (wire/ip_address.hpp).
bool is_ipv6_literal(std::string_view s) {
  return s.find(':') != std::string_view::npos && std::all_of(s.begin(), s.end(), [](char c) {
           return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
         });
}

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 6874 2: "%25" then ZoneID = 1*( unreserved / pct-encoded ), decoded.
Result<std::string, UrlError> zone_id(std::string_view s) {
  if (!s.starts_with("%25") || s.size() == 3) {
    return Unexpected{UrlError{"a zone in brackets is written %25ZONE (RFC 6874), e.g. [fe80::1%25eth0]"}};
  }
  std::string zone;
  for (std::size_t i = 3; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      const int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
      const int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
      if (lo < 0) return Unexpected{UrlError{"invalid percent-encoding in the zone"}};
      zone.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_' ||
               c == '~') {
      zone.push_back(c);
    } else {
      return Unexpected{UrlError{"invalid character in the zone"}};
    }
  }
  return zone;
}

bool is_dns_name(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.';
  });
}

}  // namespace

Result<Url, UrlError> parse_url(std::string_view text) {
  constexpr std::string_view kScheme = "http://";
  if (text.size() < kScheme.size() || !iequals(text.substr(0, kScheme.size()), kScheme))
    return Unexpected{UrlError{"only http:// URLs are supported"}};
  text.remove_prefix(kScheme.size());
  text = text.substr(0, text.find('#'));
  const auto auth_end = text.find_first_of("/?");
  const std::string_view authority = text.substr(0, auth_end);
  std::string_view rest = auth_end == std::string_view::npos ? std::string_view{} : text.substr(auth_end);
  if (authority.find('@') != std::string_view::npos) return Unexpected{UrlError{"user info in URLs is not supported"}};

  Url url;
  std::string_view host = authority;
  std::string_view after_host = authority;  // ":port" or nothing
  if (authority.starts_with('[')) {
    // RFC 3986 3.2.2: an IPv6 literal is written in brackets.
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return Unexpected{UrlError{"missing ']' after the IPv6 address"}};
    host = authority.substr(1, close - 1);
    if (const auto pct = host.find('%'); pct != std::string_view::npos) {
      auto zone = zone_id(host.substr(pct));
      if (!zone) return Unexpected{zone.error()};
      url.zone = std::move(*zone);
      host = host.substr(0, pct);
    }
    if (!is_ipv6_literal(host)) return Unexpected{UrlError{"invalid IPv6 address in brackets"}};
    url.host_is_ip = true;
    after_host = authority.substr(close + 1);
    if (!after_host.empty() && after_host.front() != ':') return Unexpected{UrlError{"invalid port"}};
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    after_host = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
  }
  if (!after_host.empty()) {
    const std::string_view port = after_host.substr(1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), is_digit))
      return Unexpected{UrlError{"invalid port"}};
    int p = 0;
    for (char c : port) p = p * 10 + (c - '0');
    if (p < 1 || p > 65535) return Unexpected{UrlError{"invalid port"}};
    url.port = static_cast<std::uint16_t>(p);
  }
  if (host.empty()) return Unexpected{UrlError{"missing host"}};
  if (!url.host_is_ip) url.host_is_ip = is_ipv4_literal(host);
  if (!url.host_is_ip && (!is_dns_name(host) || std::all_of(host.begin(), host.end(), [](char c) {
                            return is_digit(c) || c == '.';
                          })))
    return Unexpected{UrlError{"invalid host"}};
  url.host.reserve(host.size());
  for (char c : host) url.host.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);

  if (!std::all_of(rest.begin(), rest.end(), [](char c) { return c > 0x20 && c < 0x7f; }))
    return Unexpected{UrlError{"invalid character in path"}};
  url.target = rest.starts_with('/') ? std::string(rest) : "/" + std::string(rest);
  return url;
}

std::string host_field(const Url& url) {
  // An IPv6 literal keeps its brackets in the Host field (RFC 9110 7.2, RFC 3986 3.2.2).
  const std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  return url.port == 80 ? host : host + ":" + std::to_string(url.port);
}

std::string write_get_request(const Url& url) {
  std::string out = "GET " + url.target + " HTTP/1.1\r\n";
  out.append("Host: ").append(host_field(url)).append("\r\n");
  out.append("User-Agent: wirestack/0.1\r\nAccept: */*\r\nConnection: close\r\n\r\n");
  return out;
}

std::string write_request(const Request& r) {
  std::string out;
  out.append(r.method).append(" ").append(r.target).append(" ").append(to_string(r.version)).append("\r\n");
  for (const HeaderField& f : r.headers) out.append(f.name).append(": ").append(f.value).append("\r\n");
  const bool chunked = r.headers.contains("Transfer-Encoding");
  if (!chunked && !r.headers.contains("Content-Length") && !r.body.empty())
    out.append("Content-Length: ").append(std::to_string(r.body.size())).append("\r\n");
  out.append("\r\n");
  if (chunked) {
    out.append(write_chunk(r.body)).append(kLastChunk);
  } else {
    out.append(r.body);
  }
  return out;
}

}  // namespace wirestack::http
