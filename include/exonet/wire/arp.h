/* ARP for IPv4 over Ethernet (RFC 826): htype 1, ptype 0x0800, hlen 6, plen 4. */
#ifndef EXONET_WIRE_ARP_H
#define EXONET_WIRE_ARP_H

#include "exonet/wire/types.h"

#define EXO_ARP_LEN 28
#define EXO_ARP_REQUEST 1
#define EXO_ARP_REPLY 2

struct exo_arp_repr {
  uint16_t operation;
  struct exo_mac sender_mac;
  uint32_t sender_ip;
  struct exo_mac target_mac;
  uint32_t target_ip;
};

/* Errors: EXO_WIRE_ETRUNCATED, EXO_WIRE_EHWTYPE (not Ethernet/IPv4),
 * EXO_WIRE_EBADFIELD (operation not request or reply). */
int exo_arp_parse(const uint8_t *buf, size_t len, struct exo_arp_repr *repr);
/* Returns EXO_ARP_LEN or EXO_WIRE_ENOSPC. */
int exo_arp_emit(const struct exo_arp_repr *repr, uint8_t *buf, size_t cap);

#endif
