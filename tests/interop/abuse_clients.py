#!/usr/bin/env python3
"""The clients of tests/interop/abuse_test.sh (standard library only), run in
the test's network namespace against `wirestack tap --http 8080 --json 7000`.
Every loop is bounded in count and in time.

  abuse_clients.py slowloris SERVER PORT SPEC DEADLINE_S
      SPEC: ADDR=COUNT,ADDR=COUNT... connections, each bound to its source
      address, each sending half an HTTP request and then nothing. Waits until
      the server has closed every one (FIN or RST) or the deadline. Prints
      "slowloris opened N ...", per-address results, the close times after
      connect (min/p50/max), and `ss`'s count of established and CLOSE-WAIT
      sockets to the server at the end.
  abuse_clients.py legit SERVER HTTP_PORT RPC_PORT STOP_FILE MAX_S
      From the default address: one HTTP GET /stats and one JSON-RPC `time`
      call on new connections, every 50 ms, until STOP_FILE exists or MAX_S;
      every answer checked. Prints counts and latency p50/p99/max.
  abuse_clients.py deaf SERVER PORT SRC COUNT BODY_BYTES DEADLINE_S
      COUNT clients from SRC with a 4 KiB receive buffer each POST BODY_BYTES
      to /echo and never read: waits until the server resets them all or the
      deadline; prints how many were reset and when, after the upload ended.
  abuse_clients.py oversized SERVER HTTP_PORT RPC_PORT LIMIT
      An HTTP body over the limit sent whole without waiting (413 must still
      be read: the server's lingering close), and a JSON-RPC frame over it
      (-32000); prints one line for each.
"""
import errno, json, os, resource, select, socket, struct, subprocess, sys, time

HALF = b"GET / HTTP/1.1\r\nHost: 10.77.0.2\r\nX-Slowloris: "


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def more_files(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, n + 256)
    if hard != resource.RLIM_INFINITY and want > hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))  # root may raise the hard limit
            return
        except (ValueError, OSError):
            want = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def slowloris(server, port, spec, deadline_s):
    plan = [(a, int(n)) for a, n in (item.split("=") for item in spec.split(","))]
    total = sum(n for _, n in plan)
    more_files(total)
    start = time.monotonic()
    end = start + deadline_s
    socks = {}  # fd -> dict
    poller = select.poll()
    for addr, n in plan:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.bind((addr, 0))
            s.connect_ex((server, port))
            socks[s.fileno()] = {"s": s, "addr": addr, "state": "connecting", "t": None, "got": b""}
            poller.register(s, select.POLLOUT)
    opened = 0
    results = {a: {"408": 0, "fin": 0, "reset": 0, "open": 0, "failed": 0} for a, _ in plan}
    close_after = []
    pending = len(socks)
    while pending > 0 and time.monotonic() < end:
        for fd, ev in poller.poll(200):
            c = socks[fd]
            s = c["s"]
            if c["state"] == "connecting":
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err != 0:
                    # A connection over the per-address cap is established by
                    # the handshake and reset at the accept: often before we
                    # see it writable. Anything else (refused, timed out) failed.
                    c["state"] = "reset" if err == errno.ECONNRESET else "failed"
                    pending -= 1
                    poller.unregister(fd)
                    continue
                try:
                    s.send(HALF)
                    c["state"] = "half"
                    c["t"] = time.monotonic()
                    opened += 1
                    poller.modify(fd, select.POLLIN)
                except OSError:
                    c["state"] = "reset"
                    pending -= 1
                    poller.unregister(fd)
                continue
            try:
                d = s.recv(65536)
            except OSError:
                c["state"] = "reset"
                pending -= 1
                poller.unregister(fd)
                continue
            if d:
                c["got"] += d
                continue
            c["state"] = "fin"
            close_after.append(time.monotonic() - c["t"])
            pending -= 1
            poller.unregister(fd)
    for c in socks.values():
        r = results[c["addr"]]
        if c["state"] == "fin":
            r["fin"] += 1
            if c["got"].startswith(b"HTTP/1.1 408 "):
                r["408"] += 1
        elif c["state"] == "reset":
            r["reset"] += 1
        elif c["state"] == "failed":
            r["failed"] += 1
        else:
            r["open"] += 1
    print("slowloris opened %d of %d half requests in %.2f s; done after %.2f s"
          % (opened, total, max((c["t"] or start) for c in socks.values()) - start, time.monotonic() - start))
    for addr, r in results.items():
        print("slowloris from %s: closed_408 %d fin %d reset %d still_open %d failed %d"
              % (addr, r["408"], r["fin"], r["reset"], r["open"], r["failed"]))
    print("slowloris closed_after_s min %.3f p50 %.3f max %.3f (n %d)"
          % (min(close_after or [float("nan")]), pct(close_after, 50), max(close_after or [float("nan")]), len(close_after)))
    # What the kernel holds to the server now: nothing established from these
    # addresses, the server's FINs received (CLOSE-WAIT: our sockets are still open).
    ours = set(a for a, _ in plan)
    for state in ("established", "close-wait"):
        out = subprocess.run(["ss", "-Htn", "state", state, "dst", "%s:%d" % (server, port)],
                             capture_output=True, text=True).stdout
        n = sum(1 for line in out.splitlines() if line.split()[-2].rsplit(":", 1)[0] in ours)
        print("ss %s from the slowloris addresses: %d" % (state, n))
    for c in socks.values():
        c["s"].close()


def http_get(server, port, path):
    with socket.create_connection((server, port), timeout=10) as s:
        s.settimeout(10)
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, server)).encode())
        data = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body


def rpc_call(server, port, method, rid):
    body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": method}).encode()
    with socket.create_connection((server, port), timeout=10) as s:
        s.settimeout(10)
        s.sendall(struct.pack(">I", len(body)) + body)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
            d = s.recv(65536)
            if not d:
                raise OSError("closed after %d bytes" % len(data))
            data += d
    return json.loads(data[4:4 + struct.unpack(">I", data[:4])[0]])


def legit(server, http_port, rpc_port, stop_file, max_s):
    start = time.monotonic()
    lat_http, lat_rpc, errors = [], [], []
    n = 0
    while n < 5000 and time.monotonic() - start < max_s and not os.path.exists(stop_file):
        n += 1
        t = time.monotonic()
        try:
            status, body = http_get(server, http_port, "/stats")
            if status != 200 or "connections" not in json.loads(body):
                errors.append("http %d: status %d" % (n, status))
            else:
                lat_http.append(time.monotonic() - t)
        except (OSError, ValueError, IndexError) as e:
            errors.append("http %d: %r after %.2f s" % (n, e, time.monotonic() - t))
        t = time.monotonic()
        try:
            r = rpc_call(server, rpc_port, "time", n)
            if r.get("id") != n or not isinstance(r.get("result"), str):
                errors.append("rpc %d: %r" % (n, r))
            else:
                lat_rpc.append(time.monotonic() - t)
        except (OSError, ValueError) as e:
            errors.append("rpc %d: %r after %.2f s" % (n, e, time.monotonic() - t))
        time.sleep(0.05)
    both = lat_http + lat_rpc
    print("legit rounds %d http_ok %d rpc_ok %d errors %d in %.1f s"
          % (n, len(lat_http), len(lat_rpc), len(errors), time.monotonic() - start))
    print("legit latency_ms p50 %.1f p99 %.1f max %.1f"
          % (1000 * pct(both, 50), 1000 * pct(both, 99), 1000 * max(both or [float("nan")])))
    for e in errors[:10]:
        print("legit error", e)


def deaf(server, port, src, count, body_bytes, deadline_s):
    body = b"d" * body_bytes
    socks = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the answer stalls soon
        s.bind((src, 0))
        s.settimeout(30)
        s.connect((server, port))
        socks.append(s)
    start = time.monotonic()
    for s in socks:
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % body_bytes + body)
    uploaded = time.monotonic()
    poller = select.poll()
    for s in socks:
        poller.register(s, 0)  # POLLERR and POLLHUP are always reported; POLLIN is not asked for
    reset_after = []
    left = {s.fileno() for s in socks}
    end = uploaded + deadline_s
    while left and time.monotonic() < end:
        for fd, ev in poller.poll(200):
            if fd in left and ev & (select.POLLERR | select.POLLHUP):
                left.discard(fd)
                poller.unregister(fd)
                reset_after.append(time.monotonic() - uploaded)
    print("deaf uploaded %d x %d bytes in %.2f s; reset %d of %d; reset_after_upload_s min %.2f max %.2f"
          % (count, body_bytes, uploaded - start, len(reset_after), count,
             min(reset_after or [float("nan")]), max(reset_after or [float("nan")])))
    for s in socks:
        s.close()


def oversized(server, http_port, rpc_port, limit):
    # A body over the limit, sent whole at once without waiting for an answer.
    with socket.create_connection((server, http_port), timeout=10) as s:
        s.settimeout(10)
        n = limit + 100000
        try:
            s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % n + b"b" * n)
        except OSError as e:
            print("oversized http send stopped: %r" % e)
        data = b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                data += d
        except OSError as e:
            print("oversized http recv: %r" % e)
        print("oversized http body sent whole: %s" % data.split(b"\r\n", 1)[0].decode(errors="replace"))
    with socket.create_connection((server, rpc_port), timeout=10) as s:
        s.settimeout(10)
        s.sendall(struct.pack(">I", limit + 1) + b"[" * 1000)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
            d = s.recv(65536)
            if not d:
                break
            data += d
        r = json.loads(data[4:]) if len(data) > 4 else {}
        print("oversized rpc frame: error %s" % (r.get("error", {}).get("code")))


cmd = sys.argv[1] if len(sys.argv) > 1 else ""
a = sys.argv[2:]
if cmd == "slowloris" and len(a) == 4:
    slowloris(a[0], int(a[1]), a[2], float(a[3]))
elif cmd == "legit" and len(a) == 5:
    legit(a[0], int(a[1]), int(a[2]), a[3], float(a[4]))
elif cmd == "deaf" and len(a) == 6:
    deaf(a[0], int(a[1]), a[2], int(a[3]), int(a[4]), float(a[5]))
elif cmd == "oversized" and len(a) == 4:
    oversized(a[0], int(a[1]), int(a[2]), int(a[3]))
else:
    print(__doc__, file=sys.stderr)
    sys.exit(2)
