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
san=0
normal=0
# ctest leaves the list of a previous run's failures behind when all pass.
rm -f build-san/Testing/Temporary/LastTestsFailed.log build/Testing/Temporary/LastTestsFailed.log
echo "== sanitizer build (clang, ASan + UBSan, fuzz smoke) =="
ctest --test-dir build-san --output-on-failure -j "$jobs" "$@" || san=$?
echo "== normal build (g++) =="
ctest --test-dir build --output-on-failure -j "$jobs" "$@" || normal=$?

# The end of a long log is what gets read: say there what failed, per build.
summary() {  # summary LABEL DIR STATUS
  if [ "$3" -eq 0 ]; then
    echo "== $1: all tests passed"
  else
    echo "== $1: FAILED (ctest exit $3); failed tests:"
    sed 's/^/     /' "$2/Testing/Temporary/LastTestsFailed.log" 2>/dev/null || echo "     (no list)"
    status=$3
  fi
}
summary "sanitizer build" build-san "$san"
summary "normal build" build "$normal"
exit $status
