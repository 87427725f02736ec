/* TAP backend: the stack on a Linux TAP device (IFF_TAP | IFF_NO_PI), so one application
 * can run exonet directly on a link without the daemon. Hosted only.
 *
 * The kernel side of the TAP link is an ordinary interface (give it an address, move it
 * into a network namespace); frames the kernel sends there arrive here whole, at most
 * MTU + 14 bytes and fully checksummed. The fd is non-blocking: rx_burst never waits
 * (wait on exo_dev_fd()), and a transmit the kernel cannot take now is dropped and
 * counted, as a wire would. */
#ifndef EXONET_DEV_TAP_H
#define EXONET_DEV_TAP_H

#include "exonet/device.h"

#define EXO_TAP_BURST 32   /* frames per rx_burst and transmit buffers in flight */
#define EXO_TAP_SLOT 2048  /* bytes per buffer: a 1500-byte MTU frame with VLAN tags */

struct exo_tap_stats {
  uint64_t rx_frames, rx_bytes, rx_errors, rx_oversize;
  uint64_t tx_frames, tx_bytes, tx_dropped; /* tx_dropped: the kernel queue was full */
  uint64_t tx_errors;
};

struct exo_tap {
  int fd;
  char name[16];
  uint16_t mtu;
  uint32_t rx_free; /* bitmap of free receive slots */
  uint32_t tx_free; /* bitmap of free transmit slots */
  uint8_t rx_slot[EXO_TAP_BURST][EXO_TAP_SLOT];
  uint8_t tx_slot[EXO_TAP_BURST][EXO_TAP_SLOT];
  struct exo_tap_stats stats;
};

#define EXO_TAP_CREATE 0x1u  /* create the device if it does not exist (else attach only) */
#define EXO_TAP_UP 0x2u      /* bring the link up (the kernel side still needs an address) */

/* Opens (attaching to, or with EXO_TAP_CREATE creating) the TAP device `name`
 * (at most 15 characters) and makes it non-blocking. A created device is not persistent:
 * it disappears when closed. Returns 0 or a negative errno: -EINVAL (bad name), -ENOENT
 * (no /dev/net/tun), -EPERM (needs CAP_NET_ADMIN), -EBUSY (already attached), ... */
int exo_tap_open(struct exo_tap *tap, const char *name, unsigned flags);
/* Closes the fd. */
void exo_tap_close(struct exo_tap *tap);
/* The device view of tap (valid while tap is open). */
struct exo_device exo_tap_device(struct exo_tap *tap);

#endif
