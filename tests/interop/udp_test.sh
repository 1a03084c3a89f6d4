#!/usr/bin/env bash
# tests/interop/udp_test.sh WIRESTACK — a kernel UDP socket gets its datagram
# back from our --udp-echo port; a connected socket sending to a closed port
# sees ECONNREFUSED (our ICMP port unreachable).
source "$(dirname "$0")/lib.sh"
interop_init "$1"
ws_start tap --udp-echo 7777 --seconds 30

out=$(timeout 15 ip netns exec "$NS" "$PY" - "$OUR_IP" <<'PY' 2>&1
import os, socket, sys
ip = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
for size in (1, 100, 1472, 4000):  # 4000: fragmented both ways
    data = os.urandom(size)
    s.sendto(data, (ip, 7777))
    got, peer = s.recvfrom(65536)
    print("echo", size, "ok" if got == data and peer == (ip, 7777) else "MISMATCH")
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(3)
c.connect((ip, 7778))
c.send(b"anyone?")
try:
    c.recv(100)
    print("closed port: got data")
except ConnectionRefusedError:
    print("closed port: connection refused")
except socket.timeout:
    print("closed port: timeout")
PY
)
for size in 1 100 1472 4000; do expect "echo of $size bytes" "^echo $size ok$" "$out"; done
expect "closed port" '^closed port: connection refused$' "$out"

ws_stop
log=$(cat "$WS_LOG")
expect "echo count" '^udp_echo port 7777 echoed 4$' "$log"
expect "no_port counted" '^udp .*no_port 1' "$log"
finish
