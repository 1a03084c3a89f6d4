#include "app/rpc_client.hpp"

namespace wirestack::app {

namespace {

std::string framed_request(const RpcCallConfig& c) {
  const ByteVec f = msg::encode_frame(msg::make_request(1, c.method, c.params));
  return std::string(reinterpret_cast<const char*>(f.data()), f.size());
}

}  // namespace

RpcCall::RpcCall(runtime::Host& host, IpEndpoint server, RpcCallConfig config)
    : on_done_(std::move(config.on_done)),
      client_(host, server,
              TcpRequestClient::Config{.request = framed_request(config),
                                       .complete = [this](std::string_view piece) { return feed(piece); },
                                       .start = config.start,
                                       .timeout = config.timeout,
                                       .on_done = [this] { finish(); }}) {}

bool RpcCall::feed(std::string_view piece) {
  decoder_.feed(piece);
  auto f = decoder_.next();
  if (!f) {
    bad_ = "bad frame: " + f.error().message;
    return true;  // no use waiting for more
  }
  if (!*f) return false;
  frame_ = std::move(**f);
  auto r = msg::parse_response(*frame_);
  if (!r) {
    bad_ = "not a JSON-RPC response: " + r.error();
  } else {
    answer_ = std::move(*r);
  }
  return true;
}

void RpcCall::finish() {
  if (!frame_ && bad_.empty()) bad_ = client_.response().empty() ? "no answer" : "incomplete frame";
  if (on_done_) on_done_();
}

}  // namespace wirestack::app
