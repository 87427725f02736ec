#!/usr/bin/env bash
# `exonet sim`: the JSON object has every promised field, integrity holds under faults
# in both directions, the same seed gives the same output (wall time aside), bad
# options are refused, and --pcap writes a capture that decodes.
set -uo pipefail
exonet=${EXONET_BUILD_DIR:?}/bin/exonet
[[ -x $exonet ]] || { echo "SKIP: $exonet not built"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1"; fail=1; else echo "ok   $1"; fi; }

out=$("$exonet" sim --bytes 3000000 --seed 9 --loss 2 --dup 1 --reorder 1 --corrupt 0.5 \
      --delay-ms 3 --rate-mbps 50 --cc newreno --pcap "$tmp/sim.pcap")
rc=$?
echo "$out"
check "exit status 0" '[[ $rc == 0 ]]'
for field in bytes integrity_ok sim_seconds goodput_mbps retransmits timeouts fast_retransmits; do
  check "field $field" 'grep -q "\"$field\": " <<<"$out"'
done
check "integrity_ok true" 'grep -q "\"integrity_ok\": true" <<<"$out"'
check "bytes 3000000" 'grep -q "\"bytes\": 3000000," <<<"$out"'
check "retransmits > 0 at 2 % loss" '! grep -q "\"retransmits\": 0," <<<"$out"'
check "pcap written" '[[ -s $tmp/sim.pcap ]]'
if [[ -x ${EXONET_BUILD_DIR}/bin/exonet ]] && "$exonet" decode "$tmp/sim.pcap" >"$tmp/dec" 2>&1; then
  check "pcap decodes" 'grep -q "tcp" "$tmp/dec"'
elif command -v tshark >/dev/null; then
  check "pcap decodes (tshark)" 'tshark -r "$tmp/sim.pcap" 2>/dev/null | grep -q TCP'
fi

rev=$("$exonet" sim --bytes 3000000 --seed 9 --loss 2 --reverse)
check "reverse direction intact" 'grep -q "\"integrity_ok\": true" <<<"$rev"'

a=$("$exonet" sim --bytes 1000000 --seed 5 --loss 3 | sed 's/"wall_seconds": [0-9.]*//')
b=$("$exonet" sim --bytes 1000000 --seed 5 --loss 3 | sed 's/"wall_seconds": [0-9.]*//')
check "same seed, same output" '[[ "$a" == "$b" ]]'

"$exonet" sim --loss 101 >/dev/null 2>&1
check "--loss 101 refused" '[[ $? == 2 ]]'
"$exonet" sim --frobnicate 1 >/dev/null 2>&1
check "unknown option refused" '[[ $? == 2 ]]'
"$exonet" sim --help | grep -q -- "--rate-mbps"
check "--help lists options" '[[ $? == 0 ]]'
exit $fail
