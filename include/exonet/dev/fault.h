/* The fault injector: a device wrapper that loses, duplicates, reorders, delays (with
 * jitter), rate-limits and corrupts frames, deterministically for a seed. It wraps any
 * device (the simulated link, TAP, AF_PACKET, ...) and is itself a device.
 *
 * Each direction has its own settings. Transmit faults act on frames the stack commits;
 * receive faults on frames the inner device delivers. A direction whose settings are all
 * zero passes frames straight through (no copy). Randomness comes only from the seed
 * (xoshiro256** seeded by splitmix64), and time only from the `now` arguments, so a run
 * is reproducible bit for bit. */
#ifndef EXONET_DEV_FAULT_H
#define EXONET_DEV_FAULT_H

#include "exonet/device.h"

/* ---- a small seeded PRNG (also used by the simulator) ------------------------------ */

struct exo_rng {
  uint64_t s[4];
};

static inline uint64_t exo_splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline void exo_rng_seed(struct exo_rng *r, uint64_t seed) {
  for (int i = 0; i < 4; i++) r->s[i] = exo_splitmix64(&seed);
}

static inline uint64_t exo_rng_next(struct exo_rng *r) {
  uint64_t *s = r->s;
  uint64_t x = s[1] * 5;
  uint64_t result = ((x << 7) | (x >> 57)) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = (s[3] << 45) | (s[3] >> 19);
  return result;
}

/* Uniform in [0, n) (n > 0; the bias for n << 2^64 is negligible for fault rates). */
static inline uint64_t exo_rng_below(struct exo_rng *r, uint64_t n) {
  return (uint64_t)(((unsigned __int128)exo_rng_next(r) * n) >> 64);
}

/* True with probability ppm / 1e6. */
static inline bool exo_rng_ppm(struct exo_rng *r, uint32_t ppm) {
  return ppm != 0 && exo_rng_below(r, 1000000) < ppm;
}

/* ---- the injector ------------------------------------------------------------------ */

struct exo_fault_config {
  uint32_t loss_ppm;     /* probability of dropping a frame, parts per million */
  uint32_t dup_ppm;      /* of sending it twice */
  uint32_t reorder_ppm;  /* of holding it back by reorder_us so later frames pass it */
  uint32_t corrupt_ppm;  /* of flipping one random bit of it */
  uint32_t delay_us;     /* added to every frame */
  uint32_t jitter_us;    /* plus a uniform 0..jitter_us (frames may reorder) */
  uint32_t reorder_us;   /* hold-back of a reordered frame; 0 = 1000 us */
  uint64_t rate_bps;     /* serialization rate; 0 = unlimited */
  uint32_t queue_bytes;  /* rate-limiter queue before tail drop; 0 = 1 MiB */
};

struct exo_fault_stats {
  uint64_t frames, dropped, duplicated, reordered, corrupted, delayed, queue_drops;
  uint64_t nobufs; /* held frames the inner device refused at release (dropped) */
};

struct exo_fault;

/* Wraps `inner` (which must outlive the injector). tx/rx may be NULL (no faults that
 * way). Returns 0 and *out, or -EXO_EINVAL, -EXO_ENOMEM. */
int exo_fault_create(const struct exo_platform *platform, struct exo_device inner,
                     const struct exo_fault_config *tx, const struct exo_fault_config *rx,
                     uint64_t seed, struct exo_fault **out);
/* Frees held frames (never sent) and the injector. NULL is a no-op. */
void exo_fault_destroy(struct exo_fault *f);
struct exo_device exo_fault_device(struct exo_fault *f);
/* Counters per direction. */
const struct exo_fault_stats *exo_fault_tx_stats(const struct exo_fault *f);
const struct exo_fault_stats *exo_fault_rx_stats(const struct exo_fault *f);

#endif
