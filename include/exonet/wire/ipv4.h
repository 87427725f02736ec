/* IPv4 headers (RFC 791). Parse checks version, header length and total length against
 * the buffer, trims link-layer padding (payload_len comes from the total length), skips
 * options safely (they are exposed, not interpreted) and recognises fragments. The
 * header checksum is verified and reported, not enforced: callers drop on
 * !checksum_ok (the stack) or print the verdict (decode). Emit writes a 20-byte header
 * with no options and a correct checksum. */
#ifndef EXONET_WIRE_IPV4_H
#define EXONET_WIRE_IPV4_H

#include "exonet/wire/types.h"

#define EXO_IPV4_HEADER_LEN 20
#define EXO_IPV4_MAX_HEADER_LEN 60

#define EXO_IP_PROTO_ICMP 1
#define EXO_IP_PROTO_IGMP 2
#define EXO_IP_PROTO_TCP 6
#define EXO_IP_PROTO_UDP 17

struct exo_ipv4_repr {
  uint32_t src, dst;
  uint8_t protocol;
  uint8_t ttl;
  uint8_t tos;          /* DSCP << 2 | ECN */
  uint16_t ident;
  bool dont_fragment;
  bool more_fragments;
  uint16_t frag_offset; /* in bytes (the field times 8) */
  /* Set by parse; emit ignores them (no options, checksum computed). */
  uint8_t header_len;   /* 20..60 */
  bool checksum_ok;
  const uint8_t *options;
  uint8_t options_len;
  /* Parse: bytes after the header up to the total length. Emit: the payload length
   * that goes into the total length field. */
  const uint8_t *payload;
  size_t payload_len;
};

static inline bool exo_ipv4_is_fragment(const struct exo_ipv4_repr *r) {
  return r->more_fragments || r->frag_offset != 0;
}

/* Errors: EXO_WIRE_ETRUNCATED (buffer shorter than 20 bytes or than the total length),
 * EXO_WIRE_EVERSION, EXO_WIRE_EHDRLEN (IHL < 5 or past the buffer),
 * EXO_WIRE_ETOTLEN (total length < header length). */
int exo_ipv4_parse(const uint8_t *buf, size_t len, struct exo_ipv4_repr *repr);
/* Returns EXO_IPV4_HEADER_LEN or EXO_WIRE_ENOSPC / EXO_WIRE_ETOTLEN (payload too big) /
 * EXO_WIRE_EBADFIELD (frag_offset not a multiple of 8). */
int exo_ipv4_emit(const struct exo_ipv4_repr *repr, uint8_t *buf, size_t cap);

/* Checked view: after exo_ipv4_check(buf, len) == 0 the accessors below may read buf. */
int exo_ipv4_check(const uint8_t *buf, size_t len);
static inline uint8_t exo_ipv4_view_header_len(const uint8_t *b) { return (uint8_t)((b[0] & 0x0f) * 4); }
static inline uint16_t exo_ipv4_view_total_len(const uint8_t *b) { return exo_rd16(b + 2); }
static inline uint8_t exo_ipv4_view_protocol(const uint8_t *b) { return b[9]; }
static inline uint32_t exo_ipv4_view_src(const uint8_t *b) { return exo_rd32(b + 12); }
static inline uint32_t exo_ipv4_view_dst(const uint8_t *b) { return exo_rd32(b + 16); }
static inline uint16_t exo_ipv4_view_frag_field(const uint8_t *b) { return exo_rd16(b + 6); }

#endif
