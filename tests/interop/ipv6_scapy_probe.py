#!/usr/bin/python3
"""ipv6_scapy_probe.py TAP OUR_IP6 OUR_LL OUR_MAC KERNEL_IP6 KERNEL_LL — sends
our stack (on the other side of TAP) IPv6 that a well-behaved node never
sends, at layer 2 with scapy, and watches what our stack sends back:
extension-header chains that are too long or loop back to Hop-by-Hop, too
many options, a first fragment without the upper-layer header (RFC 7112),
overlapping tiny fragments (RFC 5722), Neighbor Solicitations and a Router
Advertisement with a hop limit below 255, and a Router Advertisement from a
global (not link-local) source. None may be answered as if it were good
(no echo reply, no Neighbor Advertisement); each is counted by the stack
(the test reads its counters). A good echo request at the end must be
answered (the sniffer works, the stack is alive).

Prints "ok NAME" / "FAIL NAME why" per check; exits 1 when one failed.
Run by tests/interop/ipv6_scapy_test.sh, with /usr/bin/python3 (scapy)."""
import sys
import threading
import time

from scapy.all import (ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA,
                       ICMPv6NDOptPrefixInfo, ICMPv6NDOptSrcLLAddr, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, PadN, HBHOptUnknown, TCP, AsyncSniffer,
                       Ether, Raw, conf, sendp)

conf.verb = 0
TAP, OUR6, OUR_LL, OUR_MAC, KERN6, KERN_LL = sys.argv[1:7]
OUR_MAC = OUR_MAC.lower()
with open(f"/sys/class/net/{TAP}/address") as f:
    KERNEL_MAC = f.read().strip()

seen = []
lock = threading.Lock()


def keep(p):
    if p.haslayer(Ether) and p[Ether].src.lower() == OUR_MAC and p.haslayer(IPv6):
        with lock:
            seen.append(p)


sniffer = AsyncSniffer(iface=TAP, prn=keep, store=False)
sniffer.start()
time.sleep(0.5)
failed = []


def eth(dst=None):
    return Ether(src=KERNEL_MAC, dst=dst or OUR_MAC)


def replies(ident):
    with lock:
        return [p for p in seen if p.haslayer(ICMPv6EchoReply) and p[ICMPv6EchoReply].id == ident]


def check(name, ok, why=""):
    print(("ok " if ok else "FAIL ") + name + ("" if ok else " " + why), flush=True)
    if not ok:
        failed.append(name)


def unanswered(name, frame, ident, wait=0.4):
    sendp(frame, iface=TAP)
    time.sleep(wait)
    n = len(replies(ident))
    check(name, n == 0, f"{n} echo replies to it")


echo = lambda ident, data=b"x" * 16: ICMPv6EchoRequest(id=ident, seq=1, data=data)
ip = IPv6(src=KERN6, dst=OUR6)

# Extension-header chains.
unanswered("chain of 10 destination-options headers (over the limit of 8)",
           eth() / ip / (IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                         IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
                         IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()) / echo(0x7701), 0x7701)
unanswered("a chain looping back to Hop-by-Hop (not first)",
           eth() / ip / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrHopByHop() / echo(0x7702), 0x7702)
unanswered("a destination-options header with 12 unknown skippable options (over 8)",
           eth() / ip / IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x1e, optdata=b"") for _ in range(12)]) /
           echo(0x7703), 0x7703)
unanswered("padding of 20 bytes in one PadN (more than 7)",
           eth() / ip / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0" * 20)]) / echo(0x7704), 0x7704)

# Fragments.
tcp = bytes(IPv6(src=KERN6, dst=OUR6) / TCP(sport=4000, dport=7, flags="S", seq=1, options=[("MSS", 1400), ("NOP", None), ("NOP", None),
                                                                 ("SAckOK", b"")]))[40:]
sendp(eth() / ip / IPv6ExtHdrFragment(nh=6, offset=0, m=1, id=0x77000001) / Raw(tcp[:8]), iface=TAP)
sendp(eth() / ip / IPv6ExtHdrFragment(nh=6, offset=1, m=0, id=0x77000001) / Raw(tcp[8:]), iface=TAP)
time.sleep(0.4)
with lock:
    synacks = [p for p in seen if p.haslayer(TCP) and p[TCP].dport == 4000]
check("a first fragment of 8 bytes without the whole TCP header (RFC 7112)", not synacks, "answered")
payload = bytes(IPv6(src=KERN6, dst=OUR6) / echo(0x7705, b"y" * 40))[40:]  # with its checksum: only the overlap is wrong
sendp(eth() / ip / IPv6ExtHdrFragment(nh=58, offset=0, m=1, id=0x77000002) / Raw(payload[:16]), iface=TAP)
sendp(eth() / ip / IPv6ExtHdrFragment(nh=58, offset=1, m=1, id=0x77000002) / Raw(payload[8:24]), iface=TAP)
sendp(eth() / ip / IPv6ExtHdrFragment(nh=58, offset=3, m=0, id=0x77000002) / Raw(payload[24:]), iface=TAP)
time.sleep(0.4)
check("overlapping tiny fragments (RFC 5722)", not replies(0x7705), "reassembled and answered")

# Neighbor Discovery off the link (hop limit below 255) and an RA from a global source.
ns = ICMPv6ND_NS(tgt=OUR6) / ICMPv6NDOptSrcLLAddr(lladdr=KERNEL_MAC)
for hlim in (64, 254):
    before = len(seen)
    sendp(eth() / IPv6(src=KERN6, dst=OUR6, hlim=hlim) / ns, iface=TAP)
    time.sleep(0.3)
    with lock:
        nas = [p for p in seen[before:] if p.haslayer(ICMPv6ND_NA)]
    check(f"Neighbor Solicitation with hop limit {hlim}", not nas, "answered with a Neighbor Advertisement")
prefix = ICMPv6NDOptPrefixInfo(prefix="2001:db8:99::", prefixlen=64, L=1, A=1, validlifetime=3600,
                               preferredlifetime=1800)
ra = ICMPv6ND_RA(routerlifetime=1800) / ICMPv6NDOptSrcLLAddr(lladdr=KERNEL_MAC) / prefix
sendp(eth("33:33:00:00:00:01") / IPv6(src=KERN6, dst="ff02::1", hlim=255) / ra, iface=TAP)
sendp(eth("33:33:00:00:00:01") / IPv6(src=KERN_LL, dst="ff02::1", hlim=64) / ra, iface=TAP)
time.sleep(1.5)  # a prefix taken would start DAD on an address in 2001:db8:99::/64 at once
with lock:
    probes = [p for p in seen if p.haslayer(ICMPv6ND_NS) and str(p[ICMPv6ND_NS].tgt).startswith("2001:db8:99:")]
check("Router Advertisements from a global source / with hop limit 64 ignored", not probes,
      "we probed an address from its prefix")

# Alive: a good echo request is answered.
sendp(eth() / ip / echo(0x7799), iface=TAP)
for _ in range(20):
    if replies(0x7799):
        break
    time.sleep(0.1)
check("a good echo request afterwards", len(replies(0x7799)) == 1, "no reply")
sniffer.stop()
sys.exit(1 if failed else 0)
