/* A packetdrill-like driver for one struct exo_tcp: a fake clock, a fake platform and an
 * output callback that captures every emitted segment (header + payload copy) in a
 * queue. Tests inject exact segments at exact times and pop the emitted ones to assert
 * flags, seq, ack, window, options and payload length.
 *
 * The local side is 10.0.0.1, the scripted peer 10.0.0.2; route MTU 1500. Random bytes
 * are a fixed pattern, so ISNs are deterministic but still come from the keyed hash
 * (tests read them from the emitted SYN/SYN-ACK). Included by each test_*.c. */
#ifndef EXONET_TESTS_TCP_SCRIPT_H
#define EXONET_TESTS_TCP_SCRIPT_H

#include "harness.h"
#include "stack/tcp.h"

#define TS_LOCAL EXO_IPV4(10, 0, 0, 1)
#define TS_REMOTE EXO_IPV4(10, 0, 0, 2)
#define TS_MAXSEG 1024
#define TS_MAXDATA 4096

struct ts_seg {
  uint32_t src, dst;
  struct exo_tcp_repr h; /* payload points at data */
  uint8_t data[TS_MAXDATA];
  size_t len;
};

struct tscript {
  struct exo_tcp tcp;
  struct exo_platform plat;
  struct exo_tcp_env env;
  uint64_t now;
  struct ts_seg *q; /* TS_MAXSEG entries, ring */
  size_t head, count;
  uint64_t total_out;
  int output_rc;    /* returned by output when nonzero (e.g. -EXO_ENOBUFS) */
  uint16_t mtu;
  size_t allocated; /* bytes outstanding through the fake platform */
  unsigned notifies;
  uint32_t last_events;
  struct exo_tcp_sock *last_notified;
};

void ts_init(struct tscript *t, const struct exo_tcp_config *cfg);
/* Frees everything and checks no memory leaked. */
void ts_fini(struct tscript *t);
/* Moves the clock to now + us and runs due timers (in deadline order, as a stack would). */
void ts_advance(struct tscript *t, uint64_t us);
/* An inbound segment skeleton from the peer (port 5000 -> 80 unless changed). */
struct exo_tcp_repr ts_seg(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t window);
/* The same carrying the timestamp option (TSval 600, TSecr 0), as a peer that negotiated
 * timestamps sends after the handshake. */
struct exo_tcp_repr ts_pseg(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t window);
void ts_inject(struct tscript *t, const struct exo_tcp_repr *seg, const void *data, size_t len);
/* The next emitted segment, or NULL; valid until the next call that emits. */
struct ts_seg *ts_pop(struct tscript *t);
size_t ts_pending(const struct tscript *t);
void ts_drain(struct tscript *t);

/* Pops one segment and checks it (a failed check names the caller's line). */
struct ts_seg *ts_expect_at(struct tscript *t, const char *file, int line, uint8_t flags,
                            uint32_t seq, uint32_t ack, uint32_t window, size_t len);
#define TS_EXPECT(t, flags, seq, ack, win, len) \
  ts_expect_at((t), __FILE__, __LINE__, (flags), (seq), (ack), (win), (len))
#define TS_ANY UINT32_MAX /* a field not to check */
#define TS_EXPECT_NONE(t)                                                             \
  do {                                                                                \
    if (ts_pending(t) != 0) {                                                         \
      struct ts_seg *x_ = ts_pop(t);                                                  \
      exo_test_fail(__FILE__, __LINE__, "unexpected segment flags=%#x seq=%u ack=%u " \
                    "len=%zu", x_->h.flags, x_->h.seq, x_->h.ack, x_->len);           \
    }                                                                                 \
  } while (0)

/* Helpers for the common openings. Each returns the socket and leaves the queue empty;
 * *iss is our ISN. The peer's ISN is 1000, its timestamps start at 500, window 65535
 * with scale 7 if `ws`. */
struct ts_opts {
  bool mss, ws, sack, ts;
  uint16_t mss_val;
  uint8_t wscale;
  uint16_t peer_window; /* window field in the peer's ACK */
};
struct ts_opts ts_default_opts(void);
struct exo_tcp_sock *ts_passive_open(struct tscript *t, const struct ts_opts *o, uint32_t *iss);
struct exo_tcp_sock *ts_active_open(struct tscript *t, const struct ts_opts *o, uint32_t *iss);

#endif
