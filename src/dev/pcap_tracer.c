/* The pcap tracer (see include/exonet/dev/pcap_tracer.h).
 *
 * Invariants: frames are written in the order they pass (transmits at commit, receives
 * at rx_burst), each stamped epoch_us + now; the tracer never holds or copies a frame. */
#include "exonet/dev/pcap_tracer.h"

#include <pcap/pcap.h>
#include <stdlib.h>

#include "exonet/errno.h"

struct exo_pcap_tracer {
  struct exo_device inner;
  pcap_t *pcap;
  pcap_dumper_t *dumper;
  uint64_t epoch_us;
  uint64_t frames;
};

static void dump(struct exo_pcap_tracer *t, uint64_t now, const uint8_t *data, size_t len) {
  uint64_t ts = t->epoch_us + now;
  struct pcap_pkthdr h;
  h.ts.tv_sec = (time_t)(ts / 1000000);
  h.ts.tv_usec = (suseconds_t)(ts % 1000000);
  h.caplen = (bpf_u_int32)len;
  h.len = (bpf_u_int32)len;
  pcap_dump((u_char *)t->dumper, &h, data);
  t->frames++;
}

static int tr_rx_burst(void *ctx, uint64_t now, struct exo_frame *frames, int max) {
  struct exo_pcap_tracer *t = ctx;
  int n = t->inner.ops->rx_burst(t->inner.ctx, now, frames, max);
  for (int i = 0; i < n; i++) dump(t, now, frames[i].data, frames[i].len);
  return n;
}

static void tr_rx_release(void *ctx, struct exo_frame *frames, int count) {
  struct exo_pcap_tracer *t = ctx;
  t->inner.ops->rx_release(t->inner.ctx, frames, count);
}

static int tr_tx_reserve(void *ctx, struct exo_frame *frame, size_t len) {
  struct exo_pcap_tracer *t = ctx;
  return t->inner.ops->tx_reserve(t->inner.ctx, frame, len);
}

static int tr_tx_commit(void *ctx, uint64_t now, struct exo_frame *frame) {
  struct exo_pcap_tracer *t = ctx;
  dump(t, now, frame->data, frame->len);
  return t->inner.ops->tx_commit(t->inner.ctx, now, frame);
}

static void tr_tx_abort(void *ctx, struct exo_frame *frame) {
  struct exo_pcap_tracer *t = ctx;
  t->inner.ops->tx_abort(t->inner.ctx, frame);
}

static void tr_caps(void *ctx, struct exo_dev_caps *caps) {
  struct exo_pcap_tracer *t = ctx;
  t->inner.ops->caps(t->inner.ctx, caps);
}

static int tr_fd(void *ctx) {
  struct exo_pcap_tracer *t = ctx;
  return exo_dev_fd(&t->inner);
}

static uint64_t tr_next_deadline(void *ctx) {
  struct exo_pcap_tracer *t = ctx;
  return exo_dev_next_deadline(&t->inner);
}

static const struct exo_device_ops tracer_ops = {
    .rx_burst = tr_rx_burst,
    .rx_release = tr_rx_release,
    .tx_reserve = tr_tx_reserve,
    .tx_commit = tr_tx_commit,
    .tx_abort = tr_tx_abort,
    .caps = tr_caps,
    .fd = tr_fd,
    .next_deadline = tr_next_deadline,
};

int exo_pcap_tracer_create(struct exo_device inner, const char *path, uint64_t epoch_us,
                           struct exo_pcap_tracer **out) {
  if (!inner.ops || !path || !out) return -EXO_EINVAL;
  struct exo_pcap_tracer *t = calloc(1, sizeof *t);
  if (!t) return -EXO_ENOMEM;
  t->inner = inner;
  t->epoch_us = epoch_us;
  t->pcap = pcap_open_dead(DLT_EN10MB, 65535);
  if (!t->pcap) {
    free(t);
    return -EXO_ENOMEM;
  }
  t->dumper = pcap_dump_open(t->pcap, path);
  if (!t->dumper) {
    pcap_close(t->pcap);
    free(t);
    return -EXO_EIO;
  }
  *out = t;
  return 0;
}

void exo_pcap_tracer_destroy(struct exo_pcap_tracer *t) {
  if (!t) return;
  pcap_dump_close(t->dumper);
  pcap_close(t->pcap);
  free(t);
}

struct exo_device exo_pcap_tracer_device(struct exo_pcap_tracer *t) {
  return (struct exo_device){.ops = &tracer_ops, .ctx = t};
}

uint64_t exo_pcap_tracer_frames(const struct exo_pcap_tracer *t) { return t->frames; }
