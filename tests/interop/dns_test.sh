#!/usr/bin/env bash
# tests/interop/dns_test.sh WIRESTACK — DNS against real Linux tools.
#  1. dig (Debian dnsutils) asks `wirestack tap --dns 53:ZONE` for every
#     record type, over UDP and +tcp; an answer too big for 512 bytes comes
#     back truncated and dig retries over TCP; NXDOMAIN, NODATA and REFUSED.
#  2. scapy-crafted malformed queries (a compression loop, a truncated
#     header, huge counts, a response) are counted and dropped or answered
#     with FORMERR; the server keeps answering.
#  3. our stub resolver (`wirestack resolve`) asks a real dnsmasq started
#     here in the namespace: A through a CNAME, TXT, NXDOMAIN, and a
#     truncated answer retried over TCP;
#  4. dig against `wirestack tap --dns` serving that hosts(5) file.
#  5. the server on its IPv6 address too: dig @2001:db8:77::2 over UDP and
#     TCP, for AAAA, A and a truncated answer retried over TCP.
source "$(dirname "$0")/lib.sh"
NS="wsdns-$$"   # names of our own, so that helpers testing at once never collide
TAP="wsdns$$"
interop_init "$1" dig dnsmasq

cat >"$WORK/campus.zone" <<ZONE
\$ORIGIN campus.
\$TTL 300
@       IN SOA ns admin (
           2026120701 ; serial
           3600 600 86400
           60 )        ; negative answers
        IN NS  ns
ns      IN A   $OUR_IP
web     IN A   10.77.0.80
web     IN AAAA 2001:db8::80
www     IN CNAME web
info    IN TXT "hello from wirestack" "two strings"
deep.sub IN A  10.77.0.9
ZONE
for i in $(seq 1 60); do echo "many IN A 10.77.9.$i" >>"$WORK/campus.zone"; done
cat >>"$WORK/campus.zone" <<ZONE
\$ORIGIN 0.77.10.in-addr.arpa.
@       IN SOA ns.campus. admin.campus. 1 3600 600 86400 60
80      IN PTR web.campus.
ZONE

ws_start tap --dns "53:$WORK/campus.zone" --seconds 90

d() { timeout 20 ip netns exec "$NS" dig @"$OUR_IP" +time=2 +tries=2 "$@" 2>&1; }

out=$(d web.campus A +noall +answer +comments)
expect "A" '^web\.campus\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+10\.77\.0\.80$' "$out"
expect "AA flag" 'flags: qr aa rd;' "$out"
out=$(d web.campus AAAA +short); expect "AAAA" '^2001:db8::80$' "$out"
out=$(d www.campus A +noall +answer)
expect "CNAME" '^www\.campus\.[[:space:]]+300[[:space:]]+IN[[:space:]]+CNAME[[:space:]]+web\.campus\.$' "$out"
expect "CNAME chased to A" '^web\.campus\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+10\.77\.0\.80$' "$out"
out=$(d -x 10.77.0.80 +short); expect "PTR" '^web\.campus\.$' "$out"
out=$(d campus NS +short); expect "NS" '^ns\.campus\.$' "$out"
out=$(d campus SOA +short); expect "SOA" '^ns\.campus\. admin\.campus\. 2026120701 3600 600 86400 60$' "$out"
out=$(d info.campus TXT +short); expect "TXT" '^"hello from wirestack" "two strings"$' "$out"
out=$(d nothere.campus A)
expect "NXDOMAIN" 'status: NXDOMAIN' "$out"
expect "SOA in authority" '^campus\.[[:space:]]+60[[:space:]]+IN[[:space:]]+SOA' "$out"
out=$(d ns.campus AAAA); expect "NODATA" 'status: NOERROR.*' "$out"; expect "NODATA has no answer" 'ANSWER: 0, AUTHORITY: 1' "$out"
out=$(d sub.campus A); expect "empty non-terminal is NODATA" 'status: NOERROR' "$out"
out=$(d example.org A); expect "REFUSED" 'status: REFUSED' "$out"
out=$(d +tcp web.campus A +short); expect "+tcp" '^10\.77\.0\.80$' "$out"
for q in "web.campus AAAA" "www.campus CNAME" "campus NS" "campus SOA" "info.campus TXT" "80.0.77.10.in-addr.arpa PTR"; do
  # shellcheck disable=SC2086
  out=$(d +tcp $q +noall +answer +comments)
  expect "+tcp $q" 'flags: qr aa rd;' "$out"
  expect "+tcp $q answer" "^${q%% *}\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+${q##* }[[:space:]]" "$out"
done
out=$(d many.campus A +noedns)
expect "truncated, retried over TCP" 'Truncated, retrying in TCP mode' "$out"
expect "all 60 over TCP" 'ANSWER: 60,' "$out"
out=$(d many.campus A +noedns +ignore)
expect "TC flag" 'flags: qr aa tc rd;' "$out"
out=$(d many.campus A +bufsize=1232); expect "EDNS0 lets it fit" 'ANSWER: 60,' "$out"
out=$(d web.campus A +edns=1 +noednsneg); expect "EDNS version 1: BADVERS" 'status: BADVERS' "$out"

# 2. Malformed queries, crafted with scapy's DNS layer and by hand.
out=$(timeout 30 ip netns exec "$NS" "$PY" - "$OUR_IP" <<'PY' 2>&1
import socket, sys
from scapy.all import DNS, DNSQR, raw
ip = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1)
def ask(name, payload, want_reply):
    s.sendto(payload, (ip, 53))
    try:
        got = s.recv(4096)
        rcode = got[3] & 0xf if len(got) >= 4 else -1
        print(name, "reply rcode", rcode)
    except socket.timeout:
        print(name, "no reply")
# A question whose name is a pointer to itself (offset 12).
ask("loop", bytes.fromhex("abcd01000001000000000000") + b"\xc0\x0c\x00\x01\x00\x01", True)
# Two pointers pointing at each other.
ask("pingpong", bytes.fromhex("abce01000001000000000000") + b"\x03www\xc0\x12\xc0\x0c\x00\x01\x00\x01", True)
ask("header", bytes.fromhex("abcf0100"), False)  # 4 bytes: no header
ask("counts", raw(DNS(id=0xabd0, qd=DNSQR(qname="web.campus"), qdcount=65535, ancount=65535)), True)
ask("response", raw(DNS(id=0xabd1, qr=1, qd=DNSQR(qname="web.campus"))), False)
ask("label", bytes.fromhex("abd201000001000000000000") + b"\x80abc\x00\x00\x01\x00\x01", True)
ask("good", raw(DNS(id=0xabd3, rd=1, qd=DNSQR(qname="web.campus"))), True)
PY
)
expect "compression loop: FORMERR" '^loop reply rcode 1$' "$out"
expect "pointer ping-pong: FORMERR" '^pingpong reply rcode 1$' "$out"
expect "short header dropped" '^header no reply$' "$out"
expect "huge counts: FORMERR" '^counts reply rcode 1$' "$out"
expect "response dropped" '^response no reply$' "$out"
expect "reserved label type: FORMERR" '^label reply rcode 1$' "$out"
expect "still answering" '^good reply rcode 0$' "$out"
out=$(d web.campus A +short); expect "dig after the garbage" '^10\.77\.0\.80$' "$out"

ws_stop
log=$(cat "$WS_LOG")
expect "dns counters" '^dns port 53 queries [0-9]+ .* formerr 4 notimp 0 badvers 1 dropped 2 truncated [1-9]' "$log"

# 3. Our resolver against dnsmasq on the kernel's side.
{
  echo "10.77.0.80 web.campus"
  for i in $(seq 1 60); do echo "10.77.9.$i many.campus"; done
} >"$WORK/hosts"
ip netns exec "$NS" dnsmasq --no-daemon --conf-file=/dev/null --port=53 --listen-address="$KERNEL_IP" \
  --bind-interfaces --no-resolv --no-hosts --addn-hosts="$WORK/hosts" --cname=www.campus,web.campus \
  --txt-record=info.campus,"hi from dnsmasq" --local=/campus/ --pid-file="$WORK/dnsmasq.pid" \
  --user=root >"$WORK/dnsmasq.log" 2>&1 &
STARTED_PIDS+=("$!")
for _ in $(seq 1 50); do in_ns dig @"$KERNEL_IP" +time=1 +tries=1 web.campus +short >/dev/null 2>&1 && break; sleep 0.1; done

SERVER=$KERNEL_IP
r() { timeout 60 ip netns exec "$NS" "$WS" resolve --dev "$TAP" --ip "$OUR_IP/$PREFIX" --mac "$OUR_MAC" \
  --server "$SERVER" "$@" 2>&1; echo "exit $?"; }
out=$(r www.campus)
expect "resolve A through dnsmasq's CNAME" '^www\.campus\. [0-9]+ IN CNAME web\.campus\.$' "$out"
expect "resolve A" '^web\.campus\. [0-9]+ IN A 10\.77\.0\.80$' "$out"
expect "resolve exit 0" '^exit 0$' "$out"
out=$(r info.campus -t TXT); expect "resolve TXT" '^info\.campus\. [0-9]+ IN TXT "hi from dnsmasq"$' "$out"
out=$(r nothere.campus); expect "resolve NXDOMAIN" 'status NXDOMAIN' "$out"; expect "NXDOMAIN exit 3" '^exit 3$' "$out"
out=$(r many.campus --noedns)
expect "resolve: truncated, then TCP" ', 2 queries, answer over TCP' "$out"
n=$(grep -cE '^many\.campus\. [0-9]+ IN A 10\.77\.9\.' <<<"$out")
[ "$n" = 60 ] || fail "resolve over TCP: $n of 60 addresses in:
$out"
SERVER=$KERNEL_IP:5399
out=$(r web.campus --timeout 0.2 --tries 2)
expect "no server: timeout" 'no answer from 10\.77\.0\.1:5399 after 2 tries' "$out"

# 4. The same hosts file dnsmasq read, served by us (hosts(5) format).
ws_start tap --dns "53:$WORK/hosts" --seconds 60
out=$(d web.campus A +short); expect "hosts file: A" '^10\.77\.0\.80$' "$out"
out=$(d -x 10.77.0.80 +short); expect "hosts file: PTR" '^web\.campus\.$' "$out"
out=$(d many.campus A +noedns); expect "hosts file: 60 addresses over TCP" 'ANSWER: 60,' "$out"
ws_stop

# 5. Over IPv6: the same zone, asked at the stack's IPv6 address.
ipv6_init
ws_start tap --ip "$OUR_IP6/$PREFIX6" --dns "53:$WORK/campus.zone" --seconds 60
ws_await_dad "$OUR_IP6"
d6() { timeout 20 ip netns exec "$NS" dig @"$OUR_IP6" +time=2 +tries=2 "$@" 2>&1; }
out=$(d6 web.campus AAAA +short); expect "IPv6: AAAA" '^2001:db8::80$' "$out"
out=$(d6 web.campus A +noall +answer +comments)
expect "IPv6: A" '^web\.campus\.[[:space:]]+300[[:space:]]+IN[[:space:]]+A[[:space:]]+10\.77\.0\.80$' "$out"
expect "IPv6: AA flag" 'flags: qr aa rd;' "$out"
out=$(d6 +tcp web.campus AAAA +short); expect "IPv6: +tcp" '^2001:db8::80$' "$out"
out=$(d6 many.campus A +noedns)
expect "IPv6: truncated, retried over TCP" 'Truncated, retrying in TCP mode' "$out"
expect "IPv6: all 60 over TCP" 'ANSWER: 60,' "$out"
ws_stop
expect "IPv6 dns counters" '^dns port 53 queries 5 udp 3 tcp 2 ' "$(cat "$WS_LOG")"
finish
