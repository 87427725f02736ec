/* UDP sockets: bind, connect, sendto, recvfrom, broadcast, receive queue limits. */
#include "fixture.h"

EXO_TEST(bind_rules_and_ephemeral) {
  struct fx f;
  fx_init(&f);
  struct exo_udp_sock *a, *b, *c;
  EXO_CHECK_EQ(exo_udp_open(f.st, &a), 0);
  EXO_CHECK_EQ(exo_udp_open(f.st, &b), 0);
  EXO_CHECK_EQ(exo_udp_open(f.st, &c), 0);
  EXO_CHECK_EQ(exo_udp_bind(a, 0, 5000), 0);
  EXO_CHECK_EQ(exo_udp_bind(a, 0, 5001), -EXO_EINVAL);
  EXO_CHECK_EQ(exo_udp_bind(b, OUR_IP, 5000), -EXO_EADDRINUSE);
  EXO_CHECK_EQ(exo_udp_bind(b, EXO_IPV4(10, 0, 0, 9), 5002), -EXO_EADDRNOTAVAIL);
  EXO_CHECK_EQ(exo_udp_bind(b, 0, 0), 0);
  uint16_t port;
  exo_udp_getname(b, NULL, &port, NULL, NULL);
  EXO_CHECK(port >= 32768 && port <= 60999);
  EXO_CHECK_EQ(exo_udp_bind(c, OUR_IP, 5003), 0);
  exo_udp_close(a);
  EXO_CHECK_EQ(exo_udp_open(f.st, &a), 0);
  EXO_CHECK_EQ(exo_udp_bind(a, 0, 5000), 0); /* free again after close */
  fx_fini(&f);
}

EXO_TEST(sendto_recvfrom) {
  struct fx f;
  fx_init(&f);
  fx_learn_peer(&f, PEER_IP, PEER_MAC);
  struct exo_udp_sock *s;
  EXO_CHECK_EQ(exo_udp_open(f.st, &s), 0);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "x", 1, 0, 0), -EXO_EDESTADDRREQ);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "ping", 4, PEER_IP, 7), 4); /* binds ephemeral */
  struct sent m;
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_udp);
  uint16_t lport;
  exo_udp_getname(s, NULL, &lport, NULL, NULL);
  EXO_CHECK_EQ(m.udp.src_port, lport);
  EXO_CHECK_EQ(m.udp.dst_port, 7);
  EXO_CHECK_EQ(m.udp.payload_len, 4);
  EXO_CHECK_MEM(m.udp.payload, "ping", 4);
  /* Largest datagram without fragmentation: 1500 - 28. */
  static uint8_t big[1473];
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, big, 1472, PEER_IP, 7), 1472);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, big, 1473, PEER_IP, 7), -EXO_EMSGSIZE);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, big, 0, PEER_IP, 7), 0);

  uint8_t b[256];
  struct ipb ib = ipb_default(EXO_IP_PROTO_UDP);
  fx_rx(&f, b, build_udp(b, &ib, 7, lport, "pong!", 5));
  EXO_CHECK(exo_udp_events(s) & EXO_EV_READABLE);
  char got[3];
  uint32_t src;
  uint16_t sport;
  bool trunc;
  EXO_CHECK_EQ(exo_udp_recvfrom(s, got, sizeof got, &src, &sport, &trunc), 3);
  EXO_CHECK(trunc);
  EXO_CHECK_MEM(got, "pon", 3);
  EXO_CHECK_EQ(src, PEER_IP);
  EXO_CHECK_EQ(sport, 7);
  EXO_CHECK_EQ(exo_udp_recvfrom(s, got, sizeof got, &src, &sport, &trunc), -EXO_EAGAIN);
  EXO_CHECK_EQ(exo_udp_events(s) & EXO_EV_READABLE, 0);
  /* Bad UDP checksum: dropped and counted. */
  size_t n = build_udp(b, &ib, 7, lport, "pong!", 5);
  b[14 + 20 + 8] ^= 0x40;
  fx_rx(&f, b, n);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->udp_bad_checksum, 1);
  /* A length field past the datagram: malformed. */
  n = build_udp(b, &ib, 7, lport, "pong!", 5);
  exo_wr16(b + 14 + 20 + 4, 200);
  fx_rx(&f, b, n);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->udp_malformed, 1);
  fx_fini(&f);
}

EXO_TEST(connect_filters_and_defaults) {
  struct fx f;
  fx_init(&f);
  fx_learn_peer(&f, PEER_IP, PEER_MAC);
  struct exo_udp_sock *s, *w;
  EXO_CHECK_EQ(exo_udp_open(f.st, &w), 0);
  EXO_CHECK_EQ(exo_udp_bind(w, 0, 6000), 0);
  EXO_CHECK_EQ(exo_udp_open(f.st, &s), 0);
  EXO_CHECK_EQ(exo_udp_connect(s, PEER_IP, 0), -EXO_EINVAL);
  EXO_CHECK_EQ(exo_udp_connect(s, PEER_IP, 53), 0);
  uint32_t ra;
  uint16_t rp, lp;
  exo_udp_getname(s, NULL, &lp, &ra, &rp);
  EXO_CHECK_EQ(ra, PEER_IP);
  EXO_CHECK_EQ(rp, 53);
  EXO_CHECK(lp != 0);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "q", 1, 0, 0), 1);
  uint8_t b[256];
  char got[8];
  struct ipb ib = ipb_default(EXO_IP_PROTO_UDP);
  /* From another port of the peer: not for the connected socket (and no one else). */
  fx_rx(&f, b, build_udp(b, &ib, 54, lp, "no", 2));
  EXO_CHECK_EQ(exo_udp_recvfrom(s, got, sizeof got, NULL, NULL, NULL), -EXO_EAGAIN);
  fx_rx(&f, b, build_udp(b, &ib, 53, lp, "yes", 3));
  EXO_CHECK_EQ(exo_udp_recvfrom(s, got, sizeof got, NULL, NULL, NULL), 3);
  /* Disconnect: anyone may send again. */
  EXO_CHECK_EQ(exo_udp_connect(s, 0, 0), 0);
  fx_rx(&f, b, build_udp(b, &ib, 54, lp, "any", 3));
  EXO_CHECK_EQ(exo_udp_recvfrom(s, got, sizeof got, NULL, NULL, NULL), 3);
  fx_fini(&f);
}

EXO_TEST(broadcast_needs_option) {
  struct fx f;
  fx_init(&f);
  struct exo_udp_sock *s;
  EXO_CHECK_EQ(exo_udp_open(f.st, &s), 0);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "b", 1, EXO_IPV4_BROADCAST, 67), -EXO_EACCES);
  EXO_CHECK_EQ(exo_udp_connect(s, EXO_IPV4(10, 0, 0, 255), 67), -EXO_EACCES);
  EXO_CHECK_EQ(exo_udp_setopt(s, EXO_UDP_OPT_BROADCAST, 1), 0);
  EXO_CHECK_EQ(exo_udp_setopt(s, 999, 1), -EXO_ENOPROTOOPT);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "b", 1, EXO_IPV4_BROADCAST, 67), 1);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "d", 1, EXO_IPV4(10, 0, 0, 255), 67), 1);
  EXO_CHECK_EQ(fx_ntx(&f), 2); /* no ARP for broadcasts */
  struct sent m;
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_udp);
  EXO_CHECK(exo_mac_is_broadcast(m.eth.dst));
  EXO_CHECK_EQ(m.ip.dst, EXO_IPV4_BROADCAST);
  EXO_CHECK(sent_at(&f, 1, &m) && m.is_udp);
  EXO_CHECK(exo_mac_is_broadcast(m.eth.dst));
  EXO_CHECK_EQ(m.ip.dst, EXO_IPV4(10, 0, 0, 255));
  /* Without an address, a DHCP-style broadcast from 0.0.0.0 still goes out. */
  EXO_CHECK_EQ(exo_stack_set_addr(f.st, f.now, 0, 0, 0), 0);
  exo_capdev_tx_clear(f.cap);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "dhcp", 4, EXO_IPV4_BROADCAST, 67), 4);
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_udp);
  EXO_CHECK_EQ(m.ip.src, 0);
  fx_fini(&f);
}

EXO_TEST(receive_queue_limit) {
  struct fx f;
  fx_init(&f);
  struct exo_udp_sock *s;
  EXO_CHECK_EQ(exo_udp_open(f.st, &s), 0);
  EXO_CHECK_EQ(exo_udp_bind(s, 0, 7000), 0);
  EXO_CHECK_EQ(exo_udp_setopt(s, EXO_UDP_OPT_RCVBUF, 4096), 0);
  uint8_t b[1600], data[1000];
  memset(data, 'q', sizeof data);
  struct ipb ib = ipb_default(EXO_IP_PROTO_UDP);
  size_t n = build_udp(b, &ib, 9, 7000, data, sizeof data);
  for (int i = 0; i < 10; i++) fx_rx(&f, b, n);
  int got = 0;
  uint8_t out[1000];
  while (exo_udp_recvfrom(s, out, sizeof out, NULL, NULL, NULL) == 1000) got++;
  EXO_CHECK(got >= 3 && got <= 4);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->udp_queue_full, (uint64_t)(10 - got));
  /* Drained: room again. */
  fx_rx(&f, b, n);
  EXO_CHECK_EQ(exo_udp_recvfrom(s, out, sizeof out, NULL, NULL, NULL), 1000);
  /* Many empty datagrams still cannot queue without bound. */
  n = build_udp(b, &ib, 9, 7000, data, 0);
  for (int i = 0; i < 1000; i++) fx_rx(&f, b, n);
  got = 0;
  while (exo_udp_recvfrom(s, out, sizeof out, NULL, NULL, NULL) == 0) got++;
  EXO_CHECK(got > 0 && got < 1000);
  fx_fini(&f);
}

EXO_TEST(socket_table_limit) {
  struct fx f;
  struct exo_stack_config c = fx_config();
  c.udp_max_socks = 4;
  fx_init_cfg(&f, &c);
  struct exo_udp_sock *s[5];
  for (int i = 0; i < 4; i++) EXO_CHECK_EQ(exo_udp_open(f.st, &s[i]), 0);
  EXO_CHECK_EQ(exo_udp_open(f.st, &s[4]), -EXO_EMFILE);
  exo_udp_close(s[2]);
  EXO_CHECK_EQ(exo_udp_open(f.st, &s[4]), 0);
  fx_fini(&f);
}
