#!/usr/bin/env bash
# bench/peers/ns3_smoke.sh WIRESTACK_BINARY BUILD_DIR — the ctest smoke test
# of the ns-3 peer (label bench): every topology for 1 simulated second, one
# round, through ns3_compare.sh (NS3_QUICK=1); about 20 s.
#
# Skips (exit 77) when Debian's libns3-dev is not installed: it installs
# nothing (bench/peers/ns3/build.sh does, when run by hand or by
# ns3_compare.sh). Otherwise checks that
#   - the topology files kept in bench/peers/ns3/ are what topologies.py writes;
#   - the ns-3 peer is configured as documented: one 1 Gbit/s flow with 4 MiB
#     buffers moves more than 800 Mbit/s in its first second (905 measured;
#     ns-3's default 128 KiB buffers give less), 1 % loss each way costs it
#     most of 100 Mbit/s, and every star flow delivers;
#   - ns3_compare.sh prints its three ratios (goodput, wall time, work per
#     wall second) per topology,
#     and wirestack delivers bytes on each.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ours=$1
out=$2
py=/usr/bin/python3

if ! dpkg-query -W -f='${Status}' libns3-dev 2>/dev/null | grep -q 'ok installed'; then
  echo "skipped: Debian's libns3-dev is not installed (bench/peers/ns3/build.sh installs it)"
  exit 77
fi
fail() {
  echo "FAILED: $*" >&2
  exit 1
}

for f in "$here"/ns3/*.toml; do
  name=$(basename "$f" .toml)
  diff -u "$f" <($py "$here/ns3/topologies.py" toml "$name") ||
    fail "$f is not what topologies.py writes (regenerate: topologies.py toml $name > $f)"
done

peer=$(PEERS_NO_INSTALL=1 bash "$here/ns3/build.sh" "$out" | tail -1)
field() { grep -o "\"$2\":[0-9.]*" <<<"$1" | head -1 | cut -d: -f2; }
above() { $py -c "import sys; sys.exit(0 if float(sys.argv[1]) > float(sys.argv[2]) else 1)" "$1" "$2"; }

read -r -a args <<<"$($py "$here/ns3/topologies.py" ns3-args p2p_1g --time 1)"
j=$("$peer" "${args[@]}" | tail -1)
echo "$j"
above "$(field "$j" goodput_mbps)" 800 || fail "ns-3 p2p_1g: $(field "$j" goodput_mbps) Mbit/s in 1 s"
read -r -a args <<<"$($py "$here/ns3/topologies.py" ns3-args p2p_loss --time 1)"
j=$("$peer" "${args[@]}" | tail -1)
echo "$j"
above 50 "$(field "$j" goodput_mbps)" || fail "ns-3 p2p_loss: $(field "$j" goodput_mbps) Mbit/s: is the loss on?"

table=$(BENCH_CORE=0 NS3_QUICK=1 PEERS_BUILD_DIR="$out" PEERS_NO_INSTALL=1 bash "$here/ns3_compare.sh" "$ours")
echo "$table"
for topo in $($py "$here/ns3/topologies.py" list); do
  [[ $(grep -cE "^$topo +\| .* [0-9.]+x( |$)" <<<"$table") == 3 ]] || fail "ns3_compare.sh printed no ratios for $topo"
  grep -Eq "^$topo +ns3 +1: goodput .*, Jain (0\.9|1\.0)" <<<"$table" || fail "ns-3 $topo: a flow did not deliver its share"
  grep -Eq "^$topo +ours +1: goodput +[1-9]" <<<"$table" || fail "wirestack $topo: no goodput"
done
echo "ns-3 peer smoke: passed"
