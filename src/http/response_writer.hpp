// http/response_writer.hpp — serializes responses (RFC 9112 4, 6, 9.3) and
// builds the error responses a server sends. Sans-IO: returns bytes; the Date
// header appears only when the caller passes the time text in.
//
//   Response r{.status = 200, .headers = {{"Content-Type", "text/html"}}, .body = page};
//   std::string bytes = write_response(r, reply_options(req, format_http_date(now)));  // now: passed in
//   // reply_options: {.version = req.version, .keep_alive = req.keep_alive,
//   //                 .head = req.method == "HEAD", .date = <the text>}
//   // "HTTP/1.1 200 OK\r\nDate: ...\r\nContent-Type: text/html\r\n"
//   // "Content-Length: 1234\r\nConnection: keep-alive\r\n\r\n<html>..."
//
// The writer owns the framing and connection fields: Content-Length,
// Transfer-Encoding, Connection and Date given in Response::headers are
// dropped and written from the response and options instead. A field whose
// name is not a token or whose value holds CR, LF, NUL or another control
// character is dropped too (a handler echoing client data into a header must
// not be able to split the response).
//
// Bodies: 1xx, 204 and 304 responses never carry one (nor a length). A
// response to HEAD carries the Content-Length the GET would have and no body
// (RFC 9110 9.3.2). Response::chunked sends the body as one chunk plus the
// last chunk, to HTTP/1.1 clients only (a 1.0 client gets Content-Length).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace wirestack::http {

struct WriteOptions {
  Version version = Version::http_1_1;  // the request's version
  // The server's decision (usually Request::keep_alive, false after a parse
  // error or when shutting down): "Connection: keep-alive" or "Connection: close".
  bool keep_alive = true;
  bool head = false;      // answering a HEAD request: headers only
  std::string date;       // IMF-fixdate (format_http_date) or empty: no Date field
};

std::string write_response(const Response& r, const WriteOptions& options = {});

// For a body sent in pieces (a large file, read by the server as it goes):
// the status line and header section only, r.body ignored. The body is framed
// by Content-Length `content_length`, or, when uses_chunked(r, o), by
// chunks: send write_chunk(piece)... then kLastChunk. Send the body only when
// sends_body(r, o) (not for HEAD, 1xx, 204, 304).
//   std::string head = write_head(r, o, file_size);
//   if (sends_body(r, o)) while (auto piece = next_piece()) send(uses_chunked(r, o) ? write_chunk(*piece) : *piece);
std::string write_head(const Response& r, const WriteOptions& o, std::uint64_t content_length);
bool sends_body(const Response& r, const WriteOptions& o);
bool uses_chunked(const Response& r, const WriteOptions& o);  // r.chunked, a 1.1 client, a status with a body

// The options that answer `request` as it asked: its version, its keep-alive
// wish (RFC 9112 9.3), headers only for HEAD. A server closing anyway (shutting
// down, too many requests on the connection) then sets keep_alive = false.
WriteOptions reply_options(const Request& request, std::string date = {});

// The interim response for "Expect: 100-continue" (RFC 9110 15.2.1).
inline constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

// Chunked framing pieces for a body produced piece by piece.
std::string write_chunk(std::string_view data);  // "<hex size>\r\n<data>\r\n"; "" for empty data
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 5.6.7 IMF-fixdate), for the
// Date field; the time point is passed in (this layer reads no clock).
std::string format_http_date(std::chrono::system_clock::time_point t);

// A small text/plain response: "404 Not Found\n", or with a detail
// "400 Bad Request: missing Host header\n".
Response error_response(int status, std::string_view detail = {});
// The answer to a parser error: its status and reason. Write it with
// keep_alive = false: the request stream's framing is lost.
Response error_response(const HttpError& e);
// 405 with the Allow field ("GET, HEAD, POST"), RFC 9110 15.5.6.
Response method_not_allowed(std::string_view allow);

}  // namespace wirestack::http
