/* DHCPv4 messages (RFC 2131) and options (RFC 2132).
 *
 * Invariants: parse reads the 236-byte fixed part and the cookie only after checking
 * len >= 240; every option is checked against the end of its area (options field, and
 * with overload 52 the file then sname fields, RFC 2131 4.1) before its value is read;
 * repr pointers point into buf. A repeated option keeps its first value. The overload
 * option is honoured only in the main options area (an overload inside file/sname
 * would be a loop). Known options must have the length RFC 2132 gives them, otherwise
 * the message is malformed (EXO_WIRE_EBADOPT): the client must not act on a lease
 * with a half-read address. Emit never uses overload: exonet's own messages fit. */
#include "exonet/wire/dhcp.h"

#define DHCP_SNAME_OFF 44
#define DHCP_SNAME_LEN 64
#define DHCP_FILE_OFF 108
#define DHCP_FILE_LEN 128
#define DHCP_BOOTP_MIN 300
#define DHCP_FLAG_BROADCAST 0x8000

int exo_dhcp_options_foreach(const uint8_t *opts, size_t len,
                             void (*fn)(void *ctx, uint8_t code, const uint8_t *val, uint8_t len),
                             void *ctx) {
  size_t i = 0;
  while (i < len) {
    uint8_t code = opts[i];
    if (code == EXO_DHCP_OPT_PAD) {
      i++;
      continue;
    }
    if (code == EXO_DHCP_OPT_END) return EXO_WIRE_OK;
    if (i + 1 >= len) return EXO_WIRE_EBADOPT;
    uint8_t olen = opts[i + 1];
    if (olen > len - i - 2) return EXO_WIRE_EBADOPT;
    fn(ctx, code, opts + i + 2, olen);
    i += 2 + (size_t)olen;
  }
  /* No END: RFC 2131 requires one, but the area ending is just as final; accepted. */
  return EXO_WIRE_OK;
}

struct parse_ctx {
  struct exo_dhcp_repr *r;
  int err;
  bool in_main;        /* overload is only honoured in the main options area */
  bool have_type;
  uint8_t overload;    /* 0, or 1 = file, 2 = sname, 3 = both */
};

/* Records the first value of an option with a fixed-size or multiple-of-4 value. */
static bool first(struct parse_ctx *c, uint32_t bit) {
  if (c->r->present & bit) return false;
  c->r->present |= bit;
  return true;
}

static void fail(struct parse_ctx *c, int err) {
  if (!c->err) c->err = err;
}

static void parse_option(void *vctx, uint8_t code, const uint8_t *v, uint8_t len) {
  struct parse_ctx *c = vctx;
  struct exo_dhcp_repr *r = c->r;
  if (c->err) return;
  switch (code) {
    case EXO_DHCP_OPT_SUBNET_MASK:
      if (len != 4) { fail(c, EXO_WIRE_EBADOPT); return; }
      if (first(c, EXO_DHCP_HAS_SUBNET_MASK)) r->subnet_mask = exo_rd32(v);
      break;
    case EXO_DHCP_OPT_ROUTER:
    case EXO_DHCP_OPT_DNS: {
      if (len < 4 || len % 4 != 0) { fail(c, EXO_WIRE_EBADOPT); return; }
      bool router = code == EXO_DHCP_OPT_ROUTER;
      if (!first(c, router ? EXO_DHCP_HAS_ROUTER : EXO_DHCP_HAS_DNS)) break;
      unsigned max = router ? EXO_DHCP_MAX_ROUTERS : EXO_DHCP_MAX_DNS;
      unsigned n = len / 4u > max ? max : len / 4u; /* extra addresses are ignored */
      uint32_t *out = router ? r->routers : r->dns;
      for (unsigned k = 0; k < n; k++) out[k] = exo_rd32(v + 4 * k);
      if (router) r->router_count = (uint8_t)n;
      else r->dns_count = (uint8_t)n;
      break;
    }
    case EXO_DHCP_OPT_HOSTNAME:
    case EXO_DHCP_OPT_DOMAIN_NAME:
    case EXO_DHCP_OPT_PARAM_REQUEST:
    case EXO_DHCP_OPT_MESSAGE:
      if (len < 1) { fail(c, EXO_WIRE_EBADOPT); return; }
      if (code == EXO_DHCP_OPT_HOSTNAME && first(c, EXO_DHCP_HAS_HOSTNAME)) {
        r->hostname = v;
        r->hostname_len = len;
      } else if (code == EXO_DHCP_OPT_DOMAIN_NAME && first(c, EXO_DHCP_HAS_DOMAIN_NAME)) {
        r->domain_name = v;
        r->domain_name_len = len;
      } else if (code == EXO_DHCP_OPT_PARAM_REQUEST && first(c, EXO_DHCP_HAS_PARAM_REQUEST)) {
        r->param_request = v;
        r->param_request_len = len;
      } else if (code == EXO_DHCP_OPT_MESSAGE && first(c, EXO_DHCP_HAS_MESSAGE)) {
        r->message = v;
        r->message_len = len;
      }
      break;
    case EXO_DHCP_OPT_CLIENT_ID:
      if (len < 2) { fail(c, EXO_WIRE_EBADOPT); return; } /* type + at least one byte */
      if (first(c, EXO_DHCP_HAS_CLIENT_ID)) {
        r->client_id = v;
        r->client_id_len = len;
      }
      break;
    case EXO_DHCP_OPT_MTU:
    case EXO_DHCP_OPT_MAX_MSG_SIZE:
      if (len != 2) { fail(c, EXO_WIRE_EBADOPT); return; }
      if (code == EXO_DHCP_OPT_MTU) {
        if (first(c, EXO_DHCP_HAS_MTU)) r->mtu = exo_rd16(v);
      } else if (first(c, EXO_DHCP_HAS_MAX_MSG_SIZE)) {
        r->max_msg_size = exo_rd16(v);
      }
      break;
    case EXO_DHCP_OPT_BROADCAST:
    case EXO_DHCP_OPT_REQUESTED_IP:
    case EXO_DHCP_OPT_LEASE_TIME:
    case EXO_DHCP_OPT_SERVER_ID:
    case EXO_DHCP_OPT_RENEWAL_TIME:
    case EXO_DHCP_OPT_REBINDING_TIME: {
      if (len != 4) { fail(c, EXO_WIRE_EBADOPT); return; }
      uint32_t val = exo_rd32(v);
      if (code == EXO_DHCP_OPT_BROADCAST) {
        if (first(c, EXO_DHCP_HAS_BROADCAST)) r->broadcast_addr = val;
      } else if (code == EXO_DHCP_OPT_REQUESTED_IP) {
        if (first(c, EXO_DHCP_HAS_REQUESTED_IP)) r->requested_ip = val;
      } else if (code == EXO_DHCP_OPT_LEASE_TIME) {
        if (first(c, EXO_DHCP_HAS_LEASE_TIME)) r->lease_time = val;
      } else if (code == EXO_DHCP_OPT_SERVER_ID) {
        if (first(c, EXO_DHCP_HAS_SERVER_ID)) r->server_id = val;
      } else if (code == EXO_DHCP_OPT_RENEWAL_TIME) {
        if (first(c, EXO_DHCP_HAS_RENEWAL_TIME)) r->renewal_time = val;
      } else if (first(c, EXO_DHCP_HAS_REBINDING_TIME)) {
        r->rebinding_time = val;
      }
      break;
    }
    case EXO_DHCP_OPT_MESSAGE_TYPE:
      if (len != 1) { fail(c, EXO_WIRE_EBADOPT); return; }
      if (v[0] < EXO_DHCP_DISCOVER || v[0] > EXO_DHCP_INFORM) { fail(c, EXO_WIRE_EBADFIELD); return; }
      if (!c->have_type) {
        c->have_type = true;
        r->message_type = v[0];
      }
      break;
    case EXO_DHCP_OPT_OVERLOAD:
      if (len != 1) { fail(c, EXO_WIRE_EBADOPT); return; }
      if (v[0] < 1 || v[0] > 3) { fail(c, EXO_WIRE_EBADFIELD); return; }
      if (c->in_main && c->overload == 0) c->overload = v[0];
      break;
    default:
      break; /* options exonet does not use are skipped */
  }
}

int exo_dhcp_parse(const uint8_t *buf, size_t len, struct exo_dhcp_repr *repr) {
  if (len < EXO_DHCP_FIXED_LEN) return EXO_WIRE_ETRUNCATED;
  if (buf[0] != EXO_BOOTREQUEST && buf[0] != EXO_BOOTREPLY) return EXO_WIRE_EBADFIELD;
  if (buf[1] != 1 || buf[2] != 6) return EXO_WIRE_EHWTYPE;
  if (len < EXO_DHCP_MIN_LEN) return EXO_WIRE_ETRUNCATED;
  if (exo_rd32(buf + EXO_DHCP_FIXED_LEN) != EXO_DHCP_MAGIC) return EXO_WIRE_EMAGIC;
  exo_memset(repr, 0, sizeof *repr);
  repr->op = buf[0];
  repr->hops = buf[3];
  repr->xid = exo_rd32(buf + 4);
  repr->secs = exo_rd16(buf + 8);
  repr->broadcast = (exo_rd16(buf + 10) & DHCP_FLAG_BROADCAST) != 0;
  repr->ciaddr = exo_rd32(buf + 12);
  repr->yiaddr = exo_rd32(buf + 16);
  repr->siaddr = exo_rd32(buf + 20);
  repr->giaddr = exo_rd32(buf + 24);
  exo_memcpy(repr->chaddr.b, buf + 28, 6);

  struct parse_ctx c = {.r = repr, .in_main = true};
  int err = exo_dhcp_options_foreach(buf + EXO_DHCP_MIN_LEN, len - EXO_DHCP_MIN_LEN,
                                     parse_option, &c);
  if (err) return err;
  if (c.err) return c.err;
  c.in_main = false;
  if (c.overload & 1) {
    err = exo_dhcp_options_foreach(buf + DHCP_FILE_OFF, DHCP_FILE_LEN, parse_option, &c);
    if (err) return err;
    if (c.err) return c.err;
  }
  if (c.overload & 2) {
    err = exo_dhcp_options_foreach(buf + DHCP_SNAME_OFF, DHCP_SNAME_LEN, parse_option, &c);
    if (err) return err;
    if (c.err) return c.err;
  }
  return EXO_WIRE_OK;
}

/* Option layout for emit: one table so that emit_len and emit cannot disagree. */
static size_t var_opt(uint32_t present, uint32_t bit, uint8_t len) {
  return (present & bit) ? 2 + (size_t)len : 0;
}

static int check_emittable(const struct exo_dhcp_repr *r) {
  uint32_t p = r->present;
  if (r->message_type > EXO_DHCP_INFORM) return EXO_WIRE_EBADFIELD;
  if ((p & EXO_DHCP_HAS_ROUTER) && (r->router_count < 1 || r->router_count > EXO_DHCP_MAX_ROUTERS))
    return EXO_WIRE_EBADFIELD;
  if ((p & EXO_DHCP_HAS_DNS) && (r->dns_count < 1 || r->dns_count > EXO_DHCP_MAX_DNS))
    return EXO_WIRE_EBADFIELD;
  if (((p & EXO_DHCP_HAS_HOSTNAME) && (!r->hostname || r->hostname_len < 1)) ||
      ((p & EXO_DHCP_HAS_DOMAIN_NAME) && (!r->domain_name || r->domain_name_len < 1)) ||
      ((p & EXO_DHCP_HAS_PARAM_REQUEST) && (!r->param_request || r->param_request_len < 1)) ||
      ((p & EXO_DHCP_HAS_MESSAGE) && (!r->message || r->message_len < 1)) ||
      ((p & EXO_DHCP_HAS_CLIENT_ID) && (!r->client_id || r->client_id_len < 2)))
    return EXO_WIRE_EBADFIELD;
  return EXO_WIRE_OK;
}

static size_t options_len(const struct exo_dhcp_repr *r) {
  uint32_t p = r->present;
  size_t n = r->message_type ? 3 : 0;
  n += var_opt(p, EXO_DHCP_HAS_CLIENT_ID, r->client_id_len);
  n += (p & EXO_DHCP_HAS_REQUESTED_IP) ? 6 : 0;
  n += (p & EXO_DHCP_HAS_SERVER_ID) ? 6 : 0;
  n += (p & EXO_DHCP_HAS_LEASE_TIME) ? 6 : 0;
  n += (p & EXO_DHCP_HAS_RENEWAL_TIME) ? 6 : 0;
  n += (p & EXO_DHCP_HAS_REBINDING_TIME) ? 6 : 0;
  n += (p & EXO_DHCP_HAS_SUBNET_MASK) ? 6 : 0;
  n += (p & EXO_DHCP_HAS_ROUTER) ? 2 + 4 * (size_t)r->router_count : 0;
  n += (p & EXO_DHCP_HAS_DNS) ? 2 + 4 * (size_t)r->dns_count : 0;
  n += var_opt(p, EXO_DHCP_HAS_HOSTNAME, r->hostname_len);
  n += var_opt(p, EXO_DHCP_HAS_DOMAIN_NAME, r->domain_name_len);
  n += (p & EXO_DHCP_HAS_MTU) ? 4 : 0;
  n += (p & EXO_DHCP_HAS_BROADCAST) ? 6 : 0;
  n += var_opt(p, EXO_DHCP_HAS_PARAM_REQUEST, r->param_request_len);
  n += (p & EXO_DHCP_HAS_MAX_MSG_SIZE) ? 4 : 0;
  n += var_opt(p, EXO_DHCP_HAS_MESSAGE, r->message_len);
  return n + 1; /* END */
}

size_t exo_dhcp_emit_len(const struct exo_dhcp_repr *repr) {
  size_t n = EXO_DHCP_MIN_LEN + options_len(repr);
  return n < DHCP_BOOTP_MIN ? DHCP_BOOTP_MIN : n;
}

static uint8_t *put_u32(uint8_t *p, uint8_t code, uint32_t v) {
  p[0] = code;
  p[1] = 4;
  exo_wr32(p + 2, v);
  return p + 6;
}

static uint8_t *put_u16(uint8_t *p, uint8_t code, uint16_t v) {
  p[0] = code;
  p[1] = 2;
  exo_wr16(p + 2, v);
  return p + 4;
}

static uint8_t *put_bytes(uint8_t *p, uint8_t code, const uint8_t *v, uint8_t len) {
  p[0] = code;
  p[1] = len;
  exo_memcpy(p + 2, v, len);
  return p + 2 + len;
}

static uint8_t *put_addrs(uint8_t *p, uint8_t code, const uint32_t *a, uint8_t n) {
  p[0] = code;
  p[1] = (uint8_t)(4 * n);
  for (unsigned k = 0; k < n; k++) exo_wr32(p + 2 + 4 * k, a[k]);
  return p + 2 + 4 * (size_t)n;
}

int exo_dhcp_emit(const struct exo_dhcp_repr *repr, uint8_t *buf, size_t cap) {
  int err = check_emittable(repr);
  if (err) return err;
  size_t total = exo_dhcp_emit_len(repr);
  if (cap < total) return EXO_WIRE_ENOSPC;
  const struct exo_dhcp_repr *r = repr;
  uint32_t p = r->present;
  exo_memset(buf, 0, total);
  buf[0] = r->op;
  buf[1] = 1;
  buf[2] = 6;
  buf[3] = r->hops;
  exo_wr32(buf + 4, r->xid);
  exo_wr16(buf + 8, r->secs);
  exo_wr16(buf + 10, r->broadcast ? DHCP_FLAG_BROADCAST : 0);
  exo_wr32(buf + 12, r->ciaddr);
  exo_wr32(buf + 16, r->yiaddr);
  exo_wr32(buf + 20, r->siaddr);
  exo_wr32(buf + 24, r->giaddr);
  exo_memcpy(buf + 28, r->chaddr.b, 6);
  exo_wr32(buf + EXO_DHCP_FIXED_LEN, EXO_DHCP_MAGIC);
  uint8_t *o = buf + EXO_DHCP_MIN_LEN;
  if (r->message_type) {
    o[0] = EXO_DHCP_OPT_MESSAGE_TYPE;
    o[1] = 1;
    o[2] = r->message_type;
    o += 3;
  }
  if (p & EXO_DHCP_HAS_CLIENT_ID) o = put_bytes(o, EXO_DHCP_OPT_CLIENT_ID, r->client_id, r->client_id_len);
  if (p & EXO_DHCP_HAS_REQUESTED_IP) o = put_u32(o, EXO_DHCP_OPT_REQUESTED_IP, r->requested_ip);
  if (p & EXO_DHCP_HAS_SERVER_ID) o = put_u32(o, EXO_DHCP_OPT_SERVER_ID, r->server_id);
  if (p & EXO_DHCP_HAS_LEASE_TIME) o = put_u32(o, EXO_DHCP_OPT_LEASE_TIME, r->lease_time);
  if (p & EXO_DHCP_HAS_RENEWAL_TIME) o = put_u32(o, EXO_DHCP_OPT_RENEWAL_TIME, r->renewal_time);
  if (p & EXO_DHCP_HAS_REBINDING_TIME) o = put_u32(o, EXO_DHCP_OPT_REBINDING_TIME, r->rebinding_time);
  if (p & EXO_DHCP_HAS_SUBNET_MASK) o = put_u32(o, EXO_DHCP_OPT_SUBNET_MASK, r->subnet_mask);
  if (p & EXO_DHCP_HAS_ROUTER) o = put_addrs(o, EXO_DHCP_OPT_ROUTER, r->routers, r->router_count);
  if (p & EXO_DHCP_HAS_DNS) o = put_addrs(o, EXO_DHCP_OPT_DNS, r->dns, r->dns_count);
  if (p & EXO_DHCP_HAS_HOSTNAME) o = put_bytes(o, EXO_DHCP_OPT_HOSTNAME, r->hostname, r->hostname_len);
  if (p & EXO_DHCP_HAS_DOMAIN_NAME)
    o = put_bytes(o, EXO_DHCP_OPT_DOMAIN_NAME, r->domain_name, r->domain_name_len);
  if (p & EXO_DHCP_HAS_MTU) o = put_u16(o, EXO_DHCP_OPT_MTU, r->mtu);
  if (p & EXO_DHCP_HAS_BROADCAST) o = put_u32(o, EXO_DHCP_OPT_BROADCAST, r->broadcast_addr);
  if (p & EXO_DHCP_HAS_PARAM_REQUEST)
    o = put_bytes(o, EXO_DHCP_OPT_PARAM_REQUEST, r->param_request, r->param_request_len);
  if (p & EXO_DHCP_HAS_MAX_MSG_SIZE) o = put_u16(o, EXO_DHCP_OPT_MAX_MSG_SIZE, r->max_msg_size);
  if (p & EXO_DHCP_HAS_MESSAGE) o = put_bytes(o, EXO_DHCP_OPT_MESSAGE, r->message, r->message_len);
  *o = EXO_DHCP_OPT_END; /* the rest is already zero (PAD) up to `total` */
  return (int)total;
}
