/* DHCPv4 client (see include/exonet/dhcp.h).
 *
 * Invariants:
 * - `deadline` is the one timer of the client: the retransmission of the message of the
 *   current state, the next ARP probe, T1/T2/expiry, or the end of a back-off wait.
 * - `lease` is meaningful only while have_lease; it is reported to the owner exactly once
 *   when gained (BOUND) and once when lost (EXPIRED/NAK/RELEASED).
 * - Every received message is parsed by the wire layer and must carry our xid and MAC;
 *   anything else is counted and ignored, never acted on. */
#include "exonet/dhcp.h"

#include "exonet/errno.h"

#define US_PER_S 1000000ull
#define DHCP_MSG_MAX 576

static const uint8_t param_request_list[] = {
    EXO_DHCP_OPT_SUBNET_MASK, EXO_DHCP_OPT_ROUTER,       EXO_DHCP_OPT_DNS,
    EXO_DHCP_OPT_DOMAIN_NAME, EXO_DHCP_OPT_MTU,          EXO_DHCP_OPT_BROADCAST,
    EXO_DHCP_OPT_LEASE_TIME,  EXO_DHCP_OPT_RENEWAL_TIME, EXO_DHCP_OPT_REBINDING_TIME,
};

const char *exo_dhcp_event_name(enum exo_dhcp_event ev) {
  switch (ev) {
    case EXO_DHCP_EV_STARTED: return "started";
    case EXO_DHCP_EV_BOUND: return "bound";
    case EXO_DHCP_EV_RENEWED: return "renewed";
    case EXO_DHCP_EV_REBOUND: return "rebound";
    case EXO_DHCP_EV_EXPIRED: return "expired";
    case EXO_DHCP_EV_NAK: return "nak";
    case EXO_DHCP_EV_DECLINED: return "declined";
    case EXO_DHCP_EV_RELEASED: return "released";
  }
  return "unknown";
}

static uint32_t random32(struct exo_dhcp_client *c) {
  uint32_t v = 0;
  c->env.platform->random_bytes(c->env.platform->ctx, &v, sizeof v);
  return v;
}

static void notify(struct exo_dhcp_client *c, enum exo_dhcp_event ev, const struct exo_dhcp_lease *l) {
  if (c->env.on_event) c->env.on_event(c->env.ctx, ev, l);
}

/* RFC 2131 4.1: the interval doubles up to a cap and is randomised by +-1 s (by at most
 * a quarter of the interval, so that short test intervals stay positive). */
static uint64_t next_retry(struct exo_dhcp_client *c, uint64_t now) {
  uint64_t base = c->retry_us;
  uint64_t spread = base / 4 < US_PER_S ? base / 4 : US_PER_S;
  uint64_t jitter = spread ? (uint64_t)random32(c) % (2 * spread + 1) : 0;
  uint64_t when = now + base - spread + jitter;
  c->retry_us = c->retry_us * 2 > c->cfg.max_retry_us ? c->cfg.max_retry_us : c->retry_us * 2;
  return when;
}

static void reset_backoff(struct exo_dhcp_client *c) {
  c->retry_us = c->cfg.first_retry_us;
  c->tries = 0;
}

/* Builds and sends one message of `type`. */
static void send_message(struct exo_dhcp_client *c, uint64_t now, uint8_t type, uint32_t ciaddr,
                         uint32_t requested_ip, uint32_t server_id, uint32_t src, uint32_t dst) {
  struct exo_dhcp_repr r;
  exo_memset(&r, 0, sizeof r);
  r.op = EXO_BOOTREQUEST;
  r.xid = c->xid;
  uint64_t secs = (now - c->started_us) / US_PER_S;
  r.secs = (uint16_t)(secs > 0xffff ? 0xffff : secs);
  r.broadcast = c->cfg.broadcast_flag && ciaddr == 0;
  r.ciaddr = ciaddr;
  r.chaddr = c->cfg.mac;
  r.message_type = type;
  uint8_t client_id[7] = {1};
  exo_memcpy(client_id + 1, c->cfg.mac.b, 6);
  r.present = EXO_DHCP_HAS_CLIENT_ID;
  r.client_id = client_id;
  r.client_id_len = sizeof client_id;
  if (type == EXO_DHCP_DISCOVER || type == EXO_DHCP_REQUEST) {
    r.present |= EXO_DHCP_HAS_PARAM_REQUEST | EXO_DHCP_HAS_MAX_MSG_SIZE;
    r.param_request = param_request_list;
    r.param_request_len = sizeof param_request_list;
    r.max_msg_size = 1500;
    if (c->hostname[0]) {
      size_t n = 0;
      while (c->hostname[n]) n++;
      r.present |= EXO_DHCP_HAS_HOSTNAME;
      r.hostname = (const uint8_t *)c->hostname;
      r.hostname_len = (uint8_t)n;
    }
  }
  if (requested_ip) {
    r.present |= EXO_DHCP_HAS_REQUESTED_IP;
    r.requested_ip = requested_ip;
  }
  if (server_id) {
    r.present |= EXO_DHCP_HAS_SERVER_ID;
    r.server_id = server_id;
  }
  uint8_t buf[DHCP_MSG_MAX];
  int len = exo_dhcp_emit(&r, buf, sizeof buf);
  if (len < 0) return; /* cannot happen with the fields above; never send garbage */
  c->stats.tx++;
  c->env.send(c->env.ctx, src, dst, buf, (size_t)len);
}

static void send_discover(struct exo_dhcp_client *c, uint64_t now) {
  send_message(c, now, EXO_DHCP_DISCOVER, 0, 0, 0, 0, EXO_IPV4_BROADCAST);
}

/* The REQUEST of the current state (RFC 2131 table 4). */
static void send_request(struct exo_dhcp_client *c, uint64_t now) {
  switch (c->state) {
    case EXO_DHCP_REQUESTING:
      send_message(c, now, EXO_DHCP_REQUEST, 0, c->offer.addr, c->offer.server_id, 0, EXO_IPV4_BROADCAST);
      break;
    case EXO_DHCP_REBOOTING:
      send_message(c, now, EXO_DHCP_REQUEST, 0, c->offer.addr, 0, 0, EXO_IPV4_BROADCAST);
      break;
    case EXO_DHCP_RENEWING:
      send_message(c, now, EXO_DHCP_REQUEST, c->lease.addr, 0, 0, c->lease.addr, c->lease.server_id);
      break;
    case EXO_DHCP_REBINDING:
      send_message(c, now, EXO_DHCP_REQUEST, c->lease.addr, 0, 0, c->lease.addr, EXO_IPV4_BROADCAST);
      break;
    default:
      break;
  }
}

static void begin_discovery(struct exo_dhcp_client *c, uint64_t now) {
  c->state = EXO_DHCP_SELECTING;
  c->xid = random32(c);
  c->started_us = now;
  reset_backoff(c);
  send_discover(c, now);
  c->deadline = next_retry(c, now);
}

static uint64_t lease_time_us(const struct exo_dhcp_lease *l, uint32_t secs) {
  return l->acquired_us + (uint64_t)secs * US_PER_S;
}

static void schedule_bound(struct exo_dhcp_client *c) {
  c->deadline = c->lease.lease_s == 0xffffffffu ? UINT64_MAX : lease_time_us(&c->lease, c->lease.t1_s);
}

/* RFC 2131 4.4.5: in RENEWING/REBINDING wait half the time left to T2 (or expiry),
 * but not less than one second (then go straight to the limit). */
static uint64_t halfway(uint64_t now, uint64_t limit) {
  if (limit <= now) return limit;
  uint64_t half = (limit - now) / 2;
  return half < US_PER_S ? limit : now + half;
}

static void lose_lease(struct exo_dhcp_client *c, enum exo_dhcp_event ev) {
  if (c->have_lease) {
    c->have_lease = false;
    notify(c, ev, &c->lease);
  }
}

int exo_dhcp_init(struct exo_dhcp_client *c, const struct exo_dhcp_env *env,
                  const struct exo_dhcp_config *cfg) {
  if (!env || !env->send || !env->platform || !env->platform->random_bytes || !cfg)
    return -EXO_EINVAL;
  exo_memset(c, 0, sizeof *c);
  c->env = *env;
  c->cfg = *cfg;
  if (!c->cfg.first_retry_us) c->cfg.first_retry_us = 4 * US_PER_S;
  if (!c->cfg.max_retry_us) c->cfg.max_retry_us = 64 * US_PER_S;
  if (c->cfg.max_retry_us < c->cfg.first_retry_us) c->cfg.max_retry_us = c->cfg.first_retry_us;
  if (!c->cfg.request_retries) c->cfg.request_retries = 4;
  if (!c->cfg.probe_count) c->cfg.probe_count = 2;
  if (!c->cfg.probe_interval_us) c->cfg.probe_interval_us = 200000;
  if (!c->cfg.decline_wait_us) c->cfg.decline_wait_us = 10 * US_PER_S;
  if (cfg->hostname) {
    size_t n = 0;
    while (cfg->hostname[n] && n < sizeof c->hostname - 1) {
      c->hostname[n] = cfg->hostname[n];
      n++;
    }
  }
  c->cfg.hostname = NULL; /* copied: the caller's string need not outlive us */
  if (cfg->remembered) c->offer = *cfg->remembered;
  c->cfg.remembered = NULL;
  c->state = EXO_DHCP_STOPPED;
  c->deadline = UINT64_MAX;
  return 0;
}

void exo_dhcp_start(struct exo_dhcp_client *c, uint64_t now) {
  notify(c, EXO_DHCP_EV_STARTED, NULL);
  if (c->offer.addr) { /* INIT-REBOOT with the remembered address */
    c->state = EXO_DHCP_REBOOTING;
    c->xid = random32(c);
    c->started_us = now;
    reset_backoff(c);
    send_request(c, now);
    c->tries = 1;
    c->deadline = next_retry(c, now);
    return;
  }
  begin_discovery(c, now);
}

/* Fills a lease from an ACK (or OFFER). Returns false if it lacks what we need. */
static bool lease_from(struct exo_dhcp_lease *l, const struct exo_dhcp_repr *r, uint64_t now) {
  if (r->yiaddr == 0 || r->yiaddr == EXO_IPV4_BROADCAST) return false;
  exo_memset(l, 0, sizeof *l);
  l->addr = r->yiaddr;
  l->server_id = (r->present & EXO_DHCP_HAS_SERVER_ID) ? r->server_id : 0;
  if (r->present & EXO_DHCP_HAS_SUBNET_MASK) {
    l->netmask = r->subnet_mask;
  } else { /* RFC 2131 leaves it to the client: use the classful default */
    uint8_t first = (uint8_t)(r->yiaddr >> 24);
    l->netmask = first < 128 ? 0xff000000u : first < 192 ? 0xffff0000u : 0xffffff00u;
  }
  l->gateway = (r->present & EXO_DHCP_HAS_ROUTER) && r->router_count ? r->routers[0] : 0;
  l->dns_count = (r->present & EXO_DHCP_HAS_DNS) ? r->dns_count : 0;
  for (uint8_t i = 0; i < l->dns_count && i < EXO_DHCP_MAX_DNS; i++) l->dns[i] = r->dns[i];
  l->mtu = (r->present & EXO_DHCP_HAS_MTU) && r->mtu >= 576 ? r->mtu : 0;
  if (r->present & EXO_DHCP_HAS_DOMAIN_NAME) {
    size_t n = r->domain_name_len < sizeof l->domain - 1 ? r->domain_name_len : sizeof l->domain - 1;
    for (size_t i = 0; i < n; i++) {
      uint8_t ch = r->domain_name[i];
      l->domain[i] = (char)(ch >= 0x20 && ch < 0x7f ? ch : '?'); /* printable only */
    }
  }
  l->lease_s = (r->present & EXO_DHCP_HAS_LEASE_TIME) ? r->lease_time : 3600;
  if (l->lease_s == 0) l->lease_s = 1;
  if (l->lease_s == 0xffffffffu) {
    l->t1_s = l->t2_s = 0xffffffffu;
  } else {
    l->t1_s = (r->present & EXO_DHCP_HAS_RENEWAL_TIME) ? r->renewal_time : l->lease_s / 2;
    l->t2_s = (r->present & EXO_DHCP_HAS_REBINDING_TIME) ? r->rebinding_time
                                                         : (uint32_t)((uint64_t)l->lease_s * 7 / 8);
    if (l->t2_s > l->lease_s) l->t2_s = (uint32_t)((uint64_t)l->lease_s * 7 / 8);
    if (l->t1_s > l->t2_s) l->t1_s = l->t2_s / 2 > 0 ? l->t2_s / 2 : 0;
  }
  l->acquired_us = now;
  return true;
}

static void handle_nak(struct exo_dhcp_client *c, uint64_t now) {
  c->stats.naks++;
  if (c->have_lease) lose_lease(c, EXO_DHCP_EV_NAK);
  else notify(c, EXO_DHCP_EV_NAK, NULL);
  c->offer.addr = 0;
  c->state = EXO_DHCP_INIT;
  /* Restart soon, not at once: a server that NAKs everything must not make us spin. */
  c->deadline = now + c->cfg.first_retry_us / 4;
}

void exo_dhcp_input(struct exo_dhcp_client *c, uint64_t now, const uint8_t *msg, size_t len) {
  struct exo_dhcp_repr r;
  if (exo_dhcp_parse(msg, len, &r) != 0) {
    c->stats.rx_malformed++;
    return;
  }
  c->stats.rx++;
  if (r.op != EXO_BOOTREPLY || r.xid != c->xid || !exo_mac_eq(r.chaddr, c->cfg.mac) ||
      r.message_type == 0) {
    c->stats.rx_ignored++;
    return;
  }
  switch (c->state) {
    case EXO_DHCP_SELECTING:
      if (r.message_type != EXO_DHCP_OFFER || !(r.present & EXO_DHCP_HAS_SERVER_ID) ||
          !lease_from(&c->offer, &r, now)) {
        c->stats.rx_ignored++;
        return;
      }
      c->stats.offers++;
      c->state = EXO_DHCP_REQUESTING; /* the first acceptable offer wins */
      reset_backoff(c);
      send_request(c, now);
      c->tries = 1;
      c->deadline = next_retry(c, now);
      return;
    case EXO_DHCP_REQUESTING:
    case EXO_DHCP_REBOOTING:
      if (c->state == EXO_DHCP_REQUESTING && (!(r.present & EXO_DHCP_HAS_SERVER_ID) ||
                                               r.server_id != c->offer.server_id)) {
        c->stats.rx_ignored++; /* an answer from a server we did not choose */
        return;
      }
      if (r.message_type == EXO_DHCP_NAK) {
        handle_nak(c, now);
        return;
      }
      if (r.message_type != EXO_DHCP_ACK || !lease_from(&c->offer, &r, now) ||
          (c->state == EXO_DHCP_REQUESTING && r.yiaddr != c->offer.addr)) {
        c->stats.rx_ignored++;
        return;
      }
      c->stats.acks++;
      /* RFC 5227: probe the address before using it. */
      c->state = EXO_DHCP_CHECKING;
      c->probes_sent = 1;
      if (c->env.arp_probe) c->env.arp_probe(c->env.ctx, c->offer.addr);
      c->deadline = now + c->cfg.probe_interval_us;
      return;
    case EXO_DHCP_RENEWING:
    case EXO_DHCP_REBINDING: {
      if (r.message_type == EXO_DHCP_NAK) {
        handle_nak(c, now);
        return;
      }
      struct exo_dhcp_lease l;
      if (r.message_type != EXO_DHCP_ACK || !lease_from(&l, &r, now) || l.addr != c->lease.addr) {
        c->stats.rx_ignored++;
        return;
      }
      if (!l.server_id) l.server_id = c->lease.server_id;
      c->stats.acks++;
      enum exo_dhcp_event ev = c->state == EXO_DHCP_RENEWING ? EXO_DHCP_EV_RENEWED : EXO_DHCP_EV_REBOUND;
      c->lease = l;
      c->state = EXO_DHCP_BOUND;
      schedule_bound(c);
      notify(c, ev, &c->lease);
      return;
    }
    default:
      c->stats.rx_ignored++;
      return;
  }
}

void exo_dhcp_arp_seen(struct exo_dhcp_client *c, uint64_t now, uint32_t ip, struct exo_mac mac) {
  if (c->state != EXO_DHCP_CHECKING || ip != c->offer.addr || exo_mac_eq(mac, c->cfg.mac)) return;
  c->stats.declines++;
  send_message(c, now, EXO_DHCP_DECLINE, 0, c->offer.addr, c->offer.server_id, 0, EXO_IPV4_BROADCAST);
  notify(c, EXO_DHCP_EV_DECLINED, &c->offer);
  c->offer.addr = 0;
  c->state = EXO_DHCP_INIT;
  c->deadline = now + c->cfg.decline_wait_us; /* RFC 2131 3.1.5: wait before trying again */
}

void exo_dhcp_poll(struct exo_dhcp_client *c, uint64_t now) {
  if (now < c->deadline) return;
  switch (c->state) {
    case EXO_DHCP_INIT:
      begin_discovery(c, now);
      return;
    case EXO_DHCP_SELECTING:
      c->stats.retransmits++;
      send_discover(c, now);
      c->deadline = next_retry(c, now);
      return;
    case EXO_DHCP_REQUESTING:
    case EXO_DHCP_REBOOTING:
      /* A reboot gets fewer tries: a server with no record of us stays silent (RFC 2131
       * 4.3.2), and discovery is the way out. */
      if (c->tries >= (c->state == EXO_DHCP_REBOOTING ? EXO_MIN(c->cfg.request_retries, 2)
                                                       : c->cfg.request_retries)) {
        c->offer.addr = 0;
        begin_discovery(c, now);
        return;
      }
      c->stats.retransmits++;
      send_request(c, now);
      c->tries++;
      c->deadline = next_retry(c, now);
      return;
    case EXO_DHCP_CHECKING:
      if (c->probes_sent < c->cfg.probe_count) {
        c->probes_sent++;
        if (c->env.arp_probe) c->env.arp_probe(c->env.ctx, c->offer.addr);
        c->deadline = now + c->cfg.probe_interval_us;
        return;
      }
      c->lease = c->offer;
      c->have_lease = true;
      c->state = EXO_DHCP_BOUND;
      schedule_bound(c);
      notify(c, EXO_DHCP_EV_BOUND, &c->lease);
      return;
    case EXO_DHCP_BOUND: /* T1 */
      c->state = EXO_DHCP_RENEWING;
      c->xid = random32(c);
      send_request(c, now);
      c->deadline = halfway(now, lease_time_us(&c->lease, c->lease.t2_s));
      return;
    case EXO_DHCP_RENEWING:
      if (now >= lease_time_us(&c->lease, c->lease.t2_s)) {
        c->state = EXO_DHCP_REBINDING;
        c->xid = random32(c);
      } else {
        c->stats.retransmits++;
      }
      send_request(c, now);
      c->deadline = c->state == EXO_DHCP_RENEWING
                        ? halfway(now, lease_time_us(&c->lease, c->lease.t2_s))
                        : halfway(now, lease_time_us(&c->lease, c->lease.lease_s));
      return;
    case EXO_DHCP_REBINDING:
      if (now >= lease_time_us(&c->lease, c->lease.lease_s)) {
        lose_lease(c, EXO_DHCP_EV_EXPIRED);
        begin_discovery(c, now);
        return;
      }
      c->stats.retransmits++;
      send_request(c, now);
      c->deadline = halfway(now, lease_time_us(&c->lease, c->lease.lease_s));
      return;
    case EXO_DHCP_STOPPED:
      c->deadline = UINT64_MAX;
      return;
  }
}

uint64_t exo_dhcp_next_deadline(const struct exo_dhcp_client *c) { return c->deadline; }

void exo_dhcp_release(struct exo_dhcp_client *c, uint64_t now) {
  if (c->have_lease) {
    send_message(c, now, EXO_DHCP_RELEASE, c->lease.addr, 0, c->lease.server_id, c->lease.addr,
                 c->lease.server_id);
    lose_lease(c, EXO_DHCP_EV_RELEASED);
  }
  c->state = EXO_DHCP_STOPPED;
  c->deadline = UINT64_MAX;
}

bool exo_dhcp_accepting_unconfigured(const struct exo_dhcp_client *c) {
  return c->state != EXO_DHCP_STOPPED && c->state != EXO_DHCP_BOUND;
}
