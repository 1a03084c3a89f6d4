#!/usr/bin/env bash
# tests/interop/conformance_test.sh WIRESTACK [PROBE-REGEX] — our own TCP
# conformance suite (issue [4/7] D; docs/TCP.md "Conformance suite"): scapy
# as the peer, one probe per event-processing rule of RFC 9293 3.10 and RFC
# 5961, each run against wirestack and against the Linux kernel.
#
# Layout (all in namespaces this test makes and deletes):
#   wsconf-PID (the prober: scapy, and a kernel whose RSTs towards the
#   systems under test are dropped, since it knows nothing of scapy's
#   connections)
#     TAP wsconftPID 10.77.0.1  <== wirestack tap 10.77.0.2 (echo 7, discard 9, http 80)
#     TAP wsconfnPID 10.78.0.1  <== wirestack nc 10.78.0.2 (SYN-SENT probes, per probe)
#     veth wsconfvPID 10.79.0.1 <--> wsconflPID 10.79.0.2 in wsconf-lx-PID:
#                                    the Linux kernel (linux_peer.py serve: echo 7, discard 9, closer 80,
#                                    stall 10: never reads, 2 KiB buffer; wirestack's "stall" is its echo)
# Exit status: 0 every probe passed on wirestack, 1 one failed, 77 skipped.
source "$(dirname "$0")/lib.sh"
NS="wsconf-$$"
TAP="wsconft$$"
NCTAP="wsconfn$$"
VETH="wsconfv$$"
VETH_PEER="wsconfl$$"
LXNS="wsconf-lx-$$"
LXNS_CREATED=0
NC_IP=10.78.0.2
NC_MAC=02:78:00:00:00:02
LX_IP=10.79.0.2
ONLY=${2:-}
here=$(cd "$(dirname "$0")" && pwd)

interop_init "$1" nft
"$PY" -c 'import scapy.all' 2>/dev/null || skip "python3-scapy is not installed for $PY (apt-get install python3-scapy)"
trap 'cleanup; [ "$LXNS_CREATED" = 1 ] && ip netns del "$LXNS" 2>/dev/null' EXIT

# The second TAP (wirestack nc's) and the veth to the Linux namespace.
in_ns ip tuntap add mode tap name "$NCTAP" || skip "cannot create a second TAP device"
in_ns sysctl -qw "net.ipv6.conf.$NCTAP.disable_ipv6=1"
in_ns ip addr add 10.78.0.1/24 dev "$NCTAP"
in_ns ip link set "$NCTAP" up
ip netns add "$LXNS" || skip "cannot create a second network namespace"
LXNS_CREATED=1
in_ns ip link add "$VETH" type veth peer name "$VETH_PEER" || skip "cannot create a veth pair"
in_ns ip link set "$VETH_PEER" netns "$LXNS"
in_ns sysctl -qw "net.ipv6.conf.$VETH.disable_ipv6=1"
in_ns ip addr add 10.79.0.1/24 dev "$VETH"
in_ns ip link set "$VETH" up
ip netns exec "$LXNS" ip link set lo up
ip netns exec "$LXNS" sysctl -qw "net.ipv6.conf.$VETH_PEER.disable_ipv6=1"
ip netns exec "$LXNS" ip addr add "$LX_IP/24" dev "$VETH_PEER"
ip netns exec "$LXNS" ip link set "$VETH_PEER" up
LX_MAC=$(ip netns exec "$LXNS" cat "/sys/class/net/$VETH_PEER/address")
# Segments as a wire carries them (no GSO super-frames in scapy's view): no
# segmentation offloads on the Linux side, and wirestack runs --no-offload.
ip netns exec "$LXNS" ethtool -K "$VETH_PEER" tso off gso off >/dev/null 2>&1 ||
  echo "note: ethtool could not turn off the veth's segmentation offloads (mss_of_the_peer_respected may fail on Linux)"

# The prober's kernel must not reset scapy's connections.
in_ns nft -f - <<EOF || fail "nft rule"
table ip wsconf {
  chain out {
    type filter hook output priority 0; policy accept;
    ip daddr { $OUR_IP, $NC_IP, $LX_IP } tcp flags & rst == rst drop
  }
}
EOF

mkdir -p "$WORK/www"
printf 'ok\n' >"$WORK/www/index.html"
ws_start tap --no-offload --tcp-echo 7 --tcp-discard 9 --http "80:$WORK/www" --seconds 400
ip netns exec "$LXNS" "$PY" "$here/conformance/linux_peer.py" serve 7 9 80 10 >"$WORK/linux_peer.log" 2>&1 &
STARTED_PIDS+=("$!")
for _ in $(seq 1 50); do grep -q ready "$WORK/linux_peer.log" && break; sleep 0.1; done
grep -q ready "$WORK/linux_peer.log" || { fail "linux_peer.py did not start: $(cat "$WORK/linux_peer.log")"; finish; }

cat >"$WORK/config.json" <<EOF
{
  "wirestack": {"iface": "$TAP", "mac": "$OUR_MAC", "ip": "$OUR_IP", "my_ip": "$KERNEL_IP",
                "ports": {"echo": 7, "discard": 9, "closer": 80, "stall": 7}, "binary": "$WS",
                "nc_iface": "$NCTAP", "nc_mac": "$NC_MAC", "nc_ip": "$NC_IP", "nc_my_ip": "10.78.0.1"},
  "linux": {"iface": "$VETH", "mac": "$LX_MAC", "ip": "$LX_IP", "my_ip": "10.79.0.1", "netns": "$LXNS",
            "ports": {"echo": 7, "discard": 9, "closer": 80, "stall": 10}}
}
EOF
t0=$(date +%s)
timeout 220 ip netns exec "$NS" "$PY" "$here/conformance/run.py" "$WORK/config.json" ${ONLY:+"$ONLY"}
rc=$?
echo "conformance suite: $(( $(date +%s) - t0 )) s, exit $rc"
[ "$rc" = 0 ] || fail "probes failed on wirestack (table above), or the runner exited $rc"
ws_stop
finish
