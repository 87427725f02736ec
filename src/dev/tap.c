/* TAP backend (see include/exonet/dev/tap.h).
 *
 * Invariants: rx_free/tx_free have one bit per slot, set while the slot is free; a frame's
 * cookie is its slot index; a slot is handed out at most once until released/committed. */
#include "exonet/dev/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exonet/errno.h"

#define EXO_TAP_ALL_FREE ((uint32_t)((1ull << EXO_TAP_BURST) - 1))

static int tap_take_slot(uint32_t *bitmap) {
  if (*bitmap == 0) return -1;
  int slot = __builtin_ctz(*bitmap);
  *bitmap &= ~(1u << slot);
  return slot;
}

static void tap_give_slot(uint32_t *bitmap, uintptr_t slot) {
  if (slot < EXO_TAP_BURST) *bitmap |= 1u << slot;
}

static int tap_rx_burst(void *ctx, uint64_t now, struct exo_frame *frames, int max) {
  struct exo_tap *tap = ctx;
  int got = 0;
  (void)now;
  while (got < max) {
    int slot = tap_take_slot(&tap->rx_free);
    if (slot < 0) break;
    ssize_t n = read(tap->fd, tap->rx_slot[slot], EXO_TAP_SLOT);
    if (n <= 0) {
      tap_give_slot(&tap->rx_free, (uintptr_t)slot);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        tap->stats.rx_errors++;
        if (errno == EBADFD || errno == EIO) return got ? got : -EXO_ENETDOWN;
      }
      break;
    }
    if ((size_t)n >= EXO_TAP_SLOT) { /* may have been cut short: never pass it on */
      tap_give_slot(&tap->rx_free, (uintptr_t)slot);
      tap->stats.rx_oversize++;
      continue;
    }
    frames[got].data = tap->rx_slot[slot];
    frames[got].len = (size_t)n;
    frames[got].cap = EXO_TAP_SLOT;
    frames[got].cookie = (uintptr_t)slot;
    tap->stats.rx_frames++;
    tap->stats.rx_bytes += (uint64_t)n;
    got++;
  }
  return got;
}

static void tap_rx_release(void *ctx, struct exo_frame *frames, int count) {
  struct exo_tap *tap = ctx;
  for (int i = 0; i < count; i++) tap_give_slot(&tap->rx_free, frames[i].cookie);
}

static int tap_tx_reserve(void *ctx, struct exo_frame *frame, size_t len) {
  struct exo_tap *tap = ctx;
  if (len > (size_t)tap->mtu + 22u || len > EXO_TAP_SLOT) return -EXO_EMSGSIZE;
  int slot = tap_take_slot(&tap->tx_free);
  if (slot < 0) return -EXO_ENOBUFS;
  frame->data = tap->tx_slot[slot];
  frame->cap = EXO_TAP_SLOT;
  frame->len = 0;
  frame->cookie = (uintptr_t)slot;
  return 0;
}

static int tap_tx_commit(void *ctx, uint64_t now, struct exo_frame *frame) {
  struct exo_tap *tap = ctx;
  (void)now;
  int rc = 0;
  size_t len = frame->len <= frame->cap ? frame->len : 0;
  if (len) {
    ssize_t n = write(tap->fd, frame->data, len);
    if (n == (ssize_t)len) {
      tap->stats.tx_frames++;
      tap->stats.tx_bytes += len;
    } else if (n < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
      tap->stats.tx_dropped++;
    } else {
      tap->stats.tx_errors++;
      if (n < 0 && (errno == EBADFD || errno == EIO)) rc = -EXO_ENETDOWN;
    }
  }
  tap_give_slot(&tap->tx_free, frame->cookie);
  return rc;
}

static void tap_tx_abort(void *ctx, struct exo_frame *frame) {
  struct exo_tap *tap = ctx;
  tap_give_slot(&tap->tx_free, frame->cookie);
}

static void tap_caps(void *ctx, struct exo_dev_caps *caps) {
  struct exo_tap *tap = ctx;
  caps->mtu = tap->mtu;
  caps->flags = 0; /* the kernel checksums everything it sends us; we checksum ours */
  caps->rx_burst = EXO_TAP_BURST;
}

static int tap_fd(void *ctx) { return ((struct exo_tap *)ctx)->fd; }

static const struct exo_device_ops tap_ops = {
    .rx_burst = tap_rx_burst,
    .rx_release = tap_rx_release,
    .tx_reserve = tap_tx_reserve,
    .tx_commit = tap_tx_commit,
    .tx_abort = tap_tx_abort,
    .caps = tap_caps,
    .fd = tap_fd,
    .next_deadline = NULL,
};

struct exo_device exo_tap_device(struct exo_tap *tap) {
  return (struct exo_device){.ops = &tap_ops, .ctx = tap};
}

/* Reads the MTU and optionally sets IFF_UP through an AF_INET control socket: these are
 * interface-configuration ioctls, not traffic through the kernel's stack. */
static int tap_configure_link(struct exo_tap *tap, unsigned flags) {
  int ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (ctl < 0) return -errno;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, tap->name, sizeof tap->name);
  int rc = 0;
  if (ioctl(ctl, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 576 && ifr.ifr_mtu <= 1500)
    tap->mtu = (uint16_t)ifr.ifr_mtu;
  if (flags & EXO_TAP_UP) {
    if (ioctl(ctl, SIOCGIFFLAGS, &ifr) != 0) rc = -errno;
    else if (!(ifr.ifr_flags & IFF_UP)) {
      ifr.ifr_flags |= IFF_UP;
      if (ioctl(ctl, SIOCSIFFLAGS, &ifr) != 0) rc = -errno;
    }
  }
  close(ctl);
  return rc;
}

int exo_tap_open(struct exo_tap *tap, const char *name, unsigned flags) {
  memset(tap, 0, sizeof *tap);
  tap->fd = -1;
  size_t len = name ? strlen(name) : 0;
  if (len == 0 || len >= sizeof tap->name) return -EINVAL;
  memcpy(tap->name, name, len);
  tap->mtu = 1500;
  tap->rx_free = EXO_TAP_ALL_FREE;
  tap->tx_free = EXO_TAP_ALL_FREE;

  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -errno;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, tap->name, sizeof tap->name);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (!(flags & EXO_TAP_CREATE)) {
    /* Attach only: refuse to create a new device by checking the name exists first. */
    char path[64];
    snprintf(path, sizeof path, "/sys/class/net/%s", tap->name);
    if (access(path, F_OK) != 0) {
      close(fd);
      return -ENODEV;
    }
  }
  if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  tap->fd = fd;
  int rc = tap_configure_link(tap, flags);
  if (rc < 0) {
    exo_tap_close(tap);
    return rc;
  }
  return 0;
}

void exo_tap_close(struct exo_tap *tap) {
  if (tap->fd >= 0) close(tap->fd);
  tap->fd = -1;
}
