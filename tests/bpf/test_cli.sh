#!/usr/bin/env bash
# `exonet filter compile|test`: output like tcpdump -d, frame numbers, and a non-zero exit
# with libpcap's or the verifier's message on bad input.
set -uo pipefail
exo=${EXONET_BUILD_DIR:-build}/bin/exonet
pcaps=${EXONET_PCAP_DIR:-}
[[ -x $exo ]] || { echo "FAIL: $exo not built"; exit 1; }
fail=0
check() { # check NAME COND...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
tmp=$(mktemp -d /tmp/exonet-bpfcli.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if command -v tcpdump >/dev/null; then
  for e in "tcp dst port 80" "udp and host 10.0.0.1" "vlan and ip[2:2] > 100" "ether broadcast or arp" ""; do
    "$exo" filter compile "$e" > "$tmp/a" 2>&1
    tcpdump -d "$e" > "$tmp/b" 2>/dev/null
    check "compile '$e' prints what tcpdump -d prints" cmp -s "$tmp/a" "$tmp/b"
  done
  # Words are joined like tcpdump's.
  "$exo" filter compile udp dst port 53 > "$tmp/a"
  tcpdump -d udp dst port 53 > "$tmp/b" 2>/dev/null
  check "compile joins words" cmp -s "$tmp/a" "$tmp/b"
else
  echo "note: no tcpdump; compile output not compared"
fi

"$exo" filter compile "tcp port" > "$tmp/out" 2> "$tmp/err"; rc=$?
check "bad expression exits non-zero" test $rc -ne 0
check "bad expression prints libpcap's message" grep -q "exonet filter: can't parse filter expression: syntax error" "$tmp/err"
check "bad expression prints no program" test ! -s "$tmp/out"

"$exo" filter compile --raw "2,6 0 0 1,7 0 0 0" > "$tmp/out" 2> "$tmp/err"; rc=$?
check "unverifiable raw program exits non-zero" test $rc -ne 0
check "verifier message" grep -qx "exonet filter: verifier: instruction 1: program can end without RET (opcode 0x7)" "$tmp/err"
"$exo" filter compile --raw "3,96 0 0 2,22 0 0 0,6 0 0 0" 2> "$tmp/err"; rc=$?
check "uninitialised scratch read refused" test $rc -ne 0
check "uninitialised scratch message" grep -qx "exonet filter: verifier: instruction 0: scratch memory read before written on every path (M\[2\])" "$tmp/err"

# -ddd output reads back as a raw program and gives the same listing.
"$exo" filter compile -ddd "tcp and port 22" > "$tmp/ddd"
"$exo" filter compile --raw "$(cat "$tmp/ddd")" > "$tmp/a"
"$exo" filter compile "tcp and port 22" > "$tmp/b"
check "-ddd round trip" cmp -s "$tmp/a" "$tmp/b"

if [[ -d $pcaps ]]; then
  f=$pcaps/802.1D_spanning_tree.pcap
  [[ -f $f ]] || f=$(ls "$pcaps"/*.pcap | head -1)
  "$exo" filter test "" "$f" > "$tmp/all"
  n=$(wc -l < "$tmp/all")
  check "empty expression matches every frame, numbered from 1" test "$(head -1 "$tmp/all")" = 1 -a "$(tail -1 "$tmp/all")" = "$n"
  "$exo" filter test "not ip and not ip6 and not arp and not stp" "$f" > /dev/null
  check "test exits 0" test $? -eq 0
  "$exo" filter test "tcp port" "$f" > "$tmp/out" 2> "$tmp/err"; rc=$?
  check "test with a bad expression exits non-zero" test $rc -ne 0
  check "test with a bad expression says why" grep -q "syntax error" "$tmp/err"
  "$exo" filter test tcp /nonexistent.pcap 2> "$tmp/err"; rc=$?
  check "test with a missing file exits non-zero" test $rc -ne 0
  check "test with a missing file says why" grep -q "nonexistent" "$tmp/err"
else
  echo "note: no captures; filter test not run"
fi
exit $fail
