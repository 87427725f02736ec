/* Ethernet II with VLAN tags: hand-made frames (RFC 894 / IEEE 802.1Q / 802.1ad
 * layouts), parse of every field, exact emit, round trip, impossible lengths, and
 * every truncation fed through a guard page. */
#include "exonet/wire.h"
#include "harness.h"

/* Untagged IPv4 frame: dst 02:00:00:00:00:01, src 02:00:00:00:00:02, type 0x0800,
 * then 4 payload bytes. */
static const uint8_t plain[18] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, /* dst */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, /* src */
    0x08, 0x00,                         /* IPv4 */
    0xde, 0xad, 0xbe, 0xef,
};

/* QinQ frame as in 802.1ad_QinQ.pcap: outer 0x88a8 VID 200, inner 0x8100 VID 2001 with
 * PCP 5 and DEI, ARP request who-has 172.21.79.100 tell 172.21.79.97, padded to 60. */
static const uint8_t qinq[60] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* dst: broadcast */
    0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, /* src */
    0x88, 0xa8, 0x00, 0xc8,             /* 802.1ad, PCP 0 DEI 0 VID 200 */
    0x81, 0x00, 0xb7, 0xd1,             /* 802.1Q, PCP 5 DEI 1 VID 2001 */
    0x08, 0x06,                         /* ARP */
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, /* Ethernet/IPv4 request */
    0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, 0xac, 0x15, 0x4f, 0x61,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xac, 0x15, 0x4f, 0x64,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* padding */
};

EXO_TEST(parse_plain) {
  struct exo_eth_repr r;
  EXO_CHECK_EQ(exo_eth_parse(plain, sizeof plain, &r), 0);
  static const struct exo_mac d = {{2, 0, 0, 0, 0, 1}}, s = {{2, 0, 0, 0, 0, 2}};
  EXO_CHECK(exo_mac_eq(r.dst, d));
  EXO_CHECK(exo_mac_eq(r.src, s));
  EXO_CHECK_EQ(r.ethertype, EXO_ETHERTYPE_IPV4);
  EXO_CHECK_EQ(r.vlan_count, 0);
  EXO_CHECK(r.payload == plain + 14);
  EXO_CHECK_EQ(r.payload_len, 4);
  EXO_CHECK_EQ(exo_eth_header_len(&r), 14);
}

EXO_TEST(parse_qinq) {
  struct exo_eth_repr r;
  EXO_CHECK_EQ(exo_eth_parse(qinq, sizeof qinq, &r), 0);
  EXO_CHECK(exo_mac_is_broadcast(r.dst));
  static const struct exo_mac s = {{0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f}};
  EXO_CHECK(exo_mac_eq(r.src, s));
  EXO_CHECK_EQ(r.vlan_count, 2);
  EXO_CHECK_EQ(r.vlan[0].tpid, EXO_ETHERTYPE_QINQ);
  EXO_CHECK_EQ(r.vlan[0].tci, 200);
  EXO_CHECK_EQ(r.vlan[1].tpid, EXO_ETHERTYPE_VLAN);
  EXO_CHECK_EQ(r.vlan[1].tci, 0xb7d1);
  EXO_CHECK_EQ(r.vlan[1].tci & 0x0fff, 2001);
  EXO_CHECK_EQ(r.vlan[1].tci >> 13, 5);
  EXO_CHECK_EQ(r.ethertype, EXO_ETHERTYPE_ARP);
  EXO_CHECK_EQ(exo_eth_header_len(&r), 22);
  EXO_CHECK(r.payload == qinq + 22);
  EXO_CHECK_EQ(r.payload_len, 38); /* ARP body plus the padding */
  struct exo_arp_repr a;
  EXO_CHECK_EQ(exo_arp_parse(r.payload, r.payload_len, &a), 0);
  EXO_CHECK_EQ(a.target_ip, EXO_IPV4(172, 21, 79, 100));
}

EXO_TEST(tag_orders) {
  /* Two 802.1Q tags, and 802.1Q outside 802.1ad: both accepted in the order given. */
  uint8_t f[26];
  memcpy(f, plain, 12);
  static const uint8_t tags[][10] = {
      {0x81, 0x00, 0x00, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x08, 0x00},
      {0x81, 0x00, 0x00, 0x0a, 0x88, 0xa8, 0x00, 0x14, 0x08, 0x00},
      {0x88, 0xa8, 0x00, 0x0a, 0x88, 0xa8, 0x00, 0x14, 0x08, 0x00},
  };
  for (size_t t = 0; t < 3; t++) {
    memcpy(f + 12, tags[t], 10);
    memset(f + 22, 0x77, 4);
    struct exo_eth_repr r;
    EXO_CHECK_EQ(exo_eth_parse(f, sizeof f, &r), 0);
    EXO_CHECK_EQ(r.vlan_count, 2);
    EXO_CHECK_EQ(r.vlan[0].tpid, exo_rd16(tags[t]));
    EXO_CHECK_EQ(r.vlan[0].tci, 10);
    EXO_CHECK_EQ(r.vlan[1].tpid, exo_rd16(tags[t] + 4));
    EXO_CHECK_EQ(r.vlan[1].tci, 20);
    EXO_CHECK_EQ(r.ethertype, 0x0800);
    EXO_CHECK_EQ(r.payload_len, 4);
    uint8_t out[26];
    EXO_CHECK_EQ(exo_eth_emit(&r, out, sizeof out), 22);
    EXO_CHECK_MEM(out, f, 22);
  }
  /* One tag only. */
  uint8_t one[18 + 4];
  memcpy(one, plain, 12);
  one[12] = 0x81, one[13] = 0x00, one[14] = 0x20, one[15] = 0x05, one[16] = 0x86, one[17] = 0xdd;
  memset(one + 18, 0, 4);
  struct exo_eth_repr r;
  EXO_CHECK_EQ(exo_eth_parse(one, sizeof one, &r), 0);
  EXO_CHECK_EQ(r.vlan_count, 1);
  EXO_CHECK_EQ(r.vlan[0].tci, 0x2005);
  EXO_CHECK_EQ(r.ethertype, EXO_ETHERTYPE_IPV6);
  EXO_CHECK_EQ(r.payload_len, 4);
}

EXO_TEST(three_tags_refused) {
  uint8_t f[30];
  memcpy(f, plain, 12);
  static const uint8_t t[14] = {0x88, 0xa8, 0, 1, 0x81, 0x00, 0, 2, 0x81, 0x00, 0, 3, 0x08, 0x00};
  memcpy(f + 12, t, 14);
  memset(f + 26, 0, 4);
  struct exo_eth_repr r;
  EXO_CHECK_EQ(exo_eth_parse(f, sizeof f, &r), EXO_WIRE_ETOOMANYTAGS);
  /* Emit refuses a repr claiming more tags than exist. */
  struct exo_eth_repr e = {.vlan_count = 3};
  uint8_t out[64];
  EXO_CHECK_EQ(exo_eth_emit(&e, out, sizeof out), EXO_WIRE_ETOOMANYTAGS);
}

EXO_TEST(emit_exact) {
  struct exo_eth_repr r = {
      .dst = EXO_MAC_BROADCAST,
      .src = {{0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f}},
      .ethertype = EXO_ETHERTYPE_ARP,
      .vlan_count = 2,
      .vlan = {{EXO_ETHERTYPE_QINQ, 200}, {EXO_ETHERTYPE_VLAN, 0xb7d1}},
  };
  uint8_t out[64];
  memset(out, 0xee, sizeof out);
  EXO_CHECK_EQ(exo_eth_emit(&r, out, sizeof out), 22);
  EXO_CHECK_MEM(out, qinq, 22);
  EXO_CHECK_EQ(out[22], 0xee); /* nothing written past the header */
  EXO_CHECK_EQ(exo_eth_emit(&r, out, 21), EXO_WIRE_ENOSPC);
  EXO_CHECK_EQ(exo_eth_emit(&r, out, 22), 22);
  struct exo_eth_repr p = {.dst = {{2, 0, 0, 0, 0, 1}}, .src = {{2, 0, 0, 0, 0, 2}}, .ethertype = 0x0800};
  EXO_CHECK_EQ(exo_eth_emit(&p, out, 14), 14);
  EXO_CHECK_MEM(out, plain, 14);
  EXO_CHECK_EQ(exo_eth_emit(&p, out, 13), EXO_WIRE_ENOSPC);
}

EXO_TEST(round_trip) {
  const uint8_t *frames[] = {plain, qinq};
  size_t lens[] = {sizeof plain, sizeof qinq};
  for (int i = 0; i < 2; i++) {
    struct exo_eth_repr r, r2;
    EXO_CHECK_EQ(exo_eth_parse(frames[i], lens[i], &r), 0);
    uint8_t out[64];
    int n = exo_eth_emit(&r, out, sizeof out);
    EXO_CHECK_EQ(n, (int)exo_eth_header_len(&r));
    memcpy(out + n, r.payload, r.payload_len);
    EXO_CHECK_MEM(out, frames[i], lens[i]);
    EXO_CHECK_EQ(exo_eth_parse(out, (size_t)n + r.payload_len, &r2), 0);
    EXO_CHECK_EQ(r2.ethertype, r.ethertype);
    EXO_CHECK_EQ(r2.vlan_count, r.vlan_count);
    EXO_CHECK_EQ(r2.payload_len, r.payload_len);
  }
}

EXO_TEST(every_truncation_guarded) {
  const uint8_t *frames[] = {plain, qinq};
  size_t lens[] = {sizeof plain, sizeof qinq};
  size_t hdr[] = {14, 22};
  for (int i = 0; i < 2; i++) {
    for (size_t n = 0; n < lens[i]; n++) {
      const uint8_t *g = exo_test_guarded(0, frames[i], n);
      struct exo_eth_repr r;
      int err = exo_eth_parse(g, n, &r);
      if (n < hdr[i]) {
        EXO_CHECK_EQ(err, EXO_WIRE_ETRUNCATED);
      } else {
        /* A shorter payload is still a valid frame: the header is all parse checks. */
        EXO_CHECK_EQ(err, 0);
        EXO_CHECK_EQ(r.payload_len, n - hdr[i]);
      }
    }
  }
  /* An empty buffer, and a NULL one with length 0. */
  struct exo_eth_repr r;
  EXO_CHECK_EQ(exo_eth_parse(NULL, 0, &r), EXO_WIRE_ETRUNCATED);
}
