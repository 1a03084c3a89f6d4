#!/usr/bin/env bash
# bench/spike_scale.sh WIRESTACK [TOTAL...] — the spike scenario at several
# sizes: does the simulator's cost grow linearly with the number of clients?
#
# For each TOTAL (default: 10000 100000) it writes the built-in spike
# topology (ten client machines rushing one web server) with TOTAL/10
# clients per machine, all started within the same 100 ms, runs it with
# --quiet, and prints wall time, user CPU, peak RSS, CPU per thousand
# clients and how many clients were answered. Captures are written to a
# temporary directory that is removed afterwards.
#
#   bash bench/spike_scale.sh ./build/tools/wirestack/wirestack 10000 100000
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 WIRESTACK [TOTAL...]" >&2
  exit 2
fi
bin=$1
shift
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(10000 100000)
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/spike_scale.XXXXXX)
trap 'rm -rf "$work"' EXIT

printf '%-9s %9s %9s %9s %14s %s\n' clients wall_s user_s rss_MB user_ms/1k answered
for total in "${sizes[@]}"; do
  if ((total < 10 || total % 10 != 0)); then
    echo "$0: $total: the total must be a positive multiple of 10 (ten client machines)" >&2
    exit 2
  fi
  per=$((total / 10))
  # The same 100 ms rush: the interval between one machine's clients shrinks as they grow.
  interval_ns=$((100000000 / per))
  sed -e "s/^count = 1000$/count = $per/" -e "s/^interval = \"100us\"$/interval = \"${interval_ns}ns\"/" \
    "$here/scenarios/spike.toml" >"$work/spike_$total.toml"
  grep -q "count = $per" "$work/spike_$total.toml" || { echo "$0: spike.toml changed shape" >&2; exit 1; }
  /usr/bin/time -f '%e %U %M' -o "$work/time" "$bin" run "$work/spike_$total.toml" --quiet --out "$work/out" \
    >"$work/log" 2>&1 || { tail -5 "$work/log" >&2; exit 1; }
  read -r wall user rss <"$work/time"
  answered=$(grep '^GET ' "$work/log" | grep -o '[0-9]* answered' | awk '{s += $1} END {print s + 0}')
  printf '%-9s %9s %9s %9d %14.1f %s/%s\n' "$total" "$wall" "$user" $((rss / 1024)) \
    "$(awk -v u="$user" -v n="$total" 'BEGIN {print u * 1000 / (n / 1000)}')" "$answered" "$total"
  rm -rf "$work/out"
done
