/* The pcap tracer: a device wrapper that writes every frame it passes (both directions)
 * to a pcap file (DLT_EN10MB), stamped with the `now` of the call that moved it. Hosted
 * only (libpcap). Frames pass through unchanged and uncopied. */
#ifndef EXONET_DEV_PCAP_TRACER_H
#define EXONET_DEV_PCAP_TRACER_H

#include "exonet/device.h"

struct exo_pcap_tracer;

/* Opens `path` for writing and wraps `inner`. epoch_us is added to every timestamp
 * (simulated time starts at 0). Returns 0 and *out, or -EXO_EIO (cannot write the file),
 * -EXO_ENOMEM. */
int exo_pcap_tracer_create(struct exo_device inner, const char *path, uint64_t epoch_us,
                           struct exo_pcap_tracer **out);
/* Flushes and closes the file. NULL is a no-op. */
void exo_pcap_tracer_destroy(struct exo_pcap_tracer *t);
struct exo_device exo_pcap_tracer_device(struct exo_pcap_tracer *t);
uint64_t exo_pcap_tracer_frames(const struct exo_pcap_tracer *t);

#endif
