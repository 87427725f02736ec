/* libFuzzer target: the input is an Ethernet frame, fed down every parser
 * (eth -> arp | ipv4 -> icmp | udp (-> dhcp on ports 67/68) | tcp). Every repr that
 * parses is emitted into a fresh buffer and parsed again; any field that does not
 * survive the round trip as documented aborts. The checksum fast path is also checked
 * against the reference on every input at every starting offset 0..7. */
#include <stdlib.h>
#include <string.h>

#include "exonet/wire.h"

#define CHECK(c)      \
  do {                \
    if (!(c)) abort(); \
  } while (0)

#include "dhcp_roundtrip.h"

static uint8_t out[70000 + 128];

/* The checksum verdict recomputed with the byte-pair reference: a sum of all-ones. */
static bool ref_ok(const uint8_t *p, size_t n, uint32_t init) {
  return exo_csum_partial_ref(p, n, init) == 0xffff;
}

static void fuzz_dhcp_payload(const uint8_t *p, size_t n) {
  struct exo_dhcp_repr a, b;
  if (exo_dhcp_parse(p, n, &a) == 0) exo_fuzz_dhcp_roundtrip(&a, &b, out, sizeof out);
}

static void fuzz_icmp(const uint8_t *p, size_t n) {
  struct exo_icmp_repr a, b;
  if (exo_icmp_parse(p, n, &a) != 0) return;
  memcpy(out + EXO_ICMP_HEADER_LEN, a.payload, a.payload_len);
  CHECK(exo_icmp_emit(&a, out, sizeof out) == EXO_ICMP_HEADER_LEN);
  CHECK(exo_icmp_parse(out, n, &b) == 0);
  CHECK(a.type == b.type && a.code == b.code && a.rest == b.rest);
  CHECK(b.checksum_ok && b.payload_len == a.payload_len);
  CHECK(memcmp(b.payload, a.payload, a.payload_len) == 0);
  /* Every byte but the checksum is the original's. */
  CHECK(memcmp(out, p, 2) == 0 && memcmp(out + 4, p + 4, n - 4) == 0);
  CHECK(a.checksum_ok == ref_ok(p, n, 0));
}

static void fuzz_udp(const uint8_t *p, size_t n, uint32_t src, uint32_t dst) {
  struct exo_udp_repr a, b;
  if (exo_udp_parse(p, n, src, dst, &a) != 0) return;
  memcpy(out + EXO_UDP_HEADER_LEN, a.payload, a.payload_len);
  CHECK(exo_udp_emit(&a, out, sizeof out, src, dst) == EXO_UDP_HEADER_LEN);
  size_t len = EXO_UDP_HEADER_LEN + a.payload_len;
  CHECK(exo_udp_parse(out, len, src, dst, &b) == 0);
  CHECK(a.src_port == b.src_port && a.dst_port == b.dst_port);
  CHECK(b.checksum_present && b.checksum_ok && b.payload_len == a.payload_len);
  CHECK(memcmp(b.payload, a.payload, a.payload_len) == 0);
  CHECK(memcmp(out, p, 6) == 0 && memcmp(out + 8, p + 8, len - 8) == 0);
  uint32_t ph = exo_csum_pseudo_ipv4(src, dst, EXO_IP_PROTO_UDP, (uint16_t)len);
  CHECK(a.checksum_ok == (!a.checksum_present || ref_ok(p, len, ph)));
  if (a.src_port == EXO_DHCP_SERVER_PORT || a.src_port == EXO_DHCP_CLIENT_PORT ||
      a.dst_port == EXO_DHCP_SERVER_PORT || a.dst_port == EXO_DHCP_CLIENT_PORT)
    fuzz_dhcp_payload(a.payload, a.payload_len);
}

static void fuzz_tcp(const uint8_t *p, size_t n, uint32_t src, uint32_t dst) {
  struct exo_tcp_repr a, b;
  int err = exo_tcp_parse(p, n, src, dst, &a);
  int cerr = exo_tcp_check(p, n);
  CHECK(cerr == 0 ? (err == 0 || err == EXO_WIRE_EBADOPT) : err == cerr);
  if (err) return;
  CHECK(a.header_len >= 20 && a.header_len <= 60 && a.header_len <= n);
  CHECK(a.sack_count <= EXO_TCP_MAX_SACK);
  size_t hl = exo_tcp_header_len(&a);
  CHECK(hl >= 20 && hl <= 60 && hl % 4 == 0);
  memcpy(out + hl, a.payload, a.payload_len);
  int m = exo_tcp_emit(&a, out, sizeof out, src, dst);
  if (a.payload_len > 0xffff - hl) {
    CHECK(m == EXO_WIRE_ETOTLEN);
    return;
  }
  CHECK(m == (int)hl);
  CHECK(exo_tcp_parse(out, hl + a.payload_len, src, dst, &b) == 0);
  CHECK(b.checksum_ok && b.header_len == hl);
  CHECK(a.src_port == b.src_port && a.dst_port == b.dst_port && a.seq == b.seq);
  CHECK(a.ack == b.ack && a.flags == b.flags && a.window == b.window && a.urgent == b.urgent);
  CHECK(a.has_timestamp == b.has_timestamp);
  if (a.has_timestamp) CHECK(a.ts_val == b.ts_val && a.ts_ecr == b.ts_ecr);
  if (a.flags & EXO_TCP_SYN) {
    /* SYN-only options survive; SACK blocks are never sent on a SYN. */
    CHECK(a.has_mss == b.has_mss && (!a.has_mss || a.mss == b.mss));
    CHECK(a.has_wscale == b.has_wscale && (!a.has_wscale || a.wscale == b.wscale));
    CHECK(a.sack_permitted == b.sack_permitted);
    CHECK(b.sack_count == 0);
  } else {
    CHECK(!b.has_mss && !b.has_wscale && !b.sack_permitted);
    unsigned room = a.has_timestamp ? 3 : 4;
    unsigned want = a.sack_count < room ? a.sack_count : room;
    CHECK(b.sack_count == want);
    for (unsigned i = 0; i < want; i++)
      CHECK(a.sack[i].left == b.sack[i].left && a.sack[i].right == b.sack[i].right);
  }
  CHECK(b.payload_len == a.payload_len && memcmp(b.payload, a.payload, a.payload_len) == 0);
  if (n <= 0xffff) {
    uint32_t ph = exo_csum_pseudo_ipv4(src, dst, EXO_IP_PROTO_TCP, (uint16_t)n);
    CHECK(a.checksum_ok == ref_ok(p, n, ph));
  }
}

static void fuzz_ipv4(const uint8_t *p, size_t n) {
  struct exo_ipv4_repr a, b;
  int err = exo_ipv4_parse(p, n, &a);
  CHECK(err == exo_ipv4_check(p, n));
  if (err) return;
  CHECK(a.header_len >= 20 && a.header_len <= 60);
  CHECK(a.options_len == a.header_len - 20);
  CHECK(a.header_len + a.payload_len <= n);
  memcpy(out + EXO_IPV4_HEADER_LEN, a.payload, a.payload_len);
  CHECK(exo_ipv4_emit(&a, out, sizeof out) == EXO_IPV4_HEADER_LEN);
  CHECK(exo_ipv4_parse(out, EXO_IPV4_HEADER_LEN + a.payload_len, &b) == 0);
  CHECK(b.checksum_ok && b.header_len == 20 && b.options_len == 0);
  CHECK(a.src == b.src && a.dst == b.dst && a.protocol == b.protocol && a.ttl == b.ttl);
  CHECK(a.tos == b.tos && a.ident == b.ident && a.dont_fragment == b.dont_fragment);
  CHECK(a.more_fragments == b.more_fragments && a.frag_offset == b.frag_offset);
  CHECK(a.payload_len == b.payload_len && memcmp(a.payload, b.payload, a.payload_len) == 0);
  if (a.header_len == 20 && (p[6] & 0x80) == 0) {
    /* No options, no reserved bit: byte-identical but for the checksum. */
    CHECK(memcmp(out, p, 10) == 0 && memcmp(out + 12, p + 12, 8) == 0);
  }
  CHECK(a.checksum_ok == ref_ok(p, a.header_len, 0));
  if (a.frag_offset != 0) return; /* no transport header in a later fragment */
  switch (a.protocol) {
    case EXO_IP_PROTO_ICMP: fuzz_icmp(a.payload, a.payload_len); break;
    case EXO_IP_PROTO_UDP: fuzz_udp(a.payload, a.payload_len, a.src, a.dst); break;
    case EXO_IP_PROTO_TCP: fuzz_tcp(a.payload, a.payload_len, a.src, a.dst); break;
    default: break;
  }
}

static void fuzz_arp(const uint8_t *p, size_t n) {
  struct exo_arp_repr a, b;
  if (exo_arp_parse(p, n, &a) != 0) return;
  CHECK(exo_arp_emit(&a, out, sizeof out) == EXO_ARP_LEN);
  CHECK(memcmp(out, p, EXO_ARP_LEN) == 0);
  CHECK(exo_arp_parse(out, EXO_ARP_LEN, &b) == 0);
  CHECK(a.operation == b.operation && a.sender_ip == b.sender_ip && a.target_ip == b.target_ip);
  CHECK(exo_mac_eq(a.sender_mac, b.sender_mac) && exo_mac_eq(a.target_mac, b.target_mac));
}

static void check_csum(const uint8_t *data, size_t size) {
  for (size_t off = 0; off < 8 && off <= size; off++) {
    uint32_t init = size > 3 ? exo_rd32(data) : 0;
    CHECK(exo_csum_partial(data + off, size - off, init) ==
          exo_csum_partial_ref(data + off, size - off, init));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_csum(data, size);
  struct exo_eth_repr e, e2;
  if (exo_eth_parse(data, size, &e) != 0) return 0;
  int hl = exo_eth_emit(&e, out, sizeof out);
  CHECK(hl == (int)exo_eth_header_len(&e));
  CHECK(memcmp(out, data, (size_t)hl) == 0);
  CHECK(exo_eth_parse(out, (size_t)hl, &e2) == 0);
  CHECK(e2.ethertype == e.ethertype && e2.vlan_count == e.vlan_count);
  CHECK(exo_mac_eq(e.dst, e2.dst) && exo_mac_eq(e.src, e2.src));
  for (unsigned i = 0; i < e.vlan_count; i++)
    CHECK(e.vlan[i].tpid == e2.vlan[i].tpid && e.vlan[i].tci == e2.vlan[i].tci);
  /* Copy the payload out so every layer below parses its own exact-length buffer. */
  uint8_t *payload = malloc(e.payload_len ? e.payload_len : 1);
  CHECK(payload != NULL);
  memcpy(payload, e.payload, e.payload_len);
  if (e.ethertype == EXO_ETHERTYPE_ARP) fuzz_arp(payload, e.payload_len);
  if (e.ethertype == EXO_ETHERTYPE_IPV4) fuzz_ipv4(payload, e.payload_len);
  free(payload);
  return 0;
}
