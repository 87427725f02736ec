/* IPv4: routing (local, gateway, none, broadcast), TTL, input filtering, options,
 * reassembly (in order, out of order, duplicates, overlap, timeout, memory limit). */
#include "fixture.h"

static struct exo_udp_sock *bound(struct fx *f, uint16_t port) {
  struct exo_udp_sock *s;
  EXO_CHECK_EQ(exo_udp_open(f->st, &s), 0);
  EXO_CHECK_EQ(exo_udp_bind(s, 0, port), 0);
  return s;
}

EXO_TEST(routing_local_gateway_none) {
  struct fx f;
  fx_init(&f);
  fx_learn_peer(&f, PEER_IP, PEER_MAC);
  fx_learn_peer(&f, GW_IP, GW_MAC);
  struct exo_udp_sock *s = bound(&f, 1000);
  struct sent m;
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "l", 1, PEER_IP, 9), 1);
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_udp);
  EXO_CHECK(exo_mac_eq(m.eth.dst, PEER_MAC));
  EXO_CHECK(exo_mac_eq(m.eth.src, OUR_MAC));
  EXO_CHECK_EQ(m.ip.src, OUR_IP);
  EXO_CHECK_EQ(m.ip.ttl, 64);
  EXO_CHECK(m.ip.dont_fragment);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "g", 1, EXO_IPV4(8, 8, 8, 8), 9), 1);
  EXO_CHECK(sent_at(&f, 1, &m) && m.is_udp);
  EXO_CHECK(exo_mac_eq(m.eth.dst, GW_MAC));
  EXO_CHECK_EQ(m.ip.dst, EXO_IPV4(8, 8, 8, 8));
  /* Without a gateway, off-link is unreachable. */
  EXO_CHECK_EQ(exo_stack_set_addr(f.st, f.now, OUR_IP, 0xffffff00u, 0), 0);
  exo_capdev_tx_clear(f.cap);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "n", 1, EXO_IPV4(8, 8, 8, 8), 9), -EXO_ENETUNREACH);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "n", 1, EXO_IPV4(127, 0, 0, 1), 9), -EXO_ENETUNREACH);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "n", 1, EXO_IPV4(224, 0, 0, 1), 9), -EXO_ENETUNREACH);
  EXO_CHECK_EQ(fx_ntx(&f), 0);
  EXO_CHECK(exo_stack_counters(f.st)->ip_no_route >= 3);
  fx_fini(&f);
}

EXO_TEST(ttl_configurable_and_not_checked_on_input) {
  struct fx f;
  struct exo_stack_config c = fx_config();
  c.ttl = 5;
  fx_init_cfg(&f, &c);
  fx_learn_peer(&f, PEER_IP, PEER_MAC);
  struct exo_udp_sock *s = bound(&f, 1000);
  EXO_CHECK_EQ(exo_udp_sendto(s, f.now, "t", 1, PEER_IP, 9), 1);
  struct sent m;
  EXO_CHECK(sent_at(&f, 0, &m) && m.ip.ttl == 5);
  /* A host delivers a datagram whatever its remaining TTL (it is not forwarding). */
  uint8_t b[256];
  struct ipb ib = ipb_default(EXO_IP_PROTO_UDP);
  ib.ttl = 1;
  fx_rx(&f, b, build_udp(b, &ib, 5555, 1000, "ttl1", 4));
  char got[16];
  EXO_CHECK_EQ(exo_udp_recvfrom(s, got, sizeof got, NULL, NULL, NULL), 4);
  fx_fini(&f);
}

EXO_TEST(input_filters_and_counters) {
  struct fx f;
  fx_init(&f);
  struct exo_udp_sock *s = bound(&f, 1000);
  const struct exo_stack_counters *c = exo_stack_counters(f.st);
  uint8_t b[256];
  struct ipb ib = ipb_default(EXO_IP_PROTO_UDP);
  size_t n = build_udp(b, &ib, 5555, 1000, "x", 1);
  /* Bad IP checksum. */
  b[14 + 10] ^= 0xff;
  fx_rx(&f, b, n);
  EXO_CHECK_EQ(c->ip_bad_checksum, 1);
  /* Not our address. */
  ib.dst = EXO_IPV4(10, 0, 0, 3);
  fx_rx(&f, b, build_udp(b, &ib, 5555, 1000, "x", 1));
  EXO_CHECK_EQ(c->ip_not_for_us, 1);
  /* Not our MAC. */
  ib = ipb_default(EXO_IP_PROTO_UDP);
  ib.eth_dst = GW_MAC;
  fx_rx(&f, b, build_udp(b, &ib, 5555, 1000, "x", 1));
  EXO_CHECK_EQ(c->eth_not_for_us, 1);
  /* Unicast IP inside a link-layer broadcast (RFC 1122 3.3.6). */
  ib = ipb_default(EXO_IP_PROTO_UDP);
  ib.eth_dst = EXO_MAC_BROADCAST;
  fx_rx(&f, b, build_udp(b, &ib, 5555, 1000, "x", 1));
  EXO_CHECK_EQ(c->ip_not_for_us, 2);
  /* Martian sources. */
  ib = ipb_default(EXO_IP_PROTO_UDP);
  uint32_t martians[] = {0, EXO_IPV4(127, 0, 0, 1), EXO_IPV4(224, 0, 0, 5), 0xffffffffu,
                         OUR_IP, EXO_IPV4(10, 0, 0, 255)};
  for (size_t i = 0; i < 6; i++) {
    ib.src = martians[i];
    fx_rx(&f, b, build_udp(b, &ib, 5555, 1000, "x", 1));
  }
  EXO_CHECK_EQ(c->ip_bad_src, 6);
  /* Truncated, bad version, garbage. */
  ib = ipb_default(EXO_IP_PROTO_UDP);
  n = build_udp(b, &ib, 5555, 1000, "x", 1);
  fx_rx(&f, b, 14 + 12);
  b[14] = 0x65;
  fx_rx(&f, b, n);
  EXO_CHECK_EQ(c->ip_malformed, 2);
  fx_rx(&f, b, 5);
  EXO_CHECK_EQ(c->eth_malformed, 1);
  /* Unknown protocol: counted, and answered with protocol unreachable. */
  fx_learn_peer(&f, PEER_IP, PEER_MAC);
  ib = ipb_default(99);
  fx_rx(&f, b, build_ip(b, &ib, (const uint8_t *)"abcdefgh", 8));
  EXO_CHECK_EQ(c->ip_unknown_proto, 1);
  struct sent m;
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_icmp);
  EXO_CHECK_EQ(m.icmp.type, EXO_ICMP_DEST_UNREACH);
  EXO_CHECK_EQ(m.icmp.code, EXO_ICMP_PROTO_UNREACH);
  char got[8];
  EXO_CHECK_EQ(exo_udp_recvfrom(s, got, sizeof got, NULL, NULL, NULL), -EXO_EAGAIN);
  fx_fini(&f);
}

EXO_TEST(options_ignored) {
  struct fx f;
  fx_init(&f);
  struct exo_udp_sock *s = bound(&f, 1000);
  uint8_t b[256];
  struct ipb ib = ipb_default(EXO_IP_PROTO_UDP);
  ib.options_len = 8;
  fx_rx(&f, b, build_udp(b, &ib, 5555, 1000, "opts", 4));
  char got[8];
  EXO_CHECK_EQ(exo_udp_recvfrom(s, got, sizeof got, NULL, NULL, NULL), 4);
  EXO_CHECK_MEM(got, "opts", 4);
  fx_fini(&f);
}

EXO_TEST(broadcast_delivery) {
  struct fx f;
  fx_init(&f);
  struct exo_udp_sock *a = bound(&f, 67);
  uint8_t b[256];
  struct ipb ib = ipb_default(EXO_IP_PROTO_UDP);
  ib.eth_dst = EXO_MAC_BROADCAST;
  ib.dst = EXO_IPV4(10, 0, 0, 255);
  fx_rx(&f, b, build_udp(b, &ib, 68, 67, "sub", 3));
  ib.dst = EXO_IPV4_BROADCAST;
  fx_rx(&f, b, build_udp(b, &ib, 68, 67, "all", 3));
  char got[8];
  EXO_CHECK_EQ(exo_udp_recvfrom(a, got, sizeof got, NULL, NULL, NULL), 3);
  EXO_CHECK_MEM(got, "sub", 3);
  EXO_CHECK_EQ(exo_udp_recvfrom(a, got, sizeof got, NULL, NULL, NULL), 3);
  EXO_CHECK_MEM(got, "all", 3);
  /* Broadcasts to a closed port are not answered. */
  fx_rx(&f, b, build_udp(b, &ib, 68, 99, "all", 3));
  EXO_CHECK_EQ(fx_ntx(&f), 0);
  fx_fini(&f);
}

/* Sends `total` bytes of UDP payload as IP fragments of `fraglen` bytes (multiple of 8)
 * in the order given by `order` (indices), returns the number of fragments. */
static size_t fragments(uint8_t frames[][1600], size_t lens[], const uint8_t *data, size_t total,
                        size_t fraglen, uint16_t ident) {
  uint8_t seg[8192];
  struct ipb ib = ipb_default(EXO_IP_PROTO_UDP);
  ib.ident = ident;
  size_t sl = build_udp_seg(seg, PEER_IP, OUR_IP, 5555, 1000, data, total);
  size_t n = 0;
  for (size_t off = 0; off < sl; off += fraglen, n++) {
    size_t len = sl - off < fraglen ? sl - off : fraglen;
    ib.frag_offset = (uint16_t)off;
    ib.mf = off + len < sl;
    lens[n] = build_ip(frames[n], &ib, seg + off, len);
  }
  return n;
}

static uint8_t frames[16][1600];
static size_t lens[16];

EXO_TEST(reassembly_in_order_and_out_of_order) {
  struct fx f;
  fx_init(&f);
  struct exo_udp_sock *s = bound(&f, 1000);
  uint8_t data[3000], got[4000];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 7);
  size_t n = fragments(frames, lens, data, sizeof data, 1000, 1);
  EXO_CHECK_EQ(n, 4);
  for (size_t i = 0; i < n; i++) fx_rx(&f, frames[i], lens[i]);
  EXO_CHECK_EQ(exo_udp_recvfrom(s, got, sizeof got, NULL, NULL, NULL), 3000);
  EXO_CHECK_MEM(got, data, 3000);
  /* Reverse order, with an exact duplicate in the middle. */
  n = fragments(frames, lens, data, sizeof data, 1000, 2);
  fx_rx(&f, frames[3], lens[3]);
  fx_rx(&f, frames[1], lens[1]);
  fx_rx(&f, frames[1], lens[1]);
  fx_rx(&f, frames[2], lens[2]);
  EXO_CHECK_EQ(exo_udp_recvfrom(s, got, sizeof got, NULL, NULL, NULL), -EXO_EAGAIN);
  fx_rx(&f, frames[0], lens[0]);
  EXO_CHECK_EQ(exo_udp_recvfrom(s, got, sizeof got, NULL, NULL, NULL), 3000);
  EXO_CHECK_MEM(got, data, 3000);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->ip_reasm_ok, 2);
  EXO_CHECK_EQ(exo_stack_next_deadline(f.st), UINT64_MAX); /* nothing left in reassembly */
  fx_fini(&f);
}

EXO_TEST(reassembly_overlap_drops_datagram) {
  struct fx f;
  fx_init(&f);
  struct exo_udp_sock *s = bound(&f, 1000);
  uint8_t data[3000], got[4000];
  memset(data, 'o', sizeof data);
  size_t n = fragments(frames, lens, data, sizeof data, 1000, 3);
  fx_rx(&f, frames[0], lens[0]);
  /* A fragment at offset 504 (overlapping fragment 0's end and fragment 1's start). */
  uint8_t bad[1600], seg[600];
  memset(seg, 'X', sizeof seg);
  struct ipb ib = ipb_default(EXO_IP_PROTO_UDP);
  ib.ident = 3;
  ib.frag_offset = 504;
  ib.mf = true;
  size_t bl = build_ip(bad, &ib, seg, 600);
  fx_rx(&f, bad, bl);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->ip_reasm_overlap, 1);
  for (size_t i = 1; i < n; i++) fx_rx(&f, frames[i], lens[i]);
  /* Fragment 0 went with the dropped datagram: what came after cannot complete. */
  EXO_CHECK_EQ(exo_udp_recvfrom(s, got, sizeof got, NULL, NULL, NULL), -EXO_EAGAIN);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->ip_reasm_ok, 0);
  fx_fini(&f);
}

EXO_TEST(reassembly_timeout_sends_time_exceeded) {
  struct fx f;
  fx_init(&f);
  fx_learn_peer(&f, PEER_IP, PEER_MAC);
  bound(&f, 1000);
  uint8_t data[3000];
  memset(data, 't', sizeof data);
  fragments(frames, lens, data, sizeof data, 1000, 4);
  uint64_t t0 = f.now;
  fx_rx(&f, frames[0], lens[0]);
  fx_rx(&f, frames[2], lens[2]);
  EXO_CHECK_EQ(exo_stack_next_deadline(f.st), t0 + 30 * SEC);
  fx_advance(&f, 30 * SEC - 1);
  EXO_CHECK_EQ(fx_ntx(&f), 0);
  fx_advance(&f, 1);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->ip_reasm_timeout, 1);
  EXO_CHECK_EQ(fx_ntx(&f), 1);
  struct sent m;
  EXO_CHECK(sent_at(&f, 0, &m) && m.is_icmp);
  EXO_CHECK_EQ(m.icmp.type, EXO_ICMP_TIME_EXCEEDED);
  EXO_CHECK_EQ(m.icmp.code, 1);
  EXO_CHECK_EQ(m.ip.dst, PEER_IP);
  EXO_CHECK(m.icmp.payload_len >= 28);
  EXO_CHECK_EQ(exo_rd16(m.icmp.payload + 4), 4); /* the quoted ident */
  /* The late fragment starts a new datagram that times out silently (no fragment 0). */
  fx_rx(&f, frames[1], lens[1]);
  fx_advance(&f, 30 * SEC);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->ip_reasm_timeout, 2);
  for (size_t i = 1; i < fx_ntx(&f); i++) /* (an ARP re-probe of the peer may go out) */
    EXO_CHECK(sent_at(&f, i, &m) && !m.is_icmp);
  fx_fini(&f);
}

EXO_TEST(reassembly_memory_and_table_limits) {
  struct fx f;
  struct exo_stack_config c = fx_config();
  c.reasm_mem = 3000;
  c.reasm_max = 2;
  fx_init_cfg(&f, &c);
  struct exo_udp_sock *s = bound(&f, 1000);
  uint8_t data[4000], got[5000];
  memset(data, 'm', sizeof data);
  size_t n = fragments(frames, lens, data, sizeof data, 1000, 5);
  for (size_t i = 0; i < n; i++) fx_rx(&f, frames[i], lens[i]);
  EXO_CHECK_EQ(exo_udp_recvfrom(s, got, sizeof got, NULL, NULL, NULL), -EXO_EAGAIN);
  EXO_CHECK(exo_stack_counters(f.st)->ip_reasm_mem_drops >= 1);
  /* Small datagrams still get through. */
  n = fragments(frames, lens, data, 1500, 800, 6);
  for (size_t i = 0; i < n; i++) fx_rx(&f, frames[i], lens[i]);
  EXO_CHECK_EQ(exo_udp_recvfrom(s, got, sizeof got, NULL, NULL, NULL), 1500);
  /* Three datagrams in flight with room for two: the oldest is evicted. (First let the
   * tail of the dropped datagram time out.) */
  fx_advance(&f, 30 * SEC);
  uint64_t before = exo_stack_counters(f.st)->ip_reasm_mem_drops;
  for (uint16_t id = 10; id < 13; id++) {
    fragments(frames, lens, data, 1500, 800, id);
    fx_rx(&f, frames[0], lens[0]);
  }
  EXO_CHECK_EQ(exo_stack_counters(f.st)->ip_reasm_mem_drops, before + 1);
  /* Oversized: offset + length past 65535. */
  struct ipb ib = ipb_default(EXO_IP_PROTO_UDP);
  ib.frag_offset = 65000;
  uint8_t big[1600];
  fx_rx(&f, big, build_ip(big, &ib, data, 800));
  EXO_CHECK_EQ(exo_stack_counters(f.st)->ip_reasm_too_big, 1);
  fx_fini(&f);
}
