/* A binary min-heap of (due time, insertion order) -> item: the event queue of the
 * simulator and of the fault injector's held frames.
 *
 * Invariants: items with equal due times pop in insertion order (so a FIFO link stays
 * FIFO); memory comes only from the platform allocator; the queue never owns items. */
#ifndef EXONET_SRC_SIM_EVQ_H
#define EXONET_SRC_SIM_EVQ_H

#include "exonet/platform.h"

struct exo__evq_ent {
  uint64_t due;
  uint64_t seq;
  void *item;
};

struct exo__evq {
  struct exo__evq_ent *v;
  size_t n, cap;
  uint64_t seq;
  const struct exo_platform *platform;
};

void exo__evq_init(struct exo__evq *q, const struct exo_platform *platform);
/* Frees the heap array (not the items). */
void exo__evq_fini(struct exo__evq *q);
/* Returns 0 or -EXO_ENOMEM. */
int exo__evq_push(struct exo__evq *q, uint64_t due, void *item);
static inline uint64_t exo__evq_top_due(const struct exo__evq *q) {
  return q->n ? q->v[0].due : UINT64_MAX;
}
/* Removes and returns the earliest item (NULL when empty). */
void *exo__evq_pop(struct exo__evq *q);

#endif
