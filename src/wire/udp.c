/* UDP (RFC 768).
 *
 * Invariants: after parse, 8 <= length field <= len and the payload is trimmed to the
 * length field (bytes beyond it are not part of the datagram). A zero checksum field
 * means "not computed"; a computed checksum of zero is sent as 0xffff (RFC 768). */
#include "exonet/wire/udp.h"
#include "exonet/wire/checksum.h"
#include "exonet/wire/ipv4.h"

int exo_udp_parse(const uint8_t *buf, size_t len, uint32_t src_ip, uint32_t dst_ip,
                  struct exo_udp_repr *repr) {
  if (len < EXO_UDP_HEADER_LEN) return EXO_WIRE_ETRUNCATED;
  uint16_t ulen = exo_rd16(buf + 4);
  if (ulen < EXO_UDP_HEADER_LEN) return EXO_WIRE_ETOTLEN;
  if (ulen > len) return EXO_WIRE_ETRUNCATED;
  repr->src_port = exo_rd16(buf);
  repr->dst_port = exo_rd16(buf + 2);
  repr->checksum_present = exo_rd16(buf + 6) != 0;
  if (repr->checksum_present) {
    uint32_t s = exo_csum_pseudo_ipv4(src_ip, dst_ip, EXO_IP_PROTO_UDP, ulen);
    repr->checksum_ok = exo_csum_fold(exo_csum_partial(buf, ulen, s)) == 0;
  } else {
    repr->checksum_ok = true;
  }
  repr->payload = buf + EXO_UDP_HEADER_LEN;
  repr->payload_len = (size_t)ulen - EXO_UDP_HEADER_LEN;
  return EXO_WIRE_OK;
}

int exo_udp_emit(const struct exo_udp_repr *repr, uint8_t *buf, size_t cap,
                 uint32_t src_ip, uint32_t dst_ip) {
  if (repr->payload_len > 0xffff - EXO_UDP_HEADER_LEN) return EXO_WIRE_ETOTLEN;
  size_t ulen = EXO_UDP_HEADER_LEN + repr->payload_len;
  if (cap < ulen) return EXO_WIRE_ENOSPC;
  exo_wr16(buf, repr->src_port);
  exo_wr16(buf + 2, repr->dst_port);
  exo_wr16(buf + 4, (uint16_t)ulen);
  exo_wr16(buf + 6, 0);
  uint32_t s = exo_csum_pseudo_ipv4(src_ip, dst_ip, EXO_IP_PROTO_UDP, (uint16_t)ulen);
  uint16_t c = exo_csum_fold(exo_csum_partial(buf, ulen, s));
  exo_wr16(buf + 6, c == 0 ? 0xffff : c);
  return EXO_UDP_HEADER_LEN;
}
