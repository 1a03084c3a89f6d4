#!/usr/bin/env bash
# tests/interop/dhcp_test.sh WIRESTACK — `wirestack tap --dhcp` against a
# real DHCP server: dnsmasq (Debian dnsmasq-base), started here in the
# test's own namespace on the kernel's side of the TAP.
#  1. The stack leases an address from dnsmasq's pool, with its gateway
#     and DNS server, and says so; the kernel pings the leased address, and
#     pings it from an address behind the gateway (our reply needs the
#     default route from the lease); dnsmasq's lease file lists our MAC.
#  2. With dnsmasq's T1 at 3 s the stack renews the lease while it runs.
#  3. On SIGTERM the stack sends a RELEASE: dnsmasq logs it and drops the
#     lease from its file.
#  4. `wirestack resolve --dhcp NAME` asks the DNS server of its lease.
#  5. With no server on the link, `tap --dhcp --dhcp-timeout 3` gives up
#     after about 3 s with a line that says what it sent and what came.
#  6. Bad input: scapy plays the server (dhcp_scapy_server.py) and sends
#     truncated replies, overlong options, a wrong cookie, wrong xids, an
#     option overload loop...: each counted (malformed or ignored) and
#     dropped; the stack takes the one good OFFER and ACK, whose options are
#     in the overloaded file and sname fields, and answers pings.
#  7. Our server, `tap --dhcp-server`: scapy sends it malformed requests
#     (counted as malformed, never answered) and a DISCOVER whose options
#     sit in an overload loop (answered); then a real client, busybox's
#     udhcpc, leases an address with our gateway and DNS server, pings us
#     from it, and releases it.
source "$(dirname "$0")/lib.sh"
NS="wsdhcp-$$"  # names of our own, so that helpers testing at once never collide
TAP="wsdhcp$$"
interop_init "$1" dnsmasq ping udhcpc
BEHIND=10.99.0.1  # an address of the kernel's beyond the gateway (on lo)
in_ns ip addr add "$BEHIND/32" dev lo

LEASES="$WORK/dnsmasq.leases"
DNSMASQ_LOG="$WORK/dnsmasq.log"
# The pool, a 2-minute lease (dnsmasq's least) renewed after 3 s (option 58),
# and a name for the DNS check. dnsmasq offers itself as router and DNS server.
ip netns exec "$NS" dnsmasq --no-daemon --conf-file=/dev/null --bind-interfaces --interface="$TAP" \
  --except-interface=lo --listen-address="$KERNEL_IP" --port=53 --no-resolv --no-hosts \
  --address=/web.campus/10.77.0.80 --dhcp-range=10.77.0.50,10.77.0.59,255.255.255.0,2m \
  --dhcp-option=option:T1,3 --dhcp-option=option:T2,100 --dhcp-authoritative \
  --dhcp-leasefile="$LEASES" --log-dhcp --log-facility=- --pid-file="$WORK/dnsmasq.pid" --user=root \
  >"$DNSMASQ_LOG" 2>&1 &
DNSMASQ_PID=$!
STARTED_PIDS+=("$DNSMASQ_PID")
for _ in $(seq 1 50); do grep -q 'DHCP, IP range' "$DNSMASQ_LOG" && break; sleep 0.1; done
grep -q 'DHCP, IP range' "$DNSMASQ_LOG" || { cat "$DNSMASQ_LOG"; fail "dnsmasq did not start"; finish; }

# 1. The lease.
WS_ADDRESS=--dhcp ws_start tap --udp-echo 7777 --seconds 60
log=$(cat "$WS_LOG")
expect "bound line" '^wirestack tap: DHCP: bound to 10\.77\.0\.5[0-9]/24 from 10\.77\.0\.1 for 120 s \(renewal in 3 s\), gateway 10\.77\.0\.1, DNS 10\.77\.0\.1$' "$log"
expect "start-up line names the lease" '^wirestack tap: wsdhcp[0-9]+: DHCP 10\.77\.0\.5[0-9]/24 from 10\.77\.0\.1 .* at 02:77:00:00:00:02' "$log"
LEASED=$(grep -oE 'DHCP: bound to 10\.77\.0\.5[0-9]' "$WS_LOG" | head -1 | grep -oE '10\.77\.0\.5[0-9]')
[ -n "$LEASED" ] || { fail "no leased address in the log"; finish; }
out=$(in_ns ping -c 2 -W 2 "$LEASED" 2>&1) || fail "the kernel cannot ping the leased $LEASED: $out"
out=$(in_ns ping -c 2 -W 2 -I "$BEHIND" "$LEASED" 2>&1) ||
  fail "ping from $BEHIND (our reply goes through the lease's gateway) failed: $out"
out=$(timeout 10 ip netns exec "$NS" "$PY" - "$LEASED" <<'PY' 2>&1
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(b"leased", (sys.argv[1], 7777))
print("echo", s.recv(100).decode())
PY
)
expect "UDP echo on the leased address" '^echo leased$' "$out"
grep -qiE "^[0-9]+ $OUR_MAC $LEASED " "$LEASES" || fail "dnsmasq's lease file does not list $OUR_MAC at $LEASED: $(cat "$LEASES")"
dm=$(cat "$DNSMASQ_LOG")
expect "dnsmasq saw the DISCOVER" "DHCPDISCOVER\\($TAP\\) $OUR_MAC" "$dm"
expect "dnsmasq acknowledged" "DHCPACK\\($TAP\\) $LEASED $OUR_MAC" "$dm"

# 2. Renewal: T1 is 3 s after the REQUEST; a REQUEST unicast from the leased
#    address (dnsmasq logs it with the client's address) and a new ACK.
for _ in $(seq 1 80); do grep -q 'DHCP: renewed' "$WS_LOG" && break; sleep 0.1; done
expect "renewed" "^wirestack tap: DHCP: renewed $LEASED/24 for 120 s$" "$(cat "$WS_LOG")"
acks=$(grep -c "DHCPACK($TAP) $LEASED $OUR_MAC" "$DNSMASQ_LOG")
[ "$acks" -ge 2 ] || fail "dnsmasq sent $acks ACKs to $OUR_MAC, expected the first and a renewal's"
out=$(in_ns ping -c 1 -W 2 "$LEASED" 2>&1) || fail "no ping after the renewal: $out"

# 3. RELEASE on exit.
ws_stop
log=$(cat "$WS_LOG")
expect "released" "^wirestack tap: DHCP: released $LEASED$" "$log"
expect "dhcp counters" '^dhcp sent [0-9]+ malformed 0 ignored [0-9]+' "$log"
for _ in $(seq 1 30); do grep -q "DHCPRELEASE($TAP) $LEASED $OUR_MAC" "$DNSMASQ_LOG" && break; sleep 0.1; done
expect "dnsmasq saw the RELEASE" "DHCPRELEASE\\($TAP\\) $LEASED $OUR_MAC" "$(cat "$DNSMASQ_LOG")"
for _ in $(seq 1 30); do grep -qi "$OUR_MAC" "$LEASES" || break; sleep 0.1; done
grep -qi "$OUR_MAC" "$LEASES" && fail "the lease is still in dnsmasq's file after the RELEASE: $(cat "$LEASES")"

# 4. The lease's DNS server, for our resolver (no --server).
out=$(timeout 30 ip netns exec "$NS" "$WS" resolve --dev "$TAP" --dhcp --mac "$OUR_MAC" web.campus 2>&1; echo "exit $?")
expect "resolve --dhcp: bound" '^wirestack resolve: DHCP: bound to 10\.77\.0\.5[0-9]/24 .*DNS 10\.77\.0\.1$' "$out"
expect "resolve --dhcp: answer from dnsmasq" '^web\.campus\. [0-9]+ IN A 10\.77\.0\.80$' "$out"
expect "resolve --dhcp: released" '^wirestack resolve: DHCP: released 10\.77\.0\.5[0-9]$' "$out"
expect "resolve --dhcp: exit 0" '^exit 0$' "$out"

# 5. No server: a bounded wait and a line saying why.
kill -TERM "$DNSMASQ_PID"
wait "$DNSMASQ_PID" 2>/dev/null
start=$(date +%s%N)
out=$(timeout 30 ip netns exec "$NS" "$WS" tap --dev "$TAP" --dhcp --dhcp-timeout 3 --mac "$OUR_MAC" 2>&1; echo "exit $?")
ms=$((($(date +%s%N) - start) / 1000000))
expect "no server: why" "^wirestack tap: --dhcp: no lease within 3 s on $TAP \\([0-9]+ DISCOVER sent; no OFFER came\\); is a DHCP server serving that link\\?$" "$out"
expect "no server: exit 1" '^exit 1$' "$out"
[ "$ms" -lt 8000 ] || fail "giving up took $ms ms for a 3 s --dhcp-timeout"

# 6. Malformed replies from a server played by scapy.
ip netns exec "$NS" timeout 60 "$PY" "$(dirname "$0")/dhcp_scapy_server.py" "$TAP" "$OUR_MAC" \
  >"$WORK/scapy.out" 2>&1 &
SCAPY_PID=$!
STARTED_PIDS+=("$SCAPY_PID")
for _ in $(seq 1 100); do grep -q '^listening' "$WORK/scapy.out" && break; sleep 0.1; done
grep -q '^listening' "$WORK/scapy.out" || fail "the scapy server did not start: $(cat "$WORK/scapy.out")"
WS_ADDRESS=--dhcp ws_start tap --dhcp-timeout 20 --seconds 60
log=$(cat "$WS_LOG")
expect "bound after the garbage" '^wirestack tap: DHCP: bound to 10\.77\.0\.66/24 from 10\.77\.0\.1 for 120 s \(renewal in 60 s\), gateway 10\.77\.0\.1$' "$log"
out=$(in_ns ping -c 2 -W 2 10.77.0.66 2>&1) || fail "no ping to 10.77.0.66 after the garbage: $out"
ws_stop
rc=0
wait "$SCAPY_PID" || rc=$?
scapy=$(cat "$WORK/scapy.out")
[ "$rc" = 0 ] || fail "the scapy server exited $rc:
$scapy"
expect "scapy: the REQUEST" '^request for 10\.77\.0\.66 server 10\.77\.0\.1 from 0\.0\.0\.0$' "$scapy"
expect "scapy: the RELEASE" '^release of 10\.77\.0\.66 from 10\.77\.0\.66$' "$scapy"
malformed=$(awk '$1 == "expect" && $2 == "malformed" { print $3 }' <<<"$scapy")
ignored=$(awk '$1 == "expect" && $2 == "ignored" { print $3 }' <<<"$scapy")
expect "every bad reply counted" "^dhcp sent [0-9]+ malformed ${malformed:-x} ignored ${ignored:-x} send_errors 0$" "$(cat "$WS_LOG")"

# 7. Our server: garbage from scapy, then udhcpc.
echo "10.77.0.80 web.campus" >"$WORK/hosts"
ws_start tap --gateway "$KERNEL_IP" --dns "53:$WORK/hosts" --dhcp-server 10.77.0.100-10.77.0.109 --dhcp-lease 30 \
  --seconds 60
expect "server in the start-up line" ', dhcp server leasing 10\.77\.0\.100-10\.77\.0\.109 for 30 s' "$(cat "$WS_LOG")"
out=$(timeout 30 ip netns exec "$NS" "$PY" - "$TAP" "$OUR_IP" <<'PY' 2>&1
import socket, struct, sys
from scapy.all import BOOTP, DHCP, raw
tap, server = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, tap.encode())
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.bind(("0.0.0.0", 68))
s.settimeout(1.5)
mac = bytes.fromhex("020000abcdef")
def discover(**kw):
    return raw(BOOTP(op=1, xid=0x1234, flags=0x8000, chaddr=mac, **kw) /
               DHCP(options=[("message-type", "discover"), "end"]))
def ask(name, payload):
    s.sendto(payload, (server, 67))
    try:
        got = BOOTP(s.recv(2048))
        opts = {o[0]: o[1] for o in got[DHCP].options if isinstance(o, tuple)}
        print(name, "answered", {2: "OFFER", 5: "ACK", 6: "NAK"}.get(opts.get("message-type"), "?"), got.yiaddr)
    except socket.timeout:
        print(name, "no answer")
good = discover()
cut = good.index(b"\x35\x01\x01")
ask("truncated", good[:100])
ask("cookie", good[:236] + b"\x00\x00\x00\x00" + good[240:])
ask("overrun", good[:cut] + b"\x35\x01\x01\x37\xff\x01")
ask("no-type", good[:cut] + b"\x01\x04\xff\xff\xff\x00\xff")
ask("type-0", good[:cut] + b"\x35\x01\x00\xff")
ask("hlen", good[:2] + b"\x20" + good[3:])
ask("tiny", b"\x01")
# A DISCOVER whose type is in `file`, and whose file and sname point back at
# each other with option 52: read once each, no loop.
ask("overload", raw(BOOTP(op=1, xid=0x1235, flags=0x8000, chaddr=mac, file=b"\x34\x01\x03\x35\x01\x01\xff",
                          sname=b"\x34\x01\x03") / DHCP(options=[("dhcp-option-overload", 3), "end"])))
ask("reply", raw(BOOTP(op=2, xid=0x1236, chaddr=mac) / DHCP(options=[("message-type", "offer"), "end"])))
PY
)
for name in truncated cookie overrun no-type type-0 hlen tiny reply; do
  expect "server: $name dropped" "^$name no answer$" "$out"
done
expect "server: overload loop answered" '^overload answered OFFER 10\.77\.0\.10[0-9]$' "$out"
# A real client: udhcpc, whose script records the lease and puts the address
# on the kernel's side of the TAP (beside 10.77.0.1), so that it can use it.
cat >"$WORK/udhcpc.sh" <<SH
#!/bin/sh
echo "\$1 ip=\$ip subnet=\$subnet router=\$router dns=\$dns lease=\$lease serverid=\$serverid" >>"$WORK/udhcpc.out"
[ "\$1" = bound ] && ip addr add "\$ip/24" dev "\$interface"
exit 0
SH
chmod +x "$WORK/udhcpc.sh"
# (-q -R would quit without a RELEASE: busybox releases on SIGTERM only.)
ip netns exec "$NS" udhcpc -i "$TAP" -f -n -R -t 3 -T 2 -s "$WORK/udhcpc.sh" >"$WORK/udhcpc.log" 2>&1 &
UDHCPC_PID=$!
STARTED_PIDS+=("$UDHCPC_PID")
for _ in $(seq 1 100); do grep -q '^bound' "$WORK/udhcpc.out" 2>/dev/null && break; sleep 0.1; done
lease=$(cat "$WORK/udhcpc.out" 2>/dev/null)
LEASED=$(grep -oE '^bound ip=[0-9.]+' <<<"$lease" | cut -d= -f2)
out=$(in_ns ping -c 1 -W 2 -I "${LEASED:-10.77.0.1}" "$OUR_IP" 2>&1) || fail "no ping from udhcpc's lease: $out"
kill -TERM "$UDHCPC_PID"
rc=0
wait "$UDHCPC_PID" || rc=$?
[ "$rc" = 0 ] || fail "udhcpc exited $rc: $(cat "$WORK/udhcpc.log")"
expect "udhcpc released" "unicasting a release of ${LEASED:-x} to 10\.77\.0\.2" "$(cat "$WORK/udhcpc.log")"
expect "udhcpc bound" '^bound ip=10\.77\.0\.10[0-9] subnet=255\.255\.255\.0 router=10\.77\.0\.1 dns=10\.77\.0\.2 lease=30 serverid=10\.77\.0\.2$' "$lease"
ws_stop
log=$(cat "$WS_LOG")
expect "server counters" '^dhcp_server discovers [1-9][0-9]* offers [1-9][0-9]* requests 1 acks 1 naks 0 releases 1 declines 0 informs 0 pool_exhausted 0 ignored 1 malformed 7$' "$log"
finish
