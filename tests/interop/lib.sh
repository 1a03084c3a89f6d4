# tests/interop/lib.sh — shared set-up for the interop tests: our stack on a
# TAP device, the Linux kernel as its peer, both inside a private network
# namespace that the test creates and deletes.
#
# Layout (everything inside namespace wsi-$$; nothing touches the root one):
#   kernel  10.77.0.1/24 on TAP wst$$  <== TAP fd ==>  wirestack 10.77.0.2/24
# The TAP device is created inside the namespace (ip tuntap add), and
# wirestack runs there too (ip netns exec), so its open of /dev/net/tun
# attaches to that device. The kernel side has IPv6 off so that captures hold
# only the traffic the tests make.
#
# Usage, from a test script:
#   source "$(dirname "$0")/lib.sh"; interop_init "$1"   # $1: the wirestack binary
#   ws_start tap --udp-echo 7777                      # our stack, in the background
#   in_ns ping -c 3 "$OUR_IP"                          # a command in the namespace
#   ws_stop                                            # SIGTERM; its output in $WS_LOG
#   pass / fail "why"
# Exit status: 0 passed, 1 failed, 77 skipped (no root, no /dev/net/tun, no
# namespaces, a missing tool): ctest's SKIP_RETURN_CODE, announced loudly.
set -u

NS="wsi-$$"
TAP="wst$$"
KERNEL_IP=10.77.0.1
OUR_IP=10.77.0.2
OUR_MAC=02:77:00:00:00:02
PREFIX=24
PY=/usr/bin/python3
STARTED_PIDS=()
NS_CREATED=0
FAILED=0
WORK=""
WS_PID=""
WS_LOG=""

skip() {
  echo "***** SKIPPED: $(basename "$0"): $* *****"
  echo "***** (interop tests need root, /dev/net/tun and network namespaces; run them as root) *****"
  exit 77
}

fail() {
  echo "FAIL: $*"
  FAILED=1
}

cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null  # only what we started: never a bare wait
  done
  if [ "$NS_CREATED" = 1 ]; then ip netns del "$NS" 2>/dev/null; fi  # takes the TAP with it
  if [ -n "$WORK" ] && [ -z "${KEEP_WORK:-}" ]; then rm -rf "$WORK"; fi
}

# interop_init WIRESTACK [TOOL...]: checks the prerequisites, builds the namespace.
interop_init() {
  WS=$1
  shift
  [ -x "$WS" ] || { echo "FAIL: no wirestack binary at '$WS'"; exit 1; }
  [ "$(id -u)" = 0 ] || skip "not running as root"
  [ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
  local tool
  for tool in ip "$PY" "$@"; do
    command -v "$tool" >/dev/null 2>&1 || skip "'$tool' is not installed (scripts/setup.sh installs it)"
  done
  trap cleanup EXIT
  trap 'exit 1' INT TERM
  WORK=$(mktemp -d)
  ip netns add "$NS" 2>"$WORK/err" || skip "cannot create a network namespace: $(cat "$WORK/err")"
  NS_CREATED=1
  in_ns ip link set lo up
  # The kernel refusing a TAP device (a container without CAP_NET_ADMIN) is
  # the environment, not the stack: skip, loudly.
  in_ns ip tuntap add mode tap name "$TAP" 2>"$WORK/err" || skip "cannot create a TAP device: $(cat "$WORK/err")"
  in_ns sysctl -qw "net.ipv6.conf.$TAP.disable_ipv6=1" 2>/dev/null
  in_ns ip addr add "$KERNEL_IP/$PREFIX" dev "$TAP"
  in_ns ip link set "$TAP" up
}

# A command in the namespace. For background jobs call `ip netns exec "$NS"`
# directly, so that $! is the command's own pid (ip execs it), not a subshell's.
in_ns() { ip netns exec "$NS" "$@"; }

# ws_start SUBCOMMAND [ARGS...]: our stack on the TAP, in the background,
# output in $WS_LOG; waits (bounded: 15 s, a DHCP lease included) until it
# says it is up. Its address is --ip $OUR_IP/$PREFIX, or what WS_ADDRESS
# says (WS_ADDRESS=--dhcp). For a look inside a failing test:
# WS_EXTRA_ARGS="--pcap /tmp/x.pcap" (split on spaces) is added to the
# command line, KEEP_WORK=1 keeps $WORK.
ws_start() {
  local sub=$1
  shift
  WS_LOG="$WORK/wirestack.log"
  # shellcheck disable=SC2086
  ip netns exec "$NS" "$WS" "$sub" --dev "$TAP" ${WS_ADDRESS:---ip $OUR_IP/$PREFIX} --mac "$OUR_MAC" "$@" \
    ${WS_EXTRA_ARGS:-} >"$WS_LOG" 2>&1 &
  WS_PID=$!  # ip netns exec execs the command: this is wirestack's pid
  STARTED_PIDS+=("$WS_PID")
  for _ in $(seq 1 150); do
    grep -q '; ^C to stop' "$WS_LOG" && return 0
    kill -0 "$WS_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAIL: wirestack did not start:"
  cat "$WS_LOG"
  exit 1
}

# ws_stop: SIGTERM, then its exit status must be 0 and its counters printed.
ws_stop() {
  kill -TERM "$WS_PID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$WS_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$WS_PID" 2>/dev/null; then
    fail "wirestack still running 5 s after SIGTERM"
    kill -KILL "$WS_PID"
  fi
  local rc=0
  wait "$WS_PID" || rc=$?
  grep -q 'stopped (signal)' "$WS_LOG" || fail "wirestack did not report a clean stop"
  [ "$rc" = 0 ] || fail "wirestack exited $rc after SIGTERM"
  grep -q '^eth rx' "$WS_LOG" || fail "wirestack printed no counters"
}

# expect DESCRIPTION PATTERN TEXT
expect() {
  grep -qE -- "$2" <<<"$3" || fail "$1: no line matches /$2/ in:
$3"
}

finish() {
  if [ "$FAILED" = 0 ]; then
    echo "PASS: $(basename "$0")"
    exit 0
  fi
  if [ -n "$WS_LOG" ] && [ -f "$WS_LOG" ]; then
    echo "--- wirestack output ---"
    cat "$WS_LOG"
  fi
  exit 1
}

# --- IPv6 (the ipv6*_test.sh files) ---------------------------------------------
# The kernel's side of the TAP gets IPv6 back, without DAD of its own (its
# addresses are usable at once; it still answers our DAD probes for them):
#   kernel  2001:db8:77::1/64 and its link-local $KERNEL_LL  <== TAP ==>  wirestack $OUR_IP6/64
KERNEL_IP6=2001:db8:77::1
OUR_IP6=2001:db8:77::2
PREFIX6=64
KERNEL_LL=""
OUR_LL=""

# ipv6_init: IPv6 on the kernel's side of the TAP, with a link-local address
# of its own choosing, $KERNEL_LL (the one the kernel forms comes only when
# the device has a reader: our stack).
ipv6_init() {
  KERNEL_LL=fe80::1
  in_ns sysctl -qw "net.ipv6.conf.$TAP.accept_dad=0"
  in_ns sysctl -qw "net.ipv6.conf.$TAP.disable_ipv6=0" || skip "IPv6 is disabled in this kernel"
  in_ns ip -6 addr add "$KERNEL_IP6/$PREFIX6" dev "$TAP" nodad || skip "cannot add an IPv6 address to $TAP"
  in_ns ip -6 addr add "$KERNEL_LL/64" dev "$TAP" nodad
}

# ws_await_dad [ADDRESS...]: waits (bounded) until our stack says its
# link-local address and each ADDRESS passed DAD; sets $OUR_LL from its
# start-up line.
# start_pyftpdlib ADDR DIR: Debian's pyftpdlib in the test's namespace,
# listening on ADDR port 2121, serving DIR writable; returns once it listens
# (log in $WORK/pyftpdlib.log, stopped with the test's other processes).
start_pyftpdlib() {
  ip netns exec "$NS" "$PY" -m pyftpdlib -i "$1" -p 2121 -d "$2" -w >"$WORK/pyftpdlib.log" 2>&1 &
  STARTED_PIDS+=("$!")
  for _ in $(seq 1 50); do grep -q 'starting FTP server' "$WORK/pyftpdlib.log" && break; sleep 0.1; done
}

ws_await_dad() {
  OUR_LL=$(grep -o 'link-local fe80:[0-9a-f:]*' "$WS_LOG" | head -1 | cut -d' ' -f2)
  local a
  for a in "$OUR_LL" "$@"; do
    for _ in $(seq 1 50); do
      grep -q "$a passed DAD: assigned" "$WS_LOG" && break
      sleep 0.1
    done
    grep -q "$a passed DAD: assigned" "$WS_LOG" || fail "our stack did not report '$a passed DAD' within 5 s"
  done
}

# counter LAYER NAME: a counter from the stack's summary in $WS_LOG (0 if absent).
counter() {
  awk -v layer="$1" -v name="$2" '$1 == layer { for (i = 2; i < NF; i++) if ($i == name) { print $(i + 1); found = 1 } }
    END { if (!found) print 0 }' "$WS_LOG" | tail -1
}
