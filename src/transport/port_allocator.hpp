// transport/port_allocator.hpp — ephemeral ports (RFC 6056), one
// implementation for every transport protocol (each socket table owns one).
//
// RFC 6056 3.3.3, algorithm 3 ("Simple Hash-Based Port Selection"):
//   offset = F(local_IP, remote_IP, remote_port, secret_key)
//   for count = num_ephemeral down to 1:
//     port = min_ephemeral + (offset + next_ephemeral) % num_ephemeral
//     next_ephemeral++
//     if the port is suitable: return it
// so ports are neither sequential nor guessable across destinations, and one
// port may serve many destinations (a connection needs its 4-tuple free, not
// its port). The key is drawn once from the seeded Rng the owner passes:
// reproducible runs.
//
// The range is checked once, here: an empty or zero-based range is kept as
// an error that every pick reports (SocketError no_ephemeral_port, with the
// reason), never corrected silently and never a crash.
//
//   PortAllocator ports(rng.next_u64(), {49152, 65535});
//   auto p = ports.pick(local_addr, remote, [&](std::uint16_t port) { return !taken(port); });
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "transport/error.hpp"
#include "wire/ip_address.hpp"

namespace wirestack::transport {

struct PortRange {
  std::uint16_t first = 49152;  // IANA dynamic range (RFC 6335)
  std::uint16_t last = 65535;
};

// Nothing, or why the range cannot be used ("ephemeral port range 600-500 is
// empty: ..."), for loaders and command lines to report before a run.
Result<void, std::string> check(PortRange r);

class PortAllocator {
 public:
  PortAllocator(std::uint64_t key, PortRange range);

  const PortRange& range() const { return range_; }

  // The first suitable port in RFC 6056 order for this pair of endpoints
  // (remote unspecified for a bind or an unconnected datagram socket);
  // no_ephemeral_port when none is, or when the range is unusable.
  template <class Suitable>
  Result<std::uint16_t, SocketError> pick(const IpAddress& local, const IpEndpoint& remote, Suitable&& suitable) {
    if (range_error_) return Unexpected{SocketError{Errc::no_ephemeral_port, *range_error_}};
    const std::uint32_t num = std::uint32_t{range_.last} - range_.first + 1;
    const std::uint32_t offset = hash(local, remote);
    for (std::uint32_t count = num; count > 0; --count) {
      const auto port = static_cast<std::uint16_t>(range_.first + (offset + next_) % num);
      ++next_;
      if (suitable(port)) return port;
    }
    return Unexpected{SocketError{Errc::no_ephemeral_port, exhausted_message()}};
  }

 private:
  std::uint32_t hash(const IpAddress& local, const IpEndpoint& remote) const;
  std::string exhausted_message() const;

  std::uint64_t key_;
  PortRange range_;
  std::uint32_t next_ = 0;
  std::optional<std::string> range_error_;
};

}  // namespace wirestack::transport
