#!/usr/bin/env bash
# tests/scenario/scenario_test.sh WIRESTACK NAME — runs one built-in scenario
# and asserts its outcome (not only that it ran), then checks determinism:
# the same seed writes byte-identical captures, another seed different ones.
set -u
ws=$1
name=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() {  # expect DESCRIPTION PATTERN TEXT
  if ! grep -qE -- "$2" <<<"$3"; then echo "FAIL: $name: $1: no line matches /$2/"; fail=1; fi
}
reject() {  # reject DESCRIPTION PATTERN TEXT
  if grep -qE -- "$2" <<<"$3"; then echo "FAIL: $name: $1: a line matches /$2/"; fail=1; fi
}

quiet=--quiet
[ "$name" = lossy ] && quiet=  # its test reads the narrative
# The sanitizer build (WIRESTACK_SCENARIO_ONCE) runs the spike at a tenth of
# its size: the same topology and code paths with 100 clients per host
# instead of 1,000 (at full size it alone took over 300 CPU seconds there).
what=$name
clients=10000
if [ "$name" = spike ] && [ -n "${WIRESTACK_SCENARIO_ONCE:-}" ]; then
  sed 's/^count = 1000$/count = 100/' "$(dirname "$0")/../../scenarios/spike.toml" >"$tmp/spike.toml"
  what=$tmp/spike.toml
  clients=1000
  echo "scenario spike: sanitizer build: 1,000 clients (100 per host) instead of 10,000"
fi
out=$("$ws" run "$what" --out "$tmp/a" --seed 1 $quiet); rc=$?
[ $rc -eq 0 ] || { echo "FAIL: $name exited $rc"; fail=1; }
reject "every application as expected" '\^ (not what|.* expects)' "$out"
summary=$(sed -n '/^== results/,/^== counters/p' <<<"$out")

case $name in
campus)
  expect "page fetched" '^GET http://10\.0\.2\.20/ from a: HTTP/1\.1 200 OK' "$summary"
  expect "time decoded" '^JSON-RPC time from c .* -> decoded as a date: 2026-01-01T00:00:06Z' "$summary"
  expect "ping"         '^ping 10\.0\.2\.20 from a:  3 packets transmitted, 3 received' "$summary"
  ;;
campus6)
  expect "ping over IPv6"  '^ping 2001:db8:2::20 from a:  3 packets transmitted, 3 received' "$summary"
  expect "ping over IPv4"  '^ping 10\.0\.2\.20 from a:  3 packets transmitted, 3 received' "$summary"
  expect "IPv6-only host"  '^ping 2001:db8:2::20 from c:  2 packets transmitted, 2 received' "$summary"
  expect "page over IPv6"  '^GET http://\[2001:db8:2::20\]/ from c: HTTP/1\.1 200 OK' "$summary"
  expect "page over IPv4"  '^GET http://10\.0\.2\.20/ from a: HTTP/1\.1 200 OK' "$summary"
  expect "traceroute over IPv6" '^ 1  2001:db8:1::1  ' "$summary"
  expect "traceroute reaches b" '^ 2  2001:db8:2::20  ' "$summary"
  expect "JSON-RPC over IPv6" '^JSON-RPC time from c .* -> decoded as a date' "$summary"
  expect "SLAAC"           'icmpv6 .*dad_succeeded 2 rs_tx 1 ra_rx 1 slaac_addresses 1' "$out"
  ;;
lossy)
  expect "transfer done, hashes equal" '^TCP bulk s -> 10\.0\.2\.20:5001: 1048576 bytes sent and acknowledged in .* [1-9][0-9]* retransmissions; hash ([0-9a-f]{16}), the receiver.s hash is equal$' "$summary"
  sent=$(sed -nE 's/^TCP bulk .*; hash ([0-9a-f]{16}),.*/\1/p' <<<"$summary")
  got=$(sed -nE 's/^  from .*: 1048576 bytes, hash ([0-9a-f]{16}), closed cleanly$/\1/p' <<<"$summary")
  [ -n "$sent" ] && [ "$sent" = "$got" ] || { echo "FAIL: lossy: sender hash '$sent' != receiver hash '$got'"; fail=1; }
  expect "retransmissions narrated" 'r -> d  TCP      10\.0\.1\.10:[0-9]+ > 10\.0\.2\.20:5001  RETRANSMISSION of data 1448 bytes' "$out"
  expect "counted" ' [1-9][0-9]* retransmitted segments seen on links ==$' "$summary"
  ;;
codel)
  expect "with ECN: nothing resent" '^TCP bulk s1 -> 10\.0\.2\.20:5001: 2097152 bytes sent and acknowledged in .*, 0 retransmissions; hash [0-9a-f]{16}, the receiver.s hash is equal$' "$summary"
  expect "without ECN: retransmissions" '^TCP bulk s2 -> 10\.0\.4\.20:5001: 2097152 bytes sent and acknowledged in .*, [1-9][0-9]* retransmissions; hash [0-9a-f]{16}, the receiver.s hash is equal$' "$summary"
  expect "CoDel marks and drops nothing (ECN)" '^  r -> d1: sent .* codel marked [1-9][0-9]* dropped 0$' "$out"
  expect "CoDel drops (no ECN)" '^  r -> d2: sent .* codel marked 0 dropped [1-9][0-9]*$' "$out"
  ;;
synflood)
  expect "cookies off: clients fail" '^GET http://10\.0\.2\.10/ from client, 20 clients: 0 answered \(0\.00 %\), 20 timed out$' "$summary"
  expect "cookies on: clients connect" '^GET http://10\.0\.2\.11/ from client, 20 clients: 20 answered \(100\.00 %\)$' "$summary"
  expect "web1 kept no cookies" '^  SYN cookies off: SYNs to listeners [0-9]+, SYN queue drops [1-9][0-9]*, cookies sent 0, validated 0$' "$summary"
  expect "web2 validated 20" '^  SYN cookies on: SYNs to listeners [0-9]+, SYN queue drops 0, cookies sent [1-9][0-9]*, validated 20$' "$summary"
  expect "the flood" '^SYN flood from attacker to 10\.0\.2\.10:80: 20001 SYNs' "$summary"
  expect "the delay's cause named" '^where the waiting came from: [0-9]+ datagrams dropped while ARP/ND resolved.*, [1-9][0-9]* SYNs dropped by full listen queues \(web1 [1-9][0-9]*\), ' "$summary"
  ;;
spike)
  expect "all $clients answered" "^all $clients clients \\(GET http://10\\.0\\.0\\.10/, from 10 hosts\\): $clients answered \\(100\\.00 %\\); latency p50 [0-9.]+ ms, p90 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms$" "$summary"
  expect "server" "^HTTP server web:80: $clients requests, $clients x 200; $clients connections accepted" "$summary"
  expect "delay causes" '^where the waiting came from: [0-9]+ datagrams dropped while ARP/ND resolved.*, [0-9]+ SYNs dropped by full listen queues.*, [0-9]+ retransmitted segments, [0-9]+ frames dropped on links' "$summary"
  n=$(grep -cE '^  latency \(connect to last byte\): p50 ' <<<"$summary")
  [ "$n" -eq 10 ] || { echo "FAIL: spike: $n per-host latency lines, not 10"; fail=1; }
  ;;
storm)
  expect "detected" '^at [0-9.e-]+ s: broadcast storm: switch sw[12] flooded .* the topology has a loop' "$summary"
  expect "ping fails" '^ping across the loop:  1 packets transmitted, 0 received' "$summary"
  ;;
*) echo "FAIL: no expectations for scenario '$name'"; fail=1 ;;
esac

n=$(ls "$tmp/a/$name"/*.pcapng 2>/dev/null | wc -l)
[ "$n" -gt 0 ] || { echo "FAIL: $name: no captures in $tmp/a/$name"; fail=1; }
if [ -n "${WIRESTACK_SCENARIO_ONCE:-}" ]; then
  echo "scenario $name: one run (sanitizer build); the determinism reruns are the normal build's"
else
  "$ws" run "$name" --out "$tmp/b" --seed 1 --quiet >/dev/null
  "$ws" run "$name" --out "$tmp/c" --seed 2 --quiet >/dev/null
  diff -r "$tmp/a/$name" "$tmp/b/$name" >/dev/null || { echo "FAIL: $name: same seed, different captures"; fail=1; }
  if [ "$name" != storm ]; then  # the storm has no randomness to vary: a broadcast loops the same way
    diff -r "$tmp/a/$name" "$tmp/c/$name" >/dev/null && { echo "FAIL: $name: another seed, identical captures"; fail=1; }
  fi
fi

[ $fail -eq 0 ] && echo "scenario $name: all expectations met"
exit $fail
