// app/http_server.hpp — an HTTP/1.1 server on any runtime::Host: the strict
// parser of http/, keep-alive and pipelining, 100-continue, routes, static
// files from a directory, and a built-in page with the stack's live counters
// (HTML at /, JSON at /stats) that a browser can watch; POST /echo sends the
// request body back (for upload tests).
//
//   app::HttpServer web(host, 8080, {.root = "./site"});     // or no root: the built-in page
//   web.router().add("GET", "/hello", [](const http::Request&) {
//     return http::Response{.status = 200, .headers = {{"Content-Type", "text/plain"}}, .body = "hi\n"};
//   });
//
// Errors are answered, never fatal: a request the parser refuses gets its
// 400/413/414/431/501/505 and the connection closes; a handler that throws
// gets a 500; a request half-received when the request timeout strikes gets
// a 408; a connection that says nothing is closed silently. Every answer says
// "Connection: close" once the server is shutting down. The limits (sizes,
// timeouts, connections per client) are the framework's (stream_server.hpp):
// `config.stream.limits`; /stats shows what they shed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "app/stream_server.hpp"
#include "http/message.hpp"
#include "http/request_parser.hpp"
#include "http/router.hpp"
#include "runtime/host.hpp"

namespace wirestack::app {

struct HttpServerConfig {
  std::optional<std::string> root;  // serve files from here; none: the built-in counters page
  // The parser's own bounds; the head's and body's sizes are stream.limits'.
  std::size_t max_request_line = 8 * 1024;  // over: 414
  std::size_t max_header_count = 100;       // over: 431
  StreamServerConfig stream{};
  std::size_t max_file_bytes = 64 * 1024 * 1024;
};

struct HttpStats {
  std::uint64_t requests = 0;
  std::map<int, std::uint64_t> by_status;
};

class HttpServer {
 public:
  HttpServer(runtime::Host& host, std::uint16_t port, HttpServerConfig config = {});
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes added here win over the files / built-in page for their paths
  // (a user's "/" replaces the counters page).
  http::Router& router() { return router_; }
  const Result<IpEndpoint, tcp::SocketError>& listening() const { return server_->listening(); }
  const HttpStats& stats() const { return stats_; }
  const StreamServerStats& connections() const { return server_->stats(); }
  const Limits& limits() const { return server_->limits(); }
  void shutdown() { server_->shutdown(); }

  // The answer to one request (routing, files, errors), as the sessions use it.
  http::Response respond(const http::Request& request);
  // The built-in page's JSON: {"uptime_s":..,"http":{..},"connections":{..,"shed":{reason:n}},"stack":{layer:{name:value}}}.
  std::string stats_json() const;

 private:
  class Session;
  http::Response serve_file(const http::Request& request) const;

  runtime::Host& host_;
  HttpServerConfig config_;
  http::Router router_;   // the user's
  http::Router builtin_;  // files or the counters page, /stats, /echo
  HttpStats stats_;
  Instant started_;
  std::unique_ptr<StreamServer> server_;
};

}  // namespace wirestack::app
