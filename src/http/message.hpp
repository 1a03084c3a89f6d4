// http/message.hpp — the vocabulary of the HTTP/1.1 codec (RFC 9110, RFC 9112):
// header lists, requests, responses and the error value every parser returns.
//
// Everything in http/ is sans-IO: parsers are fed bytes and hand back values,
// writers return the bytes to send. The server loop, sockets, files and clocks
// live in a higher layer that uses this one.
//
//   Headers h;
//   h.add("Content-Type", "text/plain");
//   if (auto ct = h.find("content-type")) use(*ct);   // case-insensitive
//   HttpError e{400, "missing Host header"};          // status to answer + reason
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace wirestack::http {

enum class Version { http_1_0, http_1_1 };
std::string_view to_string(Version v);  // "HTTP/1.0" / "HTTP/1.1"

// One field line as received or to be sent. Values are stored without the
// optional whitespace around them (RFC 9112 5.1).
struct HeaderField {
  std::string name;
  std::string value;
  friend bool operator==(const HeaderField&, const HeaderField&) = default;
};

// An ordered list of fields: order and duplicates are kept as received (a
// proxy or a test can see exactly what came in); lookups ignore name case.
class Headers {
 public:
  Headers() = default;
  Headers(std::initializer_list<HeaderField> fields) : fields_(fields) {}

  void add(std::string name, std::string value);
  // Replaces every field named `name` by one field (added at the end if absent).
  void set(std::string_view name, std::string value);
  // Removes every field named `name`; returns how many were removed.
  std::size_t remove(std::string_view name);

  // The first field named `name`, if any.
  std::optional<std::string_view> find(std::string_view name) const;
  std::vector<std::string_view> find_all(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name).has_value(); }
  std::size_t count(std::string_view name) const;
  // Whether the comma-separated list values of every `name` field contain
  // `token`, ignoring case and optional whitespace ("Connection: Keep-Alive, x").
  bool has_token(std::string_view name, std::string_view token) const;

  std::size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  const HeaderField& operator[](std::size_t i) const { return fields_[i]; }
  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }

  friend bool operator==(const Headers&, const Headers&) = default;

 private:
  std::vector<HeaderField> fields_;
};

// A complete request as the RequestParser produces it. The body is decoded
// (chunked framing removed); the framing fields stay in `headers` as received.
struct Request {
  std::string method;  // case-sensitive token: "GET", "POST", ...
  std::string target;  // as received: "/a/b?q=1", "*", "http://h/x", "h:443"
  Version version = Version::http_1_1;
  Headers headers;
  std::string body;
  // RFC 9112 9.3: whether the client wants the connection kept open after the
  // response (1.1: unless "Connection: close"; 1.0: only with
  // "Connection: keep-alive").
  bool keep_alive = true;
  // "Expect: 100-continue" on an HTTP/1.1 request (RFC 9110 10.1.1; a 1.0
  // request's expectation is ignored, as that section requires).
  bool expect_continue = false;

  // The target's path without the query: "/a/b" for "/a/b?q=1"; for an
  // absolute-form target "http://h/x?y" it is "/x".
  std::string_view path() const;
  // The query without '?', empty when there is none.
  std::string_view query() const;

  friend bool operator==(const Request&, const Request&) = default;
};
std::ostream& operator<<(std::ostream& os, const Request& r);  // "GET /x HTTP/1.1 (3 fields, 0 body bytes)"

// A response to serialize with write_response (response_writer.hpp) or as the
// ResponseParser produced it (then `reason` is the received reason phrase).
struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // Send the body with chunked framing instead of Content-Length (only to
  // HTTP/1.1 clients; a 1.0 client gets Content-Length regardless).
  bool chunked = false;
  std::string reason;  // received reason phrase; write_response uses reason_phrase(status)
  Version version = Version::http_1_1;  // received version; ignored by write_response

  friend bool operator==(const Response&, const Response&) = default;
};

// Why a message was refused: the status code to answer with and a one-line
// reason (no CR/LF). Request parsing yields 400, 413, 414, 431, 501 or 505;
// response parsing (the client side) yields 502, as a gateway would answer
// for an invalid upstream response. After any parser error the connection's
// framing is lost: answer (request side) and close.
struct HttpError {
  int status = 400;
  std::string reason;
  friend bool operator==(const HttpError&, const HttpError&) = default;
};
std::ostream& operator<<(std::ostream& os, const HttpError& e);  // "400 missing Host header"

// The standard reason phrase of `status` (RFC 9110 15), "" for an unknown code.
std::string_view reason_phrase(int status);

// --- Character classes shared by the parsers and writers (RFC 9110 5.6). ---
bool is_tchar(char c);
bool is_token(std::string_view s);           // 1*tchar
bool is_field_value(std::string_view s);     // field-vchar / SP / HTAB only; no CR, LF, NUL, CTL
bool iequals(std::string_view a, std::string_view b);  // ASCII case-insensitive
std::string_view trim_ows(std::string_view s);         // strips SP and HTAB at both ends

}  // namespace wirestack::http
