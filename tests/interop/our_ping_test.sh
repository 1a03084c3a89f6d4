#!/usr/bin/env bash
# tests/interop/our_ping_test.sh WIRESTACK — `wirestack ping` reaches the
# kernel's address (ARP first) and, with --gateway, an address beyond our
# prefix; exits 0. A host nobody has: "Destination Host Unreachable", exit 1;
# ^C ends an endless ping with its summary; a missing prefix is one line.
source "$(dirname "$0")/lib.sh"
interop_init "$1"

rc=0
out=$(timeout 20 ip netns exec "$NS" "$WS" ping --dev "$TAP" --ip "$OUR_IP/$PREFIX" --mac "$OUR_MAC" -c 3 -i 0.2 \
  "$KERNEL_IP" 2>&1) || rc=$?
[ "$rc" = 0 ] || fail "wirestack ping exited $rc"
expect "banner" "^PING $KERNEL_IP \($KERNEL_IP\) 56\(84\) bytes of data" "$out"
expect "reply line" "^64 bytes from $KERNEL_IP: icmp_seq=1 ttl=64 time=[0-9.]+ ms" "$out"
expect "summary" '^3 packets transmitted, 3 received, 0% packet loss' "$out"
expect "rtt" '^rtt min/avg/max/mdev = ' "$out"
# A new stack knows no MAC: its first echo request waits for ARP, whose
# first request goes out at once and is answered; a retry (after 1 s) would
# be printed and make the first reply a second late.
first_ms=$(sed -n 's/.*icmp_seq=1 .*time=\([0-9.]*\) ms.*/\1/p' <<<"$out")
awk -v t="${first_ms:-9999}" 'BEGIN { exit !(t < 500) }' || fail "the first reply took ${first_ms:-?} ms: $out"
if grep -q 'ARP: ' <<<"$out"; then fail "the first ARP request was not answered at once: $out"; fi

# Nobody has 10.77.0.77 until 1.5 s from now: the stack's first two ARP
# requests go unanswered, and it says so as it happens, then says when and
# after how many requests the answer came.
( sleep 1.5; in_ns ip addr add 10.77.0.77/32 dev lo ) &
adder=$!
rc=0
out=$(timeout 20 ip netns exec "$NS" "$WS" ping --dev "$TAP" --ip "$OUR_IP/$PREFIX" -c 1 -W 3 10.77.0.77 2>&1) || rc=$?
wait "$adder"
in_ns ip addr del 10.77.0.77/32 dev lo
[ "$rc" = 0 ] || fail "ping to a late address exited $rc: $out"
expect "first request unanswered" '^wirestack ping: ARP: 10\.77\.0\.77 has not answered in 1\.0[0-9]{2} s: request 2 sent' "$out"
expect "second request unanswered" '^wirestack ping: ARP: 10\.77\.0\.77 has not answered in 2\.0[0-9]{2} s: request 3 sent' "$out"
expect "late answer" "^wirestack ping: ARP: 10\\.77\\.0\\.77 is at [0-9a-f:]{17} \\(answered 2\\.[0-9]{3} s after the first of 3 requests" "$out"
expect "late reply" '^64 bytes from 10\.77\.0\.77: icmp_seq=1 ttl=64 time=2[0-9]{3}' "$out"

# Through --gateway: 10.77.0.200 is the kernel's too, but outside our /25,
# so our stack must send to the gateway's MAC.
in_ns ip addr add 10.77.0.200/32 dev lo
rc=0
out=$(timeout 20 ip netns exec "$NS" "$WS" ping --dev "$TAP" --ip "$OUR_IP/25" --gateway "$KERNEL_IP" -c 2 -i 0.2 \
  10.77.0.200 2>&1) || rc=$?
[ "$rc" = 0 ] || fail "wirestack ping via the gateway exited $rc"
expect "via gateway" '^2 packets transmitted, 2 received, 0% packet loss' "$out"

# Nobody has 10.77.0.9: ARP gives up after ~3 s, ping says so and exits 1.
rc=0
out=$(timeout 30 ip netns exec "$NS" "$WS" ping --dev "$TAP" --ip "$OUR_IP/$PREFIX" -c 1 -W 6 10.77.0.9 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "ping to a missing host exited $rc, expected 1"
expect "unreachable" "^From $OUR_IP icmp_seq=1 Destination Host Unreachable" "$out"
expect "no reply" '^1 packets transmitted, 0 received, \+1 errors, 100% packet loss' "$out"

# ^C (SIGINT) ends an endless ping with its summary and status 0.
ip netns exec "$NS" "$WS" ping --dev "$TAP" --ip "$OUR_IP/$PREFIX" -i 0.2 "$KERNEL_IP" >"$WORK/endless" 2>&1 &
pid=$!
STARTED_PIDS+=("$pid")
for _ in $(seq 1 50); do grep -q 'icmp_seq=2 ' "$WORK/endless" 2>/dev/null && break; sleep 0.1; done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 0 ] || fail "ping after SIGINT exited $rc"
expect "summary after ^C" ' received, 0% packet loss' "$(cat "$WORK/endless")"

# Impossible requests: one line, non-zero status.
rc=0
out=$(ip netns exec "$NS" "$WS" ping --dev "$TAP" --ip "$OUR_IP" -c 1 "$KERNEL_IP" 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "an address without a prefix was accepted"
[ "$(wc -l <<<"$out")" = 1 ] || fail "more than one line for a missing prefix: $out"
expect "missing prefix" "missing '/PREFIX'" "$out"
finish
