/* The DHCP client state machine against a scripted server, with a fake clock: every
 * message the client sends is parsed and checked, every reply is built by the test. */
#include <stdlib.h>

#include "exonet/dhcp.h"
#include "exonet/errno.h"
#include "harness.h"

#define S 1000000ull
#define SERVER EXO_IPV4(10, 1, 0, 1)
#define SERVER2 EXO_IPV4(10, 1, 0, 254)
#define OFFERED EXO_IPV4(10, 1, 0, 50)

static const struct exo_mac client_mac = {{0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01}};

struct sent {
  uint32_t src, dst;
  uint8_t buf[600];
  size_t len;
  struct exo_dhcp_repr r;
};

struct fixture {
  struct exo_dhcp_client c;
  struct exo_platform platform;
  uint64_t rng;
  struct sent sent[64];
  int nsent;
  uint32_t probes[16];
  int nprobes;
  enum exo_dhcp_event events[32];
  struct exo_dhcp_lease event_lease[32];
  int nevents;
};

static void fake_random(void *ctx, void *buf, size_t len) {
  uint64_t *state = ctx;
  uint8_t *p = buf;
  for (size_t i = 0; i < len; i++) {
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    p[i] = (uint8_t)(*state >> 56);
  }
}

static int fake_send(void *ctx, uint32_t src, uint32_t dst, const uint8_t *msg, size_t len) {
  struct fixture *f = ctx;
  if (f->nsent == 64 || len > sizeof f->sent[0].buf) abort();
  struct sent *s = &f->sent[f->nsent++];
  s->src = src;
  s->dst = dst;
  memcpy(s->buf, msg, len);
  s->len = len;
  if (exo_dhcp_parse(s->buf, len, &s->r) != 0) exo_test_fail(__FILE__, __LINE__, "client sent an unparsable message");
  return 0;
}

static int fake_probe(void *ctx, uint32_t ip) {
  struct fixture *f = ctx;
  if (f->nprobes < 16) f->probes[f->nprobes++] = ip;
  return 0;
}

static void fake_event(void *ctx, enum exo_dhcp_event ev, const struct exo_dhcp_lease *l) {
  struct fixture *f = ctx;
  if (f->nevents == 32) return;
  f->events[f->nevents] = ev;
  if (l) f->event_lease[f->nevents] = *l;
  f->nevents++;
}

static struct fixture *setup(const struct exo_dhcp_lease *remembered) {
  struct fixture *f = calloc(1, sizeof *f);
  f->rng = 42;
  f->platform = (struct exo_platform){.random_bytes = fake_random, .ctx = &f->rng};
  struct exo_dhcp_env env = {.ctx = f, .platform = &f->platform, .send = fake_send,
                             .arp_probe = fake_probe, .on_event = fake_event};
  struct exo_dhcp_config cfg = {.mac = client_mac, .hostname = "exonet-test", .remembered = remembered};
  EXO_CHECK_EQ(exo_dhcp_init(&f->c, &env, &cfg), 0);
  return f;
}

static struct sent *last(struct fixture *f) { return f->nsent ? &f->sent[f->nsent - 1] : NULL; }

/* A reply from `server` to the client's last message. */
static void reply(struct fixture *f, uint64_t now, uint8_t type, uint32_t server, uint32_t yiaddr,
                  uint32_t lease_s, uint32_t t1, uint32_t t2) {
  struct exo_dhcp_repr r;
  memset(&r, 0, sizeof r);
  r.op = EXO_BOOTREPLY;
  r.xid = last(f)->r.xid;
  r.yiaddr = yiaddr;
  r.chaddr = client_mac;
  r.message_type = type;
  r.present = EXO_DHCP_HAS_SERVER_ID;
  r.server_id = server;
  if (type != EXO_DHCP_NAK) {
    static const uint8_t domain[] = "example.test";
    r.present |= EXO_DHCP_HAS_SUBNET_MASK | EXO_DHCP_HAS_ROUTER | EXO_DHCP_HAS_DNS |
                 EXO_DHCP_HAS_LEASE_TIME | EXO_DHCP_HAS_DOMAIN_NAME | EXO_DHCP_HAS_MTU;
    r.subnet_mask = 0xffffff00u;
    r.router_count = 1;
    r.routers[0] = SERVER;
    r.dns_count = 2;
    r.dns[0] = EXO_IPV4(10, 1, 0, 2);
    r.dns[1] = EXO_IPV4(10, 1, 0, 3);
    r.lease_time = lease_s;
    r.domain_name = domain;
    r.domain_name_len = sizeof domain - 1;
    r.mtu = 1400;
    if (t1) {
      r.present |= EXO_DHCP_HAS_RENEWAL_TIME | EXO_DHCP_HAS_REBINDING_TIME;
      r.renewal_time = t1;
      r.rebinding_time = t2;
    }
  }
  uint8_t buf[600];
  int len = exo_dhcp_emit(&r, buf, sizeof buf);
  EXO_CHECK(len > 0);
  exo_dhcp_input(&f->c, now, buf, (size_t)len);
}

/* Runs the clock forward in 10 ms steps to `until`. */
static void run_until(struct fixture *f, uint64_t *now, uint64_t until) {
  while (*now < until) {
    *now += 10000;
    exo_dhcp_poll(&f->c, *now);
  }
}

/* DISCOVER -> OFFER -> REQUEST -> ACK -> 2 probes -> BOUND. Returns the time. */
static uint64_t bind(struct fixture *f, uint32_t lease, uint32_t t1, uint32_t t2) {
  uint64_t now = 1000;
  exo_dhcp_start(&f->c, now);
  EXO_CHECK_EQ(f->nsent, 1);
  struct sent *d = last(f);
  EXO_CHECK_EQ(d->r.message_type, EXO_DHCP_DISCOVER);
  EXO_CHECK_EQ(d->src, 0);
  EXO_CHECK_EQ(d->dst, EXO_IPV4_BROADCAST);
  EXO_CHECK(d->r.present & EXO_DHCP_HAS_CLIENT_ID);
  EXO_CHECK(d->r.present & EXO_DHCP_HAS_PARAM_REQUEST);
  EXO_CHECK(d->r.present & EXO_DHCP_HAS_HOSTNAME);
  EXO_CHECK(exo_mac_eq(d->r.chaddr, client_mac));
  now += 2000;
  reply(f, now, EXO_DHCP_OFFER, SERVER, OFFERED, lease, t1, t2);
  EXO_CHECK_EQ(f->nsent, 2);
  struct sent *q = last(f);
  EXO_CHECK_EQ(q->r.message_type, EXO_DHCP_REQUEST);
  EXO_CHECK_EQ(q->r.xid, d->r.xid);
  EXO_CHECK_EQ(q->r.requested_ip, OFFERED);
  EXO_CHECK_EQ(q->r.server_id, SERVER);
  EXO_CHECK_EQ(q->r.ciaddr, 0);
  now += 2000;
  reply(f, now, EXO_DHCP_ACK, SERVER, OFFERED, lease, t1, t2);
  EXO_CHECK_EQ(f->nprobes, 1);
  EXO_CHECK_EQ(f->probes[0], OFFERED);
  run_until(f, &now, now + 500000);
  EXO_CHECK_EQ(f->nprobes, 2);
  EXO_CHECK_EQ(f->c.state, EXO_DHCP_BOUND);
  return now;
}

static int count_events(struct fixture *f, enum exo_dhcp_event ev) {
  int n = 0;
  for (int i = 0; i < f->nevents; i++) n += f->events[i] == ev;
  return n;
}

EXO_TEST(dora_binds_with_all_options) {
  struct fixture *f = setup(NULL);
  bind(f, 3600, 0, 0);
  EXO_CHECK_EQ(f->events[0], EXO_DHCP_EV_STARTED);
  EXO_CHECK_EQ(count_events(f, EXO_DHCP_EV_BOUND), 1);
  const struct exo_dhcp_lease *l = &f->event_lease[f->nevents - 1];
  EXO_CHECK_EQ(l->addr, OFFERED);
  EXO_CHECK_EQ(l->netmask, 0xffffff00u);
  EXO_CHECK_EQ(l->gateway, SERVER);
  EXO_CHECK_EQ(l->dns_count, 2);
  EXO_CHECK_EQ(l->dns[1], EXO_IPV4(10, 1, 0, 3));
  EXO_CHECK_EQ(l->mtu, 1400);
  EXO_CHECK_STR(l->domain, "example.test");
  EXO_CHECK_EQ(l->lease_s, 3600);
  EXO_CHECK_EQ(l->t1_s, 1800);
  EXO_CHECK_EQ(l->t2_s, 3150);
  EXO_CHECK_EQ(f->nsent, 2); /* no DECLINE, no extra messages */
  free(f);
}

EXO_TEST(renews_at_t1_by_unicast) {
  struct fixture *f = setup(NULL);
  uint64_t now = bind(f, 20, 10, 16);
  uint64_t t1 = f->c.lease.acquired_us + 10 * S;
  EXO_CHECK_EQ(exo_dhcp_next_deadline(&f->c), t1);
  run_until(f, &now, t1);
  struct sent *q = last(f);
  EXO_CHECK_EQ(q->r.message_type, EXO_DHCP_REQUEST);
  EXO_CHECK_EQ(q->r.ciaddr, OFFERED);
  EXO_CHECK_EQ(q->src, OFFERED);
  EXO_CHECK_EQ(q->dst, SERVER);
  EXO_CHECK(!(q->r.present & EXO_DHCP_HAS_REQUESTED_IP)); /* RFC 2131 table 4: not in RENEWING */
  EXO_CHECK(!(q->r.present & EXO_DHCP_HAS_SERVER_ID));
  reply(f, now, EXO_DHCP_ACK, SERVER, OFFERED, 20, 10, 16);
  EXO_CHECK_EQ(count_events(f, EXO_DHCP_EV_RENEWED), 1);
  EXO_CHECK_EQ(f->c.state, EXO_DHCP_BOUND);
  EXO_CHECK_EQ(exo_dhcp_next_deadline(&f->c), now + 10 * S);
  free(f);
}

EXO_TEST(rebinds_at_t2_when_the_server_is_gone) {
  struct fixture *f = setup(NULL);
  uint64_t now = bind(f, 20, 10, 16);
  uint64_t start = f->c.lease.acquired_us;
  run_until(f, &now, start + 16 * S - 10000);
  EXO_CHECK_EQ(f->c.state, EXO_DHCP_RENEWING);
  int renew_requests = 0;
  for (int i = 2; i < f->nsent; i++) renew_requests += f->sent[i].dst == SERVER;
  EXO_CHECK(renew_requests >= 2); /* retransmitted halfway to T2 */
  run_until(f, &now, start + 16 * S + 10000);
  EXO_CHECK_EQ(f->c.state, EXO_DHCP_REBINDING);
  struct sent *q = last(f);
  EXO_CHECK_EQ(q->dst, EXO_IPV4_BROADCAST);
  EXO_CHECK_EQ(q->src, OFFERED);
  EXO_CHECK_EQ(q->r.ciaddr, OFFERED);
  reply(f, now, EXO_DHCP_ACK, SERVER2, OFFERED, 20, 10, 16);
  EXO_CHECK_EQ(count_events(f, EXO_DHCP_EV_REBOUND), 1);
  EXO_CHECK_EQ(f->c.lease.server_id, SERVER2); /* renew with the new server from now on */
  free(f);
}

EXO_TEST(lease_expires_without_a_server) {
  struct fixture *f = setup(NULL);
  uint64_t now = bind(f, 20, 10, 16);
  uint64_t start = f->c.lease.acquired_us;
  run_until(f, &now, start + 20 * S + 20000);
  EXO_CHECK_EQ(count_events(f, EXO_DHCP_EV_EXPIRED), 1);
  EXO_CHECK_EQ(f->event_lease[f->nevents - 1].addr, OFFERED);
  EXO_CHECK_EQ(f->c.state, EXO_DHCP_SELECTING); /* starts over */
  EXO_CHECK_EQ(last(f)->r.message_type, EXO_DHCP_DISCOVER);
  free(f);
}

EXO_TEST(nak_while_requesting_and_while_renewing) {
  struct fixture *f = setup(NULL);
  uint64_t now = 1000;
  exo_dhcp_start(&f->c, now);
  reply(f, now, EXO_DHCP_OFFER, SERVER, OFFERED, 60, 0, 0);
  reply(f, now, EXO_DHCP_NAK, SERVER, 0, 0, 0, 0);
  EXO_CHECK_EQ(count_events(f, EXO_DHCP_EV_NAK), 1);
  EXO_CHECK_EQ(f->c.state, EXO_DHCP_INIT);
  int before = f->nsent;
  run_until(f, &now, now + 2 * S);
  EXO_CHECK(f->nsent > before);
  EXO_CHECK_EQ(f->sent[before].r.message_type, EXO_DHCP_DISCOVER);
  free(f);

  f = setup(NULL);
  now = bind(f, 20, 10, 16);
  run_until(f, &now, f->c.lease.acquired_us + 10 * S);
  reply(f, now, EXO_DHCP_NAK, SERVER, 0, 0, 0, 0);
  EXO_CHECK_EQ(count_events(f, EXO_DHCP_EV_NAK), 1);
  EXO_CHECK_EQ(f->event_lease[f->nevents - 1].addr, OFFERED); /* the address to remove */
  EXO_CHECK(!f->c.have_lease);
  free(f);
}

EXO_TEST(declines_an_address_that_answers_arp) {
  struct fixture *f = setup(NULL);
  uint64_t now = 1000;
  exo_dhcp_start(&f->c, now);
  reply(f, now, EXO_DHCP_OFFER, SERVER, OFFERED, 60, 0, 0);
  reply(f, now, EXO_DHCP_ACK, SERVER, OFFERED, 60, 0, 0);
  EXO_CHECK_EQ(f->c.state, EXO_DHCP_CHECKING);
  struct exo_mac other = {{0x02, 0, 0, 0, 0, 0x99}};
  exo_dhcp_arp_seen(&f->c, now + 1000, OFFERED, client_mac); /* our own probe: no conflict */
  EXO_CHECK_EQ(f->c.state, EXO_DHCP_CHECKING);
  exo_dhcp_arp_seen(&f->c, now + 2000, OFFERED, other);
  struct sent *d = last(f);
  EXO_CHECK_EQ(d->r.message_type, EXO_DHCP_DECLINE);
  EXO_CHECK_EQ(d->r.requested_ip, OFFERED);
  EXO_CHECK_EQ(d->r.server_id, SERVER);
  EXO_CHECK_EQ(count_events(f, EXO_DHCP_EV_DECLINED), 1);
  EXO_CHECK_EQ(count_events(f, EXO_DHCP_EV_BOUND), 0);
  int before = f->nsent;
  run_until(f, &now, now + 9 * S);
  EXO_CHECK_EQ(f->nsent, before); /* waits 10 s before trying again */
  run_until(f, &now, now + 2 * S);
  EXO_CHECK_EQ(f->sent[before].r.message_type, EXO_DHCP_DISCOVER);
  free(f);
}

EXO_TEST(release_on_shutdown) {
  struct fixture *f = setup(NULL);
  uint64_t now = bind(f, 3600, 0, 0);
  exo_dhcp_release(&f->c, now);
  struct sent *r = last(f);
  EXO_CHECK_EQ(r->r.message_type, EXO_DHCP_RELEASE);
  EXO_CHECK_EQ(r->r.ciaddr, OFFERED);
  EXO_CHECK_EQ(r->dst, SERVER);
  EXO_CHECK_EQ(r->r.server_id, SERVER);
  EXO_CHECK_EQ(count_events(f, EXO_DHCP_EV_RELEASED), 1);
  EXO_CHECK_EQ(exo_dhcp_next_deadline(&f->c), UINT64_MAX);
  free(f);
}

EXO_TEST(init_reboot_requests_the_remembered_address) {
  struct exo_dhcp_lease old = {.addr = OFFERED, .netmask = 0xffffff00u, .server_id = SERVER};
  struct fixture *f = setup(&old);
  uint64_t now = 1000;
  exo_dhcp_start(&f->c, now);
  struct sent *q = last(f);
  EXO_CHECK_EQ(q->r.message_type, EXO_DHCP_REQUEST);
  EXO_CHECK_EQ(q->r.requested_ip, OFFERED);
  EXO_CHECK(!(q->r.present & EXO_DHCP_HAS_SERVER_ID)); /* INIT-REBOOT: no server id */
  EXO_CHECK_EQ(q->r.ciaddr, 0);
  EXO_CHECK_EQ(q->dst, EXO_IPV4_BROADCAST);
  reply(f, now, EXO_DHCP_ACK, SERVER, OFFERED, 600, 0, 0);
  run_until(f, &now, now + 500000);
  EXO_CHECK_EQ(count_events(f, EXO_DHCP_EV_BOUND), 1);
  free(f);
}

EXO_TEST(lost_offers_back_off_exponentially) {
  struct fixture *f = setup(NULL);
  uint64_t now = 0;
  exo_dhcp_start(&f->c, now);
  run_until(f, &now, 200 * S);
  EXO_CHECK(f->nsent >= 5);
  /* Intervals: 4, 8, 16, 32, 64, 64 s, each within +-1 s. */
  uint64_t expect[] = {4, 8, 16, 32, 64, 64};
  uint64_t prev = 0;
  for (int i = 1; i < f->nsent && i <= 6; i++) {
    /* Send times come from the secs field (whole seconds since start), so each gap is
     * the +-1 s randomisation plus up to 1 s of rounding either way. */
    uint64_t t = (uint64_t)f->sent[i].r.secs;
    uint64_t gap = t - prev;
    EXO_CHECK(gap + 2 >= expect[i - 1] && gap <= expect[i - 1] + 2);
    prev = t;
    EXO_CHECK_EQ(f->sent[i].r.message_type, EXO_DHCP_DISCOVER);
    EXO_CHECK_EQ(f->sent[i].r.xid, f->sent[0].r.xid);
  }
  EXO_CHECK_EQ(f->c.stats.retransmits, (uint64_t)(f->nsent - 1));
  free(f);
}

EXO_TEST(duplicated_malformed_and_foreign_replies) {
  struct fixture *f = setup(NULL);
  uint64_t now = 1000;
  exo_dhcp_start(&f->c, now);
  /* Garbage and truncated messages are counted, not acted on. */
  uint8_t junk[300] = {2, 1, 6};
  exo_dhcp_input(&f->c, now, junk, sizeof junk);
  exo_dhcp_input(&f->c, now, junk, 10);
  EXO_CHECK_EQ(f->c.stats.rx_malformed, 2);
  EXO_CHECK_EQ(f->c.state, EXO_DHCP_SELECTING);
  /* An offer for another transaction (xid) is ignored. */
  f->sent[0].r.xid ^= 1;
  reply(f, now, EXO_DHCP_OFFER, SERVER, OFFERED, 60, 0, 0);
  f->sent[0].r.xid ^= 1;
  EXO_CHECK_EQ(f->c.state, EXO_DHCP_SELECTING);
  EXO_CHECK_EQ(f->c.stats.rx_ignored, 1);
  /* A duplicated offer: one REQUEST only. */
  reply(f, now, EXO_DHCP_OFFER, SERVER, OFFERED, 60, 0, 0);
  reply(f, now, EXO_DHCP_OFFER, SERVER, OFFERED, 60, 0, 0);
  EXO_CHECK_EQ(f->nsent, 2);
  /* An ACK from a server we did not choose is ignored; the right one is taken once. */
  reply(f, now, EXO_DHCP_ACK, SERVER2, OFFERED, 60, 0, 0);
  EXO_CHECK_EQ(f->c.state, EXO_DHCP_REQUESTING);
  reply(f, now, EXO_DHCP_ACK, SERVER, OFFERED, 60, 0, 0);
  reply(f, now, EXO_DHCP_ACK, SERVER, OFFERED, 60, 0, 0);
  run_until(f, &now, now + 500000);
  EXO_CHECK_EQ(count_events(f, EXO_DHCP_EV_BOUND), 1);
  free(f);
}

EXO_TEST(init_reboot_falls_back_to_discovery_when_nobody_answers) {
  struct exo_dhcp_lease old = {.addr = OFFERED, .netmask = 0xffffff00u, .server_id = SERVER};
  struct fixture *f = setup(&old);
  uint64_t now = 0;
  exo_dhcp_start(&f->c, now);
  EXO_CHECK_EQ(last(f)->r.message_type, EXO_DHCP_REQUEST);
  /* A server with no record of us stays silent: two REQUESTs, then DISCOVER. */
  run_until(f, &now, 20 * S);
  EXO_CHECK_EQ(f->sent[1].r.message_type, EXO_DHCP_REQUEST);
  EXO_CHECK_EQ(f->sent[2].r.message_type, EXO_DHCP_DISCOVER);
  EXO_CHECK_EQ(f->c.state, EXO_DHCP_SELECTING);
  free(f);
}
