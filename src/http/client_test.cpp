#include "http/client.hpp"

#include <gtest/gtest.h>

#include "http/request_parser.hpp"

namespace wirestack::http {
namespace {

TEST(ParseUrl, HostPortTarget) {
  EXPECT_EQ(*parse_url("http://10.0.0.2:8080/stats?x=1"),
            (Url{.host = "10.0.0.2", .port = 8080, .target = "/stats?x=1", .host_is_ip = true}));
  EXPECT_EQ(*parse_url("HTTP://Example.ORG"), (Url{.host = "example.org", .port = 80, .target = "/"}));
  EXPECT_EQ(*parse_url("http://a?q"), (Url{.host = "a", .port = 80, .target = "/?q"}));
  EXPECT_EQ(*parse_url("http://a:65535/p#frag"), (Url{.host = "a", .port = 65535, .target = "/p"}));
  EXPECT_EQ(*parse_url("http://[2001:DB8::1]:8080/x"),
            (Url{.host = "2001:db8::1", .port = 8080, .target = "/x", .host_is_ip = true}));
  EXPECT_EQ(*parse_url("http://[::1]"), (Url{.host = "::1", .port = 80, .target = "/", .host_is_ip = true}));
}

// RFC 6874: a link-local literal names its zone after "%25", which is the
// client's business only: not in the Host field.
TEST(ParseUrl, AZoneFollowsALinkLocalLiteral) {
  EXPECT_EQ(*parse_url("http://[fe80::1%25tap0]:8080/"),
            (Url{.host = "fe80::1", .port = 8080, .target = "/", .host_is_ip = true, .zone = "tap0"}));
  EXPECT_EQ(parse_url("http://[fe80::1%25en%2D1]/")->zone, "en-1");
  EXPECT_EQ(host_field(*parse_url("http://[fe80::1%25tap0]:8080/")), "[fe80::1]:8080");
  for (const char* bad : {"http://[fe80::1%tap0]/", "http://[fe80::1%25]/", "http://[fe80::1%25a%2]/",
                          "http://[fe80::1%25a/b]/", "http://[fe80::1%25a%zz]/"}) {
    EXPECT_FALSE(parse_url(bad)) << bad;
  }
  EXPECT_EQ(parse_url("http://[fe80::1%tap0]/").error().reason,
            "a zone in brackets is written %25ZONE (RFC 6874), e.g. [fe80::1%25eth0]");
}

TEST(ParseUrl, AnIpv6HostKeepsItsBracketsInTheHostField) {
  EXPECT_EQ(host_field(*parse_url("http://[2001:db8::1]:8080/")), "[2001:db8::1]:8080");
  EXPECT_EQ(host_field(*parse_url("http://[::1]/")), "[::1]");
  EXPECT_EQ(host_field(*parse_url("http://10.0.0.2/")), "10.0.0.2");
}

TEST(ParseUrl, Refusals) {
  const auto reason = [](std::string_view url) {
    auto r = parse_url(url);
    EXPECT_FALSE(r) << url;
    return r ? std::string("parsed") : r.error().reason;
  };
  EXPECT_EQ(reason("https://a/"), "only http:// URLs are supported");
  EXPECT_EQ(reason("ftp://a/"), "only http:// URLs are supported");
  EXPECT_EQ(reason("http://"), "missing host");
  EXPECT_EQ(reason("http://:80/"), "missing host");
  EXPECT_EQ(reason("http://a:0/"), "invalid port");
  EXPECT_EQ(reason("http://a:65536/"), "invalid port");
  EXPECT_EQ(reason("http://a:/"), "invalid port");
  EXPECT_EQ(reason("http://a:8x/"), "invalid port");
  EXPECT_EQ(reason("http://u:p@a/"), "user info in URLs is not supported");
  EXPECT_EQ(reason("http://[::1/"), "missing ']' after the IPv6 address");
  EXPECT_EQ(reason("http://[example.com]/"), "invalid IPv6 address in brackets");
  EXPECT_EQ(reason("http://[::1]x/"), "invalid port");
  EXPECT_EQ(reason("http://[::1]:0/"), "invalid port");
  EXPECT_EQ(reason("http://10.0.0.256/"), "invalid host");
  EXPECT_EQ(reason("http://10.0.0/"), "invalid host");
  EXPECT_EQ(reason("http://010.0.0.1/"), "invalid host");
  EXPECT_EQ(reason("http://a_b/"), "invalid host");
  EXPECT_EQ(reason("http://a/b c"), "invalid character in path");
}

TEST(WriteGetRequest, ByteExactAndAcceptedByOurParser) {
  const Url url{.host = "10.0.0.2", .port = 8080, .target = "/stats"};
  const std::string bytes = write_get_request(url);
  EXPECT_EQ(bytes,
            "GET /stats HTTP/1.1\r\nHost: 10.0.0.2:8080\r\nUser-Agent: wirestack/0.1\r\nAccept: */*\r\n"
            "Connection: close\r\n\r\n");
  EXPECT_EQ(write_get_request(Url{.host = "a", .port = 80, .target = "/"}),
            "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: wirestack/0.1\r\nAccept: */*\r\nConnection: close\r\n\r\n");
  RequestParser p;
  p.feed(bytes);
  auto ev = p.next();
  ASSERT_TRUE(ev);
  ASSERT_TRUE(std::holds_alternative<Request>(*ev));
  EXPECT_FALSE(std::get<Request>(*ev).keep_alive);
}

TEST(WriteRequest, AddsContentLengthOrChunksAsTheFieldsSay) {
  Request r{.method = "POST", .target = "/x", .headers = {{"Host", "a"}}, .body = "abc"};
  EXPECT_EQ(write_request(r), "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
  r.headers.add("Transfer-Encoding", "chunked");
  EXPECT_EQ(write_request(r), "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  r = Request{.method = "GET", .target = "/", .version = Version::http_1_0};
  EXPECT_EQ(write_request(r), "GET / HTTP/1.0\r\n\r\n");
}

}  // namespace
}  // namespace wirestack::http
