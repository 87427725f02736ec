/* exonet-bench-checksum [--cpu N] [--ms MS]: the Internet checksum, fast path
 * (exo_csum_partial) against the byte-pair reference (exo_csum_partial_ref) in the same
 * run, for buffers of 64, 576, 1500, 9000 and 65536 bytes. Pinned to one CPU with
 * sched_setaffinity (default: the last CPU this process may use). Prints one JSON line
 * per size: the best of 5 trials of ~MS milliseconds each (default 100), in ns per call
 * and GB/s (10^9 bytes per second). Buffers are warm in cache: this measures the
 * summing loop, not memory bandwidth. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exonet/wire/checksum.h"

typedef uint32_t (*csum_fn)(const void *, size_t, uint32_t);

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Best-of-5 nanoseconds per call; `sink` keeps every result live. */
static double measure(csum_fn fn, const uint8_t *buf, size_t len, double ms, uint64_t *iters,
                      volatile uint32_t *sink) {
  /* Calibrate the iteration count to about `ms` milliseconds. */
  uint64_t n = 16;
  for (;;) {
    double t0 = now_ns();
    uint32_t acc = 0;
    for (uint64_t i = 0; i < n; i++) acc += fn(buf, len, acc & 0xffff);
    *sink = acc;
    double dt = now_ns() - t0;
    if (dt > ms * 1e6 / 4 || n > (1ull << 40)) break;
    n *= 2;
  }
  double best = 1e300;
  for (int trial = 0; trial < 5; trial++) {
    double t0 = now_ns();
    uint32_t acc = 0;
    for (uint64_t i = 0; i < n; i++) acc += fn(buf, len, acc & 0xffff);
    *sink = acc;
    double per = (now_ns() - t0) / (double)n;
    if (per < best) best = per;
  }
  *iters = n;
  return best;
}

int main(int argc, char **argv) {
  int cpu = -1;
  double ms = 100;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--cpu") == 0 && i + 1 < argc) {
      cpu = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--ms") == 0 && i + 1 < argc) {
      ms = atof(argv[++i]);
    } else {
      fprintf(stderr, "usage: exonet-bench-checksum [--cpu N] [--ms MILLISECONDS]\n");
      return 2;
    }
  }
  cpu_set_t set;
  if (cpu < 0) {
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
      perror("exonet-bench-checksum: sched_getaffinity");
      return 1;
    }
    for (int c = CPU_SETSIZE - 1; c >= 0; c--)
      if (CPU_ISSET(c, &set)) {
        cpu = c;
        break;
      }
  }
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    fprintf(stderr, "exonet-bench-checksum: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
    return 1;
  }
  static const size_t sizes[] = {64, 576, 1500, 9000, 65536};
  uint8_t *buf = aligned_alloc(64, 65536);
  if (!buf) return 1;
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < 65536; i++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    buf[i] = (uint8_t)x;
  }
  volatile uint32_t sink = 0;
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    size_t len = sizes[s];
    if (exo_csum_partial(buf, len, 0) != exo_csum_partial_ref(buf, len, 0)) {
      fprintf(stderr, "exonet-bench-checksum: fast path disagrees with the reference at %zu\n", len);
      return 1;
    }
    uint64_t fast_iters, ref_iters;
    double fast = measure(exo_csum_partial, buf, len, ms, &fast_iters, &sink);
    double ref = measure(exo_csum_partial_ref, buf, len, ms, &ref_iters, &sink);
    printf("{\"bench\":\"checksum\",\"cpu\":%d,\"size\":%zu,"
           "\"fast_ns\":%.2f,\"fast_gbps\":%.2f,\"ref_ns\":%.2f,\"ref_gbps\":%.2f,"
           "\"speedup\":%.2f,\"fast_iters\":%llu,\"ref_iters\":%llu,\"trials\":5}\n",
           cpu, len, fast, (double)len / fast, ref, (double)len / ref, ref / fast,
           (unsigned long long)fast_iters, (unsigned long long)ref_iters);
    fflush(stdout);
  }
  free(buf);
  return 0;
}
