#include "http/static_files.hpp"

#include <array>
#include <utility>
#include <vector>

namespace wirestack::http {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::array<std::pair<std::string_view, std::string_view>, 26> kTypes = {{
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},  // RFC 9239
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"xml", "application/xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"svg", "image/svg+xml"},
    {"ico", "image/vnd.microsoft.icon"},
    {"webp", "image/webp"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
    {"mp3", "audio/mpeg"},
    {"pcap", "application/vnd.tcpdump.pcap"},
}};

}  // namespace

std::string_view mime_type(std::string_view path) {
  const auto slash = path.find_last_of('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.find_last_of('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const std::string_view ext = name.substr(dot + 1);
  for (const auto& [e, type] : kTypes)
    if (iequals(e, ext)) return type;
  return "application/octet-stream";
}

Result<std::string, HttpError> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size() || hex_digit(s[i + 1]) < 0 || hex_digit(s[i + 2]) < 0)
      return Unexpected{HttpError{400, "malformed percent-escape in path"}};
    out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
    i += 2;
  }
  return out;
}

Result<std::string, HttpError> resolve_path(std::string_view target, std::string_view prefix) {
  std::string_view raw = target.substr(0, target.find_first_of("?#"));
  if (!raw.starts_with(prefix)) return Unexpected{HttpError{404, "outside the served directory"}};
  raw.remove_prefix(prefix.size());
  auto decoded = percent_decode(raw);
  if (!decoded) return Unexpected{decoded.error()};
  for (char c : *decoded) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return Unexpected{HttpError{400, "control character in path"}};
    if (c == '\\') return Unexpected{HttpError{400, "backslash in path"}};
  }
  std::vector<std::string_view> segments;
  const std::string_view path = *decoded;
  bool directory = true;  // the last segment processed names a directory
  for (std::size_t start = 0;;) {
    const auto slash = path.find('/', start);
    const std::string_view seg = path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (seg == "..") {
      if (segments.empty()) return Unexpected{HttpError{400, "path leaves the served directory"}};
      segments.pop_back();
      directory = true;
    } else if (seg.empty() || seg == ".") {
      directory = true;
    } else {
      segments.push_back(seg);
      directory = false;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (std::string_view seg : segments) {
    if (!out.empty()) out.push_back('/');
    out.append(seg);
  }
  if (directory) out.append(out.empty() ? "index.html" : "/index.html");
  return out;
}

}  // namespace wirestack::http
