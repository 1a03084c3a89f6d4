// msg/rpc_session.hpp — one connection of a JSON-RPC server, sans-IO: framed
// bytes in, framed responses out, and whether to close. It is the protocol of
// docs/PROTOCOL.md in one place, so every transport (simulator, TAP, kernel
// sockets) serves the same bytes.
//
//   * every whole frame is handed to the Dispatcher; a response, if any, is
//     framed into `out` (in request order);
//   * a frame that is not UTF-8 is answered with -32700 (id null) and the
//     connection goes on;
//   * an oversized length is answered with one -32000 error (id null); then
//     the session is closed: nothing more is read, the caller sends `out` and
//     closes the connection;
//   * buffered() > 0 means a message is half received: the caller applies its
//     read timeout ("half a message, then silence").
//
//   msg::RpcSession session(dispatcher);
//   ByteVec out;
//   const bool keep_open = session.receive(bytes_read, {.now = wall_clock_now}, out);
//   send(out);
//   if (!keep_open) close();
#pragma once

#include <cstddef>

#include "base/bytes.hpp"
#include "msg/frame.hpp"
#include "msg/jsonrpc.hpp"

namespace wirestack::msg {

class RpcSession {
 public:
  explicit RpcSession(const Dispatcher& dispatcher, std::size_t max_frame = kDefaultMaxFrame)
      : dispatcher_(dispatcher), decoder_(max_frame) {}

  // Handles `in`; appends framed responses to `out`. False once the session
  // is closed (the caller sends `out`, then closes).
  bool receive(Bytes in, const Context& cx, ByteVec& out);

  bool closed() const { return decoder_.failed(); }
  std::size_t buffered() const { return decoder_.buffered(); }
  // Whole frames received so far (answered or not): a server restarts its
  // request timeout when this moves.
  std::uint64_t messages() const { return messages_; }

 private:
  const Dispatcher& dispatcher_;
  FrameDecoder decoder_;
  std::uint64_t messages_ = 0;
};

}  // namespace wirestack::msg
