#!/usr/bin/env bash
# tests/cli/lesson_test.sh WIRESTACK — docs/LESSON.md stays true: every line
# "**Run** `COMMAND` ... **look for** `PIECE`, `PIECE`..." is run (each
# command once, in the repository's root) and every quoted piece must be in
# its output. Runs marked *(long)* only with WIRESTACK_LONG_TESTS=1.
set -u
ws=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
doc="$root/docs/LESSON.md"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 checked=0 runs=0
declare -A output
while IFS= read -r line; do
  cmd=$(sed -E 's/^\*\*Run\*\* `([^`]*)`.*/\1/' <<<"$line")
  if grep -q '\*(long)\*' <<<"$line" && [ "${WIRESTACK_LONG_TESTS:-0}" != 1 ]; then continue; fi
  [[ "$cmd" == "wirestack "* ]] || { echo "FAIL: not a wirestack command: $cmd"; fail=1; continue; }
  if [ -z "${output[$cmd]+set}" ]; then
    read -ra args <<<"${cmd#wirestack }"
    output[$cmd]=$(cd "$root" && "$ws" "${args[@]}" --out "$tmp/out" 2>&1)
    runs=$((runs + 1))
  fi
  pieces=$(sed -E 's/.*\*\*look for\*\* //' <<<"$line" | grep -oE '`[^`]+`' | sed -E 's/^`|`$//g')
  [ -n "$pieces" ] || { echo "FAIL: nothing to look for after: $cmd"; fail=1; }
  while IFS= read -r piece; do
    checked=$((checked + 1))
    grep -qF -- "$piece" <<<"${output[$cmd]}" || { echo "FAIL: docs/LESSON.md says \`$cmd\` prints '$piece'; it does not"; fail=1; }
  done <<<"$pieces"
done < <(grep -E '^\*\*Run\*\* `' "$doc")
[ "$runs" -ge 4 ] && [ "$checked" -ge 30 ] || { echo "FAIL: only $runs runs and $checked pieces checked: is docs/LESSON.md's format intact?"; fail=1; }
# Every concept of the lesson has its section.
for concept in Layers "MAC addresses" Switches "Broadcast storms" "IP addresses" ARP Ports "three-way handshake" \
               "four-way close" "Congestion without loss" "SYN floods" "High concurrency" HTTP FTP "JSON encoder"; do
  grep -q "^## .*$concept" "$doc" || { echo "FAIL: docs/LESSON.md has no section on $concept"; fail=1; }
done
grep -q "above 8000" "$doc" || { echo "FAIL: the advice on ports above 8000 is missing"; fail=1; }
[ $fail -eq 0 ] && echo "lesson: $checked pieces of output in $runs runs, as docs/LESSON.md says"
exit $fail
