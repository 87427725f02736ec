/* exonet-bench-loss: how well TCP recovers from random loss, against the Mathis et al.
 * bound for Reno, goodput <= MSS/RTT * 1.22/sqrt(p) (CCR 1997).
 *
 * Each run is one simulated transfer (exo_sim_transfer) over a 100 Mbit/s link with
 * 10 ms one-way delay and p = 1 % random loss on each direction, for several seeds and
 * both congestion controls. Goodput is in simulated time. RTT is the base round trip
 * (twice the delay plus serialization of a full frame and an ACK); MSS is the payload
 * per full segment (1448 bytes: 1500 - 20 IP - 20 TCP - 12 timestamps).
 *   exonet-bench-loss [--bytes N] [--seeds N] [--loss PCT] [--delay-ms N] [--rate-mbps N]
 * Prints one JSON line per run and a summary line per congestion control. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exonet/sim.h"

int main(int argc, char **argv) {
  uint64_t bytes = 20000000;
  unsigned seeds = 5;
  double loss = 1.0, delay_ms = 10, rate_mbps = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--bytes") == 0) bytes = strtoull(argv[i + 1], NULL, 0);
    else if (strcmp(argv[i], "--seeds") == 0) seeds = (unsigned)atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--loss") == 0) loss = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--delay-ms") == 0) delay_ms = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--rate-mbps") == 0) rate_mbps = atof(argv[i + 1]);
    else {
      fprintf(stderr, "usage: exonet-bench-loss [--bytes N] [--seeds N] [--loss PCT] "
                      "[--delay-ms N] [--rate-mbps N]\n");
      return 2;
    }
  }
  if (seeds == 0 || bytes == 0 || loss <= 0 || loss >= 100 || rate_mbps <= 0) {
    fprintf(stderr, "exonet-bench-loss: bad arguments\n");
    return 2;
  }
  const double mss = 1448;
  double rate = rate_mbps * 1e6;
  double rtt = 2 * delay_ms / 1e3 + (1514 + 24) * 8 / rate + (66 + 24) * 8 / rate;
  double p = loss / 100;
  double mathis_mbps = mss * 8 / rtt * 1.22 / sqrt(p) / 1e6;
  printf("{\"bound\": \"mathis\", \"mss\": %.0f, \"rtt_ms\": %.3f, \"p\": %g, \"mbps\": %.3f}\n",
         mss, rtt * 1e3, p, mathis_mbps);
  int failures = 0;
  for (int cc = 0; cc < 2; cc++) {
    double sum = 0, lo = 1e30, hi = 0;
    for (unsigned s = 1; s <= seeds; s++) {
      struct exo_sim_transfer_config cfg = {
          .bytes = bytes,
          .seed = s,
          .loss_ppm = (uint32_t)llround(loss * 1e4),
          .delay_us = (uint32_t)llround(delay_ms * 1e3),
          .rate_bps = (uint64_t)llround(rate),
          .newreno = cc == 1,
      };
      struct exo_sim_transfer_result r;
      struct timespec t0, t1;
      clock_gettime(CLOCK_MONOTONIC, &t0);
      exo_sim_transfer(&cfg, &r);
      clock_gettime(CLOCK_MONOTONIC, &t1);
      double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
      if (!r.integrity_ok) failures++;
      printf("{\"cc\": \"%s\", \"seed\": %u, \"bytes\": %" PRIu64 ", \"integrity_ok\": %s, "
             "\"sim_seconds\": %.3f, \"goodput_mbps\": %.3f, \"mathis_mbps\": %.3f, "
             "\"ratio\": %.3f, \"retransmits\": %" PRIu64 ", \"timeouts\": %" PRIu64
             ", \"fast_retransmits\": %" PRIu64 ", \"wall_seconds\": %.2f}\n",
             cc ? "newreno" : "cubic", s, bytes, r.integrity_ok ? "true" : "false",
             r.sim_seconds, r.goodput_mbps, mathis_mbps, r.goodput_mbps / mathis_mbps,
             r.retransmits, r.timeouts, r.fast_retransmits, wall);
      fflush(stdout);
      sum += r.goodput_mbps;
      if (r.goodput_mbps < lo) lo = r.goodput_mbps;
      if (r.goodput_mbps > hi) hi = r.goodput_mbps;
    }
    double mean = sum / seeds;
    printf("{\"summary\": \"%s\", \"seeds\": %u, \"mean_goodput_mbps\": %.3f, \"min\": %.3f, "
           "\"max\": %.3f, \"mathis_mbps\": %.3f, \"mean_ratio\": %.3f}\n",
           cc ? "newreno" : "cubic", seeds, mean, lo, hi, mathis_mbps, mean / mathis_mbps);
  }
  return failures ? 1 : 0;
}
