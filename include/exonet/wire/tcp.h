/* TCP headers with options (RFC 9293, 7323, 2018).
 *
 * Parse reads MSS, window scale, SACK-permitted, SACK blocks, timestamps, NOP and EOL,
 * and skips unknown options by their length. An option whose length is < 2, runs past
 * the header, or does not fit its kind (MSS not 4 bytes, ...) makes the segment
 * malformed (EXO_WIRE_EBADOPT). Emit writes options in Linux's order and layout
 * (MSS, SACK-permitted+timestamps, window scale on SYNs; timestamps then SACK blocks
 * otherwise), NOP-padded to a 4-byte multiple, and drops SACK blocks that do not fit
 * in 40 bytes of options. */
#ifndef EXONET_WIRE_TCP_H
#define EXONET_WIRE_TCP_H

#include "exonet/wire/types.h"

#define EXO_TCP_HEADER_LEN 20
#define EXO_TCP_MAX_HEADER_LEN 60
#define EXO_TCP_MAX_SACK 4

#define EXO_TCP_FIN 0x01
#define EXO_TCP_SYN 0x02
#define EXO_TCP_RST 0x04
#define EXO_TCP_PSH 0x08
#define EXO_TCP_ACK 0x10
#define EXO_TCP_URG 0x20
#define EXO_TCP_ECE 0x40
#define EXO_TCP_CWR 0x80

#define EXO_TCP_OPT_EOL 0
#define EXO_TCP_OPT_NOP 1
#define EXO_TCP_OPT_MSS 2
#define EXO_TCP_OPT_WSCALE 3
#define EXO_TCP_OPT_SACK_PERM 4
#define EXO_TCP_OPT_SACK 5
#define EXO_TCP_OPT_TIMESTAMP 8

struct exo_tcp_sack_block {
  uint32_t left;  /* first sequence number of the block */
  uint32_t right; /* sequence number just after it */
};

struct exo_tcp_repr {
  uint16_t src_port;
  uint16_t dst_port;
  uint32_t seq;
  uint32_t ack;
  uint8_t flags;     /* EXO_TCP_FIN ... EXO_TCP_CWR */
  uint16_t window;   /* as on the wire, not scaled */
  uint16_t urgent;
  /* Options: `has_*` says whether each is present. */
  bool has_mss;
  uint16_t mss;
  bool has_wscale;
  uint8_t wscale;    /* as sent; RFC 7323 caps its use at 14 (the receiver's job) */
  bool sack_permitted;
  bool has_timestamp;
  uint32_t ts_val;
  uint32_t ts_ecr;
  uint8_t sack_count;
  struct exo_tcp_sack_block sack[EXO_TCP_MAX_SACK];
  /* Set by parse. */
  uint8_t header_len; /* data offset * 4 */
  bool checksum_ok;
  /* Parse: the segment's data. Emit: its length (the data is at buf + header length). */
  const uint8_t *payload;
  size_t payload_len;
};

/* Sequence space length of a segment: data plus one for each of SYN and FIN. */
static inline uint32_t exo_tcp_seg_len(const struct exo_tcp_repr *r) {
  return (uint32_t)r->payload_len + ((r->flags & EXO_TCP_SYN) ? 1u : 0u) +
         ((r->flags & EXO_TCP_FIN) ? 1u : 0u);
}

/* Errors: EXO_WIRE_ETRUNCATED, EXO_WIRE_EHDRLEN (data offset < 5 or past the buffer),
 * EXO_WIRE_EBADOPT. */
int exo_tcp_parse(const uint8_t *buf, size_t len, uint32_t src_ip, uint32_t dst_ip,
                  struct exo_tcp_repr *repr);
/* The header length emit will produce for this repr (20 + padded options). */
size_t exo_tcp_header_len(const struct exo_tcp_repr *repr);
/* The payload must already be at buf + exo_tcp_header_len(repr). Returns the header
 * length or EXO_WIRE_ENOSPC (cap < header + payload: the checksum covers the payload),
 * or EXO_WIRE_ETOTLEN (header + payload over 65535 bytes). */
int exo_tcp_emit(const struct exo_tcp_repr *repr, uint8_t *buf, size_t cap,
                 uint32_t src_ip, uint32_t dst_ip);

/* Checked view for demultiplexers: exo_tcp_check(buf, len) == 0 means the fixed header
 * is present; then the accessors may read it. */
int exo_tcp_check(const uint8_t *buf, size_t len);
static inline uint16_t exo_tcp_view_src_port(const uint8_t *b) { return exo_rd16(b); }
static inline uint16_t exo_tcp_view_dst_port(const uint8_t *b) { return exo_rd16(b + 2); }
static inline uint8_t exo_tcp_view_flags(const uint8_t *b) { return b[13]; }

/* Sequence number comparisons modulo 2^32 (RFC 9293 3.4). */
static inline bool exo_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool exo_seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool exo_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool exo_seq_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

#endif
