/* The receive demultiplexer (see include/exonet/demux.h for the contract).
 *
 * Structures readers see, and how each changes:
 *  - d->current: the SET, an immutable array of shape pointers then general-filter
 *    pointers. Adding or removing a shape or a general filter builds a new set and swaps
 *    the pointer; the old set is retired.
 *  - shape->table: an array of hash buckets; chains of nodes (one per filter path). A new
 *    node is fully written, then published by storing it at the head of its bucket; a
 *    removed node is unlinked by one store into its predecessor, and retired. Its own
 *    `next` is never changed, so a reader standing on it still finds the rest of the chain.
 *    Growing a table copies every node into a new table that is then swapped in.
 *  - everything else in shapes, sets, nodes and general filters is immutable once published.
 * Reclamation: readers bump d->active around each match; a retired block is freed only
 * after a writer reads d->active == 0 after the block was unpublished. All publishing
 * stores, the readers' loads and both sides of the counter are seq_cst (a plain mov on
 * x86 for loads): the unpublish-then-check and increment-then-load pairs are the classic
 * store-load (Dekker) pattern, which needs one total order.
 * Writer-only state (filter records, slots, retired list, counts) is guarded by d->lock.
 * Freestanding: memory from the platform hooks, atomics from compiler builtins. */
#include "exonet/demux.h"

#include "classify.h"
#include "exonet/errno.h"

#define EXO__SLOT_BITS 20
#define EXO__MAX_SLOTS ((1u << EXO__SLOT_BITS) - 1)
#define EXO__LOAD(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define EXO__STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)

struct exo__retired {
  struct exo__retired *next;
  size_t size;
};

struct exo__node {
  struct exo__retired hdr;
  struct exo__node *next;
  uint32_t filter_id, owner, hash;
  uint32_t key[];
};

struct exo__table {
  struct exo__retired hdr;
  uint32_t mask;
  uint32_t count; /* writer-only */
  struct exo__node *heads[];
};

struct exo__shape {
  struct exo__retired hdr;
  struct exo__table *table;
  /* Key columns: colval[i] is the first filter's constant for key i; bit i of colvary
   * (atomic, only ever set, before a node with a different constant is published) says
   * filters differ there. A frame whose value differs from colval[i] in a column that
   * does not vary matches no filter of the shape, and leaves early. */
  uint32_t colvary;
  uint32_t colval[EXO__BPF_PATH_MAXCONDS];
  uint32_t users; /* writer-only: nodes in the table */
  uint32_t nwords;
  struct exo__bpf_path path;
  uint32_t words[];
};

struct exo__general {
  struct exo__retired hdr;
  uint32_t filter_id, owner;
  size_t len;
  struct exo_bpf_insn insns[];
};

struct exo__set {
  struct exo__retired hdr;
  uint32_t nshapes, ngeneral;
  void *items[]; /* nshapes shapes, then ngeneral general filters */
};

struct exo__fpath {
  struct exo__shape *shape;
  uint32_t hash;
  uint16_t nkeys;
  uint32_t key[EXO__BPF_PATH_MAXCONDS];
};

/* Writer-only record of one installed filter. */
struct exo__filter {
  size_t size; /* as allocated (paths may be fewer after removing duplicates) */
  uint32_t id, owner;
  struct exo__general *general;
  uint32_t npaths;
  struct exo__fpath paths[];
};

struct exo_demux {
  struct exo_platform plat;
  uint32_t seed;
  struct exo__set *current; /* atomic */
  uint32_t active;          /* atomic: readers inside exo_demux_match */
  uint8_t lock;             /* atomic flag: one writer at a time */
  struct exo__retired *retired;
  uint32_t nretired;
  struct exo__filter **slots;
  uint16_t *gens;
  uint32_t *free_slots;
  uint32_t nfree, nslots, cap_slots;
  uint32_t nfilters, nfast, ngeneral;
};

static void *exo__alloc(struct exo_demux *d, size_t size) {
  void *p = d->plat.alloc(d->plat.ctx, size);
  if (p) exo_memset(p, 0, size);
  return p;
}

static void exo__free(struct exo_demux *d, void *p, size_t size) {
  if (p) d->plat.free(d->plat.ctx, p, size);
}

static void *exo__alloc_block(struct exo_demux *d, size_t size) {
  struct exo__retired *b = exo__alloc(d, size);
  if (b) b->size = size;
  return b;
}

static void exo__free_block(struct exo_demux *d, void *p) {
  if (p) exo__free(d, p, ((struct exo__retired *)p)->size);
}

static void exo__retire(struct exo_demux *d, void *p) {
  struct exo__retired *b = p;
  b->next = d->retired;
  d->retired = b;
  d->nretired++;
}

static void exo__reclaim_locked(struct exo_demux *d) {
  if (!d->retired || EXO__LOAD(&d->active) != 0) return;
  struct exo__retired *b = d->retired;
  d->retired = NULL;
  d->nretired = 0;
  while (b) {
    struct exo__retired *next = b->next;
    exo__free(d, b, b->size);
    b = next;
  }
}

static void exo__lock(struct exo_demux *d) {
  while (__atomic_test_and_set(&d->lock, __ATOMIC_ACQUIRE)) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
}

static void exo__unlock(struct exo_demux *d) { __atomic_clear(&d->lock, __ATOMIC_RELEASE); }

static uint32_t exo__hash(uint32_t seed, const uint32_t *k, uint16_t n) {
  uint32_t h = seed ^ (n * 0x27d4eb2fu);
  for (uint16_t i = 0; i < n; i++) {
    h ^= k[i];
    h *= 0x9e3779b1u;
    h ^= h >> 15;
  }
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  return h;
}

static struct exo__table *exo__table_new(struct exo_demux *d, uint32_t nbuckets) {
  struct exo__table *t =
      exo__alloc_block(d, sizeof *t + (size_t)nbuckets * sizeof(struct exo__node *));
  if (t) t->mask = nbuckets - 1;
  return t;
}

static size_t exo__node_size(uint16_t nkeys) {
  return sizeof(struct exo__node) + (size_t)nkeys * sizeof(uint32_t);
}

struct exo_demux *exo_demux_create(const struct exo_platform *platform) {
  if (!platform || !platform->alloc || !platform->free) return NULL;
  struct exo_demux *d = platform->alloc(platform->ctx, sizeof *d);
  if (!d) return NULL;
  exo_memset(d, 0, sizeof *d);
  d->plat = *platform;
  if (platform->random_bytes) platform->random_bytes(platform->ctx, &d->seed, sizeof d->seed);
  struct exo__set *s = exo__alloc_block(d, sizeof *s);
  if (!s) {
    exo__free(d, d, sizeof *d);
    return NULL;
  }
  d->current = s;
  return d;
}

static void exo__free_table_and_nodes(struct exo_demux *d, struct exo__table *t) {
  for (uint32_t b = 0; b <= t->mask; b++) {
    struct exo__node *n = t->heads[b];
    while (n) {
      struct exo__node *next = n->next;
      exo__free_block(d, n);
      n = next;
    }
  }
  exo__free_block(d, t);
}

void exo_demux_destroy(struct exo_demux *d) {
  if (!d) return;
  struct exo__set *s = d->current;
  for (uint32_t i = 0; i < s->nshapes; i++) {
    struct exo__shape *sh = s->items[i];
    exo__free_table_and_nodes(d, sh->table);
    exo__free_block(d, sh);
  }
  for (uint32_t i = 0; i < s->ngeneral; i++) exo__free_block(d, s->items[s->nshapes + i]);
  exo__free_block(d, s);
  for (uint32_t i = 0; i < d->nslots; i++)
    if (d->slots[i])
      exo__free(d, d->slots[i], d->slots[i]->size);
  exo__free(d, d->slots, d->cap_slots * sizeof *d->slots);
  exo__free(d, d->gens, d->cap_slots * sizeof *d->gens);
  exo__free(d, d->free_slots, d->cap_slots * sizeof *d->free_slots);
  d->active = 0;
  exo__reclaim_locked(d);
  exo__free(d, d, sizeof *d);
}

/* A new set: `old` minus `drop_shape`/`drop_general`, plus `add_shapes` and `add_general`. */
static struct exo__set *exo__set_make(struct exo_demux *d, const struct exo__set *old,
                                      struct exo__shape **add_shapes, uint32_t nadd,
                                      const struct exo__shape *drop_shape,
                                      struct exo__general *add_general,
                                      const struct exo__general *drop_general) {
  uint32_t ns = old->nshapes + nadd, ng = old->ngeneral + (add_general ? 1 : 0);
  struct exo__set *s = exo__alloc_block(d, sizeof *s + (size_t)(ns + ng) * sizeof(void *));
  if (!s) return NULL;
  uint32_t k = 0;
  for (uint32_t i = 0; i < old->nshapes; i++)
    if (old->items[i] != drop_shape) s->items[k++] = old->items[i];
  for (uint32_t i = 0; i < nadd; i++) s->items[k++] = add_shapes[i];
  s->nshapes = k;
  for (uint32_t i = 0; i < old->ngeneral; i++)
    if (old->items[old->nshapes + i] != drop_general) s->items[k++] = old->items[old->nshapes + i];
  if (add_general) s->items[k++] = add_general;
  s->ngeneral = k - s->nshapes;
  return s;
}

static void exo__publish_set(struct exo_demux *d, struct exo__set *s) {
  struct exo__set *old = d->current;
  EXO__STORE(&d->current, s);
  exo__retire(d, old);
}

/* Takes a slot for a new record. Returns the slot index or -EXO_ENOSPC/-EXO_ENOMEM. */
static int64_t exo__slot_take(struct exo_demux *d) {
  if (d->nfree) return d->free_slots[--d->nfree];
  if (d->nslots == d->cap_slots) {
    if (d->cap_slots >= EXO__MAX_SLOTS) return -EXO_ENOSPC;
    uint32_t cap = d->cap_slots ? d->cap_slots * 2 : 64;
    if (cap > EXO__MAX_SLOTS) cap = EXO__MAX_SLOTS;
    struct exo__filter **slots = exo__alloc(d, cap * sizeof *slots);
    uint16_t *gens = exo__alloc(d, cap * sizeof *gens);
    uint32_t *fr = exo__alloc(d, cap * sizeof *fr);
    if (!slots || !gens || !fr) {
      exo__free(d, slots, cap * sizeof *slots);
      exo__free(d, gens, cap * sizeof *gens);
      exo__free(d, fr, cap * sizeof *fr);
      return -EXO_ENOMEM;
    }
    if (d->nslots) {
      exo_memcpy(slots, d->slots, d->nslots * sizeof *slots);
      exo_memcpy(gens, d->gens, d->nslots * sizeof *gens);
    }
    exo__free(d, d->slots, d->cap_slots * sizeof *d->slots);
    exo__free(d, d->gens, d->cap_slots * sizeof *d->gens);
    exo__free(d, d->free_slots, d->cap_slots * sizeof *d->free_slots);
    d->slots = slots;
    d->gens = gens;
    d->free_slots = fr;
    d->cap_slots = cap;
  }
  return d->nslots++;
}

struct exo__collect {
  struct exo_demux *d;
  struct exo__bpf_path *paths;
  int n;
};

static int exo__collect_path(void *ctx, const struct exo__bpf_path *p) {
  struct exo__collect *c = ctx;
  if (c->n >= EXO__BPF_MAXPATHS) return -EXO_ERANGE;
  c->paths[c->n++] = *p;
  return 0;
}

static struct exo__shape *exo__find_shape(const struct exo__set *s, struct exo__shape **fresh,
                                          uint32_t nfresh, const uint32_t *words,
                                          uint32_t nwords) {
  for (uint32_t i = 0; i < s->nshapes + nfresh; i++) {
    struct exo__shape *sh = i < s->nshapes ? s->items[i] : fresh[i - s->nshapes];
    if (sh->nwords == nwords && exo_memcmp(sh->words, words, nwords * sizeof *words) == 0)
      return sh;
  }
  return NULL;
}

/* Doubles a shape's table when chains get long. Failure is harmless (longer chains). */
static void exo__maybe_grow(struct exo_demux *d, struct exo__shape *sh) {
  struct exo__table *old = sh->table;
  if (old->count <= 2 * (old->mask + 1) || old->mask >= (1u << 24)) return;
  uint32_t nb = (old->mask + 1) * 4;
  struct exo__table *t = exo__table_new(d, nb);
  if (!t) return;
  uint16_t nkeys = sh->path.nkeys;
  /* Copy all nodes first so that failure leaves the old table untouched. */
  for (uint32_t b = 0; b <= old->mask; b++) {
    for (struct exo__node *n = old->heads[b]; n; n = n->next) {
      struct exo__node *c = exo__alloc_block(d, exo__node_size(nkeys));
      if (!c) {
        exo__free_table_and_nodes(d, t);
        return;
      }
      c->filter_id = n->filter_id;
      c->owner = n->owner;
      c->hash = n->hash;
      exo_memcpy(c->key, n->key, nkeys * sizeof(uint32_t));
      c->next = t->heads[c->hash & t->mask];
      t->heads[c->hash & t->mask] = c;
      t->count++;
    }
  }
  EXO__STORE(&sh->table, t);
  for (uint32_t b = 0; b <= old->mask; b++) {
    struct exo__node *n = old->heads[b];
    while (n) {
      struct exo__node *next = n->next;
      exo__retire(d, n);
      n = next;
    }
  }
  exo__retire(d, old);
}

int exo_demux_add(struct exo_demux *d, const struct exo_bpf_insn *prog, size_t len,
                  uint32_t owner, uint32_t *filter_id, struct exo_bpf_verdict *why) {
  int rc = exo_bpf_verify(prog, len, why);
  if (rc != 0) return rc;

  struct exo__bpf_path *paths = exo__alloc(d, EXO__BPF_MAXPATHS * sizeof *paths);
  if (!paths) return -EXO_ENOMEM;
  struct exo__collect col = {d, paths, 0};
  int np = exo__bpf_paths(prog, len, exo__collect_path, &col);
  bool general = np <= 0; /* unmodelled, or never matches: the interpreter decides */

  exo__lock(d);
  struct exo__set *s = d->current;
  struct exo__shape *fresh[EXO__BPF_MAXPATHS];
  struct exo__node *nodes[EXO__BPF_MAXPATHS];
  uint32_t nfresh = 0;
  struct exo__general *g = NULL;
  struct exo__set *ns = NULL;
  struct exo__filter *f = NULL;
  size_t fsize = sizeof *f + (general ? 0 : (size_t)np) * sizeof(struct exo__fpath);
  int64_t slot = exo__slot_take(d);
  if (slot < 0) {
    rc = (int)slot;
    goto fail;
  }
  f = exo__alloc(d, fsize);
  if (!f) goto nomem;
  f->size = fsize;
  f->owner = owner;
  f->id = (uint32_t)(d->gens[slot] & 0xfff) << EXO__SLOT_BITS | (uint32_t)(slot + 1);

  if (general) {
    g = exo__alloc_block(d, sizeof *g + len * sizeof *prog);
    if (!g) goto nomem;
    g->filter_id = f->id;
    g->owner = owner;
    g->len = len;
    exo_memcpy(g->insns, prog, len * sizeof *prog);
    ns = exo__set_make(d, s, NULL, 0, NULL, g, NULL);
    if (!ns) goto nomem;
    f->general = g;
  } else {
    /* Allocate everything first: once we start publishing nothing may fail. */
    uint32_t words[3 * (EXO__BPF_PATH_MAXTERMS + EXO__BPF_PATH_MAXCONDS) + 1];
    for (int i = 0; i < np; i++) {
      struct exo__bpf_path *p = &paths[i];
      uint32_t nw = (uint32_t)exo__bpf_shape_words(p, words, EXO_ARRAY_LEN(words));
      struct exo__shape *sh = exo__find_shape(s, fresh, nfresh, words, nw);
      if (!sh) {
        sh = exo__alloc_block(d, sizeof *sh + nw * sizeof(uint32_t));
        if (!sh) goto nomem;
        fresh[nfresh++] = sh;
        sh->table = exo__table_new(d, 16);
        if (!sh->table) goto nomem;
        sh->path = *p;
        exo_memcpy(sh->colval, p->keys, sizeof sh->colval);
        sh->nwords = nw;
        exo_memcpy(sh->words, words, nw * sizeof(uint32_t));
      }
      struct exo__fpath *fp = &f->paths[f->npaths];
      fp->shape = sh;
      fp->nkeys = p->nkeys;
      exo_memcpy(fp->key, p->keys, p->nkeys * sizeof(uint32_t));
      fp->hash = exo__hash(d->seed, fp->key, fp->nkeys);
      bool dup = false;
      for (uint32_t j = 0; j < f->npaths; j++)
        if (f->paths[j].shape == sh && exo_memcmp(f->paths[j].key, fp->key, fp->nkeys * 4) == 0)
          dup = true;
      if (dup) continue;
      nodes[f->npaths] = exo__alloc_block(d, exo__node_size(p->nkeys));
      if (!nodes[f->npaths]) goto nomem;
      f->npaths++;
    }
    if (nfresh) {
      ns = exo__set_make(d, s, fresh, nfresh, NULL, NULL, NULL);
      if (!ns) goto nomem;
    }
    /* Publish: nodes into tables (new shapes are not visible yet), then the new set. */
    for (uint32_t i = 0; i < f->npaths; i++) {
      struct exo__fpath *fp = &f->paths[i];
      struct exo__node *n = nodes[i];
      n->filter_id = f->id;
      n->owner = owner;
      n->hash = fp->hash;
      exo_memcpy(n->key, fp->key, fp->nkeys * sizeof(uint32_t));
      uint32_t vary = 0;
      for (uint16_t j = 0; j < fp->nkeys; j++)
        if (fp->key[j] != fp->shape->colval[j]) vary |= 1u << j;
      if (vary & ~fp->shape->colvary) __atomic_fetch_or(&fp->shape->colvary, vary, __ATOMIC_SEQ_CST);
      struct exo__table *t = fp->shape->table;
      n->next = t->heads[n->hash & t->mask];
      EXO__STORE(&t->heads[n->hash & t->mask], n);
      t->count++;
      fp->shape->users++;
      exo__maybe_grow(d, fp->shape);
    }
  }
  if (ns) exo__publish_set(d, ns);
  d->slots[slot] = f;
  d->nfilters++;
  if (general) d->ngeneral++;
  else d->nfast++;
  *filter_id = f->id;
  exo__reclaim_locked(d);
  exo__unlock(d);
  exo__free(d, paths, EXO__BPF_MAXPATHS * sizeof *paths);
  return 0;

nomem:
  rc = -EXO_ENOMEM;
fail:
  if (f && !general)
    for (uint32_t i = 0; i < f->npaths; i++) exo__free_block(d, nodes[i]);
  for (uint32_t i = 0; i < nfresh; i++) {
    exo__free_block(d, fresh[i]->table);
    exo__free_block(d, fresh[i]);
  }
  exo__free_block(d, g);
  exo__free(d, f, fsize);
  if (slot >= 0) d->free_slots[d->nfree++] = (uint32_t)slot;
  exo__unlock(d);
  exo__free(d, paths, EXO__BPF_MAXPATHS * sizeof *paths);
  return rc;
}

int exo_demux_remove(struct exo_demux *d, uint32_t filter_id) {
  uint32_t slot = (filter_id & EXO__MAX_SLOTS);
  exo__lock(d);
  if (slot == 0 || slot > d->nslots || !d->slots[slot - 1] || d->slots[slot - 1]->id != filter_id) {
    exo__unlock(d);
    return -EXO_ENOENT;
  }
  slot--;
  struct exo__filter *f = d->slots[slot];
  if (f->general) {
    struct exo__set *ns = exo__set_make(d, d->current, NULL, 0, NULL, NULL, f->general);
    if (!ns) {
      exo__unlock(d);
      return -EXO_ENOMEM;
    }
    exo__publish_set(d, ns);
    exo__retire(d, f->general);
    d->ngeneral--;
  } else {
    for (uint32_t i = 0; i < f->npaths; i++) {
      struct exo__fpath *fp = &f->paths[i];
      struct exo__shape *sh = fp->shape;
      struct exo__table *t = sh->table;
      struct exo__node **link = &t->heads[fp->hash & t->mask];
      for (struct exo__node *n = *link; n; link = &n->next, n = n->next) {
        if (n->filter_id == filter_id && n->hash == fp->hash &&
            exo_memcmp(n->key, fp->key, fp->nkeys * sizeof(uint32_t)) == 0) {
          EXO__STORE(link, n->next);
          exo__retire(d, n);
          t->count--;
          sh->users--;
          break;
        }
      }
      if (sh->users == 0) {
        /* If the smaller set cannot be allocated the empty shape stays: still correct. */
        struct exo__set *ns = exo__set_make(d, d->current, NULL, 0, sh, NULL, NULL);
        if (ns) {
          exo__publish_set(d, ns);
          exo__retire(d, sh->table);
          exo__retire(d, sh);
        }
      }
    }
    d->nfast--;
  }
  d->slots[slot] = NULL;
  d->gens[slot]++;
  d->free_slots[d->nfree++] = slot;
  d->nfilters--;
  exo__free(d, f, f->size);
  exo__reclaim_locked(d);
  exo__unlock(d);
  return 0;
}

static bool exo__add_owner(uint32_t *owners, size_t cap, size_t *n, bool *over, uint32_t owner) {
  for (size_t i = 0; i < *n; i++)
    if (owners[i] == owner) return true;
  if (*n == cap) {
    *over = true;
    return false;
  }
  owners[(*n)++] = owner;
  return true;
}

/* One frame against one snapshot; the caller is inside the reader section. */
static int exo__match_one(const struct exo_demux *d, const struct exo__set *s,
                          const uint8_t *frame, uint32_t wirelen, uint32_t caplen,
                          uint32_t *owners, size_t cap) {
  size_t n = 0;
  bool over = false;
  for (uint32_t i = 0; i < s->nshapes; i++) {
    const struct exo__shape *sh = s->items[i];
    uint32_t keys[EXO__BPF_PATH_MAXCONDS];
    uint32_t vary = EXO__LOAD(&sh->colvary);
    if (!exo__bpf_path_eval(&sh->path, frame, wirelen, caplen, keys, sh->colval, vary)) continue;
    uint16_t nk = sh->path.nkeys;
    uint32_t h = exo__hash(d->seed, keys, nk);
    const struct exo__table *t = EXO__LOAD(&sh->table);
    for (const struct exo__node *nd = EXO__LOAD(&t->heads[h & t->mask]); nd;
         nd = EXO__LOAD(&nd->next)) {
      if (nd->hash != h) continue;
      bool eq = true;
      for (uint16_t j = 0; j < nk; j++) eq &= nd->key[j] == keys[j];
      if (eq) exo__add_owner(owners, cap, &n, &over, nd->owner);
    }
  }
  for (uint32_t i = 0; i < s->ngeneral; i++) {
    const struct exo__general *g = s->items[s->nshapes + i];
    if (exo_bpf_run(g->insns, g->len, frame, wirelen, caplen) != 0)
      exo__add_owner(owners, cap, &n, &over, g->owner);
  }
  return over ? -EXO_ENOSPC : (int)n;
}

int exo_demux_match(struct exo_demux *d, const uint8_t *frame, uint32_t wirelen,
                    uint32_t caplen, uint32_t *owners, size_t cap) {
  __atomic_fetch_add(&d->active, 1, __ATOMIC_SEQ_CST);
  int r = exo__match_one(d, EXO__LOAD(&d->current), frame, wirelen, caplen, owners, cap);
  __atomic_fetch_sub(&d->active, 1, __ATOMIC_SEQ_CST);
  return r;
}

int exo_demux_match_burst(struct exo_demux *d, const struct exo_demux_frame *frames, size_t n,
                          uint32_t *owners, size_t cap, exo_demux_deliver_fn deliver,
                          void *ctx) {
  /* One reader section for the whole burst: the two atomic read-modify-writes are about
   * half the cost of matching one frame against port filters. */
  __atomic_fetch_add(&d->active, 1, __ATOMIC_SEQ_CST);
  const struct exo__set *s = EXO__LOAD(&d->current);
  for (size_t i = 0; i < n; i++) {
    int r = exo__match_one(d, s, frames[i].data, frames[i].wirelen, frames[i].caplen, owners, cap);
    deliver(ctx, i, r, owners);
  }
  __atomic_fetch_sub(&d->active, 1, __ATOMIC_SEQ_CST);
  return 0;
}

void exo_demux_reclaim(struct exo_demux *d) {
  exo__lock(d);
  exo__reclaim_locked(d);
  exo__unlock(d);
}

void exo_demux_get_stats(struct exo_demux *d, struct exo_demux_stats *out) {
  exo__lock(d);
  out->filters = d->nfilters;
  out->fast = d->nfast;
  out->general = d->ngeneral;
  out->shapes = d->current->nshapes;
  out->retired = d->nretired;
  exo__unlock(d);
}
