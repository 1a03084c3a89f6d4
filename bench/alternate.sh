#!/usr/bin/env bash
# bench/alternate.sh ROUNDS WIRESTACK [WIRESTACK...] — compare builds fairly.
#
# Runs `bench tcp-bulk` and `bench tcp-connect` of each given wirestack binary
# in turn, ROUNDS times, on one core (taskset -c 1), so that a change in the
# machine's load falls on every build alike; then prints, per build, the
# median and range of the per-CPU-second figures (Gbit/s and cycles/s).
# Typical use, a commit against an older one built in a worktree:
#   git worktree add --detach /tmp/base 05a8386 && cmake -S /tmp/base -B /tmp/base/build ... 
#   bash bench/alternate.sh 6 ./build/tools/wirestack/wirestack /tmp/base/build/tools/wirestack/wirestack
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 ROUNDS WIRESTACK [WIRESTACK...]" >&2
  exit 2
fi
rounds=$1
shift
core=${BENCH_CORE:-1}
raw=$(mktemp /tmp/alternate.XXXXXX)
trap 'rm -f "$raw"' EXIT

field() {  # field JSON NAME -> the number after "NAME":
  grep -o "\"$2\":[0-9.]*" <<<"$1" | head -1 | cut -d: -f2
}

for r in $(seq "$rounds"); do
  for i in $(seq 0 $(($# - 1))); do
    bin=${*:$((i + 1)):1}
    bulk=$(taskset -c "$core" "$bin" bench tcp-bulk | tail -1)
    conn=$(taskset -c "$core" "$bin" bench tcp-connect | tail -1)
    printf '%s %s %s %s\n' "$r" "$i" "$(field "$bulk" gbit_per_cpu_s)" "$(field "$conn" cycles_per_cpu_s)" >>"$raw"
    printf 'round %s  %-50s  %8s Gbit/CPU-s  %10s cycles/CPU-s\n' "$r" "$bin" \
      "$(field "$bulk" gbit_per_cpu_s)" "$(field "$conn" cycles_per_cpu_s)"
  done
done

/usr/bin/python3 - "$raw" "$@" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
bins = sys.argv[2:]
base = None
for i, b in enumerate(bins):
    g = [float(r[2]) for r in rows if r[1] == str(i)]
    c = [float(r[3]) for r in rows if r[1] == str(i)]
    mg, mc = statistics.median(g), statistics.median(c)
    ratio = "" if base is None else f"  (x{mg / base[0]:.3f} bulk, x{mc / base[1]:.3f} connect vs the first)"
    base = base or (mg, mc)
    print(f"{b}\n  tcp-bulk    median {mg:.2f} Gbit/CPU-s ({min(g):.2f}-{max(g):.2f})"
          f"\n  tcp-connect median {mc:,.0f} cycles/CPU-s ({min(c):,.0f}-{max(c):,.0f}){ratio}")
EOF
