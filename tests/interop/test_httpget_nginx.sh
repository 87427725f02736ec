#!/usr/bin/env bash
# exonet-httpget fetches a 50 MB file from nginx running on the kernel side; the copy must
# be byte-identical.
source "$(dirname "$0")/lib.sh"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[[ -x $NGINX ]] || skip "needs nginx (scripts/deps.sh net installs nginx-light)"
require_root_and_tools
netns_up
mkdir -p "$WORK/www" "$WORK/nginx"
make_file "$WORK/www/big.bin" 50
cat >"$WORK/nginx.conf" <<CONF
daemon off;
user root;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server { listen $KADDR:8080; root $WORK/www; }
}
CONF
start_bg nginx "$NGINX" -c "$WORK/nginx.conf"
wait_for_port 8080
in_ns "$BIN/exonet-httpget" "http://$KADDR:8080/big.bin" -o "$WORK/got.bin" --timeout 30 \
  $(exonet_link_args) || fail "exonet-httpget failed"
cmp "$WORK/got.bin" "$WORK/www/big.bin" || fail "downloaded file differs"
echo "50 MB from nginx: byte-identical"
