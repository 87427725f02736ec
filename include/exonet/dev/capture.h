/* The capture device for tests: frames the stack transmits are recorded (copied) in
 * order; frames a test injects are handed to the stack by the next rx_burst. It can be
 * told to refuse transmit buffers (-EXO_ENOBUFS) to exercise back-pressure. Hosted. */
#ifndef EXONET_DEV_CAPTURE_H
#define EXONET_DEV_CAPTURE_H

#include "exonet/device.h"

struct exo_capdev;

/* mtu: the capability reported (e.g. 1500). Returns NULL when out of memory. */
struct exo_capdev *exo_capdev_create(uint16_t mtu);
void exo_capdev_destroy(struct exo_capdev *c);
struct exo_device exo_capdev_device(struct exo_capdev *c);
/* Queues a copy of a frame for the stack to receive. Returns 0 or -EXO_ENOMEM. */
int exo_capdev_inject(struct exo_capdev *c, const void *frame, size_t len);
/* Transmitted frames since the last clear. */
size_t exo_capdev_tx_count(const struct exo_capdev *c);
/* Frame i (0 = oldest) and its length, or NULL. */
const uint8_t *exo_capdev_tx_frame(const struct exo_capdev *c, size_t i, size_t *len);
/* The commit time of frame i. */
uint64_t exo_capdev_tx_time(const struct exo_capdev *c, size_t i);
void exo_capdev_tx_clear(struct exo_capdev *c);
/* While full is true, tx_reserve fails with -EXO_ENOBUFS. */
void exo_capdev_set_tx_full(struct exo_capdev *c, bool full);

#endif
