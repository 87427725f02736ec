/* Internal: symbolic evaluation of a verified cBPF program into its accepting paths
 * (src/bpf/classify.c), and replay of one path over a frame (used by the demultiplexer).
 *
 * A path is the conjunction the program tests on its way to a non-zero RET: a list of
 * terms (values computed from the frame: loads, lengths, ALU results) in the order the
 * program creates them, and a list of conditions over those terms. The program accepts a
 * frame iff some accepting path's terms can all be computed (loads in bounds, no division
 * by zero) and all its conditions hold; this is exact because execution is deterministic
 * and visits exactly the path whose conditions hold.
 *
 * Conditions "term == constant" taken on their true branch are KEYS: their constants are
 * lifted out of the path, so that paths that differ only in those constants share one
 * SHAPE (the serialised rest), and the demultiplexer can find every filter of a shape that
 * a frame matches with one hash lookup on the values of the key terms. */
#ifndef EXONET_SRC_BPF_CLASSIFY_H
#define EXONET_SRC_BPF_CLASSIFY_H

#include "exonet/bpf.h"

#define EXO__BPF_PATH_MAXTERMS 48
#define EXO__BPF_PATH_MAXCONDS 24
#define EXO__BPF_MAXPATHS 16

enum exo__bpf_term_kind {
  EXO__T_CONST = 1, /* k */
  EXO__T_LEN,       /* the wire length */
  EXO__T_LDABS,     /* op = size in bytes (1,2,4), at k */
  EXO__T_LDIND,     /* op = size, at term a + k */
  EXO__T_MSH,       /* 4 * (byte k & 0xf) */
  EXO__T_ALUK,      /* op = EXO_BPF_ADD.., term a OP k */
  EXO__T_ALUX,      /* op, term a OP term b */
  EXO__T_NEG,       /* -term a */
};

struct exo__bpf_term {
  uint8_t kind;
  uint8_t op;
  uint16_t a, b;
  uint16_t pad_; /* zero: terms are compared as words */
  uint32_t k;
};

enum exo__bpf_rhs { EXO__RHS_K = 1, EXO__RHS_TERM, EXO__RHS_KEY };

struct exo__bpf_cond {
  uint8_t op;    /* EXO_BPF_JEQ, JGT, JGE, JSET */
  uint8_t truth; /* 1: the test holds on this path; 0: it fails */
  uint8_t rhs_kind;
  uint8_t after; /* terms that exist when the test runs (all it uses are below) */
  uint16_t lhs; /* term */
  uint16_t rhs; /* term for EXO__RHS_TERM */
  uint32_t k;   /* constant for EXO__RHS_K; 0 for keys (the value is in keys[]) */
};

struct exo__bpf_path {
  uint16_t nterms, nconds, nkeys, pad_;
  struct exo__bpf_term terms[EXO__BPF_PATH_MAXTERMS];
  struct exo__bpf_cond conds[EXO__BPF_PATH_MAXCONDS];
  uint32_t keys[EXO__BPF_PATH_MAXCONDS]; /* key constants in condition order */
};

/* Symbolically runs a VERIFIED program and calls `emit` once per accepting path.
 * Returns the number of accepting paths (0 = the program never matches), or -EXO_ERANGE if
 * the program is outside what we model (RET A of a frame value, too many paths, terms or
 * conditions): such programs must go to the general tier. `emit` returning non-zero stops
 * the walk with that value. */
int exo__bpf_paths(const struct exo_bpf_insn *prog, size_t len,
                   int (*emit)(void *ctx, const struct exo__bpf_path *path), void *ctx);

/* Words identifying a path's shape (everything but the key constants) for hashing and
 * comparison: writes at most `cap` words, returns how many it needs. */
size_t exo__bpf_shape_words(const struct exo__bpf_path *path, uint32_t *words, size_t cap);

/* Replays a path's terms and non-key conditions over a frame, in program order, stopping
 * at the first failure. Returns true if every term is computable and every non-key
 * condition holds; then keys[i] is the frame's value for the i-th key condition.
 * With `colval` (may be NULL): key i must also equal colval[i] unless bit i of `colvary`
 * is set (the demux's summary of a shape whose filters all share that constant), which
 * lets a frame leave early. */
bool exo__bpf_path_eval(const struct exo__bpf_path *path, const uint8_t *pkt, uint32_t wirelen,
                        uint32_t caplen, uint32_t *keys, const uint32_t *colval,
                        uint32_t colvary);

#endif
