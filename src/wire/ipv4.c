/* IPv4 headers (RFC 791).
 *
 * Invariants: after a successful parse, header_len is 20..60, header_len <= total
 * length <= len, and payload/options point inside [buf, buf + len). Options are exposed
 * raw, never interpreted: the stack decides what to do with them. The checksum is a
 * verdict (checksum_ok), not a parse error, so tools can still show a bad packet.
 * Emit writes a 20-byte header without options; reserved flag bit never set. */
#include "exonet/wire/ipv4.h"
#include "exonet/wire/checksum.h"

#define IPV4_FLAG_DF 0x4000
#define IPV4_FLAG_MF 0x2000
#define IPV4_FRAG_MASK 0x1fff

int exo_ipv4_check(const uint8_t *buf, size_t len) {
  if (len < EXO_IPV4_HEADER_LEN) return EXO_WIRE_ETRUNCATED;
  if ((buf[0] >> 4) != 4) return EXO_WIRE_EVERSION;
  size_t hl = (size_t)(buf[0] & 0x0f) * 4;
  if (hl < EXO_IPV4_HEADER_LEN || hl > len) return EXO_WIRE_EHDRLEN;
  size_t total = exo_rd16(buf + 2);
  if (total < hl) return EXO_WIRE_ETOTLEN;
  if (total > len) return EXO_WIRE_ETRUNCATED;
  return EXO_WIRE_OK;
}

int exo_ipv4_parse(const uint8_t *buf, size_t len, struct exo_ipv4_repr *repr) {
  int err = exo_ipv4_check(buf, len);
  if (err) return err;
  uint8_t hl = exo_ipv4_view_header_len(buf);
  uint16_t total = exo_rd16(buf + 2);
  uint16_t frag = exo_rd16(buf + 6);
  repr->tos = buf[1];
  repr->ident = exo_rd16(buf + 4);
  repr->dont_fragment = (frag & IPV4_FLAG_DF) != 0;
  repr->more_fragments = (frag & IPV4_FLAG_MF) != 0;
  repr->frag_offset = (uint16_t)((frag & IPV4_FRAG_MASK) * 8);
  repr->ttl = buf[8];
  repr->protocol = buf[9];
  repr->src = exo_rd32(buf + 12);
  repr->dst = exo_rd32(buf + 16);
  repr->header_len = hl;
  repr->checksum_ok = exo_csum(buf, hl) == 0;
  repr->options = buf + EXO_IPV4_HEADER_LEN;
  repr->options_len = (uint8_t)(hl - EXO_IPV4_HEADER_LEN);
  repr->payload = buf + hl;
  repr->payload_len = (size_t)total - hl;
  return EXO_WIRE_OK;
}

int exo_ipv4_emit(const struct exo_ipv4_repr *repr, uint8_t *buf, size_t cap) {
  if (repr->payload_len > 0xffff - EXO_IPV4_HEADER_LEN) return EXO_WIRE_ETOTLEN;
  /* The offset field counts 8-byte units in 13 bits. */
  if ((repr->frag_offset & 7) != 0) return EXO_WIRE_EBADFIELD;
  if (cap < EXO_IPV4_HEADER_LEN) return EXO_WIRE_ENOSPC;
  uint16_t frag = (uint16_t)(repr->frag_offset / 8);
  if (repr->dont_fragment) frag |= IPV4_FLAG_DF;
  if (repr->more_fragments) frag |= IPV4_FLAG_MF;
  buf[0] = 0x45;
  buf[1] = repr->tos;
  exo_wr16(buf + 2, (uint16_t)(EXO_IPV4_HEADER_LEN + repr->payload_len));
  exo_wr16(buf + 4, repr->ident);
  exo_wr16(buf + 6, frag);
  buf[8] = repr->ttl;
  buf[9] = repr->protocol;
  exo_wr16(buf + 10, 0);
  exo_wr32(buf + 12, repr->src);
  exo_wr32(buf + 16, repr->dst);
  exo_wr16(buf + 10, exo_csum(buf, EXO_IPV4_HEADER_LEN));
  return EXO_IPV4_HEADER_LEN;
}
