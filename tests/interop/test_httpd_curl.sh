#!/usr/bin/env bash
# The kernel's curl against exonet-httpd (exonet on a TAP): a 50 MB download and a 50 MB
# upload, byte-identical, then 100 concurrent clients that must all succeed.
source "$(dirname "$0")/lib.sh"
require_root_and_tools curl
netns_up
mkdir -p "$WORK/www" "$WORK/uploads"
make_file "$WORK/www/big.bin" 50
make_file "$WORK/up.bin" 50
for i in $(seq 1 100); do head -c $((4096 + i * 997)) /dev/urandom >"$WORK/www/small$i.bin"; done
start_bg httpd "$BIN/exonet-httpd" --port 80 --uploads "$WORK/uploads" "$WORK/www" $(exonet_link_args)
wait_for_line "$WORK/httpd.log" "serving"

in_ns curl -sS --fail --max-time 60 -o "$WORK/got.bin" "http://$EADDR/big.bin" || fail "curl GET failed"
cmp "$WORK/got.bin" "$WORK/www/big.bin" || fail "downloaded file differs"
echo "curl GET 50 MB: byte-identical"

in_ns curl -sS --fail --max-time 60 --data-binary "@$WORK/up.bin" \
  -H 'Content-Type: application/octet-stream' "http://$EADDR/up.bin" || fail "curl POST failed"
cmp "$WORK/uploads/up.bin" "$WORK/up.bin" || fail "uploaded file differs"
echo "curl POST 50 MB: byte-identical"

# 100 clients at once, each its own connection.
for i in $(seq 1 100); do
  in_ns curl -sS --fail --max-time 60 -o "$WORK/c$i.bin" "http://$EADDR/small$i.bin" &
  pids[$i]=$!
done
failed=0
for i in $(seq 1 100); do
  wait "${pids[$i]}" || { echo "client $i failed"; failed=$((failed + 1)); continue; }
  cmp -s "$WORK/c$i.bin" "$WORK/www/small$i.bin" || { echo "client $i got wrong bytes"; failed=$((failed + 1)); }
done
[[ $failed -eq 0 ]] || fail "$failed of 100 concurrent clients failed"
echo "100 concurrent curl clients: all succeeded, all byte-identical"

# Keep-alive: several requests on one connection.
in_ns curl -sS --fail -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects}\n' \
  "http://$EADDR/small1.bin" "http://$EADDR/small2.bin" "http://$EADDR/small3.bin" >"$WORK/ka.txt" \
  || fail "keep-alive requests failed"
[[ $(paste -sd+ "$WORK/ka.txt" | bc) -eq 1 ]] || fail "keep-alive did not reuse the connection: $(cat "$WORK/ka.txt")"
echo "keep-alive: 3 requests over 1 connection"
stop_bg "$httpd_PID"
grep -q "stopping" "$WORK/httpd.log" || fail "exonet-httpd did not stop cleanly"
