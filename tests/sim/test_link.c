/* The simulated link and the fault injector in isolation: delay and serialization
 * timing, queue tail drop, hub delivery, and each fault's effect, rate and
 * reproducibility for a seed. */
#include "exonet/dev/capture.h"
#include "exonet/dev/fault.h"
#include "exonet/dev/pcap_tracer.h"
#include "exonet/errno.h"
#include "exonet/host.h"
#include "exonet/sim.h"
#include "harness.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <unistd.h>

static void send_frame(struct exo_device d, uint64_t now, size_t len, uint8_t tag) {
  struct exo_frame f = {0};
  EXO_CHECK_EQ(d.ops->tx_reserve(d.ctx, &f, len), 0);
  memset(f.data, tag, len);
  f.len = len;
  EXO_CHECK_EQ(d.ops->tx_commit(d.ctx, now, &f), 0);
}

/* Receives everything due at `now`; returns the count and the first tag. */
static int recv_all(struct exo_device d, uint64_t now, uint8_t *tags, int max) {
  struct exo_frame fr[64];
  int n = d.ops->rx_burst(d.ctx, now, fr, max < 64 ? max : 64);
  for (int i = 0; i < n; i++) tags[i] = fr[i].data[0];
  if (n > 0) d.ops->rx_release(d.ctx, fr, n);
  return n;
}

EXO_TEST(link_delay_and_rate) {
  struct exo_platform pf = exo_host_platform();
  struct exo_sim_link *l;
  EXO_CHECK_EQ(exo_sim_link_create(&pf, 2, 1500, &l), 0);
  /* 8 Mbit/s: a 976-byte frame plus 24 bytes of wire overhead takes exactly 1 ms. */
  struct exo_sim_path p = {.delay_us = 10000, .rate_bps = 8000000};
  EXO_CHECK_EQ(exo_sim_link_set_path(l, 0, &p), 0);
  struct exo_device a = exo_sim_link_port(l, 0), b = exo_sim_link_port(l, 1);
  send_frame(a, 0, 976, 1);
  send_frame(a, 0, 976, 2);
  uint8_t tags[64];
  EXO_CHECK_EQ(exo_dev_next_deadline(&b), 11000);
  EXO_CHECK_EQ(recv_all(b, 10999, tags, 64), 0);
  EXO_CHECK_EQ(recv_all(b, 11000, tags, 64), 1);
  EXO_CHECK_EQ(tags[0], 1);
  EXO_CHECK_EQ(exo_dev_next_deadline(&b), 12000);
  EXO_CHECK_EQ(recv_all(b, 12000, tags, 64), 1);
  EXO_CHECK_EQ(tags[0], 2);
  /* Nothing comes back to the sender. */
  EXO_CHECK_EQ(recv_all(a, 100000, tags, 64), 0);
  EXO_CHECK_EQ(exo_sim_link_stats(l, 0)->tx_frames, 2);
  exo_sim_link_destroy(l);
}

EXO_TEST(link_queue_tail_drop_and_hub) {
  struct exo_platform pf = exo_host_platform();
  struct exo_sim_link *l;
  EXO_CHECK_EQ(exo_sim_link_create(&pf, 3, 1500, &l), 0);
  struct exo_sim_path p = {.delay_us = 0, .rate_bps = 8000000, .queue_bytes = 3000};
  exo_sim_link_set_path(l, 0, &p);
  for (int i = 0; i < 10; i++) send_frame(exo_sim_link_port(l, 0), 0, 976, (uint8_t)i);
  EXO_CHECK(exo_sim_link_stats(l, 0)->queue_drops >= 6);
  uint8_t tags[64];
  int n1 = recv_all(exo_sim_link_port(l, 1), 1000000, tags, 64);
  int n2 = recv_all(exo_sim_link_port(l, 2), 1000000, tags, 64);
  EXO_CHECK_EQ(n1, n2); /* a hub: every other port gets a copy */
  EXO_CHECK_EQ((uint64_t)n1, exo_sim_link_stats(l, 0)->tx_frames);
  /* Frames bigger than the MTU allows are refused at reserve. */
  struct exo_frame f = {0};
  struct exo_device a = exo_sim_link_port(l, 0);
  EXO_CHECK_EQ(a.ops->tx_reserve(a.ctx, &f, 5000), -EXO_EMSGSIZE);
  exo_sim_link_destroy(l);
}

/* Runs 20000 frames through a fault injector in front of a capture device. */
static void run_faults(const struct exo_fault_config *fc, uint64_t seed, struct exo_fault_stats *st,
                       size_t *delivered, uint64_t *sum_first) {
  struct exo_platform pf = exo_host_platform();
  struct exo_capdev *cap = exo_capdev_create(1500);
  struct exo_fault *f;
  EXO_CHECK_EQ(exo_fault_create(&pf, exo_capdev_device(cap), fc, NULL, seed, &f), 0);
  struct exo_device d = exo_fault_device(f);
  uint64_t now = 0;
  for (int i = 0; i < 20000; i++, now += 100) {
    struct exo_frame fr = {0};
    EXO_CHECK_EQ(d.ops->tx_reserve(d.ctx, &fr, 100), 0);
    memset(fr.data, 0, 100);
    exo_wr32(fr.data, (uint32_t)i);
    fr.len = 100;
    d.ops->tx_commit(d.ctx, now, &fr);
    struct exo_frame none[1];
    d.ops->rx_burst(d.ctx, now, none, 1); /* releases held frames that are due */
  }
  struct exo_frame none[1];
  d.ops->rx_burst(d.ctx, now + 10000000, none, 1);
  *st = *exo_fault_tx_stats(f);
  *delivered = exo_capdev_tx_count(cap);
  *sum_first = 0;
  for (size_t i = 0; i < *delivered && i < 1000; i++) {
    size_t len;
    const uint8_t *p = exo_capdev_tx_frame(cap, i, &len);
    *sum_first = *sum_first * 31 + exo_rd32(p) + p[50];
  }
  exo_fault_destroy(f);
  exo_capdev_destroy(cap);
}

EXO_TEST(fault_rates_and_reproducibility) {
  struct exo_fault_config fc = {.loss_ppm = 100000, .dup_ppm = 50000, .reorder_ppm = 20000,
                                .corrupt_ppm = 10000, .reorder_us = 1000};
  struct exo_fault_stats a, b;
  size_t na, nb;
  uint64_t ha, hb;
  run_faults(&fc, 7, &a, &na, &ha);
  run_faults(&fc, 7, &b, &nb, &hb);
  EXO_CHECK_EQ(na, nb);
  EXO_CHECK_EQ(ha, hb);
  EXO_CHECK_EQ(a.dropped, b.dropped);
  /* 20000 frames: 10 % loss is 2000 +- a few sigma (sigma ~ 42). */
  EXO_CHECK(a.dropped > 1800 && a.dropped < 2200);
  EXO_CHECK(a.duplicated > 700 && a.duplicated < 1100);  /* 5 % of the 90 % kept */
  EXO_CHECK(a.reordered > 250 && a.reordered < 500);
  EXO_CHECK(a.corrupted > 100 && a.corrupted < 260);
  EXO_CHECK_EQ(na, 20000 - a.dropped + a.duplicated);
  run_faults(&fc, 8, &b, &nb, &hb);
  EXO_CHECK(ha != hb);
}

EXO_TEST(fault_delay_rate_and_passthrough) {
  struct exo_platform pf = exo_host_platform();
  struct exo_capdev *cap = exo_capdev_create(1500);
  struct exo_fault_config fc = {.delay_us = 500, .rate_bps = 8000000};
  struct exo_fault *f;
  EXO_CHECK_EQ(exo_fault_create(&pf, exo_capdev_device(cap), &fc, NULL, 1, &f), 0);
  struct exo_device d = exo_fault_device(f);
  for (int i = 0; i < 3; i++) {
    struct exo_frame fr = {0};
    EXO_CHECK_EQ(d.ops->tx_reserve(d.ctx, &fr, 1000), 0);
    memset(fr.data, i, 1000);
    fr.len = 1000;
    d.ops->tx_commit(d.ctx, 0, &fr);
  }
  EXO_CHECK_EQ(exo_capdev_tx_count(cap), 0);
  /* 1000 bytes at 8 Mbit/s = 1 ms each, then 0.5 ms of delay. */
  EXO_CHECK_EQ(exo_dev_next_deadline(&d), 1500);
  struct exo_frame none[1];
  d.ops->rx_burst(d.ctx, 1499, none, 1);
  EXO_CHECK_EQ(exo_capdev_tx_count(cap), 0);
  d.ops->rx_burst(d.ctx, 1500, none, 1);
  EXO_CHECK_EQ(exo_capdev_tx_count(cap), 1);
  d.ops->rx_burst(d.ctx, 3500, none, 1);
  EXO_CHECK_EQ(exo_capdev_tx_count(cap), 3);
  EXO_CHECK_EQ(exo_capdev_tx_time(cap, 2), 3500);
  exo_fault_destroy(f);
  /* No faults: frames pass straight through at once. */
  exo_capdev_tx_clear(cap);
  EXO_CHECK_EQ(exo_fault_create(&pf, exo_capdev_device(cap), NULL, NULL, 1, &f), 0);
  d = exo_fault_device(f);
  struct exo_frame fr = {0};
  EXO_CHECK_EQ(d.ops->tx_reserve(d.ctx, &fr, 60), 0);
  fr.len = 60;
  memset(fr.data, 0, 60);
  d.ops->tx_commit(d.ctx, 5, &fr);
  EXO_CHECK_EQ(exo_capdev_tx_count(cap), 1);
  EXO_CHECK_EQ(exo_dev_next_deadline(&d), UINT64_MAX);
  exo_fault_destroy(f);
  exo_capdev_destroy(cap);
}

EXO_TEST(fault_receive_side) {
  struct exo_platform pf = exo_host_platform();
  struct exo_capdev *cap = exo_capdev_create(1500);
  struct exo_fault_config rx = {.loss_ppm = 500000, .corrupt_ppm = 1000000};
  struct exo_fault *f;
  EXO_CHECK_EQ(exo_fault_create(&pf, exo_capdev_device(cap), NULL, &rx, 3, &f), 0);
  uint8_t frame[64] = {0};
  for (int i = 0; i < 200; i++) exo_capdev_inject(cap, frame, sizeof frame);
  struct exo_device d = exo_fault_device(f);
  int total = 0;
  for (int round = 0; round < 20; round++) {
    struct exo_frame fr[32];
    int n = d.ops->rx_burst(d.ctx, 0, fr, 32);
    for (int i = 0; i < n; i++) {
      /* Exactly one bit differs from the original. */
      int bits = 0;
      for (size_t k = 0; k < fr[i].len; k++) bits += __builtin_popcount(fr[i].data[k]);
      EXO_CHECK_EQ(bits, 1);
    }
    if (n > 0) d.ops->rx_release(d.ctx, fr, n);
    total += n;
  }
  EXO_CHECK(total > 60 && total < 140);
  EXO_CHECK_EQ((uint64_t)total, 200 - exo_fault_rx_stats(f)->dropped);
  exo_fault_destroy(f);
  exo_capdev_destroy(cap);
}

EXO_TEST(three_stacks_on_one_link) {
  struct exo_host_seeded seeded;
  struct exo_platform pf = exo_host_platform_seeded(&seeded, 11);
  struct exo_sim_link *l;
  EXO_CHECK_EQ(exo_sim_link_create(&pf, 3, 1500, &l), 0);
  struct exo_sim_path p = {.delay_us = 1000, .rate_bps = 10000000};
  for (unsigned i = 0; i < 3; i++) exo_sim_link_set_path(l, i, &p);
  struct exo_stack *st[3];
  struct exo_udp_sock *u[3];
  for (unsigned i = 0; i < 3; i++) {
    struct exo_stack_config c = {.mac = {{0x02, 0, 0, 0, 0, (uint8_t)(i + 1)}},
                                 .addr = EXO_IPV4(10, 1, 0, i + 1), .netmask = 0xffffff00u};
    EXO_CHECK_EQ(exo_stack_create(&pf, &c, exo_sim_link_port(l, i), 0, &st[i]), 0);
    EXO_CHECK_EQ(exo_udp_open(st[i], &u[i]), 0);
    EXO_CHECK_EQ(exo_udp_bind(u[i], 0, 9000), 0);
  }
  uint64_t now = 0;
  EXO_CHECK_EQ(exo_udp_sendto(u[0], now, "from-a", 6, EXO_IPV4(10, 1, 0, 3), 9000), 6);
  EXO_CHECK_EQ(exo_udp_sendto(u[1], now, "from-b", 6, EXO_IPV4(10, 1, 0, 3), 9000), 6);
  while (now < 100000) now = exo_sim_step(st, 3, now, 100000);
  char buf[16];
  uint32_t src;
  int got_a = 0, got_b = 0;
  for (;;) {
    int n = exo_udp_recvfrom(u[2], buf, sizeof buf, &src, NULL, NULL);
    if (n < 0) break;
    EXO_CHECK_EQ(n, 6);
    if (src == EXO_IPV4(10, 1, 0, 1) && memcmp(buf, "from-a", 6) == 0) got_a++;
    if (src == EXO_IPV4(10, 1, 0, 2) && memcmp(buf, "from-b", 6) == 0) got_b++;
  }
  EXO_CHECK_EQ(got_a, 1);
  EXO_CHECK_EQ(got_b, 1);
  /* B heard A's and C's frames on the hub but took none of them for itself. */
  EXO_CHECK_EQ(exo_udp_recvfrom(u[1], buf, sizeof buf, NULL, NULL, NULL), -EXO_EAGAIN);
  EXO_CHECK(exo_stack_counters(st[1])->eth_not_for_us > 0);
  for (unsigned i = 0; i < 3; i++) exo_stack_destroy(st[i]);
  exo_sim_link_destroy(l);
}

EXO_TEST(pcap_tracer_writes_both_directions) {
  struct exo_capdev *cap = exo_capdev_create(1500);
  char path[] = "/tmp/exonet-tracer-XXXXXX";
  int fd = mkstemp(path);
  EXO_CHECK(fd >= 0);
  close(fd);
  struct exo_pcap_tracer *t;
  EXO_CHECK_EQ(exo_pcap_tracer_create(exo_capdev_device(cap), path, 1000000000ull * 1000000, &t), 0);
  struct exo_device d = exo_pcap_tracer_device(t);
  struct exo_frame f = {0};
  EXO_CHECK_EQ(d.ops->tx_reserve(d.ctx, &f, 60), 0);
  memset(f.data, 0xaa, 60);
  f.len = 60;
  EXO_CHECK_EQ(d.ops->tx_commit(d.ctx, 1500000, &f), 0);
  uint8_t in[70];
  memset(in, 0xbb, sizeof in);
  exo_capdev_inject(cap, in, sizeof in);
  struct exo_frame rx[4];
  EXO_CHECK_EQ(d.ops->rx_burst(d.ctx, 2000001, rx, 4), 1);
  d.ops->rx_release(d.ctx, rx, 1);
  EXO_CHECK_EQ(exo_pcap_tracer_frames(t), 2);
  exo_pcap_tracer_destroy(t);
  EXO_CHECK_EQ(exo_capdev_tx_count(cap), 1); /* passed through */
  char err[PCAP_ERRBUF_SIZE];
  pcap_t *p = pcap_open_offline(path, err);
  EXO_CHECK(p != NULL);
  if (p) {
    EXO_CHECK_EQ(pcap_datalink(p), DLT_EN10MB);
    struct pcap_pkthdr *h;
    const u_char *data;
    EXO_CHECK_EQ(pcap_next_ex(p, &h, &data), 1);
    EXO_CHECK_EQ(h->caplen, 60);
    EXO_CHECK_EQ(data[0], 0xaa);
    EXO_CHECK_EQ(h->ts.tv_sec, 1000000001);
    EXO_CHECK_EQ(h->ts.tv_usec, 500000);
    EXO_CHECK_EQ(pcap_next_ex(p, &h, &data), 1);
    EXO_CHECK_EQ(h->caplen, 70);
    EXO_CHECK_EQ(data[0], 0xbb);
    EXO_CHECK_EQ(h->ts.tv_sec, 1000000002);
    EXO_CHECK_EQ(h->ts.tv_usec, 1);
    EXO_CHECK(pcap_next_ex(p, &h, &data) != 1);
    pcap_close(p);
  }
  unlink(path);
  EXO_CHECK(exo_pcap_tracer_create(exo_capdev_device(cap), "/nonexistent/dir/x.pcap", 0, &t) ==
            -EXO_EIO);
  exo_capdev_destroy(cap);
}
