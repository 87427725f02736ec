#!/usr/bin/env bash
# Robustness: `exonet decode` (plain and --json) over every frame of every capture in
# $EXONET_PCAP_DIR, with the exonet of this build (ASan+UBSan in the sanitizer build).
# Then the same for 20000 frames derived from them by random capture cuts and header byte
# changes (seed: $EXONET_DECODE_SEED, default 1). Fails on a crash, a sanitizer report, a
# non-zero exit for a readable file, or output that is not one well-formed line per frame
# (tests/wire/pcaps_decode_check.py).
set -uo pipefail
src=${EXONET_SOURCE_DIR:?} build=${EXONET_BUILD_DIR:?}
exonet=$build/bin/exonet
py=/usr/bin/python3
[[ -x $exonet ]] || { echo "FAIL: $exonet is not built"; exit 1; }
if [[ ! -d ${EXONET_PCAP_DIR:-/nonexistent} ]]; then
  echo "SKIP: no shared captures at ${EXONET_PCAP_DIR:-(EXONET_PCAP_DIR unset)}; the corpus robustness run needs ../shared/data/pcaps"
  exit 77
fi
[[ -x $py ]] || { echo "SKIP: $py is missing"; exit 77; }
# Sanitizer reports must end the process with an error, never scroll by.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
tmp=$(mktemp -d /tmp/exonet-pcaps-decode.XXXXXX)
"$py" "$src/tests/wire/decode_fixture.py" write "$tmp/fixture.pcap" || exit 1
# Mutant captures are kept (and named) when the run fails, to reproduce it.
"$py" "$src/tests/wire/pcaps_decode_check.py" --exonet "$exonet" --pcap-dir "$EXONET_PCAP_DIR" \
  --extra "$tmp/fixture.pcap" --seed "${EXONET_DECODE_SEED:-1}" --workdir "$tmp"
status=$?
[[ $status -eq 0 ]] && rm -rf "$tmp" || echo "captures of this run kept in $tmp"
exit $status
