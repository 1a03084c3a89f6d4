#!/usr/bin/env bash
# tests/interop/clients_test.sh WIRESTACK — our clients against kernel
# servers in the namespace: `wirestack nc` sends an HTTP request to
# `python3 -m http.server` and gets the file; `wirestack get` fetches it too;
# `wirestack call` talks to a framed JSON-RPC server written in python;
# nc to a closed port fails with "connection refused" and a non-zero status.
source "$(dirname "$0")/lib.sh"
interop_init "$1"
STACK=(--dev "$TAP" --ip "$OUR_IP/$PREFIX" --mac "$OUR_MAC")

mkdir -p "$WORK/www"
head -c 200000 /dev/urandom | base64 >"$WORK/www/file.txt"
ip netns exec "$NS" "$PY" -m http.server 8000 --bind "$KERNEL_IP" --directory "$WORK/www" >"$WORK/http.log" 2>&1 &
STARTED_PIDS+=("$!")
ip netns exec "$NS" "$PY" - "$KERNEL_IP" 7000 >"$WORK/rpc.log" 2>&1 <<'PY' &
import json, socket, struct, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen()
srv.settimeout(60)
for _ in range(2):
    c, _ = srv.accept()
    def read(n):
        b = b""
        while len(b) < n:
            d = c.recv(n - len(b))
            if not d:
                raise EOFError
            b += d
        return b
    (length,) = struct.unpack(">I", read(4))
    req = json.loads(read(length))
    if req["method"] == "echo":
        resp = {"jsonrpc": "2.0", "id": req["id"], "result": req.get("params")}
    else:
        resp = {"jsonrpc": "2.0", "id": req["id"], "error": {"code": -32601, "message": "Method not found"}}
    body = json.dumps(resp).encode()
    c.sendall(struct.pack(">I", len(body)) + body)
    c.close()
PY
STARTED_PIDS+=("$!")
for _ in $(seq 1 50); do
  # Listening sockets, without connecting (the RPC server counts its connections).
  [ "$(in_ns ss -Hltn "( sport = :8000 or sport = :7000 )" | wc -l)" = 2 ] && break
  sleep 0.1
done

# nc: a hand-written HTTP/1.0 request on standard input, the answer on standard output.
printf 'GET /file.txt HTTP/1.0\r\nHost: %s\r\n\r\n' "$KERNEL_IP" |
  timeout 30 ip netns exec "$NS" "$WS" nc "${STACK[@]}" "$KERNEL_IP" 8000 >"$WORK/nc.out" 2>"$WORK/nc.err"
rc=$?
[ "$rc" = 0 ] || fail "wirestack nc exited $rc: $(cat "$WORK/nc.err")"
expect "nc: status line" '^HTTP/1.0 200 OK' "$(head -1 "$WORK/nc.out")"
# The body is everything after the blank line.
"$PY" - "$WORK/nc.out" "$WORK/www/file.txt" <<'PY' || fail "nc: the body differs from the file"
import sys
raw = open(sys.argv[1], "rb").read()
body = raw.split(b"\r\n\r\n", 1)[1]
sys.exit(0 if body == open(sys.argv[2], "rb").read() else 1)
PY

# get: the body only, exit 0.
timeout 30 ip netns exec "$NS" "$WS" get "${STACK[@]}" "http://$KERNEL_IP:8000/file.txt" >"$WORK/get.out" 2>"$WORK/get.err"
rc=$?
[ "$rc" = 0 ] || fail "wirestack get exited $rc: $(cat "$WORK/get.err")"
cmp -s "$WORK/get.out" "$WORK/www/file.txt" || fail "wirestack get: the body differs from the file"
rc=0
timeout 30 ip netns exec "$NS" "$WS" get "${STACK[@]}" "http://$KERNEL_IP:8000/missing" >/dev/null 2>"$WORK/get404.err" || rc=$?
[ "$rc" != 0 ] || fail "wirestack get of a missing file exited 0"
expect "get 404" '404' "$(cat "$WORK/get404.err")"

# call: a result (exit 0) and an error reply (exit 1).
out=$(timeout 30 ip netns exec "$NS" "$WS" call "${STACK[@]}" "$KERNEL_IP" 7000 echo '{"x": 42}' 2>&1)
rc=$?
[ "$rc" = 0 ] || fail "wirestack call echo exited $rc: $out"
expect "call echo" '"result": ?\{"x": ?42\}' "$out"
rc=0
out=$(timeout 30 ip netns exec "$NS" "$WS" call "${STACK[@]}" "$KERNEL_IP" 7000 nope 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "wirestack call with an error reply exited $rc: $out"
expect "call error" 'error -32601' "$out"

# A closed port: refused, non-zero.
rc=0
out=$(echo hi | timeout 30 ip netns exec "$NS" "$WS" nc "${STACK[@]}" "$KERNEL_IP" 9 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "nc to a closed port exited 0"
expect "nc refused" 'connection refused' "$out"
finish
