#!/usr/bin/env bash
# The main job, set-up included: builds exonet, then runs its example server and client
# over exonet's own user-space TCP/IP stack on a TAP link, against the Linux kernel in a
# private network namespace:
#   1. the kernel pings exonet;
#   2. the kernel's curl downloads a 20 MB file from exonet-httpd (checked byte for byte);
#   3. exonet-httpget downloads the same file from the kernel's python3 http.server;
#   4. exonet's capture of that transfer is decoded with `exonet decode`;
#   5. a transfer between two exonet stacks over the seeded lossy simulator (exonet sim).
# Steps 1-4 need root (namespaces, TAP); without root only step 5 runs, and it says so.
set -euo pipefail
cd "$(dirname "$0")/.."
groups=(build)
[[ $(id -u) -eq 0 ]] && groups+=(net)
scripts/deps.sh "${groups[@]}"
make --no-print-directory >/dev/null
export EXONET_BUILD_DIR=$PWD/build
exonet=build/bin/exonet

if [[ $(id -u) -eq 0 ]]; then
  source tests/interop/lib.sh
  netns_up
  echo "== kernel side: $TAP in namespace $NS with $KADDR/24; exonet: $EADDR on the same TAP"
  mkdir -p "$WORK/www"
  head -c $((20 * 1024 * 1024)) /dev/urandom >"$WORK/www/file.bin"

  start_bg httpd "$BIN/exonet-httpd" --port 80 "$WORK/www" $(exonet_link_args)
  wait_for_line "$WORK/httpd.log" serving
  cat "$WORK/httpd.log"
  echo
  echo "== 1. kernel ping -> exonet"
  in_ns ping -c 3 -i 0.2 "$EADDR" | tail -2
  echo
  echo "== 2. kernel curl <- exonet-httpd (20 MB)"
  in_ns curl -sS -o "$WORK/got1.bin" -w 'curl: HTTP %{http_code}, %{size_download} bytes at %{speed_download} B/s\n' \
    "http://$EADDR/file.bin"
  cmp "$WORK/got1.bin" "$WORK/www/file.bin" && echo "byte-identical"
  stop_bg "$httpd_PID"
  echo
  echo "== 3. exonet-httpget <- kernel python3 http.server (20 MB), captured"
  start_bg pyhttp /usr/bin/python3 -m http.server 8000 --bind "$KADDR" --directory "$WORK/www"
  wait_for_port 8000
  in_ns "$BIN/exonet-httpget" "http://$KADDR:8000/file.bin" -o "$WORK/got2.bin" \
    --pcap "$WORK/demo.pcap" $(exonet_link_args)
  cmp "$WORK/got2.bin" "$WORK/www/file.bin" && echo "byte-identical"
  echo
  echo "== 4. exonet decode of the capture (first frames)"
  ($exonet decode "$WORK/demo.pcap" || true) | head -n 8
  echo "... $($exonet decode --json "$WORK/demo.pcap" | wc -l) frames"
else
  echo "(not root: skipping the TAP demo, which needs a network namespace; run as root for it)"
fi

echo
echo "== 5. exonet sim: two exonet stacks, 20 MB over a simulated 100 Mbit/s link with 1% loss"
$exonet sim --bytes 20000000 --loss 1 --delay-ms 5 --rate-mbps 100 --seed 1
