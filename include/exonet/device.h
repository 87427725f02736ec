/* The device seam: one small ops table through which the stack core receives and
 * transmits whole Ethernet frames (no FCS).
 *
 * Backends (simulated link, TAP, AF_PACKET, AF_XDP, exonetd rings, UEFI SNP) and wrappers
 * (fault injector, pcap tracer) all implement `struct exo_device_ops`; a wrapper holds an
 * inner `struct exo_device` and is itself a device, so they compose.
 *
 * Invariants every implementation keeps:
 * - Frames received by rx_burst are device-owned: `data` stays valid and unchanged until
 *   the caller passes the frame back to rx_release (the caller must release every frame
 *   it received, in any order, before the next rx_burst may reuse the buffer).
 * - A transmit buffer obtained by tx_reserve is owned by the caller until exactly one of
 *   tx_commit (send it) or tx_abort (give it back) is called on it.
 * - Time is passed in (`now`, monotonic microseconds); devices never read a clock, so
 *   wrappers that delay frames are deterministic and testable.
 * - No call blocks. */
#ifndef EXONET_DEVICE_H
#define EXONET_DEVICE_H

#include "exonet/platform.h"

/* Capability flags. */
#define EXO_DEV_CAP_RX_CSUM_OK 0x1u /* received frames' L3/L4 checksums already verified */
#define EXO_DEV_CAP_TX_CSUM 0x2u    /* device fills in L4 checksums on transmit */

struct exo_dev_caps {
  uint16_t mtu;      /* largest IP datagram (Ethernet payload), e.g. 1500 */
  uint32_t flags;    /* EXO_DEV_CAP_* */
  uint16_t rx_burst; /* the burst size the device prefers (>= 1) */
};

/* One frame. For rx: data/len describe the frame; `cookie` is the device's own handle.
 * For tx: tx_reserve sets data and cap; the caller writes the frame and sets len. */
struct exo_frame {
  uint8_t *data;
  size_t len;
  size_t cap;
  uintptr_t cookie; /* owned by the device that produced the frame */
};

struct exo_device_ops {
  /* Receives up to `max` frames due at `now` into frames[0..]. Returns how many (0 when
   * none), or a negative EXO_E* (EXO_ENETDOWN: the device is gone). */
  int (*rx_burst)(void *ctx, uint64_t now, struct exo_frame *frames, int max);
  /* Gives received frames back. Never fails. */
  void (*rx_release)(void *ctx, struct exo_frame *frames, int count);
  /* Reserves a transmit buffer of at least `len` bytes (len <= EXO_DEV_MAX_FRAME).
   * On success fills frame->data and frame->cap (>= len) and returns 0. Errors:
   * -EXO_ENOBUFS (no buffer now: try later), -EXO_EMSGSIZE (len above the device's
   * largest frame), -EXO_ENETDOWN. */
  int (*tx_reserve)(void *ctx, struct exo_frame *frame, size_t len);
  /* Sends frame->len bytes of a reserved buffer at `now`; ownership returns to the
   * device whatever the result. Returns 0 or -EXO_ENETDOWN (the frame is dropped). A
   * device may drop frames silently, as a wire does. */
  int (*tx_commit)(void *ctx, uint64_t now, struct exo_frame *frame);
  /* Returns a reserved buffer unsent. */
  void (*tx_abort)(void *ctx, struct exo_frame *frame);
  /* Capabilities; constant for the device's life. */
  void (*caps)(void *ctx, struct exo_dev_caps *caps);
  /* A file descriptor that becomes readable when frames arrive, or -1 if the device has
   * none (simulated devices, UEFI). May be NULL (same as -1). */
  int (*fd)(void *ctx);
  /* The earliest time at which the device has something to do on its own (a delayed
   * frame to release), UINT64_MAX if none. May be NULL (same as UINT64_MAX). Anyone
   * driving the device calls rx_burst at or after that time. */
  uint64_t (*next_deadline)(void *ctx);
};

struct exo_device {
  const struct exo_device_ops *ops;
  void *ctx;
};

/* Largest frame any device handles: 9000-byte jumbo payload + header + 2 VLAN tags. */
#define EXO_DEV_MAX_FRAME 9022u

/* Helpers that treat optional ops as documented above. */
static inline int exo_dev_fd(const struct exo_device *d) {
  return d->ops->fd ? d->ops->fd(d->ctx) : -1;
}
static inline uint64_t exo_dev_next_deadline(const struct exo_device *d) {
  return d->ops->next_deadline ? d->ops->next_deadline(d->ctx) : UINT64_MAX;
}
/* Copies len bytes into a fresh transmit buffer and commits it. Returns 0 or the
 * tx_reserve/tx_commit error. */
static inline int exo_dev_send_copy(const struct exo_device *d, uint64_t now,
                                    const uint8_t *data, size_t len) {
  struct exo_frame f = {0};
  int rc = d->ops->tx_reserve(d->ctx, &f, len);
  if (rc < 0) return rc;
  exo_memcpy(f.data, data, len);
  f.len = len;
  return d->ops->tx_commit(d->ctx, now, &f);
}

#endif
