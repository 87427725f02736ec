/* DHCP (RFC 2131/2132): the DHCPREQUEST of dhcp-mud.pcap (relayed, with options exonet
 * skips), a hand-made ACK with every option of the repr, option overload (52) into file
 * and sname, every malformed case with its error, exact emit with END and padding to
 * 300 bytes, round trips, and every truncation through a guard page. Messages are
 * assembled from the written-out first 44 bytes (op .. chaddr), zero sname/file, the
 * cookie and the written-out options. */
#include "exonet/wire.h"
#include "harness.h"

static const uint8_t cookie[4] = {0x63, 0x82, 0x53, 0x63};

static size_t build(uint8_t *out, const uint8_t head[44], const uint8_t *opts, size_t n) {
  memset(out, 0, 240 + n);
  memcpy(out, head, 44);
  memcpy(out + 236, cookie, 4);
  memcpy(out + 240, opts, n);
  return 240 + n;
}

/* dhcp-mud.pcap frame 1: a relayed DHCPREQUEST from a Raspberry Pi. */
static const uint8_t req_head[44] = {
    0x01, 0x01, 0x06, 0x01,             /* BOOTREQUEST, Ethernet, hlen 6, hops 1 */
    0x06, 0x8c, 0x48, 0x47,             /* xid */
    0x00, 0x00, 0x00, 0x00,             /* secs 0, flags 0 */
    0x3e, 0x0c, 0xad, 0x7b,             /* ciaddr 62.12.173.123 */
    0x00, 0x00, 0x00, 0x00,             /* yiaddr */
    0x00, 0x00, 0x00, 0x00,             /* siaddr */
    0x3e, 0x0c, 0xad, 0x79,             /* giaddr 62.12.173.121 */
    0xb8, 0x27, 0xeb, 0xb8, 0x53, 0xc8, /* chaddr */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
static const uint8_t req_opts[] = {
    0x35, 0x01, 0x03,                                     /* 53: REQUEST */
    0x3d, 0x07, 0x01, 0xb8, 0x27, 0xeb, 0xb8, 0x53, 0xc8, /* 61: client id */
    0x39, 0x02, 0x05, 0xc0,                               /* 57: max size 1472 */
    0xa1, 0x36, /* 161: MUD URL, 54 bytes (skipped) */
    'h', 't', 't', 'p', 's', ':', '/', '/', 'm', 'u', 'd', 'c', 't', 'l', '.', 'e', 'x', 'a',
    'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', '/', '.', 'w', 'e', 'l', 'l', '-', 'k', 'n', 'o',
    'w', 'n', '/', 'm', 'u', 'd', '/', 'v', '1', '/', 'r', 'a', 's', 'b', 'p', '1', '0', '1',
    0x3c, 0x2d, /* 60: vendor class, 45 bytes (skipped) */
    'd', 'h', 'c', 'p', 'c', 'd', '-', '6', '.', '1', '1', '.', '5', ':', 'L', 'i', 'n', 'u',
    'x', '-', '4', '.', '1', '.', '1', '8', '-', 'v', '7', '+', ':', 'a', 'r', 'm', 'v', '7',
    'l', ':', 'B', 'C', 'M', '2', '7', '0', '9',
    0x0c, 0x0b, 'r', 'a', 's', 'p', 'b', 'e', 'r', 'r', 'y', 'p', 'i', /* 12: hostname */
    0x91, 0x01, 0x01,                                     /* 145 (skipped) */
    0x37, 0x10, 0x01, 0x79, 0x21, 0x03, 0x06, 0x0c, 0x0f, 0x1c, /* 55: 16 codes */
    0x2a, 0x33, 0x36, 0x3a, 0x3b, 0x64, 0x65, 0x77,
    0xff,                                                 /* END */
};

/* A hand-made ACK carrying every option of the repr, in the order exo_dhcp_emit
 * writes them, from 10.0.0.1 to 02:00:00:00:00:01, broadcast flag set. */
static const uint8_t ack_head[44] = {
    0x02, 0x01, 0x06, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x03, 0x80, 0x00,
    0x00, 0x00, 0x00, 0x00, /* ciaddr */
    0x0a, 0x00, 0x00, 0x0f, /* yiaddr 10.0.0.15 */
    0x0a, 0x00, 0x00, 0x01, /* siaddr 10.0.0.1 */
    0x00, 0x00, 0x00, 0x00, /* giaddr */
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
static const uint8_t ack_opts[] = {
    53, 1, 5,                              /* ACK */
    61, 3, 0x00, 'a', 'b',                 /* client id */
    50, 4, 10, 0, 0, 15,                   /* requested ip */
    54, 4, 10, 0, 0, 1,                    /* server id */
    51, 4, 0x00, 0x01, 0x51, 0x80,         /* lease 86400 */
    58, 4, 0x00, 0x00, 0xa8, 0xc0,         /* T1 43200 */
    59, 4, 0x00, 0x01, 0x27, 0x50,         /* T2 75600 */
    1, 4, 255, 255, 255, 0,                /* subnet mask */
    3, 8, 10, 0, 0, 1, 10, 0, 0, 2,        /* routers */
    6, 12, 8, 8, 8, 8, 1, 1, 1, 1, 9, 9, 9, 9, /* DNS */
    12, 4, 'h', 'o', 's', 't',             /* hostname */
    15, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', /* domain */
    26, 2, 0x05, 0xdc,                     /* MTU 1500 */
    28, 4, 10, 0, 0, 255,                  /* broadcast */
    55, 3, 1, 3, 6,                        /* param request */
    57, 2, 0x02, 0x40,                     /* max size 576 */
    56, 2, 'o', 'k',                       /* message */
    255,
};

EXO_TEST(parse_real_request) {
  uint8_t b[512];
  size_t n = build(b, req_head, req_opts, sizeof req_opts);
  EXO_CHECK_EQ(n, 394); /* as tcpdump reports: "length 394" */
  struct exo_dhcp_repr r;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), 0);
  EXO_CHECK_EQ(r.op, EXO_BOOTREQUEST);
  EXO_CHECK_EQ(r.hops, 1);
  EXO_CHECK_EQ(r.xid, 0x068c4847u);
  EXO_CHECK_EQ(r.secs, 0);
  EXO_CHECK(!r.broadcast);
  EXO_CHECK_EQ(r.ciaddr, EXO_IPV4(62, 12, 173, 123));
  EXO_CHECK_EQ(r.yiaddr, 0);
  EXO_CHECK_EQ(r.siaddr, 0);
  EXO_CHECK_EQ(r.giaddr, EXO_IPV4(62, 12, 173, 121));
  EXO_CHECK(exo_mac_eq(r.chaddr, (struct exo_mac){{0xb8, 0x27, 0xeb, 0xb8, 0x53, 0xc8}}));
  EXO_CHECK_EQ(r.message_type, EXO_DHCP_REQUEST);
  EXO_CHECK_EQ(r.present, EXO_DHCP_HAS_CLIENT_ID | EXO_DHCP_HAS_MAX_MSG_SIZE |
                              EXO_DHCP_HAS_HOSTNAME | EXO_DHCP_HAS_PARAM_REQUEST);
  EXO_CHECK_EQ(r.client_id_len, 7);
  EXO_CHECK(r.client_id == b + 242 + 3);
  EXO_CHECK_EQ(r.max_msg_size, 1472);
  EXO_CHECK_EQ(r.hostname_len, 11);
  EXO_CHECK_MEM(r.hostname, "raspberrypi", 11);
  EXO_CHECK_EQ(r.param_request_len, 16);
  EXO_CHECK_EQ(r.param_request[1], 121);
  EXO_CHECK_EQ(r.param_request[15], 119);
}

static void check_ack_repr(const struct exo_dhcp_repr *r) {
  EXO_CHECK_EQ(r->op, EXO_BOOTREPLY);
  EXO_CHECK_EQ(r->hops, 0);
  EXO_CHECK_EQ(r->xid, 0xdeadbeefu);
  EXO_CHECK_EQ(r->secs, 3);
  EXO_CHECK(r->broadcast);
  EXO_CHECK_EQ(r->ciaddr, 0);
  EXO_CHECK_EQ(r->yiaddr, EXO_IPV4(10, 0, 0, 15));
  EXO_CHECK_EQ(r->siaddr, EXO_IPV4(10, 0, 0, 1));
  EXO_CHECK_EQ(r->giaddr, 0);
  EXO_CHECK(exo_mac_eq(r->chaddr, (struct exo_mac){{2, 0, 0, 0, 0, 1}}));
  EXO_CHECK_EQ(r->message_type, EXO_DHCP_ACK);
  EXO_CHECK_EQ(r->present, 0xffffu); /* all sixteen */
  EXO_CHECK_EQ(r->subnet_mask, 0xffffff00u);
  EXO_CHECK_EQ(r->router_count, 2);
  EXO_CHECK_EQ(r->routers[0], EXO_IPV4(10, 0, 0, 1));
  EXO_CHECK_EQ(r->routers[1], EXO_IPV4(10, 0, 0, 2));
  EXO_CHECK_EQ(r->dns_count, 3);
  EXO_CHECK_EQ(r->dns[0], EXO_IPV4(8, 8, 8, 8));
  EXO_CHECK_EQ(r->dns[2], EXO_IPV4(9, 9, 9, 9));
  EXO_CHECK_EQ(r->broadcast_addr, EXO_IPV4(10, 0, 0, 255));
  EXO_CHECK_EQ(r->requested_ip, EXO_IPV4(10, 0, 0, 15));
  EXO_CHECK_EQ(r->server_id, EXO_IPV4(10, 0, 0, 1));
  EXO_CHECK_EQ(r->lease_time, 86400);
  EXO_CHECK_EQ(r->renewal_time, 43200);
  EXO_CHECK_EQ(r->rebinding_time, 75600);
  EXO_CHECK_EQ(r->mtu, 1500);
  EXO_CHECK_EQ(r->max_msg_size, 576);
  EXO_CHECK(r->hostname_len == 4 && memcmp(r->hostname, "host", 4) == 0);
  EXO_CHECK(r->domain_name_len == 7 && memcmp(r->domain_name, "example", 7) == 0);
  EXO_CHECK(r->client_id_len == 3 && memcmp(r->client_id, "\0ab", 3) == 0);
  EXO_CHECK(r->param_request_len == 3 && memcmp(r->param_request, "\1\3\6", 3) == 0);
  EXO_CHECK(r->message_len == 2 && memcmp(r->message, "ok", 2) == 0);
}

EXO_TEST(parse_every_option) {
  uint8_t b[512];
  size_t n = build(b, ack_head, ack_opts, sizeof ack_opts);
  struct exo_dhcp_repr r;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), 0);
  check_ack_repr(&r);
}

EXO_TEST(emit_exact) {
  uint8_t want[512];
  size_t n = build(want, ack_head, ack_opts, sizeof ack_opts);
  EXO_CHECK(n > 300);
  struct exo_dhcp_repr r;
  EXO_CHECK_EQ(exo_dhcp_parse(want, n, &r), 0);
  uint8_t out[512];
  memset(out, 0xee, sizeof out);
  EXO_CHECK_EQ(exo_dhcp_emit_len(&r), n);
  EXO_CHECK_EQ(exo_dhcp_emit(&r, out, sizeof out), (int)n);
  EXO_CHECK_MEM(out, want, n);
  EXO_CHECK_EQ(out[n], 0xee);
  EXO_CHECK_EQ(exo_dhcp_emit(&r, out, n - 1), EXO_WIRE_ENOSPC);

  /* A small DISCOVER: END right after the options, zero padding up to 300 bytes. */
  struct exo_dhcp_repr d = {
      .op = EXO_BOOTREQUEST, .xid = 0x01020304u, .broadcast = true,
      .chaddr = {{2, 0, 0, 0, 0, 9}}, .message_type = EXO_DHCP_DISCOVER,
      .present = EXO_DHCP_HAS_PARAM_REQUEST, .param_request = (const uint8_t *)"\1\3\6",
      .param_request_len = 3,
  };
  static const uint8_t d_head[44] = {
      1, 1, 6, 0, 1, 2, 3, 4, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      2, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  };
  static const uint8_t d_opts[] = {53, 1, 1, 55, 3, 1, 3, 6, 255};
  uint8_t dw[300];
  memset(dw, 0, sizeof dw);
  build(dw, d_head, d_opts, sizeof d_opts);
  EXO_CHECK_EQ(exo_dhcp_emit_len(&d), 300);
  memset(out, 0xee, sizeof out);
  EXO_CHECK_EQ(exo_dhcp_emit(&d, out, sizeof out), 300);
  EXO_CHECK_MEM(out, dw, 300);
  EXO_CHECK_EQ(out[300], 0xee);
  EXO_CHECK_EQ(exo_dhcp_emit(&d, out, 299), EXO_WIRE_ENOSPC);

  /* Reprs emit refuses: an option it would have to write with a forbidden length. */
  struct exo_dhcp_repr bad = d;
  bad.param_request_len = 0;
  EXO_CHECK_EQ(exo_dhcp_emit(&bad, out, sizeof out), EXO_WIRE_EBADFIELD);
  bad = d;
  bad.present = EXO_DHCP_HAS_ROUTER;
  bad.router_count = 0;
  EXO_CHECK_EQ(exo_dhcp_emit(&bad, out, sizeof out), EXO_WIRE_EBADFIELD);
  bad.router_count = EXO_DHCP_MAX_ROUTERS + 1;
  EXO_CHECK_EQ(exo_dhcp_emit(&bad, out, sizeof out), EXO_WIRE_EBADFIELD);
  bad = d;
  bad.message_type = 9;
  EXO_CHECK_EQ(exo_dhcp_emit(&bad, out, sizeof out), EXO_WIRE_EBADFIELD);
}

EXO_TEST(round_trip) {
  uint8_t b[512], out[512];
  const uint8_t *heads[] = {req_head, ack_head};
  const uint8_t *opts[] = {req_opts, ack_opts};
  size_t nopts[] = {sizeof req_opts, sizeof ack_opts};
  for (int i = 0; i < 2; i++) {
    size_t n = build(b, heads[i], opts[i], nopts[i]);
    struct exo_dhcp_repr r, r2;
    EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), 0);
    int m = exo_dhcp_emit(&r, out, sizeof out);
    EXO_CHECK(m >= 300);
    EXO_CHECK_EQ(exo_dhcp_parse(out, (size_t)m, &r2), 0);
    EXO_CHECK_EQ(r2.xid, r.xid);
    EXO_CHECK_EQ(r2.present, r.present);
    EXO_CHECK_EQ(r2.message_type, r.message_type);
    EXO_CHECK_EQ(r2.hostname_len, r.hostname_len);
    if (r.hostname_len) EXO_CHECK_MEM(r2.hostname, r.hostname, r.hostname_len);
    EXO_CHECK_EQ(r2.client_id_len, r.client_id_len);
    EXO_CHECK_EQ(r2.max_msg_size, r.max_msg_size);
  }
  size_t n = build(b, ack_head, ack_opts, sizeof ack_opts);
  struct exo_dhcp_repr r;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), 0);
  int m = exo_dhcp_emit(&r, out, sizeof out);
  EXO_CHECK_EQ(exo_dhcp_parse(out, (size_t)m, &r), 0);
  check_ack_repr(&r);
}

EXO_TEST(overload_into_file_and_sname) {
  uint8_t b[300];
  static const uint8_t main_opts[] = {53, 1, 2, 52, 1, 3, 255};
  size_t n = build(b, ack_head, main_opts, sizeof main_opts);
  /* file (offset 108): subnet mask, routers, END */
  static const uint8_t file_opts[] = {1, 4, 255, 255, 0, 0, 0, 3, 4, 10, 9, 8, 7, 255};
  memcpy(b + 108, file_opts, sizeof file_opts);
  /* sname (offset 44): DNS, then the subnet mask again (first value kept), END */
  static const uint8_t sname_opts[] = {6, 4, 1, 2, 3, 4, 1, 4, 1, 1, 1, 1, 255};
  memcpy(b + 44, sname_opts, sizeof sname_opts);
  struct exo_dhcp_repr r;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), 0);
  EXO_CHECK_EQ(r.message_type, EXO_DHCP_OFFER);
  EXO_CHECK_EQ(r.present, EXO_DHCP_HAS_SUBNET_MASK | EXO_DHCP_HAS_ROUTER | EXO_DHCP_HAS_DNS);
  EXO_CHECK_EQ(r.subnet_mask, 0xffff0000u);
  EXO_CHECK_EQ(r.router_count, 1);
  EXO_CHECK_EQ(r.routers[0], EXO_IPV4(10, 9, 8, 7));
  EXO_CHECK_EQ(r.dns_count, 1);
  EXO_CHECK_EQ(r.dns[0], EXO_IPV4(1, 2, 3, 4));
  /* Overload 1: file only, sname ignored. */
  b[245] = 1;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), 0);
  EXO_CHECK_EQ(r.present, EXO_DHCP_HAS_SUBNET_MASK | EXO_DHCP_HAS_ROUTER);
  /* Overload 2: sname only (mask from sname now). */
  b[245] = 2;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), 0);
  EXO_CHECK_EQ(r.present, EXO_DHCP_HAS_SUBNET_MASK | EXO_DHCP_HAS_DNS);
  EXO_CHECK_EQ(r.subnet_mask, 0x01010101u);
  /* No overload: file and sname are names, not options. */
  static const uint8_t plain_opts[] = {53, 1, 2, 255};
  memcpy(b + 240, plain_opts, sizeof plain_opts);
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), 0);
  EXO_CHECK_EQ(r.present, 0);
  /* An option running past the end of the file field. */
  b[240 + 3] = 52, b[240 + 4] = 1, b[240 + 5] = 1, b[240 + 6] = 255;
  b[108 + 126] = 15, b[108 + 127] = 2; /* needs 2 bytes past offset 236 */
  memset(b + 108, 0, 126);
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), EXO_WIRE_EBADOPT);
  /* Overload value out of range. */
  b[245] = 4;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), EXO_WIRE_EBADFIELD);
  b[245] = 0;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), EXO_WIRE_EBADFIELD);
  /* An overload inside the file field is not followed (it would loop). */
  static const uint8_t loop_file[] = {52, 1, 3, 1, 4, 255, 0, 0, 0, 255};
  memset(b + 108, 0, 128);
  memcpy(b + 108, loop_file, sizeof loop_file);
  b[245] = 1;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), 0);
  EXO_CHECK_EQ(r.present, EXO_DHCP_HAS_SUBNET_MASK);
}

EXO_TEST(duplicates_keep_first) {
  uint8_t b[300];
  static const uint8_t o[] = {53, 1, 5, 53, 1, 6, 1, 4, 255, 0, 0, 0, 1, 4, 255, 255, 0, 0,
                              12, 1, 'a', 12, 1, 'b', 255};
  size_t n = build(b, ack_head, o, sizeof o);
  struct exo_dhcp_repr r;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), 0);
  EXO_CHECK_EQ(r.message_type, EXO_DHCP_ACK);
  EXO_CHECK_EQ(r.subnet_mask, 0xff000000u);
  EXO_CHECK(r.hostname_len == 1 && r.hostname[0] == 'a');
}

EXO_TEST(more_addresses_than_kept) {
  uint8_t b[300];
  static const uint8_t o[] = {3, 20, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 255};
  size_t n = build(b, ack_head, o, sizeof o);
  struct exo_dhcp_repr r;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), 0);
  EXO_CHECK_EQ(r.router_count, EXO_DHCP_MAX_ROUTERS);
  EXO_CHECK_EQ(r.routers[3], EXO_IPV4(4, 4, 4, 4));
}

EXO_TEST(malformed) {
  uint8_t b[300];
  struct exo_dhcp_repr r;
  size_t n = build(b, ack_head, ack_opts, 3);
  b[n++] = 255;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), 0);
  /* fixed part */
  b[0] = 3;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), EXO_WIRE_EBADFIELD);
  b[0] = 0;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), EXO_WIRE_EBADFIELD);
  b[0] = 2, b[1] = 6;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), EXO_WIRE_EHWTYPE);
  b[1] = 1, b[2] = 16;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), EXO_WIRE_EHWTYPE);
  b[2] = 6, b[239] = 0x64;
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), EXO_WIRE_EMAGIC);
  memset(b + 236, 0, 4);
  EXO_CHECK_EQ(exo_dhcp_parse(b, n, &r), EXO_WIRE_EMAGIC);
  memcpy(b + 236, cookie, 4);
  EXO_CHECK_EQ(exo_dhcp_parse(b, 239, &r), EXO_WIRE_ETRUNCATED);
  EXO_CHECK_EQ(exo_dhcp_parse(b, 235, &r), EXO_WIRE_ETRUNCATED);
  EXO_CHECK_EQ(exo_dhcp_parse(b, 240, &r), 0); /* no options at all */
  EXO_CHECK_EQ(r.message_type, 0);

  static const struct {
    uint8_t o[8];
    size_t n;
    int err;
  } cases[] = {
      {{53, 1}, 2, EXO_WIRE_EBADOPT},              /* value past the end */
      {{53}, 1, EXO_WIRE_EBADOPT},                 /* length byte past the end */
      {{0, 0, 12}, 3, EXO_WIRE_EBADOPT},           /* after PADs */
      {{200, 5, 1, 2, 3, 4}, 6, EXO_WIRE_EBADOPT}, /* unknown option past the end */
      {{53, 2, 1, 1, 255}, 5, EXO_WIRE_EBADOPT},   /* message type of 2 bytes */
      {{53, 0, 255}, 3, EXO_WIRE_EBADOPT},
      {{53, 1, 0, 255}, 4, EXO_WIRE_EBADFIELD},    /* message type 0 */
      {{53, 1, 9, 255}, 4, EXO_WIRE_EBADFIELD},    /* message type 9 */
      {{1, 3, 255, 255, 0, 255}, 6, EXO_WIRE_EBADOPT}, /* mask of 3 bytes */
      {{3, 6, 1, 2, 3, 4, 5, 6}, 8, EXO_WIRE_EBADOPT}, /* router not 4n */
      {{6, 0, 255}, 3, EXO_WIRE_EBADOPT},          /* no DNS address */
      {{51, 0, 255}, 3, EXO_WIRE_EBADOPT},         /* lease of 0 bytes */
      {{26, 4, 0, 0, 5, 220, 255}, 7, EXO_WIRE_EBADOPT}, /* MTU of 4 bytes */
      {{12, 0, 255}, 3, EXO_WIRE_EBADOPT},         /* empty hostname */
      {{61, 1, 1, 255}, 4, EXO_WIRE_EBADOPT},      /* client id of 1 byte */
      {{52, 2, 1, 1, 255}, 5, EXO_WIRE_EBADOPT},   /* overload of 2 bytes */
      {{200, 0, 255}, 3, 0},                       /* unknown empty option: fine */
      {{0, 0, 0, 0, 0}, 5, 0},                     /* PADs, no END: fine */
      {{255, 53, 9}, 3, 0},                        /* after END nothing is read */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    n = build(b, ack_head, cases[i].o, cases[i].n);
    const uint8_t *g = exo_test_guarded(0, b, n);
    int err = exo_dhcp_parse(g, n, &r);
    if (err != cases[i].err)
      exo_test_fail(__FILE__, __LINE__, "case %zu: got %d want %d", i, err, cases[i].err);
  }
}

static void count_opt(void *ctx, uint8_t code, const uint8_t *val, uint8_t len) {
  unsigned *c = ctx;
  c[0]++;
  c[1] += code;
  c[2] += len;
  (void)val;
}

EXO_TEST(options_foreach) {
  unsigned c[3] = {0, 0, 0};
  EXO_CHECK_EQ(exo_dhcp_options_foreach(req_opts, sizeof req_opts, count_opt, c), 0);
  EXO_CHECK_EQ(c[0], 8);
  EXO_CHECK_EQ(c[1], 53 + 61 + 57 + 161 + 60 + 12 + 145 + 55);
  EXO_CHECK_EQ(c[2], 1 + 7 + 2 + 54 + 45 + 11 + 1 + 16);
  EXO_CHECK_EQ(exo_dhcp_options_foreach(req_opts, 5, count_opt, c), EXO_WIRE_EBADOPT);
  EXO_CHECK_EQ(exo_dhcp_options_foreach(NULL, 0, count_opt, c), 0);
}

/* Option boundaries of a well-formed options area (the offsets where a cut leaves
 * only whole options), computed from the fixture, not with the code under test. */
static bool is_boundary(const uint8_t *o, size_t len, size_t cut) {
  size_t i = 0;
  while (i < len) {
    if (i == cut) return true;
    if (i > cut) return false;
    if (o[i] == 0) { i++; continue; }
    if (o[i] == 255) return cut > i; /* everything after END is ignored */
    i += 2 + o[i + 1];
  }
  return i == cut;
}

EXO_TEST(every_truncation_guarded) {
  uint8_t b[512];
  const uint8_t *heads[] = {req_head, ack_head};
  const uint8_t *opts[] = {req_opts, ack_opts};
  size_t nopts[] = {sizeof req_opts, sizeof ack_opts};
  for (int i = 0; i < 2; i++) {
    size_t n = build(b, heads[i], opts[i], nopts[i]);
    for (size_t m = 0; m < n; m++) {
      const uint8_t *g = exo_test_guarded(0, b, m);
      struct exo_dhcp_repr r;
      int err = exo_dhcp_parse(g, m, &r);
      int want = m < 240 ? EXO_WIRE_ETRUNCATED
                 : is_boundary(opts[i], nopts[i], m - 240) ? 0 : EXO_WIRE_EBADOPT;
      if (err != want)
        exo_test_fail(__FILE__, __LINE__, "fixture %d cut at %zu: got %d want %d", i, m, err, want);
    }
  }
  /* An overloaded message: options in the main area, file and sname. Cuts inside the
   * main area behave as above; the file/sname options sit in the fixed part. */
  static const uint8_t main_opts[] = {53, 1, 2, 52, 1, 3, 255};
  size_t n = build(b, ack_head, main_opts, sizeof main_opts);
  static const uint8_t file_opts[] = {1, 4, 255, 255, 0, 0, 255};
  static const uint8_t sname_opts[] = {6, 4, 1, 2, 3, 4, 255};
  memcpy(b + 108, file_opts, sizeof file_opts);
  memcpy(b + 44, sname_opts, sizeof sname_opts);
  for (size_t m = 0; m <= n; m++) {
    const uint8_t *g = exo_test_guarded(0, b, m);
    struct exo_dhcp_repr r;
    int err = exo_dhcp_parse(g, m, &r);
    int want = m < 240 ? EXO_WIRE_ETRUNCATED
               : is_boundary(main_opts, sizeof main_opts, m - 240) ? 0 : EXO_WIRE_EBADOPT;
    EXO_CHECK_EQ(err, want);
    /* The file and sname options count only when the overload option survived. */
    if (err == 0 && m >= 246) EXO_CHECK_EQ(r.present, EXO_DHCP_HAS_SUBNET_MASK | EXO_DHCP_HAS_DNS);
    if (err == 0 && m < 246) EXO_CHECK_EQ(r.present, 0);
  }
}
