#!/usr/bin/env bash
# bench/peers/compare.sh [WIRESTACK_BINARY] [ROUNDS] — wirestack against lwIP,
# in the same invocation, on the same core.
#
# Builds the lwIP peer if needed (bench/peers/build.sh; installs liblwip-dev
# if missing), checks once that it moves and verifies bytes through its
# checksums, then runs each benchmark ROUNDS times (default 7), ours and
# lwIP's one after the other (the order alternates from round to round),
# pinned on one core (taskset -c $BENCH_CORE, default 1), and prints per
# benchmark the median (and range) of each side and the ratio ours/lwIP:
#
#   tcp-bulk     Gbit per CPU-second, 1 GiB over MTU 1500,   higher is better
#                64 KiB socket buffers on both sides (lwIP's TCP_WND and
#                TCP_SND_BUF as Debian builds it; BULK_BUFFER for ours)
#   tcp-connect  cycles per CPU-second, graceful close       higher is better
#   tcp-idle     heap bytes per idle established endpoint    lower is better
#
# and, for lwIP alone, tcp-connect with an RST close (ours has no such mode).
# WIRESTACK_BINARY defaults to build/tools/wirestack/wirestack of this
# checkout. The same sizes go to both sides; change them with
#   BULK_BYTES (default 1073741824), BULK_BUFFER (65536), CONNECT_COUNT (10000),
#   IDLE_CONNECTIONS (10000; lwIP takes at most 16000), PEERS_BUILD_DIR.
# lwIP's tcp-connect and tcp-idle slow down with the count (its pcb lists are
# scanned linearly; see README.md): compare at the same count only.
# Default run: about a minute on a quiet 2-core machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
ours=${1:-$repo/build/tools/wirestack/wirestack}
rounds=${2:-7}
core=${BENCH_CORE:-1}
bulk_bytes=${BULK_BYTES:-1073741824}
bulk_buffer=${BULK_BUFFER:-65536}
connect_count=${CONNECT_COUNT:-10000}
idle_connections=${IDLE_CONNECTIONS:-10000}

if [[ ! -x $ours ]]; then
  echo "compare.sh: no wirestack binary at $ours (build it: bash scripts/build.sh, or pass its path)" >&2
  exit 2
fi
if ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [WIRESTACK_BINARY] [ROUNDS]" >&2
  exit 2
fi
peer=$(bash "$here/build.sh" "${PEERS_BUILD_DIR:-$here/build}" | tail -1)

raw=$(mktemp /tmp/peers-compare.XXXXXX)
err=$(mktemp /tmp/peers-compare-err.XXXXXX)
trap 'rm -f "$raw" "$err"' EXIT

field() { # field JSON NAME -> the number after "NAME":
  grep -o "\"$2\":[0-9.]*" <<<"$1" | head -1 | cut -d: -f2
}

# run SIDE BENCH FIELD COMMAND...: one pinned run; appends "round side bench value".
run() {
  local side=$1 bench=$2 name=$3
  shift 3
  local out
  if ! out=$(timeout 600 taskset -c "$core" "$@" 2>"$err"); then
    echo "compare.sh: failed: $*" >&2
    cat "$err" >&2
    tail -3 <<<"$out" >&2
    exit 1
  fi
  local json value
  json=$(tail -1 <<<"$out")
  value=$(field "$json" "$name")
  if [[ -z $value ]]; then
    echo "compare.sh: no \"$name\" in the last line of: $*" >&2
    echo "$json" >&2
    exit 1
  fi
  echo "$r $side $bench $value" >>"$raw"
  printf 'round %s  %-7s %-20s %14s %s\n' "$r" "$side" "$bench" "$value" "$name"
}

echo "== wirestack: $ours ($(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?'))"
echo "== lwIP: $peer (liblwip-dev $(dpkg-query -W -f='${Version}' liblwip-dev))"
"$peer" options | sed 's/^/   /'
echo "== core $core, $rounds rounds; bulk $bulk_bytes bytes, connect $connect_count cycles (64 in flight)," \
  "idle $idle_connections connections"

# Once, not timed: lwIP really carries the bytes, and checks the TCP checksum
# (one data segment in 50 is corrupted on the wire and must be sent again).
check=$("$peer" tcp-bulk --bytes 16777216 --verify --corrupt 50 | tail -1)
if [[ $(field "$check" mismatched_bytes) != 0 || $(field "$check" bytes) != 16777216 ]]; then
  echo "compare.sh: the lwIP peer's verified transfer failed: $check" >&2
  exit 1
fi
echo "== lwIP check: 16 MiB verified byte for byte, $(field "$check" corrupted_frames) corrupted segments dropped and resent"

for r in $(seq "$rounds"); do
  # Odd rounds run ours first, even rounds lwIP first.
  if ((r % 2)); then order="ours lwip"; else order="lwip ours"; fi
  for side in $order; do
    if [[ $side == ours ]]; then
      run ours tcp-bulk gbit_per_cpu_s "$ours" bench tcp-bulk --bytes "$bulk_bytes" --buffer "$bulk_buffer"
    else
      run lwip tcp-bulk gbit_per_cpu_s "$peer" tcp-bulk --bytes "$bulk_bytes"
    fi
  done
  for side in $order; do
    if [[ $side == ours ]]; then
      run ours tcp-connect cycles_per_cpu_s "$ours" bench tcp-connect --count "$connect_count"
    else
      run lwip tcp-connect cycles_per_cpu_s "$peer" tcp-connect --count "$connect_count"
    fi
  done
  run lwip tcp-connect-rst cycles_per_cpu_s "$peer" tcp-connect --count "$connect_count" --close rst
  for side in $order; do
    if [[ $side == ours ]]; then
      run ours tcp-idle heap_bytes_per_endpoint "$ours" bench tcp-idle --connections "$idle_connections"
    else
      run lwip tcp-idle heap_bytes_per_endpoint "$peer" tcp-idle --connections "$idle_connections"
    fi
  done
done

/usr/bin/python3 - "$raw" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
def vals(side, bench):
    return [float(r[3]) for r in rows if r[1] == side and r[2] == bench]
def fmt(v, digits):
    if not v:
        return "-"
    m = statistics.median(v)
    f = f"{{:,.{digits}f}}"
    return f"{f.format(m)} ({f.format(min(v))}-{f.format(max(v))})"
table = [
    ("tcp-bulk", "tcp-bulk", "Gbit/CPU-s, higher is better", 2),
    ("tcp-connect", "tcp-connect", "cycles/CPU-s, graceful close, higher is better", 0),
    ("tcp-connect-rst", "tcp-connect (RST)", "cycles/CPU-s, lwIP only: its client aborts (RST), no TIME-WAIT", 0),
    ("tcp-idle", "tcp-idle", "heap bytes per idle endpoint, LOWER is better", 1),
]
print()
print(f"{'benchmark':<18} {'wirestack median (range)':>30} {'lwIP median (range)':>30} {'ours/lwIP':>10}  unit")
for key, name, unit, digits in table:
    o, t = vals("ours", key), vals("lwip", key)
    ratio = f"{statistics.median(o) / statistics.median(t):.2f}x" if o and t and statistics.median(t) > 0 else "-"
    print(f"{name:<18} {fmt(o, digits):>30} {fmt(t, digits):>30} {ratio:>10}  {unit}")
EOF
