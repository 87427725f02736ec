/* The TAP backend against the real kernel. The test moves itself into a new network
 * namespace (unshare), so the device, its address and all traffic vanish with the
 * process, even on failure. Needs root (CAP_NET_ADMIN) and /dev/net/tun. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exonet/dev/tap.h"
#include "exonet/errno.h"
#include "harness.h"

#define TAP_NAME "exotst0"

static void enter_private_netns(void) {
  if (geteuid() != 0) exo_test_skip_all("needs root to create a network namespace and a TAP device");
  if (access("/dev/net/tun", R_OK | W_OK) != 0) exo_test_skip_all("no /dev/net/tun");
  if (unshare(CLONE_NEWNET) != 0) {
    perror("unshare(CLONE_NEWNET)");
    exit(1);
  }
}

/* Gives the kernel side 10.99.0.1/24 (ioctl, like `ip addr add`). */
static void kernel_side_address(void) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, TAP_NAME);
  struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
  sin->sin_family = AF_INET;
  inet_pton(AF_INET, "10.99.0.1", &sin->sin_addr);
  EXO_CHECK_EQ(ioctl(s, SIOCSIFADDR, &ifr), 0);
  inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
  EXO_CHECK_EQ(ioctl(s, SIOCSIFNETMASK, &ifr), 0);
  close(s);
}

/* Waits up to 2 s for a frame with the given ethertype; returns its length or 0. */
static size_t wait_frame(struct exo_device *dev, uint16_t ethertype, uint8_t *out, size_t cap) {
  for (int tries = 0; tries < 200; tries++) {
    struct pollfd p = {.fd = exo_dev_fd(dev), .events = POLLIN};
    poll(&p, 1, 10);
    struct exo_frame f[EXO_TAP_BURST];
    int n = dev->ops->rx_burst(dev->ctx, 0, f, EXO_TAP_BURST);
    size_t found = 0;
    for (int i = 0; i < n; i++) {
      if (!found && f[i].len >= 14 && (f[i].data[12] << 8 | f[i].data[13]) == ethertype &&
          f[i].len <= cap) {
        memcpy(out, f[i].data, f[i].len);
        found = f[i].len;
      }
    }
    if (n > 0) dev->ops->rx_release(dev->ctx, f, n);
    if (found) return found;
  }
  return 0;
}

EXO_TEST(tap_exchanges_frames_with_the_kernel) {
  enter_private_netns();
  struct exo_tap *tap = calloc(1, sizeof *tap);
  EXO_CHECK_EQ(exo_tap_open(tap, TAP_NAME, 0), -ENODEV); /* attach-only: absent */
  int rc = exo_tap_open(tap, TAP_NAME, EXO_TAP_CREATE | EXO_TAP_UP);
  EXO_CHECK_EQ(rc, 0);
  if (rc != 0) return;
  kernel_side_address();
  struct exo_device dev = exo_tap_device(tap);
  struct exo_dev_caps caps;
  dev.ops->caps(dev.ctx, &caps);
  EXO_CHECK_EQ(caps.mtu, 1500);
  EXO_CHECK(exo_dev_fd(&dev) >= 0);

  /* A datagram from the kernel to 10.99.0.2 (us) makes it ask for our MAC. */
  int udp = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
  inet_pton(AF_INET, "10.99.0.2", &to.sin_addr);
  EXO_CHECK_EQ(sendto(udp, "hello", 5, 0, (struct sockaddr *)&to, sizeof to), 5);
  uint8_t frame[2048];
  size_t len = wait_frame(&dev, 0x0806, frame, sizeof frame);
  EXO_CHECK(len >= 42);
  if (len < 42) return;
  EXO_CHECK_EQ(frame[21], 1);                        /* ARP request */
  EXO_CHECK_MEM(frame + 38, "\x0a\x63\x00\x02", 4);  /* who has 10.99.0.2 */
  uint8_t kernel_mac[6];
  memcpy(kernel_mac, frame + 6, 6);

  /* Answer it through the device: the kernel then sends the datagram. */
  static const uint8_t our_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
  uint8_t reply[42];
  memcpy(reply, kernel_mac, 6);
  memcpy(reply + 6, our_mac, 6);
  memcpy(reply + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x02", 10);
  memcpy(reply + 22, our_mac, 6);
  memcpy(reply + 28, "\x0a\x63\x00\x02", 4);
  memcpy(reply + 32, kernel_mac, 6);
  memcpy(reply + 38, "\x0a\x63\x00\x01", 4);
  EXO_CHECK_EQ(exo_dev_send_copy(&dev, 0, reply, sizeof reply), 0);
  len = wait_frame(&dev, 0x0800, frame, sizeof frame);
  EXO_CHECK_EQ(len, 14 + 20 + 8 + 5);
  EXO_CHECK_MEM(frame, our_mac, 6);
  EXO_CHECK_MEM(frame + 42, "hello", 5);

  /* Oversized transmit requests are refused, not truncated. */
  struct exo_frame big = {0};
  EXO_CHECK_EQ(dev.ops->tx_reserve(dev.ctx, &big, 4000), -EXO_EMSGSIZE);
  /* Every transmit slot can be reserved once, then the device says "no buffer". */
  struct exo_frame held[EXO_TAP_BURST];
  for (int i = 0; i < EXO_TAP_BURST; i++) EXO_CHECK_EQ(dev.ops->tx_reserve(dev.ctx, &held[i], 60), 0);
  struct exo_frame extra = {0};
  EXO_CHECK_EQ(dev.ops->tx_reserve(dev.ctx, &extra, 60), -EXO_ENOBUFS);
  for (int i = 0; i < EXO_TAP_BURST; i++) dev.ops->tx_abort(dev.ctx, &held[i]);
  EXO_CHECK_EQ(tap->stats.tx_frames, 1);
  close(udp);
  exo_tap_close(tap);
  free(tap);
}
