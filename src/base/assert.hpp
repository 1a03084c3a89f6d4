// base/assert.hpp — WIRESTACK_ASSERT: a broken invariant, i.e. a bug in our
// code (never bad input, which is a WireError). Checked in every build type,
// because a stack that goes on with a corrupted state corrupts data; it prints
// where and what, then aborts.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace wirestack::detail {
[[noreturn]] inline void assert_failed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "wirestack: invariant broken at %s:%d: %s\n", file, line, expr);
  std::abort();
}
}  // namespace wirestack::detail

#define WIRESTACK_ASSERT(cond) \
  ((cond) ? static_cast<void>(0) : ::wirestack::detail::assert_failed(#cond, __FILE__, __LINE__))
