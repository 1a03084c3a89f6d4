// msg/rpc_session.cpp — see rpc_session.hpp.
#include "msg/rpc_session.hpp"

namespace wirestack::msg {

bool RpcSession::receive(Bytes in, const Context& cx, ByteVec& out) {
  if (decoder_.failed()) return false;
  decoder_.feed(in);
  while (true) {
    auto frame = decoder_.next();
    if (!frame) {
      if (!decoder_.failed()) ++messages_;  // a whole frame, only not UTF-8
      append_frame(out, frame_error_response(frame.error()));
      if (decoder_.failed()) return false;  // too large: one answer, then close
      continue;                             // not UTF-8: that frame only
    }
    if (!*frame) return true;  // the rest is not a whole frame yet
    ++messages_;
    if (auto response = dispatcher_.handle(**frame, cx)) append_frame(out, *response);
  }
}

}  // namespace wirestack::msg
