/* The simulated link (see include/exonet/sim.h).
 *
 * Invariants:
 * - Every buffer is either on the free list, lent to a caller (reserved for transmit or
 *   handed out by rx_burst), or queued for exactly one receiving port; destroy frees all
 *   three kinds it still owns.
 * - A port's transmissions serialize one after another at its rate (busy_until_ns, in
 *   nanoseconds so rounding does not accumulate); each frame also occupies the wire for
 *   24 bytes of preamble, FCS and inter-frame gap, as on real Ethernet.
 * - Arrivals at one port pop in (time, send order) order, so a link without jitter never
 *   reorders. */
#include "exonet/errno.h"
#include "exonet/sim.h"
#include "exonet/wire/ethernet.h"
#include "sim/evq.h"

#define WIRE_OVERHEAD 24

struct sbuf {
  struct sbuf *next; /* free list */
  size_t len;
  uint8_t data[];
};

struct port {
  struct exo_sim_link *link;
  unsigned idx;
  struct exo_sim_path path;
  uint64_t busy_until_ns;
  struct exo__evq rxq;
  struct exo_sim_port_stats stats;
};

struct exo_sim_link {
  struct exo_platform platform;
  unsigned n;
  uint16_t mtu;
  size_t bufsize;
  struct port *ports;
  struct sbuf *free;
};

static struct sbuf *buf_get(struct exo_sim_link *l) {
  struct sbuf *b = l->free;
  if (b) {
    l->free = b->next;
    return b;
  }
  return l->platform.alloc(l->platform.ctx, sizeof *b + l->bufsize);
}

static void buf_put(struct exo_sim_link *l, struct sbuf *b) {
  b->next = l->free;
  l->free = b;
}

static int port_rx_burst(void *ctx, uint64_t now, struct exo_frame *frames, int max) {
  struct port *p = ctx;
  int got = 0;
  while (got < max && exo__evq_top_due(&p->rxq) <= now) {
    struct sbuf *b = exo__evq_pop(&p->rxq);
    frames[got].data = b->data;
    frames[got].len = b->len;
    frames[got].cap = p->link->bufsize;
    frames[got].cookie = (uintptr_t)b;
    got++;
  }
  p->stats.rx_frames += (uint64_t)got;
  return got;
}

static void port_rx_release(void *ctx, struct exo_frame *frames, int count) {
  struct port *p = ctx;
  for (int i = 0; i < count; i++) buf_put(p->link, (struct sbuf *)frames[i].cookie);
}

static int port_tx_reserve(void *ctx, struct exo_frame *frame, size_t len) {
  struct port *p = ctx;
  if (len > p->link->bufsize) return -EXO_EMSGSIZE;
  struct sbuf *b = buf_get(p->link);
  if (!b) return -EXO_ENOBUFS;
  frame->data = b->data;
  frame->cap = p->link->bufsize;
  frame->len = 0;
  frame->cookie = (uintptr_t)b;
  return 0;
}

static void port_tx_abort(void *ctx, struct exo_frame *frame) {
  struct port *p = ctx;
  buf_put(p->link, (struct sbuf *)frame->cookie);
}

static int port_tx_commit(void *ctx, uint64_t now, struct exo_frame *frame) {
  struct port *p = ctx;
  struct exo_sim_link *l = p->link;
  struct sbuf *b = (struct sbuf *)frame->cookie;
  b->len = frame->len <= l->bufsize ? frame->len : l->bufsize;
  uint64_t now_ns = now * 1000;
  uint64_t done_ns = now_ns;
  if (p->path.rate_bps) {
    uint64_t start = p->busy_until_ns > now_ns ? p->busy_until_ns : now_ns;
    if (p->path.queue_bytes) {
      uint64_t backlog = (start - now_ns) * p->path.rate_bps / 8000000000ull;
      if (backlog + b->len > p->path.queue_bytes) {
        p->stats.queue_drops++;
        buf_put(l, b);
        return 0;
      }
    }
    uint64_t bits = (uint64_t)(b->len + WIRE_OVERHEAD) * 8;
    p->busy_until_ns = start + (bits * 1000000000ull + p->path.rate_bps - 1) / p->path.rate_bps;
    done_ns = p->busy_until_ns;
  }
  uint64_t arrival = (done_ns + 999) / 1000 + p->path.delay_us;
  p->stats.tx_frames++;
  p->stats.tx_bytes += b->len;
  bool used = false;
  for (unsigned i = 0; i < l->n; i++) {
    if (i == p->idx) continue;
    struct sbuf *copy = b;
    if (used) {
      copy = buf_get(l);
      if (!copy) continue;
      copy->len = b->len;
      exo_memcpy(copy->data, b->data, b->len);
    }
    if (exo__evq_push(&l->ports[i].rxq, arrival, copy) < 0) {
      if (copy != b) buf_put(l, copy);
      continue;
    }
    used = true;
  }
  if (!used) buf_put(l, b);
  return 0;
}

static void port_caps(void *ctx, struct exo_dev_caps *caps) {
  struct port *p = ctx;
  caps->mtu = p->link->mtu;
  caps->flags = 0;
  caps->rx_burst = 32;
}

static uint64_t port_next_deadline(void *ctx) {
  struct port *p = ctx;
  return exo__evq_top_due(&p->rxq);
}

static const struct exo_device_ops port_ops = {
    .rx_burst = port_rx_burst,
    .rx_release = port_rx_release,
    .tx_reserve = port_tx_reserve,
    .tx_commit = port_tx_commit,
    .tx_abort = port_tx_abort,
    .caps = port_caps,
    .fd = NULL,
    .next_deadline = port_next_deadline,
};

int exo_sim_link_create(const struct exo_platform *platform, unsigned nports, uint16_t mtu,
                        struct exo_sim_link **out) {
  if (!platform || nports < 2 || nports > 64 || mtu < 576 || mtu > 9000 || !out)
    return -EXO_EINVAL;
  struct exo_sim_link *l = platform->alloc(platform->ctx, sizeof *l);
  if (!l) return -EXO_ENOMEM;
  exo_memset(l, 0, sizeof *l);
  l->platform = *platform;
  l->n = nports;
  l->mtu = mtu;
  l->bufsize = (size_t)mtu + EXO_ETH_HEADER_LEN + 2 * EXO_ETH_VLAN_TAG_LEN;
  l->ports = platform->alloc(platform->ctx, nports * sizeof *l->ports);
  if (!l->ports) {
    platform->free(platform->ctx, l, sizeof *l);
    return -EXO_ENOMEM;
  }
  exo_memset(l->ports, 0, nports * sizeof *l->ports);
  for (unsigned i = 0; i < nports; i++) {
    l->ports[i].link = l;
    l->ports[i].idx = i;
    exo__evq_init(&l->ports[i].rxq, &l->platform);
  }
  *out = l;
  return 0;
}

void exo_sim_link_destroy(struct exo_sim_link *l) {
  if (!l) return;
  for (unsigned i = 0; i < l->n; i++) {
    struct sbuf *b;
    while ((b = exo__evq_pop(&l->ports[i].rxq))) buf_put(l, b);
    exo__evq_fini(&l->ports[i].rxq);
  }
  while (l->free) {
    struct sbuf *b = l->free;
    l->free = b->next;
    l->platform.free(l->platform.ctx, b, sizeof *b + l->bufsize);
  }
  l->platform.free(l->platform.ctx, l->ports, l->n * sizeof *l->ports);
  l->platform.free(l->platform.ctx, l, sizeof *l);
}

int exo_sim_link_set_path(struct exo_sim_link *l, unsigned port, const struct exo_sim_path *p) {
  if (port >= l->n || !p) return -EXO_EINVAL;
  l->ports[port].path = *p;
  return 0;
}

struct exo_device exo_sim_link_port(struct exo_sim_link *l, unsigned port) {
  return (struct exo_device){.ops = &port_ops, .ctx = port < l->n ? &l->ports[port] : NULL};
}

const struct exo_sim_port_stats *exo_sim_link_stats(const struct exo_sim_link *l, unsigned port) {
  return port < l->n ? &l->ports[port].stats : NULL;
}

uint64_t exo_sim_step(struct exo_stack *const *stacks, unsigned n, uint64_t now, uint64_t limit) {
  uint64_t t = limit;
  for (unsigned i = 0; i < n; i++) {
    uint64_t d = exo_stack_next_deadline(stacks[i]);
    if (d < t) t = d;
  }
  if (t < now) t = now;
  for (unsigned i = 0; i < n; i++) exo_stack_poll(stacks[i], t);
  return t;
}
