/* exo_link: the device chain (backend -> fault injector -> pcap tracer) under a net,
 * and the shared command-line options (see include/exonet/link.h). */
#include "exonet/link.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "exonet/dev/pcap_tracer.h"
#include "exonet/dev/tap.h"
#include "exonet/host.h"

struct exo_link {
  struct exo_tap *tap;
  struct exo_fault *fault;
  struct exo_pcap_tracer *tracer;
  struct exo_platform platform;
  struct exo_net *net;
};

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
  static const char *const with_value[] = {"--tap", "--addr", "--gw", "--mac", "--pcap", "--loss",
                                           "--dup", "--reorder", "--corrupt", "--fault-seed", "--cc"};
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
         "  --mac MAC           interface MAC (default: random, locally administered)\n"
         "  --pcap FILE         capture every frame to FILE\n"
         "  --loss PCT --dup PCT --reorder PCT --corrupt PCT [--fault-seed N]\n"
         "                      inject faults in both directions with exonet's fault device\n"
         "  --cc cubic|newreno  TCP congestion control (default cubic)\n";
}

struct exo_link *exo_link_open(const struct exo_link_options *o, char *err, size_t errlen) {
  if (!o->tap) {
    snprintf(err, errlen, "no network: give --tap NAME");
    return NULL;
  }
  if (!o->addr) {
    snprintf(err, errlen, "no address: give --addr A/NN");
    return NULL;
  }
  struct exo_link *l = calloc(1, sizeof *l);
  if (!l || !(l->tap = calloc(1, sizeof *l->tap))) {
    free(l);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  l->platform = exo_host_platform();
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
  if (o->have_mac) {
    cfg.mac = o->mac;
  } else {
    if (getrandom(cfg.mac.b, sizeof cfg.mac.b, 0) != (ssize_t)sizeof cfg.mac.b) cfg.mac.b[5] = 1;
    cfg.mac.b[0] = (uint8_t)((cfg.mac.b[0] & 0xfe) | 0x02); /* unicast, locally administered */
  }
  cfg.tcp_cc = o->cc;
  l->net = exo_net_create(&cfg, dev);
  if (!l->net) {
    snprintf(err, errlen, "cannot start the stack: %s", strerror(errno));
    exo_link_close(l);
    return NULL;
  }
  return l;
}

struct exo_net *exo_link_net(struct exo_link *l) { return l->net; }

void exo_link_close(struct exo_link *l) {
  if (!l) return;
  exo_net_destroy(l->net);
  exo_pcap_tracer_destroy(l->tracer);
  exo_fault_destroy(l->fault);
  if (l->tap) exo_tap_close(l->tap);
  free(l->tap);
  free(l);
}
