#!/usr/bin/env python3
"""fuzz/make_corpus.py — seeds each fuzz target's corpus with real frames.

Reads tests/data/linux.pcap (real Linux traffic) and writes, for every target,
the slice of each frame that target parses (the whole frame, the Ethernet
payload, the IP payload, the TCP options area) into fuzz/corpus/<target>/,
named by content hash so re-running is idempotent.
Usage: fuzz/make_corpus.py [PCAP]
       fuzz/make_corpus.py --campus DIR   (fuzz_iface seeds from `wirestack run campus --out X`: DIR = X/campus)
"""
import hashlib
import pathlib
import struct
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"


def frames(path):
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    assert magic in (0xA1B2C3D4, 0xA1B23C4D), "little-endian pcap expected"
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack("<IIII", data[off:off + 16])
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def put(target, blob, limit=24):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    if len(list(d.iterdir())) >= limit:
        return
    (d / hashlib.sha1(blob).hexdigest()[:16]).write_bytes(blob)


def iface_seeds(campus_dir):
    """Runs of frames the campus router saw, as fuzz_iface reads them:
    2-byte big-endian length, then the frame; even lengths arrive on eth0."""
    for pcap in sorted(campus_dir.glob("r-*.pcap")):
        fs = list(frames(pcap))
        for start in range(0, len(fs), 3):
            blob = b""
            for f in fs[start:start + 6]:
                if pcap.name.startswith("r-eth1") and len(f) % 2 == 0:
                    f = f + b"\0"  # odd length: delivered on eth1 (padding is ignored)
                if pcap.name.startswith("r-eth0") and len(f) % 2 == 1:
                    f = f + b"\0"
                blob += struct.pack("!H", len(f)) + f
            put("iface", blob, limit=40)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--campus":
        iface_seeds(pathlib.Path(sys.argv[2]))
        return
    pcap = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "data" / "linux.pcap"
    for f in frames(pcap):
        put("frame", f)
        put("ethernet", f[:14])
        etype = struct.unpack("!H", f[12:14])[0]
        l3 = f[14:]
        if etype == 0x0806:
            put("arp", l3)
        if etype != 0x0800 or len(l3) < 20:
            continue
        put("ipv4", l3)
        ihl = (l3[0] & 0xF) * 4
        total = struct.unpack("!H", l3[2:4])[0]
        proto, frag = l3[9], struct.unpack("!H", l3[6:8])[0] & 0x1FFF
        l4 = l3[ihl:total]
        if frag:
            continue
        if proto == 1:
            put("icmpv4", l4)
        elif proto == 17:
            put("udp", l4)
        elif proto == 6:
            put("tcp", l4)
            off = (l4[12] >> 4) * 4
            if off > 20:
                put("tcp_options", l4[20:off])
    for text in ["10.0.0.1", "255.255.255.255", "10.0.0.1/24", "0.0.0.0/0", "02:00:00:99:00:01",
                 "2001:db8::1", "::ffff:192.0.2.1", "fe80::1:2:3:4", "::", "1:2:3:4:5:6:7:8"]:
        put("address_text", text.encode(), limit=100)


if __name__ == "__main__":
    main()
