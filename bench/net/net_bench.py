#!/usr/bin/env python3
"""bench/net/net_bench.py — the kernel-side programs of bench/net/tap_bench.sh.

Standard library only; every mode is bounded in time.

  send HOST PORT BYTES [--timeout S]
      connect, send BYTES zero bytes, half-close, wait for the peer's close.
      Prints: send bytes B seconds T gbps G   (T: connect to the peer's FIN)
  sink PORT [--timeout S] [--ready FILE]
      accept one connection, read to EOF, close.
      Prints: sink bytes B seconds T gbps G   (T: accept to EOF)
  echo-server PORT [--timeout S] [--ready FILE]
      single-threaded epoll echo server (selectors), until SIGTERM or S seconds.
  echo-client HOST PORT CONNS SECONDS [--size N]
      CONNS connections, each doing request/response round trips of N bytes
      (send N, wait for the N bytes back, check them, again) for SECONDS.
      Prints: echo conns C size N seconds T round_trips R rps X errors E
"""
import argparse
import os
import selectors
import signal
import socket
import sys
import time

CHUNK = 256 * 1024


def gbps(nbytes, seconds):
    return nbytes * 8 / seconds / 1e9 if seconds > 0 else 0.0


def ready(path):
    if path:
        with open(path, "w") as f:
            f.write("ready\n")


def do_send(a):
    buf = memoryview(bytes(CHUNK))
    left = a.bytes
    t0 = time.monotonic()
    s = socket.create_connection((a.host, a.port), timeout=a.timeout)
    s.settimeout(a.timeout)  # per call: a stall longer than this fails the run
    deadline = t0 + a.timeout
    while left > 0:
        n = s.send(buf[: min(left, CHUNK)])
        left -= n
        if time.monotonic() > deadline:
            print("send: gave up after %.1f s with %d bytes unsent" % (a.timeout, left), file=sys.stderr)
            return 1
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    t = time.monotonic() - t0
    s.close()
    print("send bytes %d seconds %.3f gbps %.3f" % (a.bytes, t, gbps(a.bytes, t)))
    return 0


def do_sink(a):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", a.port))
    ls.listen(4)
    ls.settimeout(a.timeout)
    ready(a.ready)
    t_end = time.monotonic() + a.timeout
    c, _ = ls.accept()
    t0 = time.monotonic()
    buf = bytearray(CHUNK)
    total = 0
    rc = 0
    while True:
        left = t_end - time.monotonic()
        if left <= 0:
            print("sink: time limit (%.0f s) reached before EOF" % a.timeout, file=sys.stderr)
            rc = 1
            break
        c.settimeout(left)
        try:
            n = c.recv_into(buf)
        except socket.timeout:
            continue
        except OSError as e:
            print("sink: %r" % e, file=sys.stderr)
            rc = 1
            break
        if n == 0:
            break
        total += n
    t = time.monotonic() - t0
    c.close()
    print("sink bytes %d seconds %.3f gbps %.3f" % (total, t, gbps(total, t)))
    return rc


def do_echo_server(a):
    sel = selectors.DefaultSelector()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", a.port))
    ls.listen(1024)
    ls.setblocking(False)
    sel.register(ls, selectors.EVENT_READ, None)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    ready(a.ready)
    t_end = time.monotonic() + a.timeout
    while not stop and time.monotonic() < t_end:
        for key, _ in sel.select(0.5):
            if key.data is None:
                try:
                    c, _ = ls.accept()
                except BlockingIOError:
                    continue
                c.setblocking(False)
                c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sel.register(c, selectors.EVENT_READ, 1)
                continue
            c = key.fileobj
            try:
                d = c.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                d = b""
            if not d:
                sel.unregister(c)
                c.close()
                continue
            try:
                c.sendall(d)  # small requests: the send buffer has room
            except OSError:
                sel.unregister(c)
                c.close()
    return 0


def do_echo_client(a):
    msg = bytes((i * 7 + 1) & 0xFF for i in range(a.size))
    sel = selectors.DefaultSelector()
    conns = []
    errors = 0
    t_connect = time.monotonic()
    for _ in range(a.conns):
        try:
            s = socket.create_connection((a.host, a.port), timeout=10)
        except OSError as e:
            errors += 1
            print("echo-client: connect: %r" % e, file=sys.stderr)
            continue
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(False)
        conns.append(s)
    t_connect = time.monotonic() - t_connect
    if not conns:
        print("echo conns 0 size %d seconds 0 round_trips 0 rps 0 errors %d" % (a.size, errors))
        return 1
    got = {}
    for s in conns:
        got[s] = bytearray()
        sel.register(s, selectors.EVENT_READ)
    rounds = 0
    bad = 0
    t0 = time.monotonic()
    t_end = t0 + a.seconds
    for s in conns:
        s.send(msg)
    last_progress = t0
    while True:
        now = time.monotonic()
        if now >= t_end:
            break
        if now - last_progress > 5:
            print("echo-client: no reply for 5 s; stopping", file=sys.stderr)
            errors += 1
            break
        for key, _ in sel.select(0.2):
            s = key.fileobj
            try:
                d = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as e:
                print("echo-client: %r" % e, file=sys.stderr)
                d = b""
            if not d:
                errors += 1
                sel.unregister(s)
                continue
            g = got[s]
            g += d
            if len(g) >= a.size:
                if bytes(g[: a.size]) != msg:
                    bad += 1
                del g[: a.size]
                rounds += 1
                last_progress = time.monotonic()
                s.send(msg)
    t = time.monotonic() - t0
    # Collect the replies still in flight (uncounted), then close cleanly:
    # closing with unread data would make the kernel reset the connections.
    pending = [s for s in conns if s in sel.get_map()]
    drain_end = time.monotonic() + 2
    outstanding = {s: a.size - len(got[s]) for s in pending}
    while outstanding and time.monotonic() < drain_end:
        for key, _ in sel.select(0.1):
            s = key.fileobj
            try:
                d = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                d = b""
            if not d:
                outstanding.pop(s, None)
                sel.unregister(s)
                continue
            outstanding[s] -= len(d)
            if outstanding[s] <= 0:
                del outstanding[s]
                sel.unregister(s)
    for s in conns:
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    close_end = time.monotonic() + 2
    for s in conns:  # wait (bounded) for the server's FIN, then close
        s.setblocking(True)
        s.settimeout(max(0.01, close_end - time.monotonic()))
        try:
            while s.recv(65536):
                pass
        except OSError:
            pass
        s.close()
    print("echo conns %d size %d seconds %.2f round_trips %d rps %.0f errors %d wrong_bytes %d connect_s %.3f"
          % (len(conns), a.size, t, rounds, rounds / t, errors, bad, t_connect))
    return 0 if errors == 0 and bad == 0 else 1


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    q = sub.add_parser("send")
    q.add_argument("host")
    q.add_argument("port", type=int)
    q.add_argument("bytes", type=int)
    q.add_argument("--timeout", type=float, default=120)
    q = sub.add_parser("sink")
    q.add_argument("port", type=int)
    q.add_argument("--timeout", type=float, default=120)
    q.add_argument("--ready")
    q = sub.add_parser("echo-server")
    q.add_argument("port", type=int)
    q.add_argument("--timeout", type=float, default=600)
    q.add_argument("--ready")
    q = sub.add_parser("echo-client")
    q.add_argument("host")
    q.add_argument("port", type=int)
    q.add_argument("conns", type=int)
    q.add_argument("seconds", type=float)
    q.add_argument("--size", type=int, default=64)
    a = p.parse_args()
    return {"send": do_send, "sink": do_sink, "echo-server": do_echo_server, "echo-client": do_echo_client}[a.mode](a)


if __name__ == "__main__":
    sys.exit(main())
