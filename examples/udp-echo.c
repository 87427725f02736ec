/* exonet-udp-echo: sends every UDP datagram back to where it came from, over exonet.
 *
 *   exonet-udp-echo [--port N] --tap NAME --addr A/NN [--gw G]   */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exonet/link.h"

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

int main(int argc, char **argv) {
  struct exo_link_options lo = {.dhcp_log = stdout};
  long port = 7;
  char err[256];
  for (int i = 1; i < argc;) {
    int r = exo_link_parse_option(&lo, argc, argv, &i, err, sizeof err);
    if (r < 0) {
      fprintf(stderr, "exonet-udp-echo: %s\n", err);
      return 2;
    }
    if (r > 0) continue;
    if (strcmp(argv[i], "--help") == 0) {
      printf("usage: exonet-udp-echo [--port N] --tap NAME --addr A/NN [--gw G]\n%s", exo_link_usage());
      return 0;
    }
    char *end = NULL;
    if (strcmp(argv[i], "--port") == 0 && i + 1 < argc &&
        (port = strtol(argv[i + 1], &end, 10), *end == '\0') && port >= 1 && port <= 65535) {
      i += 2;
      continue;
    }
    fprintf(stderr, "exonet-udp-echo: unexpected or bad argument '%s'\n", argv[i]);
    return 2;
  }
  struct exo_link *link = exo_link_open(&lo, err, sizeof err);
  if (!link) {
    fprintf(stderr, "exonet-udp-echo: %s\n", err);
    return 1;
  }
  struct exo_net *net = exo_link_net(link);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  int fd = exo_socket(net, AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (exo_bind(net, fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    fprintf(stderr, "exonet-udp-echo: cannot bind port %ld: %s\n", port, strerror(errno));
    exo_link_close(link);
    return 1;
  }
  printf("exonet-udp-echo: echoing on port %ld\n", port);
  fflush(stdout);
  unsigned long echoed = 0;
  while (!stop_requested) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (exo_poll(net, &p, 1, 200) <= 0) continue;
    char buf[65536];
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    ssize_t n = exo_recvfrom(net, fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
    if (n < 0) continue;
    if (exo_sendto(net, fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen) == n) echoed++;
  }
  printf("exonet-udp-echo: echoed %lu datagrams\n", echoed);
  exo_close(net, fd);
  exo_link_close(link);
  return 0;
}
