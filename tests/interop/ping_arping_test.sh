#!/usr/bin/env bash
# tests/interop/ping_arping_test.sh WIRESTACK — Linux ping and arping get
# answers from our stack, and the kernel's neighbour table learns our MAC.
source "$(dirname "$0")/lib.sh"
interop_init "$1" ping arping
ws_start tap --seconds 30

out=$(timeout 15 ip netns exec "$NS" ping -c 3 -i 0.2 -W 2 "$OUR_IP" 2>&1)
expect "ping" '3 packets transmitted, 3 received, 0% packet loss' "$out"
expect "ping ttl" "bytes from $OUR_IP: icmp_seq=1 ttl=64" "$out"
neigh=$(in_ns ip neigh show "$OUR_IP" dev "$TAP")
expect "neighbour table" "lladdr $OUR_MAC" "$neigh"
out=$(timeout 15 ip netns exec "$NS" arping -c 2 -w 5 -I "$TAP" "$OUR_IP" 2>&1)
expect "arping" 'Received 2 response' "$out"
expect "arping MAC" "reply from $OUR_IP \[$OUR_MAC\]" "$out"

ws_stop
log=$(cat "$WS_LOG")
expect "echo replies counted" '^icmp .*tx_echo_reply 3' "$log"
finish
