/* Congestion control dispatch and NewReno (RFC 5681, RFC 6582 with RFC 6675 pipe).
 *
 * cwnd and ssthresh are in bytes. Growth happens only when the last transmit
 * opportunity was limited by cwnd (RFC 7661's idea: an application-limited flow must
 * not inflate a window it never used) and never during fast recovery (after a timeout
 * the window slow-starts again from one segment). On loss the
 * window is set to ssthresh at once; sending is then governed by pipe < cwnd, so no
 * window inflation or deflation is needed. */
#include "stack/tcp_int.h"

void exo__cc_init(struct exo_tcp_sock *s) {
  s->cwnd = EXO__TCP_INIT_CWND * s->smss;
  s->ssthresh = UINT32_MAX;
  s->bytes_acked_ca = 0;
  s->cwnd_limited = true;
  exo__cubic_reset(s);
  exo__hystart_reset(s);
}

uint32_t exo__newreno_ssthresh(const struct exo_tcp_sock *s) {
  uint32_t flight = s->snd_nxt - s->snd_una;
  return EXO_MAX(flight / 2, 2 * s->smss);
}

void exo__newreno_on_ack(struct exo_tcp_sock *s, uint32_t acked) {
  s->bytes_acked_ca += acked;
  if (s->bytes_acked_ca >= s->cwnd) {
    s->bytes_acked_ca -= s->cwnd;
    s->cwnd += s->smss;
  }
}

void exo__cc_on_ack(struct exo_tcp_sock *s, uint64_t now, uint32_t acked) {
  if (s->ca_state == 3 || !s->cwnd_limited || acked == 0) return;
  if (s->cc_algo == EXO_TCP_CC_CUBIC && s->ssthresh == UINT32_MAX) {
    /* CUBIC's initial slow start uses HyStart++ (RFC 9438 4.10, RFC 9406). */
    s->cwnd += exo__hystart_grow(s, s->snd_una, acked);
    return;
  }
  if (s->cwnd < s->ssthresh) {
    /* Slow start; what overshoots ssthresh carries into congestion avoidance. */
    uint32_t room = s->ssthresh - s->cwnd;
    uint32_t inc = EXO_MIN(acked, room);
    s->cwnd += inc;
    acked -= inc;
    if (acked == 0) return;
  }
  if (s->cc_algo == EXO_TCP_CC_CUBIC)
    exo__cubic_on_ack(s, now, acked);
  else
    exo__newreno_on_ack(s, acked);
}

void exo__cc_on_loss(struct exo_tcp_sock *s, uint64_t now) {
  if (s->cc_algo == EXO_TCP_CC_CUBIC) {
    exo__cubic_on_loss(s, now);
  } else {
    s->ssthresh = exo__newreno_ssthresh(s);
  }
  s->cwnd = s->ssthresh;
  s->bytes_acked_ca = 0;
}

void exo__cc_on_rto(struct exo_tcp_sock *s, uint64_t now) {
  /* RFC 5681 (5.1): only the first timeout of a loss episode lowers ssthresh. */
  if (s->ca_state != 4) {
    if (s->cc_algo == EXO_TCP_CC_CUBIC)
      exo__cubic_on_loss(s, now);
    else
      s->ssthresh = exo__newreno_ssthresh(s);
  }
  s->cwnd = s->smss;
  s->bytes_acked_ca = 0;
}

void exo__cc_on_recovery_exit(struct exo_tcp_sock *s, uint64_t now) {
  (void)now;
  if (s->cwnd > s->ssthresh && s->ca_state == 3) s->cwnd = s->ssthresh;
  s->cubic_epoch = 0;
}
