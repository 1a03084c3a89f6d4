#!/usr/bin/env bash
# tests/interop/ipv6_ftp_test.sh WIRESTACK — FTP over IPv6 on the TAP
# command line (RFC 2428: EPSV and EPRT, the only ways to name an IPv6 data
# connection), against Linux's clients and a real server.
#  1. curl -g against `wirestack tap --ip 2001:db8:77::2/64 --ftp 21:DIR`:
#     list, a download of 2 MiB over EPSV and over EPRT (-P -), an upload;
#     SHA-256 of each file. Python's ftplib (EPSV) the same.
#  2. our client (`wirestack ftp ftp://[2001:db8:77::1]:2121/...`) against
#     pyftpdlib listening on the kernel's IPv6 address: list, get and put,
#     passive (EPSV) and active (EPRT |2|...|).
source "$(dirname "$0")/lib.sh"
NS="wsftp6-$$"  # names of our own, so that helpers testing at once never collide
TAP="wsftp6$$"
interop_init "$1" curl sha256sum
"$PY" -c 'import pyftpdlib' 2>/dev/null || skip "python3-pyftpdlib is not installed (scripts/setup.sh installs it)"
ipv6_init

SRV="$WORK/srv"
mkdir -p "$SRV/pub"
head -c $((2 * 1024 * 1024 + 5)) /dev/urandom >"$SRV/pub/two.bin"
sum() { sha256sum "$1" | cut -d' ' -f1; }
same() {  # same DESCRIPTION FILE_A FILE_B
  if [ -f "$2" ] && [ -f "$3" ] && [ "$(sum "$2")" = "$(sum "$3")" ]; then return 0; fi
  fail "$1: $2 and $3 differ ($(stat -c %s "$2" 2>/dev/null) vs $(stat -c %s "$3" 2>/dev/null) bytes)"
}

# 1. Linux's clients against our server, over IPv6 only.
ws_start tap --ip "$OUR_IP6/$PREFIX6" --ftp "21:$SRV" --seconds 90
ws_await_dad "$OUR_IP6"
c() { timeout 30 ip netns exec "$NS" curl -g -sS --max-time 25 "$@" 2>&1; }
URL="ftp://[$OUR_IP6]"
out=$(c "$URL/pub/"); expect "curl list over IPv6" ' two\.bin$' "$out"
c -o "$WORK/dl.bin" "$URL/pub/two.bin" >/dev/null; same "curl EPSV download" "$SRV/pub/two.bin" "$WORK/dl.bin"
c -P - -o "$WORK/dl_active.bin" "$URL/pub/two.bin" >/dev/null
same "curl EPRT download (-P -)" "$SRV/pub/two.bin" "$WORK/dl_active.bin"
head -c $((1024 * 1024 + 3)) /dev/urandom >"$WORK/up.bin"
c -T "$WORK/up.bin" "$URL/pub/up.bin" >/dev/null; same "curl upload over IPv6" "$WORK/up.bin" "$SRV/pub/up.bin"
out=$(timeout 30 ip netns exec "$NS" "$PY" - "$OUR_IP6" <<'PY' 2>&1
import ftplib, hashlib, io, sys
f = ftplib.FTP()
f.connect(sys.argv[1], 21, timeout=10)
f.login()
print("af", f.af)  # AF_INET6: ftplib then uses EPSV and EPRT
buf = io.BytesIO()
f.retrbinary("RETR /pub/two.bin", buf.write)
print("sha", hashlib.sha256(buf.getvalue()).hexdigest())
f.set_pasv(False)
buf = io.BytesIO()
f.retrbinary("RETR /pub/two.bin", buf.write)
print("active sha", hashlib.sha256(buf.getvalue()).hexdigest())
f.quit()
PY
)
expect "ftplib over IPv6" '^af 10$' "$out"
expect "ftplib EPSV" "^sha $(sum "$SRV/pub/two.bin")$" "$out"
expect "ftplib EPRT" "^active sha $(sum "$SRV/pub/two.bin")$" "$out"
ws_stop
expect "ftp counters" '^ftp port 21 connections [0-9]+ refused 0 .* files_sent 4 files_received 1 ' "$(cat "$WS_LOG")"

# 2. Our client against pyftpdlib on the kernel's IPv6 address.
PEER="$WORK/peer"
mkdir -p "$PEER/dir"
head -c $((3 * 1024 * 1024 + 11)) /dev/urandom >"$PEER/dir/three.bin"
start_pyftpdlib "$KERNEL_IP6" "$PEER"
ours() { timeout 60 ip netns exec "$NS" "$WS" ftp --dev "$TAP" --ip "$OUR_IP6/$PREFIX6" --mac "$OUR_MAC" "$@"; }
PURL="ftp://[$KERNEL_IP6]:2121"
out=$(ours "$PURL/dir/" 2>&1); expect "ours: list over IPv6" 'three\.bin' "$out"
ours -o "$WORK/three.bin" "$PURL/dir/three.bin" 2>"$WORK/ours.err" || fail "ours: get: $(cat "$WORK/ours.err")"
same "ours: EPSV get from pyftpdlib" "$PEER/dir/three.bin" "$WORK/three.bin"
expect "ours: EPSV" '^> EPSV$' "$(cat "$WORK/ours.err")"
expect "ours: two IPv6 connections" "control \\[$OUR_IP6\\]:[0-9]+ > \\[$KERNEL_IP6\\]:2121, data \\[$OUR_IP6\\]:[0-9]+ > \\[$KERNEL_IP6\\]:[0-9]+" "$(cat "$WORK/ours.err")"
ours --active -o "$WORK/three_active.bin" "$PURL/dir/three.bin" 2>"$WORK/ours.err" ||
  fail "ours: active get: $(cat "$WORK/ours.err")"
same "ours: EPRT get from pyftpdlib" "$PEER/dir/three.bin" "$WORK/three_active.bin"
expect "ours: EPRT |2|" "^> EPRT \\|2\\|$OUR_IP6\\|[0-9]+\\|$" "$(cat "$WORK/ours.err")"
ours -T "$WORK/up.bin" "$PURL/dir/" 2>"$WORK/ours.err" || fail "ours: put: $(cat "$WORK/ours.err")"
same "ours: put over IPv6" "$WORK/up.bin" "$PEER/dir/up.bin"
finish
