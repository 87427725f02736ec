#!/usr/bin/env bash
# The core (src/wire, src/stack, and the BPF verifier/interpreter files that include no
# system header) must build freestanding, as for UEFI: -ffreestanding -nostdinc with only
# the compiler's own headers, linked together with `ld -r`, needing nothing from outside
# but memcpy/memset/memmove/memcmp. Checked with gcc and, when present, clang.
set -uo pipefail
src=${EXONET_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v ld >/dev/null && command -v nm >/dev/null || { echo "SKIP: ld/nm not installed"; exit 77; }

files=()
for f in "$src"/src/wire/*.c "$src"/src/stack/*.c; do [[ -e $f ]] && files+=("$f"); done
for f in "$src"/src/bpf/*.c; do
  [[ -e $f ]] || continue
  [[ $(basename "$f") == expr.c ]] && continue
  grep -q '^#include <' "$f" && continue
  files+=("$f")
done
(( ${#files[@]} > 0 )) || { echo "FAIL: no core sources found under $src/src"; exit 1; }

status=0
# Only <stddef.h>, <stdint.h> and <stdbool.h> may be included by the core.
bad=$(grep -Hn '^#include <' "${files[@]}" | grep -vE '<(stddef|stdint|stdbool)\.h>' || true)
if [[ -n $bad ]]; then
  echo "FAIL: the core includes system headers:"
  echo "$bad"
  status=1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
compilers=(gcc)
command -v clang >/dev/null && compilers+=(clang)
for cc in "${compilers[@]}"; do
  inc=$($cc -print-file-name=include)
  mkdir -p "$tmp/$cc"
  objs=()
  for f in "${files[@]}"; do
    o="$tmp/$cc/$(echo "${f#$src/}" | tr / _).o"
    if ! $cc -std=c11 -O2 -ffreestanding -nostdinc -isystem "$inc" -fno-stack-protector \
        -Wall -Wextra -Wno-unused-parameter -I"$src/include" -I"$src/src" -c "$f" -o "$o" 2>"$tmp/err"; then
      echo "FAIL ($cc): $f does not build freestanding:"
      head -n 20 "$tmp/err"
      status=1
      continue
    fi
    objs+=("$o")
  done
  (( ${#objs[@]} > 0 )) || continue
  if ! ld -r -o "$tmp/$cc/core.o" "${objs[@]}" 2>"$tmp/err"; then
    echo "FAIL ($cc): ld -r failed:"; cat "$tmp/err"; status=1; continue
  fi
  undef=$(nm -u "$tmp/$cc/core.o" | awk '{print $NF}' | sort -u)
  offenders=$(echo "$undef" | grep -vxE 'memcpy|memset|memmove|memcmp|' || true)
  if [[ -n $offenders ]]; then
    echo "FAIL ($cc): the freestanding core needs symbols it may not use:"
    echo "$offenders" | sed 's/^/  /'
    status=1
  else
    echo "ok ($cc): ${#objs[@]} files, undefined symbols: $(echo $undef)"
  fi
done
exit $status
