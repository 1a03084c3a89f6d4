#!/usr/bin/env bash
# tests/interop/cli_errors_test.sh WIRESTACK — the TAP commands' refusals:
# one line on stderr and status 2 (a usage mistake: a wrong option, a device
# that does not exist), before any device is touched (needs no root); status
# 1 when the device exists but cannot be opened.
set -u
ws=$1
fail=0
# check DESCRIPTION STATUS PATTERN ARGS... : exit status STATUS, one line matching PATTERN.
check() {
  local what=$1 want=$2 pattern=$3
  shift 3
  local out rc=0
  out=$("$ws" "$@" 2>&1) || rc=$?
  [ "$rc" = "$want" ] || { echo "FAIL: $what: exit $rc, expected $want ($out)"; fail=1; }
  [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || { echo "FAIL: $what: not one line: $out"; fail=1; }
  grep -qE -- "$pattern" <<<"$out" || { echo "FAIL: $what: no match for /$pattern/ in: $out"; fail=1; }
}
base=(--dev wstnone --ip 10.77.0.2/24)
# Each refusal comes before any device is opened (these run in the root
# namespace: nothing here may create a device).
check "echo+discard"  2 '^wirestack tap: --tcp-echo and --tcp-discard both want port 7$' tap "${base[@]}" --tcp-echo 7 --tcp-discard 7
check "tcp port"      2 '^wirestack tap: --tcp-echo: .*70000.* not in range' tap "${base[@]}" --tcp-echo 70000
check "http port"     2 '^wirestack tap: --http 99999: expected PORT or PORT:DIR with a port in 1..65535$' tap "${base[@]}" --http 99999
check "http hex port" 2 '^wirestack tap: --http 0x50: expected PORT or PORT:DIR with a port in 1..65535$' tap "${base[@]}" --http 0x50
check "ftp port"      2 '^wirestack tap: --ftp 70000:/tmp: expected PORT or PORT:DIR with a port in 1..65535$' tap "${base[@]}" --ftp 70000:/tmp
check "dns port"      2 '^wirestack tap: --dns 21a:/etc/hosts: the port must be 1..65535$' tap "${base[@]}" --dns 21a:/etc/hosts
check "http dir"      2 '^wirestack tap: --http 8080:/no/such/dir: /no/such/dir is not a directory$' tap "${base[@]}" --http 8080:/no/such/dir
check "json port"     2 '^wirestack tap: --json: .* not in range' tap "${base[@]}" --json 0
check "nc bad host"   2 "^wirestack nc: 10.77.0: .*expected 4 parts" nc "${base[@]}" 10.77.0 80
check "nc port"       2 '^wirestack nc: port: .* not in range' nc "${base[@]}" 10.77.0.1 0
check "get bad url"   2 '^wirestack get: ftp://x/: ' get "${base[@]}" ftp://x/
check "get dns name"  2 '^wirestack get: example.org: an IP address is needed' get "${base[@]}" http://example.org/
check "call params"   2 '^wirestack call: params: expected a JSON object or array' call "${base[@]}" 10.77.0.1 7000 echo '[1,'
check "serve nothing" 2 '^wirestack serve: nothing to serve' serve
check "tap congestion" 2 "^wirestack tap: --congestion: unknown congestion control 'vegas' \(known: newreno, cubic, bbr\)$" tap "${base[@]}" --congestion vegas
check "tap congestion case" 2 "^wirestack tap: --congestion: unknown congestion control 'Cubic' \(known: newreno, cubic, bbr\)$" tap "${base[@]}" --congestion Cubic
# serve asks the kernel (a throwaway socket) before any server listens.
check "serve congestion" 2 "^wirestack serve: --congestion nosuch: the kernel has no TCP congestion control 'nosuch' \(available: [a-z0-9 ]+\)$" serve --congestion nosuch --tcp-echo 7
check "no prefix"     2 "^wirestack tap: --ip: IPv4 prefix '10.77.0.2': missing '/PREFIX'" tap --dev wstnone --ip 10.77.0.2
check "port range"    2 '^wirestack tap: --udp-echo: .*70000.* not in range' tap "${base[@]}" --udp-echo 70000
check "port zero"     2 '^wirestack tap: --udp-echo: .* not in range' tap "${base[@]}" --udp-echo 0
check "mtu range"     2 '^wirestack tap: --mtu: .* not in range' tap "${base[@]}" --mtu 40
check "no --dev"      2 '^wirestack tap: --dev is required' tap --ip 10.77.0.2/24
check "bad mac"       2 "^wirestack tap: --mac: MAC address 'zz'" tap "${base[@]}" --mac zz
check "far gateway"   2 '^wirestack tap: --gateway: 10.1.1.1 is not inside 10.77.0.2/24$' tap "${base[@]}" --gateway 10.1.1.1
check "no address"    2 '^wirestack tap: --ip: an address is needed \(ADDR/PREFIX, IPv4 or IPv6\), or --dhcp to lease one$' tap --dev wstnone
check "dhcp and ip"   2 '^wirestack tap: --ip 10.77.0.2/24: --dhcp leases the IPv4 address \(--ip may add an IPv6 one\)$' tap "${base[@]}" --dhcp
check "dhcp gateway"  2 '^wirestack tap: --gateway 10.77.0.1: --dhcp takes the IPv4 gateway from the lease$' tap --dev wstnone --dhcp --gateway 10.77.0.1
check "dhcp timeout"  2 '^wirestack tap: --dhcp-timeout requires --dhcp$' tap "${base[@]}" --dhcp-timeout 5
check "dhcp timeout 0" 2 "^wirestack tap: --dhcp-timeout: expected seconds, more than 0 and at most 3600, got '0'$" tap --dev wstnone --dhcp --dhcp-timeout 0
check "resolve server" 2 '^wirestack resolve: --server is needed \(or --dhcp, to ask the DNS server of the lease\)$' resolve "${base[@]}" web.campus
check "dhcp server pool" 2 '^wirestack tap: --dhcp-server 10.77.0.100: expected FIRST-LAST, such as 10.77.0.100-10.77.0.150$' tap "${base[@]}" --dhcp-server 10.77.0.100
check "dhcp server lease" 2 '^wirestack tap: --dhcp-lease requires --dhcp-server$' tap "${base[@]}" --dhcp-lease 60
check "dhcp server and client" 2 '^wirestack tap: --dhcp-server needs an IPv4 --ip of its own, not --dhcp$' tap --dev wstnone --dhcp --dhcp-server 10.77.0.100-10.77.0.109
check "network addr"  2 '^wirestack tap: --ip: 10.77.0.0/24 is not a host address$' tap --dev wstnone --ip 10.77.0.0/24
# IPv6: one address of each family, a link-local --ip refused (the stack forms its own), gateways per family, zones.
check "two IPv4"      2 '^wirestack tap: --ip 10.0.0.3/24: IPv4 has 10.77.0.2/24 already \(one address of each family\)$' tap "${base[@]}" --ip 2001:db8::2/64 --ip 10.0.0.3/24
check "two IPv6"      2 '^wirestack tap: --ip 2001:db8::3/64: IPv6 has 2001:db8::2/64 already' tap "${base[@]}" --ip 2001:db8::2/64 --ip 2001:db8::3/64
check "link-local ip" 2 '^wirestack tap: --ip: fe80::2/64 is link-local; the stack forms its own' tap "${base[@]}" --ip fe80::2/64
check "multicast ip"  2 '^wirestack tap: --ip: ff02::2/64 is not a unicast IPv6 address$' tap "${base[@]}" --ip ff02::2/64
check "far gateway6"  2 '^wirestack tap: --gateway: 2001:db9::1 is neither link-local nor inside an IPv6 --ip$' tap "${base[@]}" --ip 2001:db8::2/64 --gateway 2001:db9::1
check "gateway4 no ip" 2 '^wirestack tap: --gateway 10.0.0.1: no IPv4 --ip to reach it from$' tap --dev wstnone --ip 2001:db8::2/64 --gateway 10.0.0.1
check "ping zone"     2 '^wirestack ping: fe80::1%eth9: the zone must be the device the stack is on \(%wstnone\)$' ping "${base[@]}" fe80::1%eth9
check "get zone"      2 '^wirestack get: fe80::1%eth9: the zone must be the device the stack is on \(%wstnone\)$' get "${base[@]}" 'http://[fe80::1%25eth9]:8080/'
check "get zone form" 2 '^wirestack get: http://\[fe80::1%eth9\]/: a zone in brackets is written %25ZONE \(RFC 6874\)' get "${base[@]}" 'http://[fe80::1%eth9]/'
check "zone global"   2 '^wirestack nc: 2001:db8::1%wstnone: a zone \(%wstnone\) only follows a link-local IPv6 address$' nc "${base[@]}" 2001:db8::1%wstnone 80
check "long name"     2 "^wirestack tap: TAP device name 'much-too-long-name' is too long" tap --dev much-too-long-name --ip 10.77.0.2/24
check "impair item"   2 '^wirestack tap: --impair: loss=5: expected a percentage such as 5%$' tap "${base[@]}" --impair loss=5
check "impair key"    2 '^wirestack tap: --impair-in: unknown item "speed": expected loss, delay' tap "${base[@]}" --impair-in speed=1%
check "impair order"  2 '^wirestack nc: --impair-out: reorder needs a delay' nc "${base[@]}" --impair-out reorder=5% 10.77.0.1 7
check "impair twice"  2 '^wirestack tap: --impair excludes --impair-in$' tap "${base[@]}" --impair loss=1% --impair-in loss=1%
check "ping no dest"  2 '^wirestack ping: dest is required' ping "${base[@]}"
check "ping bad dest" 2 "^wirestack ping: .*10.77.0" ping "${base[@]}" -c 1 10.77.0
check "tap seconds"   2 "^wirestack tap: --seconds: expected seconds, more than 0 and at most 1e9, got '1e300'$" tap "${base[@]}" --seconds 1e300
check "get timeout"   2 "^wirestack get: --timeout: expected seconds, more than 0 and at most 1e9, got '0'$" get "${base[@]}" --timeout 0 http://10.77.0.1/
check "ping count"    2 '^wirestack ping: --count: .* not in range' ping "${base[@]}" -c 0 10.77.0.1
# A device that does not exist is refused with the command that makes it,
# not created (the kernel would make a new, unconfigured one).
check "no such dev"   2 '^wirestack tap: --dev wstnone: no such network device; create it first \(as root, once\): ip tuntap add mode tap name wstnone user \$USER && ip link set wstnone up$' tap "${base[@]}"
check "nc no dev"     2 '^wirestack nc: --dev wstnone: no such network device; .*ip tuntap add mode tap name wstnone' nc "${base[@]}" 10.77.0.1 7
check "get no dev"    2 '^wirestack get: --dev wstnone: no such network device' get "${base[@]}" http://10.77.0.1/
check "ping no dev"   2 '^wirestack ping: --dev wstnone: no such network device' ping "${base[@]}" -c 1 10.77.0.1
ip link show wstnone >/dev/null 2>&1 && { echo "FAIL: a device wstnone exists after the refusals"; fail=1; }
# No right to open the device: as an unprivileged user (when we can become
# one), on a device root made, in a namespace of our own.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && [ -c /dev/net/tun ]; then
  ns="wscliux$$"
  if ip netns add "$ns" 2>/dev/null; then
    if ip netns exec "$ns" ip tuntap add mode tap name wstpriv 2>/dev/null; then
      out=$(ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups "$ws" tap --dev wstpriv --ip 10.77.0.2/24 2>&1)
      rc=$?
      [ "$rc" = 1 ] || { echo "FAIL: unprivileged open: exit $rc ($out)"; fail=1; }
      grep -qE '^wirestack tap: (cannot open /dev/net/tun|TUNSETIFF wstpriv): .*(root|CAP_NET_ADMIN)' <<<"$out" ||
        { echo "FAIL: unprivileged open: $out"; fail=1; }
    else
      echo "SKIPPED (loudly): cannot create a TAP device in a namespace; the unprivileged open is not checked"
    fi
    ip netns del "$ns"
  else
    echo "SKIPPED (loudly): cannot create a network namespace; the unprivileged open is not checked"
  fi
fi
[ "$fail" = 0 ] && echo "PASS: cli_errors_test.sh"
exit "$fail"
