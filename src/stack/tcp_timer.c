/* TCP timers: retransmission (RFC 6298 with Karn's rule and exponential backoff; SYN and
 * SYN-ACK retries as Linux counts them), zero-window persist probes, delayed ACKs,
 * keepalive, TIME-WAIT and the orphaned FIN-WAIT-2 timeout.
 *
 * Each socket keeps one absolute deadline per timer and s->deadline, their minimum, so
 * exo_tcp_next_deadline is a scan of one field per socket. Handlers run in a fixed
 * order; a handler that ends the connection returns at once (s is freed). */
#include "stack/tcp_int.h"

static void take_min(uint64_t *d, uint64_t t) {
  if (t && (*d == 0 || t < *d)) *d = t;
}

void exo__tcp_timer_update(struct exo_tcp_sock *s) {
  uint64_t d = 0;
  take_min(&d, s->t_rtx);
  take_min(&d, s->t_persist);
  take_min(&d, s->t_delack);
  take_min(&d, s->t_keep);
  take_min(&d, s->t_wait);
  take_min(&d, s->t_xmit);
  s->deadline = d;
  if (d && d < s->tcp->min_deadline) s->tcp->min_deadline = d;
}

uint32_t exo__tcp_backoff_rto(const struct exo_tcp_sock *s) {
  uint64_t rto = (uint64_t)s->rto_us << (s->backoff > 30 ? 30 : s->backoff);
  uint32_t max = s->tcp->cfg.rto_max_us;
  return rto > max ? max : (uint32_t)rto;
}

void exo__tcp_arm_rtx(struct exo_tcp_sock *s, uint64_t now) {
  s->t_rtx = now + exo__tcp_backoff_rto(s);
}

void exo__tcp_rtt_sample(struct exo_tcp_sock *s, uint32_t r) {
  const struct exo_tcp_config *cfg = &s->tcp->cfg;
  if (r == 0) r = 1;
  if (!s->rtt_valid) {
    s->srtt_us = r;
    s->rttvar_us = r / 2;
    s->rtt_valid = true;
  } else {
    uint32_t diff = s->srtt_us > r ? s->srtt_us - r : r - s->srtt_us;
    s->rttvar_us = (3 * s->rttvar_us + diff) / 4;
    s->srtt_us = (7 * s->srtt_us + r) / 8;
  }
  uint64_t rto = (uint64_t)s->srtt_us + EXO_MAX(1000u, 4 * s->rttvar_us);
  if (rto < cfg->rto_min_us) rto = cfg->rto_min_us;
  if (rto > cfg->rto_max_us) rto = cfg->rto_max_us;
  s->rto_us = (uint32_t)rto;
  s->backoff = 0; /* Karn: a valid sample ends the backoff */
}

static bool handshake_timeout(struct exo_tcp_sock *s, uint64_t now) {
  struct exo_tcp *tcp = s->tcp;
  uint8_t limit = s->state == EXO_TCP_SYN_SENT ? tcp->cfg.syn_retries : tcp->cfg.synack_retries;
  if (s->syn_retries_done >= limit) {
    tcp->stats.attempt_fails++;
    return exo__tcp_done(s, s->soft_err ? s->soft_err : -EXO_ETIMEDOUT);
  }
  s->syn_retries_done++;
  s->backoff++;
  s->rtt_timing = false;
  tcp->stats.retransmits++;
  s->total_retrans++;
  exo__tcp_send_syn(s, now);
  exo__tcp_arm_rtx(s, now);
  return false;
}

static bool rto_fired(struct exo_tcp_sock *s, uint64_t now) {
  struct exo_tcp *tcp = s->tcp;
  if (s->state == EXO_TCP_SYN_SENT || s->state == EXO_TCP_SYN_RECEIVED)
    return handshake_timeout(s, now);
  if (s->snd_una == s->snd_nxt) return false; /* nothing outstanding */
  if (s->retries >= tcp->cfg.retries2) {
    return exo__tcp_done(s, s->soft_err ? s->soft_err : -EXO_ETIMEDOUT);
  }
  tcp->stats.timeouts++;
  s->retries++;
  exo__cc_on_rto(s, now);
  /* Everything outstanding and not SACKed is presumed lost (RFC 6675 5.1 keeps the
   * scoreboard). If the receiver seems to have reneged (it SACKed the very data at
   * snd_una yet never acknowledged it), the scoreboard is cleared (RFC 2018 8) so
   * go-back-N resends everything; Linux does the same. */
  if (s->n_sb && s->sb[0].left == s->snd_una) exo__sb_reset(s);
  s->ca_state = 4;
  s->recover = s->snd_nxt;
  s->lost_hi = s->snd_nxt;
  s->high_rxt = s->snd_una;
  s->dupacks = 0;
  s->rtt_timing = false;
  if (s->backoff < 30) s->backoff++;
  s->t_rtx = 0;
  exo__tcp_output(s, now);
  exo__tcp_arm_rtx(s, now);
  return false;
}

static bool keepalive_fired(struct exo_tcp_sock *s, uint64_t now) {
  struct exo_tcp *tcp = s->tcp;
  s->t_keep = 0;
  if (!s->keepalive || (s->state != EXO_TCP_ESTABLISHED && s->state != EXO_TCP_CLOSE_WAIT &&
                        s->state != EXO_TCP_FIN_WAIT_2))
    return false;
  uint64_t idle_us = (uint64_t)s->keep_idle_s * 1000000u;
  uint64_t intvl_us = (uint64_t)s->keep_intvl_s * 1000000u;
  if (s->snd_una != s->snd_nxt || s->sbuf.len > 0) {
    /* Data in flight or queued: the retransmission timer watches the peer. */
    s->t_keep = now + idle_us;
    return false;
  }
  if (now - s->last_rcv_time < idle_us && s->probes_out == 0) {
    s->t_keep = s->last_rcv_time + idle_us;
    return false;
  }
  if (s->probes_out >= s->keep_cnt) {
    exo__tcp_send_rst(s, now);
    return exo__tcp_done(s, s->soft_err ? s->soft_err : -EXO_ETIMEDOUT);
  }
  s->probes_out++;
  tcp->stats.keepalive_probes++;
  exo__tcp_send_probe(s, now);
  s->t_keep = now + intvl_us;
  return false;
}

bool exo__tcp_timers_run(struct exo_tcp_sock *s, uint64_t now) {
  struct exo_tcp *tcp = s->tcp;
  if (s->t_wait && s->t_wait <= now) {
    s->t_wait = 0;
    if (s->state == EXO_TCP_TIME_WAIT || s->state == EXO_TCP_FIN_WAIT_2)
      return exo__tcp_done(s, 0);
  }
  if (s->t_rtx && s->t_rtx <= now) {
    s->t_rtx = 0;
    if (rto_fired(s, now)) return true;
  }
  if (s->t_persist && s->t_persist <= now) {
    s->t_persist = 0;
    uint32_t end = s->sbuf_seq + s->sbuf.len;
    bool waiting = exo_seq_lt(s->snd_nxt, end) && s->snd_una == s->snd_nxt;
    if (waiting && s->snd_wnd == 0) {
      tcp->stats.zero_window_probes++;
      s->probes_out++;
      exo__tcp_send_probe(s, now);
      if (s->backoff < 30) s->backoff++;
      s->t_persist = now + exo__tcp_backoff_rto(s);
    } else if (waiting) {
      exo__tcp_output(s, now);
    }
  }
  if (s->t_delack && s->t_delack <= now) {
    s->t_delack = 0;
    if (s->unacked_rcv || s->ack_now) {
      tcp->stats.delayed_acks++;
      exo__tcp_send_ack(s, now);
    }
  }
  if (s->t_keep && s->t_keep <= now) {
    if (keepalive_fired(s, now)) return true;
  }
  if (s->t_xmit && s->t_xmit <= now) {
    s->t_xmit = 0;
    exo__tcp_output(s, now);
  }
  exo__tcp_timer_update(s);
  return false;
}

/* tcp->min_deadline is a lower bound of all socket deadlines: every change of a
 * socket's timers lowers it, and only a full pass here raises it. So an idle stack
 * costs O(1) per exo_tcp_next_deadline/exo_tcp_poll, and a pass over all sockets
 * happens only when something may be due (or a cancelled timer left the bound early). */
void exo_tcp_poll(struct exo_tcp *tcp, uint64_t now) {
  if (now > tcp->now) tcp->now = now;
  if (now < tcp->min_deadline) return;
  tcp->min_deadline = UINT64_MAX;
  uint64_t m = UINT64_MAX;
  struct exo_tcp_sock *s = tcp->all, *next;
  for (; s; s = next) {
    next = s->next;
    if (s->deadline && s->deadline <= now) {
      if (exo__tcp_timers_run(s, now)) continue; /* freed */
      exo__tcp_notify(s);
    }
    if (s->deadline && s->deadline < m) m = s->deadline;
  }
  if (m < tcp->min_deadline) tcp->min_deadline = m;
}

uint64_t exo_tcp_next_deadline(const struct exo_tcp *tcp) { return tcp->min_deadline; }
