#!/usr/bin/python3
"""scapy_probe.py TAP OUR_IP OUR_MAC KERNEL_IP PORT — sends our stack (on the
other side of TAP) what a well-behaved peer never sends, frame by frame with
scapy at layer 2 (so that the kernel fixes nothing up: raw IP sockets always
rewrite the IP checksum), and watches every frame our stack sends back.

Prints one line per check, "ok NAME ..." or "FAIL NAME ...", and the number
of probes per counter it expects to rise ("expect ipv4_malformed N", ...);
exits 1 when a check failed. Every wait is bounded (at most a few seconds per
probe). Source ports 1000..1099 are ours: the test drops the kernel's RSTs
for them (the kernel knows nothing of these connections).

Run by tests/interop/scapy_test.sh, with /usr/bin/python3 (scapy)."""
import random
import sys
import threading
import time

from scapy.all import ICMP, IP, TCP, AsyncSniffer, Ether, Raw, conf, sendp

conf.verb = 0

TAP, OUR_IP, OUR_MAC, KERNEL_IP, PORT = sys.argv[1], sys.argv[2], sys.argv[3].lower(), sys.argv[4], int(sys.argv[5])
with open(f"/sys/class/net/{TAP}/address") as f:
    KERNEL_MAC = f.read().strip()

failed = []
expected = {"ipv4_malformed": 0, "tcp_rx_malformed": 0}

seen = []  # frames our stack sent, in order
seen_lock = threading.Lock()


def keep(p):
    if p.haslayer(Ether) and p[Ether].src.lower() == OUR_MAC and p.haslayer(IP):
        with seen_lock:
            seen.append(p)


sniffer = AsyncSniffer(iface=TAP, prn=keep, store=False)
sniffer.start()
time.sleep(0.5)  # the sniffer's socket is open


def check(ok, name, detail=""):
    print(("ok " if ok else "FAIL ") + name + (": " + detail if detail else ""), flush=True)
    if not ok:
        failed.append(name)


def eth():
    return Ether(src=KERNEL_MAC, dst=OUR_MAC, type=0x0800)


def send_and_watch(frame, match=lambda p: True, wait=0.8, until_first=False):
    """Sends one frame (scapy packet or raw bytes after the Ethernet header)
    and returns the IP frames from our stack that `match` within `wait`
    seconds (the first one, as soon as it comes, with until_first)."""
    with seen_lock:
        start = len(seen)
    sendp(frame, iface=TAP)
    deadline = time.monotonic() + wait
    while True:
        with seen_lock:
            got = [p for p in seen[start:] if match(p)]
        if (until_first and got) or time.monotonic() >= deadline:
            return got
        time.sleep(0.02)


def from_port(sport, dport):
    return lambda p: p.haslayer(TCP) and p[TCP].sport == sport and p[TCP].dport == dport


def any_ip(p):
    return True


def raw_ip(ip_bytes):
    """An Ethernet frame around arbitrary IP bytes (no fix-ups by scapy)."""
    return eth() / Raw(ip_bytes)


def ping(ident, seq, ip_chksum=None):
    ip = IP(src=KERNEL_IP, dst=OUR_IP, id=ident)
    if ip_chksum is not None:
        ip.chksum = ip_chksum
    return eth() / ip / ICMP(id=ident, seq=seq) / Raw(b"wirestack scapy probe")


def is_echo_reply(ident):
    return lambda p: p.haslayer(ICMP) and p[ICMP].type == 0 and p[ICMP].id == ident


# --- 0. Control: a good ping is answered (and ARP for the kernel resolved,
# and the sniffer surely running): up to 5 tries, one second each ---
for attempt in range(1, 6):
    got = send_and_watch(ping(0x5CA0, attempt), is_echo_reply(0x5CA0), wait=1, until_first=True)
    if got:
        break
check(len(got) == 1, "control: a well-formed ping is answered", f"after {attempt} pings")
time.sleep(0.3)  # nothing else in flight

# --- 1. Bad IP header checksum: the same ping, ignored ---
good = IP(bytes(IP(src=KERNEL_IP, dst=OUR_IP, id=0x5CA1) / ICMP(id=0x5CA1, seq=1) / Raw(b"bad ip checksum")))
bad = bytearray(bytes(good))
bad[10] ^= 0x5A  # the header checksum's first byte
got = send_and_watch(raw_ip(bytes(bad)), any_ip)
check(not got, "bad IP header checksum: no answer", f"{len(got)} frames back")
expected["ipv4_malformed"] += 1

# --- 2. Truncated IP headers ---
# IHL says 60 bytes (15 words), the datagram is 28 bytes long (total length 28).
hdr = bytearray(bytes(IP(src=KERNEL_IP, dst=OUR_IP, proto=1, id=0x5CA2) / ICMP(id=0x5CA2, seq=1)))
hdr[0] = 0x4F  # version 4, IHL 15
hdr[10:12] = b"\0\0"
got = send_and_watch(raw_ip(bytes(hdr)), any_ip)
check(not got, "IHL (60 bytes) beyond the datagram (28 bytes): no answer", f"{len(got)} frames back")
expected["ipv4_malformed"] += 1
# IHL 3 (12 bytes): shorter than the fixed header.
hdr = bytearray(bytes(IP(src=KERNEL_IP, dst=OUR_IP, proto=1, id=0x5CA3) / ICMP(id=0x5CA3, seq=1)))
hdr[0] = 0x43
got = send_and_watch(raw_ip(bytes(hdr)), any_ip)
check(not got, "IHL 3 (below 5): no answer", f"{len(got)} frames back")
expected["ipv4_malformed"] += 1
# Only 12 bytes of an IP header in the frame at all.
got = send_and_watch(raw_ip(bytes(IP(src=KERNEL_IP, dst=OUR_IP))[:12]), any_ip)
check(not got, "a 12-byte IP header (cut short): no answer", f"{len(got)} frames back")
expected["ipv4_malformed"] += 1

# --- 3. Bad TCP checksum: a SYN to the echo port, ignored (the same SYN with
# a good checksum is answered in 5 below) ---
syn = IP(src=KERNEL_IP, dst=OUR_IP) / TCP(sport=1001, dport=PORT, flags="S", seq=1000000, options=[("MSS", 1460)])
syn = IP(bytes(syn))
syn[TCP].chksum ^= 0x1111
got = send_and_watch(eth() / syn, any_ip)
check(not got, "SYN with a bad TCP checksum: no SYN-ACK, no RST", f"{len(got)} frames back")
expected["tcp_rx_malformed"] += 1

# --- 4. Truncated TCP headers ---
# Data offset 15 (60 bytes) in a 20-byte segment; the checksum is right.
seg = IP(src=KERNEL_IP, dst=OUR_IP) / TCP(sport=1002, dport=PORT, flags="S", seq=2000000, dataofs=15)
got = send_and_watch(eth() / IP(bytes(seg)), any_ip)
check(not got, "TCP data offset (60 bytes) beyond the segment (20 bytes): no answer", f"{len(got)} frames back")
expected["tcp_rx_malformed"] += 1
# Data offset 3 (12 bytes): below the fixed header.
seg = IP(src=KERNEL_IP, dst=OUR_IP) / TCP(sport=1003, dport=PORT, flags="S", seq=3000000, dataofs=3)
got = send_and_watch(eth() / IP(bytes(seg)), any_ip)
check(not got, "TCP data offset 3 (below 5): no answer", f"{len(got)} frames back")
expected["tcp_rx_malformed"] += 1
# A 10-byte TCP "header": the IP datagram ends in the middle of it.
full = bytes(IP(src=KERNEL_IP, dst=OUR_IP) / TCP(sport=1004, dport=PORT, flags="S", seq=4000000))
cut = IP(full[:30])
del cut.len, cut.chksum  # a right IP header for the 30 bytes: only TCP is short
got = send_and_watch(eth() / IP(bytes(cut)), any_ip)
check(not got, "a 10-byte TCP header: no answer", f"{len(got)} frames back")
expected["tcp_rx_malformed"] += 1

# --- 5. A SYN with every option, and one nobody knows ---
options = [("MSS", 1400), ("NOP", None), ("WScale", 7), ("SAckOK", b""), ("Timestamp", (123456789, 0)),
           (253, b"\x12\x34"), ("NOP", None), ("NOP", None)]
syn = IP(src=KERNEL_IP, dst=OUR_IP) / TCP(sport=1005, dport=PORT, flags="S", seq=5000000, window=65535,
                                            options=options)
got = send_and_watch(eth() / syn, from_port(PORT, 1005), wait=3, until_first=True)
if not got:
    check(False, "SYN with every option: a SYN-ACK")
else:
    sa = got[0][TCP]
    check(sa.flags == "SA" and sa.ack == 5000001, "SYN with every option: a SYN-ACK acknowledging it",
          f"flags {sa.flags} ack {sa.ack}")
    opts = {}
    kinds = []
    for name, value in sa.options:
        opts[name] = value
        kinds.append(name)
    print("syn-ack options:", sa.options, flush=True)
    check("MSS" in opts and 536 <= opts["MSS"] <= 1460, "SYN-ACK carries MSS", str(opts.get("MSS")))
    check("WScale" in opts, "SYN-ACK carries window scale", str(opts.get("WScale")))
    check("SAckOK" in opts, "SYN-ACK carries SACK-permitted")
    check("Timestamp" in opts and opts["Timestamp"][1] == 123456789, "SYN-ACK carries timestamps echoing ours",
          str(opts.get("Timestamp")))
    known = {"MSS", "WScale", "SAckOK", "Timestamp", "NOP", "EOL"}
    unknown = [k for k in kinds if k not in known]
    check(not unknown, "SYN-ACK carries no other option", str(unknown))
    # Back to LISTEN: a RST with exactly the sequence number it expects.
    got = send_and_watch(eth() / IP(src=KERNEL_IP, dst=OUR_IP) /
                         TCP(sport=1005, dport=PORT, flags="R", seq=5000001), from_port(PORT, 1005), wait=0.5)
    check(not got, "RST to the half-open connection: no answer", f"{len(got)} frames back")


# --- 6. An established connection made by scapy ---
class Conn:
    def __init__(self, sport):
        self.sport = sport
        self.snd_nxt = random.randrange(1 << 30)  # ours
        self.rcv_nxt = None  # theirs
        self.window = 0

    def seg(self, flags, seq=None, ack=None, payload=b""):
        t = TCP(sport=self.sport, dport=PORT, flags=flags, seq=self.snd_nxt if seq is None else seq,
                ack=(self.rcv_nxt if ack is None else ack) or 0, window=65535)
        p = eth() / IP(src=KERNEL_IP, dst=OUR_IP) / t
        return p / Raw(payload) if payload else p

    def connect(self):
        syn = eth() / IP(src=KERNEL_IP, dst=OUR_IP) / TCP(sport=self.sport, dport=PORT, flags="S",
                                                          seq=self.snd_nxt, window=65535, options=[("MSS", 1460)])
        got = send_and_watch(syn, from_port(PORT, self.sport), wait=3, until_first=True)
        if not got or got[0][TCP].flags != "SA":
            return False
        self.snd_nxt += 1
        self.rcv_nxt = got[0][TCP].seq + 1
        self.window = got[0][TCP].window
        sendp(self.seg("A"), iface=TAP)
        return True

    def echo(self, data, wait=3.0):
        """Sends data, collects the echo (acknowledging it), returns the bytes."""
        with seen_lock:
            start = len(seen)
        sendp(self.seg("PA", payload=data), iface=TAP)
        self.snd_nxt += len(data)
        back = b""
        deadline = time.monotonic() + wait
        while len(back) < len(data) and time.monotonic() < deadline:
            time.sleep(0.02)
            with seen_lock:
                new = [p for p in seen[start:] if from_port(PORT, self.sport)(p)]
            for p in new:
                if p.haslayer(Raw) and p[TCP].seq == self.rcv_nxt:
                    back += bytes(p[Raw].load)
                    self.rcv_nxt += len(p[Raw].load)
                    sendp(self.seg("A"), iface=TAP)
        return back


c = Conn(1010)
check(c.connect(), "scapy's handshake with the echo port")
if c.rcv_nxt is not None:
    msg = b"hello from scapy\n"
    back = c.echo(msg)
    check(back == msg, "echo on scapy's connection", repr(back))
    time.sleep(0.3)  # let any delayed ACK pass before the RST probes

    # RFC 5961 3.2: in the window, not RCV.NXT: a challenge ACK, nothing else.
    offset = max(1, min(1000, c.window // 2))
    got = send_and_watch(c.seg("R", seq=c.snd_nxt + offset, ack=0), from_port(PORT, c.sport), wait=1.0)
    challenge = [p for p in got if p[TCP].flags == "A" and p[TCP].ack == c.snd_nxt and p[TCP].seq == c.rcv_nxt]
    check(len(challenge) == 1 and len(got) == 1,
          f"RST in the window (RCV.NXT + {offset}): exactly one challenge ACK (ack = RCV.NXT)",
          "; ".join(f"{p[TCP].flags} seq {p[TCP].seq} ack {p[TCP].ack}" for p in got) or "nothing")

    # Outside the window: silently dropped.
    got = send_and_watch(c.seg("R", seq=(c.snd_nxt + 0x40000000) % (1 << 32), ack=0), from_port(PORT, c.sport),
                         wait=1.0)
    check(not got, "RST beyond the window (RCV.NXT + 2^30): no answer", f"{len(got)} frames back")
    got = send_and_watch(c.seg("R", seq=(c.snd_nxt - 100000) % (1 << 32), ack=0), from_port(PORT, c.sport), wait=1.0)
    check(not got, "RST before the window (RCV.NXT - 100000): no answer", f"{len(got)} frames back")

    # A data segment with a bad TCP checksum on the connection: dropped, no echo, no ACK.
    bad = IP(bytes(c.seg("PA", payload=b"corrupted\n")[IP]))
    bad[TCP].chksum ^= 0x0F0F
    got = send_and_watch(eth() / bad, from_port(PORT, c.sport), wait=1.0)
    check(not got, "data with a bad TCP checksum on the connection: no echo, no ACK", f"{len(got)} frames back")
    expected["tcp_rx_malformed"] += 1

    # The connection survived all of it.
    msg = b"still here after the RSTs\n"
    back = c.echo(msg)
    check(back == msg, "echo after the RSTs: the connection survived", repr(back))

    # A RST at exactly RCV.NXT does reset it: then data meets a RST from the stack.
    got = send_and_watch(c.seg("R", ack=0), from_port(PORT, c.sport), wait=0.5)
    check(not got, "RST at RCV.NXT: no answer", f"{len(got)} frames back")
    got = send_and_watch(c.seg("PA", payload=b"anyone?\n"), from_port(PORT, c.sport), wait=2, until_first=True)
    check(len(got) == 1 and "R" in str(got[0][TCP].flags), "data after the exact RST: the stack answers RST",
          "; ".join(str(p[TCP].flags) for p in got) or "nothing")

time.sleep(0.2)
sniffer.stop()
for k, v in expected.items():
    print(f"expect {k} {v}")
print("frames from the stack seen:", len(seen))
sys.exit(1 if failed else 0)
