#!/usr/bin/env bash
# tests/interop/ipv6_test.sh WIRESTACK — IPv6 between the Linux kernel and
# our stack on a TAP device (`wirestack tap --ip 10.77.0.2/24 --ip
# 2001:db8:77::2/64`): our DAD passes on both our addresses (the link-local
# one formed from our MAC as in the simulator); the kernel's `ping -6`
# reaches the global address and the link-local one (%dev); the kernel's
# neighbour table learns our MAC (`ip -6 neigh`); curl -g fetches our HTTP
# page over IPv6; 50 MiB through our TCP echo with the kernel's nc -6 come
# back with an equal SHA-256; UDP datagrams bigger than the MTU are echoed
# whole (fragmented both ways, reassembled both ways); the JSON-RPC service
# answers over IPv6. Then our DAD against an address the kernel holds: the
# stack reports the duplicate, never uses it, and a client refuses to run.
source "$(dirname "$0")/lib.sh"
interop_init "$1" ping curl nc sha256sum
ipv6_init

ws_start tap --ip "$OUR_IP6/$PREFIX6" --tcp-echo 7 --udp-echo 7777 --http 8080 --json 7000 --seconds 50
ws_await_dad "$OUR_IP6"
[ -n "$OUR_LL" ] || fail "no link-local address in our start-up line: $(head -1 "$WS_LOG")"
# The modified EUI-64 of 02:77:00:00:00:02 (RFC 4291 appendix A), as a simulated card forms it.
[ "$OUR_LL" = "fe80::77:ff:fe00:2" ] || fail "link-local $OUR_LL is not fe80::/64 + the modified EUI-64 of $OUR_MAC"

out=$(in_ns ping -6 -c 3 -i 0.2 -W 2 "$OUR_IP6" 2>&1)
echo "$out" | tail -2
expect "ping -6 to our global address" "^3 packets transmitted, 3 received" "$out"
out=$(in_ns ping -6 -c 3 -i 0.2 -W 2 "$OUR_LL%$TAP" 2>&1)
echo "$out" | tail -2
expect "ping -6 to our link-local address" "^3 packets transmitted, 3 received" "$out"

neigh=$(in_ns ip -6 neigh show dev "$TAP")
echo "kernel's neighbours: $(tr '\n' ';' <<<"$neigh")"
expect "the kernel learnt our global address" "^$OUR_IP6 lladdr $OUR_MAC (REACHABLE|STALE|DELAY|PROBE)" "$neigh"
expect "the kernel learnt our link-local address" "^$OUR_LL lladdr $OUR_MAC (REACHABLE|STALE|DELAY|PROBE)" "$neigh"

page=$(in_ns curl -g -s -m 5 "http://[$OUR_IP6]:8080/")
expect "curl -g 'http://[$OUR_IP6]:8080/': our page" '<html lang="en">' "$page"
page=$(in_ns curl -g -s -m 5 "http://[$OUR_IP6]:8080/stats")
expect "curl -g over IPv6: our counters, as JSON" '"connections"' "$page"

head -c $((50 * 1024 * 1024)) /dev/urandom >"$WORK/data"
want=$(sha256sum <"$WORK/data" | cut -d' ' -f1)
got=$(timeout 40 ip netns exec "$NS" nc -6 -N "$OUR_IP6" 7 <"$WORK/data" | sha256sum | cut -d' ' -f1)
echo "nc -6, 50 MiB through our echo: sent $want, got $got"
[ "$want" = "$got" ] || fail "50 MiB through our TCP echo over IPv6: SHA-256 differs"

out=$(timeout 20 ip netns exec "$NS" "$PY" - "$OUR_IP6" <<'PY' 2>&1
import os, socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(3)
ok = 0
for size in (1200, 1600, 3000, 9000, 30000):  # over 1452: fragmented by the kernel, and by us on the way back
    data = os.urandom(size)
    s.sendto(data, (sys.argv[1], 7777))
    try:
        back, _ = s.recvfrom(65536)
        ok += back == data
    except socket.timeout:
        print("no echo of", size)
print("udp echoed", ok, "of 5")
PY
)
echo "$out"
expect "UDP echo with fragments" "^udp echoed 5 of 5$" "$out"

out=$(timeout 10 ip netns exec "$NS" "$PY" "$(dirname "$0")/../msg/jsonrpc_client.py" "$OUR_IP6" 7000 echo '["over IPv6"]' 2>&1)
expect "JSON-RPC over IPv6" '"result": ?\["over IPv6"\]' "$out"

ws_stop
frag_in=$(counter ipv6 reassembled)
frag_out=$(counter ipv6 fragments_tx)
echo "our stack: ipv6 reassembled $frag_in, fragments_tx $frag_out, icmpv6 dad_succeeded $(counter icmpv6 dad_succeeded)"
[ "$frag_in" -ge 4 ] || fail "we reassembled $frag_in datagrams (4 were fragmented by the kernel)"
[ "$frag_out" -ge 8 ] || fail "we sent $frag_out fragments (4 echoes over the MTU)"
[ "$(counter icmpv6 dad_succeeded)" = 2 ] || fail "DAD did not pass on both addresses"

# DAD against an address the kernel holds: a duplicate, reported, not used.
DUP=2001:db8:77::3
in_ns ip -6 addr add "$DUP/$PREFIX6" dev "$TAP" nodad
ws_start tap --ip "$DUP/$PREFIX6" --udp-echo 7777 --seconds 20
for _ in $(seq 1 50); do grep -q "is a duplicate" "$WS_LOG" && break; sleep 0.1; done
expect "our DAD found the kernel's address" "^wirestack tap: $DUP is a duplicate" "$(cat "$WS_LOG")"
ws_stop
[ "$(counter icmpv6 dad_duplicates)" = 1 ] || fail "icmpv6 dad_duplicates is not 1"
# A client wanting that address says so and does not run (exit 1).
rc=0
err=$(timeout 10 ip netns exec "$NS" "$WS" ping --dev "$TAP" --ip "$DUP/$PREFIX6" --mac "$OUR_MAC" -c 1 "$KERNEL_IP6" 2>&1 >/dev/null) || rc=$?
echo "wirestack ping from a duplicate address: exit $rc: $err"
[ "$rc" = 1 ] || fail "wirestack ping from a duplicate address: exit $rc, not 1"
expect "the client reports the duplicate" "$DUP is a duplicate" "$err"
finish
