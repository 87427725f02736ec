/* The Internet checksum (RFC 1071) and incremental updates (RFC 1624 eqn. 3).
 *
 * Invariants: exo_csum_partial and exo_csum_partial_ref return the same value for the
 * same input, bit for bit: both return the end-around-carry sum of the input words and
 * `sum`, folded to 16 bits (0 only when everything summed was zero). Folding is
 * canonical, so any order of additions gives the same result, which is what lets the
 * fast path add eight bytes at a time in the machine's byte order (RFC 1071 2.B: the
 * sum is byte-order independent up to a final swap). Loads go through memcpy, so any
 * alignment is fine and nothing is read outside [data, data + len). */
#include "exonet/wire/checksum.h"

/* End-around-carry fold of a 64-bit sum to 16 bits. Preserves the value modulo 0xffff
 * and maps a non-zero input to 1..0xffff. */
static uint32_t fold64(uint64_t s) {
  s = (s & 0xffffffffu) + (s >> 32);
  s = (s & 0xffffffffu) + (s >> 32);
  s = (s & 0xffffu) + (s >> 16);
  s = (s & 0xffffu) + (s >> 16);
  s = (s & 0xffffu) + (s >> 16);
  return (uint32_t)s;
}

uint32_t exo_csum_partial_ref(const void *data, size_t len, uint32_t sum) {
  const uint8_t *p = data;
  uint64_t s = sum;
  size_t i = 0;
  for (; i + 1 < len; i += 2) s += (uint32_t)p[i] << 8 | p[i + 1];
  if (i < len) s += (uint32_t)p[i] << 8; /* an odd last byte is the high half of a word */
  return fold64(s);
}

static inline uint64_t load64(const uint8_t *p) {
  uint64_t v;
  exo_memcpy(&v, p, 8);
  return v;
}

/* Adds the 32-bit halves of each 64-bit word into two accumulators: no carries to
 * propagate (2^32 words would be needed to overflow 64 bits), and the two chains are
 * independent, so the loop runs at the machine's load rate. */
uint32_t exo_csum_partial(const void *data, size_t len, uint32_t sum) {
  const uint8_t *p = data;
  uint64_t a = 0, b = 0, c = 0, d = 0;
  while (len >= 32) {
    uint64_t w0 = load64(p), w1 = load64(p + 8), w2 = load64(p + 16), w3 = load64(p + 24);
    a += (w0 & 0xffffffffu) + (w0 >> 32);
    b += (w1 & 0xffffffffu) + (w1 >> 32);
    c += (w2 & 0xffffffffu) + (w2 >> 32);
    d += (w3 & 0xffffffffu) + (w3 >> 32);
    p += 32;
    len -= 32;
  }
  while (len >= 8) {
    uint64_t w = load64(p);
    a += (w & 0xffffffffu) + (w >> 32);
    p += 8;
    len -= 8;
  }
  uint64_t s = a + b + c + d;
  if (len) {
    /* The tail, zero-padded to a whole word; an odd last byte lands in the word's high
     * (big-endian) half, exactly as in the reference. */
    uint8_t tail[8] = {0};
    exo_memcpy(tail, p, len);
    uint64_t w = load64(tail);
    s += (w & 0xffffffffu) + (w >> 32);
  }
  uint32_t f = fold64(s);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  f = (uint32_t)(((f & 0xffu) << 8) | (f >> 8));
#endif
  return fold64((uint64_t)f + sum);
}

uint16_t exo_csum_fold(uint32_t sum) { return (uint16_t)~fold64(sum); }

uint16_t exo_csum(const void *data, size_t len) {
  return exo_csum_fold(exo_csum_partial(data, len, 0));
}

uint32_t exo_csum_pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t protocol, uint16_t l4_len) {
  uint64_t s = (uint64_t)(src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu) +
               protocol + l4_len;
  return fold64(s);
}

/* RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'): unlike eqn. 2 it never yields the "negative
 * zero" 0xffff where a full recomputation gives 0x0000. */
uint16_t exo_csum_update16(uint16_t checksum, uint16_t old_value, uint16_t new_value) {
  uint64_t s = (uint16_t)~checksum;
  s += (uint16_t)~old_value;
  s += new_value;
  return (uint16_t)~fold64(s);
}

uint16_t exo_csum_update32(uint16_t checksum, uint32_t old_value, uint32_t new_value) {
  uint64_t s = (uint16_t)~checksum;
  s += (uint16_t)~(old_value >> 16);
  s += (uint16_t)~old_value;
  s += new_value >> 16;
  s += new_value & 0xffffu;
  return (uint16_t)~fold64(s);
}
