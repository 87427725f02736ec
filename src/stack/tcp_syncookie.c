/* SYN cookies (RFC 4987 3.6): when a listener's SYN queue is full, the SYN-ACK's ISN
 * encodes what the connection needs, and no state is kept until the final ACK.
 *
 * Cookie layout (32 bits): [31..24] a counter of 64-second periods, [23..2] 22 bits of
 * SipHash-2-4(cookie_key, tuple, peer ISN, counter), [1..0] an index into a table of
 * four MSS values. A cookie is valid for the current and the previous period (64 to
 * 128 s). Window scale and SACK-permitted survive only when the peer uses timestamps:
 * they ride in the low 5 bits of our TSval, which the peer echoes (Linux does the same).
 * Invariant: pure functions of (key, tuple, now); nothing is stored. */
#include "stack/tcp_int.h"

static const uint16_t mss_table[4] = {536, 1220, 1440, 1460};
#define COOKIE_PERIOD_US 64000000ull

static uint32_t cookie_hash(const struct exo_tcp *tcp, uint32_t lip, uint16_t lport,
                            uint32_t rip, uint16_t rport, uint32_t peer_isn, uint32_t t) {
  uint8_t b[17];
  exo_wr32(b, lip);
  exo_wr16(b + 4, lport);
  exo_wr32(b + 6, rip);
  exo_wr16(b + 10, rport);
  exo_wr32(b + 12, peer_isn);
  b[16] = (uint8_t)t;
  return (uint32_t)exo__siphash24(tcp->cookie_key, b, sizeof b);
}

uint32_t exo__syncookie_make(const struct exo_tcp *tcp, uint64_t now, uint32_t lip,
                             uint16_t lport, uint32_t rip, uint16_t rport, uint32_t peer_isn,
                             uint16_t mss, uint16_t *mss_used) {
  uint32_t idx = 0;
  for (uint32_t i = 0; i < 4; i++)
    if (mss_table[i] <= mss) idx = i;
  uint32_t t = (uint32_t)(now / COOKIE_PERIOD_US) & 0xffu;
  uint32_t h = cookie_hash(tcp, lip, lport, rip, rport, peer_isn, t);
  if (mss_used) *mss_used = mss_table[idx];
  return (t << 24) | ((h & 0x3fffffu) << 2) | idx;
}

uint16_t exo__syncookie_check(const struct exo_tcp *tcp, uint64_t now, uint32_t lip,
                              uint16_t lport, uint32_t rip, uint16_t rport, uint32_t peer_isn,
                              uint32_t cookie) {
  uint32_t t_now = (uint32_t)(now / COOKIE_PERIOD_US) & 0xffu;
  uint32_t t = cookie >> 24;
  if (((t_now - t) & 0xffu) > 1) return 0;
  uint32_t h = cookie_hash(tcp, lip, lport, rip, rport, peer_isn, t);
  if (((cookie >> 2) & 0x3fffffu) != (h & 0x3fffffu)) return 0;
  return mss_table[cookie & 3u];
}

uint32_t exo__syncookie_ts_encode(uint32_t tsval, const struct exo__syncookie_opts *o) {
  uint32_t bits = (o->ws ? (o->wscale & 0xfu) : 0xfu) | (o->sack ? 0x10u : 0u);
  return (tsval & ~0x1fu) | bits;
}

void exo__syncookie_ts_decode(uint32_t tsecr, struct exo__syncookie_opts *o) {
  uint32_t ws = tsecr & 0xfu;
  o->ws = ws != 0xfu && ws <= 14;
  o->wscale = o->ws ? (uint8_t)ws : 0;
  o->sack = (tsecr & 0x10u) != 0;
  o->ts = true;
}
