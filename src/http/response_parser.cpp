#include "http/response_parser.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace wirestack::http {

namespace {
constexpr int kBadGateway = 502;
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

void ResponseParser::feed(std::string_view bytes) {
  if (state_ != State::failed) in_.append(bytes);
}

ResponseParser::Outcome ResponseParser::fail(std::string reason) {
  state_ = State::failed;
  error_ = HttpError{kBadGateway, std::move(reason)};
  return Unexpected{error_};
}

bool ResponseParser::parse_status_line(std::string_view line) {
  // status-line = HTTP-version SP status-code SP [ reason-phrase ]; the
  // second SP is tolerated when missing ("HTTP/1.1 200"), as RFC 9112 4 asks
  // clients to ignore the reason anyway.
  if (line.size() < 12 || !line.starts_with("HTTP/1.") || line[8] != ' ') return false;
  if (line[7] == '0') {
    response_.version = Version::http_1_0;
  } else if (line[7] == '1') {
    response_.version = Version::http_1_1;
  } else {
    return false;
  }
  if (!is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11]) || line[9] == '0') return false;
  response_.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  if (response_.status > 599) return false;
  if (line.size() > 12 && line[12] != ' ') return false;
  const std::string_view reason = line.size() > 13 ? line.substr(13) : std::string_view{};
  if (!is_field_value(reason)) return false;
  response_.reason = std::string(reason);
  return true;
}

Result<bool, HttpError> ResponseParser::finish_head() {
  const Headers& h = response_.headers;
  const int s = response_.status;
  if (s >= 100 && s < 200 && s != 101) {
    // Interim response: drop it and read the final one.
    response_ = Response{};
    headers_.reset();
    state_ = State::status_line;
    return false;
  }
  if (head_request_ || s < 200 || s == 204 || s == 304) return true;
  const bool has_te = h.contains("Transfer-Encoding");
  const bool has_cl = h.contains("Content-Length");
  if (has_te && has_cl) return Unexpected{HttpError{kBadGateway, "both Content-Length and Transfer-Encoding"}};
  if (has_te) {
    std::string_view last = h.find_all("Transfer-Encoding").back();
    const auto comma = last.find_last_of(',');
    if (comma != std::string_view::npos) last.remove_prefix(comma + 1);
    if (iequals(trim_ows(last), "chunked")) {
      response_.chunked = true;
      state_ = State::body_chunked;
    } else {
      state_ = State::body_until_close;
    }
    return false;
  }
  if (has_cl) {
    auto cl = detail::parse_content_length(h);
    if (!cl) return Unexpected{HttpError{kBadGateway, cl.error()}};
    if (*cl > limits_.max_body_bytes)
      return Unexpected{
          HttpError{kBadGateway, "body larger than " + std::to_string(limits_.max_body_bytes) + " bytes"}};
    if (*cl == 0) return true;
    body_left_ = *cl;
    state_ = State::body_length;
    return false;
  }
  state_ = State::body_until_close;
  return false;
}

Response ResponseParser::take_response() {
  Response r = std::move(response_);
  response_ = Response{};
  headers_.reset();
  state_ = State::status_line;
  return r;
}

ResponseParser::Outcome ResponseParser::next() {
  for (;;) {
    switch (state_) {
      case State::failed: return Unexpected{error_};
      case State::status_line: {
        std::string_view line;
        switch (in_.take_line(limits_.max_status_line, line)) {
          case detail::InputBuffer::LineStatus::incomplete:
            if (eof_ && in_.size() > 0) return fail("connection closed inside the status line");
            return std::optional<Response>{};
          case detail::InputBuffer::LineStatus::bare_lf: return fail("line ended by a bare LF");
          case detail::InputBuffer::LineStatus::too_long: return fail("status line too long");
          case detail::InputBuffer::LineStatus::ok: break;
        }
        if (!parse_status_line(line)) return fail("malformed status line");
        state_ = State::headers;
        break;
      }
      case State::headers: {
        auto done = headers_.read(in_, response_.headers,
                                  {.max_bytes = limits_.max_header_bytes,
                                   .max_count = limits_.max_header_count,
                                   .too_large = kBadGateway,
                                   .malformed = kBadGateway});
        if (!done) return fail(done.error().reason);
        if (!*done) {
          if (eof_) return fail("connection closed inside the header section");
          return std::optional<Response>{};
        }
        auto complete = finish_head();
        if (!complete) return fail(complete.error().reason);
        if (*complete) return std::optional<Response>{take_response()};
        break;
      }
      case State::body_length: {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(body_left_, in_.size()));
        response_.body.append(in_.pending().substr(0, n));
        in_.consume(n);
        body_left_ -= n;
        if (body_left_ == 0) return std::optional<Response>{take_response()};
        if (eof_) return fail("connection closed before the end of the body");
        return std::optional<Response>{};
      }
      case State::body_chunked: {
        auto done = chunked_.decode(in_, response_.body,
                                    {.max_body = limits_.max_body_bytes,
                                     .max_trailer_bytes = limits_.max_header_bytes,
                                     .max_trailer_count = limits_.max_header_count,
                                     .malformed = kBadGateway,
                                     .body_too_large = kBadGateway,
                                     .trailers_too_large = kBadGateway});
        if (!done) return fail(done.error().reason);
        if (*done) return std::optional<Response>{take_response()};
        if (eof_) return fail("connection closed inside the chunked body");
        return std::optional<Response>{};
      }
      case State::body_until_close: {
        if (response_.body.size() + in_.size() > limits_.max_body_bytes)
          return fail("body larger than " + std::to_string(limits_.max_body_bytes) + " bytes");
        response_.body.append(in_.pending());
        in_.consume(in_.size());
        if (eof_) return std::optional<Response>{take_response()};
        return std::optional<Response>{};
      }
    }
  }
}

}  // namespace wirestack::http
