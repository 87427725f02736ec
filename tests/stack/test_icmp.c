/* ICMP: echo replies, port unreachable and its rate limit, and errors delivered to the
 * UDP and TCP sockets they concern. */
#include "fixture.h"

EXO_TEST(echo_reply) {
  struct fx f;
  fx_init(&f);
  fx_learn_peer(&f, PEER_IP, PEER_MAC);
  uint8_t b[1600], data[1000];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)i;
  struct ipb ib = ipb_default(EXO_IP_PROTO_ICMP);
  fx_rx(&f, b, build_icmp(b, &ib, EXO_ICMP_ECHO_REQUEST, 0, 0xabcd0007, data, sizeof data));
  EXO_CHECK_EQ(fx_ntx(&f), 1);
  struct sent m;
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_icmp);
  EXO_CHECK_EQ(m.icmp.type, EXO_ICMP_ECHO_REPLY);
  EXO_CHECK_EQ(exo_icmp_echo_ident(&m.icmp), 0xabcd);
  EXO_CHECK_EQ(exo_icmp_echo_seq(&m.icmp), 7);
  EXO_CHECK_EQ(m.icmp.payload_len, sizeof data);
  EXO_CHECK_MEM(m.icmp.payload, data, sizeof data);
  EXO_CHECK_EQ(m.ip.src, OUR_IP);
  EXO_CHECK_EQ(m.ip.dst, PEER_IP);
  EXO_CHECK(exo_mac_eq(m.eth.dst, PEER_MAC));
  /* Broadcast echo is ignored; a bad checksum is counted. */
  ib.eth_dst = EXO_MAC_BROADCAST;
  ib.dst = EXO_IPV4(10, 0, 0, 255);
  fx_rx(&f, b, build_icmp(b, &ib, EXO_ICMP_ECHO_REQUEST, 0, 1, data, 8));
  EXO_CHECK_EQ(fx_ntx(&f), 1);
  ib = ipb_default(EXO_IP_PROTO_ICMP);
  size_t n = build_icmp(b, &ib, EXO_ICMP_ECHO_REQUEST, 0, 1, data, 8);
  b[14 + 20 + 8] ^= 1;
  fx_rx(&f, b, n);
  EXO_CHECK_EQ(fx_ntx(&f), 1);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->icmp_bad_checksum, 1);
  fx_fini(&f);
}

EXO_TEST(port_unreachable_and_rate_limit) {
  struct fx f;
  fx_init(&f);
  fx_learn_peer(&f, PEER_IP, PEER_MAC);
  uint8_t b[256];
  struct ipb ib = ipb_default(EXO_IP_PROTO_UDP);
  size_t n = build_udp(b, &ib, 5555, 9999, "closed!!", 8);
  fx_rx(&f, b, n);
  EXO_CHECK_EQ(fx_ntx(&f), 1);
  struct sent m;
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_icmp);
  EXO_CHECK_EQ(m.icmp.type, EXO_ICMP_DEST_UNREACH);
  EXO_CHECK_EQ(m.icmp.code, EXO_ICMP_PORT_UNREACH);
  /* The quote: the original IP header and the whole (short) datagram. */
  EXO_CHECK_EQ(m.icmp.payload_len, 20 + 8 + 8);
  EXO_CHECK_MEM(m.icmp.payload, b + 14, 36);
  /* Burst of 10, then 100 per second. */
  for (int i = 0; i < 30; i++) fx_rx(&f, b, n);
  EXO_CHECK_EQ(fx_ntx(&f), 10);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->icmp_rate_limited, 21);
  f.now += 50 * MS; /* 5 tokens */
  for (int i = 0; i < 30; i++) fx_rx(&f, b, n);
  EXO_CHECK_EQ(fx_ntx(&f), 15);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->udp_no_port, 61);
  fx_fini(&f);
}

EXO_TEST(error_delivered_to_connected_udp_only) {
  struct fx f;
  fx_init(&f);
  fx_learn_peer(&f, PEER_IP, PEER_MAC);
  struct exo_udp_sock *conn, *loose;
  EXO_CHECK_EQ(exo_udp_open(f.st, &conn), 0);
  EXO_CHECK_EQ(exo_udp_bind(conn, 0, 4000), 0);
  EXO_CHECK_EQ(exo_udp_connect(conn, PEER_IP, 53), 0);
  EXO_CHECK_EQ(exo_udp_open(f.st, &loose), 0);
  EXO_CHECK_EQ(exo_udp_bind(loose, 0, 4001), 0);
  EXO_CHECK_EQ(exo_udp_sendto(conn, f.now, "q", 1, 0, 0), 1);
  EXO_CHECK_EQ(exo_udp_sendto(loose, f.now, "q", 1, PEER_IP, 53), 1);
  size_t l0, l1;
  const uint8_t *s0 = fx_tx(&f, 0, &l0), *s1 = fx_tx(&f, 1, &l1);
  uint8_t b[256];
  struct ipb ib = ipb_default(EXO_IP_PROTO_ICMP);
  /* Errors quote our IP header plus 8 bytes of UDP. */
  fx_rx(&f, b, build_icmp(b, &ib, EXO_ICMP_DEST_UNREACH, EXO_ICMP_PORT_UNREACH, 0, s1 + 14, 28));
  EXO_CHECK_EQ(exo_udp_take_error(loose), 0);
  EXO_CHECK_EQ(exo_udp_events(conn) & EXO_EV_ERR, 0);
  fx_rx(&f, b, build_icmp(b, &ib, EXO_ICMP_DEST_UNREACH, EXO_ICMP_PORT_UNREACH, 0, s0 + 14, 28));
  EXO_CHECK(exo_udp_events(conn) & EXO_EV_ERR);
  char got[4];
  EXO_CHECK_EQ(exo_udp_recvfrom(conn, got, sizeof got, NULL, NULL, NULL), -EXO_ECONNREFUSED);
  EXO_CHECK_EQ(exo_udp_recvfrom(conn, got, sizeof got, NULL, NULL, NULL), -EXO_EAGAIN);
  fx_rx(&f, b, build_icmp(b, &ib, EXO_ICMP_DEST_UNREACH, EXO_ICMP_HOST_UNREACH, 0, s0 + 14, 28));
  EXO_CHECK_EQ(exo_udp_sendto(conn, f.now, "q", 1, 0, 0), -EXO_EHOSTUNREACH);
  EXO_CHECK_EQ(exo_udp_take_error(conn), 0);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->icmp_errors_delivered, 2);
  /* Parameter problem: EPROTO, as on Linux. */
  fx_rx(&f, b, build_icmp(b, &ib, EXO_ICMP_PARAM_PROBLEM, 0, 0, s0 + 14, 28));
  EXO_CHECK_EQ(exo_udp_take_error(conn), -EXO_EPROTO);
  /* A quote too short for the ports is malformed; one not from us is ignored. */
  fx_rx(&f, b, build_icmp(b, &ib, EXO_ICMP_DEST_UNREACH, EXO_ICMP_PORT_UNREACH, 0, s0 + 14, 24));
  EXO_CHECK_EQ(exo_stack_counters(f.st)->icmp_malformed, 1);
  fx_fini(&f);
}

EXO_TEST(error_delivered_to_tcp) {
  struct fx f;
  fx_init(&f);
  fx_learn_peer(&f, PEER_IP, PEER_MAC);
  struct exo_tcp_sock *s;
  EXO_CHECK_EQ(exo_stack_tcp_open(f.st, &s), 0);
  EXO_CHECK_EQ(exo_tcp_connect(s, f.now, PEER_IP, 80), -EXO_EINPROGRESS);
  EXO_CHECK(fx_ntx(&f) >= 1);
  struct sent m;
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_tcp && (m.tcp.flags & EXO_TCP_SYN));
  size_t l0;
  const uint8_t *syn = fx_tx(&f, 0, &l0);
  uint8_t b[256];
  struct ipb ib = ipb_default(EXO_IP_PROTO_ICMP);
  /* RFC 1122 4.2.3.9: port unreachable is a hard error; during SYN-SENT it aborts. */
  fx_rx(&f, b, build_icmp(b, &ib, EXO_ICMP_DEST_UNREACH, EXO_ICMP_PORT_UNREACH, 0, syn + 14, 28));
  EXO_CHECK_EQ(exo_stack_counters(f.st)->icmp_errors_delivered, 1);
  EXO_CHECK(exo_tcp_events(s) & EXO_TCP_EV_ERR);
  EXO_CHECK(exo_tcp_take_error(s) < 0);
  exo_tcp_close(s, f.now);
  fx_fini(&f);
}

/* Not ICMP, but the same fixture: a segment the device refuses (-EXO_ENOBUFS) is not
 * lost for good: TCP sends it again on a later poll (this TCP: at its retransmission
 * timer, as for a segment lost on the wire), and the stack keeps polling it. */
EXO_TEST(tcp_retried_after_device_full) {
  struct fx f;
  fx_init(&f);
  fx_learn_peer(&f, PEER_IP, PEER_MAC);
  struct exo_tcp_sock *s;
  EXO_CHECK_EQ(exo_stack_tcp_open(f.st, &s), 0);
  exo_capdev_set_tx_full(f.cap, true);
  int rc = exo_tcp_connect(s, f.now, PEER_IP, 80);
  EXO_CHECK(rc == -EXO_EINPROGRESS || rc == -EXO_ENOBUFS);
  EXO_CHECK_EQ(fx_ntx(&f), 0);
  EXO_CHECK(exo_stack_counters(f.st)->tx_errors >= 1);
  if (rc == -EXO_EINPROGRESS) {
    exo_capdev_set_tx_full(f.cap, false);
    /* Drive the stack by its own deadlines for at most the initial RTO (1 s). */
    uint64_t end = f.now + 1 * SEC;
    while (fx_ntx(&f) == 0) {
      uint64_t d = exo_stack_next_deadline(f.st);
      if (d > end) break;
      f.now = d > f.now ? d : f.now;
      exo_stack_poll(f.st, f.now);
    }
    EXO_CHECK_EQ(fx_ntx(&f), 1);
    struct sent m;
    EXO_CHECK(sent_at(&f, 0, &m) && m.is_tcp && (m.tcp.flags & EXO_TCP_SYN));
  }
  exo_tcp_abort(s, f.now);
  fx_fini(&f);
}
