#!/usr/bin/env bash
# Makes sure the Debian packages a task needs are installed.
#   scripts/deps.sh GROUP...     groups: build test net uefi
# As root, missing packages are installed with apt-get; otherwise the exact command to
# run is printed and the script fails.
set -euo pipefail

declare -A groups=(
  [build]="gcc make cmake pkg-config libpcap-dev"
  [test]="clang libclang-rt-14-dev llvm tshark tcpdump python3 iproute2"
  [net]="iproute2 ethtool nftables python3 curl socat iperf3 nginx-light dnsmasq-base iputils-ping tshark python3-scapy"
  [uefi]="gnu-efi ovmf qemu-system-x86 mtools"
)

wanted=()
for g in "$@"; do
  [[ -n "${groups[$g]+x}" ]] || { echo "deps.sh: unknown group '$g' (build test net uefi)" >&2; exit 2; }
  for p in ${groups[$g]}; do wanted+=("$p"); done
done

missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    [[ " ${missing[*]-} " == *" $p "* ]] || missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "exonet needs these Debian packages: ${missing[*]}" >&2
  echo "run as root:  apt-get update && DEBIAN_FRONTEND=noninteractive $cmd" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer it up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
