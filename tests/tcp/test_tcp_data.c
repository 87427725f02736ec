/* Scripted segment tests: data transfer, congestion window, Nagle, delayed ACKs,
 * out-of-order reception with SACK generation, window scaling and zero windows, PAWS. */
#include "tcp_script.c"

/* A segment from the peer with a timestamp (the connection negotiated them). */
static uint8_t pattern[300000];
static void fill_pattern(void) {
  for (size_t i = 0; i < sizeof pattern; i++) pattern[i] = (uint8_t)(i * 7 + (i >> 8));
}

EXO_TEST(send_respects_cwnd_and_nagle) {
  struct tscript t;
  ts_init(&t, NULL);
  fill_pattern();
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 20000), 20000);
  /* Initial window: 10 segments of 1448 (MSS 1460 - 12 bytes of timestamps). */
  for (int k = 0; k < 10; k++) {
    struct ts_seg *d = TS_EXPECT(&t, EXO_TCP_ACK, s0 + 1448u * k, 1001, 32768, 1448);
    EXO_CHECK_MEM(d->data, pattern + 1448 * k, 1448);
    EXO_CHECK(d->h.has_timestamp);
    EXO_CHECK_EQ(d->h.ts_ecr, 501);
  }
  TS_EXPECT_NONE(&t);
  struct exo_tcp_info info;
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.pipe, 14480);
  EXO_CHECK_EQ(info.unacked, 14480);
  /* ACK of two segments: slow start grows cwnd by 2896, pipe drops by 2896: four more
   * segments fit. The fourth is the small tail (1176 bytes); no other small segment is
   * in flight, so Nagle (Minshall's form) lets it go, with PSH. */
  t.now += 10000;
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 2896, 1000);
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 14480, 1001, 32768, 1448);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 15928, 1001, 32768, 1448);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 17376, 1001, 32768, 1448);
  struct ts_seg *d = TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0 + 18824, 1001, 32768, 1176);
  EXO_CHECK_MEM(d->data, pattern + 18824, 1176);
  TS_EXPECT_NONE(&t);
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.snd_cwnd, 12 * 1448);
  /* Samples: ~0 from the handshake (the script answered at once), then 10 ms. */
  EXO_CHECK_EQ(info.rtt_us, (7 * 1 + 10000) / 8);
  /* A small write while the small tail is unacknowledged waits (Nagle), and later
   * small writes coalesce with it. */
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, "ab", 2), 2);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, "cd", 2), 2);
  TS_EXPECT_NONE(&t);
  a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 18824, 1000); /* the tail is still out */
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT_NONE(&t);
  a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 20000, 1000);
  ts_inject(&t, &a, NULL, 0);
  d = TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0 + 20000, 1001, 32768, 4);
  EXO_CHECK_MEM(d->data, "abcd", 4);
  /* ...unless TCP_NODELAY is set. */
  EXO_CHECK_EQ(exo_tcp_setopt(c, t.now, EXO_TCP_SO_NODELAY, 1), 0);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, "e", 1), 1);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0 + 20004, 1001, 32768, 1);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, "f", 1), 1);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0 + 20005, 1001, 32768, 1);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(peer_window_limits_sending) {
  struct tscript t;
  ts_init(&t, NULL);
  fill_pattern();
  struct ts_opts o = ts_default_opts();
  o.peer_window = 20; /* 20 << 7 = 2560 bytes */
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 5000), 5000);
  /* One full segment; the window's remainder (1112 bytes) is less than half the
   * largest window seen, and data is in flight: sender SWS avoidance holds it. */
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001, TS_ANY, 1448);
  TS_EXPECT_NONE(&t);
  struct exo_tcp_repr a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 1448, 20);
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 1448, 1001, TS_ANY, 1448);
  TS_EXPECT_NONE(&t);
  a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 2896, 20);
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 2896, 1001, TS_ANY, 1448);
  /* The 656-byte tail fits the window and no small segment is out: it goes too. */
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0 + 4344, 1001, TS_ANY, 656);
  TS_EXPECT_NONE(&t);
  /* A window that is closed with nothing in flight: a small segment may go at once
   * when it is everything (the window's fraction rule does not stall an idle sender). */
  a = ts_pseg(EXO_TCP_ACK, 1001, s0 + 5000, 20);
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT_NONE(&t);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(delayed_ack_and_every_second_segment) {
  struct tscript t;
  ts_init(&t, NULL);
  fill_pattern();
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  struct exo_tcp_repr d = ts_pseg(EXO_TCP_ACK | EXO_TCP_PSH, 1001, s0, 1000);
  ts_inject(&t, &d, pattern, 100);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(exo_tcp_events(c), EXO_TCP_EV_IN | EXO_TCP_EV_OUT);
  ts_advance(&t, 39999);
  TS_EXPECT_NONE(&t);
  ts_advance(&t, 1);
  struct ts_seg *a = TS_EXPECT(&t, EXO_TCP_ACK, s0, 1101, 32755, 0); /* (262144-100)>>3 */
  EXO_CHECK_EQ(a->h.ts_ecr, 600);
  EXO_CHECK_EQ(t.tcp.stats.delayed_acks, 1);
  /* Full-sized segments: the second one is acknowledged at once. */
  d = ts_pseg(EXO_TCP_ACK, 1101, s0, 1000);
  ts_inject(&t, &d, pattern + 100, 1448);
  TS_EXPECT_NONE(&t);
  d.seq = 1101 + 1448;
  ts_inject(&t, &d, pattern + 1548, 1448);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1101 + 2896, TS_ANY, 0);
  uint8_t buf[4000];
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, sizeof buf, EXO_TCP_RECV_PEEK), 2996);
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, sizeof buf, 0), 2996);
  EXO_CHECK_MEM(buf, pattern, 2996);
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, sizeof buf, 0), -EXO_EAGAIN);
  /* Quick ACK mode acknowledges every segment. */
  exo_tcp_setopt(c, t.now, EXO_TCP_SO_QUICKACK, 1);
  d.seq = 1101 + 2896;
  ts_inject(&t, &d, pattern, 10);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 1101 + 2906, (262144 - 10) >> 3, 0);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(out_of_order_generates_sack) {
  struct tscript t;
  ts_init(&t, NULL);
  fill_pattern();
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  struct exo_tcp_repr d = ts_pseg(EXO_TCP_ACK, 1001 + 1000, s0, 1000);
  ts_inject(&t, &d, pattern + 1000, 500);
  struct ts_seg *a = TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001, TS_ANY, 0);
  EXO_CHECK_EQ(a->h.sack_count, 1);
  EXO_CHECK_EQ(a->h.sack[0].left, 2001);
  EXO_CHECK_EQ(a->h.sack[0].right, 2501);
  EXO_CHECK_EQ(exo_tcp_events(c) & EXO_TCP_EV_IN, 0);
  /* A second island: the newest block first (RFC 2018 4). */
  d.seq = 1001 + 3000;
  ts_inject(&t, &d, pattern + 3000, 200);
  a = TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001, TS_ANY, 0);
  EXO_CHECK_EQ(a->h.sack_count, 2);
  EXO_CHECK_EQ(a->h.sack[0].left, 4001);
  EXO_CHECK_EQ(a->h.sack[0].right, 4201);
  EXO_CHECK_EQ(a->h.sack[1].left, 2001);
  EXO_CHECK_EQ(a->h.sack[1].right, 2501);
  /* Bridging data merges blocks. */
  d.seq = 1001 + 1500;
  ts_inject(&t, &d, pattern + 1500, 1500);
  a = TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001, TS_ANY, 0);
  EXO_CHECK_EQ(a->h.sack_count, 1);
  EXO_CHECK_EQ(a->h.sack[0].left, 2001);
  EXO_CHECK_EQ(a->h.sack[0].right, 4201);
  /* The hole fills: one immediate ACK for everything, no SACK. */
  d.seq = 1001;
  ts_inject(&t, &d, pattern, 1000);
  a = TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001 + 3200, TS_ANY, 0);
  EXO_CHECK_EQ(a->h.sack_count, 0);
  uint8_t buf[4000];
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, sizeof buf, 0), 3200);
  EXO_CHECK_MEM(buf, pattern, 3200);
  /* A duplicate of old data draws an immediate ACK with a D-SACK block (RFC 2883). */
  d.seq = 1001;
  ts_inject(&t, &d, pattern, 100);
  a = TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001 + 3200, TS_ANY, 0);
  EXO_CHECK_EQ(a->h.sack_count, 1);
  EXO_CHECK_EQ(a->h.sack[0].left, 1001);
  EXO_CHECK_EQ(a->h.sack[0].right, 1101);
  /* Partly old, partly new: the old part is reported, the new part taken; the D-SACK
   * goes once. */
  d.seq = 1001 + 3100;
  ts_inject(&t, &d, pattern + 3100, 200);
  a = TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001 + 3300, TS_ANY, 0);
  EXO_CHECK_EQ(a->h.sack_count, 1);
  EXO_CHECK_EQ(a->h.sack[0].left, 1001 + 3100);
  EXO_CHECK_EQ(a->h.sack[0].right, 1001 + 3200);
  d.seq = 1001 + 3300;
  ts_inject(&t, &d, pattern + 3300, 2000);
  a = TS_EXPECT(&t, EXO_TCP_ACK, s0, 1001 + 5300, TS_ANY, 0);
  EXO_CHECK_EQ(a->h.sack_count, 0);
  EXO_CHECK_EQ(t.tcp.stats.ooo_segments, 3);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(zero_receive_window_and_update) {
  struct tscript t;
  ts_init(&t, NULL);
  fill_pattern();
  struct exo_tcp_sock *l = exo_tcp_open(&t.tcp, NULL);
  EXO_CHECK_EQ(exo_tcp_setopt(l, t.now, EXO_TCP_SO_RCVBUF, 4096), 0);
  exo_tcp_bind(l, 0, 80);
  exo_tcp_listen(l, 1);
  struct exo_tcp_repr syn = ts_seg(EXO_TCP_SYN, 1000, 0, 65535);
  syn.has_wscale = true;
  syn.wscale = 2;
  ts_inject(&t, &syn, NULL, 0);
  struct ts_seg *sa = TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 1001, 4096, 0);
  EXO_CHECK(sa->h.has_wscale);
  EXO_CHECK_EQ(sa->h.wscale, 0);
  uint32_t s0 = sa->h.seq + 1;
  struct exo_tcp_repr a = ts_seg(EXO_TCP_ACK, 1001, s0, 1000);
  ts_inject(&t, &a, NULL, 0);
  struct exo_tcp_sock *c;
  EXO_CHECK_EQ(exo_tcp_accept(l, &c), 0);
  a.seq = 1001;
  ts_inject(&t, &a, pattern, 1000);
  TS_EXPECT_NONE(&t);
  a.seq = 2001;
  ts_inject(&t, &a, pattern + 1000, 3096);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 5097, 0, 0); /* full: window 0 */
  /* Data beyond the window is not accepted; a zero-window probe gets an ACK. */
  a.seq = 5097;
  ts_inject(&t, &a, pattern, 1);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 5097, 0, 0);
  uint8_t buf[5000];
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, 1000, 0), 1000);
  /* 1000 bytes free < min(4096/2, 1460): no update yet (receiver SWS avoidance). */
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf + 1000, 5000, 0), 3096);
  EXO_CHECK_MEM(buf, pattern, 4096);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 5097, 4096, 0);
  exo_tcp_close(l, t.now);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(paws_rejects_old_timestamps) {
  struct tscript t;
  ts_init(&t, NULL);
  fill_pattern();
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  struct exo_tcp_repr d = ts_pseg(EXO_TCP_ACK, 1001, s0, 1000);
  d.ts_val = 1000;
  ts_inject(&t, &d, pattern, 10);
  TS_EXPECT_NONE(&t);
  /* An old duplicate with an older timestamp: dropped, answered with an ACK. */
  d.seq = 1011;
  d.ts_val = 999;
  ts_inject(&t, &d, pattern + 10, 10);
  struct ts_seg *a = TS_EXPECT(&t, EXO_TCP_ACK, s0, 1011, TS_ANY, 0);
  EXO_CHECK_EQ(a->h.ts_ecr, 1000);
  EXO_CHECK_EQ(t.tcp.stats.paws_rejected, 1);
  EXO_CHECK_EQ(exo_tcp_readable(c), 10);
  /* Timestamps wrap modulo 2^32: 0x80000000 after 1000 is "newer" by less than 2^31. */
  d.ts_val = 1000 + 0x7fffffffu;
  ts_inject(&t, &d, pattern + 10, 10);
  EXO_CHECK_EQ(exo_tcp_readable(c), 20);
  /* A RST is not subject to PAWS (RFC 7323 5.3 R1). */
  struct exo_tcp_repr r = ts_pseg(EXO_TCP_RST, 1021, 0, 0);
  r.ts_val = 5;
  ts_inject(&t, &r, NULL, 0);
  ts_drain(&t);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_CLOSED);
  EXO_CHECK_EQ(exo_tcp_take_error(c), -EXO_ECONNRESET);
  exo_tcp_close(c, t.now);
  ts_fini(&t);
}

EXO_TEST(device_full_retries_later) {
  struct tscript t;
  ts_init(&t, NULL);
  fill_pattern();
  struct ts_opts o = ts_default_opts();
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  uint32_t s0 = iss + 1;
  t.output_rc = -EXO_ENOBUFS;
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 100), 100);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(t.tcp.stats.output_errors, 1);
  /* The retry is 1 ms later, not a busy loop. */
  EXO_CHECK_EQ(exo_tcp_next_deadline(&t.tcp), t.now + 1000);
  t.output_rc = 0;
  ts_advance(&t, 1000);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0, 1001, TS_ANY, 100);
  TS_EXPECT_NONE(&t);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(send_buffer_full_and_events) {
  struct tscript t;
  struct exo_tcp_config cfg;
  exo_tcp_config_default(&cfg);
  cfg.sndbuf = 4096;
  ts_init(&t, &cfg);
  fill_pattern();
  struct ts_opts o = ts_default_opts();
  o.peer_window = 0; /* the peer's window is closed: nothing leaves the buffer */
  uint32_t iss;
  struct exo_tcp_sock *c = ts_passive_open(&t, &o, &iss);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 10000), 4096);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 10), -EXO_EAGAIN);
  EXO_CHECK_EQ(exo_tcp_events(c) & EXO_TCP_EV_OUT, 0);
  TS_EXPECT_NONE(&t);
  /* The window opens; data leaves and is acknowledged: writable again, and notified. */
  unsigned n0 = t.notifies;
  struct exo_tcp_repr a = ts_seg(EXO_TCP_ACK, 1001, iss + 1, 100);
  a.has_timestamp = true;
  a.ts_val = 600;
  ts_inject(&t, &a, NULL, 0);
  /* Two full segments and the 1200-byte tail. */
  EXO_CHECK_EQ(ts_pending(&t), 3);
  ts_drain(&t);
  a.ack = iss + 1 + 4096;
  ts_inject(&t, &a, NULL, 0);
  EXO_CHECK(t.notifies > n0);
  EXO_CHECK(t.last_notified == c);
  EXO_CHECK(t.last_events & EXO_TCP_EV_OUT);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 10), 10);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(zero_window_still_takes_acks) {
  struct tscript t;
  ts_init(&t, NULL);
  fill_pattern();
  struct exo_tcp_sock *l = exo_tcp_open(&t.tcp, NULL);
  EXO_CHECK_EQ(exo_tcp_setopt(l, t.now, EXO_TCP_SO_RCVBUF, 2048), 0);
  exo_tcp_bind(l, 0, 80);
  exo_tcp_listen(l, 1);
  struct exo_tcp_repr syn = ts_seg(EXO_TCP_SYN, 1000, 0, 65535);
  ts_inject(&t, &syn, NULL, 0);
  uint32_t s0 = TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 1001, 2048, 0)->h.seq + 1;
  struct exo_tcp_repr a = ts_seg(EXO_TCP_ACK, 1001, s0, 8000);
  ts_inject(&t, &a, NULL, 0);
  struct exo_tcp_sock *c;
  EXO_CHECK_EQ(exo_tcp_accept(l, &c), 0);
  ts_inject(&t, &a, pattern, 2048); /* fills our window */
  ts_advance(&t, 40000);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 3049, 0, 0);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, pattern, 500), 500);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, s0, 3049, 0, 500);
  /* The peer's next data segment cannot be taken, but its ACK of our data counts. */
  a.seq = 3049;
  a.ack = s0 + 500;
  ts_inject(&t, &a, pattern, 100);
  TS_EXPECT(&t, EXO_TCP_ACK, s0 + 500, 3049, 0, 0);
  struct exo_tcp_info info;
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.unacked, 0);
  EXO_CHECK_EQ(exo_tcp_readable(c), 2048);
  exo_tcp_close(l, t.now);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(window_scaling_advertisement_and_trim) {
  struct tscript t;
  ts_init(&t, NULL);
  fill_pattern();
  struct exo_tcp_sock *l = exo_tcp_open(&t.tcp, NULL);
  EXO_CHECK_EQ(exo_tcp_setopt(l, t.now, EXO_TCP_SO_RCVBUF, 100000), 0);
  exo_tcp_bind(l, 0, 80);
  exo_tcp_listen(l, 1);
  struct exo_tcp_repr syn = ts_seg(EXO_TCP_SYN, 1000, 0, 65535);
  syn.has_wscale = true;
  syn.wscale = 14;
  ts_inject(&t, &syn, NULL, 0);
  /* 100000 needs a shift of 1; the SYN-ACK's own window is unscaled (capped). */
  struct ts_seg *sa = TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 1001, 65535, 0);
  EXO_CHECK_EQ(sa->h.wscale, 1);
  uint32_t s0 = sa->h.seq + 1;
  struct exo_tcp_repr a = ts_seg(EXO_TCP_ACK, 1001, s0, 2);
  ts_inject(&t, &a, NULL, 0);
  struct exo_tcp_sock *c;
  EXO_CHECK_EQ(exo_tcp_accept(l, &c), 0);
  struct exo_tcp_info info;
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.snd_wnd, 2u << 14); /* the peer's shift of 14 applies */
  /* 1001 bytes in: the window (98999) is advertised as 98999 >> 1 = 49499. */
  ts_inject(&t, &a, pattern, 1001);
  ts_advance(&t, 40000);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 2002, 49499, 0);
  /* Data beyond the right edge is trimmed to it: the buffer's last 98999 bytes are
   * taken (up to sequence 2002 + 98999), not a byte more. */
  uint8_t *big = calloc(1, 100000);
  a.seq = 2002;
  ts_inject(&t, &a, big, 99500);
  TS_EXPECT(&t, EXO_TCP_ACK, s0, 2002 + 98999, 0, 0);
  EXO_CHECK_EQ(exo_tcp_readable(c), 100000);
  free(big);
  exo_tcp_close(l, t.now);
  exo_tcp_abort(c, t.now);
  ts_drain(&t);
  ts_fini(&t);
}
