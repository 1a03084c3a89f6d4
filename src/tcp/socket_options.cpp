// tcp/socket_options.cpp — per-socket settings in the socket table
// (socket_table.hpp): fixed buffer sizes, as SO_RCVBUF / SO_SNDBUF.
#include <string>

#include "tcp/socket_table.hpp"

namespace wirestack::tcp {

void SocketTable::apply(const BufferSizes& sizes, ConnectionConfig& c) {
  // A fixed size: the ring starts there and autotuning has no room above it.
  if (sizes.recv != 0) c.recv_buffer = c.recv_buffer_max = sizes.recv;
  if (sizes.send != 0) c.send_buffer = c.send_buffer_max = sizes.send;
}

Result<void, SocketError> SocketTable::set_buffer_sizes(SocketHandle h, BufferSizes sizes) {
  Sock* s = find(h);
  if (s == nullptr) return Unexpected{error_for(Errc::invalid_handle, "set_buffer_sizes: the socket is closed (stale handle)")};
  // Linux takes SO_RCVBUF from 2,304 bytes (SOCK_MIN_RCVBUF / 2 of payload);
  // a window smaller than a segment or two only stalls.
  constexpr std::uint32_t kMin = 2048;
  constexpr std::uint32_t kMax = 1u << 30;  // TCP's largest window (RFC 7323 2.3)
  for (std::uint32_t v : {sizes.recv, sizes.send}) {
    if (v != 0 && (v < kMin || v > kMax)) {
      return Unexpected{error_for(Errc::invalid_argument, "set_buffer_sizes: " + std::to_string(v) +
                                                              " bytes is outside 2048 .. 1073741824")};
    }
  }
  if (Connection* c = s->conn()) {
    if (sizes.recv != 0) c->set_recv_buffer(sizes.recv);
    if (sizes.send != 0) c->set_send_buffer(sizes.send);
    mark_dirty(h.index);  // a larger window is announced; a larger ring may take more
    mark_changed(h.index);
    return {};
  }
  BufferSizes& kept = buffer_sizes_[h.index];
  if (sizes.recv != 0) kept.recv = sizes.recv;
  if (sizes.send != 0) kept.send = sizes.send;
  return {};
}

}  // namespace wirestack::tcp
