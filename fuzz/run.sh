#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time:  run.sh NAME BINARY SECONDS
# The corpus lives in the build folder and is seeded once with every frame of the shared
# captures (when ../shared is there) plus the target's own seeds in fuzz/seeds/NAME/.
set -euo pipefail
name=$1 bin=$2 seconds=$3
build=${EXONET_BUILD_DIR:?}
corpus=$build/fuzz-corpus/$name
mkdir -p "$corpus"
if [[ -z $(ls -A "$corpus") ]]; then
  if [[ -d ${EXONET_PCAP_DIR:-/nonexistent} ]]; then
    for f in "$EXONET_PCAP_DIR"/*.pcap; do
      "$build/bin/exonet-fuzz-seeds" "$f" "$corpus" || true
    done
  else
    echo "note: no shared captures; seeding $name from fuzz/seeds only"
  fi
  src_seeds=$(dirname "$0")/seeds/$name
  [[ -d $src_seeds ]] && cp "$src_seeds"/* "$corpus"/ 2>/dev/null || true
fi
echo "fuzzing $name for ${seconds}s from $(ls "$corpus" | wc -l) corpus files"
# Crashes are written to the build folder, never into the source tree.
mkdir -p "$build/fuzz-artifacts"
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$build/fuzz-artifacts/$name-" "$corpus" 2>&1 | tail -n 25
