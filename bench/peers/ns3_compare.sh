#!/usr/bin/env bash
# bench/peers/ns3_compare.sh [WIRESTACK_BINARY] — wirestack's simulator
# against ns-3 3.37 on the same topologies, in the same invocation, on the
# same core.
#
# Builds the ns-3 peer if needed (bench/peers/ns3/build.sh; installs Debian's
# libns3-dev if missing), writes each topology of bench/peers/ns3/topologies.py
# as a wirestack topology file, and runs, ROUNDS times, `wirestack run FILE
# --quiet --seed R` and `wirestack_peer_ns3 ARGS --run=R` one after the other
# (the order alternates from round to round), each pinned on one core
# (taskset -c $BENCH_CORE, default 1) under /usr/bin/time -v. Then prints per
# topology, median (and range) of the rounds:
#   goodput   application bytes the receiver's sink got from t = 0 (the
#             senders' start) to the end of the run, x 8 / the run's length;
#             summed over the flows; ours / ns-3
#   fairness  Jain's index over the flows' goodputs (1 = equal shares)
#   cost      wall-clock seconds of the whole process, simulated seconds per
#             wall second, events run, peak RSS (/usr/bin/time -v)
#
# Topologies (bench/peers/README.md has the details): p2p_1g, p2p_1g_64k, p2p_loss,
# star_10, star_100. Environment:
#   NS3_TOPOLOGIES  which ones (default: all five, in that order)
#   NS3_ROUNDS      rounds (default 3; round R uses seed R on both sides)
#   NS3_TIME        simulated seconds (default 10)
#   NS3_QUICK=1     smoke mode: 1 simulated second, 1 round (under a minute)
#   BENCH_CORE, PEERS_BUILD_DIR, PEERS_NO_INSTALL=1 (see ns3/build.sh)
#   NS3_KEEP=DIR    keep every run's output and /usr/bin/time report in DIR
#   NS3_WARM_ARP=1  the star's receiver pings its router at t = 0 (ours only:
#                   ns-3's point-to-point links have no ARP), so no SYN waits
#                   in the router's ARP queue (topologies.py --warm-arp)
#   NS3_PEER_ARGS   more arguments for the ns-3 peer, e.g. "--buffer=65536"
#                   (ns-3 with wirestack's 64 KiB window) or "--cc=linuxreno"
# wirestack runs with --capture none (ns-3 writes no capture either: a pcap
# of p2p_1g is 1.2 GB) and still writes report.html, which goes to a
# temporary directory, deleted after each run; its cost is part of ours.
# Default run: about 15 minutes on a quiet 2-core machine (ns-3 simulates the
# 1 Gbit/s link at about 0.2-0.4 s per wall second).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
ours=${1:-$repo/build/tools/wirestack/wirestack}
core=${BENCH_CORE:-1}
py=/usr/bin/python3
if [[ ${NS3_QUICK:-0} == 1 ]]; then
  rounds=${NS3_ROUNDS:-1}
  sim_time=${NS3_TIME:-1}
else
  rounds=${NS3_ROUNDS:-3}
  sim_time=${NS3_TIME:-10}
fi
topologies=${NS3_TOPOLOGIES:-$($py "$here/ns3/topologies.py" list | tr '\n' ' ')}

if [[ ! -x $ours ]]; then
  echo "ns3_compare.sh: no wirestack binary at $ours (build it: bash scripts/build.sh, or pass its path)" >&2
  exit 2
fi
if ! [[ $rounds =~ ^[1-9][0-9]*$ ]]; then
  echo "ns3_compare.sh: NS3_ROUNDS must be a positive integer" >&2
  exit 2
fi
if [[ ! -x /usr/bin/time ]]; then
  echo "ns3_compare.sh: /usr/bin/time is missing (Debian package: time)" >&2
  exit 2
fi
peer=$(bash "$here/ns3/build.sh" "${PEERS_BUILD_DIR:-$here/build}" | tail -1)

work=$(mktemp -d /tmp/ns3-compare.XXXXXX)
trap 'rm -rf "$work"' EXIT
keep=${NS3_KEEP:-}
[[ -n $keep ]] && mkdir -p "$keep"
manifest=$work/manifest

# run TOPOLOGY SIDE ROUND COMMAND...: one pinned run under /usr/bin/time -v;
# its output and time report are kept for report.py, listed in the manifest.
run() {
  local topo=$1 side=$2 r=$3
  shift 3
  local base=$work/$topo.$side.$r
  local status=0
  timeout 3600 /usr/bin/time -v -o "$base.time" taskset -c "$core" "$@" >"$base.out" 2>"$base.err" || status=$?
  # wirestack run exits 1 when an application did not do what the file
  # expects: here every transfer is endless, so 1 is the normal end.
  if [[ $status -ne 0 && ! ($side == ours && $status -eq 1) ]]; then
    echo "ns3_compare.sh: failed (exit $status): $*" >&2
    tail -5 "$base.err" "$base.out" >&2
    exit 1
  fi
  printf '%s\t%s\t%s\t%s\n' "$topo" "$side" "$r" "$base" >>"$manifest"
  [[ -z $keep ]] || cp "$base.out" "$base.time" "$keep/"
  $py "$here/ns3/report.py" one "$topo" "$side" "$base"
}

echo "== wirestack: $ours ($(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?'))"
echo "== ns-3: $peer (libns3-dev $(dpkg-query -W -f='${Version}' libns3-dev))"
echo "== core $core, $rounds round(s) of $sim_time simulated s; topologies: $topologies; load: $(cut -d' ' -f1-3 /proc/loadavg)"
[[ ${NS3_WARM_ARP:-0} != 1 ]] || echo "== ours: the star's receiver pings its router at t = 0 (NS3_WARM_ARP=1)"
[[ -z ${NS3_PEER_ARGS:-} ]] || echo "== ns-3 peer: extra arguments $NS3_PEER_ARGS"

for topo in $topologies; do
  warm=()
  [[ ${NS3_WARM_ARP:-0} == 1 ]] && warm=(--warm-arp)
  $py "$here/ns3/topologies.py" toml "$topo" --time "$sim_time" "${warm[@]}" >"$work/$topo.toml"
  read -r -a ns3_args <<<"$($py "$here/ns3/topologies.py" ns3-args "$topo" --time "$sim_time") ${NS3_PEER_ARGS:-}"
  for r in $(seq "$rounds"); do
    # Odd rounds run ours first, even rounds ns-3 first.
    if ((r % 2)); then order="ours ns3"; else order="ns3 ours"; fi
    for side in $order; do
      if [[ $side == ours ]]; then
        run "$topo" ours "$r" "$ours" run "$work/$topo.toml" --quiet --capture none --seed "$r" --out "$work/out"
        rm -rf "$work/out"
      else
        run "$topo" ns3 "$r" "$peer" "${ns3_args[@]}" --run="$r"
      fi
    done
  done
done
echo "== load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
$py "$here/ns3/report.py" table "$manifest"
