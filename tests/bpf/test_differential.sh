#!/usr/bin/env bash
# Differential test: every expression of tests/bpf/diff_exprs.txt x every capture of
# $EXONET_PCAP_DIR. The frames `exonet filter` reports (libpcap's compiler, exonet's
# verifier and interpreter) must be exactly the frames `tcpdump -n -r FILE EXPR` selects
# (what `tcpdump -w` writes, mapped back to frame numbers by pcap_frames.py). exonet runs once over everything (`exonet filter test-many`); tcpdump runs once
# per expression and file, two at a time. Captures tcpdump cannot read (wholly or after
# some frames) and expressions invalid for a capture are counted and printed, never
# silently dropped; for those the two sides must still agree.
#   env: EXONET_BUILD_DIR, EXONET_SOURCE_DIR, EXONET_PCAP_DIR; DIFF_EXPR_LIMIT=N to use
#   only the first N expressions, DIFF_FILE_LIMIT=N for the first N captures.
set -uo pipefail
src=${EXONET_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
exo=${EXONET_BUILD_DIR:-build}/bin/exonet
pcaps=${EXONET_PCAP_DIR:-}
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump is not installed"; exit 77; }
[[ -d $pcaps ]] || { echo "SKIP: no capture folder (EXONET_PCAP_DIR='$pcaps')"; exit 77; }
[[ -x $exo ]] || { echo "FAIL: $exo not built"; exit 1; }

tmp=$(mktemp -d /tmp/exonet-bpfdiff.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
grep -v -e '^#' -e '^$' "$src/tests/bpf/diff_exprs.txt" | head -n "${DIFF_EXPR_LIMIT:-100000}" \
  > "$tmp/exprs"
ls "$pcaps"/*.pcap | head -n "${DIFF_FILE_LIMIT:-100000}" > "$tmp/files"
nexpr=$(wc -l < "$tmp/exprs")
nfile=$(wc -l < "$tmp/files")
echo "differential: $nexpr expressions x $nfile captures"

start=$(date +%s)
mapfile -t files < "$tmp/files"
"$exo" filter test-many "$tmp/exprs" "${files[@]}" > "$tmp/exo.out" || { echo "FAIL: exonet filter test-many"; exit 1; }

# tcpdump's side, one worker per capture, two at a time (diff_worker.sh).
xargs -P2 -n1 -d '\n' bash "$src/tests/bpf/diff_worker.sh" "$tmp/exprs" < "$tmp/files" > "$tmp/tcpdump.out"
end=$(date +%s)

sort -t$'\t' -k1,1n -k2,2 "$tmp/exo.out" | awk -F'\t' '{ s=$3; if (s=="bad-expr") $4=""; print $1"\t"$2"\t"s"\t"$4 }' > "$tmp/exo.sorted"
sort -t$'\t' -k1,1n -k2,2 "$tmp/tcpdump.out" | awk -F'\t' '{ s=$3; if (s=="bad-expr") $4=""; print $1"\t"$2"\t"s"\t"$4 }' > "$tmp/tcpdump.sorted"

pairs=$(wc -l < "$tmp/tcpdump.sorted")
matched=$(awk -F'\t' '$4 != "" { n += split($4, a, " ") } END { print n+0 }' "$tmp/tcpdump.sorted")
unread=$(awk -F'\t' '$1==1 && $3=="bad-file"' "$tmp/tcpdump.sorted" | wc -l)
readerr=$(awk -F'\t' '$1==1 && $3=="read-error"' "$tmp/tcpdump.sorted" | wc -l)
badexpr=$(awk -F'\t' '$3=="bad-expr"' "$tmp/tcpdump.sorted" | wc -l)
exo_notether=$(awk -F'\t' '$1==1 && $3=="bad-file"' "$tmp/exo.sorted" | wc -l)
echo "pairs: $pairs; matching frames in total: $matched; time: $((end - start)) s"
echo "captures tcpdump cannot read at all: $unread; captures with a read error after some frames: $readerr"
echo "captures exonet refused (unreadable or not Ethernet): $exo_notether"
echo "expression x capture pairs tcpdump rejected as invalid: $badexpr"
awk -F'\t' '$1==1 && $3!="ok" { print "  tcpdump " $3 ": " $2 }' "$tmp/tcpdump.sorted"

fail=0
if ! diff -q "$tmp/exo.sorted" "$tmp/tcpdump.sorted" >/dev/null; then
  fail=1
  echo "FAIL: frames or statuses differ (exonet < > tcpdump), first differences:"
  diff "$tmp/exo.sorted" "$tmp/tcpdump.sorted" | head -n 20
  ndiff=$(diff "$tmp/exo.sorted" "$tmp/tcpdump.sorted" | grep -c '^<')
  echo "differing pairs: $ndiff of $pairs"
fi
# Every expression must have compiled for exonet (all captures are Ethernet).
nbad=$(awk -F'\t' '$3=="bad-expr"' "$tmp/exo.sorted" | wc -l)
if [[ $nbad -ne 0 ]]; then
  echo "FAIL: exonet rejected $nbad expression x capture pairs:"
  awk -F'\t' '$3=="bad-expr"' "$tmp/exo.out" | cut -f1,4 | sort -u | head
  fail=1
fi
[[ $fail -eq 0 ]] && echo "PASS: $nexpr expressions x $nfile captures agree with tcpdump"
exit $fail
