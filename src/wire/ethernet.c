/* Ethernet II with up to EXO_ETH_MAX_VLAN tags.
 *
 * Invariants: parse reads only [buf, buf + len) and accepts tags with TPID 0x8100 or
 * 0x88a8 in any order (a QinQ outer tag, a 802.1Q inner tag, two 802.1Q tags as some
 * switches send); a third tag is refused rather than skipped, so a tag is never taken
 * for the payload's type. The payload keeps any link padding: the network layer trims
 * it with its own length field. Emit writes only the header (no padding, no FCS). */
#include "exonet/wire/ethernet.h"

static bool is_vlan_tpid(uint16_t t) { return t == EXO_ETHERTYPE_VLAN || t == EXO_ETHERTYPE_QINQ; }

int exo_eth_parse(const uint8_t *buf, size_t len, struct exo_eth_repr *repr) {
  if (len < EXO_ETH_HEADER_LEN) return EXO_WIRE_ETRUNCATED;
  exo_memcpy(repr->dst.b, buf, 6);
  exo_memcpy(repr->src.b, buf + 6, 6);
  size_t off = 12;
  uint16_t type = exo_rd16(buf + off);
  repr->vlan_count = 0;
  exo_memset(repr->vlan, 0, sizeof repr->vlan);
  while (is_vlan_tpid(type)) {
    if (repr->vlan_count == EXO_ETH_MAX_VLAN) return EXO_WIRE_ETOOMANYTAGS;
    /* TPID at off, TCI at off + 2, next type at off + 4 */
    if (len < off + 6) return EXO_WIRE_ETRUNCATED;
    repr->vlan[repr->vlan_count].tpid = type;
    repr->vlan[repr->vlan_count].tci = exo_rd16(buf + off + 2);
    repr->vlan_count++;
    off += 4;
    type = exo_rd16(buf + off);
  }
  repr->ethertype = type;
  off += 2;
  repr->payload = buf + off;
  repr->payload_len = len - off;
  return EXO_WIRE_OK;
}

size_t exo_eth_header_len(const struct exo_eth_repr *repr) {
  return EXO_ETH_HEADER_LEN + (size_t)repr->vlan_count * EXO_ETH_VLAN_TAG_LEN;
}

int exo_eth_emit(const struct exo_eth_repr *repr, uint8_t *buf, size_t cap) {
  if (repr->vlan_count > EXO_ETH_MAX_VLAN) return EXO_WIRE_ETOOMANYTAGS;
  size_t hl = exo_eth_header_len(repr);
  if (cap < hl) return EXO_WIRE_ENOSPC;
  exo_memcpy(buf, repr->dst.b, 6);
  exo_memcpy(buf + 6, repr->src.b, 6);
  size_t off = 12;
  for (unsigned i = 0; i < repr->vlan_count; i++) {
    exo_wr16(buf + off, repr->vlan[i].tpid);
    exo_wr16(buf + off + 2, repr->vlan[i].tci);
    off += 4;
  }
  exo_wr16(buf + off, repr->ethertype);
  return (int)hl;
}
