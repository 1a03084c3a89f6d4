#!/usr/bin/env bash
# scripts/main.sh — the README's first command: installs what is missing,
# builds, and runs the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
WIRESTACK_INTEROP_DEPS=0 bash scripts/setup.sh
bash scripts/build.sh normal >/dev/null
echo "wirestack: decoding tests/data/linux.pcap, real Linux traffic (ARP, ping, fragments, TCP, UDP," >&2
echo "ICMP) recorded in two network namespaces by tests/data/record_linux_capture.sh" >&2
echo >&2
exec ./build/tools/wirestack/wirestack decode tests/data/linux.pcap "$@"
