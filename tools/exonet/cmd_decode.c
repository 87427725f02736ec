/* `exonet decode [--json] FILE.pcap`: one line per frame of an Ethernet capture saying
 * what each layer holds, or why the frame is malformed.
 *
 * Invariants:
 * - Every byte of a frame is read through the wire layer's parsers; this file only picks
 *   the next parser and prints the reprs they fill. One exception: the TCP ports in the
 *   8 bytes an ICMP error quotes, read after an explicit bounds check (see the quote).
 * - A field is printed only when all the bytes it comes from were captured. A frame
 *   captured shorter than it was on the wire (caplen < len) is decoded over a copy padded
 *   with zeros up to its wire length, so that length checks see the real lengths; each
 *   layer's header must then lie within the captured bytes, and decoding stops at the
 *   first one that does not ("snapped"). Most parse errors depend only on captured
 *   header bytes and wire lengths and are believed at once; those that can come from
 *   uncaptured bytes (TCP options, a third VLAN tag) are believed only when the captured
 *   bytes alone give the same error, otherwise the layer is reported as snapped.
 * - A checksum verdict is printed only when every byte it covers was captured and, for
 *   TCP/UDP/ICMP, the datagram is not an IP fragment (those checksums cover the whole
 *   reassembled datagram).
 * - Nothing is kept from one frame to the next but scratch buffers; a malformed frame
 *   never stops the run. The exit status says whether the file could be read.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exonet/wire.h"

/* The largest wire length that matters: an IPv4 datagram (65535) behind Ethernet and
 * two VLAN tags. Bytes beyond it cannot change what any parser here says. */
#define DEC_MAX_WIRE (EXO_ETH_HEADER_LEN + EXO_ETH_MAX_VLAN * EXO_ETH_VLAN_TAG_LEN + 65535)
/* Scratch size for re-parsing a datagram whose tail is unknown (a first fragment, or the
 * datagram an ICMP error quotes): the largest IPv4 datagram. */
#define DEC_MAX_DGRAM 65535

static const char decode_usage_line[] = "usage: exonet decode [--json] FILE.pcap";

static const char decode_help[] =
    "Prints one line per frame of a capture (libpcap; Ethernet link type only): MACs,\n"
    "VLAN tags, ethertype, ARP, IPv4 (addresses, protocol, total length, TTL, id,\n"
    "fragment info, header checksum verdict), ICMP type/code, UDP/TCP ports, TCP flags,\n"
    "seq/ack, window, options, payload lengths, L4 checksum verdicts, DHCP message type\n"
    "and main options; or why the frame is malformed (\"LAYER: reason\").\n"
    "FILE may be - for standard input.\n"
    "\n"
    "  --json   one JSON object per frame. Keys (absent ones are omitted):\n"
    "           n (1-based), caplen, len, eth_src, eth_dst, vlan [{tpid,pcp,dei,vid}],\n"
    "           ethertype (number) or llc_len (802.3 length field), arp_op, arp_sha,\n"
    "           arp_spa, arp_tha, arp_tpa, ip_src, ip_dst, ip_proto, ip_len (total\n"
    "           length), ip_hl, ttl, ip_id, ip_tos, ip_df, ip_mf, frag_offset (bytes),\n"
    "           ip_csum_ok, icmp_type, icmp_code, icmp_quote {ip_src,ip_dst,ip_proto,\n"
    "           sport,dport}, sport, dport, udp_csum_present, tcp_flags, seq, ack, win\n"
    "           (raw, unscaled), tcp_hl, urg, mss, wscale, sack_perm, sack [[left,right]],\n"
    "           ts_val, ts_ecr, payload_len, l4_csum_ok, dhcp_op, dhcp_msg_type,\n"
    "           dhcp_type, dhcp_xid, dhcp_ciaddr, dhcp_yiaddr, dhcp_siaddr, dhcp_giaddr,\n"
    "           dhcp_chaddr, dhcp_requested_ip, dhcp_server_id, dhcp_lease_time,\n"
    "           dhcp_subnet_mask, dhcp_routers, dhcp_dns, dhcp_hostname, snapped (the\n"
    "           layer in which the capture ends), malformed (null or \"LAYER: reason\").\n"
    "\n"
    "tcp_flags letters, always in this order: F(IN) S(YN) R(ST) P(SH) A(CK) U(RG) E(CE)\n"
    "C(WR); a SYN-ACK is \"SA\", no flags is \"\".\n"
    "Checksum verdicts are omitted when bytes they cover were not captured (caplen < len)\n"
    "and, for TCP/UDP/ICMP, for IP fragments; a non-first fragment has no L4 fields, and a\n"
    "first fragment's TCP/ICMP payload_len is omitted (only part of the datagram is there).\n"
    "\n"
    "Exit status: 0 when the whole file was read (malformed frames included), 1 when it\n"
    "could not be (missing, not a capture, not Ethernet, cut short), 2 on bad arguments.\n";

/* ---- the decoded frame ------------------------------------------------------------ */

enum dec_l3 { DEC_L3_NONE, DEC_L3_ARP, DEC_L3_IPV4 };
enum dec_l4 { DEC_L4_NONE, DEC_L4_ICMP, DEC_L4_UDP, DEC_L4_TCP };

struct dec_quote {
  bool has_ip;
  uint32_t src, dst;
  uint8_t protocol;
  bool has_ports;
  uint16_t sport, dport;
};

struct dec_frame {
  uint64_t n;
  uint32_t caplen, len;
  bool has_eth;
  struct exo_eth_repr eth;
  enum dec_l3 l3;
  struct exo_arp_repr arp;
  struct exo_ipv4_repr ip;
  enum dec_l4 l4;
  struct exo_icmp_repr icmp;
  struct exo_udp_repr udp;
  struct exo_tcp_repr tcp;
  bool l4_csum_known;
  bool l4_payload_known;
  size_t l4_payload_len;
  struct dec_quote quote;
  bool has_dhcp;
  struct exo_dhcp_repr dhcp;
  const char *bad_layer; /* malformed: the layer whose parser failed ... */
  int bad_err;           /* ... and its error */
  const char *snapped;   /* the layer whose header the capture cuts */
};

/* A buffer of which only the first `known` bytes were captured; the rest is zeros. */
struct dec_buf {
  const uint8_t *base;
  size_t known;
};

/* How many of the n bytes at p were captured. */
static size_t dec_known(const struct dec_buf *b, const uint8_t *p, size_t n) {
  size_t off = (size_t)(p - b->base);
  if (off >= b->known) return 0;
  return EXO_MIN(n, b->known - off);
}

static bool dec_captured(const struct dec_buf *b, const uint8_t *p, size_t n) {
  return dec_known(b, p, n) == n;
}

struct dec_scratch {
  uint8_t *frame; /* DEC_MAX_WIRE bytes or the largest caplen seen, whichever is larger */
  size_t frame_cap;
  uint8_t *dgram; /* DEC_MAX_DGRAM bytes */
};

/* ---- the layers ------------------------------------------------------------------- */

static void dec_malformed(struct dec_frame *f, const char *layer, int err) {
  f->bad_layer = layer;
  f->bad_err = err;
}

/* After a parse error over bytes of which only part were captured: the error is real if
 * the captured part alone gives the same error, otherwise it may be an artefact of the
 * zero padding and the layer is reported as snapped. */
static void dec_fail(struct dec_frame *f, const char *layer, int err, int err_known,
                     bool all_known) {
  if (all_known || err_known == err)
    dec_malformed(f, layer, err);
  else
    f->snapped = layer;
}

static void dec_dhcp(struct dec_frame *f, const struct dec_buf *b) {
  const struct exo_udp_repr *u = &f->udp;
  bool ports = (u->src_port == EXO_DHCP_SERVER_PORT || u->src_port == EXO_DHCP_CLIENT_PORT) &&
               (u->dst_port == EXO_DHCP_SERVER_PORT || u->dst_port == EXO_DHCP_CLIENT_PORT);
  if (!ports || !f->l4_payload_known) return;
  /* Options can sit anywhere in the payload: decode only what was captured whole. */
  if (!dec_captured(b, u->payload, u->payload_len)) {
    f->snapped = "dhcp";
    return;
  }
  int err = exo_dhcp_parse(u->payload, u->payload_len, &f->dhcp);
  if (err < 0) {
    dec_malformed(f, "dhcp", err);
    return;
  }
  f->has_dhcp = true;
}

/* The IPv4 header and the first transport bytes an ICMP error quotes. The quote is short
 * by design, so it is decoded over a zero-padded copy and only fields lying within the
 * quoted bytes are kept; a quote that does not parse is simply not shown. */
static void dec_icmp_quote(struct dec_frame *f, const struct dec_buf *b, struct dec_scratch *s) {
  const struct exo_icmp_repr *ic = &f->icmp;
  size_t known = dec_known(b, ic->payload, ic->payload_len);
  if (known < EXO_IPV4_HEADER_LEN) return;
  known = EXO_MIN(known, (size_t)DEC_MAX_DGRAM);
  memcpy(s->dgram, ic->payload, known);
  memset(s->dgram + known, 0, DEC_MAX_DGRAM - known);
  struct dec_buf qb = {s->dgram, known};
  struct exo_ipv4_repr ip;
  if (exo_ipv4_parse(s->dgram, DEC_MAX_DGRAM, &ip) < 0) return;
  if (!dec_captured(&qb, s->dgram, ip.header_len)) return;
  f->quote.has_ip = true;
  f->quote.src = ip.src;
  f->quote.dst = ip.dst;
  f->quote.protocol = ip.protocol;
  if (ip.frag_offset != 0) return;
  if (ip.protocol == EXO_IP_PROTO_UDP) {
    struct exo_udp_repr u;
    if (exo_udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &u) == 0 &&
        dec_captured(&qb, ip.payload, EXO_UDP_HEADER_LEN)) {
      f->quote.has_ports = true;
      f->quote.sport = u.src_port;
      f->quote.dport = u.dst_port;
    }
  } else if (ip.protocol == EXO_IP_PROTO_TCP) {
    /* Routers quote only 8 bytes of TCP (RFC 792): no parser (nor exo_tcp_check, which
     * wants the data offset) accepts so short a header, so the two ports are read
     * directly, once they are known to lie within the quoted bytes. */
    if (ip.payload_len >= 4 && dec_captured(&qb, ip.payload, 4)) {
      f->quote.has_ports = true;
      f->quote.sport = exo_rd16(ip.payload);
      f->quote.dport = exo_rd16(ip.payload + 2);
    }
  }
}

static void dec_l4(struct dec_frame *f, const struct dec_buf *b, struct dec_scratch *s) {
  const struct exo_ipv4_repr *ip = &f->ip;
  const uint8_t *p = ip->payload;
  size_t len = ip->payload_len;
  size_t known = dec_known(b, p, len);
  bool all_known = known == len;
  bool fragment = exo_ipv4_is_fragment(ip);
  int err;

  switch (ip->protocol) {
    case EXO_IP_PROTO_ICMP:
      if (known < EXO_ICMP_HEADER_LEN && len >= EXO_ICMP_HEADER_LEN) {
        f->snapped = "icmp";
        return;
      }
      err = exo_icmp_parse(p, len, &f->icmp);
      if (err < 0) {
        dec_malformed(f, "icmp", err); /* depends only on the length */
        return;
      }
      f->l4 = DEC_L4_ICMP;
      f->l4_csum_known = all_known && !fragment;
      f->l4_payload_known = !fragment;
      f->l4_payload_len = f->icmp.payload_len;
      if (exo_icmp_is_error(f->icmp.type)) dec_icmp_quote(f, b, s);
      return;

    case EXO_IP_PROTO_UDP:
      if (known < EXO_UDP_HEADER_LEN && len >= EXO_UDP_HEADER_LEN) {
        f->snapped = "udp";
        return;
      }
      err = exo_udp_parse(p, len, ip->src, ip->dst, &f->udp);
      if (err == EXO_WIRE_ETRUNCATED && ip->more_fragments && len >= EXO_UDP_HEADER_LEN) {
        /* A first fragment holds only the start of the datagram the length field
         * describes: parse it as that datagram with an unknown (zero) tail. */
        size_t k = EXO_MIN(known, (size_t)DEC_MAX_DGRAM);
        memcpy(s->dgram, p, k);
        memset(s->dgram + k, 0, DEC_MAX_DGRAM - k);
        err = exo_udp_parse(s->dgram, DEC_MAX_DGRAM, ip->src, ip->dst, &f->udp);
        if (err < 0) {
          dec_malformed(f, "udp", err);
          return;
        }
        f->l4 = DEC_L4_UDP;
        f->l4_payload_known = true;
        f->l4_payload_len = f->udp.payload_len;
        return; /* no DHCP: its options are not all here */
      }
      if (err < 0) {
        dec_malformed(f, "udp", err); /* depends on the captured header and the length */
        return;
      }
      f->l4 = DEC_L4_UDP;
      f->l4_csum_known = all_known && !fragment;
      f->l4_payload_known = true;
      f->l4_payload_len = f->udp.payload_len;
      if (!fragment) dec_dhcp(f, b);
      return;

    case EXO_IP_PROTO_TCP:
      if (known < EXO_TCP_HEADER_LEN && len >= EXO_TCP_HEADER_LEN) {
        f->snapped = "tcp";
        return;
      }
      err = exo_tcp_parse(p, len, ip->src, ip->dst, &f->tcp);
      if (err < 0) {
        dec_fail(f, "tcp", err, exo_tcp_parse(p, known, ip->src, ip->dst, &f->tcp), all_known);
        return;
      }
      if (!dec_captured(b, p, f->tcp.header_len)) {
        f->snapped = "tcp";
        return;
      }
      f->l4 = DEC_L4_TCP;
      f->l4_csum_known = all_known && !fragment;
      f->l4_payload_known = !fragment;
      f->l4_payload_len = f->tcp.payload_len;
      return;

    default:
      return;
  }
}

static void dec_ipv4(struct dec_frame *f, const struct dec_buf *b, struct dec_scratch *s) {
  const uint8_t *p = f->eth.payload;
  size_t len = f->eth.payload_len;
  size_t known = dec_known(b, p, len);
  if (known < EXO_IPV4_HEADER_LEN && len >= EXO_IPV4_HEADER_LEN) {
    f->snapped = "ipv4";
    return;
  }
  int err = exo_ipv4_parse(p, len, &f->ip);
  if (err < 0) {
    /* Version, IHL and total length were captured, and the lengths are the wire's:
     * the error is real (options are skipped, not interpreted). */
    dec_malformed(f, "ipv4", err);
    return;
  }
  if (!dec_captured(b, p, f->ip.header_len)) {
    f->snapped = "ipv4";
    return;
  }
  f->l3 = DEC_L3_IPV4;
  if (f->ip.frag_offset != 0) return; /* the transport header is in the first fragment */
  dec_l4(f, b, s);
}

static void dec_arp(struct dec_frame *f, const struct dec_buf *b) {
  const uint8_t *p = f->eth.payload;
  size_t len = f->eth.payload_len;
  size_t known = dec_known(b, p, len);
  if (known < EXO_ARP_LEN && len >= EXO_ARP_LEN) {
    f->snapped = "arp";
    return;
  }
  int err = exo_arp_parse(p, len, &f->arp);
  if (err < 0) {
    dec_malformed(f, "arp", err); /* its 28 bytes, or all the wire had, were captured */
    return;
  }
  f->l3 = DEC_L3_ARP;
}

/* Decodes one captured frame (caplen bytes at data, len bytes on the wire). */
static void dec_frame(struct dec_frame *f, struct dec_scratch *s, const uint8_t *data,
                      uint32_t caplen, uint32_t len) {
  size_t wire = EXO_MAX(len, caplen);
  size_t plen = EXO_MAX((size_t)caplen, EXO_MIN(wire, (size_t)DEC_MAX_WIRE));
  memcpy(s->frame, data, caplen);
  memset(s->frame + caplen, 0, plen - caplen);
  struct dec_buf b = {s->frame, caplen};

  if (caplen < EXO_ETH_HEADER_LEN && plen >= EXO_ETH_HEADER_LEN) {
    f->snapped = "ethernet";
    return;
  }
  int err = exo_eth_parse(s->frame, plen, &f->eth);
  if (err < 0) {
    dec_fail(f, "ethernet", err, exo_eth_parse(s->frame, caplen, &f->eth), plen == caplen);
    return;
  }
  if (!dec_captured(&b, s->frame, exo_eth_header_len(&f->eth))) {
    f->snapped = "ethernet";
    return;
  }
  f->has_eth = true;
  if (f->eth.ethertype == EXO_ETHERTYPE_IPV4)
    dec_ipv4(f, &b, s);
  else if (f->eth.ethertype == EXO_ETHERTYPE_ARP)
    dec_arp(f, &b);
}

/* ---- printing --------------------------------------------------------------------- */

static const char *dec_flags(uint8_t flags, char out[9]) {
  static const char letters[] = "FSRPAUEC"; /* bit 0 (FIN) .. bit 7 (CWR) */
  size_t n = 0;
  for (int i = 0; i < 8; i++)
    if (flags & (1u << i)) out[n++] = letters[i];
  out[n] = '\0';
  return out;
}

static const char *dec_ip(uint32_t a, char out[16]) {
  snprintf(out, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
  return out;
}

static const char *dec_mac(struct exo_mac m, char out[18]) {
  snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m.b[0], m.b[1], m.b[2], m.b[3], m.b[4],
           m.b[5]);
  return out;
}

static const char *dec_dhcp_type(uint8_t t) {
  static const char *const names[] = {"BOOTP",   "DISCOVER", "OFFER", "REQUEST", "DECLINE",
                                      "ACK",     "NAK",      "RELEASE", "INFORM"};
  return t < EXO_ARRAY_LEN(names) ? names[t] : "UNKNOWN";
}

static const char *dec_proto_name(uint8_t p) {
  switch (p) {
    case EXO_IP_PROTO_ICMP: return "icmp";
    case EXO_IP_PROTO_IGMP: return "igmp";
    case EXO_IP_PROTO_TCP: return "tcp";
    case EXO_IP_PROTO_UDP: return "udp";
    default: return NULL;
  }
}

/* Untrusted text (a DHCP host name) as a JSON string: printable ASCII as is, every other
 * byte escaped, so the output stays valid JSON and valid UTF-8. */
static void dec_json_bytes(FILE *out, const uint8_t *p, size_t n) {
  fputc('"', out);
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '"' || p[i] == '\\')
      fprintf(out, "\\%c", p[i]);
    else if (p[i] >= 0x20 && p[i] < 0x7f)
      fputc(p[i], out);
    else
      fprintf(out, "\\u%04x", p[i]);
  }
  fputc('"', out);
}

/* The same for the plain output: printable ASCII, other bytes as \xNN. */
static void dec_text_bytes(FILE *out, const uint8_t *p, size_t n) {
  fputc('"', out);
  for (size_t i = 0; i < n; i++) {
    if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
      fputc(p[i], out);
    else
      fprintf(out, "\\x%02x", p[i]);
  }
  fputc('"', out);
}

/* A compact JSON object writer: keys in call order, no spaces (scripts grep
 * "malformed":null). */
struct jw {
  FILE *out;
  bool first;
};

static void jw_key(struct jw *w, const char *key) {
  fputc(w->first ? '{' : ',', w->out);
  w->first = false;
  fprintf(w->out, "\"%s\":", key);
}
static void jw_u(struct jw *w, const char *key, unsigned long long v) {
  jw_key(w, key);
  fprintf(w->out, "%llu", v);
}
static void jw_b(struct jw *w, const char *key, bool v) {
  jw_key(w, key);
  fputs(v ? "true" : "false", w->out);
}
static void jw_s(struct jw *w, const char *key, const char *v) {
  jw_key(w, key);
  dec_json_bytes(w->out, (const uint8_t *)v, strlen(v));
}
static void jw_ip(struct jw *w, const char *key, uint32_t a) {
  char t[16];
  jw_s(w, key, dec_ip(a, t));
}
static void jw_mac(struct jw *w, const char *key, struct exo_mac m) {
  char t[18];
  jw_s(w, key, dec_mac(m, t));
}
static void jw_ip_list(struct jw *w, const char *key, const uint32_t *a, size_t n) {
  char t[16];
  jw_key(w, key);
  fputc('[', w->out);
  for (size_t i = 0; i < n; i++) fprintf(w->out, "%s\"%s\"", i ? "," : "", dec_ip(a[i], t));
  fputc(']', w->out);
}

static void dec_print_dhcp_json(struct jw *w, const struct exo_dhcp_repr *d) {
  jw_u(w, "dhcp_op", d->op);
  jw_u(w, "dhcp_msg_type", d->message_type);
  jw_s(w, "dhcp_type", dec_dhcp_type(d->message_type));
  jw_u(w, "dhcp_xid", d->xid);
  jw_ip(w, "dhcp_ciaddr", d->ciaddr);
  jw_ip(w, "dhcp_yiaddr", d->yiaddr);
  jw_ip(w, "dhcp_siaddr", d->siaddr);
  jw_ip(w, "dhcp_giaddr", d->giaddr);
  jw_mac(w, "dhcp_chaddr", d->chaddr);
  if (d->present & EXO_DHCP_HAS_REQUESTED_IP) jw_ip(w, "dhcp_requested_ip", d->requested_ip);
  if (d->present & EXO_DHCP_HAS_SERVER_ID) jw_ip(w, "dhcp_server_id", d->server_id);
  if (d->present & EXO_DHCP_HAS_LEASE_TIME) jw_u(w, "dhcp_lease_time", d->lease_time);
  if (d->present & EXO_DHCP_HAS_SUBNET_MASK) jw_ip(w, "dhcp_subnet_mask", d->subnet_mask);
  if (d->present & EXO_DHCP_HAS_ROUTER)
    jw_ip_list(w, "dhcp_routers", d->routers, EXO_MIN(d->router_count, EXO_DHCP_MAX_ROUTERS));
  if (d->present & EXO_DHCP_HAS_DNS)
    jw_ip_list(w, "dhcp_dns", d->dns, EXO_MIN(d->dns_count, EXO_DHCP_MAX_DNS));
  if ((d->present & EXO_DHCP_HAS_HOSTNAME) && d->hostname) {
    jw_key(w, "dhcp_hostname");
    dec_json_bytes(w->out, d->hostname, d->hostname_len);
  }
}

static void dec_print_json(FILE *out, const struct dec_frame *f) {
  struct jw w = {out, true};
  char t[16];
  jw_u(&w, "n", f->n);
  jw_u(&w, "caplen", f->caplen);
  jw_u(&w, "len", f->len);
  if (f->has_eth) {
    const struct exo_eth_repr *e = &f->eth;
    jw_mac(&w, "eth_src", e->src);
    jw_mac(&w, "eth_dst", e->dst);
    if (e->vlan_count) {
      jw_key(&w, "vlan");
      fputc('[', out);
      for (size_t i = 0; i < e->vlan_count && i < EXO_ETH_MAX_VLAN; i++) {
        uint16_t tci = e->vlan[i].tci;
        fprintf(out, "%s{\"tpid\":%u,\"pcp\":%u,\"dei\":%u,\"vid\":%u}", i ? "," : "",
                e->vlan[i].tpid, tci >> 13, (tci >> 12) & 1u, tci & 0xfffu);
      }
      fputc(']', out);
    }
    if (e->ethertype >= 0x600)
      jw_u(&w, "ethertype", e->ethertype);
    else
      jw_u(&w, "llc_len", e->ethertype);
  }
  if (f->l3 == DEC_L3_ARP) {
    const struct exo_arp_repr *a = &f->arp;
    jw_u(&w, "arp_op", a->operation);
    jw_mac(&w, "arp_sha", a->sender_mac);
    jw_ip(&w, "arp_spa", a->sender_ip);
    jw_mac(&w, "arp_tha", a->target_mac);
    jw_ip(&w, "arp_tpa", a->target_ip);
  } else if (f->l3 == DEC_L3_IPV4) {
    const struct exo_ipv4_repr *ip = &f->ip;
    jw_ip(&w, "ip_src", ip->src);
    jw_ip(&w, "ip_dst", ip->dst);
    jw_u(&w, "ip_proto", ip->protocol);
    jw_u(&w, "ip_len", (size_t)ip->header_len + ip->payload_len);
    jw_u(&w, "ip_hl", ip->header_len);
    jw_u(&w, "ttl", ip->ttl);
    jw_u(&w, "ip_id", ip->ident);
    jw_u(&w, "ip_tos", ip->tos);
    jw_b(&w, "ip_df", ip->dont_fragment);
    jw_b(&w, "ip_mf", ip->more_fragments);
    jw_u(&w, "frag_offset", ip->frag_offset);
    jw_b(&w, "ip_csum_ok", ip->checksum_ok);
  }
  switch (f->l4) {
    case DEC_L4_ICMP:
      jw_u(&w, "icmp_type", f->icmp.type);
      jw_u(&w, "icmp_code", f->icmp.code);
      if (f->quote.has_ip) {
        jw_key(&w, "icmp_quote");
        fprintf(out, "{\"ip_src\":\"%s\"", dec_ip(f->quote.src, t));
        fprintf(out, ",\"ip_dst\":\"%s\",\"ip_proto\":%u", dec_ip(f->quote.dst, t),
                f->quote.protocol);
        if (f->quote.has_ports)
          fprintf(out, ",\"sport\":%u,\"dport\":%u", f->quote.sport, f->quote.dport);
        fputc('}', out);
      }
      break;
    case DEC_L4_UDP:
      jw_u(&w, "sport", f->udp.src_port);
      jw_u(&w, "dport", f->udp.dst_port);
      jw_b(&w, "udp_csum_present", f->udp.checksum_present);
      break;
    case DEC_L4_TCP: {
      const struct exo_tcp_repr *tc = &f->tcp;
      char fl[9];
      jw_u(&w, "sport", tc->src_port);
      jw_u(&w, "dport", tc->dst_port);
      jw_s(&w, "tcp_flags", dec_flags(tc->flags, fl));
      jw_u(&w, "seq", tc->seq);
      jw_u(&w, "ack", tc->ack);
      jw_u(&w, "win", tc->window);
      jw_u(&w, "tcp_hl", tc->header_len);
      if (tc->flags & EXO_TCP_URG) jw_u(&w, "urg", tc->urgent);
      if (tc->has_mss) jw_u(&w, "mss", tc->mss);
      if (tc->has_wscale) jw_u(&w, "wscale", tc->wscale);
      if (tc->sack_permitted) jw_b(&w, "sack_perm", true);
      if (tc->sack_count) {
        jw_key(&w, "sack");
        fputc('[', out);
        for (size_t i = 0; i < tc->sack_count && i < EXO_TCP_MAX_SACK; i++)
          fprintf(out, "%s[%u,%u]", i ? "," : "", tc->sack[i].left, tc->sack[i].right);
        fputc(']', out);
      }
      if (tc->has_timestamp) {
        jw_u(&w, "ts_val", tc->ts_val);
        jw_u(&w, "ts_ecr", tc->ts_ecr);
      }
      break;
    }
    case DEC_L4_NONE:
      break;
  }
  if (f->l4 != DEC_L4_NONE) {
    if (f->l4_payload_known) jw_u(&w, "payload_len", f->l4_payload_len);
    bool present = f->l4 != DEC_L4_UDP || f->udp.checksum_present;
    if (f->l4_csum_known && present) {
      bool ok = f->l4 == DEC_L4_ICMP  ? f->icmp.checksum_ok
                : f->l4 == DEC_L4_UDP ? f->udp.checksum_ok
                                      : f->tcp.checksum_ok;
      jw_b(&w, "l4_csum_ok", ok);
    }
  }
  if (f->has_dhcp) dec_print_dhcp_json(&w, &f->dhcp);
  if (f->snapped) jw_s(&w, "snapped", f->snapped);
  jw_key(&w, "malformed");
  if (f->bad_layer) {
    char reason[128];
    snprintf(reason, sizeof reason, "%s: %s", f->bad_layer, exo_wire_strerror(f->bad_err));
    dec_json_bytes(out, (const uint8_t *)reason, strlen(reason));
  } else {
    fputs("null", out);
  }
  fputs("}\n", out);
}

static void dec_print_ip_list(FILE *out, const char *name, const uint32_t *a, size_t n) {
  char t[16];
  fprintf(out, " %s ", name);
  for (size_t i = 0; i < n; i++) fprintf(out, "%s%s", i ? "," : "", dec_ip(a[i], t));
}

static void dec_print_dhcp_text(FILE *out, const struct exo_dhcp_repr *d) {
  char t[16], m[18];
  fprintf(out, " | dhcp %s %s xid 0x%08x", d->op == EXO_BOOTREQUEST ? "request" : "reply",
          dec_dhcp_type(d->message_type), d->xid);
  fprintf(out, " chaddr %s", dec_mac(d->chaddr, m));
  if (d->ciaddr) fprintf(out, " ciaddr %s", dec_ip(d->ciaddr, t));
  if (d->yiaddr) fprintf(out, " yiaddr %s", dec_ip(d->yiaddr, t));
  if (d->siaddr) fprintf(out, " siaddr %s", dec_ip(d->siaddr, t));
  if (d->giaddr) fprintf(out, " giaddr %s", dec_ip(d->giaddr, t));
  if (d->present & EXO_DHCP_HAS_REQUESTED_IP)
    fprintf(out, " requested %s", dec_ip(d->requested_ip, t));
  if (d->present & EXO_DHCP_HAS_SERVER_ID) fprintf(out, " server %s", dec_ip(d->server_id, t));
  if (d->present & EXO_DHCP_HAS_LEASE_TIME) fprintf(out, " lease %us", d->lease_time);
  if (d->present & EXO_DHCP_HAS_SUBNET_MASK) fprintf(out, " mask %s", dec_ip(d->subnet_mask, t));
  if (d->present & EXO_DHCP_HAS_ROUTER)
    dec_print_ip_list(out, "router", d->routers, EXO_MIN(d->router_count, EXO_DHCP_MAX_ROUTERS));
  if (d->present & EXO_DHCP_HAS_DNS)
    dec_print_ip_list(out, "dns", d->dns, EXO_MIN(d->dns_count, EXO_DHCP_MAX_DNS));
  if ((d->present & EXO_DHCP_HAS_HOSTNAME) && d->hostname) {
    fputs(" hostname ", out);
    dec_text_bytes(out, d->hostname, d->hostname_len);
  }
}

static void dec_print_text(FILE *out, const struct dec_frame *f) {
  char a[18], b[18];
  fprintf(out, "%llu", (unsigned long long)f->n);
  if (f->caplen < f->len)
    fprintf(out, " len %u (captured %u)", f->len, f->caplen);
  else
    fprintf(out, " len %u", f->caplen);
  if (f->has_eth) {
    const struct exo_eth_repr *e = &f->eth;
    fprintf(out, " | eth %s > %s", dec_mac(e->src, a), dec_mac(e->dst, b));
    for (size_t i = 0; i < e->vlan_count && i < EXO_ETH_MAX_VLAN; i++) {
      uint16_t tci = e->vlan[i].tci;
      fprintf(out, " vlan %u pcp %u%s%s", tci & 0xfffu, tci >> 13, (tci & 0x1000u) ? " dei" : "",
              e->vlan[i].tpid == EXO_ETHERTYPE_QINQ ? " (802.1ad)" : "");
    }
    if (e->ethertype >= 0x600)
      fprintf(out, " type 0x%04x", e->ethertype);
    else
      fprintf(out, " 802.3 length %u", e->ethertype);
  }
  if (f->l3 == DEC_L3_ARP) {
    const struct exo_arp_repr *r = &f->arp;
    char ip1[16], ip2[16];
    if (r->operation == EXO_ARP_REQUEST)
      fprintf(out, " | arp who-has %s tell %s (%s)", dec_ip(r->target_ip, ip1),
              dec_ip(r->sender_ip, ip2), dec_mac(r->sender_mac, a));
    else
      fprintf(out, " | arp reply %s is-at %s (to %s %s)", dec_ip(r->sender_ip, ip1),
              dec_mac(r->sender_mac, a), dec_ip(r->target_ip, ip2), dec_mac(r->target_mac, b));
  } else if (f->l3 == DEC_L3_IPV4) {
    const struct exo_ipv4_repr *ip = &f->ip;
    char ip1[16], ip2[16];
    const char *pn = dec_proto_name(ip->protocol);
    fprintf(out, " | ipv4 %s > %s proto %u", dec_ip(ip->src, ip1), dec_ip(ip->dst, ip2),
            ip->protocol);
    if (pn) fprintf(out, " (%s)", pn);
    fprintf(out, " len %zu ttl %u id %u", (size_t)ip->header_len + ip->payload_len, ip->ttl,
            ip->ident);
    if (ip->tos) fprintf(out, " tos 0x%02x", ip->tos);
    if (ip->options_len) fprintf(out, " options %u bytes", ip->options_len);
    if (ip->dont_fragment) fputs(" DF", out);
    if (exo_ipv4_is_fragment(ip))
      fprintf(out, " fragment offset %u%s", ip->frag_offset, ip->more_fragments ? " MF" : "");
    fprintf(out, " csum %s", ip->checksum_ok ? "ok" : "BAD");
  }
  switch (f->l4) {
    case DEC_L4_ICMP:
      fprintf(out, " | icmp type %u code %u", f->icmp.type, f->icmp.code);
      if (f->icmp.type == EXO_ICMP_ECHO_REQUEST || f->icmp.type == EXO_ICMP_ECHO_REPLY)
        fprintf(out, " (echo %s id %u seq %u)",
                f->icmp.type == EXO_ICMP_ECHO_REQUEST ? "request" : "reply",
                exo_icmp_echo_ident(&f->icmp), exo_icmp_echo_seq(&f->icmp));
      if (f->quote.has_ip) {
        char ip1[16], ip2[16];
        fprintf(out, " quoting %s > %s proto %u", dec_ip(f->quote.src, ip1),
                dec_ip(f->quote.dst, ip2), f->quote.protocol);
        if (f->quote.has_ports) fprintf(out, " ports %u > %u", f->quote.sport, f->quote.dport);
      }
      break;
    case DEC_L4_UDP:
      fprintf(out, " | udp %u > %u", f->udp.src_port, f->udp.dst_port);
      break;
    case DEC_L4_TCP: {
      const struct exo_tcp_repr *tc = &f->tcp;
      char fl[9];
      fprintf(out, " | tcp %u > %u [%s] seq %u ack %u win %u", tc->src_port, tc->dst_port,
              dec_flags(tc->flags, fl), tc->seq, tc->ack, tc->window);
      if (tc->flags & EXO_TCP_URG) fprintf(out, " urg %u", tc->urgent);
      if (tc->has_mss) fprintf(out, " mss %u", tc->mss);
      if (tc->has_wscale) fprintf(out, " wscale %u", tc->wscale);
      if (tc->sack_permitted) fputs(" sackOK", out);
      for (size_t i = 0; i < tc->sack_count && i < EXO_TCP_MAX_SACK; i++)
        fprintf(out, " sack %u-%u", tc->sack[i].left, tc->sack[i].right);
      if (tc->has_timestamp) fprintf(out, " ts %u ecr %u", tc->ts_val, tc->ts_ecr);
      break;
    }
    case DEC_L4_NONE:
      break;
  }
  if (f->l4 != DEC_L4_NONE) {
    if (f->l4_payload_known) fprintf(out, " payload %zu", f->l4_payload_len);
    if (f->l4 == DEC_L4_UDP && !f->udp.checksum_present) {
      fputs(" csum none", out);
    } else if (f->l4_csum_known) {
      bool ok = f->l4 == DEC_L4_ICMP  ? f->icmp.checksum_ok
                : f->l4 == DEC_L4_UDP ? f->udp.checksum_ok
                                      : f->tcp.checksum_ok;
      fprintf(out, " csum %s", ok ? "ok" : "BAD");
    } else {
      fputs(" csum unverified", out);
    }
  }
  if (f->has_dhcp) dec_print_dhcp_text(out, &f->dhcp);
  if (f->snapped) fprintf(out, " | capture ends in the %s header", f->snapped);
  if (f->bad_layer) fprintf(out, " | MALFORMED %s: %s", f->bad_layer, exo_wire_strerror(f->bad_err));
  fputc('\n', out);
}

/* ---- the command ------------------------------------------------------------------ */

static int decode_file(const char *path, bool json) {
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *pc = pcap_open_offline(path, errbuf);
  if (!pc) {
    /* libpcap names the file itself in some messages ("F: No such file ..."). */
    if (strncmp(errbuf, path, strlen(path)) == 0)
      fprintf(stderr, "exonet decode: cannot read %s\n", errbuf);
    else
      fprintf(stderr, "exonet decode: cannot read '%s': %s\n", path, errbuf);
    return 1;
  }
  int dlt = pcap_datalink(pc);
  if (dlt != DLT_EN10MB) {
    const char *name = pcap_datalink_val_to_name(dlt);
    fprintf(stderr, "exonet decode: '%s': link type %d (%s) is not supported, only EN10MB (Ethernet)\n",
            path, dlt, name ? name : "unknown");
    pcap_close(pc);
    return 1;
  }

  struct dec_scratch s = {0};
  s.frame_cap = DEC_MAX_WIRE;
  s.frame = malloc(s.frame_cap);
  s.dgram = malloc(DEC_MAX_DGRAM);
  int status = 0;
  if (!s.frame || !s.dgram) {
    fprintf(stderr, "exonet decode: out of memory\n");
    status = 1;
    goto done;
  }

  uint64_t n = 0;
  for (;;) {
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(pc, &h, &data);
    if (rc == PCAP_ERROR_BREAK) break; /* end of file */
    if (rc != 1) {
      fflush(stdout);
      fprintf(stderr, "exonet decode: '%s': after frame %llu: %s\n", path,
              (unsigned long long)n, pcap_geterr(pc));
      status = 1;
      break;
    }
    n++;
    if (h->caplen > s.frame_cap) {
      uint8_t *bigger = realloc(s.frame, h->caplen);
      if (!bigger) {
        fprintf(stderr, "exonet decode: out of memory (frame %llu of %u bytes)\n",
                (unsigned long long)n, h->caplen);
        status = 1;
        break;
      }
      s.frame = bigger;
      s.frame_cap = h->caplen;
    }
    struct dec_frame f = {0};
    f.n = n;
    f.caplen = h->caplen;
    f.len = h->len;
    dec_frame(&f, &s, data, h->caplen, h->len);
    if (json)
      dec_print_json(stdout, &f);
    else
      dec_print_text(stdout, &f);
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    fprintf(stderr, "exonet decode: cannot write the output\n");
    status = 1;
  }
done:
  free(s.frame);
  free(s.dgram);
  pcap_close(pc);
  return status;
}

static int decode_run(int argc, char **argv) {
  bool json = false;
  const char *path = NULL;
  bool options_done = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!options_done && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
      printf("%s\n%s", decode_usage_line, decode_help);
      return 0;
    }
    if (!options_done && strcmp(a, "--json") == 0) {
      json = true;
    } else if (!options_done && strcmp(a, "--") == 0) {
      options_done = true;
    } else if (!options_done && a[0] == '-' && a[1] != '\0') {
      fprintf(stderr, "exonet decode: unknown option '%s' (%s)\n", a, decode_usage_line);
      return 2;
    } else if (path) {
      fprintf(stderr, "exonet decode: only one capture file, got '%s' and '%s' (%s)\n", path,
              a, decode_usage_line);
      return 2;
    } else {
      path = a;
    }
  }
  if (!path) {
    fprintf(stderr, "exonet decode: no capture file given (%s)\n", decode_usage_line);
    return 2;
  }
  return decode_file(path, json);
}

const struct exo_cli_command exo_cli_cmd_decode = {
    .name = "decode",
    .summary = "print every frame of a capture, layer by layer: exonet decode [--json] FILE.pcap",
    .run = decode_run,
};
