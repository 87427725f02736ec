/* TCP input: the RFC 9293 3.10.7 segment-arrival state machine, with RFC 5961 (RST and
 * SYN validation, challenge ACKs, ACK acceptance), RFC 7323 (PAWS, window scaling),
 * RFC 2018/6675 (SACK scoreboard, loss detection), RFC 6582 partial ACKs, RFC 6298 RTT
 * sampling, delayed ACKs, passive opens with a SYN queue limit and SYN cookies.
 *
 * Invariants: every segment is judged against the receive window before anything in it
 * is used (only the sequence check, RST and SYN handling see unvalidated segments);
 * data is trimmed to the window before it touches the receive ring, so a write never
 * leaves the ring; a function that may free the socket returns true when it did, and
 * its caller then stops touching it. */
#include "stack/tcp_int.h"

static struct exo_tcp_sock *find_listener(struct exo_tcp *tcp, uint32_t ip, uint16_t port) {
  struct exo_tcp_sock *wild = NULL;
  for (struct exo_tcp_sock *l = tcp->listeners; l; l = l->lnext) {
    if (l->lport != port) continue;
    if (l->lip == ip) return l;
    if (l->lip == 0) wild = l;
  }
  return wild;
}

/* Options the SYN (or SYN-ACK) negotiates. Our own offer is tcp->cfg. */
static void negotiate(struct exo_tcp_sock *s, const struct exo_tcp_repr *seg) {
  const struct exo_tcp_config *cfg = &s->tcp->cfg;
  s->peer_mss = seg->has_mss && seg->mss >= 64 ? seg->mss : EXO__TCP_DEFAULT_MSS;
  s->ws_ok = cfg->window_scaling && seg->has_wscale;
  s->snd_wscale = s->ws_ok ? (seg->wscale > 14 ? 14 : seg->wscale) : 0;
  if (!s->ws_ok) s->rcv_wscale = 0;
  s->sack_ok = cfg->sack && seg->sack_permitted;
  s->ts_ok = cfg->timestamps && seg->has_timestamp;
  if (s->ts_ok) {
    s->ts_recent = seg->ts_val;
    s->ts_recent_at = s->tcp->now;
  }
  /* The peer's segment size is learnt from what it sends (as Linux does): start low so
   * that "more than one full-sized segment" is not overestimated. */
  s->rcv_mss = EXO_MIN((uint32_t)EXO__TCP_DEFAULT_MSS, (uint32_t)s->adv_mss);
  exo__tcp_update_smss(s);
}

static void inherit(struct exo_tcp_sock *c, const struct exo_tcp_sock *l) {
  c->nodelay = l->nodelay;
  c->keepalive = l->keepalive;
  c->quickack = l->quickack;
  c->linger = l->linger;
  c->keep_idle_s = l->keep_idle_s;
  c->keep_intvl_s = l->keep_intvl_s;
  c->keep_cnt = l->keep_cnt;
  c->cc_algo = l->cc_algo;
  c->user_mss = l->user_mss;
  c->sndbuf_size = l->sndbuf_size;
  c->rcvbuf_size = l->rcvbuf_size;
  c->reuseaddr = l->reuseaddr;
  c->bound = true;
}

static uint16_t adv_mss_for(struct exo_tcp *tcp, const struct exo_tcp_sock *l, uint32_t rip) {
  uint16_t mtu = tcp->env.route_mtu ? tcp->env.route_mtu(tcp->env.ctx, rip) : 1500;
  uint16_t m = (uint16_t)(mtu > 40 ? mtu - 40 : EXO__TCP_DEFAULT_MSS);
  if (l->user_mss && l->user_mss < m) m = l->user_mss;
  return m;
}

static struct exo_tcp_sock *new_child(struct exo_tcp_sock *l, uint32_t lip, uint32_t rip,
                                      const struct exo_tcp_repr *seg) {
  struct exo_tcp *tcp = l->tcp;
  struct exo_tcp_sock *c = exo__tcp_sock_new(tcp, NULL);
  if (!c) return NULL;
  inherit(c, l);
  c->lip = lip;
  c->rip = rip;
  c->lport = seg->dst_port;
  c->rport = seg->src_port;
  c->orphan = false;
  exo__tcp_init_wscale(c);
  c->adv_mss = adv_mss_for(tcp, l, rip);
  c->ts_offset = exo__tcp_ts_offset(tcp, lip, c->lport, rip, c->rport);
  c->parent = l;
  return c;
}

static void listen_syn(struct exo_tcp_sock *l, uint64_t now, uint32_t lip, uint32_t rip,
                       const struct exo_tcp_repr *seg, uint32_t iss_floor) {
  struct exo_tcp *tcp = l->tcp;
  if (l->aq_len >= l->backlog) {
    /* Linux: a full accept queue drops SYNs; the peer retries. */
    tcp->stats.listen_overflows++;
    tcp->stats.listen_drops++;
    return;
  }
  if (l->synq_len >= tcp->cfg.syn_backlog) {
    if (!tcp->cfg.syncookies) {
      tcp->stats.listen_drops++;
      return;
    }
    /* SYN queue full: answer with a cookie and keep nothing. */
    struct exo_tcp_repr r;
    exo_memset(&r, 0, sizeof r);
    uint16_t peer_mss = seg->has_mss && seg->mss >= 64 ? seg->mss : EXO__TCP_DEFAULT_MSS;
    r.src_port = seg->dst_port;
    r.dst_port = seg->src_port;
    r.seq = exo__syncookie_make(tcp, now, lip, seg->dst_port, rip, seg->src_port, seg->seq,
                                peer_mss, NULL);
    r.ack = seg->seq + 1;
    r.flags = EXO_TCP_SYN | EXO_TCP_ACK;
    r.window = (uint16_t)EXO_MIN(l->rcvbuf_size, 65535u);
    r.has_mss = true;
    r.mss = adv_mss_for(tcp, l, rip);
    if (seg->has_timestamp && tcp->cfg.timestamps) {
      /* The peer's own options are not kept anywhere else: they ride in our TSval,
       * which the peer echoes in its ACK. */
      struct exo__syncookie_opts o = {0};
      o.ws = seg->has_wscale && tcp->cfg.window_scaling;
      o.wscale = (uint8_t)(seg->wscale > 14 ? 14 : seg->wscale);
      uint8_t ours = 0;
      while (o.ws && ours < 14 && (l->rcvbuf_size >> ours) > 65535u) ours++;
      o.sack = seg->sack_permitted && tcp->cfg.sack;
      r.has_timestamp = true;
      uint32_t off = exo__tcp_ts_offset(tcp, lip, seg->dst_port, rip, seg->src_port);
      r.ts_val = exo__syncookie_ts_encode((uint32_t)(now / 1000u) + off, &o);
      r.ts_ecr = seg->ts_val;
      if (o.ws) {
        r.has_wscale = true;
        r.wscale = ours;
      }
      r.sack_permitted = o.sack;
    }
    tcp->stats.syncookies_sent++;
    exo__tcp_send_raw(tcp, lip, rip, &r);
    return;
  }
  struct exo_tcp_sock *c = new_child(l, lip, rip, seg);
  if (!c) {
    tcp->stats.listen_drops++;
    return;
  }
  l->synq_len++;
  c->irs = seg->seq;
  c->rcv_nxt = seg->seq + 1;
  c->rcv_adv = c->rcv_nxt;
  negotiate(c, seg);
  c->iss = exo__tcp_isn(tcp, now, lip, c->lport, rip, c->rport);
  if (iss_floor && exo_seq_lt(c->iss, iss_floor)) c->iss = iss_floor;
  c->snd_una = c->snd_nxt = c->snd_sml = c->iss;
  c->sbuf_seq = c->iss + 1;
  c->lost_hi = c->high_rxt = c->iss;
  c->snd_wnd = seg->window; /* never scaled in a SYN */
  c->max_snd_wnd = c->snd_wnd;
  c->snd_wl1 = seg->seq;
  c->snd_wl2 = c->iss;
  c->state = EXO_TCP_SYN_RECEIVED;
  exo__tcp_hash_insert(c);
  tcp->stats.passive_opens++;
  c->rtt_timing = true;
  c->rtt_seq = c->iss + 1;
  c->rtt_start = now;
  exo__tcp_send_syn(c, now);
  exo__tcp_arm_rtx(c, now);
  exo__tcp_timer_update(c);
}

static bool process(struct exo_tcp_sock *s, uint64_t now, const struct exo_tcp_repr *seg);

static void listen_ack(struct exo_tcp_sock *l, uint64_t now, uint32_t lip, uint32_t rip,
                       const struct exo_tcp_repr *seg) {
  struct exo_tcp *tcp = l->tcp;
  if (!tcp->cfg.syncookies) {
    exo__tcp_reply_rst(tcp, lip, rip, seg);
    return;
  }
  uint32_t peer_isn = seg->seq - 1;
  uint16_t mss = exo__syncookie_check(tcp, now, lip, seg->dst_port, rip, seg->src_port,
                                      peer_isn, seg->ack - 1);
  if (mss == 0) {
    tcp->stats.syncookies_failed++;
    exo__tcp_reply_rst(tcp, lip, rip, seg);
    return;
  }
  if (l->aq_len >= l->backlog) {
    tcp->stats.listen_overflows++;
    tcp->stats.listen_drops++;
    return;
  }
  struct exo_tcp_sock *c = new_child(l, lip, rip, seg);
  if (!c) {
    tcp->stats.listen_drops++;
    return;
  }
  tcp->stats.syncookies_validated++;
  tcp->stats.passive_opens++;
  struct exo__syncookie_opts o = {0};
  if (seg->has_timestamp && tcp->cfg.timestamps) exo__syncookie_ts_decode(seg->ts_ecr, &o);
  c->peer_mss = mss;
  c->ts_ok = o.ts;
  c->sack_ok = o.sack;
  c->ws_ok = o.ws;
  c->snd_wscale = o.ws ? o.wscale : 0;
  if (!c->ws_ok) c->rcv_wscale = 0;
  if (c->ts_ok) {
    c->ts_recent = seg->ts_val;
    c->ts_recent_at = now;
  }
  c->rcv_mss = EXO_MIN((uint32_t)EXO__TCP_DEFAULT_MSS, (uint32_t)c->adv_mss);
  exo__tcp_update_smss(c);
  c->iss = seg->ack - 1;
  c->irs = peer_isn;
  c->snd_una = c->snd_nxt = c->snd_sml = seg->ack;
  c->sbuf_seq = seg->ack;
  c->rcv_nxt = seg->seq;
  c->rcv_adv = c->rcv_nxt + EXO_MIN(l->rcvbuf_size, 65535u); /* the cookie SYN-ACK's */
  c->snd_wnd = seg->window;
  c->max_snd_wnd = c->snd_wnd;
  c->snd_wl1 = seg->seq;
  c->snd_wl2 = seg->ack;
  c->state = EXO_TCP_SYN_RECEIVED;
  l->synq_len++; /* established() moves it to the accept queue */
  exo__tcp_hash_insert(c);
  if (exo__tcp_established(c, now) < 0) {
    tcp->stats.listen_drops++;
    exo__tcp_reply_rst(tcp, lip, rip, seg);
    exo__tcp_sock_free(c);
    return;
  }
  /* The ACK may carry data or a FIN. */
  if (seg->payload_len || (seg->flags & EXO_TCP_FIN)) {
    if (process(c, now, seg)) return;
  }
  exo__tcp_notify(c);
}

static void listen_input(struct exo_tcp_sock *l, uint64_t now, uint32_t lip, uint32_t rip,
                         const struct exo_tcp_repr *seg, uint32_t iss_floor) {
  uint8_t f = seg->flags;
  if (f & EXO_TCP_RST) return;
  if (f & EXO_TCP_ACK) {
    if (f & EXO_TCP_SYN) {
      exo__tcp_reply_rst(l->tcp, lip, rip, seg);
      return;
    }
    listen_ack(l, now, lip, rip, seg);
    return;
  }
  if (f & EXO_TCP_SYN) listen_syn(l, now, lip, rip, seg, iss_floor);
}

/* --- connection processing ------------------------------------------------------------ */

static bool syn_sent_input(struct exo_tcp_sock *s, uint64_t now, const struct exo_tcp_repr *seg) {
  struct exo_tcp *tcp = s->tcp;
  uint8_t f = seg->flags;
  if (f & EXO_TCP_ACK) {
    if (exo_seq_le(seg->ack, s->iss) || exo_seq_gt(seg->ack, s->snd_nxt)) {
      if (!(f & EXO_TCP_RST)) exo__tcp_reply_rst(tcp, s->lip, s->rip, seg);
      return false;
    }
  }
  if (f & EXO_TCP_RST) {
    if (f & EXO_TCP_ACK) {
      tcp->stats.attempt_fails++;
      tcp->stats.rsts_received_valid++;
      return exo__tcp_done(s, -EXO_ECONNREFUSED);
    }
    return false;
  }
  if (!(f & EXO_TCP_SYN)) return false;
  s->irs = seg->seq;
  s->rcv_nxt = seg->seq + 1;
  s->rcv_adv = s->rcv_nxt + EXO_MIN(exo__tcp_rcv_window(s), 65535u); /* our SYN's */
  negotiate(s, seg);
  if (f & EXO_TCP_ACK) {
    s->snd_una = seg->ack;
    if (s->rtt_timing && s->syn_retries_done == 0) exo__tcp_rtt_sample(s, (uint32_t)(now - s->rtt_start));
    s->rtt_timing = false;
    s->snd_wnd = seg->window; /* a SYN's window is never scaled */
    s->max_snd_wnd = s->snd_wnd;
    s->snd_wl1 = seg->seq;
    s->snd_wl2 = seg->ack;
    s->t_rtx = 0;
    (void)exo__tcp_established(s, now); /* its buffers exist since connect */
    s->ack_now = true;
    exo__tcp_output(s, now);
    return false;
  }
  /* Simultaneous open (RFC 9293 3.5, figure 8). */
  s->snd_wnd = seg->window;
  s->max_snd_wnd = s->snd_wnd;
  s->snd_wl1 = seg->seq;
  exo__tcp_set_state(s, EXO_TCP_SYN_RECEIVED);
  exo__tcp_send_syn(s, now);
  return false;
}

static void update_ts_recent(struct exo_tcp_sock *s, uint64_t now, const struct exo_tcp_repr *seg) {
  /* RFC 7323 4.3: remember the timestamp of the segment that covers last_ack_sent. */
  if (s->ts_ok && seg->has_timestamp && exo_seq_le(seg->seq, s->last_ack_sent) &&
      exo_seq_ge(seg->ts_val, s->ts_recent)) {
    s->ts_recent = seg->ts_val;
    s->ts_recent_at = now;
  }
}

static void enter_recovery(struct exo_tcp_sock *s, uint64_t now) {
  struct exo_tcp *tcp = s->tcp;
  tcp->stats.fast_retransmits++;
  if (s->sack_ok) tcp->stats.sack_recoveries++;
  s->recover = s->snd_nxt;
  exo__cc_on_loss(s, now);
  s->ca_state = 3;
  uint32_t first = s->snd_una + EXO_MIN(s->smss, s->snd_nxt - s->snd_una);
  uint32_t b = s->sack_ok ? exo__sb_lost_boundary(s) : s->snd_una;
  s->lost_hi = exo_seq_gt(b, first) ? b : first;
  s->high_rxt = s->snd_una;
  s->rescue_done = false;
  /* RFC 6675 4.3 / RFC 5681 3.2: the first lost segment goes now, whatever pipe says. */
  if (exo__tcp_xmit_at(s, now, s->snd_una, s->smss, true) == 0) {
    uint32_t end = s->sbuf_seq + s->sbuf.len;
    uint32_t n = EXO_MIN(EXO_MIN(s->smss, s->snd_nxt - s->snd_una), end - s->snd_una);
    s->high_rxt = s->snd_una + (n ? n : 1);
  }
}

/* ACK processing (RFC 9293 3.10.7.4 fifth, RFC 5961 5). Returns true if s was freed. */
static bool ack_input(struct exo_tcp_sock *s, uint64_t now, const struct exo_tcp_repr *seg,
                      bool *drop) {
  uint32_t ack = seg->ack;
  *drop = false;
  if (exo_seq_gt(ack, s->snd_nxt)) {
    /* Acknowledges something never sent: RFC 5961 5.2 (challenge) and RFC 9293. */
    exo__tcp_challenge_ack(s, now);
    *drop = true;
    return false;
  }
  uint32_t max_wnd = EXO_MAX(s->max_snd_wnd, 1u);
  if (exo_seq_lt(ack, s->snd_una - max_wnd)) {
    exo__tcp_challenge_ack(s, now);
    *drop = true;
    return false;
  }
  uint32_t newly_sacked = (s->sack_ok && seg->sack_count) ? exo__sb_update(s, seg) : 0;
  uint32_t old_wnd = s->snd_wnd;
  uint32_t new_wnd = (uint32_t)seg->window << s->snd_wscale;
  if (exo_seq_gt(ack, s->snd_una)) {
    uint32_t acked = ack - s->snd_una;
    /* RTT (RFC 6298): one timed segment at a time; Karn's rule cleared the timing on
     * any retransmission. Timestamps give a sample even then (RFC 7323 4.1). */
    if (s->ts_ok && seg->has_timestamp && seg->ts_ecr && s->ca_state == 0) {
      /* A per-ACK RTT for HyStart++ (1 ms resolution). */
      uint32_t ms = exo__tcp_ts_now(s, now) - seg->ts_ecr;
      if (ms < 600000u) exo__hystart_rtt(s, ms * 1000u);
    }
    if (s->rtt_timing && exo_seq_ge(ack, s->rtt_seq)) {
      exo__tcp_rtt_sample(s, (uint32_t)(now - s->rtt_start));
      if (!(s->ts_ok && seg->has_timestamp && seg->ts_ecr))
        exo__hystart_rtt(s, (uint32_t)(now - s->rtt_start));
      s->rtt_timing = false;
    } else if (!s->rtt_timing && s->ts_ok && seg->has_timestamp && seg->ts_ecr &&
               s->ca_state == 4) {
      uint32_t ms = exo__tcp_ts_now(s, now) - seg->ts_ecr;
      if (ms < 600000u) exo__tcp_rtt_sample(s, ms * 1000u);
    }
    if (exo_seq_gt(ack, s->sbuf_seq)) {
      uint32_t n = EXO_MIN(ack - s->sbuf_seq, s->sbuf.len);
      exo__ring_drop(&s->sbuf, n);
      s->sbuf_seq += n;
    }
    s->snd_una = ack;
    s->bytes_acked += acked;
    exo__sb_advance(s);
    if (exo_seq_lt(s->high_rxt, s->snd_una)) s->high_rxt = s->snd_una;
    if (exo_seq_lt(s->lost_hi, s->snd_una)) s->lost_hi = s->snd_una;
    s->retries = 0;
    s->probes_out = 0;
    s->wake = true;
    if (s->ca_state >= 3) {
      if (exo_seq_ge(ack, s->recover)) {
        exo__cc_on_recovery_exit(s, now);
        s->ca_state = 0;
        s->dupacks = 0;
        s->lost_hi = s->high_rxt = s->snd_una;
      } else if (s->ca_state == 4) {
        exo__cc_on_ack(s, now, acked); /* slow start again after a timeout */
      } else {
        /* Partial ACK (RFC 6582): the next unacknowledged segment is lost too. Without
         * SACK the duplicate ACKs that stood for segments now acknowledged no longer
         * count (each acknowledged segment but the retransmitted one). */
        uint32_t next = s->snd_una + EXO_MIN(s->smss, s->snd_nxt - s->snd_una);
        if (exo_seq_lt(s->lost_hi, next)) s->lost_hi = next;
        if (!s->sack_ok) {
          uint32_t segs = (acked + s->smss - 1) / s->smss;
          uint32_t dec = segs ? segs - 1 : 0;
          s->dupacks -= EXO_MIN(dec, s->dupacks);
          /* RFC 6582 3.2 (3): retransmit the first unacknowledged segment now. */
          if (exo__tcp_xmit_at(s, now, s->snd_una, s->smss, true) == 0)
            s->high_rxt = next;
        }
      }
    } else {
      s->dupacks = 0;
      s->ca_state = 0;
      exo__cc_on_ack(s, now, acked);
    }
    if (s->snd_una == s->snd_nxt)
      s->t_rtx = 0;
    else
      exo__tcp_arm_rtx(s, now); /* RFC 6298 5.3 */
  } else if (ack == s->snd_una && s->snd_una != s->snd_nxt && seg->payload_len == 0 &&
             !(seg->flags & (EXO_TCP_SYN | EXO_TCP_FIN)) &&
             (seg->sack_count ? newly_sacked > 0 : new_wnd == old_wnd)) {
    /* A duplicate ACK (RFC 5681 2); with SACK blocks it counts only if it brings new
     * SACK information (RFC 6675 2), so D-SACKs and repeats do not trigger recovery. */
    s->dupacks++;
    if (s->ca_state < 3) {
      bool lost = s->dupacks >= EXO__TCP_DUPTHRESH ||
                  (s->sack_ok && exo_seq_gt(exo__sb_lost_boundary(s), s->snd_una));
      if (lost)
        enter_recovery(s, now);
      else if (s->ca_state == 0)
        s->ca_state = 1;
    }
  }
  if (s->ca_state == 3 && s->sack_ok) {
    uint32_t b = exo__sb_lost_boundary(s);
    if (exo_seq_gt(b, s->lost_hi)) s->lost_hi = b;
  }
  /* Window update (RFC 9293 3.10.7.4: only from a newer segment). */
  if (exo_seq_lt(s->snd_wl1, seg->seq) ||
      (s->snd_wl1 == seg->seq && exo_seq_le(s->snd_wl2, ack))) {
    s->snd_wnd = new_wnd;
    s->snd_wl1 = seg->seq;
    s->snd_wl2 = ack;
    if (new_wnd > s->max_snd_wnd) s->max_snd_wnd = new_wnd;
    if (new_wnd > 0 && s->t_persist) {
      s->t_persist = 0;
      s->backoff = 0;
      s->probes_out = 0;
    }
    if (new_wnd > old_wnd) s->wake = true;
  }
  /* Our FIN acknowledged? */
  bool fin_acked = s->fin_sent && s->snd_una == s->snd_nxt;
  switch (s->state) {
  case EXO_TCP_FIN_WAIT_1:
    if (fin_acked) {
      exo__tcp_set_state(s, EXO_TCP_FIN_WAIT_2);
      s->t_rtx = 0;
      if (s->orphan) s->t_wait = now + EXO__TCP_MSL2_FIN_WAIT2_US;
    }
    break;
  case EXO_TCP_CLOSING:
    if (fin_acked) exo__tcp_enter_time_wait(s, now);
    break;
  case EXO_TCP_LAST_ACK:
    if (fin_acked) return exo__tcp_done(s, 0);
    break;
  default: break;
  }
  return false;
}

static void fin_input(struct exo_tcp_sock *s, uint64_t now) {
  s->n_ooo = 0; /* anything the peer sent beyond its own FIN is bogus */
  s->rcv_nxt++;
  s->fin_rcvd = true;
  s->ooo_fin = false;
  s->ack_now = true;
  s->wake = true;
  switch (s->state) {
  case EXO_TCP_SYN_RECEIVED:
  case EXO_TCP_ESTABLISHED: exo__tcp_set_state(s, EXO_TCP_CLOSE_WAIT); break;
  case EXO_TCP_FIN_WAIT_1: exo__tcp_set_state(s, EXO_TCP_CLOSING); break;
  case EXO_TCP_FIN_WAIT_2: exo__tcp_enter_time_wait(s, now); break;
  default: break;
  }
}

static void data_input(struct exo_tcp_sock *s, uint64_t now, uint32_t seq,
                       const uint8_t *data, uint32_t len) {
  struct exo_tcp *tcp = s->tcp;
  uint32_t off = seq - s->rcv_nxt;
  exo__ring_write_at(&s->rbuf, s->rbuf.len + off, data, len);
  s->bytes_received += len;
  if (len > s->rcv_mss && len <= s->adv_mss) s->rcv_mss = len;
  if (off == 0) {
    bool had_holes = s->n_ooo > 0;
    s->rcv_nxt += len;
    s->rbuf.len += len;
    exo__ooo_merge(s);
    s->wake = true;
    s->unacked_rcv += len;
    /* RFC 5681 4.2: ACK at least every second full-sized segment, at once when a hole
     * fills, otherwise within the delayed-ACK timeout. */
    if (had_holes || s->quickack || s->unacked_rcv > s->rcv_mss) {
      s->ack_now = true;
    } else if (!s->t_delack) {
      s->t_delack = now + tcp->cfg.delack_us;
    }
  } else {
    tcp->stats.ooo_segments++;
    exo__ooo_add(s, seq, len);
    s->ack_now = true; /* a duplicate ACK with SACK tells the sender at once */
  }
}

/* Segment processing for every state but LISTEN and CLOSED. Returns true if s was freed. */
static bool process(struct exo_tcp_sock *s, uint64_t now, const struct exo_tcp_repr *seg) {
  struct exo_tcp *tcp = s->tcp;
  uint8_t f = seg->flags;
  s->segs_in++;
  if (s->state == EXO_TCP_SYN_SENT) return syn_sent_input(s, now, seg);

  /* Simultaneous open: the peer's SYN-ACK answers our SYN after we answered its SYN.
   * Its SYN is already counted, so it is an ACK one sequence number later (Linux does
   * the same). */
  struct exo_tcp_repr simul;
  if (s->state == EXO_TCP_SYN_RECEIVED && !s->parent && (f & EXO_TCP_SYN) &&
      (f & EXO_TCP_ACK) && !(f & EXO_TCP_RST) && seg->seq + 1 == s->rcv_nxt &&
      seg->ack == s->snd_nxt && seg->payload_len == 0) {
    simul = *seg;
    simul.flags = (uint8_t)(f & ~EXO_TCP_SYN);
    simul.seq = seg->seq + 1;
    /* A SYN's window is unscaled; the ACK path scales: pre-shift (rounds down). */
    simul.window = (uint16_t)(seg->window >> s->snd_wscale);
    seg = &simul;
    f = seg->flags;
  }

  /* A retransmitted SYN while our SYN-ACK is outstanding: answer it again. */
  if (s->state == EXO_TCP_SYN_RECEIVED && (f & EXO_TCP_SYN) && !(f & (EXO_TCP_ACK | EXO_TCP_RST)) &&
      seg->seq == s->irs) {
    exo__tcp_send_syn(s, now);
    return false;
  }

  /* PAWS (RFC 7323 5.3), before the sequence check. */
  if (s->ts_ok && seg->has_timestamp && !(f & EXO_TCP_RST) &&
      exo_seq_lt(seg->ts_val, s->ts_recent)) {
    if (now - s->ts_recent_at > EXO__TCP_PAWS_24DAYS_US) {
      s->ts_recent = seg->ts_val; /* idle too long: ts_recent is stale */
      s->ts_recent_at = now;
    } else {
      tcp->stats.paws_rejected++;
      exo__tcp_send_ack(s, now);
      return false;
    }
  }

  /* Sequence check (RFC 9293 3.10.7.4 first). */
  uint32_t seg_len = exo_tcp_seg_len(seg);
  uint32_t wnd = exo__tcp_rcv_window(s);
  if (exo_seq_gt(s->rcv_adv, s->rcv_nxt) && s->rcv_adv - s->rcv_nxt > wnd)
    wnd = s->rcv_adv - s->rcv_nxt; /* never shrink what we promised */
  if (s->state == EXO_TCP_TIME_WAIT) wnd = 0;
  uint32_t seq = seg->seq;
  bool ok;
  if (seg_len == 0)
    ok = wnd == 0 ? seq == s->rcv_nxt
                  : (exo_seq_ge(seq, s->rcv_nxt) && exo_seq_lt(seq, s->rcv_nxt + wnd));
  else if (wnd == 0)
    /* RFC 9293 3.10.7.4: with a zero window no data is acceptable, "but special
     * allowance should be made to accept valid ACKs": a segment at exactly rcv_nxt is
     * processed for its ACK (its data is trimmed away below). */
    ok = seq == s->rcv_nxt && s->state != EXO_TCP_TIME_WAIT && s->rbuf.buf != NULL;
  else
    ok = (exo_seq_ge(seq, s->rcv_nxt) && exo_seq_lt(seq, s->rcv_nxt + wnd)) ||
         (exo_seq_ge(seq + seg_len - 1, s->rcv_nxt) &&
          exo_seq_lt(seq + seg_len - 1, s->rcv_nxt + wnd));
  if (!ok) {
    if (f & EXO_TCP_RST) return false;
    if (seg->payload_len && s->rbuf.buf && exo_seq_le(seq + (uint32_t)seg->payload_len, s->rcv_nxt) &&
        (uint32_t)seg->payload_len <= s->rbuf.cap) {
      s->dsack.left = seq; /* an old duplicate: tell the sender (RFC 2883) */
      s->dsack.right = seq + (uint32_t)seg->payload_len;
      s->dsack_pending = true;
    }
    if (s->state == EXO_TCP_TIME_WAIT && (f & EXO_TCP_FIN)) {
      /* The peer did not get our last ACK: ACK again and restart 2 MSL (RFC 9293). */
      s->t_wait = now + tcp->cfg.time_wait_us;
      exo__tcp_timer_update(s);
    }
    exo__tcp_send_ack(s, now);
    return false;
  }

  /* RST (RFC 5961 3.2): exact match resets, in-window gets a challenge ACK. */
  if (f & EXO_TCP_RST) {
    if (seq != s->rcv_nxt) {
      exo__tcp_challenge_ack(s, now);
      return false;
    }
    tcp->stats.rsts_received_valid++;
    switch (s->state) {
    case EXO_TCP_SYN_RECEIVED:
      if (s->parent) return exo__tcp_done(s, 0); /* back to LISTEN: forget the child */
      tcp->stats.attempt_fails++;
      return exo__tcp_done(s, -EXO_ECONNREFUSED);
    case EXO_TCP_ESTABLISHED:
    case EXO_TCP_FIN_WAIT_1:
    case EXO_TCP_FIN_WAIT_2:
    case EXO_TCP_CLOSE_WAIT:
      tcp->stats.estab_resets++;
      return exo__tcp_done(s, -EXO_ECONNRESET);
    default: return exo__tcp_done(s, 0);
    }
  }

  /* SYN in a synchronized state (RFC 5961 4.2): challenge ACK. */
  if (f & EXO_TCP_SYN) {
    exo__tcp_challenge_ack(s, now);
    return false;
  }
  if (!(f & EXO_TCP_ACK)) return false;

  s->last_rcv_time = now;
  if (s->keepalive && s->was_synced) {
    s->probes_out = 0;
    s->t_keep = now + (uint64_t)s->keep_idle_s * 1000000u;
  }

  if (s->state == EXO_TCP_SYN_RECEIVED) {
    if (exo_seq_le(seg->ack, s->snd_una) || exo_seq_gt(seg->ack, s->snd_nxt)) {
      exo__tcp_reply_rst(tcp, s->lip, s->rip, seg);
      return false;
    }
    if (s->parent && s->parent->aq_len >= s->parent->backlog) {
      /* Linux: a full accept queue ignores the ACK; the SYN-ACK timer retries. */
      tcp->stats.listen_overflows++;
      return false;
    }
    if (s->rtt_timing && s->syn_retries_done == 0) exo__tcp_rtt_sample(s, (uint32_t)(now - s->rtt_start));
    s->rtt_timing = false;
    s->snd_una = seg->ack;
    s->t_rtx = 0;
    s->snd_wnd = (uint32_t)seg->window << s->snd_wscale;
    s->max_snd_wnd = s->snd_wnd;
    s->snd_wl1 = seq;
    s->snd_wl2 = seg->ack;
    if (exo__tcp_established(s, now) < 0) {
      exo__tcp_reply_rst(tcp, s->lip, s->rip, seg);
      return exo__tcp_done(s, -EXO_ENOMEM);
    }
  }

  update_ts_recent(s, now, seg);

  if (s->state == EXO_TCP_TIME_WAIT) return false;

  bool drop;
  if (ack_input(s, now, seg, &drop)) return true;
  if (drop) return false;

  /* Data and FIN (RFC 9293 3.10.7.4 seventh and eighth). */
  const uint8_t *data = seg->payload;
  uint32_t len = (uint32_t)seg->payload_len;
  bool fin = (f & EXO_TCP_FIN) != 0;
  bool accepts_data = s->state == EXO_TCP_ESTABLISHED || s->state == EXO_TCP_FIN_WAIT_1 ||
                      s->state == EXO_TCP_FIN_WAIT_2;
  if (!s->fin_rcvd && accepts_data && (len || fin)) {
    if (exo_seq_lt(seq, s->rcv_nxt)) { /* trim what we already have */
      uint32_t skip = s->rcv_nxt - seq;
      if (skip > len) skip = len;
      if (skip) {
        s->dsack.left = seq;
        s->dsack.right = seq + skip;
        s->dsack_pending = true;
        s->ack_now = true; /* a retransmission arrived: report it at once */
      }
      data += skip;
      len -= skip;
      seq += skip;
    }
    uint32_t room = exo__tcp_rcv_window(s);
    uint32_t off = seq - s->rcv_nxt;
    if (off >= room) {
      len = 0;
      fin = false;
    } else if (len > room - off) {
      len = room - off;
      fin = false; /* the FIN lies beyond the window */
    }
    if (s->ooo_fin && exo_seq_gt(seq + len, s->ooo_fin_seq)) {
      /* Nothing follows a FIN: ignore data claiming to. */
      len = exo_seq_gt(seq, s->ooo_fin_seq) ? 0 : s->ooo_fin_seq - seq;
    }
    if (len && s->orphan) {
      /* New data for a socket the application closed can never be read: reset, as
       * RFC 9293 3.6.1 allows and Linux does, so the peer learns at once. */
      exo__tcp_send_rst(s, now);
      return exo__tcp_done(s, 0);
    }
    if (len) data_input(s, now, seq, data, len);
    else if (seg->payload_len) s->ack_now = true; /* duplicate data: ACK it */
    if (fin) {
      uint32_t fin_seq = seq + len;
      if (fin_seq == s->rcv_nxt) {
        fin_input(s, now);
      } else {
        s->ooo_fin = true;
        s->ooo_fin_seq = fin_seq;
        s->ack_now = true;
      }
    }
    if (s->ooo_fin && s->rcv_nxt == s->ooo_fin_seq && !s->fin_rcvd) fin_input(s, now);
  } else if (fin && s->fin_rcvd) {
    s->ack_now = true; /* a retransmitted FIN */
  }
  if (s->state == EXO_TCP_TIME_WAIT) {
    if (s->ack_now) exo__tcp_send_ack(s, now);
    return false;
  }
  exo__tcp_output(s, now);
  return false;
}

void exo_tcp_input(struct exo_tcp *tcp, uint64_t now, uint32_t src_ip, uint32_t dst_ip,
                   const struct exo_tcp_repr *seg) {
  if (now > tcp->now) tcp->now = now;
  tcp->stats.segs_in++;
  uint8_t f = seg->flags;
  if (seg->src_port == 0 || seg->dst_port == 0 ||
      ((f & EXO_TCP_SYN) && (f & (EXO_TCP_FIN | EXO_TCP_RST))) ||
      (seg->payload_len && !seg->payload)) {
    tcp->stats.bad_segments++;
    return;
  }
  struct exo_tcp_sock *s = exo__tcp_lookup(tcp, dst_ip, seg->dst_port, src_ip, seg->src_port);
  uint32_t iss_floor = 0;
  if (s && s->state == EXO_TCP_TIME_WAIT && (f & EXO_TCP_SYN) && !(f & EXO_TCP_ACK) &&
      (exo_seq_gt(seg->seq, s->rcv_nxt) ||
       (s->ts_ok && seg->has_timestamp && exo_seq_gt(seg->ts_val, s->ts_recent)))) {
    /* A new incarnation of a connection in TIME-WAIT (RFC 9293 3.6.1, RFC 6191): end
     * TIME-WAIT and treat the SYN as new, with an ISN beyond the old sequence space. */
    iss_floor = s->snd_nxt + 65536u;
    if (!iss_floor) iss_floor = 1;
    exo__tcp_done(s, 0); /* frees it, or leaves a dead handle to its owner */
    s = NULL;
  }
  if (!s) {
    struct exo_tcp_sock *l = find_listener(tcp, dst_ip, seg->dst_port);
    if (!l) {
      exo__tcp_reply_rst(tcp, dst_ip, src_ip, seg);
      return;
    }
    listen_input(l, now, dst_ip, src_ip, seg, iss_floor);
    exo__tcp_notify(l);
    return;
  }
  if (!process(s, now, seg)) {
    exo__tcp_timer_update(s);
    exo__tcp_notify(s);
  }
}

void exo_tcp_icmp_error(struct exo_tcp *tcp, uint64_t now, uint32_t local_ip,
                        uint32_t remote_ip, uint16_t lport, uint16_t rport, uint32_t seq,
                        uint8_t type, uint8_t code, uint16_t next_hop_mtu) {
  if (now > tcp->now) tcp->now = now;
  struct exo_tcp_sock *s = exo__tcp_lookup(tcp, local_ip, lport, remote_ip, rport);
  if (!s) return;
  /* RFC 5927: only a quoted sequence number we may have sent is believable. */
  if (exo_seq_lt(seq, s->snd_una) || exo_seq_gt(seq, s->snd_nxt)) return;
  if (type == 3 && code == 4) {
    if (next_hop_mtu < 68) return;
    uint32_t mss = (uint32_t)next_hop_mtu - 40u;
    if (mss < s->peer_mss) {
      s->peer_mss = (uint16_t)mss;
      uint32_t old = s->smss;
      exo__tcp_update_smss(s);
      if (s->smss < old && s->snd_una != s->snd_nxt) {
        /* Everything in flight was too big: send it again, smaller (no cwnd cut). */
        s->lost_hi = s->snd_nxt;
        s->high_rxt = s->snd_una;
        exo__tcp_output(s, now);
      }
    }
    exo__tcp_timer_update(s);
    return;
  }
  int err;
  if (type == 3) {
    switch (code) {
    case 0: err = -EXO_ENETUNREACH; break;
    case 2:
    case 3: err = -EXO_ECONNREFUSED; break;
    default: err = -EXO_EHOSTUNREACH; break;
    }
  } else if (type == 11) {
    err = -EXO_EHOSTUNREACH;
  } else {
    return;
  }
  if (s->state == EXO_TCP_SYN_SENT && err == -EXO_ECONNREFUSED) {
    tcp->stats.attempt_fails++;
    if (!exo__tcp_done(s, err)) exo__tcp_notify(s);
    return;
  }
  s->soft_err = err; /* RFC 5461: soft errors; reported if the connection times out */
}
