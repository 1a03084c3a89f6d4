#!/usr/bin/env bash
# tests/cli/decode_test.sh WIRESTACK — the `decode` subcommand end to end:
# the real Linux captures (IPv4 and IPv6) decode clean, every broken frame of malformed.pcap is
# named with its layer and reason, and bad invocations fail with one clear line.
# Exit status: 0 clean, 1 some frame MALFORMED, 2 the capture cannot be read.
set -u
ws=$1
data=$(dirname "$0")/../data
fail=0
expect() {  # expect DESCRIPTION PATTERN TEXT
  if ! grep -qE -- "$2" <<<"$3"; then echo "FAIL: $1: no line matches /$2/"; fail=1; fi
}

out=$("$ws" decode "$data/linux.pcap") || { echo "FAIL: decode linux.pcap exited $?"; fail=1; }
expect "summary" '^69 frames, 0 malformed' "$out"
expect "ARP"     'network +ARP +ARP, Request who-has 10\.99\.0\.2 tell 10\.99\.0\.1' "$out"
expect "SYN"     'transport +TCP +44132 > 5000: Flags \[S\], seq 3457227489, win 64240, options \[mss 1460,sackOK,TS val 2759621919 ecr 0,nop,wscale 10\], length 0, checksum 0x6dc8 ok' "$out"
expect "frag"    'offset 1480, proto ICMP' "$out"
expect "unreach" 'ICMP 10\.99\.0\.2 udp port 9 unreachable' "$out"
expect "SACK"    'sack 1 \{' "$out"

out=$("$ws" decode "$data/linux6.pcap") || { echo "FAIL: decode linux6.pcap exited $?"; fail=1; }
expect "v6 summary" '^54 frames, 0 malformed' "$out"
expect "hop-by-hop" 'network +HopOpts +hop-by-hop options, length 8: router alert 0, padn 2, next-header ICMPv6 \(58\)' "$out"
expect "v6 frag"    'network +Fragment +frag \(0x[0-9a-f]+:1448, more\), next-header ICMPv6 \(58\)' "$out"
expect "v6 unreach" 'ICMP6, destination unreachable, unreachable port, 2001:db8:99::2 udp port 9' "$out"
expect "RA options" 'router advertisement, .*\[source link-address 02:00:00:99:06:02, mtu 1500, prefix 2001:db8:77::/64 L A valid 86400s pref 14400s\]' "$out"

out=$("$ws" decode "$data/malformed.pcap"); rc=$?
[ $rc -eq 1 ] || { echo "FAIL: decode malformed.pcap exited $rc, not 1"; fail=1; }
expect "summary"     '^8 frames, 7 malformed' "$out"
expect "ip checksum" 'MALFORMED +IPv4 +checksum mismatch \(header says 0x9f42, should be 0x6042\)' "$out"
expect "tcp checksum" 'MALFORMED +TCP +checksum mismatch' "$out"
expect "ip length"   'MALFORMED +IPv4 +length beyond buffer' "$out"
expect "ihl"         'MALFORMED +IPv4 +header length out of range' "$out"
expect "tcp option"  'MALFORMED +TCP +bad option length' "$out"
expect "arp"         'MALFORMED +ARP +truncated' "$out"
expect "udp"         'MALFORMED +UDP +checksum mismatch' "$out"
expect "vlan"        'vlan 42 p 0, ethertype IPv4' "$out"

"$ws" decode -q -c 1 "$data/malformed.pcap" >/dev/null; rc=$?
[ $rc -eq 1 ] || { echo "FAIL: decode -c 1 malformed.pcap (its first frame is broken) exited $rc, not 1"; fail=1; }

out=$("$ws" decode /nonexistent.pcap 2>&1); rc=$?
[ $rc -eq 2 ] || { echo "FAIL: missing file exited $rc, not 2"; fail=1; }
expect "missing file" "^wirestack decode: cannot open capture '/nonexistent.pcap'" "$out"

out=$("$ws" decode "$0" 2>&1); rc=$?
[ $rc -eq 2 ] || { echo "FAIL: non-pcap file exited $rc, not 2"; fail=1; }
expect "not a capture" "cannot open capture" "$out"

# A capture cut short in the middle of a record cannot be read to the end.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
head -c 100 "$data/linux.pcap" >"$tmp/cut.pcap"
out=$("$ws" decode -q "$tmp/cut.pcap" 2>&1); rc=$?
[ $rc -eq 2 ] || { echo "FAIL: a capture cut short exited $rc, not 2 ($out)"; fail=1; }

out=$("$ws" decode -c 0 "$data/linux.pcap" 2>&1); rc=$?
[ $rc -eq 2 ] || { echo "FAIL: -c 0 exited $rc, not 2"; fail=1; }
expect "count 0" "^wirestack decode: --count: expected a number more than 0, got '0'$" "$out"

[ $fail -eq 0 ] && echo "decode CLI: all expectations met"
exit $fail
