#!/usr/bin/env bash
# The kernel pings exonet's address, and socat exchanges datagrams with exonet-udp-echo.
source "$(dirname "$0")/lib.sh"
require_root_and_tools ping socat
netns_up
start_bg echo "$BIN/exonet-udp-echo" --port 7 $(exonet_link_args)
wait_for_line "$WORK/echo.log" "echoing"
in_ns ping -c 5 -i 0.2 -W 2 "$EADDR" >"$WORK/ping.txt" || { cat "$WORK/ping.txt"; fail "ping failed"; }
grep -q " 0% packet loss" "$WORK/ping.txt" || { cat "$WORK/ping.txt"; fail "ping lost packets"; }
echo "ping: $(grep -o '[0-9]* received' "$WORK/ping.txt")"
# Large pings too (1472 bytes of data fill a 1500-byte MTU).
in_ns ping -c 2 -s 1472 -W 2 "$EADDR" >/dev/null || fail "1500-byte ping failed"
for msg in hello "a longer datagram with some text" "$(head -c 1400 /dev/urandom | base64 -w0 | head -c 1400)"; do
  reply=$(printf '%s' "$msg" | in_ns timeout 5 socat -t 2 - "UDP:$EADDR:7")
  [[ $reply == "$msg" ]] || fail "UDP echo of ${#msg} bytes returned '${reply:0:40}'"
done
echo "UDP echo with socat: 3 datagrams echoed intact"
