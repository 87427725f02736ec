#!/usr/bin/env bash
# Bulk TCP throughput: exonet on a TAP device against the kernel, next to kernel-to-kernel
# over a veth pair with offloads off, measured in the same run.
#
#   bench/tap_throughput.sh [MB] [RUNS]        (default 200 MB, 3 runs; needs root)
#
# Placement (fixed, 2-core machine): the exonet program on CPU 1, the kernel-side program
# on CPU 0; for the baseline, server on CPU 1 and client on CPU 0. Prints one JSON line per
# case with the median Mbit/s over RUNS runs.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
MB=${1:-200}
RUNS=${2:-3}
export EXONET_BUILD_DIR=${EXONET_BUILD_DIR:-$here/build}
source "$here/tests/interop/lib.sh"
require_root_and_tools curl taskset ethtool
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || skip "needs nginx"
netns_up
mkdir -p "$WORK/www" "$WORK/nginx"
make_file "$WORK/www/big.bin" "$MB"

nginx_conf() { # ADDR PORT
  cat >"$WORK/nginx-$2.conf" <<CONF
daemon off;
user root;
worker_processes 1;
pid $WORK/nginx/nginx-$2.pid;
error_log $WORK/nginx/error-$2.log;
events { worker_connections 64; }
http { access_log off; sendfile on;
  client_body_temp_path $WORK/nginx/body-$2; proxy_temp_path $WORK/nginx/proxy-$2;
  fastcgi_temp_path $WORK/nginx/fcgi-$2; uwsgi_temp_path $WORK/nginx/uwsgi-$2;
  scgi_temp_path $WORK/nginx/scgi-$2;
  server { listen $1:$2; root $WORK/www; } }
CONF
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mbps_of_curl() { awk '{printf "%.1f\n", $1 * 8 / 1e6}'; }

# 1. exonet sends: exonet-httpd on the TAP, kernel curl downloads.
start_bg httpd taskset -c 1 "$BIN/exonet-httpd" --port 80 "$WORK/www" $(exonet_link_args)
wait_for_line "$WORK/httpd.log" serving
send=$(for i in $(seq "$RUNS"); do
  in_ns taskset -c 0 curl -sS -o /dev/null -w '%{speed_download}\n' "http://$EADDR/big.bin" | mbps_of_curl
done | median)
stop_bg "$httpd_PID"

# 2. exonet receives: kernel nginx serves, exonet-httpget downloads.
nginx_conf "$KADDR" 8080
start_bg nginx taskset -c 0 "$NGINX" -c "$WORK/nginx-8080.conf"
wait_for_port 8080
recv=$(for i in $(seq "$RUNS"); do
  in_ns taskset -c 1 "$BIN/exonet-httpget" "http://$KADDR:8080/big.bin" -o /dev/null $(exonet_link_args) 2>&1 |
    sed -n 's/.*(\([0-9.]*\) Mbit\/s).*/\1/p'
done | median)

# 3. Baseline: kernel to kernel over veth, offloads off on both ends, nginx -> curl.
NS2=${NS}b
ip netns add "$NS2"
trap 'ip netns del "$NS2" 2>/dev/null; cleanup' EXIT
ip link add "v${RUN_ID}a" netns "$NS" type veth peer name "v${RUN_ID}b" netns "$NS2"
in_ns ip addr add 10.254.0.1/24 dev "v${RUN_ID}a"
in_ns ip link set "v${RUN_ID}a" up
ip -n "$NS2" addr add 10.254.0.2/24 dev "v${RUN_ID}b"
ip -n "$NS2" link set "v${RUN_ID}b" up
in_ns ethtool -K "v${RUN_ID}a" tx off >/dev/null 2>&1 || true
ip netns exec "$NS2" ethtool -K "v${RUN_ID}b" tx off >/dev/null 2>&1 || true
nginx_conf 10.254.0.1 8081
start_bg nginx2 taskset -c 1 "$NGINX" -c "$WORK/nginx-8081.conf"
wait_for_port 8081
base=$(for i in $(seq "$RUNS"); do
  ip netns exec "$NS2" taskset -c 0 curl -sS -o /dev/null -w '%{speed_download}\n' "http://10.254.0.1:8081/big.bin" | mbps_of_curl
done | median)

# 4. Reference: iperf3 kernel to kernel over the same veth (memory to memory, no files).
if command -v iperf3 >/dev/null; then
  start_bg iperf taskset -c 1 iperf3 -s -B 10.254.0.1 -p 5201
  sleep 0.5
  iperf=$(ip netns exec "$NS2" taskset -c 0 iperf3 -c 10.254.0.1 -p 5201 -t 5 -J |
    /usr/bin/python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6,1))')
else
  iperf=null
fi

echo "{\"case\": \"exonet-httpd (TAP) -> kernel curl\", \"mbytes\": $MB, \"runs\": $RUNS, \"median_mbps\": $send}"
echo "{\"case\": \"kernel nginx -> exonet-httpget (TAP)\", \"mbytes\": $MB, \"runs\": $RUNS, \"median_mbps\": $recv}"
echo "{\"case\": \"baseline: kernel nginx -> kernel curl over veth, tx offloads off\", \"mbytes\": $MB, \"runs\": $RUNS, \"median_mbps\": $base}"
echo "{\"case\": \"reference: iperf3 kernel -> kernel over veth, tx offloads off, 5 s\", \"median_mbps\": $iperf}"
