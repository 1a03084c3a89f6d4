// transport/handle.hpp — the name of a socket: a slot index and that slot's
// generation, so a handle of a closed socket is refused, never aliased to the
// socket that reuses its slot. One template for every protocol; the tag
// keeps a TCP handle from being passed where a UDP one is expected.
//
//   using SocketHandle = transport::Handle<transport::TcpTag>;   // "tcp#3.1"
#pragma once

#include <cstdint>
#include <ostream>

namespace wirestack::transport {

struct TcpTag {
  static constexpr const char* kName = "tcp";
};
struct UdpTag {
  static constexpr const char* kName = "udp";
};

template <class Tag>
struct Handle {
  std::uint32_t index = 0;
  std::uint32_t generation = 0;
  friend constexpr bool operator==(const Handle&, const Handle&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Handle& h) {
    return os << Tag::kName << '#' << h.index << '.' << h.generation;
  }
};

}  // namespace wirestack::transport
