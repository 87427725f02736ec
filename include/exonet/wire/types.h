/* Common pieces of the wire layer: addresses, big-endian access, parse errors.
 *
 * The wire layer is stateless and allocates nothing. Every parser takes untrusted bytes
 * (buf, len), never reads outside them, and returns 0 or a specific negative
 * `enum exo_wire_error`. Every emitter writes a repr into a caller's buffer of `cap`
 * bytes and returns the number of header bytes written or EXO_WIRE_ENOSPC.
 * Addresses and numbers in reprs are in host byte order. */
#ifndef EXONET_WIRE_TYPES_H
#define EXONET_WIRE_TYPES_H

#include "exonet/platform.h"

enum exo_wire_error {
  EXO_WIRE_OK = 0,
  EXO_WIRE_ETRUNCATED = -1,     /* buffer shorter than the header or a length field says */
  EXO_WIRE_EVERSION = -2,       /* IP version is not 4 */
  EXO_WIRE_EHDRLEN = -3,        /* header length field too small or past the buffer */
  EXO_WIRE_ETOTLEN = -4,        /* total/length field smaller than the header */
  EXO_WIRE_EBADOPT = -5,        /* option with a bad length or running past its area */
  EXO_WIRE_EHWTYPE = -6,        /* ARP/DHCP hardware or protocol type/length unsupported */
  EXO_WIRE_EBADFIELD = -7,      /* a field holds a value the format forbids */
  EXO_WIRE_ENOSPC = -8,         /* emit: output buffer too small */
  EXO_WIRE_EMAGIC = -9,         /* DHCP magic cookie missing */
  EXO_WIRE_ETOOMANYTAGS = -10,  /* more VLAN tags than supported */
  EXO_WIRE_EFRAGMENT = -11,     /* transport header asked of a non-first IP fragment */
};

/* A short English reason for an error code ("truncated", ...). Never NULL. */
const char *exo_wire_strerror(int error);

struct exo_mac {
  uint8_t b[6];
};

#define EXO_MAC_BROADCAST ((struct exo_mac){{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}})

static inline bool exo_mac_eq(struct exo_mac a, struct exo_mac b) {
  return exo_memcmp(a.b, b.b, 6) == 0;
}
static inline bool exo_mac_is_broadcast(struct exo_mac a) {
  return (a.b[0] & a.b[1] & a.b[2] & a.b[3] & a.b[4] & a.b[5]) == 0xff;
}
static inline bool exo_mac_is_multicast(struct exo_mac a) { return (a.b[0] & 1) != 0; }

/* IPv4 addresses are uint32_t in host byte order: 10.0.0.1 is 0x0a000001. */
#define EXO_IPV4(a, b, c, d) \
  (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))
#define EXO_IPV4_ANY 0u
#define EXO_IPV4_BROADCAST 0xffffffffu

static inline uint16_t exo_rd16(const uint8_t *p) {
  return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}
static inline uint32_t exo_rd32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void exo_wr16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static inline void exo_wr32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

#endif
