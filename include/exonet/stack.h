/* The stack core: ARP, IPv4, ICMP, UDP (and TCP, src/stack/tcp*) behind one object.
 *
 * Shape: all state lives in one `struct exo_stack` (opaque, allocated through the
 * platform's allocator), there are no globals and no threads, and the stack never reads a
 * clock: every entry point that may send or expire something takes `now`, monotonic
 * microseconds, which must never go backwards. Each call does a bounded amount of work
 * (exo_stack_poll drains at most `poll_budget` received frames). Frames go in and out
 * through a `struct exo_device`. Everything malformed is counted and dropped.
 *
 * The core builds freestanding: it includes only <stddef.h>, <stdint.h>, <stdbool.h> and
 * exonet headers. */
#ifndef EXONET_STACK_H
#define EXONET_STACK_H

#include "exonet/device.h"
#include "exonet/dhcp.h"
#include "exonet/platform.h"
#include "exonet/wire/types.h"

struct exo_stack;
struct exo_udp_sock;
struct exo_tcp;
struct exo_tcp_sock;
struct exo_tcp_stats;

struct exo_stack_config {
  struct exo_mac mac;
  uint32_t addr;    /* host order; 0 = no address yet (DHCP) */
  uint32_t netmask; /* e.g. 0xffffff00 */
  uint32_t gateway; /* 0 = none: off-subnet destinations are unreachable */
  uint16_t mtu;     /* 0 = the device's */
  uint8_t ttl;      /* 0 = 64 */
  /* Limits; 0 = the default in brackets. */
  uint16_t arp_cache_size;      /* entries [64] */
  uint8_t arp_queue_len;        /* frames queued per unresolved address [8] */
  uint8_t arp_retries;          /* requests before giving up [3] */
  uint32_t arp_retry_us;        /* first retry interval, doubled each time [1 s] */
  uint32_t arp_timeout_us;      /* lifetime of a resolved entry [60 s] */
  uint32_t arp_rate_per_s;      /* ARP packets sent per second [50], burst the same */
  uint32_t reasm_timeout_us;    /* fragment reassembly time limit [30 s] */
  uint32_t reasm_mem;           /* bytes held by all reassembly queues [256 KiB] */
  uint16_t reasm_max;           /* datagrams reassembled at once [16] */
  uint32_t icmp_rate_per_s;     /* ICMP errors sent per second [100], burst 10 */
  uint16_t udp_max_socks;       /* [64] */
  uint32_t udp_rcvbuf;          /* bytes queued per UDP socket [212992] */
  uint16_t poll_budget;         /* frames per exo_stack_poll [64] */
  /* TCP: see tcp.h's config; 0 = defaults. */
  uint16_t tcp_max_socks;       /* [256] */
  const char *tcp_cc;           /* "cubic" (default) or "newreno" */
  uint32_t tcp_sndbuf;          /* 0 = TCP's default */
  uint32_t tcp_rcvbuf;          /* 0 = TCP's default */
};

/* Drop and event counters, per layer, by reason. Monotonic for the stack's life. */
struct exo_stack_counters {
  uint64_t rx_frames, tx_frames, tx_errors; /* tx_errors: device refused a frame */
  /* Ethernet */
  uint64_t eth_malformed, eth_not_for_us, eth_unknown_type;
  /* ARP */
  uint64_t arp_malformed, arp_not_for_us, arp_requests_rx, arp_replies_rx;
  uint64_t arp_requests_tx, arp_replies_tx, arp_gratuitous_tx, arp_rate_limited;
  uint64_t arp_queue_drops;  /* pending frames dropped: queue full or resolution failed */
  uint64_t arp_failed;       /* resolutions given up after all retries */
  uint64_t arp_cache_full;   /* a new entry could not be created */
  /* IPv4 */
  uint64_t ip_rx, ip_malformed, ip_bad_checksum, ip_not_for_us, ip_bad_src;
  uint64_t ip_unknown_proto, ip_no_route, ip_tx;
  uint64_t ip_frags_rx, ip_reasm_ok, ip_reasm_timeout, ip_reasm_overlap;
  uint64_t ip_reasm_mem_drops, ip_reasm_too_big;
  /* ICMP */
  uint64_t icmp_rx, icmp_malformed, icmp_bad_checksum, icmp_echo_rx, icmp_echo_reply_tx;
  uint64_t icmp_errors_rx, icmp_errors_delivered, icmp_unreach_tx, icmp_rate_limited;
  /* UDP */
  uint64_t udp_rx, udp_tx, udp_malformed, udp_bad_checksum, udp_no_port, udp_queue_full;
  /* TCP (as seen by the stack; TCP's own counters come from exo_stack_tcp_counters) */
  uint64_t tcp_rx, tcp_malformed, tcp_bad_checksum;
};

/* Creates a stack on `dev` (which must outlive it). `platform` is copied.
 * Returns 0 and *out, or -EXO_EINVAL (bad config), -EXO_ENOMEM. */
int exo_stack_create(const struct exo_platform *platform, const struct exo_stack_config *cfg,
                     struct exo_device dev, uint64_t now, struct exo_stack **out);
/* Frees the stack and every socket it still holds (sockets are aborted, no RST sent).
 * NULL is a no-op. */
void exo_stack_destroy(struct exo_stack *st);

/* Processes one received frame (not retained: the caller keeps ownership of `frame`). */
void exo_stack_input(struct exo_stack *st, uint64_t now, const uint8_t *frame, size_t len);
/* Drains up to poll_budget frames from the device, runs the timers that are due and lets
 * TCP transmit what it can. Returns the number of frames processed, or a negative EXO_E*
 * from the device (the timers still ran). */
int exo_stack_poll(struct exo_stack *st, uint64_t now);
/* The earliest time at which exo_stack_poll has timer work to do (ARP retries, entry
 * expiry, reassembly timeouts, TCP timers, the device's delayed frames); UINT64_MAX if
 * none. Frames arriving on the device are signalled by its fd, not here. */
uint64_t exo_stack_next_deadline(const struct exo_stack *st);

/* Sets the interface address (0 removes it). When addr is non-zero and differs from the
 * old one, a gratuitous ARP is broadcast. Returns 0 or -EXO_EINVAL. */
int exo_stack_set_addr(struct exo_stack *st, uint64_t now, uint32_t addr, uint32_t netmask,
                       uint32_t gateway);
void exo_stack_get_addr(const struct exo_stack *st, uint32_t *addr, uint32_t *netmask,
                        uint32_t *gateway);
struct exo_mac exo_stack_mac(const struct exo_stack *st);
const struct exo_stack_counters *exo_stack_counters(const struct exo_stack *st);

/* Frames waiting for ARP resolution (all destinations). */
size_t exo_stack_arp_queued(const struct exo_stack *st);
/* Looks up a resolved ARP entry. Returns 0 and *mac, or -EXO_ENOENT. */
int exo_stack_arp_lookup(const struct exo_stack *st, uint64_t now, uint32_t ip,
                         struct exo_mac *mac);

/* ---- UDP ------------------------------------------------------------------------ */

/* Socket readiness bits (shared with TCP). */
#define EXO_EV_READABLE 0x01u
#define EXO_EV_WRITABLE 0x02u
#define EXO_EV_ERR 0x04u
#define EXO_EV_HUP 0x08u
#define EXO_EV_RDHUP 0x10u

/* Opens a UDP socket. Returns 0 and *out, or -EXO_EMFILE (socket table full). */
int exo_udp_open(struct exo_stack *st, struct exo_udp_sock **out);
/* Binds to a local address (0 = any, else the interface address or a broadcast address)
 * and port (0 = an ephemeral port). Errors: -EXO_EINVAL (already bound),
 * -EXO_EADDRNOTAVAIL, -EXO_EADDRINUSE. */
int exo_udp_bind(struct exo_udp_sock *s, uint32_t addr, uint16_t port);
/* Sets the default destination and filters received datagrams to it; binds an
 * ephemeral port first if needed. addr 0 disconnects. Errors: -EXO_EINVAL (port 0),
 * -EXO_EACCES (broadcast without EXO_UDP_OPT_BROADCAST), -EXO_EADDRINUSE. */
int exo_udp_connect(struct exo_udp_sock *s, uint32_t addr, uint16_t port);
/* Sends one datagram to (addr, port), or to the connected peer when addr is 0. Binds an
 * ephemeral port if unbound. As on Linux, an explicit destination overrides the
 * connected one. Returns len, or -EXO_EDESTADDRREQ (no destination), -EXO_EMSGSIZE (over MTU - 28: no
 * fragmentation on send), -EXO_EACCES (broadcast not enabled), -EXO_ENETUNREACH (no
 * route), -EXO_ENOBUFS (device or ARP queue full), -EXO_EADDRNOTAVAIL (no address), or
 * a pending ICMP error on a connected socket (-EXO_ECONNREFUSED, ...: reported once). */
int exo_udp_sendto(struct exo_udp_sock *s, uint64_t now, const void *buf, size_t len,
                   uint32_t addr, uint16_t port);
/* Receives one datagram: copies at most len bytes (the rest of a longer datagram is
 * discarded) and returns the number copied; *trunc (may be NULL) says whether bytes
 * were discarded. src_addr/src_port may be NULL. Errors: -EXO_EAGAIN (queue empty), a
 * pending ICMP error (reported once). */
int exo_udp_recvfrom(struct exo_udp_sock *s, void *buf, size_t len, uint32_t *src_addr,
                     uint16_t *src_port, bool *trunc);
/* The same without taking the datagram off the queue (MSG_PEEK). */
int exo_udp_peekfrom(struct exo_udp_sock *s, void *buf, size_t len, uint32_t *src_addr,
                     uint16_t *src_port, bool *trunc);
/* The length of the next queued datagram, 0 if none (FIONREAD). */
size_t exo_udp_next_len(const struct exo_udp_sock *s);
/* Readiness: EXO_EV_READABLE (a datagram queued), EXO_EV_WRITABLE (always), EXO_EV_ERR
 * (an error pending). */
uint32_t exo_udp_events(const struct exo_udp_sock *s);
/* SO_ERROR: returns and clears the pending error (0 if none). */
int exo_udp_take_error(struct exo_udp_sock *s);

#define EXO_UDP_OPT_BROADCAST 1 /* value: 0/1 (SO_BROADCAST) */
#define EXO_UDP_OPT_RCVBUF 2    /* value: bytes (SO_RCVBUF) */
/* Errors: -EXO_ENOPROTOOPT, -EXO_EINVAL. */
int exo_udp_setopt(struct exo_udp_sock *s, int opt, uint32_t value);
/* Local and peer addresses (peer 0:0 when not connected). */
void exo_udp_getname(const struct exo_udp_sock *s, uint32_t *laddr, uint16_t *lport,
                     uint32_t *raddr, uint16_t *rport);
/* Frees the socket and its queued datagrams. NULL is a no-op. */
void exo_udp_close(struct exo_udp_sock *s);

/* ---- TCP ---------------------------------------------------------------------------
 * TCP sockets are the TCP module's (src/stack/tcp.h: exo_tcp_bind, listen, connect,
 * accept, send, recv, shutdown, close, abort, events, setopt, get_info, ...). The stack
 * hands out the handles and routes their segments. */

/* Opens a TCP socket on this stack. Returns 0 and *out (owned by the caller until
 * exo_tcp_close/exo_tcp_abort), or -EXO_ENOMEM, -EXO_EMFILE. */
int exo_stack_tcp_open(struct exo_stack *st, struct exo_tcp_sock **out);
/* The stack's TCP instance, for the calls in src/stack/tcp.h that take one. */
struct exo_tcp *exo_stack_tcp(struct exo_stack *st);
/* TCP's per-stack counters (retransmits, timeouts, fast retransmits, ...). */
const struct exo_tcp_stats *exo_stack_tcp_stats(const struct exo_stack *st);
/* Called (from inside stack calls) when a TCP socket's readiness changes. It must not
 * call back into the stack. fn NULL disables it. */
void exo_stack_set_tcp_notify(struct exo_stack *st,
                              void (*fn)(void *ctx, struct exo_tcp_sock *s, uint32_t events),
                              void *ctx);

/* ---- DHCP ----------------------------------------------------------------------
 * The stack's own DHCP client (include/exonet/dhcp.h). The stack applies each lease to
 * itself (address, netmask, gateway, MTU) and removes the address when the lease ends
 * (expiry, NAK, release); UDP sockets bound to or sending from a lost address then get
 * -EXO_ENETDOWN, and TCP connections from it are aborted with the same error. Each event
 * is then reported to on_event (may be NULL), from inside a stack call: the callback must
 * not call back into the stack. */

/* cfg->mac is ignored (the stack's MAC is used). Errors: -EXO_EALREADY (running),
 * -EXO_EINVAL. */
int exo_stack_dhcp_start(struct exo_stack *st, uint64_t now, const struct exo_dhcp_config *cfg,
                         void (*on_event)(void *ctx, enum exo_dhcp_event ev,
                                          const struct exo_dhcp_lease *lease),
                         void *ctx);
/* Sends RELEASE if a lease is held, removes the address and stops the client. */
void exo_stack_dhcp_release(struct exo_stack *st, uint64_t now);
/* The client's state, or NULL if it was never started. */
const struct exo_dhcp_client *exo_stack_dhcp(const struct exo_stack *st);

#endif
