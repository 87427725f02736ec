/* The stack object: creation, the Ethernet receive dispatch, the poll loop, timers,
 * addresses, and the glue that gives TCP its output and routing callbacks.
 *
 * Invariants: st->now only moves forward (an older `now` passed in is treated as the
 * latest one seen); exo_stack_poll handles at most cfg.poll_budget frames; every frame
 * the stack reserves on the device is committed or aborted before the call returns,
 * except those parked in the ARP queue, which are copies. */
#include "stack/stack_int.h"

static void advance(struct exo_stack *st, uint64_t now) {
  if (now > st->now) st->now = now;
}

bool exo__is_broadcast(const struct exo_stack *st, uint32_t ip) {
  if (ip == EXO_IPV4_BROADCAST) return true;
  /* The directed broadcast of our subnet (not for /31 and /32, which have none). */
  return st->addr != 0 && st->netmask != 0 && st->netmask < 0xfffffffeu &&
         (ip & st->netmask) == (st->addr & st->netmask) && (ip | st->netmask) == 0xffffffffu;
}

bool exo__is_local(const struct exo_stack *st, uint32_t ip) {
  return ip != 0 && ip == st->addr;
}

void exo__stack_transmit(struct exo_stack *st, struct exo_frame *f) {
  int rc = st->dev.ops->tx_commit(st->dev.ctx, st->now, f);
  if (rc < 0)
    st->ctr.tx_errors++;
  else
    st->ctr.tx_frames++;
}

/* ---- TCP glue -------------------------------------------------------------------- */

static int tcp_output(void *ctx, uint32_t src, uint32_t dst, const struct exo_tcp_repr *hdr,
                      const uint8_t *d1, size_t l1, const uint8_t *d2, size_t l2) {
  struct exo_stack *st = ctx;
  struct exo_tcp_repr h = *hdr;
  h.payload = NULL;
  h.payload_len = l1 + l2;
  size_t hl = exo_tcp_header_len(&h);
  struct exo__ip_tx tx;
  int rc = exo__ip_tx_begin(st, &tx, src, dst, EXO_IP_PROTO_TCP, hl + l1 + l2);
  if (rc < 0) {
    if (rc == -EXO_ENOBUFS) st->tcp_blocked = true;
    return rc;
  }
  if (l1) exo_memcpy(tx.l4 + hl, d1, l1);
  if (l2) exo_memcpy(tx.l4 + hl + l1, d2, l2);
  if (exo_tcp_emit(&h, tx.l4, tx.l4_len, src, dst) < 0) {
    exo__ip_tx_abort(st, &tx);
    return -EXO_EINVAL;
  }
  rc = exo__ip_tx_end(st, &tx);
  if (rc == -EXO_ENOBUFS) st->tcp_blocked = true;
  return rc;
}

static uint16_t tcp_route_mtu(void *ctx, uint32_t dst) {
  struct exo_stack *st = ctx;
  struct exo__route r;
  if (exo__ip_route(st, dst, 0, &r) < 0 || r.broadcast) return 0;
  return st->mtu;
}

static uint32_t tcp_source_addr(void *ctx, uint32_t dst) {
  struct exo_stack *st = ctx;
  struct exo__route r;
  if (exo__ip_route(st, dst, 0, &r) < 0) return 0;
  return r.src;
}

static bool tcp_is_local(void *ctx, uint32_t ip) { return exo__is_local(ctx, ip); }

static void tcp_notify(void *ctx, struct exo_tcp_sock *s, uint32_t events) {
  struct exo_stack *st = ctx;
  if (st->tcp_notify) st->tcp_notify(st->tcp_notify_ctx, s, events);
}

/* ---- life cycle ------------------------------------------------------------------- */

#define DEF(field, value) \
  if (c->field == 0) c->field = (value)

static void fill_defaults(struct exo_stack_config *c) {
  DEF(ttl, 64);
  DEF(arp_cache_size, 64);
  DEF(arp_queue_len, 8);
  DEF(arp_retries, 3);
  DEF(arp_retry_us, 1000000);
  DEF(arp_timeout_us, 60000000);
  DEF(arp_rate_per_s, 50);
  DEF(reasm_timeout_us, 30000000);
  DEF(reasm_mem, 256 * 1024);
  DEF(reasm_max, 16);
  DEF(icmp_rate_per_s, 100);
  DEF(udp_max_socks, 64);
  DEF(udp_rcvbuf, 212992);
  DEF(poll_budget, 64);
  DEF(tcp_max_socks, 256);
}

static bool streq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

int exo_stack_create(const struct exo_platform *platform, const struct exo_stack_config *cfg,
                     struct exo_device dev, uint64_t now, struct exo_stack **out) {
  if (!platform || !platform->alloc || !platform->free || !platform->random_bytes || !cfg ||
      !out || !dev.ops || !dev.ops->rx_burst || !dev.ops->rx_release ||
      !dev.ops->tx_reserve || !dev.ops->tx_commit || !dev.ops->tx_abort || !dev.ops->caps)
    return -EXO_EINVAL;
  if (exo_mac_is_multicast(cfg->mac)) return -EXO_EINVAL;
  if (cfg->tcp_cc && !streq(cfg->tcp_cc, "cubic") && !streq(cfg->tcp_cc, "newreno"))
    return -EXO_EINVAL;
  struct exo_stack *st = platform->alloc(platform->ctx, sizeof *st);
  if (!st) return -EXO_ENOMEM;
  exo_memset(st, 0, sizeof *st);
  st->platform = *platform;
  st->cfg = *cfg;
  fill_defaults(&st->cfg);
  st->dev = dev;
  dev.ops->caps(dev.ctx, &st->caps);
  st->now = now;
  st->mac = cfg->mac;
  st->mtu = st->cfg.mtu ? st->cfg.mtu : st->caps.mtu;
  if (st->caps.mtu && st->mtu > st->caps.mtu) st->mtu = st->caps.mtu;
  if (st->mtu < 576 || st->mtu > EXO_DEV_MAX_FRAME - 22) {
    platform->free(platform->ctx, st, sizeof *st);
    return -EXO_EINVAL;
  }
  st->addr = cfg->addr;
  st->netmask = cfg->netmask;
  st->gateway = cfg->gateway;
  uint8_t rnd[4];
  platform->random_bytes(platform->ctx, rnd, sizeof rnd);
  st->ip_ident = exo_rd16(rnd);
  st->udp_next_port = (uint16_t)(32768 + exo_rd16(rnd + 2) % (60999 - 32768 + 1));
  exo__bucket_init(&st->arp_bucket, st->cfg.arp_rate_per_s, st->cfg.arp_rate_per_s, now);
  exo__bucket_init(&st->icmp_bucket, st->cfg.icmp_rate_per_s, 10, now);

  int rc = exo__arp_init(st);
  if (rc == 0) rc = exo__reasm_init(st);
  if (rc == 0) {
    st->udp = platform->alloc(platform->ctx, st->cfg.udp_max_socks * sizeof *st->udp);
    if (!st->udp)
      rc = -EXO_ENOMEM;
    else
      exo_memset(st->udp, 0, st->cfg.udp_max_socks * sizeof *st->udp);
  }
  if (rc == 0) {
    struct exo_tcp_env env = {
        .ctx = st,
        .platform = &st->platform,
        .output = tcp_output,
        .route_mtu = tcp_route_mtu,
        .source_addr = tcp_source_addr,
        .is_local_addr = tcp_is_local,
        .notify = tcp_notify,
    };
    struct exo_tcp_config tc;
    exo_tcp_config_default(&tc);
    tc.max_sockets = st->cfg.tcp_max_socks;
    if (st->cfg.tcp_sndbuf) tc.sndbuf = st->cfg.tcp_sndbuf;
    if (st->cfg.tcp_rcvbuf) tc.rcvbuf = st->cfg.tcp_rcvbuf;
    if (cfg->tcp_cc) tc.cc = streq(cfg->tcp_cc, "newreno") ? EXO_TCP_CC_NEWRENO : EXO_TCP_CC_CUBIC;
    rc = exo_tcp_init(&st->tcp, &env, &tc);
    if (rc == 0) st->tcp_ready = true;
  }
  if (rc < 0) {
    exo_stack_destroy(st);
    return rc;
  }
  if (st->addr) exo__arp_gratuitous(st);
  *out = st;
  return 0;
}

void exo_stack_destroy(struct exo_stack *st) {
  if (!st) return;
  if (st->tcp_ready) exo_tcp_fini(&st->tcp);
  if (st->udp) {
    exo__udp_fini(st);
    st->platform.free(st->platform.ctx, st->udp, st->cfg.udp_max_socks * sizeof *st->udp);
  }
  exo__reasm_fini(st);
  exo__arp_fini(st);
  st->platform.free(st->platform.ctx, st, sizeof *st);
}

/* ---- receive ------------------------------------------------------------------------ */

void exo_stack_input(struct exo_stack *st, uint64_t now, const uint8_t *frame, size_t len) {
  advance(st, now);
  st->ctr.rx_frames++;
  struct exo_eth_repr eth;
  if (!frame || exo_eth_parse(frame, len, &eth) < 0) {
    st->ctr.eth_malformed++;
    return;
  }
  /* No VLAN is configured on this interface: tagged frames belong to someone else. */
  if (eth.vlan_count != 0) {
    st->ctr.eth_not_for_us++;
    return;
  }
  if (!exo_mac_eq(eth.dst, st->mac) && !exo_mac_is_broadcast(eth.dst)) {
    st->ctr.eth_not_for_us++;
    return;
  }
  switch (eth.ethertype) {
    case EXO_ETHERTYPE_ARP:
      exo__arp_input(st, &eth);
      break;
    case EXO_ETHERTYPE_IPV4:
      exo__ip_input(st, &eth);
      break;
    default:
      st->ctr.eth_unknown_type++;
      break;
  }
}

static void run_timers(struct exo_stack *st) {
  if (exo__arp_deadline(st) <= st->now) exo__arp_timers(st);
  if (exo__reasm_deadline(st) <= st->now) exo__reasm_timers(st);
  if (st->dhcp_on && exo_dhcp_next_deadline(&st->dhcp) <= st->now) exo_dhcp_poll(&st->dhcp, st->now);
  if (st->tcp_ready && (st->tcp_blocked || exo_tcp_next_deadline(&st->tcp) <= st->now)) {
    st->tcp_blocked = false;
    exo_tcp_poll(&st->tcp, st->now);
  }
}

#define RX_BATCH 32

int exo_stack_poll(struct exo_stack *st, uint64_t now) {
  advance(st, now);
  int processed = 0, rc = 0;
  while (processed < st->cfg.poll_budget) {
    struct exo_frame frames[RX_BATCH];
    int want = EXO_MIN(RX_BATCH, st->cfg.poll_budget - processed);
    int n = st->dev.ops->rx_burst(st->dev.ctx, st->now, frames, want);
    if (n < 0) {
      rc = n;
      break;
    }
    /* A device must not overrun the array; if one claims to have, the frames past `want`
     * were never written, so neither process nor release them. */
    if (n > want) n = want;
    for (int i = 0; i < n; i++) exo_stack_input(st, st->now, frames[i].data, frames[i].len);
    if (n > 0) st->dev.ops->rx_release(st->dev.ctx, frames, n);
    processed += n;
    if (n < want) break;
  }
  run_timers(st);
  return rc < 0 ? rc : processed;
}

uint64_t exo_stack_next_deadline(const struct exo_stack *st) {
  uint64_t d = exo__arp_deadline(st);
  d = EXO_MIN(d, exo__reasm_deadline(st));
  if (st->dhcp_on) d = EXO_MIN(d, exo_dhcp_next_deadline(&st->dhcp));
  if (st->tcp_ready) {
    /* A device that refused a frame gives no signal when it has room again: retry
     * after a short pause rather than spin. */
    if (st->tcp_blocked) d = EXO_MIN(d, st->now + 100);
    d = EXO_MIN(d, exo_tcp_next_deadline(&st->tcp));
  }
  d = EXO_MIN(d, exo_dev_next_deadline(&st->dev));
  return d;
}

/* ---- configuration and queries ------------------------------------------------------ */

int exo_stack_set_addr(struct exo_stack *st, uint64_t now, uint32_t addr, uint32_t netmask,
                       uint32_t gateway) {
  advance(st, now);
  /* A netmask must be contiguous ones. */
  if (netmask & (~netmask >> 1)) return -EXO_EINVAL;
  if (addr == EXO_IPV4_BROADCAST || (addr >> 28) == 0xe) return -EXO_EINVAL;
  bool changed = addr != st->addr;
  st->addr = addr;
  st->netmask = netmask;
  st->gateway = gateway;
  if (changed) {
    /* Neighbours learnt under the old address may be on another subnet now. */
    exo__arp_flush(st);
    if (addr) exo__arp_gratuitous(st);
  }
  return 0;
}

void exo_stack_get_addr(const struct exo_stack *st, uint32_t *addr, uint32_t *netmask,
                        uint32_t *gateway) {
  if (addr) *addr = st->addr;
  if (netmask) *netmask = st->netmask;
  if (gateway) *gateway = st->gateway;
}

struct exo_mac exo_stack_mac(const struct exo_stack *st) { return st->mac; }

const struct exo_stack_counters *exo_stack_counters(const struct exo_stack *st) {
  return &st->ctr;
}

/* ---- TCP sockets through the stack -------------------------------------------------- */

struct exo_tcp *exo_stack_tcp(struct exo_stack *st) { return &st->tcp; }

void exo_stack_set_tcp_notify(struct exo_stack *st,
                              void (*fn)(void *ctx, struct exo_tcp_sock *s, uint32_t events),
                              void *ctx) {
  st->tcp_notify = fn;
  st->tcp_notify_ctx = ctx;
}

int exo_stack_tcp_open(struct exo_stack *st, struct exo_tcp_sock **out) {
  int err = 0;
  struct exo_tcp_sock *s = exo_tcp_open(&st->tcp, &err);
  if (!s) return err < 0 ? err : -EXO_ENOMEM;
  *out = s;
  return 0;
}

const struct exo_tcp_stats *exo_stack_tcp_stats(const struct exo_stack *st) {
  return exo_tcp_get_stats(&st->tcp);
}
