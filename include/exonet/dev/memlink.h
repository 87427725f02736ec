/* An in-memory Ethernet link between two devices, safe to use from two threads (two
 * stacks with their own progress engines). Frames cross in real time with no loss; each
 * end has an eventfd that is readable while frames wait for it. For tests of the sockets
 * layer and for running two stacks in one process. Hosted only. */
#ifndef EXONET_DEV_MEMLINK_H
#define EXONET_DEV_MEMLINK_H

#include "exonet/device.h"

struct exo_memlink;

/* Creates a link whose queues hold `depth` frames each way (a full queue drops, as a
 * switch would). Returns NULL with errno set. */
struct exo_memlink *exo_memlink_create(unsigned depth);
/* Frees the link; both devices must be out of use. */
void exo_memlink_destroy(struct exo_memlink *link);
/* End 0 or 1 as a device. */
struct exo_device exo_memlink_end(struct exo_memlink *link, int end);
/* Frames dropped because the receiving queue was full, toward `end`. */
uint64_t exo_memlink_drops(const struct exo_memlink *link, int end);

#endif
