/* The stack's DHCP client end to end on a capture device with a fake clock: the test is
 * the DHCP server, answering the frames the stack sends with frames built by the wire
 * layer. Covers unicast replies to the offered address, lost / duplicated / malformed
 * replies, the ARP probe and DECLINE, and what sockets see when the lease expires. */
#include <stdlib.h>

#include "exonet/dev/capture.h"
#include "exonet/errno.h"
#include "exonet/host.h"
#include "exonet/stack.h"
#include "exonet/wire.h"
#include "harness.h"
#include "stack/tcp.h"

#define MS 1000ull
#define SEC 1000000ull
#define SRV_IP EXO_IPV4(192, 168, 7, 1)
#define LEASED EXO_IPV4(192, 168, 7, 42)
static const struct exo_mac OUR_MAC = {{0x02, 0, 0, 0, 0, 0x10}};
static const struct exo_mac SRV_MAC = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct exo_mac OTHER_MAC = {{0x02, 0, 0, 0, 0, 0x77}};

struct fx {
  struct exo_platform pf;
  struct exo_capdev *cap;
  struct exo_stack *st;
  uint64_t now;
  size_t seen; /* transmitted frames already examined */
  enum exo_dhcp_event events[16];
  int nevents;
};

static void on_event(void *ctx, enum exo_dhcp_event ev, const struct exo_dhcp_lease *l) {
  struct fx *f = ctx;
  (void)l;
  if (f->nevents < 16) f->events[f->nevents++] = ev;
}

static void fx_start(struct fx *f) {
  memset(f, 0, sizeof *f);
  f->pf = exo_host_platform();
  f->cap = exo_capdev_create(1500);
  f->now = SEC;
  struct exo_stack_config c = {.mac = OUR_MAC}; /* no address: DHCP will give one */
  EXO_CHECK_EQ(exo_stack_create(&f->pf, &c, exo_capdev_device(f->cap), f->now, &f->st), 0);
  struct exo_dhcp_config dc = {.hostname = "stacktest"};
  EXO_CHECK_EQ(exo_stack_dhcp_start(f->st, f->now, &dc, on_event, f), 0);
  EXO_CHECK_EQ(exo_stack_dhcp_start(f->st, f->now, &dc, on_event, f), -EXO_EALREADY);
}

static void fx_end(struct fx *f) {
  exo_stack_destroy(f->st);
  exo_capdev_destroy(f->cap);
}

static void advance(struct fx *f, uint64_t by) {
  uint64_t until = f->now + by;
  while (f->now < until) {
    uint64_t d = exo_stack_next_deadline(f->st);
    f->now = d < until && d > f->now ? d : until;
    exo_stack_poll(f->st, f->now);
  }
}

/* The next DHCP message the stack sent (skipping other frames), parsed. */
static bool next_dhcp(struct fx *f, struct exo_dhcp_repr *out, struct exo_ipv4_repr *ip_out,
                      struct exo_eth_repr *eth_out) {
  static uint8_t copy[2048];
  while (f->seen < exo_capdev_tx_count(f->cap)) {
    size_t len;
    const uint8_t *fr = exo_capdev_tx_frame(f->cap, f->seen++, &len);
    struct exo_eth_repr eth;
    struct exo_ipv4_repr ip;
    struct exo_udp_repr udp;
    if (exo_eth_parse(fr, len, &eth) || eth.ethertype != EXO_ETHERTYPE_IPV4) continue;
    if (exo_ipv4_parse(eth.payload, eth.payload_len, &ip) || ip.protocol != EXO_IP_PROTO_UDP) continue;
    if (exo_udp_parse(ip.payload, ip.payload_len, ip.src, ip.dst, &udp)) continue;
    EXO_CHECK(udp.checksum_ok);
    if (udp.dst_port != 67) continue;
    EXO_CHECK_EQ(udp.src_port, 68);
    memcpy(copy, udp.payload, udp.payload_len);
    EXO_CHECK_EQ(exo_dhcp_parse(copy, udp.payload_len, out), 0);
    if (ip_out) *ip_out = ip;
    if (eth_out) *eth_out = eth;
    return true;
  }
  return false;
}

/* Counts ARP probes (sender IP 0) for ip among frames not yet examined, without
 * consuming DHCP frames. */
static int count_probes(struct fx *f, uint32_t ip) {
  int n = 0;
  for (size_t i = 0; i < exo_capdev_tx_count(f->cap); i++) {
    size_t len;
    const uint8_t *fr = exo_capdev_tx_frame(f->cap, i, &len);
    struct exo_eth_repr eth;
    struct exo_arp_repr arp;
    if (exo_eth_parse(fr, len, &eth) || eth.ethertype != EXO_ETHERTYPE_ARP) continue;
    if (exo_arp_parse(eth.payload, eth.payload_len, &arp)) continue;
    if (arp.sender_ip == 0 && arp.target_ip == ip) n++;
  }
  return n;
}

/* Sends a DHCP reply from the server: unicast to yiaddr at our MAC (as dnsmasq does). */
static void server_reply(struct fx *f, const struct exo_dhcp_repr *req, uint8_t type,
                         uint32_t lease_s, bool corrupt_udp_checksum) {
  struct exo_dhcp_repr r;
  memset(&r, 0, sizeof r);
  r.op = EXO_BOOTREPLY;
  r.xid = req->xid;
  r.yiaddr = type == EXO_DHCP_NAK ? 0 : LEASED;
  r.chaddr = OUR_MAC;
  r.message_type = type;
  r.present = EXO_DHCP_HAS_SERVER_ID | EXO_DHCP_HAS_SUBNET_MASK | EXO_DHCP_HAS_ROUTER |
              EXO_DHCP_HAS_LEASE_TIME;
  r.server_id = SRV_IP;
  r.subnet_mask = 0xffffff00u;
  r.router_count = 1;
  r.routers[0] = SRV_IP;
  r.lease_time = lease_s;
  uint8_t frame[1024];
  size_t dhcp_len = exo_dhcp_emit_len(&r);
  size_t off = EXO_ETH_HEADER_LEN + EXO_IPV4_HEADER_LEN + EXO_UDP_HEADER_LEN;
  EXO_CHECK_EQ(exo_dhcp_emit(&r, frame + off, sizeof frame - off), (int)dhcp_len);
  uint32_t dst = r.yiaddr ? r.yiaddr : EXO_IPV4_BROADCAST;
  struct exo_udp_repr u = {.src_port = 67, .dst_port = 68, .payload_len = dhcp_len};
  exo_udp_emit(&u, frame + off - EXO_UDP_HEADER_LEN, sizeof frame, SRV_IP, dst);
  if (corrupt_udp_checksum) frame[off - 2] ^= 0x55;
  struct exo_ipv4_repr ip = {.src = SRV_IP, .dst = dst, .protocol = EXO_IP_PROTO_UDP, .ttl = 64,
                             .payload_len = EXO_UDP_HEADER_LEN + dhcp_len};
  exo_ipv4_emit(&ip, frame + EXO_ETH_HEADER_LEN, sizeof frame);
  struct exo_eth_repr eth = {.dst = r.yiaddr ? OUR_MAC : EXO_MAC_BROADCAST, .src = SRV_MAC,
                             .ethertype = EXO_ETHERTYPE_IPV4};
  exo_eth_emit(&eth, frame, sizeof frame);
  exo_capdev_inject(f->cap, frame, off + dhcp_len);
  advance(f, 1000);
}

/* DISCOVER -> OFFER -> REQUEST -> ACK -> probes -> bound. */
static void bind_lease(struct fx *f, uint32_t lease_s) {
  struct exo_dhcp_repr d, q;
  struct exo_ipv4_repr ip;
  struct exo_eth_repr eth;
  advance(f, 1000);
  EXO_CHECK(next_dhcp(f, &d, &ip, &eth));
  EXO_CHECK_EQ(d.message_type, EXO_DHCP_DISCOVER);
  EXO_CHECK_EQ(ip.src, 0);
  EXO_CHECK_EQ(ip.dst, EXO_IPV4_BROADCAST);
  EXO_CHECK(exo_mac_is_broadcast(eth.dst));
  server_reply(f, &d, EXO_DHCP_OFFER, lease_s, false);
  EXO_CHECK(next_dhcp(f, &q, NULL, NULL));
  EXO_CHECK_EQ(q.message_type, EXO_DHCP_REQUEST);
  EXO_CHECK_EQ(q.requested_ip, LEASED);
  server_reply(f, &q, EXO_DHCP_ACK, lease_s, false);
  advance(f, 500 * MS);
  EXO_CHECK(count_probes(f, LEASED) >= 2);
  uint32_t addr, mask, gw;
  exo_stack_get_addr(f->st, &addr, &mask, &gw);
  EXO_CHECK_EQ(addr, LEASED);
  EXO_CHECK_EQ(mask, 0xffffff00u);
  EXO_CHECK_EQ(gw, SRV_IP);
}

EXO_TEST(stack_binds_with_unicast_replies) {
  struct fx f;
  fx_start(&f);
  bind_lease(&f, 3600);
  EXO_CHECK_EQ(f.events[0], EXO_DHCP_EV_STARTED);
  EXO_CHECK_EQ(f.events[1], EXO_DHCP_EV_BOUND);
  EXO_CHECK(exo_stack_counters(f.st)->arp_gratuitous_tx >= 1); /* announced (RFC 5227) */
  const struct exo_dhcp_client *c = exo_stack_dhcp(f.st);
  EXO_CHECK(c && c->state == EXO_DHCP_BOUND);
  fx_end(&f);
}

EXO_TEST(lost_duplicated_and_malformed_replies) {
  struct fx f;
  fx_start(&f);
  struct exo_dhcp_repr d, d2, q;
  advance(&f, 1000);
  EXO_CHECK(next_dhcp(&f, &d, NULL, NULL));
  /* The offer is lost: the DISCOVER comes again after about 4 s. */
  advance(&f, 6 * SEC);
  EXO_CHECK(next_dhcp(&f, &d2, NULL, NULL));
  EXO_CHECK_EQ(d2.message_type, EXO_DHCP_DISCOVER);
  /* A reply with a bad UDP checksum is dropped by the stack before DHCP sees it. */
  uint64_t bad_before = exo_stack_counters(f.st)->udp_bad_checksum;
  server_reply(&f, &d2, EXO_DHCP_OFFER, 3600, true);
  EXO_CHECK_EQ(exo_stack_counters(f.st)->udp_bad_checksum, bad_before + 1);
  EXO_CHECK(!next_dhcp(&f, &q, NULL, NULL));
  /* Duplicated offer and ACK: one REQUEST, one BOUND. */
  server_reply(&f, &d2, EXO_DHCP_OFFER, 3600, false);
  server_reply(&f, &d2, EXO_DHCP_OFFER, 3600, false);
  EXO_CHECK(next_dhcp(&f, &q, NULL, NULL));
  EXO_CHECK(!next_dhcp(&f, &d, NULL, NULL));
  server_reply(&f, &q, EXO_DHCP_ACK, 3600, false);
  server_reply(&f, &q, EXO_DHCP_ACK, 3600, false);
  advance(&f, SEC);
  int bound = 0;
  for (int i = 0; i < f.nevents; i++) bound += f.events[i] == EXO_DHCP_EV_BOUND;
  EXO_CHECK_EQ(bound, 1);
  fx_end(&f);
}

EXO_TEST(conflict_during_probe_declines) {
  struct fx f;
  fx_start(&f);
  struct exo_dhcp_repr d, q, dec;
  advance(&f, 1000);
  EXO_CHECK(next_dhcp(&f, &d, NULL, NULL));
  server_reply(&f, &d, EXO_DHCP_OFFER, 3600, false);
  EXO_CHECK(next_dhcp(&f, &q, NULL, NULL));
  server_reply(&f, &q, EXO_DHCP_ACK, 3600, false);
  /* Another host answers the probe: an ARP reply from LEASED at another MAC. */
  uint8_t frame[60] = {0};
  struct exo_eth_repr eth = {.dst = OUR_MAC, .src = OTHER_MAC, .ethertype = EXO_ETHERTYPE_ARP};
  struct exo_arp_repr arp = {.operation = EXO_ARP_REPLY, .sender_mac = OTHER_MAC, .sender_ip = LEASED,
                             .target_mac = OUR_MAC, .target_ip = 0};
  exo_eth_emit(&eth, frame, sizeof frame);
  exo_arp_emit(&arp, frame + EXO_ETH_HEADER_LEN, sizeof frame - EXO_ETH_HEADER_LEN);
  exo_capdev_inject(f.cap, frame, sizeof frame);
  advance(&f, 1000);
  EXO_CHECK(next_dhcp(&f, &dec, NULL, NULL));
  EXO_CHECK_EQ(dec.message_type, EXO_DHCP_DECLINE);
  EXO_CHECK_EQ(dec.requested_ip, LEASED);
  uint32_t addr;
  exo_stack_get_addr(f.st, &addr, NULL, NULL);
  EXO_CHECK_EQ(addr, 0); /* never configured */
  fx_end(&f);
}

EXO_TEST(expiry_takes_the_address_and_tells_the_sockets) {
  struct fx f;
  fx_start(&f);
  bind_lease(&f, 60);
  struct exo_udp_sock *u;
  EXO_CHECK_EQ(exo_udp_open(f.st, &u), 0);
  EXO_CHECK_EQ(exo_udp_bind(u, LEASED, 5000), 0);
  struct exo_tcp_sock *t;
  EXO_CHECK_EQ(exo_stack_tcp_open(f.st, &t), 0);
  EXO_CHECK_EQ(exo_tcp_connect(t, f.now, EXO_IPV4(192, 168, 7, 9), 80), -EXO_EINPROGRESS);
  /* No server answers renewals or rebinding: the lease runs out at 60 s. */
  advance(&f, 61 * SEC);
  int expired = 0;
  for (int i = 0; i < f.nevents; i++) expired += f.events[i] == EXO_DHCP_EV_EXPIRED;
  EXO_CHECK_EQ(expired, 1);
  uint32_t addr;
  exo_stack_get_addr(f.st, &addr, NULL, NULL);
  EXO_CHECK_EQ(addr, 0);
  EXO_CHECK(exo_udp_events(u) & EXO_EV_ERR);
  EXO_CHECK_EQ(exo_udp_take_error(u), -EXO_ENETDOWN);
  EXO_CHECK_EQ(exo_tcp_take_error(t), -EXO_ENETDOWN);
  EXO_CHECK_EQ(exo_tcp_state(t), EXO_TCP_CLOSED);
  exo_udp_close(u);
  exo_tcp_close(t, f.now);
  /* Meanwhile the client started over. */
  const struct exo_dhcp_client *c = exo_stack_dhcp(f.st);
  EXO_CHECK(c->state == EXO_DHCP_SELECTING);
  fx_end(&f);
}

/* The server answers the stack's ARP request for it. */
static void server_answers_arp(struct fx *f) {
  uint8_t frame[60] = {0};
  struct exo_eth_repr eth = {.dst = OUR_MAC, .src = SRV_MAC, .ethertype = EXO_ETHERTYPE_ARP};
  struct exo_arp_repr arp = {.operation = EXO_ARP_REPLY, .sender_mac = SRV_MAC, .sender_ip = SRV_IP,
                             .target_mac = OUR_MAC, .target_ip = LEASED};
  exo_eth_emit(&eth, frame, sizeof frame);
  exo_arp_emit(&arp, frame + EXO_ETH_HEADER_LEN, sizeof frame - EXO_ETH_HEADER_LEN);
  exo_capdev_inject(f->cap, frame, sizeof frame);
  advance(f, 1000);
}

EXO_TEST(nak_removes_the_address) {
  struct fx f;
  fx_start(&f);
  bind_lease(&f, 20);
  advance(&f, 10 * SEC + 10 * MS); /* T1: unicast REQUEST, queued behind ARP */
  server_answers_arp(&f);
  struct exo_dhcp_repr q;
  struct exo_ipv4_repr ip;
  EXO_CHECK(next_dhcp(&f, &q, &ip, NULL));
  EXO_CHECK_EQ(q.message_type, EXO_DHCP_REQUEST);
  EXO_CHECK_EQ(ip.src, LEASED);
  EXO_CHECK_EQ(ip.dst, SRV_IP);
  server_reply(&f, &q, EXO_DHCP_NAK, 0, false);
  uint32_t addr;
  exo_stack_get_addr(f.st, &addr, NULL, NULL);
  EXO_CHECK_EQ(addr, 0);
  EXO_CHECK_EQ(f.events[f.nevents - 1], EXO_DHCP_EV_NAK);
  fx_end(&f);
}
