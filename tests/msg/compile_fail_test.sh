#!/usr/bin/env bash
# tests/msg/compile_fail_test.sh COMPILER SOURCE_DIR
#
# The seed's rule, checked at compile time: encoding (or decoding) a type
# nobody taught the JSON encoder must not compile, and the compiler must say
# why in words (the static_asserts in src/msg/json_types.hpp). A control
# snippet using a taught type must compile with the same flags, so that a
# broken include path cannot pass as "failed as expected".
#
#   bash tests/msg/compile_fail_test.sh /usr/bin/c++ /work/main
set -u
cxx=${1:?usage: compile_fail_test.sh COMPILER SOURCE_DIR}
src=${2:?usage: compile_fail_test.sh COMPILER SOURCE_DIR}
flags=(-std=c++20 -fsyntax-only -I"$src/src")   # nlohmann/json.hpp comes from /usr/include

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "compiler: $cxx ${flags[*]}"

# snippet NAME BODY: a translation unit including the encoder, with BODY in main().
snippet() {
  printf '#include "msg/json_types.hpp"\nstruct Untaught { int x = 0; };\nint main() {\n%s\n}\n' "$2" >"$work/$1.cpp"
}

snippet taught '  auto j = wirestack::msg::encode(wirestack::MacAddress::broadcast());
  auto m = wirestack::msg::decode<wirestack::MacAddress>(j);
  return m ? 0 : 1;'
if ! "$cxx" "${flags[@]}" "$work/taught.cpp" >"$work/taught.log" 2>&1; then
  echo "FAIL: the control snippet (encode/decode of MacAddress) does not compile:"
  cat "$work/taught.log"
  exit 1
fi
echo "ok: encode(MacAddress) and decode<MacAddress> compile"

status=0
# must_fail NAME WHAT BODY MESSAGE
must_fail() {
  snippet "$1" "$3"
  if "$cxx" "${flags[@]}" "$work/$1.cpp" >"$work/$1.log" 2>&1; then
    echo "FAIL: $2 compiled; it must be refused at compile time"
    status=1
    return
  fi
  if ! grep -qF "$4" "$work/$1.log"; then
    echo "FAIL: $2 does not compile, but the output lacks the readable message: $4"
    echo "--- compiler output ---"
    cat "$work/$1.log"
    status=1
    return
  fi
  echo "ok: $2 does not compile; the compiler says: $4"
  echo "    $(grep -m1 -F "$4" "$work/$1.log")"
  echo "    ($(wc -l <"$work/$1.log") lines of compiler output in all)"
}

must_fail encode "encode(Untaught{})" '  auto j = wirestack::msg::encode(Untaught{});
  return j.is_null() ? 0 : 1;' \
  'wirestack::msg::encode: no JSON encoding for this type; add to_json/from_json (see docs/PROTOCOL.md)'
must_fail decode "decode<Untaught>(json)" '  auto u = wirestack::msg::decode<Untaught>(nlohmann::json::object());
  return u ? 0 : 1;' \
  'wirestack::msg::decode: no JSON decoding for this type; add from_json (see docs/PROTOCOL.md)'
exit $status
