#!/usr/bin/env bash
# tests/interop/tcp_loss_test.sh WIRESTACK — 50 MiB through our --tcp-echo
# with a bad path between the kernel and us: both come out equal (SHA-256).
#
# With the netem qdisc (tc) the kernel's side of the TAP gets 5% loss, 10 ms
# delay, reordering and 1% duplication, as the issue asks. Kernels built
# without sch_netem (this one's CI machine among them) get the part nftables
# can do instead: 5% random loss in each direction (numgen random), which
# exercises both our retransmissions and the kernel's; the test says loudly
# which impairments were applied.
source "$(dirname "$0")/lib.sh"
interop_init "$1" nft
ws_start tap --tcp-echo 7 --seconds 170

if in_ns tc qdisc add dev "$TAP" root netem loss 5% delay 10ms reorder 25% 50% duplicate 1% 2>"$WORK/tc.err"; then
  echo "impairment: netem on the kernel side: loss 5%, delay 10 ms, reorder 25%, duplicate 1%"
  mode=netem
else
  echo "***** NOTE: netem is not available here ($(cat "$WORK/tc.err")): *****"
  echo "***** falling back to nftables: 5% random loss each way; no delay, reordering or duplication *****"
  in_ns nft add table inet wsloss
  in_ns nft add chain inet wsloss out '{ type filter hook output priority 0; }'
  in_ns nft add chain inet wsloss in '{ type filter hook input priority 0; }'
  in_ns nft add rule inet wsloss out ip daddr "$OUR_IP" tcp dport 7 numgen random mod 100 '<' 5 counter drop
  in_ns nft add rule inet wsloss in ip saddr "$OUR_IP" tcp sport 7 numgen random mod 100 '<' 5 counter drop
  mode=nft
fi

out=$(timeout 150 ip netns exec "$NS" "$PY" "$(dirname "$0")/tcp_echo_client.py" "$OUR_IP" 7 $((50 * 1024 * 1024)) 2>&1)
echo "$out"
sent=$(awk '/^sent /{print $2}' <<<"$out")
got=$(awk '/^got /{print $2}' <<<"$out")
[ -n "$sent" ] && [ "$sent" = "$got" ] || fail "50 MiB echo through loss: sha256 differs (sent $sent, got $got)"
expect "50 MiB echoed" "^got [0-9a-f]{64} 52428800$" "$out"
if [ "$mode" = nft ]; then
  drops=$(in_ns nft list table inet wsloss | grep -oE 'packets [0-9]+' | awk '{s += $2} END {print s + 0}')
  echo "nftables dropped $drops segments"
  [ "$drops" -gt 100 ] || fail "the impairment dropped only $drops segments: the test proved nothing"
fi

ws_stop
log=$(cat "$WS_LOG")
expect "echo count" '^tcp_echo port 7 connections 1 bytes 52428800$' "$log"
finish
