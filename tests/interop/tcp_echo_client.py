#!/usr/bin/python3
"""tcp_echo_client.py HOST PORT NBYTES: sends NBYTES of random data to a TCP
echo service while reading the echo back, half-closes, reads to the end and
prints 'sent <sha256> <n>' and 'got <sha256> <n>' (and the seconds it took).
Exit 1 when the connection fails."""
import hashlib, os, socket, sys, threading, time

host, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection((host, port), timeout=30)
s.settimeout(60)
sent_hash = hashlib.sha256()
errors = []

def writer():
    left = total
    try:
        while left > 0:
            chunk = os.urandom(min(left, 65536))
            sent_hash.update(chunk)
            s.sendall(chunk)
            left -= len(chunk)
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        errors.append(e)

start = time.monotonic()
t = threading.Thread(target=writer)
t.start()
got_hash = hashlib.sha256()
got = 0
try:
    while True:
        data = s.recv(262144)
        if not data:
            break
        got_hash.update(data)
        got += len(data)
except OSError as e:
    errors.append(e)
t.join()
elapsed = time.monotonic() - start
print(f"sent {sent_hash.hexdigest()} {total}")
print(f"got {got_hash.hexdigest()} {got}")
print(f"seconds {elapsed:.2f}")
for e in errors:
    print(f"error {e!r}")
sys.exit(1 if errors else 0)
