#!/usr/bin/env bash
# tests/interop/ipv6_scapy_test.sh WIRESTACK — scapy sends our stack IPv6
# that a well-behaved node never sends (tests/interop/ipv6_scapy_probe.py,
# layer-2 frames on the kernel's side of the TAP): extension-header chains
# too long or looping back to Hop-by-Hop, too many options, too much
# padding, a first fragment without the whole TCP header, overlapping tiny
# fragments, Neighbor Solicitations and a Router Advertisement with a hop
# limit below 255, a Router Advertisement from a global source. None is
# answered as a good packet; each shows in the stack's counters (ipv6
# chain_drops, reassembly_drops; icmpv6 nd_bad_hop_limit, ra_bad_source);
# the stack still answers the kernel's ping -6 and serves TCP afterwards.
source "$(dirname "$0")/lib.sh"
interop_init "$1" ping
"$PY" -c 'import scapy.all' 2>/dev/null || skip "python3-scapy is not installed for $PY (scripts/setup.sh installs it)"
ipv6_init
# scapy's SYN (source port 4000) is unknown to the kernel: a SYN-ACK of ours would be reset; none may come anyway.
ws_start tap --ip "$OUR_IP6/$PREFIX6" --tcp-echo 7 --seconds 50
ws_await_dad "$OUR_IP6"

out=$(timeout 40 ip netns exec "$NS" "$PY" "$(dirname "$0")/ipv6_scapy_probe.py" "$TAP" "$OUR_IP6" "$OUR_LL" "$OUR_MAC" \
  "$KERNEL_IP6" "$KERNEL_LL" 2>&1)
rc=$?
echo "$out"
[ "$rc" = 0 ] || fail "ipv6_scapy_probe.py exited $rc"
[ "$(grep -c '^ok ' <<<"$out")" -ge 10 ] || fail "fewer than 10 probe checks passed"

out=$(in_ns ping -6 -c 2 -i 0.2 -W 2 "$OUR_IP6" 2>&1)
expect "ping -6 after the probes" "^2 packets transmitted, 2 received" "$out"
out=$(echo "still here" | timeout 10 ip netns exec "$NS" nc -6 -N "$OUR_IP6" 7 2>&1)
expect "TCP echo after the probes" "^still here$" "$out"

ws_stop
for c in "ipv6 chain_drops 5" "ipv6 reassembly_drops 1" "icmpv6 nd_bad_hop_limit 3" "icmpv6 ra_bad_source 1"; do
  read -r layer name least <<<"$c"
  v=$(counter "$layer" "$name")
  echo "$layer $name $v (at least $least)"
  [ "$v" -ge "$least" ] || fail "$layer $name is $v, expected at least $least"
done
grep -q "2001:db8:99:.* passed DAD" "$WS_LOG" && fail "an address was formed from a refused Router Advertisement"
finish
