/* UDP (RFC 768) sockets: bind, connect, sendto, recvfrom, broadcast, receive limits.
 *
 * Invariants:
 * - st->udp[i] is NULL or the socket whose index is i; a (laddr, lport) pair is bound at
 *   most once (no SO_REUSEADDR), and a wildcard bind conflicts with every address.
 * - A socket's queue holds at most rcvbuf bytes, each datagram charged its length plus
 *   its bookkeeping (so empty datagrams cannot queue without bound); over the limit the
 *   new datagram is dropped and counted.
 * - A unicast datagram goes to one socket: a connected one matching the 4-tuple first,
 *   then one bound to the exact address, then a wildcard one. A broadcast goes to every
 *   socket bound to the port (unconnected, or connected to the sender).
 * - Closed ports get ICMP port unreachable (rate-limited), but never for broadcasts.
 * - As on Linux, only connected sockets learn ICMP errors (pending error, reported once). */
#include "stack/stack_int.h"

#define EPH_MIN 32768
#define EPH_MAX 60999

static uint32_t charge(size_t len) { return (uint32_t)(len + sizeof(struct exo__udp_dgram)); }

static bool port_taken(const struct exo_stack *st, uint32_t addr, uint16_t port,
                       const struct exo_udp_sock *self) {
  for (uint16_t i = 0; i < st->cfg.udp_max_socks; i++) {
    const struct exo_udp_sock *s = st->udp[i];
    if (!s || s == self || !s->bound || s->lport != port) continue;
    if (s->laddr == 0 || addr == 0 || s->laddr == addr) return true;
  }
  return false;
}

int exo_udp_open(struct exo_stack *st, struct exo_udp_sock **out) {
  for (uint16_t i = 0; i < st->cfg.udp_max_socks; i++) {
    if (st->udp[i]) continue;
    struct exo_udp_sock *s = st->platform.alloc(st->platform.ctx, sizeof *s);
    if (!s) return -EXO_ENOMEM;
    exo_memset(s, 0, sizeof *s);
    s->st = st;
    s->index = i;
    s->rcvbuf = st->cfg.udp_rcvbuf;
    st->udp[i] = s;
    *out = s;
    return 0;
  }
  return -EXO_EMFILE;
}

static void free_queue(struct exo_udp_sock *s) {
  struct exo_stack *st = s->st;
  struct exo__udp_dgram *d = s->qhead;
  while (d) {
    struct exo__udp_dgram *next = d->next;
    st->platform.free(st->platform.ctx, d, sizeof *d + d->len);
    d = next;
  }
  s->qhead = s->qtail = NULL;
  s->queued = 0;
}

void exo_udp_close(struct exo_udp_sock *s) {
  if (!s) return;
  struct exo_stack *st = s->st;
  free_queue(s);
  st->udp[s->index] = NULL;
  st->platform.free(st->platform.ctx, s, sizeof *s);
}

void exo__udp_fini(struct exo_stack *st) {
  for (uint16_t i = 0; i < st->cfg.udp_max_socks; i++)
    if (st->udp[i]) exo_udp_close(st->udp[i]);
}

int exo_udp_bind(struct exo_udp_sock *s, uint32_t addr, uint16_t port) {
  struct exo_stack *st = s->st;
  if (s->bound) return -EXO_EINVAL;
  if (addr != 0 && !exo__is_local(st, addr) && !exo__is_broadcast(st, addr))
    return -EXO_EADDRNOTAVAIL;
  if (port == 0) {
    /* Walk the ephemeral range from a moving, randomly seeded start. */
    for (uint32_t n = 0; n <= EPH_MAX - EPH_MIN; n++) {
      uint16_t p = st->udp_next_port;
      st->udp_next_port = p >= EPH_MAX ? EPH_MIN : (uint16_t)(p + 1);
      if (!port_taken(st, addr, p, s)) {
        port = p;
        break;
      }
    }
    if (port == 0) return -EXO_EADDRINUSE;
  } else if (port_taken(st, addr, port, s)) {
    return -EXO_EADDRINUSE;
  }
  s->laddr = addr;
  s->lport = port;
  s->bound = true;
  return 0;
}

int exo_udp_connect(struct exo_udp_sock *s, uint32_t addr, uint16_t port) {
  if (addr == 0) {
    s->connected = false;
    s->raddr = 0;
    s->rport = 0;
    return 0;
  }
  if (port == 0) return -EXO_EINVAL;
  if (exo__is_broadcast(s->st, addr) && !s->broadcast) return -EXO_EACCES;
  if (!s->bound) {
    int rc = exo_udp_bind(s, 0, 0);
    if (rc < 0) return rc;
  }
  s->raddr = addr;
  s->rport = port;
  s->connected = true;
  return 0;
}

int exo_udp_sendto(struct exo_udp_sock *s, uint64_t now, const void *buf, size_t len,
                   uint32_t addr, uint16_t port) {
  struct exo_stack *st = s->st;
  if (now > st->now) st->now = now;
  if (s->error) {
    int e = s->error;
    s->error = 0;
    return e;
  }
  if (addr == 0) {
    if (!s->connected) return -EXO_EDESTADDRREQ;
    addr = s->raddr;
    port = s->rport;
  }
  if (port == 0) return -EXO_EINVAL;
  if (exo__is_broadcast(st, addr) && !s->broadcast) return -EXO_EACCES;
  if (len > (size_t)st->mtu - EXO_IPV4_HEADER_LEN - EXO_UDP_HEADER_LEN) return -EXO_EMSGSIZE;
  if (!s->bound) {
    int rc = exo_udp_bind(s, 0, 0);
    if (rc < 0) return rc;
  }
  /* A socket bound to a broadcast address sends from the interface address. */
  uint32_t src = exo__is_local(st, s->laddr) ? s->laddr : 0;
  struct exo__ip_tx tx;
  int rc = exo__ip_tx_begin(st, &tx, src, addr, EXO_IP_PROTO_UDP, EXO_UDP_HEADER_LEN + len);
  if (rc < 0) return rc;
  if (len) exo_memcpy(tx.l4 + EXO_UDP_HEADER_LEN, buf, len);
  struct exo_udp_repr u = {.src_port = s->lport, .dst_port = port, .payload_len = len};
  if (exo_udp_emit(&u, tx.l4, tx.l4_len, tx.route.src, addr) < 0) {
    exo__ip_tx_abort(st, &tx);
    return -EXO_EINVAL;
  }
  rc = exo__ip_tx_end(st, &tx);
  if (rc < 0) return rc;
  st->ctr.udp_tx++;
  return (int)len;
}

static int receive(struct exo_udp_sock *s, void *buf, size_t len, uint32_t *src_addr,
                   uint16_t *src_port, bool *trunc, bool peek) {
  struct exo__udp_dgram *d = s->qhead;
  if (!d) {
    if (s->error) {
      int e = s->error;
      s->error = 0;
      return e;
    }
    return -EXO_EAGAIN;
  }
  size_t n = EXO_MIN(len, d->len);
  if (n) exo_memcpy(buf, d->data, n);
  if (src_addr) *src_addr = d->src;
  if (src_port) *src_port = d->sport;
  if (trunc) *trunc = n < d->len;
  if (peek) return (int)n;
  s->qhead = d->next;
  if (!s->qhead) s->qtail = NULL;
  s->queued -= charge(d->len);
  s->st->platform.free(s->st->platform.ctx, d, sizeof *d + d->len);
  return (int)n;
}

int exo_udp_recvfrom(struct exo_udp_sock *s, void *buf, size_t len, uint32_t *src_addr,
                     uint16_t *src_port, bool *trunc) {
  return receive(s, buf, len, src_addr, src_port, trunc, false);
}

int exo_udp_peekfrom(struct exo_udp_sock *s, void *buf, size_t len, uint32_t *src_addr,
                     uint16_t *src_port, bool *trunc) {
  return receive(s, buf, len, src_addr, src_port, trunc, true);
}

size_t exo_udp_next_len(const struct exo_udp_sock *s) { return s->qhead ? s->qhead->len : 0; }

uint32_t exo_udp_events(const struct exo_udp_sock *s) {
  uint32_t ev = EXO_EV_WRITABLE;
  if (s->qhead) ev |= EXO_EV_READABLE;
  if (s->error) ev |= EXO_EV_ERR | EXO_EV_READABLE;
  return ev;
}

int exo_udp_take_error(struct exo_udp_sock *s) {
  int e = s->error;
  s->error = 0;
  return e;
}

int exo_udp_setopt(struct exo_udp_sock *s, int opt, uint32_t value) {
  switch (opt) {
    case EXO_UDP_OPT_BROADCAST:
      if (value > 1) return -EXO_EINVAL;
      s->broadcast = value != 0;
      return 0;
    case EXO_UDP_OPT_RCVBUF:
      if (value < 256) return -EXO_EINVAL;
      s->rcvbuf = value;
      return 0;
    default:
      return -EXO_ENOPROTOOPT;
  }
}

void exo_udp_getname(const struct exo_udp_sock *s, uint32_t *laddr, uint16_t *lport,
                     uint32_t *raddr, uint16_t *rport) {
  if (laddr) *laddr = s->laddr;
  if (lport) *lport = s->lport;
  if (raddr) *raddr = s->connected ? s->raddr : 0;
  if (rport) *rport = s->connected ? s->rport : 0;
}

static void enqueue(struct exo_stack *st, struct exo_udp_sock *s, uint32_t src, uint16_t sport,
                    const uint8_t *data, size_t len) {
  uint32_t c = charge(len);
  if (s->queued + c > s->rcvbuf) {
    st->ctr.udp_queue_full++;
    return;
  }
  struct exo__udp_dgram *d = st->platform.alloc(st->platform.ctx, sizeof *d + len);
  if (!d) {
    st->ctr.udp_queue_full++;
    return;
  }
  d->next = NULL;
  d->src = src;
  d->sport = sport;
  d->len = len;
  if (len) exo_memcpy(d->data, data, len);
  if (s->qtail)
    s->qtail->next = d;
  else
    s->qhead = d;
  s->qtail = d;
  s->queued += c;
}

/* 0: no match; 1: wildcard; 2: exact local address; 3: connected to this peer. */
static int match(const struct exo_udp_sock *s, uint32_t src, uint16_t sport, uint32_t dst,
                 uint16_t dport) {
  if (!s->bound || s->lport != dport) return 0;
  if (s->connected && (s->raddr != src || s->rport != sport)) return 0;
  int score = 1;
  if (s->laddr != 0) {
    if (s->laddr != dst) return 0;
    score = 2;
  }
  if (s->connected) score = 3;
  return score;
}

void exo__udp_input(struct exo_stack *st, const struct exo_ipv4_repr *ip, const uint8_t *hdr,
                    bool bcast) {
  struct exo_udp_repr u;
  if (exo_udp_parse(ip->payload, ip->payload_len, ip->src, ip->dst, &u) < 0) {
    st->ctr.udp_malformed++;
    return;
  }
  if (!u.checksum_ok) {
    st->ctr.udp_bad_checksum++;
    return;
  }
  if (u.dst_port == 0 || u.src_port == 0) {
    st->ctr.udp_malformed++;
    return;
  }
  st->ctr.udp_rx++;
  if (st->dhcp_on && exo__dhcp_udp_input(st, &u)) return;
  bool delivered = false;
  if (bcast) {
    for (uint16_t i = 0; i < st->cfg.udp_max_socks; i++) {
      struct exo_udp_sock *s = st->udp[i];
      if (!s || !s->bound || s->lport != u.dst_port) continue;
      if (s->connected && (s->raddr != ip->src || s->rport != u.src_port)) continue;
      if (s->laddr != 0 && s->laddr != ip->dst) continue;
      enqueue(st, s, ip->src, u.src_port, u.payload, u.payload_len);
      delivered = true;
    }
  } else {
    struct exo_udp_sock *best = NULL;
    int best_score = 0;
    for (uint16_t i = 0; i < st->cfg.udp_max_socks; i++) {
      struct exo_udp_sock *s = st->udp[i];
      if (!s) continue;
      int sc = match(s, ip->src, u.src_port, ip->dst, u.dst_port);
      if (sc > best_score) {
        best = s;
        best_score = sc;
      }
    }
    if (best) {
      enqueue(st, best, ip->src, u.src_port, u.payload, u.payload_len);
      delivered = true;
    }
  }
  if (!delivered) {
    st->ctr.udp_no_port++;
    if (!bcast)
      exo__icmp_send_error(st, EXO_ICMP_DEST_UNREACH, EXO_ICMP_PORT_UNREACH, 0, ip, hdr, false);
  }
}

static int icmp_errno(uint8_t type, uint8_t code) {
  if (type == EXO_ICMP_DEST_UNREACH) {
    switch (code) {
      case EXO_ICMP_NET_UNREACH:
        return -EXO_ENETUNREACH;
      case EXO_ICMP_PROTO_UNREACH:
        return -EXO_ENOPROTOOPT;
      case EXO_ICMP_PORT_UNREACH:
        return -EXO_ECONNREFUSED;
      case EXO_ICMP_FRAG_NEEDED:
        return -EXO_EMSGSIZE;
      default:
        return -EXO_EHOSTUNREACH;
    }
  }
  if (type == EXO_ICMP_TIME_EXCEEDED) return -EXO_EHOSTUNREACH;
  if (type == EXO_ICMP_PARAM_PROBLEM) return -EXO_EPROTO; /* as Linux */
  return 0;
}

void exo__udp_icmp_error(struct exo_stack *st, uint32_t local_ip, uint32_t remote_ip,
                         uint16_t lport, uint16_t rport, uint8_t type, uint8_t code) {
  int err = icmp_errno(type, code);
  if (!err) return;
  for (uint16_t i = 0; i < st->cfg.udp_max_socks; i++) {
    struct exo_udp_sock *s = st->udp[i];
    if (!s || !s->connected || s->lport != lport || s->raddr != remote_ip || s->rport != rport)
      continue;
    if (s->laddr != 0 && s->laddr != local_ip) continue;
    s->error = err;
    st->ctr.icmp_errors_delivered++;
    return;
  }
}
