#include "app/http_client.hpp"

namespace wirestack::app {

HttpGet::HttpGet(runtime::Host& host, IpEndpoint server, HttpGetConfig config)
    : on_done_(std::move(config.on_done)),
      client_(host, server,
              TcpRequestClient::Config{.request = http::write_get_request(config.url),
                                       .complete = [this](std::string_view piece) { return feed(piece); },
                                       .start = config.start,
                                       .timeout = config.timeout,
                                       .on_done = [this] { finish(); }}) {}

bool HttpGet::feed(std::string_view piece) {
  parser_.feed(piece);
  auto r = parser_.next();
  if (!r) {
    bad_ = "bad response: " + r.error().reason;
    return true;  // no use waiting for more
  }
  if (!*r) return false;
  response_ = std::move(**r);
  return true;
}

void HttpGet::finish() {
  if (!response_ && bad_.empty()) {
    if (client_.response().empty()) {
      bad_ = "no answer";
    } else {
      parser_.finish();  // the connection is over: a body delimited by the close ends here
      auto r = parser_.next();
      if (!r) {
        bad_ = "bad response: " + r.error().reason;
      } else if (!*r) {
        bad_ = "incomplete response";
      } else {
        response_ = std::move(**r);
      }
    }
  }
  if (on_done_) on_done_();
}

}  // namespace wirestack::app
