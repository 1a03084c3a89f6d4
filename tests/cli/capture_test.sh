#!/usr/bin/env bash
# tests/cli/capture_test.sh WIRESTACK — `wirestack run`'s captures and
# progress: --capture all|none|LINK,... chooses the pcaps (an unknown link is
# a usage error naming the real ones), a big topology writes none unless
# asked, --snaplen cuts frames and keeps their length, --capture-limit stops
# every capture with one warning, pcap timestamps are on the simulator's
# calendar (2026-01-01), and progress lines go to stderr (not a terminal
# here) without changing a byte of the run's output.
set -u
ws=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
expect() {  # expect DESCRIPTION PATTERN TEXT
  if ! grep -qE -- "$2" <<<"$3"; then echo "FAIL: $1: no line matches /$2/ in: $3"; fail=1; fi
}
pcaps() { ls "$1" 2>/dev/null | grep -c '\.pcapng$'; }
# pcap_facts FILE.pcapng: "records max_caplen max_origlen first_sec last_sec
# commented interfaces" (the Enhanced Packet Blocks; nanosecond timestamps,
# as the Interface Description Blocks say).
pcap_facts() {
  /usr/bin/python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
assert data[:4] == b'\x0a\x0d\x0d\x0a' and data[8:12] == b'\x4d\x3c\x2b\x1a', 'not a little-endian pcapng'
off, n, maxcap, maxorig, secs, commented, ifaces = 0, 0, 0, 0, [], 0, 0
while off + 12 <= len(data):
    btype, blen = struct.unpack('<II', data[off:off + 8])
    body = data[off + 8:off + blen - 4]
    if btype == 1:
        ifaces += 1
    elif btype == 6:
        iface, hi, lo, cap, orig = struct.unpack('<IIIII', body[:20])
        opts = body[20 + ((cap + 3) & ~3):]
        while len(opts) >= 4:
            code, olen = struct.unpack('<HH', opts[:4])
            if code == 0: break
            if code == 1: commented += 1
            opts = opts[4 + ((olen + 3) & ~3):]
        n += 1; maxcap = max(maxcap, cap); maxorig = max(maxorig, orig); secs.append(((hi << 32) | lo) // 10**9)
    off += blen
print(n, maxcap, maxorig, secs[0] if secs else 0, secs[-1] if secs else 0, commented, ifaces)
PY
}

# Every link (the default for a small network), with progress after every
# step of simulated time: the lines go to stderr, stdout and the pcaps are
# the same as without them.
"$ws" run campus --out "$tmp/all" --seed 3 --progress-every 0 >"$tmp/all.out" 2>"$tmp/all.err" \
  || { echo "FAIL: run campus exited $?"; fail=1; }
[ "$(pcaps "$tmp/all/campus")" -eq 6 ] || { echo "FAIL: default capture: $(pcaps "$tmp/all/campus") pcaps, not 6"; fail=1; }
expect "progress line" '^progress: simulated [0-9.]+ s of 10\.00 s, [0-9.]+ M events/s, [0-9]+ events, [0-9]+ frames$' "$(cat "$tmp/all.err")"
[ "$(grep -c '^progress:' "$tmp/all.err")" -ge 50 ] || { echo "FAIL: fewer than 50 progress lines with --progress-every 0"; fail=1; }
grep -q progress "$tmp/all.out" && { echo "FAIL: a progress line on stdout"; fail=1; }
"$ws" run campus --out "$tmp/again" --seed 3 >"$tmp/again.out" 2>"$tmp/again.err"
diff <(sed "s|$tmp/again|DIR|g" "$tmp/again.out") <(sed "s|$tmp/all|DIR|g" "$tmp/all.out") >/dev/null \
  || { echo "FAIL: progress lines changed the output"; fail=1; }
for f in "$tmp/all/campus"/*.pcapng; do
  cmp -s "$f" "$tmp/again/campus/$(basename "$f")" || { echo "FAIL: progress lines changed $(basename "$f")"; fail=1; }
done
"$ws" run campus --out "$tmp/q" --seed 3 --quiet --progress-every 0 >/dev/null 2>"$tmp/q.err"
grep -q '^progress' "$tmp/q.err" && { echo "FAIL: --quiet still prints progress"; fail=1; }

# One epoch: the campus narrates 2026-01-01 (JSON-RPC time), and the pcaps'
# timestamps are 2026-01-01 00:00:00 UTC (1767225600) plus simulated time.
expect "narrative date" '"result":"2026-01-01 00:00:0' "$(cat "$tmp/all.out")"
read -r n cap orig first last commented ifaces <<<"$(pcap_facts "$tmp/all/campus/a-eth0--sw1-port0.pcapng")"
[ "$first" -ge 1767225600 ] && [ "$last" -le 1767225610 ] || { echo "FAIL: pcap seconds $first..$last, not 1767225600..1767225610"; fail=1; }
if command -v tshark >/dev/null; then
  t=$(tshark -r "$tmp/all/campus/a-eth0--sw1-port0.pcapng" -c 1 -T fields -e frame.time_epoch 2>/dev/null)
  expect "tshark date" '^1767225600\.' "$t"
fi

# None: no pcap, the report still written, the run otherwise the same.
out=$("$ws" run campus --out "$tmp/none" --seed 3 --capture none) || { echo "FAIL: --capture none exited $?"; fail=1; }
[ "$(pcaps "$tmp/none/campus")" -eq 0 ] || { echo "FAIL: --capture none wrote pcaps"; fail=1; }
[ -f "$tmp/none/campus/report.html" ] || { echo "FAIL: --capture none wrote no report"; fail=1; }
diff <(grep -v '^captures\|^report\|^$' <<<"$out") <(grep -v '^captures\|^report\|^$' "$tmp/all.out") >/dev/null \
  || { echo "FAIL: --capture none changed the run's output"; fail=1; }

# Named links: exactly those pcaps, byte for byte what `all` wrote.
l1=a-eth0--sw1-port0 l2=b-eth0--sw2-port0
out=$("$ws" run campus --out "$tmp/some" --seed 3 --capture "$l1,$l2" --quiet) || { echo "FAIL: --capture LINKS exited $?"; fail=1; }
[ "$(ls "$tmp/some/campus" | grep '\.pcapng$' | tr '\n' ' ')" = "$l1.pcapng $l2.pcapng " ] \
  || { echo "FAIL: --capture $l1,$l2 wrote: $(ls "$tmp/some/campus")"; fail=1; }
for l in $l1 $l2; do cmp -s "$tmp/some/campus/$l.pcapng" "$tmp/all/campus/$l.pcapng" || { echo "FAIL: $l differs from --capture all"; fail=1; }; done
expect "captures line" '^captures \(2 of 6 links' "$out"

# An unknown link: status 2, one line naming it and the real links, nothing left.
out=$("$ws" run campus --out "$tmp/bad" --capture "$l1,a-eth9" 2>&1); rc=$?
[ $rc -eq 2 ] || { echo "FAIL: unknown link exited $rc, not 2"; fail=1; }
[ "$(wc -l <<<"$out")" -eq 1 ] || { echo "FAIL: unknown link: more than one line: $out"; fail=1; }
expect "unknown link" "^wirestack run: no link named 'a-eth9' to capture; the links are: a-eth0--sw1-port0, .*b-eth0--sw2-port0" "$out"
[ -e "$tmp/bad/campus" ] && { echo "FAIL: unknown link left $tmp/bad/campus behind"; fail=1; }

# --snaplen: frames cut, their length kept (the campus pings 1400 bytes).
"$ws" run campus --out "$tmp/snap" --seed 3 --snaplen 64 --quiet >/dev/null || { echo "FAIL: --snaplen exited $?"; fail=1; }
read -r n cap orig first last commented ifaces <<<"$(pcap_facts "$tmp/snap/campus/a-eth0--sw1-port0.pcapng")"
[ "$cap" -eq 64 ] && [ "$orig" -gt 1000 ] || { echo "FAIL: --snaplen 64: largest record $cap bytes of $orig"; fail=1; }
out=$("$ws" run campus --snaplen 0 2>&1); rc=$?
[ $rc -eq 2 ] || { echo "FAIL: --snaplen 0 exited $rc, not 2"; fail=1; }

# --capture-limit: one warning, every capture stops within the limit, the run goes on.
out=$("$ws" run campus --out "$tmp/lim" --seed 3 --capture-limit 3000 --quiet 2>"$tmp/lim.err") \
  || { echo "FAIL: --capture-limit exited $?"; fail=1; }
[ "$(grep -c 'warning: the pcaps reached the limit of 3000 bytes' "$tmp/lim.err")" -eq 1 ] \
  || { echo "FAIL: limit warning not printed once: $(cat "$tmp/lim.err")"; fail=1; }
total=$(cat "$tmp/lim/campus"/*.pcapng | wc -c)
[ "$total" -le 3000 ] && [ "$total" -gt 2000 ] || { echo "FAIL: pcaps take $total bytes, limit 3000"; fail=1; }
expect "limit in the output" "^captures stopped at $total bytes" "$out"
expect "run went on" '^ping 10\.0\.2\.20 from a:  3 packets transmitted, 3 received' "$out"

# pcapng with a comment on every frame the link did not deliver as sent:
# lost, corrupted (bit errors the FCS catches), dropped by the full transmit
# queue, duplicated; each interface is the sending card. The comments agree
# with the link counters, one for one, and tshark reads them.
cat >"$tmp/faults.toml" <<'EOF2'
[scenario]
name = "faults"
until = "30s"
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
duplicate = 0.05
[[link]]
from = "r"
from_address = "10.0.2.1/24"
to = "d"
to_address = "10.0.2.20/24"
bandwidth = "2Mbit/s"
delay = "10ms"
loss = 0.02
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
bytes = 300000
at = "100ms"
EOF2
out=$("$ws" run "$tmp/faults.toml" --out "$tmp/faults" --quiet) || { echo "FAIL: faults.toml exited $?"; fail=1; }
bad="$tmp/faults/faults/r-eth1--d-eth0.pcapng"
dup="$tmp/faults/faults/s-eth0--r-eth0.pcapng"
# counter NAME: the sum over both directions of r-eth1--d-eth0's "NAME N".
counter() { awk -v k="$1" '/^link r-eth1--d-eth0/ {on=1; next} /^link / {on=0} on {for (i = 1; i < NF; i++) if ($i == k) s += $(i + 1)} END {print s + 0}' <<<"$out"; }
read -r n cap orig first last commented ifaces <<<"$(pcap_facts "$bad")"
[ "$ifaces" -eq 2 ] || { echo "FAIL: $ifaces interfaces in $(basename "$bad"), not 2 (one per side)"; fail=1; }
want=$(( $(counter loss) + $(counter fcs) + $(counter queue) ))
[ "$want" -gt 10 ] && [ "$commented" -eq "$want" ] || { echo "FAIL: $commented commented frames, the counters say $want lost, corrupted or queue-dropped"; fail=1; }
if command -v tshark >/dev/null; then
  comments() { tshark -r "$1" -Y frame.comment -T fields -e frame.comment 2>/dev/null; }
  c=$(comments "$bad")
  [ "$(grep -c "^lost on the wire (the link's loss rate)$" <<<"$c")" -eq "$(counter loss)" ] || { echo "FAIL: tshark: loss comments differ from the counter $(counter loss)"; fail=1; }
  [ "$(grep -c '^corrupted on the wire (bit errors): the receiver.s FCS check drops it$' <<<"$c")" -eq "$(counter fcs)" ] || { echo "FAIL: tshark: corruption comments differ from the counter"; fail=1; }
  [ "$(grep -c '^dropped by the full transmit queue: it never left the sender$' <<<"$c")" -eq "$(counter queue)" ] || { echo "FAIL: tshark: queue comments differ from the counter"; fail=1; }
  [ "$(comments "$dup" | grep -c '^duplicated by the link: copy 1 arrives; copy 2 arrives$')" -gt 0 ] || { echo "FAIL: tshark: no duplicate's comment"; fail=1; }
  ifn=$(tshark -r "$bad" -Y 'frame.comment contains "queue"' -T fields -e frame.interface_name 2>/dev/null | sort -u)
  [ "$ifn" = "r-eth1" ] || { echo "FAIL: queue drops are on interface '$ifn', not r-eth1 (the sender)"; fail=1; }
  [ "$(tshark -r "$bad" 2>/dev/null | wc -l)" -eq "$n" ] || { echo "FAIL: tshark reads a different number of frames than $n"; fail=1; }
fi
# A clean run has no comment.
read -r n cap orig first last commented ifaces <<<"$(pcap_facts "$tmp/all/campus/b-eth0--sw2-port0.pcapng")"
[ "$commented" -eq 0 ] && [ "$n" -gt 0 ] || { echo "FAIL: campus (nothing lost) has $commented comments in $n frames"; fail=1; }

# A big network (70 hosts on switches) writes no pcap unless asked, and says so.
{
  for s in 0 1 2 3 4; do printf '[[switch]]\nname = "s%d"\nports = 16\n' $s; done
  for i in $(seq 0 69); do
    printf '[[host]]\nname = "h%d"\n[[link]]\nfrom = "h%d"\nfrom_address = "10.0.0.%d/24"\nto = "s%d"\nto_port = %d\n' \
      $i $i $((i + 1)) $((i / 14)) $((i % 14))
  done
} >"$tmp/big.toml"
"$ws" run "$tmp/big.toml" --out "$tmp/big" --until 1 --quiet >/dev/null 2>"$tmp/big.err" || { echo "FAIL: big.toml exited $?"; fail=1; }
[ "$(pcaps "$tmp/big/big")" -eq 0 ] || { echo "FAIL: 70 links wrote $(pcaps "$tmp/big/big") pcaps by default"; fail=1; }
expect "big notice" '^wirestack run: 70 links, more than 64: no pcaps \(--capture all' "$(cat "$tmp/big.err")"
"$ws" run "$tmp/big.toml" --out "$tmp/big" --until 1 --quiet --capture all >/dev/null 2>&1
[ "$(pcaps "$tmp/big/big")" -eq 70 ] || { echo "FAIL: --capture all on 70 links wrote $(pcaps "$tmp/big/big")"; fail=1; }

[ $fail -eq 0 ] && echo "cli capture tests passed"
exit $fail
