/* SipHash-2-4 against the reference vector, and RFC 6528 initial sequence numbers:
 * a 4 microsecond clock plus a keyed per-tuple offset. */
#include "tcp_script.c"
#include "stack/tcp_int.h"

EXO_TEST(siphash_reference_vectors) {
  uint8_t key[16], msg[64];
  for (int i = 0; i < 16; i++) key[i] = (uint8_t)i;
  for (int i = 0; i < 64; i++) msg[i] = (uint8_t)i;
  /* From the SipHash paper (appendix A): 15-byte message 00..0e. */
  EXO_CHECK(exo__siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
  /* The reference implementation's vectors for lengths 0 and 8. */
  EXO_CHECK(exo__siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ull);
  EXO_CHECK(exo__siphash24(key, msg, 8) == 0x93f5f5799a932462ull);
}

EXO_TEST(isn_is_keyed_and_clocked) {
  struct tscript t;
  ts_init(&t, NULL);
  struct exo_tcp *tcp = &t.tcp;
  uint64_t now = 1000000;
  uint32_t a = exo__tcp_isn(tcp, now, TS_LOCAL, 80, TS_REMOTE, 5000);
  /* The clock part: +1 per 4 us. */
  EXO_CHECK_EQ(exo__tcp_isn(tcp, now + 4000, TS_LOCAL, 80, TS_REMOTE, 5000) - a, 1000);
  /* Another tuple lands elsewhere in sequence space. */
  uint32_t b = exo__tcp_isn(tcp, now, TS_LOCAL, 80, TS_REMOTE, 5001);
  EXO_CHECK(a != b);
  /* Another key (another stack, or after a restart) too. */
  struct exo_tcp other = *tcp;
  other.isn_key[0] ^= 1;
  EXO_CHECK(exo__tcp_isn(&other, now, TS_LOCAL, 80, TS_REMOTE, 5000) != a);
  /* Connections use it: the SYN carries exactly this ISN. */
  struct exo_tcp_sock *s = exo_tcp_open(tcp, NULL);
  exo_tcp_bind(s, 0, 80);
  exo_tcp_connect(s, t.now, TS_REMOTE, 5000);
  struct ts_seg *syn = TS_EXPECT(&t, EXO_TCP_SYN, TS_ANY, 0, TS_ANY, 0);
  EXO_CHECK_EQ(syn->h.seq, exo__tcp_isn(tcp, t.now, TS_LOCAL, 80, TS_REMOTE, 5000));
  /* Timestamps run at 1 kHz from a per-connection keyed offset. */
  EXO_CHECK_EQ(syn->h.ts_val, (uint32_t)(t.now / 1000) +
                                   exo__tcp_ts_offset(tcp, TS_LOCAL, 80, TS_REMOTE, 5000));
  exo_tcp_close(s, t.now);
  ts_fini(&t);
}
