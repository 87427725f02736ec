/* ICMPv4 (RFC 792).
 *
 * Invariants: the message is the whole buffer handed in (the IP layer has already
 * trimmed it to the datagram), so the checksum covers [buf, buf + len) and the payload
 * is everything after the 8-byte header. The checksum is a verdict, not an error. */
#include "exonet/wire/icmp.h"
#include "exonet/wire/checksum.h"

int exo_icmp_parse(const uint8_t *buf, size_t len, struct exo_icmp_repr *repr) {
  if (len < EXO_ICMP_HEADER_LEN) return EXO_WIRE_ETRUNCATED;
  repr->type = buf[0];
  repr->code = buf[1];
  repr->rest = exo_rd32(buf + 4);
  repr->checksum_ok = exo_csum(buf, len) == 0;
  repr->payload = buf + EXO_ICMP_HEADER_LEN;
  repr->payload_len = len - EXO_ICMP_HEADER_LEN;
  return EXO_WIRE_OK;
}

int exo_icmp_emit(const struct exo_icmp_repr *repr, uint8_t *buf, size_t cap) {
  if (cap < EXO_ICMP_HEADER_LEN || cap - EXO_ICMP_HEADER_LEN < repr->payload_len)
    return EXO_WIRE_ENOSPC;
  buf[0] = repr->type;
  buf[1] = repr->code;
  exo_wr16(buf + 2, 0);
  exo_wr32(buf + 4, repr->rest);
  exo_wr16(buf + 2, exo_csum(buf, EXO_ICMP_HEADER_LEN + repr->payload_len));
  return EXO_ICMP_HEADER_LEN;
}
