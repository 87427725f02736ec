/* Scripted segment tests: three-way handshakes (passive, active, simultaneous), option
 * negotiation, SYN/SYN-ACK retransmission with backoff, refused and timed-out connects. */
#include "tcp_script.c"

EXO_TEST(passive_open_negotiates_options) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *l = exo_tcp_open(&t.tcp, NULL);
  EXO_CHECK_EQ(exo_tcp_bind(l, TS_LOCAL, 80), 0);
  EXO_CHECK_EQ(exo_tcp_listen(l, 4), 0);
  EXO_CHECK_EQ(exo_tcp_state(l), EXO_TCP_LISTEN);

  struct exo_tcp_repr syn = ts_seg(EXO_TCP_SYN, 1000, 0, 65535);
  syn.has_mss = true;
  syn.mss = 1400;
  syn.has_wscale = true;
  syn.wscale = 7;
  syn.sack_permitted = true;
  syn.has_timestamp = true;
  syn.ts_val = 500;
  ts_inject(&t, &syn, NULL, 0);
  /* SYN-ACK: our MSS from the route MTU, 256 KiB buffer -> scale 3, window unscaled. */
  struct ts_seg *sa = TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 1001, 65535, 0);
  EXO_CHECK(sa->h.has_mss);
  EXO_CHECK_EQ(sa->h.mss, 1460);
  EXO_CHECK(sa->h.has_wscale);
  EXO_CHECK_EQ(sa->h.wscale, 3);
  EXO_CHECK(sa->h.sack_permitted);
  EXO_CHECK(sa->h.has_timestamp);
  EXO_CHECK_EQ(sa->h.ts_ecr, 500);
  EXO_CHECK_EQ(sa->dst, TS_REMOTE);
  EXO_CHECK_EQ(sa->src, TS_LOCAL);
  EXO_CHECK_EQ(sa->h.src_port, 80);
  EXO_CHECK_EQ(sa->h.dst_port, 5000);
  uint32_t iss = sa->h.seq;
  struct exo_tcp_sock *c = NULL;
  EXO_CHECK_EQ(exo_tcp_accept(l, &c), -EXO_EAGAIN);
  EXO_CHECK_EQ(exo_tcp_events(l), 0);

  struct exo_tcp_repr ack = ts_seg(EXO_TCP_ACK, 1001, iss + 1, 100);
  ack.has_timestamp = true;
  ack.ts_val = 501;
  ack.ts_ecr = sa->h.ts_val;
  ts_inject(&t, &ack, NULL, 0);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(exo_tcp_events(l), EXO_TCP_EV_IN);
  EXO_CHECK(t.notifies > 0);
  EXO_CHECK_EQ(exo_tcp_accept(l, &c), 0);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_ESTABLISHED);
  struct exo_tcp_info info;
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.snd_wscale, 7);
  EXO_CHECK_EQ(info.rcv_wscale, 3);
  EXO_CHECK(info.sack_ok);
  EXO_CHECK(info.ts_ok);
  EXO_CHECK_EQ(info.snd_mss, 1400 - 12);
  EXO_CHECK_EQ(info.snd_wnd, 100u << 7);
  EXO_CHECK_EQ(info.snd_cwnd, 10 * (1400 - 12));
  EXO_CHECK_EQ(exo_tcp_events(c), EXO_TCP_EV_OUT);
  uint32_t ip;
  uint16_t port;
  exo_tcp_remote(c, &ip, &port);
  EXO_CHECK_EQ(ip, TS_REMOTE);
  EXO_CHECK_EQ(port, 5000);
  exo_tcp_close(l, t.now);
  exo_tcp_abort(c, t.now);
  TS_EXPECT(&t, EXO_TCP_RST | EXO_TCP_ACK, iss + 1, 1001, 0, 0);
  ts_fini(&t);
}

EXO_TEST(passive_open_without_options) {
  struct tscript t;
  ts_init(&t, NULL);
  struct ts_opts o = {false, false, false, false, 0, 0, 8192};
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  struct exo_tcp_info info;
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.snd_mss, 536); /* RFC 9293: 536 when no MSS option */
  EXO_CHECK_EQ(info.rcv_wscale, 0);
  EXO_CHECK_EQ(info.snd_wscale, 0);
  EXO_CHECK(!info.sack_ok);
  EXO_CHECK(!info.ts_ok);
  EXO_CHECK_EQ(info.snd_wnd, 8192);
  /* With no scaling our window is capped at 65535. */
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, "x", 1), 1);
  struct ts_seg *d = TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, iss + 1, 1001, 65535, 1);
  EXO_CHECK(!d->h.has_timestamp);
  EXO_CHECK_EQ(d->h.sack_count, 0);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(active_open) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *s = exo_tcp_open(&t.tcp, NULL);
  EXO_CHECK_EQ(exo_tcp_connect(s, t.now, TS_REMOTE, 5000), -EXO_EINPROGRESS);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_SYN_SENT);
  EXO_CHECK_EQ(exo_tcp_connect(s, t.now, TS_REMOTE, 5000), -EXO_EALREADY);
  struct ts_seg *syn = TS_EXPECT(&t, EXO_TCP_SYN, TS_ANY, 0, 65535, 0);
  EXO_CHECK(syn->h.has_mss && syn->h.mss == 1460);
  EXO_CHECK(syn->h.has_wscale && syn->h.wscale == 3);
  EXO_CHECK(syn->h.sack_permitted);
  EXO_CHECK(syn->h.has_timestamp && syn->h.ts_ecr == 0);
  uint16_t lport = syn->h.src_port;
  EXO_CHECK(lport >= 32768 && lport <= 60999);
  uint32_t iss = syn->h.seq;
  EXO_CHECK_EQ(exo_tcp_events(s) & EXO_TCP_EV_OUT, 0);

  struct exo_tcp_repr sa = ts_seg(EXO_TCP_SYN | EXO_TCP_ACK, 7777, iss + 1, 29200);
  sa.src_port = 5000;
  sa.dst_port = lport;
  sa.has_mss = true;
  sa.mss = 1460;
  sa.has_wscale = true;
  sa.wscale = 7;
  sa.sack_permitted = true;
  sa.has_timestamp = true;
  sa.ts_val = 9;
  sa.ts_ecr = syn->h.ts_val;
  t.now += 30000; /* 30 ms RTT */
  ts_inject(&t, &sa, NULL, 0);
  struct ts_seg *a = TS_EXPECT(&t, EXO_TCP_ACK, iss + 1, 7778, 32768, 0);
  EXO_CHECK_EQ(a->h.ts_ecr, 9);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_ESTABLISHED);
  EXO_CHECK(exo_tcp_events(s) & EXO_TCP_EV_OUT);
  struct exo_tcp_info info;
  exo_tcp_get_info(s, &info);
  EXO_CHECK_EQ(info.rtt_us, 30000);
  EXO_CHECK_EQ(info.rttvar_us, 15000);
  EXO_CHECK_EQ(info.rto_us, 200000); /* 30 ms + 4 * 15 ms = 90 ms, clamped to 200 ms */
  EXO_CHECK_EQ(info.snd_wnd, 29200); /* the SYN-ACK's window is not scaled */
  EXO_CHECK_EQ(exo_tcp_take_error(s), 0);
  EXO_CHECK_EQ(exo_tcp_connect(s, t.now, TS_REMOTE, 5000), -EXO_EISCONN);
  EXO_CHECK_EQ(t.tcp.stats.active_opens, 1);
  exo_tcp_abort(s, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(syn_retransmits_with_backoff_then_times_out) {
  struct tscript t;
  struct exo_tcp_config cfg;
  exo_tcp_config_default(&cfg);
  cfg.syn_retries = 3;
  ts_init(&t, &cfg);
  struct exo_tcp_sock *s = exo_tcp_open(&t.tcp, NULL);
  uint64_t t0 = t.now;
  EXO_CHECK_EQ(exo_tcp_connect(s, t.now, TS_REMOTE, 5000), -EXO_EINPROGRESS);
  uint32_t iss = TS_EXPECT(&t, EXO_TCP_SYN, TS_ANY, 0, TS_ANY, 0)->h.seq;
  /* 1 s, then 2 s, then 4 s (Linux: initial RTO 1 s, doubled each time). */
  EXO_CHECK_EQ(exo_tcp_next_deadline(&t.tcp), t0 + 1000000);
  ts_advance(&t, 999999);
  TS_EXPECT_NONE(&t);
  ts_advance(&t, 1);
  TS_EXPECT(&t, EXO_TCP_SYN, iss, 0, TS_ANY, 0);
  ts_advance(&t, 2000000);
  TS_EXPECT(&t, EXO_TCP_SYN, iss, 0, TS_ANY, 0);
  ts_advance(&t, 4000000);
  TS_EXPECT(&t, EXO_TCP_SYN, iss, 0, TS_ANY, 0);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_SYN_SENT);
  ts_advance(&t, 8000000 - 1);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_SYN_SENT);
  ts_advance(&t, 1);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_CLOSED);
  EXO_CHECK(exo_tcp_events(s) & EXO_TCP_EV_ERR);
  EXO_CHECK_EQ(exo_tcp_take_error(s), -EXO_ETIMEDOUT);
  EXO_CHECK_EQ(exo_tcp_take_error(s), 0);
  EXO_CHECK_EQ(exo_tcp_next_deadline(&t.tcp), UINT64_MAX);
  exo_tcp_close(s, t.now);
  ts_fini(&t);
}

EXO_TEST(connect_refused_by_rst) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *s = exo_tcp_open(&t.tcp, NULL);
  EXO_CHECK_EQ(exo_tcp_bind(s, 0, 80), 0);
  exo_tcp_connect(s, t.now, TS_REMOTE, 5000);
  uint32_t iss = TS_EXPECT(&t, EXO_TCP_SYN, TS_ANY, 0, TS_ANY, 0)->h.seq;
  /* A RST whose ACK is wrong is ignored (RFC 9293 3.10.7.3). */
  struct exo_tcp_repr bad = ts_seg(EXO_TCP_RST | EXO_TCP_ACK, 0, iss + 5, 0);
  ts_inject(&t, &bad, NULL, 0);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_SYN_SENT);
  /* An ACK for something never sent draws a RST with seq = SEG.ACK. */
  struct exo_tcp_repr wrong = ts_seg(EXO_TCP_SYN | EXO_TCP_ACK, 55, iss + 9, 1000);
  ts_inject(&t, &wrong, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_RST, iss + 9, 0, 0, 0);
  struct exo_tcp_repr rst = ts_seg(EXO_TCP_RST | EXO_TCP_ACK, 0, iss + 1, 0);
  ts_inject(&t, &rst, NULL, 0);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_CLOSED);
  EXO_CHECK_EQ(exo_tcp_events(s), EXO_TCP_EV_IN | EXO_TCP_EV_OUT | EXO_TCP_EV_ERR |
                                       EXO_TCP_EV_HUP | EXO_TCP_EV_RDHUP);
  char b[4];
  EXO_CHECK_EQ(exo_tcp_recv(s, t.now, b, 4, 0), -EXO_ECONNREFUSED);
  EXO_CHECK_EQ(exo_tcp_recv(s, t.now, b, 4, 0), 0);
  EXO_CHECK_EQ(exo_tcp_send(s, t.now, b, 4), -EXO_EPIPE);
  exo_tcp_close(s, t.now);
  ts_fini(&t);
}

EXO_TEST(no_listener_answers_rst) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_repr syn = ts_seg(EXO_TCP_SYN, 1000, 0, 65535);
  ts_inject(&t, &syn, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_RST | EXO_TCP_ACK, 0, 1001, 0, 0);
  struct exo_tcp_repr ack = ts_seg(EXO_TCP_ACK, 1000, 4242, 65535);
  ts_inject(&t, &ack, "abc", 3);
  TS_EXPECT(&t, EXO_TCP_RST, 4242, 0, 0, 0);
  struct exo_tcp_repr rst = ts_seg(EXO_TCP_RST, 1000, 0, 0);
  ts_inject(&t, &rst, NULL, 0);
  TS_EXPECT_NONE(&t);
  /* A data segment without ACK: RST|ACK acknowledging all of it. */
  struct exo_tcp_repr d = ts_seg(EXO_TCP_FIN, 1000, 0, 0);
  ts_inject(&t, &d, "abcd", 4);
  TS_EXPECT(&t, EXO_TCP_RST | EXO_TCP_ACK, 0, 1005, 0, 0);
  EXO_CHECK_EQ(t.tcp.stats.rsts_sent, 3);
  ts_fini(&t);
}

EXO_TEST(simultaneous_open) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *s = exo_tcp_open(&t.tcp, NULL);
  EXO_CHECK_EQ(exo_tcp_bind(s, 0, 80), 0);
  exo_tcp_connect(s, t.now, TS_REMOTE, 5000);
  struct ts_seg *syn = TS_EXPECT(&t, EXO_TCP_SYN, TS_ANY, 0, TS_ANY, 0);
  uint32_t iss = syn->h.seq;
  uint32_t tsv = syn->h.ts_val;
  /* The peer's own SYN crosses ours. */
  struct exo_tcp_repr psyn = ts_seg(EXO_TCP_SYN, 3000, 0, 65535);
  psyn.has_mss = true;
  psyn.mss = 1460;
  psyn.has_timestamp = true;
  psyn.ts_val = 70;
  ts_inject(&t, &psyn, NULL, 0);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_SYN_RECEIVED);
  struct ts_seg *sa = TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, iss, 3001, TS_ANY, 0);
  EXO_CHECK(sa->h.has_timestamp);
  EXO_CHECK(!sa->h.has_wscale); /* the peer offered no scaling */
  /* The peer's SYN-ACK arrives. */
  struct exo_tcp_repr psa = ts_seg(EXO_TCP_SYN | EXO_TCP_ACK, 3000, iss + 1, 65535);
  psa.has_timestamp = true;
  psa.ts_val = 71;
  psa.ts_ecr = tsv;
  ts_inject(&t, &psa, NULL, 0);
  EXO_CHECK_EQ(exo_tcp_state(s), EXO_TCP_ESTABLISHED);
  exo_tcp_abort(s, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(synack_retransmits_and_child_expires) {
  struct tscript t;
  struct exo_tcp_config cfg;
  exo_tcp_config_default(&cfg);
  cfg.synack_retries = 2;
  ts_init(&t, &cfg);
  struct exo_tcp_sock *l = exo_tcp_open(&t.tcp, NULL);
  exo_tcp_bind(l, 0, 80);
  exo_tcp_listen(l, 4);
  struct exo_tcp_repr syn = ts_seg(EXO_TCP_SYN, 1000, 0, 65535);
  ts_inject(&t, &syn, NULL, 0);
  uint32_t iss = TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 1001, TS_ANY, 0)->h.seq;
  /* The peer retransmits its SYN: we answer with the same SYN-ACK. */
  ts_inject(&t, &syn, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, iss, 1001, TS_ANY, 0);
  ts_advance(&t, 1000000);
  TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, iss, 1001, TS_ANY, 0);
  ts_advance(&t, 2000000);
  TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, iss, 1001, TS_ANY, 0);
  ts_advance(&t, 4000000);
  TS_EXPECT_NONE(&t);
  /* The embryonic connection is gone: its ACK now meets the listener (no cookie). */
  EXO_CHECK_EQ(t.tcp.nsocks, 1);
  exo_tcp_close(l, t.now);
  ts_fini(&t);
}

EXO_TEST(rst_in_syn_received_returns_to_listen) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *l = exo_tcp_open(&t.tcp, NULL);
  exo_tcp_bind(l, 0, 80);
  exo_tcp_listen(l, 4);
  struct exo_tcp_repr syn = ts_seg(EXO_TCP_SYN, 1000, 0, 65535);
  ts_inject(&t, &syn, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 1001, TS_ANY, 0);
  EXO_CHECK_EQ(t.tcp.nsocks, 2);
  struct exo_tcp_repr rst = ts_seg(EXO_TCP_RST, 1001, 0, 0);
  ts_inject(&t, &rst, NULL, 0);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(t.tcp.nsocks, 1);
  EXO_CHECK_EQ(exo_tcp_state(l), EXO_TCP_LISTEN);
  exo_tcp_close(l, t.now);
  ts_fini(&t);
}

EXO_TEST(bind_and_ports) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *a = exo_tcp_open(&t.tcp, NULL);
  struct exo_tcp_sock *b = exo_tcp_open(&t.tcp, NULL);
  EXO_CHECK_EQ(exo_tcp_bind(a, TS_LOCAL, 80), 0);
  EXO_CHECK_EQ(exo_tcp_bind(a, TS_LOCAL, 81), -EXO_EINVAL);
  EXO_CHECK_EQ(exo_tcp_bind(b, 0, 80), -EXO_EADDRINUSE);
  EXO_CHECK_EQ(exo_tcp_bind(b, EXO_IPV4(1, 2, 3, 4), 90), -EXO_EADDRNOTAVAIL);
  EXO_CHECK_EQ(exo_tcp_bind(b, 0, 0), 0);
  uint16_t p;
  exo_tcp_local(b, NULL, &p);
  EXO_CHECK(p >= 32768 && p <= 60999);
  struct exo_tcp_sock *c = exo_tcp_open(&t.tcp, NULL);
  EXO_CHECK_EQ(exo_tcp_connect(c, t.now, EXO_IPV4(9, 9, 9, 9), 80), -EXO_ENETUNREACH);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, "x", 1), -EXO_ENOTCONN);
  char buf[2];
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, 2, 0), -EXO_ENOTCONN);
  EXO_CHECK_EQ(exo_tcp_setopt(c, t.now, 999, 1), -EXO_ENOPROTOOPT);
  EXO_CHECK_EQ(exo_tcp_setopt(c, t.now, EXO_TCP_SO_CC, 7), -EXO_EINVAL);
  EXO_CHECK_EQ(exo_tcp_setopt(c, t.now, EXO_TCP_SO_CC, EXO_TCP_CC_NEWRENO), 0);
  int v = -1;
  EXO_CHECK_EQ(exo_tcp_getopt(c, EXO_TCP_SO_CC, &v), 0);
  EXO_CHECK_EQ(v, EXO_TCP_CC_NEWRENO);
  exo_tcp_close(a, t.now);
  exo_tcp_close(b, t.now);
  exo_tcp_close(c, t.now);
  ts_fini(&t);
}
