/* ICMPv4 (RFC 792). The 4 bytes after the checksum ("rest of header") are kept raw in
 * `rest`, with accessors for echo and "fragmentation needed". For error messages the
 * payload is the quoted IP header plus at least 8 bytes of the offending datagram. */
#ifndef EXONET_WIRE_ICMP_H
#define EXONET_WIRE_ICMP_H

#include "exonet/wire/types.h"

#define EXO_ICMP_HEADER_LEN 8

#define EXO_ICMP_ECHO_REPLY 0
#define EXO_ICMP_DEST_UNREACH 3
#define EXO_ICMP_SOURCE_QUENCH 4
#define EXO_ICMP_REDIRECT 5
#define EXO_ICMP_ECHO_REQUEST 8
#define EXO_ICMP_TIME_EXCEEDED 11
#define EXO_ICMP_PARAM_PROBLEM 12

/* Destination unreachable codes. */
#define EXO_ICMP_NET_UNREACH 0
#define EXO_ICMP_HOST_UNREACH 1
#define EXO_ICMP_PROTO_UNREACH 2
#define EXO_ICMP_PORT_UNREACH 3
#define EXO_ICMP_FRAG_NEEDED 4

struct exo_icmp_repr {
  uint8_t type;
  uint8_t code;
  uint32_t rest;        /* echo: ident << 16 | seq; frag needed: low 16 bits = MTU */
  bool checksum_ok;     /* set by parse */
  const uint8_t *payload;
  size_t payload_len;
};

static inline uint16_t exo_icmp_echo_ident(const struct exo_icmp_repr *r) { return (uint16_t)(r->rest >> 16); }
static inline uint16_t exo_icmp_echo_seq(const struct exo_icmp_repr *r) { return (uint16_t)r->rest; }
static inline bool exo_icmp_is_error(uint8_t type) {
  return type == EXO_ICMP_DEST_UNREACH || type == EXO_ICMP_SOURCE_QUENCH ||
         type == EXO_ICMP_REDIRECT || type == EXO_ICMP_TIME_EXCEEDED ||
         type == EXO_ICMP_PARAM_PROBLEM;
}

/* Errors: EXO_WIRE_ETRUNCATED. */
int exo_icmp_parse(const uint8_t *buf, size_t len, struct exo_icmp_repr *repr);
/* The payload (payload_len bytes) must already be at buf + EXO_ICMP_HEADER_LEN: the
 * checksum covers it. Returns EXO_ICMP_HEADER_LEN or EXO_WIRE_ENOSPC. */
int exo_icmp_emit(const struct exo_icmp_repr *repr, uint8_t *buf, size_t cap);

#endif
