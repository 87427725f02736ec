/* One TCP transfer between two stacks over the simulated link (exo_sim_transfer).
 *
 * Layout: stack A (10.0.0.1) -- fault A -- [pcap tracer] -- port 0 ==link== port 1 --
 * fault B -- stack B (10.0.0.2). Each fault injector applies the configured faults to
 * the frames its stack transmits, so both the data and the ACK direction see them. B
 * listens, A connects; the data flows A->B, or B->A when `reverse`.
 *
 * Invariants: everything random comes from cfg->seed (the stacks' keys and ISNs through
 * a seeded platform, the faults through their own seeded generators, the payload
 * through a third), and time only from the simulated clock, so a configuration always
 * gives the same result. The payload is generated on the fly and hashed on both ends;
 * nothing of size `bytes` is ever held in memory. */
#include <stdlib.h>

#include "exonet/dev/fault.h"
#include "exonet/dev/pcap_tracer.h"
#include "exonet/errno.h"
#include "exonet/host.h"
#include "exonet/sim.h"
#include "stack/tcp.h"

#define CHUNK 65536
#define PORT 5001

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

#define FNV_INIT 0xcbf29ce484222325ull

struct gen {
  struct exo_rng rng;
  uint8_t buf[CHUNK];
  size_t len, off; /* bytes in buf, bytes of it already sent */
};

static void gen_fill(struct gen *g, uint64_t remaining) {
  g->len = remaining < CHUNK ? (size_t)remaining : CHUNK;
  for (size_t i = 0; i < g->len; i += 8) {
    uint64_t v = exo_rng_next(&g->rng);
    for (size_t j = 0; j < 8 && i + j < g->len; j++) g->buf[i + j] = (uint8_t)(v >> (8 * j));
  }
  g->off = 0;
}

int exo_sim_transfer(const struct exo_sim_transfer_config *cfg,
                     struct exo_sim_transfer_result *res) {
  exo_memset(res, 0, sizeof *res);
  int rc;
  struct exo_host_seeded seeded;
  struct exo_platform pf = exo_host_platform_seeded(&seeded, cfg->seed * 0x9e3779b97f4a7c15ull + 7);
  struct exo_sim_link *link = NULL;
  struct exo_fault *fa = NULL, *fb = NULL;
  struct exo_pcap_tracer *tracer = NULL;
  struct exo_stack *sa = NULL, *sb = NULL;
  struct exo_tcp_sock *listener = NULL, *client = NULL, *server = NULL;
  uint64_t now = 0;
  struct gen *g = malloc(sizeof *g);
  uint8_t *rbuf = malloc(CHUNK);
  struct gen *check = malloc(sizeof *check);
  if (!g || !rbuf || !check) {
    rc = -EXO_ENOMEM;
    goto out;
  }
  exo_rng_seed(&g->rng, cfg->seed ^ 0x5eed5eed5eed5eedull);
  g->len = g->off = 0;
  /* The receiver regenerates the stream to find the first wrong byte, if any. */
  exo_rng_seed(&check->rng, cfg->seed ^ 0x5eed5eed5eed5eedull);
  check->len = check->off = 0;
  res->first_mismatch = UINT64_MAX;

  rc = exo_sim_link_create(&pf, 2, 1500, &link);
  if (rc < 0) goto out;
  struct exo_sim_path path = {
      .delay_us = cfg->delay_us, .rate_bps = cfg->rate_bps, .queue_bytes = cfg->queue_bytes};
  exo_sim_link_set_path(link, 0, &path);
  exo_sim_link_set_path(link, 1, &path);
  struct exo_device port0 = exo_sim_link_port(link, 0);
  if (cfg->pcap_path) {
    rc = exo_pcap_tracer_create(port0, cfg->pcap_path, 0, &tracer);
    if (rc < 0) goto out;
    port0 = exo_pcap_tracer_device(tracer);
  }
  struct exo_fault_config fc = {
      .loss_ppm = cfg->loss_ppm,
      .dup_ppm = cfg->dup_ppm,
      .reorder_ppm = cfg->reorder_ppm,
      .corrupt_ppm = cfg->corrupt_ppm,
      .jitter_us = cfg->jitter_us,
  };
  rc = exo_fault_create(&pf, port0, &fc, NULL, cfg->seed * 2 + 1, &fa);
  if (rc < 0) goto out;
  rc = exo_fault_create(&pf, exo_sim_link_port(link, 1), &fc, NULL, cfg->seed * 2 + 2, &fb);
  if (rc < 0) goto out;

  struct exo_stack_config sc = {
      .mac = {{0x02, 0, 0, 0, 0, 0x01}},
      .addr = EXO_IPV4(10, 0, 0, 1),
      .netmask = 0xffffff00u,
      .tcp_cc = cfg->newreno ? "newreno" : "cubic",
      .tcp_sndbuf = cfg->sndbuf,
      .tcp_rcvbuf = cfg->rcvbuf,
  };
  rc = exo_stack_create(&pf, &sc, exo_fault_device(fa), 0, &sa);
  if (rc < 0) goto out;
  sc.mac.b[5] = 0x02;
  sc.addr = EXO_IPV4(10, 0, 0, 2);
  rc = exo_stack_create(&pf, &sc, exo_fault_device(fb), 0, &sb);
  if (rc < 0) goto out;
  struct exo_stack *stacks[2] = {sa, sb};

  if ((rc = exo_stack_tcp_open(sb, &listener)) < 0) goto out;
  if ((rc = exo_tcp_bind(listener, 0, PORT)) < 0) goto out;
  if ((rc = exo_tcp_listen(listener, 4)) < 0) goto out;
  if ((rc = exo_stack_tcp_open(sa, &client)) < 0) goto out;
  rc = exo_tcp_connect(client, now, EXO_IPV4(10, 0, 0, 2), PORT);
  if (rc != -EXO_EINPROGRESS && rc != 0) goto out;
  rc = 0;

  uint64_t limit = cfg->max_sim_us ? cfg->max_sim_us : 3600ull * 1000000;
  uint64_t hs = FNV_INIT, hr = FNV_INIT;
  bool shut = false, done = false;
  while (!done && now < limit) {
    now = exo_sim_step(stacks, 2, now, limit);
    res->events++;
    if (!server) {
      int a = exo_tcp_accept(listener, &server);
      if (a < 0 && a != -EXO_EAGAIN) {
        rc = a;
        break;
      }
      if (a < 0) server = NULL;
    }
    struct exo_tcp_sock *snd = cfg->reverse ? server : client;
    struct exo_tcp_sock *rcv = cfg->reverse ? client : server;
    if (snd && !shut) {
      while (res->bytes_sent < cfg->bytes) {
        if (g->off == g->len) {
          gen_fill(g, cfg->bytes - res->bytes_sent);
        }
        ptrdiff_t n = exo_tcp_send(snd, now, g->buf + g->off, g->len - g->off);
        if (n == -EXO_EAGAIN || n == -EXO_ENOTCONN) break;
        if (n < 0) {
          res->error = (int)n;
          break;
        }
        hs = fnv1a(hs, g->buf + g->off, (size_t)n);
        g->off += (size_t)n;
        res->bytes_sent += (uint64_t)n;
      }
      if (res->error) break;
      if (res->bytes_sent == cfg->bytes) {
        int s = exo_tcp_shutdown(snd, now, EXO_TCP_SHUT_WR);
        if (s == 0) shut = true;
      }
    }
    if (rcv) {
      for (;;) {
        ptrdiff_t n = exo_tcp_recv(rcv, now, rbuf, CHUNK, 0);
        if (n > 0) {
          hr = fnv1a(hr, rbuf, (size_t)n);
          for (size_t i = 0; i < (size_t)n && res->first_mismatch == UINT64_MAX; i++) {
            if (check->off == check->len) {
              if (res->bytes_received + i >= cfg->bytes) {
                res->first_mismatch = res->bytes_received + i; /* more than was sent */
                break;
              }
              gen_fill(check, cfg->bytes - (res->bytes_received + i));
            }
            if (check->buf[check->off++] != rbuf[i]) res->first_mismatch = res->bytes_received + i;
          }
          res->bytes_received += (uint64_t)n;
          continue;
        }
        if (n == 0) {
          done = true;
          res->completed = true;
        } else if (n != -EXO_EAGAIN) {
          res->error = (int)n;
        }
        break;
      }
      if (res->error) break;
    }
  }
  res->sim_seconds = (double)now / 1e6;
  res->hash_sent = hs;
  res->hash_received = hr;
  res->integrity_ok = res->completed && res->bytes_received == cfg->bytes &&
                      res->bytes_sent == cfg->bytes && hs == hr;
  if (res->sim_seconds > 0)
    res->goodput_mbps = (double)res->bytes_received * 8 / res->sim_seconds / 1e6;
  const struct exo_tcp_stats *ts = exo_stack_tcp_stats(cfg->reverse ? sb : sa);
  res->retransmits = ts->retransmits;
  res->timeouts = ts->timeouts;
  res->fast_retransmits = ts->fast_retransmits;
  const struct exo_fault_stats *f1 = exo_fault_tx_stats(fa), *f2 = exo_fault_tx_stats(fb);
  res->frames_lost = f1->dropped + f2->dropped;
  res->frames_duplicated = f1->duplicated + f2->duplicated;
  res->frames_reordered = f1->reordered + f2->reordered;
  res->frames_corrupted = f1->corrupted + f2->corrupted;
  for (int i = 0; i < 2; i++) {
    const struct exo_stack_counters *c = exo_stack_counters(stacks[i]);
    res->bad_checksums += c->ip_bad_checksum + c->tcp_bad_checksum + c->udp_bad_checksum +
                          c->icmp_bad_checksum;
  }
  if (!res->error && !res->completed) res->error = -EXO_ETIMEDOUT;

out:
  if (client) exo_tcp_abort(client, now);
  if (server) exo_tcp_abort(server, now);
  if (listener) exo_tcp_close(listener, now);
  exo_stack_destroy(sa);
  exo_stack_destroy(sb);
  exo_fault_destroy(fa);
  exo_fault_destroy(fb);
  exo_pcap_tracer_destroy(tracer);
  exo_sim_link_destroy(link);
  free(g);
  free(check);
  free(rbuf);
  if (rc < 0 && !res->error) res->error = rc;
  return rc;
}
