// The codec as the server loop will drive it: bytes in, the parser, the router,
// the writer, bytes out. Checks the exact bytes a connection would send back.
#include <gtest/gtest.h>

#include <string>

#include "http/request_parser.hpp"
#include "http/response_writer.hpp"
#include "http/router.hpp"
#include "http/static_files.hpp"

namespace wirestack::http {
namespace {

// One connection: feeds `in`, returns what the server writes, and whether it
// closes afterwards.
struct Connection {
  RequestParser parser{RequestLimits{.max_body_bytes = 16}};
  const Router& router;
  std::string out;
  bool closed = false;

  void receive(std::string_view in) {
    if (closed) return;
    parser.feed(in);
    for (;;) {
      auto ev = parser.next();
      if (!ev) {
        out += write_response(error_response(ev.error()), {.keep_alive = false});
        closed = true;
        return;
      }
      if (std::holds_alternative<NeedMore>(*ev)) return;
      if (auto* h = std::get_if<HeadComplete>(&*ev)) {
        if (h->head->expect_continue) out += kContinueResponse;
        continue;
      }
      const Request& req = std::get<Request>(*ev);
      out += write_response(router.route(req), reply_options(req, "Fri, 27 Nov 2026 21:00:00 GMT"));
      if (!req.keep_alive) {
        closed = true;
        return;
      }
    }
  }
};

Router make_router() {
  Router r;
  r.add("POST", "/echo", [](const Request& req) { return Response{.status = 200, .body = req.body}; });
  r.add_prefix("GET", "/", [](const Request& req) {
    auto rel = resolve_path(req.target);
    if (!rel) return error_response(rel.error());
    Response resp{.status = 200, .body = "file " + *rel};
    resp.headers.add("Content-Type", std::string(mime_type(*rel)));
    return resp;
  });
  return r;
}

constexpr std::string_view kDate = "Date: Fri, 27 Nov 2026 21:00:00 GMT\r\n";

TEST(ServerFlow, PipelinedGetHeadAndCloseAnsweredInOrder) {
  const Router router = make_router();
  Connection c{.router = router};
  c.receive(
      "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
      "HEAD /app.js HTTP/1.1\r\nHost: a\r\n\r\n"
      "GET /../x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
      "GET /never HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(c.out, std::string("HTTP/1.1 200 OK\r\n") + std::string(kDate) +
                       "Content-Type: text/html; charset=utf-8\r\nContent-Length: 15\r\nConnection: keep-alive\r\n\r\n"
                       "file index.html" +
                       "HTTP/1.1 200 OK\r\n" + std::string(kDate) +
                       "Content-Type: text/javascript; charset=utf-8\r\nContent-Length: 11\r\n"
                       "Connection: keep-alive\r\n\r\n" +
                       "HTTP/1.1 400 Bad Request\r\n" + std::string(kDate) +
                       "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 50\r\nConnection: close\r\n\r\n"
                       "400 Bad Request: path leaves the served directory\n");
  EXPECT_TRUE(c.closed);
}

TEST(ServerFlow, ContinueIsSentBeforeTheBodyArrives) {
  const Router router = make_router();
  Connection c{.router = router};
  c.receive("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.out, "HTTP/1.1 100 Continue\r\n\r\n");
  c.receive("hello");
  EXPECT_EQ(c.out, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n" + std::string(kDate) +
                       "Content-Length: 5\r\nConnection: keep-alive\r\n\r\nhello");
  EXPECT_FALSE(c.closed);
}

TEST(ServerFlow, OversizedUploadIsRefusedBeforeContinue) {
  const Router router = make_router();
  Connection c{.router = router};
  c.receive("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.out,
            "HTTP/1.1 413 Content Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 49\r\n"
            "Connection: close\r\n\r\n413 Content Too Large: body larger than 16 bytes\n");
  EXPECT_TRUE(c.closed);
}

TEST(ServerFlow, WrongMethodIs405WithAllow) {
  const Router router = make_router();
  Connection c{.router = router};
  c.receive("DELETE /echo HTTP/1.0\r\n\r\n");
  EXPECT_EQ(c.out, std::string("HTTP/1.1 405 Method Not Allowed\r\n") + std::string(kDate) +
                       "Content-Type: text/plain; charset=utf-8\r\nAllow: GET, HEAD, POST\r\n"
                       "Content-Length: 23\r\nConnection: close\r\n\r\n405 Method Not Allowed\n");
  EXPECT_TRUE(c.closed);  // HTTP/1.0 without keep-alive
}

}  // namespace
}  // namespace wirestack::http
