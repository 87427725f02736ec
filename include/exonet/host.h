/* The hosted platform (Linux, libc): struct exo_platform backed by malloc/free and
 * getrandom, or by a seeded generator for reproducible runs (the simulator). */
#ifndef EXONET_HOST_H
#define EXONET_HOST_H

#include "exonet/platform.h"

/* malloc/free and getrandom(2). */
struct exo_platform exo_host_platform(void);

/* malloc/free and a deterministic random_bytes drawn from `seed`. The state lives in
 * *rng, which must outlive the platform. */
struct exo_host_seeded {
  uint64_t state;
};
struct exo_platform exo_host_platform_seeded(struct exo_host_seeded *rng, uint64_t seed);

#endif
