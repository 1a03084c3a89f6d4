#!/usr/bin/env bash
# tests/data/record_linux6_capture.sh — records tests/data/linux6.pcap: real
# Linux IPv6 traffic (duplicate address detection, MLD, neighbor discovery,
# ping -6, a fragmented ping -6 -s 3000, a link-local ping, TCP and UDP over
# IPv6, an ICMPv6 port unreachable, and a router advertisement sent with
# scapy that Linux answers with SLAAC's DAD) and dumps tshark's view of every
# frame to tests/data/linux6.tshark.tsv.
#
# Run as root:  sudo tests/data/record_linux6_capture.sh
# Needs: iproute2, tcpdump, tshark, ethtool, iputils-ping, /usr/bin/python3 with scapy.
#
# Everything happens inside two network namespaces this script creates and
# deletes (wsv6rec-a, wsv6rec-b), joined by one veth pair:
#
#   wsv6rec-a: v6rec-a 2001:db8:99::1/64 02:00:00:99:06:01  <-->  wsv6rec-b: v6rec-b 2001:db8:99::2/64 02:00:00:99:06:02
#
# tcpdump captures on v6rec-a from before the link has carrier, so it sees DAD
# and MLD too. Offloads are off on both ends: every checksum is the wire's.
set -euo pipefail

readonly NS_A=wsv6rec-a NS_B=wsv6rec-b
readonly DEV_A=v6rec-a DEV_B=v6rec-b
readonly IP_A=2001:db8:99::1 IP_B=2001:db8:99::2
readonly MAC_A=02:00:00:99:06:01 MAC_B=02:00:00:99:06:02
readonly PY=/usr/bin/python3
readonly MAX_FRAMES=150

DATA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly DATA_DIR
readonly PCAP_OUT="$DATA_DIR/linux6.pcap"
readonly TSV_OUT="$DATA_DIR/linux6.tshark.tsv"

log() { printf '[record6] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $EUID -eq 0 ]] || die "must run as root (network namespaces, tcpdump)"
for tool in ip tcpdump tshark ethtool ping timeout "$PY"; do
  command -v "$tool" >/dev/null || die "missing '$tool' (apt-get install iproute2 tcpdump tshark ethtool iputils-ping)"
done
for ns in "$NS_A" "$NS_B"; do
  if ip netns list | grep -qw "$ns"; then
    die "namespace $ns already exists (a previous run died?): remove it with 'ip netns del $ns'"
  fi
done

WORK="$(mktemp -d /tmp/wsv6rec.XXXXXX)"
readonly WORK
cleanup() {
  local rc=$? pid
  for pid in $(jobs -p); do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

wait_for_file() {
  local _
  for _ in $(seq 50); do
    [[ -e $1 ]] && return 0
    sleep 0.1
  done
  die "timed out waiting for $1"
}

# Waits (at most 5 s) until namespace $1 has no tentative address on $2.
wait_dad() {
  local _
  for _ in $(seq 50); do
    [[ -z $(ip -n "$1" -6 addr show dev "$2" tentative) ]] && return 0
    sleep 0.1
  done
  die "DAD did not finish in $1"
}

# --- topology ----------------------------------------------------------------------
log "creating namespaces $NS_A, $NS_B"
ip netns add "$NS_A"
ip netns add "$NS_B"
ip -n "$NS_A" link add "$DEV_A" type veth peer name "$DEV_B" netns "$NS_B"
for side in A B; do
  if [[ $side == A ]]; then ns=$NS_A dev=$DEV_A mac=$MAC_A; else ns=$NS_B dev=$DEV_B mac=$MAC_B; fi
  # IPv4 stays unconfigured. Both ends send router solicitations (nobody answers).
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "$dev" address "$mac"
  ip netns exec "$ns" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null
done

# A's end up first, for tcpdump; without carrier (B still down) nothing is sent yet.
ip -n "$NS_A" link set "$DEV_A" up

# --- capture -----------------------------------------------------------------------
log "starting tcpdump on $NS_A/$DEV_A"
ip netns exec "$NS_A" tcpdump -i "$DEV_A" -n -s 0 -U --immediate-mode -Z root -c 1000 \
  -w "$WORK/linux6.pcap" 2>"$WORK/tcpdump.err" &
TCPDUMP_PID=$!
for _ in $(seq 50); do
  grep -q 'listening on' "$WORK/tcpdump.err" 2>/dev/null && break
  sleep 0.1
done
grep -q 'listening on' "$WORK/tcpdump.err" || die "tcpdump did not start: $(cat "$WORK/tcpdump.err")"
sleep 0.3

log "addresses (DAD for link-local and global addresses, MLD reports)"
ip -n "$NS_A" addr add "$IP_A/64" dev "$DEV_A"
ip -n "$NS_B" addr add "$IP_B/64" dev "$DEV_B"
ip -n "$NS_B" link set "$DEV_B" up
wait_dad "$NS_A" "$DEV_A"
wait_dad "$NS_B" "$DEV_B"
sleep 1

cat >"$WORK/peer.py" <<'EOF'
import socket, sys, pathlib

def pattern(tag, n):
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
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
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
    assert conn.recv(1) == b""
    conn.close()
    srv.close()
elif role == "tcp_client":  # ip port send_bytes expect_bytes
    ip, port, send, expect = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    conn = socket.create_connection((ip, port), timeout=20)
    conn.sendall(pattern(b"c->s", send))
    data = recv_exactly(conn, expect)
    assert data == pattern(b"s->c", expect), "client got %d bytes" % len(data)
    conn.close()
elif role == "udp_server":  # ip port ready_file
    ip, port, ready = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((ip, port))
    s.settimeout(20)
    pathlib.Path(ready).touch()
    data, peer = s.recvfrom(2048)
    s.sendto(b"reply: " + data.upper(), peer)
elif role == "udp_client":  # local_ip local_port ip port
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((sys.argv[2], int(sys.argv[3])))
    s.settimeout(5)
    s.sendto(b"hello wirestack", (sys.argv[4], int(sys.argv[5])))
    data, _ = s.recvfrom(2048)
    assert data == b"reply: HELLO WIRESTACK", data
elif role == "udp_closed":  # local_ip local_port ip port: expect ICMPv6 port unreachable
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((sys.argv[2], int(sys.argv[3])))
    s.connect((sys.argv[4], int(sys.argv[5])))
    s.settimeout(5)
    s.send(b"anyone on port 9?")
    try:
        s.recv(2048)
        raise SystemExit("expected ICMPv6 port unreachable, got a reply")
    except ConnectionRefusedError:
        pass
elif role == "ra":  # dev: one router advertisement from this namespace's link-local address
    from scapy.all import Ether, IPv6, ICMPv6ND_RA, ICMPv6NDOptSrcLLAddr, ICMPv6NDOptMTU, \
        ICMPv6NDOptPrefixInfo, sendp, get_if_hwaddr, conf
    conf.verb = 0
    dev = sys.argv[2]
    mac = get_if_hwaddr(dev)
    eui = bytearray(bytes.fromhex(mac.replace(":", "")))
    lladdr = "fe80::%02x%02x:%02xff:fe%02x:%02x%02x" % (eui[0] ^ 2, eui[1], eui[2], eui[3], eui[4], eui[5])
    ra = (Ether(src=mac, dst="33:33:00:00:00:01") / IPv6(src=lladdr, dst="ff02::1", hlim=255) /
          ICMPv6ND_RA(chlim=64, M=0, O=1, routerlifetime=0, reachabletime=30000, retranstimer=1000) /
          ICMPv6NDOptSrcLLAddr(lladdr=mac) / ICMPv6NDOptMTU(mtu=1500) /
          ICMPv6NDOptPrefixInfo(prefix="2001:db8:77::", prefixlen=64, L=1, A=1,
                                validlifetime=86400, preferredlifetime=14400))
    sendp(ra, iface=dev)
else:
    raise SystemExit("unknown role " + role)
EOF

tcp_exchange() {
  local port=$1 up=$2 down=$3
  rm -f "$WORK/ready.$port"
  ip netns exec "$NS_B" timeout 30 "$PY" "$WORK/peer.py" tcp_server "$IP_B" "$port" "$up" "$down" "$WORK/ready.$port" &
  local server=$!
  wait_for_file "$WORK/ready.$port"
  in_a timeout 30 "$PY" "$WORK/peer.py" tcp_client "$IP_B" "$port" "$up" "$down"
  wait "$server" || die "TCP server on port $port failed"
}

# --- traffic -----------------------------------------------------------------------
log "ping -6 (neighbor solicitation and advertisement first), 2 echo requests"
in_a ping -6 -c 2 -i 0.2 -W 2 -n -q "$IP_B" >/dev/null
sleep 0.3

log "ping -6 -s 3000: fragments both ways"
in_a ping -6 -c 1 -s 3000 -W 2 -n -q "$IP_B" >/dev/null
sleep 0.3

log "ping -6 to B's link-local address (%$DEV_A)"
ll_b=$(ip -n "$NS_B" -6 addr show dev "$DEV_B" scope link | awk '/inet6/ {print $2}' | cut -d/ -f1)
in_a ping -6 -c 1 -W 2 -n -q "$ll_b%$DEV_A" >/dev/null
sleep 0.3

log "TCP [$IP_A] -> [$IP_B]:5000, 3000 bytes up, 2000 down"
tcp_exchange 5000 3000 2000
sleep 0.3

log "UDP request/reply [$IP_A]:40000 <-> [$IP_B]:7000"
rm -f "$WORK/ready.udp"
ip netns exec "$NS_B" timeout 30 "$PY" "$WORK/peer.py" udp_server "$IP_B" 7000 "$WORK/ready.udp" &
udp_server=$!
wait_for_file "$WORK/ready.udp"
in_a timeout 10 "$PY" "$WORK/peer.py" udp_client "$IP_A" 40000 "$IP_B" 7000
wait "$udp_server" || die "UDP server failed"
sleep 0.3

log "UDP to closed port 9: ICMPv6 port unreachable"
in_a timeout 10 "$PY" "$WORK/peer.py" udp_closed "$IP_A" 40001 "$IP_B" 9
sleep 0.3

log "router advertisement from $NS_B (scapy): $NS_A takes a SLAAC address (DAD)"
in_b timeout 20 "$PY" "$WORK/peer.py" ra "$DEV_B"
sleep 2

# --- stop and check ----------------------------------------------------------------
kill -TERM "$TCPDUMP_PID"
wait "$TCPDUMP_PID" || true
log "tcpdump: $(grep -E 'captured|dropped' "$WORK/tcpdump.err" | tr '\n' ' ')"
grep -q '^0 packets dropped by kernel' "$WORK/tcpdump.err" || die "tcpdump dropped packets"

frames=$(tshark -r "$WORK/linux6.pcap" 2>/dev/null | wc -l)
(( frames > 0 && frames < MAX_FRAMES )) || die "capture has $frames frames (want 1..$((MAX_FRAMES - 1)))"

bad=$(tshark -r "$WORK/linux6.pcap" -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
  -Y 'tcp.checksum.status==0 || udp.checksum.status==0 || icmpv6.checksum.status==0' 2>/dev/null)
[[ -z $bad ]] || die "bad checksums in capture:"$'\n'"$bad"
[[ -n $(tshark -r "$WORK/linux6.pcap" -Y 'ipv6.fraghdr.offset > 0' 2>/dev/null) ]] || die "no fragments in the capture"
[[ -n $(tshark -r "$WORK/linux6.pcap" -Y 'icmpv6.type == 134' 2>/dev/null) ]] || die "no router advertisement"

# One line per frame; occurrence=f: the outer header when an ICMPv6 error
# quotes IPv6 + UDP. No reassembly: each row describes its own frame only.
tshark -r "$WORK/linux6.pcap" -T fields -E header=y -E separator=/t -E occurrence=f \
  -o tcp.relative_sequence_numbers:FALSE -o ipv6.defragment:FALSE \
  -e frame.number -e frame.len -e eth.src -e eth.dst -e eth.type \
  -e ipv6.tclass -e ipv6.flow -e ipv6.plen -e ipv6.nxt -e ipv6.hlim -e ipv6.src -e ipv6.dst \
  -e ipv6.hopopts.nxt -e ipv6.fraghdr.nxt -e ipv6.fraghdr.offset -e ipv6.fraghdr.more -e ipv6.fraghdr.ident \
  -e icmpv6.type -e icmpv6.code -e icmpv6.checksum -e icmpv6.echo.identifier -e icmpv6.echo.sequence_number \
  -e icmpv6.nd.ns.target_address -e icmpv6.nd.na.target_address -e icmpv6.nd.na.flag.r -e icmpv6.nd.na.flag.s \
  -e icmpv6.nd.na.flag.o -e icmpv6.nd.ra.cur_hop_limit -e icmpv6.nd.ra.flag.m -e icmpv6.nd.ra.flag.o \
  -e icmpv6.nd.ra.router_lifetime -e icmpv6.nd.ra.reachable_time -e icmpv6.nd.ra.retrans_timer \
  -e icmpv6.opt.linkaddr -e icmpv6.opt.mtu -e icmpv6.opt.prefix -e icmpv6.opt.prefix.length \
  -e icmpv6.opt.prefix.flag.l -e icmpv6.opt.prefix.flag.a -e icmpv6.opt.prefix.valid_lifetime \
  -e icmpv6.opt.prefix.preferred_lifetime \
  -e udp.srcport -e udp.dstport -e udp.length -e udp.checksum \
  -e tcp.srcport -e tcp.dstport -e tcp.seq_raw -e tcp.ack_raw -e tcp.hdr_len -e tcp.flags \
  -e tcp.window_size_value -e tcp.checksum -e tcp.options.mss_val -e tcp.len \
  >"$WORK/linux6.tshark.tsv" 2>/dev/null
[[ $(wc -l <"$WORK/linux6.tshark.tsv") -eq $((frames + 1)) ]] || die "tshark TSV does not have one line per frame"

mv "$WORK/linux6.pcap" "$PCAP_OUT"
mv "$WORK/linux6.tshark.tsv" "$TSV_OUT"
chmod 0644 "$PCAP_OUT" "$TSV_OUT"
log "wrote $PCAP_OUT ($frames frames) and $TSV_OUT"
