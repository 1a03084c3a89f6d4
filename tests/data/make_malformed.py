#!/usr/bin/env python3
"""tests/data/make_malformed.py — writes tests/data/malformed.pcap.

Takes real frames from linux.pcap and breaks each in one way a peer (or a
flipped bit) could, to show that `wirestack decode` names every problem and
never crashes. Deterministic: re-running writes the same bytes.
  1 IPv4 header checksum wrong            (ping request)
  2 TCP checksum wrong                    (SYN)
  3 IPv4 total length beyond the buffer   (ping request, frame cut short)
  4 IPv4 IHL = 4                          (ping request)
  5 TCP option length 1, checksums right  (SYN)
  6 ARP cut to 20 bytes                   (ARP request)
  7 UDP checksum wrong                    (UDP request)
  8 a valid ping inside an 802.1Q tag, VLAN 42 (not malformed: shows the tag)
"""
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent


def frames(path):
    data = path.read_bytes()
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        yield bytearray(data[off + 16:off + 16 + incl])
        off += 16 + incl


def csum(b):
    if len(b) % 2:
        b = b + b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def fix_ip(f):
    ihl = (f[14] & 0xF) * 4
    f[24:26] = b"\0\0"
    f[24:26] = struct.pack("!H", csum(bytes(f[14:14 + ihl])))


def fix_tcp(f):
    ihl = (f[14] & 0xF) * 4
    total = struct.unpack("!H", f[16:18])[0]
    seg = f[14 + ihl:14 + total]
    seg[16:18] = b"\0\0"
    pseudo = bytes(f[26:34]) + struct.pack("!BBH", 0, 6, len(seg))
    f[14 + ihl + 16:14 + ihl + 18] = struct.pack("!H", csum(pseudo + bytes(seg)))


def main():
    src = list(frames(HERE / "linux.pcap"))
    arp, ping, syn = src[0], src[2], src[12]
    udp = next(f for f in src if f[12:14] == b"\x08\x00" and f[23] == 17)
    out = []
    f = bytearray(ping); f[24] ^= 0xFF; out.append(f)
    f = bytearray(syn); f[14 + 20 + 16] ^= 0x01; out.append(f)
    out.append(bytearray(ping[:60]))
    f = bytearray(ping); f[14] = 0x44; out.append(f)
    f = bytearray(syn); f[14 + 20 + 20 + 1] = 1; fix_tcp(f); out.append(f)  # MSS option length 4 -> 1
    out.append(bytearray(arp[:14 + 20]))
    f = bytearray(udp); f[14 + 20 + 6] ^= 0x10; out.append(f)
    f = bytearray(ping[:12] + b"\x81\x00\x00\x2a" + ping[12:]); out.append(f)

    pcap = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(out):
        pcap += struct.pack("<IIII", 1700000000, i * 1000, len(fr), len(fr)) + fr
    (HERE / "malformed.pcap").write_bytes(pcap)


if __name__ == "__main__":
    main()
