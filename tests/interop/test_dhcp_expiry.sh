#!/usr/bin/env bash
# Lease expiry with no server: dnsmasq's shortest lease is 2 minutes, so this test waits
# about that long. The program must report the loss when the lease runs out.
source "$(dirname "$0")/lib.sh"
require_root_and_tools
netns_up
mkdir -p "$WORK/www"
start_dnsmasq dhcp1 50 60 --dhcp-option=option:T1,3 --dhcp-option=option:T2,6
start_bg httpd "$BIN/exonet-httpd" --port 80 "$WORK/www" --tap "$TAP" --dhcp
wait_for_line "$WORK/httpd.log" "IP configuration complete"
bound_at=$(date +%s)
kill "$dhcp1_PID"; wait "$dhcp1_PID" 2>/dev/null
wait_for_line "$WORK/httpd.log" "lost (lease expired)" 135
took=$(( $(date +%s) - bound_at ))
grep "IP configuration" "$WORK/httpd.log"
(( took >= 118 && took <= 130 )) || fail "expiry after $took s; the lease was 120 s"
echo "lease expired after $took s with no server; the program reported it"
