# Shared set-up for the interop tests: a network namespace holding the kernel side of a
# TAP link, with exonet on the TAP. Source it from a test script, then call netns_up.
#
#   kernel (namespace $NS): $TAP with $KADDR/24   <== TAP ==>   exonet: $EADDR
#
# Everything is named with a per-run prefix and removed on exit, also on failure.
# Tests call skip "reason" (exit 77) when they cannot run here.

set -uo pipefail

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

BIN=${EXONET_BUILD_DIR:?}/bin
RUN_ID=$(printf '%x%04x' $$ $((RANDOM % 65536)))
NS=exo${RUN_ID}
TAP=et${RUN_ID}
# A /24 from 10.200-249.x.0 picked per run keeps parallel tests from sharing addresses.
SUBNET=10.$((200 + $$ % 50)).$((RANDOM % 250)).
KADDR=${SUBNET}1
EADDR=${SUBNET}2
WORK=$(mktemp -d /tmp/exonet-interop.XXXXXX)
PIDS=()

require_root_and_tools() {
  [[ $(id -u) -eq 0 ]] || skip "needs root (network namespaces and TAP devices)"
  [[ -c /dev/net/tun ]] || skip "no /dev/net/tun"
  for t in ip "$@"; do
    command -v "$t" >/dev/null 2>&1 || skip "needs $t (scripts/deps.sh net installs it)"
  done
}

# Every step may fail harmlessly (a process already gone): the callers may run with set -e.
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
# A test stopped by a signal (ctest's timeout, Ctrl-C) still cleans up: exiting from the
# signal trap runs the EXIT trap.
trap 'exit 143' TERM
trap 'exit 130' INT

# Creates the namespace and a persistent TAP inside it, with the kernel side addressed.
netns_up() {
  ip netns add "$NS" || fail "cannot create namespace $NS"
  ip -n "$NS" link set lo up
  ip -n "$NS" tuntap add dev "$TAP" mode tap || fail "cannot create TAP $TAP"
  ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$TAP.disable_ipv6=1"
  ip -n "$NS" addr add "${KADDR}/24" dev "$TAP"
  ip -n "$NS" link set "$TAP" up
}

# in_ns CMD...: runs a command in the namespace.
in_ns() { ip netns exec "$NS" "$@"; }

# start_bg NAME CMD...: runs CMD in the namespace in the background, output to $WORK/NAME.log.
start_bg() {
  local name=$1; shift
  ip netns exec "$NS" "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  eval "${name}_PID=$!"
}

# wait_for_line FILE PATTERN [SECONDS]: waits until FILE contains PATTERN.
wait_for_line() {
  local file=$1 pattern=$2 secs=${3:-10} i
  for ((i = 0; i < secs * 20; i++)); do
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "--- $file:"; cat "$file" 2>/dev/null
  fail "timed out waiting for '$pattern' in $file"
}

# wait_for_port PORT: waits until a kernel TCP listener in the namespace has PORT.
wait_for_port() {
  local port=$1 i
  for ((i = 0; i < 200; i++)); do
    in_ns ss -ltn 2>/dev/null | grep -q ":$port " && return 0
    sleep 0.05
  done
  fail "nothing listens on port $port in $NS"
}

# stop_bg PID: SIGTERM, then wait (the programs flush captures on SIGTERM).
stop_bg() {
  kill -TERM "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

# make_file PATH MB: a file of MB megabytes of pseudo-random bytes.
make_file() {
  head -c $(($2 * 1024 * 1024)) /dev/urandom >"$1"
}

# exonet_link_args: the TAP and address options for exonet programs.
exonet_link_args() { echo "--tap $TAP --addr ${EADDR}/24"; }

# audit_capture FILE: tshark's expert analysis with checksum checks must find no
# malformed packets and no bad checksums in FILE (exonet's own capture, so every frame
# exonet sent is checked; kernel frames over TAP are fully checksummed too).
audit_capture() {
  local f=$1
  command -v tshark >/dev/null || skip "needs tshark"
  local out
  out=$(tshark -r "$f" -q -z expert -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
        -o udp.check_checksum:TRUE 2>&1)
  # The expert summary lists every finding by severity and group; malformed frames are
  # group "Malformed", bad checksums group "Checksum".
  if grep -qE "Malformed|Checksum" <<<"$out"; then
    echo "$out"
    fail "tshark found malformed packets or bad checksums in $f"
  fi
  echo "capture audit: $(capinfos -c -M "$f" 2>/dev/null | awk '/Number of packets/ {print $NF}') frames, no malformed packets, no bad checksums"
}

# start_dnsmasq NAME FIRST LAST [OPTIONS...]: a DHCP server for $SUBNET.FIRST-.LAST on $TAP
# (TESTBED.md: --no-ping, else the OFFER waits about 3 s), logging to $WORK/NAME.log.
start_dnsmasq() {
  local name=$1 first=$2 last=$3; shift 3
  command -v dnsmasq >/dev/null || skip "needs dnsmasq (scripts/deps.sh net installs dnsmasq-base)"
  start_bg "$name" dnsmasq --keep-in-foreground --conf-file=/dev/null --user=root \
    --interface="$TAP" --bind-interfaces --port=0 --no-ping --log-facility=- --log-dhcp \
    --dhcp-range="${SUBNET}${first},${SUBNET}${last},255.255.255.0,2m" \
    --dhcp-leasefile="$WORK/$name.leases" "$@"
  wait_for_line "$WORK/$name.log" "DHCP, sockets bound" 5
}

# leased_addr LOG: the address from the last "IP configuration complete/rebound/renewed" line.
leased_addr() {
  sed -n 's/^IP configuration \(complete\|renewed\|rebound\): \([0-9.]*\)\/.*/\2/p' "$1" | tail -n1
}
