/* See tcp_script.h. */
#include "tcp_script.h"

#include <stdlib.h>

static void *fake_alloc(void *ctx, size_t size) {
  struct tscript *t = ctx;
  void *p = malloc(size);
  if (p) t->allocated += size;
  return p;
}
static void fake_free(void *ctx, void *ptr, size_t size) {
  struct tscript *t = ctx;
  if (!ptr) return;
  t->allocated -= size;
  free(ptr);
}
static void fake_random(void *ctx, void *buf, size_t len) {
  uint8_t *b = buf;
  for (size_t i = 0; i < len; i++) b[i] = (uint8_t)(0x5a + 31 * i);
}
static int fake_output(void *ctx, uint32_t src, uint32_t dst, const struct exo_tcp_repr *hdr,
                       const uint8_t *d1, size_t l1, const uint8_t *d2, size_t l2) {
  struct tscript *t = ctx;
  if (t->output_rc) return t->output_rc;
  if (t->count == TS_MAXSEG) {
    fprintf(stderr, "tcp_script: capture queue full\n");
    abort();
  }
  struct ts_seg *s = &t->q[(t->head + t->count) % TS_MAXSEG];
  t->count++;
  t->total_out++;
  s->src = src;
  s->dst = dst;
  s->h = *hdr;
  s->len = l1 + l2;
  size_t c1 = l1 < TS_MAXDATA ? l1 : TS_MAXDATA;
  if (c1) memcpy(s->data, d1, c1);
  size_t c2 = l2 < TS_MAXDATA - c1 ? l2 : TS_MAXDATA - c1;
  if (c2) memcpy(s->data + c1, d2, c2);
  s->h.payload = s->data;
  s->h.payload_len = s->len;
  return 0;
}
static uint16_t fake_mtu(void *ctx, uint32_t dst) {
  struct tscript *t = ctx;
  return dst == TS_REMOTE || dst == EXO_IPV4(10, 0, 0, 3) ? t->mtu : 0;
}
static uint32_t fake_source(void *ctx, uint32_t dst) { return TS_LOCAL; }
static bool fake_local(void *ctx, uint32_t ip) { return ip == TS_LOCAL; }
static void fake_notify(void *ctx, struct exo_tcp_sock *s, uint32_t ev) {
  struct tscript *t = ctx;
  t->notifies++;
  t->last_events = ev;
  t->last_notified = s;
}

void ts_init(struct tscript *t, const struct exo_tcp_config *cfg) {
  memset(t, 0, sizeof *t);
  t->q = calloc(TS_MAXSEG, sizeof *t->q);
  t->plat.alloc = fake_alloc;
  t->plat.free = fake_free;
  t->plat.random_bytes = fake_random;
  t->plat.ctx = t;
  t->env.ctx = t;
  t->env.platform = &t->plat;
  t->env.output = fake_output;
  t->env.route_mtu = fake_mtu;
  t->env.source_addr = fake_source;
  t->env.is_local_addr = fake_local;
  t->env.notify = fake_notify;
  t->mtu = 1500;
  t->now = 10000000; /* 10 s: time 0 is never special */
  int rc = exo_tcp_init(&t->tcp, &t->env, cfg);
  EXO_CHECK_EQ(rc, 0);
}

void ts_fini(struct tscript *t) {
  exo_tcp_fini(&t->tcp);
  EXO_CHECK_EQ(t->allocated, 0);
  free(t->q);
}

void ts_advance(struct tscript *t, uint64_t us) {
  uint64_t end = t->now + us;
  for (;;) {
    uint64_t d = exo_tcp_next_deadline(&t->tcp);
    if (d > end) break;
    if (d > t->now) t->now = d;
    exo_tcp_poll(&t->tcp, t->now);
  }
  t->now = end;
}

struct exo_tcp_repr ts_seg(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t window) {
  struct exo_tcp_repr r;
  memset(&r, 0, sizeof r);
  r.src_port = 5000;
  r.dst_port = 80;
  r.flags = flags;
  r.seq = seq;
  r.ack = ack;
  r.window = window;
  r.checksum_ok = true;
  return r;
}

struct exo_tcp_repr ts_pseg(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t window) {
  struct exo_tcp_repr r = ts_seg(flags, seq, ack, window);
  r.has_timestamp = true;
  r.ts_val = 600;
  return r;
}

void ts_inject(struct tscript *t, const struct exo_tcp_repr *seg, const void *data, size_t len) {
  struct exo_tcp_repr r = *seg;
  r.payload = data;
  r.payload_len = len;
  exo_tcp_input(&t->tcp, t->now, TS_REMOTE, TS_LOCAL, &r);
}

struct ts_seg *ts_pop(struct tscript *t) {
  if (t->count == 0) return NULL;
  struct ts_seg *s = &t->q[t->head];
  t->head = (t->head + 1) % TS_MAXSEG;
  t->count--;
  return s;
}

size_t ts_pending(const struct tscript *t) { return t->count; }

void ts_drain(struct tscript *t) {
  t->head = 0;
  t->count = 0;
}

static char *flagstr(uint8_t f, char *b) {
  b[0] = 0;
  if (f & EXO_TCP_SYN) strcat(b, "S");
  if (f & EXO_TCP_FIN) strcat(b, "F");
  if (f & EXO_TCP_RST) strcat(b, "R");
  if (f & EXO_TCP_PSH) strcat(b, "P");
  if (f & EXO_TCP_ACK) strcat(b, ".");
  return b;
}

static struct ts_seg ts_none;

struct ts_seg *ts_expect_at(struct tscript *t, const char *file, int line, uint8_t flags,
                            uint32_t seq, uint32_t ack, uint32_t window, size_t len) {
  struct ts_seg *s = ts_pop(t);
  char a[8], b[8];
  if (!s) {
    exo_test_fail(file, line, "expected a segment [%s] seq=%u ack=%u, got none",
                  flagstr(flags, a), seq, ack);
    memset(&ts_none, 0, sizeof ts_none);
    return &ts_none;
  }
  if (s->h.flags != flags || (seq != TS_ANY && s->h.seq != seq) ||
      (ack != TS_ANY && s->h.ack != ack) || (window != TS_ANY && s->h.window != window) ||
      (len != (size_t)TS_ANY && s->len != len))
    exo_test_fail(file, line,
                  "segment [%s] seq=%u ack=%u win=%u len=%zu, expected [%s] seq=%u ack=%u "
                  "win=%u len=%zu",
                  flagstr(s->h.flags, a), s->h.seq, s->h.ack, s->h.window, s->len,
                  flagstr(flags, b), seq, ack, window, len);
  return s;
}

struct ts_opts ts_default_opts(void) {
  struct ts_opts o = {true, true, true, true, 1460, 7, 1000};
  return o;
}

static void add_syn_opts(struct exo_tcp_repr *r, const struct ts_opts *o, uint32_t tsval,
                         uint32_t tsecr) {
  r->has_mss = o->mss;
  r->mss = o->mss_val;
  r->has_wscale = o->ws;
  r->wscale = o->wscale;
  r->sack_permitted = o->sack;
  r->has_timestamp = o->ts;
  r->ts_val = tsval;
  r->ts_ecr = tsecr;
}

struct exo_tcp_sock *ts_passive_open(struct tscript *t, const struct ts_opts *o, uint32_t *iss) {
  struct exo_tcp_sock *l = exo_tcp_open(&t->tcp, NULL);
  EXO_CHECK(l != NULL);
  EXO_CHECK_EQ(exo_tcp_bind(l, TS_LOCAL, 80), 0);
  EXO_CHECK_EQ(exo_tcp_listen(l, 16), 0);
  struct exo_tcp_repr syn = ts_seg(EXO_TCP_SYN, 1000, 0, 65535);
  add_syn_opts(&syn, o, 500, 0);
  ts_inject(t, &syn, NULL, 0);
  struct ts_seg *sa = TS_EXPECT(t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 1001, TS_ANY, 0);
  *iss = sa->h.seq;
  uint32_t tsv = sa->h.ts_val;
  struct exo_tcp_repr ack = ts_seg(EXO_TCP_ACK, 1001, *iss + 1, o->peer_window);
  ack.has_timestamp = o->ts;
  ack.ts_val = 501;
  ack.ts_ecr = tsv;
  ts_inject(t, &ack, NULL, 0);
  TS_EXPECT_NONE(t);
  struct exo_tcp_sock *c = NULL;
  EXO_CHECK_EQ(exo_tcp_accept(l, &c), 0);
  EXO_CHECK(c != NULL);
  exo_tcp_close(l, t->now); /* the accepted child lives on */
  return c;
}

struct exo_tcp_sock *ts_active_open(struct tscript *t, const struct ts_opts *o, uint32_t *iss) {
  struct exo_tcp_sock *s = exo_tcp_open(&t->tcp, NULL);
  EXO_CHECK(s != NULL);
  EXO_CHECK_EQ(exo_tcp_bind(s, 0, 80), 0);
  EXO_CHECK_EQ(exo_tcp_connect(s, t->now, TS_REMOTE, 5000), -EXO_EINPROGRESS);
  struct ts_seg *syn = TS_EXPECT(t, EXO_TCP_SYN, TS_ANY, 0, TS_ANY, 0);
  *iss = syn->h.seq;
  uint32_t tsv = syn->h.ts_val;
  struct exo_tcp_repr sa = ts_seg(EXO_TCP_SYN | EXO_TCP_ACK, 1000, *iss + 1, 65535);
  add_syn_opts(&sa, o, 500, o->ts ? tsv : 0);
  ts_inject(t, &sa, NULL, 0);
  TS_EXPECT(t, EXO_TCP_ACK, *iss + 1, 1001, TS_ANY, 0);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_ESTABLISHED);
  /* A window update with the peer's real (scaled) window. */
  struct exo_tcp_repr w = ts_seg(EXO_TCP_ACK, 1001, *iss + 1, o->peer_window);
  w.has_timestamp = o->ts;
  w.ts_val = 501;
  w.ts_ecr = tsv;
  ts_inject(t, &w, NULL, 0);
  TS_EXPECT_NONE(t);
  return s;
}
