/* Shared helpers for the stack tests: a stack (10.0.0.1/24, gateway 10.0.0.254, MAC
 * 02:00:00:00:00:01) on a capture device with a fake clock, frame builders for what a
 * peer (10.0.0.2, MAC 02:00:00:00:00:02) would send, and parsers for what the stack
 * sent. Static functions: each test program includes this once. */
#ifndef EXONET_TESTS_STACK_FIXTURE_H
#define EXONET_TESTS_STACK_FIXTURE_H

#include <stdlib.h>

#include "exonet/dev/capture.h"
#include "exonet/errno.h"
#include "exonet/host.h"
#include "exonet/stack.h"
#include "exonet/wire.h"
#include "harness.h"
#include "stack/tcp.h"

#define US 1ull
#define MS 1000ull
#define SEC 1000000ull

#define OUR_IP EXO_IPV4(10, 0, 0, 1)
#define PEER_IP EXO_IPV4(10, 0, 0, 2)
#define GW_IP EXO_IPV4(10, 0, 0, 254)
static const struct exo_mac OUR_MAC = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct exo_mac PEER_MAC = {{0x02, 0, 0, 0, 0, 0x02}};
static const struct exo_mac GW_MAC = {{0x02, 0, 0, 0, 0, 0xfe}};

struct fx {
  struct exo_platform pf;
  struct exo_capdev *cap;
  struct exo_stack *st;
  uint64_t now;
};

static inline struct exo_stack_config fx_config(void) {
  struct exo_stack_config c = {0};
  c.mac = OUR_MAC;
  c.addr = OUR_IP;
  c.netmask = 0xffffff00u;
  c.gateway = GW_IP;
  return c;
}

/* Creates the stack at time 1 s and forgets the gratuitous ARP it announces itself with. */
static inline void fx_init_cfg(struct fx *f, const struct exo_stack_config *c) {
  f->pf = exo_host_platform();
  f->cap = exo_capdev_create(1500);
  f->now = 1 * SEC;
  int rc = exo_stack_create(&f->pf, c, exo_capdev_device(f->cap), f->now, &f->st);
  if (rc != 0) {
    fprintf(stderr, "exo_stack_create: %d\n", rc);
    abort();
  }
  exo_capdev_tx_clear(f->cap);
}

static inline void fx_init(struct fx *f) {
  struct exo_stack_config c = fx_config();
  fx_init_cfg(f, &c);
}

static inline void fx_fini(struct fx *f) {
  exo_stack_destroy(f->st);
  exo_capdev_destroy(f->cap);
}

/* Delivers a frame and polls at the current time. */
static inline void fx_rx(struct fx *f, const uint8_t *frame, size_t len) {
  exo_capdev_inject(f->cap, frame, len);
  exo_stack_poll(f->st, f->now);
}

static inline void fx_advance(struct fx *f, uint64_t dt) {
  f->now += dt;
  exo_stack_poll(f->st, f->now);
}

static inline size_t fx_ntx(struct fx *f) { return exo_capdev_tx_count(f->cap); }

static inline const uint8_t *fx_tx(struct fx *f, size_t i, size_t *len) {
  return exo_capdev_tx_frame(f->cap, i, len);
}

/* ---- builders ----------------------------------------------------------------------- */

static inline size_t build_eth(uint8_t *buf, struct exo_mac dst, struct exo_mac src,
                               uint16_t type) {
  struct exo_eth_repr e = {.dst = dst, .src = src, .ethertype = type};
  return (size_t)exo_eth_emit(&e, buf, 14);
}

static inline size_t build_arp(uint8_t *buf, uint16_t op, struct exo_mac eth_dst,
                               struct exo_mac smac, uint32_t sip, struct exo_mac tmac,
                               uint32_t tip) {
  size_t n = build_eth(buf, eth_dst, smac, EXO_ETHERTYPE_ARP);
  struct exo_arp_repr a = {
      .operation = op, .sender_mac = smac, .sender_ip = sip, .target_mac = tmac, .target_ip = tip};
  n += (size_t)exo_arp_emit(&a, buf + n, EXO_ARP_LEN);
  memset(buf + n, 0, 60 - n);
  return 60;
}

struct ipb {
  struct exo_mac eth_dst, eth_src;
  uint32_t src, dst;
  uint8_t proto, ttl;
  uint16_t ident, frag_offset;
  bool mf;
  size_t options_len; /* NOP options (multiple of 4) */
};

static inline struct ipb ipb_default(uint8_t proto) {
  struct ipb b = {.eth_dst = OUR_MAC, .eth_src = PEER_MAC, .src = PEER_IP, .dst = OUR_IP,
                  .proto = proto, .ttl = 64, .ident = 0x1234};
  return b;
}

/* An IPv4 frame carrying `payload` (already a complete transport segment). */
static inline size_t build_ip(uint8_t *buf, const struct ipb *b, const uint8_t *payload,
                              size_t len) {
  size_t n = build_eth(buf, b->eth_dst, b->eth_src, EXO_ETHERTYPE_IPV4);
  struct exo_ipv4_repr ip = {.src = b->src, .dst = b->dst, .protocol = b->proto, .ttl = b->ttl,
                             .ident = b->ident, .more_fragments = b->mf,
                             .frag_offset = b->frag_offset, .payload_len = len};
  exo_ipv4_emit(&ip, buf + n, 20);
  if (b->options_len) {
    /* Grow the header: IHL, total length, options, checksum. */
    uint8_t *h = buf + n;
    h[0] = (uint8_t)(0x40 | ((20 + b->options_len) / 4));
    exo_wr16(h + 2, (uint16_t)(20 + b->options_len + len));
    memset(h + 20, 1, b->options_len);
    exo_wr16(h + 10, 0);
    exo_wr16(h + 10, exo_csum(h, 20 + b->options_len));
  }
  n += 20 + b->options_len;
  memcpy(buf + n, payload, len);
  n += len;
  if (n < 60) {
    memset(buf + n, 0, 60 - n);
    n = 60;
  }
  return n;
}

/* A UDP segment (header + data) from src to dst. Returns its length. */
static inline size_t build_udp_seg(uint8_t *seg, uint32_t src, uint32_t dst, uint16_t sport,
                                   uint16_t dport, const void *data, size_t len) {
  struct exo_udp_repr u = {.src_port = sport, .dst_port = dport, .payload_len = len};
  memcpy(seg + 8, data, len);
  exo_udp_emit(&u, seg, 8 + len, src, dst);
  return 8 + len;
}

static inline size_t build_udp(uint8_t *buf, const struct ipb *b, uint16_t sport, uint16_t dport,
                               const void *data, size_t len) {
  uint8_t seg[2048];
  size_t sl = build_udp_seg(seg, b->src, b->dst, sport, dport, data, len);
  return build_ip(buf, b, seg, sl);
}

static inline size_t build_icmp(uint8_t *buf, const struct ipb *b, uint8_t type, uint8_t code,
                                uint32_t rest, const void *data, size_t len) {
  uint8_t seg[2048];
  memcpy(seg + 8, data, len);
  struct exo_icmp_repr r = {.type = type, .code = code, .rest = rest, .payload_len = len};
  exo_icmp_emit(&r, seg, 8 + len);
  return build_ip(buf, b, seg, 8 + len);
}

/* ---- parsers of what the stack sent --------------------------------------------------- */

struct sent {
  struct exo_eth_repr eth;
  struct exo_arp_repr arp;
  struct exo_ipv4_repr ip;
  struct exo_udp_repr udp;
  struct exo_icmp_repr icmp;
  struct exo_tcp_repr tcp;
  bool is_arp, is_ip, is_udp, is_icmp, is_tcp;
};

static inline bool parse_sent(const uint8_t *f, size_t len, struct sent *s) {
  memset(s, 0, sizeof *s);
  if (!f || exo_eth_parse(f, len, &s->eth) < 0) return false;
  if (s->eth.ethertype == EXO_ETHERTYPE_ARP)
    return (s->is_arp = exo_arp_parse(s->eth.payload, s->eth.payload_len, &s->arp) == 0);
  if (s->eth.ethertype != EXO_ETHERTYPE_IPV4) return false;
  if (exo_ipv4_parse(s->eth.payload, s->eth.payload_len, &s->ip) < 0 || !s->ip.checksum_ok)
    return false;
  s->is_ip = true;
  if (s->ip.protocol == EXO_IP_PROTO_UDP)
    s->is_udp = exo_udp_parse(s->ip.payload, s->ip.payload_len, s->ip.src, s->ip.dst, &s->udp) == 0 &&
                s->udp.checksum_ok;
  if (s->ip.protocol == EXO_IP_PROTO_ICMP)
    s->is_icmp = exo_icmp_parse(s->ip.payload, s->ip.payload_len, &s->icmp) == 0 &&
                 s->icmp.checksum_ok;
  if (s->ip.protocol == EXO_IP_PROTO_TCP)
    s->is_tcp = exo_tcp_parse(s->ip.payload, s->ip.payload_len, s->ip.src, s->ip.dst, &s->tcp) == 0 &&
                s->tcp.checksum_ok;
  return true;
}

static inline bool sent_at(struct fx *f, size_t i, struct sent *s) {
  size_t len;
  const uint8_t *fr = fx_tx(f, i, &len);
  return parse_sent(fr, len, s);
}

/* Makes the stack know the peer's MAC (the peer asks for us). */
static inline void fx_learn_peer(struct fx *f, uint32_t ip, struct exo_mac mac) {
  uint8_t b[64];
  struct exo_mac z = {{0}};
  size_t n = build_arp(b, EXO_ARP_REQUEST, EXO_MAC_BROADCAST, mac, ip, z, OUR_IP);
  fx_rx(f, b, n);
  exo_capdev_tx_clear(f->cap);
}

#endif
