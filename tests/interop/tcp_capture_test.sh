#!/usr/bin/env bash
# tests/interop/tcp_capture_test.sh WIRESTACK — TCP between the kernel and our
# echo (4 MiB one way and back, 20 parallel connections, a closed port),
# captured by tcpdump on the kernel's side of the TAP and decoded by tshark
# with IP and TCP checksum verification on: no malformed frame, no bad
# checksum, no frame over the MTU in anything our stack sent; the handshakes
# and closes are all there (SYN, SYN-ACK, FIN from both sides, our RST for the
# closed port); `wirestack decode` of the capture agrees. Then, with the
# offloads on, our own --pcap: segments over the MTU both ways, all checksums good.
source "$(dirname "$0")/lib.sh"
interop_init "$1" tcpdump tshark

PORT=${TCP_CAPTURE_TEST_PORT:-7}  # the echo port the clients use (another value must make the test fail)
cap="$WORK/tcp.pcap"
# timeout bounds tcpdump even if this script is killed; it passes our SIGTERM on.
# -s 2048 -B 65536: with --immediate-mode every ring slot is one snapshot long;
# small slots in a big buffer keep the 4 MiB burst from overflowing it.
ip netns exec "$NS" timeout 60 tcpdump -i "$TAP" --immediate-mode -U -n -s 2048 -B 65536 -w "$cap" 2>"$WORK/tcpdump.err" &
TCPDUMP_PID=$!
STARTED_PIDS+=("$TCPDUMP_PID")
for _ in $(seq 1 50); do grep -q 'listening on' "$WORK/tcpdump.err" && break; sleep 0.1; done
grep -q 'listening on' "$WORK/tcpdump.err" || fail "tcpdump did not start: $(cat "$WORK/tcpdump.err")"

# --no-offload: tcpdump on the kernel side would see the kernel's own frames
# before their checksums (offloaded to us), and our TSO segments whole.
ws_start tap --tcp-echo 7 --seconds 40 --no-offload
out=$(timeout 30 ip netns exec "$NS" "$PY" "$(dirname "$0")/tcp_echo_client.py" "$OUR_IP" "$PORT" $((4 * 1024 * 1024)) 2>&1)
echo "$out"
expect "4 MiB echoed" '^got [0-9a-f]{64} 4194304$' "$out"
[ "$(awk '/^sent /{print $2}' <<<"$out")" = "$(awk '/^got /{print $2}' <<<"$out")" ] || fail "4 MiB echo: sha256 differs"

out=$(timeout 30 ip netns exec "$NS" "$PY" - "$OUR_IP" "$PORT" <<'PY' 2>&1
import socket, sys, threading
ip, port = sys.argv[1], int(sys.argv[2])
try:
    socket.create_connection((ip, 7777), timeout=5)
    print("closed port: connected?!")
except ConnectionRefusedError:
    print("closed port: connection refused")
except OSError as e:
    print("closed port:", repr(e))
results = []
def one(i):
    try:
        c = socket.create_connection((ip, port), timeout=10)
        c.settimeout(10)
        msg = ("parallel %d " % i).encode() * 500
        c.sendall(msg)
        c.shutdown(socket.SHUT_WR)
        back = b""
        while True:
            d = c.recv(65536)
            if not d:
                break
            back += d
        c.close()
        results.append(back == msg)
    except OSError:
        results.append(False)
threads = [threading.Thread(target=one, args=(i,)) for i in range(20)]
for t in threads: t.start()
for t in threads: t.join()
print("parallel ok", sum(results), "of", len(results))
PY
)
echo "$out"
expect "closed port" '^closed port: connection refused$' "$out"
expect "parallel echo" '^parallel ok 20 of 20$' "$out"
sleep 0.5  # the last ACKs of the closes
ws_stop
sleep 0.3  # let tcpdump write the last frames (--immediate-mode -U: per packet)
kill -TERM "$TCPDUMP_PID"
wait "$TCPDUMP_PID" 2>/dev/null
kill -0 "$TCPDUMP_PID" 2>/dev/null && fail "tcpdump still running after SIGTERM"
# Every frame must be in the capture, or the counts below mean nothing.
grep -E 'packets (captured|received by filter|dropped by kernel)' "$WORK/tcpdump.err"
grep -qE '^0 packets dropped by kernel' "$WORK/tcpdump.err" || fail "tcpdump lost frames: $(cat "$WORK/tcpdump.err")"

opts=(-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE)
ours="eth.src == $OUR_MAC && ip.src == $OUR_IP"
count() { tshark -r "$cap" "${opts[@]}" -Y "$1" 2>/dev/null | wc -l; }
total=$(tshark -r "$cap" 2>"$WORK/tshark.err" | wc -l)
[ "$total" -gt 0 ] || fail "tshark reads no frame from the capture: $(grep -v 'Running as user' "$WORK/tshark.err")"
bad=$(tshark -r "$cap" "${opts[@]}" -Y "$ours && (_ws.malformed || _ws.expert.severity >= \"error\" ||
      ip.checksum.status == \"Bad\" || tcp.checksum.status == \"Bad\" || frame.len > 1514)" 2>/dev/null)
[ -z "$bad" ] || fail "tshark flags frames we sent:
$(head -20 <<<"$bad")"
good=$(count "$ours && tcp && ip.checksum.status == \"Good\" && tcp.checksum.status == \"Good\"")
from_us=$(count "$ours && tcp")
echo "capture: $total frames; $from_us TCP segments from us, $good with verified IP and TCP checksums"
[ "$good" -ge 1000 ] || fail "only $good TCP segments from us with verified checksums (4 MiB echoed is thousands)"
[ "$good" = "$from_us" ] || fail "$from_us TCP segments from us but $good with both checksums verified good"

# The connections' lives, as seen on the wire: 21 to the echo port (4 MiB + 20).
k2us="ip.src == $KERNEL_IP && ip.dst == $OUR_IP && tcp.dstport == $PORT"
us2k="$ours && tcp.srcport == $PORT"
syn=$(count "$k2us && tcp.flags.syn == 1 && tcp.flags.ack == 0")
synack=$(count "$us2k && tcp.flags.syn == 1 && tcp.flags.ack == 1")
fin_k=$(count "$k2us && tcp.flags.fin == 1")
fin_us=$(count "$us2k && tcp.flags.fin == 1")
rst=$(count "$ours && tcp.srcport == 7777 && tcp.flags.reset == 1")
rst_echo=$(count "tcp.port == $PORT && tcp.flags.reset == 1")
echo "echo port: SYN $syn, SYN-ACK $synack, FIN from the kernel $fin_k, FIN from us $fin_us, RSTs $rst_echo; RST from the closed port $rst"
[ "$syn" -ge 21 ] || fail "$syn SYNs from the kernel to the echo port, expected 21"
[ "$synack" -ge 21 ] || fail "$synack SYN-ACKs from us, expected 21"
[ "$fin_k" -ge 21 ] || fail "$fin_k FINs from the kernel, expected 21"
[ "$fin_us" -ge 21 ] || fail "$fin_us FINs from us, expected 21"
if [ "$rst_echo" != 0 ]; then
  if [ -n "${WIRESTACK_SLOW_BUILD:-}" ]; then
    # Under ASan the stack lags the TAP queue by hundreds of ms during the
    # 4 MiB echo: the kernel retransmits its FIN, and the copy that arrives
    # after the connection has closed gets a RST, as it would from Linux.
    # Reported, not failed, in that build; the normal build must have none.
    echo "***** NOTE (sanitizer build): $rst_echo RSTs on the echo connections (late retransmitted FINs) *****"
  else
    fail "$rst_echo RSTs on the echo connections: they should all close with FINs"
  fi
fi
[ "$rst" -ge 1 ] || fail "no RST from us for the closed port 7777"
# Our SYN-ACKs carry the options the kernel offered (MSS, SACK, timestamps, window scale).
opt_synack=$(count "$us2k && tcp.flags.syn == 1 && tcp.flags.ack == 1 && tcp.options.mss_val && tcp.options.sack_perm && tcp.options.timestamp.tsval && tcp.options.wscale.shift")
[ "$opt_synack" = "$synack" ] || fail "$opt_synack of $synack SYN-ACKs carry MSS, SACK-permitted, timestamps and window scale"

dec=$("$WS" decode -q "$cap" 2>&1)
expect "decode of the capture" ' 0 malformed' "$dec"

# With the offloads (the default), our own capture (--pcap) shows what
# crossed the device: TCP segments of several MSS both ways, every checksum
# complete (the kernel's partial ones filled in on the way in; ours as the
# kernel completes them on the way out).
ocap="$WORK/offload.pcap"
ws_start tap --tcp-echo 7 --seconds 40 --pcap "$ocap"
out=$(timeout 30 ip netns exec "$NS" "$PY" "$(dirname "$0")/tcp_echo_client.py" "$OUR_IP" "$PORT" $((4 * 1024 * 1024)) 2>&1)
expect "4 MiB echoed with offloads" '^got [0-9a-f]{64} 4194304$' "$out"
ws_stop
big_in=$(tshark -r "$ocap" -Y "ip.dst == $OUR_IP && frame.len > 1514" 2>/dev/null | wc -l)
big_out=$(tshark -r "$ocap" -Y "ip.src == $OUR_IP && frame.len > 1514" 2>/dev/null | wc -l)
segs=$(tshark -r "$ocap" -Y "tcp" 2>/dev/null | wc -l)
obad=$(tshark -r "$ocap" "${opts[@]}" -Y "tcp && (ip.checksum.status == \"Bad\" || tcp.checksum.status == \"Bad\" || _ws.malformed)" 2>/dev/null | wc -l)
echo "offload capture: $segs TCP segments, $big_in over the MTU in, $big_out over the MTU out, $obad with a bad checksum"
[ "$big_in" -gt 0 ] || fail "no segment over the MTU from the kernel in our capture: offloads off?"
[ "$big_out" -gt 0 ] || fail "no TSO segment from us in our capture"
[ "$obad" = 0 ] || fail "$obad segments with a bad checksum or malformed in our offload capture"
dec=$("$WS" decode -q "$ocap" 2>&1)
expect "decode of the offload capture" ' 0 malformed' "$dec"
finish
