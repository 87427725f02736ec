#!/usr/bin/env bash
# The main job, set-up included: builds exonet, runs a TCP transfer between two exonet
# stacks over the seeded simulated link (1 % loss, 5 ms one-way delay, 100 Mbit/s),
# captures what crossed the link, and decodes the capture with `exonet decode`.
#   scripts/demo.sh [--bytes N] [--loss PCT] [--seed N]   (passed to `exonet sim`)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
make --no-print-directory >/dev/null

out=build/demo
mkdir -p "$out"
exonet=build/bin/exonet

echo "== exonet sim: two user-space stacks, one TCP transfer over a lossy simulated link"
$exonet sim --bytes 20000000 --loss 1 --delay-ms 5 --rate-mbps 100 --seed 1 \
  --pcap "$out/sim.pcap" "$@" | tee "$out/sim.json"
grep -q '"integrity_ok": *true' "$out/sim.json" || { echo "demo: integrity check failed" >&2; exit 1; }

echo
echo "== exonet decode: the first frames of the capture ($out/sim.pcap)"
$exonet decode "$out/sim.pcap" | head -n 12
echo "..."
frames=$($exonet decode --json "$out/sim.pcap" | wc -l)
bad=$($exonet decode --json "$out/sim.pcap" | grep -vc '"malformed":null' || true)
echo "$frames frames decoded, $bad malformed (a corrupting link would show some; this one only drops)"
