#!/usr/bin/env bash
# The DHCP client against dnsmasq: a lease within a second, the example server reachable
# at the leased address by the kernel's curl, renewal at a short T1, and RELEASE on
# shutdown, as dnsmasq sees it.
source "$(dirname "$0")/lib.sh"
require_root_and_tools curl
netns_up
start_dnsmasq dhcp1 50 60 --dhcp-option=option:router,"$KADDR" --dhcp-option=option:dns-server,"$KADDR" \
  --dhcp-option=option:T1,3 --dhcp-option=option:T2,100 --dhcp-option=option:domain-name,exonet.test
mkdir -p "$WORK/www"
echo "served over a DHCP lease" >"$WORK/www/index.html"
start_bg httpd "$BIN/exonet-httpd" --port 80 "$WORK/www" --tap "$TAP" --dhcp

# Time from "started" to "complete" as the lines appear.
t_start="" t_done=""
for ((i = 0; i < 1000; i++)); do
  [[ -z $t_start ]] && grep -q "IP configuration started" "$WORK/httpd.log" 2>/dev/null && t_start=$(date +%s.%N)
  if grep -q "IP configuration complete" "$WORK/httpd.log" 2>/dev/null; then t_done=$(date +%s.%N); break; fi
  sleep 0.01
done
[[ -n $t_done && -n $t_start ]] || { cat "$WORK/httpd.log"; fail "no lease within 10 s"; }
took=$(echo "$t_done - $t_start" | bc)
grep "IP configuration" "$WORK/httpd.log"
(( $(echo "$took < 1.0" | bc) )) || fail "lease took $took s (must be under 1 s)"
echo "lease in $took s"
grep -q "via $KADDR, DNS $KADDR, domain exonet.test" "$WORK/httpd.log" || fail "lease options not reported"
ADDR=$(leased_addr "$WORK/httpd.log")
wait_for_line "$WORK/httpd.log" "serving"
[[ $(in_ns curl -sS --max-time 10 "http://$ADDR/") == "served over a DHCP lease" ]] || fail "curl to $ADDR failed"
echo "kernel curl reached exonet-httpd at the leased address $ADDR"

wait_for_line "$WORK/httpd.log" "IP configuration renewed" 8
grep -c "DHCPACK" "$WORK/dhcp1.log" | grep -qv '^1$' || fail "dnsmasq saw no renewal"
echo "renewed at T1 (3 s): $(grep -c DHCPREQUEST "$WORK/dhcp1.log") REQUESTs, $(grep -c DHCPACK "$WORK/dhcp1.log") ACKs at dnsmasq"

stop_bg "$httpd_PID"
grep -q "IP configuration released" "$WORK/httpd.log" || fail "the program did not report the release"
wait_for_line "$WORK/dhcp1.log" "DHCPRELEASE" 5
echo "RELEASE on shutdown seen by dnsmasq: $(grep DHCPRELEASE "$WORK/dhcp1.log" | head -1)"
