#include "http/response_writer.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <utility>

namespace wirestack::http {

namespace {

bool writer_owned(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") || iequals(name, "Connection") ||
         iequals(name, "Date");
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

void append_padded(std::string& out, long long v, int width) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  if (v < 0) out.push_back('-');
  for (int i = static_cast<int>(digits.size()); i < width; ++i) out.push_back('0');
  out.append(digits);
}

std::string hex(std::uint64_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), kDigits[n & 0xf]);
    n >>= 4;
  } while (n != 0);
  return s;
}

}  // namespace

bool sends_body(const Response& r, const WriteOptions& o) {
  // RFC 9112 6.3 (1): 1xx, 204 and 304 responses end with the header section.
  const bool no_body_status = (r.status >= 100 && r.status < 200) || r.status == 204 || r.status == 304;
  return !no_body_status && !o.head;
}

bool uses_chunked(const Response& r, const WriteOptions& o) {
  return r.chunked && o.version == Version::http_1_1 && !(r.status >= 100 && r.status < 200) && r.status != 204 &&
         r.status != 304;
}

std::string write_head(const Response& r, const WriteOptions& o, std::uint64_t content_length) {
  std::string out;
  out.reserve(128);
  out.append("HTTP/1.1 ").append(std::to_string(r.status)).append(" ").append(reason_phrase(r.status)).append("\r\n");
  if (!o.date.empty()) append_field(out, "Date", o.date);
  for (const HeaderField& f : r.headers) {
    if (writer_owned(f.name) || !is_token(f.name) || !is_field_value(f.value)) continue;
    append_field(out, f.name, f.value);
  }
  if (r.status >= 100 && r.status < 200) return out.append("\r\n");  // interim: nothing more
  if (uses_chunked(r, o)) {
    append_field(out, "Transfer-Encoding", "chunked");
  } else if (r.status != 204 && r.status != 304) {
    append_field(out, "Content-Length", std::to_string(content_length));
  }
  append_field(out, "Connection", o.keep_alive ? "keep-alive" : "close");
  return out.append("\r\n");
}

std::string write_response(const Response& r, const WriteOptions& o) {
  std::string out = write_head(r, o, r.body.size());
  if (!sends_body(r, o)) return out;
  if (uses_chunked(r, o)) {
    out.append(write_chunk(r.body)).append(kLastChunk);
  } else {
    out.append(r.body);
  }
  return out;
}

WriteOptions reply_options(const Request& request, std::string date) {
  return WriteOptions{.version = request.version,
                      .keep_alive = request.keep_alive,
                      .head = request.method == "HEAD",
                      .date = std::move(date)};
}

std::string write_chunk(std::string_view data) {
  if (data.empty()) return {};  // an empty chunk would be the last chunk
  std::string out = hex(data.size());
  out.append("\r\n").append(data).append("\r\n");
  return out;
}

std::string format_http_date(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  static constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const weekday wd{day};
  const hh_mm_ss hms{secs - day};
  std::string out;
  out.append(kDays[wd.c_encoding()]).append(", ");
  append_padded(out, static_cast<unsigned>(ymd.day()), 2);
  out.append(" ").append(kMonths[static_cast<unsigned>(ymd.month()) - 1]).append(" ");
  append_padded(out, static_cast<int>(ymd.year()), 4);
  out.append(" ");
  append_padded(out, hms.hours().count(), 2);
  out.append(":");
  append_padded(out, hms.minutes().count(), 2);
  out.append(":");
  append_padded(out, hms.seconds().count(), 2);
  out.append(" GMT");
  return out;
}

Response error_response(int status, std::string_view detail) {
  Response r{.status = status};
  r.headers.add("Content-Type", "text/plain; charset=utf-8");
  r.body = std::to_string(status);
  r.body.append(" ").append(reason_phrase(status));
  if (!detail.empty()) r.body.append(": ").append(detail);
  r.body.append("\n");
  return r;
}

Response error_response(const HttpError& e) { return error_response(e.status, e.reason); }

Response method_not_allowed(std::string_view allow) {
  Response r = error_response(405);
  r.headers.add("Allow", std::string(allow));
  return r;
}

}  // namespace wirestack::http
