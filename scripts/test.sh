#!/usr/bin/env bash
# scripts/test.sh — the README's second command: installs what is missing,
# builds the normal and the sanitizer configuration, and runs the whole test
# suite in both (the sanitizer build also runs every fuzz target for a few
# seconds). Extra arguments go to ctest, e.g. `-L wire`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh all
jobs=${WIRESTACK_JOBS:-$(nproc)}
status=0
echo "== sanitizer build (clang, ASan + UBSan, fuzz smoke) =="
ctest --test-dir build-san --output-on-failure -j "$jobs" "$@" || status=$?
echo "== normal build (g++) =="
ctest --test-dir build --output-on-failure -j "$jobs" "$@" || status=$?
exit $status
