#!/usr/bin/env bash
# tests/interop/abuse_test.sh WIRESTACK — our HTTP and JSON-RPC servers
# (wirestack tap --http 8080 --json 7000) under abuse from the kernel side,
# all at once, while a legitimate client keeps asking:
#   (a) 3,000 connections from 15 addresses each send half a request and
#       stop: every one is answered 408 and closed by our side at the request
#       timeout (the server's counters, the clients' own view and `ss` in the
#       namespace agree); a 16th address opens 300, of which those over the
#       per-address cap (256) are reset at once;
#   (b) a header over the limit gets 431, bodies over it 413 (curl, and a raw
#       client that sends the whole body without waiting: it still reads the
#       413), a JSON-RPC frame over it -32000; the server lives on;
#   (c) clients with a tiny receive window POST 700 KB to /echo and never
#       read: each is reset at the send timeout;
#   (d) hping3 floods port 8080 with spoofed SYNs the whole time (SYN cookies).
# Throughout, the legitimate client (HTTP GET /stats and a JSON-RPC call on
# new connections every 50 ms) must get every answer right, with p99 under
# 1 s; the figures (shed counts, latencies) are printed.
source "$(dirname "$0")/lib.sh"
interop_init "$1" curl hping3 ss
CLIENTS="$(dirname "$0")/abuse_clients.py"

REQUEST_TIMEOUT=5   # s, --request-timeout (default 10: shortened to keep the test short)
# ABUSE_REQUEST_TIMEOUT=0 runs the server without the timeout: the test must fail.
SEND_TIMEOUT=4      # s, --send-timeout
PER_ADDRESS=256     # --max-per-address
HALF_ADDRESSES=15   # x 200 half requests = 3,000
CAP_PROBE=300       # from one more address: 44 over the cap
DEAF=8
P99_BOUND_MS=1000
FLOOD_INTERVAL_US=500  # 4 sources x 2,000 SYNs/s: 8 times the SYN queue every second
if [ -n "${WIRESTACK_SLOW_BUILD:-}" ]; then
  # The sanitizer build runs the stack ~10x slower: a lighter flood (it
  # measures the defence, not the sanitizer) and a looser latency bound.
  FLOOD_INTERVAL_US=2000
  P99_BOUND_MS=3000
  echo "***** NOTE: slow build: flood at 2,000 SYNs/s instead of 8,000, p99 bound 3 s instead of 1 s *****"
fi

ws_start tap --http 8080 --json 7000 --seconds 120 --request-timeout "${ABUSE_REQUEST_TIMEOUT:-$REQUEST_TIMEOUT}" \
  --send-timeout "$SEND_TIMEOUT" --max-per-address "$PER_ADDRESS"

# The abusers' addresses on the kernel's side of the TAP: 10.77.0.100.. for
# the half requests, .99 for the cap probe, .98 for the deaf clients. A ping
# from each teaches our stack its MAC (RFC 826 merge) before the flood fills
# its ARP queue with SYN-ACKs for the spoofed sources.
spec=""
for i in $(seq 0 $((HALF_ADDRESSES - 1))); do
  spec+="10.77.0.$((100 + i))=200,"
done
spec+="10.77.0.99=$CAP_PROBE"
for a in $(seq 98 $((100 + HALF_ADDRESSES - 1))); do
  in_ns ip addr add "10.77.0.$a/$PREFIX" dev "$TAP"
done
for a in $(seq 98 $((100 + HALF_ADDRESSES - 1))); do
  in_ns ping -q -c 1 -W 2 -I "10.77.0.$a" "$OUR_IP" >/dev/null || fail "no ping answer to 10.77.0.$a"
done

# (d) The flood, bounded in count (-c) and time (timeout), stopped by PID at the end.
FLOOD_PIDS=()
for i in 0 1 2 3; do
  ip netns exec "$NS" timeout -s INT 100 hping3 -q -S -p 8080 -a "10.77.0.$((200 + i))" -s $((2000 + i * 10000)) \
    -c 200000 -i "u$FLOOD_INTERVAL_US" "$OUR_IP" >"$WORK/hping3.$i.log" 2>&1 &
  STARTED_PIDS+=($!)
  FLOOD_PIDS+=($!)
done

# The legitimate client, for the whole test (bounded: 90 s, 5,000 rounds).
ip netns exec "$NS" "$PY" "$CLIENTS" legit "$OUR_IP" 8080 7000 "$WORK/stop-legit" 90 >"$WORK/legit.log" 2>&1 &
LEGIT_PID=$!
STARTED_PIDS+=("$LEGIT_PID")
sleep 1

# (a) The half requests, in the background: they wait for the request timeout.
ip netns exec "$NS" "$PY" "$CLIENTS" slowloris "$OUR_IP" 8080 "$spec" $((REQUEST_TIMEOUT + 25)) \
  >"$WORK/slowloris.log" 2>&1 &
SLOW_PID=$!
STARTED_PIDS+=("$SLOW_PID")

# (c) Clients that never read, in the background.
ip netns exec "$NS" "$PY" "$CLIENTS" deaf "$OUR_IP" 8080 10.77.0.98 "$DEAF" 700000 $((SEND_TIMEOUT + 20)) \
  >"$WORK/deaf.log" 2>&1 &
DEAF_PID=$!
STARTED_PIDS+=("$DEAF_PID")

# (b) Oversized: a 20 KB header, a 2 MB body (curl: Expect: 100-continue, so
# the 413 comes before the body), a raw client's whole body, an RPC frame.
big=$(head -c 20000 /dev/zero | tr '\0' h)
code=$(in_ns curl -sS -o /dev/null -w '%{http_code}' --max-time 20 -H "X-Big: $big" "http://$OUR_IP:8080/stats")
expect "431 for a 20 KB header" '^431$' "$code"
head -c 2000000 /dev/zero >"$WORK/big.bin"
code=$(in_ns curl -sS -o /dev/null -w '%{http_code}' --max-time 20 --data-binary @"$WORK/big.bin" "http://$OUR_IP:8080/echo")
expect "413 for a 2 MB body (curl)" '^413$' "$code"
over=$(in_ns "$PY" "$CLIENTS" oversized "$OUR_IP" 8080 7000 1048576 2>&1)
echo "$over"
expect "413 for a body sent whole" '^oversized http body sent whole: HTTP/1.1 413 ' "$over"
expect "-32000 for an oversized frame" '^oversized rpc frame: error -32000$' "$over"

for pid in "$SLOW_PID" "$DEAF_PID"; do wait "$pid"; done
touch "$WORK/stop-legit"
wait "$LEGIT_PID"
for pid in "${FLOOD_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null; done
flood=0
for i in "${!FLOOD_PIDS[@]}"; do
  wait "${FLOOD_PIDS[$i]}"
  n=$(awk '/packets transmitted/ {print $1; exit}' "$WORK/hping3.$i.log")
  flood=$((flood + ${n:-0}))
done
code=$(in_ns curl -sS -o /dev/null -w '%{http_code}' --max-time 10 "http://$OUR_IP:8080/stats")
expect "the server lives on" '^200$' "$code"

echo "--- the half requests ---"
cat "$WORK/slowloris.log"
slow=$(cat "$WORK/slowloris.log")
for i in $(seq 0 $((HALF_ADDRESSES - 1))); do
  expect "all 200 from 10.77.0.$((100 + i)) answered 408 and closed" \
    "^slowloris from 10\.77\.0\.$((100 + i)): closed_408 200 fin 200 reset 0 still_open 0 failed 0$" "$slow"
done
expect "the cap probe: 256 held and cut by the timeout, 44 reset at once" \
  "^slowloris from 10\.77\.0\.99: closed_408 $PER_ADDRESS fin $PER_ADDRESS reset $((CAP_PROBE - PER_ADDRESS)) still_open 0 failed 0$" "$slow"
expect "nothing established from them at the end" '^ss established from the slowloris addresses: 0$' "$slow"
expect "their sockets hold our FINs" "^ss close-wait from the slowloris addresses: $((HALF_ADDRESSES * 200 + PER_ADDRESS))$" "$slow"
# Closed at the request timeout from the accept: not before, and not long
# after (the slack covers opening 3,300 connections under the flood).
read -r cmin cmax < <(awk '/^slowloris closed_after_s/ {print $4, $8}' <<<"$slow")
awk -v a="$cmin" -v b="$cmax" -v t="$REQUEST_TIMEOUT" 'BEGIN { exit !(a >= t - 0.5 && b <= t + 10) }' \
  || fail "half requests closed between $cmin and $cmax s after they were sent; the timeout is $REQUEST_TIMEOUT s"

echo "--- the clients that never read ---"
cat "$WORK/deaf.log"
expect "every deaf client reset" "^deaf uploaded $DEAF x 700000 bytes in [0-9.]+ s; reset $DEAF of $DEAF;" "$(cat "$WORK/deaf.log")"

echo "--- the legitimate client ---"
cat "$WORK/legit.log"
legit=$(cat "$WORK/legit.log")
expect "every legitimate request answered" '^legit rounds ([0-9]+) http_ok \1 rpc_ok \1 errors 0 ' "$legit"
p99=$(awk '/^legit latency_ms/ {print $6}' <<<"$legit")
awk -v p="${p99:-nan}" -v b="$P99_BOUND_MS" 'BEGIN { exit !(p + 0 == p && p < b) }' \
  || fail "legitimate p99 latency ${p99:-?} ms, bound $P99_BOUND_MS ms"
rounds=$(awk '/^legit rounds/ {print $3}' <<<"$legit")
[ "${rounds:-0}" -ge 50 ] || fail "only ${rounds:-0} legitimate rounds: it did not run through the abuse"

ws_stop
log=$(cat "$WS_LOG")
echo "--- wirestack's counters ---"
grep -E '^(http|json)(_connections|_shed| port)|^tcp_sockets ' <<<"$log"
counter() {  # counter LAYER NAME: the value on the "LAYER name value ..." line (0 when absent)
  awk -v layer="$1" -v name="$2" '$1 == layer { for (i = 2; i < NF; i += 2) if ($i == name) { print $(i + 1); exit } }' \
    <<<"$log" | grep . || echo 0
}
half=$((HALF_ADDRESSES * 200 + PER_ADDRESS))
rt=$(counter http_shed request_timeouts)
[ "$rt" -ge "$half" ] || fail "http request_timeouts $rt, expected at least the $half half requests"
# At least the 44 the clients saw reset (checked exactly above): during the
# flood SYN cookies are out, and a client's segment that left before our RST
# arrived carries a valid cookie ACK, so the listener makes the connection
# again and the cap resets it again (one run counted 62 for 44 clients).
[ "$(counter http_shed over_per_address)" -ge $((CAP_PROBE - PER_ADDRESS)) ] \
  || fail "http over_per_address $(counter http_shed over_per_address), expected at least $((CAP_PROBE - PER_ADDRESS))"
[ "$(counter http_shed oversized_header)" -ge 1 ] || fail "no oversized header counted"
[ "$(counter http_shed oversized_body)" -ge 2 ] || fail "oversized bodies counted: $(counter http_shed oversized_body), expected 2"
[ "$(counter http_shed slow_readers)" = "$DEAF" ] || fail "slow_readers $(counter http_shed slow_readers), expected $DEAF"
[ "$(counter json_shed oversized_body)" = 1 ] || fail "json oversized_body $(counter json_shed oversized_body), expected 1"
syns=$(counter tcp_sockets listen_syns)
cookies=$(counter tcp_sockets cookies_sent)
echo "hping3 sent $flood spoofed SYNs; listen_syns $syns cookies_sent $cookies"
[ "$cookies" -gt 0 ] || fail "no SYN cookie sent: the flood never filled the SYN queue"
echo "figures: half_requests $half request_timeouts $rt over_per_address $(counter http_shed over_per_address)" \
  "slow_readers $(counter http_shed slow_readers) oversized_header $(counter http_shed oversized_header)" \
  "oversized_body $(counter http_shed oversized_body)+$(counter json_shed oversized_body)" \
  "legit_p50_ms $(awk '/^legit latency_ms/ {print $4}' <<<"$legit") legit_p99_ms $p99 flood_syns $flood"
finish
