// http/client.hpp — the client's half of the codec: URLs and request bytes.
//
//   auto url = parse_url("http://10.0.0.2:8080/stats?x=1");
//   if (!url) fail(url.error().reason);
//   // url->host == "10.0.0.2", url->port == 8080, url->target == "/stats?x=1"
//   send(write_get_request(*url));
//   // "GET /stats?x=1 HTTP/1.1\r\nHost: 10.0.0.2:8080\r\n"
//   // "User-Agent: wirestack/0.1\r\nAccept: */*\r\nConnection: close\r\n\r\n"
//   ResponseParser parser; ...                       // response_parser.hpp
//
// parse_url accepts "http://" (scheme case-insensitive) host [":" port]
// [path] ["?" query] ["#" fragment]. The host is an IPv4 literal (four
// decimal octets, no leading zeros), an IPv6 literal in brackets
// ("http://[2001:db8::1]:8080/", host "2001:db8::1"), with a zone as RFC 6874
// writes it ("http://[fe80::1%25tap0]/": host "fe80::1", zone "tap0"; the
// zone is the sender's own and never goes into the Host field), or a DNS name (letters,
// digits, '-', '.'); user info ("user@") and other schemes are refused.
// The port defaults to 80 and must be 1-65535. The fragment is dropped (it
// is never sent, RFC 9110 4.2.4); an empty path becomes "/". Characters
// outside visible ASCII in the path are refused rather than escaped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "http/message.hpp"

namespace wirestack::http {

struct Url {
  std::string host;          // lower-cased
  std::uint16_t port = 80;
  std::string target;        // path and query: "/", "/a?b=1"
  bool host_is_ip = false;    // host is an address literal (IPv4 dotted quad, or IPv6 without its brackets)
  std::string zone;           // an IPv6 literal's zone (RFC 6874), percent-decoded; empty: none
  friend bool operator==(const Url&, const Url&) = default;
};

struct UrlError {
  std::string reason;
  friend bool operator==(const UrlError&, const UrlError&) = default;
};

Result<Url, UrlError> parse_url(std::string_view text);

// "host" for port 80, "host:port" otherwise: the Host field's value.
std::string host_field(const Url& url);

// The request `wirestack get` sends: GET, Host, User-Agent, Accept,
// Connection: close (one request per connection, so the body may also be
// delimited by the close).
std::string write_get_request(const Url& url);

// Serializes any request: the request-line and the fields as they are. The
// body is framed as the fields say: chunked (one chunk and the last chunk)
// when Transfer-Encoding is present, else as is under the existing
// Content-Length, else with a Content-Length added when the body is not
// empty. So a request from the RequestParser re-serializes to bytes that
// parse back to the same Request.
std::string write_request(const Request& r);

}  // namespace wirestack::http
