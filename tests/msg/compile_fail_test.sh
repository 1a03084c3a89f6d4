#!/usr/bin/env bash
# tests/msg/compile_fail_test.sh COMPILER SOURCE_DIR
#
# The seed's rule, checked at compile time: encoding a type nobody taught the
# JSON encoder must not compile, and the compiler must say why in words
# (msg::encode's static_assert). A control snippet encoding a taught type must
# compile with the same flags, so a broken include path cannot pass as "failed
# as expected".
#
#   bash tests/msg/compile_fail_test.sh /usr/bin/c++ /work/main
set -u
cxx=${1:?usage: compile_fail_test.sh COMPILER SOURCE_DIR}
src=${2:?usage: compile_fail_test.sh COMPILER SOURCE_DIR}
expected='wirestack::msg::encode: no JSON encoding for this type; add to_json/from_json (see docs/PROTOCOL.md)'
flags=(-std=c++20 -fsyntax-only -I"$src/src")   # nlohmann/json.hpp comes from /usr/include

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/taught.cpp" <<'CPP'
#include "msg/json_types.hpp"
int main() {
  auto j = wirestack::msg::encode(wirestack::MacAddress::broadcast());
  return j.is_string() ? 0 : 1;
}
CPP
cat >"$work/untaught.cpp" <<'CPP'
#include "msg/json_types.hpp"
struct Untaught { int x = 0; };
int main() {
  auto j = wirestack::msg::encode(Untaught{});
  return j.is_null() ? 0 : 1;
}
CPP

echo "compiler: $cxx ${flags[*]}"
if ! "$cxx" "${flags[@]}" "$work/taught.cpp" >"$work/taught.log" 2>&1; then
  echo "FAIL: the control snippet (encode(MacAddress)) does not compile:"
  cat "$work/taught.log"
  exit 1
fi
echo "ok: encode(MacAddress) compiles"

if "$cxx" "${flags[@]}" "$work/untaught.cpp" >"$work/untaught.log" 2>&1; then
  echo "FAIL: encode(Untaught{}) compiled; it must be refused at compile time"
  exit 1
fi
echo "ok: encode(Untaught{}) does not compile"

if ! grep -qF "$expected" "$work/untaught.log"; then
  echo "FAIL: the compiler output lacks the readable message:"
  echo "  $expected"
  echo "--- compiler output ---"
  cat "$work/untaught.log"
  exit 1
fi
echo "ok: the compiler says: $expected"
echo "--- first lines of the compiler output ---"
grep -m3 -F "$expected" "$work/untaught.log"
echo "($(wc -l <"$work/untaught.log") lines of output in all)"
