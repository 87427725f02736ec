/* ICMPv4 (RFC 792, RFC 1122 3.2.2): echo replies, errors we send, errors we receive.
 *
 * Invariants:
 * - We answer echo requests sent to our unicast address only (as Linux's default
 *   icmp_echo_ignore_broadcasts), with the same identifier, sequence and data.
 * - Errors we send are rate-limited by one token bucket, quote the offending header
 *   plus as much data as keeps the whole error within 576 bytes, and are never sent
 *   about an ICMP error, a broadcast, a non-first fragment or a martian source
 *   (RFC 1122 3.2.2).
 * - Errors we receive are checked (the quoted header must be IPv4, come from us and
 *   hold the 8 transport bytes) before they reach the UDP or TCP socket they concern. */
#include "stack/stack_int.h"

#define ICMP_ERR_MAX 576

void exo__icmp_send_error(struct exo_stack *st, uint8_t type, uint8_t code, uint32_t rest,
                          const struct exo_ipv4_repr *ip, const uint8_t *hdr, bool l2_bcast) {
  if (l2_bcast || exo__is_broadcast(st, ip->dst) || (ip->dst >> 28) == 0xe || ip->frag_offset != 0)
    return;
  if (ip->protocol == EXO_IP_PROTO_ICMP) {
    /* Only queries may be answered with an error; an unreadable type counts as an error. */
    if (ip->payload_len < 1 || exo_icmp_is_error(ip->payload[0]) ||
        ip->payload[0] == EXO_ICMP_ECHO_REPLY)
      return;
  }
  if (!st->addr) return;
  if (!exo__bucket_take(&st->icmp_bucket, st->now)) {
    st->ctr.icmp_rate_limited++;
    return;
  }
  size_t quote = ip->header_len + ip->payload_len;
  size_t room = ICMP_ERR_MAX - EXO_IPV4_HEADER_LEN - EXO_ICMP_HEADER_LEN;
  if (quote > room) quote = room;
  struct exo__ip_tx tx;
  if (exo__ip_tx_begin(st, &tx, st->addr, ip->src, EXO_IP_PROTO_ICMP, EXO_ICMP_HEADER_LEN + quote) < 0)
    return;
  uint8_t *p = tx.l4 + EXO_ICMP_HEADER_LEN;
  exo_memcpy(p, hdr, ip->header_len);
  exo_memcpy(p + ip->header_len, ip->payload, quote - ip->header_len);
  struct exo_icmp_repr icmp = {.type = type, .code = code, .rest = rest, .payload_len = quote};
  if (exo_icmp_emit(&icmp, tx.l4, tx.l4_len) < 0) {
    exo__ip_tx_abort(st, &tx);
    return;
  }
  if (exo__ip_tx_end(st, &tx) == 0) st->ctr.icmp_unreach_tx++;
}

static void echo_reply(struct exo_stack *st, const struct exo_ipv4_repr *ip,
                       const struct exo_icmp_repr *req) {
  struct exo__ip_tx tx;
  /* A reassembled request larger than the MTU cannot be answered without fragmenting,
   * which we do not do; tx_begin refuses it. */
  if (exo__ip_tx_begin(st, &tx, ip->dst, ip->src, EXO_IP_PROTO_ICMP,
                       EXO_ICMP_HEADER_LEN + req->payload_len) < 0)
    return;
  exo_memcpy(tx.l4 + EXO_ICMP_HEADER_LEN, req->payload, req->payload_len);
  struct exo_icmp_repr rep = {
      .type = EXO_ICMP_ECHO_REPLY, .code = 0, .rest = req->rest, .payload_len = req->payload_len};
  if (exo_icmp_emit(&rep, tx.l4, tx.l4_len) < 0) {
    exo__ip_tx_abort(st, &tx);
    return;
  }
  if (exo__ip_tx_end(st, &tx) == 0) st->ctr.icmp_echo_reply_tx++;
}

/* An error about a datagram we sent, quoted (IP header + at least 8 bytes) in q: find
 * the flow and tell its socket. Shared by ICMP input and local ARP failure. */
void exo__l4_error(struct exo_stack *st, const uint8_t *q, size_t qlen, uint8_t type,
                   uint8_t code, uint16_t mtu) {
  if (qlen < EXO_IPV4_HEADER_LEN || (q[0] >> 4) != 4) {
    st->ctr.icmp_malformed++;
    return;
  }
  size_t hl = (size_t)(q[0] & 0x0f) * 4;
  if (hl < EXO_IPV4_HEADER_LEN || qlen < hl + 8) {
    st->ctr.icmp_malformed++;
    return;
  }
  uint32_t src = exo_ipv4_view_src(q), dst = exo_ipv4_view_dst(q);
  uint8_t proto = exo_ipv4_view_protocol(q);
  /* Only fragment zero quotes transport ports. */
  if ((exo_ipv4_view_frag_field(q) & 0x1fff) != 0 || !exo__is_local(st, src)) {
    st->ctr.icmp_malformed++;
    return;
  }
  const uint8_t *l4 = q + hl;
  uint16_t sport = exo_rd16(l4), dport = exo_rd16(l4 + 2);
  if (type == EXO_ICMP_SOURCE_QUENCH || type == EXO_ICMP_REDIRECT) {
    /* Deprecated (RFC 6633) / we have a single gateway: nothing to deliver. */
    return;
  }
  if (proto == EXO_IP_PROTO_TCP) {
    if (!st->tcp_ready) return;
    exo_tcp_icmp_error(&st->tcp, st->now, src, dst, sport, dport, exo_rd32(l4 + 4), type, code,
                       mtu);
    st->ctr.icmp_errors_delivered++;
  } else if (proto == EXO_IP_PROTO_UDP) {
    exo__udp_icmp_error(st, src, dst, sport, dport, type, code);
  }
}

static void error_input(struct exo_stack *st, const struct exo_icmp_repr *icmp) {
  st->ctr.icmp_errors_rx++;
  uint16_t mtu = 0;
  if (icmp->type == EXO_ICMP_DEST_UNREACH && icmp->code == EXO_ICMP_FRAG_NEEDED)
    mtu = (uint16_t)icmp->rest;
  exo__l4_error(st, icmp->payload, icmp->payload_len, icmp->type, icmp->code, mtu);
}

void exo__icmp_input(struct exo_stack *st, const struct exo_ipv4_repr *ip, bool bcast) {
  struct exo_icmp_repr icmp;
  st->ctr.icmp_rx++;
  if (exo_icmp_parse(ip->payload, ip->payload_len, &icmp) < 0) {
    st->ctr.icmp_malformed++;
    return;
  }
  if (!icmp.checksum_ok) {
    st->ctr.icmp_bad_checksum++;
    return;
  }
  if (icmp.type == EXO_ICMP_ECHO_REQUEST) {
    st->ctr.icmp_echo_rx++;
    if (!bcast && exo__is_local(st, ip->dst)) echo_reply(st, ip, &icmp);
    return;
  }
  if (exo_icmp_is_error(icmp.type) && !bcast) error_input(st, &icmp);
}
