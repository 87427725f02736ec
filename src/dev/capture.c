/* The capture device for tests (see include/exonet/dev/capture.h).
 *
 * Invariants: one transmit buffer is lent at a time per reservation (each its own
 * malloc), every committed frame is copied into the record with its time; injected
 * frames wait in FIFO order and are lent to rx_burst until released. */
#include "exonet/dev/capture.h"

#include <stdlib.h>
#include <string.h>

#include "exonet/errno.h"

struct rec {
  uint8_t *data;
  size_t len;
  uint64_t time;
};

struct exo_capdev {
  uint16_t mtu;
  bool tx_full;
  struct rec *tx;
  size_t ntx, captx;
  struct rec *rx;  /* injected, not yet received */
  size_t nrx, caprx, rxhead;
};

static int push(struct rec **v, size_t *n, size_t *cap, const void *data, size_t len,
                uint64_t t) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 64;
    struct rec *nv = realloc(*v, nc * sizeof *nv);
    if (!nv) return -EXO_ENOMEM;
    *v = nv;
    *cap = nc;
  }
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy) return -EXO_ENOMEM;
  if (len) memcpy(copy, data, len);
  (*v)[(*n)++] = (struct rec){copy, len, t};
  return 0;
}

static int cap_rx_burst(void *ctx, uint64_t now, struct exo_frame *frames, int max) {
  struct exo_capdev *c = ctx;
  (void)now;
  int got = 0;
  while (got < max && c->rxhead < c->nrx) {
    struct rec *r = &c->rx[c->rxhead++];
    frames[got].data = r->data;
    frames[got].len = r->len;
    frames[got].cap = r->len;
    frames[got].cookie = (uintptr_t)r->data;
    r->data = NULL; /* ownership moves to the lent frame */
    got++;
  }
  if (c->rxhead == c->nrx) c->rxhead = c->nrx = 0;
  return got;
}

static void cap_rx_release(void *ctx, struct exo_frame *frames, int count) {
  (void)ctx;
  for (int i = 0; i < count; i++) free((void *)frames[i].cookie);
}

static int cap_tx_reserve(void *ctx, struct exo_frame *frame, size_t len) {
  struct exo_capdev *c = ctx;
  if (c->tx_full) return -EXO_ENOBUFS;
  if (len > (size_t)c->mtu + 22) return -EXO_EMSGSIZE;
  size_t cap = (size_t)c->mtu + 22;
  frame->data = malloc(cap);
  if (!frame->data) return -EXO_ENOBUFS;
  frame->cap = cap;
  frame->len = 0;
  frame->cookie = 0;
  return 0;
}

static int cap_tx_commit(void *ctx, uint64_t now, struct exo_frame *frame) {
  struct exo_capdev *c = ctx;
  size_t len = frame->len <= frame->cap ? frame->len : frame->cap;
  int rc = push(&c->tx, &c->ntx, &c->captx, frame->data, len, now);
  free(frame->data);
  frame->data = NULL;
  return rc == 0 ? 0 : -EXO_ENETDOWN;
}

static void cap_tx_abort(void *ctx, struct exo_frame *frame) {
  (void)ctx;
  free(frame->data);
  frame->data = NULL;
}

static void cap_caps(void *ctx, struct exo_dev_caps *caps) {
  struct exo_capdev *c = ctx;
  caps->mtu = c->mtu;
  caps->flags = 0;
  caps->rx_burst = 32;
}

static const struct exo_device_ops cap_ops = {
    .rx_burst = cap_rx_burst,
    .rx_release = cap_rx_release,
    .tx_reserve = cap_tx_reserve,
    .tx_commit = cap_tx_commit,
    .tx_abort = cap_tx_abort,
    .caps = cap_caps,
    .fd = NULL,
    .next_deadline = NULL,
};

struct exo_capdev *exo_capdev_create(uint16_t mtu) {
  struct exo_capdev *c = calloc(1, sizeof *c);
  if (c) c->mtu = mtu;
  return c;
}

void exo_capdev_tx_clear(struct exo_capdev *c) {
  for (size_t i = 0; i < c->ntx; i++) free(c->tx[i].data);
  c->ntx = 0;
}

void exo_capdev_destroy(struct exo_capdev *c) {
  if (!c) return;
  exo_capdev_tx_clear(c);
  for (size_t i = c->rxhead; i < c->nrx; i++) free(c->rx[i].data);
  free(c->tx);
  free(c->rx);
  free(c);
}

struct exo_device exo_capdev_device(struct exo_capdev *c) {
  return (struct exo_device){.ops = &cap_ops, .ctx = c};
}

int exo_capdev_inject(struct exo_capdev *c, const void *frame, size_t len) {
  return push(&c->rx, &c->nrx, &c->caprx, frame, len, 0);
}

size_t exo_capdev_tx_count(const struct exo_capdev *c) { return c->ntx; }

const uint8_t *exo_capdev_tx_frame(const struct exo_capdev *c, size_t i, size_t *len) {
  if (i >= c->ntx) return NULL;
  if (len) *len = c->tx[i].len;
  return c->tx[i].data;
}

uint64_t exo_capdev_tx_time(const struct exo_capdev *c, size_t i) {
  return i < c->ntx ? c->tx[i].time : 0;
}

void exo_capdev_set_tx_full(struct exo_capdev *c, bool full) { c->tx_full = full; }
