/* IPv4 fragment reassembly (RFC 791 3.2, RFC 815), with limits.
 *
 * Invariants:
 * - At most cfg.reasm_max datagrams are in reassembly and all their fragments together
 *   hold at most cfg.reasm_mem bytes (payload plus bookkeeping); a fragment that would
 *   exceed the memory limit drops its whole datagram (a partial datagram is useless).
 * - Each datagram's fragment list is sorted by offset and free of overlaps. An exact
 *   duplicate (same offset and length) is ignored; any other overlap drops the whole
 *   datagram, as Linux does since FragmentSmack: overlapping fragments are either an
 *   attack or a broken sender, and accepting either copy would be a guess.
 * - A datagram that is not complete cfg.reasm_timeout_us after its first fragment came
 *   is dropped, with ICMP "fragment reassembly time exceeded" if fragment 0 was seen.
 * - A reassembled datagram is at most 65535 bytes including its header. */
#include "stack/stack_int.h"

int exo__reasm_init(struct exo_stack *st) {
  size_t sz = (size_t)st->cfg.reasm_max * sizeof *st->reasm;
  st->reasm = st->platform.alloc(st->platform.ctx, sz);
  if (!st->reasm) return -EXO_ENOMEM;
  exo_memset(st->reasm, 0, sz);
  return 0;
}

static void drop(struct exo_stack *st, struct exo__reasm *r) {
  struct exo__frag *f = r->frags;
  while (f) {
    struct exo__frag *next = f->next;
    st->platform.free(st->platform.ctx, f, sizeof *f + f->len);
    f = next;
  }
  st->reasm_mem -= r->mem;
  exo_memset(r, 0, sizeof *r);
}

void exo__reasm_fini(struct exo_stack *st) {
  if (!st->reasm) return;
  for (uint16_t i = 0; i < st->cfg.reasm_max; i++)
    if (st->reasm[i].used) drop(st, &st->reasm[i]);
  st->platform.free(st->platform.ctx, st->reasm, (size_t)st->cfg.reasm_max * sizeof *st->reasm);
  st->reasm = NULL;
}

static struct exo__reasm *lookup(struct exo_stack *st, const struct exo_ipv4_repr *ip) {
  struct exo__reasm *free_slot = NULL, *oldest = NULL;
  for (uint16_t i = 0; i < st->cfg.reasm_max; i++) {
    struct exo__reasm *r = &st->reasm[i];
    if (!r->used) {
      if (!free_slot) free_slot = r;
      continue;
    }
    if (r->src == ip->src && r->dst == ip->dst && r->ident == ip->ident &&
        r->protocol == ip->protocol)
      return r;
    if (!oldest || r->deadline < oldest->deadline) oldest = r;
  }
  struct exo__reasm *r = free_slot;
  if (!r) {
    /* Table full: the oldest datagram is the least likely to complete. */
    st->ctr.ip_reasm_mem_drops++;
    drop(st, oldest);
    r = oldest;
  }
  r->used = true;
  r->src = ip->src;
  r->dst = ip->dst;
  r->ident = ip->ident;
  r->protocol = ip->protocol;
  r->deadline = st->now + st->cfg.reasm_timeout_us;
  return r;
}

static void complete(struct exo_stack *st, struct exo__reasm *r, const struct exo_ipv4_repr *ip,
                     bool l2_bcast) {
  uint8_t *buf = st->platform.alloc(st->platform.ctx, r->total ? r->total : 1);
  if (!buf) {
    st->ctr.ip_reasm_mem_drops++;
    drop(st, r);
    return;
  }
  for (struct exo__frag *f = r->frags; f; f = f->next) exo_memcpy(buf + f->offset, f->data, f->len);
  struct exo_ipv4_repr whole = *ip;
  whole.more_fragments = false;
  whole.frag_offset = 0;
  whole.header_len = r->first_hdr_len;
  whole.options = NULL;
  whole.options_len = 0;
  whole.payload = buf;
  whole.payload_len = r->total;
  uint8_t hdr[sizeof r->first_hdr];
  exo_memcpy(hdr, r->first_hdr, sizeof hdr);
  size_t total = r->total;
  /* Free the fragments before delivery: delivery may send (an echo reply) and the
   * memory is better returned first. */
  drop(st, r);
  st->ctr.ip_reasm_ok++;
  exo__ip_deliver(st, &whole, hdr, l2_bcast);
  st->platform.free(st->platform.ctx, buf, total ? total : 1);
}

void exo__reasm_input(struct exo_stack *st, const struct exo_ipv4_repr *ip, const uint8_t *hdr,
                      bool l2_bcast) {
  uint32_t off = ip->frag_offset;
  uint32_t len = (uint32_t)ip->payload_len;
  uint32_t end = off + len;
  /* Every fragment but the last carries a multiple of 8 bytes (offsets count 8-byte
   * units), and none may reach past the largest datagram. */
  if ((ip->more_fragments && (len == 0 || (len & 7) != 0))) {
    st->ctr.ip_malformed++;
    return;
  }
  if (end + ip->header_len > 65535) {
    st->ctr.ip_reasm_too_big++;
    return;
  }
  struct exo__reasm *r = lookup(st, ip);
  if (!ip->more_fragments) {
    if ((r->have_last && r->total != end)) {
      st->ctr.ip_reasm_overlap++;
      drop(st, r);
      return;
    }
    r->have_last = true;
    r->total = (uint16_t)end;
  }
  if (r->have_last && end > r->total) {
    st->ctr.ip_reasm_overlap++;
    drop(st, r);
    return;
  }
  struct exo__frag **link = &r->frags;
  for (struct exo__frag *f = r->frags; f; f = f->next) {
    if (f->offset == off && f->len == len) return; /* exact duplicate */
    if (off < (uint32_t)f->offset + f->len && f->offset < end) {
      st->ctr.ip_reasm_overlap++;
      drop(st, r);
      return;
    }
    if (f->offset < off) link = &f->next;
  }
  /* The last fragment tells the total: anything already held beyond it is bogus. */
  if (r->have_last) {
    for (struct exo__frag *f = r->frags; f; f = f->next)
      if ((uint32_t)f->offset + f->len > r->total) {
        st->ctr.ip_reasm_overlap++;
        drop(st, r);
        return;
      }
  }
  size_t cost = sizeof(struct exo__frag) + len;
  if (st->reasm_mem + cost > st->cfg.reasm_mem) {
    st->ctr.ip_reasm_mem_drops++;
    drop(st, r);
    return;
  }
  struct exo__frag *nf = st->platform.alloc(st->platform.ctx, cost);
  if (!nf) {
    st->ctr.ip_reasm_mem_drops++;
    drop(st, r);
    return;
  }
  nf->offset = (uint16_t)off;
  nf->len = (uint16_t)len;
  if (len) exo_memcpy(nf->data, ip->payload, len);
  nf->next = *link;
  *link = nf;
  r->mem += cost;
  st->reasm_mem += cost;
  if (off == 0) {
    size_t keep = ip->header_len + EXO_MIN((size_t)len, (size_t)8);
    exo_memcpy(r->first_hdr, hdr, keep);
    r->first_hdr_len = ip->header_len;
    r->have_first = true;
  }
  if (!r->have_last) return;
  uint32_t pos = 0;
  for (struct exo__frag *f = r->frags; f && f->offset == pos; f = f->next) pos += f->len;
  if (pos == r->total) complete(st, r, ip, l2_bcast);
}

void exo__reasm_timers(struct exo_stack *st) {
  for (uint16_t i = 0; i < st->cfg.reasm_max; i++) {
    struct exo__reasm *r = &st->reasm[i];
    if (!r->used || r->deadline > st->now) continue;
    st->ctr.ip_reasm_timeout++;
    if (r->have_first) {
      /* RFC 792: time exceeded, code 1, quoting fragment zero's header and 8 bytes. */
      struct exo_ipv4_repr q = {
          .src = r->src,
          .dst = r->dst,
          .protocol = r->protocol,
          .header_len = r->first_hdr_len,
          .payload = r->first_hdr + r->first_hdr_len,
          .payload_len = EXO_MIN((size_t)8, (size_t)(r->frags && r->frags->offset == 0
                                                          ? r->frags->len : 0)),
      };
      uint8_t hdr[sizeof r->first_hdr];
      exo_memcpy(hdr, r->first_hdr, sizeof hdr);
      q.payload = hdr + r->first_hdr_len;
      drop(st, r);
      exo__icmp_send_error(st, EXO_ICMP_TIME_EXCEEDED, 1, 0, &q, hdr, false);
    } else {
      drop(st, r);
    }
  }
}

uint64_t exo__reasm_deadline(const struct exo_stack *st) {
  uint64_t d = UINT64_MAX;
  for (uint16_t i = 0; i < st->cfg.reasm_max; i++)
    if (st->reasm[i].used && st->reasm[i].deadline < d) d = st->reasm[i].deadline;
  return d;
}
