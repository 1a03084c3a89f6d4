#!/usr/bin/env bash
# tests/package/install_test.sh BUILD_DIR SOURCE_DIR — the library as a user
# links it: `cmake --install` into a temporary prefix, then the files in
# examples/, unchanged, built against that prefix two ways and run:
#   1. a CMake project with find_package(wirestack) and wirestack::wirestack
#      (and one example against a single layer target, wirestack::wire);
#   2. pkg-config (`pkg-config --cflags --libs wirestack`), with g++.
# Nothing of the build or source tree is on the include or library path.
set -u
build=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
prefix="$tmp/prefix"
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 || { echo "FAIL: cmake --install"; tail -20 "$tmp/install.log"; exit 1; }
for f in lib/cmake/wirestack/wirestackConfig.cmake lib/pkgconfig/wirestack.pc include/wirestack/wire/dissect.hpp \
         include/wirestack/sim/world.hpp lib/libwirestack_base.a bin/wirestack; do
  [ -e "$prefix/$f" ] || { echo "FAIL: $f not installed"; fail=1; }
done
ls "$prefix/include/wirestack"/*/*_test.cpp 2>/dev/null && { echo "FAIL: tests installed"; fail=1; }

# 1. CMake: the examples, copied as they are.
mkdir -p "$tmp/user/examples"
cp "$src"/examples/*.cpp "$tmp/user/examples/"
cat >"$tmp/user/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(user LANGUAGES CXX)
find_package(wirestack 0.1 REQUIRED)
file(GLOB examples examples/*.cpp)
foreach(f IN LISTS examples)
  get_filename_component(n ${f} NAME_WE)
  add_executable(${n} ${f})
  target_link_libraries(${n} PRIVATE wirestack::wirestack)
endforeach()
add_executable(udp_frame_wire_only examples/udp_frame.cpp)
target_link_libraries(udp_frame_wire_only PRIVATE wirestack::wire)
CM
cmake -S "$tmp/user" -B "$tmp/user/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  >"$tmp/cfg.log" 2>&1 || { echo "FAIL: find_package(wirestack)"; tail -20 "$tmp/cfg.log"; exit 1; }
grep -rq -- "$src/src\|$build" "$tmp/user/build/build.ninja" && { echo "FAIL: the user's build points into the source or build tree"; fail=1; }
cmake --build "$tmp/user/build" -j 2 >"$tmp/build.log" 2>&1 || { echo "FAIL: the examples do not build against the package"; tail -30 "$tmp/build.log"; exit 1; }
for f in "$src"/examples/*.cpp; do
  n=$(basename "$f" .cpp)
  "$tmp/user/build/$n" >"$tmp/$n.out" 2>&1 || { echo "FAIL: example $n (CMake package) exited $?"; tail -5 "$tmp/$n.out"; fail=1; }
done
"$tmp/user/build/udp_frame_wire_only" >/dev/null || { echo "FAIL: udp_frame against wirestack::wire alone"; fail=1; }

# 2. pkg-config.
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
flags=$(pkg-config --cflags --libs wirestack) || { echo "FAIL: pkg-config wirestack"; exit 1; }
g++ -O1 -o "$tmp/udp_frame_pc" "$src/examples/udp_frame.cpp" $flags 2>"$tmp/pc.log" \
  || { echo "FAIL: udp_frame with pkg-config flags ($flags)"; tail -20 "$tmp/pc.log"; fail=1; }
g++ -O1 -o "$tmp/sim_campus_pc" "$src/examples/sim_campus.cpp" $flags 2>"$tmp/pc2.log" \
  || { echo "FAIL: sim_campus with pkg-config flags"; tail -20 "$tmp/pc2.log"; fail=1; }
[ -x "$tmp/udp_frame_pc" ] && { "$tmp/udp_frame_pc" >/dev/null || { echo "FAIL: udp_frame (pkg-config) exited $?"; fail=1; }; }
[ -x "$tmp/sim_campus_pc" ] && { "$tmp/sim_campus_pc" >/dev/null || { echo "FAIL: sim_campus (pkg-config) exited $?"; fail=1; }; }

"$prefix/bin/wirestack" --version | grep -q '^wirestack 0\.1\.0 (' || { echo "FAIL: the installed wirestack --version"; fail=1; }
[ $fail -eq 0 ] && echo "package: installed, and examples/ built against it with CMake and pkg-config"
exit $fail
