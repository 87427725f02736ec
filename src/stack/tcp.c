/* TCP module: the socket table and the socket calls.
 *
 * Invariants: every socket is on tcp->all exactly once; a socket is in the 4-tuple hash
 * iff it has a remote endpoint and is not yet CLOSED (SYN-SENT .. TIME-WAIT); listeners
 * are on tcp->listeners and never in the hash; a child of a listener (parent != NULL)
 * is counted in exactly one of parent->synq_len (SYN-RECEIVED) or parent->aq_len
 * (established, in the accept queue). A socket whose handle the user released (orphan)
 * is freed by TCP as soon as its connection ends. */
#include "stack/tcp_int.h"

void exo_tcp_config_default(struct exo_tcp_config *cfg) {
  exo_memset(cfg, 0, sizeof *cfg);
  cfg->max_sockets = 4096;
  cfg->sndbuf = 256 * 1024;
  cfg->rcvbuf = 256 * 1024;
  cfg->ephemeral_min = 32768;
  cfg->ephemeral_max = 60999;
  cfg->cc = EXO_TCP_CC_CUBIC;
  cfg->syn_retries = 6;
  cfg->synack_retries = 5;
  cfg->syncookies = true;
  cfg->sack = true;
  cfg->timestamps = true;
  cfg->window_scaling = true;
  cfg->syn_backlog = 128;
  cfg->time_wait_us = 60000000u;
  cfg->delack_us = 40000u;
  cfg->rto_min_us = 200000u;
  cfg->rto_max_us = 120000000u;
  cfg->rto_initial_us = 1000000u;
  cfg->keepalive_idle_s = 7200;
  cfg->keepalive_intvl_s = 75;
  cfg->keepalive_cnt = 9;
  cfg->retries2 = 15;
  cfg->challenge_ack_limit = 1000;
}

int exo_tcp_init(struct exo_tcp *tcp, const struct exo_tcp_env *env,
                 const struct exo_tcp_config *cfg) {
  if (!env || !env->output || !env->platform || !env->platform->alloc ||
      !env->platform->free || !env->platform->random_bytes)
    return -EXO_EINVAL;
  exo_memset(tcp, 0, sizeof *tcp);
  tcp->env = *env;
  if (cfg)
    tcp->cfg = *cfg;
  else
    exo_tcp_config_default(&tcp->cfg);
  struct exo_tcp_config *c = &tcp->cfg;
  if (c->max_sockets == 0) c->max_sockets = 4096;
  if (c->sndbuf < 2048) c->sndbuf = 2048;
  if (c->rcvbuf < 2048) c->rcvbuf = 2048;
  if (c->ephemeral_min == 0 || c->ephemeral_max < c->ephemeral_min) {
    c->ephemeral_min = 32768;
    c->ephemeral_max = 60999;
  }
  if (c->rto_min_us == 0) c->rto_min_us = 200000u;
  if (c->rto_max_us < c->rto_min_us) c->rto_max_us = 120000000u;
  if (c->rto_initial_us == 0) c->rto_initial_us = 1000000u;
  if (c->syn_backlog == 0) c->syn_backlog = 128;
  if (c->keepalive_cnt == 0) c->keepalive_cnt = 9;
  if (c->keepalive_idle_s == 0) c->keepalive_idle_s = 7200;
  if (c->keepalive_intvl_s == 0) c->keepalive_intvl_s = 75;
  uint32_t buckets = 64;
  while (buckets < c->max_sockets && buckets < (1u << 20)) buckets <<= 1;
  const struct exo_platform *p = env->platform;
  tcp->hash = p->alloc(p->ctx, buckets * sizeof *tcp->hash);
  if (!tcp->hash) return -EXO_ENOMEM;
  exo_memset(tcp->hash, 0, buckets * sizeof *tcp->hash);
  tcp->hash_mask = buckets - 1;
  tcp->min_deadline = UINT64_MAX;
  p->random_bytes(p->ctx, tcp->isn_key, sizeof tcp->isn_key);
  p->random_bytes(p->ctx, tcp->cookie_key, sizeof tcp->cookie_key);
  uint16_t r;
  p->random_bytes(p->ctx, &r, sizeof r);
  tcp->next_ephemeral =
      (uint16_t)(c->ephemeral_min + r % ((uint32_t)c->ephemeral_max - c->ephemeral_min + 1));
  return 0;
}

static void sock_release(struct exo_tcp_sock *s);

void exo_tcp_fini(struct exo_tcp *tcp) {
  while (tcp->all) sock_release(tcp->all);
  const struct exo_platform *p = tcp->env.platform;
  if (tcp->hash) p->free(p->ctx, tcp->hash, (tcp->hash_mask + 1) * sizeof *tcp->hash);
  tcp->hash = NULL;
}

/* --- table ------------------------------------------------------------------------- */

static uint32_t tuple_bucket(const struct exo_tcp *tcp, uint32_t lip, uint16_t lport,
                             uint32_t rip, uint16_t rport) {
  uint8_t b[12];
  exo_wr32(b, lip);
  exo_wr16(b + 4, lport);
  exo_wr32(b + 6, rip);
  exo_wr16(b + 10, rport);
  /* Keyed, so a peer cannot aim many connections at one chain. */
  return (uint32_t)exo__siphash24(tcp->cookie_key, b, sizeof b) & tcp->hash_mask;
}

void exo__tcp_hash_insert(struct exo_tcp_sock *s) {
  if (s->hashed) return;
  struct exo_tcp *tcp = s->tcp;
  uint32_t b = tuple_bucket(tcp, s->lip, s->lport, s->rip, s->rport);
  s->hnext = tcp->hash[b];
  tcp->hash[b] = s;
  s->hashed = true;
}

void exo__tcp_hash_remove(struct exo_tcp_sock *s) {
  if (!s->hashed) return;
  struct exo_tcp *tcp = s->tcp;
  struct exo_tcp_sock **pp = &tcp->hash[tuple_bucket(tcp, s->lip, s->lport, s->rip, s->rport)];
  while (*pp && *pp != s) pp = &(*pp)->hnext;
  if (*pp) *pp = s->hnext;
  s->hnext = NULL;
  s->hashed = false;
}

struct exo_tcp_sock *exo__tcp_lookup(struct exo_tcp *tcp, uint32_t lip, uint16_t lport,
                                     uint32_t rip, uint16_t rport) {
  struct exo_tcp_sock *s = tcp->hash[tuple_bucket(tcp, lip, lport, rip, rport)];
  for (; s; s = s->hnext)
    if (s->lport == lport && s->rport == rport && s->lip == lip && s->rip == rip) return s;
  return NULL;
}

/* At the socket limit, a connection in TIME-WAIT that nobody holds gives way (the one
 * closest to expiry), as Linux refuses new TIME-WAIT buckets rather than connections. */
static bool reclaim_time_wait(struct exo_tcp *tcp) {
  struct exo_tcp_sock *best = NULL;
  for (struct exo_tcp_sock *s = tcp->all; s; s = s->next)
    if (s->state == EXO_TCP_TIME_WAIT && s->orphan && (!best || s->t_wait < best->t_wait))
      best = s;
  if (!best) return false;
  sock_release(best);
  return true;
}

struct exo_tcp_sock *exo__tcp_sock_new(struct exo_tcp *tcp, int *err) {
  if (tcp->nsocks >= tcp->cfg.max_sockets && !reclaim_time_wait(tcp)) {
    if (err) *err = -EXO_EMFILE;
    return NULL;
  }
  const struct exo_platform *p = tcp->env.platform;
  struct exo_tcp_sock *s = p->alloc(p->ctx, sizeof *s);
  if (!s) {
    if (err) *err = -EXO_ENOMEM;
    return NULL;
  }
  exo_memset(s, 0, sizeof *s);
  s->tcp = tcp;
  s->state = EXO_TCP_CLOSED;
  s->linger = -1;
  s->keep_idle_s = tcp->cfg.keepalive_idle_s;
  s->keep_intvl_s = tcp->cfg.keepalive_intvl_s;
  s->keep_cnt = tcp->cfg.keepalive_cnt;
  s->cc_algo = tcp->cfg.cc;
  s->sndbuf_size = tcp->cfg.sndbuf;
  s->rcvbuf_size = tcp->cfg.rcvbuf;
  s->rto_us = tcp->cfg.rto_initial_us;
  s->peer_mss = EXO__TCP_DEFAULT_MSS;
  s->smss = EXO__TCP_DEFAULT_MSS;
  s->rcv_mss = EXO__TCP_DEFAULT_MSS;
  s->next = tcp->all;
  if (tcp->all) tcp->all->prev = s;
  tcp->all = s;
  tcp->nsocks++;
  return s;
}

static void aq_unlink(struct exo_tcp_sock *l, struct exo_tcp_sock *c) {
  struct exo_tcp_sock **pp = &l->aq_head, *prev = NULL;
  while (*pp && *pp != c) {
    prev = *pp;
    pp = &(*pp)->aq_next;
  }
  if (!*pp) return;
  *pp = c->aq_next;
  if (l->aq_tail == c) l->aq_tail = prev;
  c->aq_next = NULL;
  c->in_aq = false;
  l->aq_len--;
}

/* Detaches a child from its listener's queues. */
static void child_detach(struct exo_tcp_sock *s) {
  struct exo_tcp_sock *l = s->parent;
  if (!l) return;
  if (s->in_aq)
    aq_unlink(l, s);
  else if (l->synq_len)
    l->synq_len--;
  s->parent = NULL;
}

static void sock_release(struct exo_tcp_sock *s) {
  struct exo_tcp *tcp = s->tcp;
  exo__tcp_hash_remove(s);
  child_detach(s);
  if (s->listening) {
    struct exo_tcp_sock **pp = &tcp->listeners;
    while (*pp && *pp != s) pp = &(*pp)->lnext;
    if (*pp) *pp = s->lnext;
    s->listening = false;
    /* Children lose their parent pointer: they are freed by the caller (close) or fini. */
    for (struct exo_tcp_sock *c = tcp->all; c; c = c->next)
      if (c->parent == s) {
        c->parent = NULL;
        c->in_aq = false;
        c->aq_next = NULL;
        c->orphan = true;
      }
  }
  exo__ring_free(tcp, &s->sbuf);
  exo__ring_free(tcp, &s->rbuf);
  if (s->prev)
    s->prev->next = s->next;
  else
    tcp->all = s->next;
  if (s->next) s->next->prev = s->prev;
  tcp->nsocks--;
  const struct exo_platform *p = tcp->env.platform;
  p->free(p->ctx, s, sizeof *s);
}

void exo__tcp_sock_free(struct exo_tcp_sock *s) { sock_release(s); }

static uint8_t wscale_for(uint32_t buf) {
  uint8_t ws = 0;
  while (ws < 14 && (buf >> ws) > 65535u) ws++;
  return ws;
}

void exo__tcp_init_wscale(struct exo_tcp_sock *s) {
  s->rcv_wscale = s->tcp->cfg.window_scaling ? wscale_for(s->rcvbuf_size) : 0;
}

int exo__tcp_buffers(struct exo_tcp_sock *s) {
  int rc = 0;
  if (!s->sbuf.buf) rc = exo__ring_alloc(s->tcp, &s->sbuf, s->sndbuf_size);
  if (rc == 0 && !s->rbuf.buf) rc = exo__ring_alloc(s->tcp, &s->rbuf, s->rcvbuf_size);
  return rc;
}

void exo__tcp_set_state(struct exo_tcp_sock *s, uint8_t state) {
  s->state = state;
  s->wake = true;
}

void exo__tcp_notify(struct exo_tcp_sock *s) {
  struct exo_tcp *tcp = s->tcp;
  struct exo_tcp_sock *target = s;
  if (s->parent) {
    /* An unaccepted child matters to its listener only (a connection to accept). */
    if (!s->wake) return;
    s->wake = false;
    target = s->parent;
    target->wake = true;
  }
  if (target->orphan || !tcp->env.notify) {
    target->wake = false;
    return;
  }
  uint32_t ev = exo_tcp_events(target);
  if (ev != target->last_events || target->wake) {
    target->last_events = ev;
    target->wake = false;
    tcp->env.notify(tcp->env.ctx, target, ev);
  }
}

bool exo__tcp_done(struct exo_tcp_sock *s, int err) {
  if (err) s->err = err;
  exo__tcp_hash_remove(s);
  s->state = EXO_TCP_CLOSED;
  s->dead = true;
  s->wake = true;
  s->t_rtx = s->t_persist = s->t_delack = s->t_keep = s->t_wait = s->t_xmit = 0;
  s->deadline = 0;
  if (s->sbuf.buf) s->sbuf.len = 0;
  if (s->parent || s->orphan) {
    sock_release(s);
    return true;
  }
  return false;
}

void exo__tcp_enter_time_wait(struct exo_tcp_sock *s, uint64_t now) {
  exo__tcp_set_state(s, EXO_TCP_TIME_WAIT);
  s->t_rtx = s->t_persist = s->t_delack = s->t_keep = s->t_xmit = 0;
  s->t_wait = now + s->tcp->cfg.time_wait_us;
  if (s->orphan) {
    /* Nobody will read: keep only what TIME-WAIT needs (the sequence numbers). */
    exo__ring_free(s->tcp, &s->sbuf);
    exo__ring_free(s->tcp, &s->rbuf);
    s->n_ooo = 0;
  }
  exo__tcp_timer_update(s);
}

int exo__tcp_established(struct exo_tcp_sock *s, uint64_t now) {
  struct exo_tcp *tcp = s->tcp;
  /* Passive connections get their buffers only now, so a SYN flood costs a small
   * record per embryonic connection, not two rings. */
  int rc = exo__tcp_buffers(s);
  if (rc < 0) return rc;
  exo__tcp_set_state(s, EXO_TCP_ESTABLISHED);
  s->was_synced = true;
  s->syn_retries_done = 0;
  s->retries = 0;
  s->backoff = 0;
  exo__tcp_update_smss(s);
  exo__cc_init(s);
  s->lost_hi = s->high_rxt = s->recover = s->snd_una;
  s->t_rtx = s->snd_una == s->snd_nxt ? 0 : s->t_rtx;
  s->last_rcv_time = now;
  if (s->keepalive) s->t_keep = now + (uint64_t)s->keep_idle_s * 1000000u;
  if (s->parent && !s->in_aq) {
    struct exo_tcp_sock *l = s->parent;
    if (l->synq_len) l->synq_len--;
    s->in_aq = true;
    s->aq_next = NULL;
    if (l->aq_tail)
      l->aq_tail->aq_next = s;
    else
      l->aq_head = s;
    l->aq_tail = s;
    l->aq_len++;
    l->wake = true;
  }
  if (s->fin_queued) exo__tcp_set_state(s, EXO_TCP_FIN_WAIT_1);
  (void)tcp;
  exo__tcp_timer_update(s);
  return 0;
}

/* --- ports -------------------------------------------------------------------------- */

static bool port_conflict(struct exo_tcp *tcp, const struct exo_tcp_sock *s, uint32_t ip,
                          uint16_t port) {
  for (const struct exo_tcp_sock *o = tcp->all; o; o = o->next) {
    if (o == s || !o->bound || o->lport != port) continue;
    if (ip && o->lip && ip != o->lip) continue;
    if (s->reuseaddr && o->state == EXO_TCP_TIME_WAIT) continue;
    if (s->reuseaddr && o->reuseaddr && o->state != EXO_TCP_LISTEN) continue;
    return true;
  }
  return false;
}

static int pick_ephemeral(struct exo_tcp *tcp, struct exo_tcp_sock *s, uint32_t ip,
                          uint16_t *port) {
  uint32_t lo = tcp->cfg.ephemeral_min, hi = tcp->cfg.ephemeral_max;
  uint32_t n = hi - lo + 1;
  for (uint32_t i = 0; i < n; i++) {
    uint16_t p = tcp->next_ephemeral;
    tcp->next_ephemeral = (uint16_t)(p >= hi ? lo : p + 1u);
    if (p < lo || p > hi) continue;
    if (!port_conflict(tcp, s, ip, p)) {
      *port = p;
      return 0;
    }
  }
  return -EXO_EADDRINUSE;
}

/* --- socket calls ------------------------------------------------------------------ */

struct exo_tcp_sock *exo_tcp_open(struct exo_tcp *tcp, int *err) {
  int e = 0;
  struct exo_tcp_sock *s = exo__tcp_sock_new(tcp, &e);
  if (err) *err = e;
  return s;
}

int exo_tcp_bind(struct exo_tcp_sock *s, uint32_t ip, uint16_t port) {
  struct exo_tcp *tcp = s->tcp;
  if (s->bound || s->state != EXO_TCP_CLOSED || s->dead) return -EXO_EINVAL;
  if (ip && tcp->env.is_local_addr && !tcp->env.is_local_addr(tcp->env.ctx, ip))
    return -EXO_EADDRNOTAVAIL;
  if (port == 0) {
    int rc = pick_ephemeral(tcp, s, ip, &port);
    if (rc) return rc;
  } else if (port_conflict(tcp, s, ip, port)) {
    return -EXO_EADDRINUSE;
  }
  s->lip = ip;
  s->lport = port;
  s->bound = true;
  return 0;
}

int exo_tcp_listen(struct exo_tcp_sock *s, int backlog) {
  if (s->state == EXO_TCP_LISTEN) {
    s->backlog = (uint32_t)(backlog < 1 ? 1 : backlog > 4096 ? 4096 : backlog);
    return 0;
  }
  if (s->state != EXO_TCP_CLOSED || s->dead) return -EXO_EINVAL;
  if (!s->bound) {
    int rc = exo_tcp_bind(s, 0, 0);
    if (rc) return rc;
  }
  s->backlog = (uint32_t)(backlog < 1 ? 1 : backlog > 4096 ? 4096 : backlog);
  s->state = EXO_TCP_LISTEN;
  s->listening = true;
  s->lnext = s->tcp->listeners;
  s->tcp->listeners = s;
  return 0;
}

int exo_tcp_connect(struct exo_tcp_sock *s, uint64_t now, uint32_t ip, uint16_t port) {
  struct exo_tcp *tcp = s->tcp;
  if (now > tcp->now) tcp->now = now;
  switch (s->state) {
  case EXO_TCP_CLOSED: break;
  case EXO_TCP_SYN_SENT:
  case EXO_TCP_SYN_RECEIVED: return -EXO_EALREADY;
  case EXO_TCP_LISTEN: return -EXO_EINVAL;
  default: return -EXO_EISCONN;
  }
  if (s->dead) return -EXO_EINVAL;
  if (ip == 0 || port == 0) return -EXO_EINVAL;
  uint16_t mtu = tcp->env.route_mtu ? tcp->env.route_mtu(tcp->env.ctx, ip) : 1500;
  if (mtu == 0) return -EXO_ENETUNREACH;
  uint32_t lip = s->lip;
  if (lip == 0) {
    lip = tcp->env.source_addr ? tcp->env.source_addr(tcp->env.ctx, ip) : 0;
    if (lip == 0) return -EXO_EADDRNOTAVAIL;
  }
  if (!s->bound) {
    uint16_t p;
    int rc = pick_ephemeral(tcp, s, lip, &p);
    if (rc) return rc;
    s->lport = p;
    s->bound = true;
  } else if (exo__tcp_lookup(tcp, lip, s->lport, ip, port)) {
    return -EXO_EADDRINUSE;
  }
  s->lip = lip;
  s->rip = ip;
  s->rport = port;
  int rc = exo__tcp_buffers(s);
  if (rc) return rc;
  exo__tcp_init_wscale(s);
  s->adv_mss = (uint16_t)(mtu > 40 ? mtu - 40 : EXO__TCP_DEFAULT_MSS);
  if (s->user_mss && s->user_mss < s->adv_mss) s->adv_mss = s->user_mss;
  s->iss = exo__tcp_isn(tcp, now, s->lip, s->lport, s->rip, s->rport);
  s->ts_offset = exo__tcp_ts_offset(tcp, s->lip, s->lport, s->rip, s->rport);
  s->snd_una = s->snd_nxt = s->snd_sml = s->iss;
  s->sbuf_seq = s->iss + 1;
  s->lost_hi = s->high_rxt = s->iss;
  s->state = EXO_TCP_SYN_SENT;
  exo__tcp_hash_insert(s);
  tcp->stats.active_opens++;
  s->rtt_timing = true;
  s->rtt_seq = s->iss + 1;
  s->rtt_start = now;
  exo__tcp_send_syn(s, now);
  exo__tcp_arm_rtx(s, now);
  exo__tcp_timer_update(s);
  return -EXO_EINPROGRESS;
}

int exo_tcp_accept(struct exo_tcp_sock *s, struct exo_tcp_sock **out) {
  if (s->state != EXO_TCP_LISTEN) return -EXO_EINVAL;
  struct exo_tcp_sock *c = s->aq_head;
  if (!c) return -EXO_EAGAIN;
  aq_unlink(s, c);
  c->parent = NULL;
  c->last_events = exo_tcp_events(c);
  *out = c;
  s->last_events = exo_tcp_events(s);
  return 0;
}

static int pending_error(struct exo_tcp_sock *s) {
  int e = s->err;
  s->err = 0;
  return e;
}

ptrdiff_t exo_tcp_send(struct exo_tcp_sock *s, uint64_t now, const void *buf, size_t len) {
  if (now > s->tcp->now) s->tcp->now = now;
  if (s->err) return pending_error(s);
  if (s->dead) return -EXO_EPIPE;
  switch (s->state) {
  case EXO_TCP_SYN_SENT:
  case EXO_TCP_SYN_RECEIVED:
  case EXO_TCP_ESTABLISHED:
  case EXO_TCP_CLOSE_WAIT: break;
  case EXO_TCP_CLOSED:
  case EXO_TCP_LISTEN: return -EXO_ENOTCONN;
  default: return -EXO_EPIPE;
  }
  if (s->fin_queued) return -EXO_EPIPE;
  if (len == 0) return 0;
  if (len > UINT32_MAX) len = UINT32_MAX;
  uint32_t n = exo__ring_push(&s->sbuf, buf, (uint32_t)len);
  if (n == 0) {
    s->last_events = exo_tcp_events(s);
    return -EXO_EAGAIN;
  }
  exo__tcp_output(s, now);
  s->last_events = exo_tcp_events(s);
  return (ptrdiff_t)n;
}

ptrdiff_t exo_tcp_recv(struct exo_tcp_sock *s, uint64_t now, void *buf, size_t len,
                       unsigned flags) {
  if (now > s->tcp->now) s->tcp->now = now;
  if (s->state == EXO_TCP_LISTEN) return -EXO_ENOTCONN;
  if (s->rbuf.buf && s->rbuf.len > 0) { /* after SHUT_RD too: buffered data stays readable */
    uint32_t n = (uint32_t)EXO_MIN((size_t)s->rbuf.len, len);
    if (n == 0) return 0;
    exo__ring_peek(&s->rbuf, 0, buf, n);
    if (!(flags & EXO_TCP_RECV_PEEK)) {
      exo__ring_drop(&s->rbuf, n);
      /* Receiver SWS avoidance (RFC 9293 3.8.6.2.2): announce the opened window only
       * once it grew by min(buffer/2, MSS), and (as Linux) only when it at least
       * doubles what the peer knows, so a bulk reader does not ACK every read. */
      if (s->hashed && s->state != EXO_TCP_TIME_WAIT && s->state != EXO_TCP_SYN_SENT) {
        uint32_t wnd = exo__tcp_rcv_window(s);
        uint32_t edge = s->rcv_nxt + ((wnd >> s->rcv_wscale) << s->rcv_wscale);
        uint32_t thresh = EXO_MIN(s->rbuf.cap / 2, (uint32_t)s->adv_mss);
        uint32_t known = exo_seq_gt(s->rcv_adv, s->rcv_nxt) ? s->rcv_adv - s->rcv_nxt : 0;
        if (exo_seq_gt(edge, s->rcv_adv) && edge - s->rcv_adv >= thresh &&
            edge - s->rcv_nxt >= 2 * (uint64_t)known)
          exo__tcp_send_ack(s, now);
      }
    }
    s->last_events = exo_tcp_events(s);
    exo__tcp_timer_update(s);
    return (ptrdiff_t)n;
  }
  if (s->err) return pending_error(s);
  if (s->fin_rcvd || s->rd_shut || s->dead) return 0;
  if (s->state == EXO_TCP_CLOSED) return -EXO_ENOTCONN;
  s->last_events = exo_tcp_events(s);
  return -EXO_EAGAIN;
}

size_t exo_tcp_readable(const struct exo_tcp_sock *s) { return s->rbuf.buf ? s->rbuf.len : 0; }

static void queue_fin(struct exo_tcp_sock *s) {
  if (s->fin_queued) return;
  s->fin_queued = true;
  if (s->state == EXO_TCP_ESTABLISHED)
    exo__tcp_set_state(s, EXO_TCP_FIN_WAIT_1);
  else if (s->state == EXO_TCP_CLOSE_WAIT)
    exo__tcp_set_state(s, EXO_TCP_LAST_ACK);
}

int exo_tcp_shutdown(struct exo_tcp_sock *s, uint64_t now, int how) {
  if (how < EXO_TCP_SHUT_RD || how > EXO_TCP_SHUT_RDWR) return -EXO_EINVAL;
  if (s->state == EXO_TCP_CLOSED || s->state == EXO_TCP_LISTEN) return -EXO_ENOTCONN;
  if (how != EXO_TCP_SHUT_WR) s->rd_shut = true;
  if (how != EXO_TCP_SHUT_RD) {
    queue_fin(s);
    exo__tcp_output(s, now);
  }
  s->last_events = exo_tcp_events(s);
  return 0;
}

static void close_listener(struct exo_tcp_sock *l, uint64_t now) {
  struct exo_tcp *tcp = l->tcp;
  struct exo_tcp_sock *c = tcp->all, *next;
  for (; c; c = next) {
    next = c->next;
    if (c->parent != l) continue;
    if (c->state != EXO_TCP_SYN_RECEIVED || c->in_aq) exo__tcp_send_rst(c, now);
    sock_release(c);
    next = tcp->all; /* the list changed: restart (children are few) */
  }
  sock_release(l);
}

void exo_tcp_close(struct exo_tcp_sock *s, uint64_t now) {
  if (now > s->tcp->now) s->tcp->now = now;
  s->orphan = true;
  switch (s->state) {
  case EXO_TCP_LISTEN: close_listener(s, now); return;
  case EXO_TCP_CLOSED:
  case EXO_TCP_SYN_SENT: sock_release(s); return;
  case EXO_TCP_TIME_WAIT:
    exo__ring_free(s->tcp, &s->sbuf);
    exo__ring_free(s->tcp, &s->rbuf);
    return;
  default: break;
  }
  bool unread = s->rbuf.buf && s->rbuf.len > 0;
  if (unread || s->linger == 0) {
    /* RFC 9293 3.10.4 / Linux: data the application never read is lost, and the peer
     * must learn it at once: abort with RST instead of FIN. */
    exo__tcp_send_rst(s, now);
    exo__tcp_done(s, 0);
    return;
  }
  queue_fin(s);
  if (s->state == EXO_TCP_FIN_WAIT_2) s->t_wait = now + EXO__TCP_MSL2_FIN_WAIT2_US;
  exo__tcp_output(s, now);
}

void exo_tcp_abort(struct exo_tcp_sock *s, uint64_t now) {
  if (now > s->tcp->now) s->tcp->now = now;
  s->orphan = true;
  switch (s->state) {
  case EXO_TCP_LISTEN: close_listener(s, now); return;
  case EXO_TCP_ESTABLISHED:
  case EXO_TCP_SYN_RECEIVED:
  case EXO_TCP_FIN_WAIT_1:
  case EXO_TCP_FIN_WAIT_2:
  case EXO_TCP_CLOSE_WAIT:
  case EXO_TCP_CLOSING:
  case EXO_TCP_LAST_ACK: exo__tcp_send_rst(s, now); break;
  default: break;
  }
  sock_release(s);
}

uint32_t exo_tcp_events(const struct exo_tcp_sock *s) {
  uint32_t ev = 0;
  if (s->state == EXO_TCP_LISTEN) return s->aq_len ? EXO_TCP_EV_IN : 0;
  if (s->err) ev |= EXO_TCP_EV_ERR;
  if (s->dead) return ev | EXO_TCP_EV_IN | EXO_TCP_EV_OUT | EXO_TCP_EV_HUP | EXO_TCP_EV_RDHUP;
  if (s->state == EXO_TCP_CLOSED) return ev | EXO_TCP_EV_HUP;
  if ((s->rbuf.buf && s->rbuf.len) || s->fin_rcvd || s->rd_shut) ev |= EXO_TCP_EV_IN;
  if (s->fin_rcvd) ev |= EXO_TCP_EV_RDHUP;
  if (s->fin_rcvd && s->fin_queued) ev |= EXO_TCP_EV_HUP;
  if (s->fin_queued) {
    ev |= EXO_TCP_EV_OUT; /* writes fail at once (EPIPE), so they never block */
  } else if ((s->state == EXO_TCP_ESTABLISHED || s->state == EXO_TCP_CLOSE_WAIT) &&
             s->sbuf.buf && s->sbuf.len < s->sbuf.cap) {
    ev |= EXO_TCP_EV_OUT;
  }
  return ev;
}

int exo_tcp_take_error(struct exo_tcp_sock *s) { return pending_error(s); }

enum exo_tcp_state exo_tcp_state(const struct exo_tcp_sock *s) {
  return (enum exo_tcp_state)s->state;
}

int exo_tcp_setopt(struct exo_tcp_sock *s, uint64_t now, int opt, int value) {
  bool fresh = s->state == EXO_TCP_CLOSED || s->state == EXO_TCP_LISTEN;
  switch (opt) {
  case EXO_TCP_SO_NODELAY:
    s->nodelay = value != 0;
    if (s->nodelay && !fresh) exo__tcp_output(s, now);
    return 0;
  case EXO_TCP_SO_KEEPALIVE:
    s->keepalive = value != 0;
    if (s->keepalive && s->was_synced && !s->dead)
      s->t_keep = now + (uint64_t)s->keep_idle_s * 1000000u;
    else if (!s->keepalive)
      s->t_keep = 0;
    exo__tcp_timer_update(s);
    return 0;
  case EXO_TCP_SO_KEEPIDLE:
    if (value < 1 || value > 32767) return -EXO_EINVAL;
    s->keep_idle_s = (uint32_t)value;
    if (s->keepalive && s->t_keep) {
      s->t_keep = s->last_rcv_time + (uint64_t)value * 1000000u;
      if (s->t_keep <= now) s->t_keep = now;
      exo__tcp_timer_update(s);
    }
    return 0;
  case EXO_TCP_SO_KEEPINTVL:
    if (value < 1 || value > 32767) return -EXO_EINVAL;
    s->keep_intvl_s = (uint32_t)value;
    return 0;
  case EXO_TCP_SO_KEEPCNT:
    if (value < 1 || value > 127) return -EXO_EINVAL;
    s->keep_cnt = (uint32_t)value;
    return 0;
  case EXO_TCP_SO_RCVBUF:
  case EXO_TCP_SO_SNDBUF:
    if (value < 2048 || value > (1 << 30)) return -EXO_EINVAL;
    if (s->state != EXO_TCP_CLOSED || s->sbuf.buf || s->rbuf.buf) return -EXO_EINVAL;
    if (opt == EXO_TCP_SO_RCVBUF)
      s->rcvbuf_size = (uint32_t)value;
    else
      s->sndbuf_size = (uint32_t)value;
    return 0;
  case EXO_TCP_SO_CC:
    if (value != EXO_TCP_CC_CUBIC && value != EXO_TCP_CC_NEWRENO) return -EXO_EINVAL;
    s->cc_algo = (uint8_t)value;
    exo__cubic_reset(s);
    return 0;
  case EXO_TCP_SO_LINGER:
    if (value < -1) return -EXO_EINVAL;
    s->linger = value;
    return 0;
  case EXO_TCP_SO_MAXSEG:
    if (value < 88 || value > 65535) return -EXO_EINVAL;
    s->user_mss = (uint16_t)value;
    return 0;
  case EXO_TCP_SO_REUSEADDR: s->reuseaddr = value != 0; return 0;
  case EXO_TCP_SO_QUICKACK: s->quickack = value != 0; return 0;
  default: return -EXO_ENOPROTOOPT;
  }
}

int exo_tcp_getopt(const struct exo_tcp_sock *s, int opt, int *value) {
  switch (opt) {
  case EXO_TCP_SO_NODELAY: *value = s->nodelay; return 0;
  case EXO_TCP_SO_KEEPALIVE: *value = s->keepalive; return 0;
  case EXO_TCP_SO_KEEPIDLE: *value = (int)s->keep_idle_s; return 0;
  case EXO_TCP_SO_KEEPINTVL: *value = (int)s->keep_intvl_s; return 0;
  case EXO_TCP_SO_KEEPCNT: *value = (int)s->keep_cnt; return 0;
  case EXO_TCP_SO_RCVBUF: *value = (int)s->rcvbuf_size; return 0;
  case EXO_TCP_SO_SNDBUF: *value = (int)s->sndbuf_size; return 0;
  case EXO_TCP_SO_CC: *value = s->cc_algo; return 0;
  case EXO_TCP_SO_LINGER: *value = s->linger; return 0;
  case EXO_TCP_SO_MAXSEG: *value = (int)(s->was_synced ? s->smss : s->user_mss ? s->user_mss : EXO__TCP_DEFAULT_MSS); return 0;
  case EXO_TCP_SO_REUSEADDR: *value = s->reuseaddr; return 0;
  case EXO_TCP_SO_QUICKACK: *value = s->quickack; return 0;
  default: return -EXO_ENOPROTOOPT;
  }
}

void exo_tcp_get_info(const struct exo_tcp_sock *s, struct exo_tcp_info *i) {
  exo_memset(i, 0, sizeof *i);
  i->state = s->state;
  i->ca_state = s->ca_state;
  i->snd_wscale = s->snd_wscale;
  i->rcv_wscale = s->rcv_wscale;
  i->sack_ok = s->sack_ok;
  i->ts_ok = s->ts_ok;
  i->cc = s->cc_algo;
  i->backoff = s->backoff;
  i->rto_us = s->rto_us;
  i->rtt_us = s->srtt_us;
  i->rttvar_us = s->rttvar_us;
  i->snd_mss = s->smss;
  i->rcv_mss = s->rcv_mss;
  i->snd_cwnd = s->cwnd;
  i->snd_ssthresh = s->ssthresh;
  i->snd_wnd = s->snd_wnd;
  i->rcv_wnd = exo__tcp_rcv_window(s);
  i->pipe = s->state == EXO_TCP_LISTEN ? 0 : exo__tcp_pipe(s);
  i->unacked = s->snd_nxt - s->snd_una;
  i->sacked = s->sacked_bytes;
  uint32_t lost_hi = exo_seq_gt(s->lost_hi, s->snd_una) ? s->lost_hi : s->snd_una;
  i->lost = (lost_hi - s->snd_una) - exo__sb_sacked_in(s, s->snd_una, lost_hi);
  i->retransmits = s->retries;
  i->total_retrans = s->total_retrans;
  i->bytes_acked = s->bytes_acked;
  i->bytes_received = s->bytes_received;
  i->segs_out = s->segs_out;
  i->segs_in = s->segs_in;
}

void exo_tcp_local(const struct exo_tcp_sock *s, uint32_t *ip, uint16_t *port) {
  if (ip) *ip = s->lip;
  if (port) *port = s->lport;
}

void exo_tcp_remote(const struct exo_tcp_sock *s, uint32_t *ip, uint16_t *port) {
  if (ip) *ip = s->rip;
  if (port) *port = s->rport;
}

void exo_tcp_set_user(struct exo_tcp_sock *s, void *user) { s->user = user; }
void *exo_tcp_get_user(const struct exo_tcp_sock *s) { return s->user; }
const struct exo_tcp_stats *exo_tcp_get_stats(const struct exo_tcp *tcp) { return &tcp->stats; }
