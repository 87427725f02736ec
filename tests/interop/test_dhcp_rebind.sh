#!/usr/bin/env bash
# Rebinding: the server that gave the lease disappears (its address too), renewals go
# unanswered, and at T2 the broadcast REQUEST is answered by a second server.
source "$(dirname "$0")/lib.sh"
require_root_and_tools
netns_up
K2=${SUBNET}3
# Deleting the primary address would delete secondaries too, unless promoted.
in_ns sysctl -qw "net.ipv4.conf.$TAP.promote_secondaries=1"
in_ns ip addr add "$K2/24" dev "$TAP"
start_dnsmasq dhcp1 50 60 --dhcp-option=option:router,"$KADDR" --dhcp-option=option:T1,3 --dhcp-option=option:T2,6
mkdir -p "$WORK/www"
start_bg httpd "$BIN/exonet-httpd" --port 80 "$WORK/www" --tap "$TAP" --dhcp
wait_for_line "$WORK/httpd.log" "IP configuration complete"
ADDR=$(leased_addr "$WORK/httpd.log")
# Server 1 goes away, and with it the address renewals are sent to.
kill "$dhcp1_PID"; wait "$dhcp1_PID" 2>/dev/null
in_ns ip addr del "$KADDR/24" dev "$TAP"
cp "$WORK/dhcp1.leases" "$WORK/dhcp2.leases"
start_dnsmasq dhcp2 50 60 --dhcp-authoritative --dhcp-option=option:router,"$K2" \
  --dhcp-option=option:T1,3 --dhcp-option=option:T2,6
wait_for_line "$WORK/httpd.log" "IP configuration rebound" 10
grep "IP configuration" "$WORK/httpd.log"
[[ $(leased_addr "$WORK/httpd.log") == "$ADDR" ]] || fail "rebinding changed the address"
grep -q "rebound: $ADDR/255.255.255.0 via $K2" "$WORK/httpd.log" || fail "rebound lease not from server 2"
grep -q "renewed" "$WORK/httpd.log" && fail "a renewal succeeded although server 1 was gone"
echo "rebound to server 2 ($K2) with the same address $ADDR"
