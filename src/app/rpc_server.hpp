// app/rpc_server.hpp — the JSON-RPC 2.0 service of docs/PROTOCOL.md on any
// runtime::Host: length-prefixed JSON frames (msg/frame.hpp) over TCP, with
// the built-in `time` and `echo` methods and whatever the user adds.
//
//   app::RpcServer rpc(host, 7000);
//   rpc.dispatcher().add("add", [](const msg::Params& p, const msg::Context&) -> msg::RpcResult {
//     return (*p)[0].get<int>() + (*p)[1].get<int>();
//   });
//
// Bad input never takes the server down: a malformed message gets its JSON-RPC
// error and the connection goes on; a frame over the framework's
// max_body_bytes gets one error and the connection is closed; half a message
// then silence is closed by the request timeout, a client that connects and
// never speaks likewise (the limits: stream_server.hpp, `config.stream.limits`).
#pragma once

#include <cstdint>
#include <memory>

#include "app/stream_server.hpp"
#include "msg/jsonrpc.hpp"
#include "runtime/host.hpp"

namespace wirestack::app {

struct RpcServerConfig {
  StreamServerConfig stream{};  // stream.limits.max_body_bytes bounds a message
  bool builtins = true;  // `time` and `echo`
};

class RpcServer {
 public:
  RpcServer(runtime::Host& host, std::uint16_t port, RpcServerConfig config = {});
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  msg::Dispatcher& dispatcher() { return dispatcher_; }
  const Result<IpEndpoint, tcp::SocketError>& listening() const { return server_->listening(); }
  const StreamServerStats& connections() const { return server_->stats(); }
  const Limits& limits() const { return server_->limits(); }
  void shutdown() { server_->shutdown(); }

 private:
  class Session;
  RpcServerConfig config_;
  msg::Dispatcher dispatcher_;
  std::unique_ptr<StreamServer> server_;
};

}  // namespace wirestack::app
