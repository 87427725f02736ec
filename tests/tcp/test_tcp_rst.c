/* Scripted segment tests: RST validation and challenge ACKs (RFC 5961), SYN in a
 * synchronized state, unacceptable ACKs and segments, the challenge-ACK rate limit, and
 * ICMP errors. */
#include "tcp_script.c"

EXO_TEST(rst_exact_sequence_resets) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  unsigned n0 = t.notifies;
  struct exo_tcp_repr r = ts_pseg(EXO_TCP_RST, 1001, 0, 0);
  ts_inject(&t, &r, NULL, 0);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_CLOSED);
  EXO_CHECK(t.notifies > n0);
  EXO_CHECK(t.last_events & EXO_TCP_EV_ERR);
  EXO_CHECK(t.last_events & EXO_TCP_EV_HUP);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, "x", 1), -EXO_ECONNRESET);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, "x", 1), -EXO_EPIPE);
  EXO_CHECK_EQ(t.tcp.stats.estab_resets, 1);
  exo_tcp_close(c, t.now);
  TS_EXPECT_NONE(&t);
  ts_fini(&t);
}

EXO_TEST(rst_in_window_draws_challenge_ack) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  struct exo_tcp_repr r = ts_pseg(EXO_TCP_RST, 1001 + 5000, 0, 0);
  ts_inject(&t, &r, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, iss + 1, 1001, TS_ANY, 0);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_ESTABLISHED);
  EXO_CHECK_EQ(t.tcp.stats.challenge_acks, 1);
  /* Out of the window entirely: silently dropped. */
  r.seq = 1001 + 10000000;
  ts_inject(&t, &r, NULL, 0);
  r.seq = 1000;
  ts_inject(&t, &r, NULL, 0);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_ESTABLISHED);
  /* The peer answers the challenge with an exact RST. */
  r.seq = 1001;
  ts_inject(&t, &r, NULL, 0);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_CLOSED);
  exo_tcp_close(c, t.now);
  ts_fini(&t);
}

EXO_TEST(syn_in_established_draws_challenge_ack) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  /* In window and out of window alike (RFC 5961 4.2). */
  struct exo_tcp_repr s = ts_pseg(EXO_TCP_SYN, 1001 + 100, 0, 1000);
  ts_inject(&t, &s, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, iss + 1, 1001, TS_ANY, 0);
  s.seq = 1001;
  ts_inject(&t, &s, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, iss + 1, 1001, TS_ANY, 0);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_ESTABLISHED);
  EXO_CHECK_EQ(t.tcp.stats.challenge_acks, 2);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(challenge_ack_rate_limit) {
  struct tscript t;
  struct exo_tcp_config cfg;
  exo_tcp_config_default(&cfg);
  cfg.challenge_ack_limit = 2;
  ts_init(&t, &cfg);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  struct exo_tcp_repr r = ts_pseg(EXO_TCP_RST, 1001 + 5, 0, 0);
  for (int i = 0; i < 5; i++) ts_inject(&t, &r, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, iss + 1, 1001, TS_ANY, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, iss + 1, 1001, TS_ANY, 0);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(t.tcp.stats.challenge_acks_suppressed, 3);
  ts_advance(&t, 1000000);
  ts_inject(&t, &r, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, iss + 1, 1001, TS_ANY, 0);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(unacceptable_acks_and_segments) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  /* ACK of data never sent: answered with an ACK, the data is dropped. */
  struct exo_tcp_repr d = ts_pseg(EXO_TCP_ACK, 1001, s0 + 100, 1000);
  ts_inject(&t, &d, "abc", 3);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001, TS_ANY, 0);
  EXO_CHECK_EQ(exo_tcp_readable(c), 0);
  /* An ACK far below snd_una - MAX.SND.WND (RFC 5961 5.2): same. */
  d.ack = s0 - 10000000;
  ts_inject(&t, &d, "abc", 3);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001, TS_ANY, 0);
  EXO_CHECK_EQ(exo_tcp_readable(c), 0);
  /* A segment without ACK is dropped silently. */
  d = ts_pseg(0, 1001, 0, 1000);
  ts_inject(&t, &d, "abc", 3);
  TS_EXPECT_NONE(&t);
  /* Data beyond the window: ACK, nothing queued. */
  d = ts_pseg(EXO_TCP_ACK, 1001 + 300000, s0, 1000);
  ts_inject(&t, &d, "abc", 3);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001, TS_ANY, 0);
  EXO_CHECK_EQ(exo_tcp_readable(c), 0);
  /* Malformed flag combinations are counted and dropped. */
  d = ts_pseg(EXO_TCP_SYN | EXO_TCP_FIN, 1001, 0, 1000);
  ts_inject(&t, &d, NULL, 0);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(t.tcp.stats.bad_segments, 1);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_ESTABLISHED);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(rst_in_syn_sent_without_ack_ignored) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *s = exo_tcp_open(&t.tcp, NULL);
  exo_tcp_bind(s, 0, 80);
  exo_tcp_connect(s, t.now, TS_REMOTE, 5000);
  ts_drain(&t);
  struct exo_tcp_repr r = ts_seg(EXO_TCP_RST, 0, 0, 0);
  ts_inject(&t, &r, NULL, 0);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_SYN_SENT);
  TS_EXPECT_NONE(&t);
  exo_tcp_close(s, t.now);
  ts_fini(&t);
}

EXO_TEST(icmp_errors) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *s = exo_tcp_open(&t.tcp, NULL);
  exo_tcp_bind(s, 0, 80);
  exo_tcp_connect(s, t.now, TS_REMOTE, 5000);
  uint32_t iss = TS_EXPECT(&t, EXO_TCP_SYN, TS_ANY, 0, TS_ANY, 0)->h.seq;
  /* A quoted sequence number we never sent is not believed (RFC 5927). */
  exo_tcp_icmp_error(&t.tcp, t.now, TS_LOCAL, TS_REMOTE, 80, 5000, iss + 1000, 3, 3, 0);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_SYN_SENT);
  /* Host unreachable is soft: reported only when the connect times out. */
  exo_tcp_icmp_error(&t.tcp, t.now, TS_LOCAL, TS_REMOTE, 80, 5000, iss, 3, 1, 0);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_SYN_SENT);
  /* Port unreachable aborts the connect. */
  exo_tcp_icmp_error(&t.tcp, t.now, TS_LOCAL, TS_REMOTE, 80, 5000, iss, 3, 3, 0);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_CLOSED);
  EXO_CHECK_EQ(exo_tcp_take_error(s), -EXO_ECONNREFUSED);
  exo_tcp_close(s, t.now);

  /* Fragmentation needed lowers the MSS and resends what is in flight. */
  struct ts_opts o = ts_default_opts();
  struct exo_tcp_sock *c = ts_active_open(&t, &o, &iss);
  static uint8_t big[4000];
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, big, 2896), 2896);
  TS_EXPECT(&t, EXO_TCP_ACK, iss + 1, 1001, TS_ANY, 1448);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, iss + 1449, 1001, TS_ANY, 1448);
  exo_tcp_icmp_error(&t.tcp, t.now, TS_LOCAL, TS_REMOTE, 80, 5000, iss + 1, 3, 4, 1000);
  struct exo_tcp_info info;
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.snd_mss, 1000 - 40 - 12);
  TS_EXPECT(&t, EXO_TCP_ACK, iss + 1, 1001, TS_ANY, 948);
  TS_EXPECT(&t, EXO_TCP_ACK, iss + 1 + 948, 1001, TS_ANY, 948);
  TS_EXPECT(&t, EXO_TCP_ACK, iss + 1 + 1896, 1001, TS_ANY, 948);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, iss + 1 + 2844, 1001, TS_ANY, 52);
  TS_EXPECT_NONE(&t);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

/* Drives a fresh connection into `state` (with our FIN acknowledged or not as the state
 * needs) and returns the peer's next sequence number. */
static uint32_t into_state(struct tscript *t, struct exo_tcp_sock **cp, uint32_t *iss, int state) {
  struct ts_opts o = ts_default_opts();
  struct exo_tcp_sock *c = ts_passive_open(t, &o, iss);
  uint32_t s0 = *iss + 1;
  uint32_t pseq = 1001;
  struct exo_tcp_repr fin = ts_pseg(EXO_TCP_ACK | EXO_TCP_FIN, 1001, s0, 1000);
  struct exo_tcp_repr ack = ts_pseg(EXO_TCP_ACK, 1001, s0 + 1, 1000);
  switch (state) {
  case EXO_TCP_ESTABLISHED: break;
  case EXO_TCP_FIN_WAIT_1: exo_tcp_shutdown(c, t->now, EXO_TCP_SHUT_WR); break;
  case EXO_TCP_FIN_WAIT_2:
    exo_tcp_shutdown(c, t->now, EXO_TCP_SHUT_WR);
    ts_inject(t, &ack, NULL, 0);
    break;
  case EXO_TCP_CLOSE_WAIT:
    ts_inject(t, &fin, NULL, 0);
    pseq = 1002;
    break;
  case EXO_TCP_CLOSING:
    exo_tcp_shutdown(c, t->now, EXO_TCP_SHUT_WR);
    ts_inject(t, &fin, NULL, 0);
    pseq = 1002;
    break;
  case EXO_TCP_LAST_ACK:
    ts_inject(t, &fin, NULL, 0);
    exo_tcp_shutdown(c, t->now, EXO_TCP_SHUT_WR);
    pseq = 1002;
    break;
  case EXO_TCP_TIME_WAIT:
    exo_tcp_shutdown(c, t->now, EXO_TCP_SHUT_WR);
    fin.ack = s0 + 1;
    ts_inject(t, &fin, NULL, 0);
    pseq = 1002;
    break;
  }
  ts_drain(t);
  EXO_CHECK_EQ(exo_tcp_state(c), state);
  *cp = c;
  return pseq;
}

EXO_TEST(rst_in_every_synchronized_state) {
  static const struct {
    int state;
    int err;
  } cases[] = {
      {EXO_TCP_ESTABLISHED, -EXO_ECONNRESET}, {EXO_TCP_FIN_WAIT_1, -EXO_ECONNRESET},
      {EXO_TCP_FIN_WAIT_2, -EXO_ECONNRESET},  {EXO_TCP_CLOSE_WAIT, -EXO_ECONNRESET},
      {EXO_TCP_CLOSING, 0},                   {EXO_TCP_LAST_ACK, 0},
      {EXO_TCP_TIME_WAIT, 0},
  };
  for (size_t i = 0; i < EXO_ARRAY_LEN(cases); i++) {
    struct tscript t;
    ts_init(&t, NULL);
    struct exo_tcp_sock *c;
    uint32_t iss;
    uint32_t pseq = into_state(&t, &c, &iss, cases[i].state);
    /* In-window but inexact: challenge ACK, state unchanged. */
    struct exo_tcp_repr r = ts_pseg(EXO_TCP_RST, pseq + 1, 0, 0);
    ts_inject(&t, &r, NULL, 0);
    if (cases[i].state == EXO_TCP_TIME_WAIT) {
      /* TIME-WAIT has no receive window: an inexact RST is out of window, and an
       * unacceptable RST is dropped without reply (RFC 9293 3.10.7.4). */
      TS_EXPECT_NONE(&t);
    } else {
      TS_EXPECT(&t, EXO_TCP_ACK, TS_ANY, pseq, TS_ANY, 0);
    }
    EXO_CHECK_EQ(exo_tcp_state(c), cases[i].state);
    /* Exact: the connection ends, with ECONNRESET where data could still flow. */
    r.seq = pseq;
    ts_inject(&t, &r, NULL, 0);
    TS_EXPECT_NONE(&t);
    EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_CLOSED);
    EXO_CHECK_EQ(exo_tcp_take_error(c), cases[i].err);
    exo_tcp_close(c, t.now);
    EXO_CHECK_EQ(t.tcp.nsocks, 0);
    ts_fini(&t);
  }
}

EXO_TEST(address_lost_ends_connections_silently) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, "x", 1), 1);
  ts_drain(&t);
  exo_tcp_addr_lost(&t.tcp, t.now, TS_LOCAL, -EXO_ENETDOWN);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_CLOSED);
  EXO_CHECK_EQ(exo_tcp_take_error(c), -EXO_ENETDOWN);
  ts_advance(&t, 10000000);
  TS_EXPECT_NONE(&t); /* no retransmissions from a dead connection */
  exo_tcp_close(c, t.now);
  ts_fini(&t);
}
