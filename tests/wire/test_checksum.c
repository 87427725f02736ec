/* Checksums: the fast path equals the byte-pair reference for every length 0..2000 at
 * every alignment and on random buffers; known vectors (RFC 1071 example, a real IPv4
 * header); RFC 1624 incremental updates against full recomputation, with the corner
 * case RFC 1624 section 4 works through. */
#include <stdlib.h>

#include "exonet/wire.h"
#include "harness.h"

/* A small deterministic generator (xorshift64*) so failures reproduce. */
static uint64_t rng_next(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545f4914f6cdd1dull;
}

/* Independent model: a plain integer sum of big-endian words, folded. */
static uint32_t model_sum(const uint8_t *p, size_t len, uint32_t sum) {
  uint64_t s = sum;
  for (size_t i = 0; i < len; i++) s += (i % 2 == 0) ? (uint64_t)p[i] << 8 : p[i];
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (uint32_t)s;
}

EXO_TEST(rfc1071_example) {
  /* RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2. */
  static const uint8_t d[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXO_CHECK_EQ(exo_csum_partial(d, 8, 0), 0xddf2);
  EXO_CHECK_EQ(exo_csum_partial_ref(d, 8, 0), 0xddf2);
  EXO_CHECK_EQ(exo_csum(d, 8), 0x220d);
  EXO_CHECK_EQ(exo_csum_fold(0xddf2), 0x220d);
}

EXO_TEST(ipv4_header_vector) {
  /* A real header (checksum field 0xb861, the classic Wikipedia example): the sum over
   * the header including its checksum is 0, and recomputing gives the field back. */
  uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                   0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXO_CHECK_EQ(exo_csum(h, 20), 0);
  h[10] = h[11] = 0;
  EXO_CHECK_EQ(exo_csum(h, 20), 0xb861);
}

EXO_TEST(empty_odd_and_initial_sum) {
  static const uint8_t one[1] = {0xab};
  EXO_CHECK_EQ(exo_csum_partial(NULL, 0, 0), 0);
  EXO_CHECK_EQ(exo_csum_partial_ref(NULL, 0, 0), 0);
  EXO_CHECK_EQ(exo_csum_partial(NULL, 0, 0x1234), 0x1234);
  EXO_CHECK_EQ(exo_csum_partial(one, 1, 0), 0xab00); /* odd byte is the high half */
  EXO_CHECK_EQ(exo_csum_partial_ref(one, 1, 0), 0xab00);
  EXO_CHECK_EQ(exo_csum_partial(one, 1, 0x5500), 0x0001); /* 0xab00 + 0x5500 wraps */
  EXO_CHECK_EQ(exo_csum(NULL, 0), 0xffff);
  /* All-ones words: the one's complement sum stays 0xffff (negative zero). */
  uint8_t ff[64];
  memset(ff, 0xff, sizeof ff);
  EXO_CHECK_EQ(exo_csum_partial(ff, 64, 0), 0xffff);
  EXO_CHECK_EQ(exo_csum_partial_ref(ff, 64, 0), 0xffff);
  EXO_CHECK_EQ(exo_csum(ff, 64), 0);
}

EXO_TEST(fast_equals_ref_every_length_and_alignment) {
  enum { MAXLEN = 2000, ALIGN = 16 };
  uint8_t *buf = malloc(MAXLEN + ALIGN + 8);
  uint64_t s = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < MAXLEN + ALIGN + 8; i++) buf[i] = (uint8_t)rng_next(&s);
  int bad = 0;
  for (size_t align = 0; align < ALIGN; align++) {
    for (size_t len = 0; len <= MAXLEN; len++) {
      uint32_t init = (uint32_t)(len * 2654435761u) & 0x1ffff;
      uint32_t fast = exo_csum_partial(buf + align, len, init);
      uint32_t ref = exo_csum_partial_ref(buf + align, len, init);
      if (fast != ref || ref != model_sum(buf + align, len, init)) {
        if (bad++ < 5)
          exo_test_fail(__FILE__, __LINE__, "align %zu len %zu init %#x: fast %#x ref %#x model %#x",
                        align, len, init, fast, ref, model_sum(buf + align, len, init));
      }
    }
  }
  EXO_CHECK_EQ(bad, 0);
  free(buf);
}

EXO_TEST(fast_equals_ref_guarded_tail) {
  /* Each length ends at a PROT_NONE page: the fast path must not load past the end. */
  uint8_t src[257];
  for (size_t i = 0; i < sizeof src; i++) src[i] = (uint8_t)(i * 37 + 11);
  for (size_t len = 0; len <= sizeof src; len++) {
    const uint8_t *g = exo_test_guarded(0, src, len);
    EXO_CHECK_EQ(exo_csum_partial(g, len, 0), exo_csum_partial_ref(g, len, 0));
  }
}

EXO_TEST(fast_equals_ref_random_buffers) {
  uint64_t s = 42;
  uint8_t *buf = malloc(70000);
  int bad = 0;
  for (int iter = 0; iter < 3000; iter++) {
    size_t len = (size_t)(rng_next(&s) % (iter < 2900 ? 3000 : 70000));
    size_t off = (size_t)(rng_next(&s) % 8);
    if (len + off > 70000) len = 70000 - off;
    /* Mix of random, all-0xff and all-zero buffers: the carry-heavy and carry-free ends. */
    int kind = (int)(rng_next(&s) % 4);
    for (size_t i = 0; i < len + off; i++)
      buf[i] = kind == 0 ? 0xff : kind == 1 ? 0 : (uint8_t)rng_next(&s);
    uint32_t init = (uint32_t)rng_next(&s);
    if (exo_csum_partial(buf + off, len, init) != exo_csum_partial_ref(buf + off, len, init))
      bad++;
  }
  EXO_CHECK_EQ(bad, 0);
  free(buf);
}

EXO_TEST(pseudo_header) {
  /* 192.168.0.1 -> 192.168.0.199, UDP, 8 bytes: c0a8+0001+c0a8+00c7+0011+0008 */
  uint32_t expect = 0xc0a8 + 0x0001 + 0xc0a8 + 0x00c7 + 0x0011 + 0x0008;
  expect = (expect & 0xffff) + (expect >> 16);
  uint32_t got = exo_csum_pseudo_ipv4(EXO_IPV4(192, 168, 0, 1), EXO_IPV4(192, 168, 0, 199), 17, 8);
  EXO_CHECK_EQ(exo_csum_fold(got), exo_csum_fold(expect));
}

/* Full recomputation of an IPv4 header checksum with word `w` (index 0..9) set. */
static uint16_t recompute(uint8_t *h, int w, uint16_t v) {
  exo_wr16(h + 2 * w, v);
  exo_wr16(h + 10, 0);
  uint16_t c = exo_csum(h, 20);
  exo_wr16(h + 10, c);
  return c;
}

EXO_TEST(rfc1624_section4_corner_case) {
  /* RFC 1624 section 4: other octets sum to 0xcd7a, m = 0x5555 -> m' = 0x3285.
   * HC = ~(0xcd7a + 0x5555) = 0xdd2f; recomputation gives 0x0000; eqn. 2 would give
   * 0xffff, eqn. 3 must give 0x0000. */
  EXO_CHECK_EQ(exo_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
  /* The same with a real buffer: two words, one fixed (0xcd7a) and one changing. */
  uint8_t b[6] = {0xcd, 0x7a, 0x55, 0x55, 0, 0};
  exo_wr16(b + 4, exo_csum(b, 6));
  EXO_CHECK_EQ(exo_rd16(b + 4), 0xdd2f);
  uint16_t inc = exo_csum_update16(0xdd2f, 0x5555, 0x3285);
  b[2] = 0x32, b[3] = 0x85, b[4] = b[5] = 0;
  EXO_CHECK_EQ(inc, exo_csum(b, 6));
  /* And back: from checksum 0x0000 to the original field value. */
  EXO_CHECK_EQ(exo_csum_update16(0x0000, 0x3285, 0x5555), 0xdd2f);
  /* Changing a field between 0x0000 and 0xffff (both "zero" in one's complement)
   * leaves the checksum as full recomputation gives it. */
  uint8_t c[6] = {0x12, 0x34, 0x00, 0x00, 0, 0};
  exo_wr16(c + 4, exo_csum(c, 6));
  uint16_t before = exo_rd16(c + 4);
  c[2] = c[3] = 0xff, c[4] = c[5] = 0;
  EXO_CHECK_EQ(exo_csum_update16(before, 0x0000, 0xffff), exo_csum(c, 6));
}

EXO_TEST(rfc1624_incremental_matches_recompute) {
  uint64_t s = 7;
  int bad = 0;
  for (int iter = 0; iter < 200000; iter++) {
    uint8_t h[20];
    for (int i = 0; i < 20; i++) h[i] = (uint8_t)rng_next(&s);
    /* Bias some headers towards sums near 0x0000/0xffff. */
    if (iter % 4 == 0) memset(h, 0xff, 20);
    if (iter % 4 == 1) memset(h, 0x00, 20), h[0] = 0x45;
    int w = (int)(rng_next(&s) % 10);
    if (w == 5) w = 6; /* not the checksum word itself */
    uint16_t nv = (uint16_t)rng_next(&s);
    if (iter % 8 == 2) nv = 0xffff;
    if (iter % 8 == 3) nv = 0x0000;
    uint16_t ov = exo_rd16(h + 2 * w);
    uint16_t c0 = recompute(h, w, ov);
    uint16_t inc = exo_csum_update16(c0, ov, nv);
    uint16_t full = recompute(h, w, nv);
    if (inc != full && bad++ < 5)
      exo_test_fail(__FILE__, __LINE__, "word %d %#x->%#x: inc %#x full %#x", w, ov, nv, inc, full);
    /* 32-bit update: an address (words 6-7 or 8-9). */
    int a = (iter % 2) ? 6 : 8;
    uint32_t oa = exo_rd32(h + 2 * a);
    uint32_t na = (uint32_t)rng_next(&s);
    uint16_t c1 = exo_rd16(h + 10);
    uint16_t inc32 = exo_csum_update32(c1, oa, na);
    exo_wr32(h + 2 * a, na);
    exo_wr16(h + 10, 0);
    uint16_t full32 = exo_csum(h, 20);
    if (inc32 != full32 && bad++ < 5)
      exo_test_fail(__FILE__, __LINE__, "addr %#x->%#x: inc %#x full %#x", oa, na, inc32, full32);
  }
  EXO_CHECK_EQ(bad, 0);
}
