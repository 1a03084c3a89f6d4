#!/usr/bin/env bash
# tests/package/release_flags_test.sh SOURCE_DIR — a user's or a packager's
# build (any build type, no options) does not turn warnings into errors
# (g++ 12's -Werror=restrict inside libstdc++ stopped a Release build);
# the project's scripts and CI ask for it with -DWIRESTACK_WERROR=ON.
# Configures only: no compiling.
set -u
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
werror_in() { grep -c -- '-Werror' "$1/compile_commands.json" 2>/dev/null || true; }
cmake -S "$src" -B "$tmp/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWIRESTACK_BENCH=OFF >"$tmp/log" 2>&1 \
  || { echo "FAIL: a Release configure failed"; tail -20 "$tmp/log"; exit 1; }
[ "$(werror_in "$tmp/release")" = 0 ] || { echo "FAIL: a Release build compiles with -Werror"; fail=1; }
grep -q 'WIRESTACK_WERROR:BOOL=OFF' "$tmp/release/CMakeCache.txt" || { echo "FAIL: WIRESTACK_WERROR is not off by default"; fail=1; }
cmake -S "$src" -B "$tmp/ci" -G Ninja -DWIRESTACK_WERROR=ON -DWIRESTACK_BENCH=OFF >"$tmp/log2" 2>&1 \
  || { echo "FAIL: configure with WIRESTACK_WERROR=ON"; exit 1; }
[ "$(werror_in "$tmp/ci")" -gt 0 ] || { echo "FAIL: WIRESTACK_WERROR=ON does not add -Werror"; fail=1; }
grep -q 'WIRESTACK_WERROR=ON' "$src/scripts/build.sh" || { echo "FAIL: scripts/build.sh (CI) does not turn warnings into errors"; fail=1; }
[ $fail -eq 0 ] && echo "release flags: no -Werror unless asked; the scripts ask"
exit $fail
