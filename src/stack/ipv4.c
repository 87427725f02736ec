/* IPv4 (RFC 791, RFC 1122): routing, output and input for a host (no forwarding).
 *
 * Invariants:
 * - Routing knows one interface: on-link destinations go direct, others to the gateway,
 *   and nothing goes anywhere without a route (-EXO_ENETUNREACH). 255.255.255.255 and
 *   the subnet's directed broadcast go to the Ethernet broadcast address.
 * - We never fragment: a datagram larger than the MTU is refused (-EXO_EMSGSIZE) and every
 *   datagram leaves with DF set, so TCP relies on MSS and path-MTU discovery.
 * - Input accepts only datagrams for our address or a broadcast (any unicast address
 *   while we have none, for DHCP), drops martian sources, never delivers a datagram that
 *   came as a link-layer broadcast to a unicast IP address (RFC 1122 3.3.6), and ignores
 *   options (the parser bounds them; nothing reads them).
 * - TTL: we are not a router, so received TTLs are not decremented or checked; outgoing
 *   datagrams carry cfg.ttl. */
#include "stack/stack_int.h"

#define FRAME_HDR (EXO_ETH_HEADER_LEN + EXO_IPV4_HEADER_LEN)

static bool is_multicast(uint32_t ip) { return (ip >> 28) == 0xe; }

int exo__ip_route(const struct exo_stack *st, uint32_t dst, uint32_t src,
                  struct exo__route *r) {
  r->broadcast = false;
  r->next_hop = dst;
  r->src = st->addr;
  if (src != 0 && src != st->addr) return -EXO_EADDRNOTAVAIL;
  if (dst == EXO_IPV4_BROADCAST) {
    /* Allowed without an address: a DHCP client sends from 0.0.0.0. */
    r->broadcast = true;
    return 0;
  }
  if (st->addr == 0) return -EXO_ENETUNREACH;
  if (dst == 0 || is_multicast(dst) || (dst >> 24) == 127 || dst == st->addr)
    return -EXO_ENETUNREACH; /* no loopback interface, no multicast */
  if (exo__is_broadcast(st, dst)) {
    r->broadcast = true;
    return 0;
  }
  if (((dst ^ st->addr) & st->netmask) == 0) return 0;
  if (st->gateway == 0) return -EXO_ENETUNREACH;
  r->next_hop = st->gateway;
  return 0;
}

int exo__ip_tx_begin(struct exo_stack *st, struct exo__ip_tx *tx, uint32_t src, uint32_t dst,
                     uint8_t protocol, size_t l4_len) {
  int rc = exo__ip_route(st, dst, src, &tx->route);
  if (rc < 0) {
    st->ctr.ip_no_route++;
    return rc;
  }
  if (l4_len > (size_t)st->mtu - EXO_IPV4_HEADER_LEN) return -EXO_EMSGSIZE;
  size_t len = FRAME_HDR + l4_len;
  size_t reserve = len < EXO_ETH_MIN_FRAME ? EXO_ETH_MIN_FRAME : len;
  tx->frame = (struct exo_frame){0};
  rc = st->dev.ops->tx_reserve(st->dev.ctx, &tx->frame, reserve);
  if (rc < 0) {
    st->ctr.tx_errors++;
    return rc == -EXO_EMSGSIZE ? rc : -EXO_ENOBUFS;
  }
  if (reserve > len) exo_memset(tx->frame.data + len, 0, reserve - len);
  tx->frame.len = reserve;
  tx->dst = dst;
  tx->protocol = protocol;
  tx->ttl = st->cfg.ttl;
  tx->l4 = tx->frame.data + FRAME_HDR;
  tx->l4_len = l4_len;
  return 0;
}

void exo__ip_tx_abort(struct exo_stack *st, struct exo__ip_tx *tx) {
  st->dev.ops->tx_abort(st->dev.ctx, &tx->frame);
}

int exo__ip_tx_end(struct exo_stack *st, struct exo__ip_tx *tx) {
  struct exo_eth_repr eth = {
      .dst = EXO_MAC_BROADCAST, .src = st->mac, .ethertype = EXO_ETHERTYPE_IPV4};
  struct exo_ipv4_repr ip = {
      .src = tx->route.src,
      .dst = tx->dst,
      .protocol = tx->protocol,
      .ttl = tx->ttl,
      .ident = st->ip_ident++,
      .dont_fragment = true,
      .payload_len = tx->l4_len,
  };
  uint8_t *b = tx->frame.data;
  if (exo_eth_emit(&eth, b, tx->frame.cap) != EXO_ETH_HEADER_LEN ||
      exo_ipv4_emit(&ip, b + EXO_ETH_HEADER_LEN, tx->frame.cap - EXO_ETH_HEADER_LEN) !=
          EXO_IPV4_HEADER_LEN) {
    exo__ip_tx_abort(st, tx);
    return -EXO_EINVAL;
  }
  st->ctr.ip_tx++;
  if (tx->route.broadcast) {
    exo__stack_transmit(st, &tx->frame);
    return 0;
  }
  return exo__arp_send(st, tx->route.next_hop, &tx->frame);
}

static void tcp_input(struct exo_stack *st, const struct exo_ipv4_repr *ip, bool bcast) {
  if (bcast || !exo__is_local(st, ip->dst)) {
    st->ctr.ip_not_for_us++;
    return;
  }
  struct exo_tcp_repr seg;
  if (exo_tcp_parse(ip->payload, ip->payload_len, ip->src, ip->dst, &seg) < 0) {
    st->ctr.tcp_malformed++;
    return;
  }
  if (!seg.checksum_ok) {
    st->ctr.tcp_bad_checksum++;
    return;
  }
  st->ctr.tcp_rx++;
  if (st->tcp_ready) exo_tcp_input(&st->tcp, st->now, ip->src, ip->dst, &seg);
}

void exo__ip_deliver(struct exo_stack *st, const struct exo_ipv4_repr *ip, const uint8_t *hdr,
                     bool l2_bcast) {
  bool bcast = l2_bcast || exo__is_broadcast(st, ip->dst);
  switch (ip->protocol) {
    case EXO_IP_PROTO_ICMP:
      exo__icmp_input(st, ip, bcast);
      break;
    case EXO_IP_PROTO_UDP:
      exo__udp_input(st, ip, hdr, bcast);
      break;
    case EXO_IP_PROTO_TCP:
      tcp_input(st, ip, bcast);
      break;
    default:
      st->ctr.ip_unknown_proto++;
      exo__icmp_send_error(st, EXO_ICMP_DEST_UNREACH, EXO_ICMP_PROTO_UNREACH, 0, ip, hdr, bcast);
      break;
  }
}

void exo__ip_input(struct exo_stack *st, const struct exo_eth_repr *eth) {
  struct exo_ipv4_repr ip;
  if (exo_ipv4_parse(eth->payload, eth->payload_len, &ip) < 0) {
    st->ctr.ip_malformed++;
    return;
  }
  st->ctr.ip_rx++;
  if (!ip.checksum_ok) {
    st->ctr.ip_bad_checksum++;
    return;
  }
  /* Martians (RFC 1122 3.2.1.3): no broadcast, multicast, loopback, "this network" or
   * our own address as a source. */
  if (ip.src == 0 || ip.src == EXO_IPV4_BROADCAST || is_multicast(ip.src) ||
      (ip.src >> 24) == 127 || (ip.src >> 24) == 0 || exo__is_local(st, ip.src) ||
      exo__is_broadcast(st, ip.src)) {
    st->ctr.ip_bad_src++;
    return;
  }
  bool dst_bcast = exo__is_broadcast(st, ip.dst);
  bool l2_bcast = exo_mac_is_broadcast(eth->dst);
  bool for_us;
  if (st->addr != 0)
    for_us = ip.dst == st->addr || dst_bcast;
  else /* no address yet: a DHCP offer may be unicast to the address being offered */
    for_us = dst_bcast || (ip.protocol == EXO_IP_PROTO_UDP && !is_multicast(ip.dst));
  if (!for_us || (l2_bcast && !dst_bcast)) {
    st->ctr.ip_not_for_us++;
    return;
  }
  if (exo_ipv4_is_fragment(&ip)) {
    st->ctr.ip_frags_rx++;
    exo__reasm_input(st, &ip, eth->payload, l2_bcast);
    return;
  }
  exo__ip_deliver(st, &ip, eth->payload, l2_bcast);
}
