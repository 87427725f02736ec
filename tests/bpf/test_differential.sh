#!/usr/bin/env bash
# exonet-test: slow (the comparison does not depend on the build: gcc build only)
# Differential test: every expression of tests/bpf/diff_exprs.txt x every frame of every
# capture in $EXONET_PCAP_DIR. The frames `exonet filter` reports (libpcap's compiler,
# exonet's verifier and interpreter) must be exactly the frames tcpdump selects.
#
# How tcpdump's frames are obtained: `tcpdump -# -n -r FILE EXPR` numbers only the frames it
# prints (1, 2, 3...), so its text cannot say WHICH frames of the file matched. Instead
# tcpdump writes the frames it selects (`-w`), reading many captures in one run per
# expression (`-V LIST`, captures grouped by snapshot length), and pcap_frames.py maps each written record back to its capture
# and frame number (exact: records are compared whole, and identical records get
# identical results). exonet runs once over everything (`exonet filter test-many`).
# Captures tcpdump cannot read, or that are not Ethernet, and expressions tcpdump or
# exonet reject are counted and printed, never silently dropped.
#   env: EXONET_BUILD_DIR, EXONET_SOURCE_DIR, EXONET_PCAP_DIR; DIFF_EXPR_LIMIT=N to use
#   only the first N expressions, DIFF_FILE_LIMIT=N for the first N captures.
set -uo pipefail
src=${EXONET_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
exo=${EXONET_BUILD_DIR:-build}/bin/exonet
pcaps=${EXONET_PCAP_DIR:-}
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
[[ -d $pcaps ]] || { echo "SKIP: no capture folder (EXONET_PCAP_DIR='$pcaps')"; exit 77; }
[[ -x $exo ]] || { echo "FAIL: $exo not built"; exit 1; }

tmp=$(mktemp -d /tmp/exonet-bpfdiff.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
grep -v -e '^#' -e '^$' "$src/tests/bpf/diff_exprs.txt" | head -n "${DIFF_EXPR_LIMIT:-100000}" \
  > "$tmp/exprs"
ls "$pcaps"/*.pcap | head -n "${DIFF_FILE_LIMIT:-100000}" > "$tmp/all_files"
nexpr=$(wc -l < "$tmp/exprs")
start=$(date +%s)

# Captures tcpdump reads whole, as Ethernet; the others are listed and left out.
: > "$tmp/files"
: > "$tmp/excluded"
while IFS= read -r f; do
  if out=$(tcpdump --count -r "$f" 2>&1 >/dev/null) && [[ $out == *"EN10MB"* ]]; then
    echo "$f" >> "$tmp/files"
  else
    echo "$f: ${out##*$'\n'}" >> "$tmp/excluded"
  fi
done < "$tmp/all_files"
nfile=$(wc -l < "$tmp/files")
nexcl=$(wc -l < "$tmp/excluded")
echo "differential: $nexpr expressions x $nfile captures ($nexcl captures excluded: tcpdump cannot read them or they are not Ethernet)"
[[ $nexcl -eq 0 ]] || sed 's/^/  excluded: /' "$tmp/excluded"
[[ $nfile -gt 0 ]] || { echo "FAIL: no usable capture"; exit 1; }

mapfile -t files < "$tmp/files"
"$exo" filter test-many "$tmp/exprs" "${files[@]}" > "$tmp/exo.out" ||
  { echo "FAIL: exonet filter test-many"; exit 1; }

# tcpdump: one run per expression and group of captures with equal snapshot lengths
# (see pcap_frames.py --groups), two at a time.
mkdir -p "$tmp/td" "$tmp/groups"
ngroups=$(python3 "$src/tests/bpf/pcap_frames.py" --groups "$tmp/files" "$tmp/groups") ||
  { echo "FAIL: pcap_frames.py --groups"; exit 1; }
for ((i = 1; i <= nexpr; i++)); do
  for ((g = 1; g <= ngroups; g++)); do echo "$i $g"; done
done | xargs -P2 -L1 bash -c '
  tmp=$1 i=$2 g=$3
  expr=$(sed -n "${i}p" "$tmp/exprs")
  tcpdump -n -V "$tmp/groups/$g.list" -w "$tmp/td/$i.$g.pcap" "$expr" 2>"$tmp/td/$i.$g.err"
  echo $? > "$tmp/td/$i.$g.rc"' _ "$tmp"
: > "$tmp/tcpdump.frames"
for ((g = 1; g <= ngroups; g++)); do
  outs=()
  for ((i = 1; i <= nexpr; i++)); do
    [[ -f $tmp/td/$i.$g.pcap ]] || : > "$tmp/td/$i.$g.pcap"
    outs+=("$tmp/td/$i.$g.pcap")
  done
  python3 "$src/tests/bpf/pcap_frames.py" --inputs "$tmp/groups/$g.list" "${outs[@]}" \
    >> "$tmp/tcpdump.frames" || { echo "FAIL: pcap_frames.py (group $g)"; exit 1; }
done
# -> "IDX<TAB>FILE<TAB>STATUS<TAB>FRAMES" for every expression x capture, as test-many.
: > "$tmp/tcpdump.out"
badexpr=0
for ((i = 1; i <= nexpr; i++)); do
  bad=0
  for ((g = 1; g <= ngroups; g++)); do
    if [[ $(cat "$tmp/td/$i.$g.rc") -ne 0 ]]; then
      bad=1
      echo "  tcpdump failed on expression $i ($(sed -n "${i}p" "$tmp/exprs")), group $g: $(tail -1 "$tmp/td/$i.$g.err")"
      while IFS= read -r f; do printf '%d\t%s\tbad-expr\t\n' "$i" "$f"; done < "$tmp/groups/$g.list" >> "$tmp/tcpdump.out"
    else
      awk -F'\t' -v i="$i" -v list="$tmp/groups/$g.list" '
        BEGIN { while ((getline f < list) > 0) want[f] = 1 }
        $1 == i && ($2 in want) { print $1 "\t" $2 "\tok\t" $3 }' "$tmp/tcpdump.frames" >> "$tmp/tcpdump.out"
    fi
  done
  badexpr=$((badexpr + bad))
done
end=$(date +%s)

norm() { sort -t$'\t' -k1,1n -k2,2 "$1" | awk -F'\t' '{ f = ($3 == "bad-expr") ? "" : $4; print $1 "\t" $2 "\t" $3 "\t" f }'; }
norm "$tmp/exo.out" > "$tmp/exo.sorted"
norm "$tmp/tcpdump.out" > "$tmp/tcpdump.sorted"
pairs=$(wc -l < "$tmp/exo.sorted")
frames=$(python3 "$src/tests/bpf/pcap_frames.py" --count "$tmp/files")
matched=$(awk -F'\t' '$4 != "" { n += split($4, a, " ") } END { print n+0 }' "$tmp/tcpdump.sorted")
exobad=$(awk -F'\t' '$3 != "ok"' "$tmp/exo.sorted" | wc -l)
echo "frames: $frames in $nfile captures; expression x capture pairs: $pairs;" \
     "frame x expression matches: $matched; time: $((end - start)) s"
echo "expressions tcpdump rejected: $badexpr; expression x capture pairs exonet did not run ok: $exobad"

fail=0
if ! cmp -s "$tmp/exo.sorted" "$tmp/tcpdump.sorted"; then
  fail=1
  echo "FAIL: frames or statuses differ (< exonet, > tcpdump), first differences:"
  diff "$tmp/exo.sorted" "$tmp/tcpdump.sorted" | head -n 20
  echo "differing pairs: $(diff "$tmp/exo.sorted" "$tmp/tcpdump.sorted" | grep -c '^<') of $pairs"
fi
if [[ $badexpr -ne 0 || $exobad -ne 0 ]]; then
  echo "FAIL: every expression must be valid for both (all captures are Ethernet)"
  fail=1
fi
[[ $(wc -l < "$tmp/exo.sorted") -eq $((nexpr * nfile)) ]] || { echo "FAIL: missing exonet results"; fail=1; }
[[ $fail -eq 0 ]] && echo "PASS: $nexpr expressions x $frames frames of $nfile captures: exonet selects exactly the frames tcpdump selects"
exit $fail
