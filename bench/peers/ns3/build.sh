#!/usr/bin/env bash
# bench/peers/ns3/build.sh [BUILD_DIR] — builds the ns-3 peer of `wirestack run`.
#
# Installs Debian's libns3-dev (ns-3 3.37: headers in /usr/include/ns3, one
# shared library per module, libns3-MODULE.so, and a pkg-config file per
# module, ns3-MODULE.pc) if it is missing — with apt-get, as root,
# non-interactively — then compiles bench/peers/ns3/ns3_peer.cc with g++ -O2
# against the package into BUILD_DIR/wirestack_peer_ns3 (default:
# bench/peers/build). Rebuilds only when the source, this script or the core
# library is newer than the program. Prints the program's path on its last line.
#
# Environment: CXX (default g++), PEERS_NO_INSTALL=1 to fail (exit 3) rather
# than install (the ctest smoke test uses it, and skips when the package is absent).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(cd "$here/.." && pwd)/build}
src=$here/ns3_peer.cc
bin=$out/wirestack_peer_ns3
cxx=${CXX:-g++}
modules="ns3-core ns3-network ns3-internet ns3-point-to-point ns3-applications ns3-traffic-control"

have_ns3() { dpkg-query -W -f='${Status}' libns3-dev 2>/dev/null | grep -q 'ok installed'; }

if ! have_ns3; then
  if [[ ${PEERS_NO_INSTALL:-0} == 1 ]]; then
    echo "bench/peers/ns3/build.sh: libns3-dev is not installed (PEERS_NO_INSTALL=1)" >&2
    exit 3
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench/peers/ns3/build.sh: libns3-dev is not installed; as root: apt-get install libns3-dev" >&2
    exit 1
  fi
  echo "bench/peers/ns3/build.sh: installing libns3-dev" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be missing or old on a fresh machine: update once
  # if the first try cannot find the package.
  if ! apt-get install -y -q --no-install-recommends libns3-dev >&2; then
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends libns3-dev >&2
  fi
fi

# Only the -l and -L words of pkg-config's answer: Debian's ns3-*.pc Cflags
# carry a stray "-I/usr;" (a CMake list separator) and include directories
# the peer does not need (the headers are in /usr/include/ns3, on the default
# path), and its Libs name /usr/lib/.../libgsl.so and libsqlite3.so, which
# only the -dev packages libns3-dev does not require would provide (each
# libns3-*.so already links what it needs).
if command -v pkg-config >/dev/null && pkg-config --exists $modules 2>/dev/null; then
  # shellcheck disable=SC2086  # the module names are words
  libs=$(pkg-config --libs $modules | tr ' ' '\n' | grep -E '^-[lL]' | awk '!seen[$0]++' | tr '\n' ' ')
else
  libs="-lns3-core -lns3-network -lns3-internet -lns3-point-to-point -lns3-applications -lns3-traffic-control"
fi
lib=$(dpkg -L libns3-dev | grep -m1 '/libns3-core\.so$' || true)

mkdir -p "$out"
if [[ ! -x $bin || $src -nt $bin || (-n $lib && $lib -nt $bin) || $0 -nt $bin ]]; then
  # shellcheck disable=SC2086  # the flags are words
  "$cxx" -std=c++17 -O2 -Wall -Wextra -o "$bin.tmp" "$src" $libs
  mv "$bin.tmp" "$bin"
  echo "bench/peers/ns3/build.sh: built $bin against libns3-dev $(dpkg-query -W -f='${Version}' libns3-dev)" >&2
fi
echo "$bin"
