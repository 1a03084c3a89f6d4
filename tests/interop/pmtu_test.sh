#!/usr/bin/env bash
# tests/interop/pmtu_test.sh WIRESTACK — path MTU discovery (RFC 1191)
# against the Linux kernel as a router: our stack on the TAP sends 2 MiB
# with `wirestack nc` to a python3 sink in a second namespace, through the
# kernel, whose link on that side (a veth pair; MTU 1000 at the router's
# end, 1500 at the sink's, so the sink offers MSS 1460) has MTU 1000. Our segments
# carry DF, so the kernel answers the first full-sized ones with ICMP
# "fragmentation needed, next-hop MTU 1000" instead of fragmenting; our
# stack lowers its segment size and resends. Checked in our capture: every
# TCP segment from us has DF, none over 1000 bytes after the first ICMP, the
# kernel forwarded no fragment (its own counter), and the bytes arrive whole
# (SHA-256). Then the same with the TAP's offloads on (our TSO segments are
# cut by the kernel at the size we asked for).
source "$(dirname "$0")/lib.sh"
interop_init "$1" tshark

NS2="wsi2-$$"
VA="wsva$$"
VB="wsvb$$"
FAR_IP=10.78.0.2
cleanup_pmtu() {
  ip netns del "$NS2" 2>/dev/null
  cleanup
}
trap cleanup_pmtu EXIT
ip netns add "$NS2" 2>"$WORK/err" || skip "cannot create a second network namespace: $(cat "$WORK/err")"
in_ns ip link add "$VA" type veth peer name "$VB" netns "$NS2" 2>"$WORK/err" || skip "no veth in this kernel: $(cat "$WORK/err")"
in_ns sysctl -qw net.ipv4.ip_forward=1
in_ns ip addr add 10.78.0.1/24 dev "$VA"
in_ns ip link set "$VA" mtu 1000 up
ip netns exec "$NS2" ip addr add "$FAR_IP/24" dev "$VB"
ip netns exec "$NS2" ip link set "$VB" mtu 1500 up  # the sink offers MSS 1460: only the router knows of 1000
ip netns exec "$NS2" ip link set lo up
ip netns exec "$NS2" ip route add default via 10.78.0.1

head -c $((2 * 1024 * 1024)) /dev/urandom >"$WORK/data"
want=$(sha256sum "$WORK/data" | cut -d' ' -f1)

for mode in plain offload; do
  ready="$WORK/sink-$mode.ready"
  ip netns exec "$NS2" "$PY" - "$FAR_IP" "$ready" >"$WORK/sink-$mode.out" 2>&1 <<'PY' &
import hashlib, socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], 5009))
srv.listen(1)
srv.settimeout(30)
open(sys.argv[2], "w").close()
c, _ = srv.accept()
c.settimeout(30)
h = hashlib.sha256()
n = 0
while True:
    d = c.recv(65536)
    if not d:
        break
    h.update(d)
    n += len(d)
print("received", n, h.hexdigest())
PY
  sink=$!
  STARTED_PIDS+=("$sink")
  for _ in $(seq 1 50); do [ -e "$ready" ] && break; sleep 0.1; done
  [ -e "$ready" ] || { fail "the sink did not start: $(cat "$WORK/sink-$mode.out")"; continue; }
  fwd_frags_before=$(in_ns awk '/^Ip:/ && ++n == 2 {print $(NF-1)}' /proc/net/snmp)  # FragCreates
  extra=()
  [ "$mode" = plain ] && extra=(--no-offload)
  timeout 60 ip netns exec "$NS" "$WS" nc --dev "$TAP" --ip "$OUR_IP/$PREFIX" --mac "$OUR_MAC" --gateway "$KERNEL_IP" \
    --pcap "$WORK/$mode.pcap" "${extra[@]}" "$FAR_IP" 5009 <"$WORK/data" >"$WORK/nc-$mode.out" 2>"$WORK/nc-$mode.err" \
    || fail "$mode: wirestack nc failed: $(cat "$WORK/nc-$mode.err")"
  wait "$sink"
  out=$(cat "$WORK/sink-$mode.out")
  echo "$mode: $out"
  expect "$mode: 2 MiB arrived whole" "^received 2097152 $want$" "$out"
  fwd_frags_after=$(in_ns awk '/^Ip:/ && ++n == 2 {print $(NF-1)}' /proc/net/snmp)
  [ "$fwd_frags_after" = "$fwd_frags_before" ] || fail "$mode: the kernel fragmented what it forwarded (FragCreates $fwd_frags_before -> $fwd_frags_after)"
  cap="$WORK/$mode.pcap"
  # (!icmp: an ICMP error quotes our header; only our own segments count.)
  icmp_first=$(tshark -r "$cap" -Y "icmp.type == 3 && icmp.code == 4 && icmp.mtu == 1000" -T fields -e frame.number 2>/dev/null | head -1)
  no_df=$(tshark -r "$cap" -Y "!icmp && ip.src == $OUR_IP && tcp && ip.flags.df == 0" 2>/dev/null | wc -l)
  echo "$mode: first ICMP frag-needed (MTU 1000) at frame ${icmp_first:-none}; our TCP segments without DF: $no_df"
  [ -n "$icmp_first" ] || fail "$mode: no ICMP fragmentation-needed from the kernel reached us (were our segments sent with DF?)"
  [ "$no_df" = 0 ] || fail "$mode: $no_df TCP segments from us without DF"
  if [ "$mode" = plain ] && [ -n "$icmp_first" ]; then
    late_big=$(tshark -r "$cap" -Y "frame.number > $icmp_first && !icmp && ip.src == $OUR_IP && tcp && ip.len > 1000" 2>/dev/null | wc -l)
    early_big=$(tshark -r "$cap" -Y "frame.number < $icmp_first && !icmp && ip.src == $OUR_IP && tcp && ip.len > 1000" 2>/dev/null | wc -l)
    echo "plain: segments over 1000 bytes from us: $early_big before the ICMP, $late_big after"
    [ "$early_big" -ge 1 ] || fail "plain: no full-sized segment before the ICMP?"
    [ "$late_big" = 0 ] || fail "plain: $late_big segments over the path MTU after the ICMP"
  fi
done
finish
