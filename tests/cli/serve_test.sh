#!/usr/bin/env bash
# tests/cli/serve_test.sh WIRESTACK — `wirestack serve --congestion NAME` sets
# the kernel's TCP_CONGESTION on its listening socket, and the connections it
# accepts inherit it (seen with ss); the banner names it. The algorithm
# chosen is one that is not the system's default, so the check proves the
# option took effect. Skips (77) without ss or python3.
set -u
ws=$1
command -v ss >/dev/null && command -v python3 >/dev/null || { echo "SKIPPED: needs ss and python3"; exit 77; }
default=$(cat /proc/sys/net/ipv4/tcp_congestion_control 2>/dev/null)
if [ "$default" != reno ]; then ours=newreno kernel=reno
elif grep -qw cubic /proc/sys/net/ipv4/tcp_available_congestion_control; then ours=cubic kernel=cubic
else echo "SKIPPED: the default is reno and cubic is not available"; exit 77; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$ws" serve --congestion "$ours" --tcp-echo "$port" --seconds 3 >"$out" 2>&1 &
pid=$!
fail=0
for _ in $(seq 50); do ss -tln "sport = :$port" | grep -q LISTEN && break; sleep 0.05; done
listen=$(ss -tlni "sport = :$port")
grep -qw "$kernel" <<<"$listen" || { echo "FAIL: the listening socket does not use $kernel: $listen"; fail=1; }
accepted=$(python3 - "$port" <<'PY'
import socket, subprocess, sys
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"ping")
assert s.recv(16) == b"ping"
print(subprocess.run(["ss", "-tni", f"src 127.0.0.1:{port}"], capture_output=True, text=True).stdout)
PY
)
grep -qw "$kernel" <<<"$accepted" || { echo "FAIL: the accepted connection does not use $kernel: $accepted"; fail=1; }
wait "$pid" || { echo "FAIL: serve exited $?"; fail=1; }
grep -q "tcp congestion control $kernel; ^C to stop" "$out" || { echo "FAIL: banner: $(cat "$out")"; fail=1; }
[ "$fail" = 0 ] && echo "PASS: serve_test.sh ($ours = the kernel's $kernel, default $default)"
exit "$fail"
