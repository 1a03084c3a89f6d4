#include "http/request_parser.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "http/client.hpp"

namespace wirestack::http {
namespace {

// Everything a byte stream produced, fed `chunk` bytes at a time.
struct Outcome {
  std::vector<Request> requests;
  std::vector<bool> heads;  // per HeadComplete: its expect_continue
  std::optional<HttpError> error;
  friend bool operator==(const Outcome&, const Outcome&) = default;
};

void drain(RequestParser& p, Outcome& out) {
  for (;;) {
    auto ev = p.next();
    if (!ev) {
      out.error = ev.error();
      return;
    }
    if (std::holds_alternative<NeedMore>(*ev)) return;
    if (auto* h = std::get_if<HeadComplete>(&*ev)) {
      EXPECT_TRUE(h->head->body.empty());
      out.heads.push_back(h->head->expect_continue);
      continue;
    }
    out.requests.push_back(std::get<Request>(std::move(*ev)));
  }
}

Outcome parse(std::string_view bytes, std::size_t chunk = SIZE_MAX, RequestLimits limits = {}) {
  RequestParser p(limits);
  Outcome out;
  for (std::size_t at = 0; at < bytes.size() && !out.error; at += chunk) {
    p.feed(bytes.substr(at, chunk));
    drain(p, out);
  }
  if (bytes.empty()) drain(p, out);
  return out;
}

HttpError error_of(std::string_view bytes, RequestLimits limits = {}) {
  auto out = parse(bytes, SIZE_MAX, limits);
  EXPECT_TRUE(out.error.has_value()) << bytes;
  return out.error.value_or(HttpError{0, "no error"});
}

int status_of(std::string_view bytes, RequestLimits limits = {}) { return error_of(bytes, limits).status; }

// What curl 7.88 sends for `curl http://10.0.0.2:8080/index.html`.
constexpr std::string_view kCurlGet =
    "GET /index.html HTTP/1.1\r\n"
    "Host: 10.0.0.2:8080\r\n"
    "User-Agent: curl/7.88.1\r\n"
    "Accept: */*\r\n"
    "\r\n";

// `curl -T file http://10.0.0.2:8080/up` with stdin, so chunked, and the
// 100-continue expectation curl adds to uploads.
constexpr std::string_view kCurlChunkedUpload =
    "PUT /up HTTP/1.1\r\n"
    "Host: 10.0.0.2:8080\r\n"
    "User-Agent: curl/7.88.1\r\n"
    "Accept: */*\r\n"
    "Transfer-Encoding: chunked\r\n"
    "Expect: 100-continue\r\n"
    "\r\n"
    "5;name=value\r\nhello\r\n"
    "7\r\n, world\r\n"
    "0\r\n"
    "X-Checksum: abc\r\n"
    "\r\n";

constexpr std::string_view kPostForm =
    "POST /form?x=1 HTTP/1.0\r\n"
    "Content-Type: application/x-www-form-urlencoded\r\n"
    "Content-Length: 7\r\n"
    "Connection: keep-alive\r\n"
    "\r\n"
    "a=1&b=2";

TEST(RequestParser, ParsesCurlGet) {
  const auto out = parse(kCurlGet);
  ASSERT_FALSE(out.error) << *out.error;
  ASSERT_EQ(out.requests.size(), 1u);
  const Request& r = out.requests[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/index.html");
  EXPECT_EQ(r.version, Version::http_1_1);
  EXPECT_EQ(r.headers, (Headers{{"Host", "10.0.0.2:8080"}, {"User-Agent", "curl/7.88.1"}, {"Accept", "*/*"}}));
  EXPECT_EQ(r.body, "");
  EXPECT_TRUE(r.keep_alive);
  EXPECT_FALSE(r.expect_continue);
  EXPECT_TRUE(out.heads.empty());  // no body: no HeadComplete
}

TEST(RequestParser, DecodesChunkedUploadAndDiscardsTrailers) {
  const auto out = parse(kCurlChunkedUpload);
  ASSERT_FALSE(out.error) << *out.error;
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(out.requests[0].body, "hello, world");
  EXPECT_FALSE(out.requests[0].headers.contains("X-Checksum"));
  EXPECT_TRUE(out.requests[0].expect_continue);
  EXPECT_EQ(out.heads, std::vector<bool>{true});
}

TEST(RequestParser, ContentLengthBodyAndHttp10KeepAlive) {
  const auto out = parse(kPostForm);
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_EQ(out.requests[0].version, Version::http_1_0);
  EXPECT_EQ(out.requests[0].body, "a=1&b=2");
  EXPECT_EQ(out.requests[0].path(), "/form");
  EXPECT_EQ(out.requests[0].query(), "x=1");
  EXPECT_TRUE(out.requests[0].keep_alive);
  EXPECT_EQ(out.heads, std::vector<bool>{false});
}

TEST(RequestParser, EverySegmentationGivesTheSameRequests) {
  for (std::string_view bytes : {kCurlGet, kCurlChunkedUpload, kPostForm}) {
    const std::string all = std::string(bytes) + std::string(kCurlGet);  // pipelined after it
    const Outcome whole = parse(all);
    ASSERT_EQ(whole.requests.size(), 2u);
    for (std::size_t chunk = 1; chunk <= all.size(); ++chunk) EXPECT_EQ(parse(all, chunk), whole) << chunk;
    // Every two-piece split as well (chunk sizes only cut at multiples).
    for (std::size_t cut = 0; cut <= all.size(); ++cut) {
      RequestParser p;
      Outcome out;
      p.feed(std::string_view(all).substr(0, cut));
      drain(p, out);
      p.feed(std::string_view(all).substr(cut));
      drain(p, out);
      EXPECT_EQ(out, whole) << cut;
    }
  }
}

TEST(RequestParser, PipelinedRequestsComeOutInOrderAndTheRestWaits) {
  const std::string stream = std::string(kPostForm) + std::string(kCurlGet) + "GET /third HTTP/1.1\r\nHost: a\r\n";
  RequestParser p;
  p.feed(stream);
  Outcome out;
  drain(p, out);
  ASSERT_EQ(out.requests.size(), 2u);
  EXPECT_EQ(out.requests[0].target, "/form?x=1");
  EXPECT_EQ(out.requests[1].target, "/index.html");
  EXPECT_TRUE(p.in_progress());
  p.feed("\r\n");
  drain(p, out);
  ASSERT_EQ(out.requests.size(), 3u);
  EXPECT_EQ(out.requests[2].target, "/third");
  EXPECT_FALSE(p.in_progress());
  EXPECT_EQ(p.buffered(), 0u);
}

TEST(RequestParser, HeadCompleteComesBeforeTheBodyArrives) {
  RequestParser p;
  p.feed("POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
  auto ev = p.next();
  ASSERT_TRUE(ev);
  auto* head = std::get_if<HeadComplete>(&*ev);
  ASSERT_NE(head, nullptr);
  EXPECT_TRUE(head->head->expect_continue);
  EXPECT_EQ(head->head->target, "/up");
  ev = p.next();
  ASSERT_TRUE(ev);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(*ev));
  p.feed("ab");
  ev = p.next();
  ASSERT_TRUE(ev);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(*ev));
  p.feed("c");
  ev = p.next();
  ASSERT_TRUE(ev);
  ASSERT_TRUE(std::holds_alternative<Request>(*ev));
  EXPECT_EQ(std::get<Request>(*ev).body, "abc");
  EXPECT_TRUE(std::get<Request>(*ev).expect_continue);
}

TEST(RequestParser, HeadCompleteForAChunkedUploadBeforeTheFirstChunk) {
  RequestParser p;
  p.feed("PUT /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
  auto ev = p.next();
  ASSERT_TRUE(ev);
  ASSERT_TRUE(std::holds_alternative<HeadComplete>(*ev));
  EXPECT_TRUE(std::get<HeadComplete>(*ev).head->expect_continue);
  EXPECT_EQ(std::get<HeadComplete>(*ev).head->method, "PUT");
  ev = p.next();
  ASSERT_TRUE(ev);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(*ev));
  p.feed("3\r\nabc\r\n0\r\n\r\n");
  ev = p.next();
  ASSERT_TRUE(ev);
  ASSERT_TRUE(std::holds_alternative<Request>(*ev));
  EXPECT_EQ(std::get<Request>(*ev).body, "abc");
}

TEST(RequestParser, ExpectationOfHttp10RequestIsIgnored) {
  const auto out = parse("POST / HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\nx");
  ASSERT_EQ(out.requests.size(), 1u);
  EXPECT_FALSE(out.requests[0].expect_continue);
}

TEST(RequestParser, KeepAliveFollowsRfc9112Section9_3) {
  const auto keep = [](std::string_view version, std::string_view connection) {
    std::string req = "GET / " + std::string(version) + "\r\nHost: a\r\n";
    if (!connection.empty()) req += "Connection: " + std::string(connection) + "\r\n";
    const auto out = parse(req + "\r\n");
    EXPECT_EQ(out.requests.size(), 1u) << req;
    return !out.requests.empty() && out.requests[0].keep_alive;
  };
  EXPECT_TRUE(keep("HTTP/1.1", ""));
  EXPECT_FALSE(keep("HTTP/1.1", "close"));
  EXPECT_FALSE(keep("HTTP/1.1", "Upgrade, Close"));
  EXPECT_TRUE(keep("HTTP/1.1", "keep-alive"));
  EXPECT_FALSE(keep("HTTP/1.0", ""));
  EXPECT_TRUE(keep("HTTP/1.0", "Keep-Alive"));
  EXPECT_FALSE(keep("HTTP/1.0", "keep-alive, close"));
}

TEST(RequestParser, SkipsEmptyLinesBeforeTheRequestLine) {
  const auto out = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_FALSE(out.error);
  EXPECT_EQ(out.requests.size(), 1u);
}

TEST(RequestParser, AcceptsTheFourTargetForms) {
  EXPECT_EQ(parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").requests.size(), 1u);
  EXPECT_EQ(parse("CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n").requests.size(), 1u);
  const auto abs = parse("GET http://a/x/y?z HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(abs.requests.size(), 1u);
  EXPECT_EQ(abs.requests[0].path(), "/x/y");
  EXPECT_EQ(abs.requests[0].query(), "z");
  EXPECT_EQ(status_of("GET * HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET index.html HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

TEST(RequestParser, Http10NeedsNoHost) {
  EXPECT_EQ(parse("GET / HTTP/1.0\r\n\r\n").requests.size(), 1u);
}

// --- Each error status with its exact trigger. ---

TEST(RequestParserErrors, MissingOrRepeatedOrInvalidHostIs400) {
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\n\r\n"), (HttpError{400, "missing Host header"}));
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), (HttpError{400, "more than one Host header"}));
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), (HttpError{400, "invalid Host header"}));
}

TEST(RequestParserErrors, ContentLengthWithTransferEncodingIs400) {
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
            (HttpError{400, "both Content-Length and Transfer-Encoding"}));
}

TEST(RequestParserErrors, ContentLengthValues) {
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
            (HttpError{400, "conflicting Content-Length values"}));
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n"),
            (HttpError{400, "conflicting Content-Length values"}));
  for (std::string_view bad : {"-1", "+5", "0x5", "5 5", "", "5,"})
    EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::string(bad) + "\r\n\r\n"),
              (HttpError{400, "invalid Content-Length"}))
        << bad;
  // Equal repeated values are one length (RFC 9110 8.6).
  const auto same = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\nok");
  ASSERT_EQ(same.requests.size(), 1u);
  EXPECT_EQ(same.requests[0].body, "ok");
}

TEST(RequestParserErrors, TransferCodings) {
  const auto te = [](std::string_view codings) {
    return error_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: " + std::string(codings) + "\r\n\r\n");
  };
  EXPECT_EQ(te("gzip, chunked"), (HttpError{501, "transfer coding gzip not supported"}));
  EXPECT_EQ(te("gzip"), (HttpError{400, "chunked is not the final transfer coding"}));
  EXPECT_EQ(te("chunked, gzip"), (HttpError{400, "chunked is not the final transfer coding"}));
  EXPECT_EQ(te("chunked, chunked"), (HttpError{400, "chunked applied more than once"}));
  EXPECT_EQ(error_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            (HttpError{400, "Transfer-Encoding in an HTTP/1.0 request"}));
  // Two fields form one list: "gzip" then "chunked".
  EXPECT_EQ(status_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"),
            501);
  const auto ok = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(ok.requests.size(), 1u);
}

TEST(RequestParserErrors, UnsupportedVersionIs505AndMalformedIs400) {
  EXPECT_EQ(error_of("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), (HttpError{505, "HTTP/2.0 is not supported"}));
  EXPECT_EQ(status_of("GET / HTTP/1.2\r\nHost: a\r\n\r\n"), 505);
  EXPECT_EQ(status_of("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 505);  // the HTTP/2 preface
  EXPECT_EQ(error_of("GET / http/1.1\r\nHost: a\r\n\r\n"), (HttpError{400, "malformed HTTP version"}));
  EXPECT_EQ(status_of("GET / HTTP/1.10\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("GET / HTTP/11\r\nHost: a\r\n\r\n"), 400);
}

TEST(RequestParserErrors, MalformedRequestLinesAre400) {
  EXPECT_EQ(error_of("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), (HttpError{400, "malformed request line"}));
  EXPECT_EQ(error_of("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), (HttpError{400, "malformed request line"}));
  EXPECT_EQ(error_of("GET /\r\nHost: a\r\n\r\n"), (HttpError{400, "malformed request line"}));
  EXPECT_EQ(error_of("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n"), (HttpError{400, "invalid method"}));
  EXPECT_EQ(error_of("GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n"), (HttpError{400, "invalid request target"}));
  EXPECT_EQ(error_of("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n"), (HttpError{400, "invalid request target"}));
}

TEST(RequestParserErrors, BareLfIs400) {
  EXPECT_EQ(error_of("GET / HTTP/1.1\nHost: a\r\n\r\n"), (HttpError{400, "line ended by a bare LF"}));
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\n\r\n"), (HttpError{400, "line ended by a bare LF"}));
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\n\n"), (HttpError{400, "line ended by a bare LF"}));
  EXPECT_EQ(status_of("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

TEST(RequestParserErrors, InvalidFieldsAre400) {
  const auto field = [](std::string_view line) {
    return error_of("GET / HTTP/1.1\r\nHost: a\r\n" + std::string(line) + "\r\n\r\n");
  };
  EXPECT_EQ(field(" folded"), (HttpError{400, "obsolete line folding"}));
  EXPECT_EQ(field("\tfolded"), (HttpError{400, "obsolete line folding"}));
  EXPECT_EQ(field("X-A : b"), (HttpError{400, "whitespace between header field name and ':'"}));
  EXPECT_EQ(field("X A: b"), (HttpError{400, "invalid header field name"}));
  EXPECT_EQ(field(": b"), (HttpError{400, "invalid header field name"}));
  EXPECT_EQ(field("NoColon"), (HttpError{400, "header field without ':'"}));
  EXPECT_EQ(field(std::string("X-A: a\0b", 8)), (HttpError{400, "invalid character in header field X-A"}));
  EXPECT_EQ(field("X-A: a\rb"), (HttpError{400, "invalid character in header field X-A"}));
  EXPECT_EQ(field("X-A: a\x7f"), (HttpError{400, "invalid character in header field X-A"}));
  // obs-text and inner whitespace are fine; outer whitespace is not part of the value.
  const auto ok = parse("GET / HTTP/1.1\r\nHost: a\r\nX-A: \t caf\xc3\xa9 au lait \t\r\nX-Empty:\r\n\r\n");
  ASSERT_EQ(ok.requests.size(), 1u);
  EXPECT_EQ(ok.requests[0].headers.find("x-a"), "caf\xc3\xa9 au lait");
  EXPECT_EQ(ok.requests[0].headers.find("X-EMPTY"), "");
}

TEST(RequestParserErrors, ChunkFramingErrorsAre400) {
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(error_of(head + "g\r\n"), (HttpError{400, "invalid chunk size"}));
  EXPECT_EQ(error_of(head + ";x\r\n"), (HttpError{400, "invalid chunk size"}));
  EXPECT_EQ(error_of(head + "2 x\r\n"), (HttpError{400, "invalid chunk extension"}));
  EXPECT_EQ(error_of(head + "2\r\nabX\r\n"), (HttpError{400, "chunk data not followed by CRLF"}));
  EXPECT_EQ(error_of(head + "2\r\nab\rX"), (HttpError{400, "chunk data not followed by CRLF"}));
  EXPECT_EQ(error_of(head + "2\nab\r\n"), (HttpError{400, "chunk size line ended by a bare LF"}));
  EXPECT_EQ(error_of(head + "0\r\nBad Trailer: x\r\n\r\n"), (HttpError{400, "invalid header field name"}));
  EXPECT_EQ(error_of(head + std::string(detail::ChunkedDecoder::kMaxChunkLine + 2, '0')), (HttpError{400, "chunk size line too long"}));
}


// --- Limits: exactly at the limit passes, one byte over fails. ---

TEST(RequestParserLimits, RequestLineAtTheLimitPassesOneOverIs414) {
  const RequestLimits limits{.max_request_line = 24};
  const auto line = [](std::size_t len) {  // "GET /xxx HTTP/1.1" of exactly len bytes
    return "GET /" + std::string(len - 14, 'x') + " HTTP/1.1\r\nHost: a\r\n\r\n";
  };
  EXPECT_EQ(parse(line(24), SIZE_MAX, limits).requests.size(), 1u);
  EXPECT_EQ(error_of(line(25), limits), (HttpError{414, "request line longer than 24 bytes"}));
  // Refused as soon as the bytes prove it, before any line end arrives.
  RequestParser p(limits);
  p.feed("GET /" + std::string(20, 'x'));  // 25 bytes, could still be 24 + CR
  auto ev = p.next();
  ASSERT_TRUE(ev);
  EXPECT_TRUE(std::holds_alternative<NeedMore>(*ev));
  p.feed("x");
  ev = p.next();
  ASSERT_FALSE(ev);
  EXPECT_EQ(ev.error().status, 414);
}

TEST(RequestParserLimits, HeaderBytesAtTheLimitPassOneOverIs431) {
  // "Host: a\r\n" is 9 bytes; "X: " + n bytes + CRLF is n + 5.
  const RequestLimits limits{.max_header_bytes = 40};
  const auto req = [](std::size_t n) { return "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(n, 'v') + "\r\n\r\n"; };
  EXPECT_EQ(parse(req(26), SIZE_MAX, limits).requests.size(), 1u);  // 9 + 31 = 40
  EXPECT_EQ(error_of(req(27), limits), (HttpError{431, "header section larger than 40 bytes"}));
  // Every segmentation agrees on the boundary.
  for (std::size_t chunk = 1; chunk < 60; ++chunk) {
    EXPECT_EQ(parse(req(26), chunk, limits).requests.size(), 1u) << chunk;
    EXPECT_EQ(parse(req(27), chunk, limits).error, (HttpError{431, "header section larger than 40 bytes"})) << chunk;
  }
}

TEST(RequestParserLimits, HeaderCountAtTheLimitPassesOneOverIs431) {
  const RequestLimits limits{.max_header_count = 3};
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n", SIZE_MAX, limits).requests.size(), 1u);
  EXPECT_EQ(error_of("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits),
            (HttpError{431, "more than 3 header fields"}));
}

TEST(RequestParserLimits, ContentLengthBodyAtTheLimitPassesOneOverIs413BeforeTheBody) {
  const RequestLimits limits{.max_body_bytes = 10};
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789", SIZE_MAX, limits)
                .requests.size(),
            1u);
  // The head alone is refused: a client waiting for 100-continue gets 413.
  EXPECT_EQ(error_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n", limits),
            (HttpError{413, "body larger than 10 bytes"}));
  EXPECT_EQ(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999999\r\n\r\n"), 413);
}

TEST(RequestParserLimits, ChunkedBodyAtTheLimitPassesOneOverIs413) {
  const RequestLimits limits{.max_body_bytes = 10};
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  const auto ok = parse(head + "4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n", SIZE_MAX, limits);
  ASSERT_EQ(ok.requests.size(), 1u);
  EXPECT_EQ(ok.requests[0].body, "0123456789");
  EXPECT_EQ(error_of(head + "4\r\n0123\r\n7\r\n", limits), (HttpError{413, "body larger than 10 bytes"}));
  EXPECT_EQ(status_of(head + "fffffffffffffffffffff\r\n"), 413);
}

TEST(RequestParserLimits, TrailersCountAgainstTheHeaderLimits) {
  const RequestLimits limits{.max_header_bytes = 40};
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  EXPECT_EQ(parse(head + "T: " + std::string(35, 't') + "\r\n\r\n", SIZE_MAX, limits).requests.size(), 1u);
  EXPECT_EQ(status_of(head + "T: " + std::string(36, 't') + "\r\n\r\n", limits), 431);
}

TEST(RequestParserLimits, AnOverlongLineIsTooLongInEverySegmentationEvenWithABareLf) {
  // Fed whole, the bare LF is in sight; fed in pieces, the length is proven
  // first. Both must say 431, or the error would depend on the segmentation.
  const RequestLimits limits{.max_header_bytes = 20};
  const std::string bytes = "GET / HTTP/1.1\r\nX: " + std::string(30, 'v') + "\n";
  for (std::size_t chunk = 1; chunk <= bytes.size(); ++chunk)
    EXPECT_EQ(parse(bytes, chunk, limits).error, (HttpError{431, "header section larger than 20 bytes"})) << chunk;
}

TEST(RequestParser, AnErrorIsFinal) {
  RequestParser p;
  p.feed("GET / HTTP/9.9\r\n\r\n");
  const auto first = p.next();
  ASSERT_FALSE(first);
  EXPECT_TRUE(p.failed());
  p.feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n");  // ignored: framing is lost
  const auto again = p.next();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), first.error());
}

TEST(RequestParser, InProgressTellsA408FromAnIdleConnection) {
  RequestParser p;
  EXPECT_FALSE(p.in_progress());
  p.feed("G");
  EXPECT_TRUE(p.next());
  EXPECT_TRUE(p.in_progress());
}

TEST(RequestParser, WriteRequestRoundTrips) {
  for (std::string_view bytes : {kCurlGet, kCurlChunkedUpload, kPostForm}) {
    const auto first = parse(bytes);
    ASSERT_EQ(first.requests.size(), 1u);
    const auto again = parse(write_request(first.requests[0]));
    ASSERT_EQ(again.requests.size(), 1u) << write_request(first.requests[0]);
    EXPECT_EQ(again.requests[0], first.requests[0]);
  }
}

}  // namespace
}  // namespace wirestack::http
