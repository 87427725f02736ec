/* ARP (RFC 826): the request and reply of 802.1ad_QinQ.pcap, written out by field. */
#include "exonet/wire.h"
#include "harness.h"

static const uint8_t request[28] = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, /* Ethernet, IPv4, hlen 6, plen 4 */
    0x00, 0x01,                         /* request */
    0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, /* sender MAC */
    0xac, 0x15, 0x4f, 0x61,             /* sender IP 172.21.79.97 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* target MAC unknown */
    0xac, 0x15, 0x4f, 0x64,             /* target IP 172.21.79.100 */
};
static const uint8_t reply[28] = {
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02,
    0x00, 0x80, 0xea, 0x81, 0x88, 0x63, 0xac, 0x15, 0x4f, 0x64,
    0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, 0xac, 0x15, 0x4f, 0x61,
};

EXO_TEST(parse_request_and_reply) {
  struct exo_arp_repr r;
  EXO_CHECK_EQ(exo_arp_parse(request, sizeof request, &r), 0);
  EXO_CHECK_EQ(r.operation, EXO_ARP_REQUEST);
  EXO_CHECK(exo_mac_eq(r.sender_mac, (struct exo_mac){{0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f}}));
  EXO_CHECK_EQ(r.sender_ip, EXO_IPV4(172, 21, 79, 97));
  EXO_CHECK(exo_mac_eq(r.target_mac, (struct exo_mac){{0, 0, 0, 0, 0, 0}}));
  EXO_CHECK_EQ(r.target_ip, EXO_IPV4(172, 21, 79, 100));
  EXO_CHECK_EQ(exo_arp_parse(reply, sizeof reply, &r), 0);
  EXO_CHECK_EQ(r.operation, EXO_ARP_REPLY);
  EXO_CHECK(exo_mac_eq(r.sender_mac, (struct exo_mac){{0x00, 0x80, 0xea, 0x81, 0x88, 0x63}}));
  EXO_CHECK_EQ(r.sender_ip, EXO_IPV4(172, 21, 79, 100));
  EXO_CHECK(exo_mac_eq(r.target_mac, (struct exo_mac){{0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f}}));
  EXO_CHECK_EQ(r.target_ip, EXO_IPV4(172, 21, 79, 97));
}

EXO_TEST(padding_ignored) {
  uint8_t padded[46] = {0};
  memcpy(padded, request, 28);
  struct exo_arp_repr r;
  EXO_CHECK_EQ(exo_arp_parse(padded, sizeof padded, &r), 0);
  EXO_CHECK_EQ(r.target_ip, EXO_IPV4(172, 21, 79, 100));
}

EXO_TEST(emit_exact_and_round_trip) {
  struct exo_arp_repr r = {
      .operation = EXO_ARP_REPLY,
      .sender_mac = {{0x00, 0x80, 0xea, 0x81, 0x88, 0x63}},
      .sender_ip = EXO_IPV4(172, 21, 79, 100),
      .target_mac = {{0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f}},
      .target_ip = EXO_IPV4(172, 21, 79, 97),
  };
  uint8_t out[40];
  memset(out, 0xee, sizeof out);
  EXO_CHECK_EQ(exo_arp_emit(&r, out, sizeof out), EXO_ARP_LEN);
  EXO_CHECK_MEM(out, reply, 28);
  EXO_CHECK_EQ(out[28], 0xee);
  EXO_CHECK_EQ(exo_arp_emit(&r, out, 27), EXO_WIRE_ENOSPC);
  struct exo_arp_repr p;
  EXO_CHECK_EQ(exo_arp_parse(request, 28, &p), 0);
  EXO_CHECK_EQ(exo_arp_emit(&p, out, 28), 28);
  EXO_CHECK_MEM(out, request, 28);
}

EXO_TEST(bad_types_and_operation) {
  static const struct {
    int off;
    uint8_t val;
    int err;
  } cases[] = {
      {1, 0x06, EXO_WIRE_EHWTYPE},   /* htype 6 (IEEE 802) */
      {0, 0x01, EXO_WIRE_EHWTYPE},   /* htype 0x0101 */
      {2, 0x86, EXO_WIRE_EHWTYPE},   /* ptype 0x8600 */
      {3, 0xdd, EXO_WIRE_EHWTYPE},   /* ptype 0x08dd */
      {4, 0x08, EXO_WIRE_EHWTYPE},   /* hlen 8 (as in arp-too-long-tha.pcap) */
      {5, 0x10, EXO_WIRE_EHWTYPE},   /* plen 16 */
      {7, 0x03, EXO_WIRE_EBADFIELD}, /* RARP request */
      {7, 0x00, EXO_WIRE_EBADFIELD},
      {6, 0x01, EXO_WIRE_EBADFIELD}, /* operation 0x0101 */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t b[28];
    memcpy(b, request, 28);
    b[cases[i].off] = cases[i].val;
    struct exo_arp_repr r;
    EXO_CHECK_EQ(exo_arp_parse(b, 28, &r), cases[i].err);
  }
}

EXO_TEST(every_truncation_guarded) {
  const uint8_t *pkts[] = {request, reply};
  for (int i = 0; i < 2; i++) {
    for (size_t n = 0; n < 28; n++) {
      const uint8_t *g = exo_test_guarded(0, pkts[i], n);
      struct exo_arp_repr r;
      EXO_CHECK_EQ(exo_arp_parse(g, n, &r), EXO_WIRE_ETRUNCATED);
    }
    /* The whole body at the very end of the mapping parses. */
    const uint8_t *g = exo_test_guarded(0, pkts[i], 28);
    struct exo_arp_repr r;
    EXO_CHECK_EQ(exo_arp_parse(g, 28, &r), 0);
  }
}
