#!/usr/bin/env bash
# tests/interop/tcp_test.sh WIRESTACK — TCP between the Linux kernel and our
# stack: 50 MiB through our --tcp-echo come back with an equal SHA-256; 10 MiB
# into --tcp-discard are all counted; a closed port gives the kernel's
# connect() "connection refused"; many parallel connections are all served;
# and 20 MiB echoed by a stack running BBR come back equal.
source "$(dirname "$0")/lib.sh"
interop_init "$1"
ws_start tap --tcp-echo 7 --tcp-discard 9 --seconds 120

out=$(timeout 90 ip netns exec "$NS" "$PY" "$(dirname "$0")/tcp_echo_client.py" "$OUR_IP" 7 $((50 * 1024 * 1024)) 2>&1)
echo "$out"
sent=$(awk '/^sent /{print $2}' <<<"$out")
got=$(awk '/^got /{print $2}' <<<"$out")
[ -n "$sent" ] && [ "$sent" = "$got" ] || fail "50 MiB echo: sha256 differs (sent $sent, got $got)"
expect "50 MiB echoed" "^got [0-9a-f]{64} 52428800$" "$out"

out=$(timeout 60 ip netns exec "$NS" "$PY" - "$OUR_IP" <<'PY' 2>&1
import os, socket, sys, threading
ip = sys.argv[1]
# Discard: 10 MiB in, nothing back, a clean close.
s = socket.create_connection((ip, 9), timeout=10)
s.sendall(os.urandom(10 * 1024 * 1024))
s.shutdown(socket.SHUT_WR)
print("discard eof", s.recv(10) == b"")
s.close()
# A closed port: the kernel's connect() fails with ECONNREFUSED (our RST).
try:
    socket.create_connection((ip, 7777), timeout=5)
    print("closed port: connected?!")
except ConnectionRefusedError:
    print("closed port: connection refused")
except OSError as e:
    print("closed port:", repr(e))
# 50 connections at once, each echoing its own message.
results = []
def one(i):
    try:
        c = socket.create_connection((ip, 7), timeout=10)
        msg = ("message %d " % i).encode() * 100
        c.sendall(msg)
        c.shutdown(socket.SHUT_WR)
        back = b""
        while True:
            d = c.recv(65536)
            if not d:
                break
            back += d
        results.append(back == msg)
    except OSError as e:
        results.append(False)
threads = [threading.Thread(target=one, args=(i,)) for i in range(50)]
for t in threads: t.start()
for t in threads: t.join()
print("parallel ok", sum(results), "of", len(results))
PY
)
echo "$out"
expect "discard" '^discard eof True$' "$out"
expect "closed port" '^closed port: connection refused$' "$out"
expect "parallel echo" '^parallel ok 50 of 50$' "$out"

ws_stop
log=$(cat "$WS_LOG")
expect "discard count" '^tcp_discard port 9 connections 1 bytes 10485760$' "$log"
# 50 MiB + 50 messages of 100 repetitions ("message 0 " .. "message 49 ": 10 x 10 + 40 x 11 bytes)
expect "echo count" '^tcp_echo port 7 connections 51 bytes 52482800$' "$log"
expect "RST for the closed port" '^tcp_sockets .*rst_out 1( |$)' "$log"
grep -E '^tcp .*rx_malformed' "$WS_LOG" && fail "malformed TCP segments from the kernel?"
# Offloads are on by default: the 50 MiB crossed as segments of several MSS
# both ways (the kernel's GSO to us, our TSO to it), whole on the device,
# and the SHA-256 above says every byte arrived.
if [[ " ${WS_EXTRA_ARGS:-} " != *" --no-offload "* ]]; then
  off=$(grep '^tap offload ' "$WS_LOG") || fail "no 'tap offload' line: the kernel refused IFF_VNET_HDR/TUNSETOFFLOAD?"
  echo "$off"
  coalesced=$(awk '{for (i = 1; i < NF; i++) if ($i == "coalesced_in") print $(i + 1)}' <<<"$off")
  tso=$(awk '{for (i = 1; i < NF; i++) if ($i == "tso_out") print $(i + 1)}' <<<"$off")
  [ "${coalesced:-0}" -gt 0 ] || fail "the kernel handed us no coalesced segment ($off)"
  [ "${tso:-0}" -gt 0 ] || fail "we handed the device no TSO segment ($off)"

  # The same persistent device, opened plain after a run with offloads: the
  # offloads must not stay on (the kernel would hand partial checksums and
  # 64 KiB segments to a reader without the virtio header).
  ws_start tap --tcp-discard 9 --seconds 60 --no-offload
  out=$(timeout 60 ip netns exec "$NS" "$PY" - "$OUR_IP" <<'PY' 2>&1
import os, socket, sys
s = socket.create_connection((sys.argv[1], 9), timeout=10)
s.sendall(os.urandom(10 * 1024 * 1024))
s.shutdown(socket.SHUT_WR)
print("discard eof", s.recv(10) == b"")
PY
)
  expect "discard after offloads, plain" '^discard eof True$' "$out"
  ws_stop
  expect "plain: every byte counted" '^tcp_discard port 9 connections 1 bytes 10485760$' "$(cat "$WS_LOG")"
  grep -E '^tcp .*rx_malformed' "$WS_LOG" && fail "plain after offloads: malformed segments (offloads left on?)"
  grep -q '^tap offload' "$WS_LOG" && fail "plain run reports offloads"
fi

# BBR (paced at the rate it measures) sending to the kernel: 20 MiB echoed
# back equal; the kernel's receive side is the judge of every segment.
ws_start tap --tcp-echo 7 --seconds 60 --congestion bbr
out=$(timeout 50 ip netns exec "$NS" "$PY" "$(dirname "$0")/tcp_echo_client.py" "$OUR_IP" 7 $((20 * 1024 * 1024)) 2>&1)
echo "bbr: $out"
expect "20 MiB echoed by BBR" "^got [0-9a-f]{64} 20971520$" "$out"
[ "$(awk '/^sent /{print $2}' <<<"$out")" = "$(awk '/^got /{print $2}' <<<"$out")" ] || fail "bbr echo: sha256 differs"
ws_stop
expect "bbr: every byte echoed" '^tcp_echo port 7 connections 1 bytes 20971520$' "$(cat "$WS_LOG")"
finish
