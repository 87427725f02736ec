/* Ethernet II frames with up to two VLAN tags (802.1ad outer, 802.1Q inner).
 * The frame check sequence is not part of the buffer (devices strip it). */
#ifndef EXONET_WIRE_ETHERNET_H
#define EXONET_WIRE_ETHERNET_H

#include "exonet/wire/types.h"

#define EXO_ETH_HEADER_LEN 14
#define EXO_ETH_VLAN_TAG_LEN 4
#define EXO_ETH_MAX_VLAN 2
#define EXO_ETH_MIN_FRAME 60 /* without FCS: senders pad shorter frames (exo_eth_emit writes only the header) */
#define EXO_ETH_MTU 1500

#define EXO_ETHERTYPE_IPV4 0x0800
#define EXO_ETHERTYPE_ARP 0x0806
#define EXO_ETHERTYPE_VLAN 0x8100
#define EXO_ETHERTYPE_QINQ 0x88a8
#define EXO_ETHERTYPE_IPV6 0x86dd

struct exo_eth_vlan_tag {
  uint16_t tpid; /* 0x8100 or 0x88a8 */
  uint16_t tci;  /* PCP(3) DEI(1) VID(12) */
};

struct exo_eth_repr {
  struct exo_mac dst, src;
  uint16_t ethertype; /* of the payload, after the VLAN tags; < 0x600 is an 802.3 length */
  uint8_t vlan_count;
  struct exo_eth_vlan_tag vlan[EXO_ETH_MAX_VLAN];
  /* Set by parse: the bytes after the header (including any padding). */
  const uint8_t *payload;
  size_t payload_len;
};

/* Errors: EXO_WIRE_ETRUNCATED, EXO_WIRE_ETOOMANYTAGS. */
int exo_eth_parse(const uint8_t *buf, size_t len, struct exo_eth_repr *repr);
size_t exo_eth_header_len(const struct exo_eth_repr *repr);
/* Writes the header. Returns the header length or EXO_WIRE_ENOSPC, or
 * EXO_WIRE_ETOOMANYTAGS when vlan_count > EXO_ETH_MAX_VLAN. */
int exo_eth_emit(const struct exo_eth_repr *repr, uint8_t *buf, size_t cap);

#endif
