// fuzz/fuzz_check.hpp — a property that must hold for every input; a failure
// is a crash libFuzzer reports with the input that caused it.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "wire/error.hpp"

#define FUZZ_CHECK(cond)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

inline constexpr wirestack::ChecksumMode kNoVerify{.verify_rx = false, .fill_tx = true};
