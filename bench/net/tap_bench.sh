#!/usr/bin/env bash
# bench/net/tap_bench.sh WIRESTACK [SECONDS] — whole-process benchmarks of our
# stack on a Linux TAP device, with the Linux kernel as its peer, beside the
# same measurements kernel <-> kernel over a veth pair, all in one run.
# Run as root. bench/net/README.md says what every figure means.
#
#   1. bulk TCP kernel -> wirestack (python3 sender into `wirestack tap --tcp-discard`)
#   2. bulk TCP wirestack -> kernel (`head -c | wirestack nc` into a python3 sink)
#   3. the same two transfers kernel -> kernel over veth (loopback if no veth)
#   4. TCP echo round trips/s, many connections (one python3 client): our
#      stack's echo over TAP vs, on the kernel, a python3 echo server and
#      (if the binary has it) `wirestack serve --tcp-echo`
#   5. HTTP requests/s with wrk, if installed: `wirestack tap --http` vs the
#      same server code on kernel sockets (`wirestack serve --http`, if the
#      binary has it) and python3 -m http.server
#
# SECONDS (default 10) is the length of each echo and wrk run. Environment:
#   BULK_MIB (1024)       bytes of every bulk transfer, in MiB
#   BULK_TIMEOUT (120)    seconds after which a bulk transfer is given up
#   ECHO_CONNS (100)      connections of the echo client
#   WRK_CONNS (50)        wrk's connections (one wrk thread)
#   KEEP_WORK=1           keep the work directory (logs, counters)
#   FORCE_LOOPBACK=1      measure kernel <-> kernel over loopback even if veth exists
#
# Layout: everything lives in two network namespaces this script creates
# (wsb-PID, wsb2-PID) and deletes on exit; no traffic leaves them.
#   wsb-PID:  TAP wsbtPID  kernel 10.79.0.1/24 <-> wirestack tap 10.79.0.2
#             TAP wsbnPID  kernel 10.79.2.1/24 <-> wirestack nc  10.79.2.2
#             veth wsbvaPID 10.79.1.1/24  <==>  wsb2-PID: veth wsbvbPID 10.79.1.2/24
# Exit status: 0 all figures measured, 1 some measurement failed, 77 skipped
# (not root, no /dev/net/tun, no namespaces).
set -u

usage() { echo "usage: $0 WIRESTACK [SECONDS]   (as root)" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
WS=$(readlink -f "$1")
DUR=${2:-10}
[[ "$DUR" =~ ^[0-9]+$ ]] && [ "$DUR" -ge 1 ] && [ "$DUR" -le 600 ] || { echo "SECONDS must be 1..600" >&2; exit 2; }
BULK_MIB=${BULK_MIB:-1024}
BULK_TIMEOUT=${BULK_TIMEOUT:-120}
ECHO_CONNS=${ECHO_CONNS:-100}
WRK_CONNS=${WRK_CONNS:-50}
BULK_BYTES=$((BULK_MIB * 1024 * 1024))
HERE=$(cd "$(dirname "$0")" && pwd)
PYB="$HERE/net_bench.py"
PY=/usr/bin/python3
INVOCATION="sudo bench/net/tap_bench.sh ${1} ${DUR}"
[ "$BULK_MIB" != 1024 ] && INVOCATION="BULK_MIB=$BULK_MIB $INVOCATION"
[ -n "${FORCE_LOOPBACK:-}" ] && INVOCATION="FORCE_LOOPBACK=1 $INVOCATION"

NS="wsb-$$"
NS2="wsb2-$$"
TAP1="wsbt$$"
TAP2="wsbn$$"
VA="wsbva$$"
VB="wsbvb$$"
K1=10.79.0.1 W1=10.79.0.2   # TAP1: kernel / wirestack tap
K2=10.79.2.1 W2=10.79.2.2   # TAP2: kernel / wirestack nc
VIPA=10.79.1.1 VIPB=10.79.1.2
STARTED_PIDS=()
NSS=()
WORK=""
FAILED=0
ROWS=()

skip() { echo "***** SKIPPED: tap_bench: $* *****"; exit 77; }
note() { echo "----- $*"; }
bad() { echo "!!!!! $*"; FAILED=1; }

cleanup() {
  local pid n
  for pid in "${STARTED_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
  done
  for n in "${NSS[@]}"; do ip netns del "$n" 2>/dev/null; done  # takes TAPs and veths with it
  if [ -n "$WORK" ] && [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; fi
  [ -n "${KEEP_WORK:-}" ] && [ -n "$WORK" ] && echo "work directory kept: $WORK"
}

[ -x "$WS" ] || { echo "no wirestack binary at '$1'" >&2; exit 1; }
[ "$(id -u)" = 0 ] || skip "not running as root"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
for tool in ip "$PY" nc timeout head; do
  command -v "$tool" >/dev/null 2>&1 || skip "'$tool' is not installed"
done
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
WORK=$(mktemp -d /tmp/tap_bench.XXXXXX)

in_ns() { ip netns exec "$NS" "$@"; }
in_ns2() { ip netns exec "$NS2" "$@"; }
now() { date +%s.%N; }
# rate BYTES SECONDS -> Gbit/s with 3 decimals
rate() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.3f", b * 8 / s / 1e9; else print "0" }'; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' <<<"$2"; }
# row FIGURE-NAME VALUE: one line for the README table (the command is this script's invocation)
row() { ROWS+=("| $1 | $2 | \`$INVOCATION\` |"); }

# wait_file FILE SECONDS PID: until FILE exists (a server said it is ready), bounded
wait_file() {
  for _ in $(seq 1 $(($2 * 10))); do
    [ -s "$1" ] && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# stop_pid PID: SIGTERM, bounded wait, SIGKILL; returns the exit status
stop_pid() {
  local pid=$1 rc=0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { bad "pid $pid still running 5 s after SIGTERM: killed"; kill -KILL "$pid"; }
  wait "$pid" 2>/dev/null || rc=$?
  return $rc
}

# cpu_of PID: "U s user + S s sys" from /proc (clock ticks)
cpu_of() {
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f s user + %.2f s sys", $12 / hz, $13 / hz }' "/proc/$1/stat" 2>/dev/null
}

# ws_tap NAME ARGS...: `wirestack tap` on TAP1 in the background; log in $WORK/NAME.log
WS_PID=""
WS_LOG=""
ws_tap() {
  local name=$1
  shift
  WS_LOG="$WORK/$name.log"
  ip netns exec "$NS" "$WS" tap --dev "$TAP1" --ip "$W1/24" --mac 02:79:00:00:00:02 "$@" >"$WS_LOG" 2>&1 &
  WS_PID=$!  # ip netns exec execs: this is wirestack's pid
  WS_T0=$(now)
  STARTED_PIDS+=("$WS_PID")
  for _ in $(seq 1 50); do
    grep -q '; ^C to stop' "$WS_LOG" && return 0
    kill -0 "$WS_PID" 2>/dev/null || break
    sleep 0.1
  done
  bad "wirestack tap did not start:"
  cat "$WS_LOG"
  return 1
}

# ws_tap_stop: SIGTERM; prints wirestack's counter lines worth reading
ws_tap_stop() {
  local rc=0 cpu wall
  cpu=$(cpu_of "$WS_PID")
  wall=$(elapsed "$WS_T0" "$(now)")
  stop_pid "$WS_PID" || rc=$?
  [ "$rc" = 0 ] || bad "wirestack tap exited $rc"
  grep -q 'stopped (signal)' "$WS_LOG" || bad "wirestack tap did not report a clean stop"
  echo "    wirestack tap CPU: $cpu over $wall s of wall clock (its whole life)"
  echo "    wirestack tap counters ($WS_LOG):"
  grep -E '^(tap |tcp_discard|tcp_echo|http port|tcp_sockets|tcp )' "$WS_LOG" | sed 's/^/      /'
}

# serve_start NAME ARGS...: `wirestack serve` (our application code on the
# kernel's own sockets) in KK_NS_B; sets SV_PID, SV_LOG
HAVE_SERVE=0
"$WS" serve --help >/dev/null 2>&1 && HAVE_SERVE=1
SV_PID=""
SV_LOG=""
serve_start() {
  local name=$1
  shift
  SV_LOG="$WORK/serve-$name.log"
  ip netns exec "$KK_NS_B" "$WS" serve "$@" >"$SV_LOG" 2>&1 &
  SV_PID=$!
  STARTED_PIDS+=("$SV_PID")
  for _ in $(seq 1 50); do
    grep -q '; ^C to stop' "$SV_LOG" && return 0
    kill -0 "$SV_PID" 2>/dev/null || break
    sleep 0.1
  done
  bad "wirestack serve did not start: $(cat "$SV_LOG")"
  return 1
}
# SIGINT, not SIGTERM: at dbebca9 loop::KernelHost::run() unblocks SIGTERM
# without having read it from its signalfd, so a SIGTERM kills `wirestack
# serve` (exit 143) before it prints its counters. A background job of this
# script inherits SIGINT ignored, which the signalfd still sees (the signal
# is blocked), and serve stops cleanly.
serve_stop() {
  local cpu rc=0
  cpu=$(cpu_of "$SV_PID")
  kill -INT "$SV_PID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$SV_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$SV_PID" 2>/dev/null && { echo "!!!!! wirestack serve still running 5 s after SIGINT: killed"; kill -KILL "$SV_PID"; }
  wait "$SV_PID" 2>/dev/null || rc=$?
  [ "$rc" = 0 ] || echo "!!!!! NOTE: wirestack serve exited $rc (its counters are lost)"
  echo "    wirestack serve CPU: $cpu; $(grep -E '^(http|tcp_echo) ' "$SV_LOG" | tr '\n' ' ')"
}

echo "== wirestack TAP benchmark: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "   binary $WS ($(stat -c %y "$WS" | cut -d. -f1))"
echo "   machine: $(nproc) cores, $(uname -r); load before: $(uptime | sed 's/.*load average/load average/')"
echo "   bulk transfers $BULK_MIB MiB each; echo and wrk runs $DUR s each"

# ---------------------------------------------------------------- set-up
ip netns add "$NS" 2>"$WORK/err" || skip "cannot create a network namespace: $(cat "$WORK/err")"
NSS+=("$NS")
ip netns add "$NS2" 2>"$WORK/err" || skip "cannot create a second network namespace: $(cat "$WORK/err")"
NSS+=("$NS2")
in_ns ip link set lo up
in_ns2 ip link set lo up
for t in "$TAP1" "$TAP2"; do
  in_ns ip tuntap add mode tap name "$t" 2>"$WORK/err" || skip "cannot create a TAP device: $(cat "$WORK/err")"
  in_ns sysctl -qw "net.ipv6.conf.$t.disable_ipv6=1" 2>/dev/null
done
in_ns ip addr add "$K1/24" dev "$TAP1"
in_ns ip addr add "$K2/24" dev "$TAP2"
in_ns ip link set "$TAP1" up
in_ns ip link set "$TAP2" up

# Kernel <-> kernel: a veth pair between the two namespaces, or loopback.
VETH=0
veth_ok() {
  if [ -n "${FORCE_LOOPBACK:-}" ]; then echo "FORCE_LOOPBACK is set" >"$WORK/err"; return 1; fi
  in_ns ip link add "$VA" type veth peer name "$VB" netns "$NS2" 2>"$WORK/err"
}
if veth_ok; then
  VETH=1
  in_ns ip addr add "$VIPA/24" dev "$VA"
  in_ns2 ip addr add "$VIPB/24" dev "$VB"
  in_ns ip link set "$VA" up
  in_ns2 ip link set "$VB" up
  KK_NS_A="$NS" KK_NS_B="$NS2" KK_A=$VIPA KK_B=$VIPB
  KK_PATH="veth"
else
  echo
  echo "!!!!!!!!!! NOTE: no veth in this kernel ($(cat "$WORK/err")): kernel <-> kernel figures are"
  echo "!!!!!!!!!! measured over LOOPBACK inside one namespace instead (lo, MTU 65536, no veth hop)."
  echo
  KK_NS_A="$NS" KK_NS_B="$NS" KK_A=127.0.0.1 KK_B=127.0.0.1
  KK_PATH="loopback"
fi
echo "   kernel <-> kernel path: $KK_PATH; kernel TCP congestion control: $(in_ns sysctl -n net.ipv4.tcp_congestion_control 2>/dev/null)"
echo "   TAP $TAP1: mtu $(in_ns cat /sys/class/net/$TAP1/mtu), opened by wirestack with IFF_VNET_HDR and TSO/checksum offloads unless --no-offload (then the kernel splits its GSO segments to the MTU before the TAP)"
[ "$VETH" = 1 ] && echo "   veth $VA: mtu $(in_ns cat /sys/class/net/$VA/mtu), TSO/GSO/GRO on (kernel default: 64 KiB super-segments cross the pair)"

# Warm-up. On a freshly created TAP, when our side speaks first right after
# attaching, the kernel often drops its first reply (`ip -s link` counts it as TX
# dropped; tcpdump never sees it) and our ARP retry comes 1 s later: that
# second would land in figure 2. A kernel ping to a short-lived wirestack on
# each TAP gets both devices past it (seen at commits 69c054d and dbebca9).
for spec in "$TAP1 $W1 02:79:00:00:00:02" "$TAP2 $W2 02:79:00:00:02:02"; do
  set -- $spec
  ip netns exec "$NS" "$WS" tap --dev "$1" --ip "$2/24" --mac "$3" --seconds 20 >"$WORK/warm-$1.log" 2>&1 &
  wp=$!
  STARTED_PIDS+=("$wp")
  for _ in $(seq 1 50); do grep -q '; ^C to stop' "$WORK/warm-$1.log" && break; sleep 0.1; done
  in_ns ping -c 1 -W 3 "$2" >"$WORK/warm-ping.out" 2>&1 || bad "warm-up: the kernel's ping to wirestack on $1 failed: $(cat "$WORK/warm-ping.out")"
  stop_pid "$wp" || true
done
echo "   warm-up: kernel ping to wirestack on $TAP1 and $TAP2 done; TX dropped on them: $(in_ns ip -s link show "$TAP1" | awk '/TX:/{getline; print $4}'), $(in_ns ip -s link show "$TAP2" | awk '/TX:/{getline; print $4}')"

# ------------------------------------------- 1. bulk kernel -> wirestack
echo
echo "== 1. bulk TCP, kernel -> wirestack over TAP ($BULK_MIB MiB into --tcp-discard)"
echo "   1: the device with offloads (the default: the kernel hands over TCP segments of up to 64 KiB)"
echo "   1n: the same with --no-offload (every frame at most the MTU, one read() each)"
bulk_in_ok=0
for variant in 1 1n; do
  extra=()
  what="offloads on"
  if [ "$variant" = 1n ]; then extra=(--no-offload); what="--no-offload"; fi
  ws_tap "bulk_in$variant" --tcp-discard 9 --seconds $((BULK_TIMEOUT + 60)) "${extra[@]}" || continue
  cmd="ip netns exec $NS $PY net_bench.py send $W1 9 $BULK_BYTES"
  out=$(timeout $((BULK_TIMEOUT + 15)) ip netns exec "$NS" "$PY" "$PYB" send "$W1" 9 "$BULK_BYTES" --timeout "$BULK_TIMEOUT" 2>&1)
  rc=$?
  ws_tap_stop
  counted=$(awk '/^tcp_discard /{print $NF}' "$WS_LOG")
  if [ "$rc" = 0 ] && [ "$(field bytes "$out")" = "$BULK_BYTES" ]; then
    g=$(field gbps "$out")
    s=$(field seconds "$out")
    echo "RESULT $variant bulk kernel->wirestack (TAP, $what): $g Gbit/s  ($BULK_MIB MiB in $s s, connect to FIN; wirestack counted $counted bytes)"
    echo "         command: $cmd"
    echo "         $(grep -E '^tap offload' "$WS_LOG" || echo 'tap offload: none')"
    [ "$counted" = "$BULK_BYTES" ] || bad "wirestack's discard counted $counted bytes, not $BULK_BYTES"
    row "bulk TCP kernel -> wirestack over TAP, $BULK_MIB MiB (python3 sender, our --tcp-discard, $what)" "$g Gbit/s"
    [ "$variant" = 1 ] && bulk_in_ok=1
  else
    bad "RESULT $variant bulk kernel->wirestack ($what) FAILED (exit $rc): $out"
  fi
done

# ------------------------------------------- 2. bulk wirestack -> kernel
echo
echo "== 2. bulk TCP, wirestack -> kernel over TAP ($BULK_MIB MiB from \`wirestack nc\` stdin into a python3 sink)"
echo "   2: head -c | wirestack nc (offloads on: our TSO segments go to the device whole)"
echo "   2f: the same bytes from a file (stdin redirected: no pipe, no head process), offloads on"
echo "   2n: from the file, --no-offload (MTU-sized frames, checksums ours)"
SRC_FILE="$WORK/bulk.bin"
head -c "$BULK_BYTES" /dev/zero >"$SRC_FILE"
for variant in 2 2f 2n; do
  ready="$WORK/sink$variant.ready"
  ip netns exec "$NS" "$PY" "$PYB" sink 5002 --timeout "$BULK_TIMEOUT" --ready "$ready" >"$WORK/sink$variant.out" 2>&1 &
  sink=$!
  STARTED_PIDS+=("$sink")
  if ! wait_file "$ready" 10 "$sink"; then
    bad "the python3 sink did not start: $(cat "$WORK/sink$variant.out")"
    continue
  fi
  extra=""
  [ "$variant" = 2n ] && extra="--no-offload"
  if [ "$variant" = 2 ]; then
    cmd="head -c $BULK_BYTES /dev/zero | ip netns exec $NS wirestack nc --dev $TAP2 --ip $W2/24 $K2 5002 >/dev/null"
    what="\`head | wirestack nc\`, offloads on"
  else
    cmd="ip netns exec $NS wirestack nc --dev $TAP2 --ip $W2/24 $extra $K2 5002 <FILE >/dev/null"
    what="\`wirestack nc <FILE\`, $([ "$variant" = 2n ] && echo "--no-offload" || echo "offloads on")"
  fi
  t0=$(now)
  if [ "$variant" = 2 ]; then
    timeout $((BULK_TIMEOUT + 5)) bash -c 'TIMEFORMAT="%U s user + %S s sys"; { time head -c "$1" /dev/zero | ip netns exec "$2" "$3" nc --dev "$4" --ip "$5" --mac 02:79:00:00:02:02 "$6" 5002 >/dev/null 2>"$7"; } 2>"$8"' \
      _ "$BULK_BYTES" "$NS" "$WS" "$TAP2" "$W2/24" "$K2" "$WORK/nc$variant.err" "$WORK/nc$variant.cpu"
  else
    timeout $((BULK_TIMEOUT + 5)) bash -c 'TIMEFORMAT="%U s user + %S s sys"; { time ip netns exec "$2" "$3" nc --dev "$4" --ip "$5" --mac 02:79:00:00:02:02 $9 "$6" 5002 <"$1" >/dev/null 2>"$7"; } 2>"$8"' \
      _ "$SRC_FILE" "$NS" "$WS" "$TAP2" "$W2/24" "$K2" "$WORK/nc$variant.err" "$WORK/nc$variant.cpu" "$extra"
  fi
  rc=$?
  t1=$(now)
  wait "$sink" 2>/dev/null
  sink_out=$(cat "$WORK/sink$variant.out")
  got=$(field bytes "$sink_out")
  if [ "$rc" = 0 ] && [ "$got" = "$BULK_BYTES" ]; then
    s=$(elapsed "$t0" "$t1")
    g=$(rate "$BULK_BYTES" "$s")
    echo "RESULT $variant bulk wirestack->kernel (TAP, $what): $g Gbit/s  ($BULK_MIB MiB in $s s, whole pipeline: process start, TAP attach, ARP, handshake, data, close; sink alone, accept to EOF: $(field gbps "$sink_out") Gbit/s)"
    echo "         CPU of the pipeline: $(cat "$WORK/nc$variant.cpu")"
    echo "         command: $cmd"
    row "bulk TCP wirestack -> kernel over TAP, $BULK_MIB MiB ($what, python3 sink; whole process timed)" "$g Gbit/s"
  else
    bad "RESULT $variant bulk wirestack->kernel FAILED (nc exit $rc; sink: $sink_out; nc stderr: $(head -c 500 "$WORK/nc$variant.err"))"
  fi
done
rm -f "$SRC_FILE"

# ------------------------------------------- 3. the same, kernel <-> kernel
echo
echo "== 3. the same transfers kernel -> kernel over $KK_PATH"
# kk_send PORT LABEL: python3 sender in KK_NS_A -> python3 sink in KK_NS_B (as figure 1)
kk_send() {
  local port=$1 label=$2 ready="$WORK/sink$1.ready" sink out rc
  ip netns exec "$KK_NS_B" "$PY" "$PYB" sink "$port" --timeout "$BULK_TIMEOUT" --ready "$ready" >"$WORK/sink$port.out" 2>&1 &
  sink=$!
  STARTED_PIDS+=("$sink")
  wait_file "$ready" 10 "$sink" || { bad "sink did not start: $(cat "$WORK/sink$port.out")"; return 1; }
  out=$(timeout $((BULK_TIMEOUT + 15)) ip netns exec "$KK_NS_A" "$PY" "$PYB" send "$KK_B" "$port" "$BULK_BYTES" --timeout "$BULK_TIMEOUT" 2>&1)
  rc=$?
  wait "$sink" 2>/dev/null
  if [ "$rc" = 0 ] && [ "$(field bytes "$out")" = "$BULK_BYTES" ]; then
    KK_G=$(field gbps "$out")
    echo "RESULT 3a bulk kernel->kernel ($label), python3 sender as in 1: $KK_G Gbit/s  ($BULK_MIB MiB in $(field seconds "$out") s)"
    echo "         command: ip netns exec $KK_NS_A $PY net_bench.py send $KK_B $port $BULK_BYTES  (sink: ip netns exec $KK_NS_B $PY net_bench.py sink $port)"
  else
    bad "RESULT 3a kernel->kernel ($label) FAILED (exit $rc): $out"
    return 1
  fi
}
if kk_send 5003 "$KK_PATH"; then
  row "bulk TCP kernel -> kernel over $KK_PATH, same python3 sender/sink, same run" "$KK_G Gbit/s"
fi

# nc pipeline: `head -c | nc -N` in KK_NS_B -> python3 sink in KK_NS_A (as figure 2)
ready="$WORK/sink5004.ready"
ip netns exec "$KK_NS_A" "$PY" "$PYB" sink 5004 --timeout "$BULK_TIMEOUT" --ready "$ready" >"$WORK/sink5004.out" 2>&1 &
sink=$!
STARTED_PIDS+=("$sink")
if wait_file "$ready" 10 "$sink"; then
  cmd="head -c $BULK_BYTES /dev/zero | ip netns exec $KK_NS_B nc -N $KK_A 5004 >/dev/null"
  t0=$(now)
  timeout $((BULK_TIMEOUT + 5)) bash -c 'TIMEFORMAT="%U s user + %S s sys"; { time head -c "$1" /dev/zero | ip netns exec "$2" nc -N "$3" 5004 >/dev/null; } 2>"$4"' _ "$BULK_BYTES" "$KK_NS_B" "$KK_A" "$WORK/nc3.cpu"
  rc=$?
  t1=$(now)
  wait "$sink" 2>/dev/null
  sink_out=$(cat "$WORK/sink5004.out")
  if [ "$rc" = 0 ] && [ "$(field bytes "$sink_out")" = "$BULK_BYTES" ]; then
    s=$(elapsed "$t0" "$t1")
    g=$(rate "$BULK_BYTES" "$s")
    echo "RESULT 3b bulk kernel->kernel ($KK_PATH), \`head | nc\` pipeline as in 2: $g Gbit/s  ($BULK_MIB MiB in $s s, whole pipeline timed; sink alone: $(field gbps "$sink_out") Gbit/s)"
    echo "         CPU of the pipeline (head + nc): $(cat "$WORK/nc3.cpu")"
    echo "         command: $cmd"
    row "bulk TCP kernel -> kernel over $KK_PATH, \`head \| nc -N\` (OpenBSD nc) into the same sink, whole process timed" "$g Gbit/s"
  else
    bad "RESULT 3b kernel->kernel nc FAILED (exit $rc; sink: $sink_out)"
  fi
else
  bad "sink did not start: $(cat "$WORK/sink5004.out")"
fi

# veth carries 64 KiB GSO super-segments, as the TAP does to us with offloads
# (1) but not without them (1n, and 2: we do not send TSO segments yet). The
# same veth transfer with segmentation offloads off:
if [ "$VETH" = 1 ] && command -v ethtool >/dev/null 2>&1; then
  in_ns ethtool -K "$VA" tso off gso off gro off >/dev/null 2>&1
  in_ns2 ethtool -K "$VB" tso off gso off gro off >/dev/null 2>&1
  if kk_send 5005 "veth, TSO/GSO/GRO off: 1500-byte segments like the TAP"; then
    row "bulk TCP kernel -> kernel over veth with TSO/GSO/GRO off (MTU-sized segments, as on the TAP)" "$KK_G Gbit/s"
  fi
  in_ns ethtool -K "$VA" tso on gso on gro on >/dev/null 2>&1
  in_ns2 ethtool -K "$VB" tso on gso on gro on >/dev/null 2>&1
fi

# ------------------------------------------- 4. echo round trips
echo
echo "== 4. TCP echo, $ECHO_CONNS connections, 64-byte request/response round trips for $DUR s (one python3 client process)"
if ws_tap echo --tcp-echo 7 --seconds $((DUR + 120)); then
  cmd="ip netns exec $NS $PY net_bench.py echo-client $W1 7 $ECHO_CONNS $DUR"
  out=$(timeout $((DUR + 60)) ip netns exec "$NS" "$PY" "$PYB" echo-client "$W1" 7 "$ECHO_CONNS" "$DUR" 2>&1)
  rc=$?
  ws_tap_stop
  echo "    client: $out"
  if [ "$rc" = 0 ]; then
    r=$(field rps "$out")
    echo "RESULT 4 echo round trips/s, wirestack --tcp-echo over TAP: $r /s  ($ECHO_CONNS connections, 64 B)"
    echo "         command: $cmd"
    row "TCP echo, $ECHO_CONNS connections x 64 B round trips, our --tcp-echo over TAP (python3 selectors client)" "$r round trips/s"
  else
    bad "RESULT 4 echo against wirestack FAILED (exit $rc)"
  fi
fi
ready="$WORK/echo.ready"
ip netns exec "$KK_NS_B" "$PY" "$PYB" echo-server 7007 --timeout $((DUR + 60)) --ready "$ready" >"$WORK/echo-server.out" 2>&1 &
es=$!
STARTED_PIDS+=("$es")
if wait_file "$ready" 10 "$es"; then
  cmd="ip netns exec $KK_NS_A $PY net_bench.py echo-client $KK_B 7007 $ECHO_CONNS $DUR  (server: ip netns exec $KK_NS_B $PY net_bench.py echo-server 7007)"
  out=$(timeout $((DUR + 60)) ip netns exec "$KK_NS_A" "$PY" "$PYB" echo-client "$KK_B" 7007 "$ECHO_CONNS" "$DUR" 2>&1)
  rc=$?
  stop_pid "$es"
  echo "    client: $out"
  if [ "$rc" = 0 ]; then
    r=$(field rps "$out")
    echo "RESULT 4k echo round trips/s, kernel + python3 selectors echo server over $KK_PATH: $r /s  (same client)"
    echo "         command: $cmd"
    row "TCP echo, same client, kernel over $KK_PATH + a single-threaded python3 selectors echo server" "$r round trips/s"
  else
    bad "RESULT 4k echo against the kernel FAILED (exit $rc)"
  fi
else
  bad "python3 echo server did not start: $(cat "$WORK/echo-server.out")"
fi

if [ "$HAVE_SERVE" = 1 ] && serve_start echo --tcp-echo 7008 --seconds $((DUR + 120)); then
  cmd="ip netns exec $KK_NS_A $PY net_bench.py echo-client $KK_B 7008 $ECHO_CONNS $DUR  (server: ip netns exec $KK_NS_B wirestack serve --tcp-echo 7008)"
  out=$(timeout $((DUR + 60)) ip netns exec "$KK_NS_A" "$PY" "$PYB" echo-client "$KK_B" 7008 "$ECHO_CONNS" "$DUR" 2>&1)
  rc=$?
  serve_stop
  echo "    client: $out"
  if [ "$rc" = 0 ]; then
    r=$(field rps "$out")
    echo "RESULT 4s echo round trips/s, kernel over $KK_PATH + \`wirestack serve --tcp-echo\` (our app::StreamServer echo on kernel sockets): $r /s  (same client)"
    echo "         command: $cmd"
    row "TCP echo, same client, kernel over $KK_PATH + \`wirestack serve --tcp-echo\` (our application code on kernel sockets)" "$r round trips/s"
  else
    bad "RESULT 4s echo against wirestack serve FAILED (exit $rc)"
  fi
fi

# ------------------------------------------- 5. HTTP with wrk
echo
if ! command -v wrk >/dev/null 2>&1; then
  echo "!!!!! 5. wrk is not installed (apt-get install wrk): HTTP figures skipped"
else
  echo "== 5. HTTP/1.1 requests/s, wrk -t1 -c$WRK_CONNS -d${DUR}s (keep-alive)"
  # wrk_run LABEL URL ours|theirs: one wrk run; sets WRK_RPS; prints wrk's summary lines
  wrk_run() {
    local out rc
    out=$(timeout $((DUR + 30)) ip netns exec "$NS" wrk -t1 -c"$WRK_CONNS" -d"${DUR}s" --timeout 5s "$2" 2>&1)
    rc=$?
    echo "$out" | grep -E 'Latency|Req/Sec|requests in|Socket errors|Non-2xx|Requests/sec|Transfer/sec' | sed 's/^ */    /'
    WRK_RPS=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
    if [ "$rc" != 0 ] || [ -z "$WRK_RPS" ]; then
      bad "wrk against $2 FAILED (exit $rc): $out"
      return 1
    fi
    if grep -qE 'Socket errors|Non-2xx' <<<"$out"; then
      if [ "$3" = ours ]; then bad "wrk against our server $2 saw errors or non-2xx responses (above)"
      else echo "!!!!! NOTE: wrk against the kernel-side comparison server $2 saw errors or non-2xx responses (above)"; fi
    fi
    echo "RESULT 5 HTTP $1: $WRK_RPS requests/s"
    echo "         command: ip netns exec $NS wrk -t1 -c$WRK_CONNS -d${DUR}s --timeout 5s $2"
    return 0
  }
  if ws_tap http --http 8080 --seconds $((4 * DUR + 120)); then
    # The kernel server gets byte-for-byte copies of what ours serves.
    mkdir -p "$WORK/www"
    timeout 10 ip netns exec "$NS" "$PY" -c 'import sys, urllib.request as u
for path, name in (("/", "index.html"), ("/stats", "stats")):
    open(sys.argv[2] + "/" + name, "wb").write(u.urlopen("http://" + sys.argv[1] + ":8080" + path, timeout=5).read())' "$W1" "$WORK/www" \
      || bad "could not fetch our page and /stats"
    echo "    our page: $(stat -c %s "$WORK/www/index.html" 2>/dev/null) bytes, /stats: $(stat -c %s "$WORK/www/stats" 2>/dev/null) bytes"
    wrk_run "wirestack --http over TAP, built-in page /" "http://$W1:8080/" ours && \
      row "HTTP/1.1 keep-alive, wrk -t1 -c$WRK_CONNS, our --http built-in page / over TAP" "$WRK_RPS requests/s"
    wrk_run "wirestack --http over TAP, /stats (JSON)" "http://$W1:8080/stats" ours && \
      row "HTTP/1.1 keep-alive, wrk -t1 -c$WRK_CONNS, our --http /stats (JSON) over TAP" "$WRK_RPS requests/s"
    ws_tap_stop
  fi
  # The comparison that matters: the same HttpServer code on the kernel's sockets.
  if [ "$HAVE_SERVE" = 1 ] && serve_start http --http 8081 --seconds $((2 * DUR + 120)); then
    echo "    kernel comparison: \`wirestack serve --http 8081\` over $KK_PATH: the same app::HttpServer code and built-in page, on the kernel's sockets (loop::KernelHost)"
    wrk_run "wirestack serve (same server code, kernel sockets) over $KK_PATH, built-in page /" "http://$KK_B:8081/" ours && \
      row "HTTP/1.1 keep-alive, same wrk, \`wirestack serve --http\` (same server code on kernel sockets) over $KK_PATH, built-in page /" "$WRK_RPS requests/s"
    wrk_run "wirestack serve (same server code, kernel sockets) over $KK_PATH, /stats (JSON)" "http://$KK_B:8081/stats" ours && \
      row "HTTP/1.1 keep-alive, same wrk, \`wirestack serve --http\` (same server code on kernel sockets) over $KK_PATH, /stats (JSON)" "$WRK_RPS requests/s"
    serve_stop
  fi
  # Another comparison: python3 -m http.server (ThreadingHTTPServer: a thread per
  # connection under one GIL) in HTTP/1.1 mode, serving the same bytes.
  if [ -s "$WORK/www/index.html" ]; then
    hs_log="$WORK/http.server.log"
    timeout $((2 * DUR + 60)) ip netns exec "$KK_NS_B" "$PY" -m http.server 8080 --bind "$KK_B" --protocol HTTP/1.1 --directory "$WORK/www" >"$hs_log" 2>&1 &
    hs=$!
    STARTED_PIDS+=("$hs")
    up=0
    for _ in $(seq 1 50); do
      if timeout 2 ip netns exec "$NS" "$PY" -c 'import sys, urllib.request as u; u.urlopen(sys.argv[1], timeout=1)' "http://$KK_B:8080/" 2>/dev/null; then up=1; break; fi
      kill -0 "$hs" 2>/dev/null || break
      sleep 0.1
    done
    if [ "$up" = 1 ]; then
      echo "    kernel comparison: python3 -m http.server --protocol HTTP/1.1 over $KK_PATH (slow: python, one thread per connection under the GIL; a well-known server, not a measure of the kernel)"
      wrk_run "python3 -m http.server over $KK_PATH, same page bytes" "http://$KK_B:8080/index.html" theirs && \
        row "HTTP/1.1 keep-alive, same wrk, \`python3 -m http.server --protocol HTTP/1.1\` over $KK_PATH, same page bytes (slow python server)" "$WRK_RPS requests/s"
    else
      bad "python3 -m http.server did not start: $(cat "$hs_log")"
    fi
    stop_pid "$hs"
  fi
fi

echo
echo "   load after: $(uptime | sed 's/.*load average/load average/')"
echo
echo "== README table rows (figure, and the command that measured it):"
for r in "${ROWS[@]}"; do echo "$r"; done
echo
if [ "$FAILED" = 0 ]; then echo "tap_bench: all figures measured"; else echo "tap_bench: SOME MEASUREMENTS FAILED (lines marked !!!!!)"; fi
exit "$FAILED"
