/* Congestion control unit tests: CUBIC's window curve (RFC 9438: K, concave then
 * convex growth back to W_max, the Reno-friendly region, fast convergence), NewReno's
 * one segment per RTT, and the integer cube root. Driven directly on a socket's
 * congestion state with synthetic ACK clocks. */
#include "tcp_script.c"
#include "stack/tcp_int.h"

/* Acks a full window per RTT in 1-segment ACKs for `secs` seconds of virtual time. */
static void ack_clock(struct exo_tcp_sock *s, uint64_t *now, uint64_t rtt_us, double secs) {
  uint64_t end = *now + (uint64_t)(secs * 1e6);
  while (*now < end) {
    uint32_t segs = s->cwnd / s->smss;
    if (segs == 0) segs = 1;
    for (uint32_t i = 0; i < segs; i++) {
      s->cwnd_limited = true;
      exo__cc_on_ack(s, *now + rtt_us * i / segs, s->smss);
    }
    *now += rtt_us;
  }
}

static struct exo_tcp_sock *cc_sock(struct tscript *t, uint8_t cc, uint64_t rtt_us) {
  int err;
  struct exo_tcp_sock *s = exo__tcp_sock_new(&t->tcp, &err);
  s->smss = 1000;
  s->cc_algo = cc;
  exo__cc_init(s);
  s->srtt_us = (uint32_t)rtt_us;
  s->rtt_valid = true;
  s->cwnd = 100000; /* 100 segments, all in flight */
  s->snd_una = 0;
  s->snd_nxt = 100000;
  return s;
}

EXO_TEST(icbrt) {
  EXO_CHECK_EQ(exo__icbrt(0), 0);
  EXO_CHECK_EQ(exo__icbrt(7), 1);
  EXO_CHECK_EQ(exo__icbrt(8), 2);
  EXO_CHECK_EQ(exo__icbrt(1000000), 100);
  EXO_CHECK_EQ(exo__icbrt(999999), 99);
  EXO_CHECK_EQ(exo__icbrt(75ull * 1000000000), 4217);
}

EXO_TEST(cubic_returns_to_wmax_after_k) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *s = cc_sock(&t, EXO_TCP_CC_CUBIC, 100000);
  uint64_t now = 20000000;
  exo__cc_on_loss(s, now);
  EXO_CHECK_EQ(s->ssthresh, 70000); /* beta 0.7 x flight */
  EXO_CHECK_EQ(s->cwnd, 70000);
  EXO_CHECK_EQ(s->cubic_wmax, 100000);
  s->snd_nxt = 0; /* recovery over */
  /* K = cbrt(W_max (1 - beta) / C) = cbrt(100 x 0.3 / 0.4) = 4.217 s. */
  ack_clock(s, &now, 100000, 0.1);
  EXO_CHECK_EQ(s->cubic_k_ms, 4217);
  /* Concave: after K/2 the window is between the reduced one and W_max, closer to W_max
   * (W(t+RTT) at t = 2.1 s: 100 - 0.4 x 2.0^3 = 96.8 segments). */
  ack_clock(s, &now, 100000, 2.0);
  EXO_CHECK(s->cwnd > 90000 && s->cwnd < 100000);
  /* Plateau near W_max at K. */
  ack_clock(s, &now, 100000, 2.1);
  EXO_CHECK(s->cwnd > 97000 && s->cwnd < 103000);
  uint32_t at_k = s->cwnd;
  /* Convex beyond: probing faster and faster (t = K + 3 s: 100 + 0.4 x 27 = 110.8). */
  ack_clock(s, &now, 100000, 3.0);
  EXO_CHECK(s->cwnd > 106000 && s->cwnd < 116000);
  uint32_t later = s->cwnd;
  ack_clock(s, &now, 100000, 1.0);
  EXO_CHECK(s->cwnd - later > later - at_k - (later - at_k) / 2); /* accelerating */
  exo__tcp_sock_free(s);
  ts_fini(&t);
}

EXO_TEST(cubic_fast_convergence) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *s = cc_sock(&t, EXO_TCP_CC_CUBIC, 100000);
  uint64_t now = 20000000;
  exo__cc_on_loss(s, now);
  /* A second loss below the previous W_max: W_max = cwnd (1 + beta) / 2. */
  s->cwnd = 80000;
  s->snd_nxt = 80000;
  exo__cc_on_loss(s, now);
  EXO_CHECK_EQ(s->cubic_wmax, 80000 * 17 / 20);
  EXO_CHECK_EQ(s->cwnd, 56000);
  exo__tcp_sock_free(s);
  ts_fini(&t);
}

EXO_TEST(cubic_reno_friendly_region) {
  struct tscript t;
  ts_init(&t, NULL);
  /* 1 ms RTT: in 100 ms CUBIC's curve barely moves (72.4 segments), while an AIMD flow
   * with the same beta (alpha 0.529) gains ~53 segments: CUBIC must follow W_est. */
  struct exo_tcp_sock *s = cc_sock(&t, EXO_TCP_CC_CUBIC, 1000);
  uint64_t now = 20000000;
  exo__cc_on_loss(s, now);
  s->snd_nxt = 0;
  ack_clock(s, &now, 1000, 0.1);
  EXO_CHECK(s->cwnd > 115000 && s->cwnd < 125000);
  exo__tcp_sock_free(s);
  ts_fini(&t);
}

EXO_TEST(newreno_one_segment_per_rtt) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *s = cc_sock(&t, EXO_TCP_CC_NEWRENO, 100000);
  uint64_t now = 20000000;
  exo__cc_on_loss(s, now);
  EXO_CHECK_EQ(s->ssthresh, 50000); /* flight / 2 */
  EXO_CHECK_EQ(s->cwnd, 50000);
  s->snd_nxt = 0;
  ack_clock(s, &now, 100000, 1.0); /* 10 RTTs */
  EXO_CHECK(s->cwnd >= 59000 && s->cwnd <= 60000);
  /* An application-limited flow does not grow its window. */
  uint32_t w = s->cwnd;
  s->cwnd_limited = false;
  exo__cc_on_ack(s, now, 100000);
  EXO_CHECK_EQ(s->cwnd, w);
  exo__tcp_sock_free(s);
  ts_fini(&t);
}

EXO_TEST(slow_start_to_ssthresh) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *s = cc_sock(&t, EXO_TCP_CC_NEWRENO, 100000);
  s->cwnd = 10000;
  s->ssthresh = 25000;
  uint64_t now = 20000000;
  s->cwnd_limited = true;
  exo__cc_on_ack(s, now, 10000);
  EXO_CHECK_EQ(s->cwnd, 20000); /* doubles per RTT */
  exo__cc_on_ack(s, now, 10000);
  EXO_CHECK_EQ(s->cwnd, 25000); /* stops at ssthresh; 5000 carried into CA (< cwnd) */
  exo__tcp_sock_free(s);
  ts_fini(&t);
}

EXO_TEST(hystart_plus_plus_leaves_slow_start_on_rtt_rise) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *s = cc_sock(&t, EXO_TCP_CC_CUBIC, 20000);
  exo__cc_init(s); /* ssthresh unset: initial slow start */
  s->cwnd = 10000;
  s->snd_una = 0;
  s->snd_nxt = 10000;
  exo__hystart_reset(s);
  /* An ACK clock of 1000-byte segments: the RTT is 20 ms until the window passes
   * 40000 bytes (the path's capacity), 30 ms after (a queue). */
  uint32_t css_at = 0, rise_at = 0;
  int acks = 0;
  while (s->ssthresh == UINT32_MAX && acks < 100000) {
    s->snd_una += 1000;
    uint32_t rtt = s->cwnd > 40000 ? 30000 : 20000;
    if (rtt == 30000 && !rise_at) rise_at = s->cwnd;
    exo__hystart_rtt(s, rtt);
    s->cwnd_limited = true;
    bool was_css = s->hs_css;
    exo__cc_on_ack(s, 0, 1000);
    if (s->hs_css && !was_css && !css_at) css_at = s->cwnd;
    s->snd_nxt = s->snd_una + s->cwnd; /* the sender fills the window */
    acks++;
  }
  EXO_CHECK(css_at != 0);          /* conservative slow start was entered... */
  EXO_CHECK(css_at > rise_at);     /* ...after the RTT rose... */
  EXO_CHECK(css_at <= 4 * rise_at); /* ...within about two rounds of it */
  EXO_CHECK(s->ssthresh != UINT32_MAX); /* and then left for congestion avoidance */
  /* Five CSS rounds grow the window by 1.25x each at most (~3x), not 32x. */
  EXO_CHECK(s->cwnd <= css_at * 4);
  EXO_CHECK_EQ(s->ssthresh, s->cwnd);
  exo__tcp_sock_free(s);
  ts_fini(&t);
}
