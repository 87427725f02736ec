/* The fault injector (see include/exonet/dev/fault.h).
 *
 * Invariants:
 * - Transmit: tx_reserve hands out the inner device's buffer; at commit the frame's fate
 *   is drawn. A frame due now goes to the inner device in that same buffer; a frame due
 *   later is copied into a held buffer (the inner buffer is aborted) and released, in
 *   (due, arrival) order, by the first call at or after its due time.
 * - Receive with faults: every inner frame is copied into a held buffer and released at
 *   once, so all frames handed up are ours (cookie = held buffer) and the inner device
 *   gets its buffers back within the same call. Receive without faults passes through.
 * - Draws from the PRNG happen in a fixed order per frame (loss, corrupt, dup, reorder,
 *   jitter), so a seed gives the same run whatever the timing of calls. */
#include "exonet/dev/fault.h"

#include "exonet/errno.h"
#include "sim/evq.h"

struct held {
  size_t len;
  uint8_t data[];
};

struct path {
  struct exo_fault_config cfg;
  bool active;
  uint64_t busy_until_ns; /* rate limiter: when the last frame finishes serializing */
  struct exo__evq q;
  struct exo_fault_stats stats;
};

struct exo_fault {
  struct exo_platform platform;
  struct exo_device inner;
  struct exo_rng rng;
  struct path tx, rx;
  size_t max_frame;
};

static bool cfg_active(const struct exo_fault_config *c) {
  return c->loss_ppm || c->dup_ppm || c->reorder_ppm || c->corrupt_ppm || c->delay_us ||
         c->jitter_us || c->rate_bps;
}

static struct held *held_new(struct exo_fault *f, const uint8_t *data, size_t len) {
  struct held *h = f->platform.alloc(f->platform.ctx, sizeof *h + len);
  if (!h) return NULL;
  h->len = len;
  exo_memcpy(h->data, data, len);
  return h;
}

static void held_free(struct exo_fault *f, struct held *h) {
  f->platform.free(f->platform.ctx, h, sizeof *h + h->len);
}

static void corrupt(struct exo_fault *f, uint8_t *data, size_t len) {
  if (len == 0) return;
  uint64_t bit = exo_rng_below(&f->rng, (uint64_t)len * 8);
  data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/* When a frame of len bytes entering at `now` should leave, or UINT64_MAX to drop it
 * (rate-limiter queue full). Draws the reorder and jitter dice. */
static uint64_t due_time(struct exo_fault *f, struct path *p, uint64_t now, size_t len) {
  const struct exo_fault_config *c = &p->cfg;
  uint64_t due = now + c->delay_us;
  if (c->jitter_us) due += exo_rng_below(&f->rng, (uint64_t)c->jitter_us + 1);
  if (exo_rng_ppm(&f->rng, c->reorder_ppm)) {
    due += c->reorder_us ? c->reorder_us : 1000;
    p->stats.reordered++;
  }
  if (c->rate_bps) {
    uint64_t now_ns = now * 1000;
    uint64_t start = p->busy_until_ns > now_ns ? p->busy_until_ns : now_ns;
    uint64_t backlog_bytes = (start - now_ns) * c->rate_bps / 8000000000ull;
    uint32_t qlimit = c->queue_bytes ? c->queue_bytes : (1u << 20);
    if (backlog_bytes > qlimit) {
      p->stats.queue_drops++;
      return UINT64_MAX;
    }
    p->busy_until_ns = start + ((uint64_t)len * 8000000000ull + c->rate_bps - 1) / c->rate_bps;
    uint64_t done_us = (p->busy_until_ns + 999) / 1000;
    if (done_us > now) due += done_us - now;
  }
  return due;
}

/* ---- transmit ---------------------------------------------------------------------- */

static void tx_release_due(struct exo_fault *f, uint64_t now) {
  while (exo__evq_top_due(&f->tx.q) <= now) {
    struct held *h = exo__evq_pop(&f->tx.q);
    struct exo_frame fr = {0};
    if (f->inner.ops->tx_reserve(f->inner.ctx, &fr, h->len) == 0) {
      exo_memcpy(fr.data, h->data, h->len);
      fr.len = h->len;
      f->inner.ops->tx_commit(f->inner.ctx, now, &fr);
    } else {
      f->tx.stats.nobufs++;
    }
    held_free(f, h);
  }
}

static int fault_tx_reserve(void *ctx, struct exo_frame *frame, size_t len) {
  struct exo_fault *f = ctx;
  return f->inner.ops->tx_reserve(f->inner.ctx, frame, len);
}

static void fault_tx_abort(void *ctx, struct exo_frame *frame) {
  struct exo_fault *f = ctx;
  f->inner.ops->tx_abort(f->inner.ctx, frame);
}

/* Sends one copy of data at `due`: now through the inner device, later via the queue. */
static void tx_schedule(struct exo_fault *f, uint64_t now, uint64_t due, const uint8_t *data,
                        size_t len) {
  if (due <= now && exo__evq_top_due(&f->tx.q) > now) {
    struct exo_frame fr = {0};
    if (f->inner.ops->tx_reserve(f->inner.ctx, &fr, len) == 0) {
      exo_memcpy(fr.data, data, len);
      fr.len = len;
      f->inner.ops->tx_commit(f->inner.ctx, now, &fr);
    } else {
      f->tx.stats.nobufs++;
    }
    return;
  }
  struct held *h = held_new(f, data, len);
  if (!h || exo__evq_push(&f->tx.q, due, h) < 0) {
    if (h) held_free(f, h);
    f->tx.stats.nobufs++;
    return;
  }
  if (due > now) f->tx.stats.delayed++;
}

static int fault_tx_commit(void *ctx, uint64_t now, struct exo_frame *frame) {
  struct exo_fault *f = ctx;
  struct path *p = &f->tx;
  tx_release_due(f, now);
  if (!p->active) return f->inner.ops->tx_commit(f->inner.ctx, now, frame);
  p->stats.frames++;
  if (exo_rng_ppm(&f->rng, p->cfg.loss_ppm)) {
    p->stats.dropped++;
    f->inner.ops->tx_abort(f->inner.ctx, frame);
    return 0;
  }
  if (exo_rng_ppm(&f->rng, p->cfg.corrupt_ppm)) {
    corrupt(f, frame->data, frame->len);
    p->stats.corrupted++;
  }
  bool dup = exo_rng_ppm(&f->rng, p->cfg.dup_ppm);
  uint64_t due = due_time(f, p, now, frame->len);
  uint64_t due2 = UINT64_MAX;
  if (dup) {
    p->stats.duplicated++;
    due2 = due_time(f, p, now, frame->len);
  }
  int rc = 0;
  if (due == UINT64_MAX) {
    /* tail-dropped by the rate limiter */
  } else if (due <= now && exo__evq_top_due(&p->q) > now && due2 == UINT64_MAX) {
    /* The common case: straight through in the inner device's own buffer. */
    return f->inner.ops->tx_commit(f->inner.ctx, now, frame);
  } else {
    tx_schedule(f, now, due, frame->data, frame->len);
  }
  if (due2 != UINT64_MAX) tx_schedule(f, now, due2, frame->data, frame->len);
  f->inner.ops->tx_abort(f->inner.ctx, frame);
  return rc;
}

/* ---- receive ------------------------------------------------------------------------ */

#define RX_PULL 32

static int fault_rx_burst(void *ctx, uint64_t now, struct exo_frame *frames, int max) {
  struct exo_fault *f = ctx;
  tx_release_due(f, now);
  struct path *p = &f->rx;
  if (!p->active) return f->inner.ops->rx_burst(f->inner.ctx, now, frames, max);
  /* Pull what the inner device has, deciding each frame's fate on arrival. */
  struct exo_frame in[RX_PULL];
  int n = f->inner.ops->rx_burst(f->inner.ctx, now, in, RX_PULL);
  if (n < 0 && p->q.n == 0) return n;
  for (int i = 0; i < n; i++) {
    p->stats.frames++;
    if (exo_rng_ppm(&f->rng, p->cfg.loss_ppm)) {
      p->stats.dropped++;
      continue;
    }
    bool bad = exo_rng_ppm(&f->rng, p->cfg.corrupt_ppm);
    bool dup = exo_rng_ppm(&f->rng, p->cfg.dup_ppm);
    for (int copy = 0; copy < (dup ? 2 : 1); copy++) {
      uint64_t due = due_time(f, p, now, in[i].len);
      if (due == UINT64_MAX) continue;
      struct held *h = held_new(f, in[i].data, in[i].len);
      if (!h || exo__evq_push(&p->q, due, h) < 0) {
        if (h) held_free(f, h);
        p->stats.nobufs++;
        continue;
      }
      if (bad && copy == 0) {
        corrupt(f, h->data, h->len);
        p->stats.corrupted++;
      }
      if (copy == 1) p->stats.duplicated++;
      if (due > now) p->stats.delayed++;
    }
  }
  if (n > 0) f->inner.ops->rx_release(f->inner.ctx, in, n);
  int got = 0;
  while (got < max && exo__evq_top_due(&p->q) <= now) {
    struct held *h = exo__evq_pop(&p->q);
    frames[got].data = h->data;
    frames[got].len = h->len;
    frames[got].cap = h->len;
    frames[got].cookie = (uintptr_t)h;
    got++;
  }
  return got;
}

static void fault_rx_release(void *ctx, struct exo_frame *frames, int count) {
  struct exo_fault *f = ctx;
  if (!f->rx.active) {
    f->inner.ops->rx_release(f->inner.ctx, frames, count);
    return;
  }
  for (int i = 0; i < count; i++) held_free(f, (struct held *)frames[i].cookie);
}

static void fault_caps(void *ctx, struct exo_dev_caps *caps) {
  struct exo_fault *f = ctx;
  f->inner.ops->caps(f->inner.ctx, caps);
  /* Corrupted frames must be caught by the stack's own checksum checks. */
  if (f->rx.cfg.corrupt_ppm || f->tx.cfg.corrupt_ppm) caps->flags &= ~EXO_DEV_CAP_RX_CSUM_OK;
}

static int fault_fd(void *ctx) {
  struct exo_fault *f = ctx;
  return exo_dev_fd(&f->inner);
}

static uint64_t fault_next_deadline(void *ctx) {
  struct exo_fault *f = ctx;
  uint64_t d = exo_dev_next_deadline(&f->inner);
  d = EXO_MIN(d, exo__evq_top_due(&f->tx.q));
  d = EXO_MIN(d, exo__evq_top_due(&f->rx.q));
  return d;
}

static const struct exo_device_ops fault_ops = {
    .rx_burst = fault_rx_burst,
    .rx_release = fault_rx_release,
    .tx_reserve = fault_tx_reserve,
    .tx_commit = fault_tx_commit,
    .tx_abort = fault_tx_abort,
    .caps = fault_caps,
    .fd = fault_fd,
    .next_deadline = fault_next_deadline,
};

int exo_fault_create(const struct exo_platform *platform, struct exo_device inner,
                     const struct exo_fault_config *tx, const struct exo_fault_config *rx,
                     uint64_t seed, struct exo_fault **out) {
  if (!platform || !inner.ops || !out) return -EXO_EINVAL;
  const struct exo_fault_config *cfgs[2] = {tx, rx};
  for (int i = 0; i < 2; i++)
    if (cfgs[i] && (cfgs[i]->loss_ppm > 1000000 || cfgs[i]->dup_ppm > 1000000 ||
                    cfgs[i]->reorder_ppm > 1000000 || cfgs[i]->corrupt_ppm > 1000000))
      return -EXO_EINVAL;
  struct exo_fault *f = platform->alloc(platform->ctx, sizeof *f);
  if (!f) return -EXO_ENOMEM;
  exo_memset(f, 0, sizeof *f);
  f->platform = *platform;
  f->inner = inner;
  exo_rng_seed(&f->rng, seed);
  if (tx) f->tx.cfg = *tx;
  if (rx) f->rx.cfg = *rx;
  f->tx.active = cfg_active(&f->tx.cfg);
  f->rx.active = cfg_active(&f->rx.cfg);
  exo__evq_init(&f->tx.q, &f->platform);
  exo__evq_init(&f->rx.q, &f->platform);
  *out = f;
  return 0;
}

void exo_fault_destroy(struct exo_fault *f) {
  if (!f) return;
  struct held *h;
  while ((h = exo__evq_pop(&f->tx.q))) held_free(f, h);
  while ((h = exo__evq_pop(&f->rx.q))) held_free(f, h);
  exo__evq_fini(&f->tx.q);
  exo__evq_fini(&f->rx.q);
  f->platform.free(f->platform.ctx, f, sizeof *f);
}

struct exo_device exo_fault_device(struct exo_fault *f) {
  return (struct exo_device){.ops = &fault_ops, .ctx = f};
}

const struct exo_fault_stats *exo_fault_tx_stats(const struct exo_fault *f) { return &f->tx.stats; }
const struct exo_fault_stats *exo_fault_rx_stats(const struct exo_fault *f) { return &f->rx.stats; }
