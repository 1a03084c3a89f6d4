#!/usr/bin/env bash
# tests/interop/scapy_test.sh WIRESTACK — scapy sends our TCP echo what a
# well-behaved peer never sends (tests/interop/scapy_probe.py, layer 2 frames
# on the kernel's side of the TAP): bad IP and TCP checksums, IP and TCP
# headers cut short or longer than the packet, a SYN with every option and an
# unknown one, RSTs in and out of the window on an established connection.
# The stack must answer none of the broken frames, count each as malformed,
# send a challenge ACK for the in-window RST (RFC 5961 3.2), keep the
# connection, answer the SYN with the options it supports, and still serve a
# kernel client afterwards. Its own --pcap capture must show the broken frames
# arriving and nothing broken leaving.
source "$(dirname "$0")/lib.sh"
interop_init "$1" nft tshark
"$PY" -c 'import scapy.all' 2>/dev/null || skip "python3-scapy is not installed for $PY (scripts/setup.sh installs it)"

PORT=${SCAPY_TEST_PORT:-7}  # the port probed; the stack always echoes on 7 (another value must make the test fail)
pcap="$WORK/ours.pcap"

# scapy's connections (source ports 1000..1099) are unknown to the kernel,
# which would reset them on our SYN-ACKs: drop those RSTs, in this namespace only.
in_ns nft -f - <<EOF || fail "nft rule"
table ip wsi_scapy {
  chain out {
    type filter hook output priority 0; policy accept;
    ip daddr $OUR_IP tcp sport 1000-1099 tcp flags & rst == rst drop
  }
}
EOF

ws_start tap --tcp-echo 7 --pcap "$pcap" --seconds 50
out=$(timeout 60 ip netns exec "$NS" "$PY" "$(dirname "$0")/scapy_probe.py" "$TAP" "$OUR_IP" "$OUR_MAC" "$KERNEL_IP" \
  "$PORT" 2>&1)
rc=$?
echo "$out"
[ "$rc" = 0 ] || fail "scapy_probe.py exited $rc"
grep -q '^FAIL ' <<<"$out" && fail "scapy probes failed: $(grep '^FAIL ' <<<"$out")"
[ "$(grep -c '^ok ' <<<"$out")" -ge 20 ] || fail "fewer than 20 probe checks passed"

# The server survived: a kernel client still gets its echo.
echo_out=$(timeout 15 ip netns exec "$NS" "$PY" - "$OUR_IP" "$PORT" <<'PY' 2>&1
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
msg = b"kernel client after scapy\n" * 100
s.sendall(msg)
s.shutdown(socket.SHUT_WR)
back = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    back += d
print("kernel echo", "ok" if back == msg else "differs (%d of %d bytes)" % (len(back), len(msg)))
PY
)
echo "$echo_out"
expect "kernel client after the probes" '^kernel echo ok$' "$echo_out"

ws_stop
log=$(cat "$WS_LOG")
echo "--- wirestack counters ---"
grep -E '^(eth|ipv4|tcp|tcp_sockets|tcp_echo|icmp) ' <<<"$log"

# Counters: every broken frame counted where it was dropped (exactly: each
# probe is one frame, and the kernel sends nothing malformed).
counter() {  # counter LAYER NAME: the value on the stack's "LAYER name value ..." line (0 when absent)
  awk -v layer="$1" -v name="$2" '$1 == layer { for (i = 2; i < NF; i += 2) if ($i == name) { print $(i + 1); exit } }' \
    <<<"$log" | grep . || echo 0
}
want_ip=$(awk '/^expect ipv4_malformed /{print $3}' <<<"$out")
want_tcp=$(awk '/^expect tcp_rx_malformed /{print $3}' <<<"$out")
got_ip=$(counter ipv4 malformed)
got_tcp=$(counter tcp rx_malformed)
echo "ipv4 malformed: $got_ip (probes: ${want_ip:-?}); tcp rx_malformed: $got_tcp (probes: ${want_tcp:-?})"
[ -n "$want_ip" ] && [ "$got_ip" = "$want_ip" ] || fail "ipv4 malformed is $got_ip, expected ${want_ip:-?} (one per broken IP header)"
[ -n "$want_tcp" ] && [ "$got_tcp" = "$want_tcp" ] || fail "tcp rx_malformed is $got_tcp, expected ${want_tcp:-?} (one per broken TCP header)"
expect "echo connections (scapy's and the kernel's)" '^tcp_echo port 7 connections 2 ' "$log"

# Our own capture: the broken frames arrived (it records what we received)...
opts=(-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE)
n_bad_in=$(tshark -r "$pcap" "${opts[@]}" -Y "eth.dst == $OUR_MAC && (ip.checksum.status == \"Bad\" || tcp.checksum.status == \"Bad\")" 2>/dev/null | wc -l)
[ "$n_bad_in" -ge 3 ] || fail "our --pcap shows $n_bad_in frames with a bad checksum arriving, expected at least 3"
# ... and nothing we sent is broken; the challenge ACK and the SYN-ACK are there.
bad_out=$(tshark -r "$pcap" "${opts[@]}" -Y "eth.src == $OUR_MAC && (_ws.malformed || ip.checksum.status == \"Bad\" ||
          tcp.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\")" 2>/dev/null)
[ -z "$bad_out" ] || fail "tshark flags frames we sent:
$bad_out"
n_synack=$(tshark -r "$pcap" -Y "eth.src == $OUR_MAC && tcp.flags.syn == 1 && tcp.flags.ack == 1 && tcp.options.sack_perm && tcp.options.wscale.shift && tcp.options.timestamp.tsecr == 123456789" 2>/dev/null | wc -l)
[ "$n_synack" -ge 1 ] || fail "our --pcap has no SYN-ACK with SACK-permitted, window scale and the echoed timestamp"
echo "our --pcap: $(tshark -r "$pcap" 2>/dev/null | wc -l) frames, $n_bad_in broken ones in, none broken out"
finish
