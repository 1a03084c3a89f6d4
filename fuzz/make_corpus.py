#!/usr/bin/env python3
"""fuzz/make_corpus.py — seeds each fuzz target's corpus with real frames.

Reads tests/data/linux.pcap and linux6.pcap (real Linux traffic) and writes, for every target,
the slice of each frame that target parses (the whole frame, the Ethernet
payload, the IP payload, the TCP options area) into fuzz/corpus/<target>/,
named by content hash so re-running is idempotent.
Usage: fuzz/make_corpus.py [PCAP]
       fuzz/make_corpus.py --campus DIR   (fuzz_iface seeds from `wirestack run campus --out X`: DIR = X/campus)
       fuzz/make_corpus.py --tcp-stateful (fuzz_tcp_stateful's scripts: handshake, data, close, RST, zero window...)
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


# fuzz_tcp_stateful: a script is five configuration bytes, then steps (an
# opcode and its arguments; fuzz/fuzz_tcp_stateful.cpp decodes them).
TS_DELIVER, TS_MUTATE, TS_DUP, TS_DROP, TS_FLUSH, TS_ADVANCE, TS_SEND, TS_RECV = range(8)
TS_SHUTDOWN, TS_CLOSE, TS_ABORT, TS_CONNECT, TS_ACCEPT, TS_INJECT, TS_SIMOPEN = range(8, 15)
TS_LISTEN, TS_SETTLE, TS_CRASH_OR_UNLISTEN, TS_OPTION, TS_ICMP = range(15, 20)


def ts_config(flags=0x1F, sizes=0xBF, misc=0x00, flags_b_xor=0, more=7):
    """flags: 1 SACK, 2 timestamps, 4 window scale, 8 Nagle, 16 delayed ACK, 32 SYN cookies,
    64 CUBIC, 128 keep-alive. sizes: A's receive buffer 256 << (bits 0-2), A's send buffer
    256 << (bits 3-5) (B's the other way round), MSS 88/200/536/1460 (bits 6-7). misc: backlog
    1 + (bits 0-1), SYN backlog 1 + (bits 2-3), data retries 2 + (bits 4-5), SYN retries
    1 + (bits 6-7). B's flags are flags ^ flags_b_xor. more: window scale (bits 0-3), pacing (16)."""
    return bytes([flags, sizes, misc, flags_b_xor, more])


def ts_seeds():
    hs = [TS_CONNECT, 0, TS_SETTLE, 1, TS_ACCEPT]          # A connects to B:80; conns 0 (A), 1 (B)
    data = [TS_SEND, 0, 0x01, 0x00, TS_SETTLE, 1, TS_RECV, 1, 0x20,  # A sends 257, B reads
            TS_SEND, 1, 0x00, 0x3F, TS_SETTLE, 1, TS_RECV, 0, 0x10]  # B sends 64, A reads
    close = [TS_SHUTDOWN, 0, TS_SETTLE, 1, TS_RECV, 1, 0x20, TS_RECV, 1, 0x20,
             TS_CLOSE, 1, TS_SETTLE, 2, TS_ADVANCE, 7]
    step = [TS_CONNECT, 0, TS_DELIVER, 0, TS_DELIVER, 0, TS_DELIVER, 0, TS_ACCEPT,
            TS_SEND, 0, 0x00, 0x10, TS_DUP, 0, TS_DELIVER, 0, TS_ADVANCE, 3, TS_FLUSH]
    rst = [TS_ABORT, 0, TS_SETTLE, 1, TS_RECV, 0, 0x10,
           TS_CRASH_OR_UNLISTEN, 0xF1, TS_CONNECT, 0, TS_SETTLE, 1]  # B stops listening: refused
    inject_rst = [TS_INJECT, 0x01, 0, 0, 0x04, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
                  TS_SETTLE, 1]  # a RST at B's RCV.NXT
    zero_window = [TS_SEND, 0, 0x10, 0x00, TS_SETTLE, 2, TS_SEND, 0, 0x10, 0x00, TS_SETTLE, 3,
                   TS_RECV, 1, 0xFF, TS_SETTLE, 2, TS_RECV, 1, 0xFF, TS_SETTLE, 3]
    simopen = [TS_SIMOPEN, TS_DELIVER, 0, TS_DELIVER, 0, TS_FLUSH, TS_FLUSH,
               TS_SEND, 0, 0x00, 0x20, TS_SETTLE, 1, TS_RECV, 1, 0x10, TS_CLOSE, 0, TS_CLOSE, 0, TS_SETTLE, 2]
    mutate = [TS_SEND, 0, 0x02, 0x00, TS_MUTATE, 0, 0x02, 0x02, 0x01,   # data past the window edge
              TS_MUTATE, 0, 0x24, 0x01, 0xFF, 0x00, 0x05,            # ACK below SND.UNA, truncated
              TS_DROP, 0, TS_SETTLE, 2, TS_RECV, 1, 0xFF]
    flood = [TS_INJECT, 0x05, 1, 0x02, 0, 0, 0, 0, 0xFF, 0xFF, 0x01, 0x05, 0xB4,
             TS_INJECT, 0x05, 2, 0x02, 0, 0, 0, 0, 0xFF, 0xFF, 0x00,
             TS_INJECT, 0x05, 3, 0x02, 0, 0, 0, 0, 0xFF, 0xFF, 0x00] + hs + [TS_SETTLE, 3]
    seeds = {
        "handshake": ts_config() + bytes(hs),
        "data": ts_config() + bytes(hs + data),
        "close": ts_config() + bytes(hs + data + close),
        "step_by_step": ts_config(flags=0x0B) + bytes(step + close),
        "rst": ts_config() + bytes(hs + data + rst),
        "inject_rst": ts_config() + bytes(hs + inject_rst),
        "zero_window": ts_config(sizes=0x87) + bytes(hs + zero_window + close),
        "simultaneous_open": ts_config(flags=0x07, flags_b_xor=0x05) + bytes(simopen),
        "mutated": ts_config(misc=0x10) + bytes(hs + mutate + close),
        "syn_flood_cookies": ts_config(flags=0x3F, misc=0x00) + bytes(flood + data),
        "no_options_cubic": ts_config(flags=0x58, sizes=0x12, more=0) + bytes(hs + data + close),
    }
    d = OUT / "tcp_stateful"
    d.mkdir(parents=True, exist_ok=True)
    for name, blob in seeds.items():
        (d / name).write_bytes(blob)


def ipv6_seeds(l3):
    """fuzz_ipv6 gets the packet; fuzz_icmpv6 the addresses, hop limit and the
    ICMPv6 message (no extension headers); fuzz_reassembly6 each fragment as a
    one-packet run (length, time step 0, packet)."""
    put("ipv6", l3)
    plen = struct.unpack("!H", l3[4:6])[0]
    if l3[6] == 58:
        put("icmpv6", l3[8:40] + l3[7:8] + l3[40:40 + plen])
    if l3[6] == 44:
        put("reassembly6", struct.pack("!HB", len(l3), 0) + l3)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--tcp-stateful":
        ts_seeds()
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--campus":
        iface_seeds(pathlib.Path(sys.argv[2]))
        return
    pcaps = [pathlib.Path(sys.argv[1])] if len(sys.argv) > 1 else [ROOT / "tests" / "data" / "linux.pcap",
                                                                    ROOT / "tests" / "data" / "linux6.pcap"]
    for f in (f for pcap in pcaps for f in frames(pcap)):
        put("frame", f)
        put("ethernet", f[:14])
        etype = struct.unpack("!H", f[12:14])[0]
        l3 = f[14:]
        if etype == 0x0806:
            put("arp", l3)
        if etype == 0x86DD and len(l3) >= 40:
            ipv6_seeds(l3)
            continue
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
