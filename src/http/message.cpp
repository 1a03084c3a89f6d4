#include "http/message.hpp"

#include <algorithm>

namespace wirestack::http {

std::string_view to_string(Version v) { return v == Version::http_1_0 ? "HTTP/1.0" : "HTTP/1.1"; }

namespace {
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

bool is_field_value(std::string_view s) {
  // field-vchar = VCHAR / obs-text (0x80-0xff), with SP and HTAB inside.
  return std::all_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  });
}

void Headers::add(std::string name, std::string value) { fields_.push_back({std::move(name), std::move(value)}); }

void Headers::set(std::string_view name, std::string value) {
  const auto it = std::find_if(fields_.begin(), fields_.end(), [&](const HeaderField& f) { return iequals(f.name, name); });
  if (it == fields_.end()) {
    fields_.push_back({std::string(name), std::move(value)});
    return;
  }
  it->value = std::move(value);
  fields_.erase(std::remove_if(it + 1, fields_.end(), [&](const HeaderField& f) { return iequals(f.name, name); }),
                fields_.end());
}

std::size_t Headers::remove(std::string_view name) {
  const auto before = fields_.size();
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(), [&](const HeaderField& f) { return iequals(f.name, name); }),
                fields_.end());
  return before - fields_.size();
}

std::optional<std::string_view> Headers::find(std::string_view name) const {
  for (const HeaderField& f : fields_)
    if (iequals(f.name, name)) return std::string_view(f.value);
  return std::nullopt;
}

std::vector<std::string_view> Headers::find_all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const HeaderField& f : fields_)
    if (iequals(f.name, name)) out.emplace_back(f.value);
  return out;
}

std::size_t Headers::count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(fields_.begin(), fields_.end(), [&](const HeaderField& f) { return iequals(f.name, name); }));
}

bool Headers::has_token(std::string_view name, std::string_view token) const {
  for (std::string_view value : find_all(name)) {
    while (!value.empty()) {
      const auto comma = value.find(',');
      if (iequals(trim_ows(value.substr(0, comma)), token)) return true;
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  return false;
}

std::string_view Request::path() const {
  std::string_view t = target;
  if (!t.starts_with('/')) {
    // absolute-form "scheme://authority/path?q": skip to the path.
    const auto scheme_end = t.find("://");
    if (scheme_end == std::string_view::npos) return {};
    t.remove_prefix(scheme_end + 3);
    const auto slash = t.find_first_of("/?");
    if (slash == std::string_view::npos) return "/";
    t.remove_prefix(slash);
    if (t.starts_with('?')) return "/";
  }
  return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
  const std::string_view t = target;
  const auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

std::ostream& operator<<(std::ostream& os, const Request& r) {
  return os << r.method << ' ' << r.target << ' ' << to_string(r.version) << " (" << r.headers.size()
            << " fields, " << r.body.size() << " body bytes)";
}

std::ostream& operator<<(std::ostream& os, const HttpError& e) { return os << e.status << ' ' << e.reason; }

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "";
  }
}

}  // namespace wirestack::http
