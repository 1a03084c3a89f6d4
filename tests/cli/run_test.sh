#!/usr/bin/env bash
# tests/cli/run_test.sh WIRESTACK — `wirestack run` end to end: the campus
# scenario's applications succeed, its captures decode clean and are
# byte-identical for the same seed (and differ for another), the storm
# scenario is stopped with a report, and bad input fails with one line.
set -u
ws=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() {  # expect DESCRIPTION PATTERN TEXT
  if ! grep -qE -- "$2" <<<"$3"; then echo "FAIL: $1: no line matches /$2/"; fail=1; fi
}

out=$("$ws" run campus --out "$tmp/one" --seed 7) || { echo "FAIL: run campus exited $?"; fail=1; }
expect "gratuitous ARP" 'a -> sw1  ARP      gratuitous: 10\.0\.1\.10 is-at' "$out"
expect "ARP request"    'a -> sw1  ARP      who-has 10\.0\.1\.1 tell 10\.0\.1\.10' "$out"
expect "ARP reply"      'r -> sw1  ARP      10\.0\.1\.1 is-at' "$out"
expect "routed ping"    'r -> sw2  ICMP     10\.0\.1\.10 > 10\.0\.2\.20: echo request.* ttl 63' "$out"
expect "fragments"      'fragment id [0-9]+ offset 1104\]' "$out"
expect "ping result"    '^ping 10\.0\.2\.20 from a:  3 packets transmitted, 3 received, 0% packet loss' "$out"
expect "big ping"       '1 packets transmitted, 1 received' "$out"
expect "traceroute 1"   '^ 1  10\.0\.1\.1 ' "$out"
expect "traceroute 2"   '^ 2  10\.0\.2\.20 ' "$out"
expect "udp echo"       'UDP echo a -> b:9000: sent 2, b echoed 2, a got back 2' "$out"
expect "refused"        'UDP a -> b:9999 \(closed\): connection refused' "$out"
expect "counters"       '^router r' "$out"
n=$(ls "$tmp/one/campus"/*.pcap 2>/dev/null | wc -l)
[ "$n" -eq 4 ] || { echo "FAIL: expected 4 pcaps, found $n"; fail=1; }
for f in "$tmp/one/campus"/*.pcap; do
  d=$("$ws" decode "$f" -q) || { echo "FAIL: decode $f"; fail=1; }
  expect "clean capture $(basename "$f")" '^[1-9][0-9]* frames, 0 malformed' "$d"
done

# tshark, written by other people, reads every capture without a malformed
# packet or a bad checksum (and does flag the deliberately broken fixture).
tshark_bad() {
  tshark -r "$1" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -o tcp.check_checksum:TRUE \
    -Y '_ws.malformed || _ws.expert.severity >= "Error" || ip.checksum.status == "Bad" || udp.checksum.status == "Bad" || icmp.checksum.status == "Bad"' \
    2>/dev/null | wc -l
}
if command -v tshark >/dev/null; then
  for f in "$tmp/one/campus"/*.pcap; do
    [ "$(tshark -r "$f" 2>/dev/null | wc -l)" -gt 0 ] || { echo "FAIL: tshark read nothing from $f"; fail=1; }
    bad=$(tshark_bad "$f")
    [ "$bad" -eq 0 ] || { echo "FAIL: tshark flags $bad frames in $(basename "$f")"; fail=1; }
  done
  [ "$(tshark_bad "$(dirname "$0")/../data/malformed.pcap")" -gt 0 ] || { echo "FAIL: the tshark check flags nothing, even in malformed.pcap"; fail=1; }
else
  echo "SKIPPED (loudly): tshark is not installed, captures not cross-checked; scripts/setup.sh installs it"
  fail=1
fi

"$ws" run campus --out "$tmp/two" --seed 7 --quiet >/dev/null
"$ws" run campus --out "$tmp/three" --seed 8 --quiet >/dev/null
diff -r "$tmp/one/campus" "$tmp/two/campus" >/dev/null || { echo "FAIL: same seed, different captures"; fail=1; }
diff -r "$tmp/one/campus" "$tmp/three/campus" >/dev/null && { echo "FAIL: another seed, identical captures"; fail=1; }

out=$("$ws" run storm --out "$tmp/storm" --quiet) || { echo "FAIL: run storm exited $?"; fail=1; }
expect "storm" 'broadcast storm: switch sw[12] flooded .* the topology has a loop' "$out"

if command -v tshark >/dev/null; then
  for f in "$tmp/storm/storm"/*.pcap; do
    bad=$(tshark_bad "$f")
    [ "$bad" -eq 0 ] || { echo "FAIL: tshark flags $bad frames in storm/$(basename "$f")"; fail=1; }
  done
fi

out=$("$ws" scenarios)
expect "list" '^campus ' "$out"
expect "list" '^storm ' "$out"

out=$("$ws" run nosuch 2>&1); rc=$?
[ $rc -ne 0 ] || { echo "FAIL: unknown scenario exited 0"; fail=1; }
expect "unknown scenario" "no scenario named 'nosuch'" "$out"

[ $fail -eq 0 ] && echo "run CLI: all expectations met"
exit $fail
