/* ARP: resolution, queueing, retries with backoff, expiry, replies, gratuitous ARP,
 * rate limits, and what must not create cache entries. */
#include "fixture.h"

static const struct exo_mac ZERO = {{0}};

static struct exo_udp_sock *udp_sock(struct fx *f) {
  struct exo_udp_sock *s;
  EXO_CHECK_EQ(exo_udp_open(f->st, &s), 0);
  EXO_CHECK_EQ(exo_udp_bind(s, 0, 4000), 0);
  return s;
}

EXO_TEST(resolution_queues_then_sends) {
  struct fx f;
  fx_init(&f);
  struct exo_udp_sock *s = udp_sock(&f);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "hello", 5, PEER_IP, 7), 5);
  EXO_CHECK_EQ(fx_ntx(&f), 1);
  struct sent m;
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_arp);
  EXO_CHECK_EQ(m.arp.operation, EXO_ARP_REQUEST);
  EXO_CHECK(exo_mac_is_broadcast(m.eth.dst));
  EXO_CHECK_EQ(m.arp.target_ip, PEER_IP);
  EXO_CHECK_EQ(m.arp.sender_ip, OUR_IP);
  EXO_CHECK(exo_mac_eq(m.arp.sender_mac, OUR_MAC));
  EXO_CHECK_EQ(exo_stack_arp_lookup(f.st, f.now, PEER_IP, NULL), -EXO_ENOENT);
  /* A second datagram waits too: no second request before the retry time. */
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "world", 5, PEER_IP, 7), 5);
  EXO_CHECK_EQ(fx_ntx(&f), 1);

  uint8_t b[64];
  size_t n = build_arp(b, EXO_ARP_REPLY, OUR_MAC, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP);
  fx_rx(&f, b, n);
  EXO_CHECK_EQ(fx_ntx(&f), 3);
  EXO_CHECK(sent_at(&f, 1, &m) && m.is_udp);
  EXO_CHECK(exo_mac_eq(m.eth.dst, PEER_MAC));
  EXO_CHECK_MEM(m.udp.payload, "hello", 5);
  EXO_CHECK(sent_at(&f, 2, &m) && m.is_udp);
  EXO_CHECK_MEM(m.udp.payload, "world", 5);
  struct exo_mac got;
  EXO_CHECK_EQ(exo_stack_arp_lookup(f.st, f.now, PEER_IP, &got), 0);
  EXO_CHECK(exo_mac_eq(got, PEER_MAC));
  /* Resolved: the next datagram goes straight out. */
  exo_capdev_tx_clear(f.cap);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "x", 1, PEER_IP, 7), 1);
  EXO_CHECK_EQ(fx_ntx(&f), 1);
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_udp);
  fx_fini(&f);
}

EXO_TEST(queue_limit_keeps_newest) {
  struct fx f;
  struct exo_stack_config c = fx_config();
  c.arp_queue_len = 3;
  fx_init_cfg(&f, &c);
  struct exo_udp_sock *s = udp_sock(&f);
  for (int i = 0; i < 5; i++) {
    char d = (char)('a' + i);
    EXO_CHECK_EQ(exo_udp_sendto(s, f.now, &d, 1, PEER_IP, 7), 1);
  }
  EXO_CHECK_EQ(exo_stack_counters(f.st)->arp_queue_drops, 2);
  uint8_t b[64];
  size_t n = build_arp(b, EXO_ARP_REPLY, OUR_MAC, PEER_MAC, PEER_IP, OUR_MAC, OUR_IP);
  fx_rx(&f, b, n);
  EXO_CHECK_EQ(fx_ntx(&f), 4); /* request + 3 queued */
  struct sent m;
  for (int i = 0; i < 3; i++) {
    EXO_CHECK(sent_at(&f, 1 + (size_t)i, &m) && m.is_udp);
    EXO_CHECK_EQ(m.udp.payload[0], 'c' + i);
  }
  fx_fini(&f);
}

EXO_TEST(retries_back_off_then_fail) {
  struct fx f;
  fx_init(&f);
  struct exo_udp_sock *s = udp_sock(&f);
  uint64_t t0 = f.now;
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "a", 1, PEER_IP, 7), 1);
  EXO_CHECK_EQ(fx_ntx(&f), 1);
  /* Default: first retry after 1 s, then 2 s; three requests in all, then give up 4 s
   * after the last. */
  EXO_CHECK_EQ(exo_stack_next_deadline(f.st), t0 + 1 * SEC);
  fx_advance(&f, 1 * SEC - 1);
  EXO_CHECK_EQ(fx_ntx(&f), 1);
  fx_advance(&f, 1);
  EXO_CHECK_EQ(fx_ntx(&f), 2);
  EXO_CHECK_EQ(exo_stack_next_deadline(f.st), t0 + 3 * SEC);
  fx_advance(&f, 2 * SEC);
  EXO_CHECK_EQ(fx_ntx(&f), 3);
  EXO_CHECK_EQ(exo_stack_next_deadline(f.st), t0 + 7 * SEC);
  struct sent m;
  for (size_t i = 0; i < 3; i++) {
    EXO_CHECK(sent_at(&f, i, &m) && m.is_arp);
    EXO_CHECK_EQ(m.arp.target_ip, PEER_IP);
  }
  EXO_CHECK_EQ(exo_stack_counters(f.st)->arp_requests_tx, 3);
  fx_advance(&f, 4 * SEC);
  EXO_CHECK_EQ(fx_ntx(&f), 3);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->arp_failed, 1);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->arp_queue_drops, 1);
  EXO_CHECK_EQ(exo_stack_next_deadline(f.st), UINT64_MAX);
  fx_fini(&f);
}

EXO_TEST(expiry_unused_and_probe_when_used) {
  struct fx f;
  fx_init(&f);
  fx_learn_peer(&f, PEER_IP, PEER_MAC);
  EXO_CHECK_EQ(exo_stack_arp_lookup(f.st, f.now, PEER_IP, NULL), 0);
  /* Unused for the whole lifetime (60 s): gone, silently. */
  fx_advance(&f, 60 * SEC);
  EXO_CHECK_EQ(exo_stack_arp_lookup(f.st, f.now, PEER_IP, NULL), -EXO_ENOENT);
  EXO_CHECK_EQ(fx_ntx(&f), 0);

  /* Used: at expiry it is re-confirmed with a request while still in use. */
  fx_learn_peer(&f, PEER_IP, PEER_MAC);
  struct exo_udp_sock *s = udp_sock(&f);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "a", 1, PEER_IP, 7), 1);
  exo_capdev_tx_clear(f.cap);
  fx_advance(&f, 60 * SEC);
  EXO_CHECK_EQ(fx_ntx(&f), 1);
  struct sent m;
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_arp && m.arp.target_ip == PEER_IP);
  EXO_CHECK_EQ(exo_stack_arp_lookup(f.st, f.now, PEER_IP, NULL), 0);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "b", 1, PEER_IP, 7), 1);
  EXO_CHECK(sent_at(&f, 1, &m) && m.is_udp && exo_mac_eq(m.eth.dst, PEER_MAC));
  /* No answer to the probes: the entry goes. */
  fx_advance(&f, 1 * SEC);
  fx_advance(&f, 2 * SEC);
  fx_advance(&f, 4 * SEC);
  EXO_CHECK_EQ(exo_stack_arp_lookup(f.st, f.now, PEER_IP, NULL), -EXO_ENOENT);
  fx_fini(&f);
}

EXO_TEST(reply_to_request_for_us_and_learn) {
  struct fx f;
  fx_init(&f);
  uint8_t b[64];
  size_t n = build_arp(b, EXO_ARP_REQUEST, EXO_MAC_BROADCAST, PEER_MAC, PEER_IP, ZERO, OUR_IP);
  fx_rx(&f, b, n);
  EXO_CHECK_EQ(fx_ntx(&f), 1);
  struct sent m;
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_arp);
  EXO_CHECK_EQ(m.arp.operation, EXO_ARP_REPLY);
  EXO_CHECK(exo_mac_eq(m.eth.dst, PEER_MAC));
  EXO_CHECK(exo_mac_eq(m.arp.sender_mac, OUR_MAC));
  EXO_CHECK_EQ(m.arp.sender_ip, OUR_IP);
  EXO_CHECK(exo_mac_eq(m.arp.target_mac, PEER_MAC));
  EXO_CHECK_EQ(m.arp.target_ip, PEER_IP);
  EXO_CHECK_EQ(exo_stack_arp_lookup(f.st, f.now, PEER_IP, NULL), 0);
  fx_fini(&f);
}

EXO_TEST(third_party_requests_ignored) {
  struct fx f;
  fx_init(&f);
  uint8_t b[64];
  size_t n = build_arp(b, EXO_ARP_REQUEST, EXO_MAC_BROADCAST, PEER_MAC, PEER_IP, ZERO,
                       EXO_IPV4(10, 0, 0, 9));
  fx_rx(&f, b, n);
  EXO_CHECK_EQ(fx_ntx(&f), 0);
  EXO_CHECK_EQ(exo_stack_arp_lookup(f.st, f.now, PEER_IP, NULL), -EXO_ENOENT);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->arp_not_for_us, 1);
  /* Poison attempts: a broadcast sender MAC is refused. */
  n = build_arp(b, EXO_ARP_REQUEST, EXO_MAC_BROADCAST, PEER_MAC, PEER_IP, ZERO, OUR_IP);
  memset(b + 14 + 8, 0xff, 6); /* sender hardware address */
  fx_rx(&f, b, n);
  EXO_CHECK_EQ(fx_ntx(&f), 0);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->arp_malformed, 1);
  /* Truncated. */
  fx_rx(&f, b, 14 + 10);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->arp_malformed, 2);
  fx_fini(&f);
}

EXO_TEST(gratuitous_on_create_and_address_change) {
  struct fx f;
  f.pf = exo_host_platform();
  f.cap = exo_capdev_create(1500);
  f.now = 5;
  struct exo_stack_config c = fx_config();
  EXO_CHECK_EQ(exo_stack_create(&f.pf, &c, exo_capdev_device(f.cap), f.now, &f.st), 0);
  EXO_CHECK_EQ(fx_ntx(&f), 1);
  struct sent m;
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_arp);
  EXO_CHECK_EQ(m.arp.sender_ip, OUR_IP);
  EXO_CHECK_EQ(m.arp.target_ip, OUR_IP);
  EXO_CHECK(exo_mac_is_broadcast(m.eth.dst));
  exo_capdev_tx_clear(f.cap);
  uint32_t nip = EXO_IPV4(10, 0, 0, 77);
  EXO_CHECK_EQ(exo_stack_set_addr(f.st, f.now, nip, 0xffffff00u, GW_IP), 0);
  EXO_CHECK_EQ(fx_ntx(&f), 1);
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_arp);
  EXO_CHECK_EQ(m.arp.sender_ip, nip);
  EXO_CHECK_EQ(m.arp.target_ip, nip);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->arp_gratuitous_tx, 2);
  /* Same address again: nothing to announce. */
  EXO_CHECK_EQ(exo_stack_set_addr(f.st, f.now, nip, 0xffffff00u, GW_IP), 0);
  EXO_CHECK_EQ(fx_ntx(&f), 1);
  /* A non-contiguous netmask is refused. */
  EXO_CHECK_EQ(exo_stack_set_addr(f.st, f.now, nip, 0xff00ff00u, GW_IP), -EXO_EINVAL);
  fx_fini(&f);
}

EXO_TEST(rate_limit) {
  struct fx f;
  struct exo_stack_config c = fx_config();
  c.arp_rate_per_s = 5;
  fx_init_cfg(&f, &c); /* the gratuitous ARP at create used one token */
  uint8_t b[64];
  for (int i = 0; i < 20; i++) {
    struct exo_mac mac = PEER_MAC;
    mac.b[4] = (uint8_t)i;
    size_t n = build_arp(b, EXO_ARP_REQUEST, EXO_MAC_BROADCAST, mac, EXO_IPV4(10, 0, 0, 100 + i),
                         ZERO, OUR_IP);
    fx_rx(&f, b, n);
  }
  EXO_CHECK_EQ(fx_ntx(&f), 4);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->arp_rate_limited, 16);
  /* Tokens come back at 5 per second. */
  f.now += 1 * SEC;
  size_t n = build_arp(b, EXO_ARP_REQUEST, EXO_MAC_BROADCAST, PEER_MAC, PEER_IP, ZERO, OUR_IP);
  fx_rx(&f, b, n);
  EXO_CHECK_EQ(fx_ntx(&f), 5);
  fx_fini(&f);
}

EXO_TEST(gateway_resolved_for_off_link) {
  struct fx f;
  fx_init(&f);
  struct exo_udp_sock *s = udp_sock(&f);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "a", 1, EXO_IPV4(192, 0, 2, 1), 7), 1);
  struct sent m;
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_arp);
  EXO_CHECK_EQ(m.arp.target_ip, GW_IP);
  uint8_t b[64];
  size_t n = build_arp(b, EXO_ARP_REPLY, OUR_MAC, GW_MAC, GW_IP, OUR_MAC, OUR_IP);
  fx_rx(&f, b, n);
  EXO_CHECK(sent_at(&f, 1, &m) && m.is_udp);
  EXO_CHECK(exo_mac_eq(m.eth.dst, GW_MAC));
  EXO_CHECK_EQ(m.ip.dst, EXO_IPV4(192, 0, 2, 1));
  fx_fini(&f);
}

EXO_TEST(failed_resolution_reports_host_unreachable_to_sockets) {
  struct fx f;
  fx_init(&f);
  /* A connected UDP socket hears it as a pending error... */
  struct exo_udp_sock *s = udp_sock(&f);
  EXO_CHECK_EQ(exo_udp_connect(s, PEER_IP, 7), 0);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "a", 1, 0, 0), 1);
  /* ...and a connecting TCP socket too (its SYN waited for ARP). */
  struct exo_tcp_sock *t;
  EXO_CHECK_EQ(exo_stack_tcp_open(f.st, &t), 0);
  EXO_CHECK_EQ(exo_tcp_connect(t, f.now, PEER_IP, 80), -EXO_EINPROGRESS);
  for (int i = 0; i < 8; i++) fx_advance(&f, 1 * SEC); /* 3 requests, then give up */
  EXO_CHECK_EQ(exo_stack_counters(f.st)->arp_failed, 1);
  EXO_CHECK(exo_udp_events(s) & EXO_EV_ERR);
  EXO_CHECK_EQ(exo_udp_take_error(s), -EXO_EHOSTUNREACH);
  /* Every queued SYN (the first and its retransmissions) is reported to TCP. */
  EXO_CHECK(exo_stack_counters(f.st)->icmp_errors_delivered >= 1);
  exo_tcp_abort(t, f.now);
  fx_fini(&f);
}
