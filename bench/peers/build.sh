#!/usr/bin/env bash
# bench/peers/build.sh [BUILD_DIR] — builds the lwIP peer of `wirestack bench`.
#
# Installs Debian's liblwip-dev (lwIP 2.1.3: headers, the shared library and
# lwip.pc) if it is missing — with apt-get, as root, non-interactively — then
# compiles bench/peers/lwip_bench.c with gcc -O2 against the package's headers
# and library into BUILD_DIR/wirestack_peer_lwip (default: bench/peers/build).
# Rebuilds only when the source or the library is newer than the program.
# Prints the program's path on its last line.
#
# Environment: CC (default gcc), PEERS_NO_INSTALL=1 to fail rather than
# install (the ctest smoke test uses it, and skips when the package is absent).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/build}
src=$here/lwip_bench.c
bin=$out/wirestack_peer_lwip
cc=${CC:-gcc}

have_lwip() { dpkg-query -W -f='${Status}' liblwip-dev 2>/dev/null | grep -q 'ok installed'; }

if ! have_lwip; then
  if [[ ${PEERS_NO_INSTALL:-0} == 1 ]]; then
    echo "bench/peers/build.sh: liblwip-dev is not installed (PEERS_NO_INSTALL=1)" >&2
    exit 3
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench/peers/build.sh: liblwip-dev is not installed; as root: apt-get install liblwip-dev" >&2
    exit 1
  fi
  echo "bench/peers/build.sh: installing liblwip-dev" >&2
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be missing or old on a fresh machine: update once
  # if the first try cannot find the package.
  if ! apt-get install -y -q --no-install-recommends liblwip-dev >&2; then
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends liblwip-dev >&2
  fi
fi

# The package's compiler flags: -I/usr/include/lwip (its lwipopts.h and
# arch/ headers are the ones the library was built with) and -llwip.
if command -v pkg-config >/dev/null && pkg-config --exists lwip; then
  cflags=$(pkg-config --cflags lwip)
  libs=$(pkg-config --libs lwip)
else
  cflags=-I/usr/include/lwip
  libs=-llwip
fi
lib=$(dpkg -L liblwip-dev | grep -m1 '/liblwip\.so$' || true)

mkdir -p "$out"
if [[ ! -x $bin || $src -nt $bin || (-n $lib && $lib -nt $bin) || $0 -nt $bin ]]; then
  # shellcheck disable=SC2086  # the flags are words
  "$cc" -std=gnu11 -O2 -Wall -Wextra -o "$bin.tmp" "$src" $cflags $libs
  mv "$bin.tmp" "$bin"
  echo "bench/peers/build.sh: built $bin against liblwip-dev $(dpkg-query -W -f='${Version}' liblwip-dev)" >&2
fi
echo "$bin"
