/* Private state and helpers of the TCP module (src/stack/tcp*.c). Nothing outside the
 * module includes this header.
 *
 * Invariants kept by every function here:
 * - snd_una <= snd_nxt (sequence space); snd_nxt is also the highest sequence ever sent
 *   (RFC 6675 HighData): retransmissions never move it back, they are driven by the
 *   loss marker (lost_hi) and high_rxt.
 * - The send ring holds the data bytes from sequence sbuf_seq onward (acknowledged
 *   bytes are dropped at once); sbuf_seq <= snd_una + 1 while a SYN is outstanding.
 * - The receive ring holds `rbuf.len` in-order unread bytes ending at rcv_nxt, then
 *   room for out-of-order data, which is written in place at its final offset; the
 *   ooo[] intervals (sorted, disjoint, above rcv_nxt) say which of it is valid.
 * - Every timer field is 0 (off) or an absolute deadline in microseconds; s->deadline is
 *   their minimum (0 = none). */
#ifndef EXONET_STACK_TCP_INT_H
#define EXONET_STACK_TCP_INT_H

#include "stack/tcp.h"

#define EXO__TCP_OOO_MAX 16   /* receiver: out-of-order intervals kept */
#define EXO__TCP_SB_MAX 32    /* sender: SACK scoreboard intervals kept */
#define EXO__TCP_DUPTHRESH 3
#define EXO__TCP_INIT_CWND 10 /* segments (RFC 6928) */
#define EXO__TCP_DEFAULT_MSS 536
#define EXO__TCP_MSL2_FIN_WAIT2_US 60000000u /* orphaned FIN-WAIT-2 lifetime (Linux) */
#define EXO__TCP_PAWS_24DAYS_US (24ull * 24 * 3600 * 1000000)

struct exo__tcp_ring {
  uint8_t *buf;
  uint32_t cap;
  uint32_t head; /* index of the first byte */
  uint32_t len;  /* bytes held from head */
};

struct exo__tcp_range {
  uint32_t left, right; /* [left, right) in sequence space */
};

struct exo_tcp_sock {
  struct exo_tcp *tcp;
  struct exo_tcp_sock *hnext;          /* 4-tuple hash chain */
  struct exo_tcp_sock *next, *prev;    /* tcp->all */
  struct exo_tcp_sock *lnext;          /* tcp->listeners */
  struct exo_tcp_sock *parent;         /* listener of an embryonic/unaccepted child */
  struct exo_tcp_sock *aq_next;        /* accept queue link */
  /* Listener only. */
  struct exo_tcp_sock *aq_head, *aq_tail;
  uint32_t aq_len, backlog, synq_len;
  void *user;

  uint8_t state;
  bool orphan;       /* the user closed the handle: TCP frees it when done */
  bool hashed, listening, bound, in_aq;
  bool wake;         /* something the user may care about happened */
  bool dead;         /* the connection ended (reset, timeout, closed) */
  bool was_synced;   /* reached ESTABLISHED at least once */
  uint32_t last_events;
  int err;           /* pending error (SO_ERROR), negative */
  int soft_err;      /* ICMP soft error, reported if the connection times out */

  uint32_t lip, rip;
  uint16_t lport, rport;

  /* Options. */
  bool nodelay, keepalive, quickack, reuseaddr;
  int linger;
  uint32_t keep_idle_s, keep_intvl_s, keep_cnt;
  uint8_t cc_algo;
  uint16_t user_mss;
  uint32_t sndbuf_size, rcvbuf_size;

  /* Negotiated. */
  bool ws_ok, ts_ok, sack_ok;
  uint8_t snd_wscale, rcv_wscale;
  uint16_t peer_mss;  /* MSS option received (536 if none) */
  uint16_t adv_mss;   /* MSS we announced */
  uint32_t smss;      /* payload bytes per segment we send (options excluded) */
  uint32_t rcv_mss;   /* largest segment seen from the peer */

  /* Send side. */
  uint32_t iss, snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2, max_snd_wnd;
  struct exo__tcp_ring sbuf;
  uint32_t sbuf_seq;  /* sequence number of sbuf's first byte */
  bool fin_queued;    /* shut down for writing: FIN goes after the data */
  bool fin_sent;
  uint32_t snd_sml;   /* end of the last small segment sent (Minshall's Nagle) */

  /* Receive side. */
  uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge we advertised */
  struct exo__tcp_ring rbuf;
  struct exo__tcp_range ooo[EXO__TCP_OOO_MAX];
  uint8_t n_ooo;
  bool fin_rcvd;      /* in-order FIN consumed (rcv_nxt counts it) */
  bool ooo_fin;       /* FIN seen beyond a hole at ooo_fin_seq */
  uint32_t ooo_fin_seq;
  bool rd_shut;
  /* The last out-of-order/duplicate arrival, reported first in SACK (RFC 2018). */
  struct exo__tcp_range last_sack;
  /* A duplicate segment to report once as a D-SACK block (RFC 2883). */
  struct exo__tcp_range dsack;
  bool dsack_pending;

  /* Timestamps (RFC 7323). */
  uint32_t ts_recent;
  uint64_t ts_recent_at;
  uint32_t ts_offset;
  uint32_t last_ack_sent;

  /* RTT and RTO (RFC 6298). */
  uint32_t srtt_us, rttvar_us, rto_us;
  bool rtt_valid;
  bool rtt_timing;
  uint32_t rtt_seq;
  uint64_t rtt_start;
  uint8_t backoff;
  uint32_t retries;   /* consecutive RTO expirations */

  /* Congestion control (bytes). */
  uint32_t cwnd, ssthresh;
  uint32_t bytes_acked_ca; /* NewReno congestion-avoidance accumulator */
  bool cwnd_limited;
  /* CUBIC (RFC 9438). */
  uint32_t cubic_wmax;       /* bytes */
  uint32_t cubic_k_ms;
  uint64_t cubic_epoch;      /* start of the current avoidance epoch, 0 = none */
  uint32_t cubic_origin;     /* bytes */
  uint32_t cubic_west;       /* Reno-friendly estimate, bytes */
  uint64_t cubic_acc, cubic_west_acc;
  /* HyStart++ (RFC 9406), CUBIC's initial slow start. RTTs in us, UINT32_MAX = none. */
  uint32_t hs_window_end;
  uint32_t hs_last_min, hs_cur_min, hs_css_base;
  uint32_t hs_samples;
  uint8_t hs_css_rounds;
  bool hs_css;

  /* Loss recovery (RFC 6675 / 6582). */
  uint8_t ca_state;      /* 0 open, 1 disorder, 3 recovery, 4 loss */
  uint32_t recover;      /* RecoveryPoint */
  uint32_t dupacks;
  uint32_t lost_hi;      /* unsacked bytes below it are deemed lost */
  uint32_t high_rxt;     /* retransmitted up to here (exclusive) */
  bool rescue_done;
  struct exo__tcp_range sb[EXO__TCP_SB_MAX]; /* SACKed ranges above snd_una */
  uint8_t n_sb;
  uint32_t sacked_bytes;

  /* Delayed ACK. */
  uint32_t unacked_rcv;  /* bytes received since our last ACK */
  bool ack_now;

  /* Keepalive / persist. */
  uint32_t probes_out;
  uint64_t last_rcv_time;

  /* Timers (absolute microseconds; 0 = off). */
  uint64_t t_rtx;      /* retransmission (SYN, SYN-ACK, data, FIN) */
  uint64_t t_persist;  /* zero-window probe */
  uint64_t t_delack;
  uint64_t t_keep;
  uint64_t t_wait;     /* TIME-WAIT / orphaned FIN-WAIT-2 */
  uint64_t t_xmit;     /* retry after env->output failed (device full) */
  uint64_t deadline;
  uint8_t syn_retries_done;

  /* Counters for tcp_info. */
  uint64_t total_retrans, bytes_acked, bytes_received, segs_in, segs_out;
};

/* siphash.c */
uint64_t exo__siphash24(const uint8_t key[16], const void *data, size_t len);

/* tcp_buf.c */
int exo__ring_alloc(struct exo_tcp *tcp, struct exo__tcp_ring *r, uint32_t cap);
void exo__ring_free(struct exo_tcp *tcp, struct exo__tcp_ring *r);
uint32_t exo__ring_push(struct exo__tcp_ring *r, const uint8_t *data, uint32_t len);
/* Copies len bytes at offset off from head into the ring (may be past len: OOO data).
 * The caller guarantees off + len <= cap. */
void exo__ring_write_at(struct exo__tcp_ring *r, uint32_t off, const uint8_t *data,
                        uint32_t len);
void exo__ring_peek(const struct exo__tcp_ring *r, uint32_t off, uint8_t *out, uint32_t len);
void exo__ring_drop(struct exo__tcp_ring *r, uint32_t n);
/* The (up to two) contiguous pieces of [off, off + len). */
void exo__ring_pieces(const struct exo__tcp_ring *r, uint32_t off, uint32_t len,
                      const uint8_t **p1, size_t *l1, const uint8_t **p2, size_t *l2);
/* Receiver reassembly: records [seq, seq+len) as held, beyond rcv_nxt. Returns false
 * when the interval table is full (the data is then dropped). */
bool exo__ooo_add(struct exo_tcp_sock *s, uint32_t seq, uint32_t len);
/* Moves intervals that now touch rcv_nxt into the in-order data; returns bytes gained. */
uint32_t exo__ooo_merge(struct exo_tcp_sock *s);

/* tcp_isn.c */
uint32_t exo__tcp_isn(const struct exo_tcp *tcp, uint64_t now, uint32_t lip, uint16_t lport,
                      uint32_t rip, uint16_t rport);
uint32_t exo__tcp_ts_offset(const struct exo_tcp *tcp, uint32_t lip, uint16_t lport,
                            uint32_t rip, uint16_t rport);
static inline uint32_t exo__tcp_ts_now(const struct exo_tcp_sock *s, uint64_t now) {
  return (uint32_t)(now / 1000u) + s->ts_offset; /* 1 ms timestamp clock */
}

/* tcp_syncookie.c */
struct exo__syncookie_opts {
  uint16_t mss;
  bool sack, ts, ws;
  uint8_t wscale;
};
uint32_t exo__syncookie_make(const struct exo_tcp *tcp, uint64_t now, uint32_t lip,
                             uint16_t lport, uint32_t rip, uint16_t rport, uint32_t peer_isn,
                             uint16_t mss, uint16_t *mss_used);
/* Returns the MSS encoded, or 0 if the cookie (seg ack - 1) is not valid now. */
uint16_t exo__syncookie_check(const struct exo_tcp *tcp, uint64_t now, uint32_t lip,
                              uint16_t lport, uint32_t rip, uint16_t rport, uint32_t peer_isn,
                              uint32_t cookie);
/* Option bits carried in the low 5 bits of our TSval (Linux's trick). */
uint32_t exo__syncookie_ts_encode(uint32_t tsval, const struct exo__syncookie_opts *o);
void exo__syncookie_ts_decode(uint32_t tsecr, struct exo__syncookie_opts *o);

/* tcp_sack.c: sender scoreboard and receiver SACK blocks. */
void exo__sb_reset(struct exo_tcp_sock *s);
/* Records the SACK blocks of an ACK; ignores blocks outside (snd_una, snd_nxt]. Returns
 * the number of newly SACKed bytes. */
uint32_t exo__sb_update(struct exo_tcp_sock *s, const struct exo_tcp_repr *seg);
/* Forgets everything below snd_una. */
void exo__sb_advance(struct exo_tcp_sock *s);
uint32_t exo__sb_sacked_in(const struct exo_tcp_sock *s, uint32_t a, uint32_t b);
/* The first unSACKed sequence in [from, to), or `to`. *len = bytes until the next
 * SACKed byte or `to`. */
uint32_t exo__sb_next_hole(const struct exo_tcp_sock *s, uint32_t from, uint32_t to,
                           uint32_t *len);
/* RFC 6675 IsLost boundary: unSACKed bytes below it have DupThresh discontiguous
 * SACKed ranges or more than (DupThresh-1)*SMSS SACKed bytes above them. */
uint32_t exo__sb_lost_boundary(const struct exo_tcp_sock *s);
/* RFC 6675 pipe (bytes in flight). */
uint32_t exo__tcp_pipe(const struct exo_tcp_sock *s);
/* Fills the SACK blocks of an outgoing ACK from the receive reassembly state. */
void exo__sack_fill(const struct exo_tcp_sock *s, struct exo_tcp_repr *r);

/* tcp_cc_*.c */
void exo__cc_init(struct exo_tcp_sock *s);
void exo__cc_on_ack(struct exo_tcp_sock *s, uint64_t now, uint32_t acked);
/* A loss was detected (fast retransmit): sets ssthresh and cwnd. */
void exo__cc_on_loss(struct exo_tcp_sock *s, uint64_t now);
/* The RTO fired. */
void exo__cc_on_rto(struct exo_tcp_sock *s, uint64_t now);
void exo__cc_on_recovery_exit(struct exo_tcp_sock *s, uint64_t now);
void exo__newreno_on_ack(struct exo_tcp_sock *s, uint32_t acked);
uint32_t exo__newreno_ssthresh(const struct exo_tcp_sock *s);
void exo__cubic_on_ack(struct exo_tcp_sock *s, uint64_t now, uint32_t acked);
void exo__cubic_on_loss(struct exo_tcp_sock *s, uint64_t now);
void exo__cubic_reset(struct exo_tcp_sock *s);
uint64_t exo__icbrt(uint64_t x);
void exo__hystart_reset(struct exo_tcp_sock *s);
void exo__hystart_rtt(struct exo_tcp_sock *s, uint32_t rtt_us);
/* Slow-start growth under HyStart++: returns the increase for `acked` bytes. */
uint32_t exo__hystart_grow(struct exo_tcp_sock *s, uint32_t ack, uint32_t acked);

/* tcp_output.c */
/* Sends what the state, windows, Nagle and congestion control allow, then a pure ACK if
 * one is owed. Returns 0 or the first output error. */
int exo__tcp_output(struct exo_tcp_sock *s, uint64_t now);
int exo__tcp_send_ack(struct exo_tcp_sock *s, uint64_t now);
int exo__tcp_send_syn(struct exo_tcp_sock *s, uint64_t now);
int exo__tcp_send_rst(struct exo_tcp_sock *s, uint64_t now);
/* A bare segment on behalf of no socket (RST replies, cookie SYN-ACKs). */
int exo__tcp_send_raw(struct exo_tcp *tcp, uint32_t lip, uint32_t rip,
                      const struct exo_tcp_repr *r);
/* RST answering seg (RFC 9293 3.10.7.1), unless seg is itself a RST. */
void exo__tcp_reply_rst(struct exo_tcp *tcp, uint32_t lip, uint32_t rip,
                        const struct exo_tcp_repr *seg);
/* Retransmits one segment starting at seq (data, SYN or FIN). */
int exo__tcp_xmit_at(struct exo_tcp_sock *s, uint64_t now, uint32_t seq, uint32_t max_len,
                     bool retrans);
uint32_t exo__tcp_rcv_window(const struct exo_tcp_sock *s);
void exo__tcp_update_smss(struct exo_tcp_sock *s);
int exo__tcp_challenge_ack(struct exo_tcp_sock *s, uint64_t now);
int exo__tcp_send_probe(struct exo_tcp_sock *s, uint64_t now);

/* tcp_timer.c */
void exo__tcp_timer_update(struct exo_tcp_sock *s);
void exo__tcp_rtt_sample(struct exo_tcp_sock *s, uint32_t rtt_us);
void exo__tcp_arm_rtx(struct exo_tcp_sock *s, uint64_t now);
uint32_t exo__tcp_backoff_rto(const struct exo_tcp_sock *s);

/* tcp.c / tcp_input.c */
struct exo_tcp_sock *exo__tcp_sock_new(struct exo_tcp *tcp, int *err);
void exo__tcp_sock_free(struct exo_tcp_sock *s);
int exo__tcp_buffers(struct exo_tcp_sock *s);
void exo__tcp_hash_insert(struct exo_tcp_sock *s);
void exo__tcp_hash_remove(struct exo_tcp_sock *s);
struct exo_tcp_sock *exo__tcp_lookup(struct exo_tcp *tcp, uint32_t lip, uint16_t lport,
                                     uint32_t rip, uint16_t rport);
void exo__tcp_set_state(struct exo_tcp_sock *s, uint8_t state);
/* The connection ended (RST, timeout, or the close sequence finished): records err
 * (0 = none), releases what it can, and frees the socket if the user has closed it.
 * Returns true if s was freed. */
bool exo__tcp_done(struct exo_tcp_sock *s, int err);
void exo__tcp_enter_time_wait(struct exo_tcp_sock *s, uint64_t now);
void exo__tcp_notify(struct exo_tcp_sock *s);
/* Enters ESTABLISHED (allocating the buffers of a passive connection): 0, or
 * -EXO_ENOMEM with nothing changed. */
int exo__tcp_established(struct exo_tcp_sock *s, uint64_t now);
void exo__tcp_init_wscale(struct exo_tcp_sock *s);
/* tcp_input.c: the RTO/persist/keepalive handlers live in tcp_timer.c and may kill s. */
bool exo__tcp_timers_run(struct exo_tcp_sock *s, uint64_t now);

#endif
