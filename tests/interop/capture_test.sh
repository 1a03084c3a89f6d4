#!/usr/bin/env bash
# tests/interop/capture_test.sh WIRESTACK — ARP, ping both ways, UDP echo
# (fragmented too) and a closed port, captured twice: by tcpdump on the
# kernel's side of the TAP and by our own --pcap. tshark, with IP and UDP
# checksum verification on, must find no malformed frame and no bad checksum
# in anything our stack sent; `wirestack decode` must agree on our capture.
source "$(dirname "$0")/lib.sh"
interop_init "$1" tcpdump tshark ping arping

ours="$WORK/ours.pcap"
kernel="$WORK/kernel.pcap"
# timeout bounds tcpdump even if this script is killed; it passes our SIGTERM on.
ip netns exec "$NS" timeout 60 tcpdump -i "$TAP" --immediate-mode -U -n -w "$kernel" 2>"$WORK/tcpdump.err" &
TCPDUMP_PID=$!
STARTED_PIDS+=("$TCPDUMP_PID")
for _ in $(seq 1 50); do grep -q 'listening on' "$WORK/tcpdump.err" && break; sleep 0.1; done
grep -q 'listening on' "$WORK/tcpdump.err" || fail "tcpdump did not start: $(cat "$WORK/tcpdump.err")"

ws_start tap --udp-echo 7777 --pcap "$ours" --seconds 30
timeout 15 ip netns exec "$NS" ping -c 2 -i 0.2 -W 2 "$OUR_IP" >/dev/null || fail "ping from the kernel"
timeout 15 ip netns exec "$NS" ping -c 1 -s 3000 -W 2 "$OUR_IP" >/dev/null || fail "fragmented ping from the kernel"
timeout 15 ip netns exec "$NS" arping -c 1 -w 3 -I "$TAP" "$OUR_IP" >/dev/null || fail "arping"
timeout 15 ip netns exec "$NS" "$PY" - "$OUR_IP" <<'PY' || fail "UDP exchange"
import socket, sys
ip = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
for size in (10, 3000):
    s.sendto(b"x" * size, (ip, 7777))
    assert len(s.recvfrom(65536)[0]) == size
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(3)
c.connect((ip, 7778))
c.send(b"closed")
try:
    c.recv(10)
    sys.exit("no error from a closed port")
except ConnectionRefusedError:
    pass
PY
ws_stop
# Our own ping through the same device, captured by tcpdump.
timeout 20 ip netns exec "$NS" "$WS" ping --dev "$TAP" --ip "$OUR_IP/$PREFIX" --mac "$OUR_MAC" -c 2 -i 0.2 \
  "$KERNEL_IP" >/dev/null || fail "wirestack ping"
sleep 0.3  # let tcpdump write the last frames (--immediate-mode -U: per packet)
kill -TERM "$TCPDUMP_PID"
wait "$TCPDUMP_PID" 2>/dev/null
kill -0 "$TCPDUMP_PID" 2>/dev/null && fail "tcpdump still running after SIGTERM"

check() {  # check NAME FILE
  local opts=(-o ip.check_checksum:TRUE -o udp.check_checksum:TRUE)
  local bad good
  bad=$(tshark -r "$2" "${opts[@]}" -Y "eth.src == $OUR_MAC && (_ws.malformed || _ws.expert.severity >= \"error\" ||
        ip.checksum.status == \"Bad\" || udp.checksum.status == \"Bad\" || icmp.checksum.status == \"Bad\")" 2>/dev/null)
  [ -z "$bad" ] || fail "$1: tshark flags frames we sent:
$bad"
  # The filter above must have had something to look at.
  good=$(tshark -r "$2" "${opts[@]}" -Y "eth.src == $OUR_MAC && ip.checksum.status == \"Good\"" 2>/dev/null | wc -l)
  [ "$good" -ge 10 ] || fail "$1: only $good IPv4 frames from us with a verified checksum"
  for proto in arp icmp udp ip.flags.mf; do
    [ "$(tshark -r "$2" -Y "eth.src == $OUR_MAC && $proto" 2>/dev/null | wc -l)" -ge 1 ] || fail "$1: no '$proto' frame from us"
  done
  local n
  n=$(tshark -r "$2" 2>"$WORK/tshark.err" | wc -l)
  [ "$n" -gt 0 ] || fail "$1: tshark reads no frame from $2: $(grep -v 'Running as user' "$WORK/tshark.err")"
  echo "$1: $n frames, $good IPv4 from us with good checksums, none flagged"
}
check "tcpdump capture" "$kernel"
check "our --pcap capture" "$ours"
out=$("$WS" decode -q "$ours")
expect "decode of our capture" ' 0 malformed' "$out"
finish
