/* `exonet sim`: one TCP transfer between two exonet stacks over the seeded simulated
 * link, printed as one JSON object. Same options and seed, same output (apart from
 * wall_seconds). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "exonet/sim.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: exonet sim [--bytes N] [--seed N] [--loss PCT] [--dup PCT] [--reorder PCT]\n"
          "                  [--corrupt PCT] [--jitter-ms N] [--delay-ms N] [--rate-mbps N]\n"
          "                  [--queue-kb N] [--cc cubic|newreno] [--reverse] [--pcap FILE]\n"
          "                  [--max-sim-s N]\n"
          "Transfers N bytes (default 10000000) over TCP between two user-space stacks on a\n"
          "simulated link (default 5 ms one way, 100 Mbit/s; --rate-mbps 0 = unlimited);\n"
          "faults apply to each direction. Prints one JSON object: bytes,\n"
          "integrity_ok, sim_seconds, goodput_mbps (simulated time), retransmits, timeouts,\n"
          "fast_retransmits, and the fault counts. Exit status 1 unless integrity_ok.\n");
}

static bool parse_num(const char *s, double max, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !(v >= 0) || v > max) return false;
  *out = v;
  return true;
}

static uint32_t pct_to_ppm(double pct) { return (uint32_t)llround(pct * 10000.0); }

static int sim_run(int argc, char **argv) {
  struct exo_sim_transfer_config cfg = {
      .bytes = 10000000, .seed = 1, .delay_us = 5000, .rate_bps = 100000000};
  double v;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    }
    if (strcmp(a, "--reverse") == 0) {
      cfg.reverse = true;
      continue;
    }
    static const char *const valued[] = {"--cc", "--pcap", "--bytes", "--seed", "--loss",
                                         "--dup", "--reorder", "--corrupt", "--jitter-ms",
                                         "--delay-ms", "--rate-mbps", "--queue-kb",
                                         "--max-sim-s"};
    bool known = false;
    for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++) known |= strcmp(a, valued[k]) == 0;
    if (!known) {
      fprintf(stderr, "exonet sim: unknown option '%s' (see --help)\n", a);
      return 2;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "exonet sim: %s needs a value (see --help)\n", a);
      return 2;
    }
    const char *val = argv[++i];
    bool ok = true;
    if (strcmp(a, "--cc") == 0) {
      if (strcmp(val, "cubic") == 0)
        cfg.newreno = false;
      else if (strcmp(val, "newreno") == 0)
        cfg.newreno = true;
      else
        ok = false;
    } else if (strcmp(a, "--pcap") == 0) {
      cfg.pcap_path = val;
    } else if (strcmp(a, "--bytes") == 0) {
      ok = parse_num(val, 1e13, &v) && v >= 1;
      cfg.bytes = (uint64_t)v;
    } else if (strcmp(a, "--seed") == 0) {
      char *end;
      errno = 0;
      cfg.seed = strtoull(val, &end, 0);
      ok = !errno && *end == 0 && end != val;
    } else if (strcmp(a, "--loss") == 0) {
      ok = parse_num(val, 100, &v);
      cfg.loss_ppm = pct_to_ppm(v);
    } else if (strcmp(a, "--dup") == 0) {
      ok = parse_num(val, 100, &v);
      cfg.dup_ppm = pct_to_ppm(v);
    } else if (strcmp(a, "--reorder") == 0) {
      ok = parse_num(val, 100, &v);
      cfg.reorder_ppm = pct_to_ppm(v);
    } else if (strcmp(a, "--corrupt") == 0) {
      ok = parse_num(val, 100, &v);
      cfg.corrupt_ppm = pct_to_ppm(v);
    } else if (strcmp(a, "--jitter-ms") == 0) {
      ok = parse_num(val, 10000, &v);
      cfg.jitter_us = (uint32_t)llround(v * 1000);
    } else if (strcmp(a, "--delay-ms") == 0) {
      ok = parse_num(val, 100000, &v);
      cfg.delay_us = (uint32_t)llround(v * 1000);
    } else if (strcmp(a, "--rate-mbps") == 0) {
      ok = parse_num(val, 1e6, &v);
      cfg.rate_bps = (uint64_t)llround(v * 1e6);
    } else if (strcmp(a, "--queue-kb") == 0) {
      ok = parse_num(val, 4e6, &v);
      cfg.queue_bytes = (uint32_t)llround(v * 1024);
    } else if (strcmp(a, "--max-sim-s") == 0) {
      ok = parse_num(val, 1e7, &v) && v > 0;
      cfg.max_sim_us = (uint64_t)llround(v * 1e6);
    } else {
      fprintf(stderr, "exonet sim: unknown option '%s' (see --help)\n", a);
      return 2;
    }
    if (!ok) {
      fprintf(stderr, "exonet sim: bad value '%s' for %s\n", val, a);
      return 2;
    }
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  struct exo_sim_transfer_result r;
  int rc = exo_sim_transfer(&cfg, &r);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (rc < 0 && r.events == 0) {
    fprintf(stderr, "exonet sim: setup failed: %s\n", strerror(-rc));
    return 1;
  }
  printf("{\"bytes\": %" PRIu64 ", \"bytes_received\": %" PRIu64 ", \"integrity_ok\": %s, "
         "\"sim_seconds\": %.6f, \"goodput_mbps\": %.3f, \"retransmits\": %" PRIu64
         ", \"timeouts\": %" PRIu64 ", \"fast_retransmits\": %" PRIu64 ", \"seed\": %" PRIu64
         ", \"cc\": \"%s\", \"reverse\": %s, \"loss_pct\": %g, \"dup_pct\": %g, "
         "\"reorder_pct\": %g, \"corrupt_pct\": %g, \"delay_ms\": %g, \"rate_mbps\": %g, "
         "\"frames_lost\": %" PRIu64 ", \"frames_duplicated\": %" PRIu64
         ", \"frames_reordered\": %" PRIu64 ", \"frames_corrupted\": %" PRIu64
         ", \"bad_checksum_drops\": %" PRIu64 ", \"events\": %" PRIu64
         ", \"error\": %d, \"wall_seconds\": %.3f}\n",
         cfg.bytes, r.bytes_received, r.integrity_ok ? "true" : "false", r.sim_seconds,
         r.goodput_mbps, r.retransmits, r.timeouts, r.fast_retransmits, cfg.seed,
         cfg.newreno ? "newreno" : "cubic", cfg.reverse ? "true" : "false",
         cfg.loss_ppm / 1e4, cfg.dup_ppm / 1e4, cfg.reorder_ppm / 1e4, cfg.corrupt_ppm / 1e4,
         cfg.delay_us / 1e3, (double)cfg.rate_bps / 1e6, r.frames_lost, r.frames_duplicated,
         r.frames_reordered, r.frames_corrupted, r.bad_checksums, r.events, r.error, wall);
  return r.integrity_ok ? 0 : 1;
}

const struct exo_cli_command exo_cli_cmd_sim = {
    .name = "sim",
    .summary = "TCP transfer between two stacks over the seeded simulated link (JSON)",
    .run = sim_run,
};
