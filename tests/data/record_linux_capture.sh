#!/usr/bin/env bash
# tests/data/record_linux_capture.sh — records tests/data/linux.pcap: real
# Linux ARP, ICMP, IPv4 fragments, UDP and TCP (with options and a SACK), and
# dumps tshark's view of every frame to tests/data/linux.tshark.tsv.
#
# Run as root:  sudo tests/data/record_linux_capture.sh
# Needs: iproute2, tcpdump, tshark, ethtool, nftables, iputils-ping, /usr/bin/python3.
#
# Everything happens inside two network namespaces this script creates and
# deletes (wsrec-a, wsrec-b), joined by one veth pair:
#
#   wsrec-a: veth-a 10.99.0.1/24 02:00:00:99:00:01  <-->  wsrec-b: veth-b 10.99.0.2/24 02:00:00:99:00:02
#
# tcpdump captures on veth-a, so it sees both directions. Offloads are off on
# both ends, so every checksum in the capture is the one on the wire.
# The files are only replaced once the new capture has passed its checks.
set -euo pipefail

readonly NS_A=wsrec-a NS_B=wsrec-b
readonly DEV_A=veth-a DEV_B=veth-b
readonly IP_A=10.99.0.1 IP_B=10.99.0.2
readonly MAC_A=02:00:00:99:00:01 MAC_B=02:00:00:99:00:02
readonly PY=/usr/bin/python3
readonly MAX_FRAMES=200

DATA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly DATA_DIR
readonly PCAP_OUT="$DATA_DIR/linux.pcap"
readonly TSV_OUT="$DATA_DIR/linux.tshark.tsv"

log() { printf '[record] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $EUID -eq 0 ]] || die "must run as root (network namespaces, tcpdump)"
for tool in ip tcpdump tshark ethtool nft ping timeout "$PY"; do
  command -v "$tool" >/dev/null || die "missing '$tool' (apt-get install iproute2 tcpdump tshark ethtool nftables iputils-ping)"
done
for ns in "$NS_A" "$NS_B"; do
  if ip netns list | grep -qw "$ns"; then
    die "namespace $ns already exists (a previous run died?): remove it with 'ip netns del $ns'"
  fi
done

WORK="$(mktemp -d /tmp/wsrec.XXXXXX)"
readonly WORK
cleanup() {
  local rc=$? pid
  # Only this shell's own background jobs not yet reaped (so no PID reuse).
  for pid in $(jobs -p); do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  ip netns del "$NS_A" 2>/dev/null || true  # deleting a namespace deletes its veth end
  ip netns del "$NS_B" 2>/dev/null || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# Waits (at most 5 s) until file $1 exists.
wait_for_file() {
  local _
  for _ in $(seq 50); do
    [[ -e $1 ]] && return 0
    sleep 0.1
  done
  die "timed out waiting for $1"
}

# --- topology ----------------------------------------------------------------------
log "creating namespaces $NS_A, $NS_B"
ip netns add "$NS_A"
ip netns add "$NS_B"
ip -n "$NS_A" link add "$DEV_A" type veth peer name "$DEV_B" netns "$NS_B"
for side in A B; do
  if [[ $side == A ]]; then ns=$NS_A dev=$DEV_A ip4=$IP_A mac=$MAC_A; else ns=$NS_B dev=$DEV_B ip4=$IP_B mac=$MAC_B; fi
  # No IPv6: keeps router solicitations, MLD and DAD out of the capture.
  ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "$dev" address "$mac"
  # Full checksums and real MSS-sized segments on the wire: no checksum
  # offload (which also disables TSO/GSO), no GRO.
  ip netns exec "$ns" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null
  ip -n "$ns" addr add "$ip4/24" dev "$dev"
  ip -n "$ns" link set "$dev" up
done

# One deterministic loss for the second TCP transfer: wsrec-b's input drops
# the 3rd full-sized segment sent to port 5001. tcpdump on veth-a still sees
# it leave, then wsrec-b's duplicate ACKs carry a SACK block, then the
# retransmission.
in_b nft -f - <<'EOF'
table inet wsrec {
  chain input {
    type filter hook input priority 0; policy accept;
    tcp dport 5001 ip length > 1000 numgen inc mod 1000 == 2 counter drop
  }
}
EOF

# --- capture -----------------------------------------------------------------------
log "starting tcpdump on $NS_A/$DEV_A"
# Background jobs run `ip netns exec` directly (not through in_a/in_b, which
# would fork a subshell), so $! is the PID of the program itself. ip execs it.
# --immediate-mode: without it, frames still in TPACKET_V3's current block
# when tcpdump is stopped are lost.
ip netns exec "$NS_A" tcpdump -i "$DEV_A" -n -s 0 -U --immediate-mode -Z root -c 1000 \
  -w "$WORK/linux.pcap" 2>"$WORK/tcpdump.err" &
TCPDUMP_PID=$!
for _ in $(seq 50); do
  grep -q 'listening on' "$WORK/tcpdump.err" 2>/dev/null && break
  sleep 0.1
done
grep -q 'listening on' "$WORK/tcpdump.err" || die "tcpdump did not start: $(cat "$WORK/tcpdump.err")"
sleep 0.3

# --- traffic -----------------------------------------------------------------------
# The Python helpers: tcp_server / tcp_client / udp_server / udp_client / udp_closed.
cat >"$WORK/peer.py" <<'EOF'
import socket, sys, pathlib

def pattern(tag, n):
    """n bytes of readable, position-dependent text."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += b"%s %06d wirestack\n" % (tag, i)
        i += 1
    return bytes(out[:n])

def recv_exactly(conn, n):
    got = bytearray()
    while len(got) < n:
        chunk = conn.recv(65536)
        if not chunk:
            break
        got += chunk
    return bytes(got)

role = sys.argv[1]
if role == "tcp_server":   # ip port expect_bytes reply_bytes ready_file
    ip, port, expect, reply, ready = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((ip, port))
    srv.listen(1)
    srv.settimeout(20)
    pathlib.Path(ready).touch()
    conn, _ = srv.accept()
    conn.settimeout(20)
    data = recv_exactly(conn, expect)
    assert data == pattern(b"c->s", expect), "server got %d bytes" % len(data)
    conn.sendall(pattern(b"s->c", reply))
    assert conn.recv(1) == b""   # wait for the client's FIN, then close (our FIN)
    conn.close()
    srv.close()
elif role == "tcp_client":  # ip port send_bytes expect_bytes
    ip, port, send, expect = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    conn = socket.create_connection((ip, port), timeout=20)
    conn.sendall(pattern(b"c->s", send))
    data = recv_exactly(conn, expect)
    assert data == pattern(b"s->c", expect), "client got %d bytes" % len(data)
    conn.close()              # the client closes first
elif role == "udp_server":  # ip port ready_file
    ip, port, ready = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, port))
    s.settimeout(20)
    pathlib.Path(ready).touch()
    data, peer = s.recvfrom(2048)
    s.sendto(b"reply: " + data.upper(), peer)
elif role == "udp_client":  # local_ip local_port ip port
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[2], int(sys.argv[3])))
    s.settimeout(5)
    s.sendto(b"hello wirestack", (sys.argv[4], int(sys.argv[5])))
    data, _ = s.recvfrom(2048)
    assert data == b"reply: HELLO WIRESTACK", data
elif role == "udp_closed":  # local_ip local_port ip port: expect ICMP port unreachable
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[2], int(sys.argv[3])))
    s.connect((sys.argv[4], int(sys.argv[5])))
    s.settimeout(5)
    s.send(b"anyone on port 9?")
    try:
        s.recv(2048)
        raise SystemExit("expected ICMP port unreachable, got a reply")
    except ConnectionRefusedError:
        pass
else:
    raise SystemExit("unknown role " + role)
EOF

# Runs a TCP exchange: client in A sends $2 bytes to port $1, server in B answers $3 bytes.
tcp_exchange() {
  local port=$1 up=$2 down=$3
  rm -f "$WORK/ready.$port"
  ip netns exec "$NS_B" timeout 30 "$PY" "$WORK/peer.py" tcp_server "$IP_B" "$port" "$up" "$down" "$WORK/ready.$port" &
  local server=$!
  wait_for_file "$WORK/ready.$port"
  in_a timeout 30 "$PY" "$WORK/peer.py" tcp_client "$IP_B" "$port" "$up" "$down"
  wait "$server" || die "TCP server on port $port failed"
}

log "ping (ARP first), 3 echo requests"
in_a ping -c 3 -i 0.2 -W 2 -n -q "$IP_B" >/dev/null
sleep 0.3

log "ping -s 2000: IPv4 fragments both ways"
in_a ping -c 1 -s 2000 -M dont -W 2 -n -q "$IP_B" >/dev/null
sleep 0.3

log "TCP 10.99.0.1 -> 10.99.0.2:5000, 3000 bytes up, 2000 down, FIN close"
tcp_exchange 5000 3000 2000
sleep 0.3

log "UDP request/reply 10.99.0.1:40000 <-> 10.99.0.2:7000"
rm -f "$WORK/ready.udp"
ip netns exec "$NS_B" timeout 30 "$PY" "$WORK/peer.py" udp_server "$IP_B" 7000 "$WORK/ready.udp" &
udp_server=$!
wait_for_file "$WORK/ready.udp"
in_a timeout 10 "$PY" "$WORK/peer.py" udp_client "$IP_A" 40000 "$IP_B" 7000
wait "$udp_server" || die "UDP server failed"
sleep 0.3

log "UDP to closed port 9: ICMP port unreachable"
in_a timeout 10 "$PY" "$WORK/peer.py" udp_closed "$IP_A" 40001 "$IP_B" 9
sleep 0.3

log "TCP 10.99.0.1 -> 10.99.0.2:5001, 20000 bytes up (one segment lost), 100 down"
tcp_exchange 5001 20000 100
sleep 1

# --- stop and check ----------------------------------------------------------------
kill -TERM "$TCPDUMP_PID"
wait "$TCPDUMP_PID" || true
log "tcpdump: $(grep -E 'captured|dropped' "$WORK/tcpdump.err" | tr '\n' ' ')"
grep -q '^0 packets dropped by kernel' "$WORK/tcpdump.err" || die "tcpdump dropped packets"
in_b nft list table inet wsrec | grep -q 'counter packets 1 ' || die "the nft rule did not drop exactly one segment"

frames=$(tshark -r "$WORK/linux.pcap" 2>/dev/null | wc -l)
(( frames > 0 && frames < MAX_FRAMES )) || die "capture has $frames frames (want 1..$((MAX_FRAMES - 1)))"

bad=$(tshark -r "$WORK/linux.pcap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
  -Y 'ip.checksum.status==0 || tcp.checksum.status==0 || udp.checksum.status==0 || icmp.checksum.status==0' 2>/dev/null)
[[ -z $bad ]] || die "bad checksums in capture:"$'\n'"$bad"
[[ -n $(tshark -r "$WORK/linux.pcap" -Y 'tcp.options.sack_le' 2>/dev/null) ]] || die "no SACK block in the capture"

# One line per frame, tshark's raw (non-relative) field values; see README.md.
# occurrence=f: the first value, i.e. the outer header when an ICMP error
# quotes IP + UDP. No IP reassembly: each row describes its own frame only.
tshark -r "$WORK/linux.pcap" -T fields -E header=y -E separator=/t -E occurrence=f \
  -o tcp.relative_sequence_numbers:FALSE -o ip.defragment:FALSE \
  -e frame.number -e frame.len -e eth.src -e eth.dst -e eth.type \
  -e arp.opcode -e arp.src.hw_mac -e arp.src.proto_ipv4 -e arp.dst.hw_mac -e arp.dst.proto_ipv4 \
  -e ip.hdr_len -e ip.src -e ip.dst -e ip.proto -e ip.ttl -e ip.id -e ip.len -e ip.flags.df -e ip.flags.mf \
  -e ip.frag_offset -e ip.checksum \
  -e icmp.type -e icmp.code -e icmp.checksum -e icmp.ident -e icmp.seq \
  -e udp.srcport -e udp.dstport -e udp.length -e udp.checksum \
  -e tcp.srcport -e tcp.dstport -e tcp.seq_raw -e tcp.ack_raw -e tcp.hdr_len -e tcp.flags \
  -e tcp.window_size_value -e tcp.checksum -e tcp.options.mss_val -e tcp.options.wscale.shift \
  -e tcp.options.sack_perm -e tcp.options.timestamp.tsval -e tcp.options.timestamp.tsecr \
  -e tcp.options.sack.count -e tcp.options.sack_le -e tcp.options.sack_re -e tcp.len \
  >"$WORK/linux.tshark.tsv" 2>/dev/null
[[ $(wc -l <"$WORK/linux.tshark.tsv") -eq $((frames + 1)) ]] || die "tshark TSV does not have one line per frame"

mv "$WORK/linux.pcap" "$PCAP_OUT"
mv "$WORK/linux.tshark.tsv" "$TSV_OUT"
chmod 0644 "$PCAP_OUT" "$TSV_OUT"
log "wrote $PCAP_OUT ($frames frames) and $TSV_OUT"
