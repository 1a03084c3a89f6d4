#!/usr/bin/python3
"""run.py CONFIG.json [NAME-REGEX] — runs every conformance probe against
both systems under test and prints the table: probe, rule, wirestack, Linux.

CONFIG (written by tests/interop/conformance_test.sh) names, per target, the
prober's interface facing it, its MAC and addresses, its service ports, and
how to start an active open on it (the SYN-SENT probes):
  wirestack: `wirestack tap` behind a TAP (echo, discard, http); active opens
             by `wirestack nc` on a second TAP;
  linux:     the kernel in its own namespace behind a veth (linux_peer.py
             serve); active opens by `linux_peer.py connect` there.

A probe passes on a target when every expectation holds. A probe that fails
on Linux is a harness doubt (the suite's own mistake, or the kernel's),
reported but not failing the run; a probe whose rule Linux knowingly breaks
(probe(..., linux="why")) runs on wirestack only (WSCONF_LINUX_ALL=1 runs
it on Linux too, to see the difference; its failure there is no doubt).
Exit status 1 when any probe fails on wirestack.
"""
import json
import os
import random
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import probes_open  # noqa: E402  (each registers its probes, in this order)
import probes_sync  # noqa: E402
import probes_close  # noqa: E402
from harness import PROBES, ProbeFail, Target, Wire  # noqa: E402

REGISTERED = (probes_open, probes_sync, probes_close)  # imported for their probes
RUNNING = []  # active opens of ours still running (ended on SIGTERM too)


class Active:
    """An active open on a SUT, started by a probe: a process of ours."""

    def __init__(self, argv, refused_words):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        RUNNING.append(self)
        self.refused_words = refused_words
        self.out = b""

    def refused(self, timeout):
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        self.out = self.p.stdout.read()
        return any(w in self.out.decode(errors="replace").lower() for w in self.refused_words)

    def output(self):
        return self.out.decode(errors="replace")

    def stop(self):
        if self in RUNNING:
            RUNNING.remove(self)
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(2)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        for f in (self.p.stdin, self.p.stdout):
            try:
                f.close()
            except OSError:
                pass


def on_term(signum, frame):
    for a in list(RUNNING):
        a.stop()
    sys.exit(1)


def main():
    signal.signal(signal.SIGTERM, on_term)
    cfg = json.load(open(sys.argv[1]))
    only = re.compile(sys.argv[2]) if len(sys.argv) > 2 else None
    ports = iter(range(20000 + random.randrange(0, 5000), 30000))

    def next_port():
        return next(ports)

    here = os.path.dirname(os.path.abspath(__file__))
    ws, lx = cfg["wirestack"], cfg["linux"]
    ws_wire = Wire(ws["iface"], ws["mac"], ws["my_ip"], ws["ip"])
    ws_active_wire = Wire(ws["nc_iface"], ws["nc_mac"], ws["nc_my_ip"], ws["nc_ip"])
    lx_wire = Wire(lx["iface"], lx["mac"], lx["my_ip"], lx["ip"])

    def ws_active(ip, port):
        return Active([ws["binary"], "nc", "--dev", ws["nc_iface"], "--ip", ws["nc_ip"] + "/24", "--mac", ws["nc_mac"],
                       ip, str(port)], ["refused", "reset"])

    def lx_active(ip, port):
        return Active(["ip", "netns", "exec", lx["netns"], sys.executable, os.path.join(here, "linux_peer.py"),
                       "connect", ip, str(port), "4"], ["refused"])

    targets = [Target("wirestack", ws_wire, ws["ports"], ws_active_wire, ws_active, next_port),
               Target("linux", lx_wire, lx["ports"], lx_wire, lx_active, next_port)]
    time.sleep(0.5)  # the sniffers are up
    # Warm-up: both answer a SYN (ARP resolved both ways, services listening).
    for t in targets:
        ok = False
        for _ in range(10):
            c = t.conn("echo")
            try:
                c.handshake()
                c.abort()
                ok = True
                break
            except ProbeFail:
                time.sleep(0.3)
        if not ok:
            print(f"FAIL: {t.name} does not answer a SYN on its echo port")
            return 1
        t.open_conns.clear()

    started = time.monotonic()
    rows, ws_fail, lx_doubt = [], [], []
    probes = [p for p in PROBES if not only or only.search(p.name)]
    for p in probes:
        results = {}
        for t in targets:
            if t.name == "linux" and p.linux is not True and not os.environ.get("WSCONF_LINUX_ALL"):
                results[t.name] = ("skip", f"Linux knowingly differs: {p.linux}")
                continue
            t0 = time.monotonic()
            try:
                p.fn(t)
                results[t.name] = ("PASS", "")
            except ProbeFail as e:
                results[t.name] = ("FAIL", str(e))
            except Exception as e:  # noqa: BLE001 - a harness error is a failure of the probe
                results[t.name] = ("FAIL", f"harness error {type(e).__name__}: {e}")
            for c in t.open_conns:
                c.abort()
            t.open_conns.clear()
            dt = time.monotonic() - t0
            status, detail = results[t.name]
            print(f"{status:4} {t.name:9} {p.name} ({dt:.2f} s){': ' + detail if detail else ''}", flush=True)
        rows.append((p, results))
        if results["wirestack"][0] == "FAIL":
            ws_fail.append(p.name)
        if results["linux"][0] == "FAIL" and p.linux is True:
            lx_doubt.append(p.name)
    elapsed = time.monotonic() - started
    for w in (ws_wire, ws_active_wire, lx_wire):
        w.stop()

    print()
    print(f"{'probe':40} {'rule':15} {'wirestack':9} {'linux':5}  quoted rule")
    for p, r in rows:
        print(f"{p.name:40} {p.section:15} {r['wirestack'][0]:9} {r['linux'][0]:5}  {p.rule}")
    n = len(rows)
    n_ws = sum(1 for _, r in rows if r["wirestack"][0] == "PASS")
    n_lx = sum(1 for _, r in rows if r["linux"][0] == "PASS")
    n_skip = sum(1 for _, r in rows if r["linux"][0] == "skip")
    print(f"\nprobes {n}: wirestack {n_ws} passed, {len(ws_fail)} failed; linux {n_lx} passed, {len(lx_doubt)} failed, "
          f"{n_skip} not run (documented differences from the RFC); {elapsed:.1f} s")
    if lx_doubt:
        print("harness doubts (failed on Linux, not counted against wirestack): " + ", ".join(lx_doubt))
    if ws_fail:
        print("FAIL on wirestack: " + ", ".join(ws_fail))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
