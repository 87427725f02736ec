/* In-memory link (see include/exonet/dev/memlink.h).
 *
 * Invariants: queue[e] holds frames travelling toward end e, as a ring of `depth` slots
 * of EXO_MEMLINK_SLOT bytes; head/tail count frames (tail - head <= depth). A frame
 * handed out by rx_burst is copied out of the ring first, into the end's private receive
 * slots, so the ring never waits on a slow receiver. evfd[e] is readable iff queue[e] is
 * non-empty (kept under the mutex). */
#include "exonet/dev/memlink.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "exonet/errno.h"

#define EXO_MEMLINK_SLOT 2048u
#define EXO_MEMLINK_BURST 32
#define EXO_MEMLINK_TX 8

struct memlink_queue {
  uint8_t *slots;
  uint16_t *lens;
  uint64_t head, tail;
  uint64_t drops;
};

struct memlink_end {
  struct exo_memlink *link;
  int index;
  uint8_t rx[EXO_MEMLINK_BURST][EXO_MEMLINK_SLOT];
  uint8_t tx[EXO_MEMLINK_TX][EXO_MEMLINK_SLOT];
  uint32_t tx_free; /* bit i set while tx[i] is free */
};

struct exo_memlink {
  pthread_mutex_t lock;
  unsigned depth;
  struct memlink_queue queue[2];
  int evfd[2];
  struct memlink_end end[2];
};

static void evfd_set(int fd, bool readable) {
  uint64_t v = 1;
  if (readable) {
    if (write(fd, &v, sizeof v) != sizeof v) { /* cannot overflow at 0/1 */ }
  } else if (read(fd, &v, sizeof v) != sizeof v) { /* already clear */ }
}

static int ml_rx_burst(void *ctx, uint64_t now, struct exo_frame *frames, int max) {
  struct memlink_end *e = ctx;
  struct exo_memlink *l = e->link;
  struct memlink_queue *q = &l->queue[e->index];
  (void)now;
  if (max > EXO_MEMLINK_BURST) max = EXO_MEMLINK_BURST;
  int n = 0;
  pthread_mutex_lock(&l->lock);
  while (n < max && q->head != q->tail) {
    size_t slot = (size_t)(q->head % l->depth);
    memcpy(e->rx[n], q->slots + slot * EXO_MEMLINK_SLOT, q->lens[slot]);
    frames[n] = (struct exo_frame){.data = e->rx[n], .len = q->lens[slot], .cap = EXO_MEMLINK_SLOT};
    q->head++;
    n++;
  }
  if (q->head == q->tail) evfd_set(l->evfd[e->index], false);
  pthread_mutex_unlock(&l->lock);
  return n;
}

static void ml_rx_release(void *ctx, struct exo_frame *frames, int count) {
  (void)ctx;
  (void)frames;
  (void)count; /* receive slots are reused by the next rx_burst */
}

static int ml_tx_reserve(void *ctx, struct exo_frame *frame, size_t len) {
  struct memlink_end *e = ctx;
  if (len > EXO_MEMLINK_SLOT) return -EXO_EMSGSIZE;
  if (e->tx_free == 0) return -EXO_ENOBUFS;
  int slot = __builtin_ctz(e->tx_free);
  e->tx_free &= ~(1u << slot);
  *frame = (struct exo_frame){.data = e->tx[slot], .len = 0, .cap = EXO_MEMLINK_SLOT,
                              .cookie = (uintptr_t)slot};
  return 0;
}

static int ml_tx_commit(void *ctx, uint64_t now, struct exo_frame *frame) {
  struct memlink_end *e = ctx;
  struct exo_memlink *l = e->link;
  int peer = 1 - e->index;
  struct memlink_queue *q = &l->queue[peer];
  (void)now;
  e->tx_free |= 1u << (frame->cookie % EXO_MEMLINK_TX);
  if (frame->len == 0 || frame->len > EXO_MEMLINK_SLOT) return 0;
  pthread_mutex_lock(&l->lock);
  if (q->tail - q->head >= l->depth) {
    q->drops++;
  } else {
    size_t slot = (size_t)(q->tail % l->depth);
    memcpy(q->slots + slot * EXO_MEMLINK_SLOT, frame->data, frame->len);
    q->lens[slot] = (uint16_t)frame->len;
    if (q->tail++ == q->head) evfd_set(l->evfd[peer], true);
  }
  pthread_mutex_unlock(&l->lock);
  return 0;
}

static void ml_tx_abort(void *ctx, struct exo_frame *frame) {
  ((struct memlink_end *)ctx)->tx_free |= 1u << (frame->cookie % EXO_MEMLINK_TX);
}

static void ml_caps(void *ctx, struct exo_dev_caps *caps) {
  (void)ctx;
  caps->mtu = 1500;
  caps->flags = 0;
  caps->rx_burst = EXO_MEMLINK_BURST;
}

static int ml_fd(void *ctx) {
  struct memlink_end *e = ctx;
  return e->link->evfd[e->index];
}

static const struct exo_device_ops memlink_ops = {
    .rx_burst = ml_rx_burst,
    .rx_release = ml_rx_release,
    .tx_reserve = ml_tx_reserve,
    .tx_commit = ml_tx_commit,
    .tx_abort = ml_tx_abort,
    .caps = ml_caps,
    .fd = ml_fd,
    .next_deadline = NULL,
};

struct exo_memlink *exo_memlink_create(unsigned depth) {
  if (depth == 0 || depth > 65536) {
    errno = EINVAL;
    return NULL;
  }
  struct exo_memlink *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  pthread_mutex_init(&l->lock, NULL);
  l->depth = depth;
  for (int i = 0; i < 2; i++) {
    l->queue[i].slots = malloc((size_t)depth * EXO_MEMLINK_SLOT);
    l->queue[i].lens = calloc(depth, sizeof *l->queue[i].lens);
    l->evfd[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    l->end[i].link = l;
    l->end[i].index = i;
    l->end[i].tx_free = (1u << EXO_MEMLINK_TX) - 1;
    if (!l->queue[i].slots || !l->queue[i].lens || l->evfd[i] < 0) {
      exo_memlink_destroy(l);
      errno = ENOMEM;
      return NULL;
    }
  }
  return l;
}

void exo_memlink_destroy(struct exo_memlink *l) {
  if (!l) return;
  for (int i = 0; i < 2; i++) {
    free(l->queue[i].slots);
    free(l->queue[i].lens);
    if (l->evfd[i] > 0) close(l->evfd[i]);
  }
  pthread_mutex_destroy(&l->lock);
  free(l);
}

struct exo_device exo_memlink_end(struct exo_memlink *l, int end) {
  return (struct exo_device){.ops = &memlink_ops, .ctx = &l->end[end & 1]};
}

uint64_t exo_memlink_drops(const struct exo_memlink *l, int end) {
  return l->queue[end & 1].drops;
}
