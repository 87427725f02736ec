/* The hosted platform: malloc/free and getrandom(2), or a seeded splitmix64 stream.
 * Invariant: nothing here keeps state outside the structs handed in. */
#include "exonet/host.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

static void *host_alloc(void *ctx, size_t size) {
  (void)ctx;
  return malloc(size ? size : 1);
}

static void host_free(void *ctx, void *ptr, size_t size) {
  (void)ctx;
  (void)size;
  free(ptr);
}

static void host_random(void *ctx, void *buf, size_t len) {
  (void)ctx;
  unsigned char *p = buf;
  while (len > 0) {
    ssize_t n = getrandom(p, len, 0);
    if (n < 0 && errno != EINTR) abort(); /* never hand out predictable keys */
    if (n <= 0) continue;
    p += n;
    len -= (size_t)n;
  }
}

struct exo_platform exo_host_platform(void) {
  return (struct exo_platform){
      .alloc = host_alloc, .free = host_free, .random_bytes = host_random, .ctx = NULL};
}

static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void seeded_random(void *ctx, void *buf, size_t len) {
  struct exo_host_seeded *rng = ctx;
  unsigned char *p = buf;
  while (len > 0) {
    uint64_t v = splitmix(&rng->state);
    for (int i = 0; i < 8 && len > 0; i++, len--) *p++ = (unsigned char)(v >> (8 * i));
  }
}

struct exo_platform exo_host_platform_seeded(struct exo_host_seeded *rng, uint64_t seed) {
  rng->state = seed;
  return (struct exo_platform){
      .alloc = host_alloc, .free = host_free, .random_bytes = seeded_random, .ctx = rng};
}
