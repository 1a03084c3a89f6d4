#!/usr/bin/env bash
# scripts/main.sh — the README's first command: installs what is missing,
# builds, and runs the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
WIRESTACK_INTEROP_DEPS=0 bash scripts/setup.sh
bash scripts/build.sh normal >/dev/null
exec ./build/tools/wirestack/wirestack decode tests/data/linux.pcap "$@"
