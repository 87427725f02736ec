/* TCP headers and options (RFC 9293, RFC 7323, RFC 2018).
 *
 * Invariants: after parse, 20 <= header_len <= len, every option lies inside the header,
 * and the payload is [buf + header_len, buf + len) (the IP layer trimmed the segment).
 * Options are walked strictly: a length < 2, running past the header, or wrong for its
 * kind makes the whole segment malformed, because a peer that gets option framing wrong
 * cannot be trusted on the rest. EOL ends the walk; later bytes are padding. A repeated
 * option overwrites the earlier one (as Linux does).
 *
 * Emit uses Linux's layouts so that captures of exonet look like captures of Linux:
 *   SYN:     MSS(4) | SACK-perm+TS(4,2,8,10,...) or NOP NOP TS or NOP NOP SACK-perm | NOP WS
 *   non-SYN: NOP NOP TS | NOP NOP SACK(n blocks, as many as fit in 40 bytes)
 * MSS, window scale and SACK-permitted are SYN-only options (RFC 9293 3.7.1, RFC 7323
 * 2.2, RFC 2018 2), and SACK blocks are never put on a SYN. */
#include "exonet/wire/tcp.h"
#include "exonet/wire/checksum.h"
#include "exonet/wire/ipv4.h"

#define TCP_MAX_OPT_LEN 40

int exo_tcp_check(const uint8_t *buf, size_t len) {
  if (len < EXO_TCP_HEADER_LEN) return EXO_WIRE_ETRUNCATED;
  size_t hl = (size_t)(buf[12] >> 4) * 4;
  if (hl < EXO_TCP_HEADER_LEN || hl > len) return EXO_WIRE_EHDRLEN;
  return EXO_WIRE_OK;
}

static int parse_options(const uint8_t *o, size_t n, struct exo_tcp_repr *r) {
  size_t i = 0;
  while (i < n) {
    uint8_t kind = o[i];
    if (kind == EXO_TCP_OPT_EOL) break;
    if (kind == EXO_TCP_OPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= n) return EXO_WIRE_EBADOPT; /* no room for the length byte */
    uint8_t olen = o[i + 1];
    if (olen < 2 || olen > n - i) return EXO_WIRE_EBADOPT;
    const uint8_t *v = o + i + 2;
    switch (kind) {
      case EXO_TCP_OPT_MSS:
        if (olen != 4) return EXO_WIRE_EBADOPT;
        r->has_mss = true;
        r->mss = exo_rd16(v);
        break;
      case EXO_TCP_OPT_WSCALE:
        if (olen != 3) return EXO_WIRE_EBADOPT;
        r->has_wscale = true;
        r->wscale = v[0];
        break;
      case EXO_TCP_OPT_SACK_PERM:
        if (olen != 2) return EXO_WIRE_EBADOPT;
        r->sack_permitted = true;
        break;
      case EXO_TCP_OPT_SACK: {
        if (olen < 10 || (olen - 2) % 8 != 0) return EXO_WIRE_EBADOPT;
        unsigned blocks = (unsigned)(olen - 2) / 8; /* at most 4 in 40 bytes */
        r->sack_count = (uint8_t)blocks;
        for (unsigned b = 0; b < blocks; b++) {
          r->sack[b].left = exo_rd32(v + 8 * b);
          r->sack[b].right = exo_rd32(v + 8 * b + 4);
        }
        break;
      }
      case EXO_TCP_OPT_TIMESTAMP:
        if (olen != 10) return EXO_WIRE_EBADOPT;
        r->has_timestamp = true;
        r->ts_val = exo_rd32(v);
        r->ts_ecr = exo_rd32(v + 4);
        break;
      default:
        break; /* unknown: skipped by its length */
    }
    i += olen;
  }
  return EXO_WIRE_OK;
}

int exo_tcp_parse(const uint8_t *buf, size_t len, uint32_t src_ip, uint32_t dst_ip,
                  struct exo_tcp_repr *repr) {
  int err = exo_tcp_check(buf, len);
  if (err) return err;
  size_t hl = (size_t)(buf[12] >> 4) * 4;
  repr->src_port = exo_rd16(buf);
  repr->dst_port = exo_rd16(buf + 2);
  repr->seq = exo_rd32(buf + 4);
  repr->ack = exo_rd32(buf + 8);
  repr->flags = buf[13];
  repr->window = exo_rd16(buf + 14);
  repr->urgent = exo_rd16(buf + 18);
  repr->has_mss = false;
  repr->mss = 0;
  repr->has_wscale = false;
  repr->wscale = 0;
  repr->sack_permitted = false;
  repr->has_timestamp = false;
  repr->ts_val = 0;
  repr->ts_ecr = 0;
  repr->sack_count = 0;
  exo_memset(repr->sack, 0, sizeof repr->sack);
  err = parse_options(buf + EXO_TCP_HEADER_LEN, hl - EXO_TCP_HEADER_LEN, repr);
  if (err) return err;
  repr->header_len = (uint8_t)hl;
  /* A segment longer than 65535 bytes cannot come from IPv4; its pseudo-header length
   * would not fit, so it cannot have a valid checksum. */
  if (len > 0xffff) {
    repr->checksum_ok = false;
  } else {
    uint32_t s = exo_csum_pseudo_ipv4(src_ip, dst_ip, EXO_IP_PROTO_TCP, (uint16_t)len);
    repr->checksum_ok = exo_csum_fold(exo_csum_partial(buf, len, s)) == 0;
  }
  repr->payload = buf + hl;
  repr->payload_len = len - hl;
  return EXO_WIRE_OK;
}

/* Number of SACK blocks emit will write: what the repr has, capped by what fits. */
static unsigned sack_blocks_to_emit(const struct exo_tcp_repr *r) {
  if (r->flags & EXO_TCP_SYN) return 0;
  unsigned n = r->sack_count > EXO_TCP_MAX_SACK ? EXO_TCP_MAX_SACK : r->sack_count;
  size_t room = TCP_MAX_OPT_LEN - (r->has_timestamp ? 12 : 0);
  while (n > 0 && 4 + 8 * (size_t)n > room) n--;
  return n;
}

static size_t options_len(const struct exo_tcp_repr *r) {
  size_t n = 0;
  if (r->flags & EXO_TCP_SYN) {
    if (r->has_mss) n += 4;
    if (r->has_timestamp) n += 12; /* with SACK-perm packed in or two NOPs */
    else if (r->sack_permitted) n += 4;
    if (r->has_wscale) n += 4;
  } else {
    if (r->has_timestamp) n += 12;
    unsigned blocks = sack_blocks_to_emit(r);
    if (blocks) n += 4 + 8 * (size_t)blocks;
  }
  return n;
}

size_t exo_tcp_header_len(const struct exo_tcp_repr *repr) {
  return EXO_TCP_HEADER_LEN + options_len(repr);
}

static uint8_t *put_ts(uint8_t *p, const struct exo_tcp_repr *r) {
  p[0] = EXO_TCP_OPT_TIMESTAMP;
  p[1] = 10;
  exo_wr32(p + 2, r->ts_val);
  exo_wr32(p + 6, r->ts_ecr);
  return p + 10;
}

int exo_tcp_emit(const struct exo_tcp_repr *repr, uint8_t *buf, size_t cap,
                 uint32_t src_ip, uint32_t dst_ip) {
  size_t hl = exo_tcp_header_len(repr);
  if (repr->payload_len > 0xffff - hl) return EXO_WIRE_ETOTLEN;
  size_t total = hl + repr->payload_len;
  if (cap < total) return EXO_WIRE_ENOSPC;
  exo_wr16(buf, repr->src_port);
  exo_wr16(buf + 2, repr->dst_port);
  exo_wr32(buf + 4, repr->seq);
  exo_wr32(buf + 8, repr->ack);
  buf[12] = (uint8_t)((hl / 4) << 4);
  buf[13] = repr->flags;
  exo_wr16(buf + 14, repr->window);
  exo_wr16(buf + 16, 0);
  exo_wr16(buf + 18, repr->urgent);
  uint8_t *p = buf + EXO_TCP_HEADER_LEN;
  if (repr->flags & EXO_TCP_SYN) {
    if (repr->has_mss) {
      p[0] = EXO_TCP_OPT_MSS;
      p[1] = 4;
      exo_wr16(p + 2, repr->mss);
      p += 4;
    }
    if (repr->has_timestamp) {
      if (repr->sack_permitted) {
        p[0] = EXO_TCP_OPT_SACK_PERM;
        p[1] = 2;
      } else {
        p[0] = EXO_TCP_OPT_NOP;
        p[1] = EXO_TCP_OPT_NOP;
      }
      p = put_ts(p + 2, repr);
    } else if (repr->sack_permitted) {
      p[0] = EXO_TCP_OPT_NOP;
      p[1] = EXO_TCP_OPT_NOP;
      p[2] = EXO_TCP_OPT_SACK_PERM;
      p[3] = 2;
      p += 4;
    }
    if (repr->has_wscale) {
      p[0] = EXO_TCP_OPT_NOP;
      p[1] = EXO_TCP_OPT_WSCALE;
      p[2] = 3;
      p[3] = repr->wscale;
      p += 4;
    }
  } else {
    if (repr->has_timestamp) {
      p[0] = EXO_TCP_OPT_NOP;
      p[1] = EXO_TCP_OPT_NOP;
      p = put_ts(p + 2, repr);
    }
    unsigned blocks = sack_blocks_to_emit(repr);
    if (blocks) {
      p[0] = EXO_TCP_OPT_NOP;
      p[1] = EXO_TCP_OPT_NOP;
      p[2] = EXO_TCP_OPT_SACK;
      p[3] = (uint8_t)(2 + 8 * blocks);
      p += 4;
      for (unsigned b = 0; b < blocks; b++) {
        exo_wr32(p, repr->sack[b].left);
        exo_wr32(p + 4, repr->sack[b].right);
        p += 8;
      }
    }
  }
  uint32_t s = exo_csum_pseudo_ipv4(src_ip, dst_ip, EXO_IP_PROTO_TCP, (uint16_t)total);
  exo_wr16(buf + 16, exo_csum_fold(exo_csum_partial(buf, total, s)));
  return (int)hl;
}
