#!/usr/bin/env bash
# exonet-httpget (exonet on a TAP) fetches a 50 MB file from the kernel's
# `python3 -m http.server`; the copy must be byte-identical, and exonet's capture of the
# exchange must pass tshark's expert audit (no malformed packets, no bad checksums).
source "$(dirname "$0")/lib.sh"
require_root_and_tools /usr/bin/python3 tshark
netns_up
mkdir -p "$WORK/www"
make_file "$WORK/www/big.bin" 50
start_bg pyhttp /usr/bin/python3 -m http.server 8000 --bind "$KADDR" --directory "$WORK/www"
wait_for_port 8000
in_ns "$BIN/exonet-httpget" "http://$KADDR:8000/big.bin" -o "$WORK/got.bin" --timeout 30 \
  --pcap "$WORK/capture.pcap" $(exonet_link_args) || fail "exonet-httpget failed"
cmp "$WORK/got.bin" "$WORK/www/big.bin" || fail "downloaded file differs"
echo "50 MB from python3 http.server: byte-identical"
audit_capture "$WORK/capture.pcap"
