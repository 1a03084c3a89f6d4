#!/usr/bin/env bash
# tests/cli/narrative_test.sh WIRESTACK — what the narrative of `wirestack
# run` tells beyond the campus (tests/cli/run_test.sh): duplicate ACKs named
# with their SACK blocks, every lost frame marked where it was lost (the
# simulator knows: no guessing), each retransmission saying which copy was
# lost where (or that none was), queue drops and corruption; and the
# --host, --link, --proto filters that narrate part of a run.
set -u
ws=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() {  # expect DESCRIPTION PATTERN TEXT
  if ! grep -qE -- "$2" <<<"$3"; then echo "FAIL: $1: no line matches /$2/"; fail=1; fi
}
none() {  # none DESCRIPTION PATTERN TEXT
  if grep -qE -- "$2" <<<"$3"; then echo "FAIL: $1: a line matches /$2/: $(grep -m1 -E -- "$2" <<<"$3")"; fail=1; fi
}

# lossy: 2 % loss on r-d. Each loss is marked on the line after the frame,
# and the narrative's LOST lines agree with the link's loss counters.
out=$("$ws" run lossy --out "$tmp/lossy") || { echo "FAIL: run lossy exited $?"; fail=1; }
expect "loss marked" '^ +[0-9.]+  r -> d  LOST     the frame above \(TCP 10\.0\.1\.10:[0-9]+ > 10\.0\.2\.20:5001 data seq [0-9]+:[0-9]+\): lost on the wire \(the link.s loss rate\); d never gets it$' "$out"
lost=$(grep -c '  LOST     ' <<<"$out")
counted=$(awk '/^link r-eth1--d-eth0/ {on=1; next} /^link / {on=0} on {for (i = 1; i < NF; i++) if ($i == "loss") s += $(i + 1)} END {print s + 0}' <<<"$out")
[ "$lost" -gt 0 ] && [ "$lost" -eq "$counted" ] || { echo "FAIL: $lost LOST lines, the counters say $counted frames lost"; fail=1; }
expect "dup ack"  'd -> r  TCP      10\.0\.2\.20:5001 > 10\.0\.1\.10:[0-9]+  duplicate ACK #1 \(I still miss seq [0-9]+; a later segment arrived: SACK says which\)  seq 1  ack [0-9]+  win [0-9]+ \(x128 = [0-9]+\)  SACK [0-9]+:[0-9]+$' "$out"
expect "dup ack 3" 'duplicate ACK #3 .*  SACK [0-9]+:[0-9]+' "$out"
expect "resent"   's -> r  TCP      10\.0\.1\.10:[0-9]+ > 10\.0\.2\.20:5001  RETRANSMISSION of data 1448 bytes  seq [0-9]+:[0-9]+  ack 1  win [0-9]+ \(x128 = [0-9]+\)  \(resent: the copy sent at [0-9.]+ was lost on link r-eth1--d-eth0\)$' "$out"
none "guessing" 'lost, or its ACK was late' "$out"
# Each "resent" names a loss the narrative marked, at that time, for that range.
while read -r when range; do
  grep -qE "^ +$when  r -> d  LOST     the frame above \(TCP [0-9.:]+ > [0-9.:]+ data seq $range\)" <<<"$out" \
    || { echo "FAIL: a retransmission of $range says it was lost at $when, but no LOST line says so"; fail=1; }
done < <(grep -oE 'seq [0-9]+:[0-9]+  ack 1  .*resent: the copy sent at [0-9.]+' <<<"$out" \
           | sed -E 's/^seq ([0-9]+:[0-9]+) .*sent at ([0-9.]+)$/\2 \1/' | sort -u | head -20)

# A router's full queue and bit errors: DROPPED (never narrated before: it did
# not leave the queue) and LOST as corrupted.
cat >"$tmp/faults.toml" <<'EOF2'
[scenario]
name = "faults"
until = "20s"
[[host]]
name = "s"
gateway = "10.0.1.1"
[[host]]
name = "d"
gateway = "10.0.2.1"
[[router]]
name = "r"
[[link]]
from = "s"
from_address = "10.0.1.10/24"
to = "r"
to_address = "10.0.1.1/24"
[[link]]
name = "thin"
from = "r"
from_address = "10.0.2.1/24"
to = "d"
to_address = "10.0.2.20/24"
bandwidth = "2Mbit/s"
delay = "10ms"
bit_error_rate = 0.00001
queue_bytes = 8000
[[app]]
type = "tcp_sink"
host = "d"
port = 5001
[[app]]
type = "tcp_bulk"
host = "s"
to = "10.0.2.20:5001"
bytes = 200000
at = "100ms"
EOF2
out=$("$ws" run "$tmp/faults.toml" --out "$tmp/f") || { echo "FAIL: faults.toml exited $?"; fail=1; }
expect "queue drop" '^ +[0-9.]+  r -> d  DROPPED  TCP 10\.0\.1\.10:[0-9]+ > 10\.0\.2\.20:5001 data seq [0-9]+:[0-9]+: dropped by the full transmit queue: it never left the sender$' "$out"
expect "corrupted" 'LOST     the frame above \(TCP .*\): corrupted on the wire \(bit errors\): the receiver.s FCS check drops it; d never gets it$' "$out"
expect "resent after queue drop" 'RETRANSMISSION .*\(resent: the copy sent at [0-9.]+ was dropped by the full transmit queue on link r-eth1--d-eth0\)$' "$out"
expect "resent after corruption" 'RETRANSMISSION .*\(resent: the copy sent at [0-9.]+ was corrupted on link r-eth1--d-eth0\)$' "$out"

# Filters: part of the campus, the summaries whole.
all=$("$ws" run campus --out "$tmp/c") || { echo "FAIL: run campus exited $?"; fail=1; }
summary() { sed -n '/^== results/,$p' <<<"$1" | grep -v '^report\|^captures'; }
out=$("$ws" run campus --out "$tmp/c1" --host c) || { echo "FAIL: --host c exited $?"; fail=1; }
none "--host c: a's link" '  a -> sw1  ' "$out"
expect "--host c: c's frames" '  c -> sw1  TCP ' "$out"
expect "--host c: c's frames past the router" '  r -> sw2  TCP      10\.0\.1\.11:[0-9]+ > 10\.0\.2\.30:7000  SYN' "$out"
none "--host c: b's HTTP" 'HTTP request' "$out"
[ "$(summary "$out")" = "$(summary "$all")" ] || { echo "FAIL: --host changed the summaries"; fail=1; }
out=$("$ws" run campus --out "$tmp/c2" --link wan --proto tcp) || { echo "FAIL: --link wan --proto tcp exited $?"; fail=1; }
frames=$(grep -E '^ +[0-9.]+  [a-z0-9]+ -> ' <<<"$out")
[ -n "$frames" ] || { echo "FAIL: --link wan --proto tcp narrated nothing"; fail=1; }
none "--link wan: another link" '^ +[0-9.]+  (a|b|c|t|sw1) -> ' "$frames"
none "--proto tcp: not TCP" '^ +[0-9.]+  [a-z0-9]+ -> [a-z0-9]+  (ARP|ICMP|UDP) ' "$frames"
out=$("$ws" run campus --out "$tmp/c3" --proto arp,http --link r-eth1--sw2-port1) || { echo "FAIL: --proto arp,http exited $?"; fail=1; }
expect "--proto arp" '  r -> sw2  ARP ' "$out"
expect "--proto http" '  sw2 -> r  TCP .*\| HTTP response' "$out"
none "--proto arp,http: the JSON-RPC" '\| JSON' "$out"
# Names that are not in the network: status 2, one line naming the mistake.
for args in "--host nosuch" "--link nosuch" "--proto smtp"; do
  err=$("$ws" run campus --out "$tmp/x" $args 2>&1 >/dev/null); rc=$?
  [ $rc -eq 2 ] || { echo "FAIL: $args exited $rc, not 2"; fail=1; }
  [ "$(wc -l <<<"$err")" -eq 1 ] || { echo "FAIL: $args: not one line: $err"; fail=1; }
done
expect "unknown host" "^wirestack run: --host: no host, router or switch named 'nosuch'$" "$("$ws" run campus --out "$tmp/x" --host nosuch 2>&1)"
expect "unknown proto" "^wirestack run: --proto: smtp not in \{" "$("$ws" run campus --out "$tmp/x" --proto smtp 2>&1)"

[ $fail -eq 0 ] && echo "narrative: all expectations met"
exit $fail
