#!/usr/bin/env bash
# tests/interop/synflood_test.sh WIRESTACK — hping3 floods our TCP echo with
# SYNs from spoofed sources (10.77.0.10 .. 10.77.0.17: addresses in the
# namespace's subnet that nobody owns, so the flood and our answers stay on
# the TAP, and our SYN-ACKs wait for ARP replies that never come) while the
# kernel connects 100 times and has a message echoed each time. All 100 must
# succeed; the counters must show the flood arrived, the SYN queue overflowed
# into SYN cookies (RFC 4987 3.6) and the kernel's connections were
# established through validated cookies. Our ARP queue filling up with
# SYN-ACKs for the spoofed hosts is expected.
source "$(dirname "$0")/lib.sh"
interop_init "$1" hping3

PORT=${SYNFLOOD_TEST_PORT:-7}  # the port the kernel connects to (another value must make the test fail)
SOURCES=8                      # spoofed sources
FLOOD_SECONDS=70               # the flood's own length at most: beyond the clients' 40 s bound
# 8 x 5,000 SYNs/s; a slow build (ASan: ~10x slower) gets 8 x 500/s, still
# 4 times its SYN queue every second. The sanitizer build's stack reads about
# 8,000 SYNs per CPU second; at 8,000/s with a compiler running beside it, it
# fell behind, the kernel's TAP queue to it overflowed and dropped the
# legitimate segments too (41 of 100 connections in 40 s): the test would
# measure the sanitizer, not the defence.
INTERVAL_US=200
if [ -n "${WIRESTACK_SLOW_BUILD:-}" ]; then
  INTERVAL_US=2000
  echo "***** NOTE: slow build: the flood runs at 4,000 SYNs/s instead of 40,000 *****"
fi
PER_SOURCE=$((FLOOD_SECONDS * 1000000 / INTERVAL_US))  # SYNs from each at most; stopped when the clients are done
# The flood lasts at least this long, however fast the clients are done, so
# that the listener sees several times its SYN queue at either rate.
MIN_FLOOD_SECONDS=2
ws_start tap --tcp-echo 7 --seconds 50
FLOOD_PIDS=()
flood_start=$(date +%s.%N)

# The flood: bounded in count (-c) and time (timeout), and stopped (SIGINT,
# by PID) as soon as the kernel's clients are done, so that it covers their
# whole run however fast or slow this build is. hping3 increments the source
# port for every SYN, so each is a new half-open connection.
for i in $(seq 0 $((SOURCES - 1))); do
  ip netns exec "$NS" timeout -s INT $((FLOOD_SECONDS + 10)) hping3 -q -S -p 7 -a "10.77.0.$((10 + i))" -s $((2000 + i * 4000)) \
    -c "$PER_SOURCE" -i "u$INTERVAL_US" "$OUR_IP" >"$WORK/hping3.$i.log" 2>&1 &
  STARTED_PIDS+=($!)
  FLOOD_PIDS+=($!)
done
sleep 0.6  # the flood fills our SYN queue (1024 per listener) several times over first

out=$(timeout 40 ip netns exec "$NS" "$PY" - "$OUR_IP" "$PORT" <<'PY' 2>&1
import socket, sys, time
ip, port = sys.argv[1], int(sys.argv[2])
ok, errors = 0, []
start = time.monotonic()
for i in range(100):
    msg = ("legitimate client %d\n" % i).encode() * 20
    try:
        # Flood traffic shares the kernel's queue to the TAP device, and a
        # segment lost there costs a retransmission timeout (0.2 s, doubling).
        s = socket.create_connection((ip, port), timeout=15)
        s.settimeout(15)
        s.sendall(msg)
        s.shutdown(socket.SHUT_WR)
        back = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            back += d
        s.close()
        if back == msg:
            ok += 1
        else:
            errors.append("connection %d: echo differs (%d of %d bytes)" % (i, len(back), len(msg)))
    except OSError as e:
        errors.append("connection %d: %r" % (i, e))
print("legitimate ok %d of 100 in %.2f s" % (ok, time.monotonic() - start))
for e in errors[:10]:
    print("error", e)
PY
)
rc=$?
[ "$rc" = 124 ] && out+="the kernel's 100 connections were not done after 40 s (timeout)"
echo "$out"
expect "all kernel connections echoed during the flood" '^legitimate ok 100 of 100 ' "$out"

# The flood must have covered the clients' whole run: every hping3 still going.
still=0
for pid in "${FLOOD_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && still=$((still + 1)); done
echo "hping3 processes still flooding when the clients were done: $still of $SOURCES"
[ "$still" = "$SOURCES" ] || fail "the flood ended before the kernel's connections did: they did not fully overlap"
rest=$(awk -v s="$flood_start" -v now="$(date +%s.%N)" -v min="$MIN_FLOOD_SECONDS" 'BEGIN { r = min - (now - s); print (r > 0 ? r : 0) }')
sleep "$rest"
for pid in "${FLOOD_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null; done  # timeout passes SIGINT on to hping3
total=0
for i in "${!FLOOD_PIDS[@]}"; do
  wait "${FLOOD_PIDS[$i]}"
  rc=$?
  # hping3 exits 1 when no reply came back (ours go to the spoofed hosts),
  # 0 or 130 when interrupted; timeout's 124 means its bound cut it short.
  case "$rc" in 0 | 1 | 130) ;; *) fail "hping3 $i exited $rc: $(tail -n 3 "$WORK/hping3.$i.log")" ;; esac
  n=$(awk '/packets transmitted/ {print $1; exit}' "$WORK/hping3.$i.log")
  [ -n "$n" ] && [ "$n" -gt 0 ] || fail "hping3 $i sent nothing: $(tail -n 3 "$WORK/hping3.$i.log")"
  total=$((total + ${n:-0}))
done
echo "hping3 sent $total spoofed SYNs in all"

ws_stop
log=$(cat "$WS_LOG")
echo "--- wirestack counters ---"
grep -E '^(tap|ipv4|tcp|tcp_sockets|tcp_echo|arp_cache) ' <<<"$log"

counter() {  # counter LAYER NAME: the value on the stack's "LAYER name value ..." line (0 when absent)
  awk -v layer="$1" -v name="$2" '$1 == layer { for (i = 2; i < NF; i += 2) if ($i == name) { print $(i + 1); exit } }' \
    <<<"$log" | grep . || echo 0
}
syns=$(counter tcp_sockets listen_syns)
sent=$(counter tcp_sockets cookies_sent)
validated=$(counter tcp_sockets cookies_validated)
established=$(counter tcp_sockets established)
echo "listen_syns $syns cookies_sent $sent cookies_validated $validated established $established"
# A slow build of the stack (ASan) reads only part of the flood before the
# kernel's TAP queue overflows (8,941 of 48,000 in one run): what counts is
# that the listener saw several times its 1,024-entry SYN queue.
[ "$syns" -ge 4096 ] || fail "only $syns SYNs reached the listener; hping3 sent $total (+100 from the kernel)"
[ "$sent" -gt 0 ] || fail "no SYN cookie sent: the SYN queue never overflowed"
# Every SYN past the 1024 the SYN queue holds is answered with a cookie.
[ "$sent" -ge $((syns - 1024 - 100)) ] || fail "cookies_sent $sent of $syns SYNs: expected every SYN past the first 1024"
[ "$validated" -ge 1 ] || fail "no cookie validated: the kernel's connections did not go through cookies"
[ "$established" -ge 100 ] || fail "established $established, expected at least the kernel's 100"
expect "echo connections" '^tcp_echo port 7 connections 100 ' "$log"
finish
