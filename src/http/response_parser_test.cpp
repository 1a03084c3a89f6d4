#include "http/response_parser.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "http/response_writer.hpp"

namespace wirestack::http {
namespace {

struct Outcome {
  std::vector<Response> responses;
  std::optional<HttpError> error;
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

// Feeds `chunk` bytes at a time, then signals the end of the stream.
Outcome parse(std::string_view bytes, std::size_t chunk = SIZE_MAX, bool head = false, ResponseLimits limits = {}) {
  ResponseParser p(limits);
  p.set_head_request(head);
  Outcome out;
  const auto drain = [&] {
    for (;;) {
      auto r = p.next();
      if (!r) {
        out.error = r.error();
        return;
      }
      if (!*r) return;
      out.responses.push_back(std::move(**r));
    }
  };
  for (std::size_t at = 0; at < bytes.size() && !out.error; at += chunk) {
    p.feed(bytes.substr(at, chunk));
    drain();
  }
  if (!out.error) {
    p.finish();
    drain();
  }
  return out;
}

constexpr std::string_view kLength =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
constexpr std::string_view kChunked =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;ext\r\n!\r\n0\r\nT: x\r\n\r\n";
constexpr std::string_view kUntilClose = "HTTP/1.0 200 OK\r\nServer: old\r\n\r\nall of it";

TEST(ResponseParser, ContentLength) {
  const auto out = parse(kLength);
  ASSERT_FALSE(out.error) << *out.error;
  ASSERT_EQ(out.responses.size(), 1u);
  const Response& r = out.responses[0];
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.reason, "OK");
  EXPECT_EQ(r.version, Version::http_1_1);
  EXPECT_EQ(r.headers, (Headers{{"Content-Type", "text/plain"}, {"Content-Length", "5"}}));
  EXPECT_EQ(r.body, "hello");
  EXPECT_FALSE(r.chunked);
}

TEST(ResponseParser, CompleteBeforeTheEndOfTheStream) {
  ResponseParser p;
  p.feed(kLength);
  auto r = p.next();
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->body, "hello");
}

TEST(ResponseParser, Chunked) {
  const auto out = parse(kChunked);
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].body, "hello!");
  EXPECT_TRUE(out.responses[0].chunked);
}

TEST(ResponseParser, UntilCloseCompletesAtFinish) {
  ResponseParser p;
  p.feed(kUntilClose);
  auto r = p.next();
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);  // more may come
  p.finish();
  r = p.next();
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->version, Version::http_1_0);
  EXPECT_EQ((*r)->body, "all of it");
  r = p.next();
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);  // clean end
}

TEST(ResponseParser, EverySegmentationGivesTheSameResponse) {
  for (std::string_view bytes : {kLength, kChunked, kUntilClose}) {
    const Outcome whole = parse(bytes);
    ASSERT_EQ(whole.responses.size(), 1u);
    for (std::size_t chunk = 1; chunk <= bytes.size(); ++chunk) EXPECT_EQ(parse(bytes, chunk), whole) << chunk;
  }
}

TEST(ResponseParser, SkipsInterimResponses) {
  const auto out = parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" +
                         std::string(kLength));
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].status, 200);
  EXPECT_EQ(out.responses[0].headers.size(), 2u);
}

TEST(ResponseParser, NoBodyForHead204And304) {
  const auto head = parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", SIZE_MAX, true);
  ASSERT_EQ(head.responses.size(), 1u);
  EXPECT_EQ(head.responses[0].body, "");
  EXPECT_EQ(parse("HTTP/1.1 204 No Content\r\n\r\n" + std::string(kLength)).responses.size(), 2u);
  EXPECT_EQ(parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n").responses.size(), 1u);
}

TEST(ResponseParser, ToleratesAMissingReason) {
  const auto out = parse("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].reason, "");
}

TEST(ResponseParser, ParsesWhatTheWriterWrites) {
  Response r{.status = 201, .headers = {{"X", "y"}}, .body = "made", .chunked = true};
  const auto out = parse(write_response(r));
  ASSERT_EQ(out.responses.size(), 1u);
  EXPECT_EQ(out.responses[0].status, 201);
  EXPECT_EQ(out.responses[0].reason, "Created");
  EXPECT_EQ(out.responses[0].body, "made");
  EXPECT_EQ(out.responses[0].headers.find("x"), "y");
}

TEST(ResponseParserErrors, Are502WithAReason) {
  const auto error = [](std::string_view bytes, bool head = false) {
    auto out = parse(bytes, SIZE_MAX, head);
    EXPECT_TRUE(out.error) << bytes;
    return out.error.value_or(HttpError{0, "none"});
  };
  EXPECT_EQ(error("HTTP/1.1 20 OK\r\n\r\n"), (HttpError{502, "malformed status line"}));
  // Issue [7/7]: a TCP echo on the server's port hands the client its own
  // request back; a request line is not a status line.
  EXPECT_EQ(error("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), (HttpError{502, "malformed status line"}));
  EXPECT_EQ(error("HTTP/1.1\r\n\r\n"), (HttpError{502, "malformed status line"}));
  EXPECT_EQ(error("HTTP/2 200 OK\r\n\r\n"), (HttpError{502, "malformed status line"}));
  EXPECT_EQ(error("HTTP/1.1 600 X\r\n\r\n"), (HttpError{502, "malformed status line"}));
  EXPECT_EQ(error("HTTP/1.1 200OK\r\n\r\n"), (HttpError{502, "malformed status line"}));
  EXPECT_EQ(error("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"), (HttpError{502, "line ended by a bare LF"}));
  EXPECT_EQ(error("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"),
            (HttpError{502, "both Content-Length and Transfer-Encoding"}));
  EXPECT_EQ(error("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            (HttpError{502, "conflicting Content-Length values"}));
  EXPECT_EQ(error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel"),
            (HttpError{502, "connection closed before the end of the body"}));
  EXPECT_EQ(error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"),
            (HttpError{502, "connection closed inside the chunked body"}));
  EXPECT_EQ(error("HTTP/1.1 200 OK\r\nContent-Le"), (HttpError{502, "connection closed inside the header section"}));
  EXPECT_EQ(error("HTTP/1.1 2"), (HttpError{502, "connection closed inside the status line"}));
  EXPECT_EQ(parse("").responses.size(), 0u);
  EXPECT_FALSE(parse("").error);
}

TEST(ResponseParserLimits, BodyAtTheLimitPassesOneOverFails) {
  const ResponseLimits limits{.max_body_bytes = 4};
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd", SIZE_MAX, false, limits).responses.size(), 1u);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde", SIZE_MAX, false, limits).error,
            (HttpError{502, "body larger than 4 bytes"}));
  EXPECT_EQ(parse("HTTP/1.0 200 OK\r\n\r\nabcd", SIZE_MAX, false, limits).responses.size(), 1u);
  EXPECT_EQ(parse("HTTP/1.0 200 OK\r\n\r\nabcde", SIZE_MAX, false, limits).error,
            (HttpError{502, "body larger than 4 bytes"}));
}

}  // namespace
}  // namespace wirestack::http
