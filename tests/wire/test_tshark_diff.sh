#!/usr/bin/env bash
# exonet-test: slow (the comparison does not depend on the build: gcc build only)
# Differential test: `exonet decode --json` against tshark for the IPv4 TCP, UDP and ICMP
# frames of the shared captures (at least 50 files must take part), then for the fixture
# capture of test_decode_cli (QinQ, ICMP quotes, fragments, bad checksums, snapped
# frames), then a capture of exonet's own traffic from `exonet sim`, then 5000 frames
# derived from the shared captures by random capture cuts and header byte changes (seed
# $EXONET_DECODE_SEED, default 1). The comparison rules are in tests/wire/tshark_diff.py;
# each is printed with its count, and any other difference fails.
set -uo pipefail
src=${EXONET_SOURCE_DIR:?} build=${EXONET_BUILD_DIR:?}
exonet=$build/bin/exonet
py=/usr/bin/python3
[[ -x $exonet ]] || { echo "FAIL: $exonet is not built"; exit 1; }
command -v tshark >/dev/null || { echo "SKIP: tshark is not installed (scripts/deps.sh test installs it)"; exit 77; }
[[ -x $py ]] || { echo "SKIP: $py is missing"; exit 77; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

tmp=$(mktemp -d /tmp/exonet-tshark-diff.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
status=0

echo "== the test's own capture (tests/wire/decode_fixture.py)"
mkdir "$tmp/fixture"
"$py" "$src/tests/wire/decode_fixture.py" write "$tmp/fixture/fixture.pcap" || exit 1
"$py" "$src/tests/wire/tshark_diff.py" --exonet "$exonet" --pcap-dir "$tmp/fixture" \
  --min-files 1 || status=1

echo "== a capture of exonet's own TCP traffic (exonet sim --pcap), if exonet sim is there"
mkdir "$tmp/sim"
if "$exonet" sim --help >/dev/null 2>&1; then
  if "$exonet" sim --bytes 300000 --loss 2 --seed 7 --pcap "$tmp/sim/sim.pcap" >"$tmp/sim.out" 2>&1; then
    "$py" "$src/tests/wire/tshark_diff.py" --exonet "$exonet" --pcap-dir "$tmp/sim" \
      --min-files 1 --allow-absent-kinds || status=1
  else
    # exonet sim's own tests own its failures; here it only supplies frames
    echo "SKIP (part): exonet sim did not produce a capture: $(tail -n 2 "$tmp/sim.out")"
  fi
else
  echo "SKIP (part): no exonet sim command in this build"
fi

echo "== the shared captures"
if [[ -d ${EXONET_PCAP_DIR:-/nonexistent} ]]; then
  "$py" "$src/tests/wire/tshark_diff.py" --exonet "$exonet" --pcap-dir "$EXONET_PCAP_DIR" \
    --min-files 50 || status=1
  seed=${EXONET_DECODE_SEED:-1}
  echo "== 5000 frames derived from those by random capture cuts and header changes (seed $seed)"
  mkdir "$tmp/mutants"
  "$py" "$src/tests/wire/pcaps_decode_check.py" --exonet "$exonet" --pcap-dir "$EXONET_PCAP_DIR" \
    --extra "$tmp/fixture/fixture.pcap" --mutants 5000 --seed "$seed" \
    --write-mutants "$tmp/mutants/mutants.pcap" || exit 1
  "$py" "$src/tests/wire/tshark_diff.py" --exonet "$exonet" --pcap-dir "$tmp/mutants" \
    --min-files 1 --allow-absent-kinds || status=1
else
  echo "SKIP (part): no shared captures at ${EXONET_PCAP_DIR:-(unset)}; only the fixture was compared"
  [[ $status -eq 0 ]] && exit 77
fi
exit $status
