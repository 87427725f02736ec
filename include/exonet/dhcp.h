/* The DHCPv4 client of the stack core (RFC 2131), with address conflict detection
 * (RFC 5227). Freestanding: no clock (time is passed in), no I/O (messages and ARP
 * probes go out through callbacks), all state in `struct exo_dhcp_client`.
 *
 * States follow RFC 2131 figure 5: INIT -> SELECTING -> REQUESTING -> (CHECKING: ARP
 * probes for the offered address) -> BOUND -> RENEWING (at T1, unicast to the server)
 * -> REBINDING (at T2, broadcast) -> expiry (address dropped, back to INIT). With a
 * remembered lease it starts in INIT-REBOOT. A NAK drops the address and restarts.
 * Retransmissions use RFC 2131's randomised exponential backoff (4, 8, 16, 32, 64 s,
 * +-1 s; the first interval is configurable). */
#ifndef EXONET_DHCP_H
#define EXONET_DHCP_H

#include "exonet/platform.h"
#include "exonet/wire/dhcp.h"

struct exo_dhcp_lease {
  uint32_t addr;
  uint32_t netmask;
  uint32_t gateway;      /* first router, 0 if none */
  uint32_t server_id;
  uint32_t dns[EXO_DHCP_MAX_DNS];
  uint8_t dns_count;
  uint16_t mtu;          /* 0 if not given */
  char domain[64];       /* NUL-terminated, may be empty */
  uint32_t lease_s, t1_s, t2_s; /* lease_s 0xffffffff = infinite */
  uint64_t acquired_us;  /* when the lease (or its last renewal) started */
};

enum exo_dhcp_event {
  EXO_DHCP_EV_STARTED = 1,  /* configuration started (first DISCOVER / REQUEST sent) */
  EXO_DHCP_EV_BOUND,        /* a new lease: configure the interface */
  EXO_DHCP_EV_RENEWED,      /* extended by the same server (RENEWING) */
  EXO_DHCP_EV_REBOUND,      /* extended by any server (REBINDING) */
  EXO_DHCP_EV_EXPIRED,      /* lease ran out: the address is gone */
  EXO_DHCP_EV_NAK,          /* the server refused the address: it is gone */
  EXO_DHCP_EV_DECLINED,     /* the offered address was in use (ARP): declined */
  EXO_DHCP_EV_RELEASED,     /* released on request */
};

/* A short name for an event ("bound", "renewed", ...). */
const char *exo_dhcp_event_name(enum exo_dhcp_event ev);

enum exo_dhcp_state {
  EXO_DHCP_STOPPED = 0,
  EXO_DHCP_INIT,
  EXO_DHCP_SELECTING,
  EXO_DHCP_REQUESTING,
  EXO_DHCP_CHECKING,
  EXO_DHCP_BOUND,
  EXO_DHCP_RENEWING,
  EXO_DHCP_REBINDING,
  EXO_DHCP_REBOOTING,   /* INIT-REBOOT: REQUEST for a remembered address */
};

struct exo_dhcp_env {
  void *ctx;
  const struct exo_platform *platform; /* random_bytes for xids and backoff */
  /* Sends a DHCP message from port 68 to port 67: src_ip 0 and dst_ip broadcast while
   * unconfigured or rebinding; src = our address, dst = the server when renewing or
   * releasing. Returns 0 or a negative EXO_E* (the client retries on its timer). */
  int (*send)(void *ctx, uint32_t src_ip, uint32_t dst_ip, const uint8_t *msg, size_t len);
  /* Sends an ARP probe (sender IP 0) asking who has ip. */
  int (*arp_probe)(void *ctx, uint32_t ip);
  /* The lease changed. For BOUND/RENEWED/REBOUND `lease` is the new one; for
   * EXPIRED/NAK/RELEASED it is the one that ended (the owner removes the address);
   * for STARTED and DECLINED it may be NULL. */
  void (*on_event)(void *ctx, enum exo_dhcp_event ev, const struct exo_dhcp_lease *lease);
};

struct exo_dhcp_config {
  struct exo_mac mac;
  const char *hostname;       /* option 12; NULL = none */
  bool broadcast_flag;        /* ask servers to broadcast replies (we accept unicast) */
  uint32_t first_retry_us;    /* first retransmission interval; 0 = 4 s (RFC 2131) */
  uint32_t max_retry_us;      /* cap of the backoff; 0 = 64 s */
  uint8_t request_retries;    /* REQUESTs before going back to INIT; 0 = 4 */
  uint8_t probe_count;        /* ARP probes before using an address; 0 = 2 */
  uint32_t probe_interval_us; /* between probes and after the last; 0 = 200 ms (RFC 5227
                                 uses 1-2 s: every lease would take 3+ s) */
  uint32_t decline_wait_us;   /* after a DECLINE, before DISCOVER; 0 = 10 s (RFC 2131) */
  const struct exo_dhcp_lease *remembered; /* start in INIT-REBOOT with this lease */
};

struct exo_dhcp_stats {
  uint64_t tx, rx, rx_malformed, rx_ignored; /* ignored: wrong xid/MAC/state/server */
  uint64_t offers, acks, naks, declines, retransmits;
};

struct exo_dhcp_client {
  struct exo_dhcp_env env;
  struct exo_dhcp_config cfg;
  enum exo_dhcp_state state;
  uint32_t xid;
  uint64_t started_us;      /* of this configuration attempt (secs field) */
  uint64_t deadline;        /* next timer; UINT64_MAX = none */
  uint32_t retry_us;        /* current backoff interval */
  uint8_t tries;            /* messages sent in this state */
  uint8_t probes_sent;
  struct exo_dhcp_lease offer;  /* being requested / checked */
  struct exo_dhcp_lease lease;  /* bound (valid in BOUND/RENEWING/REBINDING) */
  bool have_lease;
  char hostname[64];
  struct exo_dhcp_stats stats;
};

/* Errors: -EXO_EINVAL (env without send/platform). Does not send anything. */
int exo_dhcp_init(struct exo_dhcp_client *c, const struct exo_dhcp_env *env,
                  const struct exo_dhcp_config *cfg);
/* Starts configuring (DISCOVER, or REQUEST in INIT-REBOOT). */
void exo_dhcp_start(struct exo_dhcp_client *c, uint64_t now);
/* A UDP payload that arrived on port 68 (from any address). Malformed or unrelated
 * messages are counted and ignored. */
void exo_dhcp_input(struct exo_dhcp_client *c, uint64_t now, const uint8_t *msg, size_t len);
/* The stack saw an ARP packet whose sender IP is `ip` from another MAC (or a probe for
 * `ip` from another MAC): a conflict if we are checking or own that address. */
void exo_dhcp_arp_seen(struct exo_dhcp_client *c, uint64_t now, uint32_t ip, struct exo_mac mac);
void exo_dhcp_poll(struct exo_dhcp_client *c, uint64_t now);
uint64_t exo_dhcp_next_deadline(const struct exo_dhcp_client *c);
/* Sends RELEASE (if bound), reports RELEASED and stops. */
void exo_dhcp_release(struct exo_dhcp_client *c, uint64_t now);
/* Whether the client wants broadcast/unicast DHCP replies delivered even though the
 * interface has no address (true while not bound). */
bool exo_dhcp_accepting_unconfigured(const struct exo_dhcp_client *c);

#endif
