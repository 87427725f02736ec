#!/usr/bin/env bash
# Transfers stay byte-identical under faults: exonet's own fault injector in front of the
# TAP (loss, duplication, reordering), and random drops on the kernel side (nftables).
source "$(dirname "$0")/lib.sh"
require_root_and_tools /usr/bin/python3 curl nft
netns_up
mkdir -p "$WORK/www"
make_file "$WORK/www/big.bin" 50

start_bg pyhttp /usr/bin/python3 -m http.server 8000 --bind "$KADDR" --directory "$WORK/www"
wait_for_port 8000
in_ns "$BIN/exonet-httpget" "http://$KADDR:8000/big.bin" -o "$WORK/got1.bin" --timeout 60 \
  --loss 1 --dup 1 --reorder 1 --fault-seed 7 $(exonet_link_args) || fail "httpget under exonet faults failed"
cmp "$WORK/got1.bin" "$WORK/www/big.bin" || fail "file differs under exonet faults"
echo "50 MB with 1% loss, 1% duplication, 1% reordering (exonet fault device): byte-identical"

# Kernel side: drop 1% of TCP frames arriving from exonet, at random (netdev ingress).
in_ns nft add table netdev exo_faults
in_ns nft add chain netdev exo_faults ingress "{ type filter hook ingress device $TAP priority 0; }"
in_ns nft add rule netdev exo_faults ingress meta l4proto tcp numgen random mod 100 lt 1 counter drop
start_bg httpd "$BIN/exonet-httpd" --port 80 "$WORK/www" $(exonet_link_args)
wait_for_line "$WORK/httpd.log" "serving"
in_ns curl -sS --fail --max-time 120 -o "$WORK/got2.bin" "http://$EADDR/big.bin" || fail "curl under nftables drops failed"
cmp "$WORK/got2.bin" "$WORK/www/big.bin" || fail "file differs under nftables drops"
dropped=$(in_ns nft list chain netdev exo_faults ingress | grep -o 'packets [0-9]*' | awk '{print $2}')
[[ ${dropped:-0} -gt 0 ]] || fail "nftables dropped nothing: the fault was not exercised"
echo "50 MB to curl with nftables dropping 1% of exonet's TCP frames ($dropped dropped): byte-identical"
