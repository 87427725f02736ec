/* libFuzzer target: the input is a DHCP message (the UDP payload). Parse, walk the
 * options area with exo_dhcp_options_foreach (every reported option must lie inside
 * the input), then emit -> parse and compare every repr field; abort on mismatch. */
#include <stdlib.h>
#include <string.h>

#include "exonet/wire.h"

#define CHECK(c)      \
  do {                \
    if (!(c)) abort(); \
  } while (0)

static uint8_t out[4096];

struct walk {
  const uint8_t *lo, *hi;
  unsigned count;
};

static void on_option(void *ctx, uint8_t code, const uint8_t *val, uint8_t len) {
  struct walk *w = ctx;
  CHECK(code != EXO_DHCP_OPT_PAD && code != EXO_DHCP_OPT_END);
  CHECK(val >= w->lo && val + len <= w->hi);
  w->count++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size >= EXO_DHCP_MIN_LEN) {
    struct walk w = {data + EXO_DHCP_MIN_LEN, data + size, 0};
    int err = exo_dhcp_options_foreach(data + EXO_DHCP_MIN_LEN, size - EXO_DHCP_MIN_LEN,
                                       on_option, &w);
    CHECK(err == 0 || err == EXO_WIRE_EBADOPT);
  }
  /* The walker alone, over the whole input as an options area. */
  struct walk all = {data, data + size, 0};
  int werr = exo_dhcp_options_foreach(data, size, on_option, &all);
  CHECK(werr == 0 || werr == EXO_WIRE_EBADOPT);

  struct exo_dhcp_repr a, b;
  int err = exo_dhcp_parse(data, size, &a);
  CHECK(err <= 0 && err >= EXO_WIRE_EFRAGMENT);
  if (err) return 0;
  size_t want = exo_dhcp_emit_len(&a);
  CHECK(want >= 300 && want <= sizeof out);
  int m = exo_dhcp_emit(&a, out, sizeof out);
  CHECK(m == (int)want);
  CHECK(out[m - 1] == EXO_DHCP_OPT_END || out[m - 1] == EXO_DHCP_OPT_PAD);
  CHECK(exo_dhcp_parse(out, (size_t)m, &b) == 0);
  CHECK(a.op == b.op && a.hops == b.hops && a.xid == b.xid && a.secs == b.secs);
  CHECK(a.broadcast == b.broadcast && a.ciaddr == b.ciaddr && a.yiaddr == b.yiaddr);
  CHECK(a.siaddr == b.siaddr && a.giaddr == b.giaddr && exo_mac_eq(a.chaddr, b.chaddr));
  CHECK(a.message_type == b.message_type && a.present == b.present);
  CHECK(a.subnet_mask == b.subnet_mask && a.broadcast_addr == b.broadcast_addr);
  CHECK(a.requested_ip == b.requested_ip && a.server_id == b.server_id);
  CHECK(a.lease_time == b.lease_time && a.renewal_time == b.renewal_time);
  CHECK(a.rebinding_time == b.rebinding_time && a.mtu == b.mtu);
  CHECK(a.max_msg_size == b.max_msg_size);
  CHECK(a.router_count == b.router_count && a.dns_count == b.dns_count);
  CHECK(memcmp(a.routers, b.routers, sizeof a.routers) == 0);
  CHECK(memcmp(a.dns, b.dns, sizeof a.dns) == 0);
#define SAME_BYTES(f)                                                   \
  CHECK(a.f##_len == b.f##_len && (a.f##_len == 0 || memcmp(a.f, b.f, a.f##_len) == 0))
  SAME_BYTES(hostname);
  SAME_BYTES(domain_name);
  SAME_BYTES(client_id);
  SAME_BYTES(param_request);
  SAME_BYTES(message);
#undef SAME_BYTES
  /* Emitting the re-parsed repr gives the same bytes: emit is a function of the repr. */
  static uint8_t out2[4096];
  CHECK(exo_dhcp_emit(&b, out2, sizeof out2) == m && memcmp(out, out2, (size_t)m) == 0);
  return 0;
}
