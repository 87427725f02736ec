#!/usr/bin/env bash
# Connection failures have the right errno and come in bounded time: a closed port on a
# live host is refused (ECONNREFUSED); an address nobody answers fails with EHOSTUNREACH
# or ETIMEDOUT within the client's timeout.
source "$(dirname "$0")/lib.sh"
require_root_and_tools
netns_up
set +e
out=$(in_ns "$BIN/exonet-httpget" "http://$KADDR:9/" --timeout 5 $(exonet_link_args) 2>&1 >/dev/null)
rc=$?
[[ $rc -ne 0 ]] && grep -q ECONNREFUSED <<<"$out" || fail "closed port: expected ECONNREFUSED, got rc=$rc: $out"
echo "closed port: $out"
start=$(date +%s)
out=$(in_ns "$BIN/exonet-httpget" "http://${SUBNET}99/" --timeout 5 $(exonet_link_args) 2>&1 >/dev/null)
rc=$?
took=$(( $(date +%s) - start ))
[[ $rc -ne 0 ]] && grep -qE 'EHOSTUNREACH|ETIMEDOUT' <<<"$out" || fail "silent address: got rc=$rc: $out"
[[ $took -le 10 ]] || fail "silent address: took $took s (bound is 10)"
echo "silent address: $out (after $took s)"
