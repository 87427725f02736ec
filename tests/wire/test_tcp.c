/* TCP (RFC 9293, 7323, 2018): Linux-shaped SYN, SYN-ACK and ACK+SACK segments with
 * independently computed checksums; every field and option; Linux's option layouts on
 * emit; option framing errors; data offset errors; truncations through a guard page. */
#include "exonet/wire.h"
#include "harness.h"

#define CLI EXO_IPV4(10, 0, 0, 1)
#define SRV EXO_IPV4(10, 0, 0, 2)

/* 10.0.0.1:40000 -> 10.0.0.2:80 SYN, seq 0x11223344, win 64240,
 * MSS 1460 | SACK-perm TS(0x0a0b0c0d, 0) | NOP WS 7 (Linux's SYN layout). */
static const uint8_t syn[40] = {
    0x9c, 0x40, 0x00, 0x50, 0x11, 0x22, 0x33, 0x44, 0x00, 0x00, 0x00, 0x00,
    0xa0, 0x02, 0xfa, 0xf0, 0x41, 0xfe, 0x00, 0x00,
    0x02, 0x04, 0x05, 0xb4,                         /* MSS 1460 */
    0x04, 0x02, 0x08, 0x0a, 0x0a, 0x0b, 0x0c, 0x0d, /* SACK-perm, TS val */
    0x00, 0x00, 0x00, 0x00,                         /* TS ecr */
    0x01, 0x03, 0x03, 0x07,                         /* NOP, WS 7 */
};

/* SYN-ACK without timestamps: MSS 1400 | NOP NOP SACK-perm | NOP WS 0. */
static const uint8_t synack[32] = {
    0x00, 0x50, 0x9c, 0x40, 0xa0, 0x00, 0x00, 0x00, 0x11, 0x22, 0x33, 0x45,
    0x80, 0x12, 0xff, 0xff, 0xda, 0x49, 0x00, 0x00,
    0x02, 0x04, 0x05, 0x78, 0x01, 0x01, 0x04, 0x02, 0x01, 0x03, 0x03, 0x00,
};

/* PSH+ACK with NOP NOP TS(1000, 2000) | NOP NOP SACK 2 blocks, payload "hi". */
static const uint8_t ack[54] = {
    0x9c, 0x40, 0x00, 0x50, 0x11, 0x22, 0x33, 0x45, 0xa0, 0x00, 0x00, 0x01,
    0xd0, 0x18, 0x01, 0xf6, 0xfa, 0xef, 0x00, 0x00,
    0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x07, 0xd0,
    0x01, 0x01, 0x05, 0x12,
    0x11, 0x22, 0x34, 0x00, 0x11, 0x22, 0x35, 0x00,
    0x11, 0x22, 0x36, 0x00, 0x11, 0x22, 0x37, 0x00,
    0x68, 0x69,
};

EXO_TEST(parse_syn) {
  struct exo_tcp_repr r;
  EXO_CHECK_EQ(exo_tcp_parse(syn, sizeof syn, CLI, SRV, &r), 0);
  EXO_CHECK_EQ(r.src_port, 40000);
  EXO_CHECK_EQ(r.dst_port, 80);
  EXO_CHECK_EQ(r.seq, 0x11223344u);
  EXO_CHECK_EQ(r.ack, 0);
  EXO_CHECK_EQ(r.flags, EXO_TCP_SYN);
  EXO_CHECK_EQ(r.window, 64240);
  EXO_CHECK_EQ(r.urgent, 0);
  EXO_CHECK(r.has_mss);
  EXO_CHECK_EQ(r.mss, 1460);
  EXO_CHECK(r.has_wscale);
  EXO_CHECK_EQ(r.wscale, 7);
  EXO_CHECK(r.sack_permitted);
  EXO_CHECK(r.has_timestamp);
  EXO_CHECK_EQ(r.ts_val, 0x0a0b0c0du);
  EXO_CHECK_EQ(r.ts_ecr, 0);
  EXO_CHECK_EQ(r.sack_count, 0);
  EXO_CHECK_EQ(r.header_len, 40);
  EXO_CHECK(r.checksum_ok);
  EXO_CHECK(r.payload == syn + 40);
  EXO_CHECK_EQ(r.payload_len, 0);
  EXO_CHECK_EQ(exo_tcp_seg_len(&r), 1);
  EXO_CHECK_EQ(exo_tcp_check(syn, sizeof syn), 0);
  EXO_CHECK_EQ(exo_tcp_view_src_port(syn), 40000);
  EXO_CHECK_EQ(exo_tcp_view_dst_port(syn), 80);
  EXO_CHECK_EQ(exo_tcp_view_flags(syn), EXO_TCP_SYN);
  /* Swapped addresses break the pseudo-header sum. */
  EXO_CHECK_EQ(exo_tcp_parse(syn, sizeof syn, SRV, CLI, &r), 0);
  EXO_CHECK(r.checksum_ok); /* the sum is symmetric in src/dst... */
  EXO_CHECK_EQ(exo_tcp_parse(syn, sizeof syn, CLI, EXO_IPV4(10, 0, 0, 9), &r), 0);
  EXO_CHECK(!r.checksum_ok); /* ...but not in the address values */
}

EXO_TEST(parse_synack_and_ack) {
  struct exo_tcp_repr r;
  EXO_CHECK_EQ(exo_tcp_parse(synack, sizeof synack, SRV, CLI, &r), 0);
  EXO_CHECK_EQ(r.flags, EXO_TCP_SYN | EXO_TCP_ACK);
  EXO_CHECK_EQ(r.seq, 0xa0000000u);
  EXO_CHECK_EQ(r.ack, 0x11223345u);
  EXO_CHECK_EQ(r.window, 65535);
  EXO_CHECK(r.has_mss && r.mss == 1400);
  EXO_CHECK(r.sack_permitted);
  EXO_CHECK(!r.has_timestamp);
  EXO_CHECK(r.has_wscale && r.wscale == 0);
  EXO_CHECK(r.checksum_ok);
  EXO_CHECK_EQ(r.header_len, 32);

  EXO_CHECK_EQ(exo_tcp_parse(ack, sizeof ack, CLI, SRV, &r), 0);
  EXO_CHECK_EQ(r.flags, EXO_TCP_PSH | EXO_TCP_ACK);
  EXO_CHECK_EQ(r.window, 502);
  EXO_CHECK(!r.has_mss && !r.has_wscale && !r.sack_permitted);
  EXO_CHECK(r.has_timestamp);
  EXO_CHECK_EQ(r.ts_val, 1000);
  EXO_CHECK_EQ(r.ts_ecr, 2000);
  EXO_CHECK_EQ(r.sack_count, 2);
  EXO_CHECK_EQ(r.sack[0].left, 0x11223400u);
  EXO_CHECK_EQ(r.sack[0].right, 0x11223500u);
  EXO_CHECK_EQ(r.sack[1].left, 0x11223600u);
  EXO_CHECK_EQ(r.sack[1].right, 0x11223700u);
  EXO_CHECK_EQ(r.header_len, 52);
  EXO_CHECK(r.checksum_ok);
  EXO_CHECK(r.payload == ack + 52);
  EXO_CHECK_EQ(r.payload_len, 2);
  EXO_CHECK_EQ(exo_tcp_seg_len(&r), 2);
}

static int emit_into(const struct exo_tcp_repr *r, const uint8_t *payload, uint8_t *out,
                     size_t cap, uint32_t s, uint32_t d) {
  if (r->payload_len) memcpy(out + exo_tcp_header_len(r), payload, r->payload_len);
  return exo_tcp_emit(r, out, cap, s, d);
}

EXO_TEST(emit_linux_layouts) {
  uint8_t out[80];
  struct exo_tcp_repr s = {
      .src_port = 40000, .dst_port = 80, .seq = 0x11223344u, .flags = EXO_TCP_SYN,
      .window = 64240, .has_mss = true, .mss = 1460, .has_wscale = true, .wscale = 7,
      .sack_permitted = true, .has_timestamp = true, .ts_val = 0x0a0b0c0du,
  };
  EXO_CHECK_EQ(exo_tcp_header_len(&s), 40);
  memset(out, 0xee, sizeof out);
  EXO_CHECK_EQ(exo_tcp_emit(&s, out, sizeof out, CLI, SRV), 40);
  EXO_CHECK_MEM(out, syn, 40);
  EXO_CHECK_EQ(out[40], 0xee);

  struct exo_tcp_repr sa = {
      .src_port = 80, .dst_port = 40000, .seq = 0xa0000000u, .ack = 0x11223345u,
      .flags = EXO_TCP_SYN | EXO_TCP_ACK, .window = 65535, .has_mss = true, .mss = 1400,
      .has_wscale = true, .wscale = 0, .sack_permitted = true,
  };
  EXO_CHECK_EQ(exo_tcp_emit(&sa, out, sizeof out, SRV, CLI), 32);
  EXO_CHECK_MEM(out, synack, 32);

  struct exo_tcp_repr a = {
      .src_port = 40000, .dst_port = 80, .seq = 0x11223345u, .ack = 0xa0000001u,
      .flags = EXO_TCP_PSH | EXO_TCP_ACK, .window = 502, .has_timestamp = true,
      .ts_val = 1000, .ts_ecr = 2000, .sack_count = 2,
      .sack = {{0x11223400u, 0x11223500u}, {0x11223600u, 0x11223700u}}, .payload_len = 2,
  };
  EXO_CHECK_EQ(emit_into(&a, (const uint8_t *)"hi", out, sizeof out, CLI, SRV), 52);
  EXO_CHECK_MEM(out, ack, 54);
  /* The payload must fit: the checksum covers it. */
  EXO_CHECK_EQ(exo_tcp_emit(&a, out, 53, CLI, SRV), EXO_WIRE_ENOSPC);
  EXO_CHECK_EQ(exo_tcp_emit(&a, out, 19, CLI, SRV), EXO_WIRE_ENOSPC);
}

EXO_TEST(emit_syn_variants) {
  uint8_t out[60];
  /* Timestamps without SACK-permitted: NOP NOP TS. */
  struct exo_tcp_repr s = {.flags = EXO_TCP_SYN, .has_timestamp = true, .ts_val = 5, .ts_ecr = 6};
  EXO_CHECK_EQ(exo_tcp_emit(&s, out, sizeof out, CLI, SRV), 32);
  static const uint8_t nopts[12] = {1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 6};
  EXO_CHECK_MEM(out + 20, nopts, 12);
  /* Bare SYN: no options. */
  struct exo_tcp_repr bare = {.flags = EXO_TCP_SYN};
  EXO_CHECK_EQ(exo_tcp_emit(&bare, out, sizeof out, CLI, SRV), 20);
  EXO_CHECK_EQ(out[12], 0x50);
  /* MSS, WS, SACK-perm are SYN-only: a plain ACK carrying them in the repr omits them. */
  struct exo_tcp_repr a = {.flags = EXO_TCP_ACK, .has_mss = true, .mss = 1, .has_wscale = true,
                           .sack_permitted = true};
  EXO_CHECK_EQ(exo_tcp_header_len(&a), 20);
  /* SACK blocks are never put on a SYN. */
  struct exo_tcp_repr ss = {.flags = EXO_TCP_SYN, .sack_count = 1, .sack = {{1, 2}}};
  EXO_CHECK_EQ(exo_tcp_header_len(&ss), 20);
}

EXO_TEST(emit_sack_blocks_that_fit) {
  uint8_t out[60];
  struct exo_tcp_repr a = {.flags = EXO_TCP_ACK, .sack_count = 4,
                           .sack = {{1, 2}, {3, 4}, {5, 6}, {7, 8}}};
  /* Without timestamps all four fit: 4 + 32 = 36 bytes of options. */
  EXO_CHECK_EQ(exo_tcp_header_len(&a), 56);
  EXO_CHECK_EQ(exo_tcp_emit(&a, out, sizeof out, CLI, SRV), 56);
  EXO_CHECK_EQ(out[20], 1);
  EXO_CHECK_EQ(out[21], 1);
  EXO_CHECK_EQ(out[22], 5);
  EXO_CHECK_EQ(out[23], 34);
  EXO_CHECK_EQ(exo_rd32(out + 48), 7);
  struct exo_tcp_repr p;
  EXO_CHECK_EQ(exo_tcp_parse(out, 56, CLI, SRV, &p), 0);
  EXO_CHECK_EQ(p.sack_count, 4);
  EXO_CHECK(p.checksum_ok);
  /* With timestamps only three fit: 12 + 4 + 24 = 40. */
  a.has_timestamp = true;
  EXO_CHECK_EQ(exo_tcp_header_len(&a), 60);
  EXO_CHECK_EQ(exo_tcp_emit(&a, out, sizeof out, CLI, SRV), 60);
  EXO_CHECK_EQ(exo_tcp_parse(out, 60, CLI, SRV, &p), 0);
  EXO_CHECK_EQ(p.sack_count, 3);
  EXO_CHECK_EQ(p.sack[2].left, 5);
  EXO_CHECK(p.has_timestamp);
  /* An out-of-range count is capped, not trusted. */
  a.sack_count = 200;
  EXO_CHECK_EQ(exo_tcp_header_len(&a), 60);
}

/* Builds a header whose options area is `opts` (padded with EOL to a 4-byte multiple). */
static size_t with_options(uint8_t *b, const uint8_t *opts, size_t n) {
  memcpy(b, syn, 20);
  size_t padded = (n + 3) & ~(size_t)3;
  memset(b + 20, 0, padded);
  memcpy(b + 20, opts, n);
  b[12] = (uint8_t)(((20 + padded) / 4) << 4);
  return 20 + padded;
}

EXO_TEST(option_framing) {
  uint8_t b[60];
  struct exo_tcp_repr r;
  size_t n;
  /* Unknown option kind 30 (MPTCP) length 6 is skipped; MSS after it is read. */
  static const uint8_t unk[] = {30, 6, 0, 0, 0, 0, 2, 4, 0x12, 0x34};
  n = with_options(b, unk, sizeof unk);
  EXO_CHECK_EQ(exo_tcp_parse(b, n, CLI, SRV, &r), 0);
  EXO_CHECK(r.has_mss && r.mss == 0x1234);
  /* EOL ends the walk: garbage after it is padding. */
  static const uint8_t eol[] = {2, 4, 0x05, 0xb4, 0, 0xff, 0x00, 0x33};
  n = with_options(b, eol, sizeof eol);
  EXO_CHECK_EQ(exo_tcp_parse(b, n, CLI, SRV, &r), 0);
  EXO_CHECK(r.has_mss && r.mss == 1460);
  EXO_CHECK(!r.has_wscale);
  /* NOPs only. */
  static const uint8_t nops[] = {1, 1, 1, 1};
  n = with_options(b, nops, sizeof nops);
  EXO_CHECK_EQ(exo_tcp_parse(b, n, CLI, SRV, &r), 0);
  EXO_CHECK(!r.has_mss && !r.has_timestamp);

  static const struct {
    uint8_t o[12];
    size_t n;
  } bad[] = {
      {{30, 0}, 4},                        /* length 0 */
      {{30, 1}, 4},                        /* length 1 */
      {{2, 1, 0, 0}, 4},                   /* MSS length 1 */
      {{1, 1, 1, 2}, 4},                   /* kind with no room for its length byte */
      {{1, 1, 30, 6}, 4},                  /* runs past the header */
      {{2, 3, 5, 0}, 4},                   /* MSS of 3 bytes */
      {{2, 5, 5, 0xb4, 0, 0, 0, 0}, 8},    /* MSS of 5 bytes */
      {{3, 4, 7, 0}, 4},                   /* WS of 4 bytes */
      {{3, 2, 1, 1}, 4},                   /* WS of 2 bytes */
      {{4, 3, 0, 0}, 4},                   /* SACK-perm of 3 bytes */
      {{8, 8, 0, 0, 0, 0, 0, 0}, 8},       /* TS of 8 bytes */
      {{8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 12}, /* TS of 12 bytes */
      {{5, 2, 0, 0}, 4},                   /* SACK with no block */
      {{5, 6, 0, 0, 0, 0, 0, 0}, 8},       /* SACK with half a block */
      {{5, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 12}, /* SACK 1 block + 1 byte */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    n = with_options(b, bad[i].o, bad[i].n);
    int err = exo_tcp_parse(b, n, CLI, SRV, &r);
    if (err != EXO_WIRE_EBADOPT)
      exo_test_fail(__FILE__, __LINE__, "bad option case %zu: got %d", i, err);
  }
}

EXO_TEST(data_offset) {
  uint8_t b[40];
  memcpy(b, syn, 40);
  struct exo_tcp_repr r;
  for (uint8_t doff = 0; doff < 5; doff++) {
    b[12] = (uint8_t)(doff << 4);
    EXO_CHECK_EQ(exo_tcp_parse(b, 40, CLI, SRV, &r), EXO_WIRE_EHDRLEN);
    EXO_CHECK_EQ(exo_tcp_check(b, 40), EXO_WIRE_EHDRLEN);
  }
  b[12] = 0xb0; /* 44 bytes of header in a 40-byte buffer */
  EXO_CHECK_EQ(exo_tcp_parse(b, 40, CLI, SRV, &r), EXO_WIRE_EHDRLEN);
  b[12] = 0xf0;
  EXO_CHECK_EQ(exo_tcp_parse(b, 40, CLI, SRV, &r), EXO_WIRE_EHDRLEN);
  /* The reserved/NS bits next to the data offset do not disturb it. */
  memcpy(b, syn, 40);
  b[12] |= 0x0f;
  EXO_CHECK_EQ(exo_tcp_parse(b, 40, CLI, SRV, &r), 0);
  EXO_CHECK_EQ(r.header_len, 40);
}

EXO_TEST(round_trip) {
  const uint8_t *segs[] = {syn, synack, ack};
  size_t lens[] = {sizeof syn, sizeof synack, sizeof ack};
  uint32_t src[] = {CLI, SRV, CLI}, dst[] = {SRV, CLI, SRV};
  for (int i = 0; i < 3; i++) {
    struct exo_tcp_repr r, r2;
    EXO_CHECK_EQ(exo_tcp_parse(segs[i], lens[i], src[i], dst[i], &r), 0);
    uint8_t out[64];
    int hl = emit_into(&r, r.payload, out, sizeof out, src[i], dst[i]);
    EXO_CHECK_EQ(hl, r.header_len);
    EXO_CHECK_MEM(out, segs[i], lens[i]);
    EXO_CHECK_EQ(exo_tcp_parse(out, lens[i], src[i], dst[i], &r2), 0);
    EXO_CHECK(r2.checksum_ok);
    EXO_CHECK_EQ(r2.seq, r.seq);
    EXO_CHECK_EQ(r2.sack_count, r.sack_count);
  }
}

EXO_TEST(every_truncation_guarded) {
  const uint8_t *segs[] = {syn, synack, ack};
  size_t lens[] = {sizeof syn, sizeof synack, sizeof ack};
  for (int i = 0; i < 3; i++) {
    size_t hl = (size_t)(segs[i][12] >> 4) * 4;
    for (size_t n = 0; n < lens[i]; n++) {
      const uint8_t *g = exo_test_guarded(0, segs[i], n);
      struct exo_tcp_repr r;
      int err = exo_tcp_parse(g, n, CLI, SRV, &r);
      if (n < 20) {
        EXO_CHECK_EQ(err, EXO_WIRE_ETRUNCATED);
      } else if (n < hl) {
        EXO_CHECK_EQ(err, EXO_WIRE_EHDRLEN);
      } else {
        EXO_CHECK_EQ(err, 0); /* less data, same header */
        EXO_CHECK_EQ(r.payload_len, n - hl);
        EXO_CHECK(!r.checksum_ok);
      }
    }
  }
}
