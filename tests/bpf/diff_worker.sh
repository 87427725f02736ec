#!/usr/bin/env bash
# Worker of test_differential.sh for one capture:  diff_worker.sh EXPRS FILE
# Runs `tcpdump -n -r FILE -w OUT EXPR` for every expression, maps the frames tcpdump
# wrote back to their numbers in FILE (pcap_frames.py), and prints the same
# "IDX<TAB>FILE<TAB>STATUS<TAB>FRAMES" lines as `exonet filter test-many`.
# (tcpdump -# numbers only the frames it prints, 1, 2, 3..., so its text output cannot
# say which frames of the file matched; the frames it writes can.)
exprs=$1 file=$2
here=$(dirname "$0")
w=$(mktemp -d "${TMPDIR:-/tmp}/exonet-bpfdiff-w.XXXXXX")
trap 'rm -rf "$w"' EXIT
idx=0
outs=()
while IFS= read -r expr; do
  idx=$((idx + 1))
  tcpdump -n -r "$file" -w "$w/$idx.pcap" "$expr" 2>"$w/$idx.err"
  echo $? > "$w/$idx.rc"
  [[ -f $w/$idx.pcap ]] || : > "$w/$idx.pcap"
  outs+=("$w/$idx.pcap")
done < "$exprs"
python3 "$here/pcap_frames.py" "$file" "${outs[@]}" > "$w/frames" 2>"$w/frames.err" ||
  { echo "pcap_frames.py failed on $file: $(cat "$w/frames.err")" >&2; }
for ((i = 1; i <= idx; i++)); do
  rc=$(cat "$w/$i.rc")
  err=$(cat "$w/$i.err")
  frames=$(sed -n "${i}p" "$w/frames")
  if [[ $rc -eq 0 ]]; then status=ok
  elif [[ $err == *"pcap_loop"* || $err == *"truncated"* ]]; then status=read-error
  elif [[ $err == *"can't parse filter"* || $err == *"syntax error"* || $err == *"not supported"* ]]; then status=bad-expr
  else status=bad-file
  fi
  printf '%d\t%s\t%s\t%s\n' "$i" "$file" "$status" "$frames"
done
