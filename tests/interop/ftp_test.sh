#!/usr/bin/env bash
# tests/interop/ftp_test.sh WIRESTACK — FTP against real Linux clients and servers.
#  1. curl against `wirestack tap --ftp 21:DIR`: list, download of a 5 MiB
#     file (passive, then active with -P -), upload with -T (both modes), a
#     resumed download (-C / REST), TYPE A (--use-ascii), a link out of the root,
#     a missing file (550) and a refused login; SHA-256 of every file.
#  2. Python's ftplib: user login, PWD/CWD (".." stops at the root), NLST,
#     MLSD, SIZE, MDTM, storbinary/retrbinary (passive, active, REST), TYPE A
#     with CRLF on the wire, ABOR (sent as urgent data) during a transfer,
#     error replies as exceptions; a client sending garbage, a 100 KB line
#     and a PORT to a third host gets 500s and leaves the server serving.
#  3. our client (`wirestack ftp`) against a real server (python3-pyftpdlib,
#     on the kernel's side of the namespace): list, get and put of several
#     MiB in passive and active mode, SHA-256 checked.
source "$(dirname "$0")/lib.sh"
NS="wsftp-$$"   # names of our own, so that helpers testing at once never collide
TAP="wsftp$$"
interop_init "$1" curl sha256sum
"$PY" -c 'import pyftpdlib' 2>/dev/null || skip "python3-pyftpdlib is not installed (scripts/setup.sh installs it)"

SRV="$WORK/srv"
mkdir -p "$SRV/pub" "$WORK/secret"
head -c $((5 * 1024 * 1024 + 123)) /dev/urandom >"$SRV/pub/big.bin"
printf 'first line\nsecond line\nthird line\n' >"$SRV/pub/notes.txt"
echo "never served" >"$WORK/secret/key"
ln -s "$WORK/secret" "$SRV/escape"   # a link out of the root: must stay invisible
sum() { sha256sum "$1" | cut -d' ' -f1; }
same() {  # same DESCRIPTION FILE_A FILE_B
  if [ -f "$2" ] && [ -f "$3" ] && [ "$(sum "$2")" = "$(sum "$3")" ]; then return 0; fi
  fail "$1: $2 and $3 differ ($(stat -c %s "$2" 2>/dev/null) vs $(stat -c %s "$3" 2>/dev/null) bytes)"
}

ws_start tap --ftp "21:$SRV" --ftp-user alice:wonderland --seconds 120
c() { timeout 30 ip netns exec "$NS" curl -sS --max-time 25 "$@" 2>&1; }
URL="ftp://$OUR_IP"

# 1. curl
out=$(c "$URL/pub/"); expect "curl list" ' big\.bin$' "$out"; expect "curl list" ' notes\.txt$' "$out"
out=$(c "$URL/"); expect "curl list root" ' pub$' "$out"
grep -q escape <<<"$out" && fail "a link out of the root was listed: $out"
c -o "$WORK/dl.bin" "$URL/pub/big.bin" >/dev/null; same "curl passive download" "$SRV/pub/big.bin" "$WORK/dl.bin"
c -P - -o "$WORK/dl_active.bin" "$URL/pub/big.bin" >/dev/null
same "curl active download (-P -)" "$SRV/pub/big.bin" "$WORK/dl_active.bin"
head -c $((3 * 1024 * 1024 + 7)) /dev/urandom >"$WORK/up.bin"
c -T "$WORK/up.bin" "$URL/pub/up.bin" >/dev/null; same "curl upload -T" "$WORK/up.bin" "$SRV/pub/up.bin"
c -P - -T "$WORK/up.bin" "$URL/pub/up_active.bin" >/dev/null
same "curl active upload" "$WORK/up.bin" "$SRV/pub/up_active.bin"
c -C 5000000 -o "$WORK/tail.bin" "$URL/pub/big.bin" >/dev/null
tail -c +5000001 "$SRV/pub/big.bin" >"$WORK/tail_want.bin"; same "curl resumed download (REST)" "$WORK/tail_want.bin" "$WORK/tail.bin"
c --use-ascii -o "$WORK/notes_ascii.txt" "$URL/pub/notes.txt" >/dev/null
same "curl TYPE A (curl turns the CRLF we send back into LF)" "$SRV/pub/notes.txt" "$WORK/notes_ascii.txt"
out=$(c "$URL/pub/nothere.bin"; echo "exit $?"); expect "missing file" 'exit 78' "$out"
out=$(c "$URL/escape/key"; echo "exit $?"); expect "link out of the root" 'exit (9|78)' "$out"
out=$(c -u alice:wrong "$URL/pub/"; echo "exit $?"); expect "wrong password" 'exit 67' "$out"
out=$(c -u alice:wonderland "$URL/pub/notes.txt"); expect "user login" '^second line$' "$out"

# 2. Python's ftplib
out=$(timeout 40 ip netns exec "$NS" "$PY" - "$OUR_IP" "$WORK" <<'PY' 2>&1
import ftplib, hashlib, io, sys
ip, work = sys.argv[1], sys.argv[2]
f = ftplib.FTP()
f.connect(ip, 21, timeout=10)
print("welcome", f.getwelcome())
try:
    f.login("alice", "nope")
except ftplib.error_perm as e:
    print("badlogin", e)
f.login("alice", "wonderland")
print("pwd", f.pwd())
f.cwd("pub"); f.cwd("../../.."); print("after dotdot", f.pwd())
f.cwd("/pub")
print("nlst", sorted(f.nlst()))
print("mlsd", sorted((n, facts.get("type"), facts.get("size")) for n, facts in f.mlsd()))
f.voidcmd("TYPE I")
print("size", f.size("big.bin"))
print("mdtm", f.voidcmd("MDTM notes.txt"))
data = bytes(range(256)) * 8192  # 2 MiB
f.storbinary("STOR from_ftplib.bin", io.BytesIO(data))
got = io.BytesIO(); f.retrbinary("RETR from_ftplib.bin", got.write)
print("roundtrip", hashlib.sha256(got.getvalue()).hexdigest() == hashlib.sha256(data).hexdigest(), len(got.getvalue()))
got = io.BytesIO(); f.retrbinary("RETR big.bin", got.write, rest=5242880)
print("rest", len(got.getvalue()))
f.set_pasv(False)
got = io.BytesIO(); f.retrbinary("RETR from_ftplib.bin", got.write)
print("active", len(got.getvalue()) == len(data))
f.set_pasv(True)
for cmd in ["RETR nothere", "XYZZ", "DELE notes.txt", "CWD /escape", "STOR /nodir/x"]:
    try:
        if cmd.startswith(("RETR", "STOR")):
            f.retrbinary(cmd, lambda b: None) if cmd.startswith("RETR") else f.storbinary(cmd, io.BytesIO(b"x"))
        else:
            f.sendcmd(cmd)
        print("noerror", cmd)
    except ftplib.Error as e:
        print("error", cmd, "->", str(e)[:3])
f.voidcmd("TYPE A")
conn = f.transfercmd("RETR notes.txt"); raw = b""
while True:
    b = conn.recv(4096)
    if not b: break
    raw += b
conn.close(); f.voidresp()
print("ascii wire", raw.count(b"\r\n"), len(raw))
f.voidcmd("TYPE I")
conn = f.transfercmd("RETR big.bin"); first = conn.recv(1000)
resp = f.abort()  # ABOR sent as urgent data (MSG_OOB)
print("abort", resp[:3], f.voidresp()[:3] if resp.startswith("426") else "-", len(first) > 0)  # RFC 959: 426, then 226
conn.close()
print("noop", f.voidcmd("NOOP"))
print("quit", f.quit())
PY
)
expect "ftplib welcome" '^welcome 220 ' "$out"
expect "ftplib bad login" '^badlogin 530 ' "$out"
expect "ftplib pwd" '^pwd /$' "$out"
expect "ftplib .. stops at the root" '^after dotdot /$' "$out"
expect "ftplib nlst" "^nlst \['big.bin', 'notes.txt', 'up.bin', 'up_active.bin'\]$" "$out"
expect "ftplib mlsd" "\('big.bin', 'file', '5243003'\)" "$out"
expect "ftplib size" '^size 5243003$' "$out"
expect "ftplib mdtm" '^mdtm 213 [0-9]{14}$' "$out"
expect "ftplib store and fetch 2 MiB" '^roundtrip True 2097152$' "$out"
expect "ftplib rest" '^rest 123$' "$out"
expect "ftplib active" '^active True$' "$out"
expect "ftplib missing file" '^error RETR nothere -> 550$' "$out"
expect "ftplib unknown command" '^error XYZZ -> 500$' "$out"
expect "ftplib unimplemented" '^error DELE notes.txt -> 502$' "$out"
expect "ftplib link out" '^error CWD /escape -> 550$' "$out"
expect "ftplib no dir" '^error STOR /nodir/x -> 553$' "$out"
expect "ftplib TYPE A: CRLF on the wire" '^ascii wire 3 37$' "$out"
expect "ftplib ABOR during a transfer: 426 then 226" '^abort 426 226 True$' "$out"
expect "ftplib quit" '^quit 221 ' "$out"
[ -e "$WORK/secret/x" ] && fail "a file appeared outside the root"

# A misbehaving client: binary garbage, a line of 100 KB, a PORT to a third
# host, then it vanishes mid-session; the server answers each and goes on.
out=$(timeout 30 ip netns exec "$NS" "$PY" - "$OUR_IP" <<'PY' 2>&1
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], 21), timeout=10)
s.sendall(os.urandom(3000).replace(b"\n", b"") + b"\r\n" + b"A" * 100000 + b"\r\nUSER ftp\r\nPASS x\r\n"
          b"PORT 10,77,0,99,200,1\r\nRETR /pub/notes.txt\r\n")
time.sleep(1.5)
data = b""
s.settimeout(1)
try:
    while True:
        b = s.recv(65536)
        if not b: break
        data += b
except socket.timeout:
    pass
for line in data.decode("latin-1").split("\r\n"):
    if line: print("reply", line[:60])
s.close()  # mid-session, no QUIT
PY
)
expect "garbage: syntax error" '^reply 500 Syntax error' "$out"
expect "garbage: the long line" '^reply 500 Syntax error: line longer than 4096 bytes$' "$out"
expect "garbage: login after it" '^reply 230 Login successful' "$out"
expect "garbage: PORT to a third host" '^reply 500 Illegal PORT' "$out"
expect "garbage: no data port" '^reply 425 Use PASV' "$out"
out=$(c "$URL/pub/"); expect "curl list after the garbage" ' notes\.txt$' "$out"

ws_stop
log=$(cat "$WS_LOG")
expect "ftp counters" '^ftp port 21 connections [0-9]+ refused 0 .* files_sent [0-9]+ files_received 3 ' "$log"

# 3. Our client against pyftpdlib on the kernel's side.
PEER="$WORK/peer"
mkdir -p "$PEER/dir"
head -c $((4 * 1024 * 1024 + 99)) /dev/urandom >"$PEER/dir/four.bin"
start_pyftpdlib "$KERNEL_IP" "$PEER"
ours() { timeout 60 ip netns exec "$NS" "$WS" ftp --dev "$TAP" --ip "$OUR_IP/$PREFIX" --mac "$OUR_MAC" "$@"; }
PURL="ftp://$KERNEL_IP:2121"
out=$(ours "$PURL/dir/" 2>&1); expect "ours: list" 'four\.bin' "$out"
ours -o "$WORK/four.bin" "$PURL/dir/four.bin" 2>"$WORK/ours.err" || fail "ours: get: $(cat "$WORK/ours.err")"
same "ours: passive get from pyftpdlib" "$PEER/dir/four.bin" "$WORK/four.bin"
expect "ours: two connections" 'control 10\.77\.0\.2:[0-9]+ > 10\.77\.0\.1:2121, data 10\.77\.0\.2:[0-9]+ > 10\.77\.0\.1:[0-9]+' "$(cat "$WORK/ours.err")"
ours --active -o "$WORK/four_active.bin" "$PURL/dir/four.bin" 2>"$WORK/ours.err" || fail "ours: active get: $(cat "$WORK/ours.err")"
same "ours: active get from pyftpdlib" "$PEER/dir/four.bin" "$WORK/four_active.bin"
expect "ours: EPRT" '^> EPRT \|1\|10\.77\.0\.2\|[0-9]+\|$' "$(cat "$WORK/ours.err")"
ours -T "$WORK/up.bin" "$PURL/dir/" 2>"$WORK/ours.err" || fail "ours: put: $(cat "$WORK/ours.err")"
same "ours: put to pyftpdlib" "$WORK/up.bin" "$PEER/dir/up.bin"
ours --active -T "$WORK/up.bin" "$PURL/dir/up2.bin" 2>"$WORK/ours.err" || fail "ours: active put: $(cat "$WORK/ours.err")"
same "ours: active put to pyftpdlib" "$WORK/up.bin" "$PEER/dir/up2.bin"
out=$(ours "$PURL/dir/missing.bin" 2>&1; echo "exit $?"); expect "ours: 550" '^wirestack ftp: 550 ' "$out"; expect "ours: exit 1" '^exit 1$' "$out"
finish
