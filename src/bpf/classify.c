/* Symbolic evaluation of verified cBPF programs into accepting paths (see classify.h).
 *
 * Invariants: the walk follows the program's own control flow, so a path is only ever
 * what the interpreter would execute; A, X and the scratch cells hold term indices; terms
 * live in one arena used as a stack (a branch truncates back to its mark), so the terms
 * of an emitted path are exactly those its instructions created, in creation order, and
 * every term that can fail (a load, a division by X) is replayed by exo__bpf_path_eval.
 * Anything we do not model exactly (RET A of a frame value, a test of a constant against
 * a frame value, limits exceeded) makes the whole program unclassifiable (-EXO_ERANGE):
 * it then runs in the general tier, never on a wrong fast path. Freestanding. */
#include "classify.h"

#include "exonet/errno.h"
#include "exonet/platform.h"

#define EXO__BPF_MAXSTEPS 20000

struct exo__walk {
  const struct exo_bpf_insn *prog;
  size_t len;
  int (*emit)(void *ctx, const struct exo__bpf_path *path);
  void *ctx;
  struct exo__bpf_path path; /* terms/conds of the current prefix */
  int npaths;
  uint32_t steps;
};

struct exo__regs {
  uint16_t A, X;
  uint16_t M[EXO_BPF_MEMWORDS];
};

static int exo__term(struct exo__walk *w, uint8_t kind, uint8_t op, uint16_t a, uint16_t b,
                     uint32_t k) {
  if (w->path.nterms >= EXO__BPF_PATH_MAXTERMS) return -EXO_ERANGE;
  struct exo__bpf_term *t = &w->path.terms[w->path.nterms];
  t->kind = kind;
  t->op = op;
  t->a = a;
  t->b = b;
  t->pad_ = 0;
  t->k = k;
  return w->path.nterms++;
}

static bool exo__is_const(const struct exo__walk *w, uint16_t t, uint32_t *k) {
  if (w->path.terms[t].kind != EXO__T_CONST) return false;
  *k = w->path.terms[t].k;
  return true;
}

/* The ALU on constants, with the interpreter's rules. false: the program returns 0. */
static bool exo__alu(uint8_t op, uint32_t a, uint32_t b, uint32_t *r) {
  switch (op) {
  case EXO_BPF_ADD: *r = a + b; return true;
  case EXO_BPF_SUB: *r = a - b; return true;
  case EXO_BPF_MUL: *r = a * b; return true;
  case EXO_BPF_DIV: if (b == 0) return false; *r = a / b; return true;
  case EXO_BPF_MOD: if (b == 0) return false; *r = a % b; return true;
  case EXO_BPF_OR: *r = a | b; return true;
  case EXO_BPF_AND: *r = a & b; return true;
  case EXO_BPF_XOR: *r = a ^ b; return true;
  case EXO_BPF_LSH: *r = b < 32 ? a << b : 0; return true;
  case EXO_BPF_RSH: *r = b < 32 ? a >> b : 0; return true;
  default: return false;
  }
}

static bool exo__test(uint8_t op, uint32_t a, uint32_t b) {
  switch (op) {
  case EXO_BPF_JEQ: return a == b;
  case EXO_BPF_JGT: return a > b;
  case EXO_BPF_JGE: return a >= b;
  default: return (a & b) != 0;
  }
}

static int exo__walk_from(struct exo__walk *w, uint32_t pc, struct exo__regs r);

static int exo__branch(struct exo__walk *w, uint32_t pc, struct exo__regs *r) {
  const struct exo_bpf_insn *in = &w->prog[pc];
  uint8_t op = (uint8_t)EXO_BPF_OP(in->code);
  uint32_t ka, kb = 0;
  uint16_t rhs_term = 0;
  bool rhs_const = EXO_BPF_SRC(in->code) == EXO_BPF_K;
  if (rhs_const) kb = in->k;
  else if (exo__is_const(w, r->X, &kb)) rhs_const = true;
  else rhs_term = r->X;
  uint32_t t_pc = pc + 1 + in->jt, f_pc = pc + 1 + in->jf;
  if (exo__is_const(w, r->A, &ka)) {
    if (!rhs_const) return -EXO_ERANGE; /* constant vs frame value: not modelled */
    return exo__walk_from(w, exo__test(op, ka, kb) ? t_pc : f_pc, *r);
  }
  if (t_pc == f_pc) return exo__walk_from(w, t_pc, *r); /* both ways lead to the same place */
  if (w->path.nconds >= EXO__BPF_PATH_MAXCONDS) return -EXO_ERANGE;
  uint16_t mark_terms = w->path.nterms, mark_conds = w->path.nconds;
  for (int truth = 1; truth >= 0; truth--) {
    struct exo__bpf_cond *c = &w->path.conds[w->path.nconds++];
    c->op = op;
    c->truth = (uint8_t)truth;
    c->rhs_kind = rhs_const ? EXO__RHS_K : EXO__RHS_TERM;
    c->after = (uint8_t)mark_terms;
    c->lhs = r->A;
    c->rhs = rhs_const ? 0 : rhs_term;
    c->k = rhs_const ? kb : 0;
    int rc = exo__walk_from(w, truth ? t_pc : f_pc, *r);
    if (rc != 0) return rc;
    w->path.nterms = mark_terms;
    w->path.nconds = mark_conds;
  }
  return 0;
}

static int exo__accept(struct exo__walk *w) {
  if (w->npaths >= EXO__BPF_MAXPATHS) return -EXO_ERANGE;
  w->npaths++;
  struct exo__bpf_path out;
  exo_memset(&out, 0, sizeof out);
  out.nterms = w->path.nterms;
  exo_memcpy(out.terms, w->path.terms, sizeof out.terms[0] * out.nterms);
  out.nconds = w->path.nconds;
  for (uint16_t i = 0; i < out.nconds; i++) {
    struct exo__bpf_cond c = w->path.conds[i];
    if (c.op == EXO_BPF_JEQ && c.truth && c.rhs_kind == EXO__RHS_K) {
      out.keys[out.nkeys++] = c.k;
      c.rhs_kind = EXO__RHS_KEY;
      c.k = 0;
    }
    out.conds[i] = c;
  }
  return w->emit(w->ctx, &out);
}

/* Follows straight-line code from pc until a RET or a data-dependent branch. */
static int exo__walk_from(struct exo__walk *w, uint32_t pc, struct exo__regs r) {
  for (;;) {
    if (++w->steps > EXO__BPF_MAXSTEPS) return -EXO_ERANGE;
    const struct exo_bpf_insn *in = &w->prog[pc];
    uint16_t code = in->code;
    int t;
    uint32_t ka, kb, kr;
    switch (EXO_BPF_CLASS(code)) {
    case EXO_BPF_RET:
      if (EXO_BPF_RVAL(code) == EXO_BPF_K) return in->k ? exo__accept(w) : 0;
      if (!exo__is_const(w, r.A, &ka)) return -EXO_ERANGE;
      return ka ? exo__accept(w) : 0;
    case EXO_BPF_LD:
    case EXO_BPF_LDX: {
      bool is_x = EXO_BPF_CLASS(code) == EXO_BPF_LDX;
      uint8_t size = EXO_BPF_SIZE(code) == EXO_BPF_W ? 4 : EXO_BPF_SIZE(code) == EXO_BPF_H ? 2 : 1;
      switch (EXO_BPF_MODE(code)) {
      case EXO_BPF_IMM: t = exo__term(w, EXO__T_CONST, 0, 0, 0, in->k); break;
      case EXO_BPF_ABS: t = exo__term(w, EXO__T_LDABS, size, 0, 0, in->k); break;
      case EXO_BPF_IND:
        if (exo__is_const(w, r.X, &kb)) {
          uint64_t off = (uint64_t)kb + in->k;
          /* An offset past 32 bits can never be in bounds: the program returns 0 here. */
          if (off > UINT32_MAX) return 0;
          t = exo__term(w, EXO__T_LDABS, size, 0, 0, (uint32_t)off);
        } else {
          t = exo__term(w, EXO__T_LDIND, size, r.X, 0, in->k);
        }
        break;
      case EXO_BPF_LEN: t = exo__term(w, EXO__T_LEN, 0, 0, 0, 0); break;
      case EXO_BPF_MSH: t = exo__term(w, EXO__T_MSH, 0, 0, 0, in->k); break;
      default: t = r.M[in->k]; break; /* MEM */
      }
      if (t < 0) return t;
      if (is_x) r.X = (uint16_t)t;
      else r.A = (uint16_t)t;
      pc++;
      break;
    }
    case EXO_BPF_ST:
      r.M[in->k] = r.A;
      pc++;
      break;
    case EXO_BPF_STX:
      r.M[in->k] = r.X;
      pc++;
      break;
    case EXO_BPF_ALU: {
      uint8_t op = (uint8_t)EXO_BPF_OP(code);
      if (op == EXO_BPF_NEG) {
        t = exo__is_const(w, r.A, &ka) ? exo__term(w, EXO__T_CONST, 0, 0, 0, 0u - ka)
                                       : exo__term(w, EXO__T_NEG, 0, r.A, 0, 0);
      } else {
        bool kconst = EXO_BPF_SRC(code) == EXO_BPF_K;
        if (kconst) kb = in->k;
        else kconst = exo__is_const(w, r.X, &kb);
        if (kconst && exo__is_const(w, r.A, &ka)) {
          if (!exo__alu(op, ka, kb, &kr)) return 0; /* division by zero: returns 0 */
          t = exo__term(w, EXO__T_CONST, 0, 0, 0, kr);
        } else if (kconst) {
          if ((op == EXO_BPF_DIV || op == EXO_BPF_MOD) && kb == 0) return 0;
          t = exo__term(w, EXO__T_ALUK, op, r.A, 0, kb);
        } else {
          t = exo__term(w, EXO__T_ALUX, op, r.A, r.X, 0);
        }
      }
      if (t < 0) return t;
      r.A = (uint16_t)t;
      pc++;
      break;
    }
    case EXO_BPF_JMP:
      if (EXO_BPF_OP(code) == EXO_BPF_JA) {
        pc = pc + 1 + in->k;
        break;
      }
      return exo__branch(w, pc, &r);
    default: /* MISC */
      if (EXO_BPF_MISCOP(code) == EXO_BPF_TAX) r.X = r.A;
      else r.A = r.X;
      pc++;
      break;
    }
  }
}

int exo__bpf_paths(const struct exo_bpf_insn *prog, size_t len,
                   int (*emit)(void *ctx, const struct exo__bpf_path *path), void *ctx) {
  struct exo__walk w;
  exo_memset(&w, 0, sizeof w);
  w.prog = prog;
  w.len = len;
  w.emit = emit;
  w.ctx = ctx;
  struct exo__regs r;
  exo_memset(&r, 0, sizeof r);
  int zero = exo__term(&w, EXO__T_CONST, 0, 0, 0, 0); /* A and X start at 0 */
  r.A = r.X = (uint16_t)zero;
  for (int i = 0; i < EXO_BPF_MEMWORDS; i++) r.M[i] = (uint16_t)zero; /* never read unwritten */
  int rc = exo__walk_from(&w, 0, r);
  return rc != 0 ? rc : w.npaths;
}

size_t exo__bpf_shape_words(const struct exo__bpf_path *p, uint32_t *words, size_t cap) {
  size_t n = 0;
#define EXO__PUT(v)                      \
  do {                                   \
    if (n < cap) words[n] = (uint32_t)(v); \
    n++;                                 \
  } while (0)
  EXO__PUT(p->nterms | (uint32_t)p->nconds << 16);
  for (uint16_t i = 0; i < p->nterms; i++) {
    const struct exo__bpf_term *t = &p->terms[i];
    EXO__PUT(t->kind | (uint32_t)t->op << 8 | (uint32_t)t->a << 16);
    EXO__PUT(t->b);
    EXO__PUT(t->k);
  }
  for (uint16_t i = 0; i < p->nconds; i++) {
    const struct exo__bpf_cond *c = &p->conds[i];
    EXO__PUT(c->op | (uint32_t)c->truth << 8 | (uint32_t)c->rhs_kind << 16);
    EXO__PUT(c->lhs | (uint32_t)c->rhs << 16);
    EXO__PUT(c->k);
  }
#undef EXO__PUT
  return n;
}

static inline uint32_t exo__ld(const uint8_t *p, uint8_t size) {
  if (size == 1) return p[0];
  if (size == 2) return (uint32_t)p[0] << 8 | p[1];
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Computes term i into v[i]; false if the program would return 0 there. */
static inline bool exo__eval_term(const struct exo__bpf_term *t, uint32_t *v, uint16_t i,
                                  const uint8_t *pkt, uint32_t wirelen, uint32_t caplen) {
  uint64_t off;
  switch (t->kind) {
  case EXO__T_CONST: v[i] = t->k; return true;
  case EXO__T_LEN: v[i] = wirelen; return true;
  case EXO__T_LDABS:
    off = t->k;
    if (off + t->op > caplen) return false;
    v[i] = exo__ld(pkt + off, t->op);
    return true;
  case EXO__T_LDIND:
    off = (uint64_t)v[t->a] + t->k;
    if (off + t->op > caplen) return false;
    v[i] = exo__ld(pkt + off, t->op);
    return true;
  case EXO__T_MSH:
    if (t->k >= caplen) return false;
    v[i] = (uint32_t)(pkt[t->k] & 0xf) << 2;
    return true;
  case EXO__T_ALUK: return exo__alu(t->op, v[t->a], t->k, &v[i]);
  case EXO__T_ALUX: return exo__alu(t->op, v[t->a], v[t->b], &v[i]);
  default: v[i] = 0u - v[t->a]; return true; /* NEG */
  }
}

bool exo__bpf_path_eval(const struct exo__bpf_path *p, const uint8_t *pkt, uint32_t wirelen,
                        uint32_t caplen, uint32_t *keys, const uint32_t *colval,
                        uint32_t colvary) {
  /* All conditions and all terms must pass, so any order gives the same answer; program
   * order lets a frame leave at its first failing test, as the program would. */
  uint32_t v[EXO__BPF_PATH_MAXTERMS];
  uint16_t t = 0, nk = 0;
  for (uint16_t i = 0; i < p->nconds; i++) {
    const struct exo__bpf_cond *c = &p->conds[i];
    for (; t < c->after; t++)
      if (!exo__eval_term(&p->terms[t], v, t, pkt, wirelen, caplen)) return false;
    if (c->rhs_kind == EXO__RHS_KEY) {
      uint32_t val = v[c->lhs];
      if (colval && !(colvary >> nk & 1) && val != colval[nk]) return false;
      keys[nk++] = val;
      continue;
    }
    uint32_t rhs = c->rhs_kind == EXO__RHS_K ? c->k : v[c->rhs];
    if (exo__test(c->op, v[c->lhs], rhs) != (bool)c->truth) return false;
  }
  for (; t < p->nterms; t++)
    if (!exo__eval_term(&p->terms[t], v, t, pkt, wirelen, caplen)) return false;
  return true;
}
