/* Scripted segment tests: RTO with backoff and Karn's rule, fast retransmit and NewReno
 * partial ACKs, SACK-based recovery (RFC 6675) with pipe, zero-window probes, keepalive. */
#include "tcp_script.c"

static uint8_t pattern[100000];

EXO_TEST(rto_backoff_and_karn) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  struct exo_tcp_info info;
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.rto_us, 200000); /* a ~0 handshake RTT: the 200 ms floor */
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 1000), 1000);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0, 1001, TS_ANY, 1000);
  ts_advance(&t, 199999);
  TS_EXPECT_NONE(&t);
  ts_advance(&t, 1);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0, 1001, TS_ANY, 1000);
  ts_advance(&t, 399999);
  TS_EXPECT_NONE(&t);
  ts_advance(&t, 1);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0, 1001, TS_ANY, 1000);
  ts_advance(&t, 800000);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0, 1001, TS_ANY, 1000);
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.backoff, 3);
  EXO_CHECK_EQ(info.retransmits, 3);
  EXO_CHECK_EQ(info.snd_cwnd, 1448);
  EXO_CHECK_EQ(info.ca_state, 4);
  EXO_CHECK_EQ(t.tcp.stats.timeouts, 3);
  /* The ACK of retransmitted data gives no RTT sample (Karn): the backoff stays. */
  t.now += 50000;
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 1000, 1000);
  ts_inject(&t, &a, NULL, 0);
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.backoff, 3);
  EXO_CHECK_EQ(info.retransmits, 0);
  EXO_CHECK_EQ(info.ca_state, 0);
  /* The retransmission timer is off (next_deadline is exact after a poll pass). */
  uint64_t stale = exo_tcp_next_deadline(&t.tcp);
  exo_tcp_poll(&t.tcp, stale);
  EXO_CHECK_EQ(exo_tcp_next_deadline(&t.tcp), UINT64_MAX);
  TS_EXPECT_NONE(&t);
  t.now = stale;
  /* New data is timed; its ACK ends the backoff. */
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 10), 10);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0 + 1000, 1001, TS_ANY, 10);
  EXO_CHECK_EQ(exo_tcp_next_deadline(&t.tcp), t.now + (200000u << 3));
  t.now += 80000;
  a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 1010, 1000);
  ts_inject(&t, &a, NULL, 0);
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.backoff, 0);
  EXO_CHECK_EQ(info.rtt_us, (7 * 1 + 80000) / 8);
  /* RFC 6298: srtt 10000 + 4 x rttvar 19999 = 89996 us, below the 200 ms floor. */
  EXO_CHECK_EQ(info.rttvar_us, 19999);
  EXO_CHECK_EQ(info.rto_us, 200000);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(rto_go_back_n_slow_starts) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 5 * 1448), 5 * 1448);
  for (int k = 0; k < 5; k++) TS_EXPECT(&t, EXO_TCP_ACK | (k == 4 ? EXO_TCP_PSH : 0), s0 + 1448u * k, 1001, TS_ANY, 1448);
  ts_advance(&t, 200000);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001, TS_ANY, 1448); /* cwnd = 1 segment */
  TS_EXPECT_NONE(&t);
  struct exo_tcp_info info;
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.snd_ssthresh, 7240 * 7 / 10); /* CUBIC: 0.7 x bytes in flight */
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 1448, 1000);
  ts_inject(&t, &a, NULL, 0);
  /* Slow start: cwnd 2 segments, both retransmissions. */
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 1448, 1001, TS_ANY, 1448);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 2896, 1001, TS_ANY, 1448);
  TS_EXPECT_NONE(&t);
  a.ack = s0 + 4344;
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 4344, 1001, TS_ANY, 1448);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0 + 5792, 1001, TS_ANY, 1448);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(t.tcp.stats.retransmits, 5);
  exo_tcp_get_info(c, &info);
  /* Slow start up to ssthresh (5068), then 724 bytes in congestion avoidance: CUBIC's
   * Reno-friendly estimate adds 0.529 x 1448 x 724 / 5068 = 109 bytes. */
  EXO_CHECK_EQ(info.snd_cwnd, 5068 + 109);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(fast_retransmit_newreno_without_sack) {
  struct tscript t;
  struct exo_tcp_config cfg;
  exo_tcp_config_default(&cfg);
  cfg.cc = EXO_TCP_CC_NEWRENO;
  ts_init(&t, &cfg);
  struct ts_opts o = ts_default_opts();
  o.sack = false;
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  const uint32_t M = 1448;
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 30 * M), 30 * M);
  for (uint32_t k = 0; k < 10; k++) TS_EXPECT(&t, EXO_TCP_ACK, s0 + M * k, 1001, TS_ANY, M);
  /* Segment 0 is lost. Duplicate ACKs 1 and 2: limited transmit sends new data. */
  struct exo_tcp_repr dup = ts_pseg(EXO_TCP_ACK, 1001, s0, 1000);
  ts_inject(&t, &dup, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 10 * M, 1001, TS_ANY, M);
  ts_inject(&t, &dup, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 11 * M, 1001, TS_ANY, M);
  TS_EXPECT_NONE(&t);
  /* The third: fast retransmit, ssthresh = flight / 2 = 6 segments. */
  ts_inject(&t, &dup, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001, TS_ANY, M);
  TS_EXPECT_NONE(&t);
  struct exo_tcp_info info;
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.snd_ssthresh, 6 * M);
  EXO_CHECK_EQ(info.snd_cwnd, 6 * M);
  EXO_CHECK_EQ(info.ca_state, 3);
  EXO_CHECK_EQ(t.tcp.stats.fast_retransmits, 1);
  /* pipe = 12 out - 1 lost - 3 dupacks + 1 retransmitted = 9 segments > cwnd 6. Each
   * further duplicate ACK takes one segment out of the pipe; at 7 dupacks pipe = 5. */
  EXO_CHECK_EQ(info.pipe, 9 * M);
  for (int k = 4; k <= 6; k++) {
    ts_inject(&t, &dup, NULL, 0);
    TS_EXPECT_NONE(&t);
  }
  ts_inject(&t, &dup, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 12 * M, 1001, TS_ANY, M);
  TS_EXPECT_NONE(&t);
  /* A partial ACK (segment 4 was lost too): it is retransmitted at once. */
  struct exo_tcp_repr pa = ts_pseg(EXO_TCP_ACK, 1001, s0 + 4 * M, 1000);
  ts_inject(&t, &pa, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 4 * M, 1001, TS_ANY, M);
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.ca_state, 3);
  ts_drain(&t);
  /* Everything up to the recovery point: recovery ends with cwnd = ssthresh. */
  struct exo_tcp_repr full = ts_pseg(EXO_TCP_ACK, 1001, s0 + 12 * M, 1000);
  ts_inject(&t, &full, NULL, 0);
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.ca_state, 0);
  EXO_CHECK_EQ(info.snd_cwnd, 6 * M);
  EXO_CHECK_EQ(t.tcp.stats.timeouts, 0);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

static struct exo_tcp_repr sack_ack(uint32_t ack, uint32_t l1, uint32_t r1, uint32_t l2, uint32_t r2) {
  struct exo_tcp_repr r = ts_pseg(EXO_TCP_ACK, 1001, ack, 1000);
  r.sack_count = 1;
  r.sack[0].left = l1;
  r.sack[0].right = r1;
  if (l2 != r2) {
    r.sack_count = 2;
    r.sack[1].left = l2;
    r.sack[1].right = r2;
  }
  return r;
}

EXO_TEST(sack_recovery_rfc6675) {
  struct tscript t;
  ts_init(&t, NULL); /* CUBIC */
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  const uint32_t M = 1448;
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 30 * M), 30 * M);
  for (uint32_t k = 0; k < 10; k++) TS_EXPECT(&t, EXO_TCP_ACK, s0 + M * k, 1001, TS_ANY, M);
  /* Segments 0 and 3 are lost. SACKs for 1, then 1-2: limited transmit. */
  struct exo_tcp_repr a = sack_ack(s0, s0 + M, s0 + 2 * M, 0, 0);
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 10 * M, 1001, TS_ANY, M);
  TS_EXPECT_NONE(&t);
  a = sack_ack(s0, s0 + M, s0 + 3 * M, 0, 0);
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 11 * M, 1001, TS_ANY, M);
  TS_EXPECT_NONE(&t);
  struct exo_tcp_info info;
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.ca_state, 1);
  EXO_CHECK_EQ(info.sacked, 2 * M);
  /* SACK of 4: three discontiguous... more than 2 SMSS SACKed above segment 0 -> it is
   * lost (IsLost), recovery starts, segment 0 is retransmitted at once. */
  a = sack_ack(s0, s0 + 4 * M, s0 + 5 * M, s0 + M, s0 + 3 * M);
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001, TS_ANY, M);
  TS_EXPECT_NONE(&t);
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.ca_state, 3);
  EXO_CHECK_EQ(info.snd_cwnd, 12 * M * 7 / 10); /* CUBIC: beta 0.7 x 12 in flight */
  EXO_CHECK_EQ(info.sacked, 3 * M);
  /* pipe: 12 sent - 3 SACKed - 1 lost (seg 0) + 1 retransmitted; seg 3 is not yet lost
   * (only one SACKed segment above it). */
  EXO_CHECK_EQ(info.pipe, 9 * M);
  /* More SACKs above segment 3 (5, 6, 7): segment 3 becomes lost. pipe = 12 - 6 SACKed
   * - 2 lost + 1 retransmitted = 5 segments; cwnd is 8.4: segment 3 is retransmitted,
   * then new data while cwnd - pipe >= 1 SMSS. */
  a = sack_ack(s0, s0 + 4 * M, s0 + 8 * M, s0 + M, s0 + 3 * M);
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 3 * M, 1001, TS_ANY, M);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 12 * M, 1001, TS_ANY, M);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 13 * M, 1001, TS_ANY, M);
  TS_EXPECT_NONE(&t);
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.pipe, 8 * M);
  EXO_CHECK_EQ(info.lost, 2 * M); /* lost (and retransmitted), as Linux's tcpi_lost */
  EXO_CHECK_EQ(t.tcp.stats.sack_recoveries, 1);
  /* The cumulative ACK passes the recovery point: recovery ends. */
  a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 12 * M, 1000);
  ts_inject(&t, &a, NULL, 0);
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.ca_state, 0);
  EXO_CHECK_EQ(info.sacked, 0);
  EXO_CHECK_EQ(info.snd_cwnd, 12 * M * 7 / 10);
  EXO_CHECK_EQ(t.tcp.stats.timeouts, 0);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(zero_window_probes_with_backoff) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 1000), 1000);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0, 1001, TS_ANY, 1000);
  /* The peer takes it and closes its window. */
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 1000, 0);
  ts_inject(&t, &a, NULL, 0);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 500), 500);
  TS_EXPECT_NONE(&t);
  /* Probes: an old sequence number and no data, after 200, 400, 800 ms. */
  ts_advance(&t, 200000);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 999, 1001, TS_ANY, 0);
  ts_advance(&t, 399999);
  TS_EXPECT_NONE(&t);
  ts_advance(&t, 1);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 999, 1001, TS_ANY, 0);
  /* The answer keeps the window closed: probing continues, backed off. */
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT_NONE(&t);
  ts_advance(&t, 800000);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 999, 1001, TS_ANY, 0);
  EXO_CHECK_EQ(t.tcp.stats.zero_window_probes, 3);
  EXO_CHECK_EQ(exo_tcp_get_stats(&t.tcp)->timeouts, 0);
  /* The window opens: data flows. */
  a.window = 10;
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0 + 1000, 1001, TS_ANY, 500);
  TS_EXPECT_NONE(&t);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(keepalive_probes_and_timeout) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  EXO_CHECK_EQ(exo_tcp_setopt(c, t.now, EXO_TCP_SO_KEEPIDLE, 10), 0);
  EXO_CHECK_EQ(exo_tcp_setopt(c, t.now, EXO_TCP_SO_KEEPINTVL, 2), 0);
  EXO_CHECK_EQ(exo_tcp_setopt(c, t.now, EXO_TCP_SO_KEEPCNT, 3), 0);
  EXO_CHECK_EQ(exo_tcp_setopt(c, t.now, EXO_TCP_SO_KEEPALIVE, 1), 0);
  ts_advance(&t, 9999999);
  TS_EXPECT_NONE(&t);
  ts_advance(&t, 1);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 - 1, 1001, TS_ANY, 0);
  /* The peer answers: idle again. */
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1001, s0, 1000);
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT_NONE(&t);
  ts_advance(&t, 10000000);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 - 1, 1001, TS_ANY, 0);
  ts_advance(&t, 2000000);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 - 1, 1001, TS_ANY, 0);
  ts_advance(&t, 2000000);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 - 1, 1001, TS_ANY, 0);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_ESTABLISHED);
  ts_advance(&t, 2000000);
  TS_EXPECT(&t, EXO_TCP_RST | EXO_TCP_ACK, s0, 1001, 0, 0);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_CLOSED);
  EXO_CHECK_EQ(exo_tcp_take_error(c), -EXO_ETIMEDOUT);
  EXO_CHECK_EQ(t.tcp.stats.keepalive_probes, 4);
  exo_tcp_close(c, t.now);
  ts_fini(&t);
}

EXO_TEST(data_timeout_kills_connection) {
  struct tscript t;
  struct exo_tcp_config cfg;
  exo_tcp_config_default(&cfg);
  cfg.retries2 = 3;
  ts_init(&t, &cfg);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 100), 100);
  ts_advance(&t, 200000 + 400000 + 800000);
  EXO_CHECK_EQ(ts_pending(&t), 4);
  ts_drain(&t);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_ESTABLISHED);
  ts_advance(&t, 1600000);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_CLOSED);
  EXO_CHECK_EQ(exo_tcp_take_error(c), -EXO_ETIMEDOUT);
  exo_tcp_close(c, t.now);
  ts_fini(&t);
}

EXO_TEST(sack_rule3_and_rescue_retransmission) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  const uint32_t M = 1448;
  /* Exactly 10 segments: the application then has nothing more to send. */
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 10 * M), 10 * M);
  for (uint32_t k = 0; k < 10; k++)
    TS_EXPECT(&t, EXO_TCP_ACK | (k == 9 ? EXO_TCP_PSH : 0), s0 + M * k, 1001, TS_ANY, M);
  /* Segments 0, 7 and 9 are lost; 1-6 and 8 arrive. */
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1001, s0, 1000);
  a.sack_count = 2;
  a.sack[0].left = s0 + 8 * M;
  a.sack[0].right = s0 + 9 * M;
  a.sack[1].left = s0 + M;
  a.sack[1].right = s0 + 7 * M;
  ts_inject(&t, &a, NULL, 0);
  /* Rule 1: segment 0 (lost). Rule 2: no new data. Rule 3: segment 7, a hole below the
   * highest SACK, not yet deemed lost. Rule 4: the rescue retransmission of the tail
   * (segment 9). pipe allows all three (cwnd 7 segments). */
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001, TS_ANY, M);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 7 * M, 1001, TS_ANY, M);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0 + 9 * M, 1001, TS_ANY, M);
  TS_EXPECT_NONE(&t);
  /* Duplicate SACK information changes nothing: one rescue per recovery. */
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT_NONE(&t);
  a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 10 * M, 1000);
  ts_inject(&t, &a, NULL, 0);
  struct exo_tcp_info info;
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.ca_state, 0);
  EXO_CHECK_EQ(info.unacked, 0);
  EXO_CHECK_EQ(t.tcp.stats.timeouts, 0);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(rto_keeps_sack_scoreboard_unless_reneging) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  const uint32_t M = 1448;
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 4 * M), 4 * M);
  ts_drain(&t);
  /* Segment 2 is SACKed (one block: not enough to declare 0 lost). */
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1001, s0, 1000);
  a.sack_count = 1;
  a.sack[0].left = s0 + 2 * M;
  a.sack[0].right = s0 + 3 * M;
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT_NONE(&t);
  /* RTO: go-back-N skips the SACKed segment 2. */
  ts_advance(&t, 200000);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001, TS_ANY, M);
  TS_EXPECT_NONE(&t);
  a = ts_pseg(EXO_TCP_ACK, 1001, s0 + M, 1000);
  a.sack_count = 1;
  a.sack[0].left = s0 + 2 * M;
  a.sack[0].right = s0 + 3 * M;
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + M, 1001, TS_ANY, M);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0 + 3 * M, 1001, TS_ANY, M);
  TS_EXPECT_NONE(&t);
  /* The receiver reneges: the cumulative ACK stops at the SACKed segment 2. The next
   * RTO clears the scoreboard and resends segment 2 too. */
  a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 2 * M, 1000);
  a.sack_count = 1;
  a.sack[0].left = s0 + 2 * M;
  a.sack[0].right = s0 + 3 * M;
  ts_inject(&t, &a, NULL, 0);
  ts_drain(&t);
  ts_advance(&t, 1000000);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 2 * M, 1001, TS_ANY, M);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}
