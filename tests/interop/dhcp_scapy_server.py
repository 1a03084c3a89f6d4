#!/usr/bin/python3
"""dhcp_scapy_server.py TAP OUR_MAC — plays a DHCP server on the kernel's
side of TAP (UDP 67, bound to the device) for `wirestack tap --dhcp`, and
sends its client what a well-behaved server never sends, before and between
the good OFFER and ACK: truncated messages, an option whose length runs past
the end, a wrong magic cookie, a wrong hardware length, an unknown message
type, an empty option 53, random bytes, replies with another transaction
id, another chaddr or op 1, an ACK for an address it did not ask for.
The good OFFER and ACK carry their options in the `file` and `sname` fields
(option 52, overload, RFC 2132 9.3), whose own option 52 points back at them
again: an option overload loop the client must not follow.

Prints one line per step ("discover xid 0x...", "request for 10.77.0.66 ...",
"release of 10.77.0.66"), the counts the client's counters must show
("expect malformed N", "expect ignored N"), and "FAIL ..." lines; exits 1
when a check failed. Every wait is bounded.

Run by tests/interop/dhcp_test.sh, with /usr/bin/python3 (scapy)."""
import os
import socket
import struct
import sys

from scapy.all import BOOTP, DHCP, raw

TAP, OUR_MAC = sys.argv[1], sys.argv[2].lower()
SERVER = "10.77.0.1"
OFFERED = "10.77.0.66"
COOKIE_AT = 236

failed = []
expected = {"malformed": 0, "ignored": 0}

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, TAP.encode())
s.bind(("0.0.0.0", 67))
print("listening", flush=True)


def fail(why):
    failed.append(why)
    print("FAIL", why, flush=True)


def receive(kind, seconds):
    """The next message of type `kind` (1 DISCOVER, 3 REQUEST, 7 RELEASE)
    from our client, as (BOOTP, options dict, source address), or None."""
    s.settimeout(seconds)
    try:
        while True:
            data, src = s.recvfrom(2048)
            p = BOOTP(data)
            opts = {o[0]: o[1:] for o in p[DHCP].options if isinstance(o, tuple)} if DHCP in p else {}
            if p.chaddr[:6].hex(":") == OUR_MAC and opts.get("message-type", (0,))[0] == kind:
                return p, opts, src[0]
    except socket.timeout:
        return None


def send(payload, what, counter=None):
    s.sendto(payload, ("255.255.255.255", 68))
    if counter:
        expected[counter] += 1
    print("sent", what, flush=True)


def reply(kind, xid, yiaddr=OFFERED, chaddr=None, op=2, overloaded=True):
    """A reply whose options (but the type) live in file and sname, each with
    an option 52 of its own pointing back at the fields."""
    mac = bytes.fromhex((chaddr or OUR_MAC).replace(":", ""))
    ip = lambda a: socket.inet_aton(a)
    if not overloaded:
        return raw(BOOTP(op=op, xid=xid, flags=0x8000, yiaddr=yiaddr, siaddr=SERVER, chaddr=mac) /
                   DHCP(options=[("message-type", kind), ("server_id", SERVER), ("lease_time", 120),
                                 ("subnet_mask", "255.255.255.0"), ("router", SERVER), "end"]))
    file = (b"\x34\x01\x03" + b"\x33\x04" + struct.pack("!I", 120) + b"\x01\x04" + ip("255.255.255.0") +
            b"\x03\x04" + ip(SERVER) + b"\xff")
    sname = b"\x34\x01\x01" + b"\x36\x04" + ip(SERVER)  # no End: the field's end ends it
    return raw(BOOTP(op=op, xid=xid, flags=0x8000, yiaddr=yiaddr, siaddr=SERVER, chaddr=mac, file=file,
                     sname=sname) / DHCP(options=[("message-type", kind), ("dhcp-option-overload", 3), "end"]))


got = receive(1, 10)
if not got:
    print("FAIL no DISCOVER from our client within 10 s")
    sys.exit(1)
discover, _, _ = got
xid = discover.xid
print(f"discover xid {xid:#x}", flush=True)

good_offer = reply("offer", xid)
send(good_offer[:200], "truncated offer (200 bytes)", "malformed")
send(good_offer[:COOKIE_AT] + b"\x63\x82\x53\x64" + good_offer[COOKIE_AT + 4:], "wrong magic cookie", "malformed")
send(good_offer[:2] + b"\x10" + good_offer[3:], "hlen 16", "malformed")
base = reply("offer", xid, overloaded=False)
cut = base.index(b"\x35\x01\x02")  # option 53, then the rest
send(base[:cut] + b"\x35\x01\x02\x33\xff\x00\x00", "lease time of length 255 past the end", "malformed")
send(base[:cut] + b"\x35\x01\x09\xff", "message type 9", "malformed")
send(base[:cut] + b"\x35\x00\xff", "empty option 53", "malformed")
send(base[:cut] + b"\x35\x01\x02\x34\x01\x07\xff", "overload 7", "malformed")
send(base[:cut] + b"\x35\x01\x02", "no End", "malformed")
send(b"\x02\x01\x06", "3 bytes", "malformed")
junk = bytearray(os.urandom(1200))
junk[0:3] = b"\x02\x01\x06"
junk[COOKIE_AT:COOKIE_AT + 4] = b"\x00\x00\x00\x00"
send(bytes(junk), "1200 random bytes", "malformed")
send(reply("offer", xid ^ 1, yiaddr="10.77.0.77"), "offer with another xid", "ignored")
send(reply("offer", xid, yiaddr="10.77.0.78", chaddr="02:77:00:00:00:99"), "offer to another chaddr", "ignored")
send(reply("offer", xid, yiaddr="10.77.0.79", op=1), "op 1 (a request)", "ignored")
send(good_offer, f"offer of {OFFERED} (options in file and sname, overload loop)")

got = receive(3, 10)
if not got:
    print("FAIL no REQUEST after the offer")
    sys.exit(1)
request, opts, src = got
asked = opts.get("requested_addr", (None,))[0]
sid = opts.get("server_id", (None,))[0]
print(f"request for {asked} server {sid} from {src}", flush=True)
if asked != OFFERED or sid != SERVER or request.xid != xid:
    fail(f"REQUEST asks {asked} of {sid} xid {request.xid:#x}, expected {OFFERED} of {SERVER} xid {xid:#x}")

good_ack = reply("ack", xid)
send(good_ack[:239], "truncated ack (239 bytes)", "malformed")
send(reply("ack", xid, yiaddr="10.77.0.67"), "ack of another address", "ignored")
send(reply("ack", xid + 1), "ack with another xid", "ignored")
send(good_ack, f"ack of {OFFERED} (options in file and sname)")

for counter, n in expected.items():
    print("expect", counter, n, flush=True)

got = receive(7, 20)  # the RELEASE when the test stops the stack
if got:
    release, opts, src = got
    print(f"release of {release.ciaddr} from {src}", flush=True)
else:
    fail("no RELEASE within 20 s")
sys.exit(1 if failed else 0)
