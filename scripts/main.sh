#!/usr/bin/env bash
# scripts/main.sh — the README's first command: installs what is missing,
# builds, and runs the main job: the `campus` scenario in the simulator (two
# LANs, a router, ARP, ping, traceroute, fragmentation, UDP), narrated frame
# by frame, with one pcap per link in out/campus/. Extra arguments go to
# `wirestack run` (e.g. `--quiet`, `--seed 7`, `storm`).
set -euo pipefail
cd "$(dirname "$0")/.."
WIRESTACK_INTEROP_DEPS=0 bash scripts/setup.sh
bash scripts/build.sh normal >/dev/null
exec ./build/tools/wirestack/wirestack run "$@"
