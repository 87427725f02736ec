/* Scripted segment tests: every closing path of RFC 9293 (active, passive, simultaneous
 * close, half-close), TIME-WAIT (2 MSL, retransmitted FIN, reuse by a new SYN),
 * orphaned FIN-WAIT-2, abortive close (unread data, linger 0, abort). */
#include "tcp_script.c"

EXO_TEST(active_close_through_time_wait) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, "hello", 5), 5);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0, 1001, TS_ANY, 5);
  EXO_CHECK_EQ(exo_tcp_shutdown(c, t.now, EXO_TCP_SHUT_WR), 0);
  /* Nagle does not hold the FIN back; it goes at once after the data. */
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_FIN, s0 + 5, 1001, TS_ANY, 0);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_FIN_WAIT_1);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, "x", 1), -EXO_EPIPE);
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 6, 1000);
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_FIN_WAIT_2);
  /* Half-close: the peer still sends; we acknowledge (delayed) and deliver. */
  ts_inject(&t, &a, "data", 4);
  ts_advance(&t, 40000);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 6, 1005, TS_ANY, 0);
  struct exo_tcp_repr fin = ts_pseg(EXO_TCP_ACK | EXO_TCP_FIN, 1005, s0 + 6, 1000);
  ts_inject(&t, &fin, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 6, 1006, TS_ANY, 0);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_TIME_WAIT);
  char buf[8];
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, 8, 0), 4);
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, 8, 0), 0);
  EXO_CHECK(exo_tcp_events(c) & EXO_TCP_EV_HUP);
  /* A retransmitted FIN in TIME-WAIT: ACK it again and restart the 2 MSL timer. */
  ts_advance(&t, 30000000);
  ts_inject(&t, &fin, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 6, 1006, TS_ANY, 0);
  ts_advance(&t, 59999999);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_TIME_WAIT);
  ts_advance(&t, 1);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_CLOSED);
  EXO_CHECK_EQ(exo_tcp_take_error(c), 0);
  TS_EXPECT_NONE(&t);
  exo_tcp_close(c, t.now);
  EXO_CHECK_EQ(t.tcp.nsocks, 0);
  ts_fini(&t);
}

EXO_TEST(orphan_close_frees_after_time_wait) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  exo_tcp_close(c, t.now);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_FIN, s0, 1001, TS_ANY, 0);
  /* FIN and the ACK of ours in one segment: straight to TIME-WAIT. */
  struct exo_tcp_repr fin = ts_pseg(EXO_TCP_ACK | EXO_TCP_FIN, 1001, s0 + 1, 1000);
  ts_inject(&t, &fin, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 1, 1002, TS_ANY, 0);
  EXO_CHECK_EQ(t.tcp.nsocks, 1);
  ts_advance(&t, 60000000);
  EXO_CHECK_EQ(t.tcp.nsocks, 0);
  ts_fini(&t);
}

EXO_TEST(orphan_fin_wait_2_times_out) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  exo_tcp_close(c, t.now);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_FIN, s0, 1001, TS_ANY, 0);
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 1, 1000);
  ts_inject(&t, &a, NULL, 0);
  ts_advance(&t, 59999999);
  EXO_CHECK_EQ(t.tcp.nsocks, 1);
  ts_advance(&t, 1);
  EXO_CHECK_EQ(t.tcp.nsocks, 0);
  TS_EXPECT_NONE(&t);
  ts_fini(&t);
}

EXO_TEST(passive_close) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  struct exo_tcp_repr fin = ts_pseg(EXO_TCP_ACK | EXO_TCP_FIN | EXO_TCP_PSH, 1001, s0, 1000);
  ts_inject(&t, &fin, "bye", 3);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1005, TS_ANY, 0); /* a FIN is acknowledged at once */
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_CLOSE_WAIT);
  EXO_CHECK_EQ(exo_tcp_events(c), EXO_TCP_EV_IN | EXO_TCP_EV_OUT | EXO_TCP_EV_RDHUP);
  char buf[8];
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, 8, 0), 3);
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, 8, 0), 0);
  /* We may still send in CLOSE-WAIT. */
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, "last", 4), 4);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0, 1005, TS_ANY, 4);
  exo_tcp_close(c, t.now);
  /* The FIN is not held back by Nagle while data is unacknowledged (as Linux). */
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_FIN, s0 + 4, 1005, TS_ANY, 0);
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1005, s0 + 5, 1000);
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(t.tcp.nsocks, 0); /* LAST-ACK -> CLOSED, and the orphan is freed */
  ts_fini(&t);
}

EXO_TEST(last_ack_fin_retransmitted) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  struct exo_tcp_repr fin = ts_pseg(EXO_TCP_ACK | EXO_TCP_FIN, 1001, s0, 1000);
  ts_inject(&t, &fin, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1002, TS_ANY, 0);
  exo_tcp_close(c, t.now);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_FIN, s0, 1002, TS_ANY, 0);
  ts_advance(&t, 200000);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_FIN, s0, 1002, TS_ANY, 0);
  ts_advance(&t, 400000);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_FIN, s0, 1002, TS_ANY, 0);
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1002, s0 + 1, 1000);
  ts_inject(&t, &a, NULL, 0);
  EXO_CHECK_EQ(t.tcp.nsocks, 0);
  ts_fini(&t);
}

EXO_TEST(simultaneous_close) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  exo_tcp_shutdown(c, t.now, EXO_TCP_SHUT_WR);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_FIN, s0, 1001, TS_ANY, 0);
  /* The peer's FIN crosses ours (it has not seen our FIN). */
  struct exo_tcp_repr fin = ts_pseg(EXO_TCP_ACK | EXO_TCP_FIN, 1001, s0, 1000);
  ts_inject(&t, &fin, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 1, 1002, TS_ANY, 0);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_CLOSING);
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1002, s0 + 1, 1000);
  ts_inject(&t, &a, NULL, 0);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_TIME_WAIT);
  TS_EXPECT_NONE(&t);
  exo_tcp_close(c, t.now);
  ts_advance(&t, 60000000);
  EXO_CHECK_EQ(t.tcp.nsocks, 0);
  ts_fini(&t);
}

EXO_TEST(out_of_order_fin) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  struct exo_tcp_repr fin = ts_pseg(EXO_TCP_ACK | EXO_TCP_FIN, 1011, s0, 1000);
  ts_inject(&t, &fin, "6789012345", 10);
  struct ts_seg *a = TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001, TS_ANY, 0);
  EXO_CHECK_EQ(a->h.sack_count, 1);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_ESTABLISHED);
  struct exo_tcp_repr d = ts_pseg(EXO_TCP_ACK, 1001, s0, 1000);
  ts_inject(&t, &d, "abcdefghij", 10);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1022, TS_ANY, 0);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_CLOSE_WAIT);
  char buf[32];
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, sizeof buf, 0), 20);
  EXO_CHECK_MEM(buf, "abcdefghij6789012345", 20);
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, sizeof buf, 0), 0);
  exo_tcp_abort(c, t.now);
  TS_EXPECT(&t, EXO_TCP_RST | EXO_TCP_ACK, s0, 1022, 0, 0);
  ts_fini(&t);
}

EXO_TEST(close_with_unread_data_resets) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  struct exo_tcp_repr d = ts_pseg(EXO_TCP_ACK, 1001, s0, 1000);
  ts_inject(&t, &d, "unread", 6);
  exo_tcp_close(c, t.now);
  TS_EXPECT(&t, EXO_TCP_RST | EXO_TCP_ACK, s0, 1007, 0, 0);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(t.tcp.nsocks, 0);
  ts_fini(&t);
}

EXO_TEST(linger_zero_resets) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  EXO_CHECK_EQ(exo_tcp_setopt(c, t.now, EXO_TCP_SO_LINGER, 0), 0);
  exo_tcp_close(c, t.now);
  TS_EXPECT(&t, EXO_TCP_RST | EXO_TCP_ACK, iss + 1, 1001, 0, 0);
  EXO_CHECK_EQ(t.tcp.nsocks, 0);
  ts_fini(&t);
}

EXO_TEST(time_wait_reused_by_new_syn) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *l = exo_tcp_open(&t.tcp, NULL);
  EXO_CHECK_EQ(exo_tcp_setopt(l, t.now, EXO_TCP_SO_REUSEADDR, 1), 0);
  exo_tcp_bind(l, 0, 80);
  exo_tcp_listen(l, 4);
  struct exo_tcp_repr syn = ts_seg(EXO_TCP_SYN, 1000, 0, 65535);
  ts_inject(&t, &syn, NULL, 0);
  uint32_t iss = TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 1001, TS_ANY, 0)->h.seq;
  struct exo_tcp_repr a = ts_seg(EXO_TCP_ACK, 1001, iss + 1, 1000);
  ts_inject(&t, &a, NULL, 0);
  struct exo_tcp_sock *c;
  EXO_CHECK_EQ(exo_tcp_accept(l, &c), 0);
  exo_tcp_close(c, t.now);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_FIN, iss + 1, 1001, TS_ANY, 0);
  struct exo_tcp_repr fin = ts_seg(EXO_TCP_ACK | EXO_TCP_FIN, 1001, iss + 2, 1000);
  ts_inject(&t, &fin, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, iss + 2, 1002, TS_ANY, 0);
  /* An old SYN (seq below rcv_nxt) gets an ACK from TIME-WAIT... */
  ts_inject(&t, &syn, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, iss + 2, 1002, TS_ANY, 0);
  /* ...a new one (seq beyond) ends TIME-WAIT and opens a new connection whose ISN lies
   * beyond the old sequence space. */
  struct exo_tcp_repr syn2 = ts_seg(EXO_TCP_SYN, 900000, 0, 65535);
  ts_inject(&t, &syn2, NULL, 0);
  uint32_t iss2 = TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 900001, TS_ANY, 0)->h.seq;
  EXO_CHECK(exo_seq_ge(iss2, iss + 2 + 65536));
  EXO_CHECK_EQ(t.tcp.nsocks, 2);
  exo_tcp_close(l, t.now);
  ts_drain(&t);
  EXO_CHECK_EQ(t.tcp.nsocks, 0);
  ts_fini(&t);
}

EXO_TEST(close_with_queued_data_sends_fin_after_it) {
  struct tscript t;
  ts_init(&t, NULL);
  static uint8_t data[6000];
  struct ts_opts o = ts_default_opts();
  o.peer_window = 16; /* 2048 bytes */
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, data, 4000), 4000);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001, TS_ANY, 1448);
  TS_EXPECT_NONE(&t); /* the 600-byte rest of the window waits (sender SWS) */
  exo_tcp_close(c, t.now);
  /* FIN-WAIT-1 with data still queued: the FIN waits for it. */
  TS_EXPECT_NONE(&t);
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 1448, 16);
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 1448, 1001, TS_ANY, 1448);
  TS_EXPECT_NONE(&t); /* 600 of the 1104 left would fit: sender SWS waits */
  a.ack = s0 + 2896;
  ts_inject(&t, &a, NULL, 0);
  /* The last 1104 bytes go, and carry the FIN. */
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH | EXO_TCP_FIN, s0 + 2896, 1001, TS_ANY, 1104);
  struct exo_tcp_repr fin = ts_pseg(EXO_TCP_ACK | EXO_TCP_FIN, 1001, s0 + 4001, 16);
  ts_inject(&t, &fin, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 4001, 1002, TS_ANY, 0);
  ts_advance(&t, 60000000);
  EXO_CHECK_EQ(t.tcp.nsocks, 0);
  ts_fini(&t);
}

EXO_TEST(shutdown_read) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  struct exo_tcp_repr d = ts_pseg(EXO_TCP_ACK, 1001, iss + 1, 1000);
  ts_inject(&t, &d, "abc", 3);
  EXO_CHECK_EQ(exo_tcp_shutdown(c, t.now, EXO_TCP_SHUT_RD), 0);
  EXO_CHECK(exo_tcp_events(c) & EXO_TCP_EV_IN);
  char buf[8];
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, 8, 0), 3); /* what was buffered */
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, 8, 0), 0); /* then end of stream */
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_ESTABLISHED); /* no FIN for SHUT_RD */
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, "x", 1), 1);
  EXO_CHECK_EQ(exo_tcp_shutdown(c, t.now, 7), -EXO_EINVAL);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(close_during_simultaneous_open) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *s = exo_tcp_open(&t.tcp, NULL);
  exo_tcp_bind(s, 0, 80);
  exo_tcp_connect(s, t.now, TS_REMOTE, 5000);
  uint32_t iss = TS_EXPECT(&t, EXO_TCP_SYN, TS_ANY, 0, TS_ANY, 0)->h.seq;
  struct exo_tcp_repr psyn = ts_seg(EXO_TCP_SYN, 3000, 0, 65535);
  ts_inject(&t, &psyn, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, iss, 3001, TS_ANY, 0);
  EXO_CHECK_EQ(exo_tcp_shutdown(s, t.now, EXO_TCP_SHUT_WR), 0);
  TS_EXPECT_NONE(&t); /* the FIN waits for the handshake */
  struct exo_tcp_repr a = ts_seg(EXO_TCP_ACK, 3001, iss + 1, 65535);
  ts_inject(&t, &a, NULL, 0);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_FIN_WAIT_1);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_FIN, iss + 1, 3001, TS_ANY, 0);
  exo_tcp_abort(s, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(time_wait_gives_way_at_the_socket_limit) {
  struct tscript t;
  struct exo_tcp_config cfg;
  exo_tcp_config_default(&cfg);
  cfg.max_sockets = 2;
  ts_init(&t, &cfg);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss); /* the listener is closed */
  exo_tcp_close(c, t.now);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_FIN, iss + 1, 1001, TS_ANY, 0);
  struct exo_tcp_repr fin = ts_pseg(EXO_TCP_ACK | EXO_TCP_FIN, 1001, iss + 2, 1000);
  ts_inject(&t, &fin, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, iss + 2, 1002, TS_ANY, 0);
  EXO_CHECK_EQ(t.tcp.nsocks, 1); /* in TIME-WAIT */
  struct exo_tcp_sock *a = exo_tcp_open(&t.tcp, NULL);
  EXO_CHECK(a != NULL);
  EXO_CHECK_EQ(t.tcp.nsocks, 2);
  /* Full: the TIME-WAIT connection is reclaimed for the new socket. */
  int err = 0;
  struct exo_tcp_sock *b = exo_tcp_open(&t.tcp, &err);
  EXO_CHECK(b != NULL);
  EXO_CHECK_EQ(t.tcp.nsocks, 2);
  /* Nothing left to reclaim. */
  EXO_CHECK(exo_tcp_open(&t.tcp, &err) == NULL);
  EXO_CHECK_EQ(err, -EXO_EMFILE);
  exo_tcp_close(a, t.now);
  exo_tcp_close(b, t.now);
  ts_fini(&t);
}

EXO_TEST(data_after_close_resets) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  exo_tcp_close(c, t.now);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_FIN, iss + 1, 1001, TS_ANY, 0);
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1001, iss + 2, 1000);
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT_NONE(&t); /* FIN-WAIT-2 */
  ts_inject(&t, &a, "late", 4);
  TS_EXPECT(&t, EXO_TCP_RST | EXO_TCP_ACK, iss + 2, 1001, 0, 0);
  EXO_CHECK_EQ(t.tcp.nsocks, 0);
  ts_fini(&t);
}
