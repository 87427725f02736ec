/* exo_link: the device chain (backend -> fault injector -> pcap tracer) under a net,
 * and the shared command-line options (see include/exonet/link.h). */
#include "exonet/link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "exonet/dev/pcap_tracer.h"
#include "exonet/dev/tap.h"
#include "exonet/host.h"
#include "sock/sock_int.h"

struct exo_link {
  pthread_mutex_t lock; /* guards `bound` (set from the engine thread) */
  pthread_cond_t bound_cond;
  bool bound;
  bool dhcp;
  FILE *dhcp_log;
  const char *lease_file;
  struct exo_mac mac;
  bool have_remembered;
  struct exo_dhcp_lease remembered;
  struct exo_tap *tap;
  struct exo_fault *fault;
  struct exo_pcap_tracer *tracer;
  struct exo_platform platform;
  struct exo_net *net;
};


static bool start_dhcp(struct exo_link *l, const struct exo_link_options *o, char *err, size_t errlen);

static int parse_ipv4(const char *text, uint32_t *out) {
  struct in_addr a;
  if (inet_pton(AF_INET, text, &a) != 1) return -1;
  *out = ntohl(a.s_addr);
  return 0;
}

static int parse_percent_ppm(const char *text, uint32_t *ppm) {
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (errno || *end || !(v >= 0.0 && v <= 100.0)) return -1;
  *ppm = (uint32_t)(v * 10000.0 + 0.5);
  return 0;
}

int exo_link_parse_option(struct exo_link_options *o, int argc, char **argv, int *i,
                          char *err, size_t errlen) {
  const char *opt = argv[*i];
  if (strcmp(opt, "--dhcp") == 0) {
    o->dhcp = true;
    *i += 1;
    return 1;
  }
  static const char *const with_value[] = {"--tap",     "--addr",       "--gw",   "--mac",
                                           "--pcap",    "--loss",       "--dup",  "--reorder",
                                           "--corrupt", "--fault-seed", "--cc",   "--dhcp-lease-file"};
  bool known = false;
  for (size_t k = 0; k < sizeof with_value / sizeof *with_value; k++)
    if (strcmp(opt, with_value[k]) == 0) known = true;
  if (!known) return 0;
  if (*i + 1 >= argc) {
    snprintf(err, errlen, "%s needs a value", opt);
    return -1;
  }
  const char *val = argv[*i + 1];
  *i += 2;
  if (strcmp(opt, "--tap") == 0) {
    if (strlen(val) == 0 || strlen(val) > 15) {
      snprintf(err, errlen, "--tap: bad device name '%s' (1 to 15 characters)", val);
      return -1;
    }
    o->tap = val;
  } else if (strcmp(opt, "--addr") == 0) {
    char ip[32];
    const char *slash = strchr(val, '/');
    size_t n = slash ? (size_t)(slash - val) : strlen(val);
    char *end = NULL;
    long prefix = slash ? strtol(slash + 1, &end, 10) : -1;
    if (!slash || n >= sizeof ip || *end || prefix < 1 || prefix > 32) {
      snprintf(err, errlen, "--addr: expected ADDRESS/PREFIX such as 10.0.0.2/24, got '%s'", val);
      return -1;
    }
    memcpy(ip, val, n);
    ip[n] = '\0';
    if (parse_ipv4(ip, &o->addr) != 0) {
      snprintf(err, errlen, "--addr: '%s' is not an IPv4 address", ip);
      return -1;
    }
    o->netmask = prefix == 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1);
  } else if (strcmp(opt, "--gw") == 0) {
    if (parse_ipv4(val, &o->gateway) != 0) {
      snprintf(err, errlen, "--gw: '%s' is not an IPv4 address", val);
      return -1;
    }
  } else if (strcmp(opt, "--mac") == 0) {
    unsigned b[6];
    char extra;
    if (sscanf(val, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &extra) != 6 ||
        b[0] > 255 || b[1] > 255 || b[2] > 255 || b[3] > 255 || b[4] > 255 || b[5] > 255 ||
        (b[0] & 1)) {
      snprintf(err, errlen, "--mac: '%s' is not a unicast MAC address", val);
      return -1;
    }
    for (int k = 0; k < 6; k++) o->mac.b[k] = (uint8_t)b[k];
    o->have_mac = true;
  } else if (strcmp(opt, "--pcap") == 0) {
    o->pcap = val;
  } else if (strcmp(opt, "--dhcp-lease-file") == 0) {
    o->dhcp_lease_file = val;
  } else if (strcmp(opt, "--cc") == 0) {
    if (strcmp(val, "cubic") != 0 && strcmp(val, "newreno") != 0) {
      snprintf(err, errlen, "--cc: expected cubic or newreno, got '%s'", val);
      return -1;
    }
    o->cc = val;
  } else if (strcmp(opt, "--fault-seed") == 0) {
    char *end;
    errno = 0;
    o->fault_seed = strtoull(val, &end, 10);
    if (errno || *end || *val == '-') {
      snprintf(err, errlen, "--fault-seed: '%s' is not a number", val);
      return -1;
    }
  } else {
    uint32_t *field = strcmp(opt, "--loss") == 0    ? &o->fault.loss_ppm
                      : strcmp(opt, "--dup") == 0   ? &o->fault.dup_ppm
                      : strcmp(opt, "--reorder") == 0 ? &o->fault.reorder_ppm
                                                      : &o->fault.corrupt_ppm;
    if (parse_percent_ppm(val, field) != 0) {
      snprintf(err, errlen, "%s: expected a percentage from 0 to 100, got '%s'", opt, val);
      return -1;
    }
    o->faults = true;
  }
  return 1;
}

const char *exo_link_usage(void) {
  return "network options:\n"
         "  --tap NAME          run on the TAP device NAME (attached if it exists, else created)\n"
         "  --addr A/NN         interface address and prefix length, e.g. 10.0.0.2/24\n"
         "  --gw G              default gateway\n"
         "  --dhcp              configure the interface with DHCP instead of --addr\n"
         "  --dhcp-lease-file F remember the lease in F; start from it next time (INIT-REBOOT)\n"
         "  --mac MAC           interface MAC (default: random, locally administered)\n"
         "  --pcap FILE         capture every frame to FILE\n"
         "  --loss PCT --dup PCT --reorder PCT --corrupt PCT [--fault-seed N]\n"
         "                      inject faults in both directions with exonet's fault device\n"
         "  --cc cubic|newreno  TCP congestion control (default cubic)\n";
}

static void print_lease(FILE *out, const char *what, const struct exo_dhcp_lease *l) {
  char a[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
  struct in_addr ia = {.s_addr = htonl(l->addr)}, im = {.s_addr = htonl(l->netmask)},
                 ig = {.s_addr = htonl(l->gateway)};
  fprintf(out, "%s: %s/%s via %s", what, inet_ntop(AF_INET, &ia, a, sizeof a),
          inet_ntop(AF_INET, &im, m, sizeof m),
          l->gateway ? inet_ntop(AF_INET, &ig, g, sizeof g) : "(no gateway)");
  for (int i = 0; i < l->dns_count; i++) {
    struct in_addr id = {.s_addr = htonl(l->dns[i])};
    fprintf(out, "%s%s", i ? " " : ", DNS ", inet_ntop(AF_INET, &id, d, sizeof d));
  }
  if (l->domain[0]) fprintf(out, ", domain %s", l->domain);
  if (l->lease_s != 0xffffffffu) fprintf(out, ", lease %u s", l->lease_s);
  fputc('\n', out);
  fflush(out);
}

/* The lease file is one line: "exonet-lease MAC ADDR MASK GATEWAY SERVER LEASE_S",
 * addresses as host-order integers. The MAC is kept because a lease belongs to the
 * client identifier (our MAC): reusing the address with a new MAC would be refused.
 * Anything malformed is ignored (a fresh DISCOVER is always safe). */
static bool read_lease(const char *path, struct exo_mac *mac, struct exo_dhcp_lease *l) {
  FILE *f = path ? fopen(path, "r") : NULL;
  if (!f) return false;
  unsigned b[6], a, m, g, sv, secs;
  bool ok = fscanf(f, "exonet-lease %x:%x:%x:%x:%x:%x %u %u %u %u %u", &b[0], &b[1], &b[2], &b[3],
                   &b[4], &b[5], &a, &m, &g, &sv, &secs) == 11 &&
            a != 0 && b[0] < 256 && b[1] < 256 && b[2] < 256 && b[3] < 256 && b[4] < 256 &&
            b[5] < 256 && !(b[0] & 1);
  fclose(f);
  if (!ok) return false;
  for (int i = 0; i < 6; i++) mac->b[i] = (uint8_t)b[i];
  memset(l, 0, sizeof *l);
  l->addr = a;
  l->netmask = m;
  l->gateway = g;
  l->server_id = sv;
  l->lease_s = secs;
  return true;
}

static void write_lease(const char *path, struct exo_mac mac, const struct exo_dhcp_lease *l) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) return;
  fprintf(f, "exonet-lease %02x:%02x:%02x:%02x:%02x:%02x %u %u %u %u %u\n", mac.b[0], mac.b[1],
          mac.b[2], mac.b[3], mac.b[4], mac.b[5], l->addr, l->netmask, l->gateway, l->server_id,
          l->lease_s);
  if (fclose(f) == 0) rename(tmp, path); /* never leave a half-written file behind */
}

/* Called by the stack from the engine thread, with the net locked. */
static void on_dhcp_event(void *ctx, enum exo_dhcp_event ev, const struct exo_dhcp_lease *lease) {
  struct exo_link *l = ctx;
  FILE *out = l->dhcp_log;
  if (out) {
    switch (ev) {
      case EXO_DHCP_EV_STARTED: fprintf(out, "IP configuration started\n"); fflush(out); break;
      case EXO_DHCP_EV_BOUND: print_lease(out, "IP configuration complete", lease); break;
      case EXO_DHCP_EV_RENEWED: print_lease(out, "IP configuration renewed", lease); break;
      case EXO_DHCP_EV_REBOUND: print_lease(out, "IP configuration rebound", lease); break;
      case EXO_DHCP_EV_EXPIRED: print_lease(out, "IP configuration lost (lease expired)", lease); break;
      case EXO_DHCP_EV_NAK:
        if (lease) print_lease(out, "IP configuration lost (server refused it: NAK)", lease);
        else fprintf(out, "IP configuration refused by the server (NAK); starting over\n");
        fflush(out);
        break;
      case EXO_DHCP_EV_DECLINED:
        if (lease) print_lease(out, "IP address in use by another host: declined", lease);
        fflush(out);
        break;
      case EXO_DHCP_EV_RELEASED: print_lease(out, "IP configuration released", lease); break;
    }
  }
  if (l->lease_file) {
    if (ev == EXO_DHCP_EV_BOUND || ev == EXO_DHCP_EV_RENEWED || ev == EXO_DHCP_EV_REBOUND)
      write_lease(l->lease_file, l->mac, lease);
    else if (ev == EXO_DHCP_EV_EXPIRED || ev == EXO_DHCP_EV_NAK || ev == EXO_DHCP_EV_DECLINED ||
             ev == EXO_DHCP_EV_RELEASED)
      unlink(l->lease_file); /* not ours any more: do not ask for it again */
  }
  if (ev == EXO_DHCP_EV_BOUND) {
    pthread_mutex_lock(&l->lock);
    l->bound = true;
    pthread_cond_broadcast(&l->bound_cond);
    pthread_mutex_unlock(&l->lock);
  }
}

struct dhcp_start_args {
  struct exo_link *link;
  const struct exo_link_options *o;
  int rc;
};

static void dhcp_start_locked(struct exo_stack *st, void *arg) {
  struct dhcp_start_args *a = arg;
  struct exo_dhcp_config cfg = {.first_retry_us = 0};
  if (a->link->have_remembered) cfg.remembered = &a->link->remembered;
  char host[64] = {0};
  if (gethostname(host, sizeof host - 1) == 0 && host[0]) cfg.hostname = host; /* option 12 */
  /* Linux's dhclient asks for replies to be broadcast only when it cannot take unicast
   * before it has an address; exonet can, so the flag stays clear. */
  a->rc = exo_stack_dhcp_start(st, exo__sock_now(), &cfg, on_dhcp_event, a->link);
}

static bool start_dhcp(struct exo_link *l, const struct exo_link_options *o, char *err, size_t errlen) {
  l->dhcp = true;
  l->dhcp_log = o->dhcp_log;
  l->lease_file = o->dhcp_lease_file;
  struct dhcp_start_args a = {.link = l, .o = o};
  exo_net_locked(l->net, dhcp_start_locked, &a);
  if (a.rc < 0) {
    snprintf(err, errlen, "cannot start DHCP: %s", strerror(-a.rc));
    return false;
  }
  unsigned secs = o->dhcp_timeout_s ? o->dhcp_timeout_s : 30;
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += secs;
  pthread_mutex_lock(&l->lock);
  while (!l->bound && pthread_cond_timedwait(&l->bound_cond, &l->lock, &until) == 0) {
  }
  bool ok = l->bound;
  pthread_mutex_unlock(&l->lock);
  if (!ok) snprintf(err, errlen, "no DHCP lease after %u s (is a DHCP server on the link?)", secs);
  return ok;
}

struct exo_link *exo_link_open(const struct exo_link_options *o, char *err, size_t errlen) {
  if (!o->tap) {
    snprintf(err, errlen, "no network: give --tap NAME");
    return NULL;
  }
  if (!o->addr && !o->dhcp) {
    snprintf(err, errlen, "no address: give --addr A/NN or --dhcp");
    return NULL;
  }
  if (o->addr && o->dhcp) {
    snprintf(err, errlen, "give either --addr or --dhcp, not both");
    return NULL;
  }
  struct exo_link *l = calloc(1, sizeof *l);
  if (!l || !(l->tap = calloc(1, sizeof *l->tap))) {
    free(l);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  l->platform = exo_host_platform();
  pthread_mutex_init(&l->lock, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&l->bound_cond, &ca);
  pthread_condattr_destroy(&ca);
  int rc = exo_tap_open(l->tap, o->tap, EXO_TAP_CREATE | EXO_TAP_UP);
  if (rc < 0) {
    snprintf(err, errlen, "cannot open TAP device %s: %s%s", o->tap, strerror(-rc),
             rc == -EPERM ? " (needs CAP_NET_ADMIN, e.g. root)" : "");
    free(l->tap);
    free(l);
    return NULL;
  }
  struct exo_device dev = exo_tap_device(l->tap);
  if (o->faults) {
    rc = exo_fault_create(&l->platform, dev, &o->fault, &o->fault, o->fault_seed, &l->fault);
    if (rc < 0) {
      snprintf(err, errlen, "cannot set up fault injection: %s", strerror(-rc));
      exo_link_close(l);
      return NULL;
    }
    dev = exo_fault_device(l->fault);
  }
  if (o->pcap) {
    rc = exo_pcap_tracer_create(dev, o->pcap, 0, &l->tracer);
    if (rc < 0) {
      snprintf(err, errlen, "cannot write capture %s", o->pcap);
      exo_link_close(l);
      return NULL;
    }
    dev = exo_pcap_tracer_device(l->tracer);
  }
  struct exo_stack_config cfg = {.addr = o->addr, .netmask = o->netmask, .gateway = o->gateway};
  struct exo_mac remembered_mac;
  if (o->dhcp && read_lease(o->dhcp_lease_file, &remembered_mac, &l->remembered))
    l->have_remembered = true;
  if (o->have_mac) {
    cfg.mac = o->mac;
  } else if (l->have_remembered) {
    cfg.mac = remembered_mac; /* the lease is bound to it */
  } else {
    if (getrandom(cfg.mac.b, sizeof cfg.mac.b, 0) != (ssize_t)sizeof cfg.mac.b) cfg.mac.b[5] = 1;
    cfg.mac.b[0] = (uint8_t)((cfg.mac.b[0] & 0xfe) | 0x02); /* unicast, locally administered */
  }
  cfg.tcp_cc = o->cc;
  l->mac = cfg.mac;
  l->net = exo_net_create(&cfg, dev);
  if (!l->net) {
    snprintf(err, errlen, "cannot start the stack: %s", strerror(errno));
    exo_link_close(l);
    return NULL;
  }
  if (o->dhcp && !start_dhcp(l, o, err, errlen)) {
    exo_link_close(l);
    return NULL;
  }
  return l;
}

struct exo_net *exo_link_net(struct exo_link *l) { return l->net; }

static void get_addr_locked(struct exo_stack *st, void *arg) {
  exo_stack_get_addr(st, arg, NULL, NULL);
}

uint32_t exo_link_addr(struct exo_link *l) {
  uint32_t addr = 0;
  exo_net_locked(l->net, get_addr_locked, &addr);
  return addr;
}

static void arp_queued_locked(struct exo_stack *st, void *arg) {
  *(size_t *)arg = exo_stack_arp_queued(st);
}

static void dhcp_release_locked(struct exo_stack *st, void *arg) {
  (void)arg;
  exo_stack_dhcp_release(st, exo__sock_now());
}

void exo_link_close(struct exo_link *l) {
  if (!l) return;
  if (l->net && l->dhcp) {
    exo_net_locked(l->net, dhcp_release_locked, NULL); /* RELEASE */
    /* The RELEASE may wait for the server's MAC: give ARP up to a second to send it. */
    for (int i = 0; i < 100; i++) {
      size_t queued = 0;
      exo_net_locked(l->net, arp_queued_locked, &queued);
      if (queued == 0) break;
      struct timespec ts = {.tv_nsec = 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
  exo_net_destroy(l->net);
  exo_pcap_tracer_destroy(l->tracer);
  exo_fault_destroy(l->fault);
  if (l->tap) exo_tap_close(l->tap);
  free(l->tap);
  pthread_cond_destroy(&l->bound_cond);
  pthread_mutex_destroy(&l->lock);
  free(l);
}
