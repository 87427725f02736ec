#!/usr/bin/env bash
# The interpreter's portable switch dispatch (used by compilers without label addresses)
# is not what gcc/clang builds use, so it gets its own check: the BPF fuzz target, built
# with -DEXO_BPF_SWITCH_DISPATCH, runs for 20 s against libpcap's bpf_filter.
set -uo pipefail
src=${EXONET_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }
tmp=$(mktemp -d /tmp/exonet-bpfswitch.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if ! clang -std=c11 -D_GNU_SOURCE -DEXO_BPF_SWITCH_DISPATCH -O1 -g -fsanitize=fuzzer,address,undefined \
     -I"$src/include" -I"$src/src" "$src"/src/bpf/verifier.c "$src"/src/bpf/interpreter.c \
     "$src"/src/bpf/classify.c "$src"/src/bpf/demux.c "$src/fuzz/fuzz_bpf.c" -lpcap \
     -o "$tmp/fuzz" 2> "$tmp/build.err"; then
  if grep -q -i -e "fuzzer" -e "cannot find" "$tmp/build.err"; then
    echo "SKIP: clang cannot build libFuzzer targets here"; exit 77
  fi
  cat "$tmp/build.err"; echo "FAIL: build"; exit 1
fi
mkdir -p "$tmp/corpus"
cp "$src"/fuzz/seeds/bpf/* "$tmp/corpus"/ 2>/dev/null
"$tmp/fuzz" -max_total_time=20 -timeout=10 -artifact_prefix="$tmp/" "$tmp/corpus" > "$tmp/log" 2>&1
rc=$?
tail -n 3 "$tmp/log"
[[ $rc -eq 0 ]] && echo "PASS: switch dispatch agrees with libpcap" || { grep -A5 -E "ERROR|abort" "$tmp/log" | head -20; echo "FAIL"; }
exit $rc
