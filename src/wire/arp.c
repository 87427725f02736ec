/* ARP for IPv4 over Ethernet (RFC 826).
 *
 * Invariants: only htype 1 / ptype 0x0800 / hlen 6 / plen 4 is accepted, so the
 * addresses always sit at fixed offsets; bytes after the 28-byte body (link padding)
 * are ignored. Emit always writes exactly EXO_ARP_LEN bytes. */
#include "exonet/wire/arp.h"

int exo_arp_parse(const uint8_t *buf, size_t len, struct exo_arp_repr *repr) {
  if (len < EXO_ARP_LEN) return EXO_WIRE_ETRUNCATED;
  if (exo_rd16(buf) != 1 || exo_rd16(buf + 2) != 0x0800 || buf[4] != 6 || buf[5] != 4)
    return EXO_WIRE_EHWTYPE;
  uint16_t op = exo_rd16(buf + 6);
  if (op != EXO_ARP_REQUEST && op != EXO_ARP_REPLY) return EXO_WIRE_EBADFIELD;
  repr->operation = op;
  exo_memcpy(repr->sender_mac.b, buf + 8, 6);
  repr->sender_ip = exo_rd32(buf + 14);
  exo_memcpy(repr->target_mac.b, buf + 18, 6);
  repr->target_ip = exo_rd32(buf + 24);
  return EXO_WIRE_OK;
}

int exo_arp_emit(const struct exo_arp_repr *repr, uint8_t *buf, size_t cap) {
  if (cap < EXO_ARP_LEN) return EXO_WIRE_ENOSPC;
  exo_wr16(buf, 1);
  exo_wr16(buf + 2, 0x0800);
  buf[4] = 6;
  buf[5] = 4;
  exo_wr16(buf + 6, repr->operation);
  exo_memcpy(buf + 8, repr->sender_mac.b, 6);
  exo_wr32(buf + 14, repr->sender_ip);
  exo_memcpy(buf + 18, repr->target_mac.b, 6);
  exo_wr32(buf + 24, repr->target_ip);
  return EXO_ARP_LEN;
}
