/* CUBIC (RFC 9438), in integer arithmetic (the freestanding core avoids floating
 * point): beta = 0.7, C = 0.4, fast convergence, and the Reno-friendly estimate.
 *
 * Units: windows in bytes, time in milliseconds. W_cubic(t) = C (t - K)^3 + W_max is
 * evaluated in segments scaled by 1024: C / 1000^3 ms^-3 * 1024 = 1 / 2441406.
 * Invariants: cubic_epoch is 0 outside congestion avoidance and set at its first ACK;
 * |t - K| is clamped so the cube fits in 63 bits. */
#include "stack/tcp_int.h"

#define CUBIC_BETA_NUM 7
#define CUBIC_BETA_DEN 10

uint64_t exo__icbrt(uint64_t x) {
  uint64_t y = 0;
  for (int b = 21; b >= 0; b--) {
    uint64_t t = y | (1ull << b);
    if (t * t * t <= x) y = t;
  }
  return y;
}

void exo__cubic_reset(struct exo_tcp_sock *s) {
  s->cubic_wmax = 0;
  s->cubic_k_ms = 0;
  s->cubic_epoch = 0;
  s->cubic_origin = 0;
  s->cubic_west = 0;
  s->cubic_acc = 0;
  s->cubic_west_acc = 0;
}

void exo__cubic_on_loss(struct exo_tcp_sock *s, uint64_t now) {
  (void)now;
  uint32_t cwnd = s->cwnd;
  /* Fast convergence: a flow whose W_max shrinks releases bandwidth sooner. */
  if (s->cubic_wmax && cwnd < s->cubic_wmax)
    s->cubic_wmax = (uint32_t)((uint64_t)cwnd * (CUBIC_BETA_DEN + CUBIC_BETA_NUM) /
                               (2 * CUBIC_BETA_DEN));
  else
    s->cubic_wmax = cwnd;
  /* RFC 9438 4.6: ssthresh = flight_size * beta (bytes in flight, not cwnd). */
  uint32_t flight = s->snd_nxt - s->snd_una;
  s->ssthresh = EXO_MAX((uint32_t)((uint64_t)flight * CUBIC_BETA_NUM / CUBIC_BETA_DEN),
                        2 * s->smss);
  s->cubic_epoch = 0;
}

void exo__cubic_on_ack(struct exo_tcp_sock *s, uint64_t now, uint32_t acked) {
  uint32_t smss = s->smss ? s->smss : EXO__TCP_DEFAULT_MSS;
  if (s->cubic_epoch == 0) {
    s->cubic_epoch = now ? now : 1;
    s->cubic_acc = 0;
    s->cubic_west_acc = 0;
    s->cubic_west = s->cwnd;
    if (s->cubic_wmax > s->cwnd) {
      /* K = cbrt((W_max - cwnd) / C) seconds, in ms: cbrt(segments * 2.5e9). */
      uint64_t segs_fp = (uint64_t)(s->cubic_wmax - s->cwnd) * 1024u / smss;
      s->cubic_k_ms = (uint32_t)exo__icbrt(segs_fp * 2500000000ull / 1024u);
      s->cubic_origin = s->cubic_wmax;
    } else {
      s->cubic_k_ms = 0;
      s->cubic_origin = s->cwnd;
    }
  }
  uint64_t rtt_ms = s->rtt_valid ? s->srtt_us / 1000u : 0;
  int64_t t_ms = (int64_t)((now - s->cubic_epoch) / 1000u + rtt_ms);
  int64_t d = t_ms - (int64_t)s->cubic_k_ms;
  if (d > 2000000) d = 2000000;
  if (d < -2000000) d = -2000000;
  int64_t delta_fp = d * d * d / 2441406; /* segments * 1024 */
  int64_t target = (int64_t)s->cubic_origin + delta_fp * (int64_t)smss / 1024;
  if (target < (int64_t)smss) target = smss;
  /* RFC 9438 4.2: the target is capped at 1.5 cwnd per RTT. */
  if (target > (int64_t)s->cwnd * 3 / 2) target = (int64_t)s->cwnd * 3 / 2;
  uint32_t cwnd = s->cwnd;
  if (target > (int64_t)cwnd) {
    s->cubic_acc += (uint64_t)acked * (uint64_t)(target - cwnd);
    uint64_t inc = s->cubic_acc / cwnd;
    s->cubic_acc %= cwnd;
    s->cwnd += (uint32_t)inc;
  }
  /* Reno-friendly region: alpha = 3 (1 - beta) / (1 + beta) = 0.529 segments per RTT. */
  s->cubic_west_acc += (uint64_t)acked * smss * 529u;
  uint64_t unit = (uint64_t)cwnd * 1000u;
  s->cubic_west += (uint32_t)(s->cubic_west_acc / unit);
  s->cubic_west_acc %= unit;
  if (s->cubic_west > s->cwnd) s->cwnd = s->cubic_west;
}

/* --- HyStart++ (RFC 9406) -------------------------------------------------------------
 * Leaves the initial slow start when the round's minimum RTT rises (queues are
 * building) instead of at the first loss, through Conservative Slow Start (growth / 4)
 * for up to 5 rounds. Only for the initial slow start (ssthresh still unset, RFC 9406
 * 4.3); it needs RTT samples per ACK, which timestamps give (without them it rarely
 * has 8 samples a round and slow start stays standard). */
#define HS_MIN_RTT_THRESH 4000u
#define HS_MAX_RTT_THRESH 16000u
#define HS_MIN_RTT_DIVISOR 8u
#define HS_N_RTT_SAMPLE 8u
#define HS_CSS_GROWTH_DIVISOR 4u
#define HS_CSS_ROUNDS 5u

void exo__hystart_reset(struct exo_tcp_sock *s) {
  s->hs_window_end = s->snd_nxt;
  s->hs_last_min = UINT32_MAX;
  s->hs_cur_min = UINT32_MAX;
  s->hs_css_base = UINT32_MAX;
  s->hs_samples = 0;
  s->hs_css_rounds = 0;
  s->hs_css = false;
}

void exo__hystart_rtt(struct exo_tcp_sock *s, uint32_t rtt_us) {
  if (s->ssthresh != UINT32_MAX) return;
  if (rtt_us < s->hs_cur_min) s->hs_cur_min = rtt_us;
  s->hs_samples++;
}

uint32_t exo__hystart_grow(struct exo_tcp_sock *s, uint32_t ack, uint32_t acked) {
  if (exo_seq_ge(ack, s->hs_window_end)) { /* a new round */
    s->hs_last_min = s->hs_cur_min;
    s->hs_cur_min = UINT32_MAX;
    s->hs_samples = 0;
    s->hs_window_end = s->snd_nxt;
    if (s->hs_css && ++s->hs_css_rounds >= HS_CSS_ROUNDS) {
      s->ssthresh = s->cwnd; /* on to congestion avoidance */
      s->hs_css = false;
      return 0;
    }
  }
  if (s->hs_samples >= HS_N_RTT_SAMPLE && s->hs_cur_min != UINT32_MAX) {
    if (!s->hs_css && s->hs_last_min != UINT32_MAX) {
      uint32_t thresh = s->hs_last_min / HS_MIN_RTT_DIVISOR;
      if (thresh < HS_MIN_RTT_THRESH) thresh = HS_MIN_RTT_THRESH;
      if (thresh > HS_MAX_RTT_THRESH) thresh = HS_MAX_RTT_THRESH;
      if (s->hs_cur_min >= s->hs_last_min + thresh) {
        s->hs_css = true;
        s->hs_css_base = s->hs_cur_min;
        s->hs_css_rounds = 0;
      }
    } else if (s->hs_css && s->hs_cur_min < s->hs_css_base) {
      s->hs_css = false; /* the RTT rise was spurious: back to slow start */
    }
  }
  return s->hs_css ? acked / HS_CSS_GROWTH_DIVISOR : acked;
}
