/* ICMPv4 (RFC 792): echo request and "fragmentation needed" (RFC 1191) fixtures with
 * independently computed checksums; parse, exact emit, round trip, truncations. */
#include "exonet/wire.h"
#include "harness.h"

/* Echo request, id 0x4024, seq 1, payload "abcdefgh". */
static const uint8_t echo[16] = {
    0x08, 0x00, 0x26, 0x45, /* type 8, code 0, checksum */
    0x40, 0x24, 0x00, 0x01, /* ident, sequence */
    0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
};

/* Destination unreachable / fragmentation needed, next-hop MTU 1400, quoting an IPv4
 * header (192.168.1.10 -> 10.0.0.1, UDP) and the first 8 bytes of its datagram. */
static const uint8_t unreach[36] = {
    0x03, 0x04, 0xeb, 0x73, 0x00, 0x00, 0x05, 0x78,
    0x45, 0xb8, 0x00, 0x1c, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x11, 0xc2, 0x98,
    0xc0, 0xa8, 0x01, 0x0a, 0x0a, 0x00, 0x00, 0x01,
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
};

EXO_TEST(parse_echo) {
  struct exo_icmp_repr r;
  EXO_CHECK_EQ(exo_icmp_parse(echo, sizeof echo, &r), 0);
  EXO_CHECK_EQ(r.type, EXO_ICMP_ECHO_REQUEST);
  EXO_CHECK_EQ(r.code, 0);
  EXO_CHECK_EQ(r.rest, 0x40240001u);
  EXO_CHECK_EQ(exo_icmp_echo_ident(&r), 0x4024);
  EXO_CHECK_EQ(exo_icmp_echo_seq(&r), 1);
  EXO_CHECK(r.checksum_ok);
  EXO_CHECK(r.payload == echo + 8);
  EXO_CHECK_EQ(r.payload_len, 8);
  EXO_CHECK(!exo_icmp_is_error(r.type));
}

EXO_TEST(parse_frag_needed) {
  struct exo_icmp_repr r;
  EXO_CHECK_EQ(exo_icmp_parse(unreach, sizeof unreach, &r), 0);
  EXO_CHECK_EQ(r.type, EXO_ICMP_DEST_UNREACH);
  EXO_CHECK_EQ(r.code, EXO_ICMP_FRAG_NEEDED);
  EXO_CHECK_EQ(r.rest & 0xffff, 1400);
  EXO_CHECK(r.checksum_ok);
  EXO_CHECK(exo_icmp_is_error(r.type));
  EXO_CHECK_EQ(r.payload_len, 28);
  /* The quoted datagram parses as IPv4 header + 8 bytes. */
  EXO_CHECK_EQ(exo_ipv4_check(r.payload, r.payload_len), 0);
  EXO_CHECK_EQ(exo_ipv4_view_dst(r.payload), EXO_IPV4(10, 0, 0, 1));
}

EXO_TEST(bad_checksum_is_verdict) {
  uint8_t b[16];
  memcpy(b, echo, 16);
  b[15] ^= 1;
  struct exo_icmp_repr r;
  EXO_CHECK_EQ(exo_icmp_parse(b, 16, &r), 0);
  EXO_CHECK(!r.checksum_ok);
}

EXO_TEST(emit_exact) {
  uint8_t out[40];
  memset(out, 0xee, sizeof out);
  memcpy(out + 8, "abcdefgh", 8);
  struct exo_icmp_repr r = {.type = 8, .code = 0, .rest = 0x40240001u, .payload_len = 8};
  EXO_CHECK_EQ(exo_icmp_emit(&r, out, 16), 8);
  EXO_CHECK_MEM(out, echo, 16);
  EXO_CHECK_EQ(out[16], 0xee);
  memcpy(out + 8, unreach + 8, 28);
  struct exo_icmp_repr u = {.type = 3, .code = 4, .rest = 1400, .payload_len = 28};
  EXO_CHECK_EQ(exo_icmp_emit(&u, out, sizeof out), 8);
  EXO_CHECK_MEM(out, unreach, 36);
  /* The payload must fit the buffer too: the checksum reads it. */
  EXO_CHECK_EQ(exo_icmp_emit(&u, out, 35), EXO_WIRE_ENOSPC);
  EXO_CHECK_EQ(exo_icmp_emit(&u, out, 7), EXO_WIRE_ENOSPC);
  struct exo_icmp_repr empty = {.type = 0};
  EXO_CHECK_EQ(exo_icmp_emit(&empty, out, 8), 8);
  EXO_CHECK_EQ(exo_csum(out, 8), 0);
}

EXO_TEST(round_trip) {
  const uint8_t *pkts[] = {echo, unreach};
  size_t lens[] = {sizeof echo, sizeof unreach};
  for (int i = 0; i < 2; i++) {
    struct exo_icmp_repr r, r2;
    EXO_CHECK_EQ(exo_icmp_parse(pkts[i], lens[i], &r), 0);
    uint8_t out[64];
    memcpy(out + 8, r.payload, r.payload_len);
    EXO_CHECK_EQ(exo_icmp_emit(&r, out, sizeof out), 8);
    EXO_CHECK_MEM(out, pkts[i], lens[i]);
    EXO_CHECK_EQ(exo_icmp_parse(out, lens[i], &r2), 0);
    EXO_CHECK_EQ(r2.type, r.type);
    EXO_CHECK_EQ(r2.code, r.code);
    EXO_CHECK_EQ(r2.rest, r.rest);
    EXO_CHECK(r2.checksum_ok);
  }
}

EXO_TEST(every_truncation_guarded) {
  const uint8_t *pkts[] = {echo, unreach};
  size_t lens[] = {sizeof echo, sizeof unreach};
  for (int i = 0; i < 2; i++) {
    for (size_t n = 0; n < lens[i]; n++) {
      const uint8_t *g = exo_test_guarded(0, pkts[i], n);
      struct exo_icmp_repr r;
      int err = exo_icmp_parse(g, n, &r);
      if (n < 8) {
        EXO_CHECK_EQ(err, EXO_WIRE_ETRUNCATED);
      } else {
        /* A shorter message is still a message (its checksum then fails). */
        EXO_CHECK_EQ(err, 0);
        EXO_CHECK_EQ(r.payload_len, n - 8);
        EXO_CHECK(!r.checksum_ok);
      }
    }
  }
}
