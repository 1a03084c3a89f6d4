#!/usr/bin/python3
"""linux_peer.py — the Linux kernel's side of the conformance suite, run in
the Linux target's network namespace (tests/interop/conformance_test.sh).

  linux_peer.py serve ECHO DISCARD CLOSER STALL
      TCP listeners on the kernel's own sockets, as wirestack's
      `tap --tcp-echo ECHO --tcp-discard DISCARD --http CLOSER` serve them:
      echo (RFC 862) until the peer's FIN, then close; discard (RFC 863)
      until the peer's FIN, then close; CLOSER reads one request up to an
      empty line, answers a short HTTP/1.0 response and closes first (the
      server's active close, for the FIN-WAIT/CLOSING/TIME-WAIT probes);
      STALL never reads, with a receive buffer of 2 KiB, so that its
      window closes after a few KiB (wirestack's echo does the same after
      some 130 KiB when the peer's window is shut).
      Prints "ready" once listening; runs until killed.
  linux_peer.py connect IP PORT SECONDS
      an active open (the SYN-SENT probes): connect, then hold the socket
      open SECONDS; prints "connected", "refused" or "error ...".
"""
import socket
import sys
import threading
import time


def serve_one(conn, kind):
    try:
        conn.settimeout(30)
        if kind == "closer":
            req = b""
            while b"\r\n\r\n" not in req:
                d = conn.recv(4096)
                if not d:
                    break
                req += d
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
        else:
            while True:
                d = conn.recv(65536)
                if not d:
                    break
                if kind == "echo":
                    conn.sendall(d)
    except OSError:
        pass
    finally:
        conn.close()


HELD = []  # the stall service's connections, never read


def listener(port, kind):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if kind == "stall":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    s.bind(("0.0.0.0", port))
    s.listen(128)
    while True:
        c, _ = s.accept()
        if kind == "stall":
            HELD.append(c)
            continue
        threading.Thread(target=serve_one, args=(c, kind), daemon=True).start()


def main():
    if sys.argv[1] == "serve":
        for port, kind in zip(sys.argv[2:6], ("echo", "discard", "closer", "stall")):
            threading.Thread(target=listener, args=(int(port), kind), daemon=True).start()
        time.sleep(0.2)
        print("ready", flush=True)
        while True:
            time.sleep(3600)
    elif sys.argv[1] == "connect":
        ip, port, secs = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(secs)
        try:
            s.connect((ip, port))
            print("connected", flush=True)
            time.sleep(secs)
        except ConnectionRefusedError:
            print("refused", flush=True)
        except OSError as e:
            print("error", e, flush=True)


if __name__ == "__main__":
    main()
