#!/usr/bin/env bash
# tests/cli/run_test.sh WIRESTACK — `wirestack run` end to end: the campus
# scenario's applications succeed (IP, UDP, and TCP with HTTP and JSON-RPC on
# top, narrated), its captures decode clean and are byte-identical for the
# same seed (and differ for another), the storm scenario is stopped with a
# report, storm-stp's spanning tree prevents it (BPDUs read by decode and
# tshark), a topology file runs, and bad input fails with one line naming the
# file position. The other scenarios have their own tests (tests/scenario/).
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
expect "udp echo"       'UDP echo server b:9000: echoed 2 datagrams' "$out"
expect "udp echo back"  'UDP a -> 10\.0\.2\.20:9000: sent 2, got back 2$' "$out"
expect "refused"        'UDP a -> 10\.0\.2\.20:9999: sent 1, got back 0; connection refused' "$out"
expect "handshake 1"    'a -> sw1  TCP      10\.0\.1\.10:[0-9]+ > 10\.0\.2\.20:80  SYN \(handshake 1/3' "$out"
expect "handshake 2"    'b -> sw2  TCP      10\.0\.2\.20:80 > 10\.0\.1\.10:[0-9]+  SYN-ACK \(handshake 2/3' "$out"
expect "handshake 3"    'a -> sw1  TCP      10\.0\.1\.10:[0-9]+ > 10\.0\.2\.20:80  ACK \(handshake 3/3: connected\)' "$out"
expect "http request"   '\| HTTP request: GET / HTTP/1\.1$' "$out"
expect "http response"  '\| HTTP response: HTTP/1\.1 200 OK$' "$out"
expect "json request"   '\| JSON: \{"id":1,"jsonrpc":"2\.0","method":"time"\}$' "$out"
# The four-way close, as four segments (c's JSON-RPC connection to t), and
# TIME-WAIT on the side that closed first.
expect "close 1/4"      'c -> sw1  TCP      10\.0\.1\.11:[0-9]+ > 10\.0\.2\.30:7000  FIN \(close 1/4: I have nothing more to send\)  seq' "$out"
expect "close 2/4"      't -> sw2  TCP      10\.0\.2\.30:7000 > 10\.0\.1\.11:[0-9]+  ACK of FIN \(close 2/4: I got your FIN\)' "$out"
expect "close 3/4"      't -> sw2  TCP      10\.0\.2\.30:7000 > 10\.0\.1\.11:[0-9]+  FIN \(close 3/4: I have nothing more to send either\)  seq' "$out"
expect "close 4/4"      'c -> sw1  TCP      10\.0\.1\.11:[0-9]+ > 10\.0\.2\.30:7000  ACK of FIN \(close 4/4: I got your FIN; the connection is closed both ways\)' "$out"
expect "time-wait"      '---- c: 10\.0\.1\.11:[0-9]+ <-> 10\.0\.2\.30:7000 enters TIME-WAIT \(FIN-WAIT-2 -> TIME-WAIT\): it closed first' "$out"
expect "end states"     '^  t 10\.0\.2\.30:7000 <-> 10\.0\.1\.11:[0-9]+: CLOSED \(from LAST-ACK at [0-9.]+\): closed cleanly$' "$out"
expect "end time-wait"  '^  c 10\.0\.1\.11:[0-9]+ <-> 10\.0\.2\.30:7000: TIME-WAIT \(from FIN-WAIT-2 at [0-9.]+\)' "$out"
grep -q 'LAST-ACK: ' <<<"$out" && { echo "FAIL: a connection is said to have ended in LAST-ACK"; fail=1; }
# Window scaling: the option in the SYNs, scaled windows after.
expect "wscale"         'SYN \(handshake 1/3.*  wscale 7 \(my later windows count in units of 128 bytes' "$out"
expect "scaled window"  'ACK \(handshake 3/3: connected\)  seq 1  ack 1  win 512 \(x128 = 65536\)$' "$out"
expect "tcp tally"      '3 TCP handshakes, 6 FINs, 0 retransmitted segments' "$out"
expect "page fetched"   '^GET http://10\.0\.2\.20/ from a: HTTP/1\.1 200 OK, 58 bytes of body' "$out"
expect "time decoded"   '^JSON-RPC time from c to 10\.0\.2\.30:7000: .*"result":"2026-01-01 00:00:06".* -> decoded as a date: 2026-01-01T00:00:06Z' "$out"
expect "echo"           '^JSON-RPC echo from c .*"result":\["a date travels as text","2026-01-01T00:00:07Z"\]' "$out"
if grep -q '\^ not what' <<<"$out"; then echo "FAIL: an application did not do what campus.toml expects"; fail=1; fi
expect "counters"       '^router r' "$out"
n=$(ls "$tmp/one/campus"/*.pcapng 2>/dev/null | wc -l)
[ "$n" -eq 6 ] || { echo "FAIL: expected 6 pcapng files (one per link), found $n"; fail=1; }
for f in "$tmp/one/campus"/*.pcapng; do
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
  for f in "$tmp/one/campus"/*.pcapng; do
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
# `run` executes itself again with glibc's malloc on huge pages (main.cpp);
# the pages change nothing of the output, nor do tunables set before.
WIRESTACK_NO_HUGE_PAGES=1 "$ws" run campus --out "$tmp/four" --seed 7 --quiet >"$tmp/four.txt"
GLIBC_TUNABLES=glibc.malloc.perturb=0 "$ws" run campus --out "$tmp/five" --seed 7 --quiet >"$tmp/five.txt"
diff -r "$tmp/one/campus" "$tmp/four/campus" >/dev/null || { echo "FAIL: huge pages or not, different captures"; fail=1; }
diff -r "$tmp/one/campus" "$tmp/five/campus" >/dev/null || { echo "FAIL: with other tunables, different captures"; fail=1; }
diff <(sed "s|$tmp/four|OUT|" "$tmp/four.txt") <(sed "s|$tmp/five|OUT|" "$tmp/five.txt") >/dev/null ||
  { echo "FAIL: huge pages or not, different output"; fail=1; }

out=$("$ws" run storm --out "$tmp/storm" --quiet) || { echo "FAIL: run storm exited $?"; fail=1; }
expect "storm" 'broadcast storm: switch sw[12] flooded .* the topology has a loop' "$out"

if command -v tshark >/dev/null; then
  for f in "$tmp/storm/storm"/*.pcapng; do
    bad=$(tshark_bad "$f")
    [ "$bad" -eq 0 ] || { echo "FAIL: tshark flags $bad frames in storm/$(basename "$f")"; fail=1; }
  done
fi

# The same loop with spanning tree: no storm, pings answered, and the BPDUs
# in the captures are read as STP by `wirestack decode` and by tshark.
out=$("$ws" run storm-stp --out "$tmp/stp" --quiet) || { echo "FAIL: run storm-stp exited $?"; fail=1; }
expect "stp pings" '^ping after the tree reconverged:  3 packets transmitted, 3 received' "$out"
expect "stp state" '^sw2: spanning tree root 1000\.02:57:42:00:10:00 at cost 19 through port 2' "$out"
grep -q "broadcast storm" <<<"$out" && { echo "FAIL: storm-stp reports a storm"; fail=1; }
loop="$tmp/stp/storm-stp/sw1-port2--sw2-port2.pcapng"
out=$("$ws" decode "$loop") || { echo "FAIL: decode of the STP capture exited $?"; fail=1; }
expect "decode stp" 'STP +STP 802\.1d, Config, Flags \[none\], bridge-id 1000\.02:57:42:00:10:00\.8003, root-id 1000\.02:57:42:00:10:00, root-pathcost 0' "$out"
expect "decode tcn" 'STP +STP 802\.1d, Topology Change$' "$out"
expect "decode sum" '^[0-9]+ frames, 0 malformed, .*STP [1-9]' "$out"
if command -v tshark >/dev/null; then
  [ "$(tshark_bad "$loop")" -eq 0 ] || { echo "FAIL: tshark flags frames in the STP capture"; fail=1; }
  conf=$(tshark -r "$loop" -Y 'stp.type == 0x00 && stp.root.hw == 02:57:42:00:10:00 && stp.root.prio == 4096 && stp.port == 0x8003 && stp.forward == 4' 2>/dev/null | wc -l)
  [ "$conf" -gt 5 ] || { echo "FAIL: tshark reads $conf configuration BPDUs from sw1 in the STP capture"; fail=1; }
  tcn=$(tshark -r "$loop" -Y 'stp.type == 0x80' 2>/dev/null | wc -l)
  [ "$tcn" -ge 1 ] || { echo "FAIL: tshark reads no topology change notification"; fail=1; }
fi

out=$("$ws" scenarios)
for s in campus campus6 lossy codel synflood spike storm storm-stp; do expect "list $s" "^$s +[a-z0-9]" "$out"; done
[ "$(wc -l <<<"$out")" -eq 8 ] || { echo "FAIL: scenarios lists $(wc -l <<<"$out") lines, not 8"; fail=1; }

out=$("$ws" run nosuch 2>&1); rc=$?
[ $rc -ne 0 ] || { echo "FAIL: unknown scenario exited 0"; fail=1; }
expect "unknown scenario" "^wirestack run: no scenario named 'nosuch'; \`wirestack scenarios\` lists them$" "$out"
[ "$(wc -l <<<"$out")" -eq 1 ] || { echo "FAIL: unknown scenario: more than one line"; fail=1; }

# A topology file of the user's: it runs, and a mistake in it names the place.
cat >"$tmp/pair.toml" <<'EOF'
[[host]]
name = "x"
[[host]]
name = "y"
[[link]]
from = "x"
from_address = "192.168.5.1/24"
to = "y"
to_address = "192.168.5.2/24"
[[app]]
type = "ping"
host = "x"
to = "192.168.5.2"
count = 2
EOF
out=$("$ws" run "$tmp/pair.toml" --out "$tmp/pair" --quiet) || { echo "FAIL: run pair.toml exited $?"; fail=1; }
expect "file runs" '^ping 192\.168\.5\.2 from x:  2 packets transmitted, 2 received' "$out"
[ -f "$tmp/pair/pair/x-eth0--y-eth0.pcapng" ] || { echo "FAIL: no capture for pair.toml in $tmp/pair/pair/"; ls -R "$tmp/pair"; fail=1; }
sed -i 's|192.168.5.2/24|192.168.5.256/24|' "$tmp/pair.toml"
out=$("$ws" run "$tmp/pair.toml" 2>&1); rc=$?
[ $rc -eq 2 ] || { echo "FAIL: a bad file exited $rc, not 2"; fail=1; }
expect "bad file" "^wirestack run: $tmp/pair\.toml:9:14: link: IPv4 address '192\.168\.5\.256': part '256' is greater than 255$" "$out"

# Mistakes in how the network fits together (a gateway or route off every
# network, a network address on a card; the loader's checks) are usage
# errors too: status 2, one line naming the place, no narrative, no captures
# left behind.
build_error() {  # build_error DESCRIPTION SED-EXPRESSION PATTERN
  cp "$tmp/pair.toml" "$tmp/bad.toml"
  sed -i "$2" "$tmp/bad.toml"
  out=$("$ws" run "$tmp/bad.toml" --out "$tmp/bad" 2>&1); rc=$?
  [ $rc -eq 2 ] || { echo "FAIL: $1: exited $rc, not 2"; fail=1; }
  [ "$(wc -l <<<"$out")" -eq 1 ] || { echo "FAIL: $1: more than one line: $out"; fail=1; }
  expect "$1" "$3" "$out"
  [ -e "$tmp/bad/bad" ] && { echo "FAIL: $1: left $tmp/bad/bad behind"; fail=1; }
}
sed -i 's|192.168.5.256/24|192.168.5.2/24|' "$tmp/pair.toml"
build_error "gateway off the networks" 's|^name = "x"$|name = "x"\ngateway = "10.9.9.9"|' \
  "^wirestack run: $tmp/bad\.toml:3:11: host 'x': gateway 10\.9\.9\.9 is on none of its networks \(192\.168\.5\.0/24\): a next hop must be on one of them$"
build_error "route via a stranger" 's|^name = "x"$|name = "x"\nroutes = [{ to = "10.9.0.0/16", via = "10.0.1.2" }]|' \
  "^wirestack run: $tmp/bad\.toml:3:11: host 'x': route to 10\.9\.0\.0/16 via 10\.0\.1\.2 is on none of its networks \(192\.168\.5\.0/24\): a next hop must be on one of them$"
build_error "network address" 's|192.168.5.2/24|192.168.5.0/24|' \
  "^wirestack run: $tmp/bad\.toml:9:14: link: 192\.168\.5\.0/24 is the network address of its subnet, not a card's"

# Per-host TCP congestion control: a known name runs, an unknown one names
# the place and the known ones.
cat >"$tmp/cc.toml" <<'EOF'
[[host]]
name = "x"
congestion = "cubic"
[[host]]
name = "y"
[[link]]
from = "x"
from_address = "192.168.6.1/24"
to = "y"
to_address = "192.168.6.2/24"
[[app]]
type = "ping"
host = "x"
to = "192.168.6.2"
count = 1
EOF
out=$("$ws" run "$tmp/cc.toml" --out "$tmp/cc" --quiet) || { echo "FAIL: run cc.toml exited $?"; fail=1; }
expect "congestion file runs" '^ping 192\.168\.6\.2 from x:  1 packets transmitted, 1 received' "$out"
sed -i 's|congestion = "cubic"|congestion = "vegas"|' "$tmp/cc.toml"
out=$("$ws" run "$tmp/cc.toml" 2>&1); rc=$?
[ $rc -eq 2 ] || { echo "FAIL: an unknown congestion control exited $rc, not 2"; fail=1; }
expect "bad congestion" "^wirestack run: $tmp/cc\.toml:3:14: host: 'congestion' = \"vegas\": unknown congestion control 'vegas' \(known: newreno, cubic, bbr\)$" "$out"
[ "$(wc -l <<<"$out")" -eq 1 ] || { echo "FAIL: bad congestion: more than one line: $out"; fail=1; }

[ $fail -eq 0 ] && echo "run CLI: all expectations met"
exit $fail
