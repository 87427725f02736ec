#!/usr/bin/env bash
# INIT-REBOOT against dnsmasq: a program that remembered its lease (--dhcp-lease-file) and
# died without releasing it asks for the same address again at its next start, with a
# REQUEST and no DISCOVER. An orderly exit releases the lease (seen by dnsmasq) and
# forgets it.
source "$(dirname "$0")/lib.sh"
require_root_and_tools
netns_up
start_dnsmasq dhcp1 50 60
lease="$WORK/lease.txt"
start_bg echo1 "$BIN/exonet-udp-echo" --tap "$TAP" --dhcp --dhcp-lease-file "$lease"
wait_for_line "$WORK/echo1.log" "echoing"
first=$(leased_addr "$WORK/echo1.log")
kill -KILL "$echo1_PID"; wait "$echo1_PID" 2>/dev/null  # no RELEASE: a crash
[[ -s $lease ]] || fail "no lease file written"
discovers=$(grep -c DHCPDISCOVER "$WORK/dhcp1.log")
start_bg echo2 "$BIN/exonet-udp-echo" --tap "$TAP" --dhcp --dhcp-lease-file "$lease"
wait_for_line "$WORK/echo2.log" "echoing"
second=$(leased_addr "$WORK/echo2.log")
[[ $second == "$first" ]] || fail "second run got $second, first had $first"
[[ $(grep -c DHCPDISCOVER "$WORK/dhcp1.log") -eq $discovers ]] || fail "the second run discovered instead of rebooting"
echo "INIT-REBOOT: the second run asked for $first directly and got it (no DISCOVER)"
stop_bg "$echo2_PID"
# The RELEASE is unicast to a server whose MAC nobody asked for yet: it must still leave.
wait_for_line "$WORK/dhcp1.log" "DHCPRELEASE" 3
[[ -e $lease ]] && fail "the lease file outlived the release"
echo "orderly exit: RELEASE seen by dnsmasq, lease file removed"
