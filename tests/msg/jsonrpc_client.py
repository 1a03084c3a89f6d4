#!/usr/bin/env python3
"""A wirestack JSON-RPC client in the standard library (docs/PROTOCOL.md).
Usage: jsonrpc_client.py HOST PORT METHOD [JSON-PARAMS]. Prints the response's JSON;
exit status 0 for a result, 1 for an error reply, 2 if the exchange itself fails."""
import json, socket, struct, sys

def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise OSError(f"connection closed after {len(data)} of {n} bytes")
        data += chunk
    return data

if len(sys.argv) not in (4, 5):
    print(__doc__, file=sys.stderr)
    sys.exit(2)
request = {"jsonrpc": "2.0", "id": 1, "method": sys.argv[3]}
if len(sys.argv) == 5:
    request["params"] = json.loads(sys.argv[4])
body = json.dumps(request).encode("utf-8")
try:
    with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10) as sock:
        sock.sendall(struct.pack(">I", len(body)) + body)  # 4-byte big-endian length, then the JSON
        (length,) = struct.unpack(">I", recv_exact(sock, 4))
        response = json.loads(recv_exact(sock, length).decode("utf-8"))
except (OSError, ValueError) as e:
    print(f"jsonrpc_client: {e}", file=sys.stderr)
    sys.exit(2)
print(json.dumps(response, ensure_ascii=False))
sys.exit(1 if "error" in response else 0)
