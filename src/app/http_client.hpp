// app/http_client.hpp — one HTTP GET on any runtime::Host: the request is
// http::write_get_request()'s (Host, User-Agent, Accept, Connection: close),
// the answer is read by http::ResponseParser until it holds a whole
// response (or the server closes). `wirestack get` and the scenario's
// http_client are adapters over it.
//
//   app::HttpGet get(host, {server_ip, 8080}, {.url = *http::parse_url("http://10.0.0.2:8080/")});
//   ... get.done(); get.response()->status == 200, get.response()->body
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "app/tcp_apps.hpp"
#include "http/client.hpp"
#include "http/message.hpp"
#include "http/response_parser.hpp"

namespace wirestack::app {

struct HttpGetConfig {
  http::Url url;  // host (for the Host field), port and target; connect to the endpoint given
  Duration start = Duration::zero();
  Duration timeout = Duration::zero();  // zero: none
  std::function<void()> on_done;
};

class HttpGet {
 public:
  HttpGet(runtime::Host& host, IpEndpoint server, HttpGetConfig config);
  HttpGet(const HttpGet&) = delete;
  HttpGet& operator=(const HttpGet&) = delete;

  bool done() const { return client_.done(); }
  // A socket error (refused, reset, timed out); nullopt otherwise.
  std::optional<tcp::Errc> error() const { return client_.error(); }
  // The parsed response once done; nullopt with bad_response() when what
  // came back was not HTTP, or nothing came.
  const std::optional<http::Response>& response() const { return response_; }
  const std::string& bad_response() const { return bad_; }
  // A 2xx response arrived.
  bool ok() const { return response_ && response_->status >= 200 && response_->status < 300; }
  std::optional<Duration> latency() const { return client_.latency(); }
  const std::string& raw() const { return client_.response(); }

 private:
  bool feed(std::string_view piece);
  void finish();

  std::function<void()> on_done_;
  http::ResponseParser parser_;
  std::optional<http::Response> response_;
  std::string bad_;
  TcpRequestClient client_;
};

}  // namespace wirestack::app
