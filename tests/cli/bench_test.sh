#!/usr/bin/env bash
# tests/cli/bench_test.sh WIRESTACK — `wirestack bench` with tiny sizes: each
# benchmark finishes, reports its figures in a readable line and, as its last
# line, one line of JSON whose counts match what was asked; bad options fail.
set -u
ws=$1
fail=0
expect() {  # expect DESCRIPTION PATTERN TEXT
  if ! grep -qE -- "$2" <<<"$3"; then echo "FAIL: $1: no line matches /$2/"; echo "$3"; fail=1; fi
}
last_line() { tail -n 1 <<<"$1"; }

out=$("$ws" bench tcp-bulk --bytes 3000000 --mtu 1500) || { echo "FAIL: tcp-bulk exited $?"; fail=1; }
expect "bulk line" '^tcp-bulk: 3000000 bytes in [0-9.]+ s wall = [0-9.]+ Gbit/s \(CPU [0-9.]+ s = [0-9.]+ Gbit/s per CPU second; MTU 1500, 1048576-byte buffers, [0-9]+ segments sent' "$out"
expect "bulk json" '^\{"bench":"tcp-bulk","bytes":3000000,"mtu":1500,"buffer":1048576,"wall_s":[0-9.]+,"gbit_per_s":[0-9.]+,"cpu_s":[0-9.]+,"gbit_per_cpu_s":[0-9.]+,"segments":[0-9]+,"tcp_segments":[0-9]+,"events":[0-9]+,"sim_s":[0-9.]+\}$' "$(last_line "$out")"
# 3,000,000 bytes in 1448-byte segments (MSS 1460 minus timestamps): at least 2072 data segments.
segs=$(last_line "$out" | sed -E 's/.*"segments":([0-9]+).*/\1/')
[ "${segs:-0}" -ge 2072 ] || { echo "FAIL: tcp-bulk: $segs segments for 3000000 bytes at MTU 1500"; fail=1; }

out=$("$ws" bench tcp-bulk --bytes 3000000 --mtu 9000) || { echo "FAIL: tcp-bulk --mtu 9000 exited $?"; fail=1; }
segs9=$(last_line "$out" | sed -E 's/.*"segments":([0-9]+).*/\1/')
# A jumbo MTU means fewer, larger segments.
[ "${segs9:-0}" -gt 0 ] && [ "${segs9:-0}" -lt $((segs / 4)) ] || { echo "FAIL: MTU 9000 sent $segs9 segments (MTU 1500: $segs)"; fail=1; }

# A 64 KiB window (compare.sh's, as lwIP's): the same bytes, more ACK rounds.
out=$("$ws" bench tcp-bulk --bytes 3000000 --buffer 65536) || { echo "FAIL: tcp-bulk --buffer 65536 exited $?"; fail=1; }
expect "bulk json 64k" '^\{"bench":"tcp-bulk","bytes":3000000,"mtu":1500,"buffer":65536,' "$(last_line "$out")"

out=$("$ws" bench tcp-connect --count 500 --parallel 8) || { echo "FAIL: tcp-connect exited $?"; fail=1; }
expect "connect line" '^tcp-connect: 500 cycles \(connect, 16-byte request, 16-byte response, close\) in [0-9.]+ s wall = [0-9]+ cycles/s \(CPU [0-9.]+ s = [0-9]+ cycles per CPU second; 8 in flight, 0 failed' "$out"
expect "connect json" '^\{"bench":"tcp-connect","cycles":500,"failed":0,"parallel":8,' "$(last_line "$out")"

out=$("$ws" bench tcp-idle --connections 2000) || { echo "FAIL: tcp-idle exited $?"; fail=1; }
expect "idle line" '^tcp-idle: 2000 idle connections \(4000 endpoints, 4000 established\)' "$out"
expect "idle heap" '^tcp-idle: heap \((mallinfo2 uordblks \+ hblkhd|ASan allocator)\) \+[0-9.]+ MiB = [0-9]+ bytes per endpoint' "$out"
expect "idle rss" '^tcp-idle: RSS \(VmRSS\) \+' "$out"
expect "idle sizeof" '^tcp-idle: sizeof\(tcp::Connection\) = [0-9]+ bytes; socket buffers held: 0 bytes' "$out"
expect "idle json" '^\{"bench":"tcp-idle","connections":2000,"endpoints":4000,"established_endpoints":4000,' "$(last_line "$out")"
# An idle connection holds no buffers, so its heap cost is its control
# block plus table entries: more than sizeof(Connection), far below 4 KiB.
per=$(last_line "$out" | sed -E 's/.*"heap_bytes_per_endpoint":([0-9]+).*/\1/')
[ "${per:-0}" -gt 500 ] && [ "${per:-0}" -lt 4096 ] || { echo "FAIL: tcp-idle: $per heap bytes per endpoint"; fail=1; }

if "$ws" bench tcp-bulk --mtu 100 >/dev/null 2>&1; then echo "FAIL: --mtu 100 accepted"; fail=1; fi
if "$ws" bench tcp-bulk --buffer 100 >/dev/null 2>&1; then echo "FAIL: --buffer 100 accepted"; fail=1; fi
if "$ws" bench >/dev/null 2>&1; then echo "FAIL: bench without a benchmark accepted"; fail=1; fi

[ $fail -eq 0 ] && echo "bench smoke test: all passed"
exit $fail
