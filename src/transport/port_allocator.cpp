// transport/port_allocator.cpp — see port_allocator.hpp.
#include "transport/port_allocator.hpp"

namespace wirestack::transport {

namespace {

// splitmix64's finalizer: the keyed function F of RFC 6056. Not
// cryptographic; enough that the offset depends on the secret and the peer.
constexpr std::uint64_t mix(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// 64 bits of an address: an IPv4 address as itself (so IPv4 ports are what
// they were before IPv6 existed here), an IPv6 address folded.
std::uint64_t fold(const IpAddress& a) {
  if (a.is_v4()) return a.v4().to_u32();
  std::uint64_t hi = 0;
  std::uint64_t lo = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    hi = hi << 8 | std::to_integer<std::uint64_t>(a.bytes()[i]);
    lo = lo << 8 | std::to_integer<std::uint64_t>(a.bytes()[8 + i]);
  }
  return mix(hi) ^ lo;
}

}  // namespace

Result<void, std::string> check(PortRange r) {
  if (r.first == 0) {
    return Unexpected{"ephemeral port range " + std::to_string(r.first) + "-" + std::to_string(r.last) +
                      " starts at port 0, which no socket can use; start at 1 or above (49152 is IANA's)"};
  }
  if (r.first > r.last) {
    return Unexpected{"ephemeral port range " + std::to_string(r.first) + "-" + std::to_string(r.last) +
                      " is empty: the first port must not be above the last"};
  }
  return {};
}

PortAllocator::PortAllocator(std::uint64_t key, PortRange range) : key_(key), range_(range) {
  if (auto ok = check(range); !ok) range_error_ = ok.error();
}

std::uint32_t PortAllocator::hash(const IpAddress& local, const IpEndpoint& remote) const {
  // IPv4: the two addresses side by side in 64 bits; IPv6: folded in turn.
  const std::uint64_t addrs = local.is_v4() && remote.addr.is_v4() ? fold(local) << 32 | fold(remote.addr)
                                                                    : mix(fold(local)) ^ fold(remote.addr);
  return static_cast<std::uint32_t>(mix(key_ ^ addrs)) ^ remote.port;
}

std::string PortAllocator::exhausted_message() const {
  return "no free ephemeral port in " + std::to_string(range_.first) + "-" + std::to_string(range_.last) +
         ": close some sockets or widen the range";
}

}  // namespace wirestack::transport
