#include "http/response_writer.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace wirestack::http {
namespace {

using namespace std::chrono;

TEST(WriteResponse, ContentLengthKeepAliveAndDateByteExact) {
  Response r{.status = 200, .headers = {{"Content-Type", "text/plain"}}, .body = "hello"};
  EXPECT_EQ(write_response(r, {.date = "Sun, 06 Nov 1994 08:49:37 GMT"}),
            "HTTP/1.1 200 OK\r\n"
            "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 5\r\n"
            "Connection: keep-alive\r\n"
            "\r\n"
            "hello");
}

TEST(WriteResponse, NoDateUnlessGivenAndCloseWhenDecided) {
  Response r{.status = 404, .body = "x"};
  EXPECT_EQ(write_response(r, {.keep_alive = false}),
            "HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx");
}

TEST(WriteResponse, HeadKeepsContentLengthAndDropsTheBody) {
  Response r{.status = 200, .body = "0123456789"};
  EXPECT_EQ(write_response(r, {.head = true}),
            "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: keep-alive\r\n\r\n");
}

TEST(WriteResponse, ChunkedOnlyForHttp11) {
  Response r{.status = 200, .body = "hello, world!!!!!", .chunked = true};  // 17 = 0x11 bytes
  EXPECT_EQ(write_response(r),
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
            "11\r\nhello, world!!!!!\r\n0\r\n\r\n");
  EXPECT_EQ(write_response(r, {.version = Version::http_1_0, .keep_alive = false}),
            "HTTP/1.1 200 OK\r\nContent-Length: 17\r\nConnection: close\r\n\r\nhello, world!!!!!");
  r.body.clear();
  EXPECT_EQ(write_response(r), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n0\r\n\r\n");
}

TEST(WriteResponse, NoBodyStatusesCarryNoLengthOrBody) {
  EXPECT_EQ(write_response({.status = 204, .body = "ignored"}), "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(write_response({.status = 304, .body = "ignored"}),
            "HTTP/1.1 304 Not Modified\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_EQ(write_response({.status = 100}), kContinueResponse);
}

TEST(WriteResponse, WriterOwnsFramingFieldsAndDropsInjectedOnes) {
  Response r{.status = 200,
             .headers = {{"Content-Length", "999"},
                         {"transfer-encoding", "chunked"},
                         {"Connection", "upgrade"},
                         {"Date", "yesterday"},
                         {"Location", "/a\r\nSet-Cookie: x=1"},
                         {"Bad Name", "v"},
                         {"X-Ok", "v"}},
             .body = "ab"};
  EXPECT_EQ(write_response(r), "HTTP/1.1 200 OK\r\nX-Ok: v\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nab");
}

TEST(WriteResponse, UnknownStatusHasAnEmptyReason) {
  EXPECT_EQ(write_response({.status = 299}), "HTTP/1.1 299 \r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n");
}

TEST(ReplyOptions, FollowTheRequest) {
  const Request head{.method = "HEAD", .target = "/", .version = Version::http_1_0, .keep_alive = false};
  const WriteOptions o = reply_options(head, "D");
  EXPECT_EQ(o.version, Version::http_1_0);
  EXPECT_FALSE(o.keep_alive);
  EXPECT_TRUE(o.head);
  EXPECT_EQ(o.date, "D");
  const WriteOptions g = reply_options(Request{.method = "GET", .target = "/"});
  EXPECT_TRUE(g.keep_alive);
  EXPECT_FALSE(g.head);
  EXPECT_EQ(g.date, "");
  EXPECT_EQ(write_response({.status = 200, .body = "abc"}, reply_options(head)),
            "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n");
}

TEST(WriteHead, ForABodySentInPieces) {
  const Response r{.status = 200, .headers = {{"Content-Type", "application/pdf"}}};
  EXPECT_EQ(write_head(r, {}, 1234567),
            "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 1234567\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_TRUE(sends_body(r, {}));
  EXPECT_FALSE(sends_body(r, {.head = true}));
  EXPECT_FALSE(sends_body(Response{.status = 304}, {}));
  EXPECT_FALSE(uses_chunked(r, {}));
  const Response c{.status = 200, .chunked = true};
  EXPECT_TRUE(uses_chunked(c, {}));
  EXPECT_FALSE(uses_chunked(c, {.version = Version::http_1_0}));
  EXPECT_FALSE(uses_chunked(Response{.status = 204, .chunked = true}, {}));
  EXPECT_EQ(write_head(c, {}, 99), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n");
}

TEST(WriteChunk, HexSizeAndNothingForEmpty) {
  EXPECT_EQ(write_chunk("0123456789abcdef"), "10\r\n0123456789abcdef\r\n");
  EXPECT_EQ(write_chunk(""), "");
}

TEST(FormatHttpDate, Rfc9110Example) {
  // RFC 9110 5.6.7: "Sun, 06 Nov 1994 08:49:37 GMT" is 784111777 s after the epoch.
  EXPECT_EQ(format_http_date(system_clock::time_point{seconds{784111777}}), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_http_date(system_clock::time_point{}), "Thu, 01 Jan 1970 00:00:00 GMT");
  // Sub-second parts are truncated, and a leap day prints as such.
  EXPECT_EQ(format_http_date(system_clock::time_point{seconds{1709251199} + milliseconds{999}}),
            "Thu, 29 Feb 2024 23:59:59 GMT");
}

TEST(ErrorResponses, StatusLineBodyAndAllow) {
  EXPECT_EQ(write_response(error_response(404), {.keep_alive = false}),
            "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 14\r\n"
            "Connection: close\r\n\r\n404 Not Found\n");
  EXPECT_EQ(write_response(method_not_allowed("GET, HEAD"), {.keep_alive = false}),
            "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\nAllow: GET, HEAD\r\n"
            "Content-Length: 23\r\nConnection: close\r\n\r\n405 Method Not Allowed\n");
  EXPECT_EQ(error_response(HttpError{400, "missing Host header"}).body, "400 Bad Request: missing Host header\n");
  for (int status : {400, 404, 405, 408, 413, 414, 431, 500, 501, 505}) {
    const Response r = error_response(status);
    EXPECT_EQ(r.status, status);
    EXPECT_EQ(r.body, std::to_string(status) + " " + std::string(reason_phrase(status)) + "\n");
    EXPECT_FALSE(reason_phrase(status).empty()) << status;
  }
  EXPECT_EQ(reason_phrase(413), "Content Too Large");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
}

}  // namespace
}  // namespace wirestack::http
