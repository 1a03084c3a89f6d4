#!/usr/bin/env bash
# tests/interop/ipv6_clients_test.sh WIRESTACK — our clients over IPv6
# against the Linux kernel on a TAP device: `wirestack ping` to the
# kernel's global address and to its link-local one (fe80::...%dev), and
# to an address nobody has ("Destination unreachable: Address unreachable"),
# `wirestack get http://[2001:db8:77::1]:8000/...` (and the link-local
# http://[fe80::...%25dev]:8000/, RFC 6874) from python3's
# http.server, `wirestack call` to a JSON-RPC server (docs/PROTOCOL.md
# framing) and `wirestack nc` to an echo, all python3 on kernel sockets
# bound to ::. Each client waits for its DAD to pass first.
source "$(dirname "$0")/lib.sh"
interop_init "$1" sha256sum
ipv6_init

ws() {  # ws SUBCOMMAND ARGS...: one of our clients on the TAP, both families configured
  local sub=$1
  shift
  timeout 20 ip netns exec "$NS" "$WS" "$sub" --dev "$TAP" --ip "$OUR_IP/$PREFIX" --ip "$OUR_IP6/$PREFIX6" \
    --mac "$OUR_MAC" "$@"
}

mkdir -p "$WORK/www"
echo "hello over IPv6" >"$WORK/www/hello.txt"
ip netns exec "$NS" "$PY" - "$WORK/www" "$WORK/servers.ready" >"$WORK/servers.log" 2>&1 <<'PY' &
import functools, http.server, json, os, socket, struct, sys, threading
root, ready = sys.argv[1], sys.argv[2]
class V6(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
web = V6(("::", 8000), functools.partial(http.server.SimpleHTTPRequestHandler, directory=root))
threading.Thread(target=web.serve_forever, daemon=True).start()
def listener(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(8)
    return s
def read_exact(c, n):
    b = b""
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            return None
        b += d
    return b
def rpc(srv):  # one length-prefixed JSON-RPC request per connection: echo
    while True:
        c, _ = srv.accept()
        with c:
            head = read_exact(c, 4)
            if head is None:
                continue
            req = json.loads(read_exact(c, struct.unpack(">I", head)[0]))
            body = json.dumps({"jsonrpc": "2.0", "id": req["id"], "result": req.get("params")}).encode()
            c.sendall(struct.pack(">I", len(body)) + body)
def echo(srv):
    while True:
        c, _ = srv.accept()
        with c:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
threading.Thread(target=rpc, args=(listener(7001),), daemon=True).start()
threading.Thread(target=echo, args=(listener(7007),), daemon=True).start()
open(ready, "w").close()
threading.Event().wait(50)
PY
STARTED_PIDS+=("$!")
for _ in $(seq 1 50); do [ -e "$WORK/servers.ready" ] && break; sleep 0.1; done
[ -e "$WORK/servers.ready" ] || { fail "the kernel-side servers did not start: $(cat "$WORK/servers.log")"; finish; }

out=$(ws ping -c 2 -i 0.2 "$KERNEL_IP6" 2>&1) || fail "wirestack ping $KERNEL_IP6 failed"
echo "$out" | tail -2
expect "our ping to the kernel's global address" "^2 packets transmitted, 2 received" "$out"
expect "our ping's header line" "^PING $KERNEL_IP6 .* 56\(104\) bytes" "$out"
out=$(ws ping -c 2 -i 0.2 "$KERNEL_LL%$TAP" 2>&1) || fail "wirestack ping $KERNEL_LL%$TAP failed"
echo "$out" | tail -2
expect "our ping to the kernel's link-local address" "^2 packets transmitted, 2 received" "$out"
# Nobody has this address: neighbour discovery gives up (3 solicitations a
# second apart) and ping says so as ping -6 does (RFC 4861 7.2.2).
out=$(ws ping -c 1 -W 5 2001:db8:77::99 2>&1) && fail "ping to an address nobody has exited 0"
expect "our ping to an absent neighbour" "^From $OUR_IP6 icmp_seq=1 Destination unreachable: Address unreachable$" "$out"
err=$(ws ping -c 1 "$KERNEL_LL%nosuchdev" 2>&1 >/dev/null) && fail "a zone other than --dev was accepted"
expect "a wrong zone is refused" "the zone must be the device" "$err"

out=$(ws get "http://[$KERNEL_IP6]:8000/hello.txt" 2>&1) || fail "wirestack get over IPv6 failed: $out"
expect "wirestack get over IPv6" "^hello over IPv6$" "$out"

# The kernel's link-local address with its zone, as RFC 6874 writes it in a URL.
out=$(ws get "http://[$KERNEL_LL%25$TAP]:8000/hello.txt" 2>&1) || fail "wirestack get to a link-local URL failed: $out"
expect "wirestack get http://[fe80::...%25dev]:8000/" "^hello over IPv6$" "$out"

out=$(ws call "$KERNEL_IP6" 7001 echo '["v6"]' 2>&1) || fail "wirestack call over IPv6 failed: $out"
expect "wirestack call over IPv6" '"result": ?\["v6"\]' "$out"

head -c $((2 * 1024 * 1024)) /dev/urandom >"$WORK/data"
want=$(sha256sum <"$WORK/data" | cut -d' ' -f1)
got=$(ws nc "$KERNEL_IP6" 7007 <"$WORK/data" | sha256sum | cut -d' ' -f1)
echo "wirestack nc, 2 MiB through the kernel's echo over IPv6: sent $want, got $got"
[ "$want" = "$got" ] || fail "wirestack nc over IPv6: SHA-256 differs"
finish
