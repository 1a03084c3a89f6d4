// app/rpc_client.hpp — one JSON-RPC 2.0 call (docs/PROTOCOL.md: a
// length-prefixed frame each way) on any runtime::Host. `wirestack call` and
// the scenario's rpc_client are adapters over it.
//
//   app::RpcCall call(host, {server_ip, 7000}, {.method = "time"});
//   ... call.done(); call.answer()->result
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "app/tcp_apps.hpp"
#include "msg/frame.hpp"
#include "msg/jsonrpc.hpp"

namespace wirestack::app {

struct RpcCallConfig {
  std::string method;
  msg::Params params;  // null: none; else an object or an array
  Duration start = Duration::zero();
  Duration timeout = Duration::zero();  // zero: none
  std::function<void()> on_done;
};

class RpcCall {
 public:
  RpcCall(runtime::Host& host, IpEndpoint server, RpcCallConfig config);
  RpcCall(const RpcCall&) = delete;
  RpcCall& operator=(const RpcCall&) = delete;

  bool done() const { return client_.done(); }
  std::optional<tcp::Errc> error() const { return client_.error(); }
  // The response frame's text and its parse, once done; bad_response() says
  // why there is none.
  const std::optional<std::string>& frame() const { return frame_; }
  const std::optional<msg::Response>& answer() const { return answer_; }
  const std::string& bad_response() const { return bad_; }
  // A response with a result (not an error) arrived.
  bool ok() const { return answer_ && answer_->ok(); }
  std::optional<Duration> latency() const { return client_.latency(); }

 private:
  bool feed(std::string_view piece);
  void finish();

  std::function<void()> on_done_;
  msg::FrameDecoder decoder_;
  std::optional<std::string> frame_;
  std::optional<msg::Response> answer_;
  std::string bad_;
  TcpRequestClient client_;
};

}  // namespace wirestack::app
