/* Initial sequence numbers (RFC 6528) and per-connection timestamp offsets.
 *
 * ISN = M + F(localip, localport, remoteip, remoteport, secretkey), where M is a timer
 * ticking every 4 microseconds (RFC 9293 3.4.1) and F is SipHash-2-4 keyed with
 * tcp->isn_key (random at init). The timestamp offset uses a second domain of the same
 * PRF so TSval does not reveal uptime or link connections (as Linux does).
 * Invariant: pure functions of (key, tuple, now). */
#include "stack/tcp_int.h"

static uint64_t tuple_hash(const uint8_t key[16], uint8_t domain, uint32_t lip,
                           uint16_t lport, uint32_t rip, uint16_t rport) {
  uint8_t b[13];
  exo_wr32(b, lip);
  exo_wr16(b + 4, lport);
  exo_wr32(b + 6, rip);
  exo_wr16(b + 10, rport);
  b[12] = domain;
  return exo__siphash24(key, b, sizeof b);
}

uint32_t exo__tcp_isn(const struct exo_tcp *tcp, uint64_t now, uint32_t lip, uint16_t lport,
                      uint32_t rip, uint16_t rport) {
  return (uint32_t)(now / 4u) + (uint32_t)tuple_hash(tcp->isn_key, 0, lip, lport, rip, rport);
}

uint32_t exo__tcp_ts_offset(const struct exo_tcp *tcp, uint32_t lip, uint16_t lport,
                            uint32_t rip, uint16_t rport) {
  return (uint32_t)tuple_hash(tcp->isn_key, 1, lip, lport, rip, rport);
}
