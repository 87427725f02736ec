/* Scripted segment tests: listen backlog and SYN queue limits, SYN cookies (RFC 4987)
 * with options carried in the timestamp, bad and expired cookies, listener close. */
#include "tcp_script.c"

static struct exo_tcp_sock *listener(struct tscript *t, int backlog) {
  struct exo_tcp_sock *l = exo_tcp_open(&t->tcp, NULL);
  EXO_CHECK_EQ(exo_tcp_bind(l, 0, 80), 0);
  EXO_CHECK_EQ(exo_tcp_listen(l, backlog), 0);
  return l;
}

static struct exo_tcp_repr syn_from(uint16_t port, uint32_t seq) {
  struct exo_tcp_repr s = ts_seg(EXO_TCP_SYN, seq, 0, 65535);
  s.src_port = port;
  s.has_mss = true;
  s.mss = 1460;
  s.has_wscale = true;
  s.wscale = 9;
  s.sack_permitted = true;
  s.has_timestamp = true;
  s.ts_val = 777;
  return s;
}

EXO_TEST(syn_cookies_when_syn_queue_full) {
  struct tscript t;
  struct exo_tcp_config cfg;
  exo_tcp_config_default(&cfg);
  cfg.syn_backlog = 1;
  ts_init(&t, &cfg);
  struct exo_tcp_sock *l = listener(&t, 8);
  struct exo_tcp_repr s1 = syn_from(5001, 100);
  ts_inject(&t, &s1, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 101, TS_ANY, 0);
  EXO_CHECK_EQ(t.tcp.nsocks, 2);
  /* The SYN queue is full: a cookie, and no state. */
  struct exo_tcp_repr s2 = syn_from(5002, 5000);
  ts_inject(&t, &s2, NULL, 0);
  struct ts_seg *sa = TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 5001, 65535, 0);
  EXO_CHECK_EQ(t.tcp.nsocks, 2);
  EXO_CHECK_EQ(t.tcp.stats.syncookies_sent, 1);
  EXO_CHECK(sa->h.has_mss && sa->h.mss == 1460);
  EXO_CHECK(sa->h.has_wscale && sa->h.wscale == 3);
  EXO_CHECK(sa->h.sack_permitted);
  EXO_CHECK(sa->h.has_timestamp);
  EXO_CHECK_EQ(sa->h.ts_ecr, 777);
  EXO_CHECK_EQ(sa->h.ts_val & 0x1f, 0x10 | 9); /* SACK bit + the peer's scale */
  uint32_t cookie = sa->h.seq;
  uint32_t tsv = sa->h.ts_val;
  /* A wrong cookie is refused with RST. */
  struct exo_tcp_repr bad = ts_seg(EXO_TCP_ACK, 5001, cookie + 2, 100);
  bad.src_port = 5002;
  bad.has_timestamp = true;
  bad.ts_val = 778;
  bad.ts_ecr = tsv;
  ts_inject(&t, &bad, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_RST, cookie + 2, 0, 0, 0);
  EXO_CHECK_EQ(t.tcp.stats.syncookies_failed, 1);
  /* The right one, carrying data: the connection is created established. */
  struct exo_tcp_repr ack = bad;
  ack.ack = cookie + 1;
  ack.flags = EXO_TCP_ACK | EXO_TCP_PSH;
  ts_advance(&t, 30000000);
  ts_drain(&t); /* the first (embryonic) connection's SYN-ACK retransmissions */
  ts_inject(&t, &ack, "GET", 3);
  EXO_CHECK_EQ(t.tcp.stats.syncookies_validated, 1);
  struct exo_tcp_sock *c = NULL;
  EXO_CHECK_EQ(exo_tcp_accept(l, &c), 0);
  EXO_CHECK_EQ(exo_tcp_state(c), EXO_TCP_ESTABLISHED);
  struct exo_tcp_info info;
  exo_tcp_get_info(c, &info);
  EXO_CHECK(info.sack_ok);
  EXO_CHECK(info.ts_ok);
  EXO_CHECK_EQ(info.snd_wscale, 9);
  EXO_CHECK_EQ(info.rcv_wscale, 3);
  EXO_CHECK_EQ(info.snd_mss, 1460 - 12);
  EXO_CHECK_EQ(info.snd_wnd, 100u << 9);
  char buf[4];
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, 4, 0), 3);
  EXO_CHECK_MEM(buf, "GET", 3);
  /* The read opens the window well beyond the SYN-ACK's unscaled 65535: announce it
   * (that ACK also covers the data). */
  TS_EXPECT(&t, EXO_TCP_ACK, cookie + 1, 5004, 32768, 0);
  EXO_CHECK_EQ(exo_tcp_send(c, t.now, "200", 3), 3);
  TS_EXPECT(&t, EXO_TCP_ACK | EXO_TCP_PSH, cookie + 1, 5004, TS_ANY, 3);
  /* An old cookie (more than two 64 s periods) is refused. */
  struct exo_tcp_repr s3 = syn_from(5003, 9000);
  ts_inject(&t, &s3, NULL, 0);
  struct ts_seg *sa3 = TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 9001, TS_ANY, 0);
  uint32_t cookie3 = sa3->h.seq;
  ts_advance(&t, 200000000);
  ts_drain(&t);
  struct exo_tcp_repr late = ts_seg(EXO_TCP_ACK, 9001, cookie3 + 1, 100);
  late.src_port = 5003;
  ts_inject(&t, &late, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_RST, cookie3 + 1, 0, 0, 0);
  exo_tcp_abort(c, t.now);
  exo_tcp_close(l, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(syn_cookie_without_timestamps) {
  struct tscript t;
  struct exo_tcp_config cfg;
  exo_tcp_config_default(&cfg);
  cfg.syn_backlog = 0; /* 0 means the default (128); use 1 and fill it */
  cfg.syn_backlog = 1;
  ts_init(&t, &cfg);
  struct exo_tcp_sock *l = listener(&t, 8);
  struct exo_tcp_repr s1 = syn_from(5001, 100);
  ts_inject(&t, &s1, NULL, 0);
  ts_drain(&t);
  struct exo_tcp_repr s2 = ts_seg(EXO_TCP_SYN, 5000, 0, 65535);
  s2.src_port = 5002;
  s2.has_mss = true;
  s2.mss = 1300;
  ts_inject(&t, &s2, NULL, 0);
  struct ts_seg *sa = TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 5001, TS_ANY, 0);
  EXO_CHECK(!sa->h.has_timestamp);
  EXO_CHECK(!sa->h.has_wscale);
  EXO_CHECK(!sa->h.sack_permitted);
  struct exo_tcp_repr ack = ts_seg(EXO_TCP_ACK, 5001, sa->h.seq + 1, 2000);
  ack.src_port = 5002;
  ts_inject(&t, &ack, NULL, 0);
  struct exo_tcp_sock *c = NULL;
  EXO_CHECK_EQ(exo_tcp_accept(l, &c), 0);
  struct exo_tcp_info info;
  exo_tcp_get_info(c, &info);
  EXO_CHECK_EQ(info.snd_mss, 1220); /* the largest cookie MSS <= 1300 */
  EXO_CHECK(!info.sack_ok);
  EXO_CHECK_EQ(info.rcv_wscale, 0);
  EXO_CHECK_EQ(info.snd_wnd, 2000);
  exo_tcp_abort(c, t.now);
  exo_tcp_close(l, t.now);
  ts_drain(&t);
  ts_fini(&t);
}

EXO_TEST(no_cookies_drops_when_syn_queue_full) {
  struct tscript t;
  struct exo_tcp_config cfg;
  exo_tcp_config_default(&cfg);
  cfg.syn_backlog = 1;
  cfg.syncookies = false;
  ts_init(&t, &cfg);
  struct exo_tcp_sock *l = listener(&t, 8);
  struct exo_tcp_repr s1 = syn_from(5001, 100);
  ts_inject(&t, &s1, NULL, 0);
  ts_drain(&t);
  struct exo_tcp_repr s2 = syn_from(5002, 100);
  ts_inject(&t, &s2, NULL, 0);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(t.tcp.stats.listen_drops, 1);
  /* A stray ACK to the listener draws a RST. */
  struct exo_tcp_repr a = ts_seg(EXO_TCP_ACK, 1, 2, 100);
  a.src_port = 5009;
  ts_inject(&t, &a, NULL, 0);
  TS_EXPECT(&t, EXO_TCP_RST, 2, 0, 0, 0);
  exo_tcp_close(l, t.now);
  ts_fini(&t);
}

EXO_TEST(accept_queue_full_drops_syn_and_final_ack) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *l = listener(&t, 1);
  /* One established, unaccepted connection fills the backlog. */
  struct exo_tcp_repr s1 = syn_from(5001, 100);
  ts_inject(&t, &s1, NULL, 0);
  struct ts_seg *sa = TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 101, TS_ANY, 0);
  uint32_t iss1 = sa->h.seq;
  struct exo_tcp_repr s2 = syn_from(5002, 200);
  ts_inject(&t, &s2, NULL, 0);
  sa = TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 201, TS_ANY, 0);
  uint32_t iss2 = sa->h.seq;
  struct exo_tcp_repr a1 = ts_seg(EXO_TCP_ACK, 101, iss1 + 1, 100);
  a1.src_port = 5001;
  ts_inject(&t, &a1, NULL, 0);
  EXO_CHECK_EQ(exo_tcp_events(l), EXO_TCP_EV_IN);
  /* The second final ACK finds the accept queue full: ignored (it stays embryonic). */
  struct exo_tcp_repr a2 = ts_seg(EXO_TCP_ACK, 201, iss2 + 1, 100);
  a2.src_port = 5002;
  ts_inject(&t, &a2, NULL, 0);
  TS_EXPECT_NONE(&t);
  /* And a new SYN is dropped. */
  struct exo_tcp_repr s3 = syn_from(5003, 300);
  ts_inject(&t, &s3, NULL, 0);
  TS_EXPECT_NONE(&t);
  EXO_CHECK_EQ(t.tcp.stats.listen_overflows, 2);
  struct exo_tcp_sock *c;
  EXO_CHECK_EQ(exo_tcp_accept(l, &c), 0);
  EXO_CHECK_EQ(exo_tcp_accept(l, &c), -EXO_EAGAIN);
  /* Now the retransmitted final ACK gets in. */
  ts_inject(&t, &a2, NULL, 0);
  struct exo_tcp_sock *c2;
  EXO_CHECK_EQ(exo_tcp_accept(l, &c2), 0);
  exo_tcp_abort(c, t.now);
  exo_tcp_abort(c2, t.now);
  ts_drain(&t);
  /* Closing the listener resets an unaccepted established child. */
  struct exo_tcp_repr s4 = syn_from(5004, 400);
  ts_inject(&t, &s4, NULL, 0);
  uint32_t iss4 = TS_EXPECT(&t, EXO_TCP_SYN | EXO_TCP_ACK, TS_ANY, 401, TS_ANY, 0)->h.seq;
  struct exo_tcp_repr a4 = ts_seg(EXO_TCP_ACK, 401, iss4 + 1, 100);
  a4.src_port = 5004;
  ts_inject(&t, &a4, NULL, 0);
  exo_tcp_close(l, t.now);
  struct ts_seg *r = TS_EXPECT(&t, EXO_TCP_RST | EXO_TCP_ACK, iss4 + 1, 401, 0, 0);
  EXO_CHECK_EQ(r->h.dst_port, 5004);
  ts_advance(&t, 120000000);
  ts_drain(&t);
  EXO_CHECK_EQ(t.tcp.nsocks, 0);
  ts_fini(&t);
}

EXO_TEST(embryonic_connections_hold_no_buffers) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp_sock *l = listener(&t, 8);
  size_t before = t.allocated;
  for (uint16_t i = 0; i < 100; i++) {
    struct exo_tcp_repr s = syn_from((uint16_t)(6000 + i), 100);
    ts_inject(&t, &s, NULL, 0);
  }
  EXO_CHECK_EQ(ts_pending(&t), 100);
  EXO_CHECK_EQ(t.tcp.nsocks, 101);
  /* A record each, no 256 KiB rings. */
  EXO_CHECK((t.allocated - before) / 100 < 4096);
  /* The final ACK may carry data: buffers appear then, and the data is kept. */
  struct ts_seg *sa = ts_pop(&t);
  struct exo_tcp_repr a = ts_seg(EXO_TCP_ACK | EXO_TCP_PSH, 101, sa->h.seq + 1, 100);
  a.src_port = sa->h.dst_port;
  ts_inject(&t, &a, "hello", 5);
  ts_drain(&t);
  struct exo_tcp_sock *c;
  EXO_CHECK_EQ(exo_tcp_accept(l, &c), 0);
  char buf[8];
  EXO_CHECK_EQ(exo_tcp_recv(c, t.now, buf, sizeof buf, 0), 5);
  EXO_CHECK_MEM(buf, "hello", 5);
  exo_tcp_abort(c, t.now);
  exo_tcp_close(l, t.now);
  ts_drain(&t);
  EXO_CHECK_EQ(t.tcp.nsocks, 0);
  ts_fini(&t);
}
