"""harness.py — the peer side of the conformance suite: scapy crafts every
segment and watches every frame the system under test (SUT) sends back, in
the style of gVisor's packetimpact.

A `Wire` is one interface of the prober's namespace facing a SUT (the TAP in
front of wirestack, or a veth in front of the Linux kernel): it sends layer-2
frames and keeps, in order, the TCP frames the SUT sends. A `Target` is a SUT
with its services (echo, discard, and a "closer" that answers a request and
closes first). A `Conn` is one scapy-side connection with the sequence
variables the probes need:

    c = t.conn("discard"); c.handshake()            # ESTABLISHED on the SUT
    c.send("A", data=b"x" * 10, advance=True)        # in-order text
    c.expect("the ACK of the text", lambda s: ack_of(s) == c.snd_nxt)
    c.silence("nothing for an old ACK", 0.4)

Naming: snd_nxt is *our* next sequence number (= the SUT's RCV.NXT once it
took everything), rcv_nxt the SUT's next one (what we acknowledge), wnd the
SUT's last advertised window. A failed expectation raises ProbeFail with
what was seen. The kernel of the prober's namespace knows nothing of these
connections: conformance_test.sh drops its RSTs towards the SUTs.
"""
import os
import random
import threading
import time

from scapy.all import IP, TCP, AsyncSniffer, Ether, Raw, conf

conf.verb = 0
MOD = 1 << 32
OUR_WINDOW = 8192  # every segment we send announces this (MAX.SND.WND of the SUT)
OUR_MSS = 1460
# Sanitizer builds run the stack ~10x slower (tests/CMakeLists.txt sets
# WIRESTACK_SLOW_BUILD): every wait, for an answer or for silence, is longer.
SCALE = 4.0 if os.environ.get("WIRESTACK_SLOW_BUILD") else 1.0


def add(a, n):
    return (a + n) % MOD


def before(a, b):
    """a < b in sequence space (RFC 9293 3.4)."""
    return a != b and ((b - a) % MOD) < (1 << 31)


class ProbeFail(Exception):
    pass


def flags(s):
    return str(s[TCP].flags)


def has(s, f):
    return all(ch in flags(s) for ch in f)


def payload(s):
    return bytes(s[TCP].payload) if s[TCP].payload else b""


def seg_end(s):
    t = s[TCP]
    return add(t.seq, len(payload(s)) + (1 if "S" in flags(s) else 0) + (1 if "F" in flags(s) else 0))


def ack_of(s):
    return s[TCP].ack if "A" in flags(s) else None


class Wire:
    def __init__(self, iface, sut_mac, my_ip, sut_ip):
        self.iface, self.sut_mac, self.my_ip, self.sut_ip = iface, sut_mac.lower(), my_ip, sut_ip
        with open(f"/sys/class/net/{iface}/address") as f:
            self.my_mac = f.read().strip()
        self.seen = []
        self.lock = threading.Lock()
        self.sock = None
        self.sniffer = AsyncSniffer(iface=iface, prn=self._keep, store=False)
        self.sniffer.start()

    def _keep(self, p):
        if p.haslayer(Ether) and p[Ether].src.lower() == self.sut_mac and p.haslayer(TCP) and p.haslayer(IP):
            with self.lock:
                self.seen.append(p)

    def mark(self):
        with self.lock:
            return len(self.seen)

    def since(self, start):
        with self.lock:
            return list(self.seen[start:])

    def send(self, pkt):
        if self.sock is None:
            self.sock = conf.L2socket(iface=self.iface)
        self.sock.send(Ether(src=self.my_mac, dst=self.sut_mac) / pkt)

    def stop(self):
        try:
            self.sniffer.stop()
        except Exception:  # noqa: BLE001 - the sniffer may have died with its interface
            pass


class Target:
    """A system under test: `wire` faces its listeners; `active_wire` faces
    its active opens, which `start_active(ip, port)` starts (a process, ended
    by the probe through stop_active)."""

    def __init__(self, name, wire, ports, active_wire, start_active, next_port):
        self.name, self.wire, self.ports = name, wire, ports
        self.active_wire, self._start_active = active_wire, start_active
        self._next_port = next_port
        self.open_conns = []  # the probe's connections, aborted after it

    def port(self):
        return self._next_port()

    def conn(self, service, sport=None):
        c = Conn(self.wire, sport or self.port(), self.ports[service])
        self.open_conns.append(c)
        return c

    def start_active(self, port):
        return self._start_active(self.active_wire.my_ip, port)


class Conn:
    def __init__(self, wire, sport, dport, iss=None):
        self.w, self.sport, self.dport = wire, sport, dport
        self.iss = iss if iss is not None else random.randrange(1 << 20, (1 << 32) - (1 << 24))
        self.snd_nxt = self.iss
        self.irs = self.rcv_nxt = self.wnd = None
        self.cursor = wire.mark()

    # --- sending ---
    def seg(self, flags_, seq=None, ack=None, data=b"", window=OUR_WINDOW, urg=0, options=None):
        seq = self.snd_nxt if seq is None else seq
        if ack is None:
            ack = self.rcv_nxt if ("A" in flags_ and self.rcv_nxt is not None) else 0
        t = TCP(sport=self.sport, dport=self.dport, flags=flags_, seq=seq % MOD, ack=ack % MOD, window=window,
                urgptr=urg, options=options or [])
        pkt = IP(src=self.w.my_ip, dst=self.w.sut_ip, ttl=64) / t
        return pkt / Raw(data) if data else pkt

    def send(self, flags_, seq=None, ack=None, data=b"", window=OUR_WINDOW, urg=0, options=None, advance=False,
             keep_cursor=False):
        """Sends one segment; expectations then look at what comes after it
        (unless keep_cursor). advance: the segment is in order, move snd_nxt."""
        if not keep_cursor:
            self.cursor = self.w.mark()
        self.w.send(self.seg(flags_, seq, ack, data, window, urg, options))
        if advance:
            self.snd_nxt = add(self.snd_nxt, len(data) + ("S" in flags_) + ("F" in flags_))

    def send_many(self, segs):
        self.cursor = self.w.mark()
        for s in segs:
            self.w.send(s)

    # --- watching ---
    def mine(self, s):
        return s[IP].src == self.w.sut_ip and s[TCP].sport == self.dport and s[TCP].dport == self.sport

    def _observe(self, s):
        if "S" in flags(s) and self.irs is None:
            self.irs, self.rcv_nxt = s[TCP].seq, add(s[TCP].seq, 1)
        data_end = add(s[TCP].seq, len(payload(s)) + ("S" in flags(s)))
        if self.rcv_nxt is not None and before(self.rcv_nxt, data_end) and not before(self.rcv_nxt, s[TCP].seq):
            self.rcv_nxt = data_end  # in-order text (never the FIN: probes acknowledge it on purpose)
        if "R" not in flags(s):
            self.wnd = s[TCP].window

    def wait(self, pred=lambda s: True, timeout=0.7):
        """The first segment of ours from the SUT after the cursor that
        matches pred, within timeout; the cursor moves past it."""
        deadline = time.monotonic() + timeout * SCALE
        while True:
            segs = self.w.since(self.cursor)
            for i, s in enumerate(segs):
                if self.mine(s):
                    self._observe(s)
                    if pred(s):
                        self.cursor += i + 1
                        return s
            self.cursor += len(segs)
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.005)

    def expect(self, what, pred=lambda s: True, timeout=0.7):
        start = self.cursor
        s = self.wait(pred, timeout)
        if s is None:
            raise ProbeFail(f"expected {what}; got {self.describe_all(start)}")
        return s

    def collect(self, timeout, pred=lambda s: True):
        """Every segment of ours (matching pred) within timeout from now."""
        start = self.cursor
        time.sleep(timeout * SCALE)
        got = [s for s in self.w.since(start) if self.mine(s)]
        for s in got:
            self._observe(s)
        self.cursor = start + len(self.w.since(start))
        return [s for s in got if pred(s)]

    def silence(self, what, timeout=0.4, pred=lambda s: True):
        got = self.collect(timeout, pred)
        if got:
            raise ProbeFail(f"expected {what}; got {'; '.join(self.describe(s) for s in got)}")

    def describe(self, s):
        t = s[TCP]
        rel_seq = (t.seq - self.irs) % MOD if self.irs is not None else t.seq
        rel_ack = (t.ack - self.iss) % MOD
        return f"[{flags(s)} seq=IRS+{rel_seq} ack=ISS+{rel_ack} len={len(payload(s))} win={t.window}]"

    def describe_all(self, start):
        segs = [s for s in self.w.since(start) if self.mine(s)]
        return "; ".join(self.describe(s) for s in segs) if segs else "nothing"

    # --- shortcuts ---
    def rel(self, n):
        """our sequence number ISS+n, for messages"""
        return add(self.iss, n)

    def handshake(self, complete=True, data=b"", window=OUR_WINDOW):
        """SYN (MSS only: no window scaling, SACK or timestamps), the SUT's
        SYN-ACK, and (complete) our ACK, which may carry data."""
        self.send("S", options=[("MSS", OUR_MSS)], window=window, advance=True)
        sa = self.expect("a SYN-ACK", lambda s: has(s, "SA"), timeout=2)
        if ack_of(sa) != self.snd_nxt:
            raise ProbeFail(f"SYN-ACK acknowledges {self.describe(sa)}, not ISS+1")
        if complete:
            self.send("A", data=data, window=window, advance=True)
        return sa

    def fill_window(self, limit=4 << 20):
        """In-order text, our own window shut (0), until the SUT takes no
        more: its ACK covers everything sent and announces a zero window.
        Bounded by `limit` octets and 10 s (wirestack tap's buffers hold
        512 KiB each way: some 1 MiB goes in before its echo stops reading);
        afterwards rcv_nxt is what the
        SUT sent (its window probes too) and snd_nxt = the SUT's RCV.NXT."""
        last_ack, wnd, sent = self.snd_nxt, self.wnd, 0
        deadline = time.monotonic() + 10 * SCALE
        while time.monotonic() < deadline:
            room = wnd - ((self.snd_nxt - last_ack) % MOD)
            if room > 0 and sent < limit:
                segs = []
                while room > 0 and len(segs) < 32:
                    n = min(OUR_MSS, room)
                    segs.append(self.seg("A", data=b"z" * n, window=0))
                    self.snd_nxt, room, sent = add(self.snd_nxt, n), room - n, sent + n
                self.send_many(segs)
            s = self.wait(lambda s: ack_of(s) is not None and "R" not in flags(s), 0.3)
            if s is not None:
                last_ack, wnd = ack_of(s), s[TCP].window
                if last_ack == self.snd_nxt and wnd == 0:
                    time.sleep(0.05 * SCALE)
                    self.cursor = self.w.mark()
                    return sent
        raise ProbeFail(f"the SUT's window did not close after {sent} octets (window {wnd})")

    def acked(self, what, ack, timeout=0.7):
        """expects an ACK of exactly `ack`"""
        return self.expect(f"{what}: an ACK of ISS+{(ack - self.iss) % MOD}", lambda s: ack_of(s) == ack and
                           "R" not in flags(s), timeout)

    def still_alive(self, what="the connection still takes data"):
        """In-order text is still acknowledged (nothing reset the connection)."""
        self.send("PA", data=b"alive?", advance=True)
        self.acked(what, self.snd_nxt, timeout=1.0)

    def echo_round(self, n=100):
        """n bytes to the echo service, its echo back, our ACK of it."""
        msg = bytes(random.getrandbits(8) for _ in range(n))
        self.send("PA", data=msg, advance=True)
        back = b""
        deadline = time.monotonic() + 2 * SCALE
        while len(back) < n and time.monotonic() < deadline:
            s = self.wait(lambda s: len(payload(s)) > 0, timeout=max(0.0, deadline - time.monotonic()))
            if s is None:
                break
            back += payload(s)
        if back != msg:
            raise ProbeFail(f"echo returned {len(back)} of {n} bytes")
        self.send("A")
        return msg

    def reset_check(self, what):
        """The connection is gone: text on it gets a RST <SEQ=SEG.ACK>."""
        self.send("PA", data=b"anyone?")
        self.expect(f"{what}: a RST with SEQ=SEG.ACK", lambda s: "R" in flags(s) and s[TCP].seq == self.rcv_nxt,
                    timeout=1.0)

    def abort(self):
        """Ends the connection on the SUT (a RST at RCV.NXT), so that no
        retransmission of it spills into later probes."""
        if self.rcv_nxt is not None:
            self.w.send(self.seg("RA"))


class Probe:
    def __init__(self, name, section, rule, fn, linux):
        self.name, self.section, self.rule, self.fn, self.linux = name, section, rule, fn, linux


PROBES = []


def probe(section, rule, linux=True):
    """Registers a probe. section: where the rule is (e.g. "9293 3.10.7.4");
    rule: the sentence it checks, quoted. linux: True, or a string saying
    why the Linux kernel knowingly differs from the RFC here (then the probe
    checks the RFC's behaviour on wirestack only)."""

    def deco(fn):
        PROBES.append(Probe(fn.__name__, section, rule, fn, linux))
        return fn

    return deco


def sut_syn(t, what="the SUT's SYN"):
    """Starts an active open on the SUT towards a fresh port of ours; returns
    (conn, process, syn) with the SUT in SYN-SENT (its SYN not answered)."""
    port = t.port()
    w = t.active_wire
    start = w.mark()
    proc = t.start_active(port)
    deadline = time.monotonic() + 3 * SCALE
    while time.monotonic() < deadline:
        for s in w.since(start):
            if s[TCP].dport == port and flags(s) == "S":
                c = Conn(w, port, s[TCP].sport)
                c.cursor = start
                c.wait(lambda x: x is s, 0)
                t.open_conns.append(c)
                return c, proc, s
        time.sleep(0.01)
    proc.stop()
    raise ProbeFail(f"{what}: no SYN from the SUT's active open within 3 s")
