// http/codec.hpp — internal pieces the request and response parsers share:
// an input buffer that hands out CRLF-terminated lines, the header-section
// reader and the chunked-body decoder (RFC 9112 2.2, 5, 7.1). Not part of the
// public API; use request_parser.hpp and response_parser.hpp.
//
//   detail::InputBuffer in;
//   in.append("Host: a\r\n\r\n");
//   detail::HeaderSectionReader headers;
//   Headers out;
//   auto done = headers.read(in, out, {.max_bytes = 100, .max_count = 10, .too_large = 431, .malformed = 400});
//   // *done == true: the blank line was reached, `out` holds one field.
//
// Line endings: only CRLF ends a line. A bare LF is refused (not recognized as
// RFC 9112 2.2 allows a recipient to), and a bare CR fails the character checks
// of whatever line holds it: lenient line splitting is how request smuggling
// between two parsers that disagree begins, and every real client sends CRLF.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "http/message.hpp"

namespace wirestack::http::detail {

// Bytes received and not yet consumed. Line views stay valid until the next
// append().
class InputBuffer {
 public:
  enum class LineStatus { ok, incomplete, too_long, bare_lf };

  void append(std::string_view data);
  std::string_view pending() const { return std::string_view(buf_).substr(pos_); }
  std::size_t size() const { return buf_.size() - pos_; }
  void consume(std::size_t n);
  // Takes one line whose content (CRLF excluded) is at most `limit` bytes.
  // too_long is reported as soon as the buffered bytes prove it, without
  // waiting for the line's end (a peer cannot make us buffer past the limit).
  LineStatus take_line(std::size_t limit, std::string_view& line);

 private:
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t scanned_ = 0;  // bytes after pos_ already known to hold no LF
};

// Parses "name: value" (RFC 9112 5.1). On failure returns the reason.
Result<HeaderField, std::string> parse_field_line(std::string_view line);

struct HeaderLimits {
  std::size_t max_bytes = 0;  // sum of field-line lengths, CRLFs included
  std::size_t max_count = 0;
  int too_large = 431;  // status for a section over either limit
  int malformed = 400;  // status for a bad line
};

// Reads field lines up to the blank line, across calls.
class HeaderSectionReader {
 public:
  // true once the blank line ending the section was consumed.
  Result<bool, HttpError> read(InputBuffer& in, Headers& out, const HeaderLimits& limits);
  void reset() { bytes_ = 0; }

 private:
  std::size_t bytes_ = 0;
};

struct ChunkedLimits {
  std::size_t max_body = 0;           // decoded bytes
  std::size_t max_trailer_bytes = 0;  // trailer section, as HeaderLimits::max_bytes
  std::size_t max_trailer_count = 0;
  int malformed = 400;
  int body_too_large = 413;
  int trailers_too_large = 431;
};

// Decodes a chunked body (RFC 9112 7.1) into `body`, across calls. Chunk
// extensions are checked for legal characters and ignored; trailer fields are
// checked like header fields and discarded (RFC 9110 6.5.1 lets a recipient
// drop them; nothing here needs them).
class ChunkedDecoder {
 public:
  Result<bool, HttpError> decode(InputBuffer& in, std::string& body, const ChunkedLimits& limits);
  void reset() { *this = ChunkedDecoder{}; }

  // A chunk-size line (hex digits, extensions) longer than this is refused.
  static constexpr std::size_t kMaxChunkLine = 4096;

 private:
  enum class State { size_line, data, data_crlf, trailers };
  State state_ = State::size_line;
  std::uint64_t remaining_ = 0;
  HeaderSectionReader trailers_;
  Headers discarded_;
};

// Parses a Content-Length value set: every field and every comma-separated
// element must be 1*DIGIT and all must be equal (RFC 9110 8.6 lets a recipient
// accept "5, 5"). Values beyond 2^63 saturate (they are over any limit).
// Error: the reason.
Result<std::uint64_t, std::string> parse_content_length(const Headers& headers);

}  // namespace wirestack::http::detail
