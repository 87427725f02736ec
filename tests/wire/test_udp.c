/* UDP (RFC 768): a DNS-sized datagram with an independently computed checksum; the
 * "no checksum" and "computed zero sent as 0xffff" cases; lengths; truncations. */
#include "exonet/wire.h"
#include "harness.h"

#define SRC EXO_IPV4(10, 0, 0, 1)
#define DST EXO_IPV4(10, 0, 0, 2)

/* 10.0.0.1:5353 -> 10.0.0.2:53, length 12, 4 payload bytes. */
static const uint8_t dgram[12] = {
    0x14, 0xe9, 0x00, 0x35, /* ports */
    0x00, 0x0c, 0xc3, 0x81, /* length 12, checksum */
    0x12, 0x34, 0x01, 0x00,
};

EXO_TEST(parse_every_field) {
  struct exo_udp_repr r;
  EXO_CHECK_EQ(exo_udp_parse(dgram, sizeof dgram, SRC, DST, &r), 0);
  EXO_CHECK_EQ(r.src_port, 5353);
  EXO_CHECK_EQ(r.dst_port, 53);
  EXO_CHECK(r.checksum_present);
  EXO_CHECK(r.checksum_ok);
  EXO_CHECK(r.payload == dgram + 8);
  EXO_CHECK_EQ(r.payload_len, 4);
  /* The pseudo-header matters: other addresses make the checksum wrong. */
  EXO_CHECK_EQ(exo_udp_parse(dgram, sizeof dgram, SRC, EXO_IPV4(10, 0, 0, 3), &r), 0);
  EXO_CHECK(!r.checksum_ok);
}

EXO_TEST(no_checksum) {
  uint8_t b[12];
  memcpy(b, dgram, 12);
  b[6] = b[7] = 0;
  struct exo_udp_repr r;
  EXO_CHECK_EQ(exo_udp_parse(b, 12, SRC, DST, &r), 0);
  EXO_CHECK(!r.checksum_present);
  EXO_CHECK(r.checksum_ok);
}

EXO_TEST(zero_sum_sent_as_ffff) {
  /* 1000 -> 2000 with payload e0 1f: the computed checksum is 0, sent as 0xffff. */
  uint8_t out[10] = {0, 0, 0, 0, 0, 0, 0, 0, 0xe0, 0x1f};
  struct exo_udp_repr r = {.src_port = 1000, .dst_port = 2000, .payload_len = 2};
  EXO_CHECK_EQ(exo_udp_emit(&r, out, sizeof out, SRC, DST), 8);
  EXO_CHECK_EQ(exo_rd16(out + 6), 0xffff);
  struct exo_udp_repr p;
  EXO_CHECK_EQ(exo_udp_parse(out, sizeof out, SRC, DST, &p), 0);
  EXO_CHECK(p.checksum_present);
  EXO_CHECK(p.checksum_ok);
}

EXO_TEST(trailing_bytes_trimmed) {
  uint8_t b[20];
  memset(b, 0xaa, sizeof b);
  memcpy(b, dgram, 12);
  struct exo_udp_repr r;
  EXO_CHECK_EQ(exo_udp_parse(b, sizeof b, SRC, DST, &r), 0);
  EXO_CHECK_EQ(r.payload_len, 4);
  EXO_CHECK(r.checksum_ok);
}

EXO_TEST(impossible_lengths) {
  uint8_t b[12];
  memcpy(b, dgram, 12);
  struct exo_udp_repr r;
  for (uint16_t l = 0; l < 8; l++) {
    exo_wr16(b + 4, l);
    EXO_CHECK_EQ(exo_udp_parse(b, 12, SRC, DST, &r), EXO_WIRE_ETOTLEN);
  }
  exo_wr16(b + 4, 13);
  EXO_CHECK_EQ(exo_udp_parse(b, 12, SRC, DST, &r), EXO_WIRE_ETRUNCATED);
  exo_wr16(b + 4, 0xffff);
  EXO_CHECK_EQ(exo_udp_parse(b, 12, SRC, DST, &r), EXO_WIRE_ETRUNCATED);
  exo_wr16(b + 4, 8); /* header only: an empty datagram */
  EXO_CHECK_EQ(exo_udp_parse(b, 12, SRC, DST, &r), 0);
  EXO_CHECK_EQ(r.payload_len, 0);
}

EXO_TEST(emit_exact_and_errors) {
  uint8_t out[16];
  memset(out, 0xee, sizeof out);
  memcpy(out + 8, dgram + 8, 4);
  struct exo_udp_repr r = {.src_port = 5353, .dst_port = 53, .payload_len = 4};
  EXO_CHECK_EQ(exo_udp_emit(&r, out, 12, SRC, DST), 8);
  EXO_CHECK_MEM(out, dgram, 12);
  EXO_CHECK_EQ(out[12], 0xee);
  EXO_CHECK_EQ(exo_udp_emit(&r, out, 11, SRC, DST), EXO_WIRE_ENOSPC);
  EXO_CHECK_EQ(exo_udp_emit(&r, out, 7, SRC, DST), EXO_WIRE_ENOSPC);
  struct exo_udp_repr big = {.payload_len = 65528};
  EXO_CHECK_EQ(exo_udp_emit(&big, out, sizeof out, SRC, DST), EXO_WIRE_ETOTLEN);
}

EXO_TEST(round_trip) {
  struct exo_udp_repr r, r2;
  EXO_CHECK_EQ(exo_udp_parse(dgram, 12, SRC, DST, &r), 0);
  uint8_t out[12];
  memcpy(out + 8, r.payload, r.payload_len);
  EXO_CHECK_EQ(exo_udp_emit(&r, out, sizeof out, SRC, DST), 8);
  EXO_CHECK_MEM(out, dgram, 12);
  EXO_CHECK_EQ(exo_udp_parse(out, 12, SRC, DST, &r2), 0);
  EXO_CHECK_EQ(r2.src_port, r.src_port);
  EXO_CHECK_EQ(r2.dst_port, r.dst_port);
  EXO_CHECK_EQ(r2.payload_len, r.payload_len);
  EXO_CHECK(r2.checksum_ok);
}

EXO_TEST(every_truncation_guarded) {
  for (size_t n = 0; n < sizeof dgram; n++) {
    const uint8_t *g = exo_test_guarded(0, dgram, n);
    struct exo_udp_repr r;
    EXO_CHECK_EQ(exo_udp_parse(g, n, SRC, DST, &r), EXO_WIRE_ETRUNCATED);
  }
}
