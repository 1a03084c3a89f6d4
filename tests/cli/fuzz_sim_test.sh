#!/usr/bin/env bash
# tests/cli/fuzz_sim_test.sh WIRESTACK [SEEDS] — `wirestack fuzz-sim`: a batch
# of seeds passes (integrity, liveness, the stack's invariants) with a
# summary line; a seed's file, printed, is one `wirestack run` takes, and the
# same seed prints the same file.
set -u
ws=$1
seeds=${2:-100}
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

out=$("$ws" fuzz-sim --seeds "$seeds" --from 1) || { echo "FAIL: fuzz-sim exited $?"; echo "$out"; fail=1; }
grep -qE "^fuzz-sim: $seeds seeds from 1, 0 failed, [0-9]+ events in [0-9.]+ s$" <<<"$out" \
  || { echo "FAIL: no summary line"; echo "$out"; fail=1; }

"$ws" fuzz-sim --from 42 --seeds 1 --print >"$tmp/a.toml" || { echo "FAIL: --print exited $?"; fail=1; }
"$ws" fuzz-sim --from 42 --seeds 1 --print >"$tmp/b.toml"
cmp -s "$tmp/a.toml" "$tmp/b.toml" || { echo "FAIL: seed 42 printed two different files"; fail=1; }
"$ws" run "$tmp/a.toml" --quiet --out "$tmp/out" >"$tmp/run.txt" 2>&1
rc=$?
grep -q "== results after 120 simulated seconds" "$tmp/run.txt" || { echo "FAIL: the printed file did not run (exit $rc)"; head -5 "$tmp/run.txt"; fail=1; }

out=$("$ws" fuzz-sim --seeds 0 2>&1) && { echo "FAIL: --seeds 0 accepted"; fail=1; }
[ $fail = 0 ] && echo "fuzz-sim: $seeds seeds passed; a printed seed runs and is stable"
exit $fail
