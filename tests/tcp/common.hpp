// tests/tcp/common.hpp — what the TCP simulator suites share: address
// parsing, sizes, and whether this is a sanitizer build.
#pragma once

#include <cstdint>
#include <string_view>

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

}  // namespace wirestack::sim::testing
