#!/usr/bin/env bash
# tests/interop/ipv6_mld_test.sh WIRESTACK — our MLDv2 reports against the
# Linux bridge's MLD snooping (RFC 4541): the TAP is a port of a bridge with
# multicast_snooping on, and the bridge's multicast database (`bridge mdb`)
# must list the solicited-node groups of our link-local and global
# addresses on that port, learnt from our reports alone (as Linux's own
# interfaces are learnt). tcpdump's capture of the TAP, read by tshark,
# shows the form of ours (the bridge reports its own groups too):
# ICMPv6 143 to ff02::16, hop limit 1, a Hop-by-Hop Router Alert.
source "$(dirname "$0")/lib.sh"
interop_init "$1" bridge tcpdump tshark

BR="wsb$$"
in_ns ip link add "$BR" type bridge mcast_snooping 1 mcast_querier 0 || skip "cannot create a bridge: no bridge module?"
in_ns ip link set "$TAP" master "$BR" || skip "cannot add the TAP to a bridge"
in_ns ip link set "$BR" up
# timeout bounds tcpdump even if this script is killed; it passes our SIGTERM on.
ip netns exec "$NS" timeout 60 tcpdump -i "$TAP" --immediate-mode -U -n -w "$WORK/mld.pcap" ip6 2>"$WORK/tcpdump.err" &
CAPTURE=$!
STARTED_PIDS+=("$CAPTURE")
for _ in $(seq 1 50); do grep -qs 'listening on' "$WORK/tcpdump.err" && break; sleep 0.1; done
grep -q 'listening on' "$WORK/tcpdump.err" || fail "tcpdump did not start: $(cat "$WORK/tcpdump.err")"

ws_start tap --ip 2001:db8:77::2/64 --seconds 6
ws_await_dad 2001:db8:77::2
sleep 1.5   # the reports' second copy
mdb=$(in_ns bridge mdb show dev "$BR")
echo "the bridge's multicast database: $(tr '\n' ';' <<<"$mdb")"
# fe80::77:ff:fe00:2 -> ff02::1:ff00:2; 2001:db8:77::2 -> ff02::1:ff00:2 too (one group for both).
expect "the bridge learnt our solicited-node group on the TAP port" "port $TAP grp ff02::1:ff00:2" "$mdb"
ws_stop
expect "our counters show the reports" "mld_reports_tx [1-9]" "$(cat "$WS_LOG")"

sleep 0.3  # the last frames written (--immediate-mode -U: per packet)
kill -TERM "$CAPTURE" 2>/dev/null
wait "$CAPTURE" 2>/dev/null
fields=$(tshark -r "$WORK/mld.pcap" -Y "icmpv6.type == 143" -T fields -e ipv6.hlim -e ipv6.dst -e ipv6.hopopts.nxt \
  -e icmpv6.mldr.mar.record_type -e icmpv6.mldr.mar.multicast_address 2>/dev/null | sort -u)
echo "our reports, as tshark reads them: $(tr '\n' ';' <<<"$fields")"
expect "reports: hop limit 1, to ff02::16, Hop-by-Hop, CHANGE_TO_EXCLUDE of the group" \
  "^1	ff02::16	58	4	ff02::1:ff00:2$" "$fields"
finish
