#!/usr/bin/env bash
# The BPF verifier, interpreter, path classifier and demux build freestanding (no libc
# headers at all: -nostdinc with only the compiler's own stddef/stdint/stdbool), and need
# nothing from outside but memcpy/memset/memcmp/memmove (platform.h's contract); the
# interpreter in both of its dispatch forms.
set -uo pipefail
src=${EXONET_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cc=${CC:-cc}
command -v "$cc" >/dev/null || { echo "SKIP: no C compiler '$cc'"; exit 77; }
tmp=$(mktemp -d /tmp/exonet-bpffree.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
inc=$("$cc" -print-file-name=include)
fail=0
for f in verifier interpreter classify demux; do for d in "" -DEXO_BPF_SWITCH_DISPATCH; do
  if "$cc" -std=c11 -ffreestanding -fno-builtin -nostdinc -isystem "$inc" -Wall -Wextra -Werror \
      $d -I"$src/include" -I"$src/src" -c "$src/src/bpf/$f.c" -o "$tmp/$f.o"; then
    echo "ok   $f.c builds freestanding $d"
  else
    echo "FAIL $f.c does not build freestanding $d"; fail=1
  fi
done; done
extra=$(nm -u "$tmp"/*.o 2>/dev/null | awk 'NF==2 {print $2}' | sort -u |
        grep -v -E '^(memcpy|memset|memcmp|memmove|exo_bpf_run|exo_bpf_verify|exo__bpf_(paths|shape_words|path_eval))$')
if [[ -n $extra ]]; then echo "FAIL undefined symbols: $extra"; fail=1; else echo "ok   no libc symbols"; fi
exit $fail
