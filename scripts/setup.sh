#!/usr/bin/env bash
# scripts/setup.sh — installs the Debian 12 packages wirestack needs to build
# and test, and only those that are missing (fast and quiet when all are there).
# Run as root (or with sudo available). Used by scripts/main.sh and scripts/test.sh.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config make
  clang libclang-rt-14-dev           # sanitizer build and libFuzzer targets
  # libraries (each for one need: see README "Dependencies")
  libgtest-dev libgmock-dev libbenchmark-dev
  libpcap-dev nlohmann-json3-dev libcli11-dev libtomlplusplus-dev
  libsodium-dev zlib1g-dev libxxhash-dev
  liblwip-dev                        # the peer stack bench/peers/ measures beside ours (its smoke test runs in the suite)
  libns3-dev                         # the simulator bench/peers/ns3_compare.sh measures beside ours (its smoke test runs in the suite)
  # test tools: Python for the layer check, tshark to cross-check decoding
  python3 tshark
)
if [ "${WIRESTACK_INTEROP_DEPS:-1}" = 1 ]; then
  # peers for the interop tests against the Linux kernel (ctest label interop)
  packages+=(iproute2 iputils-ping iputils-arping netcat-openbsd tcpdump python3-scapy hping3 ethtool nftables)
  # DNS peers: dig (client) and dnsmasq (a server our resolver asks)
  packages+=(dnsutils dnsmasq-base)  # the binary only, not the system service
  # DHCP peer: a real client (busybox's udhcpc) that leases from `wirestack tap --dhcp-server` (dnsmasq is the server)
  packages+=(udhcpc)
  # FTP peer: a real FTP server (pyftpdlib) our client fetches from and uploads to (curl, the FTP client, is below)
  packages+=(python3-pyftpdlib)
  # a browser for the built-in page (headless; fonts for its screenshot) and an HTTP load generator
  packages+=(curl chromium fonts-dejavu-core wrk)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections 2>/dev/null || true
$sudo apt-get update -q >&2
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
