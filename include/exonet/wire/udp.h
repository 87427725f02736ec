/* UDP (RFC 768). The checksum needs the IPv4 pseudo-header, so parse and emit take the
 * addresses. A zero checksum on receive means "none" (checksum_present false). */
#ifndef EXONET_WIRE_UDP_H
#define EXONET_WIRE_UDP_H

#include "exonet/wire/types.h"

#define EXO_UDP_HEADER_LEN 8

struct exo_udp_repr {
  uint16_t src_port;
  uint16_t dst_port;
  bool checksum_present; /* set by parse */
  bool checksum_ok;      /* set by parse; true when absent */
  /* Parse: the datagram's payload (trimmed to the UDP length field). Emit: its length. */
  const uint8_t *payload;
  size_t payload_len;
};

/* Errors: EXO_WIRE_ETRUNCATED (buffer shorter than 8 or than the length field),
 * EXO_WIRE_ETOTLEN (length field < 8). */
int exo_udp_parse(const uint8_t *buf, size_t len, uint32_t src_ip, uint32_t dst_ip,
                  struct exo_udp_repr *repr);
/* The payload must already be at buf + 8. Returns 8, EXO_WIRE_ENOSPC or
 * EXO_WIRE_ETOTLEN (payload over 65527 bytes). */
int exo_udp_emit(const struct exo_udp_repr *repr, uint8_t *buf, size_t cap,
                 uint32_t src_ip, uint32_t dst_ip);

#endif
