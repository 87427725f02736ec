/* A ready-to-use exonet network for programs: a backend device, optionally wrapped by
 * the fault injector and the pcap tracer, and a running `struct exo_net` (stack +
 * progress engine) on top. It also parses the command-line options every exonet
 * program shares (CLI.md), so they all spell them the same way:
 *
 *   --tap NAME            run on the TAP device NAME (attached, or created)
 *   --addr A/NN           interface address and prefix length
 *   --gw G                default gateway
 *   --dhcp                configure the interface with DHCP instead (exo_link_open waits
 *                         for the first lease and, on close, releases it)
 *   --dhcp-lease-file F   remember the lease in F and start from it next time
 *                         (INIT-REBOOT: ask for the same address without discovery);
 *                         an orderly exit releases the lease and removes F, so this is
 *                         for restarts after a crash, a kill or a power loss
 *   --mac XX:XX:..        interface MAC (default: random, locally administered)
 *   --pcap FILE           write every frame crossing the device to FILE
 *   --loss PCT --dup PCT --reorder PCT --corrupt PCT [--fault-seed N]
 *                         inject faults in both directions (exonet's own fault device)
 *   --cc cubic|newreno    TCP congestion control */
#ifndef EXONET_LINK_H
#define EXONET_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "exonet/dev/fault.h"
#include "exonet/socket.h"

struct exo_link_options {
  const char *tap;
  uint32_t addr, netmask, gateway; /* host byte order */
  bool have_mac;
  struct exo_mac mac;
  const char *pcap;
  bool faults;
  struct exo_fault_config fault; /* applied to both directions */
  uint64_t fault_seed;
  const char *cc;
  bool dhcp;
  /* With dhcp: where to print "IP configuration started", "IP configuration complete:
   * ADDRESS/MASK via GATEWAY" and every later change (NULL = print nothing). */
  FILE *dhcp_log;
  unsigned dhcp_timeout_s; /* how long exo_link_open waits for a lease; 0 = 30 s */
  const char *dhcp_lease_file; /* NULL = remember nothing */
};

/* If argv[*i] is one of the options above, consumes it (and its value), advances *i past
 * them and returns 1; returns 0 if it is not one of them; returns -1 with a one-line
 * reason in err when its value is bad or missing. */
int exo_link_parse_option(struct exo_link_options *o, int argc, char **argv, int *i,
                          char *err, size_t errlen);
/* The usage text for those options (for --help). */
const char *exo_link_usage(void);

struct exo_link;

/* Opens the backend, the wrappers and the net. Returns NULL with a one-line reason in
 * err (missing --tap/--addr, the TAP cannot be opened and why, ...). */
struct exo_link *exo_link_open(const struct exo_link_options *o, char *err, size_t errlen);
struct exo_net *exo_link_net(struct exo_link *link);
/* The interface's current address (host byte order; 0 if none). */
uint32_t exo_link_addr(struct exo_link *link);
/* Stops the net, closes every socket, flushes the capture and closes the device. */
void exo_link_close(struct exo_link *link);

#endif
