#!/usr/bin/env bash
# bench/peers/smoke.sh WIRESTACK_BINARY BUILD_DIR — the ctest smoke test of
# the lwIP peer (label bench): tiny sizes, a few seconds at most.
#
# Skips (exit 77) when Debian's liblwip-dev is not installed: it installs
# nothing (bench/peers/build.sh does, when run by hand or by compare.sh).
# Otherwise builds the peer into BUILD_DIR and checks that
#   - tcp-bulk carries every byte (--verify) while 1 data segment in 50 is
#     corrupted on the wire (so lwIP checks the TCP checksum and resends);
#   - tcp-connect completes every cycle, graceful (no RST on the wire) and RST;
#   - tcp-idle establishes every endpoint and counts ~300 heap bytes each;
#   - compare.sh runs one round of both sides and prints its table.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ours=$1
out=$2

if ! dpkg-query -W -f='${Status}' liblwip-dev 2>/dev/null | grep -q 'ok installed'; then
  echo "skipped: Debian's liblwip-dev is not installed (bench/peers/build.sh installs it)"
  exit 77
fi
peer=$(PEERS_NO_INSTALL=1 bash "$here/build.sh" "$out" | tail -1)

fail() {
  echo "FAILED: $*" >&2
  exit 1
}
field() { grep -o "\"$2\":[0-9.a-z]*" <<<"$1" | head -1 | cut -d: -f2; }

j=$("$peer" tcp-bulk --bytes 2000000 --verify --corrupt 50 | tail -1)
echo "$j"
[[ $(field "$j" bytes) == 2000000 && $(field "$j" verified) == true && $(field "$j" mismatched_bytes) == 0 ]] ||
  fail "tcp-bulk --verify"
(($(field "$j" corrupted_frames) > 0)) || fail "tcp-bulk --corrupt corrupted nothing"

j=$("$peer" tcp-connect --count 300 | tail -1)
echo "$j"
[[ $(field "$j" cycles) == 300 && $(field "$j" failed) == 0 && $(field "$j" rst_segments) == 0 ]] ||
  fail "tcp-connect graceful"
j=$("$peer" tcp-connect --count 300 --close rst | tail -1)
echo "$j"
[[ $(field "$j" cycles) == 300 && $(field "$j" rst_segments) == 300 && $(field "$j" time_wait) == 0 ]] ||
  fail "tcp-connect rst"

j=$("$peer" tcp-idle --connections 200 | tail -1)
echo "$j"
heap=$(field "$j" heap_bytes_per_endpoint)
[[ $(field "$j" established_endpoints) == 400 ]] || fail "tcp-idle: not all endpoints established"
/usr/bin/python3 -c "import sys; sys.exit(0 if 150 <= float('$heap') <= 1000 else 1)" ||
  fail "tcp-idle: $heap heap bytes per endpoint"

table=$(BENCH_CORE=0 BULK_BYTES=1000000 CONNECT_COUNT=200 IDLE_CONNECTIONS=100 PEERS_BUILD_DIR="$out" \
  PEERS_NO_INSTALL=1 bash "$here/compare.sh" "$ours" 1)
echo "$table"
for row in tcp-bulk tcp-connect tcp-idle; do
  grep -Eq "^$row +[0-9].* [0-9.]+x " <<<"$table" || fail "compare.sh printed no ratio for $row"
done
echo "lwIP peer smoke: passed"
