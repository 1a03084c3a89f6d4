#!/usr/bin/python3
"""bench/peers/ns3/report.py — reads the runs of ns3_compare.sh, prints figures.

    report.py one TOPOLOGY ours|ns3 BASE   # one run: BASE.out, BASE.time -> one line
    report.py table MANIFEST               # every run listed: the comparison tables

Goodput is counted the same way on both sides: the application bytes the
receiver's sink read, per sender, from t = 0 (when the senders start) to the
end of the run, times 8, divided by the run's simulated length.
  ours: the `TCP sink` lines of `wirestack run` ("from ADDR:PORT: N bytes"),
        summed per sender address; the length from "results after S
        simulated seconds, E events".
  ns-3: the peer's JSON line (flow_bytes, from the PacketSink's Rx trace per
        sender address; sim_seconds; events from Simulator::GetEventCount).
A sender that never delivered a byte counts as 0 in the sum and in Jain's
index. Wall time and peak RSS come from /usr/bin/time -v of the process.
"""
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import topologies  # noqa: E402


def senders(topo):
    t = topologies.TOPOLOGIES[topo]
    if t["kind"] == "p2p":
        return ["10.0.0.1"]
    return [f"{topologies.sender_net(i)}.1" for i in range(t["flows"])]


def parse_time(path):
    text = open(path).read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    parts = [float(p) for p in wall.split(":")]
    seconds = 0.0
    for p in parts:
        seconds = seconds * 60 + p
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1))
    system = float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
    return {"wall_s": seconds, "rss_mb": rss_kb / 1024, "cpu_s": user + system}


def parse_ours(path):
    text = open(path).read()
    m = re.search(r"== results after ([\d.e+-]+) simulated seconds, (\d+) events", text)
    if not m:
        raise SystemExit(f"report.py: no results line in {path}")
    flows = {}
    sink = False
    for line in text.splitlines():
        if line.startswith("TCP sink "):
            sink = True
            continue
        if sink:
            f = re.match(r"\s+from (\d+\.\d+\.\d+\.\d+):\d+: (\d+) bytes", line)
            if f:
                flows[f.group(1)] = flows.get(f.group(1), 0) + int(f.group(2))
                continue
            sink = False
    return {"sim_s": float(m.group(1)), "events": int(m.group(2)), "flows": flows}


def parse_ns3(path, topo):
    lines = [l for l in open(path).read().splitlines() if l.startswith("{")]
    if not lines:
        raise SystemExit(f"report.py: no JSON line in {path}")
    j = json.loads(lines[-1])
    return {"sim_s": j["sim_seconds"] - j["start_s"], "events": j["events"],
            "flows": dict(zip(senders(topo), j["flow_bytes"]))}


def metrics(topo, side, base):
    r = parse_ours(base + ".out") if side == "ours" else parse_ns3(base + ".out", topo)
    t = parse_time(base + ".time")
    mbps = [r["flows"].get(a, 0) * 8 / r["sim_s"] / 1e6 for a in senders(topo)]
    total = sum(mbps)
    sq = sum(x * x for x in mbps)
    return {
        "goodput": total,
        "jain": total * total / (len(mbps) * sq) if sq > 0 else 0.0,
        "min_flow": min(mbps),
        "max_flow": max(mbps),
        "silent_flows": sum(1 for x in mbps if x == 0),
        "sim_s": r["sim_s"],
        "events": r["events"],
        "wall_s": t["wall_s"],
        "cpu_s": t["cpu_s"],
        "sim_per_wall": r["sim_s"] / t["wall_s"] if t["wall_s"] > 0 else float("inf"),
        "rss_mb": t["rss_mb"],
        # what the simulator gets done per wall second: simulated goodput
        "gbit_per_wall_s": total * r["sim_s"] / t["wall_s"] / 1e3 if t["wall_s"] > 0 else float("inf"),
    }


def one(topo, side, base):
    m = metrics(topo, side, base)
    print(f"{topo:<10} {side:<5} {base.rsplit('.', 1)[1]:>2}: goodput {m['goodput']:8.2f} Mbit/s"
          f" (flows {m['min_flow']:.2f}-{m['max_flow']:.2f}, Jain {m['jain']:.4f}), wall {m['wall_s']:7.2f} s,"
          f" {m['sim_per_wall']:6.3f} sim s/wall s, {m['events']:>10,} events, RSS {m['rss_mb']:7.1f} MB")


def med(vals, fmt):
    if not vals:
        return "-"
    m = statistics.median(vals)
    if min(vals) == max(vals):
        return fmt.format(m)
    return f"{fmt.format(m)} ({fmt.format(min(vals))}-{fmt.format(max(vals))})"


def ratio(a, b):
    if not a or not b or statistics.median(b) == 0:
        return "-"
    return f"{statistics.median(a) / statistics.median(b):.2f}x"


def table(manifest):
    runs = {}
    order = []
    for line in open(manifest):
        topo, side, _r, base = line.rstrip("\n").split("\t")
        if topo not in order:
            order.append(topo)
        runs.setdefault((topo, side), []).append(metrics(topo, side, base))

    def col(topo, side, key):
        return [m[key] for m in runs.get((topo, side), [])]

    n = max(len(v) for v in runs.values())
    print(f"\nmedian (range) of {n} round(s); goodput = sink's application bytes from t=0 to the end x 8 / length")
    print(f"\n{'topology':<10} | {'goodput Mbit/s: ours':>22} {'ns-3':>18} {'ours/ns-3':>9} | {'Jain: ours':>24}"
          f" {'ns-3':>24} | {'flows: ours min-max Mbit/s':>26} {'ns-3':>14}")
    for t in order:
        fo = f"{min(col(t, 'ours', 'min_flow')):.2f}-{max(col(t, 'ours', 'max_flow')):.2f}"
        fn = f"{min(col(t, 'ns3', 'min_flow')):.2f}-{max(col(t, 'ns3', 'max_flow')):.2f}" if col(t, 'ns3', 'min_flow') else "-"
        print(f"{t:<10} | {med(col(t, 'ours', 'goodput'), '{:.1f}'):>22} {med(col(t, 'ns3', 'goodput'), '{:.1f}'):>18}"
              f" {ratio(col(t, 'ours', 'goodput'), col(t, 'ns3', 'goodput')):>9}"
              f" | {med(col(t, 'ours', 'jain'), '{:.4f}'):>24} {med(col(t, 'ns3', 'jain'), '{:.4f}'):>24}"
              f" | {fo:>26} {fn:>14}")
    print(f"\n{'topology':<10} | {'wall s: ours':>20} {'ns-3':>20} {'ours/ns-3':>9} | {'sim s/wall s: ours':>22}"
          f" {'ns-3':>22} | {'CPU s: ours':>11} {'ns-3':>7} | {'events: ours':>12} {'ns-3':>10} | {'RSS MB: ours':>18} {'ns-3':>18}")
    for t in order:
        print(f"{t:<10} | {med(col(t, 'ours', 'wall_s'), '{:.2f}'):>20} {med(col(t, 'ns3', 'wall_s'), '{:.2f}'):>20}"
              f" {ratio(col(t, 'ours', 'wall_s'), col(t, 'ns3', 'wall_s')):>9}"
              f" | {med(col(t, 'ours', 'sim_per_wall'), '{:.3f}'):>22} {med(col(t, 'ns3', 'sim_per_wall'), '{:.3f}'):>22}"
              f" | {med(col(t, 'ours', 'cpu_s'), '{:.2f}').split()[0]:>11} {med(col(t, 'ns3', 'cpu_s'), '{:.2f}').split()[0]:>7}"
              f" | {statistics.median(col(t, 'ours', 'events')) if col(t, 'ours', 'events') else 0:>12,.0f}"
              f" {statistics.median(col(t, 'ns3', 'events')) if col(t, 'ns3', 'events') else 0:>10,.0f}"
              f" | {med(col(t, 'ours', 'rss_mb'), '{:.1f}'):>18} {med(col(t, 'ns3', 'rss_mb'), '{:.1f}'):>18}")
    print(f"\n{'topology':<10} | {'delivered Gbit per wall s: ours':>32} {'ns-3':>20} {'ours/ns-3':>9}"
          "   (simulated goodput x simulated s / wall s: the work done per wall second)")
    for t in order:
        print(f"{t:<10} | {med(col(t, 'ours', 'gbit_per_wall_s'), '{:.3f}'):>32}"
              f" {med(col(t, 'ns3', 'gbit_per_wall_s'), '{:.3f}'):>20}"
              f" {ratio(col(t, 'ours', 'gbit_per_wall_s'), col(t, 'ns3', 'gbit_per_wall_s')):>9}")


def main(argv):
    if len(argv) == 5 and argv[1] == "one" and argv[2] in topologies.TOPOLOGIES and argv[3] in ("ours", "ns3"):
        one(argv[2], argv[3], argv[4])
        return 0
    if len(argv) == 3 and argv[1] == "table":
        table(argv[2])
        return 0
    print(f"usage: {argv[0]} one TOPOLOGY ours|ns3 BASE | table MANIFEST", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
