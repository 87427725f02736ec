/* TCP (RFC 9293) for the stack core: the interface between the stack and the TCP module.
 *
 * TCP is a pure module. The stack owns `struct exo_tcp` (embedded in its own state),
 * hands it every checksum-verified IPv4 protocol-6 segment addressed to a local address
 * (exo_tcp_input), forwards parsed ICMP errors (exo_tcp_icmp_error), and calls
 * exo_tcp_poll when exo_tcp_next_deadline is due. TCP emits segments only through
 * env->output; it reads no clock (every entry point that may send takes `now`, monotonic
 * microseconds, never decreasing), keeps no globals and allocates only through
 * env->platform.
 *
 * Reentrancy: callbacks in `struct exo_tcp_env` are called from inside TCP calls; they
 * must not call back into the same struct exo_tcp (queue work instead).
 *
 * Socket ownership: a `struct exo_tcp_sock *` returned by exo_tcp_open or exo_tcp_accept
 * belongs to the caller until it passes it to exo_tcp_close or exo_tcp_abort; after that
 * the pointer is invalid (TCP may keep the connection alive internally, e.g. FIN-WAIT,
 * TIME-WAIT, and frees it itself). A connection reset or timed out while the caller
 * still holds the handle stays allocated (state CLOSED, error pending) until closed.
 * Embryonic (SYN-RECEIVED) and not yet accepted connections belong to their listener.
 *
 * Errors are negative EXO_E* values (include/exonet/errno.h). */
#ifndef EXONET_STACK_TCP_H
#define EXONET_STACK_TCP_H

#include "exonet/errno.h"
#include "exonet/platform.h"
#include "exonet/wire/tcp.h"

struct exo_tcp_sock; /* opaque: defined in tcp_int.h, private to the TCP module */

/* Connection states, numbered as Linux's TCP_* states (so tcp_info maps 1:1). */
enum exo_tcp_state {
  EXO_TCP_ESTABLISHED = 1,
  EXO_TCP_SYN_SENT = 2,
  EXO_TCP_SYN_RECEIVED = 3,
  EXO_TCP_FIN_WAIT_1 = 4,
  EXO_TCP_FIN_WAIT_2 = 5,
  EXO_TCP_TIME_WAIT = 6,
  EXO_TCP_CLOSED = 7,
  EXO_TCP_CLOSE_WAIT = 8,
  EXO_TCP_LAST_ACK = 9,
  EXO_TCP_LISTEN = 10,
  EXO_TCP_CLOSING = 11,
};

/* Readiness events: the same bit values as Linux's POLLIN, POLLOUT, POLLERR, POLLHUP,
 * POLLRDHUP, so the sockets layer can pass them through. */
#define EXO_TCP_EV_IN 0x0001u    /* data, EOF, or (listener) a connection to accept */
#define EXO_TCP_EV_OUT 0x0004u   /* send would queue at least one byte */
#define EXO_TCP_EV_ERR 0x0008u   /* an error is pending (exo_tcp_take_error) */
#define EXO_TCP_EV_HUP 0x0010u   /* both directions closed (or reset) */
#define EXO_TCP_EV_RDHUP 0x2000u /* the peer sent FIN */

enum exo_tcp_cc {
  EXO_TCP_CC_CUBIC = 0, /* default (RFC 9438) */
  EXO_TCP_CC_NEWRENO = 1,
};

/* Socket options (exo_tcp_setopt / exo_tcp_getopt). Values are ints. */
enum exo_tcp_sockopt {
  EXO_TCP_SO_NODELAY = 1,       /* bool: disable Nagle */
  EXO_TCP_SO_KEEPALIVE = 2,     /* bool */
  EXO_TCP_SO_KEEPIDLE = 3,      /* seconds, >= 1 */
  EXO_TCP_SO_KEEPINTVL = 4,     /* seconds, >= 1 */
  EXO_TCP_SO_KEEPCNT = 5,       /* probes, >= 1 */
  EXO_TCP_SO_RCVBUF = 6,        /* bytes; only before connect/listen */
  EXO_TCP_SO_SNDBUF = 7,        /* bytes; only before connect/listen */
  EXO_TCP_SO_CC = 8,            /* enum exo_tcp_cc; before connect (or on a listener) */
  EXO_TCP_SO_LINGER = 9,        /* -1 = off (default), 0 = close sends RST, >0 seconds
                                   (the core closes gracefully; the blocking layer waits) */
  EXO_TCP_SO_MAXSEG = 10,       /* clamp for the MSS we announce and use */
  EXO_TCP_SO_REUSEADDR = 11,    /* bool: bind may reuse a port held by TIME-WAIT */
  EXO_TCP_SO_QUICKACK = 12,     /* bool: ACK every segment at once (no delayed ACK) */
};

enum exo_tcp_shut { EXO_TCP_SHUT_RD = 0, EXO_TCP_SHUT_WR = 1, EXO_TCP_SHUT_RDWR = 2 };

/* exo_tcp_recv flags. */
#define EXO_TCP_RECV_PEEK 0x1u

struct exo_tcp_env {
  void *ctx;
  const struct exo_platform *platform;
  /* Sends one segment. The stack builds IPv4 (+Ethernet) around it: reserves a frame,
   * copies data1 then data2 (pieces of the send ring) at the TCP payload offset, sets
   * payload_len = len1 + len2 in its own copy of *hdr and calls exo_tcp_emit. Returns 0,
   * or a negative EXO_E*: -EXO_ENOBUFS (device full; TCP retries on a later poll). ARP
   * resolution pending is not an error (the stack queues the frame). */
  int (*output)(void *ctx, uint32_t src_ip, uint32_t dst_ip, const struct exo_tcp_repr *hdr,
                const uint8_t *data1, size_t len1, const uint8_t *data2, size_t len2);
  /* The path MTU toward dst (IP MTU, e.g. 1500); 0 = no route (connect fails with
   * -EXO_ENETUNREACH). */
  uint16_t (*route_mtu)(void *ctx, uint32_t dst_ip);
  /* The local address to use toward dst; 0 if none. */
  uint32_t (*source_addr)(void *ctx, uint32_t dst_ip);
  /* Whether ip is one of ours (bind checks it). May be NULL: any address is accepted. */
  bool (*is_local_addr)(void *ctx, uint32_t ip);
  /* Something the user may care about happened on s: its readiness mask changed, or
   * new data/space/a connection to accept arrived (so it may repeat an unchanged mask:
   * edge-triggered waiters need that). events = exo_tcp_events(s). For a not yet
   * accepted connection its listener is notified. May be NULL. Never called for a
   * socket that the user has already closed. */
  void (*notify)(void *ctx, struct exo_tcp_sock *s, uint32_t events);
};

struct exo_tcp_config {
  uint32_t max_sockets;     /* all sockets incl. TIME-WAIT and embryonic; default 4096 */
  uint32_t sndbuf;          /* default send buffer, bytes; default 256 KiB */
  uint32_t rcvbuf;          /* default receive buffer, bytes; default 256 KiB */
  uint16_t ephemeral_min;   /* default 32768 */
  uint16_t ephemeral_max;   /* default 60999 */
  uint8_t cc;               /* enum exo_tcp_cc; default CUBIC */
  uint8_t syn_retries;      /* default 6 (Linux) */
  uint8_t synack_retries;   /* default 5 (Linux) */
  bool syncookies;          /* send SYN cookies when a SYN queue is full; default true */
  bool sack;                /* default true */
  bool timestamps;          /* default true */
  bool window_scaling;      /* default true */
  uint32_t syn_backlog;     /* max embryonic connections per listener; default 128 */
  uint32_t time_wait_us;    /* default 60 s */
  uint32_t delack_us;       /* delayed-ACK timeout; default 40 ms */
  uint32_t rto_min_us;      /* default 200 ms */
  uint32_t rto_max_us;      /* default 120 s */
  uint32_t rto_initial_us;  /* default 1 s */
  uint32_t keepalive_idle_s;  /* default 7200 */
  uint32_t keepalive_intvl_s; /* default 75 */
  uint32_t keepalive_cnt;     /* default 9 */
  uint32_t retries2;        /* RTO expirations before an established connection dies;
                               default 15 */
  uint32_t challenge_ack_limit; /* challenge ACKs per second per stack; default 1000 */
};

/* Fills cfg with the defaults above. */
void exo_tcp_config_default(struct exo_tcp_config *cfg);

/* Per-stack counters (monotonic). */
struct exo_tcp_stats {
  uint64_t segs_in, segs_out;
  uint64_t active_opens, passive_opens;
  uint64_t attempt_fails, estab_resets;
  uint64_t retransmits;      /* segments retransmitted for any reason */
  uint64_t timeouts;         /* RTO expirations */
  uint64_t fast_retransmits; /* recoveries entered on duplicate ACKs / SACK */
  uint64_t sack_recoveries;
  uint64_t rsts_sent;
  uint64_t rsts_received_valid;
  uint64_t challenge_acks;
  uint64_t challenge_acks_suppressed; /* over the rate limit */
  uint64_t bad_segments;     /* dropped as invalid (bad flags, out of window, ...) */
  uint64_t paws_rejected;
  uint64_t syncookies_sent, syncookies_validated, syncookies_failed;
  uint64_t listen_overflows, listen_drops;
  uint64_t ooo_segments;     /* segments queued out of order */
  uint64_t zero_window_probes;
  uint64_t keepalive_probes;
  uint64_t delayed_acks;
  uint64_t output_errors;    /* env->output failures */
};

/* A snapshot of one connection, in the spirit of Linux's struct tcp_info. Times in
 * microseconds. */
struct exo_tcp_info {
  uint8_t state;            /* enum exo_tcp_state */
  uint8_t ca_state;         /* 0 open, 1 disorder, 3 recovery, 4 loss (Linux numbers) */
  uint8_t snd_wscale, rcv_wscale;
  bool sack_ok, ts_ok;
  uint8_t cc;               /* enum exo_tcp_cc */
  uint8_t backoff;          /* RTO backoff exponent */
  uint32_t rto_us, rtt_us, rttvar_us;
  uint32_t snd_mss, rcv_mss;
  uint32_t snd_cwnd;        /* bytes */
  uint32_t snd_ssthresh;    /* bytes */
  uint32_t snd_wnd;         /* peer's window, scaled, bytes */
  uint32_t rcv_wnd;         /* our advertised window, bytes */
  uint32_t pipe;            /* bytes in flight (RFC 6675 pipe) */
  uint32_t unacked;         /* snd_nxt - snd_una, bytes */
  uint32_t sacked;          /* bytes SACKed above snd_una */
  uint32_t lost;            /* bytes deemed lost */
  uint32_t retransmits;     /* current consecutive RTO count */
  uint64_t total_retrans;   /* segments retransmitted */
  uint64_t bytes_acked, bytes_received;
  uint64_t segs_out, segs_in;
};

/* All TCP state of one stack. Embed it; treat the fields as private. */
struct exo_tcp {
  struct exo_tcp_env env;
  struct exo_tcp_config cfg;
  struct exo_tcp_sock **hash;  /* connections by 4-tuple (chained) */
  uint32_t hash_mask;
  struct exo_tcp_sock *all;    /* every socket, for timers and teardown */
  struct exo_tcp_sock *listeners; /* listening sockets (few: scanned) */
  uint32_t nsocks;
  uint16_t next_ephemeral;
  uint8_t isn_key[16];         /* RFC 6528 secret */
  uint8_t cookie_key[16];      /* SYN-cookie secret */
  uint64_t now;                /* the latest time seen */
  uint64_t min_deadline;       /* <= every socket's deadline (may be early, never late) */
  uint64_t challenge_epoch;    /* start of the current challenge-ACK second */
  uint32_t challenge_count;
  struct exo_tcp_stats stats;
};

/* Errors: -EXO_EINVAL (env without output/platform), -EXO_ENOMEM. cfg may be NULL
 * (defaults). Reads random bytes for the ISN and cookie keys. */
int exo_tcp_init(struct exo_tcp *tcp, const struct exo_tcp_env *env,
                 const struct exo_tcp_config *cfg);
/* Frees every socket without sending anything. Handles still held become invalid. */
void exo_tcp_fini(struct exo_tcp *tcp);

/* One segment addressed to dst_ip (local) from src_ip, checksum already verified.
 * seg->payload/payload_len point at the data (only read during the call). Segments
 * with no matching socket are answered with RST (RFC 9293 3.10.7.1). */
void exo_tcp_input(struct exo_tcp *tcp, uint64_t now, uint32_t src_ip, uint32_t dst_ip,
                   const struct exo_tcp_repr *seg);

/* An ICMP error quoting a segment we sent (local_ip:lport -> remote_ip:rport, seq).
 * Fragmentation-needed lowers the path MSS (next_hop_mtu, 0 = unknown); hard errors
 * during SYN-SENT abort the connect; others are recorded as soft errors (RFC 5461). */
void exo_tcp_icmp_error(struct exo_tcp *tcp, uint64_t now, uint32_t local_ip,
                        uint32_t remote_ip, uint16_t lport, uint16_t rport, uint32_t seq,
                        uint8_t type, uint8_t code, uint16_t next_hop_mtu);

/* The host no longer has `addr`: every connection from it ends with `err` (e.g.
 * -EXO_ENETDOWN), reported through SO_ERROR and readiness; nothing is sent. */
void exo_tcp_addr_lost(struct exo_tcp *tcp, uint64_t now, uint32_t addr, int err);

/* Runs due timers and sends what is allowed. */
void exo_tcp_poll(struct exo_tcp *tcp, uint64_t now);
/* When exo_tcp_poll should next run; UINT64_MAX if no timer is armed. O(1). It may be
 * earlier than needed (after a timer was cancelled): that poll finds nothing due and
 * makes the next answer exact. Never later than a due timer. */
uint64_t exo_tcp_next_deadline(const struct exo_tcp *tcp);

/* --- sockets ------------------------------------------------------------------------ */

/* A new closed socket, or NULL (*err = -EXO_ENOMEM, -EXO_EMFILE at max_sockets when no
 * orphaned TIME-WAIT connection can give way). */
struct exo_tcp_sock *exo_tcp_open(struct exo_tcp *tcp, int *err);
/* ip 0 = any local address; port 0 = an ephemeral port. Errors: -EXO_EINVAL (already
 * bound), -EXO_EADDRNOTAVAIL (not local), -EXO_EADDRINUSE. */
int exo_tcp_bind(struct exo_tcp_sock *s, uint32_t ip, uint16_t port);
/* Errors: -EXO_EINVAL (not closed), -EXO_EADDRINUSE (no port free). backlog is clamped
 * to [1, 4096]; the SYN queue is cfg.syn_backlog. */
int exo_tcp_listen(struct exo_tcp_sock *s, int backlog);
/* Sends SYN; returns -EXO_EINPROGRESS (the connection completes later: EV_OUT, or
 * EV_ERR with take_error = -EXO_ECONNREFUSED/-EXO_ETIMEDOUT/...). Errors: -EXO_EISCONN,
 * -EXO_EALREADY, -EXO_EINVAL (listening), -EXO_ENETUNREACH, -EXO_EADDRNOTAVAIL,
 * -EXO_EADDRINUSE (no ephemeral port), -EXO_ENOMEM. */
int exo_tcp_connect(struct exo_tcp_sock *s, uint64_t now, uint32_t ip, uint16_t port);
/* Returns 0 and *out = an established connection, or -EXO_EAGAIN, -EXO_EINVAL (not
 * listening). The caller owns *out. */
int exo_tcp_accept(struct exo_tcp_sock *s, struct exo_tcp_sock **out);
/* Queues up to len bytes (copied) and sends what the windows allow. Returns the count
 * queued (> 0), or -EXO_EAGAIN (buffer full), -EXO_EPIPE (shut down for writing or
 * closed by us), -EXO_ENOTCONN (not yet connected), -EXO_ECONNRESET, or another
 * pending error (which it consumes). Data queued during SYN-SENT/SYN-RECEIVED is sent
 * once established. len 0 returns 0. */
ptrdiff_t exo_tcp_send(struct exo_tcp_sock *s, uint64_t now, const void *buf, size_t len);
/* Copies up to len received bytes out. Returns the count, 0 at end of stream (peer's
 * FIN, SHUT_RD, or after a reset was reported), -EXO_EAGAIN (nothing yet),
 * -EXO_ENOTCONN, or a pending error (-EXO_ECONNRESET ...), which buffered data
 * precedes. May send a window update. flags: EXO_TCP_RECV_PEEK. */
ptrdiff_t exo_tcp_recv(struct exo_tcp_sock *s, uint64_t now, void *buf, size_t len,
                       unsigned flags);
/* Bytes ready to read (FIONREAD). */
size_t exo_tcp_readable(const struct exo_tcp_sock *s);
/* Errors: -EXO_ENOTCONN, -EXO_EINVAL (bad how). SHUT_WR sends FIN after queued data. */
int exo_tcp_shutdown(struct exo_tcp_sock *s, uint64_t now, int how);
/* Releases the handle. A connected socket closes gracefully (FIN after queued data;
 * RST at once if unread received data is discarded, RFC 9293 / Linux; RST if linger is
 * 0; RST later if new data arrives, since nobody can read it). A listener resets its
 * unaccepted connections. Always succeeds. */
void exo_tcp_close(struct exo_tcp_sock *s, uint64_t now);
/* Releases the handle, sending RST to a synchronized peer. */
void exo_tcp_abort(struct exo_tcp_sock *s, uint64_t now);

/* Readiness as Linux's tcp_poll reports it: IN (data, EOF, SHUT_RD; a listener with
 * a connection to accept), OUT (connected and send-buffer space, or shut down for
 * writing so writes fail at once), RDHUP (peer's FIN), HUP (both directions closed or
 * the connection ended; also a never-connected socket), ERR (pending error). An ended
 * connection reports IN|OUT|HUP|RDHUP (+ERR). */
uint32_t exo_tcp_events(const struct exo_tcp_sock *s);
/* Returns and clears the pending error (SO_ERROR): 0 or a negative EXO_E*. */
int exo_tcp_take_error(struct exo_tcp_sock *s);
enum exo_tcp_state exo_tcp_state(const struct exo_tcp_sock *s);
/* Errors: -EXO_ENOPROTOOPT, -EXO_EINVAL (bad value or wrong state). */
int exo_tcp_setopt(struct exo_tcp_sock *s, uint64_t now, int opt, int value);
int exo_tcp_getopt(const struct exo_tcp_sock *s, int opt, int *value);
void exo_tcp_get_info(const struct exo_tcp_sock *s, struct exo_tcp_info *info);
/* Local and remote address/port (0 when unset). */
void exo_tcp_local(const struct exo_tcp_sock *s, uint32_t *ip, uint16_t *port);
void exo_tcp_remote(const struct exo_tcp_sock *s, uint32_t *ip, uint16_t *port);
/* An opaque pointer the caller may attach to its socket (e.g. its fd record). */
void exo_tcp_set_user(struct exo_tcp_sock *s, void *user);
void *exo_tcp_get_user(const struct exo_tcp_sock *s);
const struct exo_tcp_stats *exo_tcp_get_stats(const struct exo_tcp *tcp);

#endif
