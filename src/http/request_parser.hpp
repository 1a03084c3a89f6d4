// http/request_parser.hpp — a strict, incremental HTTP/1.1 request parser
// (RFC 9112), sans-IO: feed it bytes as they arrive, in any segmentation, and
// take complete requests out. Bytes after one request stay buffered for the
// next (pipelining).
//
//   RequestParser parser;                       // limits: RequestLimits{}
//   parser.feed(bytes_from_socket);
//   for (;;) {
//     auto ev = parser.next();
//     if (!ev) { send(write_response(error_response(ev.error()), {.keep_alive = false})); close(); break; }
//     if (std::holds_alternative<NeedMore>(*ev)) break;            // wait for more bytes
//     if (auto* h = std::get_if<HeadComplete>(&*ev)) {             // body still to come
//       if (h->head->expect_continue) send(kContinueResponse);     // curl waits ~1 s otherwise
//       continue;
//     }
//     Request& req = std::get<Request>(*ev);
//     send(write_response(router.route(req), reply_options(req, format_http_date(now))));
//     if (!req.keep_alive) { close(); break; }
//   }
//
// What is accepted (anything else is an HttpError carrying the status to
// answer; after an error the parser stays failed and the connection must be
// closed, since the framing of what follows is unknown):
//   * request-line: method SP request-target SP HTTP-version, single spaces.
//     Method: a token. Target: visible ASCII only, in origin-form ("/p?q"),
//     absolute-form ("http://h/p"), asterisk-form ("*", OPTIONS only) or
//     authority-form ("h:443", CONNECT only). Version "HTTP/1.0" or
//     "HTTP/1.1"; another well-formed "HTTP/x.y" is 505; anything else 400.
//     A line over max_request_line is 414 (the target is what grows).
//     Empty lines before the request-line are skipped (RFC 9112 2.2).
//   * Lines end with CRLF only: a bare LF is 400 (see codec.hpp for why).
//   * Fields: token name, no whitespace before ':', value without CTLs;
//     obs-fold is 400. More than max_header_count fields, or field lines
//     (CRLFs included) over max_header_bytes, is 431.
//   * HTTP/1.1 needs exactly one Host field with a valid value (RFC 9112 3.2).
//   * Body (RFC 9112 6.3): Transfer-Encoding and Content-Length together are
//     400; Transfer-Encoding in HTTP/1.0 is 400; "chunked" must be the final
//     coding and appear once (else 400); any other coding before it is 501.
//     Content-Length: digits, repeated or listed values must be equal (else
//     400); over max_body_bytes is 413, known before the body is read.
//     Chunk extensions are ignored, trailers are checked and discarded.
//
// Events: a request with a body (Content-Length > 0 or chunked) first yields
// HeadComplete once its head is parsed, so the server can answer
// "100 Continue" (or refuse) before the body arrives; then the Request. A
// request without a body yields the Request directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "base/bytes.hpp"
#include "base/result.hpp"
#include "http/codec.hpp"
#include "http/message.hpp"

namespace wirestack::http {

struct RequestLimits {
  std::size_t max_request_line = 8 * 1024;  // bytes, CRLF excluded; over: 414
  std::size_t max_header_bytes = 16 * 1024;  // field lines incl. CRLFs; over: 431 (also for trailers)
  std::size_t max_header_count = 100;        // fields; over: 431 (also for trailers)
  std::size_t max_body_bytes = 1024 * 1024;  // decoded body; over: 413
};

// Not enough bytes buffered for the next event.
struct NeedMore {
  friend bool operator==(NeedMore, NeedMore) = default;
};
// The head of a request with a body is parsed; the body is still to come.
// `head` (method, target, headers, flags; empty body) stays valid until the
// next call to next(). A server that refuses the request at this point
// (404, 405, 417 ...) answers with keep_alive = false and closes: the parser
// cannot skip the unread body.
struct HeadComplete {
  const Request* head = nullptr;
};
using RequestEvent = std::variant<NeedMore, HeadComplete, Request>;

class RequestParser {
 public:
  explicit RequestParser(RequestLimits limits = {}) : limits_(limits) {}

  // Appends received bytes. Ignored once the parser has failed.
  void feed(std::string_view bytes);
  void feed(Bytes bytes) { feed(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())); }

  // The next event from the buffered bytes (see the file comment).
  Result<RequestEvent, HttpError> next();

  // Whether part of a request has been received: on an idle timeout the
  // server answers 408 if so, and closes silently if not (RFC 9110 15.5.9).
  bool in_progress() const { return state_ != State::request_line || in_.size() > 0; }
  bool failed() const { return state_ == State::failed; }
  std::size_t buffered() const { return in_.size(); }
  const RequestLimits& limits() const { return limits_; }

 private:
  enum class State { request_line, headers, body_length, body_chunked, failed };

  Result<RequestEvent, HttpError> fail(HttpError e);
  std::optional<HttpError> parse_request_line(std::string_view line);
  // Checks the head and decides the body framing; returns the first event.
  Result<RequestEvent, HttpError> finish_head();
  Request take_request();

  RequestLimits limits_;
  detail::InputBuffer in_;
  State state_ = State::request_line;
  Request request_;
  detail::HeaderSectionReader headers_;
  detail::ChunkedDecoder chunked_;
  std::uint64_t body_left_ = 0;
  HttpError error_;
};

}  // namespace wirestack::http
