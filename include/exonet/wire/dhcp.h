/* DHCPv4 messages (RFC 2131) and their options (RFC 2132).
 *
 * Parse checks the fixed BOOTP part (236 bytes), the magic cookie and every option's
 * length against the buffer, honours option overload (52) into the file and sname
 * fields, and fills the repr with the options exonet uses; a duplicated option keeps
 * its first value (RFC 3396 concatenation is not supported and is reported as
 * EXO_WIRE_EBADOPT only when a known option's length is wrong). Pointers in the repr
 * point into the parsed buffer. Emit writes the message and the present options, then
 * END, padded to the BOOTP minimum of 300 bytes. */
#ifndef EXONET_WIRE_DHCP_H
#define EXONET_WIRE_DHCP_H

#include "exonet/wire/types.h"

#define EXO_DHCP_FIXED_LEN 236 /* op .. file, before the magic cookie */
#define EXO_DHCP_MIN_LEN 240   /* with the magic cookie */
#define EXO_DHCP_MAGIC 0x63825363u
#define EXO_DHCP_SERVER_PORT 67
#define EXO_DHCP_CLIENT_PORT 68
#define EXO_DHCP_MAX_DNS 4
#define EXO_DHCP_MAX_ROUTERS 4

#define EXO_BOOTREQUEST 1
#define EXO_BOOTREPLY 2

/* Message types (option 53). */
#define EXO_DHCP_DISCOVER 1
#define EXO_DHCP_OFFER 2
#define EXO_DHCP_REQUEST 3
#define EXO_DHCP_DECLINE 4
#define EXO_DHCP_ACK 5
#define EXO_DHCP_NAK 6
#define EXO_DHCP_RELEASE 7
#define EXO_DHCP_INFORM 8

/* Option codes. */
#define EXO_DHCP_OPT_PAD 0
#define EXO_DHCP_OPT_SUBNET_MASK 1
#define EXO_DHCP_OPT_ROUTER 3
#define EXO_DHCP_OPT_DNS 6
#define EXO_DHCP_OPT_HOSTNAME 12
#define EXO_DHCP_OPT_DOMAIN_NAME 15
#define EXO_DHCP_OPT_MTU 26
#define EXO_DHCP_OPT_BROADCAST 28
#define EXO_DHCP_OPT_REQUESTED_IP 50
#define EXO_DHCP_OPT_LEASE_TIME 51
#define EXO_DHCP_OPT_OVERLOAD 52
#define EXO_DHCP_OPT_MESSAGE_TYPE 53
#define EXO_DHCP_OPT_SERVER_ID 54
#define EXO_DHCP_OPT_PARAM_REQUEST 55
#define EXO_DHCP_OPT_MESSAGE 56
#define EXO_DHCP_OPT_MAX_MSG_SIZE 57
#define EXO_DHCP_OPT_RENEWAL_TIME 58
#define EXO_DHCP_OPT_REBINDING_TIME 59
#define EXO_DHCP_OPT_CLIENT_ID 61
#define EXO_DHCP_OPT_END 255

/* Bits of exo_dhcp_repr.present: which options were parsed / are to be emitted. */
enum exo_dhcp_present {
  EXO_DHCP_HAS_SUBNET_MASK = 1u << 0,
  EXO_DHCP_HAS_ROUTER = 1u << 1,
  EXO_DHCP_HAS_DNS = 1u << 2,
  EXO_DHCP_HAS_HOSTNAME = 1u << 3,
  EXO_DHCP_HAS_DOMAIN_NAME = 1u << 4,
  EXO_DHCP_HAS_MTU = 1u << 5,
  EXO_DHCP_HAS_BROADCAST = 1u << 6,
  EXO_DHCP_HAS_REQUESTED_IP = 1u << 7,
  EXO_DHCP_HAS_LEASE_TIME = 1u << 8,
  EXO_DHCP_HAS_SERVER_ID = 1u << 9,
  EXO_DHCP_HAS_PARAM_REQUEST = 1u << 10,
  EXO_DHCP_HAS_MESSAGE = 1u << 11,
  EXO_DHCP_HAS_MAX_MSG_SIZE = 1u << 12,
  EXO_DHCP_HAS_RENEWAL_TIME = 1u << 13,
  EXO_DHCP_HAS_REBINDING_TIME = 1u << 14,
  EXO_DHCP_HAS_CLIENT_ID = 1u << 15,
};

struct exo_dhcp_repr {
  uint8_t op;           /* EXO_BOOTREQUEST / EXO_BOOTREPLY */
  uint8_t hops;
  uint32_t xid;
  uint16_t secs;
  bool broadcast;       /* the BROADCAST flag */
  uint32_t ciaddr, yiaddr, siaddr, giaddr;
  struct exo_mac chaddr; /* htype 1, hlen 6 only */
  uint8_t message_type; /* option 53; 0 = absent (plain BOOTP) */
  uint32_t present;     /* enum exo_dhcp_present bits */
  uint32_t subnet_mask;
  uint8_t router_count;
  uint32_t routers[EXO_DHCP_MAX_ROUTERS];
  uint8_t dns_count;
  uint32_t dns[EXO_DHCP_MAX_DNS];
  uint32_t broadcast_addr;
  uint32_t requested_ip;
  uint32_t server_id;
  uint32_t lease_time;     /* seconds; 0xffffffff = infinite */
  uint32_t renewal_time;   /* T1 */
  uint32_t rebinding_time; /* T2 */
  uint16_t mtu;
  uint16_t max_msg_size;
  const uint8_t *hostname;      uint8_t hostname_len;
  const uint8_t *domain_name;   uint8_t domain_name_len;
  const uint8_t *client_id;     uint8_t client_id_len;
  const uint8_t *param_request; uint8_t param_request_len;
  const uint8_t *message;       uint8_t message_len;
};

/* Errors: EXO_WIRE_ETRUNCATED, EXO_WIRE_EHWTYPE (htype/hlen not Ethernet),
 * EXO_WIRE_EBADFIELD (op not 1 or 2, message type out of range), EXO_WIRE_EMAGIC,
 * EXO_WIRE_EBADOPT (an option runs past the buffer, or a known option's length is
 * wrong for it). */
int exo_dhcp_parse(const uint8_t *buf, size_t len, struct exo_dhcp_repr *repr);
/* The length exo_dhcp_emit will write (at least 300). */
size_t exo_dhcp_emit_len(const struct exo_dhcp_repr *repr);
/* Returns the length written or EXO_WIRE_ENOSPC, or EXO_WIRE_EBADFIELD when a present
 * option cannot be written as RFC 2132 allows (empty string, client id < 2 bytes,
 * router/dns count 0 or over the maximum, message type > 8). */
int exo_dhcp_emit(const struct exo_dhcp_repr *repr, uint8_t *buf, size_t cap);

/* Walks the options area (after the cookie), calling fn for each option with its code,
 * value and length. Returns 0, or EXO_WIRE_EBADOPT when an option runs past the end.
 * For tools and fuzzers; exo_dhcp_parse uses it. */
int exo_dhcp_options_foreach(const uint8_t *opts, size_t len,
                             void (*fn)(void *ctx, uint8_t code, const uint8_t *val, uint8_t len),
                             void *ctx);

#endif
