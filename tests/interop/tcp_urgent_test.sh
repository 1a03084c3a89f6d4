#!/usr/bin/env bash
# tests/interop/tcp_urgent_test.sh WIRESTACK — TCP urgent data between the
# Linux kernel and our stack (RFC 9293 3.8.5, MUST-30 to 33; RFC 6093: the
# urgent bytes stay in line):
#  1. the kernel sends with MSG_OOB into our --tcp-echo: every byte comes
#     back in order (nothing taken out of the stream or lost), and our stack
#     counted the urgent pointers (tcp_sockets urgent_in);
#  2. `wirestack nc --urgent` sends urgent data to a kernel socket with
#     SO_OOBINLINE: the kernel's mark (SIOCATMARK) sits exactly before our
#     urgent bytes' last octet, as it does for its own MSG_OOB.
source "$(dirname "$0")/lib.sh"
interop_init "$1"

# --- 1. the kernel's urgent data to our echo ---
ws_start tap --tcp-echo 7 --seconds 60
out=$(timeout 30 ip netns exec "$NS" "$PY" - "$OUR_IP" <<'PY' 2>&1
import socket, sys, time
s = socket.create_connection((sys.argv[1], 7), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
sent = b""
for i in range(3):
    for part, flags in ((b"before%d-" % i, 0), (b"!", socket.MSG_OOB), (b"-after%d;" % i, 0)):
        s.send(part, flags)
        sent += part
        time.sleep(0.02)  # one segment each: three urgent pointers
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    got += d
print("sent", sent.decode())
print("got ", got.decode())
print("in line", got == sent)
PY
)
echo "$out"
expect "urgent bytes echoed in line" '^in line True$' "$out"
ws_stop
urgent=$(awk '/^tcp_sockets /{for (i = 1; i < NF; i++) if ($i == "urgent_in") print $(i + 1)}' "$WS_LOG")
echo "our urgent_in: ${urgent:-0}"
[ "${urgent:-0}" = 3 ] || fail "our stack saw ${urgent:-0} urgent pointers advance, expected 3 (one per MSG_OOB)"

# --- 2. our urgent data to a kernel socket ---
ready="$WORK/oob.ready"
ip netns exec "$NS" "$PY" - "$KERNEL_IP" "$ready" >"$WORK/oob.out" 2>&1 <<'PY' &
import fcntl, socket, struct, sys
SIOCATMARK = 0x8905
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], 5007))
srv.listen(1)
srv.settimeout(20)
open(sys.argv[2], "w").close()
c, _ = srv.accept()
c.settimeout(20)
c.setsockopt(socket.SOL_SOCKET, socket.SO_OOBINLINE, 1)
data = b""
mark_at = []
while True:
    if struct.unpack("i", fcntl.ioctl(c.fileno(), SIOCATMARK, b"\0\0\0\0"))[0]:
        mark_at.append(len(data))
    d = c.recv(4096)
    if not d:
        break
    data += d
print("data", data.decode())
print("marks", mark_at)
PY
oob_pid=$!
STARTED_PIDS+=("$oob_pid")
for _ in $(seq 1 50); do [ -e "$ready" ] && break; sleep 0.1; done
[ -e "$ready" ] || fail "the kernel-side server did not start: $(cat "$WORK/oob.out")"
printf 'hello, ' | timeout 20 ip netns exec "$NS" "$WS" nc --dev "$TAP" --ip "$OUR_IP/$PREFIX" --mac "$OUR_MAC" \
  --urgent 'URGENT' "$KERNEL_IP" 5007 >"$WORK/nc.out" 2>"$WORK/nc.err" || fail "wirestack nc failed: $(cat "$WORK/nc.err")"
wait "$oob_pid"
oob=$(cat "$WORK/oob.out")
echo "$oob"
# Everything arrived in order, and the kernel's reads stopped at its mark
# just before the last urgent octet ("hello, URGEN" | "T"), where it puts
# the mark of its own MSG_OOB: our pointer means what Linux's does.
expect "all bytes, in line" '^data hello, URGENT$' "$oob"
expect "the mark before our last urgent octet" '^marks \[12\]$' "$oob"
finish
