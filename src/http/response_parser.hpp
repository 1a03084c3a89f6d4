// http/response_parser.hpp — an incremental HTTP/1.1 response parser for the
// client side (`wirestack get URL`), sans-IO like the request parser.
//
//   ResponseParser parser;
//   parser.set_head_request(false);              // true if the request was HEAD
//   while (bytes = receive()) parser.feed(bytes);  // any segmentation
//   parser.finish();                              // the peer closed the connection
//   auto r = parser.next();
//   if (!r) fail(r.error().reason);               // status 502: invalid response
//   else if (!*r) fail("no response");            // closed before any byte
//   else print((*r)->body);
// next() may also be called after every feed(): it returns the response as
// soon as it is complete (Content-Length or chunked); a body delimited by the
// end of the connection completes at finish().
//
// Body length (RFC 9112 6.3), in order: a response to HEAD, a 1xx, 204 or 304
// has none; Transfer-Encoding with chunked last is chunked (Response::chunked
// is then true); other Transfer-Encoding reads until close; Content-Length
// (digits, equal values if repeated) gives the length; otherwise until close.
// Both Transfer-Encoding and Content-Length is an error (RFC 9112 6.3 (3):
// "ought to be handled as an error"). Interim 1xx responses (100 Continue,
// 103 Early Hints) are skipped, except 101 Switching Protocols, returned as
// final (this client asks for no upgrade, so it ends the exchange).
// Line endings as the request parser: CRLF only. Every error has status 502.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "http/codec.hpp"
#include "http/message.hpp"

namespace wirestack::http {

struct ResponseLimits {
  std::size_t max_status_line = 8 * 1024;
  std::size_t max_header_bytes = 64 * 1024;
  std::size_t max_header_count = 200;
  std::size_t max_body_bytes = 64 * 1024 * 1024;
};

class ResponseParser {
 public:
  explicit ResponseParser(ResponseLimits limits = {}) : limits_(limits) {}

  // Whether the request the next responses answer was HEAD (no body follows).
  void set_head_request(bool head) { head_request_ = head; }
  void feed(std::string_view bytes);
  void feed(Bytes bytes) { feed(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())); }
  // The connection ended: a body read until close is complete; anything else
  // in progress is an error.
  void finish() { eof_ = true; }

  // The next complete response; nullopt when more bytes are needed (or,
  // after finish(), when the stream ended cleanly between responses).
  Result<std::optional<Response>, HttpError> next();

  bool in_progress() const { return state_ != State::status_line || in_.size() > 0; }

 private:
  enum class State { status_line, headers, body_length, body_chunked, body_until_close, failed };
  using Outcome = Result<std::optional<Response>, HttpError>;

  Outcome fail(std::string reason);
  bool parse_status_line(std::string_view line);
  // Decides the framing once the head is in; true when the response is complete.
  Result<bool, HttpError> finish_head();
  Response take_response();

  ResponseLimits limits_;
  detail::InputBuffer in_;
  State state_ = State::status_line;
  Response response_;
  detail::HeaderSectionReader headers_;
  detail::ChunkedDecoder chunked_;
  std::uint64_t body_left_ = 0;
  bool head_request_ = false;
  bool eof_ = false;
  HttpError error_;
};

}  // namespace wirestack::http
