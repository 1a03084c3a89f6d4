#!/usr/bin/env bash
# scripts/build.sh [normal|sanitize|all] — configures and builds.
#   normal:   build/      g++, RelWithDebInfo, warnings as errors (WIRESTACK_WERROR=ON)
#   sanitize: build-san/  clang++, ASan + UBSan, plus the libFuzzer targets
# Incremental: a second run with nothing changed takes a second or two.
set -euo pipefail
cd "$(dirname "$0")/.."
which=${1:-normal}
jobs=${WIRESTACK_JOBS:-$(nproc)}
# Warnings are errors here and in CI (not by default: see CMakeLists.txt).
werror=-DWIRESTACK_WERROR=ON

build_normal() {
  [ -f build/build.ninja ] || cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc "$werror" >/dev/null
  cmake --build build -j "$jobs"
}
build_sanitize() {
  [ -f build-san/build.ninja ] || cmake -S . -B build-san -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
      -DWIRESTACK_SANITIZE=ON -DWIRESTACK_FUZZ=ON -DWIRESTACK_BENCH=OFF "$werror" >/dev/null
  cmake --build build-san -j "$jobs"
}

case "$which" in
  normal) build_normal ;;
  sanitize) build_sanitize ;;
  all) build_normal; build_sanitize ;;
  *) echo "usage: scripts/build.sh [normal|sanitize|all]" >&2; exit 2 ;;
esac
