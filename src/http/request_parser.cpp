#include "http/request_parser.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace wirestack::http {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 3986 host [":" port] characters: reg-name (unreserved, pct-encoded,
// sub-delims), IP literals in brackets, ':' before the port.
bool is_valid_host(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           std::string_view("-._~!$&'()*+,;=%:[]").find(c) != std::string_view::npos;
  });
}

// Visible ASCII only; further checks (percent-escapes, "..") belong to
// whoever maps the target to a resource (resolve_path in static_files.hpp).
bool is_target_text(std::string_view t) {
  return std::all_of(t.begin(), t.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool is_absolute_form(std::string_view t) {
  // scheme "://" ...; scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  const auto sep = t.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  const std::string_view scheme = t.substr(0, sep);
  const auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  return is_alpha(scheme[0]) && std::all_of(scheme.begin(), scheme.end(), [&](char c) {
           return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
         });
}

}  // namespace

void RequestParser::feed(std::string_view bytes) {
  if (state_ != State::failed) in_.append(bytes);
}

Result<RequestEvent, HttpError> RequestParser::fail(HttpError e) {
  state_ = State::failed;
  error_ = std::move(e);
  return Unexpected{error_};
}

std::optional<HttpError> RequestParser::parse_request_line(std::string_view line) {
  // request-line = method SP request-target SP HTTP-version (RFC 9112 3).
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return HttpError{400, "malformed request line"};
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method)) return HttpError{400, "invalid method"};
  if (target.empty() || !is_target_text(target)) return HttpError{400, "invalid request target"};

  // HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive.
  if (version.size() != 8 || !version.starts_with("HTTP/") || !is_digit(version[5]) || version[6] != '.' ||
      !is_digit(version[7]))
    return HttpError{400, "malformed HTTP version"};
  if (version == "HTTP/1.1") {
    request_.version = Version::http_1_1;
  } else if (version == "HTTP/1.0") {
    request_.version = Version::http_1_0;
  } else {
    return HttpError{505, std::string(version) + " is not supported"};
  }

  // RFC 9112 3.2: the four target forms, each only where it belongs.
  const bool ok = target.front() == '/' || is_absolute_form(target) || (target == "*" && method == "OPTIONS") ||
                  (method == "CONNECT" && target.front() != '*' && is_valid_host(target));
  if (!ok) return HttpError{400, "invalid request target"};
  request_.method = std::string(method);
  request_.target = std::string(target);
  return std::nullopt;
}

Result<RequestEvent, HttpError> RequestParser::finish_head() {
  Request& r = request_;
  const Headers& h = r.headers;

  // RFC 9112 3.2: "A server MUST respond with a 400 (Bad Request) status code
  // to any HTTP/1.1 request message that lacks a Host header field and to any
  // request message that contains more than one Host header field line or a
  // Host header field with an invalid field value."
  const std::size_t hosts = h.count("Host");
  if (hosts == 0 && r.version == Version::http_1_1) return fail({400, "missing Host header"});
  if (hosts > 1) return fail({400, "more than one Host header"});
  if (hosts == 1 && !is_valid_host(*h.find("Host"))) return fail({400, "invalid Host header"});

  const bool has_te = h.contains("Transfer-Encoding");
  const bool has_cl = h.contains("Content-Length");
  bool chunked = false;
  if (has_te) {
    // RFC 9112 6.1: a 1.0 message with Transfer-Encoding has faulty framing.
    if (r.version == Version::http_1_0) return fail({400, "Transfer-Encoding in an HTTP/1.0 request"});
    // RFC 9112 6.3 (3): both is a smuggling attempt as often as not; refuse.
    if (has_cl) return fail({400, "both Content-Length and Transfer-Encoding"});
    std::vector<std::string_view> codings;
    for (std::string_view value : h.find_all("Transfer-Encoding")) {
      for (;;) {
        const auto comma = value.find(',');
        const std::string_view c = trim_ows(value.substr(0, comma));
        if (!c.empty()) codings.push_back(c);  // RFC 9110 5.6.1: empty list elements are ignored
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
      }
    }
    // RFC 9112 6.3 (4): "If ... the chunked transfer coding is not the final
    // encoding ... the server MUST respond with the 400 (Bad Request)".
    if (codings.empty() || !iequals(codings.back(), "chunked"))
      return fail({400, "chunked is not the final transfer coding"});
    for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
      // RFC 9112 6.1: chunked MUST NOT be applied more than once.
      if (iequals(codings[i], "chunked")) return fail({400, "chunked applied more than once"});
    }
    // RFC 9112 6.1: "A server that receives a request message with a transfer
    // coding it does not understand SHOULD respond with 501".
    if (codings.size() > 1) return fail({501, "transfer coding " + std::string(codings.front()) + " not supported"});
    chunked = true;
  }
  std::uint64_t length = 0;
  if (has_cl) {
    auto cl = detail::parse_content_length(h);
    if (!cl) return fail({400, cl.error()});
    length = *cl;
    if (length > limits_.max_body_bytes)
      return fail({413, "body larger than " + std::to_string(limits_.max_body_bytes) + " bytes"});
  }

  // RFC 9112 9.3: close wins; 1.1 persists by default; 1.0 only on request.
  if (h.has_token("Connection", "close")) {
    r.keep_alive = false;
  } else {
    r.keep_alive = r.version == Version::http_1_1 || h.has_token("Connection", "keep-alive");
  }
  r.expect_continue = r.version == Version::http_1_1 && h.has_token("Expect", "100-continue");

  if (chunked) {
    state_ = State::body_chunked;
  } else if (length > 0) {
    state_ = State::body_length;
    body_left_ = length;
    // Reserve up to 64 KiB only: a short head must not buy a peer the whole limit.
    r.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(length, 64 * 1024)));
  } else {
    return take_request();
  }
  return HeadComplete{&request_};
}

Request RequestParser::take_request() {
  Request r = std::move(request_);
  request_ = Request{};
  headers_.reset();
  state_ = State::request_line;
  return r;
}

Result<RequestEvent, HttpError> RequestParser::next() {
  for (;;) {
    switch (state_) {
      case State::failed: return Unexpected{error_};
      case State::request_line: {
        // RFC 9112 2.2: "a server that is expecting to receive and parse a
        // request-line SHOULD ignore at least one empty line (CRLF) received
        // prior to the request-line."
        while (in_.pending().starts_with("\r\n")) in_.consume(2);
        std::string_view line;
        switch (in_.take_line(limits_.max_request_line, line)) {
          case detail::InputBuffer::LineStatus::incomplete: return NeedMore{};
          case detail::InputBuffer::LineStatus::bare_lf: return fail({400, "line ended by a bare LF"});
          case detail::InputBuffer::LineStatus::too_long:
            return fail({414, "request line longer than " + std::to_string(limits_.max_request_line) + " bytes"});
          case detail::InputBuffer::LineStatus::ok: break;
        }
        if (auto e = parse_request_line(line)) return fail(std::move(*e));
        state_ = State::headers;
        break;
      }
      case State::headers: {
        auto done = headers_.read(in_, request_.headers,
                                  {.max_bytes = limits_.max_header_bytes,
                                   .max_count = limits_.max_header_count,
                                   .too_large = 431,
                                   .malformed = 400});
        if (!done) return fail(done.error());
        if (!*done) return NeedMore{};
        return finish_head();
      }
      case State::body_length: {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(body_left_, in_.size()));
        request_.body.append(in_.pending().substr(0, n));
        in_.consume(n);
        body_left_ -= n;
        if (body_left_ > 0) return NeedMore{};
        return take_request();
      }
      case State::body_chunked: {
        auto done = chunked_.decode(in_, request_.body,
                                    {.max_body = limits_.max_body_bytes,
                                     .max_trailer_bytes = limits_.max_header_bytes,
                                     .max_trailer_count = limits_.max_header_count,
                                     .malformed = 400,
                                     .body_too_large = 413,
                                     .trailers_too_large = 431});
        if (!done) return fail(done.error());
        if (!*done) return NeedMore{};
        return take_request();
      }
    }
  }
}

}  // namespace wirestack::http
