#!/usr/bin/python3
"""bench/peers/ns3/topologies.py — the topologies wirestack and ns-3 both run.

One definition per topology gives both sides: the wirestack topology file
(TOML, for `wirestack run FILE --quiet`) and the arguments of the ns-3 peer
(bench/peers/ns3/ns3_peer.cc) with the same parameters.

    topologies.py list                       # the names, one a line
    topologies.py toml NAME [--time S] [--warm-arp]   # the TOML on stdout
    topologies.py ns3-args NAME [--time S]              # the peer's arguments, one line

--warm-arp (wirestack only; ns-3's point-to-point links have no ARP): the
receiver pings its gateway at t = 0, so the router has the receiver's MAC
address before the first SYN arrives and queues none of them for ARP.

Topologies (every queue drop-tail, 4 MiB per direction of every link; CUBIC;
one bulk TCP flow per sender, started at t = 0, to port 5001 of one sink;
TCP buffers 4 MiB in ns-3 unless said otherwise; wirestack's autotuned, from
64 KiB up to 6 MiB receiving and 4 MiB sending, as Linux's defaults):
    p2p_1g     two hosts, one link: 1 Gbit/s, 1 ms one way
    p2p_1g_64k the same with 64 KiB TCP buffers fixed on both sides
               (rcvbuf / sndbuf = 65536), to compare TCP at equal windows
    p2p_loss   two hosts, one link: 100 Mbit/s, 1 ms one way, 1 % of the
               frames lost at random in each direction
    star_10    10 senders, each on its own 10 Gbit/s 1 ms link into one
               router; the router reaches the receiver over 1 Gbit/s, 1 ms
    star_100   the same with 100 senders
bench/peers/ns3/*.toml are this script's output (10 simulated seconds) for
reading; ns3_compare.sh writes them afresh for each run.
"""
import sys

MIB = 1024 * 1024
PORT = 5001
# tcp_bulk sends this many bytes: more than any link here carries in the
# run, so the flow is still sending when the run ends (at most 2^40).
ENDLESS = 1 << 40

TOPOLOGIES = {
    "p2p_1g": dict(kind="p2p", rate=10**9, delay_ms=1, queue=4 * MIB, loss=0.0),
    "p2p_1g_64k": dict(kind="p2p", rate=10**9, delay_ms=1, queue=4 * MIB, loss=0.0, buffer=64 * 1024),
    "p2p_loss": dict(kind="p2p", rate=100 * 10**6, delay_ms=1, queue=4 * MIB, loss=0.01),
    "star_10": dict(kind="star", flows=10, rate=10**9, delay_ms=1, access_rate=10 * 10**9, access_delay_ms=1,
                    queue=4 * MIB, loss=0.0),
    "star_100": dict(kind="star", flows=100, rate=10**9, delay_ms=1, access_rate=10 * 10**9, access_delay_ms=1,
                     queue=4 * MIB, loss=0.0),
}


def rate_text(bps):
    for unit, div in (("Gbit/s", 10**9), ("Mbit/s", 10**6), ("kbit/s", 10**3)):
        if bps % div == 0:
            return f"{bps // div}{unit}"
    return str(bps)


def ns3_rate(bps):
    return f"{bps}bps"


def sender_net(i):
    """Sender i's /24 (the ns-3 peer numbers them the same way)."""
    return f"10.{100 + i // 250}.{i % 250}"


def link(name, frm, frm_addr, to, to_addr, rate, delay_ms, queue, loss):
    lines = [
        "[[link]]",
        f'name = "{name}"',
        f'from = "{frm}"',
        f'from_address = "{frm_addr}"',
        f'to = "{to}"',
        f'to_address = "{to_addr}"',
        f'bandwidth = "{rate_text(rate)}"',
        f'delay = "{delay_ms}ms"',
        f"queue_bytes = {queue}",
    ]
    if loss:
        lines.append(f"loss = {loss}")
    return "\n".join(lines) + "\n"


def host(name, gateway, kind="host", buffer=None):
    return (f'[[{kind}]]\nname = "{name}"\ncongestion = "cubic"\n' + (f'gateway = "{gateway}"\n' if gateway else "") +
            (f'rcvbuf = {buffer}\nsndbuf = {buffer}\n' if buffer else ""))


def bulk(frm, to):
    return f'[[app]]\ntype = "tcp_bulk"\nhost = "{frm}"\nto = "{to}:{PORT}"\nbytes = {ENDLESS}\nat = "0s"\n'


def toml(name, time, warm_arp=False):
    t = TOPOLOGIES[name]
    head = (f'# bench/peers/ns3/{name}: written by topologies.py (the ns-3 peer runs the same);\n'
            f'# goodput = bytes the tcp_sink received by the end / (end - 0 s).\n'
            + (f'# TCP buffers: {t["buffer"]} bytes fixed on both sides, as in ns-3.\n'
               if "buffer" in t else "") +
            f'[scenario]\nname = "{name}"\nsummary = "ns-3 peer topology {name}"\nuntil = "{time}s"\nseed = 1\n\n')
    out = [head]
    if t["kind"] == "p2p":
        out += [host("a", None, buffer=t.get("buffer")), "\n", host("b", None, buffer=t.get("buffer")), "\n",
                link("a-b", "a", "10.0.0.1/24", "b", "10.0.0.2/24", t["rate"], t["delay_ms"], t["queue"], t["loss"]),
                "\n", f'[[app]]\ntype = "tcp_sink"\nhost = "b"\nport = {PORT}\n\n', bulk("a", "10.0.0.2")]
    else:
        n = t["flows"]
        out += [host("r", None, "router"), "\n", host("dst", "10.2.0.1"), "\n",
                link("bottleneck", "r", "10.2.0.1/24", "dst", "10.2.0.2/24", t["rate"], t["delay_ms"], t["queue"],
                     t["loss"]), "\n",
                f'[[app]]\ntype = "tcp_sink"\nhost = "dst"\nport = {PORT}\nbacklog = {max(128, n)}\n\n']
        if warm_arp:
            out += ['[[app]]\ntype = "ping"\nhost = "dst"\nto = "10.2.0.1"\ncount = 1\nat = "0s"\n\n']
        for i in range(n):
            net = sender_net(i)
            out += [host(f"s{i}", f"{net}.2"), "\n",
                    link(f"access{i}", f"s{i}", f"{net}.1/24", "r", f"{net}.2/24", t["access_rate"],
                         t["access_delay_ms"], t["queue"], 0.0), "\n",
                    bulk(f"s{i}", "10.2.0.2"), "\n"]
    return "".join(out).rstrip("\n") + "\n"


def ns3_args(name, time):
    t = TOPOLOGIES[name]
    args = [f"--topology={t['kind']}", f"--rate={ns3_rate(t['rate'])}", f"--delay={t['delay_ms']}ms",
            f"--queue={t['queue']}", f"--loss={t['loss']}", f"--buffer={t.get('buffer', 4 * MIB)}",
            f"--time={time}", "--start=0"]
    if t["kind"] == "star":
        args += [f"--flows={t['flows']}", f"--accessRate={ns3_rate(t['access_rate'])}",
                 f"--accessDelay={t['access_delay_ms']}ms"]
    return " ".join(args)


def main(argv):
    warm_arp = "--warm-arp" in argv
    argv = [a for a in argv if a != "--warm-arp"]
    if len(argv) >= 2 and argv[1] == "list":
        print("\n".join(TOPOLOGIES))
        return 0
    if len(argv) not in (3, 5) or argv[1] not in ("toml", "ns3-args") or argv[2] not in TOPOLOGIES or (
            len(argv) == 5 and argv[3] != "--time"):
        print(f"usage: {argv[0]} list | toml NAME [--time S] [--warm-arp] | ns3-args NAME [--time S]; NAME: "
              + ", ".join(TOPOLOGIES), file=sys.stderr)
        return 2
    time = float(argv[4]) if len(argv) == 5 else 10.0
    time = int(time) if time == int(time) else time
    print(toml(argv[2], time, warm_arp) if argv[1] == "toml" else ns3_args(argv[2], time), end="" if argv[1] == "toml" else "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
