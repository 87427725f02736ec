#!/usr/bin/env bash
# ThreadSanitizer run of the demux's concurrency test (one thread adds and removes
# filters while another matches frames): builds src/bpf + tests/bpf/test_demux.c with
# clang -fsanitize=thread on the side, so it runs whatever the main build's sanitizers.
set -uo pipefail
src=${EXONET_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v clang >/dev/null || { echo "SKIP: clang is not installed"; exit 77; }
tmp=$(mktemp -d /tmp/exonet-bpftsan.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if ! clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=thread -I"$src/include" -I"$src/src" \
     -I"$src/tests" "$src"/src/bpf/*.c "$src/tests/harness.c" "$src/tests/bpf/test_demux.c" \
     -lpcap -lpthread -lm -o "$tmp/test_demux" 2> "$tmp/build.err"; then
  if grep -q -i -e "tsan" -e "cannot find" "$tmp/build.err"; then
    echo "SKIP: clang cannot build with -fsanitize=thread here"; exit 77
  fi
  cat "$tmp/build.err"; echo "FAIL: build"; exit 1
fi
TSAN_OPTIONS="halt_on_error=1 exitcode=66" "$tmp/test_demux" add_remove_while_matching 2>&1
rc=$?
[[ $rc -eq 0 ]] && echo "PASS: no data race reported" || echo "FAIL: exit $rc"
exit $rc
