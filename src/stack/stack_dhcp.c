/* The stack's side of its DHCP client: sending DHCP messages and ARP probes, feeding it
 * replies and ARP traffic, and applying each lease to the interface.
 *
 * Invariant: while the client is running, st->addr is either 0 or the address of the
 * client's current lease; it changes only in on_dhcp_event. */
#include "stack/stack_int.h"

static int dhcp_send(void *ctx, uint32_t src, uint32_t dst, const uint8_t *msg, size_t len) {
  struct exo_stack *st = ctx;
  struct exo__ip_tx tx;
  int rc = exo__ip_tx_begin(st, &tx, src, dst, EXO_IP_PROTO_UDP, EXO_UDP_HEADER_LEN + len);
  if (rc < 0) return rc;
  exo_memcpy(tx.l4 + EXO_UDP_HEADER_LEN, msg, len);
  struct exo_udp_repr u = {.src_port = EXO_DHCP_CLIENT_PORT, .dst_port = EXO_DHCP_SERVER_PORT,
                           .payload_len = len};
  if (exo_udp_emit(&u, tx.l4, tx.l4_len, tx.route.src, dst) != EXO_UDP_HEADER_LEN) {
    exo__ip_tx_abort(st, &tx);
    return -EXO_EINVAL;
  }
  st->ctr.udp_tx++;
  return exo__ip_tx_end(st, &tx);
}

static int dhcp_arp_probe(void *ctx, uint32_t ip) { return exo__arp_probe(ctx, ip); }

/* The address is gone: every socket that uses it learns so (RFC 2131 leaves it to the
 * host; Linux reports ENETDOWN-like errors as connections fail). */
static void address_lost(struct exo_stack *st, uint32_t old) {
  for (uint16_t i = 0; i < st->cfg.udp_max_socks; i++) {
    struct exo_udp_sock *s = st->udp[i];
    if (s && s->bound && (s->laddr == old || s->connected)) s->error = -EXO_ENETDOWN;
  }
  if (st->tcp_ready) exo_tcp_addr_lost(&st->tcp, st->now, old, -EXO_ENETDOWN);
  exo_stack_set_addr(st, st->now, 0, 0, 0);
}

static void on_dhcp_event(void *ctx, enum exo_dhcp_event ev, const struct exo_dhcp_lease *l) {
  struct exo_stack *st = ctx;
  switch (ev) {
    case EXO_DHCP_EV_BOUND:
    case EXO_DHCP_EV_RENEWED:
    case EXO_DHCP_EV_REBOUND:
      if (l->addr != st->addr && st->addr) address_lost(st, st->addr);
      exo_stack_set_addr(st, st->now, l->addr, l->netmask, l->gateway);
      if (l->mtu && l->mtu < st->caps.mtu) st->mtu = l->mtu;
      break;
    case EXO_DHCP_EV_EXPIRED:
    case EXO_DHCP_EV_NAK:
    case EXO_DHCP_EV_RELEASED:
      if (l && st->addr == l->addr) address_lost(st, l->addr);
      st->mtu = st->cfg.mtu ? st->cfg.mtu : st->caps.mtu;
      break;
    default:
      break;
  }
  if (st->dhcp_event) st->dhcp_event(st->dhcp_event_ctx, ev, l);
}

bool exo__dhcp_udp_input(struct exo_stack *st, const struct exo_udp_repr *u) {
  if (u->dst_port != EXO_DHCP_CLIENT_PORT || u->src_port != EXO_DHCP_SERVER_PORT) return false;
  exo_dhcp_input(&st->dhcp, st->now, u->payload, u->payload_len);
  return true;
}

void exo__dhcp_arp_seen(struct exo_stack *st, const struct exo_arp_repr *arp) {
  /* A host that answers for the address, or another host probing for it (RFC 5227 2.1.1). */
  uint32_t ip = arp->sender_ip ? arp->sender_ip : arp->target_ip;
  exo_dhcp_arp_seen(&st->dhcp, st->now, ip, arp->sender_mac);
}

int exo_stack_dhcp_start(struct exo_stack *st, uint64_t now, const struct exo_dhcp_config *cfg,
                         void (*on_event)(void *ctx, enum exo_dhcp_event ev,
                                          const struct exo_dhcp_lease *lease),
                         void *ctx) {
  if (st->dhcp_on) return -EXO_EALREADY;
  if (!cfg) return -EXO_EINVAL;
  if (now > st->now) st->now = now;
  struct exo_dhcp_config c = *cfg;
  c.mac = st->mac;
  struct exo_dhcp_env env = {.ctx = st, .platform = &st->platform, .send = dhcp_send,
                             .arp_probe = dhcp_arp_probe, .on_event = on_dhcp_event};
  int rc = exo_dhcp_init(&st->dhcp, &env, &c);
  if (rc < 0) return rc;
  st->dhcp_event = on_event;
  st->dhcp_event_ctx = ctx;
  st->dhcp_on = true;
  exo_dhcp_start(&st->dhcp, st->now);
  return 0;
}

void exo_stack_dhcp_release(struct exo_stack *st, uint64_t now) {
  if (!st->dhcp_on) return;
  if (now > st->now) st->now = now;
  exo_dhcp_release(&st->dhcp, st->now);
  st->dhcp_on = false;
}

const struct exo_dhcp_client *exo_stack_dhcp(const struct exo_stack *st) {
  return st->dhcp.env.send ? &st->dhcp : NULL;
}
