#!/usr/bin/env bash
# tests/interop/ping_arping_test.sh WIRESTACK — Linux ping and arping get
# answers from our stack, and the kernel's neighbour table learns our MAC.
source "$(dirname "$0")/lib.sh"
interop_init "$1" ping arping
ws_start tap --seconds 30

in_ns ip neigh flush dev "$TAP"  # the kernel resolves us now, with its first ping
out=$(timeout 15 ip netns exec "$NS" ping -c 3 -i 0.2 -W 2 "$OUR_IP" 2>&1)
expect "ping" '3 packets transmitted, 3 received, 0% packet loss' "$out"
expect "ping ttl" "bytes from $OUR_IP: icmp_seq=1 ttl=64" "$out"
# The kernel's first ARP request got our reply at once: its first echo
# waited for no retry (which comes after 1 s: replies of 1001/801/600 ms).
first_ms=$(sed -n 's/.*icmp_seq=1 .*time=\([0-9.]*\) ms.*/\1/p' <<<"$out")
awk -v t="${first_ms:-9999}" 'BEGIN { exit !(t < 500) }' ||
  fail "the kernel's first ping took ${first_ms:-?} ms: its first ARP request or our reply was lost or late:
$out
$(cat "$WS_LOG")"
if grep -q 'again .* after we answered' "$WS_LOG"; then fail "the kernel asked for us twice: $(cat "$WS_LOG")"; fi
neigh=$(in_ns ip neigh show "$OUR_IP" dev "$TAP")
expect "neighbour table" "lladdr $OUR_MAC" "$neigh"
out=$(timeout 15 ip netns exec "$NS" arping -c 2 -w 5 -I "$TAP" "$OUR_IP" 2>&1)
expect "arping" 'Received 2 response' "$out"
expect "arping MAC" "reply from $OUR_IP \[$OUR_MAC\]" "$out"

ws_stop
log=$(cat "$WS_LOG")
expect "echo replies counted" '^icmp .*tx_echo_reply 3' "$log"
finish
