// app/http_server.cpp — see http_server.hpp.
#include "app/http_server.hpp"

#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "http/response_writer.hpp"
#include "http/static_files.hpp"

namespace wirestack::app {

namespace {

// The built-in page: the stack's counters, refreshed every second from /stats.
constexpr std::string_view kPage = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>wirestack</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
table { border-collapse: collapse; margin: 0.5em 0; }
td, th { padding: 2px 12px; border-bottom: 1px solid #ddd; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
#status { color: #666; }
</style>
</head>
<body>
<h1>wirestack: a TCP/IP stack in user space</h1>
<p>This page was served by wirestack's own TCP/IP stack. Counters below refresh every second from <a href="/stats">/stats</a>.</p>
<p id="status">loading...</p>
<div id="layers"></div>
<script>
function render(s) {
  document.getElementById('status').textContent =
    'up ' + s.uptime_s.toFixed(1) + ' s; ' + s.http.requests + ' HTTP requests; ' +
    s.connections.active + ' connections open, ' + s.connections.accepted + ' accepted';
  let html = '';
  for (const [layer, counters] of Object.entries(s.stack)) {
    html += '<h2>' + layer + '</h2><table>';
    for (const [name, value] of Object.entries(counters)) {
      html += '<tr><td>' + name + '</td><td class="n">' + value + '</td></tr>';
    }
    html += '</table>';
  }
  document.getElementById('layers').innerHTML = html;
}
function refresh() {
  fetch('/stats').then(r => r.json()).then(render)
    .catch(e => { document.getElementById('status').textContent = 'error: ' + e; });
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
)";

http::RequestLimits request_limits(const HttpServerConfig& c) {
  return {.max_request_line = c.max_request_line,
          .max_header_bytes = c.stream.limits.max_header_bytes,
          .max_header_count = c.max_header_count,
          .max_body_bytes = c.stream.limits.max_body_bytes};
}

http::Response text(int status, std::string body, std::string type = "text/plain; charset=utf-8") {
  http::Response r{.status = status, .body = std::move(body)};
  r.headers.add("Content-Type", std::move(type));
  return r;
}

}  // namespace

class HttpServer::Session final : public app::Session {
 public:
  explicit Session(HttpServer& server) : server_(server), parser_(request_limits(server.config_)) {}

  void on_data(Bytes data, SessionIo& io) override {
    parser_.feed(data);
    answer(io);
  }

  void on_writable(SessionIo& io) override {
    if (paused_) answer(io);
  }

  // Answers every complete request buffered, until the output bound.
  void answer(SessionIo& io) {
    paused_ = false;
    for (;;) {
      if (io.output_full()) {
        paused_ = true;  // pipelined requests wait in the parser: backpressure
        return;
      }
      auto ev = parser_.next();
      if (!ev) {
        // The framing is lost: answer and close (RFC 9112 says the same).
        const int status = ev.error().status;
        if (status == 431 || status == 414) io.shed(SessionIo::Oversized::header);
        if (status == 413) io.shed(SessionIo::Oversized::body);
        reply(io, http::error_response(ev.error()), http::WriteOptions{.keep_alive = false});
        io.close();
        return;
      }
      if (std::holds_alternative<http::NeedMore>(*ev)) return;
      if (const auto* head = std::get_if<http::HeadComplete>(&*ev)) {
        if (head->head->expect_continue) io.write(http::kContinueResponse);
        continue;
      }
      const http::Request& req = std::get<http::Request>(*ev);
      io.message_complete();
      http::WriteOptions opts = http::reply_options(req, http::format_http_date(io.wall_clock()));
      if (draining_) opts.keep_alive = false;
      reply(io, server_.respond(req), opts);
      if (!opts.keep_alive) {
        io.close();
        return;
      }
    }
  }

  bool partial() const override { return parser_.in_progress(); }

  void on_timeout(SessionIo& io) override {
    // RFC 9110 15.5.9: 408 when a request started but did not finish in time;
    // a connection that never said anything is closed without a word.
    if (parser_.in_progress()) reply(io, http::error_response(408), http::WriteOptions{.keep_alive = false});
  }

  void on_drain(SessionIo& io) override {
    draining_ = true;
    if (!parser_.in_progress()) io.close();
  }

 private:
  void reply(SessionIo& io, const http::Response& r, const http::WriteOptions& opts) {
    ++server_.stats_.requests;
    ++server_.stats_.by_status[r.status];
    io.write(http::write_response(r, opts));
  }

  HttpServer& server_;
  http::RequestParser parser_;
  bool draining_ = false;
  bool paused_ = false;
};

HttpServer::HttpServer(runtime::Host& host, std::uint16_t port, HttpServerConfig config)
    : host_(host), config_(std::move(config)), started_(host.now()) {
  if (config_.root) {
    builtin_.add_prefix("GET", "/", [this](const http::Request& r) { return serve_file(r); });
  } else {
    builtin_.add("GET", "/", [](const http::Request&) { return text(200, std::string(kPage), "text/html; charset=utf-8"); });
    builtin_.add("GET", "/stats", [this](const http::Request&) {
      return text(200, stats_json() + "\n", "application/json");
    });
  }
  // POST /echo answers with the body it got (uploads, chunked or not, can be checked end to end).
  builtin_.add("POST", "/echo", [](const http::Request& r) {
    return text(200, r.body, std::string(r.headers.find("Content-Type").value_or("application/octet-stream")));
  });
  server_ = std::make_unique<StreamServer>(
      host, port, [this] { return std::make_unique<Session>(*this); }, config_.stream);
}

http::Response HttpServer::respond(const http::Request& request) {
  try {
    // The user's routes first: a path they know (for any method) is theirs,
    // so they can replace "/" or "/stats"; anything else falls through to
    // the files or the built-in page.
    if (!router_.allowed_methods(request.path()).empty()) return router_.route(request);
    return builtin_.route(request);
  } catch (const std::exception& e) {
    return http::error_response(500, e.what());  // a handler's bug is this request's problem only
  } catch (...) {
    return http::error_response(500, "the handler failed");
  }
}

http::Response HttpServer::serve_file(const http::Request& request) const {
  auto rel = http::resolve_path(request.target);
  if (!rel) return http::error_response(rel.error());
  namespace fs = std::filesystem;
  const fs::path full = fs::path(*config_.root) / *rel;
  std::error_code ec;
  if (fs::is_directory(full, ec)) {
    // "/docs" names a directory: send the browser to "/docs/" so that
    // relative links inside resolve (and index.html is served there).
    http::Response r = text(301, "moved to " + std::string(request.path()) + "/\n");
    r.headers.add("Location", std::string(request.path()) + "/");
    return r;
  }
  const auto size = fs::file_size(full, ec);
  if (ec || !fs::is_regular_file(full, ec)) return http::error_response(404);
  if (size > config_.max_file_bytes) return http::error_response(500, "file too large to serve");
  std::ifstream in(full, std::ios::binary);
  if (!in) return http::error_response(404);
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text(200, std::move(body), std::string(http::mime_type(*rel)));
}

std::string HttpServer::stats_json() const {
  nlohmann::ordered_json j;
  j["uptime_s"] = to_seconds(host_.now() - started_);
  j["http"]["requests"] = stats_.requests;
  for (const auto& [status, n] : stats_.by_status) j["http"]["by_status"][std::to_string(status)] = n;
  const StreamServerStats& c = server_->stats();
  j["connections"] = {{"active", c.active},     {"peak_active", c.peak_active}, {"accepted", c.accepted},
                      {"closed", c.closed},     {"resets", c.resets},           {"bytes_in", c.bytes_in},
                      {"bytes_out", c.bytes_out}};
  c.shed.for_each([&j](const char* name, std::uint64_t n) { j["connections"]["shed"][name] = n; });
  nlohmann::ordered_json stack = nlohmann::ordered_json::object();
  host_.for_each_counter([&stack](std::string_view layer, std::string_view name, std::uint64_t v) {
    if (v != 0) stack[std::string(layer)][std::string(name)] = v;
  });
  j["stack"] = std::move(stack);
  return j.dump();
}

}  // namespace wirestack::app
