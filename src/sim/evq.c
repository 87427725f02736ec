/* Binary min-heap event queue (see evq.h). */
#include "sim/evq.h"

#include "exonet/errno.h"

void exo__evq_init(struct exo__evq *q, const struct exo_platform *platform) {
  q->v = NULL;
  q->n = q->cap = 0;
  q->seq = 0;
  q->platform = platform;
}

void exo__evq_fini(struct exo__evq *q) {
  if (q->v) q->platform->free(q->platform->ctx, q->v, q->cap * sizeof *q->v);
  q->v = NULL;
  q->n = q->cap = 0;
}

static bool before(const struct exo__evq_ent *a, const struct exo__evq_ent *b) {
  return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

int exo__evq_push(struct exo__evq *q, uint64_t due, void *item) {
  if (q->n == q->cap) {
    size_t ncap = q->cap ? q->cap * 2 : 64;
    struct exo__evq_ent *nv = q->platform->alloc(q->platform->ctx, ncap * sizeof *nv);
    if (!nv) return -EXO_ENOMEM;
    if (q->n) exo_memcpy(nv, q->v, q->n * sizeof *nv);
    if (q->v) q->platform->free(q->platform->ctx, q->v, q->cap * sizeof *q->v);
    q->v = nv;
    q->cap = ncap;
  }
  struct exo__evq_ent e = {.due = due, .seq = q->seq++, .item = item};
  size_t i = q->n++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!before(&e, &q->v[parent])) break;
    q->v[i] = q->v[parent];
    i = parent;
  }
  q->v[i] = e;
  return 0;
}

void *exo__evq_pop(struct exo__evq *q) {
  if (q->n == 0) return NULL;
  void *item = q->v[0].item;
  struct exo__evq_ent last = q->v[--q->n];
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    const struct exo__evq_ent *best = &last;
    if (l < q->n && before(&q->v[l], best)) {
      m = l;
      best = &q->v[l];
    }
    if (r < q->n && before(&q->v[r], best)) m = r;
    if (m == i) break;
    q->v[i] = q->v[m];
    i = m;
  }
  if (q->n) q->v[i] = last;
  return item;
}
