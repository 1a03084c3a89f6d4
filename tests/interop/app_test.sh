#!/usr/bin/env bash
# tests/interop/app_test.sh WIRESTACK — our HTTP and JSON-RPC servers
# (wirestack tap --http / --json) with kernel clients: curl (page, /stats
# JSON, keep-alive, a chunked upload, 100 parallel requests, errors) and the
# 20-line python client of docs/PROTOCOL.md (time, echo, an error reply).
source "$(dirname "$0")/lib.sh"
interop_init "$1" curl
ws_start tap --http 8080 --json 7000 --seconds 60
URL="http://$OUR_IP:8080"

page=$(in_ns curl -sS --max-time 10 "$URL/")
expect "built-in page" 'wirestack: a TCP/IP stack in user space' "$page"
stats=$(in_ns curl -sS --max-time 10 "$URL/stats")
echo "$stats" | "$PY" -c 'import json,sys; s=json.load(sys.stdin); assert s["stack"]["tcp"]["rx"] > 0, s; print("stats ok")' \
  || fail "/stats is not the JSON expected: $stats"

# Keep-alive: two URLs in one curl run share one connection.
verbose=$(in_ns curl -sS -v --max-time 10 "$URL/stats" "$URL/" -o /dev/null -o /dev/null 2>&1)
expect "keep-alive" 'Re-using existing connection' "$verbose"

# A chunked upload (curl sends Expect: 100-continue for it) comes back intact.
head -c 300000 /dev/urandom >"$WORK/upload.bin"
in_ns curl -sS --max-time 20 -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/octet-stream' \
  --data-binary @"$WORK/upload.bin" "$URL/echo" -o "$WORK/echoed.bin" || fail "chunked upload failed"
cmp -s "$WORK/upload.bin" "$WORK/echoed.bin" || fail "chunked upload: the echo differs"

# 100 parallel requests, all answered.
urls=()
for i in $(seq 1 100); do urls+=("$URL/stats?n=$i"); done
codes=$(in_ns curl -sS --no-progress-meter --max-time 30 --parallel --parallel-max 100 -o /dev/null -w '%{http_code}\n' "${urls[@]}")
n200=$(grep -c '^200$' <<<"$codes")
[ "$n200" = 100 ] || fail "parallel: $n200 of 100 requests got 200: $(sort <<<"$codes" | uniq -c)"

# Errors: 404, 405 (with Allow), 400 for garbage.
expect "404" '^404$' "$(in_ns curl -s -o /dev/null -w '%{http_code}' "$URL/nothing-here")"
expect "405" '^405$' "$(in_ns curl -s -o /dev/null -w '%{http_code}' -X DELETE "$URL/")"
bad=$(printf 'NOT HTTP AT ALL\r\n\r\n' | in_ns timeout 5 nc -q 2 "$OUR_IP" 8080)
expect "400 for garbage" '^HTTP/1.1 400 ' "$bad"

# JSON-RPC: the python client of docs/PROTOCOL.md.
CLIENT="$(dirname "$0")/../msg/jsonrpc_client.py"
t=$(in_ns "$PY" "$CLIENT" "$OUR_IP" 7000 time)
expect "time" '"result": ?"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"' "$t"
e=$(in_ns "$PY" "$CLIENT" "$OUR_IP" 7000 echo '{"hello":[1,2,3]}')
expect "echo" '"result": ?\{"hello": ?\[1, ?2, ?3\]\}' "$e"
rc=0
nm=$(in_ns "$PY" "$CLIENT" "$OUR_IP" 7000 no_such_method) || rc=$?
expect "unknown method" '-32601' "$nm"
[ "$rc" = 1 ] || fail "the python client should exit 1 on an error reply (got $rc)"

ws_stop
log=$(cat "$WS_LOG")
expect "http counted" '^http port 8080 requests [0-9]+ connections [0-9]+$' "$log"
expect "json counted" '^json port 7000 connections 3$' "$log"
finish
