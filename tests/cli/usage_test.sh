#!/usr/bin/env bash
# tests/cli/usage_test.sh WIRESTACK — usage mistakes, for every command that
# needs no device: one line on stderr naming the command and what is wrong,
# nothing on stdout, and exit status 2 (1 is kept for "the work failed", e.g.
# a run that did not meet its file's expectations).
set -u
ws=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
# check DESCRIPTION PATTERN ARGS... : status 2, one line on stderr matching PATTERN, no stdout.
check() {
  local what=$1 pattern=$2
  shift 2
  local rc=0
  "$ws" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  local err
  err=$(cat "$tmp/err")
  [ "$rc" = 2 ] || { echo "FAIL: $what: exit $rc, expected 2 ($err)"; fail=1; }
  [ "$(wc -l <"$tmp/err")" = 1 ] || { echo "FAIL: $what: not one line: $err"; fail=1; }
  [ -s "$tmp/out" ] && { echo "FAIL: $what: wrote to stdout: $(head -3 "$tmp/out")"; fail=1; }
  grep -qE -- "$pattern" <<<"$err" || { echo "FAIL: $what: no match for /$pattern/ in: $err"; fail=1; }
}
commands='decode, run, scenarios, fuzz-sim, tap, ping, resolve, ftp, bench, nc, serve, get, call'
check "unknown command" "^wirestack: unknown command 'bogus'; the commands are: $commands \(wirestack --help\)$" bogus
check "unknown command with options" "^wirestack: unknown command 'rnu'; the commands are: " rnu campus --quiet
check "option first"    "^wirestack: unknown option '--bogus'; a command comes first: $commands \(wirestack --help\)$" --bogus run
check "no command"      "^wirestack: a command is needed: $commands \(wirestack --help\)$"
check "unknown option"  '^wirestack run: The following argument was not expected: --bogus$' run --bogus
# Bounds say what is expected in a few words (CLI11 printed a 300-digit one).
until_msg() { echo "^wirestack run: --until: expected seconds, more than 0 and at most 1e9, got '$1'$"; }
check "until 0"         "$(until_msg 0)" run --until 0
check "until negative"  "$(until_msg -1)" run --until -1
check "until huge"      "$(until_msg 1e300)" run --until 1e300
check "until text"      "$(until_msg soon)" run --until soon
check "until inf"       "$(until_msg inf)" run --until inf
# A seed is a whole number: -1 is refused, not wrapped to 18446744073709551615.
check "seed negative"   "^wirestack run: --seed: expected a whole number from 0 to 18446744073709551615, got '-1'$" run --seed -1
check "seed text"       "^wirestack run: --seed: expected a whole number .* got 'x1'$" run --seed x1
check "seed too big"    "^wirestack run: --seed: '18446744073709551616' is more than 18446744073709551615$" run --seed 18446744073709551616
check "fuzz-sim from"   "^wirestack fuzz-sim: --from: expected a whole number .* got '-5'$" fuzz-sim --from -5
check "fuzz-sim seeds"  '^wirestack fuzz-sim: --seeds: ' fuzz-sim --seeds 0
check "decode count"    "^wirestack decode: --count: expected a number more than 0, got '0'$" decode -c 0 x.pcap
check "decode count -1" "^wirestack decode: --count: expected a number more than 0, got '-1'$" decode -c -1 x.pcap
check "decode no file"  '^wirestack decode: file is required$' decode
check "bench mtu"       '^wirestack bench: --mtu: ' bench tcp-bulk --mtu 5
check "bench bytes"     "^wirestack bench: --bytes: expected a number more than 0, got '0'$" bench tcp-bulk --bytes 0
check "unknown scenario" "^wirestack run: no scenario named 'nosuch'; \`wirestack scenarios\` lists them$" run nosuch

# The edges that are allowed still run (status 1: campus's applications do
# not finish in half a second).
out=$("$ws" run campus --out "$tmp/o" --quiet --seed 0 --until 0.5); rc=$?
[ $rc -le 1 ] || { echo "FAIL: --seed 0 --until 0.5 exited $rc"; fail=1; }
grep -q '^scenario campus (seed 0)' <<<"$out" || { echo "FAIL: --seed 0 not taken: $(head -1 <<<"$out")"; fail=1; }
grep -q '^== results after 0.5 simulated seconds' <<<"$out" || { echo "FAIL: --until 0.5 not taken"; fail=1; }
"$ws" run campus --out "$tmp/o" --quiet --seed 18446744073709551615 --until 0.1 >/dev/null; rc=$?
[ $rc -le 1 ] || { echo "FAIL: the largest seed exited $rc"; fail=1; }

# Help and version are not mistakes.
"$ws" --help >/dev/null || { echo "FAIL: --help exited $?"; fail=1; }
"$ws" run --help >/dev/null || { echo "FAIL: run --help exited $?"; fail=1; }
ver=$("$ws" --version) || { echo "FAIL: --version exited $?"; fail=1; }
# The version and the commit built (in a git checkout; "unknown commit" from a tarball).
src=$(cd "$(dirname "$0")/../.." && pwd)
if git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
  # The commit it was built from: one of this repository's (HEAD when built).
  built=$(sed -nE 's/^wirestack 0\.1\.0 \(commit ([0-9a-f]{12})(-dirty)?\)$/\1/p' <<<"$ver")
  [ -n "$built" ] && git -C "$src" cat-file -e "$built^{commit}" 2>/dev/null \
    || { echo "FAIL: --version says '$ver', not a commit of this repository"; fail=1; }
else
  grep -qE '^wirestack 0\.1\.0 \(unknown commit\)$' <<<"$ver" || { echo "FAIL: --version says '$ver'"; fail=1; }
fi

[ $fail -eq 0 ] && echo "usage: all expectations met"
exit $fail
