/* libFuzzer target: one struct exo_tcp driven by a byte program of segments (with
 * sequence/ack numbers optionally relative to the last segment TCP sent, so the fuzzer
 * reaches every state), time steps, socket calls and ICMP errors; or (first byte 0xee)
 * two instances over a link whose packet fates (drop, duplicate, reorder) the input
 * chooses, checking that the received stream is always a prefix of the sent one.
 * After every step the module's internal invariants are checked (abort on violation);
 * ASan/UBSan catch the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/tcp_int.h"

#define LOCAL EXO_IPV4(10, 0, 0, 1)
#define PEER EXO_IPV4(10, 0, 0, 2)

struct fz {
  const uint8_t *p;
  size_t n;
  uint64_t now;
  struct exo_tcp_repr last; /* last segment TCP emitted */
  bool have_last;
  size_t live;
};

static uint8_t u8(struct fz *f) {
  if (!f->n) return 0;
  f->n--;
  return *f->p++;
}
static uint16_t u16(struct fz *f) { return (uint16_t)(u8(f) << 8 | u8(f)); }
static uint32_t u32(struct fz *f) { return (uint32_t)u16(f) << 16 | u16(f); }

static void *f_alloc(void *ctx, size_t n) {
  struct fz *f = ctx;
  f->live++;
  return malloc(n);
}
static void f_free(void *ctx, void *p, size_t n) {
  struct fz *f = ctx;
  if (p) f->live--;
  free(p);
}
static void f_rand(void *ctx, void *b, size_t n) { memset(b, 0x3c, n); }
static int f_output(void *ctx, uint32_t src, uint32_t dst, const struct exo_tcp_repr *h,
                    const uint8_t *d1, size_t l1, const uint8_t *d2, size_t l2) {
  struct fz *f = ctx;
  volatile uint8_t sink = 0;
  for (size_t i = 0; i < l1; i += 97) sink ^= d1[i]; /* touch the pieces: ASan checks */
  for (size_t i = 0; i < l2; i += 97) sink ^= d2[i];
  if (l1) sink ^= d1[l1 - 1];
  if (l2) sink ^= d2[l2 - 1];
  (void)sink;
  f->last = *h;
  f->have_last = true;
  return 0;
}
static uint16_t f_mtu(void *ctx, uint32_t dst) { return dst == PEER ? 1500 : 0; }
static uint32_t f_src(void *ctx, uint32_t dst) { return LOCAL; }
static bool f_local(void *ctx, uint32_t ip) { return ip == LOCAL; }

static void check(struct exo_tcp *tcp) {
  uint32_t n = 0;
  for (struct exo_tcp_sock *s = tcp->all; s; s = s->next) {
    n++;
    bool ok = true;
    int why = 0;
    if (s->sbuf.len > s->sbuf.cap || s->rbuf.len > s->rbuf.cap) ok = false, why = 1;
    if (s->state != EXO_TCP_LISTEN && s->state != EXO_TCP_CLOSED) {
      if (exo_seq_gt(s->snd_una, s->snd_nxt)) ok = false, why = 2;
      if (s->sacked_bytes > s->snd_nxt - s->snd_una) ok = false, why = 3;
      if (s->n_ooo > EXO__TCP_OOO_MAX || s->n_sb > EXO__TCP_SB_MAX) ok = false, why = 4;
      for (uint8_t i = 0; i < s->n_ooo; i++) {
        if (!exo_seq_lt(s->ooo[i].left, s->ooo[i].right)) ok = false, why = 5;
        if (!exo_seq_gt(s->ooo[i].left, s->rcv_nxt)) ok = false, why = 6;
        if (s->ooo[i].right - s->rcv_nxt > s->rbuf.cap - s->rbuf.len) ok = false, why = 7;
        if (i && !exo_seq_gt(s->ooo[i].left, s->ooo[i - 1].right)) ok = false, why = 8;
      }
      for (uint8_t i = 0; i < s->n_sb; i++) {
        if (!exo_seq_lt(s->sb[i].left, s->sb[i].right)) ok = false, why = 9;
        if (exo_seq_lt(s->sb[i].left, s->snd_una) || exo_seq_gt(s->sb[i].right, s->snd_nxt))
          ok = false, why = 10;
        if (i && !exo_seq_gt(s->sb[i].left, s->sb[i - 1].right)) ok = false, why = 11;
      }
      if (s->sbuf.buf && exo_seq_gt(s->sbuf_seq + s->sbuf.len + 1, s->snd_una) == false &&
          s->sbuf.len)
        ok = false, why = 12;
      if (exo__tcp_pipe(s) > (s->snd_nxt - s->snd_una) * 2 + 1) ok = false, why = 13;
    }
    if (!ok) {
      fprintf(stderr, "invariant %d broken: state %d una %u nxt %u sacked %u pipe %u\n", why,
              s->state, s->snd_una, s->snd_nxt, s->sacked_bytes, exo__tcp_pipe(s));
      abort();
    }
  }
  if (n != tcp->nsocks) abort();
}

/* --- pair mode: two instances over a link whose every packet's fate (deliver, drop,
 * duplicate, hold back) the input decides. The receiver's stream must always be a
 * prefix of the sender's. */
#define PAIR_Q 64
struct ppkt {
  bool used;
  uint32_t src, dst;
  struct exo_tcp_repr h;
  size_t len;
  uint8_t data[1600];
};
struct pair {
  struct fz *f;
  struct ppkt q[PAIR_Q]; /* in flight, either direction (dst tells) */
};
static struct pair g_pair;

static int p_output(void *ctx, uint32_t src, uint32_t dst, const struct exo_tcp_repr *h,
                    const uint8_t *d1, size_t l1, const uint8_t *d2, size_t l2) {
  struct pair *p = &g_pair;
  (void)ctx;
  if (l1 + l2 > sizeof p->q[0].data) abort(); /* never more than one MSS */
  for (int i = 0; i < PAIR_Q; i++) {
    if (p->q[i].used) continue;
    struct ppkt *k = &p->q[i];
    k->used = true;
    k->src = src;
    k->dst = dst;
    k->h = *h;
    k->len = l1 + l2;
    if (l1) memcpy(k->data, d1, l1);
    if (l2) memcpy(k->data + l1, d2, l2);
    return 0;
  }
  return 0; /* queue full: the link drops it */
}
static uint16_t p_mtu(void *ctx, uint32_t dst) { return 1500; }
static uint32_t p_src_a(void *ctx, uint32_t dst) { return LOCAL; }
static uint32_t p_src_b(void *ctx, uint32_t dst) { return PEER; }

static uint8_t stream_byte(uint64_t off) { return (uint8_t)(off * 131 + (off >> 9)); }

static void run_pair(struct fz *f) {
  static struct exo_tcp a, b;
  struct exo_platform plat = {f_alloc, f_free, f_rand, f};
  struct exo_tcp_env ea = {f, &plat, p_output, p_mtu, p_src_a, NULL, NULL};
  struct exo_tcp_env eb = {f, &plat, p_output, p_mtu, p_src_b, NULL, NULL};
  struct exo_tcp_config cfg;
  exo_tcp_config_default(&cfg);
  uint8_t c = u8(f);
  cfg.sack = c & 1;
  cfg.timestamps = c & 2;
  cfg.window_scaling = c & 4;
  cfg.cc = (c & 8) ? EXO_TCP_CC_NEWRENO : EXO_TCP_CC_CUBIC;
  cfg.sndbuf = 4096u << (c >> 6);
  cfg.rcvbuf = 4096u << ((c >> 4) & 3);
  memset(&g_pair, 0, sizeof g_pair);
  g_pair.f = f;
  if (exo_tcp_init(&a, &ea, &cfg)) return;
  if (exo_tcp_init(&b, &eb, &cfg)) {
    exo_tcp_fini(&a);
    return;
  }
  struct exo_tcp_sock *l = exo_tcp_open(&b, NULL);
  exo_tcp_bind(l, 0, 80);
  exo_tcp_listen(l, 1);
  struct exo_tcp_sock *cs = exo_tcp_open(&a, NULL);
  exo_tcp_connect(cs, f->now, PEER, 80);
  struct exo_tcp_sock *rs = NULL;
  uint64_t sent = 0, rcvd = 0;
  static uint8_t buf[8192];
  for (unsigned steps = 0; f->n && steps < 3000; steps++) {
    uint8_t op = u8(f);
    switch (op & 7) {
    case 0:
    case 1:
    case 2: { /* a packet's fate */
      int i = u8(f) % PAIR_Q, tries = 0;
      while (!g_pair.q[i].used && tries++ < PAIR_Q) i = (i + 1) % PAIR_Q;
      struct ppkt *k = &g_pair.q[i];
      if (!k->used) break;
      uint8_t fate = op >> 3;
      if (fate % 4 != 3) { /* deliver (1 in 4: drop) */
        struct ppkt copy = *k;
        copy.h.payload = copy.data;
        copy.h.payload_len = copy.len;
        if (fate % 8 != 4) k->used = false; /* 1 in 8: keep a copy (duplicate) */
        exo_tcp_input(copy.dst == PEER ? &b : &a, f->now, copy.src, copy.dst, &copy.h);
      } else {
        k->used = false;
      }
      break;
    }
    case 3: { /* time */
      uint64_t end = f->now + (uint64_t)u8(f) * ((op & 0x80) ? 100000u : 1000u);
      for (int k = 0; k < 64; k++) {
        uint64_t d = EXO_MIN(exo_tcp_next_deadline(&a), exo_tcp_next_deadline(&b));
        if (d > end) break;
        if (d > f->now) f->now = d;
        exo_tcp_poll(&a, f->now);
        exo_tcp_poll(&b, f->now);
      }
      f->now = end;
      break;
    }
    case 4: { /* write */
      size_t n = (size_t)u16(f) % sizeof buf;
      for (size_t i = 0; i < n; i++) buf[i] = stream_byte(sent + i);
      ptrdiff_t k = exo_tcp_send(cs, f->now, buf, n);
      if (k > 0) sent += (uint64_t)k;
      break;
    }
    case 5: { /* read and check */
      if (!rs && exo_tcp_accept(l, &rs) != 0) break;
      ptrdiff_t k = exo_tcp_recv(rs, f->now, buf, (size_t)u16(f) % sizeof buf, 0);
      for (ptrdiff_t i = 0; i < k; i++)
        if (buf[i] != stream_byte(rcvd + (uint64_t)i)) {
          fprintf(stderr, "stream corrupted at %llu\n", (unsigned long long)(rcvd + i));
          abort();
        }
      if (k > 0) rcvd += (uint64_t)k;
      if (rcvd > sent) abort();
      break;
    }
    case 6: /* the writer closes its side */
      exo_tcp_shutdown(cs, f->now, EXO_TCP_SHUT_WR);
      break;
    default: break;
    }
    check(&a);
    check(&b);
  }
  /* Liveness: with a perfect link from now on, everything sent must arrive (unless the
   * connection died, e.g. reset by a peer that lost its state). */
  uint64_t limit = f->now + 1000000000ull;
  for (int it = 0; it < 100000 && f->now < limit; it++) {
    bool any = false;
    for (int i = 0; i < PAIR_Q; i++) {
      if (!g_pair.q[i].used) continue;
      struct ppkt copy = g_pair.q[i];
      g_pair.q[i].used = false;
      copy.h.payload = copy.data;
      copy.h.payload_len = copy.len;
      exo_tcp_input(copy.dst == PEER ? &b : &a, f->now, copy.src, copy.dst, &copy.h);
      any = true;
    }
    if (!rs) exo_tcp_accept(l, &rs);
    if (rs) {
      ptrdiff_t k;
      while ((k = exo_tcp_recv(rs, f->now, buf, sizeof buf, 0)) > 0) {
        for (ptrdiff_t i = 0; i < k; i++)
          if (buf[i] != stream_byte(rcvd + (uint64_t)i)) abort();
        rcvd += (uint64_t)k;
      }
    }
    if (rcvd == sent) break;
    if (any) continue;
    uint64_t d = EXO_MIN(exo_tcp_next_deadline(&a), exo_tcp_next_deadline(&b));
    if (d == UINT64_MAX) break;
    if (d > f->now) f->now = d;
    exo_tcp_poll(&a, f->now);
    exo_tcp_poll(&b, f->now);
  }
  bool alive = exo_tcp_state(cs) != EXO_TCP_CLOSED && rs && exo_tcp_state(rs) != EXO_TCP_CLOSED;
#ifdef FUZZ_TCP_DEBUG
  fprintf(stderr, "pair: sent %llu received %llu alive %d\n", (unsigned long long)sent,
          (unsigned long long)rcvd, alive);
#endif
  if (alive && rcvd != sent) {
    fprintf(stderr, "stall: sent %llu received %llu (states %d/%d)\n",
            (unsigned long long)sent, (unsigned long long)rcvd, exo_tcp_state(cs),
            exo_tcp_state(rs));
    abort();
  }
  exo_tcp_close(cs, f->now);
  if (rs) exo_tcp_close(rs, f->now);
  exo_tcp_close(l, f->now);
  exo_tcp_fini(&a);
  exo_tcp_fini(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fz f = {data, size, 5000000, {0}, false, 0};
  if (size && data[0] == 0xee) { /* pair mode */
    f.p++;
    f.n--;
    run_pair(&f);
    if (f.live != 0) abort();
    return 0;
  }
  struct exo_platform plat = {f_alloc, f_free, f_rand, &f};
  struct exo_tcp_env env = {&f, &plat, f_output, f_mtu, f_src, f_local, NULL};
  struct exo_tcp_config cfg;
  exo_tcp_config_default(&cfg);
  cfg.sndbuf = 8192;
  cfg.rcvbuf = 8192;
  cfg.syn_backlog = 2;
  cfg.challenge_ack_limit = 5;
  uint8_t c0 = u8(&f);
  cfg.sack = c0 & 1;
  cfg.timestamps = c0 & 2;
  cfg.window_scaling = c0 & 4;
  cfg.cc = (c0 & 8) ? EXO_TCP_CC_NEWRENO : EXO_TCP_CC_CUBIC;
  static struct exo_tcp tcp;
  if (exo_tcp_init(&tcp, &env, &cfg)) return 0;
  struct exo_tcp_sock *l = exo_tcp_open(&tcp, NULL);
  exo_tcp_bind(l, 0, 80);
  exo_tcp_listen(l, 2);
  struct exo_tcp_sock *socks[4] = {0};
  socks[0] = exo_tcp_open(&tcp, NULL);
  exo_tcp_bind(socks[0], 0, 81);
  exo_tcp_connect(socks[0], f.now, PEER, 5000);
  static uint8_t payload[2048], rbuf[4096];
  for (unsigned steps = 0; f.n && steps < 2000; steps++) {
    uint8_t op = u8(&f);
    switch (op % 8) {
    case 0:
    case 1:
    case 2: { /* a segment */
      struct exo_tcp_repr r;
      memset(&r, 0, sizeof r);
      uint8_t mode = u8(&f);
      r.src_port = (mode & 1) ? 5000 : (uint16_t)(5000 + (mode >> 5));
      r.dst_port = (mode & 2) ? 81 : 80;
      r.flags = u8(&f);
      uint32_t ds = u32(&f), da = u32(&f);
      if ((mode & 4) && f.have_last) {
        r.seq = f.last.ack + (int32_t)(int16_t)ds;
        r.ack = f.last.seq + (int32_t)(int16_t)da;
      } else {
        r.seq = ds;
        r.ack = da;
      }
      r.window = u16(&f);
      uint8_t o = u8(&f);
      r.has_mss = o & 1;
      if (r.has_mss) r.mss = u16(&f);
      r.has_wscale = o & 2;
      if (r.has_wscale) r.wscale = u8(&f);
      r.sack_permitted = o & 4;
      r.has_timestamp = o & 8;
      if (r.has_timestamp) {
        r.ts_val = u32(&f);
        r.ts_ecr = (o & 0x80) && f.have_last ? f.last.ts_val : u32(&f);
      }
      r.sack_count = (uint8_t)((o >> 4) & 7);
      if (r.sack_count > EXO_TCP_MAX_SACK) r.sack_count = EXO_TCP_MAX_SACK;
      for (uint8_t i = 0; i < r.sack_count; i++) {
        uint32_t a = u16(&f), b = u16(&f);
        uint32_t base = f.have_last ? f.last.seq : 0;
        r.sack[i].left = base + a - 8000;
        r.sack[i].right = base + b - 8000;
      }
      size_t plen = (size_t)u8(&f) * ((mode & 8) ? 8 : 1);
      if (plen > sizeof payload) plen = sizeof payload;
      for (size_t i = 0; i < plen; i++) payload[i] = (uint8_t)i;
      r.payload = plen ? payload : NULL;
      r.payload_len = plen;
      exo_tcp_input(&tcp, f.now, PEER, LOCAL, &r);
      break;
    }
    case 3: { /* time passes */
      uint32_t d = (uint32_t)u16(&f) * ((op & 0x80) ? 100000u : 100u);
      uint64_t end = f.now + d;
      for (int k = 0; k < 64; k++) {
        uint64_t dl = exo_tcp_next_deadline(&tcp);
        if (dl > end) break;
        if (dl > f.now) f.now = dl;
        exo_tcp_poll(&tcp, f.now);
      }
      f.now = end;
      exo_tcp_poll(&tcp, f.now);
      break;
    }
    case 4: { /* accept */
      for (int i = 1; i < 4; i++)
        if (!socks[i]) {
          exo_tcp_accept(l, &socks[i]);
          break;
        }
      break;
    }
    case 5: { /* send / recv */
      struct exo_tcp_sock *s = socks[u8(&f) & 3];
      if (!s) break;
      uint16_t n = u16(&f) & 4095;
      if (op & 0x80)
        exo_tcp_send(s, f.now, rbuf, n);
      else
        exo_tcp_recv(s, f.now, rbuf, n, (op & 0x40) ? EXO_TCP_RECV_PEEK : 0);
      exo_tcp_events(s);
      struct exo_tcp_info info;
      exo_tcp_get_info(s, &info);
      break;
    }
    case 6: { /* options / shutdown / close / abort */
      uint8_t i = u8(&f) & 3;
      struct exo_tcp_sock *s = socks[i];
      if (!s) break;
      uint8_t what = u8(&f);
      switch (what % 6) {
      case 0: exo_tcp_shutdown(s, f.now, what >> 6); break;
      case 1:
        exo_tcp_close(s, f.now);
        socks[i] = NULL;
        break;
      case 2:
        exo_tcp_abort(s, f.now);
        socks[i] = NULL;
        break;
      case 3: exo_tcp_setopt(s, f.now, (what >> 3) % 13, (int)(int8_t)u8(&f)); break;
      case 4: exo_tcp_take_error(s); break;
      default: exo_tcp_setopt(s, f.now, EXO_TCP_SO_NODELAY, what & 0x80); break;
      }
      break;
    }
    case 7: { /* ICMP error */
      uint32_t seq = f.have_last ? f.last.seq : 0;
      exo_tcp_icmp_error(&tcp, f.now, LOCAL, PEER, (op & 0x80) ? 81 : 80, 5000,
                         seq + (uint32_t)(int8_t)u8(&f), 3 + (u8(&f) & 8), u8(&f) & 7,
                         u16(&f));
      break;
    }
    }
    check(&tcp);
  }
  for (int i = 0; i < 4; i++)
    if (socks[i]) exo_tcp_close(socks[i], f.now);
  exo_tcp_close(l, f.now);
  exo_tcp_fini(&tcp);
  if (f.live != 0) {
    fprintf(stderr, "leak: %zu blocks\n", f.live);
    abort();
  }
  return 0;
}
