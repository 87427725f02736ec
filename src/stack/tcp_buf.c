/* Byte rings for the send and receive buffers, and receive-side reassembly.
 *
 * A ring never reallocates: its capacity is fixed when the connection gets its buffers.
 * Out-of-order data is written straight to its final place past the in-order bytes,
 * so filling a hole costs only an interval update (no copies, no per-segment queue).
 * Invariants: len <= cap; head < cap; ooo intervals sorted, disjoint, non-adjacent,
 * strictly above rcv_nxt, and inside rcv_nxt + (cap - len). */
#include "stack/tcp_int.h"

int exo__ring_alloc(struct exo_tcp *tcp, struct exo__tcp_ring *r, uint32_t cap) {
  const struct exo_platform *p = tcp->env.platform;
  r->buf = p->alloc(p->ctx, cap);
  if (!r->buf) return -EXO_ENOMEM;
  r->cap = cap;
  r->head = 0;
  r->len = 0;
  return 0;
}

void exo__ring_free(struct exo_tcp *tcp, struct exo__tcp_ring *r) {
  const struct exo_platform *p = tcp->env.platform;
  if (r->buf) p->free(p->ctx, r->buf, r->cap);
  r->buf = NULL;
  r->cap = r->head = r->len = 0;
}

void exo__ring_write_at(struct exo__tcp_ring *r, uint32_t off, const uint8_t *data,
                        uint32_t len) {
  uint32_t pos = r->head + off;
  if (pos >= r->cap) pos -= r->cap;
  uint32_t first = EXO_MIN(len, r->cap - pos);
  exo_memcpy(r->buf + pos, data, first);
  if (len > first) exo_memcpy(r->buf, data + first, len - first);
}

uint32_t exo__ring_push(struct exo__tcp_ring *r, const uint8_t *data, uint32_t len) {
  uint32_t n = EXO_MIN(len, r->cap - r->len);
  if (n) exo__ring_write_at(r, r->len, data, n);
  r->len += n;
  return n;
}

void exo__ring_peek(const struct exo__tcp_ring *r, uint32_t off, uint8_t *out, uint32_t len) {
  uint32_t pos = r->head + off;
  if (pos >= r->cap) pos -= r->cap;
  uint32_t first = EXO_MIN(len, r->cap - pos);
  exo_memcpy(out, r->buf + pos, first);
  if (len > first) exo_memcpy(out + first, r->buf, len - first);
}

void exo__ring_drop(struct exo__tcp_ring *r, uint32_t n) {
  if (n > r->len) n = r->len;
  r->len -= n;
  r->head += n;
  if (r->head >= r->cap) r->head -= r->cap;
  /* head is never reset when the ring drains: out-of-order data may sit past len. */
}

void exo__ring_pieces(const struct exo__tcp_ring *r, uint32_t off, uint32_t len,
                      const uint8_t **p1, size_t *l1, const uint8_t **p2, size_t *l2) {
  *p1 = *p2 = NULL;
  *l1 = *l2 = 0;
  if (len == 0) return;
  uint32_t pos = r->head + off;
  if (pos >= r->cap) pos -= r->cap;
  uint32_t first = EXO_MIN(len, r->cap - pos);
  *p1 = r->buf + pos;
  *l1 = first;
  if (len > first) {
    *p2 = r->buf;
    *l2 = len - first;
  }
}

bool exo__ooo_add(struct exo_tcp_sock *s, uint32_t seq, uint32_t len) {
  uint32_t left = seq, right = seq + len;
  s->last_sack.left = left;
  s->last_sack.right = right;
  /* Merge with every interval it overlaps or touches. */
  uint8_t i = 0;
  while (i < s->n_ooo && exo_seq_lt(s->ooo[i].right, left)) i++;
  uint8_t j = i;
  while (j < s->n_ooo && exo_seq_le(s->ooo[j].left, right)) {
    if (exo_seq_lt(s->ooo[j].left, left)) left = s->ooo[j].left;
    if (exo_seq_gt(s->ooo[j].right, right)) right = s->ooo[j].right;
    j++;
  }
  if (j == i) { /* a new interval at i */
    if (s->n_ooo == EXO__TCP_OOO_MAX) return false;
    for (uint8_t k = s->n_ooo; k > i; k--) s->ooo[k] = s->ooo[k - 1];
    s->n_ooo++;
  } else if (j > i + 1) { /* intervals i..j-1 collapse into i */
    uint8_t gone = (uint8_t)(j - i - 1);
    for (uint8_t k = (uint8_t)(i + 1); k + gone < s->n_ooo; k++) s->ooo[k] = s->ooo[k + gone];
    s->n_ooo = (uint8_t)(s->n_ooo - gone);
  }
  s->ooo[i].left = left;
  s->ooo[i].right = right;
  s->last_sack.left = left; /* RFC 2018: the first block holds the latest segment */
  s->last_sack.right = right;
  return true;
}

uint32_t exo__ooo_merge(struct exo_tcp_sock *s) {
  uint32_t gained = 0;
  while (s->n_ooo && exo_seq_le(s->ooo[0].left, s->rcv_nxt)) {
    if (exo_seq_gt(s->ooo[0].right, s->rcv_nxt)) {
      uint32_t n = s->ooo[0].right - s->rcv_nxt;
      s->rcv_nxt += n;
      s->rbuf.len += n;
      gained += n;
    }
    for (uint8_t k = 1; k < s->n_ooo; k++) s->ooo[k - 1] = s->ooo[k];
    s->n_ooo--;
  }
  return gained;
}
