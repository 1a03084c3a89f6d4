// tests/tcp/common.hpp — what the TCP simulator suites share: address
// parsing, sizes, whether this is a sanitizer build, and a three-host path.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string_view>

#include "sim/world.hpp"
#include "wire/ipv4_address.hpp"

namespace wirestack::sim::testing {

inline Ipv4Address ip(std::string_view s) { return *Ipv4Address::parse(s); }

inline constexpr std::uint64_t kMiB = 1 << 20;

// ASan + UBSan in a Debug build run these suites about 40 times slower than an
// optimized build (the cost is per byte moved: checksums, copies, hashing).
// The optimized build runs every figure at full size; under sanitizers, whose
// job here is memory and UB errors on the same code paths, some runs are
// smaller (each place says how) so that the suites stay under a minute.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

// client 10.0.1.10 -- `access` -- 10.0.1.1 router 10.0.2.1 -- `bottleneck`
// -- 10.0.2.10 server, gateways set: the path the pacing and BBR suites
// send through (router.link_of(1), side 0, is the bottleneck's queue).
struct ThreeHosts {
  Host& client;
  Host& router;
  Host& server;
};
inline ThreeHosts client_router_server(World& w, const LinkDirection& access, const LinkDirection& bottleneck) {
  ThreeHosts n{w.add_host("client"), w.add_router("router"), w.add_host("server")};
  EXPECT_TRUE(w.connect(n.client, "10.0.1.10/24", n.router, "10.0.1.1/24", access));
  EXPECT_TRUE(w.connect(n.router, "10.0.2.1/24", n.server, "10.0.2.10/24", bottleneck));
  EXPECT_TRUE(w.set_gateway(n.client, "10.0.1.1"));
  EXPECT_TRUE(w.set_gateway(n.server, "10.0.2.1"));
  return n;
}

}  // namespace wirestack::sim::testing
