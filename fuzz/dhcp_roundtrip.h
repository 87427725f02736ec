/* Shared by the wire and dhcp fuzzers: a parsed DHCP message emitted and parsed again must
 * give the same repr, field for field. The includer defines CHECK(cond) (abort on false). */
#ifndef EXONET_FUZZ_DHCP_ROUNDTRIP_H
#define EXONET_FUZZ_DHCP_ROUNDTRIP_H

#include <string.h>

#include "exonet/wire.h"

/* Emits *a into out (cap bytes), parses it into *b, checks they agree. Returns the length
 * emitted. */
static int exo_fuzz_dhcp_roundtrip(const struct exo_dhcp_repr *a, struct exo_dhcp_repr *b,
                                   uint8_t *out, size_t cap) {
  size_t want = exo_dhcp_emit_len(a);
  CHECK(want >= 300 && want <= cap);
  int m = exo_dhcp_emit(a, out, cap);
  CHECK(m == (int)want);
  CHECK(exo_dhcp_parse(out, (size_t)m, b) == 0);
  CHECK(a->op == b->op && a->hops == b->hops && a->xid == b->xid && a->secs == b->secs);
  CHECK(a->broadcast == b->broadcast && a->ciaddr == b->ciaddr && a->yiaddr == b->yiaddr);
  CHECK(a->siaddr == b->siaddr && a->giaddr == b->giaddr && exo_mac_eq(a->chaddr, b->chaddr));
  CHECK(a->message_type == b->message_type && a->present == b->present);
  CHECK(a->subnet_mask == b->subnet_mask && a->broadcast_addr == b->broadcast_addr);
  CHECK(a->requested_ip == b->requested_ip && a->server_id == b->server_id);
  CHECK(a->lease_time == b->lease_time && a->renewal_time == b->renewal_time);
  CHECK(a->rebinding_time == b->rebinding_time && a->mtu == b->mtu);
  CHECK(a->max_msg_size == b->max_msg_size);
  CHECK(a->router_count == b->router_count && a->dns_count == b->dns_count);
  CHECK(memcmp(a->routers, b->routers, sizeof a->routers) == 0);
  CHECK(memcmp(a->dns, b->dns, sizeof a->dns) == 0);
#define SAME_BYTES(f) \
  CHECK(a->f##_len == b->f##_len && (a->f##_len == 0 || memcmp(a->f, b->f, a->f##_len) == 0))
  SAME_BYTES(hostname);
  SAME_BYTES(domain_name);
  SAME_BYTES(client_id);
  SAME_BYTES(param_request);
  SAME_BYTES(message);
#undef SAME_BYTES
  return m;
}

#endif
