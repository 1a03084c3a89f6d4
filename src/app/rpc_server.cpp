// app/rpc_server.cpp — see rpc_server.hpp.
#include "app/rpc_server.hpp"

#include "msg/rpc_session.hpp"

namespace wirestack::app {

class RpcServer::Session final : public app::Session {
 public:
  explicit Session(RpcServer& server) : rpc_(server.dispatcher_, server.config_.stream.limits.max_body_bytes) {}

  void on_data(Bytes data, SessionIo& io) override {
    ByteVec out;
    const std::uint64_t before = rpc_.messages();
    const bool keep_open = rpc_.receive(data, msg::Context{.now = io.wall_clock()}, out);
    if (rpc_.messages() != before) io.message_complete();
    if (!out.empty()) io.write(out);
    if (!keep_open) {
      if (rpc_.closed()) io.shed(SessionIo::Oversized::body);
      io.close();
    }
  }
  bool partial() const override { return rpc_.buffered() > 0 || rpc_.closed(); }
  void on_drain(SessionIo& io) override {
    // A message half received may still complete; an idle connection closes now.
    if (rpc_.buffered() == 0) io.close();
  }

 private:
  msg::RpcSession rpc_;
};

RpcServer::RpcServer(runtime::Host& host, std::uint16_t port, RpcServerConfig config) : config_(config) {
  if (config_.builtins) msg::add_builtin_methods(dispatcher_);
  server_ = std::make_unique<StreamServer>(
      host, port, [this] { return std::make_unique<Session>(*this); }, config_.stream);
}

}  // namespace wirestack::app
