/* SACK (RFC 2018) on both sides, and the RFC 6675 view of what is in flight.
 *
 * Sender: the scoreboard is a sorted array of disjoint SACKed ranges inside
 * (snd_una, snd_nxt]; sacked_bytes is their total. Everything RFC 6675 needs (IsLost,
 * NextSeg's holes, pipe) is computed from these ranges, so the cost per ACK is
 * O(ranges), independent of how many segments are in flight. Without SACK, each
 * duplicate ACK stands for one segment that left the network (as Linux's Reno does),
 * so pipe still counts bytes in flight.
 * Receiver: SACK blocks come from the reassembly intervals, the block holding the
 * latest arrival first, preceded once by a D-SACK block for a duplicate (RFC 2883). */
#include "stack/tcp_int.h"

void exo__sb_reset(struct exo_tcp_sock *s) {
  s->n_sb = 0;
  s->sacked_bytes = 0;
}

static void sb_recount(struct exo_tcp_sock *s) {
  uint32_t t = 0;
  for (uint8_t i = 0; i < s->n_sb; i++) t += s->sb[i].right - s->sb[i].left;
  s->sacked_bytes = t;
}

static void sb_insert(struct exo_tcp_sock *s, uint32_t left, uint32_t right) {
  uint8_t i = 0;
  while (i < s->n_sb && exo_seq_lt(s->sb[i].right, left)) i++;
  uint8_t j = i;
  while (j < s->n_sb && exo_seq_le(s->sb[j].left, right)) {
    if (exo_seq_lt(s->sb[j].left, left)) left = s->sb[j].left;
    if (exo_seq_gt(s->sb[j].right, right)) right = s->sb[j].right;
    j++;
  }
  if (j == i) {
    /* Table full: forget the highest range. Losing SACK information only makes us
     * more conservative (those bytes count as in flight again). */
    if (s->n_sb == EXO__TCP_SB_MAX) {
      if (i == s->n_sb) return;
      s->n_sb--;
    }
    for (uint8_t k = s->n_sb; k > i; k--) s->sb[k] = s->sb[k - 1];
    s->n_sb++;
  } else if (j > i + 1) {
    uint8_t gone = (uint8_t)(j - i - 1);
    for (uint8_t k = (uint8_t)(i + 1); k + gone < s->n_sb; k++) s->sb[k] = s->sb[k + gone];
    s->n_sb = (uint8_t)(s->n_sb - gone);
  }
  s->sb[i].left = left;
  s->sb[i].right = right;
}

uint32_t exo__sb_update(struct exo_tcp_sock *s, const struct exo_tcp_repr *seg) {
  if (!s->sack_ok) return 0;
  uint32_t before = s->sacked_bytes;
  for (uint8_t b = 0; b < seg->sack_count && b < EXO_TCP_MAX_SACK; b++) {
    uint32_t l = seg->sack[b].left, r = seg->sack[b].right;
    if (!exo_seq_lt(l, r)) continue;                 /* empty or inverted: bogus */
    if (exo_seq_gt(r, s->snd_nxt)) continue;         /* SACKs data never sent */
    if (exo_seq_le(r, s->snd_una)) continue;         /* D-SACK of acked data */
    if (exo_seq_lt(l, s->snd_una)) l = s->snd_una;
    if (r - l > s->snd_nxt - s->snd_una) continue;
    sb_insert(s, l, r);
  }
  sb_recount(s);
  return s->sacked_bytes > before ? s->sacked_bytes - before : 0;
}

void exo__sb_advance(struct exo_tcp_sock *s) {
  uint8_t k = 0;
  for (uint8_t i = 0; i < s->n_sb; i++) {
    struct exo__tcp_range r = s->sb[i];
    if (exo_seq_le(r.right, s->snd_una)) continue;
    if (exo_seq_lt(r.left, s->snd_una)) r.left = s->snd_una;
    s->sb[k++] = r;
  }
  s->n_sb = k;
  sb_recount(s);
}

uint32_t exo__sb_sacked_in(const struct exo_tcp_sock *s, uint32_t a, uint32_t b) {
  uint32_t t = 0;
  for (uint8_t i = 0; i < s->n_sb; i++) {
    uint32_t l = s->sb[i].left, r = s->sb[i].right;
    if (exo_seq_lt(l, a)) l = a;
    if (exo_seq_gt(r, b)) r = b;
    if (exo_seq_lt(l, r)) t += r - l;
  }
  return t;
}

uint32_t exo__sb_next_hole(const struct exo_tcp_sock *s, uint32_t from, uint32_t to,
                           uint32_t *len) {
  uint32_t p = from;
  for (uint8_t i = 0; i < s->n_sb; i++) {
    if (exo_seq_le(s->sb[i].right, p)) continue;
    if (exo_seq_le(s->sb[i].left, p)) {
      p = s->sb[i].right;
      continue;
    }
    if (exo_seq_ge(p, to)) break;
    uint32_t end = exo_seq_lt(s->sb[i].left, to) ? s->sb[i].left : to;
    *len = end - p;
    return p;
  }
  if (exo_seq_ge(p, to)) {
    *len = 0;
    return to;
  }
  *len = to - p;
  return p;
}

uint32_t exo__sb_lost_boundary(const struct exo_tcp_sock *s) {
  uint32_t count = 0, bytes = 0;
  for (int i = (int)s->n_sb - 1; i >= 0; i--) {
    count++;
    bytes += s->sb[i].right - s->sb[i].left;
    if (count >= EXO__TCP_DUPTHRESH || bytes > (EXO__TCP_DUPTHRESH - 1) * s->smss)
      return s->sb[i].left;
  }
  return s->snd_una;
}

uint32_t exo__tcp_pipe(const struct exo_tcp_sock *s) {
  uint32_t out = s->snd_nxt - s->snd_una;
  uint32_t lost_hi = s->lost_hi;
  if (exo_seq_lt(lost_hi, s->snd_una)) lost_hi = s->snd_una;
  if (exo_seq_gt(lost_hi, s->snd_nxt)) lost_hi = s->snd_nxt;
  uint32_t rxt = 0;
  if (exo_seq_gt(s->high_rxt, s->snd_una)) {
    uint32_t h = exo_seq_lt(s->high_rxt, s->snd_nxt) ? s->high_rxt : s->snd_nxt;
    rxt = (h - s->snd_una) - exo__sb_sacked_in(s, s->snd_una, h);
  }
  if (s->sack_ok) {
    uint32_t above = (s->snd_nxt - lost_hi) - exo__sb_sacked_in(s, lost_hi, s->snd_nxt);
    return above + rxt;
  }
  uint64_t gone = (uint64_t)(lost_hi - s->snd_una) + (uint64_t)s->dupacks * s->smss;
  uint32_t left = gone >= out ? 0 : out - (uint32_t)gone;
  return left + rxt;
}

void exo__sack_fill(const struct exo_tcp_sock *s, struct exo_tcp_repr *r) {
  r->sack_count = 0;
  if (!s->sack_ok) return;
  uint8_t max = s->ts_ok ? 3 : 4;
  if (s->dsack_pending) {
    /* RFC 2883: the duplicate first; the sender tells it from a SACK by its being
     * below the cumulative ACK. */
    r->sack[0].left = s->dsack.left;
    r->sack[0].right = s->dsack.right;
    r->sack_count = 1;
  }
  if (s->n_ooo == 0) return;
  int first = -1;
  for (uint8_t i = 0; i < s->n_ooo; i++) {
    if (exo_seq_le(s->ooo[i].left, s->last_sack.left) &&
        exo_seq_lt(s->last_sack.left, s->ooo[i].right)) {
      first = i;
      break;
    }
  }
  if (first >= 0) {
    r->sack[r->sack_count].left = s->ooo[first].left;
    r->sack[r->sack_count].right = s->ooo[first].right;
    r->sack_count++;
  }
  for (uint8_t i = 0; i < s->n_ooo && r->sack_count < max; i++) {
    if ((int)i == first) continue;
    r->sack[r->sack_count].left = s->ooo[i].left;
    r->sack[r->sack_count].right = s->ooo[i].right;
    r->sack_count++;
  }
}
