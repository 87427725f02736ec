/* ARP (RFC 826, RFC 5227 for gratuitous announcements): the neighbour cache.
 *
 * Invariants:
 * - An entry is FREE, INCOMPLETE (requests going out, frames queued, no MAC), RESOLVED
 *   (MAC known until `timer`) or PROBE (MAC known and still used while a re-request is
 *   outstanding, so a live flow never stalls when its entry ages).
 * - At most cfg.arp_queue_len frames wait per INCOMPLETE entry; when full the oldest is
 *   dropped (the newest data is the most useful). They are freed when the entry resolves
 *   (sent), fails (dropped) or is evicted.
 * - Retries back off exponentially: request k is sent arp_retry_us * 2^(k-1) after the
 *   previous one; after cfg.arp_retries requests the resolution fails.
 * - Every ARP packet we send goes through one token bucket (arp_rate_per_s), so neither
 *   a flood of requests nor traffic toward many absent hosts turns us into an amplifier.
 * - We learn from packets that target our address (and refresh entries we already have
 *   from any ARP packet), never create entries from third-party chatter. */
#include "stack/stack_int.h"

#define ARP_FRAME_LEN (EXO_ETH_HEADER_LEN + EXO_ARP_LEN)

int exo__arp_init(struct exo_stack *st) {
  size_t sz = (size_t)st->cfg.arp_cache_size * sizeof *st->arp;
  st->arp = st->platform.alloc(st->platform.ctx, sz);
  if (!st->arp) return -EXO_ENOMEM;
  exo_memset(st->arp, 0, sz);
  return 0;
}

static void drop_queue(struct exo_stack *st, struct exo__arp_entry *e, bool count) {
  struct exo__arp_pending *p = e->qhead;
  while (p) {
    struct exo__arp_pending *next = p->next;
    if (count) st->ctr.arp_queue_drops++;
    st->platform.free(st->platform.ctx, p, sizeof *p + p->len);
    p = next;
  }
  e->qhead = e->qtail = NULL;
  e->qlen = 0;
}

/* Resolution failed: the sockets whose datagrams wait here hear "host unreachable", as
 * from an ICMP error (RFC 1122 2.3.2.1 lets the link layer report it; Linux does). */
static void report_unreachable(struct exo_stack *st, struct exo__arp_entry *e) {
  for (struct exo__arp_pending *p = e->qhead; p; p = p->next)
    if (p->len > EXO_ETH_HEADER_LEN && exo_rd16(p->data + 12) == EXO_ETHERTYPE_IPV4)
      exo__l4_error(st, p->data + EXO_ETH_HEADER_LEN, p->len - EXO_ETH_HEADER_LEN,
                    EXO_ICMP_DEST_UNREACH, EXO_ICMP_HOST_UNREACH, 0);
}

static void free_entry(struct exo_stack *st, struct exo__arp_entry *e, bool count) {
  drop_queue(st, e, count);
  exo_memset(e, 0, sizeof *e);
}

void exo__arp_fini(struct exo_stack *st) {
  if (!st->arp) return;
  for (uint16_t i = 0; i < st->cfg.arp_cache_size; i++) free_entry(st, &st->arp[i], false);
  st->platform.free(st->platform.ctx, st->arp, (size_t)st->cfg.arp_cache_size * sizeof *st->arp);
  st->arp = NULL;
}

void exo__arp_flush(struct exo_stack *st) {
  /* Resolved neighbours may belong to the old subnet: forget them. Resolutions still in
   * progress carry frames already built (a DHCP RELEASE sent just before the address
   * goes, say): let them finish or time out on their own. */
  for (uint16_t i = 0; i < st->cfg.arp_cache_size; i++)
    if (st->arp[i].state != EXO__ARP_FREE && st->arp[i].state != EXO__ARP_INCOMPLETE)
      free_entry(st, &st->arp[i], true);
}

static struct exo__arp_entry *find(const struct exo_stack *st, uint32_t ip) {
  for (uint16_t i = 0; i < st->cfg.arp_cache_size; i++)
    if (st->arp[i].state != EXO__ARP_FREE && st->arp[i].ip == ip) return &st->arp[i];
  return NULL;
}

/* A free slot, else the resolved entry that expires first (never an INCOMPLETE one:
 * evicting those would let a scan of absent hosts starve real resolutions). */
static struct exo__arp_entry *alloc_entry(struct exo_stack *st) {
  struct exo__arp_entry *victim = NULL;
  for (uint16_t i = 0; i < st->cfg.arp_cache_size; i++) {
    struct exo__arp_entry *e = &st->arp[i];
    if (e->state == EXO__ARP_FREE) return e;
    if (e->state == EXO__ARP_RESOLVED && (!victim || e->timer < victim->timer)) victim = e;
  }
  if (victim) free_entry(st, victim, true);
  return victim;
}

/* Builds and sends one ARP packet; subject to the rate limit. */
static int arp_emit(struct exo_stack *st, uint16_t op, struct exo_mac eth_dst,
                    struct exo_mac target_mac, uint32_t target_ip, uint32_t sender_ip) {
  if (!exo__bucket_take(&st->arp_bucket, st->now)) {
    st->ctr.arp_rate_limited++;
    return -EXO_ENOBUFS;
  }
  struct exo_frame f = {0};
  size_t len = EXO_ETH_MIN_FRAME; /* 42 bytes padded to the Ethernet minimum */
  int rc = st->dev.ops->tx_reserve(st->dev.ctx, &f, len);
  if (rc < 0) {
    st->ctr.tx_errors++;
    return rc;
  }
  exo_memset(f.data, 0, len);
  struct exo_eth_repr eth = {.dst = eth_dst, .src = st->mac, .ethertype = EXO_ETHERTYPE_ARP};
  struct exo_arp_repr arp = {
      .operation = op,
      .sender_mac = st->mac,
      .sender_ip = sender_ip,
      .target_mac = target_mac,
      .target_ip = target_ip,
  };
  if (exo_eth_emit(&eth, f.data, f.cap) != EXO_ETH_HEADER_LEN ||
      exo_arp_emit(&arp, f.data + EXO_ETH_HEADER_LEN, f.cap - EXO_ETH_HEADER_LEN) != EXO_ARP_LEN) {
    st->dev.ops->tx_abort(st->dev.ctx, &f);
    return -EXO_EINVAL;
  }
  f.len = len;
  exo__stack_transmit(st, &f);
  return 0;
}

static void send_request(struct exo_stack *st, struct exo__arp_entry *e) {
  struct exo_mac zero = {{0}};
  if (arp_emit(st, EXO_ARP_REQUEST, EXO_MAC_BROADCAST, zero, e->ip, st->addr) == 0)
    st->ctr.arp_requests_tx++;
  /* A request lost to the rate limit still counts as a try, so backoff and failure
   * stay bounded in time whatever the load. */
  e->tries++;
  uint64_t interval = (uint64_t)st->cfg.arp_retry_us << (e->tries - 1 < 16 ? e->tries - 1 : 16);
  e->timer = st->now + interval;
}

int exo__arp_probe(struct exo_stack *st, uint32_t ip) {
  struct exo_mac zero = {{0}};
  int rc = arp_emit(st, EXO_ARP_REQUEST, EXO_MAC_BROADCAST, zero, ip, 0);
  if (rc == 0) st->ctr.arp_requests_tx++;
  return rc;
}

void exo__arp_gratuitous(struct exo_stack *st) {
  /* RFC 5227 2.4: an announcement is a request with sender and target both our address. */
  struct exo_mac zero = {{0}};
  if (arp_emit(st, EXO_ARP_REQUEST, EXO_MAC_BROADCAST, zero, st->addr, st->addr) == 0)
    st->ctr.arp_gratuitous_tx++;
}

static void flush_queue(struct exo_stack *st, struct exo__arp_entry *e) {
  struct exo__arp_pending *p = e->qhead;
  e->qhead = e->qtail = NULL;
  e->qlen = 0;
  while (p) {
    struct exo__arp_pending *next = p->next;
    exo_memcpy(p->data, e->mac.b, 6);
    struct exo_frame f = {0};
    if (st->dev.ops->tx_reserve(st->dev.ctx, &f, p->len) == 0) {
      exo_memcpy(f.data, p->data, p->len);
      f.len = p->len;
      exo__stack_transmit(st, &f);
    } else {
      st->ctr.tx_errors++;
      st->ctr.arp_queue_drops++;
    }
    st->platform.free(st->platform.ctx, p, sizeof *p + p->len);
    p = next;
  }
}

static void resolved(struct exo_stack *st, struct exo__arp_entry *e, struct exo_mac mac) {
  e->mac = mac;
  e->state = EXO__ARP_RESOLVED;
  e->tries = 0;
  e->used = false;
  e->timer = st->now + st->cfg.arp_timeout_us;
  flush_queue(st, e);
}

void exo__arp_input(struct exo_stack *st, const struct exo_eth_repr *eth) {
  struct exo_arp_repr arp;
  if (exo_arp_parse(eth->payload, eth->payload_len, &arp) < 0) {
    st->ctr.arp_malformed++;
    return;
  }
  /* A sender claiming a broadcast/multicast MAC or our own would poison the cache. */
  if (exo_mac_is_multicast(arp.sender_mac) || exo_mac_eq(arp.sender_mac, st->mac) ||
      arp.sender_ip == EXO_IPV4_BROADCAST || (arp.sender_ip >> 28) == 0xe) {
    st->ctr.arp_malformed++;
    return;
  }
  if (st->dhcp_on) exo__dhcp_arp_seen(st, &arp); /* address conflict detection */
  if (arp.operation == EXO_ARP_REQUEST)
    st->ctr.arp_requests_rx++;
  else
    st->ctr.arp_replies_rx++;

  bool for_us = st->addr != 0 && arp.target_ip == st->addr;
  /* RFC 826 "merge": refresh a known sender from any packet (gratuitous ARP included). */
  struct exo__arp_entry *e = arp.sender_ip ? find(st, arp.sender_ip) : NULL;
  if (e) {
    resolved(st, e, arp.sender_mac);
  } else if (for_us && arp.sender_ip != 0) {
    e = alloc_entry(st);
    if (e) {
      e->ip = arp.sender_ip;
      resolved(st, e, arp.sender_mac);
    } else {
      st->ctr.arp_cache_full++;
    }
  }
  if (!for_us) {
    if (!e) st->ctr.arp_not_for_us++;
    return;
  }
  if (arp.operation == EXO_ARP_REQUEST &&
      arp_emit(st, EXO_ARP_REPLY, arp.sender_mac, arp.sender_mac, arp.sender_ip, st->addr) == 0)
    st->ctr.arp_replies_tx++;
}

int exo__arp_send(struct exo_stack *st, uint32_t next_hop, struct exo_frame *f) {
  struct exo__arp_entry *e = find(st, next_hop);
  if (e && (e->state == EXO__ARP_RESOLVED || e->state == EXO__ARP_PROBE)) {
    exo_memcpy(f->data, e->mac.b, 6);
    e->used = true;
    exo__stack_transmit(st, f);
    return 0;
  }
  if (!e) {
    e = alloc_entry(st);
    if (!e) {
      st->ctr.arp_cache_full++;
      st->dev.ops->tx_abort(st->dev.ctx, f);
      return -EXO_ENOBUFS;
    }
    e->ip = next_hop;
    e->state = EXO__ARP_INCOMPLETE;
    e->tries = 0;
    send_request(st, e);
  }
  /* Park a copy; the device's buffer goes back at once. */
  struct exo__arp_pending *p = st->platform.alloc(st->platform.ctx, sizeof *p + f->len);
  if (!p) {
    st->ctr.arp_queue_drops++;
    st->dev.ops->tx_abort(st->dev.ctx, f);
    return -EXO_ENOBUFS;
  }
  p->next = NULL;
  p->len = f->len;
  exo_memcpy(p->data, f->data, f->len);
  st->dev.ops->tx_abort(st->dev.ctx, f);
  if (e->qlen >= st->cfg.arp_queue_len) {
    struct exo__arp_pending *old = e->qhead;
    e->qhead = old->next;
    if (!e->qhead) e->qtail = NULL;
    e->qlen--;
    st->ctr.arp_queue_drops++;
    st->platform.free(st->platform.ctx, old, sizeof *old + old->len);
  }
  if (e->qtail)
    e->qtail->next = p;
  else
    e->qhead = p;
  e->qtail = p;
  e->qlen++;
  return 0;
}

void exo__arp_timers(struct exo_stack *st) {
  for (uint16_t i = 0; i < st->cfg.arp_cache_size; i++) {
    struct exo__arp_entry *e = &st->arp[i];
    if (e->state == EXO__ARP_FREE || e->timer > st->now) continue;
    switch (e->state) {
      case EXO__ARP_RESOLVED:
        if (e->used) {
          e->state = EXO__ARP_PROBE;
          e->tries = 0;
          send_request(st, e);
        } else {
          free_entry(st, e, false);
        }
        break;
      case EXO__ARP_INCOMPLETE:
      case EXO__ARP_PROBE:
        if (e->tries >= st->cfg.arp_retries) {
          st->ctr.arp_failed++;
          report_unreachable(st, e);
          free_entry(st, e, true);
        } else {
          send_request(st, e);
        }
        break;
    }
  }
}

uint64_t exo__arp_deadline(const struct exo_stack *st) {
  uint64_t d = UINT64_MAX;
  for (uint16_t i = 0; i < st->cfg.arp_cache_size; i++)
    if (st->arp[i].state != EXO__ARP_FREE && st->arp[i].timer < d) d = st->arp[i].timer;
  return d;
}

int exo_stack_arp_lookup(const struct exo_stack *st, uint64_t now, uint32_t ip,
                         struct exo_mac *mac) {
  (void)now;
  const struct exo__arp_entry *e = find(st, ip);
  if (!e || (e->state != EXO__ARP_RESOLVED && e->state != EXO__ARP_PROBE)) return -EXO_ENOENT;
  if (mac) *mac = e->mac;
  return 0;
}

size_t exo_stack_arp_queued(const struct exo_stack *st) {
  size_t n = 0;
  for (uint16_t i = 0; i < st->cfg.arp_cache_size; i++) n += st->arp[i].qlen;
  return n;
}
