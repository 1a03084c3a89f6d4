#include "http/codec.hpp"

#include <algorithm>
#include <optional>
#include <string>

namespace wirestack::http::detail {

void InputBuffer::append(std::string_view data) {
  // Compact once the consumed prefix dominates, so a long-lived keep-alive
  // connection does not grow its buffer with every request.
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(data);
}

void InputBuffer::consume(std::size_t n) {
  pos_ += std::min(n, size());
  scanned_ = 0;
  if (pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  }
}

InputBuffer::LineStatus InputBuffer::take_line(std::size_t limit, std::string_view& line) {
  const std::string_view p = pending();
  const auto lf = p.find('\n', scanned_);
  if (lf == std::string_view::npos) {
    scanned_ = p.size();
    // Content plus a CR could still be within the limit; more cannot.
    return p.size() > limit + 1 ? LineStatus::too_long : LineStatus::incomplete;
  }
  // Decide "too long" exactly as the no-LF-yet branch would have with these
  // bytes arriving one at a time, so every segmentation gives the same error.
  if (lf > limit + 1) return LineStatus::too_long;
  if (lf == 0 || p[lf - 1] != '\r') return LineStatus::bare_lf;
  const std::size_t len = lf - 1;
  line = p.substr(0, len);
  pos_ += lf + 1;
  scanned_ = 0;
  return LineStatus::ok;
}

Result<HeaderField, std::string> parse_field_line(std::string_view line) {
  // RFC 9112 5.2: obs-fold is refused with 400 rather than unfolded.
  if (line.front() == ' ' || line.front() == '\t') return Unexpected{std::string("obsolete line folding")};
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return Unexpected{std::string("header field without ':'")};
  const std::string_view name = line.substr(0, colon);
  // RFC 9112 5.1: "No whitespace is allowed between the field name and colon
  // ... a server MUST reject [such a message] with 400".
  if (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
    return Unexpected{std::string("whitespace between header field name and ':'")};
  if (!is_token(name)) return Unexpected{std::string("invalid header field name")};
  const std::string_view value = trim_ows(line.substr(colon + 1));
  if (!is_field_value(value)) return Unexpected{"invalid character in header field " + std::string(name)};
  return HeaderField{std::string(name), std::string(value)};
}

Result<bool, HttpError> HeaderSectionReader::read(InputBuffer& in, Headers& out, const HeaderLimits& limits) {
  for (;;) {
    const std::size_t left = limits.max_bytes - bytes_;  // bytes_ <= max_bytes always
    const std::size_t content_limit = left >= 2 ? left - 2 : 0;
    std::string_view line;
    switch (in.take_line(content_limit, line)) {
      case InputBuffer::LineStatus::incomplete: return false;
      case InputBuffer::LineStatus::bare_lf:
        return Unexpected{HttpError{limits.malformed, "line ended by a bare LF"}};
      case InputBuffer::LineStatus::too_long:
        return Unexpected{HttpError{limits.too_large,
                                    "header section larger than " + std::to_string(limits.max_bytes) + " bytes"}};
      case InputBuffer::LineStatus::ok: break;
    }
    if (line.empty()) return true;
    auto field = parse_field_line(line);
    if (!field) return Unexpected{HttpError{limits.malformed, field.error()}};
    if (out.size() >= limits.max_count)
      return Unexpected{
          HttpError{limits.too_large, "more than " + std::to_string(limits.max_count) + " header fields"}};
    bytes_ += line.size() + 2;
    out.add(std::move(field->name), std::move(field->value));
  }
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Result<bool, HttpError> ChunkedDecoder::decode(InputBuffer& in, std::string& body, const ChunkedLimits& limits) {
  const auto malformed = [&](std::string reason) { return Unexpected{HttpError{limits.malformed, std::move(reason)}}; };
  for (;;) {
    switch (state_) {
      case State::size_line: {
        std::string_view line;
        switch (in.take_line(kMaxChunkLine, line)) {
          case InputBuffer::LineStatus::incomplete: return false;
          case InputBuffer::LineStatus::bare_lf: return malformed("chunk size line ended by a bare LF");
          case InputBuffer::LineStatus::too_long: return malformed("chunk size line too long");
          case InputBuffer::LineStatus::ok: break;
        }
        // chunk = chunk-size [ chunk-ext ] CRLF; chunk-size = 1*HEXDIG.
        std::size_t i = 0;
        std::uint64_t size = 0;
        bool huge = false;
        for (; i < line.size() && hex_value(line[i]) >= 0; ++i) {
          if (size > (UINT64_MAX >> 4)) huge = true;
          size = (size << 4) | static_cast<std::uint64_t>(hex_value(line[i]));
        }
        if (i == 0) return malformed("invalid chunk size");
        // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ): ignored,
        // but it must start with ';' and hold no control characters.
        const std::string_view ext = trim_ows(line.substr(i));
        if (!ext.empty() && (ext.front() != ';' || !is_field_value(ext))) return malformed("invalid chunk extension");
        if (huge || size > limits.max_body - body.size())
          return Unexpected{HttpError{limits.body_too_large,
                                      "body larger than " + std::to_string(limits.max_body) + " bytes"}};
        remaining_ = size;
        state_ = size == 0 ? State::trailers : State::data;
        break;
      }
      case State::data: {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size()));
        body.append(in.pending().substr(0, n));
        in.consume(n);
        remaining_ -= n;
        if (remaining_ > 0) return false;
        state_ = State::data_crlf;
        break;
      }
      case State::data_crlf: {
        const std::string_view p = in.pending();
        if (!p.empty() && p[0] != '\r') return malformed("chunk data not followed by CRLF");
        if (p.size() < 2) return false;
        if (p[1] != '\n') return malformed("chunk data not followed by CRLF");
        in.consume(2);
        state_ = State::size_line;
        break;
      }
      case State::trailers: {
        auto done = trailers_.read(in, discarded_,
                                   {.max_bytes = limits.max_trailer_bytes,
                                    .max_count = limits.max_trailer_count,
                                    .too_large = limits.trailers_too_large,
                                    .malformed = limits.malformed});
        if (!done) return Unexpected{done.error()};
        if (!*done) return false;
        reset();
        return true;
      }
    }
  }
}

Result<std::uint64_t, std::string> parse_content_length(const Headers& headers) {
  std::optional<std::uint64_t> result;
  for (std::string_view value : headers.find_all("Content-Length")) {
    for (;;) {
      const auto comma = value.find(',');
      const std::string_view element = trim_ows(value.substr(0, comma));
      if (element.empty() || !std::all_of(element.begin(), element.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return Unexpected{std::string("invalid Content-Length")};
      std::uint64_t n = 0;
      constexpr std::uint64_t kHuge = std::uint64_t{1} << 63;  // saturate: over any limit anyway
      for (char c : element) n = n >= kHuge / 10 ? kHuge : n * 10 + static_cast<std::uint64_t>(c - '0');
      if (result && *result != n) return Unexpected{std::string("conflicting Content-Length values")};
      result = n;
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  if (!result) return Unexpected{std::string("no Content-Length")};
  return *result;
}

}  // namespace wirestack::http::detail
