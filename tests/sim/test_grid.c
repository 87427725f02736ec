/* The simulation grid: TCP transfers of at least 50 MB between two stacks over the
 * simulated link (5 ms one way, 100 Mbit/s), across seeds x faults (loss 0-10 %,
 * reordering, duplication, corruption, jitter) x both directions, each required to
 * arrive intact (hash and byte-for-byte check), plus a reproducibility check.
 *
 * Under AddressSanitizer the same grid runs with 20 MB transfers and one seed (a Debug
 * ASan build is about ten times slower per byte); the output says so. */
#include <inttypes.h>
#include <time.h>

#include "exonet/sim.h"
#include "harness.h"

#if defined(__SANITIZE_ADDRESS__)
#define EXO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EXO_ASAN 1
#endif
#endif
#ifndef EXO_ASAN
#define EXO_ASAN 0
#endif

struct fault_case {
  const char *name;
  double loss, dup, reorder, corrupt; /* percent */
  uint32_t jitter_us;
};

static const struct fault_case cases[] = {
    {"clean", 0, 0, 0, 0, 0},
    {"loss1", 1, 0, 0, 0, 0},
    {"loss5+reorder2", 5, 0, 2, 0, 0},
    {"loss10", 10, 0, 0, 0, 0},
    {"dup5+reorder5", 0, 5, 5, 0, 0},
    {"corrupt1+loss1", 1, 0, 0, 1, 0},
    {"mixed+jitter", 2, 2, 2, 0.5, 1000},
};

static uint32_t ppm(double pct) { return (uint32_t)(pct * 10000 + 0.5); }

static double wall_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static struct exo_sim_transfer_config base(uint64_t bytes, uint64_t seed, const struct fault_case *c,
                                           bool reverse) {
  struct exo_sim_transfer_config cfg = {
      .bytes = bytes,
      .seed = seed,
      .loss_ppm = ppm(c->loss),
      .dup_ppm = ppm(c->dup),
      .reorder_ppm = ppm(c->reorder),
      .corrupt_ppm = ppm(c->corrupt),
      .jitter_us = c->jitter_us,
      .delay_us = 5000,
      .rate_bps = 100000000,
      .reverse = reverse,
  };
  return cfg;
}

EXO_TEST(grid) {
  uint64_t bytes = EXO_ASAN ? 20000000 : 50000000;
  unsigned seeds = EXO_ASAN ? 1 : 3;
  if (EXO_ASAN)
    printf("note: AddressSanitizer build: grid scaled down to %" PRIu64 " bytes x %u seed\n",
           bytes, seeds);
  for (unsigned seed = 1; seed <= seeds; seed++) {
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
      for (int rev = 0; rev < 2; rev++) {
        struct exo_sim_transfer_config cfg = base(bytes, seed, &cases[ci], rev);
        struct exo_sim_transfer_result r;
        double t0 = wall_now();
        int rc = exo_sim_transfer(&cfg, &r);
        double wall = wall_now() - t0;
        printf("seed %u %-16s %s: integrity_ok=%d bytes=%" PRIu64 " sim=%.1fs goodput=%.2fMbit/s "
               "rtx=%" PRIu64 " rto=%" PRIu64 " fastrtx=%" PRIu64 " lost=%" PRIu64 " dup=%" PRIu64
               " reord=%" PRIu64 " corrupt=%" PRIu64 " badsum=%" PRIu64 " err=%d wall=%.2fs\n",
               seed, cases[ci].name, rev ? "reverse" : "forward", r.integrity_ok, r.bytes_received,
               r.sim_seconds, r.goodput_mbps, r.retransmits, r.timeouts, r.fast_retransmits,
               r.frames_lost, r.frames_duplicated, r.frames_reordered, r.frames_corrupted,
               r.bad_checksums, r.error, wall);
        if (r.first_mismatch != UINT64_MAX)
          printf("  first wrong byte at offset %" PRIu64 "\n", r.first_mismatch);
        fflush(stdout);
        EXO_CHECK_EQ(rc, 0);
        EXO_CHECK(r.integrity_ok);
        EXO_CHECK_EQ(r.bytes_received, bytes);
        /* The faults really happened. */
        if (cases[ci].loss > 0) EXO_CHECK(r.frames_lost > 0 && r.retransmits > 0);
        if (cases[ci].dup > 0) EXO_CHECK(r.frames_duplicated > 0);
        if (cases[ci].reorder > 0) EXO_CHECK(r.frames_reordered > 0);
        if (cases[ci].corrupt > 0) EXO_CHECK(r.frames_corrupted > 0 && r.bad_checksums > 0);
      }
    }
  }
}

EXO_TEST(reproducible_for_a_seed) {
  struct exo_sim_transfer_config cfg = base(2000000, 42, &cases[6], false);
  struct exo_sim_transfer_result a, b;
  EXO_CHECK_EQ(exo_sim_transfer(&cfg, &a), 0);
  EXO_CHECK_EQ(exo_sim_transfer(&cfg, &b), 0);
  EXO_CHECK(a.sim_seconds == b.sim_seconds);
  EXO_CHECK_EQ(a.events, b.events);
  EXO_CHECK_EQ(a.retransmits, b.retransmits);
  EXO_CHECK_EQ(a.frames_lost, b.frames_lost);
  EXO_CHECK_EQ(a.frames_corrupted, b.frames_corrupted);
  cfg.seed = 43;
  EXO_CHECK_EQ(exo_sim_transfer(&cfg, &b), 0);
  EXO_CHECK(a.events != b.events || a.frames_lost != b.frames_lost);
}
