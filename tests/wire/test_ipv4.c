/* IPv4 (RFC 791): hand-made headers with checksums computed independently (Python),
 * parse of every field, exact emit, round trip, options, fragments, padding trimmed,
 * every impossible length, and every truncation through a guard page. */
#include "exonet/wire.h"
#include "harness.h"

/* 192.168.1.10 -> 10.0.0.1, TOS 0xb8 (EF), id 0xabcd, DF, TTL 64, UDP, 8 payload bytes. */
static const uint8_t udp_dgram[28] = {
    0x45, 0xb8, 0x00, 0x1c, /* v4, IHL 5, TOS, total 28 */
    0xab, 0xcd, 0x40, 0x00, /* id, DF, offset 0 */
    0x40, 0x11, 0xc2, 0x98, /* TTL 64, UDP, checksum */
    0xc0, 0xa8, 0x01, 0x0a, /* src */
    0x0a, 0x00, 0x00, 0x01, /* dst */
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
};

/* IHL 6 with a Router Alert option (RFC 2113: 94 04 00 00), IGMP, TTL 1, id 0x0102. */
static const uint8_t with_opts[32] = {
    0x46, 0xc0, 0x00, 0x20, 0x01, 0x02, 0x40, 0x00, 0x01, 0x02, 0x17, 0x63,
    0xc0, 0xa8, 0x01, 0x0a, 0x0a, 0x00, 0x00, 0x01,
    0x94, 0x04, 0x00, 0x00, /* router alert */
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
};

/* A middle fragment: MF set, offset 185 (1480 bytes), ICMP, TTL 33, id 0x7777. */
static const uint8_t fragment[28] = {
    0x45, 0x00, 0x00, 0x1c, 0x77, 0x77, 0x20, 0xb9, 0x21, 0x01, 0xe6, 0xa3,
    0x0a, 0x01, 0x02, 0x03, 0x0a, 0x04, 0x05, 0x06,
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
};

EXO_TEST(parse_every_field) {
  struct exo_ipv4_repr r;
  EXO_CHECK_EQ(exo_ipv4_parse(udp_dgram, sizeof udp_dgram, &r), 0);
  EXO_CHECK_EQ(r.src, EXO_IPV4(192, 168, 1, 10));
  EXO_CHECK_EQ(r.dst, EXO_IPV4(10, 0, 0, 1));
  EXO_CHECK_EQ(r.protocol, EXO_IP_PROTO_UDP);
  EXO_CHECK_EQ(r.ttl, 64);
  EXO_CHECK_EQ(r.tos, 0xb8);
  EXO_CHECK_EQ(r.ident, 0xabcd);
  EXO_CHECK(r.dont_fragment);
  EXO_CHECK(!r.more_fragments);
  EXO_CHECK_EQ(r.frag_offset, 0);
  EXO_CHECK(!exo_ipv4_is_fragment(&r));
  EXO_CHECK_EQ(r.header_len, 20);
  EXO_CHECK(r.checksum_ok);
  EXO_CHECK_EQ(r.options_len, 0);
  EXO_CHECK(r.payload == udp_dgram + 20);
  EXO_CHECK_EQ(r.payload_len, 8);
  EXO_CHECK_EQ(exo_ipv4_check(udp_dgram, sizeof udp_dgram), 0);
  EXO_CHECK_EQ(exo_ipv4_view_header_len(udp_dgram), 20);
  EXO_CHECK_EQ(exo_ipv4_view_total_len(udp_dgram), 28);
  EXO_CHECK_EQ(exo_ipv4_view_protocol(udp_dgram), 17);
  EXO_CHECK_EQ(exo_ipv4_view_src(udp_dgram), EXO_IPV4(192, 168, 1, 10));
  EXO_CHECK_EQ(exo_ipv4_view_dst(udp_dgram), EXO_IPV4(10, 0, 0, 1));
  EXO_CHECK_EQ(exo_ipv4_view_frag_field(udp_dgram), 0x4000);
}

EXO_TEST(parse_options) {
  struct exo_ipv4_repr r;
  EXO_CHECK_EQ(exo_ipv4_parse(with_opts, sizeof with_opts, &r), 0);
  EXO_CHECK_EQ(r.header_len, 24);
  EXO_CHECK_EQ(r.options_len, 4);
  EXO_CHECK(r.options == with_opts + 20);
  EXO_CHECK_EQ(r.options[0], 0x94);
  EXO_CHECK(r.checksum_ok);
  EXO_CHECK_EQ(r.protocol, EXO_IP_PROTO_IGMP);
  EXO_CHECK_EQ(r.ttl, 1);
  EXO_CHECK_EQ(r.tos, 0xc0);
  EXO_CHECK(r.payload == with_opts + 24);
  EXO_CHECK_EQ(r.payload_len, 8);
}

EXO_TEST(parse_fragment) {
  struct exo_ipv4_repr r;
  EXO_CHECK_EQ(exo_ipv4_parse(fragment, sizeof fragment, &r), 0);
  EXO_CHECK(r.more_fragments);
  EXO_CHECK(!r.dont_fragment);
  EXO_CHECK_EQ(r.frag_offset, 1480);
  EXO_CHECK(exo_ipv4_is_fragment(&r));
  EXO_CHECK_EQ(r.ident, 0x7777);
  EXO_CHECK_EQ(r.ttl, 33);
  EXO_CHECK_EQ(r.protocol, EXO_IP_PROTO_ICMP);
  EXO_CHECK(r.checksum_ok);
  /* The last fragment: MF clear, offset non-zero, still a fragment. */
  uint8_t last[28];
  memcpy(last, fragment, 28);
  last[6] = 0x00;
  EXO_CHECK_EQ(exo_ipv4_parse(last, 28, &r), 0);
  EXO_CHECK(!r.more_fragments);
  EXO_CHECK_EQ(r.frag_offset, 1480);
  EXO_CHECK(exo_ipv4_is_fragment(&r));
  EXO_CHECK(!r.checksum_ok); /* the byte changed under the old checksum */
}

EXO_TEST(checksum_verdict_not_error) {
  uint8_t b[28];
  memcpy(b, udp_dgram, 28);
  b[8] = 63; /* TTL changed, checksum not */
  struct exo_ipv4_repr r;
  EXO_CHECK_EQ(exo_ipv4_parse(b, 28, &r), 0);
  EXO_CHECK(!r.checksum_ok);
  /* Fixing it incrementally (RFC 1624) makes it good again. */
  uint16_t c = exo_csum_update16(exo_rd16(udp_dgram + 10), exo_rd16(udp_dgram + 8), exo_rd16(b + 8));
  exo_wr16(b + 10, c);
  EXO_CHECK_EQ(exo_ipv4_parse(b, 28, &r), 0);
  EXO_CHECK(r.checksum_ok);
}

EXO_TEST(padding_trimmed) {
  /* An Ethernet frame pads the 28-byte datagram to 46 bytes: payload stops at total. */
  uint8_t b[46];
  memset(b, 0, sizeof b);
  memcpy(b, udp_dgram, 28);
  struct exo_ipv4_repr r;
  EXO_CHECK_EQ(exo_ipv4_parse(b, sizeof b, &r), 0);
  EXO_CHECK_EQ(r.payload_len, 8);
}

EXO_TEST(impossible_lengths) {
  struct exo_ipv4_repr r;
  uint8_t b[60];
  memset(b, 0, sizeof b);
  memcpy(b, udp_dgram, 28);
  /* version */
  b[0] = 0x65;
  EXO_CHECK_EQ(exo_ipv4_parse(b, 28, &r), EXO_WIRE_EVERSION);
  b[0] = 0x05;
  EXO_CHECK_EQ(exo_ipv4_parse(b, 28, &r), EXO_WIRE_EVERSION);
  /* IHL < 5 */
  for (uint8_t ihl = 0; ihl < 5; ihl++) {
    b[0] = (uint8_t)(0x40 | ihl);
    EXO_CHECK_EQ(exo_ipv4_parse(b, 28, &r), EXO_WIRE_EHDRLEN);
    EXO_CHECK_EQ(exo_ipv4_check(b, 28), EXO_WIRE_EHDRLEN);
  }
  /* IHL past the buffer: 15 words = 60 bytes of header in 28 bytes. */
  b[0] = 0x4f;
  EXO_CHECK_EQ(exo_ipv4_parse(b, 28, &r), EXO_WIRE_EHDRLEN);
  b[0] = 0x48; /* 32-byte header, 28-byte buffer */
  EXO_CHECK_EQ(exo_ipv4_parse(b, 28, &r), EXO_WIRE_EHDRLEN);
  /* total length < header length */
  b[0] = 0x45;
  exo_wr16(b + 2, 19);
  EXO_CHECK_EQ(exo_ipv4_parse(b, 28, &r), EXO_WIRE_ETOTLEN);
  exo_wr16(b + 2, 0);
  EXO_CHECK_EQ(exo_ipv4_parse(b, 28, &r), EXO_WIRE_ETOTLEN);
  b[0] = 0x46;
  exo_wr16(b + 2, 23); /* 24-byte header */
  EXO_CHECK_EQ(exo_ipv4_parse(b, 28, &r), EXO_WIRE_ETOTLEN);
  /* total length > buffer */
  b[0] = 0x45;
  exo_wr16(b + 2, 29);
  EXO_CHECK_EQ(exo_ipv4_parse(b, 28, &r), EXO_WIRE_ETRUNCATED);
  EXO_CHECK_EQ(exo_ipv4_check(b, 28), EXO_WIRE_ETRUNCATED);
  exo_wr16(b + 2, 0xffff);
  EXO_CHECK_EQ(exo_ipv4_parse(b, 28, &r), EXO_WIRE_ETRUNCATED);
  /* exactly the header: empty payload is fine */
  exo_wr16(b + 2, 20);
  EXO_CHECK_EQ(exo_ipv4_parse(b, 20, &r), 0);
  EXO_CHECK_EQ(r.payload_len, 0);
  /* shorter than a header */
  EXO_CHECK_EQ(exo_ipv4_parse(b, 19, &r), EXO_WIRE_ETRUNCATED);
}

EXO_TEST(emit_exact) {
  struct exo_ipv4_repr r = {
      .src = EXO_IPV4(192, 168, 1, 10),
      .dst = EXO_IPV4(10, 0, 0, 1),
      .protocol = EXO_IP_PROTO_UDP,
      .ttl = 64,
      .tos = 0xb8,
      .ident = 0xabcd,
      .dont_fragment = true,
      .payload_len = 8,
  };
  uint8_t out[32];
  memset(out, 0xee, sizeof out);
  EXO_CHECK_EQ(exo_ipv4_emit(&r, out, sizeof out), 20);
  EXO_CHECK_MEM(out, udp_dgram, 20);
  EXO_CHECK_EQ(out[20], 0xee);
  struct exo_ipv4_repr f = {
      .src = EXO_IPV4(10, 1, 2, 3), .dst = EXO_IPV4(10, 4, 5, 6), .protocol = 1, .ttl = 33,
      .ident = 0x7777, .more_fragments = true, .frag_offset = 1480, .payload_len = 8,
  };
  EXO_CHECK_EQ(exo_ipv4_emit(&f, out, 20), 20);
  EXO_CHECK_MEM(out, fragment, 20);
  /* errors */
  EXO_CHECK_EQ(exo_ipv4_emit(&r, out, 19), EXO_WIRE_ENOSPC);
  r.payload_len = 65515;
  EXO_CHECK_EQ(exo_ipv4_emit(&r, out, 20), 20);
  EXO_CHECK_EQ(exo_ipv4_view_total_len(out), 65535);
  r.payload_len = 65516;
  EXO_CHECK_EQ(exo_ipv4_emit(&r, out, 20), EXO_WIRE_ETOTLEN);
  f.frag_offset = 1481; /* not a multiple of 8 */
  EXO_CHECK_EQ(exo_ipv4_emit(&f, out, 20), EXO_WIRE_EBADFIELD);
}

EXO_TEST(round_trip) {
  const uint8_t *pkts[] = {udp_dgram, fragment};
  for (int i = 0; i < 2; i++) {
    struct exo_ipv4_repr r, r2;
    EXO_CHECK_EQ(exo_ipv4_parse(pkts[i], 28, &r), 0);
    uint8_t out[28];
    EXO_CHECK_EQ(exo_ipv4_emit(&r, out, sizeof out), 20);
    memcpy(out + 20, r.payload, r.payload_len);
    EXO_CHECK_MEM(out, pkts[i], 28);
    EXO_CHECK_EQ(exo_ipv4_parse(out, 28, &r2), 0);
    EXO_CHECK_EQ(r2.src, r.src);
    EXO_CHECK_EQ(r2.dst, r.dst);
    EXO_CHECK_EQ(r2.ident, r.ident);
    EXO_CHECK_EQ(r2.frag_offset, r.frag_offset);
    EXO_CHECK(r2.checksum_ok);
  }
  /* With options: emit drops them (documented), the rest survives. */
  struct exo_ipv4_repr r, r2;
  EXO_CHECK_EQ(exo_ipv4_parse(with_opts, sizeof with_opts, &r), 0);
  uint8_t out[28];
  EXO_CHECK_EQ(exo_ipv4_emit(&r, out, sizeof out), 20);
  memcpy(out + 20, r.payload, r.payload_len);
  EXO_CHECK_EQ(exo_ipv4_parse(out, 28, &r2), 0);
  EXO_CHECK_EQ(r2.header_len, 20);
  EXO_CHECK_EQ(r2.payload_len, 8);
  EXO_CHECK_EQ(r2.protocol, EXO_IP_PROTO_IGMP);
  EXO_CHECK(r2.checksum_ok);
}

EXO_TEST(every_truncation_guarded) {
  const uint8_t *pkts[] = {udp_dgram, with_opts, fragment};
  size_t lens[] = {sizeof udp_dgram, sizeof with_opts, sizeof fragment};
  for (int i = 0; i < 3; i++) {
    size_t hl = (size_t)(pkts[i][0] & 15) * 4;
    for (size_t n = 0; n < lens[i]; n++) {
      const uint8_t *g = exo_test_guarded(0, pkts[i], n);
      struct exo_ipv4_repr r;
      int err = exo_ipv4_parse(g, n, &r);
      /* < 20: truncated; a partial options area: bad header length; else the total
       * length runs past the buffer. */
      int want = n < 20 ? EXO_WIRE_ETRUNCATED : n < hl ? EXO_WIRE_EHDRLEN : EXO_WIRE_ETRUNCATED;
      EXO_CHECK_EQ(err, want);
      EXO_CHECK_EQ(exo_ipv4_check(g, n), want);
    }
  }
}
