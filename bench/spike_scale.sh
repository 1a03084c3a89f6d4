#!/usr/bin/env bash
# bench/spike_scale.sh WIRESTACK [TOTAL...] — the lesson's spike at several
# sizes: TOTAL clients rush one web server within one simulated second. Does
# the simulator's cost grow linearly with the number of clients, and does a
# million fit in a minute and 2 GiB?
#
# For each TOTAL (default: 10000 100000 1000000) it writes a topology: one
# web server behind a switch (10 Gbit/s), a router, and max(10, TOTAL/10000)
# client machines on 1 Gbit/s links of 5-14 ms, each starting its share of
# the clients evenly over the same second (at most 10,000 per machine, so
# no machine runs out of ports). It runs it with --quiet and --capture none
# (the report is still written), and prints wall time, user and system CPU,
# peak RSS, CPU per thousand clients and how many clients were answered.
#
#   bash bench/spike_scale.sh ./build/tools/wirestack/wirestack 10000 100000 1000000
#
# SPIKE_MACHINES=N spreads every size over N client machines instead (a
# router with N+1 cards: what a run pays per card, e.g.
# SPIKE_MACHINES=100 bash bench/spike_scale.sh BIN 100000).
set -euo pipefail
if [[ $# -lt 1 ]]; then
  echo "usage: $0 WIRESTACK [TOTAL...]" >&2
  exit 2
fi
bin=$1
shift
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(10000 100000 1000000)
work=$(mktemp -d /tmp/spike_scale.XXXXXX)
trap 'rm -rf "$work"' EXIT

topology() {  # topology TOTAL MACHINES
  local total=$1 machines=$2 per=$(($1 / $2))
  cat <<EOF
[scenario]
name = "spike_$total"
summary = "$total clients rush one web server within one second"
until = "20s"

[[host]]
name = "web"
gateway = "10.0.0.1"

[[router]]
name = "r"

[[switch]]
name = "sw"
ports = 4

[[link]]
from = "web"
from_address = "10.0.0.10/24"
to = "sw"
bandwidth = "10Gbit/s"
delay = "50us"

[[link]]
from = "r"
from_address = "10.0.0.1/24"
to = "sw"
bandwidth = "10Gbit/s"
delay = "50us"

[[app]]
type = "http_server"
host = "web"
files = { "/" = "<!doctype html><title>spike</title><p>still standing</p>\n" }
EOF
  local i a b
  for ((i = 0; i < machines; i++)); do
    a=$((1 + i / 250))
    b=$((i % 250))
    cat <<EOF

[[host]]
name = "c$i"
gateway = "10.$a.$b.1"

[[link]]
from = "c$i"
from_address = "10.$a.$b.10/24"
to = "r"
to_address = "10.$a.$b.1/24"
bandwidth = "1Gbit/s"
delay = "$((5 + i % 10))ms"

[[app]]
type = "http_client"
host = "c$i"
url = "http://10.0.0.10/"
count = $per
at = "1s"
interval = "$((1000000000 / per))ns"
EOF
  done
}

printf '%-9s %9s %9s %9s %9s %14s %s\n' clients wall_s user_s sys_s rss_MB user_ms/1k answered
for total in "${sizes[@]}"; do
  machines=${SPIKE_MACHINES:-$((total / 10000))}
  ((machines >= 10)) || machines=10
  if ((total < 10 || total % machines != 0)); then
    echo "$0: $total: the total must be a multiple of $machines (client machines)" >&2
    exit 2
  fi
  topology "$total" "$machines" >"$work/spike_$total.toml"
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$bin" run "$work/spike_$total.toml" --quiet --capture none \
    --out "$work/out" >"$work/log" 2>&1 || { tail -5 "$work/log" >&2; exit 1; }
  read -r wall user sys rss <"$work/time"
  answered=$(grep '^GET ' "$work/log" | grep -o '[0-9]* answered' | awk '{s += $1} END {print s + 0}')
  printf '%-9s %9s %9s %9s %9d %14.1f %s/%s\n' "$total" "$wall" "$user" "$sys" $((rss / 1024)) \
    "$(awk -v u="$user" -v n="$total" 'BEGIN {print u * 1000 / (n / 1000)}')" "$answered" "$total"
  rm -rf "$work/out"
done
