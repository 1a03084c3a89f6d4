#!/usr/bin/env bash
# tests/interop/ipv6_pmtu_test.sh WIRESTACK — path MTU discovery for IPv6
# (RFC 8201) with the Linux kernel as the router: our stack on the TAP
# (`--gateway` the kernel's link-local address) sends 2 MiB with `wirestack
# nc` to a python3 sink in a second namespace, whose link from the router
# has MTU 1280 (the sink's own end 1500, so it offers MSS 1440: only the
# router knows). IPv6 routers never fragment: the kernel answers our first
# full-sized segments with ICMPv6 Packet Too Big (MTU 1280), our stack
# lowers the connection's segment size and resends. Checked: the bytes
# arrive whole (SHA-256), the Packet Too Big reached us, and after it no
# segment of ours is bigger than 1280 bytes.
source "$(dirname "$0")/lib.sh"
interop_init "$1" tshark
ipv6_init

NS2="wsi2-$$"
VA="wsva$$"
VB="wsvb$$"
FAR_IP6=2001:db8:78::2
cleanup_pmtu() {
  ip netns del "$NS2" 2>/dev/null
  cleanup
}
trap cleanup_pmtu EXIT
ip netns add "$NS2" 2>"$WORK/err" || skip "cannot create a second network namespace: $(cat "$WORK/err")"
in_ns ip link add "$VA" type veth peer name "$VB" netns "$NS2" 2>"$WORK/err" || skip "no veth in this kernel: $(cat "$WORK/err")"
in_ns sysctl -qw net.ipv6.conf.all.forwarding=1
in_ns ip -6 addr add 2001:db8:78::1/64 dev "$VA" nodad
in_ns ip link set "$VA" mtu 1280 up
ip netns exec "$NS2" ip -6 addr add "$FAR_IP6/64" dev "$VB" nodad
ip netns exec "$NS2" ip link set "$VB" mtu 1500 up
ip netns exec "$NS2" ip link set lo up
ip netns exec "$NS2" ip -6 route add default via 2001:db8:78::1

head -c $((2 * 1024 * 1024)) /dev/urandom >"$WORK/data"
want=$(sha256sum "$WORK/data" | cut -d' ' -f1)
ready="$WORK/sink.ready"
ip netns exec "$NS2" "$PY" - "$ready" >"$WORK/sink.out" 2>&1 <<'PY' &
import hashlib, socket, sys
srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("::", 5009))
srv.listen(1)
srv.settimeout(30)
open(sys.argv[1], "w").close()
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
[ -e "$ready" ] || { fail "the sink did not start: $(cat "$WORK/sink.out")"; finish; }
# The sink's link comes up with DAD on its fe80 address; give the router's neighbour entry a moment.
timeout 40 ip netns exec "$NS" "$WS" nc --dev "$TAP" --ip "$OUR_IP/$PREFIX" --ip "$OUR_IP6/$PREFIX6" --mac "$OUR_MAC" \
  --gateway "$KERNEL_LL" --pcap "$WORK/ours.pcap" "$FAR_IP6" 5009 <"$WORK/data" >"$WORK/nc.out" 2>"$WORK/nc.err" \
  || fail "wirestack nc failed: $(cat "$WORK/nc.err")"
wait "$sink"
out=$(cat "$WORK/sink.out")
echo "$out"
expect "2 MiB arrived whole through the router" "^received 2097152 $want$" "$out"
cap="$WORK/ours.pcap"
ptb=$(tshark -r "$cap" -Y "icmpv6.type == 2 && icmpv6.mtu == 1280" -T fields -e frame.number 2>/dev/null | head -1)
echo "first Packet Too Big (MTU 1280) at frame ${ptb:-none}"
[ -n "$ptb" ] || fail "no ICMPv6 Packet Too Big from the kernel reached us"
if [ -n "$ptb" ]; then
  # ipv6.plen: the payload after the 40-byte header.
  early=$(tshark -r "$cap" -Y "frame.number < $ptb && !icmpv6 && ipv6.src == $OUR_IP6 && tcp && ipv6.plen > 1240" 2>/dev/null | wc -l)
  late=$(tshark -r "$cap" -Y "frame.number > $ptb && !icmpv6 && ipv6.src == $OUR_IP6 && tcp && ipv6.plen > 1240" 2>/dev/null | wc -l)
  fits=$(tshark -r "$cap" -Y "frame.number > $ptb && ipv6.src == $OUR_IP6 && tcp && ipv6.plen == 1240" 2>/dev/null | wc -l)
  echo "our segments over 1280 bytes: $early before the Packet Too Big, $late after; $fits of exactly 1280 after"
  [ "$early" -ge 1 ] || fail "no full-sized segment before the Packet Too Big?"
  [ "$late" = 0 ] || fail "$late segments over the path MTU after the Packet Too Big"
  [ "$fits" -ge 100 ] || fail "only $fits segments of the path's size after the Packet Too Big"
fi
finish
