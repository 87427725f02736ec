#!/usr/bin/env bash
# NAK: the server's range changes under a bound client; the renewal is refused, the program
# reports the address as lost and gets a new one. DECLINE: the only address on offer
# already answers ARP (another host has it); the client declines it, dnsmasq sees it.
source "$(dirname "$0")/lib.sh"
require_root_and_tools
netns_up
mkdir -p "$WORK/www"
start_dnsmasq dhcp1 50 60 --dhcp-option=option:T1,3 --dhcp-option=option:T2,100
start_bg httpd "$BIN/exonet-httpd" --port 80 "$WORK/www" --tap "$TAP" --dhcp
wait_for_line "$WORK/httpd.log" "IP configuration complete"
kill "$dhcp1_PID"; wait "$dhcp1_PID" 2>/dev/null
start_dnsmasq dhcp2 70 79 --dhcp-authoritative --dhcp-option=option:T1,100 --dhcp-option=option:T2,110
wait_for_line "$WORK/httpd.log" "lost (server refused it: NAK)" 10
wait_for_line "$WORK/httpd.log" "IP configuration complete: ${SUBNET}7" 15
grep "IP configuration" "$WORK/httpd.log"
grep -q DHCPNAK "$WORK/dhcp2.log" || fail "dnsmasq sent no NAK"
echo "NAK handled: the old address was dropped and a new one leased"
stop_bg "$httpd_PID"
kill "$dhcp2_PID"; wait "$dhcp2_PID" 2>/dev/null

# DECLINE: the kernel side holds the one address dnsmasq will offer, on its loopback
# (so dnsmasq does not see it on the interface it serves, but the kernel still answers
# ARP for it on the TAP, as another host on the link would).
in_ns ip addr add "${SUBNET}90/32" dev lo
start_dnsmasq dhcp3 90 90
start_bg httpd2 "$BIN/exonet-httpd" --port 80 "$WORK/www" --tap "$TAP" --dhcp
wait_for_line "$WORK/httpd2.log" "in use by another host: declined" 10
wait_for_line "$WORK/dhcp3.log" "DHCPDECLINE" 5
grep "IP" "$WORK/httpd2.log" | head -3
echo "DECLINE sent for ${SUBNET}90 and seen by dnsmasq"
