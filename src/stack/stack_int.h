/* Internal state of the stack core, shared by stack.c, arp.c, ipv4.c, ipv4_reasm.c,
 * icmp.c and udp.c (TCP keeps its own state in struct exo_tcp, embedded here).
 *
 * Invariants:
 * - `now` is the latest time passed to any entry point; it never decreases, and every
 *   timer is computed from it (no clock is read).
 * - Every buffer the stack holds (ARP pending frames, fragments, UDP datagrams, sockets)
 *   comes from platform.alloc and is accounted against a limit set at create time.
 * - Only <stddef.h>/<stdint.h>/<stdbool.h> and exonet headers are included here. */
#ifndef EXONET_SRC_STACK_INT_H
#define EXONET_SRC_STACK_INT_H

#include "exonet/dhcp.h"
#include "exonet/errno.h"
#include "exonet/stack.h"
#include "exonet/wire.h"
#include "stack/tcp.h"

#define EXO__US_PER_S 1000000ull

/* A token bucket in micro-tokens: `credit` grows by rate per elapsed microsecond, capped
 * at burst * 1e6; one event costs 1e6. */
struct exo__bucket {
  uint64_t last;
  uint64_t credit;
  uint32_t rate;  /* events per second */
  uint32_t burst; /* events */
};

static inline void exo__bucket_init(struct exo__bucket *b, uint32_t rate, uint32_t burst,
                                    uint64_t now) {
  b->rate = rate;
  b->burst = burst;
  b->last = now;
  b->credit = (uint64_t)burst * EXO__US_PER_S;
}

static inline bool exo__bucket_take(struct exo__bucket *b, uint64_t now) {
  uint64_t cap = (uint64_t)b->burst * EXO__US_PER_S;
  if (now > b->last) {
    uint64_t dt = now - b->last;
    /* dt * rate overflows only after ~584 years / rate; clamp first to stay exact. */
    if (dt > cap) dt = cap;
    b->credit += dt * b->rate;
    if (b->credit > cap) b->credit = cap;
    b->last = now;
  }
  if (b->credit < EXO__US_PER_S) return false;
  b->credit -= EXO__US_PER_S;
  return true;
}

/* ---- ARP ------------------------------------------------------------------------- */

struct exo__arp_pending {
  struct exo__arp_pending *next;
  size_t len;
  uint8_t data[]; /* a whole Ethernet frame, destination MAC still to fill in */
};

enum { EXO__ARP_FREE = 0, EXO__ARP_INCOMPLETE, EXO__ARP_RESOLVED, EXO__ARP_PROBE };

struct exo__arp_entry {
  uint32_t ip;
  struct exo_mac mac;
  uint8_t state;
  uint8_t tries;    /* requests sent in the current resolution */
  uint8_t qlen;
  bool used;        /* a frame was sent through it since it was (re)confirmed */
  uint64_t timer;   /* INCOMPLETE/PROBE: next request; RESOLVED: expiry */
  struct exo__arp_pending *qhead, *qtail;
};

/* ---- IPv4 reassembly ----------------------------------------------------------- */

struct exo__frag {
  struct exo__frag *next; /* sorted by offset */
  uint16_t offset, len;
  uint8_t data[];
};

struct exo__reasm {
  bool used;
  uint32_t src, dst;
  uint16_t ident;
  uint8_t protocol;
  bool have_last;
  uint16_t total;        /* payload length, known once the last fragment came */
  uint64_t deadline;
  size_t mem;            /* bytes charged for this datagram */
  struct exo__frag *frags;
  /* The first fragment's header (for ICMP time exceeded), when it came. */
  bool have_first;
  uint8_t first_hdr[EXO_IPV4_MAX_HEADER_LEN + 8];
  uint8_t first_hdr_len;
};

/* ---- UDP --------------------------------------------------------------------------- */

struct exo__udp_dgram {
  struct exo__udp_dgram *next;
  uint32_t src;
  uint16_t sport;
  size_t len;
  uint8_t data[];
};

struct exo_udp_sock {
  struct exo_stack *st;
  uint16_t index; /* in st->udp */
  uint32_t laddr, raddr;
  uint16_t lport, rport;
  bool bound, connected, broadcast;
  int error;      /* pending, negative EXO_E* or 0 */
  uint32_t rcvbuf;
  uint32_t queued; /* bytes charged to rcvbuf */
  struct exo__udp_dgram *qhead, *qtail;
};

/* ---- the stack --------------------------------------------------------------------- */

struct exo_stack {
  struct exo_platform platform;
  struct exo_stack_config cfg; /* with defaults filled in */
  struct exo_device dev;
  struct exo_dev_caps caps;
  uint64_t now;

  struct exo_mac mac;
  uint32_t addr, netmask, gateway;
  uint16_t mtu;
  uint16_t ip_ident;

  struct exo__arp_entry *arp;
  struct exo__bucket arp_bucket;

  struct exo__reasm *reasm;
  size_t reasm_mem;

  struct exo__bucket icmp_bucket;

  struct exo_udp_sock **udp;
  uint16_t udp_next_port;

  struct exo_tcp tcp;
  bool tcp_ready;    /* exo_tcp_init succeeded */
  bool tcp_blocked;  /* an output failed with ENOBUFS: poll TCP again soon */
  void (*tcp_notify)(void *ctx, struct exo_tcp_sock *s, uint32_t events);
  void *tcp_notify_ctx;

  /* DHCP client (stack_dhcp.c), when started. */
  bool dhcp_on;
  struct exo_dhcp_client dhcp;
  void (*dhcp_event)(void *ctx, enum exo_dhcp_event ev, const struct exo_dhcp_lease *lease);
  void *dhcp_event_ctx;

  struct exo_stack_counters ctr;
};

/* How a datagram leaves: chosen by exo__ip_route. */
struct exo__route {
  uint32_t src;
  uint32_t next_hop;
  bool broadcast; /* link-layer broadcast */
};

/* A frame being built: exo__ip_tx_begin reserves it and points l4 at the transport
 * header; the caller writes l4_len bytes there; exo__ip_tx_end finishes and sends it. */
struct exo__ip_tx {
  struct exo_frame frame;
  struct exo__route route;
  uint32_t dst;
  uint8_t protocol;
  uint8_t ttl;
  uint8_t *l4;
  size_t l4_len;
};

/* stack.c */
void exo__stack_transmit(struct exo_stack *st, struct exo_frame *f);
bool exo__is_broadcast(const struct exo_stack *st, uint32_t ip);
bool exo__is_local(const struct exo_stack *st, uint32_t ip);

/* stack_dhcp.c: the DHCP client's hooks into input, ARP and timers. */
/* Returns true when the datagram (UDP 67 -> 68) was the DHCP client's. */
bool exo__dhcp_udp_input(struct exo_stack *st, const struct exo_udp_repr *u);
void exo__dhcp_arp_seen(struct exo_stack *st, const struct exo_arp_repr *arp);

/* arp.c */
/* Sends an RFC 5227 probe (sender IP 0) for ip. */
int exo__arp_probe(struct exo_stack *st, uint32_t ip);
int exo__arp_init(struct exo_stack *st);
void exo__arp_fini(struct exo_stack *st);
void exo__arp_input(struct exo_stack *st, const struct exo_eth_repr *eth);
/* Sends the frame (whose Ethernet header has everything but the destination) toward
 * next_hop: at once if resolved, else queued while a request goes out. Takes ownership
 * of the reserved frame in every case. Returns 0 or -EXO_ENOBUFS (dropped). */
int exo__arp_send(struct exo_stack *st, uint32_t next_hop, struct exo_frame *f);
void exo__arp_timers(struct exo_stack *st);
uint64_t exo__arp_deadline(const struct exo_stack *st);
void exo__arp_gratuitous(struct exo_stack *st);
void exo__arp_flush(struct exo_stack *st);

/* ipv4.c */
int exo__ip_route(const struct exo_stack *st, uint32_t dst, uint32_t src,
                  struct exo__route *r);
int exo__ip_tx_begin(struct exo_stack *st, struct exo__ip_tx *tx, uint32_t src, uint32_t dst,
                     uint8_t protocol, size_t l4_len);
int exo__ip_tx_end(struct exo_stack *st, struct exo__ip_tx *tx);
void exo__ip_tx_abort(struct exo_stack *st, struct exo__ip_tx *tx);
void exo__ip_input(struct exo_stack *st, const struct exo_eth_repr *eth);
/* Delivers a complete (reassembled or whole) datagram to its protocol. */
void exo__ip_deliver(struct exo_stack *st, const struct exo_ipv4_repr *ip, const uint8_t *hdr,
                     bool l2_bcast);

/* ipv4_reasm.c */
int exo__reasm_init(struct exo_stack *st);
void exo__reasm_fini(struct exo_stack *st);
void exo__reasm_input(struct exo_stack *st, const struct exo_ipv4_repr *ip, const uint8_t *hdr,
                      bool l2_bcast);
void exo__reasm_timers(struct exo_stack *st);
uint64_t exo__reasm_deadline(const struct exo_stack *st);

/* icmp.c */
/* Tells the socket of a datagram we sent (quoted in q: IP header + 8 bytes) that it
 * failed with ICMP type/code (also used for local ARP failure: host unreachable). */
void exo__l4_error(struct exo_stack *st, const uint8_t *q, size_t qlen, uint8_t type,
                   uint8_t code, uint16_t mtu);
void exo__icmp_input(struct exo_stack *st, const struct exo_ipv4_repr *ip, bool l2_bcast);
/* Sends an ICMP error about the datagram `ip` whose header bytes (ip->header_len) are at
 * `hdr`; quotes the header and as much payload as fits in 576 bytes. Rate-limited; never
 * about ICMP errors, broadcasts, or non-first fragments. */
void exo__icmp_send_error(struct exo_stack *st, uint8_t type, uint8_t code, uint32_t rest,
                          const struct exo_ipv4_repr *ip, const uint8_t *hdr, bool l2_bcast);

/* udp.c */
void exo__udp_input(struct exo_stack *st, const struct exo_ipv4_repr *ip, const uint8_t *hdr,
                    bool l2_bcast);
void exo__udp_icmp_error(struct exo_stack *st, uint32_t local_ip, uint32_t remote_ip,
                         uint16_t lport, uint16_t rport, uint8_t type, uint8_t code);
void exo__udp_fini(struct exo_stack *st);

#endif
